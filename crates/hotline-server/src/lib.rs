//! The Hotline server: an axum application over a [`Store`].
//!
//! `api` knows HTTP; `realtime` moves events to readers; `auth` decides who
//! is calling. Nothing here writes SQL.

pub mod api;
pub mod auth;
pub mod channels;
pub mod help;
pub mod metrics;
pub mod outbound;
pub mod queues;
pub mod realtime;
pub mod security;
pub mod settings;
pub mod state;
pub mod web;
pub mod webhooks;

use anyhow::Context;
use api::attachments::Attachments;
use api::realtime::{Realtime, RealtimeSettings};
use api::session::Sessions;
use auth::Authenticator;
use axum::http::{HeaderValue, header};
use hotline_app::bus::EventBus;
use hotline_app::help_center::HelpCenter;
use hotline_app::{App, AppSettings};
use hotline_store::Store;
use security::retention::Retention;
use settings::Settings;
use state::AppState;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// A server ready to serve: what its handlers share, and the work it does
/// in the background while it serves.
pub struct Server {
    pub state: AppState,
    /// Resolved conversations deleted after the retention period.
    pub retention: Retention,
    /// Cancelled when serving ends: closes WebSockets, stops the sweeps.
    shutdown: CancellationToken,
}

impl Server {
    /// Starts the outbound webhooks (when `webhooks.enabled`); they stop
    /// when serving ends.
    pub fn start_webhooks(&self) -> anyhow::Result<()> {
        let http = outbound::Http::new()?;
        webhooks::spawn(self.state.app.clone(), http, self.shutdown.clone());
        Ok(())
    }
}

/// Everything the server needs, ready to serve.
/// `bus` is the sink `store` was opened with.
pub async fn build(
    mut settings: Settings,
    store: Arc<dyn Store>,
    bus: Arc<dyn EventBus>,
) -> anyhow::Result<Server> {
    hotline_app::security::add_takeover_department(&mut settings.departments, &settings.security)?;
    anyhow::ensure!(
        !settings.departments.is_empty(),
        "configure at least one department"
    );
    crate::metrics::handle();
    settings.queues.validate()?;
    settings.claims.validate().map_err(anyhow::Error::msg)?;
    settings.callbacks.validate().map_err(anyhow::Error::msg)?;
    if let Err(problem) = hotline_app::dossier::check_font(&settings.claims.dossier_font) {
        // Only the dossier needs it: the rest serves without.
        tracing::warn!("{problem}");
    }
    settings.webhooks.validate().map_err(anyhow::Error::msg)?;
    store
        .sync_departments(&settings.departments)
        .await
        .context("cannot store the departments")?;
    hotline_app::audit::record_configuration(store.as_ref(), &settings.sha256())
        .await
        .context("cannot write the audit log")?;
    let secret = auth::identity::shared_secret(&settings.identity, &settings.data_dir)?;
    let identity = auth::identity::IdentityVerifier::new(&settings.identity, secret.as_deref())?;
    let files = Arc::new(hotline_app::files::Files::new(
        settings.data_dir.join("attachments"),
    ));
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
            claims: settings.claims.clone(),
            callbacks: settings.callbacks.clone(),
            contacts: settings.contacts.clone(),
            webhooks: settings.webhooks.clone(),
            canned_replies: settings.canned_replies.clone(),
            queue_config: hotline_store::QueueConfig {
                priorities: settings.queues.priorities.clone(),
                sla: settings.queues.sla.clone(),
                join_duplicates: settings.queues.join_duplicates,
                ..Default::default()
            },
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
    // The file's routing rules, with the console's SLA policy when one is stored.
    app.apply_stored_settings()
        .await
        .context("cannot configure the queues")?;
    let app = Arc::new(app);
    let shutdown = CancellationToken::new();
    let channels = channels::Channels::new(&settings.channels, &app)?;
    channels.spawn(
        app.clone(),
        channels::outbox::CourierContext {
            app: app.clone(),
            files: files.clone(),
            help_base: settings
                .help_center
                .public_url
                .clone()
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_owned(),
        },
        &settings.channels,
        shutdown.clone(),
    );
    let presence = queues::presence::PresenceTracker::default();
    let departments = settings.departments.iter().map(|d| d.id.clone()).collect();
    queues::Sweeper::new(app.clone(), departments, presence.clone(), &settings.queues)
        .spawn(shutdown.clone());
    let realtime = Realtime::new(
        RealtimeSettings {
            allowed_origins: settings.allowed_origins.clone(),
            ping_every: Duration::from_secs(settings.ws_ping_seconds.max(1)),
            away_grace: Duration::from_secs(settings.queues.away_grace_seconds),
        },
        presence,
        shutdown.clone(),
    );
    let pages = web::WebPages::new(web::PageSettings {
        allowed_origins: settings.allowed_origins,
        max_attachment_bytes: settings.max_attachment_bytes,
    });
    let state = AppState {
        app,
        store: store.clone(),
        authenticator: Authenticator::new(store.clone(), identity),
        sessions: Sessions::new(store.clone(), settings.session_hours),
        realtime,
        attachments: Attachments::new(files.clone(), settings.max_attachment_bytes),
        pages,
        help_center: Arc::new(settings.help_center),
        channels,
        limits,
    };
    Ok(Server {
        state,
        retention: Retention::new(store, files, &settings.security),
        shutdown,
    })
}

pub fn app(state: AppState) -> axum::Router {
    let authenticator = state.authenticator.clone();
    api::router(state)
        // Before routing, so the rate limits find the caller verified.
        .layer(axum::middleware::from_fn_with_state(
            authenticator,
            auth::verify_bearer,
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
    server: Server,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let Server {
        state,
        retention,
        shutdown: closing,
    } = server;
    retention.spawn(closing.clone());
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
