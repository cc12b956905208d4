//! The social channels in SQLite (migration 0006). Leases need no locking:
//! the single writer hands rows out one call at a time.

use super::SqliteStore;
use crate::error::StoreResult;
use crate::rows::{from_micros, micros};
use async_trait::async_trait;
use hotline_domain::{
    Channel, ConversationId, CustomerId, CustomerIdentity, EventPosition, SocialChat, Timestamp,
};
use hotline_store::channels::{
    ChatRecord, ChatRow, NewLinkCode, NewOutbound, Outbound, OutboundRow,
};
use hotline_store::{ChannelStore, StoreError};
use rusqlite::{Connection, OptionalExtension, Row, params};

const CHAT_COLUMNS: &str = "channel, chat_id, display_name, customer_id, customer_name, \
     customer_email, customer_phone, customer_tier, linked_at, conversation_id";

fn chat_row(r: &Row<'_>) -> rusqlite::Result<ChatRow> {
    Ok(ChatRow {
        channel: r.get(0)?,
        chat_id: r.get(1)?,
        display_name: r.get(2)?,
        customer_id: r.get(3)?,
        customer_name: r.get(4)?,
        customer_email: r.get(5)?,
        customer_phone: r.get(6)?,
        customer_tier: r.get(7)?,
        linked_at: r.get(8)?,
        conversation_id: r.get(9)?,
    })
}

fn load_chat(conn: &Connection, chat: &SocialChat) -> StoreResult<Option<ChatRecord>> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {CHAT_COLUMNS} FROM channel_chats WHERE channel = ?1 AND chat_id = ?2"
        ))?
        .query_row(params![chat.channel.as_str(), chat.chat_id], chat_row)
        .optional()?;
    Ok(row.map(ChatRow::into_record).transpose()?)
}

#[async_trait]
impl ChannelStore for SqliteStore {
    async fn touch_chat(
        &self,
        chat: &SocialChat,
        display_name: &str,
    ) -> hotline_store::StoreResult<ChatRecord> {
        let (chat, name) = (chat.clone(), display_name.to_owned());
        self.write(move |conn, _| {
            conn.prepare_cached(
                "INSERT INTO channel_chats (channel, chat_id, display_name, created_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (channel, chat_id) DO UPDATE SET display_name = excluded.display_name
                 WHERE display_name IS NOT excluded.display_name",
            )?
            .execute(params![
                chat.channel.as_str(),
                chat.chat_id,
                name,
                crate::rows::now_micros()
            ])?;
            load_chat(conn, &chat)?.ok_or_else(|| StoreError::NotFound.into())
        })
        .await
    }

    async fn chat(&self, chat: &SocialChat) -> hotline_store::StoreResult<Option<ChatRecord>> {
        let chat = chat.clone();
        self.read(move |conn| load_chat(conn, &chat)).await
    }

    async fn attach_conversation(
        &self,
        chat: &SocialChat,
        conversation: &ConversationId,
    ) -> hotline_store::StoreResult<()> {
        let (chat, conversation) = (chat.clone(), conversation.to_string());
        self.write(move |conn, _| {
            let changed = conn
                .prepare_cached(
                    "UPDATE channel_chats SET conversation_id = ?3 WHERE channel = ?1 AND chat_id = ?2",
                )?
                .execute(params![chat.channel.as_str(), chat.chat_id, conversation])?;
            if changed == 0 {
                return Err(StoreError::NotFound.into());
            }
            conn.prepare_cached(
                "INSERT OR IGNORE INTO channel_conversations (conversation_id, channel, chat_id)
                 VALUES (?1, ?2, ?3)",
            )?
            .execute(params![conversation, chat.channel.as_str(), chat.chat_id])?;
            Ok(())
        })
        .await
    }

    async fn conversation_chats(
        &self,
        conversation: &ConversationId,
    ) -> hotline_store::StoreResult<Vec<SocialChat>> {
        let conversation = conversation.to_string();
        self.read(move |conn| {
            let rows = conn
                .prepare_cached(
                    "SELECT channel, chat_id FROM channel_conversations WHERE conversation_id = ?1
                     ORDER BY channel, chat_id",
                )?
                .query_map(params![conversation], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|(channel, chat)| Ok(hotline_store::channels::chat_of(&channel, chat)?))
                .collect()
        })
        .await
    }

    async fn create_link_code(&self, code: NewLinkCode) -> hotline_store::StoreResult<()> {
        self.write(move |conn, _| {
            conn.prepare_cached(
                "DELETE FROM channel_link_codes WHERE channel = ?1 AND chat_id = ?2",
            )?
            .execute(params![code.chat.channel.as_str(), code.chat.chat_id])?;
            conn.prepare_cached(
                "INSERT INTO channel_link_codes (code_sha256, channel, chat_id, expires_at)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                code.code_sha256,
                code.chat.channel.as_str(),
                code.chat.chat_id,
                micros(code.expires_at)
            ])?;
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
        self.write(move |conn, _| {
            let found = conn
                .prepare_cached(
                    "DELETE FROM channel_link_codes WHERE code_sha256 = ?1 RETURNING channel, chat_id, expires_at",
                )?
                .query_row(params![code], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                })
                .optional()?;
            let Some((channel, chat_id, expires_at)) = found else {
                return Ok(None);
            };
            if from_micros(expires_at)? <= now {
                return Ok(None);
            }
            conn.prepare_cached(
                "UPDATE channel_chats SET customer_id = ?3, customer_name = ?4, customer_email = ?5,
                     customer_phone = ?6, customer_tier = ?7, linked_at = ?8, conversation_id = NULL
                 WHERE channel = ?1 AND chat_id = ?2",
            )?
            .execute(params![
                channel,
                chat_id,
                customer.id.as_str(),
                customer.name,
                customer.email,
                customer.phone,
                customer.tier,
                micros(now)
            ])?;
            Ok(Some(hotline_store::channels::chat_of(&channel, chat_id)?))
        })
        .await
    }

    async fn unlink_chat(
        &self,
        chat: &SocialChat,
        customer: &CustomerId,
    ) -> hotline_store::StoreResult<bool> {
        let (chat, customer) = (chat.clone(), customer.to_string());
        self.write(move |conn, _| {
            let changed = conn
                .prepare_cached(
                    "UPDATE channel_chats SET customer_id = NULL, customer_name = NULL, customer_email = NULL,
                         customer_phone = NULL, customer_tier = NULL, linked_at = NULL, conversation_id = NULL
                     WHERE channel = ?1 AND chat_id = ?2 AND customer_id = ?3",
                )?
                .execute(params![chat.channel.as_str(), chat.chat_id, customer])?;
            Ok(changed > 0)
        })
        .await
    }

    async fn linked_chats(
        &self,
        customer: &CustomerId,
    ) -> hotline_store::StoreResult<Vec<ChatRecord>> {
        let customer = customer.to_string();
        self.read(move |conn| {
            let rows = conn
                .prepare_cached(&format!(
                    "SELECT {CHAT_COLUMNS} FROM channel_chats WHERE customer_id = ?1 ORDER BY channel, chat_id"
                ))?
                .query_map(params![customer], chat_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows
                .into_iter()
                .map(ChatRow::into_record)
                .collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn inbound_seen(
        &self,
        channel: Channel,
        event_id: &str,
    ) -> hotline_store::StoreResult<bool> {
        let event_id = event_id.to_owned();
        self.read(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM channel_inbound WHERE channel = ?1 AND event_id = ?2)",
                )?
                .query_row(params![channel.as_str(), event_id], |r| r.get(0))?)
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
        self.write(move |conn, _| {
            let added = conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO channel_inbound (channel, event_id, received_at) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![channel.as_str(), event_id, micros(now)])?;
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
        let cursor = cursor.map(|(name, at)| (name.to_owned(), at));
        let stored = rows
            .iter()
            .map(|row| Ok((row.chat.clone(), row.key.clone(), row.stored()?)))
            .collect::<hotline_store::StoreResult<Vec<_>>>()?;
        self.write(move |conn, _| {
            let mut insert = conn.prepare_cached(
                "INSERT OR IGNORE INTO channel_outbox
                     (channel, chat_id, item_key, delivery, conversation_id, next_attempt_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            )?;
            for (chat, key, (delivery, conversation)) in &stored {
                insert.execute(params![
                    chat.channel.as_str(),
                    chat.chat_id,
                    key,
                    delivery,
                    conversation,
                    micros(now)
                ])?;
            }
            if let Some((name, at)) = cursor {
                conn.prepare_cached(
                    "INSERT INTO channel_cursors (name, position) VALUES (?1, ?2)
                     ON CONFLICT (name) DO UPDATE SET position = MAX(position, excluded.position)",
                )?
                .execute(params![name, at.0 as i64])?;
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
        self.read(move |conn| {
            let at: Option<i64> = conn
                .prepare_cached("SELECT position FROM channel_cursors WHERE name = ?1")?
                .query_row(params![name], |r| r.get(0))
                .optional()?;
            Ok(at.map(|p| EventPosition(p.max(0) as u64)))
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
        self.write(move |conn, _| {
            let rows = conn
                .prepare_cached(
                    "SELECT o.id, o.channel, o.chat_id, o.item_key, o.delivery, o.attempts
                     FROM channel_outbox o
                     WHERE o.channel = ?1 AND o.sent_at IS NULL AND o.next_attempt_at <= ?2
                       AND o.id = (SELECT MIN(id) FROM channel_outbox f
                                   WHERE f.channel = o.channel AND f.chat_id = o.chat_id AND f.sent_at IS NULL)
                     ORDER BY o.id LIMIT ?3",
                )?
                .query_map(params![channel.as_str(), micros(now), limit as i64], |r| {
                    Ok(OutboundRow {
                        id: r.get(0)?,
                        channel: r.get(1)?,
                        chat_id: r.get(2)?,
                        key: r.get(3)?,
                        delivery: r.get(4)?,
                        attempts: r.get(5)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let mut lease = conn
                .prepare_cached("UPDATE channel_outbox SET next_attempt_at = ?2 WHERE id = ?1")?;
            for row in &rows {
                lease.execute(params![row.id, micros(lease_until)])?;
            }
            Ok(rows
                .into_iter()
                .map(OutboundRow::into_outbound)
                .collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn outbound_sent(&self, id: i64, now: Timestamp) -> hotline_store::StoreResult<()> {
        self.write(move |conn, _| {
            conn.prepare_cached(
                "UPDATE channel_outbox SET sent_at = ?2, last_error = NULL WHERE id = ?1 AND sent_at IS NULL",
            )?
            .execute(params![id, micros(now)])?;
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
        self.write(move |conn, _| {
            conn.prepare_cached(
                "UPDATE channel_outbox SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3
                 WHERE id = ?1 AND sent_at IS NULL",
            )?
            .execute(params![id, micros(retry_at), error])?;
            Ok(())
        })
        .await
    }

    async fn outbound_pending(&self, channel: Channel) -> hotline_store::StoreResult<u64> {
        self.read(move |conn| {
            let n: i64 = conn
                .prepare_cached(
                    "SELECT COUNT(*) FROM channel_outbox WHERE channel = ?1 AND sent_at IS NULL",
                )?
                .query_row(params![channel.as_str()], |r| r.get(0))?;
            Ok(n.max(0) as u64)
        })
        .await
    }
}
