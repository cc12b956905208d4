//! `TestApp`: a real server on a real port with a real SQLite file, driven
//! over HTTP and WebSocket like any client.

use futures_util::{SinkExt, StreamExt};
use hotline_app::bus::{EventBus, LocalBus};
use hotline_domain::{DepartmentId, Role};
use hotline_server::auth::identity::{IdentityClaims, mint};
use hotline_server::auth::passwords::hash_password;
use hotline_server::settings::Settings;
use hotline_store::NewOperator;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const SECRET: &str = "test-identity-secret-0123456789";

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub struct TestApp {
    pub addr: SocketAddr,
    pub http: reqwest::Client,
    pub state: hotline_server::state::AppState,
    pub retention: hotline_server::security::retention::Retention,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    pub dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        Self::spawn_in(dir, configure).await
    }

    /// Starts a server on `dir`; used again on the same directory to restart.
    pub async fn spawn_in(
        dir: tempfile::TempDir,
        configure: impl FnOnce(&mut Settings),
    ) -> TestApp {
        let mut settings = Settings {
            data_dir: dir.path().to_path_buf(),
            ..Settings::default()
        };
        settings.identity.secret = Some(SECRET.into());
        settings.allowed_origins = vec!["https://shop.example".into()];
        // Tests send faster than people do; the rate-limit tests switch them on.
        settings.security.rate_limits = hotline_server::security::limits::RateLimitSettings::off();
        configure(&mut settings);
        let (store, bus) = crate::helpers::open_backend(&settings)
            .await
            .expect("store");
        let server = hotline_server::build(settings, store, bus)
            .await
            .expect("build");
        let state = server.state.clone();
        let retention = server.retention.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            hotline_server::serve(listener, server, async {
                let _ = rx.await;
            })
            .await
            .expect("serve");
        });
        TestApp {
            addr,
            http: reqwest::Client::new(),
            state,
            retention,
            shutdown: Some(tx),
            server: Some(server),
            dir,
        }
    }

    /// Stops the server gracefully and hands back its data directory.
    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        std::mem::replace(&mut self.dir, dir)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{}", self.addr, path)
    }

    pub fn customer_token(&self, sub: &str) -> String {
        customer_token_with(sub, |_| {})
    }

    /// Creates an operator and logs them in over HTTP; returns the bearer token.
    pub async fn operator(&self, email: &str, role: Role, departments: &[&str]) -> String {
        self.state
            .store
            .create_operator(NewOperator {
                email: email.into(),
                name: email.split('@').next().unwrap_or(email).to_owned(),
                role,
                departments: departments
                    .iter()
                    .map(|d| DepartmentId::parse((*d).to_owned()).expect("dept"))
                    .collect(),
                password_hash: hash_password("password-123").expect("hash"),
            })
            .await
            .expect("create operator");
        let response = self
            .http
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": "password-123"}))
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), 200);
        response.json::<Value>().await.expect("json")["token"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    /// One authenticated request, with a JSON body when given one.
    async fn request(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        split(request.send().await.expect("request")).await
    }

    pub async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        self.request(reqwest::Method::GET, token, path, None).await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        self.request(reqwest::Method::POST, token, path, Some(body))
            .await
    }

    pub async fn patch(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        self.request(reqwest::Method::PATCH, token, path, Some(body))
            .await
    }

    pub async fn put(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        self.request(reqwest::Method::PUT, token, path, Some(body))
            .await
    }

    pub async fn delete(&self, token: &str, path: &str) -> (u16, Value) {
        self.request(reqwest::Method::DELETE, token, path, None)
            .await
    }

    /// Starts a conversation; returns its id.
    pub async fn start(&self, token: &str, department: &str, text: &str) -> String {
        let (status, body) = self
            .post(
                token,
                "/api/v1/conversations",
                json!({"department": department, "text": text, "client_msg_id": uuid::Uuid::new_v4().to_string()}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().expect("id").to_owned()
    }

    pub async fn send(&self, token: &str, conversation: &str, text: &str) -> Value {
        let (status, body) = self
            .post(
                token,
                &format!("/api/v1/conversations/{conversation}/messages"),
                json!({"text": text, "client_msg_id": uuid::Uuid::new_v4().to_string()}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    pub async fn ws(&self, token: &str, query: &str) -> Ws {
        let mut request = self
            .ws_url(&format!("/api/v1/ws{query}"))
            .into_client_request()
            .expect("request");
        request.headers_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().expect("header"),
        );
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("websocket");
        ws
    }
}

pub fn customer_token_with(sub: &str, adjust: impl FnOnce(&mut IdentityClaims)) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut claims = IdentityClaims {
        sub: sub.into(),
        name: format!("Клиент {sub}"),
        exp: now + 3600,
        iat: Some(now),
        email: None,
        phone: None,
        // A fresh login with a second factor: the bank department requires it.
        amr: vec!["pwd".into(), "otp".into()],
        auth_time: Some(now),
        tier: None,
        role: None,
    };
    adjust(&mut claims);
    mint(SECRET, &claims).expect("mint")
}

/// The embedded database under the settings' data directory, for writing
/// while no server runs.
pub async fn open_store(
    settings: &Settings,
) -> Result<Arc<dyn hotline_store::Store>, hotline_store::StoreError> {
    Ok(open_backend(settings).await?.0)
}

/// The embedded database under the settings' data directory and the bus its
/// committed events go to.
pub async fn open_backend(
    settings: &Settings,
) -> Result<(Arc<dyn hotline_store::Store>, Arc<dyn EventBus>), hotline_store::StoreError> {
    std::fs::create_dir_all(&settings.data_dir).map_err(hotline_store::StoreError::backend)?;
    let bus: Arc<dyn EventBus> = Arc::new(LocalBus::default());
    let store =
        hotline_store_sqlite::SqliteStore::open(settings.data_dir.join("hotline.db"), bus.clone())
            .await?;
    Ok((Arc::new(store), bus))
}

/// Uploads a file as the multipart field `file`.
pub async fn upload(app: &TestApp, token: &str, name: &str, content: &[u8]) -> (u16, Value) {
    let part = reqwest::multipart::Part::bytes(content.to_vec()).file_name(name.to_owned());
    let form = reqwest::multipart::Form::new().part("file", part);
    let response = app
        .http
        .post(app.url("/api/v1/attachments"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    split(response).await
}

pub async fn split(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

/// The next JSON frame, skipping pings; panics after 5 s of silence.
pub async fn next_frame(ws: &mut Ws) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a frame within 5 s")
            .expect("socket open")
            .expect("frame");
        match message {
            WsMessage::Text(text) => {
                return serde_json::from_str(text.as_str()).expect("json frame");
            }
            WsMessage::Ping(_) | WsMessage::Pong(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

/// Frames until (and without) the `caught_up` marker; returns them and its cursor.
pub async fn until_caught_up(ws: &mut Ws) -> (Vec<Value>, String) {
    let mut frames = Vec::new();
    loop {
        let frame = next_frame(ws).await;
        if frame["type"] == "caught_up" {
            return (frames, frame["cursor"].as_str().expect("cursor").to_owned());
        }
        frames.push(frame);
    }
}

/// Whether no frame (but pings) arrives within `wait`.
pub async fn silent_for(ws: &mut Ws, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return None,
            Ok(Some(Ok(WsMessage::Text(text)))) => {
                return Some(serde_json::from_str(text.as_str()).expect("json"));
            }
            Ok(Some(Ok(_))) => continue,
            Ok(other) => panic!("socket ended: {other:?}"),
        }
    }
}

pub async fn send_ws(ws: &mut Ws, value: Value) {
    ws.send(WsMessage::Text(value.to_string().into()))
        .await
        .expect("send");
}
