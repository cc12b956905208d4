//! Picks the storage backend from `database_url`, and the event bus.

use anyhow::Context;
use hotline_app::bus::{EventBus, LocalBus, SharedBus};
use hotline_server::settings::Settings;
use hotline_store::{EventSink, Store};
use std::sync::Arc;

/// The database file under `--data-dir` when no `database_url` is set.
pub const DATABASE_FILE: &str = "hotline.db";

/// The event bus of a command that does not serve: in-process.
pub fn bus(_settings: &Settings) -> Arc<dyn EventBus> {
    Arc::new(LocalBus::default())
}

/// The event bus of a serving node, and, when other nodes share its store
/// (PostgreSQL), the bus whose follower must run beside it to bring their
/// commits to this node's readers.
pub fn serving_bus(settings: &Settings) -> (Arc<dyn EventBus>, Option<Arc<SharedBus>>) {
    if is_shared(settings) {
        let shared = Arc::new(SharedBus::default());
        (shared.clone(), Some(shared))
    } else {
        (bus(settings), None)
    }
}

/// Whether other nodes may write the configured store too.
fn is_shared(settings: &Settings) -> bool {
    matches!(
        settings
            .database_url
            .as_deref()
            .and_then(|url| url.split_once("://")),
        Some(("postgres" | "postgresql", _))
    )
}

/// Opens the configured store for a command that does not serve: its events
/// still go to the bus, though nobody in this process follows them.
pub async fn open(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    open_with(settings, bus(settings)).await
}

/// Opens the configured store: PostgreSQL for a `postgres://` (or
/// `postgresql://`) `database_url` (`HOTLINE_DATABASE_URL`), SQLite for
/// `sqlite://PATH` or, when unset, the embedded file under the data
/// directory. Each commit's events go to `sink`.
pub async fn open_with(
    settings: &Settings,
    sink: Arc<dyn EventSink>,
) -> anyhow::Result<Arc<dyn Store>> {
    let path = match settings.database_url.as_deref() {
        None | Some("") => {
            std::fs::create_dir_all(&settings.data_dir).with_context(|| {
                format!(
                    "cannot create the data directory {}",
                    settings.data_dir.display()
                )
            })?;
            settings.data_dir.join(DATABASE_FILE)
        }
        Some(url) => match url.split_once("://") {
            Some(("sqlite", path)) => path.into(),
            Some(("postgres" | "postgresql", _)) => {
                let store = hotline_store_postgres::PostgresStore::open(url, sink)
                    .await
                    .with_context(|| {
                        format!(
                            "cannot open the PostgreSQL database {}",
                            hotline_server::settings::redact_url(url)
                        )
                    })?;
                return Ok(Arc::new(store));
            }
            Some((scheme, _)) => anyhow::bail!(
                "database_url: this Hotline has no `{scheme}` backend; use postgres://USER@HOST/DB, sqlite://PATH, or leave it unset for {} under the data directory",
                DATABASE_FILE
            ),
            None => anyhow::bail!(
                "database_url must be a URL such as postgres://hotline@db/hotline or sqlite:///var/lib/hotline/hotline.db"
            ),
        },
    };
    let store = hotline_store_sqlite::SqliteStore::open(&path, sink)
        .await
        .with_context(|| format!("cannot open the database {}", path.display()))?;
    Ok(Arc::new(store))
}
