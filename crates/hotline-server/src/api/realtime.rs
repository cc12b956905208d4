//! The WebSocket and its long-poll fallback. Protocol: docs/protocol.md.

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Json, Query};
use crate::api::views::{EventBatch, EventFrame, EventsQuery};
use crate::auth::{self, Auth, Authenticated, VerifiedBearer};
use crate::queues::presence::PresenceTracker;
use crate::realtime::hub::{Hub, Typing};
use crate::realtime::subscription::{Start, StartError, Subscription};
use crate::realtime::tickets::Tickets;
use axum::Extension;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use futures_util::SinkExt;
use hotline_app::App;
use hotline_domain::{Author, ConversationId, ErrorCode, Event, Principal};
use serde::Deserialize;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

/// Largest message a client may send over the socket.
pub const MAX_CLIENT_MESSAGE: usize = 64 * 1024;
/// A client that cannot take a frame for this long is disconnected; it
/// resumes from its cursor when it comes back.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Per socket, at most one typing event per conversation per this interval,
/// and at most `TYPING_PER_INTERVAL` in all (each costs a database read).
const TYPING_INTERVAL: Duration = Duration::from_millis(1500);
const TYPING_PER_INTERVAL: usize = 16;

/// What the event WebSocket and the long-poll need besides the use cases.
#[derive(Clone)]
pub struct Realtime {
    settings: Arc<RealtimeSettings>,
    /// Typing events, never stored.
    typing: Hub,
    pub(crate) tickets: Tickets,
    /// Operators' open console connections, for automatic `away`.
    presence: PresenceTracker,
    /// Cancelled when the server shuts down, to close WebSockets cleanly.
    shutdown: CancellationToken,
}

/// The settings of the event WebSocket and the long-poll.
#[derive(Debug, Clone)]
pub struct RealtimeSettings {
    /// Origins allowed to open browser WebSockets, besides the server's own.
    pub allowed_origins: Vec<String>,
    /// Keep-alive pings, and operators' sessions re-checked, this often.
    pub ping_every: Duration,
    /// An operator whose last console connection dropped turns `away` after this.
    pub away_grace: Duration,
}

impl Realtime {
    pub fn new(
        settings: RealtimeSettings,
        presence: PresenceTracker,
        shutdown: CancellationToken,
    ) -> Realtime {
        Realtime {
            settings: Arc::new(settings),
            typing: Hub::default(),
            tickets: Tickets::default(),
            presence,
            shutdown,
        }
    }
}

fn frame<'a>(sub: &Subscription, event: &'a Event) -> EventFrame<'a> {
    EventFrame {
        cursor: sub.cursor_of(event),
        kind: event.kind.as_str(),
        data: event.data_seen_by(sub.principal()),
    }
}

fn start_error(e: StartError) -> ApiError {
    match e {
        StartError::MalformedCursor => ApiError::new(
            ErrorCode::InvalidCursor,
            "the cursor is not one this server gave out",
        ),
        StartError::Store(e) => e.into(),
    }
}

#[derive(Debug, Deserialize)]
pub struct WsParams {
    after: Option<String>,
    ticket: Option<String>,
}

fn origin_allowed(settings: &RealtimeSettings, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        // Not a browser: it authenticates with its own bearer token.
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let same_origin = origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest == host);
    same_origin
        || settings
            .allowed_origins
            .iter()
            .any(|allowed| allowed == origin)
}

/// Upgrades to the event WebSocket (`Authorization: Bearer` or `?ticket=`).
#[utoipa::path(get, path = "/api/v1/ws", tag = "realtime",
    params(("after" = Option<String>, Query, description = "Resume after this cursor"),
           ("ticket" = Option<String>, Query, description = "From POST /api/v1/ws/ticket, for browsers")),
    responses((status = 101, description = "Switching to the WebSocket protocol"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Origin not allowed")),
    security(("bearer" = [])))]
pub async fn websocket(
    State(app): State<Arc<App>>,
    State(realtime): State<Realtime>,
    bearer: Option<Extension<VerifiedBearer>>,
    headers: HeaderMap,
    Query(params): Query<WsParams>,
    upgrade: WebSocketUpgrade,
) -> ApiResult<Response> {
    if !origin_allowed(&realtime.settings, &headers) {
        return Err(ApiError::new(
            ErrorCode::OriginNotAllowed,
            "this origin may not open the WebSocket",
        ));
    }
    let credentials = match (&params.ticket, bearer) {
        (_, Some(Extension(VerifiedBearer(verified)))) => verified?,
        (Some(ticket), None) => realtime.tickets.redeem(ticket).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidTicket,
                "the ticket is unknown, used or expired; get a new one",
            )
        })?,
        (None, None) => {
            return Err(ApiError::new(
                ErrorCode::MissingToken,
                "send Authorization: Bearer <token> or ?ticket=",
            ));
        }
    };
    let start = Subscription::start(&app, credentials.principal.clone(), params.after.as_deref())
        .await
        .map_err(start_error)?
        .hiding(app.security().hidden_departments(&credentials.principal));
    Ok(upgrade
        .read_buffer_size(4 * 1024)
        .write_buffer_size(16 * 1024)
        .max_write_buffer_size(256 * 1024)
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| async move {
            let _presence = realtime.presence.connect(
                &credentials.principal,
                app.store().clone(),
                realtime.settings.away_grace,
            );
            let mut connection = Connection {
                socket,
                app,
                realtime,
                credentials,
                typing_sent: Vec::new(),
            };
            let _open = crate::metrics::OpenWebSocket::count();
            if let Err(reason) = connection.run(start).await {
                tracing::debug!(%reason, "websocket closed");
            }
        }))
}

/// Why the server closes a socket: a close code and the sentence sent with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CloseReason {
    InvalidUtf8,
    MessageTooBig,
    BinaryFrame,
    SessionEnded,
    TokenExpired,
    ServerRestarting,
}

impl CloseReason {
    fn code(self) -> u16 {
        match self {
            CloseReason::InvalidUtf8 => 1007,
            CloseReason::MessageTooBig => 1009,
            CloseReason::BinaryFrame => 1003,
            CloseReason::SessionEnded | CloseReason::TokenExpired => 1008,
            CloseReason::ServerRestarting => 1012,
        }
    }

    fn text(self) -> &'static str {
        match self {
            CloseReason::InvalidUtf8 => "text frames must be valid UTF-8",
            CloseReason::MessageTooBig => "message too big; the limit is 64 KiB",
            CloseReason::BinaryFrame => "binary frames are not supported",
            CloseReason::SessionEnded => "your session has ended; log in again",
            CloseReason::TokenExpired => {
                "your identity token has expired; reconnect with a fresh one"
            }
            CloseReason::ServerRestarting => "server restarting; reconnect with your cursor",
        }
    }

    /// The close a client's unreadable frame calls for; `None` for failures
    /// of the connection itself, which cannot carry a close frame.
    fn for_broken_frame(error: &axum::Error) -> Option<CloseReason> {
        use std::error::Error as _;
        let protocol = error.source()?.downcast_ref::<tungstenite::Error>()?;
        match protocol {
            tungstenite::Error::Utf8(_) => Some(CloseReason::InvalidUtf8),
            tungstenite::Error::Capacity(_) => Some(CloseReason::MessageTooBig),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    Ping,
    Typing { conversation_id: String },
}

struct Connection {
    socket: WebSocket,
    app: Arc<App>,
    realtime: Realtime,
    /// Who is connected, as last checked, and how to check it again: the
    /// session for operators, the token's expiry for customers.
    credentials: Authenticated,
    /// Recent typing events this socket sent, for rate limiting.
    typing_sent: Vec<(ConversationId, Instant)>,
}

impl Connection {
    async fn send_json(&mut self, value: &impl serde::Serialize) -> Result<(), String> {
        let text = serde_json::to_string(value).map_err(|e| e.to_string())?;
        match tokio::time::timeout(SEND_TIMEOUT, self.socket.send(WsMessage::Text(text.into())))
            .await
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("client too slow".into()),
        }
    }

    /// Writes all frames, then flushes once: one system call for a batch.
    async fn send_events(
        &mut self,
        sub: &Subscription,
        events: &[Arc<Event>],
    ) -> Result<(), String> {
        let socket = &mut self.socket;
        let write_all = async {
            for event in events {
                let text = serde_json::to_string(&frame(sub, event)).map_err(|e| e.to_string())?;
                socket
                    .feed(WsMessage::Text(text.into()))
                    .await
                    .map_err(|e| e.to_string())?;
            }
            socket.flush().await.map_err(|e| e.to_string())
        };
        tokio::time::timeout(SEND_TIMEOUT, write_all)
            .await
            .map_err(|_| "client too slow".to_owned())?
    }

    async fn close(&mut self, reason: CloseReason) {
        let close = WsMessage::Close(Some(CloseFrame {
            code: reason.code(),
            reason: Utf8Bytes::from_static(reason.text()),
        }));
        let _ = tokio::time::timeout(Duration::from_secs(1), self.socket.send(close)).await;
    }

    async fn run(&mut self, start: Start) -> Result<(), String> {
        let mut sub = match start {
            Start::Resumed(sub) => sub,
            Start::Resync(sub, reason) => {
                let resync = serde_json::json!({
                    "type": "resync", "reason": reason.code(), "message": reason.message(), "cursor": sub.cursor(),
                });
                self.send_json(&resync).await?;
                sub
            }
        };
        self.catch_up(&mut sub).await?;
        self.send_json(&serde_json::json!({ "type": "caught_up", "cursor": sub.cursor() }))
            .await?;

        let mut typing = self.realtime.typing.subscribe_typing();
        let mut ping = tokio::time::interval(self.realtime.settings.ping_every);
        ping.tick().await;
        let shutdown = self.realtime.shutdown.clone();
        let token_expiry = expiry(self.credentials.expires_at);
        tokio::pin!(token_expiry);
        loop {
            // Outside the select!, so nothing can interrupt a read of the log.
            self.catch_up(&mut sub).await?;
            tokio::select! {
                incoming = self.socket.recv() => match incoming {
                    None => return Ok(()),
                    Some(Err(e)) => {
                        if let Some(reason) = CloseReason::for_broken_frame(&e) {
                            self.close(reason).await;
                        }
                        return Err(e.to_string());
                    }
                    Some(Ok(WsMessage::Text(text))) => self.on_client_message(text.as_str()).await?,
                    Some(Ok(WsMessage::Binary(_))) => {
                        self.close(CloseReason::BinaryFrame).await;
                        return Ok(());
                    }
                    Some(Ok(WsMessage::Close(_))) => return Ok(()),
                    Some(Ok(_)) => {}
                },
                events = sub.live() => {
                    let events = events.map_err(|e| e.to_string())?;
                    self.send_events(&sub, &events).await?;
                }
                typed = typing.recv() => match typed {
                    Ok(t) if t.visible_to(&self.credentials.principal) => {
                        self.send_json(&serde_json::json!({ "type": "typing", "data": &*t })).await?;
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return Ok(()),
                },
                _ = ping.tick() => {
                    if !self.still_allowed(&mut sub).await? {
                        self.close(CloseReason::SessionEnded).await;
                        return Ok(());
                    }
                    tokio::time::timeout(SEND_TIMEOUT, self.socket.send(WsMessage::Ping(Default::default())))
                        .await
                        .map_err(|_| "client too slow".to_owned())?
                        .map_err(|e| e.to_string())?;
                }
                () = &mut token_expiry => {
                    self.close(CloseReason::TokenExpired).await;
                    return Ok(());
                }
                () = shutdown.cancelled() => {
                    self.close(CloseReason::ServerRestarting).await;
                    return Ok(());
                }
            }
        }
    }

    /// Sends whatever the log holds that the reader has not seen yet.
    async fn catch_up(&mut self, sub: &mut Subscription) -> Result<(), String> {
        while sub.is_behind() {
            let (events, _) = sub.read_page().await.map_err(|e| e.to_string())?;
            self.send_events(sub, &events).await?;
        }
        Ok(())
    }

    /// Checks an operator's session again and picks up changed departments,
    /// so logging out or losing a department also reaches open sockets.
    async fn still_allowed(&mut self, sub: &mut Subscription) -> Result<bool, String> {
        let Some(session) = &self.credentials.session_hash else {
            return Ok(true);
        };
        let now = auth::unix_now();
        match self.app.store().session_operator(session, now).await {
            Ok(Some(operator)) => {
                let principal = Principal::Operator(operator);
                if principal != self.credentials.principal {
                    self.credentials.principal = principal.clone();
                    sub.set_principal(principal);
                }
                Ok(true)
            }
            Ok(None) => Ok(false),
            Err(e) => Err(e.to_string()),
        }
    }

    async fn on_client_message(&mut self, text: &str) -> Result<(), String> {
        let message = match serde_json::from_str::<ClientMessage>(text) {
            Ok(message) => message,
            Err(e) => {
                let error = ApiError::new(ErrorCode::InvalidMessage, e.to_string());
                return self.send_json(&error.into_ws_frame()).await;
            }
        };
        match message {
            ClientMessage::Ping => self.send_json(&serde_json::json!({ "type": "pong" })).await,
            ClientMessage::Typing { conversation_id } => {
                let id = ConversationId::from_raw(conversation_id);
                let now = Instant::now();
                self.typing_sent
                    .retain(|(_, at)| now.duration_since(*at) < TYPING_INTERVAL);
                let repeated = self.typing_sent.iter().any(|(c, _)| c == &id);
                if repeated || self.typing_sent.len() >= TYPING_PER_INTERVAL {
                    return Ok(());
                }
                self.typing_sent.push((id.clone(), now));
                let opened = self
                    .app
                    .open_conversation(&self.credentials.principal, &id, hotline_app::Purpose::Act)
                    .await;
                let conversation = match opened {
                    Ok(c) => c,
                    Err(e) if e.kind == hotline_app::ErrorKind::Internal => {
                        return Err(e.to_string());
                    }
                    Err(_) => {
                        let error = ApiError::new(ErrorCode::NotFound, "no such conversation");
                        return self.send_json(&error.into_ws_frame()).await;
                    }
                };
                self.realtime.typing.publish_typing(Typing {
                    conversation_id: id,
                    department: conversation.department,
                    customer_id: conversation.customer.id,
                    author: Author::of(&self.credentials.principal),
                });
                Ok(())
            }
        }
    }
}

/// Long-poll fallback: events after `after`, waiting up to `wait` seconds
/// when there are none yet.
#[utoipa::path(get, path = "/api/v1/events", tag = "realtime", params(EventsQuery),
    responses((status = 200, body = EventBatch), (status = 400, body = ErrorBody),
        (status = 410, body = ErrorBody, description = "The cursor cannot be honoured: reload state and continue from the `cursor` given")),
    security(("bearer" = [])))]
pub async fn long_poll(
    State(app): State<Arc<App>>,
    State(realtime): State<Realtime>,
    Auth(principal): Auth,
    Query(query): Query<EventsQuery>,
) -> ApiResult<Response> {
    let wait = query.wait.unwrap_or(25);
    if wait > 60 {
        return Err(ApiError::new(
            ErrorCode::InvalidQuery,
            "wait must be 0–60 seconds",
        ));
    }
    let hidden = app.security().hidden_departments(&principal);
    let mut sub = match Subscription::start(&app, principal, query.after.as_deref())
        .await
        .map_err(start_error)?
        .hiding(hidden)
    {
        Start::Resumed(sub) => sub,
        Start::Resync(sub, reason) => {
            return Err(ApiError::new(reason.code(), reason.message())
                .with_extra(serde_json::json!({ "cursor": sub.cursor() })));
        }
    };
    let mut events = Vec::new();
    let mut caught_up = !sub.is_behind();
    if sub.is_behind() {
        let (page, done) = sub.read_page().await?;
        events = page;
        caught_up = done;
    }
    if events.is_empty() && wait > 0 {
        // A shutdown answers at once (empty), so it is not held up by polls.
        tokio::select! {
            next = tokio::time::timeout(Duration::from_secs(wait), sub.next()) => {
                if let Ok(next) = next {
                    events = next?;
                }
            }
            () = realtime.shutdown.cancelled() => {}
        }
        caught_up = !sub.is_behind();
    }
    let frames = events.iter().map(|e| frame(&sub, e)).collect();
    Ok(Json(EventBatch {
        events: frames,
        cursor: sub.cursor(),
        caught_up,
    })
    .into_response())
}

/// Resolves when an identity token expires (never for sessions, which are
/// checked on every ping instead).
async fn expiry(expires_at: Option<i64>) {
    match expires_at {
        Some(at) => {
            let left = u64::try_from(at - auth::unix_now()).unwrap_or(0);
            tokio::time::sleep(Duration::from_secs(left)).await;
        }
        None => std::future::pending().await,
    }
}
