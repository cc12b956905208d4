//! Routing on SQLite: the rules of [`hotline_store::routing::rules`] over
//! the in-memory [`InMemoryRouting`] and this database's tables
//! ([`SqliteRecords`]), all inside writer jobs; and the transfers, SLA
//! sweeps, duplicate joining and live numbers that go with them.

use super::SqliteStore;
use super::rows::*;
use crate::append::SqliteWrite;
use crate::error::{Error, StoreResult};
use crate::routing_state::{load_routing, load_slot};
use async_trait::async_trait;
use hotline_domain::routing::OperatorSlot;
use hotline_domain::similarity::same_request;
use hotline_domain::sla::{DueTimes, SlaTarget};
use hotline_domain::{
    Conversation, ConversationId, CustomerId, DepartmentId, Event, EventKind, Message, OperatorId,
    Principal, Priority, QueuePlace, Status, Timestamp,
};
use hotline_store::routing::memory::{HOUR_MICROS, InMemoryRouting};
use hotline_store::routing::rules;
use hotline_store::write::{self, Post};
use hotline_store::{
    DepartmentLive, OperatorStatus, PresenceChange, QueueConfig, QueueStore, RoutingRecords,
    RoutingState, StartConversation, Started, StoreError, Transfer,
};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

pub(crate) struct QueueRuntime {
    state: Mutex<QueueState>,
}

struct QueueState {
    routing: InMemoryRouting,
    config: QueueConfig,
}

#[derive(serde::Serialize)]
struct QueueUpdate<'a> {
    conversation_id: &'a ConversationId,
    #[serde(flatten)]
    place: QueuePlace,
}

#[derive(serde::Serialize)]
struct Breach<'a> {
    conversation_id: &'a str,
    /// `first_response` or `resolution`.
    target: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    due_at: Timestamp,
}

/// What routing stores in one writer job: its SQL over the job's connection,
/// and the events it appends.
struct SqliteRecords<'a> {
    conn: &'a Connection,
    events: &'a mut Vec<Event>,
}

impl RoutingRecords for SqliteRecords<'_> {
    type Error = Error;

    fn now(&self) -> Timestamp {
        now()
    }

    fn operator_slot(
        &mut self,
        operator: &OperatorId,
        load: u32,
    ) -> StoreResult<Option<(String, OperatorSlot)>> {
        load_slot(self.conn, operator, load)
    }

    fn operator_name(&mut self, operator: &OperatorId) -> StoreResult<Option<String>> {
        Ok(load_operator(self.conn, operator)?.map(|o| o.name))
    }

    fn conversation(&mut self, id: &ConversationId) -> StoreResult<Option<Conversation>> {
        load_conversation(self.conn, id)
    }

    fn last_operator(&mut self, customer: &CustomerId) -> StoreResult<Option<OperatorId>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT assignee_id FROM conversations WHERE customer_id = ?1 AND assignee_id IS NOT NULL
                 ORDER BY updated_at DESC LIMIT 1",
            )?
            .query_row(params![customer.as_str()], |r| r.get::<_, String>(0))
            .optional()?
            .map(OperatorId::from_raw))
    }

    fn priority_inputs(
        &mut self,
        conversation: &Conversation,
    ) -> StoreResult<(String, Option<String>)> {
        let text = self
            .conn
            .prepare_cached(
                "SELECT text FROM messages WHERE conversation_id = ?1 AND author_kind = 'customer'
                 ORDER BY seq DESC LIMIT 1",
            )?
            .query_row(params![conversation.id.as_str()], |r| r.get(0))
            .optional()?
            .unwrap_or_default();
        let tier = customer_tier(self.conn, &conversation.customer.id)?;
        Ok((text, tier))
    }

    fn keep_waiting(
        &mut self,
        conversation: &Conversation,
    ) -> StoreResult<Option<(Priority, i64)>> {
        let kept: Option<(String, i64)> = self
            .conn
            .prepare_cached(
                "SELECT priority, waiting_since FROM conversation_routing
                 WHERE conversation_id = ?1 AND waiting_since IS NOT NULL",
            )?
            .query_row(params![conversation.id.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let Some((priority, since)) = kept else {
            return Ok(None);
        };
        self.conn
            .prepare_cached(
                "UPDATE conversation_routing SET department = ?2, assigned_at = NULL
                 WHERE conversation_id = ?1",
            )?
            .execute(params![
                conversation.id.as_str(),
                conversation.department.as_str()
            ])?;
        Ok(Some((
            Priority::parse(&priority).unwrap_or_default(),
            since,
        )))
    }

    fn open_cycle(
        &mut self,
        conversation: &Conversation,
        priority: Priority,
        since_us: i64,
        due: &DueTimes,
    ) -> StoreResult<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO conversation_routing (conversation_id, department, priority, waiting_since,
                     first_response_due, resolution_due)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (conversation_id) DO UPDATE SET department = excluded.department,
                     priority = excluded.priority, waiting_since = excluded.waiting_since,
                     first_response_due = excluded.first_response_due,
                     resolution_due = excluded.resolution_due, first_response_at = NULL,
                     assigned_at = NULL, resolved_at = NULL,
                     first_response_breached_at = NULL, resolution_breached_at = NULL",
            )?
            .execute(params![
                conversation.id.as_str(),
                conversation.department.as_str(),
                priority.as_str(),
                since_us,
                micros(due.first_response),
                micros(due.resolution),
            ])?;
        Ok(())
    }

    fn mark_assigned(&mut self, conversation: &ConversationId, at_us: i64) -> StoreResult<()> {
        self.conn
            .prepare_cached(
                "UPDATE conversation_routing SET assigned_at = ?2 WHERE conversation_id = ?1",
            )?
            .execute(params![conversation.as_str(), at_us])?;
        Ok(())
    }

    fn mark_resolved(
        &mut self,
        conversation: &ConversationId,
        at_us: i64,
    ) -> StoreResult<Option<i64>> {
        Ok(self
            .conn
            .prepare_cached(
                "UPDATE conversation_routing SET resolved_at = ?2 WHERE conversation_id = ?1
                 RETURNING assigned_at",
            )?
            .query_row(params![conversation.as_str(), at_us], |r| r.get(0))
            .optional()?
            .flatten())
    }

    fn mark_first_response(
        &mut self,
        conversation: &ConversationId,
        at_us: i64,
    ) -> StoreResult<()> {
        self.conn
            .prepare_cached(
                "UPDATE conversation_routing SET first_response_at = ?2
                 WHERE conversation_id = ?1 AND first_response_at IS NULL",
            )?
            .execute(params![conversation.as_str(), at_us])?;
        Ok(())
    }

    fn save_presence(&mut self, operator: &OperatorId, slot: &OperatorSlot) -> StoreResult<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO operator_presence (operator_id, presence, capacity, changed_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (operator_id) DO UPDATE SET presence = excluded.presence,
                     capacity = excluded.capacity, changed_at = excluded.changed_at",
            )?
            .execute(params![
                operator.as_str(),
                slot.presence.as_str(),
                slot.capacity,
                slot.idle_since
            ])?;
        Ok(())
    }

    fn save_assignment(&mut self, conversation: &Conversation) -> StoreResult<()> {
        update_conversation(self.conn, conversation)?;
        append_conversation_updated(self.conn, self.events, conversation)
    }

    fn announce_place(
        &mut self,
        conversation_id: &ConversationId,
        department: &DepartmentId,
        customer_id: &CustomerId,
        place: QueuePlace,
    ) -> StoreResult<()> {
        append_routed_event(
            self.conn,
            self.events,
            EventKind::QueueUpdated,
            EventRouting {
                conversation_id,
                department,
                customer_id,
            },
            false,
            &QueueUpdate {
                conversation_id,
                place,
            },
        )
    }
}

fn first_text(conn: &Connection, id: &ConversationId) -> StoreResult<String> {
    Ok(conn
        .prepare_cached("SELECT text FROM messages WHERE conversation_id = ?1 AND seq = 1")?
        .query_row(params![id.as_str()], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
}

impl QueueRuntime {
    /// Rebuilds the live state from the tables.
    pub(super) fn load(conn: &Connection) -> StoreResult<QueueRuntime> {
        Ok(QueueRuntime {
            state: Mutex::new(QueueState {
                routing: load_routing(conn)?,
                config: QueueConfig::default(),
            }),
        })
    }

    /// Rebuilds the live state from the tables, keeping the configuration:
    /// for writes that delete conversations behind routing's back (erasure,
    /// retention).
    pub(super) fn reload(&self, conn: &Connection) -> StoreResult<()> {
        let fresh = load_routing(conn)?;
        self.lock().routing = fresh;
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, QueueState> {
        // The state stays consistent between statements; a panic elsewhere
        // must not stop routing.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn configure(&self, config: QueueConfig) {
        self.lock().config = config;
    }

    /// The conversation with its queue place filled in (readers).
    pub(super) fn with_place(&self, mut conversation: Conversation) -> Conversation {
        conversation.queue = if conversation.status == Status::Queued {
            rules::place(
                &self.lock().routing,
                &conversation.id,
                &conversation.department,
            )
        } else {
            None
        };
        conversation
    }

    /// Brings routing up to date after a write changed `after` (from
    /// `before`, `None` for a new conversation); see [`rules::reconcile`].
    pub(super) fn reconcile(
        &self,
        conn: &Connection,
        events: &mut Vec<Event>,
        before: Option<&Conversation>,
        after: Conversation,
    ) -> StoreResult<Conversation> {
        let mut state = self.lock();
        let QueueState { routing, config } = &mut *state;
        let mut records = SqliteRecords { conn, events };
        rules::reconcile(routing, &mut records, config, before, after)
    }

    /// Notes an operator's public reply: the first one stops the
    /// first-response clock (customers' messages never restart it).
    pub(super) fn record_reply(
        &self,
        conn: &Connection,
        events: &mut Vec<Event>,
        conversation: &Conversation,
        message: &Message,
    ) -> StoreResult<()> {
        rules::on_message(&mut SqliteRecords { conn, events }, conversation, message)
    }

    /// The customer's open conversation this new request duplicates, with
    /// the request's message added to it; `None` to start a new one.
    pub(super) fn join_open(
        &self,
        conn: &Connection,
        events: &mut Vec<Event>,
        command: &StartConversation,
    ) -> StoreResult<Option<Started>> {
        let analyzer = {
            let state = self.lock();
            if !state.config.join_duplicates {
                return Ok(None);
            }
            state.config.analyzer.clone()
        };
        let mut stmt = conn.prepare_cached(concat!(
            "SELECT ",
            conversation_columns!(),
            " FROM conversations WHERE customer_id = ?1 AND department = ?2 AND status != 'resolved'
              ORDER BY created_at"
        ))?;
        let open = stmt
            .query_map(
                params![command.customer.id.as_str(), command.department.as_str()],
                ConversationRow::read,
            )?
            .map(|row| row?.into_conversation())
            .collect::<StoreResult<Vec<_>>>()?;
        let text = command.first_message.text.as_str();
        let mut found = None;
        for conversation in open {
            let joins = same_request(
                &*analyzer,
                (&command.subject, text),
                &conversation.subject,
                || first_text(conn, &conversation.id),
            )?;
            if joins {
                found = Some(conversation);
                break;
            }
        }
        let Some(conversation) = found else {
            return Ok(None);
        };
        let principal = Principal::Customer(command.customer.clone());
        let post = Post::Person {
            author: &principal,
            message: &command.first_message,
        };
        let mut records = SqliteWrite {
            conn,
            events,
            queue: self,
        };
        let joined = write::append_message(&mut records, conversation, post, now())?;
        Ok(Some(Started {
            conversation: self.with_place(joined.conversation),
            message: joined.message,
            created: false,
            joined_existing: true,
        }))
    }

    pub(super) fn set_presence(
        &self,
        conn: &Connection,
        events: &mut Vec<Event>,
        operator: &OperatorId,
        change: PresenceChange,
    ) -> StoreResult<OperatorStatus> {
        let mut state = self.lock();
        let mut records = SqliteRecords { conn, events };
        rules::set_presence(&mut state.routing, &mut records, operator, &change)
    }

    pub(super) fn operator_status(
        &self,
        conn: &Connection,
        operator: &OperatorId,
    ) -> StoreResult<OperatorStatus> {
        let (name, slot) = load_slot(conn, operator, 0)?.ok_or(StoreError::NotFound)?;
        let state = self.lock();
        match state.routing.slot(operator) {
            Some(_) => Ok(rules::operator_status(&state.routing, operator, name)
                .ok_or(StoreError::NotFound)?),
            None => Ok(OperatorStatus {
                operator_id: operator.clone(),
                name,
                presence: slot.presence,
                capacity: slot.capacity,
                load: slot.load,
            }),
        }
    }

    pub(super) fn transfer(
        &self,
        conn: &Connection,
        events: &mut Vec<Event>,
        command: Transfer,
    ) -> StoreResult<Conversation> {
        let before = load_conversation(conn, &command.conversation_id)?
            .filter(|c| command.actor.can_access(c))
            .ok_or(StoreError::NotFound)?;
        let mut after = before.clone();
        if !after.transfer(command.department, &command.actor)? {
            return Ok(self.with_place(before));
        }
        after.updated_at = now();
        update_conversation(conn, &after)?;
        // The old department's operators learn that it left them.
        append_routed_event(
            conn,
            events,
            EventKind::ConversationUpdated,
            EventRouting {
                conversation_id: &after.id,
                department: &before.department,
                customer_id: &after.customer.id,
            },
            false,
            &after,
        )?;
        append_conversation_updated(conn, events, &after)?;
        self.reconcile(conn, events, Some(&before), after)
    }

    pub(super) fn sweep_sla(
        &self,
        conn: &Connection,
        events: &mut Vec<Event>,
    ) -> StoreResult<usize> {
        let now_us = now_micros();
        let mut found = 0;
        for (target, due_column, done_column, breached_column) in [
            (
                SlaTarget::FirstResponse,
                "first_response_due",
                "first_response_at",
                "first_response_breached_at",
            ),
            (
                SlaTarget::Resolution,
                "resolution_due",
                "resolved_at",
                "resolution_breached_at",
            ),
        ] {
            let select = format!(
                "SELECT conversation_id, {due_column} FROM conversation_routing
                 WHERE {done_column} IS NULL AND {breached_column} IS NULL AND {due_column} <= ?1"
            );
            let overdue: Vec<(String, i64)> = conn
                .prepare_cached(&select)?
                .query_map(params![now_us], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            let mark = format!(
                "UPDATE conversation_routing SET {breached_column} = ?2 WHERE conversation_id = ?1"
            );
            // A clock that ran out without a breach stops: a reopened
            // conversation starts a new one.
            let stop = format!(
                "UPDATE conversation_routing SET {due_column} = NULL WHERE conversation_id = ?1"
            );
            for (id, due) in overdue {
                let id = ConversationId::from_raw(id);
                let conversation = load_conversation(conn, &id)?;
                // The domain decides what counts as a breach (a resolved
                // conversation cannot miss its first response); the query
                // above only finds the clocks that ran out.
                let Some(conversation) = conversation.filter(|c| target.breached_in(c.status))
                else {
                    conn.prepare_cached(&stop)?.execute(params![id.as_str()])?;
                    continue;
                };
                conn.prepare_cached(&mark)?
                    .execute(params![id.as_str(), now_us])?;
                append_event(
                    conn,
                    events,
                    EventKind::SlaBreached,
                    &conversation,
                    true,
                    &Breach {
                        conversation_id: id.as_str(),
                        target: target.as_str(),
                        due_at: from_micros(due)?,
                    },
                )?;
                metrics::counter!("hotline_sla_breaches_total", "target" => target.as_str(), "department" => conversation.department.as_str().to_owned()).increment(1);
                found += 1;
            }
        }
        Ok(found)
    }

    pub(super) fn live_stats(
        &self,
        conn: &Connection,
        departments: &[DepartmentId],
    ) -> StoreResult<Vec<DepartmentLive>> {
        let now_us = now_micros();
        let hour_ago = now_us - HOUR_MICROS;
        let day_start = now_us - now_us.rem_euclid(24 * HOUR_MICROS);
        let mut out = Vec::with_capacity(departments.len());
        let names: HashMap<String, String> = conn
            .prepare_cached("SELECT id, name FROM operators")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for department in departments {
            let first_responses: Vec<f64> = conn
                .prepare_cached(
                    "SELECT (first_response_at - waiting_since) / 1e6 FROM conversation_routing
                     WHERE department = ?1 AND first_response_at >= ?2",
                )?
                .query_map(params![department.as_str(), hour_ago], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let breaches: i64 = conn
                .prepare_cached(
                    "SELECT COUNT(*) FROM conversation_routing WHERE department = ?1
                     AND (first_response_breached_at >= ?2 OR resolution_breached_at >= ?2)",
                )?
                .query_row(params![department.as_str(), day_start], |r| r.get(0))?;
            out.push(self.lock().routing.department_live(
                department,
                &names,
                first_responses,
                u64::try_from(breaches).unwrap_or(0),
                now_us,
            )?);
        }
        Ok(out)
    }
}

#[async_trait]
impl QueueStore for SqliteStore {
    async fn configure_queues(&self, config: QueueConfig) -> hotline_store::StoreResult<()> {
        self.queue.configure(config);
        Ok(())
    }

    async fn set_presence(
        &self,
        operator: &OperatorId,
        change: PresenceChange,
    ) -> hotline_store::StoreResult<OperatorStatus> {
        let operator = operator.clone();
        let queue = self.queue.clone();
        self.write(move |conn, events| queue.set_presence(conn, events, &operator, change))
            .await
    }

    async fn operator_status(
        &self,
        operator: &OperatorId,
    ) -> hotline_store::StoreResult<OperatorStatus> {
        let operator = operator.clone();
        let queue = self.queue.clone();
        self.read(move |conn| queue.operator_status(conn, &operator))
            .await
    }

    async fn transfer(&self, command: Transfer) -> hotline_store::StoreResult<Conversation> {
        let queue = self.queue.clone();
        self.write(move |conn, events| queue.transfer(conn, events, command))
            .await
    }

    async fn sweep_sla(&self) -> hotline_store::StoreResult<usize> {
        let queue = self.queue.clone();
        self.write(move |conn, events| queue.sweep_sla(conn, events))
            .await
    }

    async fn live_stats(
        &self,
        departments: &[DepartmentId],
    ) -> hotline_store::StoreResult<Vec<DepartmentLive>> {
        let departments = departments.to_vec();
        let queue = self.queue.clone();
        self.read(move |conn| queue.live_stats(conn, &departments))
            .await
    }
}
