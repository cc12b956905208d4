//! Canned replies changed in the console: each row overrides the reply of
//! the same id from the configuration file, or adds one; a deleted reply
//! stays as a tombstone, so that a reply from the file stays deleted.

use crate::StoreResult;
use async_trait::async_trait;
use hotline_domain::{DepartmentId, OperatorId, Timestamp};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCannedReply {
    pub id: String,
    pub department: DepartmentId,
    pub title: String,
    pub text: String,
    /// Deleted in the console.
    pub deleted: bool,
    pub updated_by: OperatorId,
    pub updated_at: Timestamp,
}

#[async_trait]
pub trait CannedReplyStore: Send + Sync {
    /// Every stored reply and tombstone, by id.
    async fn stored_canned_replies(&self) -> StoreResult<Vec<StoredCannedReply>>;
    /// Writes `reply` over the row of its id; the row before, if any.
    async fn save_canned_reply(
        &self,
        reply: StoredCannedReply,
    ) -> StoreResult<Option<StoredCannedReply>>;
}
