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
    #[error("department `{department}` serves {serves}; this identity token is a {caller}'s")]
    WrongAudience {
        department: String,
        serves: &'static str,
        caller: &'static str,
    },
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
    #[error("unknown claim type `{0}`")]
    UnknownClaimType(String),
    #[error("unknown claim channel `{0}`")]
    UnknownClaimChannel(String),
    #[error("invalid amount: {0}")]
    InvalidAmount(&'static str),
    #[error("{field} does not apply to a claim of type {claim_type}")]
    NotApplicable {
        field: &'static str,
        claim_type: &'static str,
    },
    #[error("the law allows no extension of a claim of type {claim_type}")]
    ExtensionNotAllowed { claim_type: &'static str },
    #[error("the period ended on {due_date}; an extension must be notified inside it")]
    ExtensionTooLate { due_date: String },
    #[error("only an operator may set {field}")]
    OperatorOnlyField { field: &'static str },
    #[error("received_at is in the future")]
    ReceivedInFuture,
    #[error("this call-back is done: no more calls are recorded; the customer may order a new one")]
    CallbackDone,
    #[error("unknown call outcome `{0}`; use reached, no_answer or callback_again")]
    UnknownCallbackOutcome(String),
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
            DomainError::WrongAudience { .. } => ErrorCode::WrongAudience,
            DomainError::AmbiguousSubject => ErrorCode::AmbiguousSubject,
            DomainError::InvalidTransition { .. } => ErrorCode::InvalidTransition,
            DomainError::AlreadyAssigned => ErrorCode::AlreadyAssigned,
            DomainError::Forbidden { .. } => ErrorCode::Forbidden,
            DomainError::InternalNoteByCustomer => ErrorCode::InternalNoteByCustomer,
            DomainError::OutOfRange { .. } => ErrorCode::OutOfRange,
            DomainError::AlreadyRated => ErrorCode::AlreadyRated,
            DomainError::RatingClosed { .. } => ErrorCode::RatingClosed,
            DomainError::UnknownClaimType(_) => ErrorCode::UnknownClaimType,
            DomainError::UnknownClaimChannel(_) => ErrorCode::UnknownClaimChannel,
            DomainError::InvalidAmount(_) => ErrorCode::InvalidAmount,
            DomainError::NotApplicable { .. } => ErrorCode::NotApplicable,
            DomainError::ExtensionNotAllowed { .. } => ErrorCode::ExtensionNotAllowed,
            DomainError::ExtensionTooLate { .. } => ErrorCode::ExtensionTooLate,
            DomainError::OperatorOnlyField { .. } => ErrorCode::OperatorOnlyField,
            DomainError::ReceivedInFuture => ErrorCode::ReceivedInFuture,
            DomainError::CallbackDone => ErrorCode::InvalidTransition,
            DomainError::UnknownCallbackOutcome(_) => ErrorCode::UnknownCallbackOutcome,
        }
    }
}
