//! Event positions without gaps, whichever node writes.
//!
//! The log is one stream: a cursor is one number that every reader (a
//! customer, or operators of any set of departments) resumes from, so
//! positions must be dense and visible in order across the whole log. A
//! sequence would not do: transactions take numbers in one order and commit
//! in another, so a reader that saw N could miss N−1 committed a moment
//! later, and a rolled-back transaction would leave a hole.
//!
//! Instead a writing transaction collects its events and, as its last
//! statements before COMMIT, moves the row-locked head of the stream
//! (`UPDATE stream_heads … RETURNING head`) and inserts its events at the
//! positions it took. The row lock is held from there to the end of COMMIT,
//! and PostgreSQL makes a transaction visible before it releases its locks,
//! so the next writer's positions can only appear after these; a rollback
//! (or a failed COMMIT) undoes the head with everything else. Only that
//! short tail of each transaction is serialised.

use crate::db::{Db, StoreResult};
use crate::rows::micros;
use hotline_domain::{Event, EventPosition};
use hotline_store::StoreError;
use tokio_postgres::types::Json;

/// The stream every event belongs to.
pub(crate) const LOG_STREAM: &str = "log";

/// Gives `events` their positions and inserts them: the last statements
/// of a writing transaction.
pub(crate) fn append_pending(db: &Db<'_>, events: &mut [Event]) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let count = events.len() as i64;
    let head: i64 = db
        .query_one(
            "UPDATE stream_heads SET head = head + $2 WHERE stream = $1 RETURNING head",
            &[&LOG_STREAM, &count],
        )?
        .try_get(0)?;
    let first = head - count + 1;
    let mut positions = Vec::with_capacity(events.len());
    let mut kinds = Vec::with_capacity(events.len());
    let mut conversations = Vec::with_capacity(events.len());
    let mut departments = Vec::with_capacity(events.len());
    let mut customers = Vec::with_capacity(events.len());
    let mut internal = Vec::with_capacity(events.len());
    let mut data = Vec::with_capacity(events.len());
    let mut created = Vec::with_capacity(events.len());
    for (offset, event) in events.iter_mut().enumerate() {
        let position = first + offset as i64;
        event.position = EventPosition(
            u64::try_from(position).map_err(|_| StoreError::Backend("negative head".into()))?,
        );
        positions.push(position);
        kinds.push(event.kind.as_str());
        conversations.push(event.conversation_id.as_str());
        departments.push(event.department.as_str());
        customers.push(event.customer_id.as_str());
        internal.push(event.internal);
        data.push(Json(&event.data));
        created.push(micros(event.created_at));
    }
    db.execute(
        "INSERT INTO events (position, kind, conversation_id, department, customer_id, internal, data, created_at)
         SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
                              $6::boolean[], $7::jsonb[], $8::bigint[])",
        &[
            &positions,
            &kinds,
            &conversations,
            &departments,
            &customers,
            &internal,
            &data,
            &created,
        ],
    )?;
    Ok(())
}
