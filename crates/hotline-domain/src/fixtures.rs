//! Principals and conversations for the domain's unit tests.

use crate::*;

/// The customer `c1`, «Анна».
pub fn customer() -> Principal {
    Principal::Customer(CustomerIdentity {
        id: CustomerId::from_raw("c1"),
        name: "Анна".into(),
        email: None,
        phone: None,
        amr: vec![],
        auth_time: None,
        tier: None,
    })
}

/// An operator of the travel department.
pub fn operator(id: &str, role: Role) -> Principal {
    Principal::Operator(OperatorPrincipal {
        id: OperatorId::from_raw(id),
        name: id.to_uppercase(),
        role,
        departments: vec![DepartmentId::from_static("travel")],
    })
}

/// A conversation of `c1` in the travel department.
pub fn conversation(status: Status) -> Conversation {
    let now = time::OffsetDateTime::UNIX_EPOCH;
    Conversation {
        id: ConversationId::generate(),
        department: DepartmentId::from_static("travel"),
        status,
        subject: Subject::General,
        customer: CustomerRef {
            id: CustomerId::from_raw("c1"),
            name: "Анна".into(),
        },
        assignee: None,
        last_seq: 1,
        last_public_seq: 1,
        created_at: now,
        updated_at: now,
        queue: None,
        rating: None,
    }
}
