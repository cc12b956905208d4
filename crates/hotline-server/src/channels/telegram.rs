//! Telegram's Bot API: updates come to the webhook (`setWebhook` with a
//! `secret_token`, checked on every call); replies go out with
//! `sendMessage` and `sendDocument`; photos and documents come in through
//! `getFile`.

use super::outbox::{Outgoing, SendError};
use super::settings::TelegramSettings;
use super::{Channels, Platform};
use crate::api::attachments::Attachments;
use crate::outbound::{Http, MultipartFile, Reply};
use async_trait::async_trait;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hotline_app::App;
use hotline_app::channels::{Command, Desk, Inbound, InboundContent, LINK_LABEL, OPERATOR_LABEL};
use hotline_domain::{Channel, SocialChat};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";
/// Telegram's longest message text.
const MAX_TEXT: usize = 4096;

pub struct Telegram {
    pub settings: TelegramSettings,
    pub desk: Desk,
    http: Http,
}

#[derive(Debug, Deserialize)]
struct Update {
    update_id: i64,
    #[serde(default)]
    message: Option<TgMessage>,
}

#[derive(Debug, Deserialize)]
struct TgMessage {
    chat: TgChat,
    #[serde(default)]
    from: Option<TgUser>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    caption: Option<String>,
    #[serde(default)]
    photo: Vec<FileRef>,
    #[serde(default)]
    document: Option<Document>,
}

#[derive(Debug, Deserialize)]
struct TgChat {
    id: i64,
    #[serde(default)]
    title: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TgUser {
    first_name: String,
    #[serde(default)]
    last_name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct FileRef {
    file_id: String,
}

#[derive(Debug, Deserialize)]
struct Document {
    file_id: String,
    #[serde(default)]
    file_name: Option<String>,
}

/// Every Bot API answer: `{"ok": true, "result": …}` or an error.
#[derive(Debug, Deserialize)]
struct Answer {
    ok: bool,
    #[serde(default)]
    result: Option<serde_json::Value>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameters: Option<Parameters>,
}

#[derive(Debug, Deserialize)]
struct Parameters {
    #[serde(default)]
    retry_after: Option<u64>,
}

impl Telegram {
    pub fn new(settings: TelegramSettings, desk: Desk, http: Http) -> Telegram {
        Telegram {
            settings,
            desk,
            http,
        }
    }

    fn method(&self, name: &str) -> String {
        format!(
            "{}/bot{}/{name}",
            self.settings.api_url.trim_end_matches('/'),
            self.settings.bot_token
        )
    }

    /// The file behind a `file_id`, to download (`getFile`).
    async fn file_url(&self, file_id: &str) -> Option<String> {
        let reply = self
            .http
            .post_json(&self.method("getFile"), &json!({ "file_id": file_id }))
            .await
            .ok()?;
        let answer: Answer = serde_json::from_slice(&reply.body).ok()?;
        let path = answer.result?.get("file_path")?.as_str()?.to_owned();
        Some(format!(
            "{}/file/bot{}/{path}",
            self.settings.api_url.trim_end_matches('/'),
            self.settings.bot_token
        ))
    }

    async fn inbound(
        &self,
        app: &App,
        attachments: &Attachments,
        update: Update,
    ) -> Result<Option<Inbound>, hotline_app::AppError> {
        let Some(message) = update.message else {
            return Ok(None);
        };
        let Some(chat) = SocialChat::new(Channel::Telegram, message.chat.id.to_string()) else {
            return Ok(None);
        };
        let display_name = match (&message.from, &message.chat.title) {
            (_, Some(title)) => title.clone(),
            (Some(user), None) => match &user.last_name {
                Some(last) => format!("{} {last}", user.first_name),
                None => user.first_name.clone(),
            },
            (None, None) => "Telegram".into(),
        };
        let text = message.text.or(message.caption).unwrap_or_default();
        let event_id = update.update_id.to_string();
        if let Some(command) = Command::of_text(&text) {
            return Ok(Some(Inbound {
                chat,
                display_name,
                event_id,
                content: InboundContent::Command(command),
            }));
        }
        // The largest size of a photo comes last.
        let mut files: Vec<(String, String)> = message
            .photo
            .last()
            .map(|p| (p.file_id.clone(), "photo.jpg".to_owned()))
            .into_iter()
            .collect();
        if let Some(doc) = message.document {
            files.push((
                doc.file_id,
                doc.file_name.unwrap_or_else(|| "document".into()),
            ));
        }
        let mut attachment_ids = Vec::new();
        if !files.is_empty() {
            let (_, principal) = app.chat_principal(&chat, &display_name).await?;
            for (file_id, name) in &files {
                let Some(url) = self.file_url(file_id).await else {
                    tracing::warn!("telegram: getFile gave no file");
                    continue;
                };
                if let Some(id) =
                    super::keep_file(app, attachments, &principal, &self.http, &url, name).await
                {
                    attachment_ids.push(id);
                }
            }
        }
        Ok(Some(Inbound {
            chat,
            display_name,
            event_id,
            content: super::message_content(text, attachment_ids, files.len()),
        }))
    }
}

/// The buttons under every message.
fn keyboard() -> serde_json::Value {
    json!({
        "keyboard": [[{ "text": OPERATOR_LABEL }], [{ "text": LINK_LABEL }]],
        "resize_keyboard": true,
        "is_persistent": true,
    })
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut clipped: String = text.chars().take(max - 1).collect();
    clipped.push('…');
    clipped
}

/// The Bot API's answer as the outbox needs it.
fn outcome(sent: Result<Reply, String>) -> Result<(), SendError> {
    let reply = sent.map_err(|reason| SendError::Retry {
        after: None,
        reason,
    })?;
    let status = reply.status;
    let answer: Option<Answer> = serde_json::from_slice(&reply.body).ok();
    if status.is_success() && answer.as_ref().is_some_and(|a| a.ok) {
        return Ok(());
    }
    let reason = format!(
        "{status}: {}",
        answer
            .as_ref()
            .and_then(|a| a.description.clone())
            .unwrap_or_default()
    );
    let retry_after = answer
        .as_ref()
        .and_then(|a| a.parameters.as_ref())
        .and_then(|p| p.retry_after)
        .map(Duration::from_secs);
    if status == http::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        Err(SendError::Retry {
            after: retry_after,
            reason,
        })
    } else {
        Err(SendError::Refused(reason))
    }
}

#[async_trait]
impl Platform for Telegram {
    fn channel(&self) -> Channel {
        Channel::Telegram
    }

    async fn send(
        &self,
        chat: &SocialChat,
        _key: &str,
        outgoing: Outgoing,
    ) -> Result<(), SendError> {
        let chat_id: i64 = chat
            .chat_id
            .parse()
            .map_err(|_| SendError::Refused("not a Telegram chat id".into()))?;
        let sent = match outgoing {
            Outgoing::Text(text) => {
                self.http
                    .post_json(
                        &self.method("sendMessage"),
                        &json!({
                            "chat_id": chat_id,
                            "text": clip(&text, MAX_TEXT),
                            "reply_markup": keyboard(),
                        }),
                    )
                    .await
            }
            Outgoing::File {
                name,
                content_type,
                content,
            } => {
                self.http
                    .post_file(
                        &self.method("sendDocument"),
                        &[("chat_id", chat_id.to_string())],
                        MultipartFile {
                            field: "document",
                            file_name: &name,
                            content_type: &content_type,
                            content: &content,
                        },
                    )
                    .await
            }
        };
        outcome(sent)
    }
}

/// `POST /api/v1/channels/telegram/webhook`: one update. 401 without the
/// secret; 200 once the update is durable (or was taken in before); 500
/// when it could not be stored, and Telegram sends it again.
pub async fn webhook(
    State(channels): State<Channels>,
    State(app): State<Arc<App>>,
    State(attachments): State<Attachments>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let Some(telegram) = channels.telegram else {
        return crate::api::error::ApiError::not_found().into_response();
    };
    let given = headers
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !super::secret_matches(given, telegram.settings.webhook_secret.as_bytes()) {
        return crate::api::error::ApiError::new(
            hotline_domain::ErrorCode::InvalidWebhookSecret,
            "this is not Telegram calling: the secret token is wrong",
        )
        .into_response();
    }
    let update: Update = match serde_json::from_slice(&body) {
        Ok(update) => update,
        Err(e) => {
            // Sent again it would be as unreadable: take it as done.
            tracing::warn!(error = %e, "telegram: an update Hotline cannot read");
            return StatusCode::OK.into_response();
        }
    };
    let inbound = match telegram.inbound(&app, &attachments, update).await {
        Ok(Some(inbound)) => inbound,
        Ok(None) => return StatusCode::OK.into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "telegram: an update could not be read in");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    super::take_in(&app, &telegram.desk, inbound)
        .await
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_clipped_to_telegrams_limit() {
        assert_eq!(clip("коротко", 10), "коротко");
        let long = "я".repeat(5000);
        let clipped = clip(&long, MAX_TEXT);
        assert_eq!(clipped.chars().count(), MAX_TEXT);
        assert!(clipped.ends_with('…'));
    }
}
