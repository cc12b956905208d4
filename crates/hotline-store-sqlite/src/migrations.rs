//! Schema migrations: SQL files in `migrations/`, applied in order, each in
//! its own transaction, and recorded in `schema_migrations`.
//!
//! A file, once released, is never edited: a later change is a new file
//! with the next number. `PRAGMA user_version` mirrors the newest applied
//! version, so that a Hotline older than the database refuses to open it
//! (releases before migrations checked only that).

use crate::error::StoreResult;
use hotline_store::StoreError;
use rusqlite::{Connection, params};

pub use hotline_store::Migration;

/// Every migration, oldest first.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("migrations/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "csat_and_reports",
        sql: include_str!("migrations/0002_csat_and_reports.sql"),
    },
    Migration {
        version: 3,
        name: "claims",
        sql: include_str!("migrations/0003_claims.sql"),
    },
    // 0005 is unused: it was held for a feature that took another number.
    Migration {
        version: 6,
        name: "channels",
        sql: include_str!("migrations/0006_channels.sql"),
    },
    Migration {
        version: 7,
        name: "webhooks",
        sql: include_str!("migrations/0007_webhooks.sql"),
    },
    Migration {
        version: 8,
        name: "department_audience",
        sql: include_str!("migrations/0008_department_audience.sql"),
    },
    Migration {
        version: 9,
        name: "operator_read_marks",
        sql: include_str!("migrations/0009_operator_read_marks.sql"),
    },
    Migration {
        version: 10,
        name: "search",
        sql: include_str!("migrations/0010_search.sql"),
    },
    Migration {
        version: 11,
        name: "canned_replies",
        sql: include_str!("migrations/0011_canned_replies.sql"),
    },
    Migration {
        version: 12,
        name: "reports_by_department",
        sql: include_str!("migrations/0012_reports_by_department.sql"),
    },
    Migration {
        version: 13,
        name: "callbacks",
        sql: include_str!("migrations/0013_callbacks.sql"),
    },
    Migration {
        version: 14,
        name: "operator_accounts",
        sql: include_str!("migrations/0014_operator_accounts.sql"),
    },
    Migration {
        version: 15,
        name: "settings",
        sql: include_str!("migrations/0015_settings.sql"),
    },
];

const LEDGER: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL
)";

/// What [`migrate`] found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    /// Versions applied by this call, oldest first.
    pub applied: Vec<i64>,
    /// The database's version now.
    pub version: i64,
}

/// Brings the database up to the newest of `migrations`; a database newer
/// than them is refused untouched.
pub fn migrate(conn: &mut Connection, migrations: &[Migration]) -> StoreResult<Migrated> {
    let known = migrations.last().map_or(0, |m| m.version);
    let user_version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if user_version > known {
        return Err(newer(user_version, known).into());
    }
    let tx = conn.transaction()?;
    tx.execute_batch(LEDGER)?;
    let recorded: i64 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    if recorded == 0 && user_version > 0 {
        // Written by a release before the ledger: its schema is that of the
        // migrations up to `user_version`, which were never recorded.
        for m in migrations.iter().filter(|m| m.version <= user_version) {
            record(&tx, m)?;
        }
    }
    tx.commit()?;
    let current = recorded.max(user_version);
    if current > known {
        return Err(newer(current, known).into());
    }
    let mut applied = Vec::new();
    for m in migrations.iter().filter(|m| m.version > current) {
        let tx = conn.transaction()?;
        tx.execute_batch(m.sql).map_err(|e| {
            StoreError::Backend(format!("migration {:04}_{} failed: {e}", m.version, m.name))
        })?;
        record(&tx, m)?;
        tx.pragma_update(None, "user_version", m.version)?;
        tx.commit()?;
        tracing::info!(version = m.version, name = m.name, "database migrated");
        applied.push(m.version);
    }
    Ok(Migrated {
        applied,
        version: known.max(current),
    })
}

fn record(tx: &rusqlite::Transaction<'_>, m: &Migration) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
        params![
            m.version,
            m.name,
            time::OffsetDateTime::now_utc().unix_timestamp()
        ],
    )?;
    Ok(())
}

fn newer(version: i64, known: i64) -> StoreError {
    StoreError::Backend(format!(
        "the database has schema version {version}, newer than this Hotline ({known}); upgrade Hotline"
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const NOTES: Migration = Migration {
        version: 2,
        name: "notes",
        sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
    };

    fn ledger(conn: &Connection) -> Vec<(i64, String)> {
        let mut statement = conn
            .prepare("SELECT version, name FROM schema_migrations ORDER BY version")
            .unwrap();
        statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn applies_each_migration_once_in_order_and_records_it() {
        let mut conn = Connection::open_in_memory().unwrap();
        let first = migrate(&mut conn, &MIGRATIONS[..1]).unwrap();
        assert_eq!(first.applied, [1]);
        let again = migrate(&mut conn, &MIGRATIONS[..1]).unwrap();
        assert!(again.applied.is_empty());

        let later = [MIGRATIONS[0], NOTES];
        let upgraded = migrate(&mut conn, &later).unwrap();
        assert_eq!((upgraded.applied, upgraded.version), (vec![2], 2));
        assert_eq!(ledger(&conn), [(1, "init".into()), (2, "notes".into())]);
        conn.execute("INSERT INTO notes (body) VALUES ('x')", [])
            .unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 2);

        // An older Hotline refuses the newer database and changes nothing.
        let refused = migrate(&mut conn, &MIGRATIONS[..1]).unwrap_err();
        assert!(refused.to_string().contains("newer than this Hotline"));
        assert_eq!(ledger(&conn).len(), 2);
    }

    #[test]
    fn a_failing_migration_leaves_the_database_as_it_was() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, &MIGRATIONS[..1]).unwrap();
        let broken = Migration {
            version: 2,
            name: "broken",
            sql: "CREATE TABLE half (id INTEGER); INSERT INTO nowhere VALUES (1);",
        };
        let error = migrate(&mut conn, &[MIGRATIONS[0], broken]).unwrap_err();
        assert!(error.to_string().contains("0002_broken"), "{error}");
        assert_eq!(ledger(&conn), [(1, "init".into())]);
        let half: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(half, 0);
    }
}
