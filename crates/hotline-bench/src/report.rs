//! Shared reporting: latency histograms, the once-a-second progress line and
//! the final table.

use anyhow::{Context, Result};
use hdrhistogram::Histogram;
use serde::Serialize;
use std::fmt::Display;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// A latency histogram in microseconds, from 1 µs to 60 s, 3 significant
/// digits. Larger values are clamped to 60 s.
pub fn latency_histogram() -> Result<Histogram<u64>> {
    Histogram::new_with_bounds(1, 60_000_000, 3).context("cannot create a latency histogram")
}

/// Records `latency` into a histogram made by [`latency_histogram`].
pub fn record(histogram: &mut Histogram<u64>, latency: Duration) {
    histogram.saturating_record(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX));
}

/// The latency at `quantile`, in milliseconds (0 for an empty histogram).
pub fn quantile_ms(histogram: &Histogram<u64>, quantile: f64) -> f64 {
    if histogram.is_empty() {
        return 0.0;
    }
    histogram.value_at_quantile(quantile) as f64 / 1000.0
}

/// The largest latency recorded, in milliseconds.
pub fn max_ms(histogram: &Histogram<u64>) -> f64 {
    histogram.max() as f64 / 1000.0
}

/// Rounds to two decimals, for the JSON line.
pub fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Prints the final JSON line of a scenario to stdout.
pub fn print_json(line: &impl Serialize) {
    match serde_json::to_string(line) {
        Ok(json) => println!("{json}"),
        Err(e) => eprintln!("cannot serialize the results: {e}"),
    }
}

/// Locks a mutex, ignoring poisoning: a panicked task already fails the run
/// through its join handle, and counters stay meaningful.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Prints a progress line to stderr every second until dropped.
pub struct Ticker(JoinHandle<()>);

impl Ticker {
    /// `line` gets the time since the ticker started and returns the line.
    pub fn start(mut line: impl FnMut(Duration) -> String + Send + 'static) -> Self {
        let started = Instant::now();
        Ticker(tokio::spawn(async move {
            let mut interval = tokio::time::interval(Duration::from_secs(1));
            interval.tick().await; // the first tick is immediate
            loop {
                interval.tick().await;
                let elapsed = started.elapsed();
                eprintln!("[{:>6.1}s] {}", elapsed.as_secs_f64(), line(elapsed));
            }
        }))
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A two-column table printed to stdout.
pub struct Table {
    title: String,
    rows: Vec<(String, String)>,
}

impl Table {
    pub fn new(title: impl Into<String>) -> Self {
        Table {
            title: title.into(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, key: impl Into<String>, value: impl Display) -> &mut Self {
        self.rows.push((key.into(), value.to_string()));
        self
    }

    pub fn print(&self) {
        let width = self
            .rows
            .iter()
            .map(|(key, _)| key.chars().count())
            .max()
            .unwrap_or(0);
        println!();
        println!("{}", self.title);
        println!("{}", "-".repeat(self.title.chars().count()));
        for (key, value) in &self.rows {
            println!("  {key:<width$}  {value}");
        }
    }
}
