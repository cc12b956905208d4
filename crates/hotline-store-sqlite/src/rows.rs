//! Row mapping and the SQL shared by several store operations.

use crate::error::StoreResult;
use hotline_domain::{
    Assignee, AttachmentId, AttachmentInfo, Author, AuthorKind, ClientMsgId, Conversation,
    ConversationId, CustomerId, CustomerIdentity, CustomerRef, DepartmentId, Event, EventKind,
    EventPosition, Message, MessageId, OperatorId, OperatorPrincipal, Role, Status, Timestamp,
};
use hotline_store::{AttachmentRecord, StoreError, Uploader};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

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

pub(super) fn corrupt(what: &str) -> crate::error::Error {
    StoreError::Backend(format!("unreadable {what} in the database")).into()
}

/// Now, at the precision the database keeps (microseconds), so that what a
/// write returns equals what a later read returns.
pub(super) fn now() -> Timestamp {
    let t = time::OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000)
        .unwrap_or(t)
}

pub(super) fn micros(t: Timestamp) -> i64 {
    (t.unix_timestamp_nanos() / 1000) as i64
}

/// Keeps the customer's row as their latest token describes them: the
/// tier in it is what the priority rules read when a conversation queues.
pub(super) fn upsert_customer(
    conn: &Connection,
    customer: &CustomerIdentity,
    now: Timestamp,
) -> StoreResult<()> {
    conn.prepare_cached(
        // Runs for every customer message: the row is rewritten (a page in
        // the WAL) only when the token states something new.
        "INSERT INTO customers (id, name, email, phone, updated_at, tier) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email,
             phone = excluded.phone, updated_at = excluded.updated_at, tier = excluded.tier
         WHERE (name, email, phone, tier) IS NOT (excluded.name, excluded.email, excluded.phone, excluded.tier)",
    )?
    .execute(params![
        customer.id.as_str(),
        customer.name,
        customer.email,
        customer.phone,
        micros(now),
        customer.tier,
    ])?;
    Ok(())
}

pub(super) fn customer_tier(conn: &Connection, id: &CustomerId) -> StoreResult<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT tier FROM customers WHERE id = ?1")?
        .query_row(params![id.as_str()], |r| r.get(0))
        .optional()?
        .flatten())
}

pub(super) fn now_micros() -> i64 {
    micros(now())
}

pub(super) fn from_micros(v: i64) -> StoreResult<Timestamp> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(v) * 1000)
        .map_err(|_| corrupt("timestamp"))
}

pub(super) fn to_json<T: Serialize + ?Sized>(value: &T) -> StoreResult<String> {
    Ok(serde_json::to_string(value).map_err(StoreError::backend)?)
}

pub(super) fn from_json<T: DeserializeOwned>(raw: &str) -> StoreResult<T> {
    serde_json::from_str(raw).map_err(|_| corrupt("JSON value"))
}

pub(super) fn parse_department(raw: String) -> StoreResult<DepartmentId> {
    DepartmentId::parse(raw).map_err(|_| corrupt("department id"))
}

pub(super) fn is_unique_violation(e: &rusqlite::Error, column: &str) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, Some(msg))
        if f.code == rusqlite::ErrorCode::ConstraintViolation && msg.contains(column))
}

pub(super) struct ConversationRow {
    id: String,
    department: String,
    status: String,
    subject: String,
    customer_id: String,
    customer_name: String,
    assignee_id: Option<String>,
    assignee_name: Option<String>,
    last_seq: i64,
    last_public_seq: i64,
    created_at: i64,
    updated_at: i64,
    rating: Option<String>,
}

impl ConversationRow {
    pub(super) fn read(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(ConversationRow {
            id: r.get(0)?,
            department: r.get(1)?,
            status: r.get(2)?,
            subject: r.get(3)?,
            customer_id: r.get(4)?,
            customer_name: r.get(5)?,
            assignee_id: r.get(6)?,
            assignee_name: r.get(7)?,
            last_seq: r.get(8)?,
            last_public_seq: r.get(9)?,
            created_at: r.get(10)?,
            updated_at: r.get(11)?,
            rating: r.get(12)?,
        })
    }

    pub(super) fn into_conversation(self) -> StoreResult<Conversation> {
        Ok(Conversation {
            id: ConversationId::from_raw(self.id),
            department: parse_department(self.department)?,
            status: Status::parse(&self.status).ok_or_else(|| corrupt("status"))?,
            subject: from_json(&self.subject)?,
            customer: CustomerRef {
                id: CustomerId::from_raw(self.customer_id),
                name: self.customer_name,
            },
            assignee: match (self.assignee_id, self.assignee_name) {
                (Some(id), Some(name)) => Some(Assignee {
                    id: OperatorId::from_raw(id),
                    name,
                }),
                _ => None,
            },
            queue: None,
            last_seq: self.last_seq,
            last_public_seq: self.last_public_seq,
            created_at: from_micros(self.created_at)?,
            updated_at: from_micros(self.updated_at)?,
            rating: self.rating.as_deref().map(from_json).transpose()?,
        })
    }
}

pub(super) struct MessageRow {
    id: String,
    conversation_id: String,
    seq: i64,
    public_seq: Option<i64>,
    author_kind: String,
    author_id: Option<String>,
    author_name: String,
    text: String,
    internal: bool,
    client_msg_id: Option<String>,
    attachments: String,
    created_at: i64,
    suggestions: Option<String>,
}

impl MessageRow {
    pub(super) fn read(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(MessageRow {
            id: r.get(0)?,
            conversation_id: r.get(1)?,
            seq: r.get(2)?,
            public_seq: r.get(3)?,
            author_kind: r.get(4)?,
            author_id: r.get(5)?,
            author_name: r.get(6)?,
            text: r.get(7)?,
            internal: r.get(8)?,
            client_msg_id: r.get(9)?,
            attachments: r.get(10)?,
            created_at: r.get(11)?,
            suggestions: r.get(12)?,
        })
    }

    pub(super) fn into_message(self) -> StoreResult<Message> {
        Ok(Message {
            id: MessageId::from_raw(self.id),
            conversation_id: ConversationId::from_raw(self.conversation_id),
            seq: self.seq,
            public_seq: self.public_seq,
            author: Author {
                kind: AuthorKind::parse(&self.author_kind).ok_or_else(|| corrupt("author kind"))?,
                id: self.author_id,
                name: self.author_name,
            },
            text: self.text,
            internal: self.internal,
            client_msg_id: self
                .client_msg_id
                .map(ClientMsgId::parse)
                .transpose()
                .map_err(|_| corrupt("client_msg_id"))?,
            attachments: from_json(&self.attachments)?,
            suggestions: match self.suggestions {
                Some(json) => from_json(&json)?,
                None => Vec::new(),
            },
            created_at: from_micros(self.created_at)?,
        })
    }
}

pub(super) struct EventRow {
    position: i64,
    kind: String,
    conversation_id: String,
    department: String,
    customer_id: String,
    internal: bool,
    data: String,
    created_at: i64,
}

impl EventRow {
    pub(super) fn read(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(EventRow {
            position: r.get(0)?,
            kind: r.get(1)?,
            conversation_id: r.get(2)?,
            department: r.get(3)?,
            customer_id: r.get(4)?,
            internal: r.get(5)?,
            data: r.get(6)?,
            created_at: r.get(7)?,
        })
    }

    pub(super) fn into_event(self) -> StoreResult<Event> {
        Ok(Event {
            position: EventPosition(self.position as u64),
            kind: EventKind::parse(&self.kind).ok_or_else(|| corrupt("event kind"))?,
            conversation_id: ConversationId::from_raw(self.conversation_id),
            department: parse_department(self.department)?,
            customer_id: CustomerId::from_raw(self.customer_id),
            internal: self.internal,
            data: from_json(&self.data)?,
            created_at: from_micros(self.created_at)?,
        })
    }
}

pub(super) fn load_operator(
    conn: &Connection,
    id: &OperatorId,
) -> StoreResult<Option<OperatorPrincipal>> {
    let found = conn
        .prepare_cached("SELECT name, role FROM operators WHERE id = ?1")?
        .query_row(params![id.as_str()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .optional()?;
    let Some((name, role)) = found else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT department FROM operator_departments WHERE operator_id = ?1 ORDER BY department",
    )?;
    let departments = stmt
        .query_map(params![id.as_str()], |r| r.get::<_, String>(0))?
        .map(|d| parse_department(d?))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Some(OperatorPrincipal {
        id: id.clone(),
        name,
        role: Role::parse(&role).ok_or_else(|| corrupt("role"))?,
        departments,
    }))
}

pub(super) fn load_conversation(
    conn: &Connection,
    id: &ConversationId,
) -> StoreResult<Option<Conversation>> {
    conn.prepare_cached(concat!(
        "SELECT ",
        conversation_columns!(),
        " FROM conversations WHERE id = ?1"
    ))?
    .query_row(params![id.as_str()], ConversationRow::read)
    .optional()?
    .map(ConversationRow::into_conversation)
    .transpose()
}

pub(super) fn insert_conversation(conn: &Connection, c: &Conversation) -> StoreResult<()> {
    conn.prepare_cached(concat!(
        "INSERT INTO conversations (",
        conversation_columns!(),
        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
    ))?
    .execute(params![
        c.id.as_str(),
        c.department.as_str(),
        c.status.as_str(),
        to_json(&c.subject)?,
        c.customer.id.as_str(),
        c.customer.name,
        c.assignee.as_ref().map(|a| a.id.as_str()),
        c.assignee.as_ref().map(|a| a.name.as_str()),
        c.last_seq,
        c.last_public_seq,
        micros(c.created_at),
        micros(c.updated_at),
        c.rating.as_ref().map(to_json).transpose()?,
    ])?;
    Ok(())
}

/// Writes the customer's rating and the activity time it brings.
pub(super) fn record_rating(conn: &Connection, c: &Conversation) -> StoreResult<()> {
    conn.prepare_cached("UPDATE conversations SET rating = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![
            c.id.as_str(),
            c.rating.as_ref().map(to_json).transpose()?,
            micros(c.updated_at),
        ])?;
    Ok(())
}

/// Writes what can change in a conversation: status, assignee, `last_seq`,
/// activity time, and department (a transfer).
pub(super) fn update_conversation(conn: &Connection, c: &Conversation) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE conversations SET status = ?2, assignee_id = ?3, assignee_name = ?4, last_seq = ?5,
             updated_at = ?6, department = ?7, last_public_seq = ?8
         WHERE id = ?1",
    )?
    .execute(params![
        c.id.as_str(),
        c.status.as_str(),
        c.assignee.as_ref().map(|a| a.id.as_str()),
        c.assignee.as_ref().map(|a| a.name.as_str()),
        c.last_seq,
        micros(c.updated_at),
        c.department.as_str(),
        c.last_public_seq,
    ])?;
    Ok(())
}

/// Writes only the message counters and the activity time: the common case of a new
/// message, which leaves the indexed columns (and so the indexes) alone.
pub(super) fn record_activity(conn: &Connection, c: &Conversation) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE conversations SET last_seq = ?2, last_public_seq = ?3, updated_at = ?4 WHERE id = ?1",
    )?
    .execute(params![c.id.as_str(), c.last_seq, c.last_public_seq, micros(c.updated_at)])?;
    Ok(())
}

pub(super) fn find_by_client_msg_id(
    conn: &Connection,
    author: &Author,
    client_msg_id: &str,
) -> StoreResult<Option<Message>> {
    conn.prepare_cached(concat!(
        "SELECT ",
        message_columns!(),
        " FROM messages WHERE author_kind = ?1 AND author_id = ?2 AND client_msg_id = ?3"
    ))?
    .query_row(
        params![author.kind.as_str(), author.id, client_msg_id],
        MessageRow::read,
    )
    .optional()?
    .map(MessageRow::into_message)
    .transpose()
}

pub(super) fn load_attachment(
    conn: &Connection,
    id: &AttachmentId,
) -> StoreResult<Option<AttachmentRecord>> {
    conn.prepare_cached(
        "SELECT a.name, a.size, a.content_type, a.sha256, a.uploader_kind, a.uploader_id,
                m.conversation_id, m.internal
         FROM attachments a
         LEFT JOIN messages m ON m.conversation_id = a.conversation_id AND m.seq = a.message_seq
         WHERE a.id = ?1",
    )?
    .query_row(params![id.as_str()], |r| {
        Ok(AttachmentRecord {
            info: AttachmentInfo {
                id: id.clone(),
                name: r.get(0)?,
                size: r.get::<_, i64>(1)? as u64,
                content_type: r.get(2)?,
            },
            sha256: r.get(3)?,
            uploader: Uploader {
                kind: r.get(4)?,
                id: r.get(5)?,
            },
            conversation_id: r.get::<_, Option<String>>(6)?.map(ConversationId::from_raw),
            internal: r.get::<_, Option<bool>>(7)?.unwrap_or(false),
        })
    })
    .optional()
    .map_err(crate::error::Error::from)
}

/// Who an event is about; decides who may read it.
pub(super) struct EventRouting<'a> {
    pub conversation_id: &'a ConversationId,
    pub department: &'a DepartmentId,
    pub customer_id: &'a CustomerId,
}

impl<'a> EventRouting<'a> {
    pub(super) fn of(conversation: &'a Conversation) -> Self {
        EventRouting {
            conversation_id: &conversation.id,
            department: &conversation.department,
            customer_id: &conversation.customer.id,
        }
    }
}

/// Appends an event about `conversation` carrying `data`, and keeps it for
/// publishing once the transaction commits.
pub(super) fn append_event<T: Serialize>(
    conn: &Connection,
    events: &mut Vec<Event>,
    kind: EventKind,
    conversation: &Conversation,
    internal: bool,
    data: &T,
) -> StoreResult<()> {
    append_routed_event(
        conn,
        events,
        kind,
        EventRouting::of(conversation),
        internal,
        data,
    )
}

/// Appends `conversation.updated` carrying the conversation as it now is.
pub(super) fn append_conversation_updated(
    conn: &Connection,
    events: &mut Vec<Event>,
    conversation: &Conversation,
) -> StoreResult<()> {
    append_event(
        conn,
        events,
        EventKind::ConversationUpdated,
        conversation,
        false,
        conversation,
    )
}

pub(super) fn append_routed_event<T: Serialize>(
    conn: &Connection,
    events: &mut Vec<Event>,
    kind: EventKind,
    routing: EventRouting<'_>,
    internal: bool,
    data: &T,
) -> StoreResult<()> {
    let data = serde_json::to_value(data).map_err(StoreError::backend)?;
    let now = now();
    let position: i64 = conn
        .prepare_cached(
            "INSERT INTO events (kind, conversation_id, department, customer_id, internal, data, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING position",
        )?
        .query_row(
            params![
                kind.as_str(),
                routing.conversation_id.as_str(),
                routing.department.as_str(),
                routing.customer_id.as_str(),
                internal,
                to_json(&data)?,
                micros(now),
            ],
            |r| r.get(0),
        )?;
    events.push(Event {
        position: EventPosition(position as u64),
        kind,
        conversation_id: routing.conversation_id.clone(),
        department: routing.department.clone(),
        customer_id: routing.customer_id.clone(),
        internal,
        data,
        created_at: now,
    });
    Ok(())
}
