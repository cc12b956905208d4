//! Opaque identifiers. New ids are UUIDv7: unique, roughly time-ordered for
//! index locality, and not guessable from one another.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh, random, never-reused id.
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7().to_string())
            }
            /// Wraps an id read from storage or from a request path; unknown ids
            /// are simply not found later.
            pub fn from_raw(raw: impl Into<String>) -> Self {
                Self(raw.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use opaque_id;

opaque_id!(
    /// A conversation (обращение).
    ConversationId
);
opaque_id!(
    /// A message inside a conversation.
    MessageId
);
opaque_id!(
    /// An operator account.
    OperatorId
);
opaque_id!(
    /// An uploaded file.
    AttachmentId
);
opaque_id!(
    /// The customer's id in the company's own system: the identity token's `sub`.
    CustomerId
);
