//! The Hotline server: an axum application over a [`Store`].
//!
//! `api` knows HTTP; `realtime` moves events to readers; `auth` decides who
//! is calling. Nothing here writes SQL.

pub mod api;
pub mod auth;
pub mod help;
pub mod prometheus;
pub mod queues;
pub mod realtime;
pub mod security;
pub mod settings;
pub mod state;
pub mod web;

use anyhow::Context;
use axum::http::{HeaderValue, header};
use hotline_app::bus::EventBus;
use hotline_app::help_center::HelpCenter;
use hotline_app::{App, AppSettings};
use hotline_store::Store;
use settings::Settings;
use state::AppState;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Everything the server needs, ready to serve. `bus` is the sink `store`
/// was opened with.
pub async fn build(
    mut settings: Settings,
    store: Arc<dyn Store>,
    bus: Arc<dyn EventBus>,
) -> anyhow::Result<AppState> {
    hotline_app::security::add_takeover_department(&mut settings.departments, &settings.security)?;
    anyhow::ensure!(
        !settings.departments.is_empty(),
        "configure at least one department"
    );
    prometheus::handle();
    settings.queues.validate()?;
    store
        .configure_queues(hotline_store::QueueConfig {
            priorities: settings.queues.priorities.clone(),
            sla: settings.queues.sla.clone(),
            join_duplicates: settings.queues.join_duplicates,
            ..Default::default()
        })
        .await
        .context("cannot configure the queues")?;
    store
        .sync_departments(&settings.departments)
        .await
        .context("cannot store the departments")?;
    hotline_app::audit::record_configuration(store.as_ref(), &settings.sha256())
        .await
        .context("cannot write the audit log")?;
    let secret = auth::identity::shared_secret(&settings.identity, &settings.data_dir)?;
    let identity = auth::identity::IdentityVerifier::new(&settings.identity, secret.as_deref())?;
    let files = hotline_app::files::Files::new(settings.data_dir.join("attachments"));
    let limits = Arc::new(security::limits::Limits::new(
        &settings.security.rate_limits,
    ));
    let synonyms =
        hotline_app::help_center::load_synonyms(settings.help_center.synonyms_file.as_deref())?;
    let help_center = HelpCenter::open(store.clone(), synonyms).await?;
    let app = App::new(
        store.clone(),
        bus,
        AppSettings {
            departments: settings.departments.clone(),
            max_message_chars: settings.max_message_chars,
            security: settings.security.clone(),
            allowed_link_domains: settings.allowed_link_domains.clone(),
        },
        Arc::new(help_center),
    );
    app.security()
        .check_canned_replies(settings.canned_replies.iter().map(|reply| {
            (
                format!("the canned reply «{}» ({})", reply.title, reply.department),
                reply.text.as_str(),
            )
        }))?;
    let state = AppState {
        app: Arc::new(app),
        store,
        identity: Arc::new(identity),
        hub: Default::default(),
        tickets: Default::default(),
        files: Arc::new(files),
        settings: Arc::new(settings),
        shutdown: CancellationToken::new(),
        password_checks: Arc::new(tokio::sync::Semaphore::new(
            std::thread::available_parallelism().map_or(2, |n| n.get()),
        )),
        demo: None,
        limits,
        presence: Default::default(),
    };
    queues::spawn_sweeper(state.clone());
    Ok(state)
}

pub fn app(state: AppState) -> axum::Router {
    api::router(state.clone())
        .layer(axum::middleware::from_fn_with_state(
            state,
            security::limits::limit,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        // The span names the path only: query strings can carry WebSocket
        // tickets. Debug level, like the default: at `info` a span per request
        // costs more than it tells (clients get the id in `x-request-id`).
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
                let request_id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                tracing::debug_span!(
                    "request",
                    method = %request.method(),
                    path = %request.uri().path(),
                    request_id = %request_id,
                )
            }),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Serves on `listener` until `shutdown` resolves; then closes WebSockets
/// (clients resume by cursor) and waits for requests in flight.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let closing = state.shutdown.clone();
    security::retention::spawn(state.clone());
    let router = app(state);
    // Connection addresses feed the per-IP rate limits.
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        closing.cancel();
    })
    .await
}
