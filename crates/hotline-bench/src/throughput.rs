//! Message throughput and latency: many customers send messages over HTTP,
//! one operator receives them all over a WebSocket.
//!
//! This is the hot path of a support chat: a customer's message must be
//! acknowledged (stored) and pushed to the operator. The scenario measures
//!
//! - how many messages per second reach the operator (delivered / time from
//!   the first send to the last delivery),
//! - the ack latency: send → `201 Created`,
//! - the delivery latency: send → the operator's `message.created` frame
//!   carrying the same `client_msg_id`,
//! - correctness under load: every acknowledged message is delivered exactly
//!   once (missing and duplicate deliveries are counted).
//!
//! The same load runs against the bare relay (`--relay-url`), which gives the
//! ceiling of the machine; with both `--relay-url` and `--url`, the relay
//! runs first and the ratio Hotline/relay is printed.

use crate::auth::{TokenMinter, operator_login};
use crate::net::{self, WsStream, expect_status};
use crate::report::{self, Table, Ticker, lock};
use anyhow::{Context, Result, bail};
use futures_util::{SinkExt, StreamExt, TryStreamExt, stream};
use hdrhistogram::Histogram;
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

/// How long to wait for deliveries still missing when all sends are done.
const STRAGGLER_WAIT: Duration = Duration::from_secs(10);
/// After the last expected delivery, how long to keep listening for duplicates.
const DUPLICATE_WAIT: Duration = Duration::from_millis(500);
/// Customers set up concurrently (start a conversation, operator takes it).
const SETUP_PARALLELISM: usize = 16;
/// Timeout of every HTTP request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Send errors printed as they happen; later ones are only counted.
const ERRORS_SHOWN: u64 = 5;

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).multiple(true).args(["url", "relay_url"])))]
pub struct Args {
    /// Hotline's base URL, e.g. http://127.0.0.1:8080.
    #[arg(long, requires_all = ["identity_secret", "operator_email", "operator_password"])]
    url: Option<String>,
    /// The bench relay's base URL, e.g. http://127.0.0.1:9090. Together with
    /// --url, both run (relay first) and the ratio is printed.
    #[arg(long)]
    relay_url: Option<String>,
    /// Hotline's identity secret (HS256), to mint customer tokens.
    #[arg(long, env = "HOTLINE_IDENTITY_SECRET", hide_env_values = true)]
    identity_secret: Option<String>,
    /// The operator who takes every conversation and receives every message.
    #[arg(long)]
    operator_email: Option<String>,
    #[arg(long, env = "HOTLINE_BENCH_OPERATOR_PASSWORD", hide_env_values = true)]
    operator_password: Option<String>,
    /// Concurrent customers, each with its own conversation.
    #[arg(long, default_value_t = 200)]
    customers: usize,
    /// Messages sent by each customer.
    #[arg(long, default_value_t = 50)]
    messages: usize,
    /// Messages each customer may have in flight (1 = wait for each ack).
    #[arg(long, default_value_t = 1)]
    window: usize,
    /// Department of the conversations (Hotline only).
    #[arg(long, default_value = "marketplace")]
    department: String,
    /// Customer ids are `<prefix>-<n>`; use a new prefix to get new customers.
    #[arg(long, default_value = "bench")]
    sub_prefix: String,
}

/// The load shape, identical for every target.
#[derive(Clone, Copy)]
struct Shape {
    customers: usize,
    messages: usize,
    window: usize,
}

pub async fn run(args: Args) -> Result<()> {
    let shape = Shape {
        customers: args.customers,
        messages: args.messages,
        window: args.window,
    };
    anyhow::ensure!(
        shape.customers > 0 && shape.messages > 0,
        "--customers and --messages must be at least 1"
    );
    anyhow::ensure!(shape.window > 0, "--window must be at least 1");

    let relay = match &args.relay_url {
        Some(url) => Some(
            run_target(
                &Target::Relay {
                    base: net::base_url(url)?,
                },
                shape,
            )
            .await?,
        ),
        None => None,
    };
    let hotline = match &args.url {
        Some(url) => {
            let target = Target::Hotline {
                base: net::base_url(url)?,
                secret: args
                    .identity_secret
                    .clone()
                    .context("--identity-secret is required with --url")?,
                email: args
                    .operator_email
                    .clone()
                    .context("--operator-email is required with --url")?,
                password: args
                    .operator_password
                    .clone()
                    .context("--operator-password is required with --url")?,
                department: args.department.clone(),
                sub_prefix: args.sub_prefix.clone(),
            };
            Some(run_target(&target, shape).await?)
        }
        None => None,
    };

    if let (Some(relay), Some(hotline)) = (&relay, &hotline) {
        print_comparison(relay, hotline);
    }
    let failed: Vec<String> = [relay, hotline]
        .into_iter()
        .flatten()
        .filter_map(|run| run.problem())
        .collect();
    if !failed.is_empty() {
        bail!("{}", failed.join("; "));
    }
    Ok(())
}

enum Target {
    Relay {
        base: String,
    },
    Hotline {
        base: String,
        secret: String,
        email: String,
        password: String,
        department: String,
        sub_prefix: String,
    },
}

impl Target {
    fn name(&self) -> &'static str {
        match self {
            Target::Relay { .. } => "relay",
            Target::Hotline { .. } => "hotline",
        }
    }

    fn base(&self) -> &str {
        match self {
            Target::Relay { base } | Target::Hotline { base, .. } => base,
        }
    }
}

/// One customer, ready to send into its conversation.
struct Customer {
    label: String,
    send_url: String,
    bearer: Option<String>,
    /// Sent in the body for the relay, which has no per-conversation URL.
    body_conversation_id: Option<String>,
}

/// The operator's side: where deliveries are received.
struct Receiver {
    ws_url: String,
    bearer: Option<String>,
}

/// Runs the whole scenario against one target: setup, load, report.
async fn run_target(target: &Target, shape: Shape) -> Result<RunResult> {
    eprintln!(
        "== throughput against {} at {}: {} customers × {} messages, window {}",
        target.name(),
        target.base(),
        shape.customers,
        shape.messages,
        shape.window
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(shape.customers * shape.window)
        .tcp_nodelay(true)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .context("cannot build the HTTP client")?;

    let (customers, receiver) = match target {
        Target::Relay { base } => prepare_relay(base, shape)?,
        Target::Hotline {
            base,
            secret,
            email,
            password,
            department,
            sub_prefix,
        } => {
            prepare_hotline(
                &client, base, secret, email, password, department, sub_prefix, shape,
            )
            .await?
        }
    };

    let mut ws = net::connect(&receiver.ws_url, receiver.bearer.as_deref(), None).await?;
    net::wait_caught_up(&mut ws, Duration::from_secs(30)).await?;
    eprintln!("receiver connected and caught up; sending");

    let result = load(target, &client, customers, ws, shape).await?;
    result.print();
    Ok(result)
}

fn prepare_relay(base: &str, shape: Shape) -> Result<(Vec<Customer>, Receiver)> {
    let customers = (0..shape.customers)
        .map(|n| Customer {
            label: format!("customer {n}"),
            send_url: format!("{base}/send"),
            bearer: None,
            body_conversation_id: Some(Uuid::new_v4().to_string()),
        })
        .collect();
    Ok((
        customers,
        Receiver {
            ws_url: net::ws_url(base, "/ws")?,
            bearer: None,
        },
    ))
}

#[derive(Deserialize)]
struct Conversation {
    id: String,
}

/// Logs the operator in, then for each customer starts a conversation and
/// has the operator take it, so that the operator receives its messages.
#[allow(clippy::too_many_arguments)]
async fn prepare_hotline(
    client: &reqwest::Client,
    base: &str,
    secret: &str,
    email: &str,
    password: &str,
    department: &str,
    sub_prefix: &str,
    shape: Shape,
) -> Result<(Vec<Customer>, Receiver)> {
    let operator_token = operator_login(client, base, email, password).await?;
    let minter = TokenMinter::new(secret);
    let done = Arc::new(AtomicU64::new(0));
    let ticker = {
        let done = done.clone();
        let total = shape.customers;
        Ticker::start(move |_| {
            format!(
                "setup: {}/{total} conversations started and taken",
                done.load(Ordering::Relaxed)
            )
        })
    };
    let started = Instant::now();

    let setup_one = |n: usize| {
        let (minter, operator_token, done) = (&minter, &operator_token, &done);
        async move {
            let sub = format!("{sub_prefix}-{n}");
            let token = minter.mint(&sub, &format!("Bench {n}"))?;
            let response = client
                .post(format!("{base}/api/v1/conversations"))
                .bearer_auth(&token)
                .json(&json!({
                    "department": department,
                    "text": format!("hello from {sub}"),
                    "client_msg_id": Uuid::new_v4(),
                }))
                .send()
                .await?;
            let conversation: Conversation = expect_status(response, StatusCode::CREATED)
                .await?
                .json()
                .await?;
            let response = client
                .post(format!(
                    "{base}/api/v1/conversations/{}/assign",
                    conversation.id
                ))
                .bearer_auth(operator_token)
                .json(&json!({}))
                .send()
                .await?;
            expect_status(response, StatusCode::OK).await?;
            done.fetch_add(1, Ordering::Relaxed);
            anyhow::Ok(Customer {
                label: sub,
                send_url: format!("{base}/api/v1/conversations/{}/messages", conversation.id),
                bearer: Some(token),
                body_conversation_id: None,
            })
        }
    };
    let customers: Vec<Customer> = stream::iter(0..shape.customers)
        .map(|n| async move {
            setup_one(n)
                .await
                .with_context(|| format!("setting up customer {sub_prefix}-{n} failed"))
        })
        .buffer_unordered(SETUP_PARALLELISM)
        .try_collect()
        .await?;
    drop(ticker);
    eprintln!(
        "setup: {} conversations in {:.1} s",
        customers.len(),
        started.elapsed().as_secs_f64()
    );

    let receiver = Receiver {
        ws_url: net::ws_url(base, "/api/v1/ws")?,
        bearer: Some(operator_token),
    };
    Ok((customers, receiver))
}

/// What became of each message, keyed by `client_msg_id`.
enum Fate {
    /// Sent at this instant, not delivered yet.
    Pending(Instant),
    Delivered,
    /// The send failed: a delivery is not expected.
    Failed,
}

#[derive(Default)]
struct Ledger {
    fates: HashMap<Uuid, Fate>,
    pending: u64,
    delivered: u64,
    duplicates: u64,
    /// Deliveries of messages whose send had failed (e.g. a timed-out ack).
    delivered_after_failure: u64,
    last_delivery: Option<Instant>,
}

/// State shared by the senders, the receiver and the progress line.
#[derive(Default)]
struct Tracker {
    ledger: Mutex<Ledger>,
    acked: AtomicU64,
    errors: AtomicU64,
    /// Set when the receiving WebSocket ends early: stop waiting for it.
    receiver_gone: AtomicBool,
}

impl Tracker {
    /// Registers a message about to be sent; returns its start instant.
    fn begin(&self, id: Uuid) -> Instant {
        let mut ledger = lock(&self.ledger);
        let now = Instant::now();
        ledger.fates.insert(id, Fate::Pending(now));
        ledger.pending += 1;
        now
    }

    fn fail(&self, id: Uuid, error: &anyhow::Error) {
        let mut ledger = lock(&self.ledger);
        if let Some(fate @ Fate::Pending(_)) = ledger.fates.get_mut(&id) {
            *fate = Fate::Failed;
            ledger.pending -= 1;
        }
        drop(ledger);
        let errors = self.errors.fetch_add(1, Ordering::Relaxed) + 1;
        if errors <= ERRORS_SHOWN {
            eprintln!("send error: {error:#}");
        }
        if errors == ERRORS_SHOWN {
            eprintln!("(further send errors are only counted)");
        }
    }

    /// Records a delivery received at `at`; returns the send → deliver
    /// latency for a first delivery. Unknown ids (e.g. the opening message
    /// of each conversation) are ignored.
    fn deliver(&self, id: Uuid, at: Instant) -> Option<Duration> {
        let mut ledger = lock(&self.ledger);
        let ledger = &mut *ledger;
        let fate = ledger.fates.get_mut(&id)?;
        match *fate {
            Fate::Pending(sent) => {
                *fate = Fate::Delivered;
                ledger.pending -= 1;
                ledger.delivered += 1;
                ledger.last_delivery = Some(at);
                Some(at.saturating_duration_since(sent))
            }
            Fate::Delivered => {
                ledger.duplicates += 1;
                None
            }
            Fate::Failed => {
                ledger.delivered_after_failure += 1;
                None
            }
        }
    }
}

#[derive(Serialize)]
struct SendBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    conversation_id: Option<&'a str>,
    text: &'a str,
    client_msg_id: Uuid,
}

#[derive(Deserialize)]
struct Ack {
    client_msg_id: Option<String>,
}

/// The send phase: every customer sends its messages while the receiver
/// matches deliveries; then waits for stragglers.
async fn load(
    target: &Target,
    client: &reqwest::Client,
    customers: Vec<Customer>,
    ws: WsStream,
    shape: Shape,
) -> Result<RunResult> {
    let tracker = Arc::new(Tracker::default());
    let total = (shape.customers * shape.messages) as u64;
    let (stop, stopped) = oneshot::channel();
    let receiver = tokio::spawn(receive(ws, tracker.clone(), stopped));

    let ticker = {
        let tracker = tracker.clone();
        let mut previous = 0;
        Ticker::start(move |_| {
            let delivered = lock(&tracker.ledger).delivered;
            let rate = delivered - previous;
            previous = delivered;
            format!(
                "acked {}/{total}  delivered {delivered}  ({rate} msg/s)  errors {}",
                tracker.acked.load(Ordering::Relaxed),
                tracker.errors.load(Ordering::Relaxed)
            )
        })
    };

    let start = Instant::now();
    let senders: Vec<_> = customers
        .into_iter()
        .map(|customer| tokio::spawn(send_all(client.clone(), customer, shape, tracker.clone())))
        .collect();
    let mut ack_latency = report::latency_histogram()?;
    for sender in senders {
        let histogram = sender.await.context("a sender task failed")??;
        ack_latency
            .add(histogram)
            .context("cannot merge ack latencies")?;
    }
    let send_wall = start.elapsed();

    eprintln!(
        "all sends done in {:.2} s; waiting for deliveries",
        send_wall.as_secs_f64()
    );
    let deadline = Instant::now() + STRAGGLER_WAIT;
    while lock(&tracker.ledger).pending > 0
        && Instant::now() < deadline
        && !tracker.receiver_gone.load(Ordering::Relaxed)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if lock(&tracker.ledger).pending == 0 {
        tokio::time::sleep(DUPLICATE_WAIT).await;
    }
    drop(ticker);
    // The receiver may already be gone, in which case nobody listens.
    let _ = stop.send(());
    let deliver_latency = receiver.await.context("the receiver task failed")??;

    let ledger = lock(&tracker.ledger);
    let deliver_wall = ledger
        .last_delivery
        .map(|at| at.duration_since(start))
        .unwrap_or_default();
    Ok(RunResult {
        target: target.name(),
        url: target.base().to_owned(),
        shape,
        sent: total,
        errors: tracker.errors.load(Ordering::Relaxed),
        delivered: ledger.delivered,
        missing: ledger.pending,
        duplicates: ledger.duplicates,
        delivered_after_failure: ledger.delivered_after_failure,
        send_wall,
        deliver_wall,
        ack_latency,
        deliver_latency,
    })
}

/// One customer's messages, at most `window` in flight; returns its ack
/// latencies.
async fn send_all(
    client: reqwest::Client,
    customer: Customer,
    shape: Shape,
    tracker: Arc<Tracker>,
) -> Result<Histogram<u64>> {
    let mut ack_latency = report::latency_histogram()?;
    let mut sends = stream::iter(0..shape.messages)
        .map(|i| {
            let (client, customer, tracker) = (&client, &customer, &tracker);
            async move {
                let id = Uuid::new_v4();
                let text = format!("message {i} from {}", customer.label);
                let sent = tracker.begin(id);
                match send_one(client, customer, id, &text).await {
                    Ok(()) => {
                        tracker.acked.fetch_add(1, Ordering::Relaxed);
                        Some(sent.elapsed())
                    }
                    Err(error) => {
                        tracker.fail(id, &error);
                        None
                    }
                }
            }
        })
        .buffer_unordered(shape.window);
    while let Some(outcome) = sends.next().await {
        if let Some(latency) = outcome {
            report::record(&mut ack_latency, latency);
        }
    }
    Ok(ack_latency)
}

async fn send_one(
    client: &reqwest::Client,
    customer: &Customer,
    id: Uuid,
    text: &str,
) -> Result<()> {
    let body = SendBody {
        conversation_id: customer.body_conversation_id.as_deref(),
        text,
        client_msg_id: id,
    };
    let mut request = client.post(&customer.send_url).json(&body);
    if let Some(token) = &customer.bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.context("request failed")?;
    let ack: Ack = expect_status(response, StatusCode::CREATED)
        .await?
        .json()
        .await
        .context("unexpected ack body")?;
    let expected = id.to_string();
    if ack.client_msg_id.as_deref() != Some(expected.as_str()) {
        bail!(
            "the ack carries client_msg_id {:?}, expected {expected}",
            ack.client_msg_id
        );
    }
    Ok(())
}

#[derive(Deserialize)]
struct Frame {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    data: serde_json::Value,
}

/// The `client_msg_id` of a `message.created` frame.
fn delivered_id(text: &str) -> Option<Uuid> {
    let frame: Frame = serde_json::from_str(text).ok()?;
    if frame.kind != "message.created" {
        return None;
    }
    frame.data.get("client_msg_id")?.as_str()?.parse().ok()
}

/// The operator's WebSocket: matches every `message.created` to its send and
/// records the delivery latency, until told to stop.
async fn receive(
    mut ws: WsStream,
    tracker: Arc<Tracker>,
    mut stop: oneshot::Receiver<()>,
) -> Result<Histogram<u64>> {
    let mut deliver_latency = report::latency_histogram()?;
    loop {
        let frame = tokio::select! {
            _ = &mut stop => break,
            frame = ws.next() => frame,
        };
        let received = Instant::now();
        match frame {
            Some(Ok(Message::Text(text))) => {
                if let Some(latency) =
                    delivered_id(&text).and_then(|id| tracker.deliver(id, received))
                {
                    report::record(&mut deliver_latency, latency);
                }
            }
            Some(Ok(Message::Close(reason))) => {
                eprintln!("the server closed the receiving WebSocket: {reason:?}");
                tracker.receiver_gone.store(true, Ordering::Relaxed);
                return Ok(deliver_latency);
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                eprintln!("the receiving WebSocket failed: {e}");
                tracker.receiver_gone.store(true, Ordering::Relaxed);
                return Ok(deliver_latency);
            }
            None => {
                eprintln!("the receiving WebSocket ended");
                tracker.receiver_gone.store(true, Ordering::Relaxed);
                return Ok(deliver_latency);
            }
        }
    }
    // A polite close; the numbers are already in.
    let _ = ws.close(None).await;
    let _ = ws.flush().await;
    Ok(deliver_latency)
}

struct RunResult {
    target: &'static str,
    url: String,
    shape: Shape,
    sent: u64,
    errors: u64,
    delivered: u64,
    missing: u64,
    duplicates: u64,
    delivered_after_failure: u64,
    /// From the first send to the last ack (or error).
    send_wall: Duration,
    /// From the first send to the last delivery.
    deliver_wall: Duration,
    ack_latency: Histogram<u64>,
    deliver_latency: Histogram<u64>,
}

impl RunResult {
    /// Delivered messages per second, over the time it took to deliver them.
    fn rate(&self) -> f64 {
        let seconds = self.deliver_wall.as_secs_f64();
        if seconds > 0.0 {
            self.delivered as f64 / seconds
        } else {
            0.0
        }
    }

    fn exactly_once(&self) -> bool {
        self.missing == 0 && self.duplicates == 0
    }

    /// Why the run does not count as a success, if it does not.
    fn problem(&self) -> Option<String> {
        let mut problems = Vec::new();
        if self.errors > 0 {
            problems.push(format!("{} send errors", self.errors));
        }
        if self.missing > 0 {
            problems.push(format!("{} messages never delivered", self.missing));
        }
        if self.duplicates > 0 {
            problems.push(format!("{} duplicate deliveries", self.duplicates));
        }
        (!problems.is_empty()).then(|| format!("{}: {}", self.target, problems.join(", ")))
    }

    fn print(&self) {
        let ack = &self.ack_latency;
        let deliver = &self.deliver_latency;
        Table::new(format!("throughput: {} at {}", self.target, self.url))
            .row("customers", self.shape.customers)
            .row("messages per customer", self.shape.messages)
            .row("window", self.shape.window)
            .row("messages sent", self.sent)
            .row("send errors", self.errors)
            .row(
                "send phase wall time",
                format!("{:.2} s", self.send_wall.as_secs_f64()),
            )
            .row(
                "delivered",
                format!(
                    "{} in {:.2} s",
                    self.delivered,
                    self.deliver_wall.as_secs_f64()
                ),
            )
            .row("throughput", format!("{:.1} msg/s delivered", self.rate()))
            .row(
                "ack latency",
                format!(
                    "p50 {:.2} ms  p99 {:.2} ms",
                    report::quantile_ms(ack, 0.5),
                    report::quantile_ms(ack, 0.99)
                ),
            )
            .row(
                "deliver latency",
                format!(
                    "p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
                    report::quantile_ms(deliver, 0.5),
                    report::quantile_ms(deliver, 0.99),
                    report::max_ms(deliver)
                ),
            )
            .row(
                "exactly once",
                format!(
                    "{}  (missing {}, duplicates {}, delivered after a failed send {})",
                    if self.exactly_once() { "yes" } else { "NO" },
                    self.missing,
                    self.duplicates,
                    self.delivered_after_failure
                ),
            )
            .print();
        report::print_json(&self.json());
    }

    fn json(&self) -> ThroughputLine<'_> {
        let (ack, deliver) = (&self.ack_latency, &self.deliver_latency);
        ThroughputLine {
            scenario: "throughput",
            target: self.target,
            url: &self.url,
            customers: self.shape.customers,
            messages_per_customer: self.shape.messages,
            window: self.shape.window,
            messages: self.sent,
            errors: self.errors,
            delivered: self.delivered,
            missing: self.missing,
            duplicates: self.duplicates,
            send_wall_s: report::round2(self.send_wall.as_secs_f64()),
            deliver_wall_s: report::round2(self.deliver_wall.as_secs_f64()),
            msgs_per_s: report::round2(self.rate()),
            ack_p50_ms: report::round2(report::quantile_ms(ack, 0.5)),
            ack_p99_ms: report::round2(report::quantile_ms(ack, 0.99)),
            deliver_p50_ms: report::round2(report::quantile_ms(deliver, 0.5)),
            deliver_p99_ms: report::round2(report::quantile_ms(deliver, 0.99)),
            deliver_max_ms: report::round2(report::max_ms(deliver)),
        }
    }
}

/// The JSON line of one run (fields in this order).
#[derive(Serialize)]
struct ThroughputLine<'a> {
    scenario: &'static str,
    target: &'static str,
    url: &'a str,
    customers: usize,
    messages_per_customer: usize,
    window: usize,
    messages: u64,
    errors: u64,
    delivered: u64,
    missing: u64,
    duplicates: u64,
    send_wall_s: f64,
    deliver_wall_s: f64,
    msgs_per_s: f64,
    ack_p50_ms: f64,
    ack_p99_ms: f64,
    deliver_p50_ms: f64,
    deliver_p99_ms: f64,
    deliver_max_ms: f64,
}

/// The JSON line of a comparison.
#[derive(Serialize)]
struct CompareLine {
    scenario: &'static str,
    customers: usize,
    messages_per_customer: usize,
    window: usize,
    relay_msgs_per_s: f64,
    hotline_msgs_per_s: f64,
    ratio: f64,
    relay_deliver_p99_ms: f64,
    hotline_deliver_p99_ms: f64,
}

fn print_comparison(relay: &RunResult, hotline: &RunResult) {
    let ratio = if relay.rate() > 0.0 {
        hotline.rate() / relay.rate()
    } else {
        0.0
    };
    let p99 = |run: &RunResult| report::quantile_ms(&run.deliver_latency, 0.99);
    Table::new("throughput: hotline vs relay")
        .row(
            "relay",
            format!(
                "{:.1} msg/s  deliver p99 {:.2} ms",
                relay.rate(),
                p99(relay)
            ),
        )
        .row(
            "hotline",
            format!(
                "{:.1} msg/s  deliver p99 {:.2} ms",
                hotline.rate(),
                p99(hotline)
            ),
        )
        .row("hotline / relay", format!("{:.1} %", ratio * 100.0))
        .print();
    let line = CompareLine {
        scenario: "throughput_compare",
        customers: relay.shape.customers,
        messages_per_customer: relay.shape.messages,
        window: relay.shape.window,
        relay_msgs_per_s: report::round2(relay.rate()),
        hotline_msgs_per_s: report::round2(hotline.rate()),
        ratio: (ratio * 1000.0).round() / 1000.0,
        relay_deliver_p99_ms: report::round2(p99(relay)),
        hotline_deliver_p99_ms: report::round2(p99(hotline)),
    };
    report::print_json(&line);
}
