//! The bare relay: the same traffic shape as Hotline (a JSON POST answered
//! with 201, then a `message.created` text frame pushed to WebSockets) with no
//! auth, no validation beyond JSON parsing, no storage and no per-conversation
//! routing. Whatever `throughput` measures against it is the ceiling of this
//! machine, HTTP stack and bench; Hotline's numbers are read against it.
//!
//! - `POST /send {"conversation_id","text","client_msg_id"}` → 201
//!   `{"id","client_msg_id","text"}`, and broadcasts
//!   `{"type":"message.created","data":{"conversation_id","client_msg_id","text"}}`.
//! - `GET /ws`: receives every broadcast frame. Like Hotline it first sends
//!   `{"type":"caught_up"}`, once it is subscribed, so that a client knows
//!   nothing sent from then on can be missed.

use anyhow::{Context, Result};
use axum::extract::State;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::net::TcpListener;
use tokio::sync::broadcast;
use uuid::Uuid;

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9090")]
    listen: SocketAddr,
    /// Frames buffered per WebSocket before a slow one starts losing them.
    #[arg(long, default_value_t = 65_536)]
    buffer: usize,
}

#[derive(Clone)]
struct Relay {
    events: broadcast::Sender<Utf8Bytes>,
    /// Frames dropped because a WebSocket fell `buffer` frames behind.
    lagged: Arc<AtomicU64>,
}

pub async fn run(args: Args) -> Result<()> {
    anyhow::ensure!(args.buffer > 0, "--buffer must be at least 1");
    let (events, _) = broadcast::channel(args.buffer);
    let relay = Relay {
        events,
        lagged: Arc::new(AtomicU64::new(0)),
    };
    let app = Router::new()
        .route("/send", post(send))
        .route("/ws", get(websocket))
        .with_state(relay);

    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    eprintln!(
        "relay listening on http://{} (POST /send, GET /ws); Ctrl-C to stop",
        listener.local_addr()?
    );
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            eprintln!("relay: cannot set TCP_NODELAY: {e}");
        }
    });
    tokio::select! {
        served = axum::serve(listener, app).into_future() => served.context("the relay server failed")?,
        signal = tokio::signal::ctrl_c() => {
            signal.context("cannot wait for Ctrl-C")?;
            eprintln!("relay: stopping");
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct SendRequest {
    conversation_id: String,
    text: String,
    client_msg_id: String,
}

#[derive(Serialize)]
struct SendResponse {
    id: Uuid,
    client_msg_id: String,
    text: String,
}

#[derive(Serialize)]
struct Event<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    data: EventData<'a>,
}

#[derive(Serialize)]
struct EventData<'a> {
    conversation_id: &'a str,
    client_msg_id: &'a str,
    text: &'a str,
}

async fn send(State(relay): State<Relay>, Json(request): Json<SendRequest>) -> Response {
    let event = Event {
        kind: "message.created",
        data: EventData {
            conversation_id: &request.conversation_id,
            client_msg_id: &request.client_msg_id,
            text: &request.text,
        },
    };
    let frame = match serde_json::to_string(&event) {
        Ok(frame) => frame,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    // An error only means that no WebSocket is connected: nothing to deliver.
    let _ = relay.events.send(Utf8Bytes::from(frame));
    let body = SendResponse {
        id: Uuid::new_v4(),
        client_msg_id: request.client_msg_id,
        text: request.text,
    };
    (StatusCode::CREATED, Json(body)).into_response()
}

async fn websocket(State(relay): State<Relay>, upgrade: WebSocketUpgrade) -> Response {
    // Subscribe before the upgrade completes: anything sent after the client
    // sees the 101 is already queued for it.
    let events = relay.events.subscribe();
    upgrade.on_upgrade(move |socket| session(socket, events, relay.lagged))
}

async fn session(
    mut socket: WebSocket,
    mut events: broadcast::Receiver<Utf8Bytes>,
    lagged: Arc<AtomicU64>,
) {
    if socket
        .send(Message::Text(Utf8Bytes::from_static(
            r#"{"type":"caught_up"}"#,
        )))
        .await
        .is_err()
    {
        return;
    }
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(frame) => {
                    if socket.send(Message::Text(frame)).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    let total = lagged.fetch_add(missed, Ordering::Relaxed) + missed;
                    eprintln!("relay: a WebSocket fell behind and lost {missed} frames ({total} in all)");
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}
