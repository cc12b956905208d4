//! The conformance suite on the embedded backend, each case on a fresh file.

use hotline_store::{SqliteStore, Store};
use std::sync::Arc;

async fn fresh() -> Arc<dyn Store> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let store = SqliteStore::open(dir.path().join("hotline.db"))
        .await
        .unwrap_or_else(|e| panic!("open: {e}"));
    // The directory must outlive the store; the OS cleans /tmp.
    std::mem::forget(dir);
    Arc::new(store)
}

hotline_store::store_conformance_suite!(fresh());

#[tokio::test]
async fn data_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hotline.db");
    let log_id;
    {
        let store = SqliteStore::open(&path).await.unwrap();
        log_id = store.log_id().to_owned();
        store
            .sync_departments(&hotline_domain::Department::defaults())
            .await
            .unwrap();
    }
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(
        store.log_id(),
        log_id,
        "the log keeps its name across restarts"
    );
    assert_eq!(store.departments().await.unwrap_or_default().len(), 3);
}
