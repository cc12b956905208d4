//! The conformance suite on PostgreSQL, each case on a fresh database of the
//! server named by `HOTLINE_TEST_PG_URL` (e.g.
//! `postgres://postgres@127.0.0.1:5432/test`); without it every case says so
//! and passes.

use hotline_store::{EventSink, Store};
use hotline_store_postgres::PostgresStore;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

const PREFIX: &str = "hotline_t_";

fn server_url() -> Option<String> {
    match std::env::var("HOTLINE_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("skipped: set HOTLINE_TEST_PG_URL=postgres://… to run");
            None
        }
    }
}

async fn admin(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"));
    tokio::spawn(connection);
    client
}

/// Databases left by earlier runs of this binary (by a process that is gone).
async fn drop_stale(client: &tokio_postgres::Client) {
    static DONE: AtomicBool = AtomicBool::new(false);
    if DONE.swap(true, Ordering::SeqCst) {
        return;
    }
    let rows = client
        .query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'hotline\\_t\\_%'",
            &[],
        )
        .await
        .unwrap_or_default();
    for row in rows {
        let name: String = row.get(0);
        let pid = name
            .trim_start_matches(PREFIX)
            .split('_')
            .next()
            .unwrap_or("");
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = client
                .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        }
    }
}

/// The URL of a new, empty database on the test server.
async fn fresh_database() -> Option<String> {
    let server = server_url()?;
    let client = admin(&server).await;
    drop_stale(&client).await;
    let name = format!(
        "{PREFIX}{}_{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    );
    client
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap_or_else(|e| panic!("create database: {e}"));
    let mut url = url::Url::parse(&server).unwrap_or_else(|e| panic!("HOTLINE_TEST_PG_URL: {e}"));
    url.set_path(&format!("/{name}"));
    Some(url.to_string())
}

async fn open(url: &str, sink: Arc<dyn EventSink>) -> Arc<dyn Store> {
    Arc::new(
        PostgresStore::open(url, sink)
            .await
            .unwrap_or_else(|e| panic!("open: {e}")),
    )
}

async fn fresh(sink: Arc<dyn EventSink>) -> Option<Arc<dyn Store>> {
    let url = fresh_database().await?;
    Some(open(&url, sink).await)
}

/// Two handles on one fresh database: two nodes.
async fn fresh_pair(
    sink_a: Arc<dyn EventSink>,
    sink_b: Arc<dyn EventSink>,
) -> Option<(Arc<dyn Store>, Arc<dyn Store>)> {
    let url = fresh_database().await?;
    // Opened together: both migrate, and the migration lock lets one do it.
    let (a, b) = tokio::join!(open(&url, sink_a), open(&url, sink_b));
    Some((a, b))
}

hotline_store::store_conformance_suite!(fresh, shared = fresh_pair);

#[tokio::test]
async fn reopening_keeps_the_log_and_applies_no_migration_twice() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let (sink, _) = hotline_store::conformance::feed();
    let first = open(&url, sink.clone()).await;
    let log_id = first.log_id().to_owned();
    first
        .sync_departments(&hotline_domain::Department::defaults())
        .await
        .unwrap();
    drop(first);
    let again = open(&url, sink).await;
    assert_eq!(again.log_id(), log_id, "the log keeps its name");
    assert_eq!(again.departments().await.unwrap().len(), 3);
    let client = admin(&url).await;
    let versions: Vec<i64> = client
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, [1]);
}
