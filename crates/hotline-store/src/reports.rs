//! What supervisors' reports read from the store.

use crate::StoreResult;
use async_trait::async_trait;
use hotline_domain::report::ConversationFacts;
use hotline_domain::{DepartmentId, OperatorId, Timestamp};

/// The conversations a report covers.
#[derive(Debug, Clone)]
pub struct FactsQuery {
    /// Opened at or after this.
    pub from: Timestamp,
    /// Opened before this.
    pub to: Timestamp,
    pub departments: Vec<DepartmentId>,
    /// Only those the operator has or last had.
    pub operator: Option<OperatorId>,
}

#[async_trait]
pub trait ReportStore {
    /// The facts of every conversation `query` covers, oldest first.
    async fn conversation_facts(&self, query: FactsQuery) -> StoreResult<Vec<ConversationFacts>>;
}
