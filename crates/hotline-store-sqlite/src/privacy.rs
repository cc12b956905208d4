use super::SqliteStore;
use crate::error::StoreResult;
use crate::rows::load_attachment;
use async_trait::async_trait;
use hotline_domain::AttachmentId;
use hotline_domain::CustomerId;
use hotline_store::PrivacyStore;
use hotline_store::privacy::{CustomerRecord, Erased};
use rusqlite::{Connection, OptionalExtension, params};

/// Removes conversations and what hangs off them; scrubs their events.
fn erase_conversations(conn: &Connection, ids: &[String], erased: &mut Erased) -> StoreResult<()> {
    let mut shas = Vec::new();
    for id in ids {
        let mut select =
            conn.prepare_cached("SELECT sha256 FROM attachments WHERE conversation_id = ?1")?;
        let found = select
            .query_map(params![id], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        erased.attachments += found.len();
        shas.extend(found);
        conn.prepare_cached("DELETE FROM attachments WHERE conversation_id = ?1")?
            .execute(params![id])?;
        erased.messages += conn
            .prepare_cached("DELETE FROM messages WHERE conversation_id = ?1")?
            .execute(params![id])?;
        // Through the customer's index (the conversation row goes last):
        // events has none by conversation.
        conn.prepare_cached(
            "UPDATE events SET data = CASE kind
                 WHEN 'message.created' THEN json_set(data, '$.text', '', '$.author.name', '', '$.attachments', json('[]'))
                 ELSE json_set(data, '$.customer.name', '', '$.subject', json('{\"kind\":\"general\"}'))
             END
             WHERE customer_id = (SELECT customer_id FROM conversations WHERE id = ?1)
               AND conversation_id = ?1",
        )?
        .execute(params![id])?;
        conn.prepare_cached("DELETE FROM conversation_routing WHERE conversation_id = ?1")?
            .execute(params![id])?;
        conn.prepare_cached("DELETE FROM read_marks WHERE conversation_id = ?1")?
            .execute(params![id])?;
        conn.prepare_cached("DELETE FROM operator_read_marks WHERE conversation_id = ?1")?
            .execute(params![id])?;
        // The bot's feedback rows quote the customer's question.
        conn.prepare_cached("DELETE FROM kb_feedback WHERE conversation_id = ?1")?
            .execute(params![id])?;
        erased.conversations += conn
            .prepare_cached("DELETE FROM conversations WHERE id = ?1")?
            .execute(params![id])?;
    }
    orphans(conn, shas, erased)
}

fn orphans(conn: &Connection, mut shas: Vec<String>, erased: &mut Erased) -> StoreResult<()> {
    shas.sort();
    shas.dedup();
    let mut still_used =
        conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?1)")?;
    for sha in shas {
        if !still_used.query_row(params![sha], |r| r.get::<_, bool>(0))? {
            erased.orphaned_files.push(sha);
        }
    }
    Ok(())
}

#[async_trait]
impl PrivacyStore for SqliteStore {
    async fn customer_record(
        &self,
        customer: &CustomerId,
    ) -> hotline_store::StoreResult<Option<CustomerRecord>> {
        let customer = customer.to_string();
        self.read(move |conn| {
            let Some(mut record) = conn
                .prepare_cached("SELECT name, email, phone, tier FROM customers WHERE id = ?1")?
                .query_row(params![customer], |r| {
                    Ok(CustomerRecord {
                        name: r.get(0)?,
                        email: r.get(1)?,
                        phone: r.get(2)?,
                        tier: r.get(3)?,
                        unsent_files: Vec::new(),
                    })
                })
                .optional()?
            else {
                return Ok(None);
            };
            let unsent = conn
                .prepare_cached(
                    "SELECT id FROM attachments
                     WHERE uploader_kind = 'customer' AND uploader_id = ?1 AND conversation_id IS NULL
                     ORDER BY id",
                )?
                .query_map(params![customer], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            for id in unsent {
                if let Some(file) = load_attachment(conn, &AttachmentId::from_raw(id))? {
                    record.unsent_files.push(file);
                }
            }
            Ok(Some(record))
        })
        .await
    }

    async fn erase_customer(&self, customer: &CustomerId) -> hotline_store::StoreResult<Erased> {
        let customer = customer.to_string();
        let queue = self.queue.clone();
        self.write(move |conn, _| {
            let ids = conn
                .prepare_cached("SELECT id FROM conversations WHERE customer_id = ?1")?
                .query_map(params![customer], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            let mut erased = Erased::default();
            erase_conversations(conn, &ids, &mut erased)?;
            // Files uploaded but never sent.
            let unsent = conn
                .prepare_cached(
                    "SELECT sha256 FROM attachments
                     WHERE uploader_kind = 'customer' AND uploader_id = ?1 AND conversation_id IS NULL",
                )?
                .query_map(params![customer], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            erased.attachments += conn
                .prepare_cached(
                    "DELETE FROM attachments
                     WHERE uploader_kind = 'customer' AND uploader_id = ?1 AND conversation_id IS NULL",
                )?
                .execute(params![customer])?;
            orphans(conn, unsent, &mut erased)?;
            // Their social chats, linked or as a guest, and what was owed to them.
            conn.prepare_cached(
                "DELETE FROM channel_outbox WHERE (channel, chat_id) IN
                     (SELECT channel, chat_id FROM channel_chats
                      WHERE customer_id = ?1 OR channel || ':' || chat_id = ?1)",
            )?
            .execute(params![customer])?;
            conn.prepare_cached(
                "DELETE FROM channel_chats WHERE customer_id = ?1 OR channel || ':' || chat_id = ?1",
            )?
            .execute(params![customer])?;
            conn.prepare_cached("DELETE FROM customer_contexts WHERE customer_id = ?1")?
                .execute(params![customer])?;
            conn.prepare_cached("DELETE FROM customers WHERE id = ?1")?
                .execute(params![customer])?;
            // Their queued or assigned conversations are gone: routing must
            // not keep them in the queue or in an operator's load.
            if !ids.is_empty() {
                queue.reload(conn)?;
            }
            Ok(erased)
        })
        .await
    }

    async fn checkpoint(&self) -> hotline_store::StoreResult<bool> {
        self.read(|conn| {
            let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
            Ok(busy == 0)
        })
        .await
    }

    async fn delete_resolved_before(&self, before_unix: i64) -> hotline_store::StoreResult<Erased> {
        let before_micros = before_unix.saturating_mul(1_000_000);
        self.write(move |conn, _| {
            let ids = conn
                .prepare_cached(
                    "SELECT id FROM conversations WHERE status = 'resolved' AND updated_at < ?1",
                )?
                .query_map(params![before_micros], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            let mut erased = Erased::default();
            erase_conversations(conn, &ids, &mut erased)?;
            Ok(erased)
        })
        .await
    }
}
