use crate::Timestamp;
use crate::article::ArticleSuggestion;
use crate::ids::{AttachmentId, ConversationId};
use crate::principal::Principal;
use crate::values::ClientMsgId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuthorKind {
    Customer,
    Operator,
    Bot,
    System,
}

impl AuthorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorKind::Customer => "customer",
            AuthorKind::Operator => "operator",
            AuthorKind::Bot => "bot",
            AuthorKind::System => "system",
        }
    }
    pub fn parse(raw: &str) -> Option<AuthorKind> {
        match raw {
            "customer" => Some(AuthorKind::Customer),
            "operator" => Some(AuthorKind::Operator),
            "bot" => Some(AuthorKind::Bot),
            "system" => Some(AuthorKind::System),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Author {
    pub kind: AuthorKind,
    /// The customer's or operator's id; absent for the bot and the system.
    pub id: Option<String>,
    pub name: String,
}

impl Author {
    pub fn of(principal: &Principal) -> Author {
        match principal {
            Principal::Customer(c) => Author {
                kind: AuthorKind::Customer,
                id: Some(c.id.to_string()),
                name: c.name.clone(),
            },
            Principal::Operator(o) => Author {
                kind: AuthorKind::Operator,
                id: Some(o.id.to_string()),
                name: o.name.clone(),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachmentInfo {
    pub id: AttachmentId,
    /// The uploader's file name, kept as display metadata only.
    pub name: String,
    pub size: u64,
    pub content_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    pub id: crate::ids::MessageId,
    pub conversation_id: ConversationId,
    /// Position in the conversation as the reader sees it: 1, 2, 3, …
    /// without gaps. Operators count every message; customers, who never
    /// see internal notes, count only the others (see [`Message::seen_by`]).
    pub seq: i64,
    /// Position among the messages customers see; absent on internal notes
    /// (and in customers' own view, where it is `seq`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_seq: Option<i64>,
    pub author: Author,
    pub text: String,
    /// An operator-only note; never shown to the customer.
    pub internal: bool,
    pub client_msg_id: Option<ClientMsgId>,
    pub attachments: Vec<AttachmentInfo>,
    /// On a bot message: the help-center articles it offers, best first.
    /// Absent on other messages and when the bot has nothing to offer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<ArticleSuggestion>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

impl Message {
    /// The message as `reader` sees it: customers get the public numbering.
    /// Callers never hand an internal note to a customer.
    pub fn seen_by(mut self, reader: &Principal) -> Message {
        if reader.is_customer() {
            self.seq = self.public_seq.unwrap_or(self.seq);
            self.public_seq = None;
        }
        self
    }
}
