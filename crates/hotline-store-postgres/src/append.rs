//! The conversation writes of [`hotline_store::write`] on PostgreSQL:
//! their reads and writes ([`PgWrite`]) in one transaction.

use crate::db::{Db, Error, StoreResult};
use crate::queue::{QueueRuntime, lock_routing};
use crate::rows::*;
use hotline_domain::{
    AttachmentId, AttachmentInfo, Author, AuthorKind, ClientMsgId, Conversation, ConversationId,
    CustomerIdentity, Event, EventKind, Message, OperatorId, OperatorPrincipal, Principal,
    Timestamp,
};
use hotline_store::write::WriteRecords;
use hotline_store::{Remask, StartConversation, Started, StoreError, Uploader};
use serde::Serialize;

/// What the conversation writes read and write in one transaction.
pub(crate) struct PgWrite<'a, 't> {
    pub db: &'a Db<'t>,
    pub events: &'a mut Vec<Event>,
    pub queue: &'a QueueRuntime,
}

impl WriteRecords for PgWrite<'_, '_> {
    type Error = Error;

    fn now(&self) -> Timestamp {
        now()
    }

    fn conversation(&mut self, id: &ConversationId) -> StoreResult<Option<Conversation>> {
        load_conversation(self.db, id)
    }

    /// Locked: writers of one conversation (its `seq`s, its status) take turns.
    fn conversation_to_change(&mut self, id: &ConversationId) -> StoreResult<Option<Conversation>> {
        lock_conversation(self.db, id)
    }

    fn sent_message(
        &mut self,
        author: &Author,
        client_msg_id: &str,
    ) -> StoreResult<Option<Message>> {
        find_by_client_msg_id(self.db, author, client_msg_id)
    }

    fn operator(&mut self, id: &OperatorId) -> StoreResult<Option<OperatorPrincipal>> {
        load_operator(self.db, id)
    }

    fn save_customer(&mut self, customer: &CustomerIdentity, now: Timestamp) -> StoreResult<()> {
        upsert_customer(self.db, customer, now)
    }

    fn insert_conversation(&mut self, conversation: &Conversation) -> StoreResult<()> {
        insert_conversation(self.db, conversation)
    }

    fn update_conversation(&mut self, conversation: &Conversation) -> StoreResult<()> {
        update_conversation(self.db, conversation)
    }

    fn record_activity(&mut self, conversation: &Conversation) -> StoreResult<()> {
        record_activity(self.db, conversation)
    }

    fn record_rating(&mut self, conversation: &Conversation) -> StoreResult<()> {
        record_rating(self.db, conversation)
    }

    fn claim_attachments(
        &mut self,
        author: &Principal,
        ids: &[AttachmentId],
    ) -> StoreResult<Vec<AttachmentInfo>> {
        claim_attachments(self.db, author, ids)
    }

    fn insert_message(&mut self, message: &Message) -> StoreResult<()> {
        let db = self.db;
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
                &micros(message.created_at),
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
        Ok(())
    }

    fn remask(&mut self, conversation: &Conversation, remask: &Remask) -> StoreResult<()> {
        crate::redaction::redact_as_read(self.db, conversation, remask)
    }

    fn append_event<T: Serialize>(
        &mut self,
        kind: EventKind,
        conversation: &Conversation,
        internal: bool,
        data: &T,
    ) -> StoreResult<()> {
        append_event(self.events, kind, conversation, internal, data)
    }

    fn routing_turn(&mut self) -> StoreResult<()> {
        lock_routing(self.db)
    }

    fn reconcile(
        &mut self,
        before: Option<&Conversation>,
        after: Conversation,
    ) -> StoreResult<Conversation> {
        self.queue.reconcile(self.db, self.events, before, after)
    }

    fn record_reply(&mut self, conversation: &Conversation, message: &Message) -> StoreResult<()> {
        self.queue
            .record_reply(self.db, self.events, conversation, message)
    }

    fn with_place(&mut self, conversation: Conversation) -> StoreResult<Conversation> {
        self.queue.with_place(self.db, conversation)
    }

    fn join_open(&mut self, command: &StartConversation) -> StoreResult<Option<Started>> {
        self.queue.join_open(self.db, self.events, command)
    }
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
