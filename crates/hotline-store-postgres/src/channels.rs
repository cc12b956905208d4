//! The social channels in PostgreSQL (migration 0006). Several nodes lease
//! outbox rows at once: `FOR UPDATE SKIP LOCKED` gives each row to one.

use crate::PostgresStore;
use crate::db::{Db, StoreResult};
use crate::rows::{from_micros, micros, now_micros};
use async_trait::async_trait;
use hotline_domain::{
    Channel, ConversationId, CustomerId, CustomerIdentity, EventPosition, SocialChat, Timestamp,
};
use hotline_store::channels::{
    ChatRecord, ChatRow, NewLinkCode, NewOutbound, Outbound, OutboundRow, chat_of,
};
use hotline_store::{ChannelStore, StoreError};
use tokio_postgres::Row;

const CHAT_COLUMNS: &str = "channel, chat_id, display_name, customer_id, customer_name, \
     customer_email, customer_phone, customer_tier, linked_at, conversation_id";

fn chat_row(r: &Row) -> StoreResult<ChatRecord> {
    Ok(ChatRow {
        channel: r.try_get(0)?,
        chat_id: r.try_get(1)?,
        display_name: r.try_get(2)?,
        customer_id: r.try_get(3)?,
        customer_name: r.try_get(4)?,
        customer_email: r.try_get(5)?,
        customer_phone: r.try_get(6)?,
        customer_tier: r.try_get(7)?,
        linked_at: r.try_get(8)?,
        conversation_id: r.try_get(9)?,
    }
    .into_record()?)
}

fn load_chat(db: &Db<'_>, chat: &SocialChat) -> StoreResult<Option<ChatRecord>> {
    db.query_opt(
        &format!("SELECT {CHAT_COLUMNS} FROM channel_chats WHERE channel = $1 AND chat_id = $2"),
        &[&chat.channel.as_str(), &chat.chat_id],
    )?
    .map(|r| chat_row(&r))
    .transpose()
}

#[async_trait]
impl ChannelStore for PostgresStore {
    async fn touch_chat(
        &self,
        chat: &SocialChat,
        display_name: &str,
    ) -> hotline_store::StoreResult<ChatRecord> {
        let (chat, name) = (chat.clone(), display_name.to_owned());
        self.write(move |db, _| {
            db.execute(
                "INSERT INTO channel_chats (channel, chat_id, display_name, created_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (channel, chat_id) DO UPDATE SET display_name = excluded.display_name
                 WHERE channel_chats.display_name IS DISTINCT FROM excluded.display_name",
                &[&chat.channel.as_str(), &chat.chat_id, &name, &now_micros()],
            )?;
            load_chat(db, &chat)?.ok_or_else(|| StoreError::NotFound.into())
        })
        .await
    }

    async fn chat(&self, chat: &SocialChat) -> hotline_store::StoreResult<Option<ChatRecord>> {
        let chat = chat.clone();
        self.read(move |db| load_chat(db, &chat)).await
    }

    async fn attach_conversation(
        &self,
        chat: &SocialChat,
        conversation: &ConversationId,
    ) -> hotline_store::StoreResult<()> {
        let (chat, conversation) = (chat.clone(), conversation.to_string());
        self.write(move |db, _| {
            let changed = db.execute(
                "UPDATE channel_chats SET conversation_id = $3 WHERE channel = $1 AND chat_id = $2",
                &[&chat.channel.as_str(), &chat.chat_id, &conversation],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound.into());
            }
            db.execute(
                "INSERT INTO channel_conversations (conversation_id, channel, chat_id)
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&conversation, &chat.channel.as_str(), &chat.chat_id],
            )?;
            Ok(())
        })
        .await
    }

    async fn conversation_chats(
        &self,
        conversation: &ConversationId,
    ) -> hotline_store::StoreResult<Vec<SocialChat>> {
        let conversation = conversation.to_string();
        self.read(move |db| {
            db.query(
                "SELECT channel, chat_id FROM channel_conversations WHERE conversation_id = $1
                 ORDER BY channel, chat_id",
                &[&conversation],
            )?
            .iter()
            .map(|r| {
                let channel: String = r.try_get(0)?;
                Ok(chat_of(&channel, r.try_get(1)?)?)
            })
            .collect()
        })
        .await
    }

    async fn create_link_code(&self, code: NewLinkCode) -> hotline_store::StoreResult<()> {
        self.write(move |db, _| {
            let channel = code.chat.channel.as_str();
            db.execute(
                "DELETE FROM channel_link_codes WHERE channel = $1 AND chat_id = $2",
                &[&channel, &code.chat.chat_id],
            )?;
            db.execute(
                "INSERT INTO channel_link_codes (code_sha256, channel, chat_id, expires_at)
                 VALUES ($1, $2, $3, $4)",
                &[
                    &code.code_sha256,
                    &channel,
                    &code.chat.chat_id,
                    &micros(code.expires_at),
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn link_chat(
        &self,
        code_sha256: &str,
        customer: &CustomerIdentity,
        now: Timestamp,
    ) -> hotline_store::StoreResult<Option<SocialChat>> {
        let (code, customer) = (code_sha256.to_owned(), customer.clone());
        self.write(move |db, _| {
            let Some(found) = db.query_opt(
                "DELETE FROM channel_link_codes WHERE code_sha256 = $1 RETURNING channel, chat_id, expires_at",
                &[&code],
            )?
            else {
                return Ok(None);
            };
            let (channel, chat_id, expires_at): (String, String, i64) =
                (found.try_get(0)?, found.try_get(1)?, found.try_get(2)?);
            if from_micros(expires_at)? <= now {
                return Ok(None);
            }
            db.execute(
                "UPDATE channel_chats SET customer_id = $3, customer_name = $4, customer_email = $5,
                     customer_phone = $6, customer_tier = $7, linked_at = $8, conversation_id = NULL
                 WHERE channel = $1 AND chat_id = $2",
                &[
                    &channel,
                    &chat_id,
                    &customer.id.as_str(),
                    &customer.name,
                    &customer.email,
                    &customer.phone,
                    &customer.tier,
                    &micros(now),
                ],
            )?;
            Ok(Some(chat_of(&channel, chat_id)?))
        })
        .await
    }

    async fn unlink_chat(
        &self,
        chat: &SocialChat,
        customer: &CustomerId,
    ) -> hotline_store::StoreResult<bool> {
        let (chat, customer) = (chat.clone(), customer.to_string());
        self.write(move |db, _| {
            let changed = db.execute(
                "UPDATE channel_chats SET customer_id = NULL, customer_name = NULL, customer_email = NULL,
                     customer_phone = NULL, customer_tier = NULL, linked_at = NULL, conversation_id = NULL
                 WHERE channel = $1 AND chat_id = $2 AND customer_id = $3",
                &[&chat.channel.as_str(), &chat.chat_id, &customer],
            )?;
            Ok(changed > 0)
        })
        .await
    }

    async fn linked_chats(
        &self,
        customer: &CustomerId,
    ) -> hotline_store::StoreResult<Vec<ChatRecord>> {
        let customer = customer.to_string();
        self.read(move |db| {
            db.query(
                &format!(
                    "SELECT {CHAT_COLUMNS} FROM channel_chats WHERE customer_id = $1 ORDER BY channel, chat_id"
                ),
                &[&customer],
            )?
            .iter()
            .map(chat_row)
            .collect()
        })
        .await
    }

    async fn inbound_seen(
        &self,
        channel: Channel,
        event_id: &str,
    ) -> hotline_store::StoreResult<bool> {
        let event_id = event_id.to_owned();
        self.read(move |db| {
            Ok(db
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM channel_inbound WHERE channel = $1 AND event_id = $2)",
                    &[&channel.as_str(), &event_id],
                )?
                .try_get(0)?)
        })
        .await
    }

    async fn record_inbound(
        &self,
        channel: Channel,
        event_id: &str,
        now: Timestamp,
    ) -> hotline_store::StoreResult<bool> {
        let event_id = event_id.to_owned();
        self.write(move |db, _| {
            let added = db.execute(
                "INSERT INTO channel_inbound (channel, event_id, received_at) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&channel.as_str(), &event_id, &micros(now)],
            )?;
            Ok(added > 0)
        })
        .await
    }

    async fn enqueue_outbound(
        &self,
        rows: Vec<NewOutbound>,
        cursor: Option<(&str, EventPosition)>,
        now: Timestamp,
    ) -> hotline_store::StoreResult<()> {
        let cursor = cursor.map(|(name, at)| (name.to_owned(), at.0 as i64));
        let stored = rows
            .iter()
            .map(|row| Ok((row.chat.clone(), row.key.clone(), row.stored()?)))
            .collect::<hotline_store::StoreResult<Vec<_>>>()?;
        self.write(move |db, _| {
            for (chat, key, (delivery, conversation)) in &stored {
                db.execute(
                    "INSERT INTO channel_outbox
                         (channel, chat_id, item_key, delivery, conversation_id, next_attempt_at, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $6)
                     ON CONFLICT ON CONSTRAINT channel_outbox_once DO NOTHING",
                    &[
                        &chat.channel.as_str(),
                        &chat.chat_id,
                        key,
                        delivery,
                        conversation,
                        &micros(now),
                    ],
                )?;
            }
            if let Some((name, at)) = &cursor {
                db.execute(
                    "INSERT INTO channel_cursors (name, position) VALUES ($1, $2)
                     ON CONFLICT (name) DO UPDATE
                         SET position = GREATEST(channel_cursors.position, excluded.position)",
                    &[name, at],
                )?;
            }
            Ok(())
        })
        .await
    }

    async fn channel_cursor(
        &self,
        name: &str,
    ) -> hotline_store::StoreResult<Option<EventPosition>> {
        let name = name.to_owned();
        self.read(move |db| {
            let at = db.query_opt(
                "SELECT position FROM channel_cursors WHERE name = $1",
                &[&name],
            )?;
            at.map(|r| Ok(EventPosition(r.try_get::<_, i64>(0)?.max(0) as u64)))
                .transpose()
        })
        .await
    }

    async fn lease_outbound(
        &self,
        channel: Channel,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
    ) -> hotline_store::StoreResult<Vec<Outbound>> {
        self.write(move |db, _| {
            let rows = db.query(
                "UPDATE channel_outbox SET next_attempt_at = $3 WHERE id IN (
                     SELECT o.id FROM channel_outbox o
                     WHERE o.channel = $1 AND o.sent_at IS NULL AND o.next_attempt_at <= $2
                       AND o.id = (SELECT MIN(id) FROM channel_outbox f
                                   WHERE f.channel = o.channel AND f.chat_id = o.chat_id AND f.sent_at IS NULL)
                     ORDER BY o.id LIMIT $4
                     FOR UPDATE SKIP LOCKED)
                 RETURNING id, channel, chat_id, item_key, delivery, attempts",
                &[
                    &channel.as_str(),
                    &micros(now),
                    &micros(lease_until),
                    &(limit as i64),
                ],
            )?;
            let mut leased = rows
                .iter()
                .map(|r| {
                    Ok(OutboundRow {
                        id: r.try_get(0)?,
                        channel: r.try_get(1)?,
                        chat_id: r.try_get(2)?,
                        key: r.try_get(3)?,
                        delivery: r.try_get(4)?,
                        attempts: r.try_get(5)?,
                    }
                    .into_outbound()?)
                })
                .collect::<StoreResult<Vec<_>>>()?;
            leased.sort_by_key(|r| r.id);
            Ok(leased)
        })
        .await
    }

    async fn outbound_sent(&self, id: i64, now: Timestamp) -> hotline_store::StoreResult<()> {
        self.write(move |db, _| {
            db.execute(
                "UPDATE channel_outbox SET sent_at = $2, last_error = NULL WHERE id = $1 AND sent_at IS NULL",
                &[&id, &micros(now)],
            )?;
            Ok(())
        })
        .await
    }

    async fn outbound_failed(
        &self,
        id: i64,
        retry_at: Timestamp,
        error: &str,
    ) -> hotline_store::StoreResult<()> {
        let error = error.to_owned();
        self.write(move |db, _| {
            db.execute(
                "UPDATE channel_outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3
                 WHERE id = $1 AND sent_at IS NULL",
                &[&id, &micros(retry_at), &error],
            )?;
            Ok(())
        })
        .await
    }

    async fn outbound_pending(&self, channel: Channel) -> hotline_store::StoreResult<u64> {
        self.read(move |db| {
            let n: i64 = db
                .query_one(
                    "SELECT COUNT(*) FROM channel_outbox WHERE channel = $1 AND sent_at IS NULL",
                    &[&channel.as_str()],
                )?
                .try_get(0)?;
            Ok(n.max(0) as u64)
        })
        .await
    }
}
