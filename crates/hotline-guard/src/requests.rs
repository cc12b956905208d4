//! Operators asking customers for secrets.
//!
//! A clause that names a secret and asks for something is a request; a
//! clause that names a secret and warns («никогда не сообщайте») is not.
//! Clauses are split at sentence ends and at «но»/«but», so «никогда не
//! сообщайте код посторонним, но мне назовите» is still caught.

use crate::pattern::Pattern;
use regex::Regex;
use serde::Serialize;
use std::sync::LazyLock;

/// What an operator asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestedSecret {
    OneTimeCode,
    Pin,
    Cvv,
    CardNumber,
    CardExpiry,
    Password,
    Login,
}

impl RequestedSecret {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestedSecret::OneTimeCode => "one_time_code",
            RequestedSecret::Pin => "pin",
            RequestedSecret::Cvv => "cvv",
            RequestedSecret::CardNumber => "card_number",
            RequestedSecret::CardExpiry => "card_expiry",
            RequestedSecret::Password => "password",
            RequestedSecret::Login => "login",
        }
    }
}

static SECRET: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(concat!(
        r"(?i)(?P<cvv>\b[cс][vв][vвcс]2?\b|код\w* безопасност\w*|security code|(?:три|3|трех|тр[её]х)\s*(?:последн\w*\s*)?цифр\w*",
        r"|(?:цифр\w*|код\w*|номер\w*)\s+(?:на|с|со)\s+(?:оборот\w*|обратн\w*|задн\w*)|обратн\w* сторон\w*|на обороте|с оборота|оборот\w* карт\w*|сзади",
        r"|on the back|back of (?:the|your) card|(?:three|3)[- ]digit\w*|digits on the back|numbers on the back)",
        r"|(?P<pin>\bпин\b|\bпин-?код\w*|\bpin\b|pin-?код\w*)",
        r"|(?P<expiry>срок\w* действия|действ\w* до|expir\w*|valid thru|до какого)",
        r"|(?P<card>номер\w* (?:ваше\w* |вашей )?карт\w*|данн\w* (?:ваше\w* )?карт\w*|реквизит\w* карт\w*|цифр\w* (?:ваше\w* )?карт\w*|card number|card details|full card",
        r"|(?:16|шестнадцать) цифр|всю карту|карту целиком|long number on|number on the front|front of (?:the |your )?card|лицев\w* сторон\w*",
        r"|перв\w* (?:\d+|шесть|восемь|двенадцать|шестнадцать) цифр\w*|first \d+ digits)",
        r"|(?P<password>парол\w*|password\w*|passcode)",
        r"|(?P<login>логин\w*|\blogin\b|username|user name|учетн\w* данн\w*|credentials)",
        r"|(?P<otp>\bкод\w*|\bcode\w*|\bсмс\w*|\bsms\b|одноразов\w*|\botp\b|one[- ]time|цифр\w* из|пуш\w*|\bpush\b",
        r"|(?:сообщени|уведомлени)\w* (?:от|из) банка|текст\w* (?:сообщени|уведомлени)\w*|(?:пришедш|полученн)\w* (?:сообщени|уведомлени|цифр)\w*",
        r"|(?:пришл\w*|написа\w*|указа\w*)\s+(?:\w+\s+)?во? (?:сообщени|уведомлени)\w*|(?:сообщени|уведомлени)\w*,? (?:которое|что) (?:\w+ )?(?:пришл|получ)\w*",
        r"|цифр\w*,? (?:которые|что) (?:\w+ )?(?:пришл|придут|придёт|получ)\w*|text message|\btexts?\b (?:you|we|from)|\bthe text\b|\ba text\b|what (?:came|arrived)|message from (?:the|your) bank)",
    ))
});

/// A photo, scan or screenshot of a card: the number, the name, the expiry
/// and the CVV at once.
static CARD_PHOTO: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(concat!(
        r"(?i)(?:фото\w*|фотк\w*|фотограф\w*|снимо?к\w*|скан\w*|скрин\w*|изображени\w*|photo\w*|picture|pic|image|scan|snapshot|screenshot)\s+(?:\w+\s+){0,2}(?:карт\w*|card)",
        r"|сфотограф\w*\s+(?:\w+\s+){0,2}карт\w*|сфотка\w*\s+(?:\w+\s+){0,2}карт\w*|(?:карт\w*|card)\s+(?:\w+\s+){0,2}(?:с двух сторон|с обеих сторон|с обоих сторон|both sides|one side|front and back)",
        r"|(?:покажи\w*|show)\s+(?:\w+\s+){0,2}(?:карт\w*|card)|(?:карт\w*|card)\s+(?:\w+\s+){0,2}(?:на камер\w*|в камер\w*|to the camera|on camera)",
    ))
});

/// A photo of both sides, the front, the back: of a card, when the message
/// before spoke of one («Нужно проверить вашу карту» — «пришлите её фото с обеих сторон»).
static SIDES_PHOTO: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(
        r"(?i)(?:фото\w*|фотк\w*|снимо?к\w*|скан\w*|photo\w*|picture|pic|image|scan)\b.*(?:сторон|side|front|back)|(?:сторон|side)\w*.*(?:фото\w*|photo\w*|picture)",
    )
});

/// A clause that is only the thing asked for: «номер и срок действия карты, пожалуйста».
static NOUN_PHRASE: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(
        r"(?i)^\s*(?:и\s+|а также\s+|also\s+|and\s+)?(?:ваш\w*\s+|your\s+|the\s+)?(?:полн\w*\s+|full\s+)?(?:номер|срок|код|парол|пин|cvv|cvc|логин|данн|реквизит|цифр|фото|card|code|password|pin|number|expiry|digits|photo)",
    )
});

static CARD_WORD: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r"(?i)карт\w*|\bcard\b"));

/// Secrets-looking words that are fine to ask for.
static HARMLESS: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(concat!(
        r"(?i)промокод|promo ?code|код\w* заказ\w*|order code|код\w* брони\w*|booking code|код\w* ошибк\w*|error code|кодов\w* слов\w*|code ?word",
        r"|последн\w* (?:4|четыре) цифр\w*|код\w* домофон\w*|intercom|last (?:4|four) digits|код\w* пункт\w*|код\w* получени\w*|трек|tracking|номер\w* заказ\w*|order number|код\w* город\w*|area code|почтов\w* код\w*|postal code|zip code",
    ))
});

static ASK: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(concat!(
        r"(?i)\b(?:назови|продиктуй|сообщи|скажи|пришли|отправь|напиши|укажи|подскажи|уточни|продублируй|перешли|зачитай|прочитай|повтори|скинь|озвучь|напечатай|скопируй|вставь|сфотографируй|сфоткай|покажи|набери)(?:те)?\b",
        r"|\bсделай(?:те)? (?:\w+\s+)?(?:фото\w*|снимо?к\w*|скрин\w*|фотографи\w*)",
        r"|\bне (?:могли|можете|сможете|могли бы вы) (?:бы )?(?:\w+\s+){0,2}(?:назвать|сказать|продиктовать|сообщить|прислать|отправить|написать|указать|подсказать|зачитать|прочитать|озвучить)",
        r"|\bне\s+(?:подскажете|скажете|назов[её]те|напишете|продиктуете|пришл[её]те|уточните|зачитаете|прочитаете)\b|^\s*(?:нужн\w*|нужен|нужна|необходим\w*|требуется)\b",
        r"|\b(?:прикрепи|загрузи)(?:те)?\b|\b(?:upload|attach)\b",
        r"|\bвведи(?:те)? (?:\w+\s+){0,2}(?:сюда|здесь|тут|в чат|в этот чат|в ответ|в сообщени\w*)",
        r"|\bназывайте\b|\bдиктуйте\b|\bпрочтите\b|\bдайте\b|\bприсылайте\b",
        r"|\b(?:можете|могли бы|сможете|можно|прошу|попрошу|нужно|надо|необходимо)\s+(?:\w+\s+){0,2}(?:назвать|сказать|продиктовать|сообщить|прислать|отправить|написать|указать|подсказать|скинуть|переслать|зачитать|прочитать|дать|ввести сюда|озвучить|сфотографировать|показать)",
        r"|^\s*(?:а\s+)?можно\b",
        r"|\b(?:мне|нам)\s+(?:\w+\s+)?(?:нужен|нужна|нужно|нужны|необходим\w*|понадобится|понадобятся|требуется)|\b(?:нужен|нужна|нужно|нужны|необходим\w*)\s+(?:мне|нам)\b",
        r"|\b(?:нужен|нужна|нужно|нужны|необходим\w*|требуется|понадобится|понадобятся|потребуется)\s+(?:ваш\w*|твой|твоя|твои|твое|твоё)\b",
        r"|\b(?:потребуется|понадобится|понадобятся|потребуются|требуется)\s+(?:от вас\s+)?(?:код|пароль|пин|cvv|cvc|номер\w* карт|данн\w* карт|цифр|фото)",
        r"|\bкак(?:ой|ие|ая|ое)\s+(?:\w+\s+){0,2}(?:пришел|пришёл|пришли|пришла|у вас|написан\w*|указан\w*|видите|на обороте)",
        r"|\bчто\s+(?:\w+\s+){0,2}(?:за код|пришло|пришел|пришёл|написали|написано|указано)\b",
        r"|\bв ответ\w* (?:на это )?сообщени\w*|\bжду\b|\bожидаю\b",
        r"|\b(?:please|pls|kindly|can you|could you|would you|you can|you should|you need to|just)\s+(?:\w+\s+)?(?:tell|send|share|provide|give|read|type|confirm|forward|paste|snap|take|show)\b|\benter (?:it|them|the code) (?:here|in (?:the )?chat)",
        r"|^\s*(?:tell|send|share|provide|give|read|type|confirm|forward|paste|show|snap|take)\b|\bwhat(?:'s| is| are| was)\s+(?:the|your|on|written)\b|\bwhat (?:does|did|do)\b|\b(?:i|we)(?:'ll|'d| will| would)?\s+(?:\w+\s+)?(?:need|require)\b",
        r"|\blet me know\b|\breply with\b|\b(?:send|tell|give|read|forward|show)\s+(?:it\s+|them\s+)?(?:to\s+)?(?:me|us)\b|\bread (?:it |them |this |that )?(?:out|aloud|back)\b",
        r"|\bmind (?:sharing|telling|sending|reading|typing|giving|showing)\b|\b(?:type|paste|put|write) (?:it |them |the code |the digits )?(?:right )?(?:here|in (?:the |this )?chat)",
    ))
});

/// An ask negated just before it: «не называйте», «don't send», «you do not
/// need to tell us», «вам не нужно сообщать».
static NEGATED: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(
        r"(?i)(?:\bне|\bникогда|\bникому|\bнельзя|\bnever|\bnot|\bdon'?t|\bno)\s+(?:\w+\s+){0,3}$",
    )
});

/// Words that make a whole clause a warning or advice.
static WARNING: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(concat!(
        r"(?i)\bникогда\b|\bникому\b|ни в коем|\bне спрашива\w*|\bне просим|\bне просит|\bне запрашива\w*|\bне требуем|\bне узна\w*|\bне попрос\w*|\bне спрос\w*",
        r"|\bне нуж\w*|\bне надо\b|\bне обязательно|\bне требуется|нельзя|\bне буду спрашивать|только (?:вам|для вас|вы)\b",
        r"|\bне (?:присылайте|отправляйте|пишите|сообщайте|называйте|показывайте|диктуйте|передавайте|говорите)\b",
        r"|\bnever\b|\bnobody\b|\bno one\b|(?:do not|don'?t|will not|won'?t) (?:ever )?ask|\bno need\b|not (?:needed|required|necessary)",
        r"|(?:do not|don'?t) (?:need|have) to|(?:do not|don'?t|never) (?:share|send|type|tell|give|read|post|write|show)\b|only (?:you|for you)\b",
    ))
});

static CLAUSE_BREAK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[.!?;\n]+|,?\s+(?:но|однако|а теперь|but|however|now)\s+")
        .unwrap_or_else(|e| panic!("clause break pattern: {e}"))
});

/// «…назовите его»: the secret named in the clause before.
static PRONOUN: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r"(?i)\b(?:его|её|ее|их|it|them|this|эти|этот|это|там|there)\b"));

fn asks(clause: &str) -> bool {
    !WARNING.is_match(clause)
        && ASK
            .find_iter(clause)
            .any(|m| !NEGATED.is_match(&clause[..m.start()]))
}

fn secret_in(clause: &str, card_spoken_of: bool) -> Option<RequestedSecret> {
    if CARD_PHOTO.is_match(clause) || (card_spoken_of && SIDES_PHOTO.is_match(clause)) {
        return Some(RequestedSecret::CardNumber);
    }
    let harmless: Vec<_> = HARMLESS.find_iter(clause).map(|m| m.range()).collect();
    SECRET.captures_iter(clause).find_map(|caps| {
        let whole = caps.get(0)?;
        if harmless
            .iter()
            .any(|h| h.start < whole.end() && whole.start() < h.end)
        {
            return None;
        }
        [
            ("cvv", RequestedSecret::Cvv),
            ("pin", RequestedSecret::Pin),
            ("expiry", RequestedSecret::CardExpiry),
            ("card", RequestedSecret::CardNumber),
            ("password", RequestedSecret::Password),
            ("login", RequestedSecret::Login),
            ("otp", RequestedSecret::OneTimeCode),
        ]
        .into_iter()
        .find_map(|(name, secret)| caps.name(name).map(|_| secret))
    })
}

/// What the clauses read so far say about the next one.
#[derive(Default)]
struct Context {
    /// The last secret named (asked for or not): «…его» may point at it.
    named: Option<RequestedSecret>,
    /// A card was spoken of: «фото с обеих сторон» is then of the card.
    card: bool,
    /// The last clause, when it named no secret: if it asked for something
    /// («Для возврата напишите мне»), a clause that is only a secret
    /// («номер и срок действия карты») completes the request. Judged only
    /// then: asking is the costly test, and most clauses name nothing.
    unnamed: Option<String>,
}

impl Context {
    fn read(&mut self, clause: &str) -> Option<RequestedSecret> {
        let card = self.card || CARD_WORD.is_match(clause);
        let named = secret_in(clause, card);
        let mut request = None;
        if (named.is_some() || self.named.is_some()) && asks(clause) {
            let short = clause.split_whitespace().count() <= 3;
            // «Напишите номер заказа» after «Номер карты не нужен» asks for
            // the order, not for what was named before.
            let other_thing = HARMLESS.is_match(clause);
            request = named.or(self
                .named
                .filter(|_| !other_thing && (short || PRONOUN.is_match(clause))));
        } else if named.is_some()
            && NOUN_PHRASE.is_match(clause)
            && !WARNING.is_match(clause)
            && self.unnamed.as_deref().is_some_and(asks)
        {
            request = named;
        }
        self.unnamed = named.is_none().then(|| clause.to_owned());
        self.named = named.or(self.named);
        self.card = card;
        request
    }
}

fn clauses(text: &str) -> Vec<&str> {
    CLAUSE_BREAK
        .split(text)
        .filter(|c| !c.trim().is_empty())
        .collect()
}

/// The secret an operator's message asks the customer for, if it does.
pub fn secret_request(text: &str) -> Option<RequestedSecret> {
    secret_request_with_previous(text, None)
}

/// Like [`secret_request`], reading the operator's previous message in the
/// conversation first, so that a request split over two messages («Сейчас
/// вам придёт смс с кодом» — «Продиктуйте его») is caught. Only the
/// current message is judged: the previous one was judged when it was sent.
pub fn secret_request_with_previous(text: &str, previous: Option<&str>) -> Option<RequestedSecret> {
    let mut context = Context::default();
    if let Some(previous) = previous {
        let previous = crate::normal::Normalized::new(previous).text;
        for clause in clauses(&previous) {
            let _ = context.read(clause);
        }
    }
    let text = crate::normal::Normalized::new(text).text;
    clauses(&text)
        .into_iter()
        .find_map(|clause| context.read(clause))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_requests_are_caught_and_split_warnings_pass() {
        assert_eq!(
            secret_request_with_previous(
                "Номер карты, пожалуйста",
                Some("Мне нужно сверить данные.")
            ),
            Some(RequestedSecret::CardNumber)
        );
        assert_eq!(
            secret_request_with_previous("Продиктуйте его", Some("Сейчас придёт смс с кодом")),
            Some(RequestedSecret::OneTimeCode)
        );
        assert_eq!(secret_request("Продиктуйте его"), None);
        assert_eq!(
            secret_request_with_previous(
                "Никому его не сообщайте",
                Some("Сейчас придёт смс с кодом")
            ),
            None
        );
        assert_eq!(
            secret_request_with_previous("Напишите номер заказа", Some("Номер карты нам не нужен")),
            None
        );
    }

    #[test]
    fn negation_and_advice_pass() {
        assert_eq!(
            secret_request("You do not need to tell us the old password"),
            None
        );
        assert_eq!(
            secret_request("We never need the card number or its expiry"),
            None
        );
        assert_eq!(secret_request("Нам не нужен ваш пароль"), None);
        assert_eq!(
            secret_request("Пришлите фото карты с двух сторон"),
            Some(RequestedSecret::CardNumber)
        );
        assert_eq!(secret_request("Пришлите фото товара с двух сторон"), None);
    }

    #[test]
    fn requests_are_caught_and_warnings_pass() {
        assert_eq!(
            secret_request("Продиктуйте, пожалуйста, цифры с обратной стороны карты"),
            Some(RequestedSecret::Cvv)
        );
        assert_eq!(
            secret_request("Назовите код, который пришёл"),
            Some(RequestedSecret::OneTimeCode)
        );
        assert_eq!(secret_request("Никогда не сообщайте код из СМС"), None);
        assert_eq!(secret_request("Мы не спрашиваем CVV"), None);
        assert_eq!(secret_request("Назовите, пожалуйста, номер заказа"), None);
        assert_eq!(
            secret_request("Никому не сообщайте код, но мне назовите его"),
            Some(RequestedSecret::OneTimeCode)
        );
    }
}
