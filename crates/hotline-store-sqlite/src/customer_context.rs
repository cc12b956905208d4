use super::SqliteStore;
use async_trait::async_trait;
use hotline_domain::CustomerId;
use hotline_store::CustomerContextStore;
use rusqlite::{OptionalExtension, params};

#[async_trait]
impl CustomerContextStore for SqliteStore {
    async fn save_customer_context(
        &self,
        customer: &CustomerId,
        context_json: String,
        updated_at_unix: i64,
    ) -> hotline_store::StoreResult<()> {
        let customer = customer.to_string();
        self.write(move |conn, _| {
            conn.prepare_cached(
                "INSERT INTO customer_contexts (customer_id, context, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (customer_id) DO UPDATE SET context = excluded.context, updated_at = excluded.updated_at",
            )?
            .execute(params![customer, context_json, updated_at_unix])?;
            Ok(())
        })
        .await
    }

    async fn customer_context(
        &self,
        customer: &CustomerId,
    ) -> hotline_store::StoreResult<Option<(String, i64)>> {
        let customer = customer.to_string();
        self.read(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT context, updated_at FROM customer_contexts WHERE customer_id = ?1",
                )?
                .query_row(params![customer], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?)
        })
        .await
    }
}
