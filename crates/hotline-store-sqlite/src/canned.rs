use super::SqliteStore;
use super::rows::{from_micros, micros, parse_department};
use crate::error::StoreResult;
use async_trait::async_trait;
use hotline_domain::OperatorId;
use hotline_store::{CannedReplyStore, StoredCannedReply};
use rusqlite::{Connection, OptionalExtension, Row, params};

const COLUMNS: &str = "id, department, title, text, deleted, updated_by, updated_at";

fn read_row(r: &Row<'_>) -> rusqlite::Result<(String, String, String, String, bool, String, i64)> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn into_reply(
    (id, department, title, text, deleted, updated_by, updated_at): (
        String,
        String,
        String,
        String,
        bool,
        String,
        i64,
    ),
) -> StoreResult<StoredCannedReply> {
    Ok(StoredCannedReply {
        id,
        department: parse_department(department)?,
        title,
        text,
        deleted,
        updated_by: OperatorId::from_raw(updated_by),
        updated_at: from_micros(updated_at)?,
    })
}

fn load(conn: &Connection, id: &str) -> StoreResult<Option<StoredCannedReply>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM canned_replies WHERE id = ?1"
    ))?
    .query_row(params![id], read_row)
    .optional()?
    .map(into_reply)
    .transpose()
}

#[async_trait]
impl CannedReplyStore for SqliteStore {
    async fn stored_canned_replies(&self) -> hotline_store::StoreResult<Vec<StoredCannedReply>> {
        self.read(|conn| {
            conn.prepare_cached(&format!("SELECT {COLUMNS} FROM canned_replies ORDER BY id"))?
                .query_map([], read_row)?
                .map(|row| into_reply(row?))
                .collect()
        })
        .await
    }

    async fn save_canned_reply(
        &self,
        reply: StoredCannedReply,
    ) -> hotline_store::StoreResult<Option<StoredCannedReply>> {
        self.write(move |conn, _| {
            let before = load(conn, &reply.id)?;
            conn.prepare_cached(
                "INSERT INTO canned_replies (id, department, title, text, deleted, updated_by, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET department = excluded.department,
                     title = excluded.title, text = excluded.text, deleted = excluded.deleted,
                     updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            )?
            .execute(params![
                reply.id,
                reply.department.as_str(),
                reply.title,
                reply.text,
                reply.deleted,
                reply.updated_by.as_str(),
                micros(reply.updated_at),
            ])?;
            Ok(before)
        })
        .await
    }
}
