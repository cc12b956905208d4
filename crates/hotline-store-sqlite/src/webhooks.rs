//! Outbound webhooks in SQLite (migration 0007). Leases need no locking:
//! the single writer hands rows out one call at a time.

use super::SqliteStore;
use crate::error::StoreResult;
use crate::rows::micros;
use async_trait::async_trait;
use hotline_domain::{EventPosition, Timestamp};
use hotline_store::webhooks::{
    AttemptOutcome, DELIVERY_COLUMNS, DeliveryRow, NewWebhookDelivery, NewWebhookSubscription,
    SUBSCRIPTION_COLUMNS, SubscriptionRow, WebhookChange, WebhookDelivery, WebhookSubscription,
    stored_event_types,
};
use hotline_store::{StoreError, WebhookStore};
use rusqlite::{Connection, OptionalExtension, Row, params};

fn subscription_row(r: &Row<'_>) -> rusqlite::Result<SubscriptionRow> {
    Ok(SubscriptionRow {
        id: r.get(0)?,
        url: r.get(1)?,
        event_types: r.get(2)?,
        secret: r.get(3)?,
        previous_secret: r.get(4)?,
        previous_until: r.get(5)?,
        enabled: r.get(6)?,
        created_at: r.get(7)?,
        cursor: r.get(8)?,
    })
}

fn delivery_row(r: &Row<'_>) -> rusqlite::Result<DeliveryRow> {
    Ok(DeliveryRow {
        id: r.get(0)?,
        subscription_id: r.get(1)?,
        event_position: r.get(2)?,
        conversation_id: r.get(3)?,
        attempts: r.get(4)?,
        next_attempt_at: r.get(5)?,
        last_status: r.get(6)?,
        last_error: r.get(7)?,
        delivered_at: r.get(8)?,
        dead_at: r.get(9)?,
        created_at: r.get(10)?,
        resend_of: r.get(11)?,
    })
}

fn load_subscription(conn: &Connection, id: &str) -> StoreResult<Option<WebhookSubscription>> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE id = ?1"
        ))?
        .query_row(params![id], subscription_row)
        .optional()?;
    Ok(row.map(SubscriptionRow::into_subscription).transpose()?)
}

fn existing_subscription(conn: &Connection, id: &str) -> StoreResult<WebhookSubscription> {
    load_subscription(conn, id)?.ok_or_else(|| StoreError::NotFound.into())
}

fn load_deliveries(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> StoreResult<Vec<WebhookDelivery>> {
    let rows = conn
        .prepare_cached(sql)?
        .query_map(params, delivery_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .map(DeliveryRow::into_delivery)
        .collect::<Result<_, _>>()?)
}

fn load_delivery(conn: &Connection, id: i64) -> StoreResult<Option<WebhookDelivery>> {
    Ok(load_deliveries(
        conn,
        &format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = ?1"),
        params![id],
    )?
    .pop())
}

#[async_trait]
impl WebhookStore for SqliteStore {
    async fn create_webhook(
        &self,
        new: NewWebhookSubscription,
    ) -> hotline_store::StoreResult<WebhookSubscription> {
        let types = stored_event_types(&new.event_types)?;
        self.write(move |conn, _| {
            conn.prepare_cached(
                "INSERT INTO webhook_subscriptions (id, url, event_types, secret, enabled, created_at, cursor_position)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                new.id,
                new.url,
                types,
                new.secret,
                new.enabled,
                micros(new.now),
                new.cursor.0 as i64
            ])?;
            existing_subscription(conn, &new.id)
        })
        .await
    }

    async fn webhooks(&self) -> hotline_store::StoreResult<Vec<WebhookSubscription>> {
        self.read(move |conn| {
            let rows = conn
                .prepare_cached(&format!(
                    "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions ORDER BY created_at, id"
                ))?
                .query_map([], subscription_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows
                .into_iter()
                .map(SubscriptionRow::into_subscription)
                .collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn webhook(&self, id: &str) -> hotline_store::StoreResult<Option<WebhookSubscription>> {
        let id = id.to_owned();
        self.read(move |conn| load_subscription(conn, &id)).await
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
        self.write(move |conn, _| {
            let changed = conn
                .prepare_cached(
                    "UPDATE webhook_subscriptions SET url = COALESCE(?2, url),
                         event_types = COALESCE(?3, event_types), enabled = COALESCE(?4, enabled)
                     WHERE id = ?1",
                )?
                .execute(params![id, change.url, types, change.enabled])?;
            if changed == 0 {
                return Err(StoreError::NotFound.into());
            }
            existing_subscription(conn, &id)
        })
        .await
    }

    async fn delete_webhook(&self, id: &str) -> hotline_store::StoreResult<bool> {
        let id = id.to_owned();
        self.write(move |conn, _| {
            let deleted = conn
                .prepare_cached("DELETE FROM webhook_subscriptions WHERE id = ?1")?
                .execute(params![id])?;
            Ok(deleted > 0)
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
        self.write(move |conn, _| {
            let changed = conn
                .prepare_cached(
                    "UPDATE webhook_subscriptions SET previous_secret = secret, previous_until = ?3, secret = ?2
                     WHERE id = ?1",
                )?
                .execute(params![id, secret, micros(previous_until)])?;
            if changed == 0 {
                return Err(StoreError::NotFound.into());
            }
            existing_subscription(conn, &id)
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
        self.write(move |conn, _| {
            let moved = conn
                .prepare_cached(
                    "UPDATE webhook_subscriptions SET cursor_position = MAX(cursor_position, ?2) WHERE id = ?1",
                )?
                .execute(params![id, through.0 as i64])?;
            if moved == 0 {
                return Err(StoreError::NotFound.into());
            }
            let mut insert = conn.prepare_cached(
                "INSERT OR IGNORE INTO webhook_deliveries
                     (subscription_id, event_position, conversation_id, next_attempt_at, created_at)
                 SELECT ?1, ?2, ?3, ?4, ?4 WHERE EXISTS (SELECT 1 FROM conversations WHERE id = ?3)",
            )?;
            for row in &rows {
                insert.execute(params![
                    id,
                    row.event.0 as i64,
                    row.conversation_id.as_str(),
                    micros(now)
                ])?;
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
        self.write(move |conn, _| {
            let leased = load_deliveries(
                conn,
                &format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d
                     WHERE d.delivered_at IS NULL AND d.dead_at IS NULL AND d.next_attempt_at <= ?1
                       AND d.id = (SELECT MIN(f.id) FROM webhook_deliveries f
                                   WHERE f.subscription_id = d.subscription_id
                                     AND f.conversation_id = d.conversation_id
                                     AND f.delivered_at IS NULL AND f.dead_at IS NULL)
                       AND EXISTS (SELECT 1 FROM webhook_subscriptions s
                                   WHERE s.id = d.subscription_id AND s.enabled)
                     ORDER BY d.id LIMIT ?2"
                ),
                params![micros(now), limit as i64],
            )?;
            let mut lease = conn.prepare_cached(
                "UPDATE webhook_deliveries SET next_attempt_at = ?2 WHERE id = ?1",
            )?;
            for row in &leased {
                lease.execute(params![row.id, micros(lease_until)])?;
            }
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
        self.write(move |conn, _| {
            conn.prepare_cached(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, delivered_at = ?2, dead_at = ?3,
                     next_attempt_at = COALESCE(?4, next_attempt_at), last_status = ?5, last_error = ?6
                 WHERE id = ?1 AND delivered_at IS NULL AND dead_at IS NULL",
            )?
            .execute(params![id, delivered_at, dead_at, retry_at, status, error])?;
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
        self.read(move |conn| {
            load_deliveries(
                conn,
                &format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE subscription_id = ?1
                     ORDER BY id DESC LIMIT ?2"
                ),
                params![id, limit as i64],
            )
        })
        .await
    }

    async fn webhook_delivery(
        &self,
        id: i64,
    ) -> hotline_store::StoreResult<Option<WebhookDelivery>> {
        self.read(move |conn| load_delivery(conn, id)).await
    }

    async fn webhook_dead_letters(
        &self,
        limit: usize,
    ) -> hotline_store::StoreResult<Vec<WebhookDelivery>> {
        self.read(move |conn| {
            load_deliveries(
                conn,
                &format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE dead_at IS NOT NULL
                     ORDER BY dead_at DESC, id DESC LIMIT ?1"
                ),
                params![limit as i64],
            )
        })
        .await
    }

    async fn resend_webhook_delivery(
        &self,
        id: i64,
        now: Timestamp,
    ) -> hotline_store::StoreResult<WebhookDelivery> {
        self.write(move |conn, _| {
            let added = conn
                .prepare_cached(
                    "INSERT INTO webhook_deliveries
                         (subscription_id, event_position, conversation_id, next_attempt_at, created_at, resend_of)
                     SELECT subscription_id, event_position, conversation_id, ?2, ?2, id
                     FROM webhook_deliveries WHERE id = ?1",
                )?
                .execute(params![id, micros(now)])?;
            if added == 0 {
                return Err(StoreError::NotFound.into());
            }
            let new_id = conn.last_insert_rowid();
            load_delivery(conn, new_id)?.ok_or_else(|| StoreError::NotFound.into())
        })
        .await
    }
}
