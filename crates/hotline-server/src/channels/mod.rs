//! The social channels: Telegram's Bot API and VK's Callback API in
//! ([`telegram`], [`vk`] parse each platform's updates into
//! [`hotline_app::channels::Inbound`]), the outbox out ([`outbox`]), and the
//! customer's side of linking a chat (`/api/v1/channels/link…`). What a
//! chat's message does is the use cases' ([`App::take_in`]): the same
//! writes as the widget's.

pub mod outbox;
pub mod settings;
pub mod telegram;
pub mod vk;

use crate::api::attachments::Attachments;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Json, Path};
use crate::auth::Auth;
use crate::state::AppState;
use async_trait::async_trait;
use axum::extract::State;
use axum::http::StatusCode;
use hotline_app::App;
use hotline_app::channels::{Desk, Inbound, InboundContent, TakenIn};
use hotline_domain::channel::opens_a_restricted_channel;
use hotline_domain::{Channel, DepartmentId, ErrorCode, Principal, SocialChat};
use outbox::{Courier, CourierContext, Dispatcher, Outgoing, SendError};
use serde::{Deserialize, Serialize};
use settings::ChannelSettings;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A platform's way out.
#[async_trait]
pub trait Platform: Send + Sync {
    fn channel(&self) -> Channel;
    /// Sends one outbox row's content. `key` names the row: the same key is
    /// the same send (VK derives its `random_id` from it).
    async fn send(&self, chat: &SocialChat, key: &str, outgoing: Outgoing)
    -> Result<(), SendError>;
}

/// The largest file taken in from a platform (Telegram bots may download
/// up to 20 MB); the attachment limit applies on top.
const MAX_INBOUND_FILE: usize = 20 * 1024 * 1024;

/// The configured channels, as the handlers share them.
#[derive(Clone, Default)]
pub struct Channels {
    pub telegram: Option<Arc<telegram::Telegram>>,
    pub vk: Option<Arc<vk::Vk>>,
}

impl Channels {
    /// The channels configured in `settings`, checked against the
    /// departments and the 41-FZ policy: a channel into a department whose
    /// policy closes it refuses to start; a foreign messenger opened in a
    /// restricted department is logged at every start.
    pub fn new(settings: &ChannelSettings, app: &App) -> anyhow::Result<Channels> {
        settings.validate().map_err(anyhow::Error::msg)?;
        let restricted = restricted(settings);
        for department in app.departments().iter() {
            for channel in opens_a_restricted_channel(department, &restricted) {
                tracing::warn!(
                    department = department.id.as_str(),
                    channel = channel.as_str(),
                    "41-FZ: banks, other financial organisations and marketplaces may not talk to customers through foreign messengers since 2025-06-01; \
                     this department's `channels` opens {} anyway (see docs/channels.md)",
                    channel.label()
                );
            }
        }
        let desk = |channel: Channel, department: &str| -> anyhow::Result<Desk> {
            let d = DepartmentId::parse(department.to_owned())
                .ok()
                .and_then(|id| app.department(&id))
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "channels.{}.department: no department `{department}`",
                        channel.as_str()
                    )
                })?;
            anyhow::ensure!(
                hotline_domain::channel::channel_allowed(&d, channel, &restricted),
                "channels.{}.department = `{department}`, but {} is closed there ({}); \
                 pick another department, or list it in that department's `channels` (see docs/channels.md)",
                channel.as_str(),
                channel.label(),
                if channel.is_foreign_messenger() && restricted.contains(&d.id) {
                    "41-FZ bars banks and marketplaces from foreign messengers"
                } else {
                    "its `channels` list leaves it out"
                }
            );
            Ok(Desk {
                channel,
                department: department.to_owned(),
                link_url: settings.link_url.clone(),
                outbox: Arc::new(Notify::new()),
            })
        };
        let http = crate::outbound::Http::new()?;
        Ok(Channels {
            telegram: match &settings.telegram {
                None => None,
                Some(t) => Some(Arc::new(telegram::Telegram::new(
                    t.clone(),
                    desk(Channel::Telegram, &t.department)?,
                    http.clone(),
                ))),
            },
            vk: match &settings.vk {
                None => None,
                Some(v) => Some(Arc::new(vk::Vk::new(
                    v.clone(),
                    desk(Channel::Vk, &v.department)?,
                    http,
                ))),
            },
        })
    }

    /// Starts the dispatcher and a courier per channel.
    pub fn spawn(
        &self,
        app: Arc<App>,
        context: CourierContext,
        settings: &ChannelSettings,
        shutdown: CancellationToken,
    ) {
        let mut couriers = HashMap::new();
        let platforms: Vec<(Arc<dyn Platform>, Arc<Notify>)> = [
            self.telegram
                .clone()
                .map(|t| (t.clone() as Arc<dyn Platform>, t.desk.outbox.clone())),
            self.vk
                .clone()
                .map(|v| (v.clone() as Arc<dyn Platform>, v.desk.outbox.clone())),
        ]
        .into_iter()
        .flatten()
        .collect();
        if platforms.is_empty() {
            return;
        }
        for (platform, wake) in platforms {
            couriers.insert(platform.channel(), wake.clone());
            Courier {
                context: context.clone(),
                platform,
                wake,
            }
            .spawn(shutdown.clone());
        }
        Dispatcher {
            app,
            couriers,
            restricted: restricted(settings),
        }
        .spawn(shutdown);
    }

    /// The enabled channels with the addresses guests open them at.
    pub fn links(&self) -> Vec<ChannelLink> {
        let mut links = Vec::new();
        if let Some(vk) = &self.vk
            && let Some(name) = &vk.settings.screen_name
        {
            links.push(ChannelLink {
                channel: Channel::Vk,
                name: Channel::Vk.label().into(),
                url: format!("https://vk.me/{name}"),
            });
        }
        if let Some(telegram) = &self.telegram
            && let Some(name) = &telegram.settings.username
        {
            links.push(ChannelLink {
                channel: Channel::Telegram,
                name: Channel::Telegram.label().into(),
                url: format!("https://t.me/{}", name.trim_start_matches('@')),
            });
        }
        links
    }
}

fn restricted(settings: &ChannelSettings) -> Vec<DepartmentId> {
    settings
        .restricted_departments
        .iter()
        .filter_map(|d| DepartmentId::parse(d.clone()).ok())
        .collect()
}

/// Takes an update in and says what the platform should hear: 200 once it
/// is durable, 500 (the platform retries) when the store failed.
pub(crate) async fn take_in(app: &App, desk: &Desk, inbound: Inbound) -> StatusCode {
    let channel = inbound.chat.channel.as_str();
    match app.take_in(desk, inbound).await {
        Ok(TakenIn::Duplicate) => {
            tracing::debug!(channel, "a retried update was taken in before");
            StatusCode::OK
        }
        Ok(_) => StatusCode::OK,
        Err(e) => {
            tracing::warn!(channel, error = %e, "an update could not be taken in; the platform will retry");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// Downloads a file of an update and keeps it as the chat's upload; `None`
/// (with a log line) when it cannot be had or is refused: the message still
/// comes in, with a note of the file.
pub(crate) async fn keep_file(
    app: &App,
    attachments: &Attachments,
    principal: &Principal,
    http: &crate::outbound::Http,
    url: &str,
    name: &str,
) -> Option<String> {
    let content = match http.download(url, MAX_INBOUND_FILE).await {
        Ok(content) => content,
        Err(reason) => {
            tracing::warn!(%reason, "cannot download a social file");
            return None;
        }
    };
    match attachments
        .keep_bytes(app.store().as_ref(), principal, name, &content)
        .await
    {
        Ok(info) => Some(info.id.to_string()),
        Err(e) => {
            tracing::info!(code = %e.code, "a social file was refused");
            None
        }
    }
}

/// The message an update carries, with the files that came with it.
pub(crate) fn message_content(
    text: String,
    attachment_ids: Vec<String>,
    files_offered: usize,
) -> InboundContent {
    let mut text = text;
    if attachment_ids.len() < files_offered {
        text = format!("{text}\n[файл не принят]").trim().to_owned();
    }
    if text.trim().is_empty() {
        text = if attachment_ids.is_empty() {
            "[пустое сообщение]".into()
        } else {
            "[файл]".into()
        };
    }
    InboundContent::Message {
        text,
        attachment_ids,
    }
}

/// Whether `given` is `expected`, in time independent of where they differ.
pub(crate) fn secret_matches(given: &[u8], expected: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    given.len() == expected.len() && bool::from(given.ct_eq(expected))
}

// ---- the customer's side ------------------------------------------------------

/// A social network a guest may write to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChannelLink {
    pub channel: Channel,
    pub name: String,
    /// `https://t.me/<bot>` or `https://vk.me/<community>`.
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelList {
    pub channels: Vec<ChannelLink>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LinkRequest {
    /// The code from the link the chat was sent.
    pub code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinkedChat {
    pub channel: Channel,
    pub chat_id: String,
    /// The name the platform gives the chat.
    pub name: String,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub linked_at: Option<time::OffsetDateTime>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinkedChats {
    pub chats: Vec<LinkedChat>,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_channels))
        .routes(routes!(link))
        .routes(routes!(linked))
        .routes(routes!(unlink))
}

/// The social networks guests can write to (those configured with a
/// public name).
#[utoipa::path(get, path = "/api/v1/channels", tag = "channels",
    responses((status = 200, body = ChannelList)))]
async fn list_channels(State(channels): State<Channels>) -> Json<ChannelList> {
    Json(ChannelList {
        channels: channels.links(),
    })
}

/// The logged-in customer links the social chat that was sent this code:
/// the chat writes as them from its next message on.
#[utoipa::path(post, path = "/api/v1/channels/link", tag = "channels",
    request_body = LinkRequest,
    responses((status = 200, body = LinkedChat), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn link(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Json(request): Json<LinkRequest>,
) -> ApiResult<Json<LinkedChat>> {
    let chat = app.link_chat(&principal, &request.code).await?;
    let record = app
        .linked_chats(&principal)
        .await?
        .into_iter()
        .find(|r| r.chat == chat)
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(linked_view(record)))
}

fn linked_view(record: hotline_store::channels::ChatRecord) -> LinkedChat {
    LinkedChat {
        channel: record.chat.channel,
        chat_id: record.chat.chat_id,
        name: record.display_name,
        linked_at: record.linked.map(|l| l.linked_at),
    }
}

/// The caller's linked social chats.
#[utoipa::path(get, path = "/api/v1/channels/links", tag = "channels",
    responses((status = 200, body = LinkedChats), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn linked(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
) -> ApiResult<Json<LinkedChats>> {
    let chats = app.linked_chats(&principal).await?;
    Ok(Json(LinkedChats {
        chats: chats.into_iter().map(linked_view).collect(),
    }))
}

/// The customer unlinks one of their chats: it is a guest again.
#[utoipa::path(delete, path = "/api/v1/channels/links/{channel}/{chat_id}", tag = "channels",
    params(("channel" = String, Path, description = "`telegram` or `vk`"), ("chat_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn unlink(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path((channel, chat_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let chat = Channel::parse(&channel)
        .and_then(|c| SocialChat::new(c, chat_id))
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such chat"))?;
    app.unlink_chat(&principal, &chat).await?;
    Ok(StatusCode::NO_CONTENT)
}
