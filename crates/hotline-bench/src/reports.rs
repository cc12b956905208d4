//! `reports`: what one report summary costs over many conversations, in
//! process against the SQLite store: the store's read of the period
//! (`conversation_facts`, one row per conversation opened in it) and the
//! sums and percentiles (`summarize`), as `GET /api/v1/reports/summary`
//! runs them on every request.
//!
//! The conversations are seeded once into `--data-dir` (kept, so that a
//! second run measures at once), spread over `--departments` departments;
//! the report over one department is the "one team's month" case, over all
//! of them the worst case of everything in one period.

use crate::report::{Table, Ticker, print_json};
use anyhow::Result;
use hotline_domain::report::summarize;
use hotline_domain::*;
use hotline_store::*;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Args {
    /// Conversations in the period.
    #[arg(long, default_value_t = 1_000_000)]
    conversations: usize,
    #[arg(long, default_value_t = 10)]
    departments: usize,
    /// Where the seeded database lives (kept between runs).
    #[arg(long, default_value = "target/bench/reports-data")]
    data_dir: PathBuf,
    /// Reports timed per case; the median is reported.
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

#[derive(Serialize)]
struct Line {
    scenario: &'static str,
    conversations_in_report: usize,
    read_ms: f64,
    summarize_ms: f64,
    total_ms: f64,
}

fn department(d: usize) -> Result<DepartmentId> {
    Ok(DepartmentId::parse(format!("dept{d}"))?)
}

pub async fn run(args: Args) -> Result<()> {
    anyhow::ensure!(
        args.departments > 0 && args.runs > 0,
        "need departments and runs"
    );
    std::fs::create_dir_all(&args.data_dir)?;
    // Nobody follows the events live here.
    let sink: Arc<dyn EventSink> = Arc::new(tokio::sync::broadcast::channel::<Arc<Event>>(1).0);
    let store: Arc<dyn Store> = Arc::new(
        hotline_store_sqlite::SqliteStore::open(args.data_dir.join("hotline.db"), sink).await?,
    );
    let departments: Vec<DepartmentId> = (0..args.departments)
        .map(department)
        .collect::<Result<_>>()?;
    let everything = FactsQuery {
        from: time::OffsetDateTime::UNIX_EPOCH,
        to: time::OffsetDateTime::now_utc() + time::Duration::days(1),
        departments: departments.clone(),
        operator: None,
    };
    let have = store.conversation_facts(everything.clone()).await?.len();
    if have < args.conversations {
        seed(&store, &departments, have, args.conversations).await?;
    }
    let everything = FactsQuery {
        to: time::OffsetDateTime::now_utc() + time::Duration::days(1),
        ..everything
    };
    let one = FactsQuery {
        departments: vec![departments[0].clone()],
        ..everything.clone()
    };
    let mut table = Table::new(format!(
        "reports: one summary, median of {} (SQLite, in process)",
        args.runs
    ));
    for (label, query) in [("one department", one), ("all departments", everything)] {
        let mut reads = Vec::new();
        let mut sums = Vec::new();
        let mut rows = 0;
        for _ in 0..args.runs {
            let begin = Instant::now();
            let facts = store.conversation_facts(query.clone()).await?;
            let read = begin.elapsed();
            let begin = Instant::now();
            let summary = summarize(&facts, time::UtcOffset::UTC);
            sums.push(begin.elapsed());
            reads.push(read);
            rows = facts.len();
            anyhow::ensure!(
                summary.conversations_opened as usize == rows,
                "the summary counts every conversation read"
            );
        }
        let line = Line {
            scenario: "reports",
            conversations_in_report: rows,
            read_ms: median_ms(&mut reads),
            summarize_ms: median_ms(&mut sums),
            total_ms: 0.0,
        };
        let line = Line {
            total_ms: line.read_ms + line.summarize_ms,
            ..line
        };
        table.row(
            format!("{label}: {rows} conversations"),
            format!(
                "{:.0} ms (read {:.0} ms + summarize {:.0} ms)",
                line.total_ms, line.read_ms, line.summarize_ms
            ),
        );
        print_json(&line);
    }
    table.print();
    Ok(())
}

fn median_ms(durations: &mut [Duration]) -> f64 {
    durations.sort();
    durations[durations.len() / 2].as_secs_f64() * 1000.0
}

/// Starts conversations `from..to` (with the bot: no queue to keep), 512
/// at a time so that the writer's group commits stay full.
async fn seed(
    store: &Arc<dyn Store>,
    departments: &[DepartmentId],
    from: usize,
    to: usize,
) -> Result<()> {
    let done = Arc::new(AtomicUsize::new(from));
    let ticker = {
        let done = done.clone();
        Ticker::start(move |elapsed| {
            let n = done.load(Ordering::Relaxed);
            format!(
                "seeding: {n} of {to} conversations ({:.0}/s)",
                (n - from) as f64 / elapsed.as_secs_f64().max(0.001)
            )
        })
    };
    for chunk in (from..to).collect::<Vec<_>>().chunks(512) {
        let mut batch = Vec::with_capacity(chunk.len());
        for &n in chunk {
            let store = store.clone();
            let department = departments[n % departments.len()].clone();
            let done = done.clone();
            batch.push(tokio::spawn(async move {
                store
                    .start_conversation(crate::routing::numbered_start(n, department, Status::Bot)?)
                    .await?;
                done.fetch_add(1, Ordering::Relaxed);
                anyhow::Ok(())
            }));
        }
        for task in batch {
            task.await??;
        }
    }
    drop(ticker);
    Ok(())
}
