//! The social channels' records: which conversation a chat in Telegram or
//! VK writes to, which account it is linked to, the one-time link codes,
//! the platform updates already taken in, and the outbox of what is owed to
//! each chat (with the dispatcher's cursor in the event log).
//!
//! The outbox is what makes delivery to a chat durable: a row per message
//! per chat, written before anything is sent and marked sent once the
//! platform said ok, so an outage or a restart delays a reply and never
//! loses it. Rows are handed out under a lease, so two nodes never send
//! the same row at once.

use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use hotline_domain::{
    AttachmentId, Channel, ConversationId, CustomerId, CustomerIdentity, EventPosition, SocialChat,
    Timestamp,
};
use serde::{Deserialize, Serialize};

/// A chat as Hotline knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatRecord {
    pub chat: SocialChat,
    /// The name the platform gave (first and last name, or the title).
    pub display_name: String,
    /// The account it is linked to, as the customer's identity token
    /// described them when they linked it; `None`: an unverified guest.
    pub linked: Option<LinkedAccount>,
    /// The conversation the chat writes to now, if any.
    pub conversation_id: Option<ConversationId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedAccount {
    pub customer: CustomerIdentity,
    pub linked_at: Timestamp,
}

/// What the outbox owes a chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Delivery {
    /// A message of a conversation (the operator's, the bot's, the
    /// platform's), read from the store when it is sent, so a redaction
    /// made in between is what goes out.
    Message {
        conversation_id: ConversationId,
        /// Its `seq` in the operators' numbering.
        seq: i64,
        message_id: String,
        /// One of its files, sent on its own after the text; `None`: the text.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attachment: Option<AttachmentId>,
        /// Which piece of a text longer than the platforms take (0: the
        /// first), of how many ([`hotline_domain::channel::pieces`]).
        #[serde(default, skip_serializing_if = "is_zero")]
        piece: u32,
        #[serde(default = "one", skip_serializing_if = "is_one")]
        pieces: u32,
    },
    /// A reply of the adapter itself (a greeting, a link to follow).
    Notice { text: String },
}

/// A row to add to the outbox. `key` names what is delivered (the message
/// id, or the update a notice answers): the same key for the same chat is
/// added once, however often it is offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutbound {
    pub chat: SocialChat,
    pub key: String,
    pub delivery: Delivery,
}

/// An outbox row handed to a sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outbound {
    pub id: i64,
    pub chat: SocialChat,
    pub key: String,
    pub delivery: Delivery,
    /// Failed tries so far.
    pub attempts: u32,
}

/// A one-time link code, by the SHA-256 of the code (the code itself is
/// never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLinkCode {
    pub chat: SocialChat,
    pub code_sha256: String,
    pub expires_at: Timestamp,
}

#[async_trait]
pub trait ChannelStore: Send + Sync {
    /// The chat, creating it as an unverified guest named `display_name`
    /// the first time; a known chat's name is kept up to date.
    async fn touch_chat(&self, chat: &SocialChat, display_name: &str) -> StoreResult<ChatRecord>;
    async fn chat(&self, chat: &SocialChat) -> StoreResult<Option<ChatRecord>>;
    /// Makes `conversation` the chat's current one and delivers its
    /// messages to the chat from now on (a conversation may reach several
    /// chats). `NotFound` for an unknown chat.
    async fn attach_conversation(
        &self,
        chat: &SocialChat,
        conversation: &ConversationId,
    ) -> StoreResult<()>;
    /// The chats a conversation's messages are delivered to.
    async fn conversation_chats(
        &self,
        conversation: &ConversationId,
    ) -> StoreResult<Vec<SocialChat>>;

    /// Keeps a link code (replacing the chat's earlier unused ones).
    async fn create_link_code(&self, code: NewLinkCode) -> StoreResult<()>;
    /// Uses the code once: when it is known, unused and unexpired at `now`,
    /// links its chat to `customer` (the chat's current conversation is
    /// left behind: the next message starts as the customer) and returns
    /// the chat; else `None`.
    async fn link_chat(
        &self,
        code_sha256: &str,
        customer: &CustomerIdentity,
        now: Timestamp,
    ) -> StoreResult<Option<SocialChat>>;
    /// Unlinks the chat if it is linked to `customer`; `false` otherwise.
    /// The chat is a guest again, with no current conversation.
    async fn unlink_chat(&self, chat: &SocialChat, customer: &CustomerId) -> StoreResult<bool>;
    /// The chats linked to the customer.
    async fn linked_chats(&self, customer: &CustomerId) -> StoreResult<Vec<ChatRecord>>;

    /// Whether this update (Telegram `update_id`, VK `event_id`) was taken in.
    async fn inbound_seen(&self, channel: Channel, event_id: &str) -> StoreResult<bool>;
    /// Records the update as taken in; `false` when it was already.
    async fn record_inbound(
        &self,
        channel: Channel,
        event_id: &str,
        now: Timestamp,
    ) -> StoreResult<bool>;

    /// Adds outbox rows (each key once per chat) and, when given, moves the
    /// named cursor to `through`, in one transaction.
    async fn enqueue_outbound(
        &self,
        rows: Vec<NewOutbound>,
        cursor: Option<(&str, EventPosition)>,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// The named cursor's position in the event log, if it was ever moved.
    async fn channel_cursor(&self, name: &str) -> StoreResult<Option<EventPosition>>;
    /// Up to `limit` unsent rows of `channel` that are due at `now`, each
    /// the oldest unsent row of its chat (a chat gets its messages in
    /// order), leased until `lease_until`: not handed out again before
    /// then unless marked failed.
    async fn lease_outbound(
        &self,
        channel: Channel,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<Outbound>>;
    /// The platform accepted the row: it is never handed out again.
    async fn outbound_sent(&self, id: i64, now: Timestamp) -> StoreResult<()>;
    /// The try failed; the row is due again at `retry_at`.
    async fn outbound_failed(&self, id: i64, retry_at: Timestamp, error: &str) -> StoreResult<()>;
    /// Unsent rows of `channel` (for the gauges and tests).
    async fn outbound_pending(&self, channel: Channel) -> StoreResult<u64>;
}

/// A `channel_chats` row as a backend reads it (columns `channel, chat_id,
/// display_name, customer_id, customer_name, customer_email,
/// customer_phone, customer_tier, linked_at, conversation_id`).
#[derive(Debug, Clone)]
pub struct ChatRow {
    pub channel: String,
    pub chat_id: String,
    pub display_name: String,
    pub customer_id: Option<String>,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub customer_tier: Option<String>,
    /// Unix microseconds.
    pub linked_at: Option<i64>,
    pub conversation_id: Option<String>,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Backend(format!("unreadable channel {what} in the database"))
}

/// The chat a row names.
pub fn chat_of(channel: &str, chat_id: String) -> StoreResult<SocialChat> {
    Channel::parse(channel)
        .and_then(|c| SocialChat::new(c, chat_id))
        .ok_or_else(|| corrupt("chat"))
}

fn from_micros(v: i64) -> StoreResult<Timestamp> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(v) * 1000)
        .map_err(|_| corrupt("timestamp"))
}

impl ChatRow {
    pub fn into_record(self) -> StoreResult<ChatRecord> {
        let linked = match (self.customer_id, self.linked_at) {
            (Some(id), Some(at)) => Some(LinkedAccount {
                customer: CustomerIdentity {
                    id: CustomerId::from_raw(id),
                    name: self.customer_name.unwrap_or_default(),
                    email: self.customer_email,
                    phone: self.customer_phone,
                    // A chat is never a strong login.
                    amr: Vec::new(),
                    auth_time: None,
                    tier: self.customer_tier,
                },
                linked_at: from_micros(at)?,
            }),
            _ => None,
        };
        Ok(ChatRecord {
            chat: chat_of(&self.channel, self.chat_id)?,
            display_name: self.display_name,
            linked,
            conversation_id: self.conversation_id.map(ConversationId::from_raw),
        })
    }
}

/// A `channel_outbox` row as a backend reads it (columns `id, channel,
/// chat_id, item_key, delivery, attempts`).
#[derive(Debug, Clone)]
pub struct OutboundRow {
    pub id: i64,
    pub channel: String,
    pub chat_id: String,
    pub key: String,
    pub delivery: String,
    pub attempts: i64,
}

impl OutboundRow {
    pub fn into_outbound(self) -> StoreResult<Outbound> {
        Ok(Outbound {
            id: self.id,
            chat: chat_of(&self.channel, self.chat_id)?,
            key: self.key,
            delivery: serde_json::from_str(&self.delivery).map_err(|_| corrupt("delivery"))?,
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX),
        })
    }
}

impl NewOutbound {
    /// The delivery as stored, and the conversation it belongs to.
    pub fn stored(&self) -> StoreResult<(String, Option<String>)> {
        let json = serde_json::to_string(&self.delivery).map_err(StoreError::backend)?;
        let conversation = match &self.delivery {
            Delivery::Message {
                conversation_id, ..
            } => Some(conversation_id.to_string()),
            Delivery::Notice { .. } => None,
        };
        Ok((json, conversation))
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}
