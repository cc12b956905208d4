use hotline_domain::{DomainError, ErrorCode};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A write refused because it contradicts what is stored.
    #[error("conflict: {0}")]
    Conflict(Conflict),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("attachment {0} cannot be attached: unknown, someone else's, or already sent")]
    InvalidAttachment(String),
    #[error("operator {0} does not serve this department")]
    InvalidAssignee(String),
    /// The database failed; the operation had no effect.
    #[error("storage failure: {0}")]
    Backend(String),
}

/// The conflicts a backend reports; nothing is written when one occurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// The same `client_msg_id` came with another body or conversation.
    ClientMsgIdReused,
    /// An operator with the e-mail exists.
    OperatorEmailTaken,
    /// The conversation left the department its message was screened for.
    ConversationMoved,
    /// A message came in after screening read the history it relied on, or
    /// an earlier message it masks again no longer reads as screening read it.
    ScreeningOutdated,
}

impl Conflict {
    pub fn code(self) -> ErrorCode {
        match self {
            Conflict::ClientMsgIdReused => ErrorCode::ClientMsgIdReused,
            Conflict::OperatorEmailTaken => ErrorCode::OperatorEmailTaken,
            Conflict::ConversationMoved => ErrorCode::ConversationMoved,
            Conflict::ScreeningOutdated => ErrorCode::ScreeningOutdated,
        }
    }
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code().as_str())
    }
}

impl StoreError {
    pub fn backend(err: impl std::fmt::Display) -> Self {
        StoreError::Backend(err.to_string())
    }
}
