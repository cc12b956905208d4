//! The labelled set (`data/labelled.jsonl`): precision and recall per kind.
//! Run with `--nocapture` to see the table that docs/security.md quotes.
//!
//! Targets: no secret passes unmasked; at most 2 % of harmless customer
//! messages are touched; every operator request for a secret is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use hotline_guard::{
    DEFAULT_HISTORY, LinkPolicy, RedactionKind, Strictness, scan, scan_with_history,
    secret_request, secret_request_with_previous,
};
use serde_json::Value;
use std::collections::BTreeMap;

const ALLOWED_DOMAINS: [&str; 3] = ["bank.example", "shop.example", "sberbank.ru"];

#[derive(Default)]
struct Tally {
    true_positive: u32,
    false_positive: u32,
    false_negative: u32,
}

impl Tally {
    fn count(&mut self, expected: bool, found: bool) {
        match (expected, found) {
            (true, true) => self.true_positive += 1,
            (false, true) => self.false_positive += 1,
            (true, false) => self.false_negative += 1,
            (false, false) => {}
        }
    }
    fn precision(&self) -> f64 {
        ratio(self.true_positive, self.true_positive + self.false_positive)
    }
    fn recall(&self) -> f64 {
        ratio(self.true_positive, self.true_positive + self.false_negative)
    }
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 {
        1.0
    } else {
        f64::from(a) / f64::from(b)
    }
}

fn digits(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '\u{FF10}'..='\u{FF19}' => char::from_digit(c as u32 - 0xFF10, 10),
            _ => None,
        })
        .collect()
}

/// Whether `secret` survives in `masked`: long numbers are compared digit
/// by digit (whatever separates them), other secrets as written.
fn leaked(masked: &str, secret: &str) -> bool {
    let secret_digits = digits(secret);
    if secret_digits.len() >= 5 && secret_digits.len() == secret.chars().count() {
        digits(masked).contains(&secret_digits)
    } else {
        masked.contains(secret)
    }
}

struct Outcome {
    rows: usize,
    leaks: Vec<String>,
    false_positive_rate: f64,
    tallies: BTreeMap<String, Tally>,
}

/// What a conversation looks like once stored: every customer message is
/// scanned as it arrives, with the sender's previous message as stored
/// (the way the server calls the guard).
struct Conversation {
    stored: Vec<String>,
    kinds: Vec<&'static str>,
}

fn through_the_message_path(history: &[&str], text: &str, strictness: Strictness) -> Conversation {
    let mut stored: Vec<String> = Vec::new();
    let mut kinds = Vec::new();
    for message in history.iter().copied().chain(std::iter::once(text)) {
        let window_start = stored.len().saturating_sub(DEFAULT_HISTORY);
        let window: Vec<&str> = stored[window_start..].iter().map(String::as_str).collect();
        let result = scan_with_history(message, &window, strictness);
        for remasked in result.remasked {
            stored[window_start + remasked.index] = remasked.masked;
        }
        kinds.extend(result.current.redactions.iter().map(|r| r.kind.as_str()));
        stored.push(result.current.masked);
    }
    kinds.sort_unstable();
    kinds.dedup();
    Conversation { stored, kinds }
}

/// Runs every row of a labelled file through the detectors; prints the table.
fn evaluate(data: &str) -> Outcome {
    let policy = LinkPolicy::new(&ALLOWED_DOMAINS);
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut leaks = Vec::new();
    let mut harmless = 0u32;
    let mut harmless_touched = Vec::new();
    let mut misses = Vec::new();
    let mut rows = 0;
    for line in data.lines().filter(|l| !l.trim().is_empty()) {
        rows += 1;
        let row: Value = serde_json::from_str(line).expect("json line");
        let text = row["text"].as_str().expect("text");
        let expected: Vec<&str> = row["expect"]
            .as_array()
            .expect("expect")
            .iter()
            .map(|v| v.as_str().expect("kind"))
            .collect();
        match row["source"].as_str().expect("source") {
            "customer" => {
                let strictness = if row["strict"].as_bool().unwrap_or(false) {
                    Strictness::Strict
                } else {
                    Strictness::Normal
                };
                let history: Vec<&str> = row["history"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|v| v.as_str().expect("history message"))
                    .collect();
                let result = scan(text, row["previous"].as_str(), strictness);
                let mut found: Vec<&str> =
                    result.redactions.iter().map(|r| r.kind.as_str()).collect();
                let mut stored = result.masked.clone();
                if !history.is_empty() {
                    let conversation = through_the_message_path(&history, text, strictness);
                    found = conversation.kinds;
                    stored = conversation.stored.join("\n");
                }
                for kind in RedactionKind::ALL {
                    let kind = kind.as_str();
                    let expect = expected.contains(&kind);
                    let got = found.contains(&kind);
                    tallies
                        .entry(kind.to_owned())
                        .or_default()
                        .count(expect, got);
                    if expect != got {
                        misses.push(format!("{kind} expected={expect}: {text:?} -> {stored:?}"));
                    }
                }
                for secret in row["secrets"].as_array().into_iter().flatten() {
                    let secret = secret.as_str().expect("secret");
                    if leaked(&stored, secret) {
                        leaks.push(format!("{history:?} {text:?} -> {stored:?}"));
                    }
                }
                // A split card's last piece may hold more than its last four
                // digits («9017 447205»): those must go too.
                let current_digits = digits(text);
                if !history.is_empty()
                    && expected.contains(&"card_number")
                    && current_digits.len() > 4
                    && digits(stored.rsplit('\n').next().unwrap_or_default())
                        .contains(&current_digits[..current_digits.len() - 4])
                {
                    leaks.push(format!(
                        "split card's last piece: {history:?} {text:?} -> {stored:?}"
                    ));
                }
                if row["previous"].is_string() && !result.previous_holds_card_start {
                    leaks.push(format!(
                        "split card not caught: {} + {text:?}",
                        row["previous"]
                    ));
                }
                if expected.is_empty() {
                    harmless += 1;
                    if !found.is_empty() {
                        harmless_touched.push(format!("{history:?} {text:?} -> {stored:?}"));
                    }
                }
            }
            "operator" => {
                let refused = match row["previous"].as_str() {
                    Some(previous) => secret_request_with_previous(text, Some(previous)),
                    None => secret_request(text),
                };
                let expect = !expected.is_empty();
                tallies
                    .entry("operator_request".into())
                    .or_default()
                    .count(expect, refused.is_some());
                if expect != refused.is_some() {
                    misses.push(format!(
                        "operator request expected={expect} got={refused:?}: {text:?}"
                    ));
                }
            }
            "link" => {
                let found = policy.links(text);
                let refused = found.iter().any(|l| !l.verdict.is_allowed());
                let expect = !expected.is_empty();
                tallies
                    .entry("suspicious_link".into())
                    .or_default()
                    .count(expect, refused);
                if expect != refused {
                    misses.push(format!(
                        "link expected refused={expect}: {text:?} {found:?}"
                    ));
                }
            }
            other => panic!("unknown source {other}"),
        }
    }
    println!("\n{rows} labelled messages ({harmless} harmless customer messages)\n");
    println!("| kind | TP | FP | FN | precision | recall |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (kind, t) in &tallies {
        println!(
            "| {kind} | {} | {} | {} | {:.3} | {:.3} |",
            t.true_positive,
            t.false_positive,
            t.false_negative,
            t.precision(),
            t.recall()
        );
    }
    let false_positive_rate = ratio(harmless_touched.len() as u32, harmless);
    println!(
        "\nharmless customer messages touched: {} of {harmless} ({:.1} %); secrets left unmasked: {}",
        harmless_touched.len(),
        false_positive_rate * 100.0,
        leaks.len()
    );
    for m in &misses {
        println!("miss: {m}");
    }
    for h in &harmless_touched {
        println!("false positive: {h}");
    }
    for l in &leaks {
        println!("LEAK: {l}");
    }
    Outcome {
        rows,
        leaks,
        false_positive_rate,
        tallies,
    }
}

/// What every set must show: no secret left visible, at most 2 % of
/// harmless customer messages touched, every operator request refused.
fn assert_meets_the_targets(outcome: &Outcome, min_rows: usize) {
    assert!(
        outcome.rows >= min_rows,
        "the set must hold at least {min_rows} messages"
    );
    assert!(
        outcome.leaks.is_empty(),
        "secrets passed unmasked: {:#?}",
        outcome.leaks
    );
    assert!(
        outcome.false_positive_rate <= 0.02,
        "false positives {}",
        outcome.false_positive_rate
    );
    if let Some(requests) = outcome.tallies.get("operator_request") {
        assert_eq!(requests.false_negative, 0, "operator requests let through");
    }
}

#[test]
fn labelled_set_meets_the_targets() {
    assert_meets_the_targets(&evaluate(include_str!("../data/labelled.jsonl")), 300);
}

/// Written after the detectors were tuned, measured once (docs/security.md
/// keeps that result), then its three misses were fixed: now a regression
/// set like the other.
#[test]
fn held_out_set() {
    assert_meets_the_targets(&evaluate(include_str!("../data/heldout.jsonl")), 70);
}

/// The second held-out set (`data/heldout_v2.jsonl`, issue 14): written
/// before the detectors were tuned, measured once after (docs/security.md
/// keeps both results), then its misses were fixed: now a regression set.
#[test]
fn held_out_set_v2() {
    assert_meets_the_targets(&evaluate(include_str!("../data/heldout_v2.jsonl")), 150);
}

/// Customers' messages sent one after another with numbers in them
/// (`data/sequences_v3.jsonl`): counts, addresses, bookings, prices, and
/// cards typed in pieces. Written after a benchmark's «message N from …»
/// traffic was found masked as cards in pieces; measured once before and
/// once after the fix (docs/security.md keeps both).
#[test]
fn numbered_messages_in_a_row() {
    assert_meets_the_targets(&evaluate(include_str!("../data/sequences_v3.jsonl")), 40);
}

/// Customers telling that someone posed as support outside the chat
/// (`data/impostor_heldout.jsonl`: 30 reports, 30 look-alikes such as a
/// courier's call or the customer's own call to support), written before
/// the detector. docs/security.md keeps the first result.
#[test]
fn reports_of_impostors_are_recognised() {
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    let mut misses = Vec::new();
    for line in include_str!("../data/impostor_heldout.jsonl").lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        let text = row["text"].as_str().unwrap();
        let expected = row["impostor"].as_bool().unwrap();
        let found = hotline_guard::reports_impostor_contact(text);
        match (expected, found) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fn_ += 1,
            (false, false) => {}
        }
        if expected != found {
            misses.push(text.to_owned());
        }
    }
    println!("impostor reports: {tp} found, {fn_} missed, {fp} false alarms; misses: {misses:#?}");
    assert!(fn_ <= 3, "missed {fn_}: {misses:#?}");
    assert!(fp <= 1, "false alarms {fp}: {misses:#?}");
}
