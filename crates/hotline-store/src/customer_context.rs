//! What a customer's identity token last said about them (contact facts,
//! how they logged in, their orders and bookings), kept so that operators
//! see the customer's context beside the conversation.

use crate::StoreResult;
use async_trait::async_trait;
use hotline_domain::CustomerId;

#[async_trait]
pub trait CustomerContextStore: Send + Sync {
    /// Replaces the customer's context with `context_json` (a JSON object
    /// the server built from a verified token).
    async fn save_customer_context(
        &self,
        customer: &CustomerId,
        context_json: String,
        updated_at_unix: i64,
    ) -> StoreResult<()>;
    /// The latest context and when it was saved, if any.
    async fn customer_context(&self, customer: &CustomerId) -> StoreResult<Option<(String, i64)>>;
}
