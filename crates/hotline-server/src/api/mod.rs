//! The HTTP layer: routes, extractors, errors and the OpenAPI document.

pub mod attachments;
pub mod callbacks;
pub mod canned;
pub mod claims;
pub mod conversations;
pub mod error;
pub mod extract;
pub mod kb;
pub mod queues;
pub mod read;
pub mod realtime;
pub mod reports;
pub mod security;
pub mod session;
pub mod settings;
pub mod team;
pub mod views;
pub mod webhooks;

use crate::security::limits::{Action, Limits};
use crate::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::get;
use extract::Json;
use hotline_app::App;
use serde::Serialize;
use std::sync::Arc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;
use views::DepartmentList;

/// JSON bodies larger than this are refused with 413.
const MAX_JSON_BODY: usize = 256 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(title = "Hotline API", description = "Customer support conversations with guaranteed real-time delivery."),
    modifiers(&BearerAuth),
    tags(
        (name = "conversations", description = "Conversations and messages"),
        (name = "realtime", description = "The event WebSocket and its long-poll fallback"),
        (name = "attachments"), (name = "auth"), (name = "service"),
        (name = "web", description = "What the widget and the console need beyond the core API"),
        (name = "security", description = "The audit log and account-takeover reports"),
        (name = "queues", description = "Presence, routing, transfers and live queue numbers"),
        (name = "help center", description = "Help-center articles, search, suggestions and the answer bot"),
        (name = "reports", description = "Supervisors' numbers: volumes, response times, SLA, satisfaction"),
        (name = "claims", description = "Formal claims on statutory clocks and the working calendar"),
        (name = "callbacks", description = "Travel call-backs: ordering one about a booking, the call-back queue and each call's outcome"),
        (name = "channels", description = "Social channels (Telegram, VK): where guests write, and linking a chat to the customer's account"),
        (name = "webhooks", description = "Outbound webhooks to the company's systems: subscriptions, secrets, the delivery log and dead letters"),
        (name = "settings", description = "What administrators change in the console without a restart: canned replies, the team, the SLA policy"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A customer's identity token (JWT signed by the company) or an operator's session token",
                    ))
                    .build(),
            ),
        );
    }
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "service", responses((status = 200, description = "Alive")))]
async fn healthz() -> &'static str {
    "ok"
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadinessView {
    pub ready: bool,
    /// `ok`, or what is wrong with the store.
    pub store: String,
    /// `ok`, or what is wrong with the event bus.
    pub bus: String,
}

/// Readiness: the store answers and the event bus carries events. A load
/// balancer sends clients only to nodes that answer 200.
#[utoipa::path(get, path = "/readyz", tag = "service",
    responses((status = 200, body = ReadinessView), (status = 503, body = ReadinessView)))]
async fn readyz(State(app): State<Arc<App>>) -> (StatusCode, Json<ReadinessView>) {
    let readiness = app.readiness(std::time::Duration::from_secs(2)).await;
    let status = if readiness.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let ok = |problem: Option<String>| problem.unwrap_or_else(|| "ok".to_owned());
    (
        status,
        Json(ReadinessView {
            ready: readiness.is_ready(),
            store: ok(readiness.store),
            bus: ok(readiness.bus),
        }),
    )
}

/// Prometheus metrics (text format). Serve it to your monitoring only.
#[utoipa::path(get, path = "/metrics", tag = "service",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
async fn metrics() -> ([(axum::http::HeaderName, &'static str); 1], String) {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        crate::metrics::render(),
    )
}

/// The departments and their topics a customer may write to: a seller's
/// token (`role: seller`) lists the sellers' departments, any other caller
/// the buyers'; operators see every department.
#[utoipa::path(get, path = "/api/v1/departments", tag = "service",
    responses((status = 200, body = DepartmentList)))]
async fn departments(
    State(app): State<Arc<App>>,
    bearer: Option<axum::Extension<crate::auth::VerifiedBearer>>,
) -> Json<DepartmentList> {
    let caller = bearer
        .as_ref()
        .and_then(|b| b.caller())
        .map(|c| &c.principal);
    Json(DepartmentList {
        departments: app.departments_listed_for(caller),
    })
}

/// `route` behind the rate limit on `action`.
pub(crate) fn limited(
    route: UtoipaMethodRouter<AppState>,
    limits: &Arc<Limits>,
    action: Action,
) -> UtoipaMethodRouter<AppState> {
    let limit = limits.on(action);
    route.map(|route| {
        route.route_layer(axum::middleware::from_fn_with_state(
            limit,
            crate::security::limits::limit,
        ))
    })
}

/// All routes, with the OpenAPI document generated from the handlers.
pub fn router(state: AppState) -> Router {
    let attachment_limit = usize::try_from(state.attachments.max_bytes())
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    let limits = &state.limits;
    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
        .routes(routes!(departments))
        .routes(limited(routes!(session::login), limits, Action::Login))
        .routes(routes!(session::logout))
        .routes(routes!(session::me))
        .routes(routes!(session::ws_ticket))
        .routes(limited(
            routes!(conversations::start_conversation),
            limits,
            Action::Conversation,
        ))
        .routes(routes!(conversations::list_conversations))
        .routes(routes!(conversations::search_conversations))
        .routes(routes!(conversations::get_conversation))
        .routes(routes!(conversations::list_messages))
        .routes(limited(
            routes!(conversations::post_message),
            limits,
            Action::Message,
        ))
        .routes(routes!(conversations::handoff))
        .routes(routes!(conversations::assign))
        .routes(routes!(conversations::resolve))
        .routes(routes!(conversations::reopen))
        .routes(routes!(conversations::rate))
        .routes(routes!(reports::summary))
        .routes(routes!(attachments::download))
        .routes(routes!(realtime::websocket))
        .routes(routes!(realtime::long_poll))
        .merge(crate::web::context::routes())
        .merge(security::routes(limits))
        .merge(queues::routes())
        .merge(kb::routes())
        .merge(read::routes())
        .merge(claims::routes(limits))
        .merge(callbacks::routes(limits))
        .merge(crate::channels::routes())
        .merge(webhooks::routes())
        .merge(canned::routes())
        .merge(team::routes(limits))
        .merge(settings::routes())
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY))
        .split_for_parts();
    let (uploads, upload_doc) = OpenApiRouter::new()
        .routes(limited(
            routes!(attachments::upload),
            limits,
            Action::Upload,
        ))
        .layer(DefaultBodyLimit::max(attachment_limit))
        .split_for_parts();
    let mut openapi = openapi;
    openapi.merge(upload_doc);
    let openapi = std::sync::Arc::new(openapi);
    api.merge(uploads)
        .merge(crate::web::routes())
        .merge(crate::help::routes())
        // The platforms' calls, answered as they expect (not our JSON API).
        .route(
            "/api/v1/channels/telegram/webhook",
            axum::routing::post(crate::channels::telegram::webhook),
        )
        .route(
            "/api/v1/channels/vk/callback",
            axum::routing::post(crate::channels::vk::callback),
        )
        .route(
            "/api/openapi.json",
            get(move || async move { axum::Json(openapi.as_ref().clone()) }),
        )
        .fallback(|| async { error::ApiError::not_found() })
        .with_state(state)
}
