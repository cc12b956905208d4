use super::SqliteStore;
use crate::error::StoreResult;
use async_trait::async_trait;
use hotline_domain::{Conversation, ConversationId};
use hotline_store::{Conflict, RedactionStore, Remask, StoreError};
use rusqlite::params;

#[async_trait]
impl RedactionStore for SqliteStore {
    async fn redact_message(
        &self,
        conversation_id: &ConversationId,
        seq: i64,
        text: String,
    ) -> hotline_store::StoreResult<()> {
        let conversation_id = conversation_id.clone();
        self.write(move |conn, _| redact(conn, &conversation_id, seq, &text))
            .await
    }
}

/// Replaces a stored message's text, in the message and in its event.
pub(super) fn redact(
    conn: &rusqlite::Connection,
    conversation_id: &ConversationId,
    seq: i64,
    text: &str,
) -> StoreResult<()> {
    let changed = conn
        .prepare_cached("UPDATE messages SET text = ?3 WHERE conversation_id = ?1 AND seq = ?2")?
        .execute(params![conversation_id.as_str(), seq, text])?;
    if changed == 0 {
        return Err(StoreError::NotFound.into());
    }
    redact_event(conn, conversation_id, seq, text)
}

/// Masks an earlier message again as screening asked, if it still reads as
/// screening read it (`screening_outdated` otherwise).
pub(super) fn redact_as_read(
    conn: &rusqlite::Connection,
    conversation: &Conversation,
    remask: &Remask,
) -> StoreResult<()> {
    let changed = conn
        .prepare_cached(
            "UPDATE messages SET text = ?3 WHERE conversation_id = ?1 AND seq = ?2 AND text = ?4",
        )?
        .execute(params![
            conversation.id.as_str(),
            remask.seq,
            remask.masked,
            remask.read_as
        ])?;
    if changed == 0 {
        return Err(StoreError::Conflict(Conflict::ScreeningOutdated).into());
    }
    redact_event(conn, &conversation.id, remask.seq, &remask.masked)
}

fn redact_event(
    conn: &rusqlite::Connection,
    conversation_id: &ConversationId,
    seq: i64,
    text: &str,
) -> StoreResult<()> {
    // Through the customer's index: events has none by conversation, and a
    // scan of the whole log per message grew with the log.
    conn.prepare_cached(
        "UPDATE events SET data = json_set(data, '$.text', ?3)
         WHERE customer_id = (SELECT customer_id FROM conversations WHERE id = ?1)
           AND conversation_id = ?1 AND kind = 'message.created'
           AND json_extract(data, '$.seq') = ?2",
    )?
    .execute(params![conversation_id.as_str(), seq, text])?;
    Ok(())
}
