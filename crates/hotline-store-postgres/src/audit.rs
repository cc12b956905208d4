use crate::PostgresStore;
use crate::db::StoreResult;
use async_trait::async_trait;
use hotline_store::AuditStore;
use hotline_store::audit::{AuditEntry, GENESIS_HASH, NewAuditEntry};
use tokio_postgres::Row;

/// The audit log's stream in `stream_heads`: its row lock orders appends
/// from every node, so each entry chains to the one committed before it.
const AUDIT_STREAM: &str = "audit";

#[async_trait]
impl AuditStore for PostgresStore {
    async fn append_audit(&self, entry: NewAuditEntry) -> hotline_store::StoreResult<AuditEntry> {
        self.write(move |db, _| {
            let seq: i64 = db
                .query_one(
                    "UPDATE stream_heads SET head = head + 1 WHERE stream = $1 RETURNING head",
                    &[&AUDIT_STREAM],
                )?
                .try_get(0)?;
            let prev_hash = match db.query_opt("SELECT hash FROM audit_log WHERE seq = $1", &[&(seq - 1)])? {
                Some(row) => row.try_get(0)?,
                None => GENESIS_HASH.to_owned(),
            };
            let at_ms = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
            let entry = AuditEntry::chained(entry.clone(), seq, at_ms, prev_hash);
            db.execute(
                "INSERT INTO audit_log (seq, at_ms, actor_kind, actor_id, action, target, details, prev_hash, hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    &entry.seq,
                    &entry.at_ms,
                    &entry.actor_kind,
                    &entry.actor_id,
                    &entry.action,
                    &entry.target,
                    &entry.details.to_string(),
                    &entry.prev_hash,
                    &entry.hash,
                ],
            )?;
            Ok(entry)
        })
        .await
    }

    async fn audit_entries(
        &self,
        after: i64,
        limit: usize,
    ) -> hotline_store::StoreResult<Vec<AuditEntry>> {
        self.read(move |db| {
            db.query(
                "SELECT seq, at_ms, actor_kind, actor_id, action, target, details, prev_hash, hash
                 FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                &[&after, &(limit as i64)],
            )?
            .iter()
            .map(read_entry)
            .collect()
        })
        .await
    }

    async fn last_audit_of(&self, action: &str) -> hotline_store::StoreResult<Option<AuditEntry>> {
        let action = action.to_owned();
        self.read(move |db| {
            db.query_opt(
                "SELECT seq, at_ms, actor_kind, actor_id, action, target, details, prev_hash, hash
                 FROM audit_log WHERE action = $1 ORDER BY seq DESC LIMIT 1",
                &[&action],
            )?
            .as_ref()
            .map(read_entry)
            .transpose()
        })
        .await
    }
}

fn read_entry(r: &Row) -> StoreResult<AuditEntry> {
    let details: String = r.try_get(6)?;
    Ok(AuditEntry {
        seq: r.try_get(0)?,
        at_ms: r.try_get(1)?,
        actor_kind: r.try_get(2)?,
        actor_id: r.try_get(3)?,
        action: r.try_get(4)?,
        target: r.try_get(5)?,
        // Kept as text exactly as hashed; a row whose details no longer
        // parse is shown as a string so `verify` reports it.
        details: serde_json::from_str(&details).unwrap_or(serde_json::Value::String(details)),
        prev_hash: r.try_get(7)?,
        hash: r.try_get(8)?,
    })
}
