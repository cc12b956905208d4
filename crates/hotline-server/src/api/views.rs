//! Request and response bodies of the API that are not domain types.

use hotline_domain::{Conversation, Department, Message, OperatorPrincipal, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
pub struct StartConversationRequest {
    /// `marketplace`, `travel`, `bank`, …
    pub department: String,
    /// The order or booking the question is about.
    #[serde(default)]
    pub order_id: Option<String>,
    /// A topic of the department; neither order nor topic means «Вопрос не по заказу».
    #[serde(default)]
    pub topic: Option<String>,
    pub text: String,
    pub client_msg_id: String,
    #[serde(default)]
    pub attachment_ids: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StartedConversation {
    #[serde(flatten)]
    pub conversation: Conversation,
    /// The first message, as stored.
    pub message: Message,
    #[serde(flatten)]
    pub screening: Screening,
    /// The request joined the customer's open conversation about the same
    /// order, topic or question; `message` was added to it.
    pub joined_existing: bool,
}

/// What the guard did to the sender's message; only the sender sees it.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Screening {
    /// Secrets masked in the text: `{"kind": "card_number", "last4": "1234"}`,
    /// `{"kind": "one_time_code"}`, … The widget shows a warning when present.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub redactions: Vec<hotline_guard::Redaction>,
    /// Links that do not point to an allowed domain (customers' messages are
    /// never refused for them; operators see them flagged).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub flagged_links: Vec<hotline_guard::Link>,
}

impl From<hotline_app::Screening> for Screening {
    fn from(screening: hotline_app::Screening) -> Screening {
        Screening {
            redactions: screening.redactions,
            flagged_links: screening.flagged_links,
        }
    }
}

/// A sent message with what the guard did to it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SentMessage {
    #[serde(flatten)]
    pub message: Message,
    #[serde(flatten)]
    pub screening: Screening,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PostMessageRequest {
    pub text: String,
    pub client_msg_id: String,
    /// An operator-only note.
    #[serde(default)]
    pub internal: bool,
    #[serde(default)]
    pub attachment_ids: Vec<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AssignRequest {
    /// For supervisors: give the conversation to this operator. Without it,
    /// the caller takes the conversation.
    #[serde(default)]
    pub operator_id: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListConversationsQuery {
    /// `bot`, `queued`, `assigned` or `resolved`.
    pub status: Option<String>,
    pub department: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<usize>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchConversationsQuery {
    /// Words to find, each as the start of a word: the customer's name or
    /// id, the order, words of a message (all of them in one message).
    pub q: String,
    /// 1–100, default 20.
    pub limit: Option<usize>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessagesQuery {
    /// Messages with a greater `seq` (default 0: from the start).
    pub after_seq: Option<i64>,
    /// 1–500, default 100.
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationList {
    pub conversations: Vec<ListedConversationView>,
}

/// Longest preview of the last message in a list, in characters.
const PREVIEW_CHARS: usize = 160;

#[derive(Debug, Serialize, ToSchema)]
pub struct ListedConversationView {
    #[serde(flatten)]
    pub conversation: Conversation,
    /// The last message the caller can see, its text cut to 160
    /// characters (secrets in it are masked, as stored).
    pub last_message: Option<MessagePreview>,
    /// Messages of the other side the caller has not read: the customer's
    /// for an operator (each operator has their own mark), support's for
    /// the customer.
    pub unread: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessagePreview {
    pub seq: i64,
    pub author: hotline_domain::Author,
    pub text: String,
    /// The text was longer and is cut.
    pub truncated: bool,
    pub attachments: usize,
    pub internal: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: time::OffsetDateTime,
}

impl From<hotline_app::ListedConversation> for ListedConversationView {
    fn from(listed: hotline_app::ListedConversation) -> Self {
        ListedConversationView {
            conversation: listed.conversation,
            last_message: listed.last_message.map(Into::into),
            unread: listed.unread,
        }
    }
}

impl From<Message> for MessagePreview {
    fn from(m: Message) -> Self {
        let truncated = m.text.chars().nth(PREVIEW_CHARS).is_some();
        MessagePreview {
            seq: m.seq,
            author: m.author,
            text: if truncated {
                m.text.chars().take(PREVIEW_CHARS).collect()
            } else {
                m.text
            },
            truncated,
            attachments: m.attachments.len(),
            internal: m.internal,
            created_at: m.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FoundConversations {
    pub conversations: Vec<FoundConversation>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FoundConversation {
    #[serde(flatten)]
    pub conversation: Conversation,
    /// The latest message with every word searched for; null when the
    /// customer's name, id or order matched.
    pub matched_message: Option<MessagePreview>,
}

impl From<hotline_store::SearchHit> for FoundConversation {
    fn from(hit: hotline_store::SearchHit) -> Self {
        FoundConversation {
            conversation: hit.conversation,
            matched_message: hit.message.map(Into::into),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageList {
    pub messages: Vec<ListedMessage>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListedMessage {
    #[serde(flatten)]
    pub message: Message,
    /// For operators, on customers' messages: links that do not point to
    /// an allowed domain (look-alikes named), to warn before clicking.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub flagged_links: Vec<hotline_guard::Link>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentList {
    pub departments: Vec<Department>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OperatorView {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub departments: Vec<String>,
}

impl From<&OperatorPrincipal> for OperatorView {
    fn from(o: &OperatorPrincipal) -> Self {
        OperatorView {
            id: o.id.to_string(),
            name: o.name.clone(),
            role: o.role,
            departments: o
                .departments
                .iter()
                .map(|d| d.as_str().to_owned())
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`; also set as a session cookie.
    pub token: String,
    pub operator: OperatorView,
    /// RFC 3339.
    pub expires_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// `customer` or `operator`.
    pub kind: &'static str,
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<OperatorView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WsTicket {
    /// Pass as `?ticket=` when opening `/api/v1/ws`; valid once, for 60 s.
    pub ticket: String,
    pub expires_in: u64,
}

/// One event as delivered over the WebSocket and the long-poll.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventFrame<'a> {
    /// Resume after this event with `?after=<cursor>`.
    pub cursor: String,
    /// `conversation.created`, `conversation.updated` or `message.created`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The conversation or message as it became (borrowed: serialised
    /// straight from the shared event, never copied per reader).
    #[schema(value_type = Object)]
    pub data: std::borrow::Cow<'a, serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventBatch<'a> {
    pub events: Vec<EventFrame<'a>>,
    /// Where to continue from.
    pub cursor: String,
    /// Whether these are all the events there are now.
    pub caught_up: bool,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// The cursor of the last event seen; absent: start from now.
    pub after: Option<String>,
    /// Seconds to wait for an event when there is none (0–60, default 25).
    pub wait: Option<u64>,
}
