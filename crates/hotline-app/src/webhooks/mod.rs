//! Outbound webhooks: administrators subscribe the company's systems to
//! event types; every matching event of the log is delivered to each,
//! signed by the Standard Webhooks convention ([`signing`]), retried with
//! back-off and jitter ([`retry`]) until it is delivered or, after
//! `give_up_after_seconds`, a dead letter; a conversation's events in order.
//!
//! The work is in three steps, each safe to repeat: [`App::queue_webhooks`]
//! reads the log from each subscription's cursor and writes delivery rows;
//! a sender (the server's, which knows HTTP) leases due rows, asks
//! [`App::webhook_request`] what to send and [`App::webhook_outcome`] what
//! the answer means, and records it.

pub mod events;
pub mod retry;
pub mod signing;

use crate::App;
use crate::error::{AppError, AppResult};
use events::{WebhookType, payload, webhook_id, webhook_type};
use hotline_domain::{ErrorCode, EventPosition, Principal, Timestamp};
use hotline_store::EventScope;
use hotline_store::webhooks::{
    AttemptOutcome, NewWebhookDelivery, NewWebhookSubscription, WebhookChange, WebhookDelivery,
    WebhookSubscription,
};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// `[webhooks]` (`HOTLINE_WEBHOOKS__*`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookSettings {
    /// Whether this node sends webhooks (subscriptions can be managed either way).
    pub enabled: bool,
    /// How long a receiver has to answer, in milliseconds.
    pub timeout_ms: u64,
    /// The wait after the first failure, in milliseconds; it doubles after each.
    pub first_retry_ms: u64,
    /// The longest wait between attempts, in seconds.
    pub max_backoff_seconds: u64,
    /// A delivery still failing this long after it was queued is a dead
    /// letter, in seconds.
    pub give_up_after_seconds: u64,
    /// After a rotation the old secret signs too for this long, in seconds.
    pub rotation_overlap_seconds: u64,
    /// How often the log and the due deliveries are read when nothing
    /// wakes the sender, in milliseconds.
    pub poll_ms: u64,
    /// Deliveries sent at once (each from another conversation).
    pub concurrency: usize,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            enabled: true,
            timeout_ms: 10_000,
            first_retry_ms: 5_000,
            max_backoff_seconds: 3_600,
            give_up_after_seconds: 24 * 3_600,
            rotation_overlap_seconds: 24 * 3_600,
            poll_ms: 1_000,
            concurrency: 16,
        }
    }
}

impl WebhookSettings {
    /// Checked once, at start-up.
    pub fn validate(&self) -> Result<(), String> {
        if self.timeout_ms == 0 || self.first_retry_ms == 0 || self.poll_ms == 0 {
            return Err("webhooks: timeout_ms, first_retry_ms and poll_ms must be positive".into());
        }
        if !(1..=256).contains(&self.concurrency) {
            return Err("webhooks: concurrency must be 1–256".into());
        }
        Ok(())
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    pub fn poll(&self) -> Duration {
        Duration::from_millis(self.poll_ms)
    }

    /// How long a leased delivery is one sender's: well past its timeout,
    /// so a slow answer is never sent twice at once.
    pub fn lease(&self) -> Duration {
        self.timeout() * 2 + Duration::from_secs(30)
    }
}

/// What an administrator creates.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub url: String,
    pub event_types: Vec<String>,
    pub enabled: bool,
}

/// A signed request to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRequest {
    pub url: String,
    /// `webhook-id`: the same for every attempt of the event.
    pub id: String,
    /// `webhook-timestamp`: Unix seconds of this attempt.
    pub timestamp: i64,
    /// `webhook-signature`.
    pub signature: String,
    pub body: Vec<u8>,
}

/// How a receiver answered an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Status(u16),
    /// No answer: refused, reset, timed out.
    Failed(String),
}

/// Most deliveries a log lists at once.
pub const MAX_LISTED: usize = 500;
const PAGE: usize = 500;

fn now() -> Timestamp {
    time::OffsetDateTime::now_utc()
}

/// An absolute `http` or `https` URL with a host.
fn check_url(raw: &str) -> AppResult<String> {
    let invalid = || {
        AppError::invalid(
            ErrorCode::InvalidWebhookUrl,
            "a webhook's url must be an absolute http:// or https:// address",
        )
    };
    let url = url::Url::parse(raw.trim()).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(invalid());
    }
    Ok(url.to_string())
}

/// Known, deduplicated, at least one.
fn check_types(raw: &[String]) -> AppResult<Vec<String>> {
    let mut types: Vec<String> = Vec::new();
    for t in raw {
        let Some(known) = WebhookType::parse(t.trim()) else {
            let known: Vec<&str> = WebhookType::ALL.iter().map(|t| t.as_str()).collect();
            return Err(AppError::invalid(
                ErrorCode::UnknownWebhookType,
                format!(
                    "unknown webhook event type `{t}`; known: {}",
                    known.join(", ")
                ),
            ));
        };
        if !types.iter().any(|s| s == known.as_str()) {
            types.push(known.as_str().to_owned());
        }
    }
    if types.is_empty() {
        return Err(AppError::invalid(
            ErrorCode::EmptyValue,
            "a webhook needs at least one event type",
        ));
    }
    Ok(types)
}

impl App {
    pub fn webhook_settings(&self) -> &WebhookSettings {
        &self.webhooks
    }

    pub async fn webhooks(&self, principal: &Principal) -> AppResult<Vec<WebhookSubscription>> {
        crate::administrator(principal, "webhooks are for administrators")?;
        Ok(self.store.webhooks().await?)
    }

    pub async fn webhook(&self, principal: &Principal, id: &str) -> AppResult<WebhookSubscription> {
        crate::administrator(principal, "webhooks are for administrators")?;
        self.store
            .webhook(id)
            .await?
            .ok_or_else(AppError::not_found)
    }

    /// A new subscription with a new secret; it receives the events
    /// committed from now on.
    pub async fn create_webhook(
        &self,
        principal: &Principal,
        new: NewWebhook,
    ) -> AppResult<WebhookSubscription> {
        crate::administrator(principal, "webhooks are for administrators")?;
        let url = check_url(&new.url)?;
        let event_types = check_types(&new.event_types)?;
        let head = self.store.event_bounds().await?.head;
        let created = self
            .store
            .create_webhook(NewWebhookSubscription {
                id: format!("wh_{}", uuid::Uuid::new_v4().simple()),
                url,
                event_types,
                secret: signing::new_secret(),
                enabled: new.enabled,
                cursor: head,
                now: now(),
            })
            .await?;
        self.audit_webhook(principal, "webhook.created", &created)
            .await?;
        Ok(created)
    }

    pub async fn update_webhook(
        &self,
        principal: &Principal,
        id: &str,
        change: WebhookChange,
    ) -> AppResult<WebhookSubscription> {
        crate::administrator(principal, "webhooks are for administrators")?;
        let change = WebhookChange {
            url: change.url.as_deref().map(check_url).transpose()?,
            event_types: change.event_types.as_deref().map(check_types).transpose()?,
            enabled: change.enabled,
        };
        let updated = self.store.update_webhook(id, change).await?;
        self.audit_webhook(principal, "webhook.updated", &updated)
            .await?;
        Ok(updated)
    }

    pub async fn delete_webhook(&self, principal: &Principal, id: &str) -> AppResult<()> {
        crate::administrator(principal, "webhooks are for administrators")?;
        if !self.store.delete_webhook(id).await? {
            return Err(AppError::not_found());
        }
        self.audit_by(
            principal,
            "webhook.deleted",
            Some(id),
            serde_json::json!({}),
        )
        .await
    }

    /// A new secret; the old one goes on signing for the configured
    /// overlap, so receivers can switch without missing a message.
    pub async fn rotate_webhook_secret(
        &self,
        principal: &Principal,
        id: &str,
    ) -> AppResult<WebhookSubscription> {
        crate::administrator(principal, "webhooks are for administrators")?;
        let overlap = time::Duration::seconds(
            i64::try_from(self.webhooks.rotation_overlap_seconds).unwrap_or(i64::MAX / 2),
        );
        let rotated = self
            .store
            .rotate_webhook_secret(id, &signing::new_secret(), now() + overlap)
            .await?;
        self.audit_webhook(principal, "webhook.secret_rotated", &rotated)
            .await?;
        Ok(rotated)
    }

    /// The subscription's deliveries, newest first.
    pub async fn webhook_deliveries(
        &self,
        principal: &Principal,
        id: &str,
        limit: usize,
    ) -> AppResult<Vec<WebhookDelivery>> {
        self.webhook(principal, id).await?;
        Ok(self
            .store
            .webhook_deliveries(id, limit.clamp(1, MAX_LISTED))
            .await?)
    }

    pub async fn webhook_dead_letters(
        &self,
        principal: &Principal,
        limit: usize,
    ) -> AppResult<Vec<WebhookDelivery>> {
        crate::administrator(principal, "webhooks are for administrators")?;
        Ok(self
            .store
            .webhook_dead_letters(limit.clamp(1, MAX_LISTED))
            .await?)
    }

    /// Sends a delivery's event again (with the same `webhook-id`), after
    /// the conversation's deliveries still under way.
    pub async fn resend_webhook_delivery(
        &self,
        principal: &Principal,
        delivery: i64,
    ) -> AppResult<WebhookDelivery> {
        crate::administrator(principal, "webhooks are for administrators")?;
        let resent = self.store.resend_webhook_delivery(delivery, now()).await?;
        self.audit_by(
            principal,
            "webhook.resent",
            Some(&resent.subscription_id),
            serde_json::json!({"delivery": delivery, "resend": resent.id}),
        )
        .await?;
        Ok(resent)
    }

    async fn audit_webhook(
        &self,
        principal: &Principal,
        action: &str,
        subscription: &WebhookSubscription,
    ) -> AppResult<()> {
        // The secret never goes into the audit log.
        self.audit_by(
            principal,
            action,
            Some(&subscription.id),
            serde_json::json!({
                "url": subscription.url,
                "event_types": subscription.event_types,
                "enabled": subscription.enabled,
            }),
        )
        .await
    }

    fn webhook_scope(&self) -> EventScope {
        EventScope::Departments(self.departments().iter().map(|d| d.id.clone()).collect())
    }

    /// Reads the log from each subscription's cursor to its head and writes
    /// a delivery row for each event it subscribed to; returns how many.
    /// Safe to run on several nodes at once: each event is queued once.
    pub async fn queue_webhooks(&self) -> AppResult<usize> {
        let scope = self.webhook_scope();
        let takeover = self.security.settings.takeover_department.clone();
        let mut queued = 0;
        for subscription in self.store.webhooks().await? {
            let wanted: Vec<WebhookType> = subscription
                .event_types
                .iter()
                .filter_map(|t| WebhookType::parse(t))
                .collect();
            let mut after = subscription.cursor;
            loop {
                let page = self.store.events_after(after, &scope, PAGE).await?;
                let rows: Vec<NewWebhookDelivery> = page
                    .events
                    .iter()
                    .filter(|e| webhook_type(e, &takeover).is_some_and(|t| wanted.contains(&t)))
                    .map(|e| NewWebhookDelivery {
                        event: e.position,
                        conversation_id: e.conversation_id.clone(),
                    })
                    .collect();
                let done = page.events.len() < PAGE || page.through <= after;
                if page.through > after || !rows.is_empty() {
                    queued += rows.len();
                    self.store
                        .enqueue_webhook_deliveries(&subscription.id, rows, page.through, now())
                        .await?;
                }
                after = page.through;
                if done {
                    break;
                }
            }
        }
        Ok(queued)
    }

    /// The request that delivers `delivery` now, or `None` when its event
    /// is no longer in the log (erased with its conversation).
    pub async fn webhook_request(
        &self,
        delivery: &WebhookDelivery,
        subscription: &WebhookSubscription,
    ) -> AppResult<Option<WebhookRequest>> {
        let before = EventPosition(delivery.event.0.saturating_sub(1));
        let page = self
            .store
            .events_after(before, &self.webhook_scope(), 1)
            .await?;
        let Some(event) = page
            .events
            .into_iter()
            .find(|e| e.position == delivery.event)
        else {
            return Ok(None);
        };
        let takeover = &self.security.settings.takeover_department;
        let Some(kind) = webhook_type(&event, takeover) else {
            return Ok(None);
        };
        let body = serde_json::to_vec(&payload(kind, &event)).map_err(AppError::internal)?;
        let at = now();
        let timestamp = at.unix_timestamp();
        let id = webhook_id(self.store.log_id(), &event);
        let signature =
            signing::signature_header(subscription.signing_secrets(at), &id, timestamp, &body);
        Ok(Some(WebhookRequest {
            url: subscription.url.clone(),
            id,
            timestamp,
            signature,
            body,
        }))
    }

    /// What an attempt's answer means for the delivery: 2xx delivers it;
    /// anything else retries it after the back-off, or, once it has been
    /// failing for `give_up_after_seconds`, makes it a dead letter.
    pub fn webhook_outcome(&self, delivery: &WebhookDelivery, answer: Answer) -> AttemptOutcome {
        let at = now();
        let (status, error) = match answer {
            Answer::Status(status) if (200..300).contains(&status) => {
                return AttemptOutcome::Delivered { status, at };
            }
            Answer::Status(status) => (Some(status), format!("the receiver answered {status}")),
            Answer::Failed(error) => (None, error),
        };
        let settings = &self.webhooks;
        let give_up = time::Duration::seconds(
            i64::try_from(settings.give_up_after_seconds).unwrap_or(i64::MAX / 2),
        );
        let wait = retry::next_wait(
            delivery.attempts + 1,
            Duration::from_millis(settings.first_retry_ms),
            Duration::from_secs(settings.max_backoff_seconds),
        );
        let retry_at = at + wait;
        if retry_at - delivery.created_at > give_up {
            return AttemptOutcome::Dead { status, error, at };
        }
        AttemptOutcome::Retry {
            status,
            error,
            at,
            retry_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_urls_with_a_host_are_taken() {
        assert_eq!(
            check_url(" https://hooks.example/in?x=1 ").unwrap(),
            "https://hooks.example/in?x=1"
        );
        assert!(check_url("http://127.0.0.1:9000/").is_ok());
        for bad in [
            "ftp://hooks.example/",
            "hooks.example/in",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "",
        ] {
            let e = check_url(bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidWebhookUrl, "{bad}");
        }
    }

    #[test]
    fn types_must_be_known_and_are_kept_once() {
        let types = check_types(&[
            "message.created".into(),
            "message.created".into(),
            "sla.breached".into(),
        ])
        .unwrap();
        assert_eq!(types, ["message.created", "sla.breached"]);
        assert_eq!(
            check_types(&["message.deleted".into()]).unwrap_err().code,
            ErrorCode::UnknownWebhookType
        );
        assert_eq!(check_types(&[]).unwrap_err().code, ErrorCode::EmptyValue);
    }
}
