"""Writes heldout_v2.jsonl next to this file: python3 write_heldout_v2.py

The second held-out set, written by hand before the detectors were tuned
for issue 14 and run once against them afterwards. Only the card numbers
are generated (random Luhn-valid numbers; the seed keeps the file stable);
every phrasing below is hand-written. Do not tune on it: it is a regression
set now, and a fresh one is needed for the next honest measure.

Row fields, beyond those of labelled.jsonl:
- `history` (customer rows): the customer's earlier messages in the
  conversation, oldest first; `expect` and `secrets` cover all of them.
  Secrets of a split card are its pieces as typed (the last four digits,
  which the mask keeps, are left out).
- `previous` (operator rows): the operator's previous message.
"""
import json, os, random
random.seed(1414)


def luhn_complete(prefix, length):
    digits = [int(c) for c in prefix]
    while len(digits) < length - 1:
        digits.append(random.randint(0, 9))
    s = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        s += d
    return ''.join(map(str, digits + [(10 - s % 10) % 10]))


def g(n, sizes, sep=' '):
    out, i = [], 0
    for s in sizes:
        out.append(n[i:i + s])
        i += s
    if i < len(n):
        out.append(n[i:])
    return sep.join(out)


def visa():
    return luhn_complete('4' + str(random.randint(10000, 99999)), 16)


def mir():
    return luhn_complete('220' + str(random.randint(0, 4)), 16)


def mc():
    return luhn_complete(str(random.randint(51, 55)), 16)


def amex():
    return luhn_complete(random.choice(['34', '37']), 15)


rows = []


def cust(text, expect, secrets=(), history=None, strict=False):
    r = {'source': 'customer', 'text': text, 'expect': expect}
    if secrets:
        r['secrets'] = list(secrets)
    if history is not None:
        r['history'] = history
    if strict:
        r['strict'] = True
    rows.append(r)


def oper(text, request, previous=None):
    r = {'source': 'operator', 'text': text, 'expect': ['request'] if request else []}
    if previous is not None:
        r['previous'] = previous
    rows.append(r)


# --- customer: card numbers in odd groupings --------------------------------
n = visa(); cust(f"вот карта {g(n, [5, 5, 6])} проверьте", ['card_number'], [n])
n = mir(); cust(f"{g(n, [2] * 8)} мир", ['card_number'], [n])
n = mc(); cust(f"номер {g(n, [4, 4, 4, 4], ' / ')}", ['card_number'], [n])
n = visa(); cust(f"карточка {g(n, [4, 12], '-')}", ['card_number'], [n])
n = amex(); cust(f"амекс {g(n, [4, 6, 5])} платинум", ['card_number'], [n])
n = mir(); cust(f"спишите с {g(n, [4, 4, 4, 2, 2])} пжлст", ['card_number'], [n])
n = visa(); cust(f"{g(n, [3, 3, 3, 3, 4])}", ['card_number'], [n])
n = mc(); cust(f"Здравствуйте.Карта{g(n, [4, 4, 4, 4])}.Не проходит", ['card_number'], [n])
n = visa(); cust(f"{g(n, [4, 4, 4, 4], ', ')} это моя", ['card_number'], [n])
n = mir(); cust(f"номер карты:\n{g(n, [8, 8])}\nспасибо", ['card_number'], [n])
n = visa(); cust(f"4 цифры за раз неудобно: {g(n, [1] * 16)}", ['card_number'], [n])
n = mc(); cust(f"card no.{n}", ['card_number'], [n])
n = mir(); cust(f"плачу картой мир {g(n, [4, 4, 4, 4], '  ')}  а деньги не уходят", ['card_number'], [n])
n = visa(); cust(f"Верните пожалуйста на {g(n, [4, 4, 4, 4])} (это виза)", ['card_number'], [n])

# --- customer: card numbers split across messages ---------------------------
n = visa(); cust(g(n[12:], [4]), ['card_number'], [g(n[:4], [4]), g(n[4:8], [4]), g(n[8:12], [4])],
                 history=[n[:4], n[4:8], n[8:12]])
n = mir(); cust(n[8:], ['card_number'], [g(n[:8], [4, 4])], history=[f"карта {g(n[:8], [4, 4])}"])
n = mc(); cust(g(n[10:], [2, 4]), ['card_number'], [g(n[:10], [4, 4, 2])],
               history=[f"номер {g(n[:10], [4, 4, 2])}", "ой, не всё отправилось"])
n = visa(); cust(f"{g(n[8:], [4, 4])} вот остальное", ['card_number'], [g(n[:8], [4, 4])],
                 history=[f"моя карта {g(n[:8], [4, 4])}", "сейчас допишу"])
n = mir(); cust(n[12:], ['card_number'], [n[:12]], history=[f"карта {n[:12]}"])
n = visa(); cust(g(n[6:], [4, 6]), ['card_number'], [n[:6]], history=[f"первые цифры {n[:6]}"])
n = mc(); cust(f"{g(n[8:], [4, 4])}", ['card_number'], [g(n[:4], [4]), g(n[4:8], [4])],
               history=[f"карта {n[:4]}", n[4:8]])
n = visa(); cust(n[12:], ['card_number'], [g(n[:12], [4, 4, 4], '-')],
                 history=[f"visa {g(n[:12], [4, 4, 4], '-')}", "щас", "последние:"])
n = mir(); cust(g(n[4:], [4, 4, 4]), ['card_number'], [n[:4]], history=[f"Мир {n[:4]}"])
n = visa(); cust(f"{n[14:]}", ['card_number'], [g(n[:14], [4, 4, 4, 2])],
                 history=[f"номер карты {g(n[:14], [4, 4, 4, 2])}"])
n = mc(); cust(g(n[8:], [4, 4]), ['card_number'], [g(n[:8], [4, 4])],
               history=[g(n[:8], [4, 4]), "это мастеркард"])
n = visa(); cust(g(n[8:], [8]), ['card_number'], [g(n[:8], [2, 2, 2, 2])],
                 history=[f"карта {g(n[:8], [2, 2, 2, 2])}"])
n = mir(); cust(f"и ещё {g(n[12:], [4])}", ['card_number'], [g(n[:12], [4, 4, 4])],
                history=[f"карта {g(n[:12], [4, 4, 4])}"])
n = visa(); cust(g(n[8:], [4, 4]), ['card_number'], [g(n[:8], [4, 4])], strict=True,
                 history=[g(n[:8], [4, 4])])

# --- customer: CVV without the keyword, expiry + CVV --------------------------
n = visa(); cust(f"карта {g(n, [4, 4, 4, 4])} 08/27 431", ['card_number', 'card_expiry', 'cvv'], [n, '08/27', '431'])
n = mir(); cust(f"{g(n, [4, 4, 4, 4])}, до 11/28, сзади 092", ['card_number', 'card_expiry', 'cvv'], [n, '11/28', '092'])
cust("срок 05/29 и 3 цифры 718", ['card_expiry', 'cvv'], ['05/29', '718'])
cust("на обратной стороне написано 660", ['cvv'], ['660'])
cust("сзади на карте 184", ['cvv'], ['184'])
cust("цифры с оборота 537", ['cvv'], ['537'])
cust("exp 10/26 code 214", ['card_expiry', 'cvv'], ['10/26', '214'])
cust("expiry 03/30, the 3 numbers on the back are 905", ['card_expiry', 'cvv'], ['03/30', '905'])
cust("до 07/27 цвв 352", ['card_expiry', 'cvv'], ['07/27', '352'])
cust("сививи 448", ['cvv'], ['448'])
cust("действует до 12/26, код на карте 770", ['card_expiry', 'cvv'], ['12/26', '770'])
n = mc(); cust(f"{n} 0928 117", ['card_number', 'card_expiry', 'cvv'], [n, '117'])
cust("мм/гг 04/28 и трехзначный 339", ['card_expiry', 'cvv'], ['04/28', '339'])
cust("код с обратки 285", ['cvv'], ['285'])
cust("back of the card says 612", ['cvv'], ['612'])

# --- customer: one-time codes introduced with everyday words -----------------
cust("банк прислал 448120, это что?", ['one_time_code'], ['448120'])
cust("в сообщении цифры 9931", ['one_time_code'], ['9931'])
cust("пришло сообщение: 551 208", ['one_time_code'], ['551 208'])
cust("got 402118 in a text just now", ['one_time_code'], ['402118'])
cust("кот из смс 5521", ['one_time_code'], ['5521'])
cust("эсэмэска пришла 7731", ['one_time_code'], ['7731'])
cust("цифры из уведомления 804 551", ['one_time_code'], ['804 551'])
cust("the text says 330192", ['one_time_code'], ['330192'])
cust("Пришло вот такое: 6 2 8 1 9 0", ['one_time_code'], ['6 2 8 1 9 0'])
cust("смска 1190 пришла", ['one_time_code'], ['1190'])
cust("в пуше было 884213", ['one_time_code'], ['884213'])
cust("прислали цифры для входа 3302", ['one_time_code'], ['3302'])
cust("цифры для подтверждения 482913", ['one_time_code'], ['482913'])
cust("Код для входа: 55-19-02", ['one_time_code'], ['55-19-02'])

# --- customer: passwords and PINs in everyday words --------------------------
cust("захожу под Ivan2020! и никак", ['password'], ['Ivan2020!'])
cust("ключ от входа — Lena_1990", ['password'], ['Lena_1990'])
cust("пасворд Pa55word", ['password'], ['Pa55word'])
cust("парль Kotik2019 не принимает", ['password'], ['Kotik2019'])
cust("логин anna, пасс anna1985", ['password'], ['anna1985'])
cust("my pw is Hunter22", ['password'], ['Hunter22'])
cust("старый пароль был babushka77, новый vasya88", ['password'], ['babushka77', 'vasya88'])
cust("пароль у меня простой: 19061985", ['password'], ['19061985'])
cust("вхожу с паролем SunnyDay#7 а пишет ошибка", ['password'], ['SunnyDay#7'])
cust("I log in with qwe123asd", ['password'], ['qwe123asd'])
cust("пинкод 4432", ['pin'], ['4432'])
cust("пин от карты 0912 не подходит", ['pin'], ['0912'])
cust("PIN is 7710", ['pin'], ['7710'])
cust("пин-код карты: 5 5 0 1", ['pin'], ['5 5 0 1'])

# --- customer: look-alikes that must pass -------------------------------------
cust(f"Заказ № {g(luhn_complete('4', 16), [4, 4, 4, 4])} где он?", [])
cust(f"номер заказа {luhn_complete('5', 16)}", [])
cust(f"трек {luhn_complete('2', 14)} стоит на месте", [])
cust("звоните +7 (916) 123-45-67", [])
cust("мой номер 8 916 1234567", [])
cust("тел 89161234567 перезвоните", [])
cust("+44 20 7946 0958 is my phone", [])
cust("списали 1 499,00 ₽ вместо 999", [])
cust("вернули 350 из 700", [])
cust("заплатила 2 340 руб, 12.03.2025", [])
cust("доставка 15/11 с 10 до 14", [])
cust("с 10/12 по 15/12 меня не будет", [])
cust("ждём посылку RA123456789RU", [])
cust("последние 4 цифры карты 4417", [])
cust("карта заканчивается на 0093, списали 300", [])
cust("по карте *4417 прошло 2 списания по 500", [])
cust("код ошибки 502 при оплате", [])
cust("код не пришёл уже 20 минут", [])
cust("смс приходило 3 раза, но без кода", [])
cust("пароль от госуслуг не подходит, что делать", [])
cust("забыла пароль от приложения", [])
cust("я поменял пароль 2 дня назад", [])
cust("пин-код не помню, как сбросить?", [])
cust("CVV не спрашивали вообще", [])
cust("сзади на коробке номер 48213", [])
cust("в 12:45 пришло уведомление о списании 1200", [])
cust("заказ 48213 доставят 05/12", [])
cust("номер обращения 771 204", [])
cust("квартира 118, домофон 118", [])
cust("промокод LETO2025 не работает", [])
cust("Версия 5.12.3, андроид 14", [])
cust("номер счёта 40817810099910004312", [])
cust("ИНН 770708389301", [])
cust("заказала 3 шт по 450", [])
cust("артикул 8412 3456 7890 12", [])
cust("курьер приедет в 16:30, квартира 45", [])
cust("на обороте чека номер 0042 1187", [])
cust("Моя карта заблокирована, последние цифры 1234", [])
cust("хочу вернуть 3 товара из 5", [])
cust("у меня две карты, одна на 4417, другая на 0981", [])
cust("5", [], history=["оцените работу оператора от 1 до 5"])
cust("67", [], history=["мой телефон +7 916 123 45"])
n = luhn_complete('4', 16); cust(n[8:], [], history=[f"заказ {n[:8]}"])
cust("18:30", [], history=["доставка завтра 12.12", "во сколько?"])
cust("1200 руб", [], history=["списали два раза", "по 1200"])

# --- operator: requests that must be refused ----------------------------------
oper("Сфотографируйте, пожалуйста, карту с двух сторон и пришлите сюда", True)
oper("Можно фото карты? Достаточно одной стороны", True)
oper("Could you send a photo of the card (one side or both)?", True)
oper("Send us a picture of the front and back of your card", True)
oper("Подскажите цифры на обратной стороне", True)
oper("What are the digits on the back?", True)
oper("Type the code right here in the chat", True)
oper("Напечатайте код прямо тут, в чате", True)
oper("Read me what came in the SMS", True)
oper("Прочитайте мне, что пришло в сообщении от банка", True)
oper("Что вам написали в смс?", True)
oper("Вам сейчас придёт код — его нужно будет сообщить мне", True)
oper("Для отмены операции потребуется код из сообщения", True)
oper("Будьте добры, озвучьте пароль", True)
oper("Не подскажете код, который пришёл?", True)
oper("Скопируйте сюда текст смс целиком", True)
oper("Пришлите скриншот сообщения от банка", True)
oper("Напишите мне, что указано на обороте карты", True)
oper("What does the text message say?", True)
oper("Just paste the code here", True)
oper("Mind sharing the 3 digits on the back?", True)
oper("I'll need the number on the front of the card", True)
oper("Подтвердите карту: напишите первые 12 цифр", True)
oper("Сделайте фото лицевой стороны карты", True)
oper("Чтобы продолжить, продиктуйте цифры, которые пришли", True)
oper("Можете зачитать сообщение от банка?", True)
oper("Отправьте, пожалуйста, фотку карточки", True)
oper("Для проверки личности понадобится ваш пароль от приложения", True)
oper("Дайте мне знать, какие цифры пришли в смс", True)
oper("Please forward me the text you just got from the bank", True)
oper("Продиктуйте его, пожалуйста", True, previous="Сейчас вам придёт смс с кодом")
oper("Прочитайте, что там написано", True, previous="Вам пришло сообщение от банка?")
oper("Read it out to me when it arrives", True, previous="You'll get a text with a code in a moment")
oper("Назовите их, пожалуйста", True, previous="На обороте карты есть три цифры")
oper("Пришлите её фото с обеих сторон", True, previous="Нужно проверить вашу карту")
oper("номер и срок действия карты, пожалуйста", True, previous="Для возврата напишите мне")

# --- operator: warnings, advice and harmless requests that must pass ----------
oper("You do not need to tell us the old password", False)
oper("We never need the card number or its expiry", False)
oper("Вам не нужно сообщать нам старый пароль", False)
oper("Не присылайте фото карты — нам оно не нужно", False)
oper("Код из смс нужен только вам, не говорите его никому", False)
oper("Нам не нужен номер карты, достаточно номера заказа", False)
oper("No need to send the code, just enter it in the app", False)
oper("Фото карты присылать не надо", False)
oper("Цифры на обороте карты никому не показывайте", False)
oper("Если кто-то просит код из смс — это мошенник", False)
oper("Don't type your password here, use the reset link instead", False)
oper("Я не буду спрашивать CVV, не переживайте", False)
oper("Не нужно диктовать код — подтвердите операцию в приложении", False)
oper("Please don't share photos of your card with anyone", False)
oper("Код придёт в смс, введите его в приложении, а не здесь", False)
oper("Пришлите фото чека, пожалуйста", False)
oper("Пришлите фото товара с двух сторон", False)
oper("Напишите последние четыре цифры карты", False)
oper("Назовите сумму и дату операции", False)
oper("Прочитайте, пожалуйста, условия акции по ссылке в приложении", False)
oper("Мы отправили вам смс со ссылкой на опрос", False)
oper("Номер карты и CVV в чате писать нельзя", False)
oper("Support will never ask you to read out an SMS code", False)
oper("Никогда не отправляйте фото карты в мессенджерах", False)
oper("Пароль не сообщайте: сбросить его можно в настройках", False)
oper("Сотрудник банка не попросит у вас код на обороте карты", False)
oper("Your card number is not needed, only the order number", False)
oper("Код подтверждения вводите только на экране приложения", False)
oper("Пришлите, пожалуйста, скриншот ошибки", False)
oper("Подскажите номер телефона, к которому привязан заказ", False)
oper("Никому его не сообщайте", False, previous="Сейчас придёт смс с кодом.")
oper("Отлично, введите его в приложении", False, previous="Вам пришёл код?")
oper("Please enter it on the app's screen only", False, previous="A code is on its way")
oper("Спасибо, проверю по номеру заказа", False, previous="Номер карты не нужен.")
oper("Скажите, когда получите посылку", False, previous="Трек-номер отправили вам в смс")

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'heldout_v2.jsonl')
with open(path, 'w', encoding='utf-8') as f:
    for r in rows:
        f.write(json.dumps(r, ensure_ascii=False) + '\n')
from collections import Counter
print(len(rows), Counter((r['source'], bool(r['expect'])) for r in rows))
