//! `[channels]`, `[channels.telegram]`, `[channels.vk]`: each social channel
//! is on when its table is present (`HOTLINE_CHANNELS__TELEGRAM__*`,
//! `HOTLINE_CHANNELS__VK__*`).

use serde::{Deserialize, Serialize};
use std::fmt;

const REDACTED: &str = "<redacted>";

#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChannelSettings {
    /// Departments of organisations that 41-FZ bars from foreign messengers
    /// (banks, marketplaces): Telegram is off there unless the department's
    /// own `channels` list opens it, which is logged at every start.
    pub restricted_departments: Vec<String>,
    /// The page of the company's logged-in app that links a chat to the
    /// customer's account, with `{code}` where the one-time code goes (the
    /// widget embedded there reads `hotline_link`), e.g.
    /// `https://shop.example/support?hotline_link={code}`. Unset: linking
    /// is not offered.
    pub link_url: Option<String>,
    pub telegram: Option<TelegramSettings>,
    pub vk: Option<VkSettings>,
}

impl Default for ChannelSettings {
    fn default() -> Self {
        ChannelSettings {
            restricted_departments: vec!["bank".into(), "marketplace".into()],
            link_url: None,
            telegram: None,
            vk: None,
        }
    }
}

/// A Telegram bot (Bot API).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramSettings {
    /// The token @BotFather gave.
    pub bot_token: String,
    /// The `secret_token` given to `setWebhook`: Telegram sends it in
    /// `X-Telegram-Bot-Api-Secret-Token` (1–256 of `A-Z a-z 0-9 _ -`).
    pub webhook_secret: String,
    /// Where the chats' conversations go.
    pub department: String,
    #[serde(default = "TelegramSettings::default_api_url")]
    pub api_url: String,
    /// The bot's username, for the `https://t.me/<username>` links.
    #[serde(default)]
    pub username: Option<String>,
}

impl TelegramSettings {
    fn default_api_url() -> String {
        "https://api.telegram.org".into()
    }
}

/// A VK community (Callback API and `messages.send`).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VkSettings {
    /// The community's access token (with the right to messages).
    pub access_token: String,
    /// The secret key set in the Callback API settings.
    pub secret: String,
    /// The string the Callback API expects back to confirm the server.
    pub confirmation: String,
    pub group_id: i64,
    pub department: String,
    #[serde(default = "VkSettings::default_api_url")]
    pub api_url: String,
    /// The community's short name, for the `https://vk.me/<screen_name>` links.
    #[serde(default)]
    pub screen_name: Option<String>,
}

impl VkSettings {
    fn default_api_url() -> String {
        "https://api.vk.com/method".into()
    }
}

impl ChannelSettings {
    /// A copy with the tokens and secrets replaced.
    pub fn redacted(&self) -> ChannelSettings {
        let mut copy = self.clone();
        if let Some(t) = &mut copy.telegram {
            t.bot_token = REDACTED.into();
            t.webhook_secret = REDACTED.into();
        }
        if let Some(v) = &mut copy.vk {
            v.access_token = REDACTED.into();
            v.secret = REDACTED.into();
        }
        copy
    }

    /// What is wrong with the channels' settings, for the start to refuse.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(t) = &self.telegram {
            let secret_ok = (1..=256).contains(&t.webhook_secret.len())
                && t.webhook_secret
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !secret_ok {
                return Err("channels.telegram.webhook_secret must be 1–256 characters of A-Z, a-z, 0-9, _ and - (Telegram's secret_token)".into());
            }
            if t.bot_token.trim().is_empty() {
                return Err("channels.telegram.bot_token is empty".into());
            }
        }
        if let Some(v) = &self.vk
            && (v.secret.is_empty() || v.access_token.trim().is_empty())
        {
            return Err("channels.vk.secret and channels.vk.access_token must be set".into());
        }
        if let Some(url) = &self.link_url
            && !url.contains("{code}")
        {
            return Err("channels.link_url must contain {code}".into());
        }
        Ok(())
    }
}

impl fmt::Debug for ChannelSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = self.redacted();
        f.debug_struct("ChannelSettings")
            .field("restricted_departments", &self.restricted_departments)
            .field("link_url", &self.link_url)
            .field(
                "telegram",
                &redacted
                    .telegram
                    .as_ref()
                    .map(|t| (&t.department, &t.api_url, &t.username, REDACTED)),
            )
            .field(
                "vk",
                &redacted.vk.as_ref().map(|v| {
                    (
                        &v.department,
                        &v.api_url,
                        &v.screen_name,
                        v.group_id,
                        REDACTED,
                    )
                }),
            )
            .finish()
    }
}
