//! Appending a message to a conversation: the one write path for a person's
//! message, a duplicate request joined to an open conversation and the bot's
//! answer, so that positions, activity time, events and routing follow one
//! rule whoever writes.

use crate::error::StoreResult;
use crate::queue::QueueRuntime;
use crate::rows::*;
use hotline_domain::{
    ArticleSuggestion, AttachmentId, AttachmentInfo, Author, AuthorKind, ClientMsgId, Conversation,
    Event, EventKind, Message, MessageId, MessageText, Principal, Timestamp,
};
use hotline_store::kb::BOT_NAME;
use hotline_store::{NewMessage, Posted, StoreError, Uploader};
use rusqlite::{Connection, params};

/// Who writes a message, and what.
pub(crate) enum Post<'a> {
    /// A customer's or an operator's message, with the author's own uploads.
    Person {
        author: &'a Principal,
        message: &'a NewMessage,
    },
    /// The answer bot's reply and the articles it suggests.
    Bot {
        text: MessageText,
        suggestions: Vec<ArticleSuggestion>,
    },
    /// What the platform itself tells both sides (a claim's acknowledgement,
    /// an extension notice), with files already checked to be the filer's.
    System {
        text: String,
        attachments: Vec<AttachmentInfo>,
        /// The customer whose act it acknowledges: it moves the lifecycle as
        /// their message would (a resolved conversation is reopened).
        on_behalf_of: Option<&'a Principal>,
    },
}

impl Post<'_> {
    fn internal(&self) -> bool {
        match self {
            Post::Person { message, .. } => message.internal,
            Post::Bot { .. } | Post::System { .. } => false,
        }
    }
}

/// Appends a message to `conversation` (as loaded in this transaction),
/// written at `now`: the message's effect on the lifecycle (the domain's
/// rules, which may refuse it), its positions, the activity time (an internal
/// note is not activity the customer should see: their list is ordered by
/// it), the `message.created` event and, when the lifecycle changed,
/// `conversation.updated` and routing. The caller has made its own checks
/// (idempotency, screening) first.
pub(crate) fn append_message(
    conn: &Connection,
    events: &mut Vec<Event>,
    queue: &QueueRuntime,
    mut conversation: Conversation,
    post: Post<'_>,
    now: Timestamp,
) -> StoreResult<Posted> {
    let before = conversation.clone();
    let internal = post.internal();
    let changed = match &post {
        Post::Person { author, message } => conversation.on_message(author, message.internal)?,
        Post::Bot { .. } => {
            conversation.on_bot_message()?;
            false
        }
        Post::System {
            on_behalf_of: Some(customer),
            ..
        } => conversation.on_message(customer, false)?,
        Post::System { .. } => false,
    };
    let positions = conversation.next_positions(internal);
    if !internal {
        conversation.updated_at = now;
    }
    if changed {
        update_conversation(conn, &conversation)?;
    } else {
        record_activity(conn, &conversation)?;
    }
    let message = record_message(conn, events, &conversation, positions, post, now)?;
    if changed {
        append_conversation_updated(conn, events, &conversation)?;
        conversation = queue.reconcile(conn, events, Some(&before), conversation)?;
    }
    queue.record_reply(conn, events, &conversation, &message)?;
    Ok(Posted {
        message,
        conversation,
        created: true,
    })
}

/// Inserts a message at `positions` (from `Conversation::next_positions`),
/// binding its attachments to it, and appends its `message.created` event.
pub(crate) fn record_message(
    conn: &Connection,
    events: &mut Vec<Event>,
    conversation: &Conversation,
    positions: (i64, Option<i64>),
    post: Post<'_>,
    now: Timestamp,
) -> StoreResult<Message> {
    let (author, text, internal, client_msg_id, attachments, suggestions) = match post {
        Post::Person { author, message } => (
            Author::of(author),
            message.text.as_str().to_owned(),
            message.internal,
            Some(message.client_msg_id.clone()),
            claim_attachments(conn, author, &message.attachment_ids)?,
            Vec::new(),
        ),
        Post::Bot { text, suggestions } => (
            Author {
                kind: AuthorKind::Bot,
                id: None,
                name: BOT_NAME.to_owned(),
            },
            text.into_inner(),
            false,
            None,
            Vec::new(),
            suggestions,
        ),
        Post::System {
            text, attachments, ..
        } => (
            Author {
                kind: AuthorKind::System,
                id: None,
                name: SYSTEM_NAME.to_owned(),
            },
            text,
            false,
            None,
            attachments,
            Vec::new(),
        ),
    };
    let message = Message {
        id: MessageId::generate(),
        conversation_id: conversation.id.clone(),
        seq: positions.0,
        public_seq: positions.1,
        author,
        text,
        internal,
        client_msg_id,
        attachments,
        suggestions,
        created_at: now,
    };
    // Only the bot's messages carry suggestions; a person's keep the column empty.
    let suggestions = (message.author.kind == AuthorKind::Bot)
        .then(|| to_json(&message.suggestions))
        .transpose()?;
    conn.prepare_cached(concat!(
        "INSERT INTO messages (",
        message_columns!(),
        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
    ))?
    .execute(params![
        message.id.as_str(),
        message.conversation_id.as_str(),
        message.seq,
        message.public_seq,
        message.author.kind.as_str(),
        message.author.id,
        message.author.name,
        message.text,
        message.internal,
        message.client_msg_id.as_ref().map(ClientMsgId::as_str),
        to_json(&message.attachments)?,
        micros(now),
        suggestions,
    ])?;
    for attachment in &message.attachments {
        conn.prepare_cached(
            "UPDATE attachments SET conversation_id = ?1, message_seq = ?2 WHERE id = ?3",
        )?
        .execute(params![
            message.conversation_id.as_str(),
            message.seq,
            attachment.id.as_str()
        ])?;
    }
    append_event(
        conn,
        events,
        EventKind::MessageCreated,
        conversation,
        message.internal,
        &message,
    )?;
    Ok(message)
}

/// The author name of the platform's own messages.
const SYSTEM_NAME: &str = "Hotline";

/// The attachments' metadata, once each is checked to be the author's own
/// upload and not yet sent.
pub(crate) fn claim_attachments(
    conn: &Connection,
    principal: &Principal,
    ids: &[AttachmentId],
) -> StoreResult<Vec<AttachmentInfo>> {
    let uploader = Uploader::of(principal);
    let mut infos: Vec<AttachmentInfo> = Vec::with_capacity(ids.len());
    for id in ids {
        let record = load_attachment(conn, id)?
            .filter(|a| a.uploader == uploader && a.conversation_id.is_none())
            .filter(|_| !infos.iter().any(|i| &i.id == id))
            .ok_or_else(|| StoreError::InvalidAttachment(id.to_string()))?;
        infos.push(record.info);
    }
    Ok(infos)
}
