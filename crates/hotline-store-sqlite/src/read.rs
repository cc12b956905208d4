use super::SqliteStore;
use super::rows::{MessageRow, append_event, load_conversation, now_micros};
use crate::error::{Error, StoreResult};
use async_trait::async_trait;
use hotline_domain::{Conversation, ConversationId, Event, EventKind, OperatorId, Principal};
use hotline_store::read::ReadRecords;
use hotline_store::{
    ConversationDigest, ReadMark, ReadOutcome, ReadReceipt, ReadSide, ReadState, ReadStore,
    StoreError,
};
use rusqlite::{Connection, OptionalExtension, params};

fn load_mark(
    conn: &Connection,
    conversation: &ConversationId,
    side: ReadSide,
) -> StoreResult<ReadMark> {
    Ok(conn
        .prepare_cached(
            "SELECT seq, public_seq FROM read_marks WHERE conversation_id = ?1 AND side = ?2",
        )?
        .query_row(params![conversation.as_str(), side.as_str()], |r| {
            Ok(ReadMark {
                seq: r.get::<_, i64>(0)? as u64,
                public_seq: r.get::<_, i64>(1)? as u64,
            })
        })
        .optional()?
        .unwrap_or_default())
}

fn load_state(conn: &Connection, conversation: &ConversationId) -> StoreResult<ReadState> {
    Ok(ReadState {
        customer: load_mark(conn, conversation, ReadSide::Customer)?,
        operators: load_mark(conn, conversation, ReadSide::Operators)?,
        own: 0,
    })
}

/// How far `reader` has read, in their numbering.
fn own_mark(
    conn: &Connection,
    conversation: &ConversationId,
    reader: &Principal,
) -> StoreResult<u64> {
    Ok(match reader {
        Principal::Customer(_) => load_mark(conn, conversation, ReadSide::Customer)?.public_seq,
        Principal::Operator(operator) => conn
            .prepare_cached(
                "SELECT seq FROM operator_read_marks WHERE conversation_id = ?1 AND operator_id = ?2",
            )?
            .query_row(
                params![conversation.as_str(), operator.id.as_str()],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .unwrap_or(0) as u64,
    })
}

fn digest(
    conn: &Connection,
    conversation: &ConversationId,
    reader: &Principal,
) -> StoreResult<ConversationDigest> {
    let id = conversation.as_str();
    let own = own_mark(conn, conversation, reader)? as i64;
    // Customers count in the public numbering and never see notes.
    let (last, unread) = if reader.is_customer() {
        (
            concat!(
                "SELECT ",
                message_columns!(),
                " FROM messages WHERE conversation_id = ?1 AND public_seq IS NOT NULL
                  ORDER BY seq DESC LIMIT 1"
            ),
            "SELECT COUNT(*) FROM messages WHERE conversation_id = ?1 AND public_seq > ?2
               AND author_kind <> 'customer'",
        )
    } else {
        (
            concat!(
                "SELECT ",
                message_columns!(),
                " FROM messages WHERE conversation_id = ?1 ORDER BY seq DESC LIMIT 1"
            ),
            "SELECT COUNT(*) FROM messages WHERE conversation_id = ?1 AND seq > ?2
               AND author_kind = 'customer'",
        )
    };
    let last_message = conn
        .prepare_cached(last)?
        .query_row(params![id], MessageRow::read)
        .optional()?
        .map(MessageRow::into_message)
        .transpose()?;
    let unread = conn
        .prepare_cached(unread)?
        .query_row(params![id, own], |r| r.get::<_, i64>(0))?;
    Ok(ConversationDigest {
        conversation_id: conversation.clone(),
        last_message: last_message.map(|m| m.seen_by(reader)),
        unread: u32::try_from(unread).unwrap_or(u32::MAX),
    })
}

/// The mark for "read up to `seq`" in the reader's numbering, in both numberings.
fn mark_at(
    conn: &Connection,
    conversation: &ConversationId,
    side: ReadSide,
    seq: u64,
) -> StoreResult<ReadMark> {
    let id = conversation.as_str();
    Ok(match side {
        ReadSide::Customer => ReadMark {
            seq: conn
                .prepare_cached("SELECT seq FROM messages WHERE conversation_id = ?1 AND public_seq = ?2")?
                .query_row(params![id, seq as i64], |r| r.get::<_, i64>(0))
                .optional()?
                .ok_or(StoreError::NotFound)? as u64,
            public_seq: seq,
        },
        ReadSide::Operators => ReadMark {
            seq,
            public_seq: conn
                .prepare_cached(
                    "SELECT COALESCE(MAX(public_seq), 0) FROM messages WHERE conversation_id = ?1 AND seq <= ?2",
                )?
                .query_row(params![id, seq as i64], |r| r.get::<_, i64>(0))? as u64,
        },
    })
}

/// What moving a read mark reads and writes in one writer job.
struct SqliteReads<'a> {
    conn: &'a Connection,
    events: &'a mut Vec<Event>,
}

impl ReadRecords for SqliteReads<'_> {
    type Error = Error;

    fn conversation(&mut self, id: &ConversationId) -> StoreResult<Option<Conversation>> {
        load_conversation(self.conn, id)
    }

    /// One writer: nothing to lock.
    fn marks_to_change(&mut self, id: &ConversationId, _: ReadSide) -> StoreResult<ReadState> {
        load_state(self.conn, id)
    }

    fn mark_at(&mut self, id: &ConversationId, side: ReadSide, seq: u64) -> StoreResult<ReadMark> {
        mark_at(self.conn, id, side, seq)
    }

    fn save_mark(
        &mut self,
        id: &ConversationId,
        side: ReadSide,
        mark: ReadMark,
    ) -> StoreResult<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO read_marks (conversation_id, side, seq, public_seq, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (conversation_id, side) DO UPDATE SET seq = excluded.seq,
                     public_seq = excluded.public_seq, updated_at = excluded.updated_at",
            )?
            .execute(params![
                id.as_str(),
                side.as_str(),
                mark.seq as i64,
                mark.public_seq as i64,
                now_micros()
            ])?;
        Ok(())
    }

    fn raise_own_mark(
        &mut self,
        id: &ConversationId,
        operator: &OperatorId,
        seq: u64,
    ) -> StoreResult<u64> {
        Ok(self
            .conn
            .prepare_cached(
                "INSERT INTO operator_read_marks (conversation_id, operator_id, seq, updated_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (conversation_id, operator_id) DO UPDATE
                     SET seq = max(seq, excluded.seq), updated_at = excluded.updated_at
                 RETURNING seq",
            )?
            .query_row(
                params![id.as_str(), operator.as_str(), seq as i64, now_micros()],
                |r| r.get::<_, i64>(0),
            )? as u64)
    }

    fn append_receipt(
        &mut self,
        conversation: &Conversation,
        receipt: &ReadReceipt,
        internal: bool,
    ) -> StoreResult<()> {
        append_event(
            self.conn,
            self.events,
            EventKind::MessagesRead,
            conversation,
            internal,
            receipt,
        )
    }
}

#[async_trait]
impl ReadStore for SqliteStore {
    async fn mark_read(
        &self,
        conversation: &ConversationId,
        reader: &Principal,
        seq: u64,
    ) -> hotline_store::StoreResult<ReadOutcome> {
        let id = conversation.clone();
        let reader = reader.clone();
        self.write(move |conn, events| {
            hotline_store::read::mark_read(&mut SqliteReads { conn, events }, &id, &reader, seq)
        })
        .await
    }

    async fn read_state(
        &self,
        conversation: &ConversationId,
        reader: &Principal,
    ) -> hotline_store::StoreResult<ReadState> {
        let id = conversation.clone();
        let reader = reader.clone();
        self.read(move |conn| {
            load_conversation(conn, &id)?
                .filter(|c| reader.can_access(c))
                .ok_or(StoreError::NotFound)?;
            let own = own_mark(conn, &id, &reader)?;
            Ok(load_state(conn, &id)?.owned_by(&reader, own))
        })
        .await
    }

    async fn digests(
        &self,
        conversations: &[ConversationId],
        reader: &Principal,
    ) -> hotline_store::StoreResult<Vec<ConversationDigest>> {
        let ids = conversations.to_vec();
        let reader = reader.clone();
        self.read(move |conn| ids.iter().map(|id| digest(conn, id, &reader)).collect())
            .await
    }
}
