//! Row mapping and the SQL shared by several store operations.

use crate::db::{Db, Error, StoreResult};
use hotline_domain::{
    Assignee, AttachmentId, AttachmentInfo, Author, AuthorKind, ClientMsgId, Conversation,
    ConversationId, CustomerId, CustomerIdentity, CustomerRef, DepartmentId, Event, EventKind,
    EventPosition, Message, MessageId, OperatorId, OperatorPrincipal, Role, Status, Timestamp,
};
use hotline_store::{AttachmentRecord, StoreError, Uploader};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_postgres::Row;
use tokio_postgres::types::Json;

macro_rules! conversation_columns {
    () => {
        "id, department, status, subject, customer_id, customer_name, assignee_id, assignee_name, \
         last_seq, last_public_seq, created_at, updated_at, rating"
    };
}

macro_rules! message_columns {
    () => {
        "id, conversation_id, seq, public_seq, author_kind, author_id, author_name, text, internal, \
         client_msg_id, attachments, created_at, suggestions"
    };
}

macro_rules! event_columns {
    () => {
        "position, kind, conversation_id, department, customer_id, internal, data, created_at"
    };
}

pub(crate) fn corrupt(what: &str) -> Error {
    StoreError::Backend(format!("unreadable {what} in the database")).into()
}

/// Now, at the precision the database keeps (microseconds), so that what a
/// write returns equals what a later read returns.
pub(crate) fn now() -> Timestamp {
    let t = time::OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000)
        .unwrap_or(t)
}

pub(crate) fn micros(t: Timestamp) -> i64 {
    (t.unix_timestamp_nanos() / 1000) as i64
}

pub(crate) fn now_micros() -> i64 {
    micros(now())
}

pub(crate) fn from_micros(v: i64) -> StoreResult<Timestamp> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(v) * 1000)
        .map_err(|_| corrupt("timestamp"))
}

/// A JSONB column's value as `T`.
pub(crate) fn json<T: DeserializeOwned>(row: &Row, column: usize) -> StoreResult<T> {
    let Json(value) = row
        .try_get::<_, Json<serde_json::Value>>(column)
        .map_err(|_| corrupt("JSON value"))?;
    serde_json::from_value(value).map_err(|_| corrupt("JSON value"))
}

/// A value for a JSONB parameter.
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> StoreResult<Json<serde_json::Value>> {
    Ok(Json(
        serde_json::to_value(value).map_err(StoreError::backend)?,
    ))
}

pub(crate) fn parse_department(raw: String) -> StoreResult<DepartmentId> {
    DepartmentId::parse(raw).map_err(|_| corrupt("department id"))
}

pub(crate) fn parse_audience(raw: String) -> StoreResult<hotline_domain::Audience> {
    hotline_domain::Audience::parse(&raw).ok_or_else(|| corrupt("department audience"))
}

/// Keeps the customer's row as their latest token describes them: the
/// tier in it is what the priority rules read when a conversation queues.
pub(crate) fn upsert_customer(
    db: &Db<'_>,
    customer: &CustomerIdentity,
    now: Timestamp,
) -> StoreResult<()> {
    // Runs for every customer message: the row is rewritten only when the
    // token states something new.
    db.execute(
        "INSERT INTO customers (id, name, email, phone, updated_at, tier) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email,
             phone = excluded.phone, updated_at = excluded.updated_at, tier = excluded.tier
         WHERE (customers.name, customers.email, customers.phone, customers.tier)
               IS DISTINCT FROM (excluded.name, excluded.email, excluded.phone, excluded.tier)",
        &[
            &customer.id.as_str(),
            &customer.name,
            &customer.email,
            &customer.phone,
            &micros(now),
            &customer.tier,
        ],
    )?;
    Ok(())
}

pub(crate) fn customer_tier(db: &Db<'_>, id: &CustomerId) -> StoreResult<Option<String>> {
    Ok(db
        .query_opt("SELECT tier FROM customers WHERE id = $1", &[&id.as_str()])?
        .map(|r| r.try_get(0))
        .transpose()?
        .flatten())
}

pub(crate) fn read_conversation(r: &Row) -> StoreResult<Conversation> {
    let assignee_id: Option<String> = r.try_get(6)?;
    let assignee_name: Option<String> = r.try_get(7)?;
    let status: String = r.try_get(2)?;
    Ok(Conversation {
        id: ConversationId::from_raw(r.try_get::<_, String>(0)?),
        department: parse_department(r.try_get(1)?)?,
        status: Status::parse(&status).ok_or_else(|| corrupt("status"))?,
        subject: json(r, 3)?,
        customer: CustomerRef {
            id: CustomerId::from_raw(r.try_get::<_, String>(4)?),
            name: r.try_get(5)?,
        },
        assignee: match (assignee_id, assignee_name) {
            (Some(id), Some(name)) => Some(Assignee {
                id: OperatorId::from_raw(id),
                name,
            }),
            _ => None,
        },
        queue: None,
        last_seq: r.try_get(8)?,
        last_public_seq: r.try_get(9)?,
        created_at: from_micros(r.try_get(10)?)?,
        updated_at: from_micros(r.try_get(11)?)?,
        rating: r
            .try_get::<_, Option<Json<serde_json::Value>>>(12)?
            .map(|Json(v)| serde_json::from_value(v).map_err(|_| corrupt("rating")))
            .transpose()?,
    })
}

pub(crate) fn read_message(r: &Row) -> StoreResult<Message> {
    let author_kind: String = r.try_get(4)?;
    let suggestions: Option<Json<serde_json::Value>> = r.try_get(12)?;
    Ok(Message {
        id: MessageId::from_raw(r.try_get::<_, String>(0)?),
        conversation_id: ConversationId::from_raw(r.try_get::<_, String>(1)?),
        seq: r.try_get(2)?,
        public_seq: r.try_get(3)?,
        author: Author {
            kind: AuthorKind::parse(&author_kind).ok_or_else(|| corrupt("author kind"))?,
            id: r.try_get(5)?,
            name: r.try_get(6)?,
        },
        text: r.try_get(7)?,
        internal: r.try_get(8)?,
        client_msg_id: r
            .try_get::<_, Option<String>>(9)?
            .map(ClientMsgId::parse)
            .transpose()
            .map_err(|_| corrupt("client_msg_id"))?,
        attachments: json(r, 10)?,
        suggestions: match suggestions {
            Some(Json(value)) => {
                serde_json::from_value(value).map_err(|_| corrupt("suggestions"))?
            }
            None => Vec::new(),
        },
        created_at: from_micros(r.try_get(11)?)?,
    })
}

pub(crate) fn read_event(r: &Row) -> StoreResult<Event> {
    let kind: String = r.try_get(1)?;
    let Json(data) = r.try_get::<_, Json<serde_json::Value>>(6)?;
    Ok(Event {
        position: EventPosition(r.try_get::<_, i64>(0)? as u64),
        kind: EventKind::parse(&kind).ok_or_else(|| corrupt("event kind"))?,
        conversation_id: ConversationId::from_raw(r.try_get::<_, String>(2)?),
        department: parse_department(r.try_get(3)?)?,
        customer_id: CustomerId::from_raw(r.try_get::<_, String>(4)?),
        internal: r.try_get(5)?,
        data,
        created_at: from_micros(r.try_get(7)?)?,
    })
}

pub(crate) fn load_operator(
    db: &Db<'_>,
    id: &OperatorId,
) -> StoreResult<Option<OperatorPrincipal>> {
    let Some(row) = db.query_opt(
        "SELECT name, role, ARRAY(SELECT department FROM operator_departments
                                  WHERE operator_id = o.id ORDER BY department)
         FROM operators o WHERE id = $1",
        &[&id.as_str()],
    )?
    else {
        return Ok(None);
    };
    let role: String = row.try_get(1)?;
    let departments = row
        .try_get::<_, Vec<String>>(2)?
        .into_iter()
        .map(parse_department)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Some(OperatorPrincipal {
        id: id.clone(),
        name: row.try_get(0)?,
        role: Role::parse(&role).ok_or_else(|| corrupt("role"))?,
        departments,
    }))
}

const CONVERSATION_BY_ID: &str = concat!(
    "SELECT ",
    conversation_columns!(),
    " FROM conversations WHERE id = $1"
);

pub(crate) fn load_conversation(
    db: &Db<'_>,
    id: &ConversationId,
) -> StoreResult<Option<Conversation>> {
    select_conversation(db, CONVERSATION_BY_ID, id)
}

/// The conversation, its row locked until the transaction ends: writers of
/// one conversation (its `seq`, its status) take turns.
pub(crate) fn lock_conversation(
    db: &Db<'_>,
    id: &ConversationId,
) -> StoreResult<Option<Conversation>> {
    select_conversation(db, &format!("{CONVERSATION_BY_ID} FOR UPDATE"), id)
}

fn select_conversation(
    db: &Db<'_>,
    sql: &str,
    id: &ConversationId,
) -> StoreResult<Option<Conversation>> {
    db.query_opt(sql, &[&id.as_str()])?
        .map(|r| read_conversation(&r))
        .transpose()
}

pub(crate) fn insert_conversation(db: &Db<'_>, c: &Conversation) -> StoreResult<()> {
    db.execute(
        concat!(
            "INSERT INTO conversations (",
            conversation_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        ),
        &[
            &c.id.as_str(),
            &c.department.as_str(),
            &c.status.as_str(),
            &to_json(&c.subject)?,
            &c.customer.id.as_str(),
            &c.customer.name,
            &c.assignee.as_ref().map(|a| a.id.as_str()),
            &c.assignee.as_ref().map(|a| a.name.as_str()),
            &c.last_seq,
            &c.last_public_seq,
            &micros(c.created_at),
            &micros(c.updated_at),
            &c.rating.as_ref().map(to_json).transpose()?,
        ],
    )?;
    Ok(())
}

/// Writes the customer's rating and the activity time it brings.
pub(crate) fn record_rating(db: &Db<'_>, c: &Conversation) -> StoreResult<()> {
    db.execute(
        "UPDATE conversations SET rating = $2, updated_at = $3 WHERE id = $1",
        &[
            &c.id.as_str(),
            &c.rating.as_ref().map(to_json).transpose()?,
            &micros(c.updated_at),
        ],
    )?;
    Ok(())
}

/// Writes what can change in a conversation: status, assignee, `last_seq`,
/// activity time, and department (a transfer).
pub(crate) fn update_conversation(db: &Db<'_>, c: &Conversation) -> StoreResult<()> {
    db.execute(
        "UPDATE conversations SET status = $2, assignee_id = $3, assignee_name = $4, last_seq = $5,
             updated_at = $6, department = $7, last_public_seq = $8
         WHERE id = $1",
        &[
            &c.id.as_str(),
            &c.status.as_str(),
            &c.assignee.as_ref().map(|a| a.id.as_str()),
            &c.assignee.as_ref().map(|a| a.name.as_str()),
            &c.last_seq,
            &micros(c.updated_at),
            &c.department.as_str(),
            &c.last_public_seq,
        ],
    )?;
    Ok(())
}

/// Writes only the message counters and the activity time.
pub(crate) fn record_activity(db: &Db<'_>, c: &Conversation) -> StoreResult<()> {
    db.execute(
        "UPDATE conversations SET last_seq = $2, last_public_seq = $3, updated_at = $4 WHERE id = $1",
        &[
            &c.id.as_str(),
            &c.last_seq,
            &c.last_public_seq,
            &micros(c.updated_at),
        ],
    )?;
    Ok(())
}

pub(crate) fn find_by_client_msg_id(
    db: &Db<'_>,
    author: &Author,
    client_msg_id: &str,
) -> StoreResult<Option<Message>> {
    db.query_opt(
        concat!(
            "SELECT ",
            message_columns!(),
            " FROM messages WHERE author_kind = $1 AND author_id = $2 AND client_msg_id = $3"
        ),
        &[&author.kind.as_str(), &author.id, &client_msg_id],
    )?
    .map(|r| read_message(&r))
    .transpose()
}

pub(crate) fn load_attachment(
    db: &Db<'_>,
    id: &AttachmentId,
) -> StoreResult<Option<AttachmentRecord>> {
    let Some(r) = db.query_opt(
        "SELECT a.name, a.size, a.content_type, a.sha256, a.uploader_kind, a.uploader_id,
                m.conversation_id, m.internal
         FROM attachments a
         LEFT JOIN messages m ON m.conversation_id = a.conversation_id AND m.seq = a.message_seq
         WHERE a.id = $1",
        &[&id.as_str()],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(AttachmentRecord {
        info: AttachmentInfo {
            id: id.clone(),
            name: r.try_get(0)?,
            size: r.try_get::<_, i64>(1)? as u64,
            content_type: r.try_get(2)?,
        },
        sha256: r.try_get(3)?,
        uploader: Uploader {
            kind: r.try_get(4)?,
            id: r.try_get(5)?,
        },
        conversation_id: r
            .try_get::<_, Option<String>>(6)?
            .map(ConversationId::from_raw),
        internal: r.try_get::<_, Option<bool>>(7)?.unwrap_or(false),
    }))
}

/// Who an event is about; decides who may read it.
pub(crate) struct EventRouting<'a> {
    pub conversation_id: &'a ConversationId,
    pub department: &'a DepartmentId,
    pub customer_id: &'a CustomerId,
}

impl<'a> EventRouting<'a> {
    pub(crate) fn of(conversation: &'a Conversation) -> Self {
        EventRouting {
            conversation_id: &conversation.id,
            department: &conversation.department,
            customer_id: &conversation.customer.id,
        }
    }
}

/// Queues an event about `conversation` carrying `data`; it gets its
/// position and is inserted when the transaction is about to commit
/// ([`crate::log::append_pending`]).
pub(crate) fn append_event<T: Serialize>(
    events: &mut Vec<Event>,
    kind: EventKind,
    conversation: &Conversation,
    internal: bool,
    data: &T,
) -> StoreResult<()> {
    append_routed_event(events, kind, EventRouting::of(conversation), internal, data)
}

/// Queues `conversation.updated` carrying the conversation as it now is.
pub(crate) fn append_conversation_updated(
    events: &mut Vec<Event>,
    conversation: &Conversation,
) -> StoreResult<()> {
    append_event(
        events,
        EventKind::ConversationUpdated,
        conversation,
        false,
        conversation,
    )
}

pub(crate) fn append_routed_event<T: Serialize>(
    events: &mut Vec<Event>,
    kind: EventKind,
    routing: EventRouting<'_>,
    internal: bool,
    data: &T,
) -> StoreResult<()> {
    let data = serde_json::to_value(data).map_err(StoreError::backend)?;
    events.push(Event {
        // Given at commit: see `log::append_pending`.
        position: EventPosition(0),
        kind,
        conversation_id: routing.conversation_id.clone(),
        department: routing.department.clone(),
        customer_id: routing.customer_id.clone(),
        internal,
        data,
        created_at: now(),
    });
    Ok(())
}
