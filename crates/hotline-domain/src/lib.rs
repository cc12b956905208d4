//! Hotline's domain: the types and rules of customer support, with no I/O.
//!
//! Values that arrive from the outside (`MessageText`, `ClientMsgId`,
//! `DepartmentId`, …) are validated once, when they are constructed; inside the
//! system a value of such a type is valid by construction.

pub mod article;
pub mod calendar;
pub mod callback;
pub mod channel;
pub mod claims;
pub mod conversation;
pub mod department;
pub mod error;
pub mod error_code;
pub mod estimate;
pub mod event;
#[cfg(test)]
mod fixtures;
pub mod ids;
pub mod message;
pub mod principal;
pub mod priority;
pub mod report;
pub mod routing;
pub mod search;
pub mod similarity;
pub mod sla;
pub mod values;

pub use article::{Article, ArticleDraft, ArticleFileError, ArticleId, ArticleSuggestion};
pub use callback::{Callback, CallbackId, CallbackOutcome, CallbackStatus};
pub use channel::{Channel, SocialChat};
pub use claims::{Claim, ClaimId, ClaimStatus, ClaimType};
pub use conversation::{
    Assignee, Conversation, CustomerRef, LifecycleAction, RATING_WINDOW, Rating, Status, Subject,
};
pub use department::{Audience, Department, Topic};
pub use error::DomainError;
pub use error_code::ErrorCode;
pub use event::{Event, EventKind, EventPosition};
pub use ids::{AttachmentId, ConversationId, CustomerId, MessageId, OperatorId};
pub use message::{AttachmentInfo, Author, AuthorKind, Message};
pub use principal::{CustomerIdentity, OperatorPrincipal, Principal, Role};
pub use priority::PriorityRules;
pub use routing::{Presence, Priority, QueuePlace, Router};
pub use sla::{SlaPolicy, SlaTarget};
pub use values::{ClientMsgId, DepartmentId, MessageText, OrderId, TopicId};

/// Timestamps are UTC and travel as RFC 3339 strings.
pub type Timestamp = time::OffsetDateTime;
