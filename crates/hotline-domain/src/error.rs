use crate::error_code::ErrorCode;
use thiserror::Error;

/// A rule of the domain was broken. Each variant has a stable machine-readable
/// code (`code()`), which the API returns and the UI translates.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} is too long: {len} characters, the limit is {max}")]
    TooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },
    #[error("{field} has {len} items; at most {max} are allowed")]
    TooMany {
        field: &'static str,
        len: usize,
        max: usize,
    },
    #[error("{field} contains characters that are not allowed: {reason}")]
    InvalidCharacters {
        field: &'static str,
        reason: &'static str,
    },
    #[error("unknown department `{0}`")]
    UnknownDepartment(String),
    #[error("department `{department}` has no topic `{topic}`")]
    UnknownTopic { department: String, topic: String },
    #[error("a conversation is about an order or a topic, not both")]
    AmbiguousSubject,
    #[error("cannot {action} a conversation that is {status}")]
    InvalidTransition {
        action: &'static str,
        status: &'static str,
    },
    #[error("the conversation is already assigned to another operator")]
    AlreadyAssigned,
    #[error("this action needs the role {needed}")]
    Forbidden { needed: &'static str },
    #[error("customers cannot write internal notes")]
    InternalNoteByCustomer,
    #[error("{field} must be from {min} to {max}")]
    OutOfRange {
        field: &'static str,
        min: i64,
        max: i64,
    },
    #[error("the conversation has been rated already")]
    AlreadyRated,
    #[error("a conversation can be rated within {days} days of its resolution")]
    RatingClosed { days: i64 },
}

impl DomainError {
    pub fn code(&self) -> ErrorCode {
        match self {
            DomainError::Empty { .. } => ErrorCode::EmptyValue,
            DomainError::TooLong { .. } => ErrorCode::TooLong,
            DomainError::TooMany { .. } => ErrorCode::TooMany,
            DomainError::InvalidCharacters { .. } => ErrorCode::InvalidCharacters,
            DomainError::UnknownDepartment(_) => ErrorCode::UnknownDepartment,
            DomainError::UnknownTopic { .. } => ErrorCode::UnknownTopic,
            DomainError::AmbiguousSubject => ErrorCode::AmbiguousSubject,
            DomainError::InvalidTransition { .. } => ErrorCode::InvalidTransition,
            DomainError::AlreadyAssigned => ErrorCode::AlreadyAssigned,
            DomainError::Forbidden { .. } => ErrorCode::Forbidden,
            DomainError::InternalNoteByCustomer => ErrorCode::InternalNoteByCustomer,
            DomainError::OutOfRange { .. } => ErrorCode::OutOfRange,
            DomainError::AlreadyRated => ErrorCode::AlreadyRated,
            DomainError::RatingClosed { .. } => ErrorCode::RatingClosed,
        }
    }
}
