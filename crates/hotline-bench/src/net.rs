//! Networking helpers shared by the scenarios: HTTP status checks and
//! WebSocket connections that follow Hotline's `caught_up` handshake.

use anyhow::{Context, Result, bail};
use futures_util::StreamExt;
use reqwest::{Response, StatusCode, Url};
use serde::Deserialize;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type WsStream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Returns `response` if it has the `expected` status, otherwise an error
/// carrying the status and the start of the body.
pub async fn expect_status(response: Response, expected: StatusCode) -> Result<Response> {
    let status = response.status();
    if status == expected {
        return Ok(response);
    }
    let url = response.url().to_string();
    let body = response.text().await.unwrap_or_default();
    let body: String = body.chars().take(300).collect();
    bail!("{url} answered {status} (expected {expected}): {body}")
}

/// `http://host:port` + `/path` → `ws://host:port/path` (https → wss).
pub fn ws_url(http_base: &str, path: &str) -> Result<String> {
    let mut url = Url::parse(http_base).with_context(|| format!("invalid URL {http_base:?}"))?;
    let scheme = match url.scheme() {
        "http" | "ws" => "ws",
        "https" | "wss" => "wss",
        other => bail!("unsupported URL scheme {other:?} in {http_base:?}"),
    };
    url.set_scheme(scheme)
        .map_err(|()| anyhow::anyhow!("cannot use scheme {scheme} for {http_base:?}"))?;
    url.set_path(path);
    Ok(url.to_string())
}

/// The base URL without a trailing slash, so that `format!("{base}/api/...")`
/// works.
pub fn base_url(url: &str) -> Result<String> {
    Url::parse(url).with_context(|| format!("invalid URL {url:?}"))?;
    Ok(url.trim_end_matches('/').to_owned())
}

/// Opens a WebSocket, with `Authorization: Bearer <token>` when given, and
/// Nagle's algorithm off so that small frames are not delayed.
pub async fn connect(
    url: &str,
    bearer: Option<&str>,
    config: Option<WebSocketConfig>,
) -> Result<WsStream> {
    let mut request = url
        .into_client_request()
        .with_context(|| format!("invalid WebSocket URL {url:?}"))?;
    if let Some(token) = bearer {
        let value = HeaderValue::from_str(&format!("Bearer {token}"))
            .context("the token is not a valid header value")?;
        request.headers_mut().insert("authorization", value);
    }
    let (ws, _response) = tokio_tungstenite::connect_async_with_config(request, config, true)
        .await
        .map_err(|e| match e {
            tungstenite::Error::Http(response) => {
                let body = response
                    .body()
                    .as_deref()
                    .map(String::from_utf8_lossy)
                    .unwrap_or_default();
                anyhow::anyhow!("WebSocket upgrade refused: {}: {body}", response.status())
            }
            other => anyhow::Error::new(other),
        })
        .with_context(|| format!("cannot open the WebSocket {url}"))?;
    Ok(ws)
}

#[derive(Deserialize)]
struct FrameType {
    #[serde(rename = "type")]
    kind: String,
}

fn is_caught_up(text: &str) -> bool {
    serde_json::from_str::<FrameType>(text).is_ok_and(|frame| frame.kind == "caught_up")
}

/// Reads frames until the server's `{"type":"caught_up"}`: from then on every
/// new event will be pushed, so the scenario may start.
pub async fn wait_caught_up(ws: &mut WsStream, timeout: Duration) -> Result<()> {
    let wait = async {
        while let Some(frame) = ws.next().await {
            match frame.context("the WebSocket failed before caught_up")? {
                Message::Text(text) if is_caught_up(&text) => return Ok(()),
                Message::Close(reason) => {
                    bail!("the server closed the WebSocket before caught_up: {reason:?}")
                }
                _ => {}
            }
        }
        bail!("the WebSocket ended before caught_up")
    };
    tokio::time::timeout(timeout, wait)
        .await
        .with_context(|| format!("no caught_up frame within {} s", timeout.as_secs()))?
}
