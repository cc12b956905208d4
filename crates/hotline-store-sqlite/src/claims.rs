//! Claims in SQLite: the `claims` and `calendar_overrides` tables
//! (migration 0003). Numbers are taken inside the single writer, so they are
//! sequential per year without a counter row.

use super::SqliteStore;
use crate::append::{SqliteWrite, claim_attachments};
use crate::error::StoreResult;
use crate::rows::*;
use async_trait::async_trait;
use hotline_domain::calendar::parse_iso_date;
use hotline_domain::claims::{
    Claim, ClaimAlert, ClaimAnswer, ClaimChannel, ClaimExtension, ClaimId, ClaimNumber,
    ClaimStatus, ClaimType, Deadline, Money,
};
use hotline_domain::{Author, ClientMsgId, Conversation, Event, EventKind, OrderId, Principal};
use hotline_store::claims::{
    AnswerClaim, AnsweredClaim, CalendarOverride, ClaimFilter, ExtendClaim, FileClaim, FiledClaim,
    OpenClaims,
};
use hotline_store::write::{self, Post};
use hotline_store::{ClaimStore, Conflict, NewMessage, StoreError};
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::Date;

/// A claim's columns, with its conversation's department as it is now (a
/// transfer takes the claims along), from [`claims_joined`].
macro_rules! claim_columns {
    () => {
        "cl.id, cl.number_year, cl.number_seq, cl.claim_type, cl.status, cl.conversation_id, \
         c.department, cl.customer_id, cl.order_id, cl.amount_kopecks, cl.demand, cl.text, \
         cl.cross_border, cl.channel, cl.received_at, cl.filed_by, cl.raw_due_date, cl.due_date, \
         cl.provisional, cl.extension, cl.answer, cl.created_at"
    };
}

macro_rules! claims_joined {
    () => {
        " FROM claims cl JOIN conversations c ON c.id = cl.conversation_id"
    };
}

/// A `claims` row as read, before its values are checked.
struct ClaimRow {
    id: String,
    number_year: i32,
    number_seq: u32,
    claim_type: String,
    status: String,
    conversation_id: String,
    department: String,
    customer_id: String,
    order_id: Option<String>,
    amount_kopecks: Option<i64>,
    demand: String,
    text: String,
    cross_border: bool,
    channel: String,
    received_at: i64,
    filed_by: String,
    raw_due_date: String,
    due_date: String,
    provisional: bool,
    extension: Option<String>,
    answer: Option<String>,
    created_at: i64,
}

fn corrupt(what: &str) -> crate::error::Error {
    StoreError::Backend(format!("unreadable claim {what} in the database")).into()
}

fn date_of(raw: &str) -> StoreResult<Date> {
    parse_iso_date(raw).ok_or_else(|| corrupt("date"))
}

impl ClaimRow {
    fn read(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(ClaimRow {
            id: r.get(0)?,
            number_year: r.get(1)?,
            number_seq: r.get(2)?,
            claim_type: r.get(3)?,
            status: r.get(4)?,
            conversation_id: r.get(5)?,
            department: r.get(6)?,
            customer_id: r.get(7)?,
            order_id: r.get(8)?,
            amount_kopecks: r.get(9)?,
            demand: r.get(10)?,
            text: r.get(11)?,
            cross_border: r.get(12)?,
            channel: r.get(13)?,
            received_at: r.get(14)?,
            filed_by: r.get(15)?,
            raw_due_date: r.get(16)?,
            due_date: r.get(17)?,
            provisional: r.get(18)?,
            extension: r.get(19)?,
            answer: r.get(20)?,
            created_at: r.get(21)?,
        })
    }

    fn into_claim(self) -> StoreResult<Claim> {
        Ok(Claim {
            id: ClaimId::from_raw(self.id),
            number: ClaimNumber {
                year: self.number_year,
                seq: self.number_seq,
            },
            claim_type: ClaimType::parse(&self.claim_type).ok_or_else(|| corrupt("type"))?,
            status: ClaimStatus::parse(&self.status).ok_or_else(|| corrupt("status"))?,
            conversation_id: hotline_domain::ConversationId::from_raw(self.conversation_id),
            department: parse_department(self.department)?,
            customer_id: hotline_domain::CustomerId::from_raw(self.customer_id),
            order_id: self
                .order_id
                .map(OrderId::parse)
                .transpose()
                .map_err(|_| corrupt("order"))?,
            amount: self
                .amount_kopecks
                .map(Money::from_kopecks)
                .transpose()
                .map_err(|_| corrupt("amount"))?,
            demand: self.demand,
            text: self.text,
            cross_border: self.cross_border,
            channel: ClaimChannel::parse(&self.channel).ok_or_else(|| corrupt("channel"))?,
            received_at: from_micros(self.received_at)?,
            filed_by: from_json(&self.filed_by)?,
            deadline: Deadline {
                raw_due_date: date_of(&self.raw_due_date)?,
                due_date: date_of(&self.due_date)?,
                provisional: self.provisional,
            },
            extension: self.extension.as_deref().map(from_json).transpose()?,
            answer: self.answer.as_deref().map(from_json).transpose()?,
            created_at: from_micros(self.created_at)?,
        })
    }
}

fn load_claim(conn: &Connection, id: &ClaimId) -> StoreResult<Option<Claim>> {
    conn.prepare_cached(concat!(
        "SELECT ",
        claim_columns!(),
        claims_joined!(),
        " WHERE cl.id = ?1"
    ))?
    .query_row(params![id.as_str()], ClaimRow::read)
    .optional()?
    .map(ClaimRow::into_claim)
    .transpose()
}

/// Who filed, as the idempotency key names them.
fn filer_key(principal: &Principal) -> String {
    match principal {
        Principal::Customer(c) => format!("customer:{}", c.id),
        Principal::Operator(o) => format!("operator:{}", o.id),
    }
}

/// The claim and its conversation, when `actor` may access the conversation.
fn load_for(
    conn: &Connection,
    id: &ClaimId,
    actor: &Principal,
) -> StoreResult<(Claim, Conversation)> {
    let claim = load_claim(conn, id)?.ok_or(StoreError::NotFound)?;
    let conversation = load_conversation(conn, &claim.conversation_id)?
        .filter(|c| actor.can_access(c))
        .ok_or(StoreError::NotFound)?;
    Ok((claim, conversation))
}

/// Writes what a transition changes; the legal trigger is not among it.
fn update_claim(conn: &Connection, claim: &Claim) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE claims SET status = ?2, raw_due_date = ?3, due_date = ?4, provisional = ?5,
             extension = ?6, answer = ?7
         WHERE id = ?1",
    )?
    .execute(params![
        claim.id.as_str(),
        claim.status.as_str(),
        claim.deadline.raw_due_date.to_string(),
        claim.deadline.due_date.to_string(),
        claim.deadline.provisional,
        claim.extension.as_ref().map(to_json).transpose()?,
        claim.answer.as_ref().map(to_json).transpose()?,
    ])?;
    Ok(())
}

fn claim_event(
    conn: &Connection,
    events: &mut Vec<Event>,
    kind: EventKind,
    conversation: &Conversation,
    claim: &Claim,
    alert: Option<ClaimAlert>,
) -> StoreResult<()> {
    let internal = alert.is_some();
    append_event(
        conn,
        events,
        kind,
        conversation,
        internal,
        &claim.summary(alert),
    )
}

fn next_number(conn: &Connection, year: i32) -> StoreResult<ClaimNumber> {
    let last: u32 = conn
        .prepare_cached("SELECT COALESCE(MAX(number_seq), 0) FROM claims WHERE number_year = ?1")?
        .query_row(params![year], |r| r.get(0))?;
    Ok(ClaimNumber {
        year,
        seq: last + 1,
    })
}

fn insert_claim(
    conn: &Connection,
    claim: &Claim,
    filer_key: &str,
    client_msg_id: &ClientMsgId,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO claims (id, number_year, number_seq, claim_type, status, conversation_id,
             department, customer_id, order_id, amount_kopecks, demand, text, cross_border, channel,
             received_at, filed_by, filer_key, client_msg_id, raw_due_date, due_date, provisional,
             created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
             ?19, ?20, ?21, ?22)",
    )?
    .execute(params![
        claim.id.as_str(),
        claim.number.year,
        claim.number.seq,
        claim.claim_type.as_str(),
        claim.status.as_str(),
        claim.conversation_id.as_str(),
        claim.department.as_str(),
        claim.customer_id.as_str(),
        claim.order_id.as_ref().map(OrderId::as_str),
        claim.amount.map(Money::kopecks),
        claim.demand,
        claim.text,
        claim.cross_border,
        claim.channel.as_str(),
        micros(claim.received_at),
        to_json(&claim.filed_by)?,
        filer_key,
        client_msg_id.as_str(),
        claim.deadline.raw_due_date.to_string(),
        claim.deadline.due_date.to_string(),
        claim.deadline.provisional,
        micros(claim.created_at),
    ])?;
    Ok(())
}

#[async_trait]
impl ClaimStore for SqliteStore {
    async fn file_claim(&self, command: FileClaim) -> hotline_store::StoreResult<FiledClaim> {
        let queue = self.queue.clone();
        self.write(move |conn, events| {
            let conversation = load_conversation(conn, &command.conversation_id)?
                .filter(|c| command.filer.can_access(c))
                .ok_or(StoreError::NotFound)?;
            let key = filer_key(&command.filer);
            let new = &command.claim;
            let existing: Option<String> = conn
                .prepare_cached(
                    "SELECT id FROM claims WHERE filer_key = ?1 AND client_msg_id = ?2",
                )?
                .query_row(params![key, new.client_msg_id.as_str()], |r| r.get(0))
                .optional()?;
            if let Some(id) = existing {
                let claim =
                    load_claim(conn, &ClaimId::from_raw(id))?.ok_or(StoreError::NotFound)?;
                if claim.conversation_id != conversation.id || claim.claim_type != new.claim_type {
                    return Err(StoreError::Conflict(Conflict::ClientMsgIdReused).into());
                }
                return Ok(FiledClaim {
                    claim,
                    created: false,
                });
            }
            let attachments = claim_attachments(conn, &command.filer, &new.attachment_ids)?;
            let now = now();
            let claim = Claim {
                id: ClaimId::generate(),
                number: next_number(conn, command.number_year)?,
                claim_type: new.claim_type,
                status: ClaimStatus::Filed,
                conversation_id: conversation.id.clone(),
                department: conversation.department.clone(),
                customer_id: conversation.customer.id.clone(),
                order_id: new.order_id.clone(),
                amount: new.amount,
                demand: new.demand.clone(),
                text: new.text.clone(),
                cross_border: new.cross_border,
                channel: new.channel,
                received_at: new.received_at,
                filed_by: Author::of(&command.filer),
                deadline: command.deadline,
                extension: None,
                answer: None,
                created_at: now,
            };
            insert_claim(conn, &claim, &key, &new.client_msg_id)?;
            claim_event(
                conn,
                events,
                EventKind::ClaimFiled,
                &conversation,
                &claim,
                None,
            )?;
            let post = Post::System {
                text: claim.acknowledgement(command.legal_offset),
                attachments,
                on_behalf_of: command.filer.is_customer().then_some(&command.filer),
            };
            write::append_message(
                &mut SqliteWrite {
                    conn,
                    events,
                    queue: &queue,
                },
                conversation,
                post,
                now,
            )?;
            Ok(FiledClaim {
                claim,
                created: true,
            })
        })
        .await
    }

    async fn claim(&self, id: &ClaimId) -> hotline_store::StoreResult<Option<Claim>> {
        let id = id.clone();
        self.read(move |conn| load_claim(conn, &id)).await
    }

    async fn claims(&self, filter: ClaimFilter) -> hotline_store::StoreResult<Vec<Claim>> {
        self.read(move |conn| {
            let departments = filter.departments.as_ref().map(to_json).transpose()?;
            let statuses: Vec<&str> = filter.statuses.iter().map(|s| s.as_str()).collect();
            let mut stmt = conn.prepare_cached(concat!(
                "SELECT ",
                claim_columns!(),
                claims_joined!(),
                " WHERE (?1 IS NULL OR c.department IN (SELECT value FROM json_each(?1)))
                    AND (?2 = '[]' OR cl.status IN (SELECT value FROM json_each(?2)))
                    AND (?3 IS NULL OR cl.due_date < ?3)
                    AND (?5 = 0 OR cl.overdue_alerted_at IS NULL)
                    AND (?6 IS NULL OR cl.conversation_id = ?6)
                  ORDER BY cl.due_date, cl.number_year, cl.number_seq LIMIT ?4"
            ))?;
            let rows = stmt.query_map(
                params![
                    departments,
                    to_json(&statuses)?,
                    filter.due_before.map(|d| d.to_string()),
                    filter.limit as i64,
                    filter.without_overdue_alert,
                    filter.conversation_id.as_ref().map(|c| c.as_str()),
                ],
                ClaimRow::read,
            )?;
            rows.map(|row| row?.into_claim()).collect()
        })
        .await
    }

    async fn answer_claim(
        &self,
        command: AnswerClaim,
    ) -> hotline_store::StoreResult<AnsweredClaim> {
        let queue = self.queue.clone();
        self.write(move |conn, events| {
            let (mut claim, conversation) = load_for(conn, &command.claim_id, &command.author)?;
            let author = Author::of(&command.author);
            if let Some(answer) = &claim.answer {
                let message = find_by_client_msg_id(conn, &author, command.client_msg_id.as_str())?;
                return match message {
                    Some(message) if message.id == answer.message_id => {
                        Ok(AnsweredClaim { claim, message })
                    }
                    _ => Err(hotline_domain::DomainError::InvalidTransition {
                        action: "answer",
                        status: "answered",
                    }
                    .into()),
                };
            }
            if find_by_client_msg_id(conn, &author, command.client_msg_id.as_str())?.is_some() {
                return Err(StoreError::Conflict(Conflict::ClientMsgIdReused).into());
            }
            let now = now();
            let message = NewMessage {
                client_msg_id: command.client_msg_id.clone(),
                text: command.text.clone(),
                internal: false,
                attachment_ids: Vec::new(),
            };
            let post = Post::Person {
                author: &command.author,
                message: &message,
            };
            let posted = write::append_message(
                &mut SqliteWrite {
                    conn,
                    events,
                    queue: &queue,
                },
                conversation,
                post,
                now,
            )?;
            claim.answer(ClaimAnswer {
                text: command.text.into_inner(),
                author,
                answered_at: now,
                message_id: posted.message.id.clone(),
            })?;
            update_claim(conn, &claim)?;
            claim_event(
                conn,
                events,
                EventKind::ClaimUpdated,
                &posted.conversation,
                &claim,
                None,
            )?;
            Ok(AnsweredClaim {
                claim,
                message: posted.message,
            })
        })
        .await
    }

    async fn extend_claim(&self, command: ExtendClaim) -> hotline_store::StoreResult<Claim> {
        let queue = self.queue.clone();
        self.write(move |conn, events| {
            let (mut claim, conversation) = load_for(conn, &command.claim_id, &command.author)?;
            let now = now();
            let previous_due_date = claim.deadline.due_date;
            claim.extend(
                ClaimExtension {
                    reason: command.reason,
                    author: Author::of(&command.author),
                    extended_at: now,
                    previous_due_date,
                },
                command.extended,
                command.today,
            )?;
            update_claim(conn, &claim)?;
            // A new legal end deserves its own warning.
            conn.prepare_cached("UPDATE claims SET due_soon_alerted_at = NULL WHERE id = ?1")?
                .execute(params![claim.id.as_str()])?;
            claim_event(
                conn,
                events,
                EventKind::ClaimUpdated,
                &conversation,
                &claim,
                None,
            )?;
            let post = Post::System {
                text: claim.extension_notice(),
                attachments: Vec::new(),
                on_behalf_of: None,
            };
            write::append_message(
                &mut SqliteWrite {
                    conn,
                    events,
                    queue: &queue,
                },
                conversation,
                post,
                now,
            )?;
            Ok(claim)
        })
        .await
    }

    async fn record_claim_alert(
        &self,
        id: &ClaimId,
        alert: ClaimAlert,
    ) -> hotline_store::StoreResult<bool> {
        let id = id.clone();
        self.write(move |conn, events| {
            let Some(claim) = load_claim(conn, &id)?.filter(|c| c.status.is_open()) else {
                return Ok(false);
            };
            let (column, kind) = match alert {
                ClaimAlert::DueSoon => ("due_soon_alerted_at", EventKind::ClaimDueSoon),
                ClaimAlert::Overdue => ("overdue_alerted_at", EventKind::ClaimOverdue),
            };
            let marked = conn
                .prepare_cached(&format!(
                    "UPDATE claims SET {column} = ?2 WHERE id = ?1 AND {column} IS NULL"
                ))?
                .execute(params![id.as_str(), now_micros()])?;
            if marked == 0 {
                return Ok(false);
            }
            let conversation =
                load_conversation(conn, &claim.conversation_id)?.ok_or(StoreError::NotFound)?;
            claim_event(conn, events, kind, &conversation, &claim, Some(alert))?;
            Ok(true)
        })
        .await
    }

    async fn reschedule_claim(
        &self,
        id: &ClaimId,
        deadline: Deadline,
    ) -> hotline_store::StoreResult<bool> {
        let id = id.clone();
        self.write(move |conn, events| {
            let Some(mut claim) = load_claim(conn, &id)?.filter(|c| c.status.is_open()) else {
                return Ok(false);
            };
            if claim.deadline == deadline {
                return Ok(false);
            }
            claim.deadline = deadline;
            update_claim(conn, &claim)?;
            conn.prepare_cached(
                "UPDATE claims SET due_soon_alerted_at = NULL, overdue_alerted_at = NULL WHERE id = ?1",
            )?
            .execute(params![claim.id.as_str()])?;
            let conversation =
                load_conversation(conn, &claim.conversation_id)?.ok_or(StoreError::NotFound)?;
            claim_event(conn, events, EventKind::ClaimUpdated, &conversation, &claim, None)?;
            Ok(true)
        })
        .await
    }

    async fn open_claim_counts(&self, today: Date) -> hotline_store::StoreResult<Vec<OpenClaims>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(concat!(
                "SELECT c.department, COUNT(*), COALESCE(SUM(cl.due_date < ?1), 0)",
                claims_joined!(),
                " WHERE cl.status != 'answered' GROUP BY c.department ORDER BY c.department"
            ))?;
            let rows = stmt.query_map(params![today.to_string()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?;
            rows.map(|row| {
                let (department, open, overdue) = row?;
                Ok(OpenClaims {
                    department: parse_department(department)?,
                    open: open.unsigned_abs(),
                    overdue: overdue.unsigned_abs(),
                })
            })
            .collect()
        })
        .await
    }

    async fn calendar_overrides(&self) -> hotline_store::StoreResult<Vec<CalendarOverride>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT date, working, note FROM calendar_overrides ORDER BY date",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, bool>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            rows.map(|row| {
                let (date, working, note) = row?;
                Ok(CalendarOverride {
                    date: date_of(&date)?,
                    working,
                    note,
                })
            })
            .collect()
        })
        .await
    }

    async fn set_calendar_override(
        &self,
        entry: CalendarOverride,
    ) -> hotline_store::StoreResult<()> {
        self.write(move |conn, _| {
            conn.prepare_cached(
                "INSERT INTO calendar_overrides (date, working, note, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (date) DO UPDATE SET working = excluded.working, note = excluded.note,
                     updated_at = excluded.updated_at",
            )?
            .execute(params![entry.date.to_string(), entry.working, entry.note, now_micros()])?;
            Ok(())
        })
        .await
    }

    async fn remove_calendar_override(&self, date: Date) -> hotline_store::StoreResult<bool> {
        self.write(move |conn, _| {
            let removed = conn
                .prepare_cached("DELETE FROM calendar_overrides WHERE date = ?1")?
                .execute(params![date.to_string()])?;
            Ok(removed > 0)
        })
        .await
    }
}
