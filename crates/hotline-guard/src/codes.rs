//! CVV, one-time codes and PINs next to their keywords; passwords stated as
//! such.

use crate::normal::Normalized;
use crate::{Finding, RedactionKind};
use regex::Regex;
use std::sync::LazyLock;

/// Keywords, most specific first (the regex takes the first alternative
/// that matches at a position: «пин-код» is a PIN, not a generic code).
static KEYWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?P<cvv>\b[cс][vв][vвcс]2?\b|\bcvn\b|\bcid\b|код\w* безопасност\w*|security code|card verification|тр[её]хзначн\w*",
        r"|(?:три|3|3-?х|трех|тр[её]х)\s*(?:последн\w*\s*)?цифр\w*|(?:цифр\w*|код\w*|номер\w*)\s+(?:на|с|со)\s+(?:оборот\w*|обратн\w*|задн\w*)",
        r"|обратн\w* сторон\w*|на обороте|three digits|3 digits|digits on the back|on the back)",
        r"|(?P<pin>\bпин(?:[- ]?код\w*)?\b|\bpin(?:[- ]?code|-?код\w*)?\b)",
        r"|(?P<otp>пароль из (?:смс|sms|пуш|push)|\bсмс\b|\bsms\b|\bсмс-\w+|\bsms-\w+|\bсмску\b|\bсмски\b|\bпуш\w*|\bpush\b|одноразов\w*|\botp\b|one[- ]time|verification|confirmation|подтвержд\w*|\b2fa\b|двухфактор\w*|authenticator)",
        r"|(?P<code>\bкод\w*|\bcode\w*)",
    ))
    .unwrap_or_else(|e| panic!("keyword pattern: {e}"))
});

/// A generic «код»/«code» that is not a secret: promo codes, order codes,
/// area codes, error codes, pick-up codes…
static NOT_SECRET_CODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)промо|promo|заказ|order|товар|ошибк|error|город|регион|стран|country|area|zip|postal|почтов|индекс|пункт|подразделени",
        r"|брон|booking|скидк|discount|купон|coupon|подарочн|gift|сертифик|домофон|intercom|двер|door|\bqr|штрих|barcode|\bean|product|item",
        r"|region|получени|выдач|pickup|ячейк|постамат|locker|статус|status|http|кодов\w* слов|code ?word|отслеживан|tracking|трек|рейс|flight|тариф|\bhs\b|тнвэд|оквэд",
    ))
    .unwrap_or_else(|e| panic!("not-a-secret pattern: {e}"))
});

/// A number people type as a code: `123456`, `123 456`, `12-34-56`.
static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\d+(?:[ \-]\d+)*").unwrap_or_else(|e| panic!("number pattern: {e}"))
});

/// Units and currencies after a number: then it is an amount or a count.
static UNIT_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s?(?:руб|р\.|р\b|₽|\$|€|usd|eur|rub|%|шт|кг|г\b|гр\b|мин|час|ч\b|сек|дн|дня|дней|лет|год|км|м\b|см|мм|мб|гб|тыс|млн|k\b|раз|штук|минут|секунд|часов|days?\b|hours?\b|min|sec|times\b|pcs\b|rub)")
        .unwrap_or_else(|e| panic!("unit pattern: {e}"))
});

/// What may stand between a number and the keyword that follows it:
/// «482913 — это код из смс», «123 is my cvv», «пришло 5521 в смс».
static GAP_BEFORE_KEYWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^[\s\-—–:,(]*(?:это|is|мой|моя|my|the|—|в|во|по|из|in|via|by)?[\s\-—–:,(]*(?:мой|моя|my|the)?\s*$")
        .unwrap_or_else(|e| panic!("gap pattern: {e}"))
});

static PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bпарол\w*|\bpassword\w*|\bpasscode\b|\bpasswd\b|\bpwd\b|\bpass\b|\bпасс\b")
        .unwrap_or_else(|e| panic!("password pattern: {e}"))
});

/// Keyword to number, in characters.
const MAX_GAP_AFTER_KEYWORD: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Cvv,
    Pin,
    Otp,
    GenericCode,
}

impl Class {
    fn accepts(self, digits: usize) -> bool {
        match self {
            Class::Cvv => (3..=4).contains(&digits),
            Class::Pin => (4..=6).contains(&digits),
            Class::Otp | Class::GenericCode => (4..=8).contains(&digits),
        }
    }
    fn kind(self) -> RedactionKind {
        match self {
            Class::Cvv => RedactionKind::Cvv,
            Class::Pin => RedactionKind::Pin,
            Class::Otp | Class::GenericCode => RedactionKind::OneTimeCode,
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
            ]
            .into_iter()
            .find_map(|(name, class)| caps.name(name).map(|m| (class, m)))?;
            if class == Class::GenericCode {
                let around_start = floor_char(text, m.start().saturating_sub(16));
                let around_end = ceil_char(text, (m.end() + 24).min(text.len()));
                if NOT_SECRET_CODE.is_match(&text[around_start..around_end]) {
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

fn floor_char(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_char(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
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

fn chars_between(text: &str, from: usize, to: usize) -> usize {
    text[from..to].chars().count()
}

/// CVV, one-time codes, PINs and passwords. `taken` are spans already
/// masked (card numbers): numbers inside them are not looked at again.
pub(crate) fn find(normal: &Normalized<'_>, taken: &[Finding]) -> Vec<Finding> {
    let text = normal.text.as_str();
    let keywords = keywords(text);
    let mut findings = Vec::new();
    for number in NUMBER.find_iter(text) {
        let (start, end) = (number.start(), number.end());
        let range = normal.original_range(start..end);
        if taken
            .iter()
            .any(|t| t.start < range.end && range.start < t.end)
        {
            continue;
        }
        if !stands_alone(text, start, end) {
            continue;
        }
        let digits = number.as_str().bytes().filter(u8::is_ascii_digit).count();
        let preceding = keywords.iter().rev().find(|k| k.end <= start).filter(|k| {
            chars_between(text, k.end, start) <= MAX_GAP_AFTER_KEYWORD
                && !text[k.end..start].bytes().any(|b| b.is_ascii_digit())
                && !text[k.end..start].contains('\n')
        });
        let following = keywords
            .iter()
            .find(|k| k.start >= end)
            .filter(|k| GAP_BEFORE_KEYWORD.is_match(&text[end..k.start]));
        let class = [preceding, following]
            .into_iter()
            .flatten()
            .map(|k| k.class)
            .find(|class| class.accepts(digits));
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
        }
    }
    findings
}
