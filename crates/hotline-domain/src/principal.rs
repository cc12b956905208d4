//! Who is acting, and what they may see.

use crate::conversation::Conversation;
use crate::event::Event;
use crate::ids::{CustomerId, OperatorId};
use crate::values::DepartmentId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Operator,
    Supervisor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
    pub fn parse(raw: &str) -> Option<Role> {
        match raw {
            "operator" => Some(Role::Operator),
            "supervisor" => Some(Role::Supervisor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
    /// Supervisors and administrators may (re)assign conversations to others.
    pub fn may_assign_others(self) -> bool {
        matches!(self, Role::Supervisor | Role::Admin)
    }
}

/// A customer as their identity token describes them. Hotline is not the
/// identity provider: these facts are trusted because the company signed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerIdentity {
    pub id: CustomerId,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Authentication methods (`pwd`, `otp`, `pin`, …).
    pub amr: Vec<String>,
    pub auth_time: Option<i64>,
    /// The company's customer tier (`vip`, `gold`, …), used by the priority
    /// rules; a short slug, checked where the token is verified.
    pub tier: Option<String>,
}

/// The customer ids of the platform's sellers start with this: a seller's
/// account (`role: seller` in the identity token) is not the same person's
/// buyer account, so their conversations, lists and exports never mix.
pub const SELLER_ID_PREFIX: &str = "seller:";

impl CustomerIdentity {
    /// The customer id of the seller `sub` of the company's system.
    pub fn seller_id(sub: &str) -> CustomerId {
        CustomerId::from_raw(format!("{SELLER_ID_PREFIX}{sub}"))
    }

    /// Whether this is a seller of the platform rather than a buyer.
    pub fn is_seller(&self) -> bool {
        self.id.as_str().starts_with(SELLER_ID_PREFIX)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorPrincipal {
    pub id: OperatorId,
    pub name: String,
    pub role: Role,
    pub departments: Vec<DepartmentId>,
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Customer(CustomerIdentity),
    Operator(OperatorPrincipal),
}

impl Principal {
    /// Whether the caller may read (and so write to) this conversation.
    /// Callers that may not get "not found", so ids leak nothing.
    pub fn can_access(&self, conversation: &Conversation) -> bool {
        match self {
            Principal::Customer(c) => conversation.customer.id == c.id,
            Principal::Operator(o) => o.departments.contains(&conversation.department),
        }
    }

    /// Whether an event reaches this caller. Must agree with the store's
    /// filter for reading events back (`EventScope`).
    pub fn can_see(&self, event: &Event) -> bool {
        match self {
            Principal::Customer(c) => !event.internal && event.customer_id == c.id,
            Principal::Operator(o) => o.departments.contains(&event.department),
        }
    }

    pub fn is_customer(&self) -> bool {
        matches!(self, Principal::Customer(_))
    }
}
