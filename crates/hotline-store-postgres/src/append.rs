//! Appending a message to a conversation: the one write path for a person's
//! message, a duplicate request joined to an open conversation and the bot's
//! answer, so that positions, activity time, events and routing follow one
//! rule whoever writes.

use crate::db::{Db, StoreResult};
use crate::queue::{QueueRuntime, lock_routing};
use crate::rows::*;
use hotline_domain::{
    AttachmentId, AttachmentInfo, AuthorKind, ClientMsgId, Conversation, Event, EventKind, Message,
    Principal, Timestamp,
};
pub(crate) use hotline_store::write::Post;
use hotline_store::{Posted, StoreError, Uploader};

/// Appends a message to `conversation` (locked in this transaction), written
/// at `now`: the lifecycle's rules, positions, activity time, the
/// `message.created` event and, when the lifecycle changed,
/// `conversation.updated` and routing. The caller has made its own checks
/// (idempotency, screening) first.
pub(crate) fn append_message(
    db: &Db<'_>,
    events: &mut Vec<Event>,
    queue: &QueueRuntime,
    mut conversation: Conversation,
    post: Post<'_>,
    now: Timestamp,
) -> StoreResult<Posted> {
    let before = conversation.clone();
    let internal = post.internal();
    let changed = post.apply_to(&mut conversation)?;
    if changed {
        // Before anything routing reads is written.
        lock_routing(db)?;
    }
    let positions = conversation.next_positions(internal);
    if !internal {
        conversation.updated_at = now;
    }
    if changed {
        update_conversation(db, &conversation)?;
    } else {
        record_activity(db, &conversation)?;
    }
    let message = record_message(db, events, &conversation, positions, post, now)?;
    if changed {
        append_conversation_updated(events, &conversation)?;
        conversation = queue.reconcile(db, events, Some(&before), conversation)?;
    }
    queue.record_reply(db, events, &conversation, &message)?;
    Ok(Posted {
        message,
        conversation,
        created: true,
    })
}

/// Inserts a message at `positions` (from `Conversation::next_positions`),
/// binding its attachments to it, and queues its `message.created` event.
pub(crate) fn record_message(
    db: &Db<'_>,
    events: &mut Vec<Event>,
    conversation: &Conversation,
    positions: (i64, Option<i64>),
    post: Post<'_>,
    now: Timestamp,
) -> StoreResult<Message> {
    let attachments = match &post {
        Post::Person { author, message } => claim_attachments(db, author, &message.attachment_ids)?,
        Post::Bot { .. } => Vec::new(),
    };
    let message = post.into_message(conversation, positions, attachments, now);
    // Only the bot's messages carry suggestions; a person's keep the column empty.
    let suggestions = (message.author.kind == AuthorKind::Bot)
        .then(|| to_json(&message.suggestions))
        .transpose()?;
    db.execute(
        concat!(
            "INSERT INTO messages (",
            message_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        ),
        &[
            &message.id.as_str(),
            &message.conversation_id.as_str(),
            &message.seq,
            &message.public_seq,
            &message.author.kind.as_str(),
            &message.author.id,
            &message.author.name,
            &message.text,
            &message.internal,
            &message.client_msg_id.as_ref().map(ClientMsgId::as_str),
            &to_json(&message.attachments)?,
            &micros(now),
            &suggestions,
        ],
    )?;
    for attachment in &message.attachments {
        db.execute(
            "UPDATE attachments SET conversation_id = $1, message_seq = $2 WHERE id = $3",
            &[
                &message.conversation_id.as_str(),
                &message.seq,
                &attachment.id.as_str(),
            ],
        )?;
    }
    append_event(
        events,
        EventKind::MessageCreated,
        conversation,
        message.internal,
        &message,
    )?;
    Ok(message)
}

/// The attachments' metadata, once each is checked to be the author's own
/// upload and not yet sent; their rows stay locked, so that two messages
/// cannot both send one file.
fn claim_attachments(
    db: &Db<'_>,
    principal: &Principal,
    ids: &[AttachmentId],
) -> StoreResult<Vec<AttachmentInfo>> {
    let uploader = Uploader::of(principal);
    let mut infos: Vec<AttachmentInfo> = Vec::with_capacity(ids.len());
    for id in ids {
        db.execute(
            "SELECT 1 FROM attachments WHERE id = $1 FOR UPDATE",
            &[&id.as_str()],
        )?;
        let record = load_attachment(db, id)?
            .filter(|a| a.uploader == uploader && a.conversation_id.is_none())
            .filter(|_| !infos.iter().any(|i| &i.id == id))
            .ok_or_else(|| StoreError::InvalidAttachment(id.to_string()))?;
        infos.push(record.info);
    }
    Ok(infos)
}
