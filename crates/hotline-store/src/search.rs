//! Finding conversations by what an operator remembers of them: the
//! customer's name or id, the order, words from the messages.

use crate::StoreResult;
use async_trait::async_trait;
use hotline_domain::search::SearchTerms;
use hotline_domain::{Conversation, DepartmentId, Message};

#[derive(Debug, Clone)]
pub struct ConversationSearch {
    pub terms: SearchTerms,
    /// Only conversations of these departments (the operator's).
    pub departments: Vec<DepartmentId>,
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub conversation: Conversation,
    /// The latest message with every term, when the messages matched
    /// (not only the customer's name, id or order).
    pub message: Option<Message>,
}

#[async_trait]
pub trait SearchStore: Send + Sync {
    /// Conversations where every term starts a word of the messages or of
    /// the customer's name, id or order; latest activity first.
    async fn search_conversations(&self, search: ConversationSearch)
    -> StoreResult<Vec<SearchHit>>;
}
