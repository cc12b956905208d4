//! Masking a message after it was stored: the first half of a card number
//! is only recognised when its second half arrives in the next message.

use crate::StoreResult;
use async_trait::async_trait;
use hotline_domain::ConversationId;

#[async_trait]
pub trait RedactionStore: Send + Sync {
    /// Replaces the text of message `seq` (as operators count) in the
    /// conversation, and in its `message.created` event, and overwrites the
    /// freed bytes. `NotFound` when there is no such message.
    async fn redact_message(
        &self,
        conversation_id: &ConversationId,
        seq: i64,
        text: String,
    ) -> StoreResult<()>;
}
