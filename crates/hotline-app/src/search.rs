//! Operators find conversations of their departments by the customer's
//! name or id, the order, or words from the messages.

use crate::App;
use crate::error::{AppError, AppResult};
use hotline_domain::search::{MAX_QUERY_CHARS, SearchTerms, SearchTermsError};
use hotline_domain::{ErrorCode, Principal};
use hotline_store::{ConversationSearch, SearchHit};

impl App {
    /// Conversations of the operator's departments that match every word
    /// of `query`, latest activity first. Hits in a step-up department (the
    /// bank) are an audited read, like opening them.
    pub async fn search_conversations(
        &self,
        principal: &Principal,
        query: &str,
        limit: usize,
    ) -> AppResult<Vec<SearchHit>> {
        let Principal::Operator(operator) = principal else {
            return Err(AppError::forbidden(
                ErrorCode::Forbidden,
                "only operators search conversations",
            ));
        };
        let terms = SearchTerms::parse(query).map_err(|e| {
            AppError::invalid(
                ErrorCode::InvalidQuery,
                match e {
                    SearchTermsError::Empty => {
                        "q must hold a word or a number: a name, an order, words of a message"
                            .to_owned()
                    }
                    SearchTermsError::TooLong => {
                        format!(
                            "q is longer than {MAX_QUERY_CHARS} characters; search for a few words"
                        )
                    }
                },
            )
        })?;
        let hits = self
            .store
            .search_conversations(ConversationSearch {
                terms: terms.clone(),
                departments: operator.departments.clone(),
                limit,
            })
            .await?;
        self.audit_listed_reads(
            principal,
            hits.iter().map(|hit| &hit.conversation),
            "search",
            serde_json::json!(terms.terms()),
        )
        .await?;
        Ok(hits)
    }
}
