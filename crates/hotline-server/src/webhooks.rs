//! Sends the outbound webhooks: a queue task follows the event log
//! (woken by the bus, which is only a hint, and at every poll) and writes
//! delivery rows through [`App::queue_webhooks`]; a sender leases the due
//! rows, POSTs each with the outbound HTTPS client, and records
//! the answer as [`App::webhook_outcome`] judges it. See docs/webhooks.md.

use crate::outbound::Http;
use hotline_app::App;
use hotline_app::webhooks::{Answer, WebhookRequest};
use hotline_store::webhooks::{AttemptOutcome, WebhookDelivery};
use std::sync::Arc;
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;

/// Starts the queue task and the sender when `webhooks.enabled`; they stop
/// with `shutdown`. `http` is the client the receivers are called with.
pub fn spawn(app: Arc<App>, http: Http, shutdown: CancellationToken) {
    let settings = app.webhook_settings().clone();
    if !settings.enabled {
        return;
    }
    let wake = Arc::new(Notify::new());
    tokio::spawn(queue(app.clone(), wake.clone(), shutdown.clone()));
    tokio::spawn(send(app, http, wake, shutdown));
}

async fn queue(app: Arc<App>, wake: Arc<Notify>, shutdown: CancellationToken) {
    let mut live = app.bus().subscribe();
    let poll = app.webhook_settings().poll();
    loop {
        match app.queue_webhooks().await {
            Ok(0) => {}
            Ok(_) => wake.notify_one(),
            Err(e) => tracing::warn!(error = %e, "webhooks: cannot read the event log"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = live.recv() => {}
            () = tokio::time::sleep(poll) => {}
        }
    }
}

/// Keeps up to `concurrency` deliveries in flight, each its own task, so a
/// slow receiver holds only its own conversations back. A finished one
/// wakes the loop: its conversation's next event may be due at once.
async fn send(app: Arc<App>, http: Http, wake: Arc<Notify>, shutdown: CancellationToken) {
    let settings = app.webhook_settings().clone();
    let slots = Arc::new(Semaphore::new(settings.concurrency));
    loop {
        let free = slots.available_permits();
        let mut leased = Vec::new();
        if free > 0 {
            let now = time::OffsetDateTime::now_utc();
            match app
                .store()
                .lease_webhook_deliveries(now, now + settings.lease(), free)
                .await
            {
                Ok(rows) => leased = rows,
                Err(e) => tracing::warn!(error = %e, "webhooks: cannot lease deliveries"),
            }
        }
        let idle = leased.is_empty();
        for row in leased {
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                break;
            };
            let (app, http, wake) = (app.clone(), http.clone(), wake.clone());
            tokio::spawn(async move {
                deliver(&app, &http, row).await;
                drop(slot);
                wake.notify_one();
            });
        }
        if idle {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = wake.notified() => {}
                () = tokio::time::sleep(settings.poll()) => {}
            }
        } else if shutdown.is_cancelled() {
            return;
        }
    }
}

/// One attempt of one delivery, recorded; a failure to record leaves the
/// row to its lease, after which it is tried again (same `webhook-id`).
async fn deliver(app: &App, http: &Http, delivery: WebhookDelivery) {
    let outcome = match prepare(app, &delivery).await {
        Ok(Some(request)) => {
            let answer = post(http, &request, app.webhook_settings().timeout()).await;
            let outcome = app.webhook_outcome(&delivery, answer);
            log_outcome(&delivery, &request, &outcome);
            outcome
        }
        Ok(None) => AttemptOutcome::Dead {
            status: None,
            error: "the event or its subscription is gone (erased)".into(),
            at: time::OffsetDateTime::now_utc(),
        },
        Err(e) => {
            tracing::warn!(delivery = delivery.id, error = %e, "webhooks: cannot prepare a delivery; its lease runs out");
            return;
        }
    };
    if let Err(e) = app
        .store()
        .record_webhook_attempt(delivery.id, outcome)
        .await
    {
        tracing::warn!(delivery = delivery.id, error = %e, "webhooks: cannot record an attempt; its lease runs out");
    }
}

async fn prepare(
    app: &App,
    delivery: &WebhookDelivery,
) -> hotline_app::AppResult<Option<WebhookRequest>> {
    let Some(subscription) = app.store().webhook(&delivery.subscription_id).await? else {
        return Ok(None);
    };
    app.webhook_request(delivery, &subscription).await
}

async fn post(http: &Http, request: &WebhookRequest, timeout: std::time::Duration) -> Answer {
    let headers = [
        ("webhook-id", request.id.clone()),
        ("webhook-timestamp", request.timestamp.to_string()),
        ("webhook-signature", request.signature.clone()),
    ];
    let body = bytes::Bytes::from(request.body.clone());
    match http
        .post_json_with(&request.url, &headers, body, timeout)
        .await
    {
        Ok(reply) => Answer::Status(reply.status.as_u16()),
        // The client's errors never carry the URL, which may hold a token.
        Err(e) => Answer::Failed(e),
    }
}

fn log_outcome(delivery: &WebhookDelivery, request: &WebhookRequest, outcome: &AttemptOutcome) {
    match outcome {
        AttemptOutcome::Delivered { status, .. } => {
            tracing::debug!(delivery = delivery.id, webhook_id = %request.id, status, "webhook delivered");
        }
        AttemptOutcome::Retry {
            error, retry_at, ..
        } => {
            tracing::info!(delivery = delivery.id, webhook_id = %request.id, attempts = delivery.attempts + 1, %error, %retry_at, "webhook failed; retrying");
        }
        AttemptOutcome::Dead { error, .. } => {
            tracing::warn!(delivery = delivery.id, webhook_id = %request.id, attempts = delivery.attempts + 1, %error, "webhook given up: a dead letter");
        }
    }
}
