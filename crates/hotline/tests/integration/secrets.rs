//! Secrets never leave the ingest point: the real binary at `RUST_LOG=trace`
//! is fed card numbers, codes and passwords through its API; afterwards the
//! database file (and its WAL, the server being killed so nothing is
//! checkpointed), the attachment store, the whole log output and every event
//! an operator received are searched for them byte by byte.

use futures_util::StreamExt;
use hotline_server::auth::identity::{IdentityClaims, mint};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const SECRET: &str = "secrets-test-secret-0123456789";

/// Every form a secret used below could be written in, as bytes.
fn needles() -> Vec<(&'static str, Vec<u8>)> {
    let full_width: String = "5500000000000004"
        .chars()
        .map(|c| char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap())
        .collect();
    let mut needles: Vec<(&'static str, Vec<u8>)> = vec![
        ("visa, plain", b"4111111111111111".to_vec()),
        ("visa, grouped", b"4111 1111 1111 1111".to_vec()),
        ("visa, in the name", b"4276380012000001".to_vec()),
        ("expiry", b"12/27".to_vec()),
        ("cvv with keyword", b"cvv 737".to_vec()),
        ("one-time code", b"48291375".to_vec()),
        ("password", b"Qwerty!2024".to_vec()),
        ("mastercard, full-width digits", full_width.into_bytes()),
        (
            "mastercard, digits of the full-width one",
            b"5500000000000004".to_vec(),
        ),
        (
            "mir split across two messages",
            b"2200456700000001".to_vec(),
        ),
        ("second half of the split card", b"0000 0001".to_vec()),
        ("bank: strict mode", b"7000123400000001".to_vec()),
        (
            "bank: strict mode, grouped",
            b"7000 1234 0000 0001".to_vec(),
        ),
    ];
    needles.push(("file name", b"4111-1111-1111-1111".to_vec()));
    needles
}

fn found_in(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn hotline(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hotline"));
    command
        .current_dir(dir)
        .env("HOTLINE_IDENTITY_SECRET", SECRET)
        .env("HOTLINE_ALLOWED_LINK_DOMAINS", "shop.example, bank.example")
        .env("NO_COLOR", "1");
    command
}

fn add_operator(dir: &Path) {
    crate::support::add_operator(
        dir,
        crate::support::NewOperator {
            email: "anna@example.com",
            name: "Анна",
            role: "operator",
            departments: "marketplace,bank",
            password: "long-enough-password",
        },
    );
}

/// Starts `hotline serve` logging at trace level; the log is collected.
fn serve(dir: &Path) -> (Child, String, Arc<Mutex<Vec<u8>>>) {
    let mut child = hotline(dir)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let stdout = child.stdout.take().unwrap();
    let out_log = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).split(b'\n').map_while(Result::ok) {
            out_log.lock().unwrap().extend(line);
        }
    });
    let mut lines = BufReader::new(child.stderr.take().unwrap()).split(b'\n');
    let address = loop {
        let line = lines
            .next()
            .expect("the server prints its address")
            .unwrap();
        log.lock().unwrap().extend(&line);
        let line = String::from_utf8_lossy(&line).into_owned();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    let err_log = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            err_log.lock().unwrap().extend(line);
            err_log.lock().unwrap().push(b'\n');
        }
    });
    (child, format!("http://{address}"), log)
}

fn token(sub: &str, name: &str, amr: &[&str]) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = IdentityClaims {
        sub: sub.into(),
        name: name.into(),
        exp: now + 3600,
        iat: Some(now),
        email: None,
        phone: None,
        amr: amr.iter().map(|m| (*m).to_owned()).collect(),
        auth_time: Some(now - 60),
        tier: None,
        role: None,
    };
    mint(SECRET, &claims).unwrap()
}

async fn post(http: &reqwest::Client, url: String, token: &str, body: Value) -> (u16, Value) {
    let response = http
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn kinds(body: &Value) -> Vec<String> {
    body["redactions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_reach_no_file_no_log_and_no_event() {
    let dir = tempfile::tempdir().unwrap();
    add_operator(dir.path());
    let (mut server, base, log) = serve(dir.path());
    let http = reqwest::Client::new();

    let login: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "anna@example.com", "password": "long-enough-password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let operator = login["token"].as_str().unwrap().to_owned();
    let mut request = format!("{}/api/v1/ws", base.replace("http", "ws"))
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {operator}").parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();

    // A customer whose display name holds a card number.
    let customer = token("c-1", "Иван 4276380012000001", &["pwd"]);
    let (status, started) = post(
        &http,
        format!("{base}/api/v1/conversations"),
        &customer,
        json!({"department": "marketplace", "client_msg_id": "m1",
               "text": "Моя карта 4111 1111 1111 1111, срок 12/27, cvv 737, помогите"}),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    assert_eq!(
        started["message"]["text"],
        "Моя карта •••• 1111, срок •••, cvv •••, помогите"
    );
    assert_eq!(kinds(&started), ["card_number", "card_expiry", "cvv"]);
    assert_eq!(started["redactions"][0]["last4"], "1111");
    assert_eq!(started["customer"]["name"], "Иван •••• 0001");
    let conversation = started["id"].as_str().unwrap().to_owned();
    let messages = format!("{base}/api/v1/conversations/{conversation}/messages");

    let sends = [
        (
            "код из смс 48291375",
            "код из смс •••",
            vec!["one_time_code"],
        ),
        ("мой пароль Qwerty!2024", "мой пароль •••", vec!["password"]),
        (
            "５５００ ００００ ００００ ０００４",
            "•••• 0004",
            vec!["card_number"],
        ),
        ("карта 2200 4567", "карта 2200 4567", vec![]),
        ("0000 0001", "•••• 0001", vec!["card_number"]),
    ];
    for (i, (text, masked, expected)) in sends.iter().enumerate() {
        let (status, body) = post(
            &http,
            messages.clone(),
            &customer,
            json!({"text": text, "client_msg_id": format!("s{i}")}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["text"], *masked);
        assert_eq!(kinds(&body), *expected);
    }
    // The first half of the split card was masked in place.
    let history: Value = http
        .get(&messages)
        .bearer_auth(&operator)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let texts: Vec<&str> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert!(texts.contains(&"карта •••"), "{texts:?}");

    // A file whose name holds a card number.
    let upload = crate::support::upload(
        &http,
        &base,
        &customer,
        "карта 4111-1111-1111-1111.txt",
        b"just a note",
    )
    .await;
    assert_eq!(upload["name"], "карта •••• 1111.txt", "{upload}");

    // Links from customers are flagged, never refused.
    let (status, body) = post(
        &http,
        messages.clone(),
        &customer,
        json!({"text": "мне пишут с https://shop-example.com/refund", "client_msg_id": "link"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["flagged_links"][0]["host"], "shop-example.com");

    // The bank needs a step-up token, and masks every Luhn-valid run there.
    let weak = token("c-2", "Пётр", &["pwd"]);
    let bank_start = json!({"department": "bank", "client_msg_id": "b1",
        "text": "номер 7000 1234 0000 0001 заблокирован"});
    let (status, body) = post(
        &http,
        format!("{base}/api/v1/conversations"),
        &weak,
        bank_start.clone(),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "step_up_required");
    let strong = token("c-2", "Пётр", &["pwd", "otp"]);
    let (status, body) = post(
        &http,
        format!("{base}/api/v1/conversations"),
        &strong,
        bank_start,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["message"]["text"], "номер •••• 0001 заблокирован");

    // Everything the operator received live.
    let mut frames = String::new();
    while let Ok(Some(Ok(frame))) =
        tokio::time::timeout(Duration::from_millis(700), ws.next()).await
    {
        if let tokio_tungstenite::tungstenite::Message::Text(text) = frame {
            frames.push_str(text.as_str());
        }
    }
    assert!(frames.contains("•••• 1111"), "the operator got the events");

    server.kill().unwrap();
    server.wait().unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    let mut stored: Vec<(String, Vec<u8>)> = Vec::new();
    let mut stack = vec![dir.path().to_path_buf()];
    while let Some(path) = stack.pop() {
        for entry in std::fs::read_dir(&path).unwrap() {
            let entry = entry.unwrap().path();
            if entry.is_dir() {
                stack.push(entry);
            } else {
                stored.push((entry.display().to_string(), std::fs::read(&entry).unwrap()));
            }
        }
    }
    assert!(
        stored
            .iter()
            .any(|(name, _)| name.ends_with("hotline.db-wal")),
        "the WAL is searched too"
    );
    let log = log.lock().unwrap().clone();
    assert!(log.len() > 1000, "the trace log was captured");
    for (what, needle) in needles() {
        for (file, bytes) in &stored {
            assert!(!found_in(bytes, &needle), "{what} found in {file}");
        }
        assert!(!found_in(&log, &needle), "{what} found in the log output");
        assert!(
            !found_in(frames.as_bytes(), &needle),
            "{what} found in an event"
        );
    }
}

#[test]
fn look_alike_operator_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let add = |email: &str, name: &str| {
        let mut child = hotline(dir.path())
            .env("HOTLINE_ALLOWED_LINK_DOMAINS", "bank.example,shop.example")
            .args(["operator", "add", "--email", email, "--name", name])
            .args([
                "--role",
                "operator",
                "--departments",
                "bank",
                "--password-stdin",
                "--data-dir",
            ])
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"long-enough-password\n")
            .unwrap();
        let output = child.wait_with_output().unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    // «Аnna» with a Cyrillic «А»; a zero-width space; a right-to-left override.
    for (email, name) in [
        ("a@example.com", "\u{0410}nna Support"),
        ("b@example.com", "Anna\u{200B}"),
        ("c@example.com", "Anna \u{202E}troppuS"),
        // Digits for letters: "support", and the company's name as its domain spells it.
        ("e@example.com", "Анна (Supp0rt)"),
        ("f@example.com", "Анна, 8ank"),
    ] {
        let (ok, stderr) = add(email, name);
        assert!(!ok, "{name:?} was accepted");
        assert!(
            stderr.contains("customers must be able to trust"),
            "{stderr}"
        );
    }
    let (ok, stderr) = add("d@example.com", "Анна (Support)");
    assert!(ok, "{stderr}");
    let (ok, stderr) = add("g@example.com", "Анна, Bank");
    assert!(ok, "{stderr}");
}

fn run(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let output = hotline(dir)
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_erase_and_a_verifiable_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    add_operator(dir.path());
    let (mut server, base, _log) = serve(dir.path());
    let http = reqwest::Client::new();
    let customer = token("c-9", "Ольга", &["pwd", "otp"]);
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"%PDF-1.4 receipt".to_vec()).file_name("чек.pdf"),
    );
    let upload: Value = http
        .post(format!("{base}/api/v1/attachments"))
        .bearer_auth(&customer)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (status, started) = post(
        &http,
        format!("{base}/api/v1/conversations"),
        &customer,
        json!({"department": "bank", "client_msg_id": "e1", "text": "Верните деньги за заказ, чек приложила",
               "attachment_ids": [upload["id"]]}),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    let conversation = started["id"].as_str().unwrap().to_owned();
    // The server recorded its configuration; an operator logs in (audited)
    // and reads the bank conversation (audited).
    let login: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "anna@example.com", "password": "long-enough-password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let operator = login["token"].as_str().unwrap();
    let read = http
        .get(format!(
            "{base}/api/v1/conversations/{conversation}/messages"
        ))
        .bearer_auth(operator)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    server.kill().unwrap();
    server.wait().unwrap();

    let (ok, stdout, stderr) = run(dir.path(), &["audit", "verify"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("audit log intact: 3 entries"), "{stdout}");

    let out = dir.path().join("export");
    let (ok, _, stderr) = run(
        dir.path(),
        &[
            "customer",
            "export",
            "--sub",
            "c-9",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(ok, "{stderr}");
    let exported: Value =
        serde_json::from_slice(&std::fs::read(out.join("customer.json")).unwrap()).unwrap();
    assert_eq!(
        exported["conversations"][0]["messages"][0]["text"],
        "Верните деньги за заказ, чек приложила"
    );
    let file = out.join("attachments").join(upload["id"].as_str().unwrap());
    assert_eq!(std::fs::read(file).unwrap(), b"%PDF-1.4 receipt");

    let (ok, _, stderr) = run(dir.path(), &["customer", "erase", "--sub", "c-9"]);
    assert!(!ok && stderr.contains("--yes"), "{stderr}");
    let (ok, stdout, stderr) = run(dir.path(), &["customer", "erase", "--sub", "c-9", "--yes"]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("1 conversations, 1 messages, 1 attachments (1 files removed)"),
        "{stdout}"
    );
    // The erasure was checkpointed into the file, whose freed space is zeroed;
    // the write-ahead log was emptied.
    let db = std::fs::read(dir.path().join("hotline.db")).unwrap();
    let wal = std::fs::read(dir.path().join("hotline.db-wal")).unwrap_or_default();
    let text = "чек приложила".as_bytes();
    assert!(
        !found_in(&db, text),
        "the erased text is still in the database file"
    );
    assert!(!found_in(&wal, text), "the erased text is still in the WAL");
    let (ok, stdout, stderr) = run(dir.path(), &["audit", "verify"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("5 entries"), "{stdout}");

    // Someone edits an entry behind the triggers' back.
    let conn = rusqlite::Connection::open(dir.path().join("hotline.db")).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update;
         UPDATE audit_log SET details = '{\"department\":\"travel\"}' WHERE seq = 2;",
    )
    .unwrap();
    drop(conn);
    let (ok, _, stderr) = run(dir.path(), &["audit", "verify"]);
    assert!(!ok);
    assert!(stderr.contains("broken at entry 2"), "{stderr}");
}

/// Every table that names a customer, read with SQL after the export: each
/// personal value in their rows must be in `customer.json` (152-FZ: the
/// customer may learn everything held about them). A new table or column
/// with a customer's data fails here until the export carries it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_holds_what_every_table_keeps_about_the_customer() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, base, _log) = serve(dir.path());
    let http = reqwest::Client::new();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = json!({
        "sub": "c-full", "name": "Пётр Иванов", "exp": now + 3600, "iat": now,
        "email": "petr@example.com", "phone": "+7 916 555-01-02", "tier": "vip",
        "amr": ["pwd", "otp"], "auth_time": now - 60,
        "orders": [{"id": "ORD-7731", "department": "marketplace", "title": "Кофемашина",
                    "date": "2026-11-20", "status": "доставлен"}],
    });
    let customer = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    let context = http
        .post(format!("{base}/api/v1/customer/context"))
        .bearer_auth(&customer)
        .send()
        .await
        .unwrap();
    assert_eq!(context.status(), 204);
    let upload = async |name: &str| {
        let uploaded = crate::support::upload(&http, &base, &customer, name, b"%PDF-1.4 x").await;
        uploaded["id"].as_str().unwrap().to_owned()
    };
    let sent = upload("чек-кофемашина.pdf").await;
    upload("паспорт-не-отправлен.pdf").await;
    let (status, started) = post(
        &http,
        format!("{base}/api/v1/conversations"),
        &customer,
        json!({"department": "marketplace", "order_id": "ORD-7731", "client_msg_id": "f1",
               "text": "Кофемашина течёт", "attachment_ids": [sent]}),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    let id = started["id"].as_str().unwrap();
    let (status, _) = post(
        &http,
        format!("{base}/api/v1/conversations/{id}/messages"),
        &customer,
        json!({"client_msg_id": "f2", "text": "Под ней лужа"}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, claim) = post(
        &http,
        format!("{base}/api/v1/conversations/{id}/claims"),
        &customer,
        json!({"type": "refund", "order_id": "ORD-7731",
               "amount": {"value": "15990.00", "currency": "RUB"},
               "demand": "Вернуть деньги за кофемашину", "text": "Течёт с первого дня",
               "client_msg_id": "cl-1"}),
    )
    .await;
    assert_eq!(status, 201, "{claim}");
    server.kill().unwrap();
    server.wait().unwrap();

    let out = dir.path().join("export");
    let (ok, _, stderr) = run(
        dir.path(),
        &[
            "customer",
            "export",
            "--sub",
            "c-full",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(ok, "{stderr}");
    let exported = std::fs::read_to_string(out.join("customer.json")).unwrap();

    // The columns that say whose a row is, and which of their values are
    // personal data (ids, hashes, counters and times are not checked).
    let conn = rusqlite::Connection::open(dir.path().join("hotline.db")).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let owner_columns = ["customer_id", "author_id", "uploader_id"];
    let not_personal = [
        "id",
        "customer_id",
        "author_id",
        "uploader_id",
        "conversation_id",
        "sha256",
        "client_msg_id",
        // A claim's idempotency key: who filed, by id.
        "filer_key",
        "kind",
        "author_kind",
        "uploader_kind",
        "content_type",
        "status",
        "department",
        "priority",
        "subject_kind",
        "topic",
        "internal",
        "attachments",
        "data",
        "suggestions",
        "side",
        "assignee_id",
        "assignee_name",
        "message_seq",
    ];
    let mut checked = Vec::new();
    for table in &tables {
        let columns: Vec<(String, String)> = conn
            .prepare(&format!(
                "SELECT name, type FROM pragma_table_info('{table}')"
            ))
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let owner = if table == "customers" {
            Some("id")
        } else {
            columns
                .iter()
                .map(|(name, _)| name.as_str())
                .find(|name| owner_columns.contains(name))
        };
        let Some(owner) = owner else { continue };
        let personal: Vec<&str> = columns
            .iter()
            .filter(|(name, kind)| kind == "TEXT" && !not_personal.contains(&name.as_str()))
            .map(|(name, _)| name.as_str())
            .collect();
        for column in personal {
            let values: Vec<Option<String>> = conn
                .prepare(&format!(
                    "SELECT {column} FROM {table} WHERE {owner} = 'c-full'"
                ))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            for value in values.into_iter().flatten() {
                // A JSON column (the customer's context) holds its values.
                let parts: Vec<String> = match serde_json::from_str::<Value>(&value) {
                    Ok(Value::Object(object)) => leaves(&Value::Object(object)),
                    _ => vec![value],
                };
                for part in parts {
                    assert!(
                        exported.contains(&part),
                        "{table}.{column} holds {part:?}, which the export lacks"
                    );
                    checked.push(format!("{table}.{column}"));
                }
            }
        }
    }
    for expected in [
        "customers.name",
        "customers.email",
        "customers.phone",
        "customers.tier",
        "customer_contexts.context",
        "messages.text",
        "attachments.name",
    ] {
        assert!(
            checked.iter().any(|c| c == expected),
            "{expected} was not compared: {checked:?}"
        );
    }
    assert!(exported.contains("ORD-7731") && exported.contains("паспорт-не-отправлен.pdf"));
    let files = std::fs::read_dir(out.join("attachments")).unwrap().count();
    assert_eq!(files, 2, "the sent and the unsent file");
}

/// The string leaves of a JSON value.
fn leaves(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().flat_map(leaves).collect(),
        Value::Object(object) => object.values().flat_map(leaves).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn security_settings_come_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let output = hotline(dir.path())
        .args(["config", "print"])
        .env("HOTLINE_SECURITY__RETENTION_DAYS", "30")
        .env("HOTLINE_SECURITY__RATE_LIMITS__MESSAGES_PER_MINUTE", "0")
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let domains = printed
        .split("allowed_link_domains = [")
        .nth(1)
        .unwrap_or_default();
    assert!(
        domains.find("\"shop.example\"") < domains.find("\"bank.example\"")
            && domains.contains("\"bank.example\""),
        "{printed}"
    );
    assert!(printed.contains("retention_days = 30"), "{printed}");
    assert!(printed.contains("messages_per_minute = 0"), "{printed}");
}
