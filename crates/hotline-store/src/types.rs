//! Commands and queries of the [`Store`](crate::Store).

use hotline_domain::{
    AttachmentId, AttachmentInfo, ClientMsgId, Conversation, ConversationId, CustomerId,
    CustomerIdentity, DepartmentId, Event, EventPosition, Message, MessageText, OperatorId,
    OperatorPrincipal, Principal, Role, Status, Subject,
};

#[derive(Debug, Clone)]
pub struct NewOperator {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub departments: Vec<DepartmentId>,
    /// A PHC string (Argon2id); the store never sees a password.
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct OperatorRecord {
    pub operator: OperatorPrincipal,
    pub email: String,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    /// SHA-256 of the session token; the token itself is never stored.
    pub token_hash: String,
    pub operator_id: OperatorId,
    pub expires_at_unix: i64,
}

/// A message as its author submits it.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub client_msg_id: ClientMsgId,
    pub text: MessageText,
    pub internal: bool,
    pub attachment_ids: Vec<AttachmentId>,
}

#[derive(Debug, Clone)]
pub struct StartConversation {
    pub department: DepartmentId,
    pub subject: Subject,
    pub initial_status: Status,
    pub customer: CustomerIdentity,
    pub first_message: NewMessage,
}

#[derive(Debug, Clone)]
pub struct Started {
    pub conversation: Conversation,
    pub message: Message,
    /// `false` when this was a retry of an earlier start.
    pub created: bool,
    /// The request joined the customer's open conversation about the same
    /// thing: `message` was added to it.
    pub joined_existing: bool,
}

#[derive(Debug, Clone)]
pub struct PostMessage {
    pub conversation_id: ConversationId,
    pub author: Principal,
    pub message: NewMessage,
    /// What screening relied on, re-checked inside the write.
    pub screened: ScreenedFor,
}

/// What a message's screening assumed about its conversation. The write
/// checks it in its own transaction, so nothing between screening and the
/// commit can slip a message past the wrong rules.
#[derive(Debug, Clone, Default)]
pub struct ScreenedFor {
    /// The department whose rules screened the message: when the
    /// conversation has moved since, the write fails with
    /// [`Conflict::ConversationMoved`] and nothing is written.
    pub department: Option<DepartmentId>,
    /// The author's earlier messages that held pieces of a secret completed
    /// by this one: rewritten, with their events, in the same transaction.
    pub remask: Vec<Remask>,
    /// The conversation's `last_seq` when screening read its history: when
    /// messages were added since (and `remask` is not empty), the write
    /// fails with [`Conflict::ScreeningOutdated`] and nothing is written.
    pub last_seq: Option<i64>,
}

/// An earlier message to store again with a secret's pieces masked.
#[derive(Debug, Clone)]
pub struct Remask {
    pub seq: i64,
    /// Its text as screening read it (perhaps from a cache): when the stored
    /// text is another (erased, masked since), the write fails with
    /// `Conflict::ScreeningOutdated` and nothing is written.
    pub read_as: String,
    pub masked: String,
}

#[derive(Debug, Clone)]
pub struct Posted {
    pub message: Message,
    pub conversation: Conversation,
    /// `false` when this was a retry of an earlier send.
    pub created: bool,
}

#[derive(Debug, Clone)]
pub enum LifecycleCommand {
    Handoff,
    Take,
    AssignTo(OperatorId),
    Resolve,
    Reopen,
}

#[derive(Debug, Clone)]
pub struct RateConversation {
    pub conversation_id: ConversationId,
    pub customer: CustomerId,
    pub score: i64,
    /// Already screened: secrets masked.
    pub comment: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ChangeLifecycle {
    pub conversation_id: ConversationId,
    pub actor: Principal,
    pub command: LifecycleCommand,
}

/// Whose conversations or events a reader may see; built from a
/// [`Principal`] and matching [`Principal::can_see`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventScope {
    /// One customer's conversations, without internal notes.
    Customer(CustomerId),
    /// Everything in these departments.
    Departments(Vec<DepartmentId>),
}

impl EventScope {
    pub fn of(principal: &Principal) -> EventScope {
        match principal {
            Principal::Customer(c) => EventScope::Customer(c.id.clone()),
            Principal::Operator(o) => EventScope::Departments(o.departments.clone()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ConversationFilter {
    pub scope: EventScope,
    pub status: Option<Status>,
    pub department: Option<DepartmentId>,
    pub limit: usize,
}

#[derive(Debug, Clone)]
pub struct MessageQuery {
    pub conversation_id: ConversationId,
    /// Messages after this position: `seq` with internal notes included,
    /// `public_seq` without (the customers' numbering).
    pub after_seq: i64,
    pub limit: usize,
    pub include_internal: bool,
}

#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub info: AttachmentInfo,
    /// Hex SHA-256 of the content, which names the file on disk.
    pub sha256: String,
    pub uploader: Uploader,
}

/// Who uploaded a file: only they may attach it to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploader {
    pub kind: String,
    pub id: String,
}

impl Uploader {
    pub fn of(principal: &Principal) -> Uploader {
        match principal {
            Principal::Customer(c) => Uploader {
                kind: "customer".into(),
                id: c.id.to_string(),
            },
            Principal::Operator(o) => Uploader {
                kind: "operator".into(),
                id: o.id.to_string(),
            },
        }
    }
}

#[derive(Debug, Clone)]
pub struct AttachmentRecord {
    pub info: AttachmentInfo,
    pub sha256: String,
    pub uploader: Uploader,
    /// Set once the file is sent in a message.
    pub conversation_id: Option<ConversationId>,
    /// Whether that message is an internal note.
    pub internal: bool,
}

#[derive(Debug, Clone)]
pub struct EventPage {
    pub events: Vec<Event>,
    /// The reader has now seen everything in its scope up to here, whether
    /// or not `events` is empty; resume from this position.
    pub through: EventPosition,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventBounds {
    /// The oldest position still kept; resuming from before it is impossible.
    pub oldest: EventPosition,
    /// The newest committed position.
    pub head: EventPosition,
}
