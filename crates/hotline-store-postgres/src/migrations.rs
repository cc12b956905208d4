//! Schema migrations: SQL files in `migrations/`, applied in order, each in
//! its own transaction, and recorded in `schema_migrations`.
//!
//! A file, once released, is never edited: a later change is a new file
//! with the next number. Nodes starting together take turns through an
//! advisory lock, so each migration runs once.

use hotline_store::StoreError;

pub use hotline_store::Migration;

/// Every migration, oldest first.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../migrations/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "csat_and_reports",
        sql: include_str!("../migrations/0002_csat_and_reports.sql"),
    },
    Migration {
        version: 3,
        name: "claims",
        sql: include_str!("../migrations/0003_claims.sql"),
    },
    Migration {
        version: 4,
        name: "attachment_contents",
        sql: include_str!("../migrations/0004_attachment_contents.sql"),
    },
    // 0005 is unused: it was held for a feature that took another number.
    Migration {
        version: 6,
        name: "channels",
        sql: include_str!("../migrations/0006_channels.sql"),
    },
    Migration {
        version: 7,
        name: "webhooks",
        sql: include_str!("../migrations/0007_webhooks.sql"),
    },
    Migration {
        version: 8,
        name: "department_audience",
        sql: include_str!("../migrations/0008_department_audience.sql"),
    },
    Migration {
        version: 9,
        name: "operator_read_marks",
        sql: include_str!("../migrations/0009_operator_read_marks.sql"),
    },
    Migration {
        version: 10,
        name: "search",
        sql: include_str!("../migrations/0010_search.sql"),
    },
    Migration {
        version: 11,
        name: "canned_replies",
        sql: include_str!("../migrations/0011_canned_replies.sql"),
    },
    Migration {
        version: 12,
        name: "reports_by_department",
        sql: include_str!("../migrations/0012_reports_by_department.sql"),
    },
    Migration {
        version: 13,
        name: "callbacks",
        sql: include_str!("../migrations/0013_callbacks.sql"),
    },
    Migration {
        version: 14,
        name: "operator_accounts",
        sql: include_str!("../migrations/0014_operator_accounts.sql"),
    },
    Migration {
        version: 15,
        name: "settings",
        sql: include_str!("../migrations/0015_settings.sql"),
    },
];

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

/// Brings the database behind `client` up to the newest of `migrations`,
/// each newer one in its own transaction under the migration lock (so that
/// nodes starting together apply each once); a database newer than them is
/// refused untouched.
pub async fn migrate(
    client: &mut tokio_postgres::Client,
    migrations: &[Migration],
) -> hotline_store::StoreResult<Migrated> {
    let known = migrations.last().map_or(0, |m| m.version);
    let mut applied = Vec::new();
    loop {
        let tx = client.transaction().await.map_err(failed)?;
        tx.query_one("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(failed)?;
        tx.batch_execute(LEDGER).await.map_err(failed)?;
        let current: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )
            .await
            .map_err(failed)?
            .get(0);
        if current > known {
            return Err(newer(current, known));
        }
        let Some(next) = migrations.iter().find(|m| m.version > current) else {
            tx.commit().await.map_err(failed)?;
            return Ok(Migrated {
                applied,
                version: current,
            });
        };
        tx.batch_execute(next.sql).await.map_err(|e| {
            StoreError::Backend(format!(
                "migration {:04}_{} failed: {}",
                next.version,
                next.name,
                crate::db::describe(&e)
            ))
        })?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            &[
                &next.version,
                &next.name,
                &time::OffsetDateTime::now_utc().unix_timestamp(),
            ],
        )
        .await
        .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        tracing::info!(
            version = next.version,
            name = next.name,
            "database migrated"
        );
        applied.push(next.version);
    }
}

fn failed(e: tokio_postgres::Error) -> StoreError {
    StoreError::Backend(crate::db::describe(&e))
}

fn newer(version: i64, known: i64) -> StoreError {
    StoreError::Backend(format!(
        "the database has schema version {version}, newer than this Hotline ({known}); upgrade Hotline"
    ))
}
