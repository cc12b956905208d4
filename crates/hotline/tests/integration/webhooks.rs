//! Outbound webhooks end to end: the real `hotline serve` on a real SQLite
//! file delivers to a receiver on a real socket that checks every
//! signature as the Standard Webhooks convention says (its own HMAC, not
//! Hotline's), fails for a while (500s and answers that never come), then
//! recovers: each event arrives once, in order per conversation, masked;
//! a rotation signs with both secrets; a re-send keeps its webhook-id; a
//! receiver that never recovers ends in the dead letters.

use crate::durability::{start_server_with, token};
use crate::support::Process;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "long-enough-password";
const CARD: &str = "4111 1111 1111 1111";
/// How far a receiver lets a timestamp be from its clock (the convention's
/// replay window).
const TOLERANCE_SECONDS: i64 = 300;

/// One delivery the receiver accepted.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    body: Value,
    raw: String,
    /// The `v1,` signatures of the header, in order.
    signatures: Vec<String>,
}

#[derive(Clone, Default)]
struct Receiver {
    secrets: Arc<Mutex<Vec<String>>>,
    accepted: Arc<Mutex<Vec<Received>>>,
    /// Requests whose signature or timestamp did not verify.
    refused: Arc<Mutex<Vec<String>>>,
    /// While set, requests fail: every other one with 500, the others by
    /// never answering (the sender times out).
    down: Arc<AtomicBool>,
    attempts: Arc<AtomicUsize>,
}

fn signature(secret: &str, id: &str, timestamp: &str, body: &[u8]) -> String {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

impl Receiver {
    async fn start() -> (Receiver, String) {
        let receiver = Receiver::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(hook))
            .route(
                "/never",
                axum::routing::post(|| async { StatusCode::SERVICE_UNAVAILABLE }),
            )
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, base)
    }

    fn accepted(&self) -> Vec<Received> {
        self.accepted.lock().unwrap().clone()
    }

    /// Checks the headers as a receiver must: the id, the timestamp and
    /// the signatures, each of which must verify with a known secret.
    fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(String, String, Vec<String>), String> {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .ok_or(format!("no {name}"))
        };
        let (id, timestamp, signatures) = (
            header("webhook-id")?,
            header("webhook-timestamp")?,
            header("webhook-signature")?,
        );
        let sent: i64 = timestamp.parse().map_err(|_| "a bad timestamp")?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        if (now - sent).abs() > TOLERANCE_SECONDS {
            return Err(format!("timestamp {sent} outside the window"));
        }
        let secrets = self.secrets.lock().unwrap().clone();
        let signatures: Vec<String> = signatures.split(' ').map(str::to_owned).collect();
        for s in &signatures {
            let value = s.strip_prefix("v1,").ok_or("not a v1 signature")?;
            if !secrets
                .iter()
                .any(|secret| signature(secret, &id, &timestamp, body) == value)
            {
                return Err(format!("signature {s} does not verify"));
            }
        }
        Ok((id, timestamp, signatures))
    }
}

async fn hook(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let attempt = receiver.attempts.fetch_add(1, Ordering::SeqCst);
    if receiver.down.load(Ordering::SeqCst) {
        if attempt % 2 == 0 {
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
        // Longer than the sender waits: it gives up and retries.
        tokio::time::sleep(Duration::from_secs(3)).await;
        return StatusCode::OK;
    }
    match receiver.verify(&headers, &body) {
        Ok((id, timestamp, signatures)) => {
            receiver.accepted.lock().unwrap().push(Received {
                id,
                timestamp,
                body: serde_json::from_slice(&body).unwrap(),
                raw: String::from_utf8(body.to_vec()).unwrap(),
                signatures,
            });
            StatusCode::NO_CONTENT
        }
        Err(why) => {
            receiver.refused.lock().unwrap().push(why);
            StatusCode::UNAUTHORIZED
        }
    }
}

async fn until(what: &str, within: Duration, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        bearer: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(bearer);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
    async fn get(&self, path: &str, bearer: &str) -> Value {
        let (status, body) = self.call(reqwest::Method::GET, path, bearer, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }
    async fn post(&self, path: &str, bearer: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, bearer, Some(body))
            .await
    }
}

/// The event position a webhook-id ends with (`evt_<log>_<position>`).
fn position(id: &str) -> u64 {
    id.rsplit('_').next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_arrive_once_in_order_signed_and_masked_through_an_outage() {
    let started = Instant::now();
    let (receiver, hooks) = Receiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    crate::support::add_operator(
        dir.path(),
        crate::support::NewOperator {
            email: "admin@example.com",
            name: "Админ",
            role: "admin",
            departments: "travel,marketplace",
            password: PASSWORD,
        },
    );
    let (child, base) = start_server_with(
        dir.path(),
        &[
            ("HOTLINE_WEBHOOKS__TIMEOUT_MS", "400"),
            ("HOTLINE_WEBHOOKS__FIRST_RETRY_MS", "100"),
            ("HOTLINE_WEBHOOKS__MAX_BACKOFF_SECONDS", "1"),
            ("HOTLINE_WEBHOOKS__GIVE_UP_AFTER_SECONDS", "5"),
            ("HOTLINE_WEBHOOKS__POLL_MS", "100"),
            ("HOTLINE_WEBHOOKS__ROTATION_OVERLAP_SECONDS", "600"),
        ],
    );
    let _server = Process(child);
    let api = Api {
        http: reqwest::Client::new(),
        base,
    };
    let (_, login) = api
        .post(
            "/api/v1/auth/login",
            "",
            json!({"email": "admin@example.com", "password": PASSWORD}),
        )
        .await;
    let admin = login["token"].as_str().unwrap().to_owned();
    let anna = token("cust-anna");
    let boris = token("cust-boris");

    // Bad input is refused with its code, and nothing is created.
    for (body, code) in [
        (
            json!({"url": "ftp://hooks.example/", "event_types": ["message.created"]}),
            "invalid_webhook_url",
        ),
        (
            json!({"url": format!("{hooks}/hook"), "event_types": ["message.deleted"]}),
            "unknown_webhook_type",
        ),
    ] {
        let (status, refused) = api.post("/api/v1/webhooks", &admin, body).await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (422, Some(code)),
            "{refused}"
        );
    }
    let (status, _) = api
        .post(
            "/api/v1/webhooks",
            &anna,
            json!({"url": format!("{hooks}/hook"), "event_types": ["message.created"]}),
        )
        .await;
    assert_eq!(status, 403, "customers cannot subscribe");
    assert_eq!(
        api.get("/api/v1/webhooks", &admin).await["webhooks"],
        json!([])
    );

    let (status, created) = api
        .post(
            "/api/v1/webhooks",
            &admin,
            json!({"url": format!("{hooks}/hook"),
                   "event_types": ["conversation.started", "message.created", "conversation.updated"]}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let webhook = created["id"].as_str().unwrap().to_owned();
    let first_secret = created["secret"].as_str().unwrap().to_owned();
    assert!(first_secret.starts_with("whsec_"));
    receiver.secrets.lock().unwrap().push(first_secret.clone());
    let shown = api
        .get(&format!("/api/v1/webhooks/{webhook}"), &admin)
        .await;
    assert!(
        shown.get("secret").is_none(),
        "the secret is shown only once: {shown}"
    );
    let (status, never) = api
        .post(
            "/api/v1/webhooks",
            &admin,
            json!({"url": format!("{hooks}/never"), "event_types": ["conversation.started"]}),
        )
        .await;
    assert_eq!(status, 201, "{never}");

    // The receiver is down while customers write.
    receiver.down.store(true, Ordering::SeqCst);
    let outage = Instant::now();
    let (status, first) = api
        .post(
            "/api/v1/conversations",
            &anna,
            json!({"department": "travel", "client_msg_id": "a1",
                   "text": format!("Списали дважды, карта {CARD}")}),
        )
        .await;
    assert_eq!(status, 201, "{first}");
    let anna_conversation = first["id"].as_str().unwrap().to_owned();
    let (status, second) = api
        .post(
            "/api/v1/conversations",
            &boris,
            json!({"department": "marketplace", "client_msg_id": "b1", "text": "Где заказ?"}),
        )
        .await;
    assert_eq!(status, 201, "{second}");
    let boris_conversation = second["id"].as_str().unwrap().to_owned();
    let mut sent: HashMap<String, Vec<String>> = HashMap::new();
    for (who, conversation, texts) in [
        (&anna, &anna_conversation, ["второе", "третье", "четвёртое"]),
        (&boris, &boris_conversation, ["ещё", "и ещё", "последнее"]),
    ] {
        for (i, text) in texts.iter().enumerate() {
            let (status, body) = api
                .post(
                    &format!("/api/v1/conversations/{conversation}/messages"),
                    who,
                    json!({"text": text, "client_msg_id": format!("{conversation}-{i}")}),
                )
                .await;
            assert_eq!(status, 201, "{body}");
            sent.entry(conversation.clone())
                .or_default()
                .push(text.to_string());
        }
    }
    until(
        "retries during the outage",
        Duration::from_secs(5),
        async || receiver.attempts.load(Ordering::SeqCst) >= 6,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500).saturating_sub(outage.elapsed())).await;
    assert!(receiver.accepted().is_empty());
    receiver.down.store(false, Ordering::SeqCst);
    let recovered = Instant::now();

    // Every queued delivery arrives; the log says delivered.
    let deliveries_path = format!("/api/v1/webhooks/{webhook}/deliveries");
    until("the backlog to drain", Duration::from_secs(8), async || {
        let log = api.get(&deliveries_path, &admin).await;
        let rows = log["deliveries"].as_array().unwrap();
        !rows.is_empty() && rows.iter().all(|d| d["state"] == "delivered")
    })
    .await;
    let drained = recovered.elapsed();
    let log = api.get(&deliveries_path, &admin).await;
    let rows = log["deliveries"].as_array().unwrap().clone();
    assert!(
        rows.iter().any(|d| d["attempts"].as_u64().unwrap() > 1),
        "some were retried: {log}"
    );
    let accepted = receiver.accepted();
    assert_eq!(accepted.len(), rows.len(), "one arrival per delivery");
    assert_eq!(*receiver.refused.lock().unwrap(), Vec::<String>::new());

    // Once each, by webhook-id; in order per conversation.
    let ids: HashSet<&str> = accepted.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), accepted.len(), "a webhook-id arrived twice");
    let mut last: HashMap<String, u64> = HashMap::new();
    let mut texts: HashMap<String, Vec<String>> = HashMap::new();
    for r in &accepted {
        let conversation = r.body["data"]["conversation_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let at = position(&r.id);
        let before = last.insert(conversation.clone(), at).unwrap_or(0);
        assert!(
            at > before,
            "{} came after {before} in {conversation}",
            r.id
        );
        assert!(r.body["timestamp"].is_string());
        // The customers' own messages (a bot may answer in between).
        if r.body["type"] == "message.created"
            && r.body["data"]["message"]["author"]["kind"] == "customer"
        {
            texts.entry(conversation).or_default().push(
                r.body["data"]["message"]["text"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
    }
    let starts = accepted
        .iter()
        .filter(|r| r.body["type"] == "conversation.started")
        .count();
    assert_eq!(starts, 2);
    let anna_texts = &texts[&anna_conversation];
    assert_eq!(anna_texts[0], "Списали дважды, карта •••• 1111");
    assert_eq!(anna_texts[1..], sent[&anna_conversation][..]);
    assert_eq!(
        texts[&boris_conversation][1..],
        sent[&boris_conversation][..]
    );
    for r in &accepted {
        assert!(
            !r.raw.contains(CARD) && !r.raw.contains("4111111111111111"),
            "{}",
            r.raw
        );
    }

    // A rotation: the new secret is shown once; both sign during the overlap.
    let (status, rotated) = api
        .post(
            &format!("/api/v1/webhooks/{webhook}/rotate"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{rotated}");
    let second_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(second_secret, first_secret);
    assert!(rotated["previous_secret_signs_until"].is_string());
    receiver.secrets.lock().unwrap().push(second_secret.clone());
    let (status, _) = api
        .post(
            &format!("/api/v1/conversations/{anna_conversation}/messages"),
            &anna,
            json!({"text": "после смены ключа", "client_msg_id": "after-rotation"}),
        )
        .await;
    assert_eq!(status, 201);
    until(
        "the message after the rotation",
        Duration::from_secs(5),
        async || receiver.accepted().len() > accepted.len(),
    )
    .await;
    let after = receiver.accepted().last().cloned().unwrap();
    assert_eq!(after.signatures.len(), 2, "{:?}", after.signatures);
    // Each verifies with its own secret: the new one first, then the old.
    let sign = |secret: &str| signature(secret, &after.id, &after.timestamp, after.raw.as_bytes());
    assert_eq!(after.signatures[0], format!("v1,{}", sign(&second_secret)));
    assert_eq!(after.signatures[1], format!("v1,{}", sign(&first_secret)));

    // A manual re-send from the log arrives again with the same webhook-id.
    let original = rows.last().unwrap();
    let original_id = accepted
        .iter()
        .find(|r| position(&r.id) == original["event"].as_u64().unwrap())
        .unwrap()
        .id
        .clone();
    let count_before = receiver.accepted().len();
    let (status, resent) = api
        .post(
            &format!("/api/v1/webhooks/deliveries/{}/resend", original["id"]),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(status, 202, "{resent}");
    assert_eq!(resent["resend_of"], original["id"]);
    until("the re-send", Duration::from_secs(5), async || {
        receiver.accepted()[count_before..]
            .iter()
            .any(|r| r.id == original_id)
    })
    .await;

    // The receiver that never answers 2xx: its deliveries end as dead letters.
    until("the dead letters", Duration::from_secs(9), async || {
        let dead = api.get("/api/v1/webhooks/dead-letters", &admin).await;
        dead["deliveries"].as_array().unwrap().len() == 2
    })
    .await;
    let dead = api.get("/api/v1/webhooks/dead-letters", &admin).await;
    for d in dead["deliveries"].as_array().unwrap() {
        assert_eq!(
            (d["webhook_id"].as_str(), d["state"].as_str()),
            (never["id"].as_str(), Some("dead"))
        );
        assert_eq!(d["last_status"], 503);
    }
    assert_eq!(*receiver.refused.lock().unwrap(), Vec::<String>::new());
    eprintln!(
        "webhooks: backlog of {} drained {:?} after the receiver recovered; test took {:?}",
        rows.len(),
        drained,
        started.elapsed()
    );
}

/// A receiver behind TLS, with a certificate of its own authority that the
/// server is told to trust through `SSL_CERT_FILE`: it gets its deliveries,
/// signed. Answers every request with 204 and keeps the raw requests.
async fn tls_receiver(dir: &std::path::Path) -> (Arc<Mutex<Vec<String>>>, u16, std::path::PathBuf) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let authority = dir.join("receiver-ca.pem");
    std::fs::write(&authority, certified.cert.pem()).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![certified.cert.der().clone()], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let kept = requests.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let (acceptor, kept) = (acceptor.clone(), kept.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut chunk = [0u8; 4096];
                // Headers, then as many bytes as Content-Length says.
                loop {
                    let Ok(n) = tls.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&request).into_owned();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (name, value) = l.split_once(':')?;
                                name.eq_ignore_ascii_case("content-length")
                                    .then(|| value.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            kept.lock().unwrap().push(text);
                            break;
                        }
                    }
                }
                let _ = tls
                    .write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (requests, port, authority)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_receiver_gets_signed_deliveries() {
    let dir = tempfile::tempdir().unwrap();
    let (requests, port, authority) = tls_receiver(dir.path()).await;
    crate::support::add_operator(
        dir.path(),
        crate::support::NewOperator {
            email: "admin@example.com",
            name: "Админ",
            role: "admin",
            departments: "travel",
            password: PASSWORD,
        },
    );
    let authority = authority.to_str().unwrap().to_owned();
    let (child, base) = start_server_with(
        dir.path(),
        &[
            ("SSL_CERT_FILE", authority.as_str()),
            ("HOTLINE_WEBHOOKS__POLL_MS", "100"),
            ("HOTLINE_WEBHOOKS__FIRST_RETRY_MS", "100"),
        ],
    );
    let _server = Process(child);
    let api = Api {
        http: reqwest::Client::new(),
        base,
    };
    let (_, login) = api
        .post(
            "/api/v1/auth/login",
            "",
            json!({"email": "admin@example.com", "password": PASSWORD}),
        )
        .await;
    let admin = login["token"].as_str().unwrap().to_owned();
    let (status, created) = api
        .post(
            "/api/v1/webhooks",
            &admin,
            json!({"url": format!("https://localhost:{port}/hook"),
                   "event_types": ["conversation.started"]}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    let (status, started) = api
        .post(
            "/api/v1/conversations",
            &token("cust-tls"),
            json!({"department": "travel", "client_msg_id": "t1", "text": "Где мой билет?"}),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    until("a delivery over TLS", Duration::from_secs(10), async || {
        !requests.lock().unwrap().is_empty()
    })
    .await;
    let request = requests.lock().unwrap()[0].clone();
    assert!(request.starts_with("POST /hook HTTP/1.1"), "{request}");
    let (head, body) = request.split_once("\r\n\r\n").unwrap();
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                let (n, v) = l.split_once(':')?;
                n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
            })
            .unwrap_or_else(|| panic!("no {name} in {head}"))
    };
    let (id, timestamp) = (header("webhook-id"), header("webhook-timestamp"));
    let expected = signature(&secret, &id, &timestamp, body.as_bytes());
    assert_eq!(header("webhook-signature"), format!("v1,{expected}"));
    let payload: Value = serde_json::from_str(body).unwrap();
    assert_eq!(payload["type"], "conversation.started", "{payload}");
}
