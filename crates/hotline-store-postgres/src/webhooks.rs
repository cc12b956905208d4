//! Outbound webhooks in PostgreSQL (migration 0007). Several nodes lease
//! delivery rows at once: `FOR UPDATE SKIP LOCKED` gives each row to one.

use crate::PostgresStore;
use crate::db::{Db, StoreResult};
use crate::rows::micros;
use async_trait::async_trait;
use hotline_domain::{EventPosition, Timestamp};
use hotline_store::webhooks::{
    AttemptOutcome, DELIVERY_COLUMNS, DeliveryRow, NewWebhookDelivery, NewWebhookSubscription,
    SUBSCRIPTION_COLUMNS, SubscriptionRow, WebhookChange, WebhookDelivery, WebhookSubscription,
    stored_event_types,
};
use hotline_store::{StoreError, WebhookStore};
use tokio_postgres::Row;

fn subscription(r: &Row) -> StoreResult<WebhookSubscription> {
    Ok(SubscriptionRow {
        id: r.try_get(0)?,
        url: r.try_get(1)?,
        event_types: r.try_get(2)?,
        secret: r.try_get(3)?,
        previous_secret: r.try_get(4)?,
        previous_until: r.try_get(5)?,
        enabled: r.try_get(6)?,
        created_at: r.try_get(7)?,
        cursor: r.try_get(8)?,
    }
    .into_subscription()?)
}

fn delivery(r: &Row) -> StoreResult<WebhookDelivery> {
    Ok(DeliveryRow {
        id: r.try_get(0)?,
        subscription_id: r.try_get(1)?,
        event_position: r.try_get(2)?,
        conversation_id: r.try_get(3)?,
        attempts: r.try_get(4)?,
        next_attempt_at: r.try_get(5)?,
        last_status: r.try_get(6)?,
        last_error: r.try_get(7)?,
        delivered_at: r.try_get(8)?,
        dead_at: r.try_get(9)?,
        created_at: r.try_get(10)?,
        resend_of: r.try_get(11)?,
    }
    .into_delivery()?)
}

fn load_subscription(db: &Db<'_>, id: &str) -> StoreResult<Option<WebhookSubscription>> {
    db.query_opt(
        &format!("SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE id = $1"),
        &[&id],
    )?
    .map(|r| subscription(&r))
    .transpose()
}

fn existing_subscription(db: &Db<'_>, id: &str) -> StoreResult<WebhookSubscription> {
    load_subscription(db, id)?.ok_or_else(|| StoreError::NotFound.into())
}

fn deliveries(rows: Vec<Row>) -> StoreResult<Vec<WebhookDelivery>> {
    rows.iter().map(delivery).collect()
}

#[async_trait]
impl WebhookStore for PostgresStore {
    async fn create_webhook(
        &self,
        new: NewWebhookSubscription,
    ) -> hotline_store::StoreResult<WebhookSubscription> {
        let types = stored_event_types(&new.event_types)?;
        self.write(move |db, _| {
            db.execute(
                "INSERT INTO webhook_subscriptions (id, url, event_types, secret, enabled, created_at, cursor_position)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &new.id,
                    &new.url,
                    &types,
                    &new.secret,
                    &new.enabled,
                    &micros(new.now),
                    &(new.cursor.0 as i64),
                ],
            )?;
            existing_subscription(db, &new.id)
        })
        .await
    }

    async fn webhooks(&self) -> hotline_store::StoreResult<Vec<WebhookSubscription>> {
        self.read(move |db| {
            db.query(
                &format!(
                    "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions ORDER BY created_at, id"
                ),
                &[],
            )?
            .iter()
            .map(subscription)
            .collect()
        })
        .await
    }

    async fn webhook(&self, id: &str) -> hotline_store::StoreResult<Option<WebhookSubscription>> {
        let id = id.to_owned();
        self.read(move |db| load_subscription(db, &id)).await
    }

    async fn update_webhook(
        &self,
        id: &str,
        change: WebhookChange,
    ) -> hotline_store::StoreResult<WebhookSubscription> {
        let id = id.to_owned();
        let types = change
            .event_types
            .as_deref()
            .map(stored_event_types)
            .transpose()?;
        self.write(move |db, _| {
            let changed = db.execute(
                "UPDATE webhook_subscriptions SET url = COALESCE($2, url),
                     event_types = COALESCE($3, event_types), enabled = COALESCE($4, enabled)
                 WHERE id = $1",
                &[&id, &change.url, &types, &change.enabled],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound.into());
            }
            existing_subscription(db, &id)
        })
        .await
    }

    async fn delete_webhook(&self, id: &str) -> hotline_store::StoreResult<bool> {
        let id = id.to_owned();
        self.write(move |db, _| {
            Ok(db.execute("DELETE FROM webhook_subscriptions WHERE id = $1", &[&id])? > 0)
        })
        .await
    }

    async fn rotate_webhook_secret(
        &self,
        id: &str,
        secret: &str,
        previous_until: Timestamp,
    ) -> hotline_store::StoreResult<WebhookSubscription> {
        let (id, secret) = (id.to_owned(), secret.to_owned());
        self.write(move |db, _| {
            let changed = db.execute(
                "UPDATE webhook_subscriptions SET previous_secret = secret, previous_until = $3, secret = $2
                 WHERE id = $1",
                &[&id, &secret, &micros(previous_until)],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound.into());
            }
            existing_subscription(db, &id)
        })
        .await
    }

    async fn enqueue_webhook_deliveries(
        &self,
        subscription_id: &str,
        rows: Vec<NewWebhookDelivery>,
        through: EventPosition,
        now: Timestamp,
    ) -> hotline_store::StoreResult<()> {
        let id = subscription_id.to_owned();
        self.write(move |db, _| {
            let moved = db.execute(
                "UPDATE webhook_subscriptions SET cursor_position = GREATEST(cursor_position, $2) WHERE id = $1",
                &[&id, &(through.0 as i64)],
            )?;
            if moved == 0 {
                return Err(StoreError::NotFound.into());
            }
            for row in &rows {
                db.execute(
                    "INSERT INTO webhook_deliveries
                         (subscription_id, event_position, conversation_id, next_attempt_at, created_at)
                     SELECT $1::text, $2::bigint, $3::text, $4::bigint, $4::bigint
                     WHERE EXISTS (SELECT 1 FROM conversations WHERE id = $3::text)
                     ON CONFLICT DO NOTHING",
                    &[
                        &id,
                        &(row.event.0 as i64),
                        &row.conversation_id.as_str(),
                        &micros(now),
                    ],
                )?;
            }
            Ok(())
        })
        .await
    }

    async fn lease_webhook_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
    ) -> hotline_store::StoreResult<Vec<WebhookDelivery>> {
        self.write(move |db, _| {
            let rows = db.query(
                &format!(
                    "UPDATE webhook_deliveries SET next_attempt_at = $2 WHERE id IN (
                         SELECT d.id FROM webhook_deliveries d
                         WHERE d.delivered_at IS NULL AND d.dead_at IS NULL AND d.next_attempt_at <= $1
                           AND d.id = (SELECT MIN(f.id) FROM webhook_deliveries f
                                       WHERE f.subscription_id = d.subscription_id
                                         AND f.conversation_id = d.conversation_id
                                         AND f.delivered_at IS NULL AND f.dead_at IS NULL)
                           AND EXISTS (SELECT 1 FROM webhook_subscriptions s
                                       WHERE s.id = d.subscription_id AND s.enabled)
                         ORDER BY d.id LIMIT $3
                         FOR UPDATE SKIP LOCKED)
                     RETURNING {DELIVERY_COLUMNS}"
                ),
                &[&micros(now), &micros(lease_until), &(limit as i64)],
            )?;
            let mut leased = deliveries(rows)?;
            leased.sort_by_key(|d| d.id);
            Ok(leased)
        })
        .await
    }

    async fn record_webhook_attempt(
        &self,
        id: i64,
        outcome: AttemptOutcome,
    ) -> hotline_store::StoreResult<()> {
        let (delivered_at, dead_at, retry_at, status, error) = outcome.columns();
        self.write(move |db, _| {
            db.execute(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, delivered_at = $2, dead_at = $3,
                     next_attempt_at = COALESCE($4, next_attempt_at), last_status = $5, last_error = $6
                 WHERE id = $1 AND delivered_at IS NULL AND dead_at IS NULL",
                &[&id, &delivered_at, &dead_at, &retry_at, &status, &error],
            )?;
            Ok(())
        })
        .await
    }

    async fn webhook_deliveries(
        &self,
        subscription_id: &str,
        limit: usize,
    ) -> hotline_store::StoreResult<Vec<WebhookDelivery>> {
        let id = subscription_id.to_owned();
        self.read(move |db| {
            deliveries(db.query(
                &format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE subscription_id = $1
                     ORDER BY id DESC LIMIT $2"
                ),
                &[&id, &(limit as i64)],
            )?)
        })
        .await
    }

    async fn webhook_delivery(
        &self,
        id: i64,
    ) -> hotline_store::StoreResult<Option<WebhookDelivery>> {
        self.read(move |db| {
            db.query_opt(
                &format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1"),
                &[&id],
            )?
            .map(|r| delivery(&r))
            .transpose()
        })
        .await
    }

    async fn webhook_dead_letters(
        &self,
        limit: usize,
    ) -> hotline_store::StoreResult<Vec<WebhookDelivery>> {
        self.read(move |db| {
            deliveries(db.query(
                &format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE dead_at IS NOT NULL
                     ORDER BY dead_at DESC, id DESC LIMIT $1"
                ),
                &[&(limit as i64)],
            )?)
        })
        .await
    }

    async fn resend_webhook_delivery(
        &self,
        id: i64,
        now: Timestamp,
    ) -> hotline_store::StoreResult<WebhookDelivery> {
        self.write(move |db, _| {
            db.query_opt(
                &format!(
                    "INSERT INTO webhook_deliveries
                         (subscription_id, event_position, conversation_id, next_attempt_at, created_at, resend_of)
                     SELECT subscription_id, event_position, conversation_id, $2::bigint, $2::bigint, id
                     FROM webhook_deliveries WHERE id = $1
                     RETURNING {DELIVERY_COLUMNS}"
                ),
                &[&id, &micros(now)],
            )?
            .map(|r| delivery(&r))
            .transpose()?
            .ok_or_else(|| StoreError::NotFound.into())
        })
        .await
    }
}
