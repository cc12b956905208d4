//! Payment card numbers: 13–19 digits that pass Luhn, in any grouping.

use crate::normal::Normalized;
use crate::pattern::Pattern;
use crate::{Finding, RedactionKind, Strictness};
use std::sync::LazyLock;

pub(crate) const MIN_DIGITS: usize = 13;
pub(crate) const MAX_DIGITS: usize = 19;
/// Separator characters allowed between two digit groups of one number.
const MAX_SEPARATOR_CHARS: usize = 3;
/// How far around a number its context is read, in characters.
const CONTEXT_CHARS: usize = 40;
/// A word this close before a number names it: «заказ № 4…».
const ADJACENT_CHARS: usize = 12;

/// Words that make a number a card.
static CARD_CONTEXT: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(
        r"(?i)карт|card|visa|виза|master|мастер|маэстро|maestro|\bмир\b|\bmir\b|amex|unionpay|\bpan\b|cvv|cvc",
    )
});

/// Words that say a number is something else: an order, a parcel, a phone…
static OTHER_CONTEXT: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(
        r"(?i)заказ|order|трек|track|отправлени|посылк|брон|booking|\bpnr\b|билет|ticket|сч[её]т|account|\bинн\b|снилс|огрн|\bбик\b|договор|contract|телефон|phone|\bтел\b|накладн|invoice|транзакц|transaction|операци|\brrn\b|\barn\b|\bid\b|артикул|\bsku\b|штрих|barcode|\bean\b|imei|серийн|serial|квитанц|receipt|\bчек|полис|policy|паспорт|passport|рейс|flight|купон|coupon|сертификат|certificate",
    )
});

static EXPIRY: LazyLock<Pattern> =
    LazyLock::new(|| Pattern::new(r"(0[1-9]|1[0-2]) ?[/.\-\\] ?(20\d\d|\d\d)"));

static EXPIRY_CONTEXT: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(
        r"(?i)\bсрок\b|срок\w* действ|действ\w* до|годн\w* до|\bexp|valid thru|valid until|мм/гг|mm/yy",
    )
});

/// After a date, the CVV: «07/28 цвц 663», «06/31 и 477 на обратной стороне».
static EXPIRY_THEN_CVV: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(
        r"(?i)^[\s,;:.\-—–]*(?:и\s+|and\s+|а\s+)?(?:\d{3}\s+(?:на обор|на обрат|сзади|on the back)|cvv|cvc|цв[вц]|св[вц]|сиви|сзади|на обороте|code)",
    )
});

/// Expiry written without a separator right after a card: «… 0928 117».
static GLUED_EXPIRY: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(r"^[\s,;]{1,3}(?P<date>(?:0[1-9]|1[0-2])(?:2[4-9]|3\d))(?:[\s,;]|$)")
});

fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\n'
            | '\r'
            | '\u{00A0}'
            | '\u{2000}'..='\u{200A}'
            | '\u{202F}'
            | '\u{205F}'
            | '\u{3000}'
            | '-'
            | '\u{2010}'..='\u{2015}'
            | '\u{2212}'
            | '.'
            | '_'
            | '*'
    ) || is_weak_separator(c)
}

/// Separators people put between the groups of a card («4276, 3800, …»,
/// «4276/3800/…») but also between other numbers: groups joined by them
/// count only when they all look like card groups.
fn is_weak_separator(c: char) -> bool {
    matches!(c, ',' | '/')
}

/// A group of consecutive ASCII digits in the normalised text.
#[derive(Debug, Clone)]
struct Group {
    digits: String,
    start: usize,
    end: usize,
    /// Joined to the group before by a weak separator.
    weak: bool,
}

/// Digit groups that read as one number: separated by at most a few
/// spaces, dashes, dots or line breaks.
fn runs(text: &str) -> Vec<Vec<Group>> {
    let mut runs: Vec<Vec<Group>> = Vec::new();
    let mut current: Vec<Group> = Vec::new();
    let mut separators = 0;
    let mut weak = false;
    for (at, c) in text.char_indices() {
        if c.is_ascii_digit() {
            let glued = separators == 0 && current.last().is_some_and(|g| g.end == at);
            if glued && let Some(group) = current.last_mut() {
                group.digits.push(c);
                group.end = at + 1;
            } else {
                current.push(Group {
                    digits: c.to_string(),
                    start: at,
                    end: at + 1,
                    weak: weak && !current.is_empty(),
                });
            }
            separators = 0;
            weak = false;
        } else if is_separator(c) && !current.is_empty() && separators < MAX_SEPARATOR_CHARS {
            separators += 1;
            weak |= is_weak_separator(c);
        } else {
            if !current.is_empty() {
                runs.push(std::mem::take(&mut current));
            }
            separators = 0;
            weak = false;
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

pub(crate) fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0;
    for (i, d) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(d - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// Card numbers start with 2 (Mir, Mastercard), 3 (Amex, JCB), 4 (Visa),
/// 5 (Mastercard, Maestro) or 6 (Maestro, UnionPay, Discover).
fn card_like_prefix(digits: &str) -> bool {
    matches!(digits.as_bytes().first(), Some(b'2'..=b'6'))
        && !digits
            .bytes()
            .all(|d| Some(&d) == digits.as_bytes().first())
}

fn window_before(text: &str, at: usize, chars: usize) -> &str {
    let start = text[..at]
        .char_indices()
        .rev()
        .nth(chars.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    &text[start..at]
}

fn window_after(text: &str, at: usize, chars: usize) -> &str {
    let end = text[at..]
        .char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| at + i);
    &text[at..end]
}

/// Whether the words around a Luhn-valid number say it is a card.
fn reads_as_card(text: &str, start: usize, end: usize) -> bool {
    let before = window_before(text, start, CONTEXT_CHARS);
    let after = window_after(text, end, CONTEXT_CHARS / 2);
    // «заказ 4… оплачен картой»: the word right before the number names it,
    // whatever card word comes farther away.
    let other = OTHER_CONTEXT.find_iter(before).last().map(|m| m.end());
    let card = CARD_CONTEXT.find_iter(before).last().map(|m| m.end());
    if let Some(other) = other
        && before[other..].chars().count() <= ADJACENT_CHARS
        && card.is_none_or(|card| card < other)
    {
        return false;
    }
    if card.is_some() || CARD_CONTEXT.is_match(after) {
        return true;
    }
    // Identifiers inside links and codes: `/item/4…`, `id=4…`, `AB4…`.
    let glued_to_identifier = before
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphabetic() || matches!(c, '/' | '=' | '#' | '?' | '&' | '+'));
    !glued_to_identifier && !OTHER_CONTEXT.is_match(before)
}

/// Groups joined by a weak separator must all look like card groups.
fn groups_fit(groups: &[Group]) -> bool {
    let Some((last, rest)) = groups.split_last() else {
        return true;
    };
    !groups.iter().skip(1).any(|g| g.weak)
        || (rest.len() >= 2
            && rest.iter().all(|g| (3..=6).contains(&g.digits.len()))
            && last.digits.len() <= 6)
}

fn is_card(digits: &str, strictness: Strictness) -> bool {
    (MIN_DIGITS..=MAX_DIGITS).contains(&digits.len())
        && luhn_valid(digits)
        && (strictness == Strictness::Strict || card_like_prefix(digits))
}

fn last4(digits: &str) -> String {
    digits[digits.len().saturating_sub(4)..].to_owned()
}

/// Every card number in the text, as spans of the original.
pub(crate) fn find(normal: &Normalized<'_>, strictness: Strictness) -> Vec<Finding> {
    let text = normal.text.as_str();
    let mut findings = Vec::new();
    for run in runs(text) {
        for i in 0..run.len() {
            let mut digits = String::new();
            for j in i..run.len() {
                digits.push_str(&run[j].digits);
                if digits.len() > MAX_DIGITS {
                    break;
                }
                let (start, end) = (run[i].start, run[j].end);
                if is_card(&digits, strictness)
                    && groups_fit(&run[i..=j])
                    && (strictness == Strictness::Strict || reads_as_card(text, start, end))
                {
                    let range = normal.original_range(start..end);
                    findings.push(Finding {
                        start: range.start,
                        end: range.end,
                        kind: RedactionKind::CardNumber,
                        last4: Some(last4(&digits)),
                    });
                }
            }
        }
    }
    findings
}

/// Expiry dates (`12/27`, `05.2029`) next to a card number or its keywords.
pub(crate) fn find_expiry(normal: &Normalized<'_>, cards: &[Finding]) -> Vec<Finding> {
    let text = normal.text.as_str();
    let mut findings = Vec::new();
    for m in EXPIRY.find_iter(text) {
        let before = text[..m.start()].chars().next_back();
        let after = text[m.end()..].chars().next();
        let part_of_longer = before.is_some_and(|c| c.is_ascii_digit())
            || after.is_some_and(|c| c.is_ascii_digit())
            || (after.is_some_and(|c| matches!(c, '.' | '/' | '-'))
                && text[m.end()..]
                    .chars()
                    .nth(1)
                    .is_some_and(|c| c.is_ascii_digit()))
            || (before.is_some_and(|c| matches!(c, '.' | '/' | '-'))
                && text[..m.start()]
                    .chars()
                    .nth_back(1)
                    .is_some_and(|c| c.is_ascii_digit()));
        if part_of_longer {
            continue;
        }
        let range = normal.original_range(m.start()..m.end());
        let near_card = cards.iter().any(|card| {
            card.kind == RedactionKind::CardNumber
                && (range.start >= card.end && range.start - card.end <= 30
                    || card.start >= range.end && card.start - range.end <= 30)
        });
        let before_cvv = EXPIRY_THEN_CVV.is_match(window_after(text, m.end(), 24));
        if near_card || before_cvv || EXPIRY_CONTEXT.is_match(window_before(text, m.start(), 30)) {
            findings.push(Finding {
                start: range.start,
                end: range.end,
                kind: RedactionKind::CardExpiry,
                last4: None,
            });
        }
    }
    for card in cards.iter().filter(|c| c.kind == RedactionKind::CardNumber) {
        let after = &normal.original[card.end..];
        if let Some(date) = GLUED_EXPIRY.captures(after).and_then(|c| c.name("date")) {
            findings.push(Finding {
                start: card.end + date.start(),
                end: card.end + date.end(),
                kind: RedactionKind::CardExpiry,
                last4: None,
            });
        }
    }
    findings
}

/// Where the digits a message ends with begin (its length if it ends otherwise).
pub(crate) fn trailing_digits_start(text: &str) -> usize {
    let normal = Normalized::new(text);
    match runs(&normal.text).last() {
        Some(run) if ends_run(&normal.text, run) => {
            let first = &run[0];
            normal.original_range(first.start..first.end).start
        }
        _ => text.len(),
    }
}

/// The first character that is not a separator is a digit: the condition
/// [`find_split`] puts on the current message.
pub(crate) fn starts_with_digit(text: &str) -> bool {
    text.chars()
        .find(|c| !is_separator(*c))
        .is_some_and(|c| c.is_ascii_digit())
}

fn ends_run(text: &str, run: &[Group]) -> bool {
    run.last()
        .is_some_and(|g| text[g.end..].chars().all(is_separator))
}

/// A card whose first digits end `previous` and whose last digits start the
/// current message: the finding masks the current message's part.
pub(crate) fn find_split(
    previous: &str,
    current: &Normalized<'_>,
    strictness: Strictness,
) -> Option<Finding> {
    let previous = Normalized::new(previous);
    let tail = runs(&previous.text)
        .pop()
        .filter(|run| ends_run(&previous.text, run))?;
    let text = current.text.as_str();
    let head = runs(text).into_iter().next().filter(|run| {
        run.first()
            .is_some_and(|g| text[..g.start].chars().all(is_separator))
    })?;
    for i in 0..tail.len() {
        let mut digits: String = tail[i..].iter().map(|g| g.digits.as_str()).collect();
        if digits.len() >= MAX_DIGITS {
            continue;
        }
        for (j, group) in head.iter().enumerate() {
            digits.push_str(&group.digits);
            if digits.len() > MAX_DIGITS {
                break;
            }
            let plausible = strictness == Strictness::Strict
                || reads_as_card(&previous.text, tail[i].start, previous.text.len());
            if is_card(&digits, strictness) && plausible {
                let range = current.original_range(head[0].start..head[j].end);
                return Some(Finding {
                    start: range.start,
                    end: range.end,
                    kind: RedactionKind::CardNumber,
                    last4: Some(last4(&digits)),
                });
            }
        }
    }
    None
}

/// Units and currencies after a number: an amount or a count, not a piece of a card.
static UNIT_AFTER: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(
        r"(?i)^\s?(?:руб|р\.|р\b|₽|\$|€|usd|eur|rub|%|шт|кг|г\b|гр\b|мин|час|ч\b|сек|дн|дня|дней|лет|год|км|м\b|см|мм|тыс|млн|k\b|раз|штук|минут|секунд|часов|days?\b|hours?\b|min|sec|times\b|pcs\b)",
    )
});

/// A piece of a card sent over several messages: one digit run of one message.
struct Piece {
    message: usize,
    groups: Vec<Group>,
}

/// Whether a run could be a piece of a card typed in parts: not glued to a
/// word or a mask, not an amount, a time or a date, not named as something else.
fn plausible_piece(text: &str, run: &[Group]) -> bool {
    let (Some(first), Some(last)) = (run.first(), run.last()) else {
        return false;
    };
    // The last four digits a masked card keeps («•••• 1111») are not a
    // piece of another one.
    if text[..first.start].trim_end().ends_with(crate::CARD_MASK) {
        return false;
    }
    let before = text[..first.start].chars().next_back();
    let after = text[last.end..].chars().next();
    let after2 = text[last.end..].chars().nth(1);
    let glued_before = before.is_some_and(|c| {
        c.is_alphabetic()
            || matches!(
                c,
                '/' | '=' | '#' | '+' | '№' | '•' | '*' | '$' | '€' | '₽' | ':' | ','
            )
    });
    let glued_after = after.is_some_and(char::is_alphanumeric)
        || (after.is_some_and(|c| matches!(c, ':' | ',' | '.' | '/'))
            && after2.is_some_and(|c| c.is_ascii_digit()));
    // «•••• 1234»: the last four a mask keeps are no piece of a new card.
    let after_mask = text[..first.start].trim_end().ends_with('•');
    !glued_before
        && !after_mask
        && !glued_after
        && !UNIT_AFTER.is_match(&text[last.end..])
        && !OTHER_CONTEXT.is_match(window_before(text, first.start, CONTEXT_CHARS))
}

/// Whether a message is little more than its digits: «4276», «а ещё 3800
/// вот». Pieces in such messages need no card word to be believed.
fn bare(text: &str) -> bool {
    text.split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .count()
        <= 4
        && !OTHER_CONTEXT.is_match(text)
}

/// Card numbers whose digits are spread over `messages` (oldest first; the
/// last is the current one), possibly with words or other messages between
/// the pieces. Returns, per piece, the message it is in and the span of the
/// original to mask; the piece that ends the card carries its last four.
pub(crate) fn find_across(
    messages: &[Normalized<'_>],
    strictness: Strictness,
) -> Vec<(usize, Finding)> {
    let Some(current) = messages.len().checked_sub(1) else {
        return Vec::new();
    };
    let pieces: Vec<Piece> = messages
        .iter()
        .enumerate()
        .flat_map(|(message, normal)| {
            runs(&normal.text)
                .into_iter()
                .filter(|run| plausible_piece(&normal.text, run))
                // A lone digit is a rating or a count, not a piece of a card.
                .filter(|run| run.iter().map(|g| g.digits.len()).sum::<usize>() >= 2)
                .map(move |groups| Piece { message, groups })
        })
        .collect();
    if !pieces.iter().any(|p| p.message == current) || !pieces.iter().any(|p| p.message != current)
    {
        return Vec::new();
    }
    let context = messages.iter().any(|m| CARD_CONTEXT.is_match(&m.text));
    let mut pieces_in = vec![0usize; messages.len()];
    for piece in &pieces {
        pieces_in[piece.message] += 1;
    }
    let mut found = Vec::new();
    let mut used: Vec<usize> = Vec::new();
    for b in (0..pieces.len()).rev() {
        if pieces[b].message != current || used.contains(&b) {
            continue;
        }
        // Only chains whose middle pieces fit in a card are worth trying:
        // a long list of numbers costs no more than a few pieces.
        let mut lo = b;
        let mut middle_len = 0;
        while lo > 0 && middle_len <= MAX_DIGITS {
            lo -= 1;
            if lo + 1 < b {
                middle_len += pieces[lo + 1]
                    .groups
                    .iter()
                    .map(|g| g.digits.len())
                    .sum::<usize>();
            }
        }
        // The longest chain first: «2216» «0» «000000000000» is one card,
        // not «0…0» with «2216» left over.
        'start: for a in lo..b {
            if pieces[a].message == current || (a..b).any(|k| used.contains(&k)) {
                continue;
            }
            let middle: String = pieces[a + 1..b]
                .iter()
                .flat_map(|p| p.groups.iter().map(|g| g.digits.as_str()))
                .collect();
            if middle.len() > MAX_DIGITS {
                continue;
            }
            let first = &pieces[a].groups;
            let last = &pieces[b].groups;
            for i in 0..first.len() {
                let head: String = first[i..].iter().map(|g| g.digits.as_str()).collect();
                // The longest tail first, as the longest head: «2710 3195 77»
                // «2455 26» is one card of 16 digits, not one of 14.
                for j in (0..last.len()).rev() {
                    let tail: String = last[..=j].iter().map(|g| g.digits.as_str()).collect();
                    let digits = format!("{head}{middle}{tail}");
                    if digits.len() > MAX_DIGITS {
                        continue;
                    }
                    let involved = &pieces[a..=b];
                    // Without a card word, a piece is a message's only
                    // number: «сообщение 23 из 10», sent again and again,
                    // is a count, however its digits line up.
                    let alone = |p: &Piece| pieces_in[p.message] == 1;
                    let believable = context
                        || (involved.iter().all(alone)
                            && (strictness == Strictness::Strict
                                || involved.iter().all(|p| bare(&messages[p.message].text))));
                    if !(is_card(&digits, strictness) && believable) {
                        continue;
                    }
                    for (k, piece) in involved.iter().enumerate() {
                        let normal = &messages[piece.message];
                        let groups = match k {
                            0 => &piece.groups[i..],
                            _ if k == involved.len() - 1 => &piece.groups[..=j],
                            _ => &piece.groups[..],
                        };
                        let (Some(g0), Some(g1)) = (groups.first(), groups.last()) else {
                            continue;
                        };
                        let range = normal.original_range(g0.start..g1.end);
                        let ends_card = k == involved.len() - 1;
                        found.push((
                            piece.message,
                            Finding {
                                start: range.start,
                                end: range.end,
                                kind: RedactionKind::CardNumber,
                                last4: ends_card.then(|| last4(&digits)),
                            },
                        ));
                    }
                    used.extend(a..=b);
                    break 'start;
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_test_cards_and_refuses_a_changed_digit() {
        assert!(luhn_valid("4111111111111111"));
        assert!(luhn_valid("5500000000000004"));
        assert!(luhn_valid("2200000000000004"));
        assert!(luhn_valid("378282246310005"));
        assert!(!luhn_valid("4111111111111112"));
    }

    #[test]
    fn runs_join_groups_across_short_separators_only() {
        let r = runs("4111 1111-1111.1111 and 12      34");
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].len(), 4);
    }
}
