//! Durability at scale: cycles of load, `kill -9` and restart on one data
//! directory. After every restart, every message the server acknowledged
//! must be there with the `seq` it was acknowledged with, each conversation's
//! `seq`s must run without a gap, a retry of the send that was cut off must
//! be stored exactly once, and the audit log's hash chain must hold.
//!
//! The kill comes at a random moment (seeded: `--seed` replays a run), while
//! customers are sending and an operator is logging in and taking
//! conversations, so both the message path and the audit log are mid-write.

use crate::auth::TokenMinter;
use crate::report::Ticker;
use anyhow::{Context, Result, bail, ensure};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const IDENTITY_SECRET: &str = "soak-secret-0123456789abcdef";
const OPERATOR_EMAIL: &str = "soak@bench.local";
const OPERATOR_PASSWORD: &str = "soak-password-1";
/// How long a send may take before the customer gives up on it for this cycle.
const SEND_TIMEOUT: Duration = Duration::from_secs(5);
/// Messages read per page when checking a conversation.
const PAGE: usize = 500;

#[derive(clap::Args)]
pub struct Args {
    /// The `hotline` binary to run and kill.
    #[arg(long, default_value = "target/release/hotline")]
    hotline_bin: PathBuf,
    /// Where the server keeps its data between cycles (emptied first).
    #[arg(long, default_value = "target/bench/soak")]
    data_dir: PathBuf,
    /// Load, kill -9, restart, check: this many times.
    #[arg(long, default_value_t = 200)]
    cycles: u32,
    /// Seed of the kill moments; the same seed replays the same run.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Customers sending at once, each in their own conversation.
    #[arg(long, default_value_t = 20)]
    customers: usize,
    /// Shortest load before the kill, in milliseconds.
    #[arg(long, default_value_t = 100)]
    min_load_ms: u64,
    /// Longest load before the kill, in milliseconds.
    #[arg(long, default_value_t = 1500)]
    max_load_ms: u64,
}

/// A customer's conversation and what the server said of its messages.
#[derive(Default)]
struct Ledger {
    /// client_msg_id → the seq it was acknowledged with.
    acked: HashMap<String, i64>,
    /// The send the kill cut off (no answer): retried after the restart.
    unanswered: Option<(String, String)>,
}

#[derive(Serialize)]
struct Totals {
    scenario: &'static str,
    cycles: u32,
    seed: u64,
    customers: usize,
    acknowledged: usize,
    lost: usize,
    moved: usize,
    seq_gaps: usize,
    retried: usize,
    retry_duplicates: usize,
    audit_entries_checked: u32,
    wall_s: f64,
}

pub async fn run(args: Args) -> Result<()> {
    ensure!(
        args.hotline_bin.exists(),
        "{} does not exist; build it first (cargo build --release -p hotline) or pass --hotline-bin",
        args.hotline_bin.display()
    );
    ensure!(
        args.min_load_ms <= args.max_load_ms,
        "--min-load-ms must not exceed --max-load-ms"
    );
    if args.data_dir.exists() {
        std::fs::remove_dir_all(&args.data_dir)
            .with_context(|| format!("cannot empty {}", args.data_dir.display()))?;
    }
    std::fs::create_dir_all(&args.data_dir)?;
    add_operator(&args)?;

    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(args.seed);
    let minter = TokenMinter::new(IDENTITY_SECRET);
    let http = reqwest::Client::builder().timeout(SEND_TIMEOUT).build()?;
    let mut totals = Totals {
        scenario: "soak",
        cycles: args.cycles,
        seed: args.seed,
        customers: args.customers,
        acknowledged: 0,
        lost: 0,
        moved: 0,
        seq_gaps: 0,
        retried: 0,
        retry_duplicates: 0,
        audit_entries_checked: 0,
        wall_s: 0.0,
    };
    let ledgers: Vec<Arc<Mutex<Ledger>>> = (0..args.customers).map(|_| Arc::default()).collect();
    let mut conversations: Vec<Option<String>> = vec![None; args.customers];
    let done = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let progress = {
        let (done, cycles) = (done.clone(), args.cycles);
        Ticker::start(move |_| format!("soak: cycle {} of {cycles}", done.load(Ordering::Relaxed)))
    };
    for cycle in 0..args.cycles {
        let (mut server, base) = start_server(&args)?;
        // After a restart: what was acknowledged is there, the cut-off send
        // is retried, and only then does new load begin.
        check_after_restart(&http, &base, &minter, &conversations, &ledgers, &mut totals).await?;
        ensure!(
            totals.lost == 0 && totals.moved == 0 && totals.seq_gaps == 0,
            "cycle {cycle}: {} acknowledged messages lost, {} with another seq, {} seq gaps (data dir {})",
            totals.lost,
            totals.moved,
            totals.seq_gaps,
            args.data_dir.display()
        );
        for (n, slot) in conversations.iter_mut().enumerate() {
            if slot.is_none() {
                let token = minter.mint(&customer(n), &customer(n))?;
                *slot = Some(start_conversation(&http, &base, &token, n).await?);
            }
        }
        let load = Duration::from_millis(rng.random_range(args.min_load_ms..=args.max_load_ms));
        let senders: Vec<_> = conversations
            .iter()
            .enumerate()
            .map(|(n, id)| {
                let id = id.clone().unwrap_or_default();
                let token = minter.mint(&customer(n), &customer(n));
                let (http, base, ledger) = (http.clone(), base.clone(), ledgers[n].clone());
                tokio::spawn(
                    async move { send_until_cut(http, base, token?, id, ledger, cycle).await },
                )
            })
            .collect();
        let operator = tokio::spawn(operator_work(http.clone(), base.clone()));
        tokio::time::sleep(load).await;
        server.kill().context("cannot kill the server")?;
        server.wait()?;
        operator.abort();
        for sender in senders {
            sender.await??;
        }
        totals.audit_entries_checked = verify_audit(&args)?;
        done.store(cycle + 1, Ordering::Relaxed);
    }
    // The last kill too must have kept everything.
    let (mut server, base) = start_server(&args)?;
    check_after_restart(&http, &base, &minter, &conversations, &ledgers, &mut totals).await?;
    server.kill()?;
    server.wait()?;
    drop(progress);
    totals.acknowledged = ledgers.iter().map(|l| lock(l).acked.len()).sum();
    totals.wall_s = started.elapsed().as_secs_f64();
    println!("{}", serde_json::to_string(&totals)?);
    if totals.lost + totals.moved + totals.seq_gaps + totals.retry_duplicates > 0 {
        bail!(
            "durability broken: {} lost, {} moved, {} gaps, {} duplicates (data dir {})",
            totals.lost,
            totals.moved,
            totals.seq_gaps,
            totals.retry_duplicates,
            args.data_dir.display()
        );
    }
    eprintln!(
        "{} cycles: {} acknowledged messages, none lost; {} cut-off sends retried, none twice; audit chain intact ({} entries)",
        totals.cycles, totals.acknowledged, totals.retried, totals.audit_entries_checked
    );
    Ok(())
}

fn customer(n: usize) -> String {
    format!("soak-{n}")
}

fn lock(ledger: &Mutex<Ledger>) -> std::sync::MutexGuard<'_, Ledger> {
    ledger
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn hotline(args: &Args) -> Command {
    let mut command = Command::new(&args.hotline_bin);
    command
        .arg("--data-dir")
        .arg(&args.data_dir)
        .env("HOTLINE_IDENTITY_SECRET", IDENTITY_SECRET)
        .env("HOTLINE_SECURITY__RATE_LIMITS__MESSAGES_PER_MINUTE", "0")
        .env("HOTLINE_SECURITY__RATE_LIMITS__CONVERSATIONS_PER_HOUR", "0")
        .env(
            "HOTLINE_SECURITY__RATE_LIMITS__LOGINS_PER_MINUTE_PER_IP",
            "0",
        )
        .env("NO_COLOR", "1");
    command
}

fn add_operator(args: &Args) -> Result<()> {
    let mut child = hotline(args)
        .args([
            "operator",
            "add",
            "--email",
            OPERATOR_EMAIL,
            "--name",
            "Soak",
        ])
        .args([
            "--role",
            "operator",
            "--departments",
            "marketplace",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot run {}", args.hotline_bin.display()))?;
    child
        .stdin
        .take()
        .context("no stdin")?
        .write_all(OPERATOR_PASSWORD.as_bytes())?;
    ensure!(child.wait()?.success(), "hotline operator add failed");
    Ok(())
}

/// Starts the server on a free port; returns it and its base URL.
fn start_server(args: &Args) -> Result<(Child, String)> {
    let mut child = hotline(args)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", args.hotline_bin.display()))?;
    let stderr = child.stderr.take().context("no stderr")?;
    let mut lines = BufReader::new(stderr).lines();
    let address = loop {
        let Some(line) = lines.next() else {
            bail!("the server stopped before listening; run it by hand to see why");
        };
        if let Some(rest) = line?.split("listening on http://").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Ok((child, format!("http://{address}")))
}

async fn start_conversation(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    n: usize,
) -> Result<String> {
    let body = json!({
        "department": "marketplace",
        "text": format!("soak customer {n}"),
        "client_msg_id": format!("soak-start-{n}"),
    });
    let response = http
        .post(format!("{base}/api/v1/conversations"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    ensure!(
        response.status().is_success(),
        "starting a conversation: {}",
        response.status()
    );
    let started: Value = response.json().await?;
    started["id"]
        .as_str()
        .map(str::to_owned)
        .context("no conversation id")
}

/// Sends messages one after another until the server stops answering.
async fn send_until_cut(
    http: reqwest::Client,
    base: String,
    token: String,
    id: String,
    ledger: Arc<Mutex<Ledger>>,
    cycle: u32,
) -> Result<()> {
    for i in 0.. {
        let cmid = format!("c{cycle}-{i}");
        let text = format!("soak message {i} of cycle {cycle}");
        let sent = http
            .post(format!("{base}/api/v1/conversations/{id}/messages"))
            .bearer_auth(&token)
            .json(&json!({"text": text, "client_msg_id": cmid}))
            .send()
            .await;
        match sent {
            Ok(response) if response.status() == StatusCode::CREATED => {
                let message: Value = response.json().await?;
                let seq = message["seq"].as_i64().context("no seq")?;
                lock(&ledger).acked.insert(cmid, seq);
            }
            // The server died mid-request (or answered otherwise): the
            // outcome is unknown, the client retries after the restart.
            _ => {
                lock(&ledger).unanswered = Some((cmid, text));
                return Ok(());
            }
        }
    }
    Ok(())
}

/// An operator logs in and takes what is queued: audit entries mid-write.
async fn operator_work(http: reqwest::Client, base: String) -> Result<()> {
    loop {
        let login = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"email": OPERATOR_EMAIL, "password": OPERATOR_PASSWORD}))
            .send()
            .await?;
        let session: Value = login.json().await?;
        let Some(token) = session["token"].as_str() else {
            continue;
        };
        let queued: Value = http
            .get(format!("{base}/api/v1/conversations?status=queued"))
            .bearer_auth(token)
            .send()
            .await?
            .json()
            .await?;
        let queued = queued["conversations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for conversation in queued.iter().take(3) {
            let Some(id) = conversation["id"].as_str() else {
                continue;
            };
            http.post(format!("{base}/api/v1/conversations/{id}/assign"))
                .bearer_auth(token)
                .send()
                .await?;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// After a restart: each customer's cut-off send is retried, then their
/// conversation is compared with what the server acknowledged.
async fn check_after_restart(
    http: &reqwest::Client,
    base: &str,
    minter: &TokenMinter,
    conversations: &[Option<String>],
    ledgers: &[Arc<Mutex<Ledger>>],
    totals: &mut Totals,
) -> Result<()> {
    for (n, (id, ledger)) in conversations.iter().zip(ledgers).enumerate() {
        let Some(id) = id else { continue };
        let token = minter.mint(&customer(n), &customer(n))?;
        retry_unanswered(http, base, &token, id, ledger, totals).await?;
        check_conversation(http, base, &token, id, ledger, totals).await?;
    }
    Ok(())
}

async fn retry_unanswered(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    id: &str,
    ledger: &Mutex<Ledger>,
    totals: &mut Totals,
) -> Result<()> {
    let Some((cmid, text)) = lock(ledger).unanswered.take() else {
        return Ok(());
    };
    let response = http
        .post(format!("{base}/api/v1/conversations/{id}/messages"))
        .bearer_auth(token)
        .json(&json!({"text": text, "client_msg_id": cmid}))
        .send()
        .await?;
    // 201: the first try was lost before its commit; 200: it was stored.
    ensure!(
        matches!(response.status(), StatusCode::CREATED | StatusCode::OK),
        "retrying {cmid}: {}",
        response.status()
    );
    let message: Value = response.json().await?;
    let seq = message["seq"].as_i64().context("no seq")?;
    lock(ledger).acked.insert(cmid, seq);
    totals.retried += 1;
    Ok(())
}

/// Reads the whole conversation as its customer and compares it with what
/// the server acknowledged.
async fn check_conversation(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    id: &str,
    ledger: &Mutex<Ledger>,
    totals: &mut Totals,
) -> Result<()> {
    let mut stored: HashMap<String, Vec<i64>> = HashMap::new();
    let mut seqs = Vec::new();
    let mut after = 0;
    loop {
        let page: Value = http
            .get(format!(
                "{base}/api/v1/conversations/{id}/messages?after_seq={after}&limit={PAGE}"
            ))
            .bearer_auth(token)
            .send()
            .await?
            .json()
            .await
            .context("reading messages")?;
        let page = page["messages"].as_array().cloned().unwrap_or_default();
        for message in &page {
            let seq = message["seq"].as_i64().context("no seq")?;
            seqs.push(seq);
            if let Some(cmid) = message["client_msg_id"].as_str() {
                stored.entry(cmid.to_owned()).or_default().push(seq);
            }
            after = seq;
        }
        if page.len() < PAGE {
            break;
        }
    }
    totals.seq_gaps += seqs
        .windows(2)
        .filter(|pair| pair[1] != pair[0] + 1)
        .count();
    totals.retry_duplicates += stored.values().filter(|s| s.len() > 1).count();
    for (cmid, seq) in &lock(ledger).acked {
        match stored.get(cmid).and_then(|s| s.first()) {
            None => totals.lost += 1,
            Some(found) if found != seq => totals.moved += 1,
            Some(_) => {}
        }
    }
    Ok(())
}

/// Runs `hotline audit verify`; returns how many entries it checked.
fn verify_audit(args: &Args) -> Result<u32> {
    let output = hotline(args).args(["audit", "verify"]).output()?;
    let said = String::from_utf8_lossy(&output.stdout);
    ensure!(
        output.status.success(),
        "the audit chain broke: {}{}",
        said,
        String::from_utf8_lossy(&output.stderr)
    );
    // «audit log intact: N entries, …» or «audit log intact: empty».
    Ok(said
        .split("intact: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0))
}
