use crate::PostgresStore;
use crate::db::{Db, StoreResult};
use crate::rows::{from_micros, micros, parse_department};
use async_trait::async_trait;
use hotline_domain::OperatorId;
use hotline_store::{CannedReplyStore, StoredCannedReply};
use tokio_postgres::Row;

const COLUMNS: &str = "id, department, title, text, deleted, updated_by, updated_at";

fn read_reply(r: &Row) -> StoreResult<StoredCannedReply> {
    Ok(StoredCannedReply {
        id: r.try_get(0)?,
        department: parse_department(r.try_get(1)?)?,
        title: r.try_get(2)?,
        text: r.try_get(3)?,
        deleted: r.try_get(4)?,
        updated_by: OperatorId::from_raw(r.try_get::<_, String>(5)?),
        updated_at: from_micros(r.try_get(6)?)?,
    })
}

fn load_for_update(db: &Db<'_>, id: &str) -> StoreResult<Option<StoredCannedReply>> {
    db.query_opt(
        &format!("SELECT {COLUMNS} FROM canned_replies WHERE id = $1 FOR UPDATE"),
        &[&id],
    )?
    .map(|r| read_reply(&r))
    .transpose()
}

#[async_trait]
impl CannedReplyStore for PostgresStore {
    async fn stored_canned_replies(&self) -> hotline_store::StoreResult<Vec<StoredCannedReply>> {
        self.read(|db| {
            db.query(
                &format!("SELECT {COLUMNS} FROM canned_replies ORDER BY id"),
                &[],
            )?
            .iter()
            .map(read_reply)
            .collect()
        })
        .await
    }

    async fn save_canned_reply(
        &self,
        reply: StoredCannedReply,
    ) -> hotline_store::StoreResult<Option<StoredCannedReply>> {
        self.write(move |db, _| {
            let before = load_for_update(db, &reply.id)?;
            db.execute(
                "INSERT INTO canned_replies (id, department, title, text, deleted, updated_by, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (id) DO UPDATE SET department = excluded.department,
                     title = excluded.title, text = excluded.text, deleted = excluded.deleted,
                     updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                &[
                    &reply.id,
                    &reply.department.as_str(),
                    &reply.title,
                    &reply.text,
                    &reply.deleted,
                    &reply.updated_by.as_str(),
                    &micros(reply.updated_at),
                ],
            )?;
            Ok(before)
        })
        .await
    }
}
