//! The bridge between the store's synchronous write code (the routing rules
//! are synchronous: see `hotline_store::routing`) and tokio-postgres: each
//! operation runs on a blocking thread with one pooled connection and one
//! transaction, and [`Db`] waits there for each statement.

use hotline_domain::DomainError;
use hotline_store::StoreError;
use tokio::runtime::Handle;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;

/// A failure of one of the backend's helpers.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error(transparent)]
    Store(StoreError),
    #[error("{}", describe(.0))]
    Postgres(tokio_postgres::Error),
}

pub(crate) type StoreResult<T> = Result<T, Error>;

/// The server's own message, which `tokio_postgres::Error`'s `Display` leaves out.
pub(crate) fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

impl Error {
    /// Whether running the whole transaction again may succeed: a
    /// serialization failure or deadlock, or a concurrent send of the same
    /// `client_msg_id` that committed first (the retry finds it and answers
    /// with the original).
    pub(crate) fn is_retryable(&self) -> bool {
        let Error::Postgres(e) = self else {
            return false;
        };
        match e.code() {
            Some(code) if *code == SqlState::T_R_SERIALIZATION_FAILURE => true,
            Some(code) if *code == SqlState::T_R_DEADLOCK_DETECTED => true,
            _ => self.violates("messages_client_msg_id_key"),
        }
    }

    /// Whether this is a unique violation of `constraint`.
    pub(crate) fn violates(&self, constraint: &str) -> bool {
        let Error::Postgres(e) = self else {
            return false;
        };
        e.as_db_error().is_some_and(|db| {
            *db.code() == SqlState::UNIQUE_VIOLATION && db.constraint() == Some(constraint)
        })
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Error {
        Error::Store(e)
    }
}

impl From<DomainError> for Error {
    fn from(e: DomainError) -> Error {
        Error::Store(StoreError::Domain(e))
    }
}

impl From<tokio_postgres::Error> for Error {
    fn from(e: tokio_postgres::Error) -> Error {
        Error::Postgres(e)
    }
}

impl From<Error> for StoreError {
    fn from(e: Error) -> StoreError {
        match e {
            Error::Store(e) => e,
            Error::Postgres(e) => StoreError::Backend(describe(&e)),
        }
    }
}

pub(crate) type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

/// One transaction, used from a blocking thread.
pub(crate) struct Db<'t> {
    tx: &'t deadpool_postgres::Transaction<'t>,
    runtime: &'t Handle,
}

impl<'t> Db<'t> {
    pub(crate) fn new(tx: &'t deadpool_postgres::Transaction<'t>, runtime: &'t Handle) -> Self {
        Db { tx, runtime }
    }

    fn statement(&self, sql: &str) -> StoreResult<tokio_postgres::Statement> {
        Ok(self.runtime.block_on(self.tx.prepare_cached(sql))?)
    }

    pub(crate) fn query(&self, sql: &str, params: Params<'_>) -> StoreResult<Vec<Row>> {
        let statement = self.statement(sql)?;
        Ok(self.runtime.block_on(self.tx.query(&statement, params))?)
    }

    pub(crate) fn query_opt(&self, sql: &str, params: Params<'_>) -> StoreResult<Option<Row>> {
        let statement = self.statement(sql)?;
        Ok(self
            .runtime
            .block_on(self.tx.query_opt(&statement, params))?)
    }

    pub(crate) fn query_one(&self, sql: &str, params: Params<'_>) -> StoreResult<Row> {
        let statement = self.statement(sql)?;
        Ok(self
            .runtime
            .block_on(self.tx.query_one(&statement, params))?)
    }

    /// Rows changed.
    pub(crate) fn execute(&self, sql: &str, params: Params<'_>) -> StoreResult<u64> {
        let statement = self.statement(sql)?;
        Ok(self.runtime.block_on(self.tx.execute(&statement, params))?)
    }
}
