//! Outbound webhooks over HTTP, for administrators: subscriptions, secret
//! rotation, the delivery log with manual re-send, and the dead letters.
//! A secret is shown twice only: when the subscription is created and
//! when it is rotated.

use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::{Json, Path, Query};
use crate::auth::Auth;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use hotline_app::App;
use hotline_app::webhooks::NewWebhook;
use hotline_domain::Timestamp;
use hotline_store::webhooks::{WebhookChange, WebhookDelivery, WebhookSubscription};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(get_webhook, update_webhook, delete_webhook))
        .routes(routes!(rotate_secret))
        .routes(routes!(deliveries))
        .routes(routes!(resend))
        .routes(routes!(dead_letters))
}

/// A subscription, without its secrets.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub enabled: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Until when the secret before the last rotation still signs too.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub previous_secret_signs_until: Option<Timestamp>,
}

impl From<WebhookSubscription> for WebhookView {
    fn from(s: WebhookSubscription) -> Self {
        WebhookView {
            previous_secret_signs_until: s.previous_until.filter(|_| s.previous_secret.is_some()),
            id: s.id,
            url: s.url,
            event_types: s.event_types,
            enabled: s.enabled,
            created_at: s.created_at,
        }
    }
}

/// A subscription with its secret: given once, keep it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// `whsec_…`: the receiver verifies signatures with it.
    pub secret: String,
}

impl From<WebhookSubscription> for WebhookWithSecret {
    fn from(s: WebhookSubscription) -> Self {
        WebhookWithSecret {
            secret: s.secret.clone(),
            webhook: s.into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub webhooks: Vec<WebhookView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// Where events are POSTed: an `http://` or `https://` address.
    pub url: String,
    /// The event types to receive (see docs/webhooks.md).
    pub event_types: Vec<String>,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

/// The fields to change; the others stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub event_types: Option<Vec<String>>,
    /// `false` pauses deliveries (they wait); `true` resumes them.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// One event owed to a subscription and how its attempts went.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: i64,
    pub webhook_id: String,
    /// The event's position in the log.
    pub event: u64,
    pub conversation_id: String,
    /// `pending`, `delivered` or `dead`.
    pub state: &'static str,
    pub attempts: u32,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub next_attempt_at: Timestamp,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<Timestamp>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub dead_at: Option<Timestamp>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// The delivery this one re-sends.
    pub resend_of: Option<i64>,
}

impl From<WebhookDelivery> for DeliveryView {
    fn from(d: WebhookDelivery) -> Self {
        let state = match (d.delivered_at, d.dead_at) {
            (Some(_), _) => "delivered",
            (None, Some(_)) => "dead",
            (None, None) => "pending",
        };
        DeliveryView {
            id: d.id,
            webhook_id: d.subscription_id,
            event: d.event.0,
            conversation_id: d.conversation_id.to_string(),
            state,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            last_status: d.last_status,
            last_error: d.last_error,
            delivered_at: d.delivered_at,
            dead_at: d.dead_at,
            created_at: d.created_at,
            resend_of: d.resend_of,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    pub deliveries: Vec<DeliveryView>,
}

impl DeliveryList {
    fn of(deliveries: Vec<WebhookDelivery>) -> Self {
        DeliveryList {
            deliveries: deliveries.into_iter().map(DeliveryView::from).collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// 1–500, default 100.
    pub limit: Option<usize>,
}

impl ListQuery {
    fn limit(&self) -> usize {
        self.limit.unwrap_or(100)
    }
}

/// The subscriptions, oldest first. Administrators only.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = WebhookList), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_webhooks(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
) -> ApiResult<Json<WebhookList>> {
    let webhooks = app.webhooks(&principal).await?;
    Ok(Json(WebhookList {
        webhooks: webhooks.into_iter().map(WebhookView::from).collect(),
    }))
}

/// Subscribes a URL to event types; the answer holds the signing secret,
/// shown this once. Events committed from now on are delivered.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks",
    request_body = CreateWebhook,
    responses((status = 201, body = WebhookWithSecret), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "`invalid_webhook_url`, `unknown_webhook_type`, `empty_value`")),
    security(("bearer" = [])))]
pub async fn create_webhook(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Json(body): Json<CreateWebhook>,
) -> ApiResult<(StatusCode, Json<WebhookWithSecret>)> {
    let created = app
        .create_webhook(
            &principal,
            NewWebhook {
                url: body.url,
                event_types: body.event_types,
                enabled: body.enabled,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "Webhook id")),
    responses((status = 200, body = WebhookView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_webhook(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<WebhookView>> {
    Ok(Json(app.webhook(&principal, &id).await?.into()))
}

/// Changes the URL, the event types or whether it is enabled.
#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "Webhook id")),
    request_body = UpdateWebhook,
    responses((status = 200, body = WebhookView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_webhook(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
    Json(body): Json<UpdateWebhook>,
) -> ApiResult<Json<WebhookView>> {
    let updated = app
        .update_webhook(
            &principal,
            &id,
            WebhookChange {
                url: body.url,
                event_types: body.event_types,
                enabled: body.enabled,
            },
        )
        .await?;
    Ok(Json(updated.into()))
}

/// Deletes the subscription and its delivery log.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "Webhook id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_webhook(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    app.delete_webhook(&principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new secret, shown this once; the old one signs too until
/// `previous_secret_signs_until` (`webhooks.rotation_overlap_seconds`).
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/rotate", tag = "webhooks",
    params(("id" = String, Path, description = "Webhook id")),
    responses((status = 200, body = WebhookWithSecret), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn rotate_secret(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<WebhookWithSecret>> {
    Ok(Json(
        app.rotate_webhook_secret(&principal, &id).await?.into(),
    ))
}

/// The subscription's delivery log, newest first.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = String, Path, description = "Webhook id"), ListQuery),
    responses((status = 200, body = DeliveryList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn deliveries(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<DeliveryList>> {
    let deliveries = app
        .webhook_deliveries(&principal, &id, query.limit())
        .await?;
    Ok(Json(DeliveryList::of(deliveries)))
}

/// Sends a delivery's event again, with the same `webhook-id`, after the
/// conversation's deliveries still under way.
#[utoipa::path(post, path = "/api/v1/webhooks/deliveries/{id}/resend", tag = "webhooks",
    params(("id" = i64, Path, description = "Delivery id")),
    responses((status = 202, body = DeliveryView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn resend(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<DeliveryView>)> {
    let resent = app.resend_webhook_delivery(&principal, id).await?;
    Ok((StatusCode::ACCEPTED, Json(resent.into())))
}

/// Deliveries that were given up on, newest first, of every subscription.
#[utoipa::path(get, path = "/api/v1/webhooks/dead-letters", tag = "webhooks",
    params(ListQuery),
    responses((status = 200, body = DeliveryList), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn dead_letters(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<DeliveryList>> {
    let dead = app.webhook_dead_letters(&principal, query.limit()).await?;
    Ok(Json(DeliveryList::of(dead)))
}
