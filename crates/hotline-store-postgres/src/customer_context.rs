use crate::PostgresStore;
use async_trait::async_trait;
use hotline_domain::CustomerId;
use hotline_store::CustomerContextStore;

#[async_trait]
impl CustomerContextStore for PostgresStore {
    async fn save_customer_context(
        &self,
        customer: &CustomerId,
        context_json: String,
        updated_at_unix: i64,
    ) -> hotline_store::StoreResult<()> {
        let customer = customer.to_string();
        self.write(move |db, _| {
            db.execute(
                "INSERT INTO customer_contexts (customer_id, context, updated_at) VALUES ($1, $2, $3)
                 ON CONFLICT (customer_id) DO UPDATE SET context = excluded.context, updated_at = excluded.updated_at",
                &[&customer, &context_json, &updated_at_unix],
            )?;
            Ok(())
        })
        .await
    }

    async fn customer_context(
        &self,
        customer: &CustomerId,
    ) -> hotline_store::StoreResult<Option<(String, i64)>> {
        let customer = customer.to_string();
        self.read(move |db| {
            db.query_opt(
                "SELECT context, updated_at FROM customer_contexts WHERE customer_id = $1",
                &[&customer],
            )?
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .transpose()
        })
        .await
    }
}
