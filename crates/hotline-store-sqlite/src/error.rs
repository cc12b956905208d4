//! Errors inside the backend. Its SQL helpers return [`StoreResult`], which
//! `?` fills from rusqlite's errors and the store's own; the `Store` methods
//! hand callers a [`hotline_store::StoreError`] that keeps the cause.

use hotline_domain::DomainError;
use hotline_store::StoreError;

/// A failure of one of the backend's helpers.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Error(StoreError);

pub type StoreResult<T> = Result<T, Error>;

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Error {
        Error(e)
    }
}

impl From<DomainError> for Error {
    fn from(e: DomainError) -> Error {
        Error(StoreError::Domain(e))
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        Error(StoreError::backend(e))
    }
}

impl From<Error> for StoreError {
    fn from(e: Error) -> StoreError {
        e.0
    }
}
