use crate::PostgresStore;
use crate::db::{Db, StoreResult};
use async_trait::async_trait;
use hotline_domain::{Conversation, ConversationId};
use hotline_store::{Conflict, RedactionStore, Remask, StoreError};

#[async_trait]
impl RedactionStore for PostgresStore {
    async fn redact_message(
        &self,
        conversation_id: &ConversationId,
        seq: i64,
        text: String,
    ) -> hotline_store::StoreResult<()> {
        let conversation_id = conversation_id.clone();
        self.write(move |db, _| redact(db, &conversation_id, seq, &text))
            .await
    }
}

/// Replaces a stored message's text, in the message and in its event.
fn redact(db: &Db<'_>, conversation_id: &ConversationId, seq: i64, text: &str) -> StoreResult<()> {
    let changed = db.execute(
        "UPDATE messages SET text = $3 WHERE conversation_id = $1 AND seq = $2",
        &[&conversation_id.as_str(), &seq, &text],
    )?;
    if changed == 0 {
        return Err(StoreError::NotFound.into());
    }
    redact_event(db, conversation_id, seq, text)
}

/// Masks an earlier message again as screening asked, if it still reads as
/// screening read it (`screening_outdated` otherwise).
pub(crate) fn redact_as_read(
    db: &Db<'_>,
    conversation: &Conversation,
    remask: &Remask,
) -> StoreResult<()> {
    let changed = db.execute(
        "UPDATE messages SET text = $3 WHERE conversation_id = $1 AND seq = $2 AND text = $4",
        &[
            &conversation.id.as_str(),
            &remask.seq,
            &remask.masked,
            &remask.read_as,
        ],
    )?;
    if changed == 0 {
        return Err(StoreError::Conflict(Conflict::ScreeningOutdated).into());
    }
    redact_event(db, &conversation.id, remask.seq, &remask.masked)
}

fn redact_event(
    db: &Db<'_>,
    conversation_id: &ConversationId,
    seq: i64,
    text: &str,
) -> StoreResult<()> {
    // Through the customer's index: events has none by conversation.
    db.execute(
        "UPDATE events SET data = jsonb_set(data, '{text}', to_jsonb($3::text))
         WHERE customer_id = (SELECT customer_id FROM conversations WHERE id = $1)
           AND conversation_id = $1 AND kind = 'message.created'
           AND (data->>'seq')::bigint = $2",
        &[&conversation_id.as_str(), &seq, &text],
    )?;
    Ok(())
}
