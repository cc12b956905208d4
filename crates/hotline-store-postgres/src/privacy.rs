use crate::PostgresStore;
use crate::db::{Db, StoreResult};
use crate::queue::lock_routing;
use crate::rows::load_attachment;
use async_trait::async_trait;
use hotline_domain::{AttachmentId, CustomerId};
use hotline_store::privacy::{CustomerRecord, Erased};
use hotline_store::{PrivacyStore, StoreError};

fn strings(db: &Db<'_>, sql: &str, key: &str) -> StoreResult<Vec<String>> {
    db.query(sql, &[&key])?
        .iter()
        .map(|r| Ok(r.try_get(0)?))
        .collect()
}

fn rows(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// Removes conversations and what hangs off them; scrubs their events.
fn erase_conversations(db: &Db<'_>, ids: &[String], erased: &mut Erased) -> StoreResult<()> {
    let mut shas = Vec::new();
    for id in ids {
        let found = strings(
            db,
            "SELECT sha256 FROM attachments WHERE conversation_id = $1",
            id,
        )?;
        erased.attachments += found.len();
        shas.extend(found);
        db.execute("DELETE FROM attachments WHERE conversation_id = $1", &[id])?;
        erased.messages +=
            rows(db.execute("DELETE FROM messages WHERE conversation_id = $1", &[id])?);
        // Through the customer's index (the conversation row goes last).
        db.execute(
            "UPDATE events SET data = CASE kind
                 WHEN 'message.created' THEN data || jsonb_build_object('text', '', 'attachments', '[]'::jsonb)
                     || jsonb_build_object('author', COALESCE(data->'author', '{}'::jsonb) || '{\"name\": \"\"}'::jsonb)
                 ELSE data || jsonb_build_object('subject', '{\"kind\": \"general\"}'::jsonb)
                     || jsonb_build_object('customer', COALESCE(data->'customer', '{}'::jsonb) || '{\"name\": \"\"}'::jsonb)
             END
             WHERE customer_id = (SELECT customer_id FROM conversations WHERE id = $1)
               AND conversation_id = $1",
            &[id],
        )?;
        for table in [
            "DELETE FROM conversation_routing WHERE conversation_id = $1",
            "DELETE FROM queue_announcements WHERE conversation_id = $1",
            "DELETE FROM read_marks WHERE conversation_id = $1",
            "DELETE FROM operator_read_marks WHERE conversation_id = $1",
            // The bot's feedback rows quote the customer's question.
            "DELETE FROM kb_feedback WHERE conversation_id = $1",
        ] {
            db.execute(table, &[id])?;
        }
        erased.conversations += rows(db.execute("DELETE FROM conversations WHERE id = $1", &[id])?);
    }
    orphans(db, shas, erased)
}

fn orphans(db: &Db<'_>, mut shas: Vec<String>, erased: &mut Erased) -> StoreResult<()> {
    shas.sort();
    shas.dedup();
    for sha in shas {
        let used: bool = db
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 = $1)",
                &[&sha],
            )?
            .try_get(0)?;
        if !used {
            db.execute("DELETE FROM attachment_contents WHERE sha256 = $1", &[&sha])?;
            erased.orphaned_files.push(sha);
        }
    }
    Ok(())
}

/// Tables that hold text a customer wrote or that names them.
const TEXT_TABLES: &str = "messages, events, conversations, customers, customer_contexts, attachments, \
     attachment_contents, kb_feedback";

#[async_trait]
impl PrivacyStore for PostgresStore {
    async fn customer_record(
        &self,
        customer: &CustomerId,
    ) -> hotline_store::StoreResult<Option<CustomerRecord>> {
        let customer = customer.to_string();
        self.read(move |db| {
            let Some(row) = db.query_opt(
                "SELECT name, email, phone, tier FROM customers WHERE id = $1",
                &[&customer],
            )?
            else {
                return Ok(None);
            };
            let mut record = CustomerRecord {
                name: row.try_get(0)?,
                email: row.try_get(1)?,
                phone: row.try_get(2)?,
                tier: row.try_get(3)?,
                unsent_files: Vec::new(),
            };
            let unsent = strings(
                db,
                "SELECT id FROM attachments
                 WHERE uploader_kind = 'customer' AND uploader_id = $1 AND conversation_id IS NULL
                 ORDER BY id",
                &customer,
            )?;
            for id in unsent {
                if let Some(file) = load_attachment(db, &AttachmentId::from_raw(id))? {
                    record.unsent_files.push(file);
                }
            }
            Ok(Some(record))
        })
        .await
    }

    async fn erase_customer(&self, customer: &CustomerId) -> hotline_store::StoreResult<Erased> {
        let customer = customer.to_string();
        self.write(move |db, _| {
            // Their queued or assigned conversations leave the queues and
            // the operators' loads with them.
            lock_routing(db)?;
            let ids = strings(
                db,
                "SELECT id FROM conversations WHERE customer_id = $1 ORDER BY id FOR UPDATE",
                &customer,
            )?;
            let mut erased = Erased::default();
            erase_conversations(db, &ids, &mut erased)?;
            // Files uploaded but never sent.
            let unsent = strings(
                db,
                "SELECT sha256 FROM attachments
                 WHERE uploader_kind = 'customer' AND uploader_id = $1 AND conversation_id IS NULL",
                &customer,
            )?;
            erased.attachments += rows(db.execute(
                "DELETE FROM attachments
                 WHERE uploader_kind = 'customer' AND uploader_id = $1 AND conversation_id IS NULL",
                &[&customer],
            )?);
            orphans(db, unsent, &mut erased)?;
            // Their social chats, linked or as a guest, and what was owed to them.
            db.execute(
                "DELETE FROM channel_outbox WHERE (channel, chat_id) IN
                     (SELECT channel, chat_id FROM channel_chats
                      WHERE customer_id = $1 OR channel || ':' || chat_id = $1)",
                &[&customer],
            )?;
            db.execute(
                "DELETE FROM channel_chats WHERE customer_id = $1 OR channel || ':' || chat_id = $1",
                &[&customer],
            )?;
            db.execute(
                "DELETE FROM customer_contexts WHERE customer_id = $1",
                &[&customer],
            )?;
            db.execute("DELETE FROM customers WHERE id = $1", &[&customer])?;
            Ok(erased)
        })
        .await
    }

    /// PostgreSQL keeps dead rows until VACUUM frees them; this runs it
    /// over the tables that hold customers' text. (Its write-ahead log is
    /// recycled by the server's own checkpoints: `CHECKPOINT` needs a role
    /// Hotline should not have.)
    async fn checkpoint(&self) -> hotline_store::StoreResult<bool> {
        let client = self.pool.get().await.map_err(StoreError::backend)?;
        // VACUUM cannot run inside a transaction block.
        match client.batch_execute(&format!("VACUUM {TEXT_TABLES}")).await {
            Ok(()) => Ok(true),
            Err(e) => {
                tracing::warn!(error = %e, "vacuum after an erasure failed");
                Ok(false)
            }
        }
    }

    async fn delete_resolved_before(&self, before_unix: i64) -> hotline_store::StoreResult<Erased> {
        let before_micros = before_unix.saturating_mul(1_000_000);
        self.write(move |db, _| {
            lock_routing(db)?;
            let ids: Vec<String> = db
                .query(
                    "SELECT id FROM conversations WHERE status = 'resolved' AND updated_at < $1
                     ORDER BY id FOR UPDATE",
                    &[&before_micros],
                )?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<Result<_, _>>()?;
            let mut erased = Erased::default();
            erase_conversations(db, &ids, &mut erased)?;
            Ok(erased)
        })
        .await
    }
}
