//! Read receipts: how far each side of a conversation (the customer, the
//! operators together) has read, so that each side sees its messages go
//! from "sent" to "read"; and how far each operator has read, so that their
//! queues count what they have not read yet.

use crate::{StoreError, StoreResult};
use async_trait::async_trait;
use hotline_domain::{Conversation, ConversationId, Message, OperatorId, Principal};
use serde::Serialize;

/// Who read: the customer, or the operators (one mark shared by all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadSide {
    Customer,
    Operators,
}

impl ReadSide {
    pub fn of(reader: &Principal) -> ReadSide {
        if reader.is_customer() {
            ReadSide::Customer
        } else {
            ReadSide::Operators
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ReadSide::Customer => "customer",
            ReadSide::Operators => "operators",
        }
    }
    /// The last message of `conversation` this side can read, in its numbering.
    pub fn last_in(self, conversation: &Conversation) -> u64 {
        let last = match self {
            ReadSide::Customer => conversation.last_public_seq,
            ReadSide::Operators => conversation.last_seq,
        };
        u64::try_from(last).unwrap_or(0)
    }
}

/// A side has read every message up to this one, in both numberings:
/// `seq` counts every message (operators), `public_seq` only those the
/// customer sees. 0 means nothing read yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadMark {
    pub seq: u64,
    pub public_seq: u64,
}

impl ReadMark {
    /// The mark in `reader`'s numbering.
    pub fn seen_by(self, reader: &Principal) -> u64 {
        if reader.is_customer() {
            self.public_seq
        } else {
            self.seq
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadState {
    pub customer: ReadMark,
    /// The furthest any operator has read: what the customer sees as "read".
    pub operators: ReadMark,
    /// How far the reader has read, in their numbering: a customer's is the
    /// customer side's mark, an operator's their own (a supervisor who
    /// opens a conversation does not read it for the operator who has it).
    pub own: u64,
}

impl ReadState {
    /// This state as `reader` sees it, with `operator_mark` their own mark
    /// when they are an operator.
    pub fn owned_by(mut self, reader: &Principal, operator_mark: u64) -> ReadState {
        self.own = if reader.is_customer() {
            self.customer.public_seq
        } else {
            operator_mark
        };
        self
    }

    pub fn of(&self, side: ReadSide) -> ReadMark {
        match side {
            ReadSide::Customer => self.customer,
            ReadSide::Operators => self.operators,
        }
    }

    /// Moves `side`'s mark to `mark`: the state after, and the receipt to
    /// log, with whether only operators may see it (they read nothing the
    /// customer could notice: internal notes only).
    pub fn moved(
        mut self,
        conversation_id: &ConversationId,
        side: ReadSide,
        mark: ReadMark,
    ) -> (ReadState, ReadReceipt, bool) {
        let internal = mark.public_seq == self.of(side).public_seq;
        match side {
            ReadSide::Customer => self.customer = mark,
            ReadSide::Operators => self.operators = mark,
        }
        let receipt = ReadReceipt {
            conversation_id: conversation_id.clone(),
            reader: side,
            seq: mark.seq,
            public_seq: mark.public_seq,
        };
        (self, receipt, internal)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOutcome {
    /// The mark moved forward; a `messages.read` event was logged.
    Moved(ReadState),
    /// The mark was already there or further: nothing changed.
    Unchanged(ReadState),
    /// `seq` is past the last message the reader can see (`last`).
    BeyondLast { last: u64 },
}

/// A conversation as a queue lists it for one reader.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationDigest {
    pub conversation_id: ConversationId,
    /// The last message the reader can see (stored masked, like every message).
    pub last_message: Option<Message>,
    /// Messages of the other side after the reader's own mark: the
    /// customer's for an operator, support's (operators and the bot) for
    /// the customer.
    pub unread: u32,
}

/// The data of a `messages.read` event. Customers receive `public_seq` as
/// `seq` (see `Event::data_seen_by`), like every other number.
#[derive(Debug, Clone, Serialize)]
pub struct ReadReceipt {
    pub conversation_id: ConversationId,
    pub reader: ReadSide,
    pub seq: u64,
    pub public_seq: u64,
}

#[async_trait]
pub trait ReadStore: Send + Sync {
    /// Moves the reader's side's mark to `seq`, counted in the reader's
    /// numbering (customers count only the messages they see). A mark never
    /// moves back. `NotFound` when the reader cannot see the conversation.
    /// An operators' read that the customer could not notice (only internal
    /// notes newly read) is logged as an internal event.
    async fn mark_read(
        &self,
        conversation: &ConversationId,
        reader: &Principal,
        seq: u64,
    ) -> StoreResult<ReadOutcome>;
    /// Both sides' marks and the reader's own; `NotFound` when the reader
    /// cannot see the conversation.
    async fn read_state(
        &self,
        conversation: &ConversationId,
        reader: &Principal,
    ) -> StoreResult<ReadState>;
    /// The last message and the unread count of each of `conversations`
    /// for `reader`, in the same order; the caller has checked that the
    /// reader may see them.
    async fn digests(
        &self,
        conversations: &[ConversationId],
        reader: &Principal,
    ) -> StoreResult<Vec<ConversationDigest>>;
}

/// What moving a read mark reads and writes, in the backend's transaction.
pub trait ReadRecords {
    type Error: From<StoreError>;

    fn conversation(&mut self, id: &ConversationId) -> Result<Option<Conversation>, Self::Error>;
    /// Both sides' marks, `side`'s to be moved: a backend with several
    /// writers locks it, so that a mark never moves back.
    fn marks_to_change(
        &mut self,
        id: &ConversationId,
        side: ReadSide,
    ) -> Result<ReadState, Self::Error>;
    /// The mark for "read up to `seq`" in `side`'s numbering, in both
    /// numberings; `NotFound` when the customer has no such message.
    fn mark_at(
        &mut self,
        id: &ConversationId,
        side: ReadSide,
        seq: u64,
    ) -> Result<ReadMark, Self::Error>;
    fn save_mark(
        &mut self,
        id: &ConversationId,
        side: ReadSide,
        mark: ReadMark,
    ) -> Result<(), Self::Error>;
    /// Raises `operator`'s own mark to `seq` (never back): the mark after.
    fn raise_own_mark(
        &mut self,
        id: &ConversationId,
        operator: &OperatorId,
        seq: u64,
    ) -> Result<u64, Self::Error>;
    /// Appends `messages.read` about `conversation`.
    fn append_receipt(
        &mut self,
        conversation: &Conversation,
        receipt: &ReadReceipt,
        internal: bool,
    ) -> Result<(), Self::Error>;
}

/// [`ReadStore::mark_read`], once for every backend.
pub fn mark_read<R: ReadRecords>(
    records: &mut R,
    id: &ConversationId,
    reader: &Principal,
    seq: u64,
) -> Result<ReadOutcome, R::Error> {
    let conversation = records
        .conversation(id)?
        .filter(|c| reader.can_access(c))
        .ok_or(StoreError::NotFound)?;
    let side = ReadSide::of(reader);
    let last = side.last_in(&conversation);
    if seq > last {
        return Ok(ReadOutcome::BeyondLast { last });
    }
    let own = match reader {
        Principal::Operator(operator) => records.raise_own_mark(id, &operator.id, seq)?,
        Principal::Customer(_) => 0,
    };
    let state = records.marks_to_change(id, side)?;
    if seq <= state.of(side).seen_by(reader) {
        return Ok(ReadOutcome::Unchanged(state.owned_by(reader, own)));
    }
    let mark = if seq == 0 {
        ReadMark::default()
    } else {
        records.mark_at(id, side, seq)?
    };
    records.save_mark(id, side, mark)?;
    let (state, receipt, internal) = state.moved(id, side, mark);
    records.append_receipt(&conversation, &receipt, internal)?;
    Ok(ReadOutcome::Moved(state.owned_by(reader, own)))
}
