//! How long the detectors take per message, on the labelled set's texts:
//! `cargo run --release -p hotline-guard --example throughput`.

use hotline_guard::{LinkPolicy, Strictness, scan, secret_request};
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
    let rounds = 200;
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
}
