//! Hotline's guard: pure detectors, no I/O.
//!
//! - [`scan`] finds secrets a customer pasted (card numbers, CVV, one-time
//!   codes, PINs, passwords, card expiry) and returns the text masked, with
//!   one [`Redaction`] per secret. The original never leaves this function.
//! - [`secret_request`] tells an operator's request for a secret from a
//!   warning that mentions the same words.
//! - [`links`] finds links and judges them against the allowed domains.
//! - [`display_name_problem`] refuses look-alike operator names.
//!
//! Everything works on the text as typed: full-width digits count as
//! digits, zero-width and bidi characters are ignored between them.

mod cards;
mod codes;
mod links;
mod names;
mod normal;
mod requests;

pub use links::{Link, LinkPolicy, LinkVerdict, LookAlike, links};
pub use names::{NameProblem, display_name_problem};
pub use requests::{RequestedSecret, secret_request};

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
    let mut findings = cards::find(&normal, strictness);
    findings.extend(cards::find_expiry(&normal, &findings));
    findings.extend(codes::find(&normal, &findings));
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
