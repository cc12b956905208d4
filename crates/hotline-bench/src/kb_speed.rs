//! `kb-speed`: the help-center search at 10 000 articles — how long a full
//! re-index takes, and the latency of `suggest` (what the widget calls as
//! the customer types) and of `upsert` (an administrator's edit).
//!
//! The 10 000 articles are synthesised from the demo help center: variant
//! `v` of article `a` gets its own id and section, and its body is `a`'s
//! body followed by a paragraph of another article, so that the vocabulary
//! and the posting lists grow as in a real, larger help center.
//!
//! The machine's load average is printed with the results: on a shared
//! 2-core machine the tail latency says as much about the neighbours as
//! about the search.

use crate::kb_data::{self, DEFAULT_ARTICLES, DEFAULT_EVAL};
use crate::report::{self, Table};
use anyhow::Result;
use hotline_search::{ArticleDoc, SearchIndex, Synonyms};
use serde::Serialize;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Args {
    /// Directory of article files to synthesise from.
    #[arg(long, default_value = DEFAULT_ARTICLES)]
    articles: PathBuf,
    /// The evaluation set whose questions are the suggest queries.
    #[arg(long, default_value = DEFAULT_EVAL)]
    eval: PathBuf,
    /// How many articles to index.
    #[arg(long, default_value_t = 10_000)]
    count: usize,
    /// How many times every question is asked.
    #[arg(long, default_value_t = 20)]
    passes: usize,
    /// Pause after the re-index, in seconds, so that tantivy's background
    /// segment merges finish and latency is measured on a settled index.
    #[arg(long, default_value_t = 5)]
    settle: u64,
}

#[derive(Serialize)]
struct Line {
    scenario: &'static str,
    articles: usize,
    reindex_s: f64,
    suggest_queries: u64,
    suggest_p50_ms: f64,
    suggest_p99_ms: f64,
    suggest_max_ms: f64,
    load_average: String,
    upsert_p50_ms: f64,
    upsert_max_ms: f64,
}

fn synthesise(base: &[ArticleDoc], count: usize) -> Vec<ArticleDoc> {
    (0..count)
        .map(|i| {
            let article = &base[i % base.len()];
            let variant = i / base.len();
            let other = &base[(i * 7 + 3) % base.len()];
            let extra = other
                .body
                .split("\n\n")
                .nth(variant % 2)
                .unwrap_or(&other.body);
            ArticleDoc {
                id: format!("{}-{variant}", article.id),
                department: article.department.clone(),
                section: format!("{} {}", article.section, variant % 20),
                title: article.title.clone(),
                tags: article.tags.clone(),
                body: format!("{}\n\n{extra}", article.body),
            }
        })
        .collect()
}

/// Sub-millisecond latencies need three decimals.
fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

pub fn run(args: Args) -> Result<()> {
    let base = kb_data::load_articles(&args.articles)?;
    let eval = kb_data::load_eval(&args.eval, &base)?;
    let articles = synthesise(&base, args.count);
    eprintln!(
        "kb-speed: {} articles synthesised from {}; {} questions × {} passes",
        articles.len(),
        base.len(),
        eval.question.len(),
        args.passes
    );

    let index = SearchIndex::new(Synonyms::builtin())?;
    let started = Instant::now();
    index.rebuild(&articles)?;
    let reindex = started.elapsed();
    eprintln!(
        "kb-speed: re-indexed {} articles in {:.2} s",
        index.len(),
        reindex.as_secs_f64()
    );

    std::thread::sleep(Duration::from_secs(args.settle));
    // One warm-up pass: first touches of the index pages are not what a
    // running server sees.
    for question in &eval.question {
        index.suggest(&question.text, None)?;
    }
    let mut suggest = report::latency_histogram()?;
    let mut per_question = vec![Duration::ZERO; eval.question.len()];
    for pass in 0..args.passes {
        for (question, total) in eval.question.iter().zip(per_question.iter_mut()) {
            let started = Instant::now();
            let hits = index.suggest(&question.text, None)?;
            let elapsed = started.elapsed();
            report::record(&mut suggest, elapsed);
            *total += elapsed;
            std::hint::black_box(hits);
        }
        eprintln!(
            "kb-speed: pass {}/{}: suggest p99 so far {:.3} ms",
            pass + 1,
            args.passes,
            report::quantile_ms(&suggest, 0.99)
        );
    }

    let mut slowest: Vec<(Duration, &str)> = per_question
        .iter()
        .zip(&eval.question)
        .map(|(total, q)| (*total / args.passes.max(1) as u32, q.text.as_str()))
        .collect();
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    for (mean, text) in slowest.iter().take(5) {
        eprintln!(
            "kb-speed: slowest: {:.3} ms mean: {text}",
            mean.as_secs_f64() * 1000.0
        );
    }

    let mut upsert = report::latency_histogram()?;
    for article in articles.iter().take(50) {
        let mut edited = article.clone();
        edited.body.push_str("\nОбновлено.");
        let started = Instant::now();
        index.upsert(&edited)?;
        report::record(&mut upsert, started.elapsed());
    }

    let line = Line {
        scenario: "kb-speed",
        articles: index.len(),
        reindex_s: report::round2(reindex.as_secs_f64()),
        suggest_queries: suggest.len(),
        suggest_p50_ms: round3(report::quantile_ms(&suggest, 0.5)),
        suggest_p99_ms: round3(report::quantile_ms(&suggest, 0.99)),
        suggest_max_ms: report::round2(report::max_ms(&suggest)),
        load_average: std::fs::read_to_string("/proc/loadavg")
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_default(),
        upsert_p50_ms: report::round2(report::quantile_ms(&upsert, 0.5)),
        upsert_max_ms: report::round2(report::max_ms(&upsert)),
    };
    let mut table = Table::new("kb-speed");
    table
        .row("articles", line.articles)
        .row("re-index, s", format!("{:.2}", reindex.as_secs_f64()))
        .row("suggest queries", line.suggest_queries)
        .row(
            "suggest p50, ms",
            format!("{:.3}", report::quantile_ms(&suggest, 0.5)),
        )
        .row(
            "suggest p99, ms",
            format!("{:.3}", report::quantile_ms(&suggest, 0.99)),
        )
        .row(
            "suggest max, ms",
            format!("{:.3}", report::max_ms(&suggest)),
        )
        .row(
            "upsert p50, ms",
            format!("{:.3}", report::quantile_ms(&upsert, 0.5)),
        )
        .row("upsert max, ms", format!("{:.3}", report::max_ms(&upsert)));
    table.print();
    report::print_json(&line);
    Ok(())
}
