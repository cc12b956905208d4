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


# ---------------------------------------------------------------------------
# Issue 14: a larger, more varied part. Generated shapes × hand-written
# phrasing; the second held-out set (heldout_v2.jsonl) was written before
# this part and is not drawn from.
# ---------------------------------------------------------------------------
random.seed(14)

def cust(text, expect, secrets=(), history=None, strict=False, note=None):
    r = {'source': 'customer', 'text': text, 'expect': expect}
    if secrets: r['secrets'] = list(secrets)
    if history is not None: r['history'] = history
    if strict: r['strict'] = True
    if note: r['note'] = note
    rows.append(r)

def oper(text, kind, previous=None):
    r = {'source': 'operator', 'text': text, 'expect': ['request:' + kind] if kind else []}
    if previous is not None: r['previous'] = previous
    rows.append(r)

def typo(text):
    """People's slips: a doubled or dropped letter, no capital, extra spaces."""
    # (Doubled letters inside keywords — «смсс», «закааза» — are a known
    # gap, written down in docs/security.md, not generated here.)
    r = random.random()
    if r < 0.25: return text.lower()
    if r < 0.4: return text.replace(' ', '  ', 1)
    if r < 0.5: return text.replace(', ', ' ', 1)
    return text

more_shapes = shapes + [
    lambda n: group(n, [4, 4, 4, 4], ', '),
    lambda n: group(n, [4, 4, 4, 4], ' / '),
    lambda n: group(n, [4, 4, 4, 4], '/'),
    lambda n: group(n, [5, 5, 6], ' '),
    lambda n: group(n, [3, 3, 3, 3, 4], ' '),
    lambda n: group(n, [4, 12], '-'),
    lambda n: group(n, [6, 10], ' '),
    lambda n: group(n, [4, 4, 4, 2, 2], ' '),
    lambda n: group(n, [1] * 19, ' '),
    lambda n: group(n, [4, 4, 4, 4], ' \u2014 '),
]
card_frames2 = [
    "карта {c} не работает", "{c} карта банка", "мой номер карты {c}", "с карты {c} списали",
    "Оплачивал с {c}", "вот моя карточка {c} посмотрите", "картa {c}", "кароч карта {c}",
    "My card is {c}", "charged twice on {c}", "the card number: {c}", "{c} - visa", "{c} мастеркард",
    "{c}\nэто карта", "номер:{c}", "деньги верните на {c} пожалуйста", "пополнила {c} а денег нет",
    "зачислите на карту\n{c}", "Карта: {c}. Что с платежом?", "{c} (мир)", "Добрый вечер.Карта{c}",
    "платила картой {c} в магазине", "refund to card {c} please", "Здравствуйте, карта {c}, спасибо!",
]
for i in range(360):
    n = card()
    shaped = random.choice(more_shapes)(n)
    frame = card_frames2[i % len(card_frames2)]
    cust(typo(frame).format(c=shaped), ['card_number'], [n])

# CVV without its keyword, in a card context; expiry and CVV in one breath
def exp():
    return f"{random.randint(1, 12):02d}/{random.randint(25, 32)}"
cvv_context = [
    ("{card} {e} {x}", True, True), ("{card}, {e}, {x}", True, True), ("{card} срок {e} код {x}", True, True),
    ("карта {card} до {e} и {x}", True, True), ("{card}\n{e}\n{x}", True, True),
    ("срок {e}, сзади {x}", False, True), ("годна до {e} цифры сзади {x}", False, True),
    ("exp {e} cvc {x}", False, True), ("expires {e}, code {x}", False, True),
    ("действует до {e} а на обороте {x}", False, True), ("{e} и {x} на обратной стороне", False, True),
    ("сзади карты {x}", False, False), ("на оборотной стороне {x}", False, False), ("цифры с обратной {x}", False, False),
    ("код на карте сзади {x}", False, False), ("back side says {x}", False, False), ("the back has {x}", False, False),
    ("цвв {x}", False, False), ("свв {x}", False, False), ("сививи {x}", False, False), ("cvv-код {x}", False, False),
    ("код с обратной стороны карты: {x}", False, False), ("три цифры сзади - {x}", False, False),
    ("трехзначный код {x}", False, False), ("последние три на полосе для подписи {x}", False, False),
    ("мм/гг {e} цвв {x}", False, True), ("{e} цвц {x}", False, True),
]
for i in range(6):
    for f, with_card, with_exp in cvv_context:
        n = card(random.choice(['visa', 'mc', 'mir']))
        e, x = exp(), str(random.randint(100, 999))
        shaped = random.choice(shapes[:7])(n)
        text = typo(f).format(card=shaped, e=e, x=x)
        kinds = (['card_number'] if with_card else []) + (['card_expiry'] if with_exp else []) + ['cvv']
        cust(text, kinds, ([n] if with_card else []) + ([e] if with_exp else []) + [x])
for i in range(20):
    n = card(random.choice(['visa', 'mc']))
    mm, yy = random.randint(1, 12), random.randint(25, 31)
    x = str(random.randint(100, 999))
    cust(f"{random.choice(shapes[:3])(n)} {mm:02d}{yy} {x}", ['card_number', 'card_expiry', 'cvv'], [n, x])

# one-time codes introduced with everyday words
otp_everyday = [
    "пришло сообщение с цифрами {x}", "в смс-ке {x}", "смс-ка: {x}", "смска пришла {x}", "эсэмэска {x}",
    "банк прислал код {x}", "банк прислал {x}", "прислали {x} по смс", "пришли цифры {x}", "цифры из смс {x}",
    "вот что пришло: {x}", "в сообщении от банка {x}", "в уведомлении {x}", "пуш пришёл {x}", "пуш-уведомление {x}",
    "в пуше цифры {x}", "код для входа {x}", "цифры для входа {x}", "циферки из смс {x}", "код подверждения {x}",
    "{x} пришло в смс", "{x} пришло в сообщении", "{x} это из смс", "{x} из сообщения", "{x} — в пуше было",
    "got a text with {x}", "the text message says {x}", "my bank texted me {x}", "received {x} by text",
    "{x} came in a text", "the sms says {x}", "login code {x}", "the number they texted is {x}",
    "ввожу {x} из смс, не принимает", "смс {x} пришло только что", "сообщение: {x}",
]
for f in otp_everyday:
    for length in (4, 5, 6):
        x = str(random.randint(10 ** (length - 1), 10 ** length - 1))
        if random.random() < 0.25:
            x = ' '.join([x[:3], x[3:]]) if length == 6 else x
        cust(typo(f).format(x=x), ['one_time_code'], [x])

# passwords introduced with everyday words
pw2 = ["Rfnz1999", "marina_88", "Qwe!2345", "Sobaka2020", "ZXCasd12", "olga.k77", "Kiev#2001", "m1sha777",
       "Yandex2024!", "sunflower9", "Petrov_1980", "lolkek123", "Zima2025", "Parol!23", "dima2010dima", "Gfhjkm11"]
pw_everyday = [
    "захожу под {x}", "вхожу под {x} и не пускает", "пароль такой {x}", "пароль у меня {x}", "пароль вот: {x}",
    "парол {x}", "пороль {x}", "пасворд {x}", "пасс {x}", "my pw {x}", "pw: {x}", "pass: {x}", "password {x} doesn't work",
    "логин olga, пароль {x}", "логин: ivan пасс: {x}", "вхожу с паролем {x}", "пароль был {x}, сменить можно?",
    "I sign in with {x}", "I log in with {x}", "ставила пароль {x}", "у меня пароль {x}", "от приложения пароль {x}",
    "пароль от почты {x}", "новый пароль {x}", "старый пароль {x} не подходит", "мой пароль сейчас {x}",
]
for i, f in enumerate(pw_everyday):
    for _ in range(2):
        x = random.choice(pw2)
        cust(typo(f).format(x=x), ['password'], [x])
cust("старый пароль Zima2025, а новый Leto2026", ['password'], ['Zima2025', 'Leto2026'])
cust("пароль был kot123, теперь sobaka456", ['password'], ['kot123', 'sobaka456'])
cust("old password Sunny1, new one Rainy22", ['password'], ['Sunny1', 'Rainy22'])
cust("пароль у меня обычно такой: 11081990", ['password'], ['11081990'])
for f in ["пинкод {x}", "пин карты {x}", "мой пин-код {x}", "pin for the card is {x}", "пин {x}, но банкомат не принимает",
          "PIN: {x}", "пин от карточки — {x}", "пин-код: {x}"]:
    for _ in range(3):
        x = str(random.randint(1000, 9999))
        cust(typo(f).format(x=x), ['pin'], [x])

# split across messages: groups, other words and messages between, the last digits later
fillers = ["сейчас", "секунду", "ой", "не всё ушло", "подождите", "дальше", "продолжение", "sorry", "wait", "щас допишу", "..."]
for i in range(150):
    n = card(random.choice(['visa', 'mc', 'mir', 'mc2']))
    parts = random.choice([[4, 4, 4, 4], [8, 8], [12, 4], [4, 12], [6, 10], [4, 4, 8], [8, 4, 4], [10, 6], [14, 2]])
    pieces, at = [], 0
    for p in parts:
        pieces.append(n[at:at + p]); at += p
    def regroup(x, sizes, sep):
        return sep.join(part for part in group(x, sizes, sep).split(sep) if part)
    shaped = [random.choice([lambda x: x, lambda x: regroup(x, [4, 4, 4], ' '), lambda x: regroup(x, [4, 4, 4], '-'), lambda x: regroup(x, [2] * 6, ' ')])(p) for p in pieces]
    lead = random.choice(["карта ", "номер карты ", "вот карта: ", "", "моя карта ", "card ", "Карта: "])
    messages = [lead + shaped[0]]
    for piece in shaped[1:]:
        # The window is the last 3 earlier messages: a filler fits only
        # when the pieces leave room for it.
        if random.random() < 0.3 and len(parts) <= 2:
            messages.append(random.choice(fillers))
        messages.append(random.choice(["", "", "", "и ", "дальше ", "потом ", "а ещё "]) + piece + random.choice(["", "", " вот", " это всё"]))
    # the card's last four stay (they are the mask's), the rest must go
    secrets = [p for p in shaped[:-1] if len(p.replace(' ', '').replace('-', '')) >= 2]
    cust(messages[-1], ['card_number'], secrets, history=messages[:-1], note='split')
# a code whose keyword is in the message before
for i in range(20):
    x = str(random.randint(1000, 999999))
    lead = random.choice(["код из смс", "вот код", "пришёл код", "мой пароль", "cvv", "the code is"])
    kind = {'мой пароль': 'password', 'cvv': 'cvv'}.get(lead, 'one_time_code')
    if kind == 'cvv': x = str(random.randint(100, 999))
    if kind == 'password': x = random.choice(pw2)
    cust(x, [kind], [x], history=[lead], note='split')

# look-alikes that must pass (many shapes; some near card words)
def money():
    return random.choice([f"{random.randint(1, 99)} {random.randint(100, 999)} руб", f"{random.randint(100, 9999)} ₽",
                          f"{random.randint(100, 9999)},{random.randint(10, 99)} р", f"${random.randint(5, 999)}",
                          f"{random.randint(100, 9999)} рублей"])
lookalikes = [
    lambda: f"с карты списали {money()}", lambda: f"по карте *{random.randint(1000, 9999)} списание {money()}",
    lambda: f"карта заканчивается на {random.randint(1000, 9999)}, вернули {random.randint(100, 999)} из {random.randint(1000, 2000)}",
    lambda: f"карта на {random.randint(1000, 9999)}, 2 раза по {money()}",
    lambda: f"последние цифры карты {random.randint(1000, 9999)}, дата {random.randint(1, 28):02d}.{random.randint(1, 12):02d}",
    lambda: f"заказ {luhn_complete('4', 16)} оплачен картой",
    lambda: f"номер заказа: {group(luhn_complete('5', 16), [4, 4, 4, 4], ' ')}",
    lambda: f"трек-номер {group(luhn_complete('2', 16), [4, 4, 4, 4], ' ')}",
    lambda: f"телефон {random.choice(['+7 9', '8 9'])}{random.randint(10, 99)} {random.randint(100, 999)} {random.randint(10, 99)} {random.randint(10, 99)}",
    lambda: f"перезвоните на {random.choice(['+7', '8'])}{random.randint(9000000000, 9999999999)}",
    lambda: f"в {random.randint(8, 22)}:{random.randint(10, 59)} пришло смс о списании {money()}",
    lambda: f"смс о покупке на {money()} я не делал",
    lambda: f"пришло уведомление о списании {random.randint(100, 9999)} рублей",
    lambda: f"доставка {random.randint(1, 28):02d}/{random.randint(1, 12):02d} к {random.randint(9, 20)}:00",
    lambda: f"карту выдали {random.randint(1, 12):02d}/{random.randint(20, 25)}, хочу перевыпуск",
    lambda: f"оценка {random.randint(1, 5)} из 5",
    lambda: f"с {random.randint(1, 28)}.{random.randint(1, 12):02d} по {random.randint(1, 28)}.{random.randint(1, 12):02d} в отпуске",
    lambda: f"код не приходит {random.randint(2, 50)} минут",
    lambda: f"смс с кодом пришло {random.randint(2, 5)} раза",
    lambda: f"пароль не подходит уже {random.randint(2, 9)} дней",
    lambda: f"поменяла пароль {random.randint(2, 9)} раз",
    lambda: f"пин-код забыл, карта {random.randint(1000, 9999)}",
    lambda: f"квартира {random.randint(1, 300)}, подъезд {random.randint(1, 9)}, код домофона {random.randint(100, 9999)}",
    lambda: f"заказ {random.randint(10000, 99999)} на сумму {money()}",
    lambda: f"номер обращения {random.randint(100000, 999999)}",
    lambda: f"купил {random.randint(2, 9)} шт, пришло {random.randint(1, 8)}",
    lambda: f"посылка {random.choice(['RA', 'LP', 'CJ'])}{random.randint(100000000, 999999999)}{random.choice(['RU', 'CN'])}",
    lambda: f"рейс {random.choice(['SU', 'S7', 'DP'])} {random.randint(100, 9999)} {random.randint(1, 28):02d}.{random.randint(1, 12):02d}",
    lambda: f"ИНН {random.randint(10**9, 10**10 - 1)}",
    lambda: f"счёт {random.randint(10**19, 10**20 - 1)}",
    lambda: f"у меня 2 карты: на {random.randint(1000, 9999)} и на {random.randint(1000, 9999)}",
    lambda: f"сзади на коробке {random.randint(10000, 999999)}",
    lambda: f"на обороте чека {random.randint(1000, 99999)}",
    lambda: f"версия {random.randint(1, 9)}.{random.randint(0, 20)}.{random.randint(0, 99)}",
    lambda: f"{random.randint(2, 9)} товара по {random.randint(100, 999)}",
    lambda: f"вернули {random.randint(100, 999)} вместо {random.randint(1000, 1999)}",
    lambda: f"забыл пароль от приложения, телефон {random.randint(9000000000, 9999999999)}",
    lambda: f"I was charged {random.randint(10, 999)}.{random.randint(10, 99)} twice",
    lambda: f"order {random.randint(10**6, 10**9)} arrived broken",
    lambda: f"call me at +1 {random.randint(200, 999)} {random.randint(200, 999)} {random.randint(1000, 9999)}",
    lambda: f"мой пароль не подходит, помогите",
    lambda: f"где ввести код из смс?",
    lambda: f"код из смс куда писать?",
    lambda: f"цифры из смс не приходят",
    lambda: f"мне не пришло сообщение с кодом",
    lambda: f"cvv стерся, что делать",
    lambda: f"на обратной стороне ничего не видно",
    lambda: f"пароль сменила, спасибо",
]
for i in range(300):
    cust(typo(lookalikes[i % len(lookalikes)]()), [])
# look-alikes across messages
for i in range(30):
    n = luhn_complete(random.choice(['4', '5', '2']), 16)
    kind = i % 5
    if kind == 0: cust(n[8:], [], history=[f"заказ {n[:8]}"])
    elif kind == 1: cust(f"{random.randint(10, 99)}-{random.randint(10, 99)}", [], history=[f"телефон +7 916 {random.randint(100, 999)}"])
    elif kind == 2: cust(f"{random.randint(1, 5)}", [], history=["оцените, пожалуйста, от 1 до 5"])
    elif kind == 3: cust(f"{random.randint(100, 9999)} руб", [], history=["списали дважды", f"заказ {random.randint(1000, 99999)}"])
    else: cust(f"{random.randint(10, 23)}:{random.randint(10, 59)}", [], history=["когда привезут?", f"{random.randint(1, 28)}.{random.randint(1, 12):02d}"])

# operator requests: indirect, polite, photo of the card, the back, read the SMS
indirect = [
    ("Сфотографируйте карту, пожалуйста", "card_number"),
    ("Пришлите фотографию карты с двух сторон", "card_number"),
    ("Скиньте скан карты", "card_number"),
    ("Нужно фото вашей карты, лицевая сторона", "card_number"),
    ("Сделайте снимок карты и отправьте в чат", "card_number"),
    ("Пришлите фото банковской карты", "card_number"),
    ("Покажите карту на камеру", "card_number"),
    ("Можно снимок карты с обратной стороны?", "cvv"),
    ("Please take a picture of your card and send it here", "card_number"),
    ("Can you snap a photo of both sides of the card?", "card_number"),
    ("Upload an image of your card, please", "card_number"),
    ("Send me a photo of the card front", "card_number"),
    ("Что написано на обороте карты?", "cvv"),
    ("Какие три цифры у вас сзади карты?", "cvv"),
    ("Продиктуйте цифры с задней стороны", "cvv"),
    ("Назовите трёхзначный код с оборота", "cvv"),
    ("Напишите цифры, что сзади на полосе", "cvv"),
    ("Please read the numbers on the back to me", "cvv"),
    ("What are the three digits on the reverse?", "cvv"),
    ("Tell me the 3-digit number on the back", "cvv"),
    ("Напишите код прямо сюда", "one_time_code"),
    ("Введите код тут, в этом окне", "one_time_code"),
    ("Наберите код в чате", "one_time_code"),
    ("Type the SMS code into this chat", "one_time_code"),
    ("Put the code here please", "one_time_code"),
    ("Прочитайте, что вам пришло в смс", "one_time_code"),
    ("Зачитайте сообщение от банка", "one_time_code"),
    ("Что написано в смс от нас?", "one_time_code"),
    ("Перешлите мне текст сообщения от банка", "one_time_code"),
    ("Скопируйте текст уведомления сюда", "one_time_code"),
    ("Какие цифры пришли вам в сообщении?", "one_time_code"),
    ("Please read me the text you got", "one_time_code"),
    ("What did the SMS say?", "one_time_code"),
    ("Forward us the text message from the bank", "one_time_code"),
    ("Озвучьте, пожалуйста, код", "one_time_code"),
    ("Не подскажете пароль от кабинета?", "password"),
    ("Не скажете, какой код пришёл?", "one_time_code"),
    ("Для отмены потребуется код из смс", "one_time_code"),
    ("Понадобится ваш пароль, чтобы проверить", "password"),
    ("Будьте любезны, назовите полный номер карты", "card_number"),
    ("Назовите первые шесть цифр и последние четыре... нет, лучше все цифры карты", "card_number"),
    ("Напишите первые 8 цифр карты", "card_number"),
    ("Чтобы вернуть деньги, я попрошу вас продиктовать номер карты", "card_number"),
    ("I'll need your card number to proceed", "card_number"),
    ("We'd need the code you just received", "one_time_code"),
    ("Mind telling me the code?", "one_time_code"),
    ("Would you mind sharing your password?", "password"),
    ("Сообщите мне срок действия и три цифры", "cvv"),
    ("Скажите, до какого числа действует карта", "card_expiry"),
    ("Вам придёт код, его нужно будет назвать мне", "one_time_code"),
]
for t, k in indirect:
    oper(t, k)
    oper(typo(t), k)
split_requests = [
    ("Сейчас придёт смс", "Назовите цифры оттуда", "one_time_code"),
    ("Вам отправлен код подтверждения.", "Продиктуйте его мне", "one_time_code"),
    ("Посмотрите на обратную сторону карты", "Что там написано?", "cvv"),
    ("Возьмите карту.", "Сфотографируйте её с двух сторон", "card_number"),
    ("Мне нужно сверить данные.", "Номер карты, пожалуйста", "card_number"),
    ("Для отмены перевода напишите мне", "код из сообщения", "one_time_code"),
    ("A text with a code is coming", "Tell it to me", "one_time_code"),
    ("Check the back of your card", "What do you see there?", "cvv"),
    ("I need to verify your card", "Send a photo of both sides", "card_number"),
    ("Вам пришло смс?", "Прочитайте его", "one_time_code"),
    ("Вы получили пароль в сообщении", "Скажите его", "one_time_code"),
    ("Мы выслали код", "Жду его здесь", "one_time_code"),
]
for prev, t, k in split_requests:
    oper(t, k, previous=prev)

# operator warnings and advice with negation: must pass
advice = [
    "Вам не нужно называть нам код", "Код называть не нужно", "Нам не нужен ваш пароль",
    "Не нужно присылать фото карты", "Фотографировать карту не надо", "Пароль сообщать не обязательно — и не нужно",
    "Мы не просим данные карты", "Номер карты нам не требуется", "Вы не должны никому сообщать CVV",
    "Никогда не пересылайте смс от банка", "Не показывайте карту на камеру", "Не присылайте скан карты",
    "Код из смс только для вас", "You don't need to tell us your PIN", "There is no need to send the code",
    "We will not ask for a photo of your card", "Please do not type the code here", "Do not share the digits on the back",
    "The code is only for you", "We don't need your card number", "Don't send pictures of your card",
    "Не сообщайте цифры с обратной стороны", "Не диктуйте код, даже если звонят из банка",
    "Нельзя сообщать пароль сотрудникам", "Прочитайте условия на сайте", "Пришлите фото упаковки с двух сторон",
    "Сфотографируйте, пожалуйста, чек", "Пришлите скриншот ошибки из приложения", "Отправьте фото повреждения",
    "Проверьте, пришло ли смс с трек-номером", "Скажите, пожалуйста, удобное время доставки",
    "Код придёт в смс — введите его на экране оплаты", "Назовите последние 4 цифры карты, этого достаточно",
    "Напишите номер заказа и дату", "Карту можно заблокировать в приложении", "Срок действия карты указан на лицевой стороне",
    "Не переживайте, данные карты не нужны", "Вводите пароль только на сайте банка", "Please read our privacy policy",
    "Send a photo of the receipt, please", "What's your order number?", "Could you tell me the delivery address?",
    "Мы никогда не попросим фото карты", "Даже нам не говорите код", "Сотрудники не спросят у вас пароль",
    "Не нужно писать сюда код из смс", "Код вводите только в приложении, нам его не сообщайте",
]
for t in advice:
    oper(t, None)
    oper(typo(t), None)
split_advice = [
    ("Сейчас придёт смс с кодом", "Введите его в приложении, нам не сообщайте"),
    ("Вам пришёл пароль?", "Никому его не говорите"),
    ("Проверьте обратную сторону карты", "Там есть голограмма? Это важно для перевыпуска"),
    ("Номер карты нам не нужен", "Напишите номер заказа"),
    ("A code is coming to your phone", "Do not share it with anyone"),
    ("Мы отправили ссылку в смс", "Откройте её в браузере"),
]
for prev, t in split_advice:
    oper(t, None, previous=prev)

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'labelled.jsonl'), 'w', encoding='utf-8') as f:
    for r in rows:
        f.write(json.dumps(r, ensure_ascii=False) + '\n')
from collections import Counter
print(len(rows), Counter(r['source'] for r in rows), Counter(bool(r['expect']) for r in rows))
