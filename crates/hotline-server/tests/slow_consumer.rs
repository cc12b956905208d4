//! A slow WebSocket consumer cannot grow the server's memory without bound,
//! and loses nothing: it resumes from its cursor. Its own test binary, so the
//! memory it measures is this server's alone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "api/helpers.rs"]
mod helpers;

use helpers::*;
use hotline_domain::Role;
use serde_json::json;
use std::collections::HashSet;

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_readers_cost_bounded_memory_and_resume_without_loss() {
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("skipped: needs /proc to read memory use");
        return;
    }
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");
    let anna = app
        .operator("anna@example.com", Role::Operator, &["marketplace"])
        .await;
    let id = app.start(&ivan, "marketplace", "начало").await;

    const READERS: usize = 8;
    const MESSAGES: usize = 1500;
    let text = "x".repeat(8000);
    // Readers that connect and then never read a byte.
    let mut stalled = Vec::new();
    let mut cursor = String::new();
    for _ in 0..READERS {
        let mut ws = app.ws(&anna, "").await;
        cursor = until_caught_up(&mut ws).await.1;
        stalled.push(ws);
    }
    let before = rss_kib();
    let path = format!("/api/v1/conversations/{id}/messages");
    let mut sends = futures_util::stream::FuturesUnordered::new();
    for n in 0..MESSAGES {
        sends.push(app.post(
            &ivan,
            &path,
            json!({"text": text, "client_msg_id": format!("big-{n}")}),
        ));
        if sends.len() >= 16 {
            let (status, _) = futures_util::StreamExt::next(&mut sends).await.unwrap();
            assert_eq!(status, 201);
        }
    }
    while let Some((status, _)) = futures_util::StreamExt::next(&mut sends).await {
        assert_eq!(status, 201);
    }
    let grown_mib = rss_kib().saturating_sub(before) / 1024;
    let backlog_mib = (READERS * MESSAGES * text.len()) / (1024 * 1024);
    eprintln!("memory grew {grown_mib} MiB while {READERS} stalled readers owed {backlog_mib} MiB");
    assert!(
        grown_mib * 2 < backlog_mib as u64,
        "memory grew {grown_mib} MiB; buffering for stalled readers would be {backlog_mib} MiB"
    );
    drop(stalled);

    // A stalled reader comes back with its cursor and gets everything, once.
    let mut ws = app.ws(&anna, &format!("?after={cursor}")).await;
    let (missed, _) = until_caught_up(&mut ws).await;
    let ids: Vec<&str> = missed
        .iter()
        .filter(|f| f["type"] == "message.created")
        .map(|f| f["data"]["client_msg_id"].as_str().unwrap())
        .collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!((ids.len(), unique.len()), (MESSAGES, MESSAGES));
}
