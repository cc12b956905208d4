use crate::PostgresStore;
use crate::db::{Db, Error, StoreResult};
use crate::rows::{append_event, load_conversation, now_micros};
use async_trait::async_trait;
use hotline_domain::{Conversation, ConversationId, Event, EventKind, Principal};
use hotline_store::read::ReadRecords;
use hotline_store::{
    ReadMark, ReadOutcome, ReadReceipt, ReadSide, ReadState, ReadStore, StoreError,
};

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
    })
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
            load_state(db, &id)
        })
        .await
    }
}
