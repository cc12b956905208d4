//! The one error of the use cases: a kind (what a caller must do about it)
//! and a stable code from the catalogue ([`ErrorCode`]) that clients and the
//! UI translate; the HTTP layer gives each code its status.

use hotline_domain::{DomainError, ErrorCode};
use hotline_store::{Conflict, StoreError};

/// What went wrong, as a caller must act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input breaks a rule; nothing changed.
    Invalid,
    /// The caller may not do this (they may see the thing).
    Forbidden,
    /// No such thing, or not the caller's: the two look the same.
    NotFound,
    /// The request contradicts the current state (a reused id, a taken
    /// conversation).
    Conflict,
    /// Storage failed; the request had no effect and may be retried.
    Internal,
}

#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AppError {
    pub kind: ErrorKind,
    pub code: ErrorCode,
    pub message: String,
    /// Machine-readable details beside the message (e.g. what was refused).
    pub details: Option<serde_json::Value>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(kind: ErrorKind, code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError {
            kind,
            code,
            message: message.into(),
            details: None,
        }
    }

    pub fn not_found() -> AppError {
        AppError::new(
            ErrorKind::NotFound,
            ErrorCode::NotFound,
            "no such resource, or it is not yours",
        )
    }

    pub fn forbidden(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError::new(ErrorKind::Forbidden, code, message)
    }

    pub fn invalid(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError::new(ErrorKind::Invalid, code, message)
    }

    /// Logs the cause; callers see only that something failed on our side.
    pub fn internal(cause: impl std::fmt::Display) -> AppError {
        tracing::error!(%cause, "internal error");
        AppError::new(
            ErrorKind::Internal,
            ErrorCode::InternalError,
            "something went wrong on our side; try again",
        )
    }

    pub fn with_details(mut self, details: serde_json::Value) -> AppError {
        self.details = Some(details);
        self
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> AppError {
        let kind = match e {
            DomainError::Forbidden { .. } | DomainError::OperatorOnlyField { .. } => {
                ErrorKind::Forbidden
            }
            DomainError::InvalidTransition { .. }
            | DomainError::AlreadyAssigned
            | DomainError::ExtensionTooLate { .. } => ErrorKind::Conflict,
            _ => ErrorKind::Invalid,
        };
        AppError::new(kind, e.code(), e.to_string())
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound => AppError::not_found(),
            StoreError::Conflict(conflict) => AppError::new(
                ErrorKind::Conflict,
                conflict.code(),
                conflict_message(conflict),
            ),
            StoreError::Domain(d) => d.into(),
            StoreError::InvalidAttachment(_) => {
                AppError::invalid(ErrorCode::InvalidAttachment, e.to_string())
            }
            StoreError::InvalidAssignee(_) => {
                AppError::invalid(ErrorCode::InvalidAssignee, e.to_string())
            }
            StoreError::Backend(_) => AppError::internal(e),
        }
    }
}

fn conflict_message(conflict: Conflict) -> &'static str {
    match conflict {
        Conflict::ClientMsgIdReused => {
            "this client_msg_id was already used for a different message; use a new id"
        }
        Conflict::OperatorEmailTaken => "an operator with this e-mail already exists",
        Conflict::ConversationMoved | Conflict::ScreeningOutdated => {
            "the request conflicts with the current state"
        }
    }
}

impl From<crate::help_center::HelpCenterError> for AppError {
    fn from(e: crate::help_center::HelpCenterError) -> AppError {
        match e {
            crate::help_center::HelpCenterError::Store(store) => store.into(),
            crate::help_center::HelpCenterError::Index(index) => AppError::internal(index),
        }
    }
}
