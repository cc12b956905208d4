use super::SqliteStore;
use super::rows::{append_event, load_conversation, now_micros};
use crate::error::StoreResult;
use async_trait::async_trait;
use hotline_domain::{ConversationId, EventKind, Principal};
use hotline_store::{ReadMark, ReadOutcome, ReadSide, ReadState, ReadStore, StoreError};
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
    })
}

/// The mark for "read up to `seq`" in the reader's numbering, in both numberings.
fn mark_at(
    conn: &Connection,
    conversation: &ConversationId,
    side: ReadSide,
    seq: u64,
) -> StoreResult<ReadMark> {
    if seq == 0 {
        return Ok(ReadMark::default());
    }
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
            let conversation = load_conversation(conn, &id)?
                .filter(|c| reader.can_access(c))
                .ok_or(StoreError::NotFound)?;
            let side = ReadSide::of(&reader);
            let last = side.last_in(&conversation);
            if seq > last {
                return Ok(ReadOutcome::BeyondLast { last });
            }
            let state = load_state(conn, &id)?;
            if seq <= state.of(side).seen_by(&reader) {
                return Ok(ReadOutcome::Unchanged(state));
            }
            let mark = mark_at(conn, &id, side, seq)?;
            conn.prepare_cached(
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
            let (state, receipt, internal) = state.moved(&id, side, mark);
            append_event(
                conn,
                events,
                EventKind::MessagesRead,
                &conversation,
                internal,
                &receipt,
            )?;
            Ok(ReadOutcome::Moved(state))
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
            load_state(conn, &id)
        })
        .await
    }
}
