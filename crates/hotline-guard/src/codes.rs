//! CVV, one-time codes and PINs next to their keywords; passwords stated as
//! such.

use crate::normal::Normalized;
use crate::pattern::Pattern;
use crate::{Finding, RedactionKind};
use std::sync::LazyLock;

/// Keywords, most specific first (the regex takes the first alternative
/// that matches at a position: «пин-код» is a PIN, not a generic code).
static KEYWORD: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(concat!(
        r"(?i)(?P<cvv>\b[cс][vв][vвcс]2?\b|\bcvn\b|\bcid\b|\bцв[вц]\w*|\bсв[вц]\b|\bсиви\s?-?ви\b|код\w* безопасност\w*|security code|card verification|тр[её]хзначн\w*",
        r"|(?:три|3|3-?х|трех|тр[её]х)\s*(?:последн\w*\s*)?цифр\w*|(?:цифр\w*|код\w*|номер\w*)\s+(?:на|с|со)\s+(?:оборот\w*|обратн\w*|задн\w*)",
        r"|код\w*\s+(?:на|с|со)\s+карт\w*|обратн\w* сторон\w*|на обороте|оборотн\w*|с оборот\w*|обратк\w*|\bсзади\b|задн\w* сторон\w*|полос\w* для подписи|signature (?:strip|panel)",
        r"|three digits|3 digits|digits on the back|on the back|back side|the back\b|back of the card)",
        r"|(?P<pin>\bпин(?:[- ]?код\w*)?\b|\bpin(?:[- ]?code|-?код\w*)?\b)",
        r"|(?P<otp>пароль из (?:смс|sms|пуш|push)|\bсмс\b|\bsms\b|\bсмс-\w+|\bsms-\w+|\bсмск\w*|\bсмски\b|\bэсэмэс\w*|\bпуш\w*|\bpush\b|одноразов\w*|\botp\b|one[- ]time|verification|confirmation|подтвержд\w*|подверажд\w*|подвержд\w*|\b2fa\b|двухфактор\w*|authenticator",
        r"|\btext(?:ed|s)?\b|text message|login code)",
        r"|(?P<code>\bкод\w*|\bcode\w*)",
        // Everyday words: weaker, so nothing that names an amount, an order
        // or a date may stand near them (see NOT_A_CODE_NEARBY).
        r"|(?P<weak>\bсообщени\w*|\bуведомлени\w*|\bприсла\w*|\bпришл\w*|\bпришед\w*|\bпришё?л\b|\bцифр\w*|\bциферк\w*|для входа|для подтверждения|\breceived\b|\bgot\b)",
    ))
});

/// Near an everyday keyword, words that make a number something else.
static NOT_A_CODE_NEARBY: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(concat!(
        r"(?i)списани|списал|сумм|оплат|плат[её]ж|перевод|руб|заказ|посылк|товар|трек|номер|счет|счёт|чек|телефон|order|amount|charge|paid|payment|parcel|phone",
        r"|последн|last|перв\w* цифр|first digits|заканчива|оканчива|ending|карт\w* на|доставк|курьер|delivery|верн|refund|бонус|балл|мил|скидк|\bшт\b|\bраз\b|товар",
    ))
});

/// Between a keyword and a number, words that say the number is not the
/// secret: «пин-код забыл, карта 4980», «код не пришёл, жду 2 минуты».
static GAP_BREAK: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(
        r"(?i)забыл|забыт|не помн|forgot|не приход|не пришл|не получ|didn't|не знаю|\bгде\b|\bкуда\b|where|сколько|how many",
    )
});

/// Between a card (or its expiry) and three digits: nothing, or words that
/// introduce the CVV («карта … 08/27 431», «до 11/28, сзади 092»).
static AFTER_CARD: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(
        r"(?i)^[\s,;:.\-—–/()]*(?:(?:и|а|and|код|code|cvv|cvc|цвв|сзади|back|на обороте|the back)\b[\s,;:.\-—–]*){0,2}$",
    )
});

/// A generic «код»/«code» that is not a secret: promo codes, order codes,
/// area codes, error codes, pick-up codes…
static NOT_SECRET_CODE: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(concat!(
        r"(?i)промо|promo|заказ|order|товар|ошибк|error|город|регион|стран|country|area|zip|postal|почтов|индекс|пункт|подразделени",
        r"|брон|booking|скидк|discount|купон|coupon|подарочн|gift|сертифик|домофон|intercom|двер|door|\bqr|штрих|barcode|\bean|product|item",
        r"|region|получени|выдач|pickup|ячейк|постамат|locker|статус|status|http|кодов\w* слов|code ?word|отслеживан|tracking|трек|рейс|flight|тариф|\bhs\b|тнвэд|оквэд",
    ))
});

/// A number people type as a code: `123456`, `123 456`, `12-34-56`.
static NUMBER: LazyLock<Pattern> = LazyLock::new(|| Pattern::new(r"\d+(?:[ \-]\d+)*"));

/// Units and currencies after a number: then it is an amount or a count.
static UNIT_AFTER: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(
        r"(?i)^\s?(?:руб|р\.|р\b|₽|\$|€|usd|eur|rub|%|шт|кг|г\b|гр\b|мин|час|ч\b|сек|дн|дня|дней|лет|год|км|м\b|см|мм|мб|гб|тыс|млн|k\b|раз|штук|минут|секунд|часов|days?\b|hours?\b|min|sec|times\b|pcs\b|rub)",
    )
});

/// What may stand between a number and the keyword that follows it:
/// «482913 — это код из смс», «123 is my cvv», «пришло 5521 в смс».
static GAP_BEFORE_KEYWORD: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(
        r"(?i)^[\s\-—–:,(]*(?:это|is|мой|моя|my|the|—|в|во|по|из|in|via|by|на|on|from|с|со|came|пришло|пришёл|пришел|was|были?)?[\s\-—–:,(]*(?:мой|моя|my|the|a|an|in|в|из|по|от|by)?[\s\-—–:,(]*(?:a|an|the)?\s*$",
    )
});

pub(crate) static PASSWORD: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(concat!(
        r"(?i)\bпарол\w*|\bпорол\w*|\bпарль\w*|\bпас+ворд\w*|\bpassword\w*|\bpasscode\b|\bpasswd\b|\bpwd\b|\bpw\b|\bpswd\b|\bpass\b|\bпасс\b",
        // Everyday words for «I log in with …».
        r"|\b(?:захож\w*|вхож\w*|зашла|зашёл|зашел|вхожу|захожу) (?:под|с)\b|\b(?:log|logging|sign|signing) in with\b|\blogin with\b",
        r"|\bключ\w* (?:от|для) (?:входа|аккаунта|кабинета|приложения|личного кабинета)",
    ))
});

/// A second password after the first: «старый пароль X, а новый Y».
static ANOTHER_PASSWORD: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(
        r"(?i)(?:\bа\s+|\band\s+)?\b(?:новый|новая|теперь|new one|new|now)\b\s*(?:is\s+|—\s*|-\s*|:\s*)?(?P<value>\S+)",
    )
});

/// Keyword to number, in characters.
const MAX_GAP_AFTER_KEYWORD: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Cvv,
    Pin,
    Otp,
    GenericCode,
    /// «пришло сообщение 4821»: a code named with everyday words.
    Weak,
}

impl Class {
    fn accepts(self, digits: usize) -> bool {
        match self {
            Class::Cvv => (3..=4).contains(&digits),
            Class::Pin => (4..=6).contains(&digits),
            Class::Otp | Class::GenericCode | Class::Weak => (4..=8).contains(&digits),
        }
    }
    fn kind(self) -> RedactionKind {
        match self {
            Class::Cvv => RedactionKind::Cvv,
            Class::Pin => RedactionKind::Pin,
            Class::Otp | Class::GenericCode | Class::Weak => RedactionKind::OneTimeCode,
        }
    }
}

struct Keyword {
    start: usize,
    end: usize,
    class: Class,
}

fn keywords(text: &str) -> Vec<Keyword> {
    KEYWORD
        .captures_iter(text)
        .filter_map(|caps| {
            let (class, m) = [
                ("cvv", Class::Cvv),
                ("pin", Class::Pin),
                ("otp", Class::Otp),
                ("code", Class::GenericCode),
                ("weak", Class::Weak),
            ]
            .into_iter()
            .find_map(|(name, class)| caps.name(name).map(|m| (class, m)))?;
            if matches!(class, Class::GenericCode | Class::Weak) {
                let around_start = chars_back(text, m.start(), 12);
                let around_end = chars_forward(text, m.end(), 12);
                let around = &text[around_start..around_end];
                if NOT_SECRET_CODE.is_match(around)
                    || (class == Class::Weak && NOT_A_CODE_NEARBY.is_match(around))
                {
                    return None;
                }
            }
            Some(Keyword {
                start: m.start(),
                end: m.end(),
                class,
            })
        })
        .collect()
}

/// The byte `chars` characters before `at`.
fn chars_back(text: &str, at: usize, chars: usize) -> usize {
    text[..at]
        .char_indices()
        .rev()
        .nth(chars.saturating_sub(1))
        .map_or(0, |(i, _)| i)
}

/// The byte `chars` characters after `at`.
fn chars_forward(text: &str, at: usize, chars: usize) -> usize {
    text[at..]
        .char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| at + i)
}

/// Whether the number at `start..end` stands alone: not part of a word, a
/// phone, a time, a date, an amount.
fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let before2 = text[..start].chars().nth_back(1);
    let after = text[end..].chars().next();
    let after2 = text[end..].chars().nth(1);
    let glued_before = before
        .is_some_and(|c| c.is_alphanumeric() || matches!(c, '+' | '№' | '#' | '$' | '€' | '₽'));
    let glued_after = after.is_some_and(|c| c.is_alphanumeric());
    let time_or_date = |sep: Option<char>, next: Option<char>| {
        sep.is_some_and(|c| matches!(c, ':' | '.' | '/' | ',' | '-'))
            && next.is_some_and(|c| c.is_ascii_digit())
    };
    !glued_before
        && !glued_after
        && !time_or_date(after, after2)
        && !time_or_date(before, before2)
        && !UNIT_AFTER.is_match(&text[end..])
}

/// The numbers of the text outside the spans already masked: in «4111 …
/// 1111 03/25 513» the CVV is a number of its own, not the tail of the card.
fn numbers_outside(normal: &Normalized<'_>, taken: &[Finding]) -> Vec<(usize, usize)> {
    let text = normal.text.as_str();
    let mut spans: Vec<(usize, usize)> = taken
        .iter()
        .map(|t| (normal.normalized_at(t.start), normal.normalized_at(t.end)))
        .collect();
    spans.sort_unstable();
    spans.push((text.len(), text.len()));
    let mut numbers = Vec::new();
    let mut from = 0;
    for (start, end) in spans {
        let start = start.clamp(from, text.len());
        if let Some(segment) = text.get(from..start) {
            numbers.extend(
                NUMBER
                    .find_iter(segment)
                    .map(|m| (from + m.start(), from + m.end())),
            );
        }
        from = from.max(end);
    }
    numbers
}

fn chars_between(text: &str, from: usize, to: usize) -> usize {
    text[from..to].chars().count()
}

/// CVV, one-time codes, PINs and passwords. `taken` are spans already
/// masked (card numbers): numbers inside them are not looked at again.
pub(crate) fn find(normal: &Normalized<'_>, taken: &[Finding]) -> Vec<Finding> {
    let text = normal.text.as_str();
    let numbers = numbers_outside(normal, taken);
    // Keywords matter only next to a number; most messages have none.
    let keywords = if numbers.is_empty() {
        Vec::new()
    } else {
        keywords(text)
    };
    let mut findings = Vec::new();
    for (start, end) in numbers {
        let number = &text[start..end];
        let range = normal.original_range(start..end);
        if !stands_alone(text, start, end) {
            continue;
        }
        let digits = number.bytes().filter(u8::is_ascii_digit).count();
        // Every keyword before the number within reach, nearest first: in
        // «трехзначный код 811» the nearest («код») wants 4–8 digits, the
        // one before it (CVV) takes three.
        let preceding = keywords
            .iter()
            .rev()
            .filter(|k| k.end <= start)
            .take_while(|k| {
                let gap = &text[k.end..start];
                chars_between(text, k.end, start) <= MAX_GAP_AFTER_KEYWORD
                    && !gap.bytes().any(|b| b.is_ascii_digit())
                    && !gap.contains('\n')
                    && !GAP_BREAK.is_match(gap)
                    // «пришло уведомление о списании 1200»: an amount.
                    && (k.class != Class::Weak || !NOT_A_CODE_NEARBY.is_match(gap))
            });
        let following = keywords
            .iter()
            .find(|k| k.start >= end)
            .filter(|k| GAP_BEFORE_KEYWORD.is_match(&text[end..k.start]));
        let candidates: Vec<Class> = preceding.chain(following).map(|k| k.class).collect();
        let mut class = candidates
            .iter()
            .copied()
            .find(|class| class.accepts(digits));
        // Three digits right after a card number or its expiry are its CVV.
        if class.is_none() && digits == 3 && !number.contains([' ', '-']) {
            let after_card = taken.iter().any(|t| {
                t.end <= range.start
                    && matches!(
                        t.kind,
                        RedactionKind::CardNumber | RedactionKind::CardExpiry
                    )
                    && AFTER_CARD.is_match(&normal.original[t.end..range.start])
            });
            // «действует до 12/26, код на карте 770»: a generic «код» of
            // three digits in a message with a card or its expiry.
            let card_in_message = taken.iter().any(|t| {
                t.end <= range.start
                    && matches!(
                        t.kind,
                        RedactionKind::CardNumber | RedactionKind::CardExpiry
                    )
            });
            if after_card || (card_in_message && candidates.contains(&Class::GenericCode)) {
                class = Some(Class::Cvv);
            }
        }
        if let Some(class) = class {
            findings.push(Finding {
                start: range.start,
                end: range.end,
                kind: class.kind(),
                last4: None,
            });
        }
    }
    findings.extend(passwords(normal));
    findings
}

/// [`find`] without passwords: the numbers next to their keywords.
pub(crate) fn find_numbers(normal: &Normalized<'_>, taken: &[Finding]) -> Vec<Finding> {
    let mut findings = find(normal, taken);
    findings.retain(|f| f.kind != RedactionKind::Password);
    findings
}

/// Words between «пароль» and the password itself.
const FILLER: &[&str] = &[
    "от",
    "для",
    "к",
    "на",
    "в",
    "во",
    "мой",
    "моя",
    "мое",
    "моё",
    "my",
    "the",
    "for",
    "to",
    "of",
    "is",
    "это",
    "такой",
    "такая",
    "был",
    "была",
    "сейчас",
    "now",
    "new",
    "новый",
    "старый",
    "old",
    "аккаунта",
    "аккаунт",
    "account",
    "кабинета",
    "личного",
    "входа",
    "приложения",
    "app",
    "банка",
    "сайта",
    "site",
    "was",
    "i",
    "use",
    "set",
    "у",
    "меня",
    "вот",
    "обычно",
    "простой",
    "теперь",
    "here",
    "it's",
    "its",
    "почты",
    "почту",
    "свой",
    "своим",
];
/// Words after which comes what the password is for.
const PREPOSITIONS: &[&str] = &["от", "для", "к", "на", "в", "for", "to", "on", "of"];
/// Words that follow «password:» in complaints, not passwords.
const NOT_A_PASSWORD: &[&str] = &[
    "not",
    "wrong",
    "incorrect",
    "expired",
    "reset",
    "forgot",
    "forgotten",
    "none",
    "changed",
    "required",
    "invalid",
    "doesn't",
    "does",
    "did",
    "didn't",
    "won't",
    "isn't",
    "missing",
    "error",
    "sms",
    "smsku",
    "please",
    "help",
    "recovery",
    "change",
    "again",
    "from",
    "field",
    "unknown",
    "same",
    "correct",
    "accepted",
    "rejected",
    "blocked",
    "locked",
];

fn looks_like_password(token: &str, strong_separator: bool) -> bool {
    let chars = token.chars().count();
    let email = token
        .rsplit_once('@')
        .is_some_and(|(user, domain)| !user.is_empty() && domain.contains('.'));
    if !(4..=64).contains(&chars) || token.contains("://") || email {
        return false;
    }
    let has_digit = token.chars().any(|c| c.is_ascii_digit());
    let has_letter = token.chars().any(char::is_alphabetic);
    let has_symbol = token.chars().any(|c| !c.is_alphanumeric());
    let has_upper = token.chars().any(char::is_uppercase);
    let has_lower = token.chars().any(char::is_lowercase);
    let lowercase = token.to_lowercase();
    if NOT_A_PASSWORD.contains(&lowercase.as_str()) {
        return false;
    }
    let cyrillic_word = token
        .chars()
        .all(|c| matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё'));
    let inner_capital = has_upper && has_lower && token.chars().skip(1).any(char::is_uppercase);
    let short_number = has_digit && !has_letter && !has_symbol && chars <= 12;
    (has_letter && (has_digit || has_symbol))
        || inner_capital
        || short_number
        || (strong_separator && !cyrillic_word && token.is_ascii())
}

pub(crate) fn passwords(normal: &Normalized<'_>) -> Vec<Finding> {
    let text = normal.text.as_str();
    let mut findings = Vec::new();
    for keyword in PASSWORD.find_iter(text) {
        let rest = &text[keyword.end()..];
        let line = rest.split('\n').next().unwrap_or_default();
        let trimmed = line.trim_start();
        let lowered = trimmed.to_lowercase();
        if [
            "из смс",
            "из sms",
            "из пуш",
            "from sms",
            "from push",
            "из push",
        ]
        .iter()
        .any(|p| lowered.starts_with(p))
        {
            continue;
        }
        let mut strong_separator = false;
        let mut offset = keyword.end() + (line.len() - trimmed.len());
        let mut skipped = 0;
        let mut after_preposition = false;
        let mut chosen = None;
        for token in trimmed.split_whitespace() {
            let at = offset + text[offset..].find(token).unwrap_or_default();
            offset = at + token.len();
            let bare = token.trim_matches(|c: char| matches!(c, ':' | '=' | '—' | '–' | '-'));
            if bare.is_empty() {
                strong_separator = true;
                continue;
            }
            if token.starts_with([':', '=']) || keyword.as_str().ends_with(':') {
                strong_separator = true;
            }
            let lowered = bare.to_lowercase();
            // «пароль от госуслуг …»: the word after «от» names the service.
            let names_service = after_preposition && !bare.chars().any(|c| c.is_ascii_digit());
            after_preposition = PREPOSITIONS.contains(&lowered.as_str());
            if (names_service || FILLER.contains(&lowered.trim_end_matches(':'))) && skipped < 4 {
                skipped += 1;
                if token.ends_with([':', '=']) {
                    strong_separator = true;
                }
                continue;
            }
            let value = bare
                .trim_end_matches([',', ';', ')', '»', '"', '\''])
                .trim_start_matches(['«', '"', '\'', '(']);
            let value = value.strip_suffix('.').unwrap_or(value);
            if !value.is_empty() {
                let value_start = at + token.find(value).unwrap_or_default();
                chosen = Some((value_start, value_start + value.len(), value));
            }
            break;
        }
        // «пароль:» glued to the keyword.
        if text[keyword.end()..].starts_with([':', '=']) {
            strong_separator = true;
        }
        if let Some((start, end, value)) = chosen
            && looks_like_password(value, strong_separator)
        {
            let range = normal.original_range(start..end);
            findings.push(Finding {
                start: range.start,
                end: range.end,
                kind: RedactionKind::Password,
                last4: None,
            });
            let rest = text[end..].split('\n').next().unwrap_or_default();
            if let Some(value) = ANOTHER_PASSWORD
                .captures(rest)
                .and_then(|caps| caps.name("value"))
            {
                let bare = value
                    .as_str()
                    .trim_end_matches([',', ';', ')', '»', '"', '\'', '.', '!']);
                if looks_like_password(bare, false) && bare.chars().any(|c| c.is_ascii_digit()) {
                    let at = end + value.start();
                    let range = normal.original_range(at..at + bare.len());
                    findings.push(Finding {
                        start: range.start,
                        end: range.end,
                        kind: RedactionKind::Password,
                        last4: None,
                    });
                }
            }
        }
    }
    findings
}
