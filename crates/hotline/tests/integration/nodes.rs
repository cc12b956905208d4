//! Two real nodes (the built binary, two processes) on one PostgreSQL
//! database: a customer on node A and an operator on node B see each
//! other's messages live, once each, in order. Needs `HOTLINE_TEST_PG_URL`
//! (set by `.ci/run`); without it the test prints a notice and passes.

use crate::durability::{start_server_with, token};
use crate::support::Process;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn fresh_database(server: &str, name: &str) -> String {
    let (client, connection) = tokio_postgres::connect(server, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    // One statement a call: neither runs inside a transaction block.
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let (base, _) = server.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

/// Adds a marketplace operator with the password `long-enough-password`.
fn add_operator(
    data_dir: &std::path::Path,
    env: &[(&str, &str)],
    email: &str,
    name: &str,
    role: &str,
) {
    let mut add = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args([
            "operator", "add", "--email", email, "--name", name, "--role", role,
        ])
        .args(["--departments", "marketplace", "--password-stdin"])
        .arg("--data-dir")
        .arg(data_dir)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(b"long-enough-password\n")
        .unwrap();
    assert!(add.wait().unwrap().success());
}

/// Logs the operator added by [`add_operator`] in on `base`; their token.
async fn log_in(http: &reqwest::Client, base: &str, email: &str) -> String {
    let login: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": "long-enough-password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["token"].as_str().unwrap().to_owned()
}

async fn socket(base: &str, token: &str) -> Socket {
    let mut request = format!("{}/api/v1/ws", base.replace("http", "ws"))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    // The backlog first: nothing yet, then `caught_up`.
    loop {
        if next(&mut ws, Duration::from_secs(10)).await["type"] == "caught_up" {
            return ws;
        }
    }
}

async fn next(ws: &mut Socket, within: Duration) -> Value {
    loop {
        let frame = tokio::time::timeout(within, ws.next())
            .await
            .expect("a frame in time")
            .expect("the socket is open")
            .unwrap();
        if let Frame::Text(text) = frame {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

/// The next `message.created` frame, and how long it took to come.
async fn next_message(ws: &mut Socket) -> (Value, Duration) {
    let started = Instant::now();
    loop {
        let frame = next(ws, Duration::from_secs(10)).await;
        if frame["type"] == "message.created" {
            return (frame["data"].clone(), started.elapsed());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_on_one_node_and_an_operator_on_another_talk_live() {
    let Ok(server) = std::env::var("HOTLINE_TEST_PG_URL") else {
        eprintln!("skipped: set HOTLINE_TEST_PG_URL=postgres://… to run");
        return;
    };
    // Without NATS: each node reads the others' commits every second.
    let mut pair = Pair::start(&server, "follow", None).await;
    let mut delays = vec![pair.first_delay];
    for _ in 0..5 {
        delays.push(pair.answer().await);
    }
    pair.nothing_more().await;
    let slowest = delays.iter().max().unwrap();
    eprintln!("cross-node delivery, log only: slowest {slowest:?} of {delays:?}");

    // A file sent on A downloads on B: the contents are in the database.
    let content = b"%PDF-1.4 receipt from node A".to_vec();
    let uploaded: Value = pair
        .http
        .post(format!("{}/api/v1/attachments", pair.base_a))
        .bearer_auth(&pair.ivan)
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(content.clone()).file_name("receipt.pdf"),
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let attachment = uploaded["id"].as_str().unwrap();
    let sent = pair
        .http
        .post(format!(
            "{}/api/v1/conversations/{}/messages",
            pair.base_a, pair.conversation
        ))
        .bearer_auth(&pair.ivan)
        .json(&json!({"text": "Чек", "client_msg_id": "file-1", "attachment_ids": [attachment]}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 201);
    let downloaded = pair
        .http
        .get(format!("{}/api/v1/attachments/{attachment}", pair.base_b))
        .bearer_auth(&pair.anna)
        .send()
        .await
        .unwrap();
    assert_eq!(downloaded.status(), 200);
    assert_eq!(downloaded.bytes().await.unwrap().to_vec(), content);
    assert!(*slowest < Duration::from_secs(3), "{delays:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_nats_another_nodes_message_arrives_at_once() {
    let (Ok(server), Ok(nats)) = (
        std::env::var("HOTLINE_TEST_PG_URL"),
        std::env::var("HOTLINE_TEST_NATS_URL"),
    ) else {
        eprintln!(
            "skipped: set HOTLINE_TEST_PG_URL=postgres://… and HOTLINE_TEST_NATS_URL=nats://… to run"
        );
        return;
    };
    let mut pair = Pair::start(&server, "nats", Some(&nats)).await;
    let mut delays = vec![pair.first_delay];
    for _ in 0..5 {
        delays.push(pair.answer().await);
    }
    pair.nothing_more().await;
    let slowest = delays.iter().max().unwrap();
    eprintln!("cross-node delivery with NATS: slowest {slowest:?} of {delays:?}");
    // Well under the one-second tick of the log alone.
    assert!(*slowest < Duration::from_millis(500), "{delays:?}");
}

/// A private NATS server on `port`, killed when dropped.
fn nats_server(port: u16) -> Process {
    let child =
        Command::new(std::env::var("HOTLINE_NATS_SERVER").unwrap_or_else(|_| "nats-server".into()))
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server (Debian: nats-server) to test NATS faults");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nats-server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Process(child)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_killed_and_restarted_loses_nothing_and_real_time_comes_back() {
    let (Ok(server), Ok(_)) = (
        std::env::var("HOTLINE_TEST_PG_URL"),
        std::env::var("HOTLINE_TEST_NATS_URL"),
    ) else {
        eprintln!(
            "skipped: set HOTLINE_TEST_PG_URL=postgres://… and HOTLINE_TEST_NATS_URL=nats://… to run"
        );
        return;
    };
    let port = crate::support::free_port();
    let nats = nats_server(port);
    let url = format!("nats://127.0.0.1:{port}");
    let mut pair = Pair::start(&server, "fault", Some(&url)).await;
    assert!(pair.answer().await < Duration::from_millis(500));

    // NATS dies: messages still arrive, from the log, within its tick.
    drop(nats);
    for _ in 0..3 {
        let delay = pair.answer().await;
        assert!(delay < Duration::from_secs(3), "without NATS: {delay:?}");
    }

    // NATS comes back on its port: real time again within 5 s, no restart.
    let _nats = nats_server(port);
    let back = Instant::now();
    loop {
        let delay = pair.answer().await;
        if delay < Duration::from_millis(100) {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "still {delay:?} after {:?}",
            back.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!("real time back {:?} after NATS restarted", back.elapsed());
    pair.nothing_more().await;
}

/// A customer on node A and an operator on node B, on a fresh database, in
/// one conversation the operator has taken.
struct Pair {
    _nodes: (Process, Process),
    _dirs: (tempfile::TempDir, tempfile::TempDir),
    http: reqwest::Client,
    base_a: String,
    base_b: String,
    ivan: String,
    anna: String,
    conversation: String,
    customer: Socket,
    /// The operator's answers so far.
    answers: i64,
    /// How long the customer's first message took to reach the operator.
    first_delay: Duration,
}

impl Pair {
    async fn start(server: &str, label: &str, nats: Option<&str>) -> Pair {
        let url = fresh_database(
            server,
            &format!("hotline_nodes_{label}_{}", std::process::id()),
        )
        .await;
        let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let mut env = vec![("HOTLINE_DATABASE_URL", url.as_str())];
        if let Some(nats) = nats {
            env.push(("HOTLINE_NATS_URL", nats));
        }
        add_operator(dirs.1.path(), &env, "anna@example.com", "Анна", "operator");

        let (a, base_a) = start_server_with(dirs.0.path(), &env);
        let (b, base_b) = start_server_with(dirs.1.path(), &env);
        let nodes = (Process(a), Process(b));
        let http = reqwest::Client::new();
        let anna = log_in(&http, &base_b, "anna@example.com").await;
        let ivan = token("n-1");
        let mut customer = socket(&base_a, &ivan).await;
        let mut operator = socket(&base_b, &anna).await;

        // The customer starts on A; the operator's socket on B hears it.
        let started: Value = http
            .post(format!("{base_a}/api/v1/conversations"))
            .bearer_auth(&ivan)
            .json(
                &json!({"department": "marketplace", "text": "Где заказ?", "client_msg_id": "s-1"}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let conversation = started["id"].as_str().unwrap().to_owned();
        let (heard, first_delay) = next_message(&mut operator).await;
        assert_eq!(heard["text"], "Где заказ?");
        let (own, _) = next_message(&mut customer).await;
        assert_eq!(own["seq"], 1);
        let assigned = http
            .post(format!(
                "{base_b}/api/v1/conversations/{conversation}/assign"
            ))
            .bearer_auth(&anna)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(assigned.status(), 200);
        Pair {
            _nodes: nodes,
            _dirs: dirs,
            http,
            base_a,
            base_b,
            ivan,
            anna,
            conversation,
            customer,
            answers: 0,
            first_delay,
        }
    }

    /// The operator answers on B; the customer hears it on A, next in order.
    async fn answer(&mut self) -> Duration {
        let n = self.answers;
        let text = format!("Ответ {n} с узла B");
        let sent = self
            .http
            .post(format!(
                "{}/api/v1/conversations/{}/messages",
                self.base_b, self.conversation
            ))
            .bearer_auth(&self.anna)
            .json(&json!({"text": text, "client_msg_id": format!("o-{n}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 201);
        self.answers += 1;
        let (heard, delay) = next_message(&mut self.customer).await;
        assert_eq!(
            (heard["text"].as_str(), heard["seq"].as_i64()),
            (Some(text.as_str()), Some(n + 2))
        );
        delay
    }

    /// Once each: nothing more arrives for the customer.
    async fn nothing_more(&mut self) {
        let extra = tokio::time::timeout(Duration::from_millis(2500), async {
            loop {
                let frame = next(&mut self.customer, Duration::from_secs(5)).await;
                if frame["type"] == "message.created" {
                    return frame;
                }
            }
        })
        .await;
        assert!(extra.is_err(), "delivered twice: {extra:?}");
    }
}

/// Polls `path` on `base` until `found` holds of its JSON, for at most 20 s.
async fn eventually(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    token: &str,
    found: impl Fn(&Value) -> bool,
) -> Duration {
    let started = Instant::now();
    loop {
        let body: Value = http
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if found(&body) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{path} on the other node never showed the change: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_changed_on_one_node_reach_the_other() {
    let Ok(server) = std::env::var("HOTLINE_TEST_PG_URL") else {
        eprintln!("skipped: set HOTLINE_TEST_PG_URL=postgres://… to run");
        return;
    };
    let url = fresh_database(
        &server,
        &format!("hotline_nodes_settings_{}", std::process::id()),
    )
    .await;
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let env = [
        ("HOTLINE_DATABASE_URL", url.as_str()),
        ("HOTLINE_QUEUES__SWEEP_SECONDS", "1"),
    ];
    add_operator(dirs.0.path(), &env, "root@example.com", "Админ", "admin");
    let (a, base_a) = start_server_with(dirs.0.path(), &env);
    let (b, base_b) = start_server_with(dirs.1.path(), &env);
    let _nodes = (Process(a), Process(b));
    let http = reqwest::Client::new();
    let admin = log_in(&http, &base_a, "root@example.com").await;
    let customer = token("n-settings");

    // Topics saved on A are offered by B.
    let saved = http
        .put(format!("{base_a}/api/v1/settings/topics/marketplace"))
        .bearer_auth(&admin)
        .json(&json!({"topics": [{"id": "gifts", "name": "Подарочные карты"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);
    let topics = eventually(&http, &base_b, "/api/v1/departments", &customer, |body| {
        body["departments"].as_array().unwrap().iter().any(|d| {
            d["id"] == "marketplace"
                && d["topics"] == json!([{"id": "gifts", "name": "Подарочные карты"}])
        })
    })
    .await;

    // An article written on A is found on B.
    let written = http
        .put(format!("{base_a}/api/v1/kb/articles/gift-cards"))
        .bearer_auth(&admin)
        .json(&json!({"department": "marketplace", "section": "Оплата",
            "title": "Как оплатить подарочной картой",
            "body": "Введите номер подарочной карты на шаге оплаты."}))
        .send()
        .await
        .unwrap();
    assert_eq!(written.status(), 201);
    let article = eventually(
        &http,
        &base_b,
        "/api/v1/kb/search?q=%D0%BF%D0%BE%D0%B4%D0%B0%D1%80%D0%BE%D1%87%D0%BD%D0%B0%D1%8F%20%D0%BA%D0%B0%D1%80%D1%82%D0%B0",
        &customer,
        |body| body["hits"].as_array().unwrap().iter().any(|h| h["id"] == "gift-cards"),
    )
    .await;
    eprintln!(
        "settings across nodes, log only: topics {topics:?}, article {article:?} (sweep 1 s)"
    );
}
