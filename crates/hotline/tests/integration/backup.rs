//! `hotline backup` while customers keep sending, and `hotline restore` into
//! another data directory: every message acknowledged before the backup
//! began comes back once, the audit chain holds, old cursors read as
//! foreign, and a restore never touches a directory that is being served.

use crate::durability::{start_server, token};
use crate::support::Process;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn hotline(args: &[&str], data_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn messages(http: &reqwest::Client, base: &str, sub: &str, id: &str) -> Vec<Value> {
    let page: Value = http
        .get(format!(
            "{base}/api/v1/conversations/{id}/messages?after_seq=0&limit=500"
        ))
        .bearer_auth(token(sub))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["messages"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_restores_everything_acknowledged_before_it() {
    let served = tempfile::tempdir().unwrap();
    let backups = tempfile::tempdir().unwrap();
    let restored = tempfile::tempdir().unwrap();
    // Killed on drop too, so a failed assertion leaves no server behind.
    let (server, base) = start_server(served.path());
    let server = Process(server);
    let http = reqwest::Client::new();

    let started: Value = http
        .post(format!("{base}/api/v1/conversations"))
        .bearer_auth(token("b1"))
        .json(&json!({"department": "marketplace", "text": "начало", "client_msg_id": "start"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = started["id"].as_str().unwrap().to_owned();
    let attachment = http
        .post(format!("{base}/api/v1/attachments"))
        .bearer_auth(token("b1"))
        .multipart(
            reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(b"%PDF-1.4 receipt".to_vec())
                    .file_name("receipt.pdf")
                    .mime_str("application/pdf")
                    .unwrap(),
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        attachment.status(),
        201,
        "{}",
        attachment.text().await.unwrap()
    );
    let old_cursor: Value = http
        .get(format!("{base}/api/v1/events?wait=0"))
        .bearer_auth(token("b1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let old_cursor = old_cursor["cursor"].as_str().unwrap().to_owned();

    // One customer keeps sending through the whole backup.
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let sender = tokio::spawn({
        let (http, base, id, acked, stop) = (
            http.clone(),
            base.clone(),
            id.clone(),
            acked.clone(),
            stop.clone(),
        );
        async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let cmid = format!("m-{n}");
                let r = http
                    .post(format!("{base}/api/v1/conversations/{id}/messages"))
                    .bearer_auth(token("b1"))
                    .json(&json!({"text": format!("сообщение {n}"), "client_msg_id": cmid}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
                acked.lock().unwrap().push(cmid);
                n += 1;
            }
        }
    });
    while acked.lock().unwrap().len() < 100 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let acked_before: Vec<String> = acked.lock().unwrap().clone();
    let dir = backups.path().join("nightly");
    let backup = tokio::task::spawn_blocking({
        let (dir, served) = (dir.clone(), served.path().to_owned());
        move || hotline(&["backup", dir.to_str().unwrap()], &served)
    })
    .await
    .unwrap();
    assert!(backup.status.success(), "{}", text(&backup.stderr));
    assert!(
        text(&backup.stdout).contains("1 attachment files"),
        "{}",
        text(&backup.stdout)
    );
    while acked.lock().unwrap().len() < acked_before.len() + 50 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.store(true, Ordering::Relaxed);
    sender.await.unwrap();
    drop(server);

    // A backup is never written over.
    let again = hotline(&["backup", dir.to_str().unwrap()], served.path());
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("already holds a backup"),
        "{}",
        text(&again.stderr)
    );

    // Something that is not a backup is refused, and nothing is created.
    let bogus = backups.path().join("bogus");
    std::fs::create_dir_all(&bogus).unwrap();
    std::fs::write(bogus.join("hotline.db"), b"definitely not SQLite").unwrap();
    let refused = hotline(&["restore", bogus.to_str().unwrap()], restored.path());
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("does not hold a backup to restore; nothing was changed"),
        "{}",
        text(&refused.stderr)
    );
    assert!(!restored.path().join("hotline.db").exists());

    let restore = hotline(&["restore", dir.to_str().unwrap()], restored.path());
    assert!(restore.status.success(), "{}", text(&restore.stderr));
    assert!(
        text(&restore.stdout).contains("audit log intact"),
        "{}",
        text(&restore.stdout)
    );

    let (server, base) = start_server(restored.path());
    let _server = Process(server);
    let ready: Value = http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready, json!({"ready": true, "store": "ok", "bus": "ok"}));

    // Everything acknowledged before the backup began, once, in order.
    let stored = messages(&http, &base, "b1", &id).await;
    let seqs: Vec<i64> = stored.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "gap-free seqs"
    );
    let ids: Vec<&str> = stored
        .iter()
        .filter_map(|m| m["client_msg_id"].as_str())
        .collect();
    for cmid in &acked_before {
        assert_eq!(ids.iter().filter(|i| *i == cmid).count(), 1, "{cmid}");
    }
    let attachments: Vec<String> = std::fs::read_dir(restored.path().join("attachments"))
        .unwrap()
        .flat_map(|shard| std::fs::read_dir(shard.unwrap().path()).unwrap())
        .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(attachments.len(), 1);

    // A cursor from before the restore names the old log: the client reloads.
    let resumed = http
        .get(format!("{base}/api/v1/events?after={old_cursor}&wait=0"))
        .bearer_auth(token("b1"))
        .send()
        .await
        .unwrap();
    assert_eq!(resumed.status(), 410);
    let resumed: Value = resumed.json().await.unwrap();
    assert_eq!(resumed["error"]["code"], "foreign_cursor");

    // A restore into a directory being served is refused, and it keeps serving.
    let busy = hotline(&["restore", dir.to_str().unwrap()], restored.path());
    assert!(!busy.status.success());
    assert!(
        text(&busy.stderr).contains("another Hotline process is using"),
        "{}",
        text(&busy.stderr)
    );
    assert_eq!(messages(&http, &base, "b1", &id).await.len(), stored.len());
}
