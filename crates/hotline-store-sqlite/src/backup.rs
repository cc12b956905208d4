//! Copies of the database file taken while it is served, their checks, and
//! what a restored copy needs before it is served again.

use crate::error::StoreResult;
use crate::migrations::MIGRATIONS;
use hotline_store::StoreError;
use rusqlite::{Connection, OpenFlags, params};
use std::path::Path;

/// What a database file holds, as read by [`inspect`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    pub schema_version: i64,
    pub log_id: String,
    pub conversations: i64,
    pub messages: i64,
    pub events: i64,
    pub audit_entries: i64,
}

/// Writes a consistent copy of the database at `source` to `dest`, which
/// must not exist, while the server keeps writing. `VACUUM INTO` copies one
/// read snapshot, which in WAL mode holds no writer up, and leaves the copy
/// compact and without a WAL of its own.
pub fn backup(source: &Path, dest: &Path) -> hotline_store::StoreResult<()> {
    Ok(vacuum_into(source, dest)?)
}

fn vacuum_into(source: &Path, dest: &Path) -> StoreResult<()> {
    if dest.exists() {
        return Err(StoreError::Backend(format!(
            "{} already exists; back up into a new file",
            dest.display()
        ))
        .into());
    }
    let conn = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    let dest = dest
        .to_str()
        .ok_or_else(|| StoreError::Backend(format!("{} is not a UTF-8 path", dest.display())))?;
    conn.execute("VACUUM INTO ?1", params![dest])?;
    Ok(())
}

/// Checks that `path` is a sound Hotline database this release can open
/// (SQLite's integrity check, the schema ledger, the event log's id) and
/// counts what it holds. Opens the file read-only: nothing is changed.
pub fn inspect(path: &Path) -> hotline_store::StoreResult<Contents> {
    Ok(read_contents(path)?)
}

fn read_contents(path: &Path) -> StoreResult<Contents> {
    if !path.is_file() {
        return Err(StoreError::Backend(format!("{} is not a file", path.display())).into());
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| not_a_database(path, &e))?;
    if integrity != "ok" {
        return Err(
            StoreError::Backend(format!("{} is damaged: {integrity}", path.display())).into(),
        );
    }
    let schema_version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let newest = MIGRATIONS.last().map_or(0, |m| m.version);
    if schema_version > newest {
        return Err(StoreError::Backend(format!(
            "{} has schema version {schema_version}, newer than this Hotline's {newest}: restore it with a newer release",
            path.display()
        ))
        .into());
    }
    let log_id: String = conn
        .query_row("SELECT value FROM meta WHERE key = 'log_id'", [], |r| {
            r.get(0)
        })
        .map_err(|e| not_a_database(path, &e))?;
    let count = |table: &str| -> StoreResult<i64> {
        Ok(conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?)
    };
    Ok(Contents {
        schema_version,
        log_id,
        conversations: count("conversations")?,
        messages: count("messages")?,
        events: count("events")?,
        audit_entries: count("audit_log")?,
    })
}

fn not_a_database(path: &Path, error: &rusqlite::Error) -> crate::error::Error {
    StoreError::Backend(format!(
        "{} is not a Hotline database ({error})",
        path.display()
    ))
    .into()
}

/// Gives a restored copy a new event-log id. Its positions go on from where
/// the copy ends, so the positions after it would name other events than
/// the ones clients saw before; with a new id their cursors read as foreign
/// and they reload instead of skipping events.
pub fn renew_log_id(path: &Path) -> hotline_store::StoreResult<String> {
    Ok(write_log_id(path)?)
}

fn write_log_id(path: &Path) -> StoreResult<String> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    let log_id = uuid::Uuid::new_v4().simple().to_string();
    let changed = conn.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'log_id'",
        params![log_id],
    )?;
    if changed != 1 {
        return Err(not_a_database(path, &rusqlite::Error::QueryReturnedNoRows));
    }
    Ok(log_id)
}

/// Folds the WAL of the database at `path` into the file, so the file alone
/// holds every commit (before it is moved aside). Only when no server has
/// it open.
pub fn checkpoint(path: &Path) -> hotline_store::StoreResult<()> {
    Ok(fold_wal(path)?)
}

fn fold_wal(path: &Path) -> StoreResult<()> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let (busy, _, _): (i64, i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    if busy != 0 {
        return Err(StoreError::Backend(format!(
            "{} is in use: stop the server using it first",
            path.display()
        ))
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_file_that_is_not_a_database_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hotline.db");
        std::fs::write(&path, b"not a database at all, just some bytes").unwrap();
        let error = inspect(&path).unwrap_err().to_string();
        assert!(error.contains("not a Hotline database"), "{error}");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"not a database at all, just some bytes"
        );
        let missing = inspect(&dir.path().join("missing.db")).unwrap_err();
        assert!(missing.to_string().contains("is not a file"), "{missing}");
    }
}
