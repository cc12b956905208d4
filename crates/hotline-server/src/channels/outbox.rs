//! Replies to the social chats, durably.
//!
//! The [`Dispatcher`] follows the event log from its stored cursor (woken
//! by the bus, which is only a hint) and turns each message the chat
//! should see into outbox rows, one for its text and one per file, before
//! moving the cursor. A [`Courier`] per platform leases the due rows (each
//! chat's oldest first, so a chat gets its messages in order), sends them,
//! and marks each sent once the platform said ok; a failure puts the row
//! back with a back-off (the platform's `retry_after` on 429), so an outage
//! or a restart delays replies and loses none.

use super::Platform;
use hotline_app::App;
use hotline_app::files::Files;
use hotline_domain::channel::{MAX_PIECE_CHARS, channel_allowed, pieces};
use hotline_domain::{
    AttachmentId, AuthorKind, Channel, DepartmentId, EventKind, Message, SocialChat,
};
use hotline_store::channels::{Delivery, NewOutbound, Outbound};
use hotline_store::{EventScope, MessageQuery};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// The dispatcher's cursor in the event log.
const CURSOR: &str = "channels";
/// How often the log is read when the bus says nothing.
const TICK: Duration = Duration::from_secs(1);
/// How long a leased row is a courier's before another may take it.
const LEASE: Duration = Duration::from_secs(60);
const PAGE: usize = 200;
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// Why a send did not go through.
#[derive(Debug)]
pub enum SendError {
    /// Try again later: the platform is down, busy or rate-limiting
    /// (`after`: the wait it asked for).
    Retry {
        after: Option<Duration>,
        reason: String,
    },
    /// The platform refused for good (the user blocked the bot, the chat is
    /// gone): retrying cannot help.
    Refused(String),
}

/// Follows the log and fills the outbox.
pub struct Dispatcher {
    pub app: Arc<App>,
    /// The enabled channels and the couriers to wake.
    pub couriers: HashMap<Channel, Arc<Notify>>,
    /// 41-FZ: departments where foreign messengers are off by default.
    pub restricted: Vec<DepartmentId>,
}

impl Dispatcher {
    pub fn spawn(self, shutdown: CancellationToken) {
        tokio::spawn(async move {
            let mut live = self.app.bus().subscribe();
            loop {
                if let Err(e) = self.dispatch().await {
                    tracing::warn!(error = %e, "the channels' dispatcher could not read the log");
                }
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    _ = live.recv() => {}
                    () = tokio::time::sleep(TICK) => {}
                }
            }
        });
    }

    /// Reads the log from the cursor to its head, queueing what the chats
    /// are owed. The first run starts at the head: replies written before
    /// the channels were configured are not sent.
    async fn dispatch(&self) -> hotline_app::AppResult<()> {
        let store = self.app.store();
        let mut after = match store.channel_cursor(CURSOR).await? {
            Some(at) => at,
            None => {
                let head = store.event_bounds().await?.head;
                store
                    .enqueue_outbound(Vec::new(), Some((CURSOR, head)), now())
                    .await?;
                head
            }
        };
        let scope = EventScope::Departments(
            self.app
                .departments()
                .iter()
                .map(|d| d.id.clone())
                .collect(),
        );
        loop {
            let page = store.events_after(after, &scope, PAGE).await?;
            let mut rows = Vec::new();
            let mut woken = Vec::new();
            for event in &page.events {
                if event.kind != EventKind::MessageCreated || event.internal {
                    continue;
                }
                let Ok(message) = serde_json::from_value::<Message>(event.data.clone()) else {
                    continue;
                };
                if message.internal || message.author.kind == AuthorKind::Customer {
                    continue;
                }
                for chat in store.conversation_chats(&event.conversation_id).await? {
                    if !self.couriers.contains_key(&chat.channel) {
                        continue;
                    }
                    woken.push(chat.channel);
                    if self.allowed(&event.department, chat.channel) {
                        rows.extend(message_rows(&chat, &message));
                    } else {
                        rows.push(NewOutbound {
                            key: format!(
                                "moved-{}-{}",
                                event.conversation_id,
                                event.department.as_str()
                            ),
                            chat,
                            delivery: Delivery::Notice { text: MOVED.into() },
                        });
                    }
                }
            }
            let through = page.through;
            let done = page.events.len() < PAGE || through <= after;
            store
                .enqueue_outbound(rows, Some((CURSOR, through)), now())
                .await?;
            for channel in woken {
                if let Some(notify) = self.couriers.get(&channel) {
                    notify.notify_one();
                }
            }
            after = through;
            if done {
                return Ok(());
            }
        }
    }

    fn allowed(&self, department: &DepartmentId, channel: Channel) -> bool {
        self.app
            .department(department)
            .is_none_or(|d| channel_allowed(&d, channel, &self.restricted))
    }
}

const MOVED: &str = "Ваш вопрос передан в отдел, который по закону не отвечает в этом \
    мессенджере. Продолжим в приложении, в чате поддержки.";

/// The rows of one message for one chat: its text (in pieces when longer
/// than the platforms take), then each file.
fn message_rows(chat: &SocialChat, message: &Message) -> Vec<NewOutbound> {
    let pieces = pieces(&render(message, ""), MAX_PIECE_CHARS).len() as u32;
    let row = |key: String, attachment: Option<&AttachmentId>, piece: u32| NewOutbound {
        chat: chat.clone(),
        key,
        delivery: Delivery::Message {
            conversation_id: message.conversation_id.clone(),
            seq: message.seq,
            message_id: message.id.to_string(),
            attachment: attachment.cloned(),
            piece,
            pieces: if attachment.is_some() { 1 } else { pieces },
        },
    };
    (0..pieces)
        .map(|piece| {
            let key = match piece {
                0 => message.id.to_string(),
                n => format!("{}#{n}", message.id),
            };
            row(key, None, piece)
        })
        .chain(
            message
                .attachments
                .iter()
                .map(|a| row(format!("{}/{}", message.id, a.id), Some(&a.id), 0)),
        )
        .collect()
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// What a courier needs besides its platform.
#[derive(Clone)]
pub struct CourierContext {
    pub app: Arc<App>,
    pub files: Arc<Files>,
    /// The help center's address, for the bot's article links.
    pub help_base: String,
}

/// Sends one platform's outbox rows.
pub struct Courier {
    pub context: CourierContext,
    pub platform: Arc<dyn Platform>,
    pub wake: Arc<Notify>,
}

/// What a row sends.
pub enum Outgoing {
    Text(String),
    File {
        name: String,
        content_type: String,
        content: Vec<u8>,
    },
}

impl Courier {
    pub fn spawn(self, shutdown: CancellationToken) {
        tokio::spawn(async move {
            loop {
                let pause = self.round().await;
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = self.wake.notified(), if pause.is_none() => {}
                    () = tokio::time::sleep(pause.unwrap_or(TICK)) => {}
                }
            }
        });
    }

    /// Sends what is due; returns how long the platform asked everyone to
    /// wait, if it did.
    async fn round(&self) -> Option<Duration> {
        let channel = self.platform.channel();
        let store = self.context.app.store();
        loop {
            let leased = match store
                .lease_outbound(channel, now(), now() + LEASE, 20)
                .await
            {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!(channel = channel.as_str(), error = %e, "cannot read the outbox");
                    return Some(TICK);
                }
            };
            if leased.is_empty() {
                return None;
            }
            let mut paused = None;
            for row in leased {
                if let Some(wait) = paused {
                    // Put back, due once the platform's wait is over.
                    let _ = store
                        .outbound_failed(row.id, now() + wait, "waiting out the platform's limit")
                        .await;
                    continue;
                }
                paused = self.deliver(row).await;
            }
            if paused.is_some() {
                return paused;
            }
        }
    }

    async fn deliver(&self, row: Outbound) -> Option<Duration> {
        let channel = self.platform.channel();
        let store = self.context.app.store();
        let result = match self.outgoing(&row).await {
            Ok(Some(outgoing)) => self.platform.send(&row.chat, &row.key, outgoing).await,
            // Gone (erased, redacted away): nothing is owed any more.
            Ok(None) => Ok(()),
            Err(e) => Err(SendError::Retry {
                after: None,
                reason: e.to_string(),
            }),
        };
        match result {
            Ok(()) => {
                if let Err(e) = store.outbound_sent(row.id, now()).await {
                    // The platform has it; the row may go once more after the lease.
                    tracing::warn!(channel = channel.as_str(), error = %e, "cannot mark a sent row");
                }
                crate::metrics::channel_sent(channel);
                None
            }
            Err(SendError::Refused(reason)) => {
                tracing::warn!(channel = channel.as_str(), chat = %row.chat.chat_id, %reason, "the platform refused a reply; it is dropped");
                let _ = store.outbound_sent(row.id, now()).await;
                None
            }
            Err(SendError::Retry { after, reason }) => {
                let wait = after.unwrap_or_else(|| backoff(row.attempts));
                tracing::info!(channel = channel.as_str(), attempts = row.attempts + 1, wait_ms = wait.as_millis() as u64, %reason, "a reply waits for the platform");
                crate::metrics::channel_retry(channel);
                if let Err(e) = store.outbound_failed(row.id, now() + wait, &reason).await {
                    tracing::warn!(channel = channel.as_str(), error = %e, "cannot reschedule a row; its lease runs out");
                }
                after
            }
        }
    }

    /// What the row sends, read from the store now.
    async fn outgoing(&self, row: &Outbound) -> hotline_app::AppResult<Option<Outgoing>> {
        let (conversation_id, seq, message_id, attachment, piece, pieces) = match &row.delivery {
            Delivery::Notice { text } => return Ok(Some(Outgoing::Text(text.clone()))),
            Delivery::Message {
                conversation_id,
                seq,
                message_id,
                attachment,
                piece,
                pieces,
            } => (
                conversation_id,
                *seq,
                message_id,
                attachment,
                *piece,
                *pieces,
            ),
        };
        let store = self.context.app.store();
        let message = store
            .messages(MessageQuery {
                conversation_id: conversation_id.clone(),
                after_seq: seq - 1,
                limit: 1,
                include_internal: true,
            })
            .await?
            .into_iter()
            .find(|m| m.id.as_str() == message_id);
        let Some(message) = message else {
            return Ok(None);
        };
        let Some(attachment) = attachment else {
            let rendered = render(&message, &self.context.help_base);
            return Ok(piece_of(&rendered, piece, pieces).map(Outgoing::Text));
        };
        let Some(record) = store.attachment(attachment).await? else {
            return Ok(None);
        };
        let path = self
            .context
            .files
            .local(store.as_ref(), &record.sha256)
            .await?;
        let content = tokio::fs::read(path)
            .await
            .map_err(hotline_app::AppError::internal)?;
        Ok(Some(Outgoing::File {
            name: record.info.name,
            content_type: record.info.content_type,
            content,
        }))
    }
}

/// Doubling from one second, at most five minutes.
fn backoff(attempts: u32) -> Duration {
    Duration::from_secs(1u64 << attempts.min(9)).min(MAX_BACKOFF)
}

/// A message as the chat reads it: who wrote it, the text, and the bot's
/// articles as links.
/// Piece `piece` of `pieces` of `text`, cut as when the rows were made;
/// the last row takes whatever is left (a redaction since may have moved
/// the cuts). `None`: nothing is left for this row.
fn piece_of(text: &str, piece: u32, pieces: u32) -> Option<String> {
    let parts = hotline_domain::channel::pieces(text, MAX_PIECE_CHARS);
    let piece = piece as usize;
    if piece + 1 >= pieces as usize {
        let rest = parts.get(piece..).filter(|rest| !rest.is_empty())?;
        return Some(rest.join("\n"));
    }
    parts.get(piece).map(|p| (*p).to_owned())
}

pub fn render(message: &Message, help_base: &str) -> String {
    let mut text = match message.author.kind {
        AuthorKind::Operator => format!(
            "{}, оператор поддержки:\n{}",
            message.author.name, message.text
        ),
        _ => message.text.clone(),
    };
    if !message.suggestions.is_empty() {
        text.push('\n');
        for s in &message.suggestions {
            text.push_str(&format!("\n• {} — {}{}", s.title, help_base, s.url));
        }
        text.push_str(&format!(
            "\n\nНе нашли ответа? Нажмите «{}».",
            hotline_app::channels::OPERATOR_LABEL
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_text_goes_in_pieces_and_the_last_row_takes_the_rest() {
        let text = "слово ".repeat(1900);
        let parts = pieces(&text, MAX_PIECE_CHARS);
        assert_eq!(parts.len(), 3);
        assert_eq!(piece_of(&text, 0, 3).as_deref(), Some(parts[0]));
        assert_eq!(piece_of(&text, 2, 3).as_deref(), Some(parts[2]));
        assert_eq!(piece_of(&text, 3, 3), None);
        assert_eq!(
            piece_of(&text, 1, 2),
            Some(format!("{}\n{}", parts[1], parts[2]))
        );
        assert_eq!(piece_of("коротко", 0, 1).as_deref(), Some("коротко"));
    }

    #[test]
    fn backoff_doubles_up_to_five_minutes() {
        assert_eq!(backoff(0), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(30), MAX_BACKOFF);
    }
}
