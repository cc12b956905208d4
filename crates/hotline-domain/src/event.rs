//! The event log: everything that happened, in commit order. Readers resume
//! from a position and see every later event once, in order.

use crate::Timestamp;
use crate::ids::{ConversationId, CustomerId};
use crate::values::DepartmentId;
use serde::{Deserialize, Serialize};

/// A place in the event log. Positions of committed events are dense
/// (1, 2, 3, …) and increase in commit order, so a reader that has processed
/// position `p` knows the next event is `p + 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EventPosition(pub u64);

impl EventPosition {
    /// Before the first event.
    pub const START: EventPosition = EventPosition(0);
    pub fn next(self) -> EventPosition {
        EventPosition(self.0 + 1)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventKind {
    #[serde(rename = "conversation.created")]
    ConversationCreated,
    #[serde(rename = "conversation.updated")]
    ConversationUpdated,
    #[serde(rename = "message.created")]
    MessageCreated,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::ConversationCreated => "conversation.created",
            EventKind::ConversationUpdated => "conversation.updated",
            EventKind::MessageCreated => "message.created",
        }
    }
    pub fn parse(raw: &str) -> Option<EventKind> {
        match raw {
            "conversation.created" => Some(EventKind::ConversationCreated),
            "conversation.updated" => Some(EventKind::ConversationUpdated),
            "message.created" => Some(EventKind::MessageCreated),
            _ => None,
        }
    }
}

/// A durable event. The routing fields (`department`, `customer_id`,
/// `internal`) decide who may see it; `data` is the resource as it became.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub position: EventPosition,
    pub kind: EventKind,
    pub conversation_id: ConversationId,
    pub department: DepartmentId,
    pub customer_id: CustomerId,
    pub internal: bool,
    pub data: serde_json::Value,
    pub created_at: Timestamp,
}
