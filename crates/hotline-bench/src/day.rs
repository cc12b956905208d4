//! `day`: a day of support replayed against a running server, in compressed
//! time (`--speed` simulated seconds per real second).
//!
//! Customers arrive along a daily curve (quiet nights, a midday and an
//! evening peak) with two bursts; each starts a conversation and notes the
//! place and estimate the server answers. Operators work shifts: they go
//! `online` with a capacity at the start and `away` at the end, watch their
//! WebSocket for conversations assigned to them, reply at once and resolve
//! after a handling time (Erlang-2 distributed, so not the exponential the
//! estimate assumes). Reported, in simulated time: waits to assignment
//! (p50/p90/p99), first-response SLA attainment, slot utilisation, and the
//! median absolute error of the first estimate against the real wait.
//!
//! Everything the server measures (handling times, waits, estimates) is in
//! real seconds; the simulator compares in real seconds and multiplies by
//! `--speed` for the report.

use crate::auth::TokenMinter;
use crate::net::{self, expect_status};
use crate::report::{self, Table, Ticker, lock};
use anyhow::{Context, Result};
use futures_util::StreamExt;
use rand::Rng;
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// Relative arrivals per hour of the day (00:00 … 23:00).
const DAILY_CURVE: [f64; 24] = [
    2.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0, 5.0, 7.0, 9.0, 10.0, 10.0, 10.0, 9.0, 9.0, 9.0, 9.0, 9.0,
    10.0, 11.0, 11.0, 9.0, 6.0, 4.0,
];
/// Bursts: (start hour, length in minutes, intensity multiplier) — a push
/// notification at lunch and an outage in the evening.
const BURSTS: [(f64, f64, f64); 2] = [(12.0, 30.0, 3.0), (20.0, 20.0, 4.0)];

const QUESTIONS: [&str; 8] = [
    "Где мой заказ?",
    "Как вернуть товар?",
    "Списали деньги дважды",
    "Не приходит код из смс",
    "Курьер не приехал",
    "Промокод не работает",
    "Как изменить адрес доставки?",
    "Пришёл бракованный товар",
];

#[derive(clap::Args)]
pub struct Args {
    /// Hotline's base URL, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    url: String,
    /// The HS256 identity secret the server accepts (to mint customer tokens).
    #[arg(long, env = "HOTLINE_IDENTITY_SECRET", hide_env_values = true)]
    identity_secret: String,
    /// Operators `<prefix><n>@bench.local`, n = 0…operators-1, created
    /// beforehand with `hotline operator add`, all with this password.
    #[arg(long, env = "HOTLINE_BENCH_OPERATOR_PASSWORD", hide_env_values = true)]
    operator_password: String,
    #[arg(long, default_value = "sim-op-")]
    operator_prefix: String,
    #[arg(long, default_value_t = 12)]
    operators: usize,
    /// A department without a bot, served by those operators.
    #[arg(long, default_value = "marketplace")]
    department: String,
    /// Conversations in the whole day.
    #[arg(long, default_value_t = 600)]
    arrivals: usize,
    /// Simulated seconds per real second.
    #[arg(long, default_value_t = 240.0)]
    speed: f64,
    /// Mean handling time, simulated minutes.
    #[arg(long, default_value_t = 20.0)]
    handle_minutes: f64,
    #[arg(long, default_value_t = 3)]
    capacity: u32,
    /// The first-response target, simulated minutes.
    #[arg(long, default_value_t = 15.0)]
    target_minutes: f64,
    /// Customer ids start with this; make it unique per run.
    #[arg(long, default_value = "sim")]
    sub_prefix: String,
}

#[derive(Default)]
struct Record {
    started: Option<Instant>,
    /// The first estimate, real seconds, when the conversation was queued.
    estimate: Option<f64>,
    assigned: Option<Instant>,
    resolved: Option<Instant>,
}

#[derive(Default)]
struct Shared {
    records: Mutex<HashMap<String, Record>>,
    arrived: AtomicUsize,
    assigned: AtomicUsize,
    resolved: AtomicUsize,
    failures: AtomicUsize,
}

#[derive(Deserialize)]
struct Login {
    token: String,
    operator: LoginOperator,
}

#[derive(Deserialize)]
struct LoginOperator {
    id: String,
}

#[derive(Serialize)]
struct Line {
    scenario: &'static str,
    arrivals: usize,
    operators: usize,
    speed: f64,
    handle_minutes: f64,
    assigned: usize,
    wait_p50_s: f64,
    wait_p90_s: f64,
    wait_p99_s: f64,
    sla_attainment: f64,
    utilisation: f64,
    estimated: usize,
    /// The real wait of the conversations that were shown an estimate.
    estimated_wait_p50_s: f64,
    estimate_median_abs_error_s: f64,
    estimate_median_error_s: f64,
    failures: usize,
}

/// Arrival rate at simulated hour `h` (relative units).
fn intensity(h: f64) -> f64 {
    let base = DAILY_CURVE[(h.floor() as usize) % 24];
    let burst = BURSTS
        .iter()
        .filter(|(start, minutes, _)| h >= *start && h < start + minutes / 60.0)
        .map(|(_, _, factor)| *factor)
        .fold(1.0, f64::max);
    base * burst
}

/// Arrival times (simulated seconds) of a non-homogeneous Poisson process
/// scaled to `total` expected arrivals, by thinning.
fn arrival_times(total: usize, rng: &mut impl Rng) -> Vec<f64> {
    let steps = 24 * 60;
    let mass: f64 = (0..steps).map(|m| intensity(m as f64 / 60.0) / 60.0).sum();
    let per_unit = total as f64 / mass / 3600.0;
    let peak = (0..steps)
        .map(|m| intensity(m as f64 / 60.0))
        .fold(0.0, f64::max)
        * per_unit;
    let mut times = Vec::new();
    let mut t = 0.0;
    loop {
        t += -(1.0 - rng.random::<f64>()).ln() / peak;
        if t >= 24.0 * 3600.0 {
            return times;
        }
        if rng.random::<f64>() < intensity(t / 3600.0) * per_unit / peak {
            times.push(t);
        }
    }
}

/// (start, end) simulated hours of operator `i`'s shift: a small night
/// shift, and day and evening shifts that overlap over the peaks.
fn shift(i: usize, operators: usize) -> (f64, f64) {
    let night = (operators / 6).max(1);
    if i < night {
        (0.0, 8.0)
    } else if (i - night).is_multiple_of(2) {
        (8.0, 17.0)
    } else {
        (14.0, 24.0)
    }
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// An operator's console: takes what is assigned to them, replies at once,
/// resolves after a handling time.
struct Watcher {
    client: reqwest::Client,
    shared: Arc<Shared>,
    base: String,
    token: String,
    me: String,
    speed: f64,
    handle_minutes: f64,
}

impl Watcher {
    async fn run(self, mut ws: net::WsStream) {
        while let Some(Ok(frame)) = ws.next().await {
            let Message::Text(text) = frame else { continue };
            let Ok(frame) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            let data = &frame["data"];
            if frame["type"] != "conversation.updated"
                || data["status"] != "assigned"
                || data["assignee"]["id"] != self.me.as_str()
            {
                continue;
            }
            let Some(id) = data["id"].as_str().map(str::to_owned) else {
                continue;
            };
            {
                let mut records = lock(&self.shared.records);
                let record = records.entry(id.clone()).or_default();
                if record.assigned.is_some() {
                    continue;
                }
                record.assigned = Some(Instant::now());
            }
            self.shared.assigned.fetch_add(1, Ordering::Relaxed);
            // Erlang-2: the sum of two exponentials of half the mean.
            let handle = {
                let mut rng = rand::rng();
                let half = self.handle_minutes * 60.0 / 2.0;
                -half * (1.0 - rng.random::<f64>()).ln() - half * (1.0 - rng.random::<f64>()).ln()
            };
            let (client, shared, base, token) = (
                self.client.clone(),
                self.shared.clone(),
                self.base.clone(),
                self.token.clone(),
            );
            let speed = self.speed;
            tokio::spawn(async move {
                let reply = json!({"text": "Здравствуйте! Разбираюсь.", "client_msg_id": format!("reply-{id}")});
                let replied = client
                    .post(format!("{base}/api/v1/conversations/{id}/messages"))
                    .bearer_auth(&token)
                    .json(&reply)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                tokio::time::sleep(Duration::from_secs_f64(handle / speed)).await;
                let resolved = client
                    .post(format!("{base}/api/v1/conversations/{id}/resolve"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                if replied && resolved {
                    lock(&shared.records).entry(id).or_default().resolved = Some(Instant::now());
                    shared.resolved.fetch_add(1, Ordering::Relaxed);
                } else {
                    shared.failures.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    }
}

pub async fn run(args: Args) -> Result<()> {
    anyhow::ensure!(
        args.speed > 0.0 && args.operators > 0,
        "--speed and --operators must be positive"
    );
    let base = net::base_url(&args.url)?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let shared = Arc::new(Shared::default());
    let real = |simulated_seconds: f64| Duration::from_secs_f64(simulated_seconds / args.speed);

    let mut logins = Vec::new();
    for i in 0..args.operators {
        let email = format!("{}{i}@bench.local", args.operator_prefix);
        let response = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"email": email, "password": args.operator_password}))
            .send()
            .await
            .with_context(|| format!("cannot reach {base}"))?;
        let login: Login = expect_status(response, StatusCode::OK)
            .await
            .with_context(|| {
                format!(
                    "login as {email} failed; create the operators first (see docs/benchmarks.md)"
                )
            })?
            .json()
            .await?;
        logins.push(login);
    }

    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, login) in logins.into_iter().enumerate() {
        let ws_url = net::ws_url(&base, "/api/v1/ws")?;
        let mut ws = net::connect(&ws_url, Some(&login.token), None).await?;
        net::wait_caught_up(&mut ws, Duration::from_secs(10)).await?;
        let watcher = Watcher {
            client: client.clone(),
            shared: shared.clone(),
            base: base.clone(),
            token: login.token.clone(),
            me: login.operator.id.clone(),
            speed: args.speed,
            handle_minutes: args.handle_minutes,
        };
        tasks.push(tokio::spawn(watcher.run(ws)));
        let (from, to) = shift(i, args.operators);
        let (client, shared) = (client.clone(), shared.clone());
        let (base, token, capacity) = (base.clone(), login.token, args.capacity);
        let (begin, end) = (real(from * 3600.0), real(to * 3600.0));
        tasks.push(tokio::spawn(async move {
            // The evening shift stays on past midnight to finish the day.
            let changes = [(begin, "online"), (end, "away")];
            let take = if to < 24.0 { 2 } else { 1 };
            for (at, presence) in changes.into_iter().take(take) {
                tokio::time::sleep_until((started + at).into()).await;
                let ok = client
                    .put(format!("{base}/api/v1/operators/me/presence"))
                    .bearer_auth(&token)
                    .json(&json!({"presence": presence, "capacity": capacity}))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                if !ok {
                    shared.failures.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }

    let times = arrival_times(args.arrivals, &mut rand::rng());
    let total = times.len();
    let _ticker = {
        let shared = shared.clone();
        let speed = args.speed;
        Ticker::start(move |elapsed| {
            let clock = elapsed.as_secs_f64() * speed / 60.0;
            format!(
                "day {:02}:{:02}  arrived {}/{total}  assigned {}  resolved {}  failures {}",
                (clock / 60.0) as u64,
                (clock % 60.0) as u64,
                shared.arrived.load(Ordering::Relaxed),
                shared.assigned.load(Ordering::Relaxed),
                shared.resolved.load(Ordering::Relaxed),
                shared.failures.load(Ordering::Relaxed),
            )
        })
    };
    let minter = Arc::new(TokenMinter::new(&args.identity_secret));
    let mut customers = Vec::new();
    for (n, at) in times.iter().enumerate() {
        tokio::time::sleep_until((started + real(*at)).into()).await;
        let (client, shared, base, minter) =
            (client.clone(), shared.clone(), base.clone(), minter.clone());
        let sub = format!("{}-{n}", args.sub_prefix);
        let body = json!({
            "department": args.department,
            "text": QUESTIONS[n % QUESTIONS.len()],
            "client_msg_id": format!("start-{n}"),
        });
        customers.push(tokio::spawn(async move {
            let sent = Instant::now();
            let answer = async {
                let token = minter.mint(&sub, "Покупатель")?;
                let response = client
                    .post(format!("{base}/api/v1/conversations"))
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await?;
                anyhow::Ok(
                    expect_status(response, StatusCode::CREATED)
                        .await?
                        .json::<Value>()
                        .await?,
                )
            }
            .await;
            shared.arrived.fetch_add(1, Ordering::Relaxed);
            match answer {
                Ok(conversation) => {
                    let Some(id) = conversation["id"].as_str() else {
                        return;
                    };
                    let mut records = lock(&shared.records);
                    let record = records.entry(id.to_owned()).or_default();
                    record.started = Some(sent);
                    record.estimate = conversation["queue"]["estimated_wait_seconds"].as_f64();
                }
                Err(e) => {
                    eprintln!("a customer could not start: {e:#}");
                    shared.failures.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for customer in customers {
        customer.await?;
    }
    // Let the last conversations finish: up to four simulated hours.
    let deadline = Instant::now() + real(4.0 * 3600.0);
    while shared.resolved.load(Ordering::Relaxed) < total && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let finished = Instant::now();
    for task in tasks {
        task.abort();
    }

    let records = lock(&shared.records);
    let speed = args.speed;
    let mut waits = Vec::new();
    let mut errors = Vec::new();
    let mut signed = Vec::new();
    let mut estimated_waits = Vec::new();
    let mut busy = 0.0;
    for record in records.values() {
        let Some(start) = record.started else {
            continue;
        };
        let wait = record
            .assigned
            .unwrap_or(finished)
            .saturating_duration_since(start)
            .as_secs_f64();
        waits.push(wait * speed);
        if let Some(estimate) = record.estimate {
            errors.push((estimate - wait).abs() * speed);
            signed.push((estimate - wait) * speed);
            estimated_waits.push(wait * speed);
        }
        if let (Some(a), Some(r)) = (record.assigned, record.resolved) {
            busy += r.saturating_duration_since(a).as_secs_f64() * speed;
        }
    }
    waits.sort_by(f64::total_cmp);
    errors.sort_by(f64::total_cmp);
    signed.sort_by(f64::total_cmp);
    estimated_waits.sort_by(f64::total_cmp);
    let slot_seconds: f64 = (0..args.operators)
        .map(|i| {
            let (from, to) = shift(i, args.operators);
            (to - from) * 3600.0 * f64::from(args.capacity)
        })
        .sum();
    let target = args.target_minutes * 60.0;
    let line = Line {
        scenario: "day",
        arrivals: waits.len(),
        operators: args.operators,
        speed,
        handle_minutes: args.handle_minutes,
        assigned: records
            .values()
            .filter(|r| r.assigned.is_some() && r.started.is_some())
            .count(),
        wait_p50_s: report::round2(percentile(&waits, 0.5)),
        wait_p90_s: report::round2(percentile(&waits, 0.9)),
        wait_p99_s: report::round2(percentile(&waits, 0.99)),
        sla_attainment: report::round2(
            waits.iter().filter(|w| **w <= target).count() as f64 / waits.len().max(1) as f64,
        ),
        utilisation: report::round2(busy / slot_seconds.max(1.0)),
        estimated: errors.len(),
        estimated_wait_p50_s: report::round2(percentile(&estimated_waits, 0.5)),
        estimate_median_abs_error_s: report::round2(percentile(&errors, 0.5)),
        estimate_median_error_s: report::round2(percentile(&signed, 0.5)),
        failures: shared.failures.load(Ordering::Relaxed),
    };
    let mut table = Table::new(format!(
        "day: {} conversations, {} operators in shifts, ×{} time",
        line.arrivals, line.operators, line.speed
    ));
    let minutes = |s: f64| format!("{:.1} min", s / 60.0);
    table
        .row("assigned", line.assigned)
        .row(
            "wait p50 / p90 / p99",
            format!(
                "{} / {} / {}",
                minutes(line.wait_p50_s),
                minutes(line.wait_p90_s),
                minutes(line.wait_p99_s)
            ),
        )
        .row(
            format!("first response within {} min", args.target_minutes),
            format!("{:.0} %", line.sla_attainment * 100.0),
        )
        .row(
            "slot utilisation",
            format!("{:.0} %", line.utilisation * 100.0),
        )
        .row("queued with an estimate", line.estimated)
        .row("their real wait p50", minutes(line.estimated_wait_p50_s))
        .row(
            "estimate median |error|",
            minutes(line.estimate_median_abs_error_s),
        )
        .row(
            "estimate median error (+ = too long)",
            minutes(line.estimate_median_error_s),
        )
        .row("failures", line.failures);
    table.print();
    report::print_json(&line);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_curve_adds_up_and_bursts_show() {
        let mut rng = rand::rng();
        let times = arrival_times(2000, &mut rng);
        assert!((1700..2300).contains(&times.len()), "{}", times.len());
        let hour = |h: f64| {
            times
                .iter()
                .filter(|t| **t >= h * 3600.0 && **t < (h + 1.0) * 3600.0)
                .count()
        };
        assert!(hour(3.0) * 3 < hour(12.0), "nights are quiet");
        assert_eq!(shift(0, 12), (0.0, 8.0));
    }
}
