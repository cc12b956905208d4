//! Hotline's guard: pure detectors, no I/O.
//!
//! - [`scan`] finds secrets a customer pasted (card numbers, CVV, one-time
//!   codes, PINs, passwords, card expiry) and returns the text masked, with
//!   one [`Redaction`] per secret. The original never leaves this function.
//! - [`scan_with_history`] does the same with the sender's last messages:
//!   a card typed in pieces, a code whose keyword came a message earlier;
//!   it names the earlier messages to store again, masked.
//! - [`secret_request`] tells an operator's request for a secret from a
//!   warning that mentions the same words; [`secret_request_with_previous`]
//!   reads the operator's previous message too.
//! - [`links`] finds links and judges them against the allowed domains.
//! - [`display_name_problem`] refuses look-alike operator names.
//!
//! Everything works on the text as typed: full-width digits count as
//! digits, zero-width and bidi characters are ignored between them.

mod cards;
mod codes;
mod impostor;
mod links;
mod names;
mod normal;
mod pattern;
mod requests;

pub use impostor::reports_impostor_contact;
pub use links::{Link, LinkPolicy, LinkVerdict, LookAlike, links};
pub use names::{NameProblem, display_name_problem};
pub use requests::{RequestedSecret, secret_request, secret_request_with_previous};

use serde::Serialize;

/// What a masked secret was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RedactionKind {
    CardNumber,
    CardExpiry,
    Cvv,
    OneTimeCode,
    Pin,
    Password,
}

impl RedactionKind {
    pub const ALL: [RedactionKind; 6] = [
        RedactionKind::CardNumber,
        RedactionKind::CardExpiry,
        RedactionKind::Cvv,
        RedactionKind::OneTimeCode,
        RedactionKind::Pin,
        RedactionKind::Password,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RedactionKind::CardNumber => "card_number",
            RedactionKind::CardExpiry => "card_expiry",
            RedactionKind::Cvv => "cvv",
            RedactionKind::OneTimeCode => "one_time_code",
            RedactionKind::Pin => "pin",
            RedactionKind::Password => "password",
        }
    }

    pub fn parse(raw: &str) -> Option<RedactionKind> {
        RedactionKind::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// One masked secret. Says what it was, never what it said (a card keeps
/// its last four digits, as PCI DSS allows and as people recognise it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redaction {
    pub kind: RedactionKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last4: Option<String>,
}

/// How hard to look.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Strictness {
    /// Cards need a card-like prefix and no order/phone/tracking context.
    #[default]
    Normal,
    /// Every Luhn-valid run of 13–19 digits is a card (the bank department).
    Strict,
}

/// The result of [`scan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// The text with every secret replaced.
    pub masked: String,
    pub redactions: Vec<Redaction>,
    /// The previous message ended with the first digits of a card this
    /// message completes: mask it too, with [`mask_trailing_digits`].
    pub previous_holds_card_start: bool,
}

impl Scan {
    pub fn found_any(&self) -> bool {
        !self.redactions.is_empty() || self.previous_holds_card_start
    }
}

/// A span of the original text to replace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub start: usize,
    pub end: usize,
    pub kind: RedactionKind,
    pub last4: Option<String>,
}

pub(crate) const CARD_MASK: &str = "••••";
pub(crate) const SECRET_MASK: &str = "•••";

/// Masks the secrets in `text`. `previous` is the sender's previous message
/// in the same conversation (as stored, already masked), so that a card
/// number typed across two messages is caught.
pub fn scan(text: &str, previous: Option<&str>, strictness: Strictness) -> Scan {
    let normal = normal::Normalized::new(text);
    let mut findings = own_findings(&normal, strictness);
    let mut previous_holds_card_start = false;
    if let Some(previous) = previous
        && let Some(split) = cards::find_split(previous, &normal, strictness)
    {
        previous_holds_card_start = true;
        findings.push(split);
    }
    let (masked, redactions) = apply(text, findings);
    Scan {
        masked,
        redactions,
        previous_holds_card_start,
    }
}

/// How many of the sender's earlier messages [`scan_with_history`] is meant
/// to be given (issue 14: the last 3 messages, within 10 minutes; the
/// caller picks them, this crate does no I/O and knows no clock).
pub const DEFAULT_HISTORY: usize = 3;

/// An earlier message that holds a piece of a secret found only now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remasked {
    /// Its index in the `previous` slice given to [`scan_with_history`].
    pub index: usize,
    /// Its text with the pieces masked: store this in its place.
    pub masked: String,
}

/// The result of [`scan_with_history`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanAcrossMessages {
    /// The current message masked; `redactions` name every secret found,
    /// also those spread over earlier messages (one per secret).
    /// `previous_holds_card_start` is set when the last earlier message
    /// must be re-masked.
    pub current: Scan,
    /// Earlier messages to store again, masked, in the order given.
    pub remasked: Vec<Remasked>,
}

impl ScanAcrossMessages {
    pub fn found_any(&self) -> bool {
        self.current.found_any() || !self.remasked.is_empty()
    }
}

/// Masks the secrets in `text` and in the sender's earlier messages it
/// completes. `previous` are the sender's earlier messages in the same
/// conversation, oldest first, as stored (already masked); give the last
/// [`DEFAULT_HISTORY`] or so. Catches a card number typed in pieces over
/// several messages (with other words or messages between them), and a
/// code or password whose keyword is in the last earlier message.
pub fn scan_with_history(
    text: &str,
    previous: &[&str],
    strictness: Strictness,
) -> ScanAcrossMessages {
    let normal = normal::Normalized::new(text);
    let mut findings = own_findings(&normal, strictness);
    let mut earlier: Vec<Vec<Finding>> = vec![Vec::new(); previous.len()];
    // A card in pieces ends in this message: without a digit here there is
    // none, and the earlier messages need not be read for one.
    if normal.text.bytes().any(|b| b.is_ascii_digit()) {
        let mut messages: Vec<normal::Normalized<'_>> = previous
            .iter()
            .map(|p| normal::Normalized::new(p))
            .collect();
        messages.push(normal);
        for (message, finding) in cards::find_across(&messages, strictness) {
            match earlier.get_mut(message) {
                Some(list) => list.push(finding),
                None => findings.push(finding),
            }
        }
    }
    if let Some(last) = previous.last() {
        let (before, after) = across_the_boundary(last, text, &findings);
        if let Some(list) = earlier.last_mut() {
            list.extend(before);
        }
        findings.extend(after);
    }
    let (masked, mut redactions) = apply(text, findings);
    // Pieces of a split card other than its end are masked, not counted.
    redactions.retain(|r| r.kind != RedactionKind::CardNumber || r.last4.is_some());
    let remasked: Vec<Remasked> = earlier
        .into_iter()
        .enumerate()
        .filter(|(_, list)| !list.is_empty())
        .filter_map(|(index, list)| {
            let (masked, _) = apply(previous.get(index)?, list);
            Some(Remasked { index, masked })
        })
        .collect();
    let previous_holds_card_start = remasked
        .last()
        .is_some_and(|r| r.index + 1 == previous.len());
    ScanAcrossMessages {
        current: Scan {
            masked,
            redactions,
            previous_holds_card_start,
        },
        remasked,
    }
}

/// Codes and passwords whose keyword is in one message and value in the
/// next: «код из смс» then «482913», «482913» then «это код». Returns the
/// new findings in `last` and in `text` (offsets of each).
fn across_the_boundary(last: &str, text: &str, own: &[Finding]) -> (Vec<Finding>, Vec<Finding>) {
    // « — » stops a number at the boundary (no «4821» + «13») yet counts as
    // the gap between a number and the keyword after it.
    const JOINER: &str = " — ";
    let mut before = Vec::new();
    let mut after = Vec::new();
    let mut sort = |joiner_len: usize, found: Vec<Finding>| {
        let boundary = last.len() + joiner_len;
        for f in found {
            if f.end <= last.len() {
                // The last four digits a masked card keeps are not a code.
                if !last[..f.start].trim_end().ends_with(CARD_MASK) {
                    before.push(f);
                }
            } else if f.start >= boundary {
                let shifted = Finding {
                    start: f.start - boundary,
                    end: f.end - boundary,
                    ..f
                };
                if !own
                    .iter()
                    .any(|o| o.start < shifted.end && shifted.start < o.end)
                {
                    after.push(shifted);
                }
            }
        }
    };
    // Each side needs what the other lacks: a number on one, words on the other.
    let digits = |s: &str| s.chars().any(|c| normal::digit_value(c).is_some());
    let words = |s: &str| s.chars().any(char::is_alphabetic);
    if (digits(text) && words(last)) || (digits(last) && words(text)) {
        let joined = format!("{last}{JOINER}{text}");
        let found = codes::find_numbers(&normal::Normalized::new(&joined), &[]);
        sort(JOINER.len(), found);
    }
    // A password goes on the same line as its keyword: «мой пароль» «Qwerty1».
    if codes::PASSWORD.is_match(last) {
        let joined = format!("{last} {text}");
        let found = codes::passwords(&normal::Normalized::new(&joined));
        sort(1, found);
    }
    (before, after)
}

fn own_findings(normal: &normal::Normalized<'_>, strictness: Strictness) -> Vec<Finding> {
    let mut findings = cards::find(normal, strictness);
    findings.extend(cards::find_expiry(normal, &findings));
    findings.extend(codes::find(normal, &findings));
    findings
}

/// Whether `text` could end a card number begun in the sender's previous
/// message: only then does [`scan`] need `previous`. Most messages start
/// with a letter, and callers skip fetching the previous message for them.
pub fn may_finish_split_card(text: &str) -> bool {
    cards::starts_with_digit(&normal::Normalized::new(text).text)
}

/// The previous message with its trailing digits masked, for a card number
/// split across two messages (see [`Scan::previous_holds_card_start`]).
pub fn mask_trailing_digits(previous: &str) -> String {
    let start = cards::trailing_digits_start(previous);
    format!("{}{SECRET_MASK}", &previous[..start])
}

fn apply(text: &str, mut findings: Vec<Finding>) -> (String, Vec<Redaction>) {
    findings.sort_by_key(|f| (f.start, std::cmp::Reverse(f.end)));
    let mut masked = String::with_capacity(text.len());
    let mut redactions = Vec::new();
    let mut cursor = 0;
    for finding in findings {
        if finding.start < cursor {
            // Overlaps a secret already masked: widen that mask, if needed.
            if finding.end > cursor {
                cursor = finding.end;
            }
            continue;
        }
        masked.push_str(&text[cursor..finding.start]);
        match &finding.last4 {
            Some(last4) => {
                masked.push_str(CARD_MASK);
                masked.push(' ');
                masked.push_str(last4);
            }
            None => masked.push_str(SECRET_MASK),
        }
        redactions.push(Redaction {
            kind: finding.kind,
            last4: finding.last4,
        });
        cursor = finding.end;
    }
    masked.push_str(&text[cursor..]);
    (masked, redactions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_in_four_messages_is_masked_in_all_of_them() {
        let previous = ["карта 4111", "1111", "ой, дальше 1111"];
        let result = scan_with_history("1111", &previous, Strictness::Normal);
        assert_eq!(result.current.masked, "•••• 1111");
        assert_eq!(result.current.redactions.len(), 1);
        let remasked: Vec<(usize, &str)> = result
            .remasked
            .iter()
            .map(|r| (r.index, r.masked.as_str()))
            .collect();
        assert_eq!(
            remasked,
            [(0, "карта •••"), (1, "•••"), (2, "ой, дальше •••")]
        );
        assert!(result.current.previous_holds_card_start);
    }

    #[test]
    fn the_last_digits_later_and_in_another_shape() {
        let previous = ["номер карты 5500-0000-0000", "сейчас"];
        let result = scan_with_history("и 00 04 вот", &previous, Strictness::Normal);
        assert_eq!(result.current.masked, "и •••• 0004 вот");
        assert_eq!(result.remasked.len(), 1);
        assert_eq!(result.remasked[0].index, 0);
        assert_eq!(result.remasked[0].masked, "номер карты •••");
        // The aside is the last earlier message: it stays as it was.
        assert!(!result.current.previous_holds_card_start);
    }

    #[test]
    fn a_code_and_its_keyword_in_two_messages() {
        let after = scan_with_history("482913", &["вот код из смс"], Strictness::Normal);
        assert_eq!(after.current.masked, "•••");
        assert_eq!(after.current.redactions[0].kind, RedactionKind::OneTimeCode);
        let before = scan_with_history("это код из смс", &["482913"], Strictness::Normal);
        assert_eq!(before.remasked[0].masked, "•••");
        let password = scan_with_history("Qwerty123", &["мой пароль"], Strictness::Normal);
        assert_eq!(password.current.masked, "•••");
    }

    #[test]
    fn order_numbers_and_amounts_across_messages_are_left_alone() {
        // 4111 1111 1111 1111 passes Luhn, but it was named an order.
        let order = scan_with_history("1111 1111", &["заказ 4111 1111"], Strictness::Normal);
        assert!(!order.found_any());
        let amounts = scan_with_history(
            "1200 руб",
            &["списали 4111", "заказ 1111"],
            Strictness::Normal,
        );
        assert!(!amounts.found_any());
        let time = scan_with_history("18:30", &["доставка 12.12"], Strictness::Normal);
        assert!(!time.found_any());
    }

    #[test]
    fn numbered_messages_in_a_row_are_no_card() {
        // Their digits, joined, make a Luhn-valid number one time in ten.
        for sender in 0..100 {
            let texts: Vec<String> = (0..300)
                .map(|n| format!("message {n} from X-{sender}"))
                .collect();
            for i in 3..texts.len() {
                let previous: Vec<&str> = texts[i - 3..i].iter().map(String::as_str).collect();
                let scan = scan_with_history(&texts[i], &previous, Strictness::Strict);
                assert!(!scan.found_any(), "{previous:?} {}", texts[i]);
            }
        }
    }

    #[test]
    fn a_mask_kept_last_four_is_no_piece_of_a_new_card() {
        let previous = ["карта •••• 1111"];
        let result = scan_with_history("4111 1111 1111", &previous, Strictness::Strict);
        assert!(result.remasked.is_empty());
    }
}
