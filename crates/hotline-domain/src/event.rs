//! The event log: everything that happened, in commit order. Readers resume
//! from a position and see every later event once, in order.

use crate::Timestamp;
use crate::ids::{ConversationId, CustomerId};
use crate::principal::Principal;
use crate::values::DepartmentId;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

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
    /// A queued conversation's place or expected wait changed.
    #[serde(rename = "queue.updated")]
    QueueUpdated,
    /// A conversation missed a service-level target (operators only).
    #[serde(rename = "sla.breached")]
    SlaBreached,
    /// A side (the customer, or the operators) read the conversation up to
    /// a message.
    #[serde(rename = "messages.read")]
    MessagesRead,
    /// A claim was registered in the conversation.
    #[serde(rename = "claim.filed")]
    ClaimFiled,
    /// A claim was answered or its period extended.
    #[serde(rename = "claim.updated")]
    ClaimUpdated,
    /// A claim's legal end is near (operators only).
    #[serde(rename = "claim.due_soon")]
    ClaimDueSoon,
    /// A claim's legal end passed without an answer (operators only).
    #[serde(rename = "claim.overdue")]
    ClaimOverdue,
    /// The customer ordered a call-back about a booking.
    #[serde(rename = "callback.requested")]
    CallbackRequested,
    /// An operator recorded a call's outcome.
    #[serde(rename = "callback.updated")]
    CallbackUpdated,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::ConversationCreated => "conversation.created",
            EventKind::ConversationUpdated => "conversation.updated",
            EventKind::MessageCreated => "message.created",
            EventKind::QueueUpdated => "queue.updated",
            EventKind::SlaBreached => "sla.breached",
            EventKind::MessagesRead => "messages.read",
            EventKind::ClaimFiled => "claim.filed",
            EventKind::ClaimUpdated => "claim.updated",
            EventKind::ClaimDueSoon => "claim.due_soon",
            EventKind::ClaimOverdue => "claim.overdue",
            EventKind::CallbackRequested => "callback.requested",
            EventKind::CallbackUpdated => "callback.updated",
        }
    }
    pub fn parse(raw: &str) -> Option<EventKind> {
        match raw {
            "conversation.created" => Some(EventKind::ConversationCreated),
            "conversation.updated" => Some(EventKind::ConversationUpdated),
            "message.created" => Some(EventKind::MessageCreated),
            "queue.updated" => Some(EventKind::QueueUpdated),
            "sla.breached" => Some(EventKind::SlaBreached),
            "messages.read" => Some(EventKind::MessagesRead),
            "claim.filed" => Some(EventKind::ClaimFiled),
            "claim.updated" => Some(EventKind::ClaimUpdated),
            "claim.due_soon" => Some(EventKind::ClaimDueSoon),
            "claim.overdue" => Some(EventKind::ClaimOverdue),
            "callback.requested" => Some(EventKind::CallbackRequested),
            "callback.updated" => Some(EventKind::CallbackUpdated),
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

impl Event {
    /// `data` as `reader` sees it: for customers, the same renumbering as
    /// [`Message::seen_by`](crate::Message::seen_by) and
    /// [`Conversation::seen_by`](crate::Conversation::seen_by), done on the
    /// stored JSON so that operators' frames need no copy.
    pub fn data_seen_by(&self, reader: &Principal) -> Cow<'_, serde_json::Value> {
        if !reader.is_customer() {
            return Cow::Borrowed(&self.data);
        }
        let mut data = self.data.clone();
        if let Some(fields) = data.as_object_mut() {
            match self.kind {
                EventKind::MessageCreated | EventKind::MessagesRead => {
                    if let Some(public) = fields.remove("public_seq") {
                        fields.insert("seq".into(), public);
                    }
                }
                EventKind::ConversationCreated | EventKind::ConversationUpdated => {
                    if let Some(public) = fields.get("last_public_seq").cloned() {
                        fields.insert("last_seq".into(), public);
                    }
                }
                EventKind::QueueUpdated
                | EventKind::SlaBreached
                | EventKind::ClaimFiled
                | EventKind::ClaimUpdated
                | EventKind::ClaimDueSoon
                | EventKind::ClaimOverdue
                | EventKind::CallbackRequested
                | EventKind::CallbackUpdated => {}
            }
        }
        Cow::Owned(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{customer, operator};
    use crate::*;

    fn event<T: Serialize>(kind: EventKind, data: &T) -> Event {
        Event {
            position: EventPosition(7),
            kind,
            conversation_id: ConversationId::from_raw("c"),
            department: DepartmentId::from_static("travel"),
            customer_id: CustomerId::from_raw("c1"),
            internal: false,
            data: serde_json::to_value(data).unwrap(),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    /// The JSON renumbering for customers must equal the typed one.
    #[test]
    fn event_data_is_renumbered_like_the_typed_views() {
        let message = Message {
            id: MessageId::from_raw("m"),
            conversation_id: ConversationId::from_raw("c"),
            seq: 5,
            public_seq: Some(3),
            author: Author {
                kind: AuthorKind::Operator,
                id: Some("o1".into()),
                name: "O".into(),
            },
            text: "ответ".into(),
            internal: false,
            client_msg_id: None,
            suggestions: vec![],
            attachments: vec![],
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        };
        let e = event(EventKind::MessageCreated, &message);
        let for_customer = serde_json::to_value(message.clone().seen_by(&customer())).unwrap();
        assert_eq!(*e.data_seen_by(&customer()), for_customer);
        assert_eq!(for_customer["seq"], 3);
        assert!(for_customer.get("public_seq").is_none());
        assert_eq!(
            *e.data_seen_by(&operator("o1", Role::Operator)),
            serde_json::to_value(&message).unwrap()
        );

        let conversation = Conversation {
            id: ConversationId::from_raw("c"),
            department: DepartmentId::from_static("travel"),
            status: Status::Assigned,
            subject: Subject::General,
            customer: CustomerRef {
                id: CustomerId::from_raw("c1"),
                name: "Анна".into(),
            },
            assignee: None,
            last_seq: 5,
            last_public_seq: 3,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
            queue: None,
            rating: None,
        };
        let e = event(EventKind::ConversationUpdated, &conversation);
        let for_customer = serde_json::to_value(conversation.clone().seen_by(&customer())).unwrap();
        assert_eq!(*e.data_seen_by(&customer()), for_customer);
        assert_eq!(for_customer["last_seq"], 3);

        // A read receipt: customers get their number, and only it.
        let receipt = serde_json::json!({"conversation_id": "c", "reader": "operators", "seq": 5, "public_seq": 3});
        let e = event(EventKind::MessagesRead, &receipt);
        assert_eq!(
            *e.data_seen_by(&customer()),
            serde_json::json!({"conversation_id": "c", "reader": "operators", "seq": 3})
        );
        assert_eq!(*e.data_seen_by(&operator("o1", Role::Operator)), receipt);
        assert_eq!(
            EventKind::parse(EventKind::MessagesRead.as_str()),
            Some(EventKind::MessagesRead)
        );
    }
}
