//! VK's community Callback API: the `confirmation` handshake, then
//! `message_new` events (each checked for the community's `secret`); replies
//! go out with `messages.send`, whose `random_id` — derived from the outbox
//! row's key — makes VK drop a send it already has. Files go out as
//! documents (`docs.getMessagesUploadServer`, the upload, `docs.save`).

use super::outbox::{Outgoing, SendError};
use super::settings::VkSettings;
use super::{Channels, Platform};
use crate::api::attachments::Attachments;
use crate::outbound::{Http, MultipartFile};
use async_trait::async_trait;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hotline_app::App;
use hotline_app::channels::{Command, Desk, Inbound, InboundContent, LINK_LABEL, OPERATOR_LABEL};
use hotline_domain::{Channel, SocialChat};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The API version Hotline speaks.
const API_VERSION: &str = "5.199";
/// VK's longest message text.
const MAX_TEXT: usize = 4096;

pub struct Vk {
    pub settings: VkSettings,
    pub desk: Desk,
    http: Http,
}

#[derive(Debug, Deserialize)]
struct Callback {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    group_id: i64,
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    event_id: Option<String>,
    #[serde(default)]
    object: Value,
}

#[derive(Debug, Deserialize)]
struct VkMessage {
    id: i64,
    peer_id: i64,
    from_id: i64,
    #[serde(default)]
    text: String,
    #[serde(default)]
    attachments: Vec<Value>,
}

/// The id VK keeps to drop a repeated send: the same row, the same id.
pub fn random_id(chat: &SocialChat, key: &str) -> i32 {
    let digest = Sha256::digest(format!("{}:{key}", chat.chat_id).as_bytes());
    i32::from_be_bytes([digest[0] & 0x7f, digest[1], digest[2], digest[3]])
}

/// A file of a message: the largest size of a photo, or a document.
fn file_of(attachment: &Value) -> Option<(String, String)> {
    match attachment.get("type")?.as_str()? {
        "photo" => {
            let sizes = attachment.pointer("/photo/sizes")?.as_array()?;
            let best = sizes.iter().max_by_key(|s| {
                s.get("width").and_then(Value::as_i64).unwrap_or(0)
                    * s.get("height").and_then(Value::as_i64).unwrap_or(0)
            })?;
            Some((best.get("url")?.as_str()?.to_owned(), "photo.jpg".into()))
        }
        "doc" => Some((
            attachment.pointer("/doc/url")?.as_str()?.to_owned(),
            attachment
                .pointer("/doc/title")
                .and_then(Value::as_str)
                .unwrap_or("document")
                .to_owned(),
        )),
        _ => None,
    }
}

impl Vk {
    pub fn new(settings: VkSettings, desk: Desk, http: Http) -> Vk {
        Vk {
            settings,
            desk,
            http,
        }
    }

    /// Calls an API method with form parameters; `Ok` holds its `response`.
    async fn call(&self, method: &str, params: &[(&str, String)]) -> Result<Value, SendError> {
        let mut form: Vec<(&str, String)> = params.to_vec();
        form.push(("access_token", self.settings.access_token.clone()));
        form.push(("v", API_VERSION.into()));
        let url = format!("{}/{method}", self.settings.api_url.trim_end_matches('/'));
        let reply = self
            .http
            .post_form(&url, &form)
            .await
            .map_err(|reason| SendError::Retry {
                after: None,
                reason: format!("{method}: {reason}"),
            })?;
        let status = reply.status;
        if status.is_server_error() || status == http::StatusCode::TOO_MANY_REQUESTS {
            return Err(SendError::Retry {
                after: None,
                reason: format!("{method}: {status}"),
            });
        }
        let body = reply.json().ok_or_else(|| SendError::Retry {
            after: None,
            reason: format!("{method}: not JSON"),
        })?;
        if let Some(error) = body.get("error") {
            let code = error.get("error_code").and_then(Value::as_i64).unwrap_or(0);
            let reason = format!(
                "{method}: {code} {}",
                error.get("error_msg").and_then(Value::as_str).unwrap_or("")
            );
            // Unknown error, too many per second, flood control, VK's own failure, rate limit.
            return Err(if matches!(code, 1 | 6 | 9 | 10 | 29) {
                SendError::Retry {
                    after: None,
                    reason,
                }
            } else {
                SendError::Refused(reason)
            });
        }
        body.get("response")
            .cloned()
            .ok_or_else(|| SendError::Retry {
                after: None,
                reason: format!("{method}: no response"),
            })
    }

    /// The user's name, asked once when the chat is new.
    async fn name_of(&self, app: &App, chat: &SocialChat, from_id: i64) -> String {
        if let Ok(Some(known)) = app.store().chat(chat).await {
            return known.display_name;
        }
        let asked = self
            .call("users.get", &[("user_ids", from_id.to_string())])
            .await
            .ok();
        asked
            .as_ref()
            .and_then(|r| r.get(0))
            .and_then(|u| {
                let first = u.get("first_name")?.as_str()?;
                let last = u.get("last_name").and_then(Value::as_str).unwrap_or("");
                Some(format!("{first} {last}").trim().to_owned())
            })
            .unwrap_or_else(|| format!("id{from_id}"))
    }

    async fn inbound(
        &self,
        app: &App,
        attachments: &Attachments,
        event_id: String,
        message: VkMessage,
    ) -> Result<Option<Inbound>, hotline_app::AppError> {
        let Some(chat) = SocialChat::new(Channel::Vk, message.peer_id.to_string()) else {
            return Ok(None);
        };
        let display_name = self.name_of(app, &chat, message.from_id).await;
        if let Some(command) = Command::of_text(&message.text) {
            return Ok(Some(Inbound {
                chat,
                display_name,
                event_id,
                content: InboundContent::Command(command),
            }));
        }
        // The URLs come in the event: only VK's own HTTPS addresses are
        // fetched (plain HTTP only when the API itself is, as in tests).
        let insecure_ok = self.settings.api_url.starts_with("http://");
        let files: Vec<_> = message
            .attachments
            .iter()
            .filter_map(file_of)
            .filter(|(url, _)| url.starts_with("https://") || insecure_ok)
            .collect();
        let mut attachment_ids = Vec::new();
        if !files.is_empty() {
            let (_, principal) = app.chat_principal(&chat, &display_name).await?;
            for (url, name) in &files {
                if let Some(id) =
                    super::keep_file(app, attachments, &principal, &self.http, url, name).await
                {
                    attachment_ids.push(id);
                }
            }
        }
        Ok(Some(Inbound {
            chat,
            display_name,
            event_id,
            content: super::message_content(message.text, attachment_ids, files.len()),
        }))
    }

    /// Uploads a file as a document of the conversation; its attachment name.
    async fn upload(
        &self,
        chat: &SocialChat,
        name: String,
        content_type: String,
        content: Vec<u8>,
    ) -> Result<String, SendError> {
        let server = self
            .call(
                "docs.getMessagesUploadServer",
                &[("peer_id", chat.chat_id.clone()), ("type", "doc".into())],
            )
            .await?;
        let upload_url = server
            .get("upload_url")
            .and_then(Value::as_str)
            .ok_or_else(|| SendError::Refused("no upload_url".into()))?;
        let uploaded = self
            .http
            .post_file(
                upload_url,
                &[],
                MultipartFile {
                    field: "file",
                    file_name: &name,
                    content_type: &content_type,
                    content: &content,
                },
            )
            .await
            .ok()
            .filter(|r| r.status.is_success())
            .and_then(|r| r.json())
            .ok_or_else(|| SendError::Retry {
                after: None,
                reason: "the upload failed".into(),
            })?;
        let file = uploaded
            .get("file")
            .and_then(Value::as_str)
            .ok_or_else(|| SendError::Retry {
                after: None,
                reason: "the upload gave no file".into(),
            })?;
        let saved = self
            .call("docs.save", &[("file", file.to_owned()), ("title", name)])
            .await?;
        let doc = saved
            .get("doc")
            .ok_or_else(|| SendError::Refused("docs.save gave no doc".into()))?;
        match (
            doc.get("owner_id").and_then(Value::as_i64),
            doc.get("id").and_then(Value::as_i64),
        ) {
            (Some(owner), Some(id)) => Ok(format!("doc{owner}_{id}")),
            _ => Err(SendError::Refused("docs.save gave no doc id".into())),
        }
    }
}

fn keyboard() -> String {
    json!({
        "one_time": false,
        "buttons": [
            [{ "action": { "type": "text", "label": OPERATOR_LABEL }, "color": "primary" }],
            [{ "action": { "type": "text", "label": LINK_LABEL }, "color": "secondary" }],
        ],
    })
    .to_string()
}

#[async_trait]
impl Platform for Vk {
    fn channel(&self) -> Channel {
        Channel::Vk
    }

    async fn send(
        &self,
        chat: &SocialChat,
        key: &str,
        outgoing: Outgoing,
    ) -> Result<(), SendError> {
        let mut params = vec![
            ("peer_id", chat.chat_id.clone()),
            ("random_id", random_id(chat, key).to_string()),
            ("keyboard", keyboard()),
        ];
        match outgoing {
            Outgoing::Text(text) => {
                let text: String = if text.chars().count() > MAX_TEXT {
                    text.chars().take(MAX_TEXT - 1).chain(['…']).collect()
                } else {
                    text
                };
                params.push(("message", text));
            }
            Outgoing::File {
                name,
                content_type,
                content,
            } => {
                let attachment = self.upload(chat, name, content_type, content).await?;
                params.push(("attachment", attachment));
            }
        }
        self.call("messages.send", &params).await.map(|_| ())
    }
}

/// `POST /api/v1/channels/vk/callback`: answers `confirmation` with the
/// configured string, and takes `message_new` in; VK wants `ok` back, and
/// sends an event again until it hears it.
pub async fn callback(
    State(channels): State<Channels>,
    State(app): State<Arc<App>>,
    State(attachments): State<Attachments>,
    body: Bytes,
) -> Response {
    let Some(vk) = channels.vk else {
        return crate::api::error::ApiError::not_found().into_response();
    };
    let Ok(event) = serde_json::from_slice::<Callback>(&body) else {
        tracing::warn!("vk: a callback Hotline cannot read");
        return "ok".into_response();
    };
    if event.group_id != vk.settings.group_id {
        return crate::api::error::ApiError::not_found().into_response();
    }
    if event.kind == "confirmation" {
        return vk.settings.confirmation.clone().into_response();
    }
    let given = event.secret.as_deref().unwrap_or_default().as_bytes();
    if !super::secret_matches(given, vk.settings.secret.as_bytes()) {
        return crate::api::error::ApiError::new(
            hotline_domain::ErrorCode::InvalidWebhookSecret,
            "this is not VK calling: the secret is wrong",
        )
        .into_response();
    }
    if event.kind != "message_new" {
        return "ok".into_response();
    }
    let Some(message) = event
        .object
        .get("message")
        .and_then(|m| serde_json::from_value::<VkMessage>(m.clone()).ok())
    else {
        return "ok".into_response();
    };
    let event_id = event
        .event_id
        .unwrap_or_else(|| format!("message-{}", message.id));
    let inbound = match vk.inbound(&app, &attachments, event_id, message).await {
        Ok(Some(inbound)) => inbound,
        Ok(None) => return "ok".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "vk: an event could not be read in");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    match super::take_in(&app, &vk.desk, inbound).await {
        StatusCode::OK => "ok".into_response(),
        status => status.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_the_same_for_the_same_row_and_positive() {
        let chat = SocialChat::new(Channel::Vk, "2000000001").unwrap_or_else(|| panic!());
        let a = random_id(&chat, "0190-message");
        assert_eq!(a, random_id(&chat, "0190-message"));
        assert_ne!(a, random_id(&chat, "0190-message/file"));
        assert!(a >= 0);
    }

    #[test]
    fn the_largest_photo_is_taken() {
        let photo = json!({"type": "photo", "photo": {"sizes": [
            {"url": "https://vk/s", "width": 75, "height": 50},
            {"url": "https://vk/x", "width": 1280, "height": 960},
            {"url": "https://vk/m", "width": 130, "height": 90}]}});
        assert_eq!(
            file_of(&photo),
            Some(("https://vk/x".into(), "photo.jpg".into()))
        );
        assert_eq!(file_of(&json!({"type": "sticker"})), None);
    }
}
