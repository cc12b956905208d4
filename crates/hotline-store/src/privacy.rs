//! Personal-data requests (Russian law 152-FZ) and retention: erasing a
//! customer, deleting old resolved conversations.

use crate::AttachmentRecord;
use crate::StoreResult;
use async_trait::async_trait;
use hotline_domain::CustomerId;

/// What an erasure removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Erased {
    pub conversations: usize,
    pub messages: usize,
    pub attachments: usize,
    /// Attachment contents (by SHA-256) no longer referenced by anything:
    /// the caller deletes their files.
    pub orphaned_files: Vec<String>,
}

/// What Hotline keeps about a customer outside their conversations.
#[derive(Debug, Clone, Default)]
pub struct CustomerRecord {
    /// What their identity token last stated.
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub tier: Option<String>,
    /// Files they uploaded but never sent in a message.
    pub unsent_files: Vec<AttachmentRecord>,
}

#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// The customer's record, when Hotline has seen them.
    async fn customer_record(&self, customer: &CustomerId) -> StoreResult<Option<CustomerRecord>>;
    /// Deletes the customer, their conversations, messages and attachments;
    /// their events keep their place in the log (cursors stay valid) but
    /// lose every text and name. Irreversible.
    async fn erase_customer(&self, customer: &CustomerId) -> StoreResult<Erased>;
    /// Deletes resolved conversations last active before `before_unix`
    /// (seconds), as [`PrivacyStore::erase_customer`] deletes.
    async fn delete_resolved_before(&self, before_unix: i64) -> StoreResult<Erased>;
    /// Moves every committed change into the database file and empties the
    /// write-ahead log, so deleted text survives in neither. Returns whether
    /// it completed (readers in the middle of a read can hold it back).
    async fn checkpoint(&self) -> StoreResult<bool>;
}
