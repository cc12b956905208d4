//! The conversation writes of [`hotline_store::write`] on SQLite: their
//! reads and writes ([`SqliteWrite`]) over one writer job's connection.

use crate::error::{Error, StoreResult};
use crate::queue::QueueRuntime;
use crate::rows::*;
use hotline_domain::{
    AttachmentId, AttachmentInfo, Author, AuthorKind, ClientMsgId, Conversation, ConversationId,
    CustomerIdentity, Event, EventKind, Message, OperatorId, OperatorPrincipal, Principal,
    Timestamp,
};
use hotline_store::write::WriteRecords;
use hotline_store::{Remask, StartConversation, Started, StoreError, Uploader};
use rusqlite::{Connection, params};
use serde::Serialize;

/// What the conversation writes read and write in one writer job.
pub(crate) struct SqliteWrite<'a> {
    pub conn: &'a Connection,
    pub events: &'a mut Vec<Event>,
    pub queue: &'a QueueRuntime,
}

impl WriteRecords for SqliteWrite<'_> {
    type Error = Error;

    fn now(&self) -> Timestamp {
        now()
    }

    fn conversation(&mut self, id: &ConversationId) -> StoreResult<Option<Conversation>> {
        load_conversation(self.conn, id)
    }

    /// The single writer changes one conversation at a time: no lock needed.
    fn conversation_to_change(&mut self, id: &ConversationId) -> StoreResult<Option<Conversation>> {
        load_conversation(self.conn, id)
    }

    fn sent_message(
        &mut self,
        author: &Author,
        client_msg_id: &str,
    ) -> StoreResult<Option<Message>> {
        find_by_client_msg_id(self.conn, author, client_msg_id)
    }

    fn operator(&mut self, id: &OperatorId) -> StoreResult<Option<OperatorPrincipal>> {
        load_operator(self.conn, id)
    }

    fn save_customer(&mut self, customer: &CustomerIdentity, now: Timestamp) -> StoreResult<()> {
        upsert_customer(self.conn, customer, now)
    }

    fn insert_conversation(&mut self, conversation: &Conversation) -> StoreResult<()> {
        insert_conversation(self.conn, conversation)
    }

    fn update_conversation(&mut self, conversation: &Conversation) -> StoreResult<()> {
        update_conversation(self.conn, conversation)
    }

    fn record_activity(&mut self, conversation: &Conversation) -> StoreResult<()> {
        record_activity(self.conn, conversation)
    }

    fn record_rating(&mut self, conversation: &Conversation) -> StoreResult<()> {
        record_rating(self.conn, conversation)
    }

    fn claim_attachments(
        &mut self,
        author: &Principal,
        ids: &[AttachmentId],
    ) -> StoreResult<Vec<AttachmentInfo>> {
        claim_attachments(self.conn, author, ids)
    }

    fn insert_message(&mut self, message: &Message) -> StoreResult<()> {
        let conn = self.conn;
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
            micros(message.created_at),
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
        Ok(())
    }

    fn remask(&mut self, conversation: &Conversation, remask: &Remask) -> StoreResult<()> {
        crate::redaction::redact_as_read(self.conn, conversation, remask)
    }

    fn append_event<T: Serialize>(
        &mut self,
        kind: EventKind,
        conversation: &Conversation,
        internal: bool,
        data: &T,
    ) -> StoreResult<()> {
        append_event(self.conn, self.events, kind, conversation, internal, data)
    }

    /// Routing runs on the single writer: its turn is every job's.
    fn routing_turn(&mut self) -> StoreResult<()> {
        Ok(())
    }

    fn reconcile(
        &mut self,
        before: Option<&Conversation>,
        after: Conversation,
    ) -> StoreResult<Conversation> {
        self.queue.reconcile(self.conn, self.events, before, after)
    }

    fn record_reply(&mut self, conversation: &Conversation, message: &Message) -> StoreResult<()> {
        self.queue
            .record_reply(self.conn, self.events, conversation, message)
    }

    fn with_place(&mut self, conversation: Conversation) -> StoreResult<Conversation> {
        Ok(self.queue.with_place(conversation))
    }

    fn join_open(&mut self, command: &StartConversation) -> StoreResult<Option<Started>> {
        self.queue.join_open(self.conn, self.events, command)
    }
}

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
