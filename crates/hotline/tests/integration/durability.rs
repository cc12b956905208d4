//! Acknowledged means durable: the real binary is killed with SIGKILL while
//! customers send, restarted, and must hold every message it acknowledged,
//! with gap-free `seq`s, and retries of unanswered sends stored exactly once.

use hotline_server::auth::identity::{IdentityClaims, mint};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Per conversation: the client_msg_ids (and seqs) the server acknowledged.
type Acked = Arc<Mutex<HashMap<String, Vec<(String, i64)>>>>;

pub(crate) const SECRET: &str = "durability-secret-0123456789";

pub(crate) fn start_server(data_dir: &Path) -> (Child, String) {
    start_server_with(data_dir, &[])
}

/// [`start_server`] with more environment (another database, say).
pub(crate) fn start_server_with(data_dir: &Path, env: &[(&str, &str)]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .envs(env.iter().copied())
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .env("HOTLINE_IDENTITY_SECRET", SECRET)
        .env("RUST_LOG", "info")
        // Customers here send far faster than people do.
        .env("HOTLINE_SECURITY__RATE_LIMITS__MESSAGES_PER_MINUTE", "0")
        .env("HOTLINE_SECURITY__RATE_LIMITS__CONVERSATIONS_PER_HOUR", "0")
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .spawn()
        .expect("start hotline");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("the server prints its address")
            .unwrap();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, format!("http://{address}"))
}

pub(crate) fn token(sub: &str) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = IdentityClaims {
        sub: sub.into(),
        name: sub.into(),
        exp: now + 3600,
        iat: Some(now),
        email: None,
        phone: None,
        amr: vec![],
        auth_time: None,
        tier: None,
        role: None,
    };
    mint(SECRET, &claims).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_right_after_acks_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, base) = start_server(dir.path());
    let http = reqwest::Client::new();

    // One conversation per customer.
    let mut conversations = Vec::new();
    for i in 0..16 {
        let sub = format!("k{i}");
        let body = json!({"department": "marketplace", "text": "start", "client_msg_id": "start"});
        let r: Value = http
            .post(format!("{base}/api/v1/conversations"))
            .bearer_auth(token(&sub))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        conversations.push((sub, r["id"].as_str().unwrap().to_owned()));
    }

    // Customers send as fast as they can; every 201 is recorded.
    let acked: Acked = Arc::default();
    let unanswered: Arc<Mutex<HashMap<String, Vec<String>>>> = Arc::default();
    let senders: Vec<_> = conversations
        .iter()
        .cloned()
        .map(|(sub, id)| {
            let (http, base, acked, unanswered) = (
                http.clone(),
                base.clone(),
                acked.clone(),
                unanswered.clone(),
            );
            tokio::spawn(async move {
                let token = token(&sub);
                for n in 0.. {
                    let cmid = format!("{sub}-{n}");
                    let body = json!({"text": format!("сообщение {n}"), "client_msg_id": cmid});
                    let sent = http
                        .post(format!("{base}/api/v1/conversations/{id}/messages"))
                        .bearer_auth(&token)
                        .json(&body)
                        .timeout(Duration::from_secs(5))
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status() == 201 => {
                            let m: Value = r.json().await.unwrap();
                            acked
                                .lock()
                                .unwrap()
                                .entry(id.clone())
                                .or_default()
                                .push((cmid, m["seq"].as_i64().unwrap()));
                        }
                        _ => {
                            // The outcome is unknown: the client will retry later.
                            unanswered
                                .lock()
                                .unwrap()
                                .entry(id.clone())
                                .or_default()
                                .push(cmid);
                            return;
                        }
                    }
                }
            })
        })
        .collect();

    // Kill once plenty has been acknowledged, while sends are in flight.
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if acked.lock().unwrap().values().map(Vec::len).sum::<usize>() >= 800 {
            break;
        }
    }
    server.kill().expect("SIGKILL");
    server.wait().unwrap();
    for s in senders {
        s.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let unanswered = unanswered.lock().unwrap().clone();
    let total_acked: usize = acked.values().map(Vec::len).sum();
    assert!(total_acked >= 800);

    let (mut server, base) = start_server(dir.path());
    for (sub, id) in &conversations {
        let token = token(sub);
        // Retry every unanswered send with its client_msg_id: stored exactly once either way.
        for cmid in unanswered.get(id).into_iter().flatten() {
            let n: String = cmid.rsplit('-').next().unwrap().to_owned();
            let body = json!({"text": format!("сообщение {n}"), "client_msg_id": cmid});
            let r = http
                .post(format!("{base}/api/v1/conversations/{id}/messages"))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(
                r.status() == 200 || r.status() == 201,
                "retry answered {}",
                r.status()
            );
        }
        let mut messages: Vec<Value> = Vec::new();
        loop {
            let after = messages
                .last()
                .map(|m| m["seq"].as_i64().unwrap())
                .unwrap_or(0);
            let page: Value = http
                .get(format!(
                    "{base}/api/v1/conversations/{id}/messages?after_seq={after}&limit=500"
                ))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let page = page["messages"].as_array().unwrap().clone();
            if page.is_empty() {
                break;
            }
            messages.extend(page);
        }
        let seqs: Vec<i64> = messages
            .iter()
            .map(|m| m["seq"].as_i64().unwrap())
            .collect();
        assert_eq!(
            seqs,
            (1..=messages.len() as i64).collect::<Vec<_>>(),
            "gap-free seq after the crash"
        );
        let stored: HashMap<&str, i64> = messages
            .iter()
            .map(|m| {
                (
                    m["client_msg_id"].as_str().unwrap(),
                    m["seq"].as_i64().unwrap(),
                )
            })
            .collect();
        for (cmid, seq) in acked.get(id).into_iter().flatten() {
            assert_eq!(
                stored.get(cmid.as_str()),
                Some(seq),
                "acknowledged {cmid} survives SIGKILL with its seq"
            );
        }
        let unique: HashSet<&str> = stored.keys().copied().collect();
        assert_eq!(unique.len(), messages.len(), "no message stored twice");
        let expected =
            1 + acked.get(id).map_or(0, Vec::len) + unanswered.get(id).map_or(0, Vec::len);
        assert_eq!(messages.len(), expected, "acked + retried, nothing else");
    }
    server.kill().unwrap();
    let _ = server.wait();
}
