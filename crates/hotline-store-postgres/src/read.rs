use crate::PostgresStore;
use crate::db::{Db, Error, StoreResult};
use crate::rows::{append_event, load_conversation, now_micros, read_message};
use async_trait::async_trait;
use hotline_domain::{Conversation, ConversationId, Event, EventKind, OperatorId, Principal};
use hotline_store::read::ReadRecords;
use hotline_store::{
    ConversationDigest, ReadMark, ReadOutcome, ReadReceipt, ReadSide, ReadState, ReadStore,
    StoreError,
};
use std::collections::HashMap;

fn load_mark(db: &Db<'_>, conversation: &ConversationId, side: ReadSide) -> StoreResult<ReadMark> {
    Ok(db
        .query_opt(
            "SELECT seq, public_seq FROM read_marks WHERE conversation_id = $1 AND side = $2",
            &[&conversation.as_str(), &side.as_str()],
        )?
        .map(|r| -> StoreResult<ReadMark> {
            Ok(ReadMark {
                seq: r.try_get::<_, i64>(0)? as u64,
                public_seq: r.try_get::<_, i64>(1)? as u64,
            })
        })
        .transpose()?
        .unwrap_or_default())
}

fn load_state(db: &Db<'_>, conversation: &ConversationId) -> StoreResult<ReadState> {
    Ok(ReadState {
        customer: load_mark(db, conversation, ReadSide::Customer)?,
        operators: load_mark(db, conversation, ReadSide::Operators)?,
        own: 0,
    })
}

/// How far `reader` has read, in their numbering.
fn own_mark(db: &Db<'_>, conversation: &ConversationId, reader: &Principal) -> StoreResult<u64> {
    Ok(match reader {
        Principal::Customer(_) => load_mark(db, conversation, ReadSide::Customer)?.public_seq,
        Principal::Operator(operator) => db
            .query_opt(
                "SELECT seq FROM operator_read_marks WHERE conversation_id = $1 AND operator_id = $2",
                &[&conversation.as_str(), &operator.id.as_str()],
            )?
            .map(|r| r.try_get::<_, i64>(0))
            .transpose()?
            .unwrap_or(0) as u64,
    })
}

/// Each conversation's last message and unread count, in two statements
/// for the whole list.
fn digests(
    db: &Db<'_>,
    conversations: &[ConversationId],
    reader: &Principal,
) -> StoreResult<Vec<ConversationDigest>> {
    let ids: Vec<&str> = conversations.iter().map(|c| c.as_str()).collect();
    // Customers count in the public numbering and never see notes.
    let (last, unread, reader_id) = match reader {
        Principal::Customer(_) => (
            concat!(
                "SELECT m.* FROM unnest($1::text[]) AS c(id) CROSS JOIN LATERAL (SELECT ",
                message_columns!(),
                " FROM messages WHERE conversation_id = c.id AND public_seq IS NOT NULL
                  ORDER BY seq DESC LIMIT 1) m"
            ),
            "SELECT c.id, (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id
                 AND m.author_kind <> 'customer' AND m.public_seq > COALESCE((SELECT r.public_seq
                     FROM read_marks r WHERE r.conversation_id = c.id AND r.side = 'customer'), 0))
             FROM unnest($1::text[]) AS c(id)",
            None,
        ),
        Principal::Operator(operator) => (
            concat!(
                "SELECT m.* FROM unnest($1::text[]) AS c(id) CROSS JOIN LATERAL (SELECT ",
                message_columns!(),
                " FROM messages WHERE conversation_id = c.id ORDER BY seq DESC LIMIT 1) m"
            ),
            "SELECT c.id, (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id
                 AND m.author_kind = 'customer' AND m.seq > COALESCE((SELECT o.seq
                     FROM operator_read_marks o WHERE o.conversation_id = c.id
                       AND o.operator_id = $2), 0))
             FROM unnest($1::text[]) AS c(id)",
            Some(operator.id.as_str()),
        ),
    };
    let mut last_messages = HashMap::new();
    for row in db.query(last, &[&ids])? {
        let message = read_message(&row)?;
        last_messages.insert(message.conversation_id.clone(), message.seen_by(reader));
    }
    let mut counts = HashMap::new();
    let count_rows = match reader_id {
        None => db.query(unread, &[&ids])?,
        Some(operator) => db.query(unread, &[&ids, &operator])?,
    };
    for row in count_rows {
        counts.insert(row.try_get::<_, String>(0)?, row.try_get::<_, i64>(1)?);
    }
    Ok(conversations
        .iter()
        .map(|id| ConversationDigest {
            conversation_id: id.clone(),
            last_message: last_messages.remove(id),
            unread: counts
                .get(id.as_str())
                .map_or(0, |&n| u32::try_from(n).unwrap_or(u32::MAX)),
        })
        .collect())
}

/// The mark for "read up to `seq`" in the reader's numbering, in both numberings.
fn mark_at(
    db: &Db<'_>,
    conversation: &ConversationId,
    side: ReadSide,
    seq: u64,
) -> StoreResult<ReadMark> {
    let id = conversation.as_str();
    let seq_i = seq as i64;
    Ok(match side {
        ReadSide::Customer => ReadMark {
            seq: db
                .query_opt(
                    "SELECT seq FROM messages WHERE conversation_id = $1 AND public_seq = $2",
                    &[&id, &seq_i],
                )?
                .ok_or(StoreError::NotFound)?
                .try_get::<_, i64>(0)? as u64,
            public_seq: seq,
        },
        ReadSide::Operators => ReadMark {
            seq,
            public_seq: db
                .query_one(
                    "SELECT COALESCE(MAX(public_seq), 0) FROM messages WHERE conversation_id = $1 AND seq <= $2",
                    &[&id, &seq_i],
                )?
                .try_get::<_, i64>(0)? as u64,
        },
    })
}

/// What moving a read mark reads and writes in one transaction.
struct PgReads<'a, 't> {
    db: &'a Db<'t>,
    events: &'a mut Vec<Event>,
}

impl ReadRecords for PgReads<'_, '_> {
    type Error = Error;

    fn conversation(&mut self, id: &ConversationId) -> StoreResult<Option<Conversation>> {
        load_conversation(self.db, id)
    }

    /// Two readers of one side take turns on its row.
    fn marks_to_change(&mut self, id: &ConversationId, side: ReadSide) -> StoreResult<ReadState> {
        self.db.execute(
            "INSERT INTO read_marks (conversation_id, side, seq, public_seq, updated_at)
             VALUES ($1, $2, 0, 0, $3) ON CONFLICT (conversation_id, side) DO NOTHING",
            &[&id.as_str(), &side.as_str(), &now_micros()],
        )?;
        self.db.execute(
            "SELECT 1 FROM read_marks WHERE conversation_id = $1 AND side = $2 FOR UPDATE",
            &[&id.as_str(), &side.as_str()],
        )?;
        load_state(self.db, id)
    }

    fn mark_at(&mut self, id: &ConversationId, side: ReadSide, seq: u64) -> StoreResult<ReadMark> {
        mark_at(self.db, id, side, seq)
    }

    fn save_mark(
        &mut self,
        id: &ConversationId,
        side: ReadSide,
        mark: ReadMark,
    ) -> StoreResult<()> {
        self.db.execute(
            "UPDATE read_marks SET seq = $3, public_seq = $4, updated_at = $5
             WHERE conversation_id = $1 AND side = $2",
            &[
                &id.as_str(),
                &side.as_str(),
                &(mark.seq as i64),
                &(mark.public_seq as i64),
                &now_micros(),
            ],
        )?;
        Ok(())
    }

    /// `GREATEST` keeps the mark from moving back when two of the
    /// operator's tabs race.
    fn raise_own_mark(
        &mut self,
        id: &ConversationId,
        operator: &OperatorId,
        seq: u64,
    ) -> StoreResult<u64> {
        Ok(self
            .db
            .query_one(
                "INSERT INTO operator_read_marks (conversation_id, operator_id, seq, updated_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (conversation_id, operator_id) DO UPDATE
                     SET seq = GREATEST(operator_read_marks.seq, excluded.seq),
                         updated_at = excluded.updated_at
                 RETURNING seq",
                &[
                    &id.as_str(),
                    &operator.as_str(),
                    &(seq as i64),
                    &now_micros(),
                ],
            )?
            .try_get::<_, i64>(0)? as u64)
    }

    fn append_receipt(
        &mut self,
        conversation: &Conversation,
        receipt: &ReadReceipt,
        internal: bool,
    ) -> StoreResult<()> {
        append_event(
            self.events,
            EventKind::MessagesRead,
            conversation,
            internal,
            receipt,
        )
    }
}

#[async_trait]
impl ReadStore for PostgresStore {
    async fn mark_read(
        &self,
        conversation: &ConversationId,
        reader: &Principal,
        seq: u64,
    ) -> hotline_store::StoreResult<ReadOutcome> {
        let id = conversation.clone();
        let reader = reader.clone();
        self.write(move |db, events| {
            hotline_store::read::mark_read(&mut PgReads { db, events }, &id, &reader, seq)
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
        self.read(move |db| {
            load_conversation(db, &id)?
                .filter(|c| reader.can_access(c))
                .ok_or(StoreError::NotFound)?;
            let own = own_mark(db, &id, &reader)?;
            Ok(load_state(db, &id)?.owned_by(&reader, own))
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
        self.read(move |db| digests(db, &ids, &reader)).await
    }
}
