//! Operators asking customers for secrets.
//!
//! A clause that names a secret and asks for something is a request; a
//! clause that names a secret and warns («никогда не сообщайте») is not.
//! Clauses are split at sentence ends and at «но»/«but», so «никогда не
//! сообщайте код посторонним, но мне назовите» is still caught.

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

static SECRET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?P<cvv>\b[cс][vв][vвcс]2?\b|код\w* безопасност\w*|security code|(?:три|3|трех|тр[её]х)\s*(?:последн\w*\s*)?цифр\w*",
        r"|(?:цифр\w*|код\w*|номер\w*)\s+(?:на|с|со)\s+(?:оборот\w*|обратн\w*|задн\w*)|обратн\w* сторон\w*|на обороте|on the back|back of (?:the|your) card)",
        r"|(?P<pin>\bпин\b|\bпин-?код\w*|\bpin\b|pin-?код\w*)",
        r"|(?P<expiry>срок\w* действия|действ\w* до|expir\w*|valid thru|до какого)",
        r"|(?P<card>номер\w* (?:ваше\w* |вашей )?карт\w*|данн\w* (?:ваше\w* )?карт\w*|реквизит\w* карт\w*|цифр\w* (?:ваше\w* )?карт\w*|card number|card details|full card|(?:16|шестнадцать) цифр|всю карту|карту целиком|long number on)",
        r"|(?P<password>парол\w*|password\w*|passcode)",
        r"|(?P<login>логин\w*|\blogin\b|username|user name|учетн\w* данн\w*|credentials)",
        r"|(?P<otp>\bкод\w*|\bcode\w*|\bсмс\w*|\bsms\b|одноразов\w*|\botp\b|one[- ]time|цифр\w* из|пуш\w*|\bpush\b)",
    ))
    .unwrap_or_else(|e| panic!("secret pattern: {e}"))
});

/// Secrets-looking words that are fine to ask for.
static HARMLESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)промокод|promo ?code|код\w* заказ\w*|order code|код\w* брони\w*|booking code|код\w* ошибк\w*|error code|кодов\w* слов\w*|code ?word",
        r"|последн\w* (?:4|четыре) цифр\w*|код\w* домофон\w*|intercom|last (?:4|four) digits|код\w* пункт\w*|код\w* получени\w*|трек|tracking|номер\w* заказ\w*|order number|код\w* город\w*|area code|почтов\w* код\w*|postal code|zip code",
    ))
    .unwrap_or_else(|e| panic!("harmless pattern: {e}"))
});

static ASK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)\b(?:назови|продиктуй|сообщи|скажи|пришли|отправь|напиши|укажи|подскажи|уточни|продублируй|перешли|зачитай|прочитай|повтори|скинь)(?:те)?\b",
        r"|\bне (?:могли|можете|сможете|могли бы вы) (?:бы )?(?:\w+\s+){0,2}(?:назвать|сказать|продиктовать|сообщить|прислать|отправить|написать|указать|подсказать)",
        r"|\bвведи(?:те)? (?:\w+\s+){0,2}(?:сюда|здесь|в чат|в этот чат|в ответ|в сообщени\w*)",
        r"|\bназывайте\b|\bдиктуйте\b|\bпрочтите\b|\bдайте\b|\bприсылайте\b",
        r"|\b(?:можете|могли бы|сможете|можно|прошу|попрошу|нужно|надо|необходимо)\s+(?:\w+\s+){0,2}(?:назвать|сказать|продиктовать|сообщить|прислать|отправить|написать|указать|подсказать|скинуть|переслать|зачитать|прочитать|дать|ввести сюда)",
        r"|\b(?:мне|нам)\s+(?:\w+\s+)?(?:нужен|нужна|нужно|нужны|необходим\w*|понадобится|требуется)|\b(?:нужен|нужна|нужно|нужны|необходим\w*)\s+(?:мне|нам)\b",
        r"|\b(?:нужен|нужна|нужно|нужны|необходим\w*|требуется|понадобится)\s+(?:ваш\w*|твой|твоя|твои|твое|твоё)\b",
        r"|\bкак(?:ой|ие|ая|ое)\s+(?:\w+\s+){0,2}(?:пришел|пришёл|пришли|пришла|у вас|написан\w*|указан\w*|видите|на обороте)|\bчто (?:за код|пришло|написано)",
        r"|\bв ответ\w* (?:на это )?сообщени\w*|\bжду\b|\bожидаю\b",
        r"|\b(?:please|pls|kindly|can you|could you|would you|you can|you should|you need to|just)\s+(?:\w+\s+)?(?:tell|send|share|provide|give|read|type|confirm|forward|paste)\b|\benter (?:it|them|the code) (?:here|in (?:the )?chat)",
        r"|^\s*(?:tell|send|share|provide|give|read|type|confirm|forward|paste)\b|\bwhat(?:'s| is| are| was)\s+(?:the|your)\b|\b(?:i|we)\s+(?:\w+\s+)?(?:need|require)\b",
        r"|\blet me know\b|\breply with\b|\b(?:send|tell|give|read)\s+(?:it\s+|them\s+)?(?:to\s+)?(?:me|us)\b",
    ))
    .unwrap_or_else(|e| panic!("ask pattern: {e}"))
});

/// An ask directly negated: «не называйте», «don't send».
static NEGATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:\bне|\bникогда|\bникому|\bнельзя|\bnever|\bnot|\bdon'?t|\bno)\s+(?:\w+\s+)?$",
    )
    .unwrap_or_else(|e| panic!("negation pattern: {e}"))
});

/// Words that make a whole clause a warning.
static WARNING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)\bникогда\b|\bникому\b|ни в коем|не спрашива\w*|не просим|не просит|не запрашива\w*|не требуем|не узна\w*",
        r"|\bnever\b|\bnobody\b|\bno one\b|(?:do not|don'?t|will not|won'?t) (?:ever )?ask",
    ))
    .unwrap_or_else(|e| panic!("warning pattern: {e}"))
});

static CLAUSE_BREAK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[.!?;\n]+|,?\s+(?:но|однако|а теперь|but|however|now)\s+")
        .unwrap_or_else(|e| panic!("clause pattern: {e}"))
});

/// «…назовите его»: the secret named in the clause before.
static PRONOUN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:его|её|ее|их|it|them|this|эти|этот|это)\b")
        .unwrap_or_else(|e| panic!("pronoun pattern: {e}"))
});

fn asks(clause: &str) -> bool {
    !WARNING.is_match(clause)
        && ASK
            .find_iter(clause)
            .any(|m| !NEGATED.is_match(&clause[..m.start()]))
}

fn secret_in(clause: &str) -> Option<RequestedSecret> {
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

/// The secret an operator's message asks the customer for, if it does.
pub fn secret_request(text: &str) -> Option<RequestedSecret> {
    let text = crate::normal::Normalized::new(text).text;
    let mut named_before = None;
    for clause in CLAUSE_BREAK.split(&text) {
        let named = secret_in(clause);
        if asks(clause) {
            if let Some(secret) = named {
                return Some(secret);
            }
            let short = clause.split_whitespace().count() <= 3;
            if let Some(secret) = named_before
                && (short || PRONOUN.is_match(clause))
            {
                return Some(secret);
            }
        }
        named_before = named.or(named_before);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

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
