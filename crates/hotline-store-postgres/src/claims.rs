//! Claims in PostgreSQL: the `claims`, `claim_numbers` and
//! `calendar_overrides` tables (migration 0003). A claim's number comes from
//! its year's row in `claim_numbers`, locked by the update that takes it, so
//! numbers stay sequential per year with several nodes filing at once.

use crate::PostgresStore;
use crate::append::PgWrite;
use crate::db::{Db, Error, StoreResult};
use crate::rows::*;
use async_trait::async_trait;
use hotline_domain::calendar::parse_iso_date;
use hotline_domain::claims::{
    Claim, ClaimAlert, ClaimAnswer, ClaimChannel, ClaimExtension, ClaimId, ClaimNumber,
    ClaimStatus, ClaimType, Deadline, Money,
};
use hotline_domain::{
    Author, ClientMsgId, Conversation, ConversationId, CustomerId, Event, EventKind, OrderId,
    Principal,
};
use hotline_store::claims::{
    AnswerClaim, AnsweredClaim, CalendarOverride, ClaimFilter, ExtendClaim, FileClaim, FiledClaim,
    OpenClaims,
};
use hotline_store::write::{self, Post, WriteRecords};
use hotline_store::{ClaimStore, Conflict, NewMessage, StoreError};
use time::Date;
use tokio_postgres::Row;
use tokio_postgres::types::Json;

/// A claim's columns, with its conversation's department as it is now (a
/// transfer takes the claims along).
const CLAIM_COLUMNS: &str = "cl.id, cl.number_year, cl.number_seq, cl.claim_type, cl.status, \
     cl.conversation_id, c.department, cl.customer_id, cl.order_id, cl.amount_kopecks, cl.demand, \
     cl.text, cl.cross_border, cl.channel, cl.received_at, cl.filed_by, cl.raw_due_date, \
     cl.due_date, cl.provisional, cl.extension, cl.answer, cl.created_at \
     FROM claims cl JOIN conversations c ON c.id = cl.conversation_id";

fn unreadable(what: &str) -> Error {
    StoreError::Backend(format!("unreadable claim {what} in the database")).into()
}

fn date_of(raw: &str) -> StoreResult<Date> {
    parse_iso_date(raw).ok_or_else(|| unreadable("date"))
}

fn optional_json<T: serde::de::DeserializeOwned>(
    row: &Row,
    column: usize,
) -> StoreResult<Option<T>> {
    row.try_get::<_, Option<Json<serde_json::Value>>>(column)?
        .map(|Json(v)| serde_json::from_value(v).map_err(|_| unreadable("JSON value")))
        .transpose()
}

fn read_claim(r: &Row) -> StoreResult<Claim> {
    let claim_type: String = r.try_get(3)?;
    let status: String = r.try_get(4)?;
    let channel: String = r.try_get(13)?;
    let raw_due_date: String = r.try_get(16)?;
    let due_date: String = r.try_get(17)?;
    Ok(Claim {
        id: ClaimId::from_raw(r.try_get::<_, String>(0)?),
        number: ClaimNumber {
            year: r.try_get(1)?,
            seq: u32::try_from(r.try_get::<_, i32>(2)?).map_err(|_| unreadable("number"))?,
        },
        claim_type: ClaimType::parse(&claim_type).ok_or_else(|| unreadable("type"))?,
        status: ClaimStatus::parse(&status).ok_or_else(|| unreadable("status"))?,
        conversation_id: ConversationId::from_raw(r.try_get::<_, String>(5)?),
        department: parse_department(r.try_get(6)?)?,
        customer_id: CustomerId::from_raw(r.try_get::<_, String>(7)?),
        order_id: r
            .try_get::<_, Option<String>>(8)?
            .map(OrderId::parse)
            .transpose()
            .map_err(|_| unreadable("order"))?,
        amount: r
            .try_get::<_, Option<i64>>(9)?
            .map(Money::from_kopecks)
            .transpose()
            .map_err(|_| unreadable("amount"))?,
        demand: r.try_get(10)?,
        text: r.try_get(11)?,
        cross_border: r.try_get(12)?,
        channel: ClaimChannel::parse(&channel).ok_or_else(|| unreadable("channel"))?,
        received_at: from_micros(r.try_get(14)?)?,
        filed_by: json(r, 15)?,
        deadline: Deadline {
            raw_due_date: date_of(&raw_due_date)?,
            due_date: date_of(&due_date)?,
            provisional: r.try_get(18)?,
        },
        extension: optional_json(r, 19)?,
        answer: optional_json(r, 20)?,
        created_at: from_micros(r.try_get(21)?)?,
    })
}

fn load_claim(db: &Db<'_>, id: &ClaimId, lock: bool) -> StoreResult<Option<Claim>> {
    let sql = format!(
        "SELECT {CLAIM_COLUMNS} WHERE cl.id = $1{}",
        if lock { " FOR UPDATE OF cl" } else { "" }
    );
    db.query_opt(&sql, &[&id.as_str()])?
        .map(|r| read_claim(&r))
        .transpose()
}

/// Who filed, as the idempotency key names them.
fn filer_key(principal: &Principal) -> String {
    match principal {
        Principal::Customer(c) => format!("customer:{}", c.id),
        Principal::Operator(o) => format!("operator:{}", o.id),
    }
}

/// The claim (locked) and its conversation (locked), when `actor` may access it.
fn load_for(db: &Db<'_>, id: &ClaimId, actor: &Principal) -> StoreResult<(Claim, Conversation)> {
    let claim = load_claim(db, id, true)?.ok_or(StoreError::NotFound)?;
    let conversation = lock_conversation(db, &claim.conversation_id)?
        .filter(|c| actor.can_access(c))
        .ok_or(StoreError::NotFound)?;
    Ok((claim, conversation))
}

/// Writes what a transition changes; the legal trigger is not among it.
fn update_claim(db: &Db<'_>, claim: &Claim) -> StoreResult<()> {
    db.execute(
        "UPDATE claims SET status = $2, raw_due_date = $3, due_date = $4, provisional = $5,
             extension = $6, answer = $7
         WHERE id = $1",
        &[
            &claim.id.as_str(),
            &claim.status.as_str(),
            &claim.deadline.raw_due_date.to_string(),
            &claim.deadline.due_date.to_string(),
            &claim.deadline.provisional,
            &claim.extension.as_ref().map(to_json).transpose()?,
            &claim.answer.as_ref().map(to_json).transpose()?,
        ],
    )?;
    Ok(())
}

fn claim_event(
    events: &mut Vec<Event>,
    kind: EventKind,
    conversation: &Conversation,
    claim: &Claim,
    alert: Option<ClaimAlert>,
) -> StoreResult<()> {
    append_event(
        events,
        kind,
        conversation,
        alert.is_some(),
        &claim.summary(alert),
    )
}

fn next_number(db: &Db<'_>, year: i32) -> StoreResult<ClaimNumber> {
    let row = db
        .query_opt(
            "INSERT INTO claim_numbers (year, last) VALUES ($1, 1)
             ON CONFLICT (year) DO UPDATE SET last = claim_numbers.last + 1
             RETURNING last",
            &[&year],
        )?
        .ok_or_else(|| unreadable("number"))?;
    let seq: i32 = row.try_get(0)?;
    Ok(ClaimNumber {
        year,
        seq: u32::try_from(seq).map_err(|_| unreadable("number"))?,
    })
}

fn insert_claim(
    db: &Db<'_>,
    claim: &Claim,
    filer_key: &str,
    client_msg_id: &ClientMsgId,
) -> StoreResult<()> {
    let seq = i32::try_from(claim.number.seq).map_err(|_| unreadable("number"))?;
    db.execute(
        "INSERT INTO claims (id, number_year, number_seq, claim_type, status, conversation_id,
             department, customer_id, order_id, amount_kopecks, demand, text, cross_border, channel,
             received_at, filed_by, filer_key, client_msg_id, raw_due_date, due_date, provisional,
             created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
             $19, $20, $21, $22)",
        &[
            &claim.id.as_str(),
            &claim.number.year,
            &seq,
            &claim.claim_type.as_str(),
            &claim.status.as_str(),
            &claim.conversation_id.as_str(),
            &claim.department.as_str(),
            &claim.customer_id.as_str(),
            &claim.order_id.as_ref().map(OrderId::as_str),
            &claim.amount.map(Money::kopecks),
            &claim.demand,
            &claim.text,
            &claim.cross_border,
            &claim.channel.as_str(),
            &micros(claim.received_at),
            &to_json(&claim.filed_by)?,
            &filer_key,
            &client_msg_id.as_str(),
            &claim.deadline.raw_due_date.to_string(),
            &claim.deadline.due_date.to_string(),
            &claim.deadline.provisional,
            &micros(claim.created_at),
        ],
    )?;
    Ok(())
}

#[async_trait]
impl ClaimStore for PostgresStore {
    async fn file_claim(&self, command: FileClaim) -> hotline_store::StoreResult<FiledClaim> {
        let queue = self.queue.clone();
        self.write(move |db, events| {
            let conversation = lock_conversation(db, &command.conversation_id)?
                .filter(|c| command.filer.can_access(c))
                .ok_or(StoreError::NotFound)?;
            let key = filer_key(&command.filer);
            let new = &command.claim;
            let existing = db.query_opt(
                "SELECT id FROM claims WHERE filer_key = $1 AND client_msg_id = $2",
                &[&key, &new.client_msg_id.as_str()],
            )?;
            if let Some(row) = existing {
                let id = ClaimId::from_raw(row.try_get::<_, String>(0)?);
                let claim = load_claim(db, &id, false)?.ok_or(StoreError::NotFound)?;
                if claim.conversation_id != conversation.id || claim.claim_type != new.claim_type {
                    return Err(StoreError::Conflict(Conflict::ClientMsgIdReused).into());
                }
                return Ok(FiledClaim {
                    claim,
                    created: false,
                });
            }
            let mut records = PgWrite {
                db,
                events,
                queue: &queue,
            };
            let attachments = records.claim_attachments(&command.filer, &new.attachment_ids)?;
            let now = now();
            let claim = Claim {
                id: ClaimId::generate(),
                number: next_number(db, command.number_year)?,
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
            insert_claim(db, &claim, &key, &new.client_msg_id)?;
            claim_event(
                records.events,
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
            write::append_message(&mut records, conversation, post, now)?;
            Ok(FiledClaim {
                claim,
                created: true,
            })
        })
        .await
    }

    async fn claim(&self, id: &ClaimId) -> hotline_store::StoreResult<Option<Claim>> {
        let id = id.clone();
        self.read(move |db| load_claim(db, &id, false)).await
    }

    async fn claims(&self, filter: ClaimFilter) -> hotline_store::StoreResult<Vec<Claim>> {
        self.read(move |db| {
            let departments: Option<Vec<&str>> = filter
                .departments
                .as_ref()
                .map(|ds| ds.iter().map(|d| d.as_str()).collect());
            let statuses: Vec<&str> = filter.statuses.iter().map(|s| s.as_str()).collect();
            let limit = i64::try_from(filter.limit).unwrap_or(i64::MAX);
            let sql = format!(
                "SELECT {CLAIM_COLUMNS}
                 WHERE ($1::TEXT[] IS NULL OR c.department = ANY($1))
                   AND (cardinality($2::TEXT[]) = 0 OR cl.status = ANY($2))
                   AND ($3::TEXT IS NULL OR cl.due_date < $3)
                   AND (NOT $5 OR cl.overdue_alerted_at IS NULL)
                   AND ($6::TEXT IS NULL OR cl.conversation_id = $6)
                 ORDER BY cl.due_date, cl.number_year, cl.number_seq LIMIT $4"
            );
            db.query(
                &sql,
                &[
                    &departments,
                    &statuses,
                    &filter.due_before.map(|d| d.to_string()),
                    &limit,
                    &filter.without_overdue_alert,
                    &filter.conversation_id.as_ref().map(|c| c.as_str()),
                ],
            )?
            .iter()
            .map(read_claim)
            .collect()
        })
        .await
    }

    async fn answer_claim(
        &self,
        command: AnswerClaim,
    ) -> hotline_store::StoreResult<AnsweredClaim> {
        let queue = self.queue.clone();
        self.write(move |db, events| {
            let (mut claim, conversation) = load_for(db, &command.claim_id, &command.author)?;
            let author = Author::of(&command.author);
            let sent = find_by_client_msg_id(db, &author, command.client_msg_id.as_str())?;
            if let Some(answer) = &claim.answer {
                return match sent {
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
            if sent.is_some() {
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
            let mut records = PgWrite {
                db,
                events,
                queue: &queue,
            };
            let posted = write::append_message(&mut records, conversation, post, now)?;
            claim.answer(ClaimAnswer {
                text: command.text.as_str().to_owned(),
                author,
                answered_at: now,
                message_id: posted.message.id.clone(),
            })?;
            update_claim(db, &claim)?;
            claim_event(
                records.events,
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
        self.write(move |db, events| {
            let (mut claim, conversation) = load_for(db, &command.claim_id, &command.author)?;
            let now = now();
            let previous_due_date = claim.deadline.due_date;
            claim.extend(
                ClaimExtension {
                    reason: command.reason.clone(),
                    author: Author::of(&command.author),
                    extended_at: now,
                    previous_due_date,
                },
                command.extended,
                command.today,
            )?;
            update_claim(db, &claim)?;
            // A new legal end deserves its own warning.
            db.execute(
                "UPDATE claims SET due_soon_alerted_at = NULL WHERE id = $1",
                &[&claim.id.as_str()],
            )?;
            claim_event(events, EventKind::ClaimUpdated, &conversation, &claim, None)?;
            let post = Post::System {
                text: claim.extension_notice(),
                attachments: Vec::new(),
                on_behalf_of: None,
            };
            let mut records = PgWrite {
                db,
                events,
                queue: &queue,
            };
            write::append_message(&mut records, conversation, post, now)?;
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
        self.write(move |db, events| {
            let Some(claim) = load_claim(db, &id, true)?.filter(|c| c.status.is_open()) else {
                return Ok(false);
            };
            let (column, kind) = match alert {
                ClaimAlert::DueSoon => ("due_soon_alerted_at", EventKind::ClaimDueSoon),
                ClaimAlert::Overdue => ("overdue_alerted_at", EventKind::ClaimOverdue),
            };
            let marked = db.execute(
                &format!("UPDATE claims SET {column} = $2 WHERE id = $1 AND {column} IS NULL"),
                &[&id.as_str(), &now_micros()],
            )?;
            if marked == 0 {
                return Ok(false);
            }
            let conversation =
                load_conversation(db, &claim.conversation_id)?.ok_or(StoreError::NotFound)?;
            claim_event(events, kind, &conversation, &claim, Some(alert))?;
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
        self.write(move |db, events| {
            let Some(mut claim) = load_claim(db, &id, true)?.filter(|c| c.status.is_open()) else {
                return Ok(false);
            };
            if claim.deadline == deadline {
                return Ok(false);
            }
            claim.deadline = deadline;
            update_claim(db, &claim)?;
            db.execute(
                "UPDATE claims SET due_soon_alerted_at = NULL, overdue_alerted_at = NULL WHERE id = $1",
                &[&claim.id.as_str()],
            )?;
            let conversation =
                load_conversation(db, &claim.conversation_id)?.ok_or(StoreError::NotFound)?;
            claim_event(events, EventKind::ClaimUpdated, &conversation, &claim, None)?;
            Ok(true)
        })
        .await
    }

    async fn open_claim_counts(&self, today: Date) -> hotline_store::StoreResult<Vec<OpenClaims>> {
        self.read(move |db| {
            db.query(
                "SELECT c.department, COUNT(*), COUNT(*) FILTER (WHERE cl.due_date < $1)
                 FROM claims cl JOIN conversations c ON c.id = cl.conversation_id
                 WHERE cl.status <> 'answered' GROUP BY c.department ORDER BY c.department",
                &[&today.to_string()],
            )?
            .iter()
            .map(|r| {
                Ok(OpenClaims {
                    department: parse_department(r.try_get(0)?)?,
                    open: r.try_get::<_, i64>(1)?.unsigned_abs(),
                    overdue: r.try_get::<_, i64>(2)?.unsigned_abs(),
                })
            })
            .collect()
        })
        .await
    }

    async fn calendar_overrides(&self) -> hotline_store::StoreResult<Vec<CalendarOverride>> {
        self.read(|db| {
            db.query(
                "SELECT date, working, note FROM calendar_overrides ORDER BY date",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(CalendarOverride {
                    date: date_of(&r.try_get::<_, String>(0)?)?,
                    working: r.try_get(1)?,
                    note: r.try_get(2)?,
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
        self.write(move |db, _| {
            db.execute(
                "INSERT INTO calendar_overrides (date, working, note, updated_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (date) DO UPDATE SET working = excluded.working, note = excluded.note,
                     updated_at = excluded.updated_at",
                &[&entry.date.to_string(), &entry.working, &entry.note, &now_micros()],
            )?;
            Ok(())
        })
        .await
    }

    async fn remove_calendar_override(&self, date: Date) -> hotline_store::StoreResult<bool> {
        self.write(move |db, _| {
            let removed = db.execute(
                "DELETE FROM calendar_overrides WHERE date = $1",
                &[&date.to_string()],
            )?;
            Ok(removed > 0)
        })
        .await
    }
}
