"""Writes labelled.jsonl next to this file: python3 generate_labelled.py

Cards are random Luhn-valid numbers; the seed keeps the file stable.
"""
import json, os, random
random.seed(6)

def luhn_complete(prefix, length):
    digits = [int(c) for c in prefix]
    while len(digits) < length - 1:
        digits.append(random.randint(0, 9))
    s = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9: d -= 9
        s += d
    check = (10 - s % 10) % 10
    return ''.join(map(str, digits + [check]))

def luhn_ok(n):
    s = 0
    for i, c in enumerate(reversed(n)):
        d = int(c)
        if i % 2 == 1:
            d *= 2
            if d > 9: d -= 9
        s += d
    return s % 10 == 0

def card(kind=None):
    kind = kind or random.choice(['visa', 'mc', 'mc2', 'mir', 'amex', 'maestro', 'visa13', 'unionpay'])
    return {
        'visa': lambda: luhn_complete('4' + str(random.randint(0, 99999)).zfill(5), 16),
        'visa13': lambda: luhn_complete('4' + str(random.randint(0, 99999)).zfill(5), 13),
        'mc': lambda: luhn_complete(str(random.randint(51, 55)), 16),
        'mc2': lambda: luhn_complete(str(random.randint(2221, 2720)), 16),
        'mir': lambda: luhn_complete(str(random.randint(2200, 2204)), 16),
        'amex': lambda: luhn_complete(random.choice(['34', '37']), 15),
        'maestro': lambda: luhn_complete(random.choice(['6762', '5018', '6390']), 19),
        'unionpay': lambda: luhn_complete('62' + str(random.randint(0, 9999)).zfill(4), 16),
    }[kind]()

def group(n, sizes, sep):
    out, i = [], 0
    for s in sizes:
        out.append(n[i:i+s]); i += s
    if i < len(n): out.append(n[i:])
    return sep.join(out)

FW = str.maketrans('0123456789', '０１２３４５６７８９')
shapes = [
    lambda n: n,
    lambda n: group(n, [4, 4, 4, 4], ' '),
    lambda n: group(n, [4, 4, 4, 4], '-'),
    lambda n: group(n, [4, 4, 4, 4], '.'),
    lambda n: group(n, [4, 4, 4, 4], '\n'),
    lambda n: group(n, [4, 4, 4, 4], '  '),
    lambda n: group(n, [4, 4, 4, 4], ' - '),
    lambda n: n.translate(FW),
    lambda n: group(n, [4, 4, 4, 4], ' ').translate(FW),
    lambda n: '\u200b'.join(n),
    lambda n: group(n, [4, 4, 4, 4], '\u200b'),
    lambda n: group(n, [4, 4, 4, 4], '\u00a0'),
    lambda n: group(n, [4, 6, 5], ' '),
    lambda n: group(n, [2, 2, 2, 2, 2, 2, 2, 2], ' '),
    lambda n: group(n, [8], ' '),
    lambda n: ' '.join(n),
    lambda n: group(n, [4, 4, 4, 4], '\u2009'),
    lambda n: group(n, [4, 4, 4, 4], '\u00ad'),
]
card_frames = [
    "моя карта {c}", "Карта {c}, не проходит оплата", "{c}", "вот номер карты: {c}",
    "Списали деньги с карты {c} дважды", "card {c} declined", "Please refund to {c}",
    "Верните на эту: {c} спасибо", "{c} — это карта, на которую платила", "Номер {c}",
    "Оплатил картой мир {c} а заказа нет", "переведите на {c}", "Visa {c}",
    "Здравствуйте! Платёж не прошёл\n{c}\nчто делать?", "карта: {c} срок 12/27",
    "Добрый день, у меня списание по карте {c}, срок действия 05/29, помогите",
    "{c} 09/28", "не проходит {c}", "{c} это моя", "Номер карты {c} cvv 123",
]
rows = []
def add(source, text, expect, secrets=(), previous=None, note=None, strict=False):
    r = {'source': source, 'text': text, 'expect': expect}
    if secrets: r['secrets'] = list(secrets)
    if previous is not None: r['previous'] = previous
    if strict: r['strict'] = True
    if note: r['note'] = note
    rows.append(r)

# cards in many shapes
for i in range(90):
    n = card()
    shaped = random.choice(shapes)(n)
    frame = card_frames[i % len(card_frames)]
    text = frame.format(c=shaped)
    kinds = ['card_number']
    secrets = [n]
    if '12/27' in frame or '05/29' in frame or '09/28' in frame:
        kinds.append('card_expiry')
    if 'cvv 123' in frame:
        kinds.append('cvv'); secrets.append('123')
    add('customer', text, kinds, secrets)

# split across two messages
for i in range(10):
    n = card(random.choice(['visa', 'mir', 'mc']))
    cut = random.choice([4, 8, 12])
    prev = random.choice(["номер карты ", "карта ", "вот: ", ""]) + group(n[:cut], [4, 4, 4], ' ')
    cur = group(n[cut:], [4, 4, 4], ' ')
    add('customer', cur, ['card_number'], [], previous=prev, note='split')

# cvv / codes / pins / passwords
cvv_frames = ["cvv {x}", "CVC: {x}", "код на обороте {x}", "три цифры на обороте карты {x}", "cvv2 — {x}",
    "{x} это cvv", "Вот цифры с обратной стороны: {x}", "сvv {x}", "security code {x}", "код безопасности {x}",
    "3 цифры сзади? {x}", "CVV {x}, срок 11/26"]
for i, f in enumerate(cvv_frames * 2):
    x = str(random.randint(100, 999))
    if i == 10: x = str(random.randint(100, 999))
    kinds = ['cvv'] + (['card_expiry'] if '11/26' in f else [])
    if f.startswith("3 цифры сзади"):
        kinds = ['cvv']
    add('customer', f.format(x=x), kinds, [x])
otp_frames = ["код из смс {x}", "Код из SMS: {x}", "пришёл код {x}", "Мне пришла смс с кодом {x}, что это?",
    "{x} — код из смс", "одноразовый пароль {x}", "код подтверждения {x}", "push-код {x}", "sms code {x}",
    "my verification code is {x}", "Вот код: {x}", "код {x} не подходит", "ввожу код {x}, пишет ошибка",
    "смс: {x}", "one-time code {x}", "code {x}", "пароль из смс {x}", "Код пришёл — {x}",
    "Код из пуша {x}", "OTP {x}"]
for f in otp_frames:
    for length in (4, 6):
        x = str(random.randint(10 ** (length - 1), 10 ** length - 1))
        add('customer', f.format(x=x), ['one_time_code'], [x])
for f in ["пин-код {x}", "ПИН {x}", "pin {x}", "мой пин {x}", "pin code {x}"]:
    x = str(random.randint(1000, 9999))
    add('customer', f.format(x=x), ['pin'], [x])
pw = ["Qwerty123", "hunter2!", "S3cr3t#Pass", "ivan1985", "Пароль2024", "MyDog_Rex", "p@ssw0rd", "zaq1xsw2", "Tr0ub4dor&3", "letmein99"]
pw_frames = ["пароль: {x}", "мой пароль {x}", "Пароль от личного кабинета {x}", "password: {x}", "my password is {x}",
    "логин ivan.petrov, пароль {x}", "пароль — {x}", "Пароль={x}", "зайти не могу, пароль {x} не подходит", "pwd: {x}"]
for f, x in zip(pw_frames, pw):
    add('customer', f.format(x=x), ['password'], [x])
add('customer', 'password: correcthorse', ['password'], ['correcthorse'])
add('customer', 'пароль: 84920137', ['password'], ['84920137'])

# bank mode: every Luhn-valid run
for i in range(6):
    n = luhn_complete(random.choice(['1', '7', '8', '9', '0']), 16)
    add('customer', f"номер {group(n, [4,4,4,4], ' ')}", ['card_number'], [n], strict=True, note='bank')

# look-alikes that must pass
def phone():
    return random.choice([
        "+7 916 {a}-{b}-{c}", "8 (800) {a2}-{b}-{c}", "+7({a2}){a}{b}{c}", "89{a2}{a}{b}{c}", "+7 9{b} {a} {b} {c}",
    ]).format(a=random.randint(100, 999), a2=random.randint(100, 999), b=str(random.randint(10, 99)), c=str(random.randint(10, 99)))
neg_frames = [
    lambda: f"Номер заказа {random.randint(10**7, 10**9)}",
    lambda: f"заказ № {random.randint(10**11, 10**13)} не пришёл",
    lambda: f"Мой телефон {phone()}",
    lambda: f"позвоните мне {phone()}",
    lambda: f"Списали {random.randint(1, 99)} {random.randint(100, 999)} руб",
    lambda: f"сумма {random.randint(1000, 99999)},{random.randint(10, 99)} ₽",
    lambda: f"вернули {random.randint(100, 9999)} рублей вместо {random.randint(100, 9999)}",
    lambda: f"доставка {random.randint(1, 28):02d}.{random.randint(1, 12):02d}.2026",
    lambda: f"заказ от {random.randint(1, 28)}.{random.randint(1, 12):02d}.2025, трек {random.choice(['RA', 'RB', 'LP', 'CP'])}{random.randint(10**8, 10**9 - 1)}RU",
    lambda: f"Трек-номер {random.randint(10**13, 10**14 - 1)}",
    lambda: f"трек номер {random.randint(10**13, 10**14 - 1)} не отслеживается",
    lambda: f"ИНН {random.randint(10**11, 10**12 - 1)}",
    lambda: f"СНИЛС {random.randint(100, 999)}-{random.randint(100, 999)}-{random.randint(100, 999)} {random.randint(10, 99)}",
    lambda: f"счёт {random.randint(10**19, 10**20 - 1)}",
    lambda: f"Бронирование {random.choice(['ABC123', 'XK7P2Q', 'Q1W2E3'])}, рейс SU {random.randint(1000, 2999)}",
    lambda: f"номер брони {random.randint(10**9, 10**12)}",
    lambda: f"в {random.randint(0, 23)}:{random.randint(10, 59)} пришло уведомление",
    lambda: f"промокод SALE{random.randint(10, 99)} не работает",
    lambda: f"код пункта выдачи {random.randint(1000, 9999)}",
    lambda: f"код ошибки {random.choice([403, 500, 1024, 4012])}",
    lambda: f"Код из смс не приходит уже {random.randint(5, 40)} минут",
    lambda: f"жду код {random.randint(10, 30)} мин",
    lambda: f"артикул {random.randint(10**7, 10**10)}",
    lambda: f"{random.randint(2, 9)} шт по {random.randint(100, 9999)} р",
    lambda: f"купил {random.randint(2, 5)} товара за {random.randint(1000, 9000)}",
    lambda: f"Я забыл пароль, как восстановить?",
    lambda: f"пароль не подходит",
    lambda: f"Сменил пароль вчера, а войти не могу",
    lambda: f"password reset doesn't work",
    lambda: f"последние цифры карты {random.randint(1000, 9999)}",
    lambda: f"карта заканчивается на {random.randint(1000, 9999)}",
    lambda: f"чек № {random.randint(10**5, 10**8)} от {random.randint(1, 28):02d}.{random.randint(1, 12):02d}",
    lambda: f"заказ {luhn_complete('4', 16)} не приехал",
    lambda: f"Номер отправления {luhn_complete('5', 14)}",
    lambda: f"транзакция {luhn_complete('4', 16)}",
    lambda: f"id {luhn_complete('2', 16)}",
    lambda: f"https://shop.example/item/{luhn_complete('4', 16)}",
    lambda: f"Рейс {random.randint(1000, 9999)}, билет {random.randint(10**12, 10**13 - 1)}",
    lambda: f"индекс {random.randint(100000, 999999)}, дом {random.randint(1, 99)}",
    lambda: f"Спасибо, всё получил! Оценка {random.randint(1, 5)}/5",
    lambda: f"звонил {random.randint(2, 9)} раз, никто не ответил",
    lambda: f"{random.randint(2018, 2026)} год выпуска",
    lambda: f"Версия приложения {random.randint(1, 9)}.{random.randint(0, 30)}.{random.randint(0, 999)}",
    lambda: f"IMEI {random.randint(10**14, 10**15 - 1)}",
    lambda: f"полис ОСАГО {random.randint(10**9, 10**10 - 1)}",
    lambda: f"Паспорт {random.randint(1000, 9999)} {random.randint(100000, 999999)}",
    lambda: f"вес {random.randint(1, 30)} кг, {random.randint(10, 90)} см",
    lambda: f"Миль на счёте: {random.randint(1000, 99999)}",
    lambda: f"номер квитанции {random.randint(10**9, 10**14)}",
    lambda: f"подскажите, где мой заказ {random.randint(10**5, 10**9)}?",
]
for i in range(200):
    add('customer', neg_frames[i % len(neg_frames)](), [])

# operator requests (must be refused)
requests = [
    ("Продиктуйте, пожалуйста, цифры с обратной стороны карты", "cvv"),
    ("Назовите код, который пришёл", "one_time_code"),
    ("Назовите код из СМС", "one_time_code"),
    ("Для отмены операции сообщите код из смс", "one_time_code"),
    ("Скажите, пожалуйста, какой код вам пришёл", "one_time_code"),
    ("Пришлите номер карты полностью", "card_number"),
    ("Укажите номер вашей карты и срок действия", "card_number"),
    ("Напишите CVV, чтобы мы вернули деньги", "cvv"),
    ("Подскажите три цифры на обороте", "cvv"),
    ("Мне нужен код, который пришёл вам в смс", "one_time_code"),
    ("Не могли бы вы назвать пароль от личного кабинета?", "password"),
    ("Уточните, пожалуйста, ваш логин и пароль", "password"),
    ("Продиктуйте пин-код карты", "pin"),
    ("Какой у вас пин?", "pin"),
    ("Сообщите срок действия карты", "card_expiry"),
    ("До какого месяца действует карта? Напишите", "card_expiry"),
    ("Введите код сюда, в чат", "one_time_code"),
    ("Для подтверждения личности продиктуйте код подтверждения", "one_time_code"),
    ("Никому не сообщайте код, но мне назовите его", "one_time_code"),
    ("Перешлите, пожалуйста, смс от банка", "one_time_code"),
    ("Можете прислать фото карты с обеих сторон? Напишите номер карты", "card_number"),
    ("Please tell me the code from the SMS", "one_time_code"),
    ("Could you send me your card number?", "card_number"),
    ("What is the CVV on the back of your card?", "cvv"),
    ("Please share your password so I can check", "password"),
    ("We need the one-time code to cancel the transfer", "one_time_code"),
    ("Kindly provide your PIN", "pin"),
    ("Send me the verification code", "one_time_code"),
    ("Reply with the code you received", "one_time_code"),
    ("What's your login?", "login"),
    ("Назовите логин от приложения", "login"),
    ("Для возврата нам нужны данные карты", "card_number"),
    ("Зачитайте, пожалуйста, код", "one_time_code"),
    ("Продублируйте код сюда", "one_time_code"),
    ("Скиньте цифры из смс", "one_time_code"),
    ("Повторите код, пожалуйста", "one_time_code"),
    ("Напишите реквизиты карты полностью", "card_number"),
    ("Укажите 16 цифр карты", "card_number"),
    ("Подскажите, что пришло в смс?", "one_time_code"),
    ("Какие цифры на обороте карты?", "cvv"),
    ("Сообщите, пожалуйста, одноразовый пароль", "one_time_code"),
    ("Прошу назвать код безопасности", "cvv"),
    ("Вам пришёл код? Продиктуйте его", "one_time_code"),
    ("Я жду код из смс", "one_time_code"),
    ("Мы заблокировали подозрительную операцию. Для разблокировки назовите код", "one_time_code"),
    ("Please read out the numbers on the back of your card", "cvv"),
    ("Can you type your password here?", "password"),
    ("Could you confirm the expiry date of the card?", "card_expiry"),
    ("Напишите пароль, я проверю", "password"),
    ("Отправьте код из пуш-уведомления", "one_time_code"),
    ("Сообщите, пожалуйста, данные вашей карты", "card_number"),
    ("Назовите, пожалуйста, срок действия и CVV", "cvv"),
    ("Уточните код из SMS", "one_time_code"),
    ("Пришлите скрин смс с кодом", "one_time_code"),
    ("Дайте, пожалуйста, номер карты", "card_number"),
]
for t, k in requests:
    add('operator', t, ['request:' + k])
warnings = [
    "Никогда не сообщайте код из СМС", "Мы не спрашиваем CVV", "Никому не называйте пин-код, даже нам",
    "Сотрудники банка никогда не просят код из смс", "Не сообщайте данные карты третьим лицам",
    "Назовите, пожалуйста, номер заказа", "Подскажите номер заказа", "Уточните, пожалуйста, последние 4 цифры карты",
    "Код из смс вводите только в приложении, в чат его писать не нужно", "Вам придёт сообщение с кодом, введите его в приложении",
    "Код отправлен вам в смс", "Мы отправили повторно код подтверждения на ваш номер", "Пароль можно сменить в настройках профиля",
    "Если забыли пароль, нажмите «Забыли пароль?» на экране входа", "Срок действия промокода — до конца месяца",
    "Промокод SALE10 действует до 31.12", "Напишите код пункта выдачи, который указан на чеке", "Назовите кодовое слово",
    "Код ошибки 403 означает, что сессия истекла", "Укажите, пожалуйста, трек-номер посылки",
    "Never share the SMS code with anyone", "We will never ask for your PIN or password", "Please send me the order number",
    "Don't tell anyone your CVV", "Could you tell me the last four digits of the card?", "What is the booking code?",
    "Please enter the code in the app, not here", "Код подтверждения приходит в течение минуты",
    "Здравствуйте! Меня зовут Анна, чем могу помочь?", "Деньги вернутся на карту в течение 10 дней",
    "Проверьте, пожалуйста, приходило ли смс от банка", "Карта будет перевыпущена, срок действия новой — 5 лет",
    "Мошенники могут представляться сотрудниками банка и спрашивать код — не сообщайте его",
    "Подскажите, в какое время совершалась операция?", "Напишите, пожалуйста, сумму и дату списания",
    "Пришлите, пожалуйста, фото товара", "Уточните адрес доставки", "Нам нужен номер заказа, чтобы проверить статус",
    "Код домофона укажите при оформлении заказа", "Если код не пришёл, нажмите «Отправить повторно»",
    "Скажите, пожалуйста, ваш номер телефона", "Не называйте никому пароль от приложения",
    "We do not ask for card details in chat", "Please confirm your delivery address", "What's your order number?",
    "Напишите, пожалуйста, номер брони", "Пароль должен содержать не менее 8 символов",
    "Войдите по коду из смс в приложении", "Ни в коем случае не передавайте код подтверждения", "Уточните, пожалуйста, город",
]
for t in warnings:
    add('operator', t, [])

# links in operator messages; allowed domains for the set: bank.example, shop.example, sberbank.ru
links_ok = ["https://bank.example/help", "Инструкция: https://help.bank.example/cards/block", "shop.example/returns",
    "www.shop.example", "https://sberbank.ru/ru/person", "online.sberbank.ru", "Подробнее на bank.example.",
    "Загрузите файл скан.pdf", "см. https://bank.example/?q=карта#top", "Ваш чек: receipt.pdf", "Статья: https://SHOP.EXAMPLE/Delivery",
    "Без ссылок, просто текст. Т.е. всё хорошо", "Приложение Банк.Онлайн уже обновлено"]
links_bad = ["https://bank-example.com/help", "https://bаnk.example/login", "https://xn--bnk-8cd.example/", "bank.example.secure-login.ru",
    "https://sberbank.com", "https://sberbank-online.ru/verify", "sberb0nk.ru", "https://sberbаnk.ru", "http://192.168.1.10/bank",
    "javascript:alert(1)", "https://shop-example.net/returns", "https://shopexample.ru", "https://shop.example.evil.io",
    "www.bank.exampie.com", "https://rnail.shop.example.co", "https://sber-bank.ru", "https://sberbank.ru.com", "https://bank.examp1e/",
    "https://support-sberbank.ru", "https://sbеrbаnk.рф", "http://tinyurl.com/abc", "Перейдите по ссылке bit.ly/3xyz", "https://evil.com/bank.example"]
for t in links_ok:
    add('link', t, [])
for t in links_bad:
    add('link', t, ['refused'])

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'labelled.jsonl'), 'w', encoding='utf-8') as f:
    for r in rows:
        f.write(json.dumps(r, ensure_ascii=False) + '\n')
from collections import Counter
print(len(rows), Counter(r['source'] for r in rows), Counter(bool(r['expect']) for r in rows))
