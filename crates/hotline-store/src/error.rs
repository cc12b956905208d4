use hotline_domain::DomainError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule: the same `client_msg_id` with another body, an
    /// operator e-mail in use.
    #[error("conflict: {0}")]
    Conflict(&'static str),
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

impl StoreError {
    pub fn backend(err: impl std::fmt::Display) -> Self {
        StoreError::Backend(err.to_string())
    }
}
