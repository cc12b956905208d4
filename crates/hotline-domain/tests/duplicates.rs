//! Measures the duplicate check on data: false joins among questions that
//! are all different, and duplicates caught among questions asked again.
//! Run with `--nocapture` to see the numbers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use hotline_domain::similarity::{SimpleAnalyzer, same_question};

fn lines(raw: &str) -> impl Iterator<Item = &str> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

#[test]
fn false_joins_and_caught_duplicates() {
    let analyzer = SimpleAnalyzer;
    let distinct: Vec<&str> = lines(include_str!("data/distinct-questions.txt")).collect();
    let mut pairs = 0;
    let mut false_joins = Vec::new();
    for (i, a) in distinct.iter().enumerate() {
        for b in &distinct[i + 1..] {
            pairs += 1;
            if same_question(&analyzer, a, b) {
                false_joins.push((*a, *b));
            }
        }
    }
    let duplicates: Vec<(&str, &str)> = lines(include_str!("data/duplicate-questions.txt"))
        .map(|l| l.split_once('|').expect("first | again"))
        .map(|(a, b)| (a.trim(), b.trim()))
        .collect();
    let missed: Vec<_> = duplicates
        .iter()
        .filter(|(a, b)| !same_question(&analyzer, a, b))
        .collect();
    println!(
        "duplicate check: {} false joins in {pairs} pairs of {} different questions; \
         {} of {} repeated questions caught",
        false_joins.len(),
        distinct.len(),
        duplicates.len() - missed.len(),
        duplicates.len()
    );
    for (a, b) in &false_joins {
        println!("  false join: {a:?} ~ {b:?}");
    }
    for (a, b) in &missed {
        println!("  missed: {a:?} ~ {b:?}");
    }
    // A false join hides a question from the operator: at most 1 in 1000 pairs.
    assert!(
        false_joins.len() * 1000 <= pairs,
        "{} false joins",
        false_joins.len()
    );
    assert!(
        missed.len() * 5 <= duplicates.len(),
        "{} duplicates missed",
        missed.len()
    );
}
