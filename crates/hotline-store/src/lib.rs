//! Persistence for Hotline: the [`Store`] trait, with SQL only behind it.
//!
//! One crate per backend (`hotline-store-sqlite`, `hotline-store-postgres`);
//! every backend must pass the same conformance suite ([`conformance`]),
//! which is the written contract of these traits. What the writes decide
//! without SQL is written once here ([`write`], [`read::mark_read`],
//! [`routing::rules`]) and runs over each backend's records.

pub mod audit;
pub mod callbacks;
pub mod canned;
pub mod channels;
pub mod claims;
pub mod conformance;
mod customer_context;
mod error;
pub mod feed;
pub mod kb;
pub mod privacy;
mod queue;
pub mod read;
mod redaction;
pub mod reports;
pub mod routing;
pub mod search;
pub mod settings;
pub mod team;
mod types;
pub mod webhooks;
pub mod write;

pub use audit::{AuditEntry, AuditStore, NewAuditEntry};
pub use callbacks::CallbackStore;
pub use canned::{CannedReplyStore, StoredCannedReply};
pub use channels::ChannelStore;
pub use claims::ClaimStore;
pub use customer_context::CustomerContextStore;
pub use error::{Conflict, StoreError};
pub use feed::EventSink;
pub use kb::KnowledgeStore;
pub use privacy::{Erased, PrivacyStore};
pub use queue::*;
pub use read::{
    ConversationDigest, ReadMark, ReadOutcome, ReadReceipt, ReadSide, ReadState, ReadStore,
};
pub use redaction::RedactionStore;
pub use reports::{FactsQuery, ReportStore};
pub use routing::{RoutingRecords, RoutingState, Waiting};
pub use search::{ConversationSearch, SearchHit, SearchStore};
pub use settings::SettingStore;
pub use team::TeamStore;
pub use types::*;
pub use webhooks::WebhookStore;

use async_trait::async_trait;
use hotline_domain::{
    AttachmentId, Conversation, ConversationId, Department, DepartmentId, EventPosition, Message,
    OperatorId, OperatorPrincipal,
};

pub type StoreResult<T> = Result<T, StoreError>;

/// One step of a backend's schema: a SQL file, applied once and in order,
/// and never edited once released.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Everything Hotline keeps. Writes that return `Ok` are durable: they have
/// been committed (and synced to disk) before the call returns. A backend is
/// opened with an [`EventSink`] and hands it each commit's events after the
/// commit, in position order; the log ([`Store::events_after`]) stays the truth.
#[async_trait]
pub trait Store:
    AuditStore
    + CallbackStore
    + CannedReplyStore
    + ChannelStore
    + ClaimStore
    + CustomerContextStore
    + KnowledgeStore
    + PrivacyStore
    + QueueStore
    + ReadStore
    + RedactionStore
    + ReportStore
    + SearchStore
    + SettingStore
    + TeamStore
    + WebhookStore
    + Send
    + Sync
    + 'static
{
    // Departments
    /// Makes the stored departments match the configured ones (upsert; none
    /// are deleted, since conversations refer to them).
    async fn sync_departments(&self, departments: &[Department]) -> StoreResult<()>;
    async fn departments(&self) -> StoreResult<Vec<Department>>;

    // Operators and their sessions
    /// Fails with `Conflict` when the e-mail is taken.
    async fn create_operator(&self, new: NewOperator) -> StoreResult<OperatorPrincipal>;
    async fn operator_by_email(&self, email: &str) -> StoreResult<Option<OperatorRecord>>;
    /// Replaces the departments an operator serves; `NotFound` for an
    /// unknown operator. Takes effect on their next request.
    async fn set_operator_departments(
        &self,
        id: &OperatorId,
        departments: Vec<DepartmentId>,
    ) -> StoreResult<OperatorPrincipal>;
    async fn create_session(&self, session: NewSession) -> StoreResult<()>;
    /// The operator behind an unexpired session token hash, with their
    /// current departments (so removing a department takes effect at once).
    async fn session_operator(
        &self,
        token_hash: &str,
        now_unix: i64,
    ) -> StoreResult<Option<OperatorPrincipal>>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;

    // Conversations and messages
    /// Starts a conversation with its first message, or, when the customer
    /// already sent this `client_msg_id`, returns the original (`created: false`).
    async fn start_conversation(&self, command: StartConversation) -> StoreResult<Started>;
    /// Appends a message with the next `seq`, idempotently by `client_msg_id`.
    async fn post_message(&self, command: PostMessage) -> StoreResult<Posted>;
    async fn change_lifecycle(&self, command: ChangeLifecycle) -> StoreResult<Conversation>;
    /// The customer rates their conversation, by [`Conversation::rate`]'s
    /// rules, with a `conversation.updated` event; `NotFound` when it is not
    /// theirs. A refused rating writes nothing.
    async fn rate_conversation(&self, command: RateConversation) -> StoreResult<Conversation>;
    async fn conversation(&self, id: &ConversationId) -> StoreResult<Option<Conversation>>;
    /// Newest activity first.
    async fn conversations(&self, filter: ConversationFilter) -> StoreResult<Vec<Conversation>>;
    async fn messages(&self, query: MessageQuery) -> StoreResult<Vec<Message>>;

    // Attachments
    async fn put_attachment(&self, attachment: NewAttachment) -> StoreResult<()>;
    async fn attachment(&self, id: &AttachmentId) -> StoreResult<Option<AttachmentRecord>>;
    /// Whether this store keeps the attachments' contents itself, because
    /// several nodes share it. The embedded store does not: one node's local
    /// files are the contents, and the two methods below are never called.
    fn keeps_attachment_contents(&self) -> bool {
        false
    }
    /// Keeps a content under its SHA-256 (once; the same content again is a
    /// no-op). Durable when it returns, like every write.
    async fn put_attachment_content(&self, _sha256: &str, _content: Vec<u8>) -> StoreResult<()> {
        Err(StoreError::Backend(
            "this store keeps no attachment contents".into(),
        ))
    }
    /// The content with this SHA-256, if kept. Erasing the last attachment
    /// that refers to a content deletes it in the same transaction.
    async fn attachment_content(&self, _sha256: &str) -> StoreResult<Option<Vec<u8>>> {
        Ok(None)
    }

    // The event log
    /// Events after `after` that `scope` may see, oldest first, at most `limit`.
    async fn events_after(
        &self,
        after: EventPosition,
        scope: &EventScope,
        limit: usize,
    ) -> StoreResult<EventPage>;
    async fn event_bounds(&self) -> StoreResult<EventBounds>;
    /// A name of this database's event log, so that a cursor minted by another
    /// database (a restored backup, a reset) is recognised as foreign.
    fn log_id(&self) -> &str;
}
