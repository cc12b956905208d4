//! How long the detectors take per message, on the labelled set's texts:
//! `cargo run --release -p hotline-guard --example throughput`.

use hotline_guard::{
    DEFAULT_HISTORY, LinkPolicy, Strictness, scan, scan_with_history, secret_request,
};
use std::time::Instant;

fn main() {
    let texts: Vec<String> = include_str!("../data/labelled.jsonl")
        .lines()
        .filter_map(|line| {
            let row: serde_json::Value = serde_json::from_str(line).ok()?;
            Some(row["text"].as_str()?.to_owned())
        })
        .collect();
    let policy = LinkPolicy::new(&["bank.example", "shop.example"]);
    let rounds = 20;
    // Each detector alone first: the machine is shared, so compare parts
    // measured in the same run rather than with numbers from another day.
    for (name, f) in [
        (
            "scan",
            &(|t: &str| scan(t, None, Strictness::Normal).redactions.len())
                as &dyn Fn(&str) -> usize,
        ),
        ("request", &|t: &str| {
            usize::from(secret_request(t).is_some())
        }),
    ] {
        let started = Instant::now();
        let mut n = 0;
        for _ in 0..rounds {
            for t in &texts {
                n += f(t);
            }
        }
        println!(
            "{name}: {:.1?} per message ({n})",
            started.elapsed() / (rounds * texts.len()) as u32
        );
    }
    let started = Instant::now();
    let mut found = 0usize;
    for _ in 0..rounds {
        for text in &texts {
            found += scan(text, None, Strictness::Normal).redactions.len();
            found += usize::from(secret_request(text).is_some());
            found += policy.links(text).len();
        }
    }
    let elapsed = started.elapsed();
    let per_message = elapsed / (rounds * texts.len()) as u32;
    println!(
        "{} messages × {rounds}: {:.2?} in all, {:.1?} per message (scan + request check + links); {found} findings",
        texts.len(),
        elapsed,
        per_message
    );
    // The same texts with the sender's last messages (the texts before it).
    let started = Instant::now();
    for _ in 0..rounds {
        for (i, text) in texts.iter().enumerate() {
            let window: Vec<&str> = texts[i.saturating_sub(DEFAULT_HISTORY)..i]
                .iter()
                .map(String::as_str)
                .collect();
            found += scan_with_history(text, &window, Strictness::Normal)
                .current
                .redactions
                .len();
        }
    }
    let elapsed = started.elapsed();
    println!(
        "scan_with_history over the last {DEFAULT_HISTORY} messages: {:.1?} per message; {found} findings in all",
        elapsed / (rounds * texts.len()) as u32
    );
}
