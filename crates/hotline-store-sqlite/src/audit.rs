use super::SqliteStore;
use crate::error::StoreResult;
use async_trait::async_trait;
use hotline_store::AuditStore;
use hotline_store::audit::{AuditEntry, GENESIS_HASH, NewAuditEntry};
use rusqlite::{OptionalExtension, params};

#[async_trait]
impl AuditStore for SqliteStore {
    async fn append_audit(&self, entry: NewAuditEntry) -> hotline_store::StoreResult<AuditEntry> {
        self.write(move |conn, _| {
            let last: Option<(i64, String)> = conn
                .prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")?
                .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let (seq, prev_hash) = match last {
                Some((seq, hash)) => (seq + 1, hash),
                None => (1, GENESIS_HASH.to_owned()),
            };
            let at_ms = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
            let entry = AuditEntry::chained(entry, seq, at_ms, prev_hash);
            conn.prepare_cached(
                "INSERT INTO audit_log (seq, at_ms, actor_kind, actor_id, action, target, details, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                entry.seq,
                entry.at_ms,
                entry.actor_kind,
                entry.actor_id,
                entry.action,
                entry.target,
                entry.details.to_string(),
                entry.prev_hash,
                entry.hash
            ])?;
            Ok(entry)
        })
        .await
    }

    async fn audit_entries(
        &self,
        after: i64,
        limit: usize,
    ) -> hotline_store::StoreResult<Vec<AuditEntry>> {
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT seq, at_ms, actor_kind, actor_id, action, target, details, prev_hash, hash
                 FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )?;
            read_entries(statement.query(params![after, limit as i64])?)
        })
        .await
    }

    async fn last_audit_of(&self, action: &str) -> hotline_store::StoreResult<Option<AuditEntry>> {
        let action = action.to_owned();
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT seq, at_ms, actor_kind, actor_id, action, target, details, prev_hash, hash
                 FROM audit_log WHERE action = ?1 ORDER BY seq DESC LIMIT 1",
            )?;
            Ok(read_entries(statement.query(params![action])?)?.pop())
        })
        .await
    }
}

fn read_entries(rows: rusqlite::Rows<'_>) -> StoreResult<Vec<AuditEntry>> {
    rows.mapped(|r| {
        Ok((
            AuditEntry {
                seq: r.get(0)?,
                at_ms: r.get(1)?,
                actor_kind: r.get(2)?,
                actor_id: r.get(3)?,
                action: r.get(4)?,
                target: r.get(5)?,
                details: serde_json::Value::Null,
                prev_hash: r.get(7)?,
                hash: r.get(8)?,
            },
            r.get::<_, String>(6)?,
        ))
    })
    .map(|row| {
        let (mut entry, details) = row?;
        // Kept as text exactly as hashed; a row whose details no longer
        // parse is shown as a string so `verify` reports it.
        entry.details =
            serde_json::from_str(&details).unwrap_or(serde_json::Value::String(details));
        Ok(entry)
    })
    .collect()
}
