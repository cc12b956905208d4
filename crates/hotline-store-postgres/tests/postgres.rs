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
    assert_eq!(
        again.departments().await.unwrap().len(),
        hotline_domain::Department::defaults().len()
    );
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
    let every: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
    assert_eq!(versions, every);
}

use hotline_store_postgres::migrations::{MIGRATIONS, Migration, migrate};

const NOTES: Migration = Migration {
    version: 2,
    name: "notes",
    sql: "CREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT NOT NULL);",
};

async fn ledger(client: &tokio_postgres::Client) -> Vec<(i64, String)> {
    client
        .query(
            "SELECT version, name FROM schema_migrations ORDER BY version",
            &[],
        )
        .await
        .unwrap_or_else(|e| panic!("read the ledger: {e}"))
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

#[tokio::test]
async fn migrations_apply_once_in_order_and_a_newer_database_is_refused() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let mut client = admin(&url).await;
    let first = migrate(&mut client, &MIGRATIONS[..1]).await.unwrap();
    assert_eq!((first.applied, first.version), (vec![1], 1));
    let again = migrate(&mut client, &MIGRATIONS[..1]).await.unwrap();
    assert!(again.applied.is_empty());

    let later = [MIGRATIONS[0], NOTES];
    let upgraded = migrate(&mut client, &later).await.unwrap();
    assert_eq!((upgraded.applied, upgraded.version), (vec![2], 2));
    assert_eq!(
        ledger(&client).await,
        [(1, "init".into()), (2, "notes".into())]
    );
    client
        .batch_execute("INSERT INTO notes (id, body) VALUES (1, 'x')")
        .await
        .unwrap();

    // An older Hotline refuses the newer database and changes nothing.
    let refused = migrate(&mut client, &MIGRATIONS[..1]).await.unwrap_err();
    assert!(
        refused.to_string().contains("newer than this Hotline"),
        "{refused}"
    );
    assert_eq!(ledger(&client).await.len(), 2);
}

#[tokio::test]
async fn a_failing_migration_leaves_the_database_as_it_was() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let mut client = admin(&url).await;
    migrate(&mut client, &MIGRATIONS[..1]).await.unwrap();
    let broken = Migration {
        version: 2,
        name: "broken",
        sql: "CREATE TABLE half (id BIGINT); INSERT INTO nowhere VALUES (1);",
    };
    let error = migrate(&mut client, &[MIGRATIONS[0], broken])
        .await
        .unwrap_err();
    assert!(error.to_string().contains("0002_broken"), "{error}");
    assert_eq!(ledger(&client).await, [(1, "init".into())]);
    let half: bool = client
        .query_one("SELECT to_regclass('half') IS NOT NULL", &[])
        .await
        .unwrap()
        .get(0);
    assert!(!half, "the half-applied migration rolled back");
}

#[tokio::test]
async fn nodes_starting_together_migrate_once() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(admin(&url).await);
    }
    let runs = clients.iter_mut().map(|client| migrate(client, MIGRATIONS));
    let outcomes = futures_util::future::join_all(runs).await;
    let mut applied: Vec<i64> = outcomes
        .into_iter()
        .flat_map(|outcome| outcome.unwrap().applied)
        .collect();
    // Each migration takes the lock on its own: one node may apply the
    // first and another the next.
    applied.sort_unstable();
    let every: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
    assert_eq!(
        applied, every,
        "one of them applied each, the others found it done"
    );
    let recorded: Vec<(i64, String)> = MIGRATIONS
        .iter()
        .map(|m| (m.version, m.name.to_owned()))
        .collect();
    assert_eq!(ledger(&clients[0]).await, recorded);
}
