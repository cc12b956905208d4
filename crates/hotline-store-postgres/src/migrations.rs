//! Schema migrations: SQL files in `migrations/`, applied in order, each in
//! its own transaction, and recorded in `schema_migrations`.
//!
//! A file, once released, is never edited: a later change is a new file
//! with the next number. Nodes starting together take turns through an
//! advisory lock, so each migration runs once.

use crate::db::{Db, StoreResult};
use hotline_store::StoreError;

pub use hotline_store::Migration;

/// Every migration, oldest first.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "init",
    sql: include_str!("../migrations/0001_init.sql"),
}];

/// Any number that no other user of the database takes for its own
/// advisory locks: Hotline's migrations.
const MIGRATION_LOCK: i64 = 0x486f_746c_696e_6501;

const LEDGER: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)";

/// What [`migrate`] found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    /// Versions applied by this call, oldest first.
    pub applied: Vec<i64>,
    /// The database's version now.
    pub version: i64,
}

/// Reads the version and takes the migration lock: the first step, in the
/// ledger's transaction. Returns the version recorded.
pub(crate) fn recorded_version(db: &Db<'_>) -> StoreResult<i64> {
    db.query_one("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    db.batch(LEDGER)?;
    Ok(db
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )?
        .try_get(0)?)
}

/// Applies one migration and records it, in the caller's transaction (which
/// holds the migration lock).
pub(crate) fn apply(db: &Db<'_>, m: &Migration) -> StoreResult<()> {
    db.batch(m.sql).map_err(|e| {
        StoreError::Backend(format!("migration {:04}_{} failed: {e}", m.version, m.name))
    })?;
    db.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        &[
            &m.version,
            &m.name,
            &time::OffsetDateTime::now_utc().unix_timestamp(),
        ],
    )?;
    tracing::info!(version = m.version, name = m.name, "database migrated");
    Ok(())
}

pub(crate) fn newer(version: i64, known: i64) -> StoreError {
    StoreError::Backend(format!(
        "the database has schema version {version}, newer than this Hotline ({known}); upgrade Hotline"
    ))
}
