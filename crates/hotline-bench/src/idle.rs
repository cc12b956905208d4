//! Idle connections: the server's memory per connected customer.
//!
//! Most customers of a support chat keep the app open and say nothing, so the
//! number of idle WebSockets a server can hold is bounded by memory, not CPU.
//! This scenario opens `--connections` customer WebSockets (each with its own
//! identity token), waits for each one's `caught_up`, and reads the server's
//! resident memory (VmRSS of `--pid`) before and after:
//! KiB per connection = (after − before) / connections.
//!
//! Connections are opened `--batch` at a time, then kept open and read,
//! so that the server sees live peers (pings are answered) rather than dead
//! ones.

use crate::auth::TokenMinter;
use crate::net::{self, WsStream};
use crate::report::{self, Table, Ticker};
use anyhow::{Context, Result, bail};
use futures_util::{StreamExt, stream};
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// How long one connection may take to open and catch up.
const OPEN_TIMEOUT: Duration = Duration::from_secs(30);
/// The bench's own buffers per connection: idle connections receive little,
/// so keep them small to leave memory to the server under test.
const BUFFER_SIZE: usize = 4 * 1024;
/// Connection errors printed as they happen; later ones are only counted.
const ERRORS_SHOWN: u64 = 5;

#[derive(clap::Args)]
pub struct Args {
    /// Hotline's base URL, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    url: String,
    /// Hotline's identity secret (HS256), to mint customer tokens.
    #[arg(long, env = "HOTLINE_IDENTITY_SECRET", hide_env_values = true)]
    identity_secret: String,
    /// Customer WebSockets to open.
    #[arg(long, default_value_t = 15_000)]
    connections: usize,
    /// The server's process id, to read its memory from /proc/<pid>/status.
    #[arg(long)]
    pid: Option<u32>,
    /// Connections being opened at the same time.
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Seconds to wait after the last connection before measuring.
    #[arg(long, default_value_t = 2)]
    settle: u64,
    /// Seconds to keep the connections open after measuring (e.g. to inspect
    /// the server by hand).
    #[arg(long, default_value_t = 0)]
    hold: u64,
    /// Customer ids are `<prefix>-<n>`.
    #[arg(long, default_value = "idle")]
    sub_prefix: String,
}

pub async fn run(args: Args) -> Result<()> {
    anyhow::ensure!(args.connections > 0, "--connections must be at least 1");
    anyhow::ensure!(args.batch > 0, "--batch must be at least 1");
    let ws_url = net::ws_url(&args.url, "/api/v1/ws")?;
    let minter = TokenMinter::new(&args.identity_secret);
    let total = args.connections;

    let rss_before = args.pid.map(vm_rss_kib).transpose()?;
    eprintln!(
        "== idle: {total} customer WebSockets to {ws_url}, {} at a time; server RSS before: {}",
        args.batch,
        rss_before.map_or("not measured (no --pid)".to_owned(), |kib| format!(
            "{kib} KiB"
        ))
    );

    let opened = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let dropped = Arc::new(AtomicU64::new(0));
    let ticker = {
        let (opened, failed, dropped) = (opened.clone(), failed.clone(), dropped.clone());
        let mut previous = 0;
        Ticker::start(move |_| {
            let now = opened.load(Ordering::Relaxed);
            let rate = now - previous;
            previous = now;
            format!(
                "open {now}/{total} ({rate}/s)  failed {}  closed by the server {}",
                failed.load(Ordering::Relaxed),
                dropped.load(Ordering::Relaxed)
            )
        })
    };

    let config = WebSocketConfig::default()
        .read_buffer_size(BUFFER_SIZE)
        .write_buffer_size(0);
    let started = Instant::now();
    let mut drains = Vec::with_capacity(total);
    let mut attempts = stream::iter(0..total)
        .map(|n| open(&minter, &ws_url, &args.sub_prefix, n, config))
        .buffer_unordered(args.batch);
    let mut failures_in_a_row = 0;
    while let Some(attempt) = attempts.next().await {
        match attempt {
            Ok(ws) => {
                failures_in_a_row = 0;
                opened.fetch_add(1, Ordering::Relaxed);
                drains.push(tokio::spawn(drain(ws, dropped.clone())));
            }
            Err(error) => {
                failures_in_a_row += 1;
                if failed.fetch_add(1, Ordering::Relaxed) < ERRORS_SHOWN {
                    eprintln!("connection error: {error:#}");
                }
                if failures_in_a_row >= args.batch {
                    eprintln!(
                        "{failures_in_a_row} connections failed in a row: no more are attempted"
                    );
                    break;
                }
            }
        }
    }
    drop(attempts);
    let open_time = started.elapsed();
    drop(ticker);
    let opened = opened.load(Ordering::Relaxed);
    eprintln!(
        "{opened} connections open in {:.1} s; settling for {} s",
        open_time.as_secs_f64(),
        args.settle
    );
    if opened == 0 {
        bail!("no connection could be opened");
    }

    tokio::time::sleep(Duration::from_secs(args.settle)).await;
    let rss_after = args.pid.map(vm_rss_kib).transpose()?;
    let bench_rss = vm_rss_kib_of("self")?;
    let open_files = open_file_count()?;
    let result = IdleResult {
        url: args.url.clone(),
        requested: total,
        opened,
        failed: failed.load(Ordering::Relaxed),
        closed_by_server: dropped.load(Ordering::Relaxed),
        open_time,
        rss_before,
        rss_after,
        bench_rss,
        open_files,
    };
    result.print();

    if args.hold > 0 {
        eprintln!(
            "holding the connections for {} s (Ctrl-C to stop)",
            args.hold
        );
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(args.hold)) => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    for drain in &drains {
        drain.abort();
    }
    Ok(())
}

/// Opens customer `n`'s WebSocket and waits for its `caught_up`.
async fn open(
    minter: &TokenMinter,
    ws_url: &str,
    sub_prefix: &str,
    n: usize,
    config: WebSocketConfig,
) -> Result<WsStream> {
    let attempt = async {
        let token = minter.mint(&format!("{sub_prefix}-{n}"), &format!("Idle {n}"))?;
        let mut ws = net::connect(ws_url, Some(&token), Some(config)).await?;
        net::wait_caught_up(&mut ws, OPEN_TIMEOUT).await?;
        anyhow::Ok(ws)
    };
    tokio::time::timeout(OPEN_TIMEOUT, attempt)
        .await
        .with_context(|| format!("connection {n} took more than {} s", OPEN_TIMEOUT.as_secs()))?
        .with_context(|| format!("connection {n}"))
}

/// Reads (and discards) frames until the connection ends; reading also
/// answers the server's pings.
async fn drain(mut ws: WsStream, dropped: Arc<AtomicU64>) {
    while let Some(frame) = ws.next().await {
        if matches!(frame, Err(_) | Ok(Message::Close(_))) {
            break;
        }
    }
    dropped.fetch_add(1, Ordering::Relaxed);
}

fn vm_rss_kib(pid: u32) -> Result<u64> {
    vm_rss_kib_of(&pid.to_string())
}

/// VmRSS of /proc/<process>/status, in KiB.
fn vm_rss_kib_of(process: &str) -> Result<u64> {
    let path = format!("/proc/{process}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .with_context(|| format!("no VmRSS line in {path}"))?;
    let kib = line.trim().trim_end_matches("kB").trim();
    kib.parse()
        .with_context(|| format!("unexpected VmRSS value {kib:?} in {path}"))
}

/// The bench's own open file descriptors.
fn open_file_count() -> Result<usize> {
    Ok(std::fs::read_dir("/proc/self/fd")
        .context("cannot list /proc/self/fd")?
        .count())
}

struct IdleResult {
    url: String,
    requested: usize,
    opened: u64,
    failed: u64,
    closed_by_server: u64,
    open_time: Duration,
    rss_before: Option<u64>,
    rss_after: Option<u64>,
    bench_rss: u64,
    open_files: usize,
}

impl IdleResult {
    /// Server memory growth per open connection, in KiB.
    fn kib_per_connection(&self) -> Option<f64> {
        let (before, after) = (self.rss_before?, self.rss_after?);
        Some((after as f64 - before as f64) / self.opened as f64)
    }

    fn print(&self) {
        let kib = |value: Option<u64>| {
            value.map_or("-".to_owned(), |kib| {
                format!("{kib} KiB ({:.1} MiB)", kib as f64 / 1024.0)
            })
        };
        Table::new(format!("idle: customer WebSockets at {}", self.url))
            .row("requested", self.requested)
            .row("opened (caught up)", self.opened)
            .row("failed", self.failed)
            .row("closed by the server", self.closed_by_server)
            .row(
                "opening time",
                format!(
                    "{:.1} s ({:.0} conn/s)",
                    self.open_time.as_secs_f64(),
                    self.opened as f64 / self.open_time.as_secs_f64()
                ),
            )
            .row("server RSS before", kib(self.rss_before))
            .row("server RSS after", kib(self.rss_after))
            .row(
                "server KiB per connection",
                self.kib_per_connection()
                    .map_or("-".to_owned(), |v| format!("{v:.1}")),
            )
            .row("bench RSS", kib(Some(self.bench_rss)))
            .row("bench open files", self.open_files)
            .print();
        report::print_json(&IdleLine {
            scenario: "idle",
            url: &self.url,
            connections: self.requested,
            opened: self.opened,
            failed: self.failed,
            closed_by_server: self.closed_by_server,
            open_time_s: report::round2(self.open_time.as_secs_f64()),
            server_rss_before_kib: self.rss_before,
            server_rss_after_kib: self.rss_after,
            kib_per_connection: self.kib_per_connection().map(report::round2),
            bench_rss_kib: self.bench_rss,
            bench_open_files: self.open_files,
        });
    }
}

/// The JSON line (fields in this order).
#[derive(Serialize)]
struct IdleLine<'a> {
    scenario: &'static str,
    url: &'a str,
    connections: usize,
    opened: u64,
    failed: u64,
    closed_by_server: u64,
    open_time_s: f64,
    server_rss_before_kib: Option<u64>,
    server_rss_after_kib: Option<u64>,
    kib_per_connection: Option<f64>,
    bench_rss_kib: u64,
    bench_open_files: usize,
}
