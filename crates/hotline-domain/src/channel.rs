//! The ways customers reach support (capability 13): the widget of the
//! company's app, and the social networks for those who cannot log in. A
//! chat in a social network is a [`SocialChat`]; until its owner links it to
//! their account it is a guest, known by a [`CustomerId`] of its own that no
//! identity token can carry.

use crate::department::Department;
use crate::ids::CustomerId;
use crate::values::DepartmentId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The chat widget in the company's app or site (logged-in customers).
    Widget,
    Telegram,
    Vk,
}

/// The social networks, in the order they are offered to guests.
pub const SOCIAL_CHANNELS: [Channel; 2] = [Channel::Vk, Channel::Telegram];

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Widget => "widget",
            Channel::Telegram => "telegram",
            Channel::Vk => "vk",
        }
    }

    pub fn parse(raw: &str) -> Option<Channel> {
        match raw {
            "widget" => Some(Channel::Widget),
            "telegram" => Some(Channel::Telegram),
            "vk" => Some(Channel::Vk),
            _ => None,
        }
    }

    /// The name people know it by.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Widget => "Чат",
            Channel::Telegram => "Telegram",
            Channel::Vk => "ВКонтакте",
        }
    }

    /// A messenger run from abroad, which 41-FZ (from 2025-06-01) bars banks,
    /// other financial organisations and marketplaces from using with
    /// their customers.
    pub fn is_foreign_messenger(self) -> bool {
        matches!(self, Channel::Telegram)
    }
}

/// One chat in a social network: a Telegram chat id or a VK peer id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SocialChat {
    pub channel: Channel,
    pub chat_id: String,
}

impl SocialChat {
    /// `None` unless `chat_id` is a platform's chat id (an integer, maybe
    /// negative for Telegram groups) and `channel` a social network.
    pub fn new(channel: Channel, chat_id: impl Into<String>) -> Option<SocialChat> {
        let chat_id = chat_id.into();
        let digits = chat_id.strip_prefix('-').unwrap_or(&chat_id);
        let valid = channel != Channel::Widget
            && !digits.is_empty()
            && digits.len() <= 20
            && digits.bytes().all(|b| b.is_ascii_digit());
        valid.then_some(SocialChat { channel, chat_id })
    }

    /// The customer id of the chat while it is not linked to an account:
    /// `telegram:<chat>` / `vk:<peer>`. Identity tokens with such a `sub`
    /// are refused ([`is_guest_id`]), so a guest can never be a customer.
    pub fn guest_id(&self) -> CustomerId {
        CustomerId::from_raw(format!("{}:{}", self.channel.as_str(), self.chat_id))
    }

    /// The chat behind a guest's customer id, if it is one.
    pub fn of_guest(id: &CustomerId) -> Option<SocialChat> {
        let (channel, chat) = id.as_str().split_once(':')?;
        SocialChat::new(Channel::parse(channel)?, chat)
    }
}

/// Whether a customer id is reserved for guests of a social network.
pub fn is_guest_id(raw: &str) -> bool {
    SOCIAL_CHANNELS
        .iter()
        .any(|c| raw.starts_with(&format!("{}:", c.as_str())))
}

/// Which channels a department talks to its customers through.
///
/// A department's own `channels` list decides; without one, every channel
/// is open except the foreign messengers in the departments named
/// `restricted` (by default the bank and the marketplace: 41-FZ).
pub fn channel_allowed(
    department: &Department,
    channel: Channel,
    restricted: &[DepartmentId],
) -> bool {
    match &department.channels {
        Some(list) => channel == Channel::Widget || list.contains(&channel),
        None => !(channel.is_foreign_messenger() && restricted.contains(&department.id)),
    }
}

/// Whether an administrator opened a foreign messenger in a department that
/// 41-FZ binds by default: allowed (the deployment may know better), but
/// worth a warning at every start.
pub fn opens_a_restricted_channel(
    department: &Department,
    restricted: &[DepartmentId],
) -> Vec<Channel> {
    if !restricted.contains(&department.id) {
        return Vec::new();
    }
    department
        .channels
        .iter()
        .flatten()
        .copied()
        .filter(|c| c.is_foreign_messenger())
        .collect()
}

/// The longest text sent in one social message: both platforms take 4096
/// characters; a margin is kept for what the adapters add.
pub const MAX_PIECE_CHARS: usize = 4000;

/// `text` cut into pieces of at most `max` characters, each ending where a
/// line or a word does when one is near, so that a long reply reaches the
/// chat whole, in several messages.
pub fn pieces(text: &str, max: usize) -> Vec<&str> {
    let max = max.max(1);
    let mut out = Vec::new();
    let mut rest = text.trim_end();
    while rest.chars().count() > max {
        let limit = rest
            .char_indices()
            .nth(max)
            .map_or(rest.len(), |(at, _)| at);
        let head = &rest[..limit];
        // Not earlier than halfway: a piece of a few words would be odd.
        let floor = head.char_indices().nth(max / 2).map_or(0, |(at, _)| at);
        let cut = head
            .rfind('\n')
            .filter(|&at| at >= floor)
            .or_else(|| head.rfind(' ').filter(|&at| at >= floor))
            .map_or(limit, |at| at + 1);
        out.push(rest[..cut].trim_end());
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() || out.is_empty() {
        out.push(rest);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn department(id: &'static str, channels: Option<Vec<Channel>>) -> Department {
        let mut d = Department::defaults()
            .into_iter()
            .find(|d| d.id.as_str() == id)
            .unwrap_or_else(|| panic!("no default department {id}"));
        d.channels = channels;
        d
    }

    #[test]
    fn long_texts_go_in_pieces_cut_between_words() {
        assert_eq!(pieces("короткий ответ", 4000), ["короткий ответ"]);
        assert_eq!(pieces("", 10), [""]);
        let text = "слово ".repeat(1900);
        let parts = pieces(&text, MAX_PIECE_CHARS);
        assert_eq!(parts.len(), 3);
        for part in &parts {
            assert!(part.chars().count() <= MAX_PIECE_CHARS);
            assert!(
                part.starts_with("слово") && part.ends_with("слово"),
                "{part:?}"
            );
        }
        let words: usize = parts.iter().map(|p| p.split_whitespace().count()).sum();
        assert_eq!(words, 1900, "nothing lost");
        let unbroken = "я".repeat(9);
        assert_eq!(pieces(&unbroken, 4), ["яяяя", "яяяя", "я"]);
        assert_eq!(
            pieces("первая строка\nвторая", 16),
            ["первая строка", "вторая"]
        );
    }

    #[test]
    fn guests_have_ids_no_token_can_carry() {
        let chat = SocialChat::new(Channel::Telegram, "-1001234").unwrap_or_else(|| panic!());
        let id = chat.guest_id();
        assert_eq!(id.as_str(), "telegram:-1001234");
        assert!(is_guest_id(id.as_str()));
        assert_eq!(SocialChat::of_guest(&id), Some(chat));
        assert!(!is_guest_id("customer-42"));
        assert!(SocialChat::new(Channel::Vk, "12a").is_none());
        assert!(SocialChat::new(Channel::Widget, "12").is_none());
        assert!(SocialChat::of_guest(&CustomerId::from_raw("vk:")).is_none());
    }

    #[test]
    fn foreign_messengers_are_off_in_restricted_departments_unless_opened() {
        let restricted = [
            DepartmentId::from_static("bank"),
            DepartmentId::from_static("marketplace"),
        ];
        let bank = department("bank", None);
        assert!(!channel_allowed(&bank, Channel::Telegram, &restricted));
        assert!(channel_allowed(&bank, Channel::Vk, &restricted));
        assert!(channel_allowed(&bank, Channel::Widget, &restricted));
        let travel = department("travel", None);
        assert!(channel_allowed(&travel, Channel::Telegram, &restricted));
        assert!(opens_a_restricted_channel(&bank, &restricted).is_empty());

        let listed = department("travel", Some(vec![Channel::Vk]));
        assert!(!channel_allowed(&listed, Channel::Telegram, &restricted));
        assert!(channel_allowed(&listed, Channel::Widget, &restricted));

        let opened = department("bank", Some(vec![Channel::Widget, Channel::Telegram]));
        assert!(channel_allowed(&opened, Channel::Telegram, &restricted));
        assert_eq!(
            opens_a_restricted_channel(&opened, &restricted),
            vec![Channel::Telegram]
        );
    }
}
