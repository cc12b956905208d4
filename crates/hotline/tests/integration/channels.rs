//! Telegram and VK end to end: the real `hotline serve` on a real SQLite
//! file, driven with the platforms' example updates (tests/data), talking
//! to stand-ins of the Bot API and the VK API that answer as those APIs
//! document — including 429 with `retry_after`, 5xx, and VK's error codes.

use crate::durability::{SECRET, start_server_with, token};
use crate::support::Process;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BOT_TOKEN: &str = "123456:TEST-bot-token";
const WEBHOOK_SECRET: &str = "webhook-secret_0123456789";
const VK_SECRET: &str = "SECRET";
const VK_GROUP: &str = "229000111";
const PASSWORD: &str = "long-enough-password";
/// Enough for a sniffer to call it PNG.
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

fn data(path: &str) -> Value {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path);
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

/// A call the stand-in received.
#[derive(Debug, Clone)]
struct Call {
    /// The method (`sendMessage`, `messages.send`, …).
    method: String,
    body: Bytes,
}

impl Call {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    /// A form parameter (VK's calls are forms).
    fn form(&self, name: &str) -> Option<String> {
        let query = String::from_utf8_lossy(&self.body);
        reqwest::Url::parse(&format!("http://x/?{query}"))
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
    fn contains(&self, needle: &[u8]) -> bool {
        self.body.windows(needle.len()).any(|w| w == needle)
    }
}

/// The stand-in of both platforms' APIs.
#[derive(Clone, Default)]
struct Platform {
    calls: Arc<Mutex<Vec<Call>>>,
    /// What the next sends answer instead of success: (status, body).
    failures: Arc<Mutex<VecDeque<(u16, Value)>>>,
    /// Every send fails with 503 while set.
    down: Arc<Mutex<bool>>,
    base: Arc<Mutex<String>>,
}

impl Platform {
    async fn start() -> Platform {
        let platform = Platform::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        *platform.base.lock().unwrap() = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(platform.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        platform
    }

    fn base(&self) -> String {
        self.base.lock().unwrap().clone()
    }

    /// Sends (not lookups) the platform accepted or refused, by method.
    fn sends(&self, method: &str) -> Vec<Call> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.method == method)
            .cloned()
            .collect()
    }

    fn fail_next(&self, answers: impl IntoIterator<Item = (u16, Value)>) {
        self.failures.lock().unwrap().extend(answers);
    }
}

const SENDS: &[&str] = &["sendMessage", "sendDocument", "messages.send"];

async fn answer(
    State(platform): State<Platform>,
    method: Method,
    uri: Uri,
    _headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let name = path.rsplit('/').next().unwrap_or_default().to_owned();
    if method == Method::GET {
        // Telegram's file download and VK's photo URL.
        assert!(path.starts_with(&format!("/file/bot{BOT_TOKEN}/")) || path == "/vkphoto");
        return PNG.into_response();
    }
    if path.starts_with("/bot") {
        assert!(path.starts_with(&format!("/bot{BOT_TOKEN}/")), "{path}");
    }
    if path.starts_with("/method/") {
        let call = Call {
            method: name.clone(),
            body: body.clone(),
        };
        assert_eq!(
            call.form("access_token").as_deref(),
            Some("vk-access-token")
        );
    }
    let record = Call {
        method: name.clone(),
        body,
    };
    if SENDS.contains(&name.as_str()) {
        let failure = if *platform.down.lock().unwrap() {
            Some((
                503,
                json!({"ok": false, "error_code": 503, "description": "Service Unavailable"}),
            ))
        } else {
            platform.failures.lock().unwrap().pop_front()
        };
        platform.calls.lock().unwrap().push(record);
        if let Some((status, body)) = failure {
            return (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response();
        }
    } else {
        platform.calls.lock().unwrap().push(record);
    }
    let base = platform.base();
    let result = match name.as_str() {
        "getFile" => {
            json!({"ok": true, "result": {"file_id": "AgACAgIAAxkBAAIBlarge", "file_unique_id": "AQADlarge",
            "file_size": PNG.len(), "file_path": "photos/file_7.png"}})
        }
        "sendMessage" | "sendDocument" => {
            json!({"ok": true, "result": {"message_id": 99, "date": 1780000000,
            "chat": {"id": 555000111, "type": "private"}}})
        }
        "users.get" => {
            json!({"response": [{"id": 310000222, "first_name": "Мария", "last_name": "Иванова"}]})
        }
        "messages.send" => json!({"response": 1001}),
        "docs.getMessagesUploadServer" => {
            json!({"response": {"upload_url": format!("{base}/upload")}})
        }
        "upload" => json!({"file": "uploaded-file-token"}),
        "docs.save" => {
            json!({"response": {"type": "doc", "doc": {"id": 7001, "owner_id": 310000222, "title": "doc"}}})
        }
        other => panic!("the stand-in has no method {other}"),
    };
    axum::Json(result).into_response()
}

/// Waits until `check` holds, for up to 20 s.
async fn until(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

fn channel_env(platform: &Platform) -> Vec<(String, String)> {
    let base = platform.base();
    [
        (
            "HOTLINE_CHANNELS__TELEGRAM__BOT_TOKEN",
            BOT_TOKEN.to_owned(),
        ),
        (
            "HOTLINE_CHANNELS__TELEGRAM__WEBHOOK_SECRET",
            WEBHOOK_SECRET.to_owned(),
        ),
        (
            "HOTLINE_CHANNELS__TELEGRAM__DEPARTMENT",
            "travel".to_owned(),
        ),
        ("HOTLINE_CHANNELS__TELEGRAM__API_URL", base.clone()),
        (
            "HOTLINE_CHANNELS__TELEGRAM__USERNAME",
            "hotline_test_bot".to_owned(),
        ),
        (
            "HOTLINE_CHANNELS__VK__ACCESS_TOKEN",
            "vk-access-token".to_owned(),
        ),
        ("HOTLINE_CHANNELS__VK__SECRET", VK_SECRET.to_owned()),
        ("HOTLINE_CHANNELS__VK__CONFIRMATION", "a1b2c3d4".to_owned()),
        ("HOTLINE_CHANNELS__VK__GROUP_ID", VK_GROUP.to_owned()),
        ("HOTLINE_CHANNELS__VK__DEPARTMENT", "marketplace".to_owned()),
        ("HOTLINE_CHANNELS__VK__API_URL", format!("{base}/method")),
        (
            "HOTLINE_CHANNELS__VK__SCREEN_NAME",
            "hotline_test".to_owned(),
        ),
        (
            "HOTLINE_CHANNELS__LINK_URL",
            "https://shop.example/support?hotline_link={code}".to_owned(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn serve(dir: &Path, platform: &Platform) -> (Process, String) {
    let env = channel_env(platform);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (child, base) = start_server_with(dir, &env);
    (Process(child), base)
}

fn add_operator(dir: &Path) {
    crate::support::add_operator(
        dir,
        crate::support::NewOperator {
            email: "olga@example.com",
            name: "Ольга",
            role: "operator",
            departments: "travel,marketplace",
            password: PASSWORD,
        },
    );
}

struct Hotline {
    http: reqwest::Client,
    base: String,
    operator: String,
}

impl Hotline {
    async fn login(base: String) -> Hotline {
        let http = reqwest::Client::new();
        let login: Value = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"email": "olga@example.com", "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let operator = login["token"].as_str().unwrap().to_owned();
        Hotline {
            http,
            base,
            operator,
        }
    }

    async fn telegram(&self, update: &Value, secret: Option<&str>) -> StatusCode {
        let mut request = self
            .http
            .post(format!("{}/api/v1/channels/telegram/webhook", self.base))
            .json(update);
        if let Some(secret) = secret {
            request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        request.send().await.unwrap().status()
    }

    async fn vk(&self, event: &Value) -> (StatusCode, String) {
        let response = self
            .http
            .post(format!("{}/api/v1/channels/vk/callback", self.base))
            .json(event)
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }

    async fn get(&self, path: &str, bearer: &str) -> Value {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(bearer)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    async fn conversations_of(&self, customer: &str) -> Vec<Value> {
        let all = self
            .get("/api/v1/conversations?limit=200", &self.operator)
            .await;
        all["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["customer"]["id"] == customer)
            .cloned()
            .collect()
    }

    async fn messages(&self, conversation: &str) -> Vec<Value> {
        let page = self
            .get(
                &format!("/api/v1/conversations/{conversation}/messages"),
                &self.operator,
            )
            .await;
        page["messages"].as_array().unwrap().clone()
    }

    async fn reply(&self, conversation: &str, text: &str, attachment_ids: Vec<String>) {
        let response = self
            .http
            .post(format!(
                "{}/api/v1/conversations/{conversation}/messages",
                self.base
            ))
            .bearer_auth(&self.operator)
            .json(&json!({"text": text, "client_msg_id": uuid_like(text), "attachment_ids": attachment_ids}))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{}",
            response.text().await.unwrap()
        );
    }

    async fn upload_pdf(&self) -> String {
        let info =
            crate::support::upload(&self.http, &self.base, &self.operator, "Акт.pdf", PDF).await;
        info["id"].as_str().unwrap().to_owned()
    }
}

fn uuid_like(text: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    format!("op-{:x}", hasher.finish())
}

fn with_update_id(mut update: Value, id: i64) -> Value {
    update["update_id"] = json!(id);
    update
}

fn texts_to(platform: &Platform, chat: i64) -> Vec<String> {
    platform
        .sends("sendMessage")
        .iter()
        .map(Call::json)
        .filter(|b| b["chat_id"] == chat)
        .map(|b| b["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

const CHAT: i64 = 555000111;

/// The stand-in, a data directory with an operator, Hotline serving on it
/// with both channels, and the operator logged in.
async fn started() -> (Platform, tempfile::TempDir, Process, Hotline) {
    let platform = Platform::start().await;
    let dir = tempfile::tempdir().unwrap();
    add_operator(dir.path());
    let (server, base) = serve(dir.path(), &platform);
    let hotline = Hotline::login(base).await;
    (platform, dir, server, hotline)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_telegram_chat_is_a_guest_until_linked_and_gets_each_reply_once() {
    let (platform, _dir, server, hotline) = started().await;
    let base = hotline.base.clone();

    // Only Telegram calling with the secret gets in.
    let text = data("telegram/text.json");
    assert_eq!(
        hotline.telegram(&text, None).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        hotline
            .telegram(&text, Some("webhook-secret_0123456780"))
            .await,
        StatusCode::UNAUTHORIZED
    );

    // The greeting, then a question, sent twice as Telegram retries.
    assert_eq!(
        hotline
            .telegram(&data("telegram/start.json"), Some(WEBHOOK_SECRET))
            .await,
        StatusCode::OK
    );
    until("the greeting", || !texts_to(&platform, CHAT).is_empty()).await;
    assert!(texts_to(&platform, CHAT)[0].contains("не видим ваших заказов"));
    for _ in 0..2 {
        assert_eq!(
            hotline.telegram(&text, Some(WEBHOOK_SECRET)).await,
            StatusCode::OK
        );
    }
    let guest = format!("telegram:{CHAT}");
    let conversations = hotline.conversations_of(&guest).await;
    assert_eq!(conversations.len(), 1, "one conversation for the chat");
    let conversation = conversations[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(conversations[0]["department"], "travel");
    assert_eq!(conversations[0]["customer"]["name"], "Иван Петров");
    let messages = hotline.messages(&conversation).await;
    assert_eq!(messages.len(), 1, "the retried update is one message");
    assert_eq!(messages[0]["client_msg_id"], "telegram-700000002");

    // A guest has no customer context: operators see no orders.
    let customer = hotline
        .get(
            &format!("/api/v1/conversations/{conversation}/customer"),
            &hotline.operator,
        )
        .await;
    assert!(customer["context"].is_null(), "{customer}");
    assert!(customer["channels"][0]["verified"] == false, "{customer}");

    // A photo becomes an attachment of the same conversation.
    assert_eq!(
        hotline
            .telegram(&data("telegram/photo.json"), Some(WEBHOOK_SECRET))
            .await,
        StatusCode::OK
    );
    let messages = hotline.messages(&conversation).await;
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1]["text"], "Вот бирка багажа");
    assert_eq!(messages[1]["attachments"][0]["content_type"], "image/png");
    assert_eq!(
        platform.sends("getFile")[0].json()["file_id"],
        "AgACAgIAAxkBAAIBlarge"
    );

    // The operator's reply reaches the chat once.
    hotline
        .reply(&conversation, "Здравствуйте! Проверяем ваш багаж.", vec![])
        .await;
    until("the reply", || texts_to(&platform, CHAT).len() == 2).await;
    assert_eq!(
        texts_to(&platform, CHAT)[1],
        "Ольга, оператор поддержки:\nЗдравствуйте! Проверяем ваш багаж."
    );

    // Telegram rate-limits, then fails: the reply waits and goes once.
    platform.fail_next([
        (429, json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1", "parameters": {"retry_after": 1}})),
        (502, json!({"ok": false, "error_code": 502, "description": "Bad Gateway"})),
        (500, json!({"ok": false, "error_code": 500, "description": "Internal Server Error"})),
    ]);
    let before = platform.sends("sendMessage").len();
    hotline
        .reply(&conversation, "Багаж нашёлся в Шереметьево.", vec![])
        .await;
    until("the reply after the outage", || {
        platform.sends("sendMessage").len() - before == 4
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let tries = texts_to(&platform, CHAT);
    let tries = &tries[tries.len() - 4..];
    assert!(
        tries
            .iter()
            .all(|t| t.ends_with("Багаж нашёлся в Шереметьево."))
    );
    assert_eq!(
        platform.sends("sendMessage").len() - before,
        4,
        "three refused, the fourth accepted, and never again"
    );

    // A reply longer than Telegram takes (4096) arrives whole, in pieces
    // cut between words, in order.
    let long: String = (1..=900).map(|n| format!("пункт{n} ")).collect();
    let before = texts_to(&platform, CHAT).len();
    hotline.reply(&conversation, long.trim_end(), vec![]).await;
    until("the long reply", || {
        texts_to(&platform, CHAT).len() - before == 3
    })
    .await;
    let pieces = texts_to(&platform, CHAT)[before..].to_vec();
    assert!(
        pieces.iter().all(|p| p.chars().count() <= 4096),
        "{pieces:?}"
    );
    let words: Vec<String> = pieces
        .join(" ")
        .split_whitespace()
        .filter(|w| w.starts_with("пункт"))
        .map(str::to_owned)
        .collect();
    let expected: Vec<String> = (1..=900).map(|n| format!("пункт{n}")).collect();
    assert_eq!(words, expected, "every word once, in order");

    // An operator's file goes out as a document.
    let pdf = hotline.upload_pdf().await;
    hotline
        .reply(&conversation, "Акт о неисправности багажа", vec![pdf])
        .await;
    until("the document", || {
        !platform.sends("sendDocument").is_empty()
    })
    .await;
    assert!(platform.sends("sendDocument")[0].contains(PDF));
    assert!(platform.sends("sendDocument")[0].contains(CHAT.to_string().as_bytes()));

    // «Привязать аккаунт»: a one-time link for the logged-in app.
    assert_eq!(
        hotline
            .telegram(&data("telegram/link.json"), Some(WEBHOOK_SECRET))
            .await,
        StatusCode::OK
    );
    until("the link", || {
        texts_to(&platform, CHAT)
            .iter()
            .any(|t| t.contains("hotline_link="))
    })
    .await;
    let link = texts_to(&platform, CHAT)
        .into_iter()
        .find(|t| t.contains("hotline_link="))
        .unwrap();
    let code: String = link
        .split("hotline_link=")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    assert_eq!(code.len(), 32);

    // The customer, logged in with their orders, opens it.
    let anna = token_with_orders("anna-7");
    let context = hotline
        .http
        .post(format!("{base}/api/v1/customer/context"))
        .bearer_auth(&anna)
        .send()
        .await
        .unwrap();
    assert!(context.status().is_success());
    let widget: Value = hotline
        .http
        .post(format!("{base}/api/v1/conversations"))
        .bearer_auth(&anna)
        .json(
            &json!({"department": "travel", "text": "Потерялся багаж после рейса SU 1234",
            "client_msg_id": "widget-1"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let widget_conversation = widget["id"].as_str().unwrap().to_owned();
    let linked = hotline
        .http
        .post(format!("{base}/api/v1/channels/link"))
        .bearer_auth(&anna)
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(linked.status(), StatusCode::OK);
    let linked: Value = linked.json().await.unwrap();
    assert_eq!(
        (linked["channel"].as_str(), linked["chat_id"].as_str()),
        (Some("telegram"), Some("555000111"))
    );
    let again = hotline
        .http
        .post(format!("{base}/api/v1/channels/link"))
        .bearer_auth(token("mallory"))
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a code links once"
    );
    until("the confirmation", || {
        texts_to(&platform, CHAT)
            .iter()
            .any(|t| t.contains("Аккаунт привязан"))
    })
    .await;

    // Linked, the chat writes as Anna: the same question joins her open one.
    let repeat = with_update_id(data("telegram/text.json"), 700000010);
    assert_eq!(
        hotline.telegram(&repeat, Some(WEBHOOK_SECRET)).await,
        StatusCode::OK
    );
    let annas = hotline.conversations_of("anna-7").await;
    assert_eq!(annas.len(), 1, "joined, not a second conversation");
    assert_eq!(annas[0]["id"], widget_conversation.as_str());
    let messages = hotline.messages(&widget_conversation).await;
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1]["author"]["id"], "anna-7");
    let customer = hotline
        .get(
            &format!("/api/v1/conversations/{widget_conversation}/customer"),
            &hotline.operator,
        )
        .await;
    assert_eq!(
        customer["context"]["orders"][0]["id"], "SU-1234",
        "{customer}"
    );
    assert_eq!(customer["channels"][0]["verified"], true, "{customer}");
    hotline
        .reply(
            &widget_conversation,
            "Анна, ваш багаж уже едет к вам.",
            vec![],
        )
        .await;
    until("the reply in the customer's conversation", || {
        texts_to(&platform, CHAT)
            .iter()
            .any(|t| t.ends_with("Анна, ваш багаж уже едет к вам."))
    })
    .await;

    // She lists and unlinks it; the chat is a guest again.
    let links = hotline.get("/api/v1/channels/links", &anna).await;
    assert_eq!(links["chats"].as_array().unwrap().len(), 1);
    let unlinked = hotline
        .http
        .delete(format!("{base}/api/v1/channels/links/telegram/{CHAT}"))
        .bearer_auth(&anna)
        .send()
        .await
        .unwrap();
    assert_eq!(unlinked.status(), StatusCode::NO_CONTENT);
    let links = hotline.get("/api/v1/channels/links", &anna).await;
    assert!(links["chats"].as_array().unwrap().is_empty());

    // The guest's way in names the bot and the community.
    let channels = hotline.get("/api/v1/channels", &hotline.operator).await;
    let urls: Vec<_> = channels["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["url"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        urls,
        [
            "https://vk.me/hotline_test",
            "https://t.me/hotline_test_bot"
        ]
    );

    drop(server);
}

/// A token like the company's app signs, with the customer's orders.
fn token_with_orders(sub: &str) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = json!({
        "sub": sub, "name": "Анна", "iat": now, "exp": now + 3600, "amr": ["pwd"],
        "orders": [{"id": "SU-1234", "department": "travel", "title": "Москва — Сочи",
            "date": "2026-11-20", "status": "Перелёт завершён"}],
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_queued_during_an_outage_survives_a_restart() {
    let (platform, dir, server, hotline) = started().await;
    assert_eq!(
        hotline
            .telegram(&data("telegram/text.json"), Some(WEBHOOK_SECRET))
            .await,
        StatusCode::OK
    );
    let conversation = hotline.conversations_of(&format!("telegram:{CHAT}")).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    *platform.down.lock().unwrap() = true;
    hotline
        .reply(&conversation, "Ответ, переживший перезапуск", vec![])
        .await;
    until("a refused try", || {
        !platform.sends("sendMessage").is_empty()
    })
    .await;
    // Killed, not stopped: nothing gets to clean up.
    drop(server);
    *platform.down.lock().unwrap() = false;
    let refused = platform.sends("sendMessage").len();

    let (server, _) = serve(dir.path(), &platform);
    until("the reply after the restart", || {
        platform.sends("sendMessage").len() > refused
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let accepted = &platform.sends("sendMessage")[refused..];
    assert_eq!(accepted.len(), 1, "sent once after the restart");
    assert!(
        accepted[0].json()["text"]
            .as_str()
            .unwrap()
            .ends_with("Ответ, переживший перезапуск")
    );
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vk_community_confirms_takes_messages_in_once_and_replies_idempotently() {
    let (platform, _dir, server, hotline) = started().await;

    assert_eq!(
        hotline.vk(&data("vk/confirmation.json")).await,
        (StatusCode::OK, "a1b2c3d4".to_owned())
    );
    let mut event = data("vk/message_new.json");
    let photo = format!("{}/vkphoto", platform.base());
    for size in event["object"]["message"]["attachments"][0]["photo"]["sizes"]
        .as_array_mut()
        .unwrap()
    {
        let url = size["url"].as_str().unwrap().replace("PHOTO_URL", &photo);
        size["url"] = json!(url);
    }
    let mut forged = event.clone();
    forged["secret"] = json!("not-the-secret");
    assert_eq!(hotline.vk(&forged).await.0, StatusCode::UNAUTHORIZED);
    for _ in 0..2 {
        assert_eq!(hotline.vk(&event).await, (StatusCode::OK, "ok".to_owned()));
    }
    let conversations = hotline.conversations_of("vk:310000222").await;
    assert_eq!(conversations.len(), 1);
    assert_eq!(conversations[0]["department"], "marketplace");
    assert_eq!(conversations[0]["customer"]["name"], "Мария Иванова");
    let conversation = conversations[0]["id"].as_str().unwrap().to_owned();
    let messages = hotline.messages(&conversation).await;
    assert_eq!(messages.len(), 1, "VK's retry is one message");
    assert_eq!(messages[0]["attachments"][0]["content_type"], "image/png");

    // VK fails once (its error 10): the retry carries the same random_id.
    platform.fail_next([(
        200,
        json!({"error": {"error_code": 10, "error_msg": "Internal server error"}}),
    )]);
    hotline
        .reply(&conversation, "Мария, оформим замену.", vec![])
        .await;
    until("the reply", || platform.sends("messages.send").len() == 2).await;
    let sends = platform.sends("messages.send");
    assert_eq!(sends[0].form("random_id"), sends[1].form("random_id"));
    assert_eq!(sends[1].form("peer_id").as_deref(), Some("310000222"));
    assert!(
        sends[1]
            .form("message")
            .unwrap()
            .ends_with("Мария, оформим замену.")
    );

    // A file goes up as a document and out as an attachment.
    let pdf = hotline.upload_pdf().await;
    hotline
        .reply(&conversation, "Бланк замены", vec![pdf])
        .await;
    until("the document", || {
        platform
            .sends("messages.send")
            .iter()
            .any(|c| c.form("attachment").as_deref() == Some("doc310000222_7001"))
    })
    .await;
    assert!(platform.sends("upload")[0].contains(PDF));
    drop(server);
}
