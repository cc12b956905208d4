//! Outbound webhooks' records: the administrators' subscriptions (each with
//! its cursor in the event log and its signing secrets), and the delivery
//! rows, one per event per subscription.
//!
//! A delivery row is written before anything is sent and finished once the
//! receiver answered 2xx or the retries gave up (a dead letter), so an
//! outage or a restart delays an event and never loses it. Rows are handed
//! out under a lease, so two nodes never send one row at once, and only
//! the oldest unfinished row of a conversation per subscription is handed
//! out, so a receiver sees a conversation's events in order.

use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use hotline_domain::{ConversationId, EventPosition, Timestamp};

/// A subscription as stored. The secrets are the `whsec_…` strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSubscription {
    pub id: String,
    pub url: String,
    /// The webhook event types it receives (`message.created`, …).
    pub event_types: Vec<String>,
    pub secret: String,
    /// The secret before the last rotation, which still signs until
    /// `previous_until`.
    pub previous_secret: Option<String>,
    pub previous_until: Option<Timestamp>,
    pub enabled: bool,
    pub created_at: Timestamp,
    /// The last event position the dispatcher looked at for it.
    pub cursor: EventPosition,
}

impl WebhookSubscription {
    /// The secrets that sign at `now`: the current one, then the previous
    /// one while the rotation's overlap lasts.
    pub fn signing_secrets(&self, now: Timestamp) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) = (&self.previous_secret, self.previous_until)
            && now < until
        {
            secrets.push(previous);
        }
        secrets
    }
}

/// A new subscription; its cursor starts at `cursor` (the log's head when
/// it is created: events before it are not sent).
#[derive(Debug, Clone)]
pub struct NewWebhookSubscription {
    pub id: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub secret: String,
    pub enabled: bool,
    pub cursor: EventPosition,
    pub now: Timestamp,
}

/// What an update changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct WebhookChange {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

/// An event owed to a subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhookDelivery {
    pub event: EventPosition,
    pub conversation_id: ConversationId,
}

/// A delivery row: what is owed, and how its attempts went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    pub id: i64,
    pub subscription_id: String,
    pub event: EventPosition,
    pub conversation_id: ConversationId,
    /// Attempts made so far.
    pub attempts: u32,
    pub next_attempt_at: Timestamp,
    /// The receiver's HTTP status at the last attempt, if it answered.
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub delivered_at: Option<Timestamp>,
    pub dead_at: Option<Timestamp>,
    pub created_at: Timestamp,
    /// The row this one re-sends (a manual re-send from the log).
    pub resend_of: Option<i64>,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// 2xx: the row is finished.
    Delivered { status: u16, at: Timestamp },
    /// Due again at `retry_at`.
    Retry {
        status: Option<u16>,
        error: String,
        at: Timestamp,
        retry_at: Timestamp,
    },
    /// Given up: the row is a dead letter, and the conversation's next row
    /// may go.
    Dead {
        status: Option<u16>,
        error: String,
        at: Timestamp,
    },
}

#[async_trait]
pub trait WebhookStore: Send + Sync {
    async fn create_webhook(&self, new: NewWebhookSubscription)
    -> StoreResult<WebhookSubscription>;
    /// Oldest first.
    async fn webhooks(&self) -> StoreResult<Vec<WebhookSubscription>>;
    async fn webhook(&self, id: &str) -> StoreResult<Option<WebhookSubscription>>;
    /// `NotFound` for an unknown id.
    async fn update_webhook(
        &self,
        id: &str,
        change: WebhookChange,
    ) -> StoreResult<WebhookSubscription>;
    /// Deletes the subscription and its delivery rows; `false` when unknown.
    async fn delete_webhook(&self, id: &str) -> StoreResult<bool>;
    /// Makes `secret` the current secret; the current one becomes the
    /// previous, signing until `previous_until`. `NotFound` for an unknown id.
    async fn rotate_webhook_secret(
        &self,
        id: &str,
        secret: &str,
        previous_until: Timestamp,
    ) -> StoreResult<WebhookSubscription>;

    /// Adds delivery rows for the subscription (each event once, however
    /// often offered) and moves its cursor to `through` (never back), in
    /// one transaction. `NotFound` for an unknown subscription.
    async fn enqueue_webhook_deliveries(
        &self,
        subscription_id: &str,
        rows: Vec<NewWebhookDelivery>,
        through: EventPosition,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Up to `limit` unfinished rows of enabled subscriptions due at `now`,
    /// each the oldest unfinished row of its conversation for its
    /// subscription, leased until `lease_until`: not handed out again
    /// before then unless an attempt is recorded.
    async fn lease_webhook_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<WebhookDelivery>>;
    /// Records an attempt of an unfinished row (a finished one is left).
    async fn record_webhook_attempt(&self, id: i64, outcome: AttemptOutcome) -> StoreResult<()>;
    /// The subscription's rows, newest first, at most `limit`.
    async fn webhook_deliveries(
        &self,
        subscription_id: &str,
        limit: usize,
    ) -> StoreResult<Vec<WebhookDelivery>>;
    async fn webhook_delivery(&self, id: i64) -> StoreResult<Option<WebhookDelivery>>;
    /// Dead letters of all subscriptions, newest first, at most `limit`.
    async fn webhook_dead_letters(&self, limit: usize) -> StoreResult<Vec<WebhookDelivery>>;
    /// A new row sending the same event again, due at `now`, behind the
    /// conversation's unfinished rows. `NotFound` for an unknown row.
    async fn resend_webhook_delivery(
        &self,
        id: i64,
        now: Timestamp,
    ) -> StoreResult<WebhookDelivery>;
}

/// A `webhook_subscriptions` row as a backend reads it (columns `id, url,
/// event_types, secret, previous_secret, previous_until, enabled,
/// created_at, cursor`).
#[derive(Debug, Clone)]
pub struct SubscriptionRow {
    pub id: String,
    pub url: String,
    /// A JSON array of strings.
    pub event_types: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_until: Option<i64>,
    pub enabled: bool,
    pub created_at: i64,
    pub cursor: i64,
}

/// The columns of [`SubscriptionRow`], in its order.
pub const SUBSCRIPTION_COLUMNS: &str = "id, url, event_types, secret, previous_secret, \
     previous_until, enabled, created_at, cursor_position";

/// The columns of [`DeliveryRow`], in its order.
pub const DELIVERY_COLUMNS: &str = "id, subscription_id, event_position, conversation_id, \
     attempts, next_attempt_at, last_status, last_error, delivered_at, dead_at, created_at, resend_of";

/// A `webhook_deliveries` row as a backend reads it ([`DELIVERY_COLUMNS`]).
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    pub id: i64,
    pub subscription_id: String,
    pub event_position: i64,
    pub conversation_id: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
    pub dead_at: Option<i64>,
    pub created_at: i64,
    pub resend_of: Option<i64>,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Backend(format!("unreadable webhook {what} in the database"))
}

fn from_micros(v: i64) -> StoreResult<Timestamp> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(v) * 1000)
        .map_err(|_| corrupt("timestamp"))
}

/// The event types as stored.
pub fn stored_event_types(types: &[String]) -> StoreResult<String> {
    serde_json::to_string(types).map_err(StoreError::backend)
}

impl SubscriptionRow {
    pub fn into_subscription(self) -> StoreResult<WebhookSubscription> {
        Ok(WebhookSubscription {
            id: self.id,
            url: self.url,
            event_types: serde_json::from_str(&self.event_types)
                .map_err(|_| corrupt("event types"))?,
            secret: self.secret,
            previous_secret: self.previous_secret,
            previous_until: self.previous_until.map(from_micros).transpose()?,
            enabled: self.enabled,
            created_at: from_micros(self.created_at)?,
            cursor: EventPosition(self.cursor.max(0) as u64),
        })
    }
}

impl DeliveryRow {
    pub fn into_delivery(self) -> StoreResult<WebhookDelivery> {
        Ok(WebhookDelivery {
            id: self.id,
            subscription_id: self.subscription_id,
            event: EventPosition(self.event_position.max(0) as u64),
            conversation_id: ConversationId::from_raw(self.conversation_id),
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX),
            next_attempt_at: from_micros(self.next_attempt_at)?,
            last_status: self.last_status.and_then(|s| u16::try_from(s).ok()),
            last_error: self.last_error,
            delivered_at: self.delivered_at.map(from_micros).transpose()?,
            dead_at: self.dead_at.map(from_micros).transpose()?,
            created_at: from_micros(self.created_at)?,
            resend_of: self.resend_of,
        })
    }
}

/// An attempt's outcome as the columns it sets: (delivered_at, dead_at,
/// next_attempt_at, last_status, last_error), in Unix microseconds.
pub type AttemptColumns = (
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

impl AttemptOutcome {
    pub fn columns(&self) -> AttemptColumns {
        let micros = |t: &Timestamp| (t.unix_timestamp_nanos() / 1000) as i64;
        match self {
            AttemptOutcome::Delivered { status, at } => {
                (Some(micros(at)), None, None, Some(i64::from(*status)), None)
            }
            AttemptOutcome::Retry {
                status,
                error,
                retry_at,
                ..
            } => (
                None,
                None,
                Some(micros(retry_at)),
                status.map(i64::from),
                Some(error.clone()),
            ),
            AttemptOutcome::Dead { status, error, at } => (
                None,
                Some(micros(at)),
                None,
                status.map(i64::from),
                Some(error.clone()),
            ),
        }
    }
}
