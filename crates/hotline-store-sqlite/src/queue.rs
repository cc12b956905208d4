//! Routing on SQLite. The live queue and the operators' loads are a
//! [`Router`] kept in memory and rebuilt from the tables at start-up. Only
//! writer jobs change it, and they run one at a time on the writer thread, so
//! each assignment decision sees every earlier one: a conversation is never
//! assigned twice and no operator's capacity is exceeded. Readers only look.

use super::SqliteStore;
use super::rows::*;
use crate::append::{Post, append_message};
use crate::error::StoreResult;
use async_trait::async_trait;
use hotline_domain::estimate::{mean_handle_seconds, newcomer_wait_seconds, queued_wait_seconds};
use hotline_domain::routing::{DEFAULT_CAPACITY, OperatorSlot};
use hotline_domain::similarity::same_question;
use hotline_domain::sla::SlaTarget;
use hotline_domain::{
    Assignee, Conversation, ConversationId, CustomerId, DepartmentId, DomainError, Event,
    EventKind, Message, OperatorId, Presence, Principal, Priority, QueuePlace, Router, Status,
    Subject, Timestamp,
};
use hotline_store::{
    DepartmentLive, OperatorStatus, PresenceChange, QueueConfig, QueueStore, StartConversation,
    Started, StoreError, Transfer,
};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Queue places are announced as events for this many conversations at the
/// head of each department's queue; further back, places still show on the
/// resource but shifts are not pushed (they would cost an event per queued
/// conversation on every assignment).
const ANNOUNCED_PLACES: usize = 100;
/// Handling times remembered per department for the estimate.
const HANDLE_SAMPLES: usize = 200;
const HOUR_MICROS: i64 = 3_600_000_000;

pub(crate) struct QueueRuntime {
    state: Mutex<QueueState>,
}

#[derive(Default)]
struct QueueState {
    router: Router,
    config: QueueConfig,
    /// Queued conversations' customers, to route their `queue.updated` events.
    customers: HashMap<ConversationId, CustomerId>,
    /// The place last announced for each queued conversation.
    announced: HashMap<ConversationId, QueuePlace>,
    /// Recent handling times (assigned → resolved), seconds.
    handle_samples: HashMap<DepartmentId, VecDeque<f64>>,
    /// When conversations entered the queue in the last hour (micros).
    arrivals: HashMap<DepartmentId, VecDeque<i64>>,
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

impl QueueState {
    fn mean_handle(&self, department: &DepartmentId) -> f64 {
        match self.handle_samples.get(department) {
            Some(samples) => mean_handle_seconds(samples.iter().copied()),
            None => mean_handle_seconds(std::iter::empty()),
        }
    }

    fn place(&self, id: &ConversationId, department: &DepartmentId) -> Option<QueuePlace> {
        let position = self.router.position(id)?;
        let (slots, _) = self.router.slots(department);
        Some(QueuePlace {
            position,
            estimated_wait_seconds: queued_wait_seconds(
                position,
                slots,
                self.mean_handle(department),
            ),
        })
    }

    fn record_arrival(&mut self, department: &DepartmentId, at: i64) {
        let arrivals = self.arrivals.entry(department.clone()).or_default();
        arrivals.push_back(at);
        while arrivals.front().is_some_and(|t| *t < at - HOUR_MICROS) {
            arrivals.pop_front();
        }
    }

    fn record_handle_time(&mut self, department: &DepartmentId, seconds: f64) {
        let samples = self.handle_samples.entry(department.clone()).or_default();
        samples.push_back(seconds);
        if samples.len() > HANDLE_SAMPLES {
            samples.pop_front();
        }
    }

    fn forget(&mut self, id: &ConversationId) {
        self.router.dequeue(id);
        self.customers.remove(id);
        self.announced.remove(id);
    }
}

fn holder(c: &Conversation) -> Option<&OperatorId> {
    (c.status == Status::Assigned)
        .then_some(c.assignee.as_ref())
        .flatten()
        .map(|a| &a.id)
}

/// An operator's routing state from the tables, with `load` given: loads are
/// counted once at start-up and kept in the [`Router`] after that.
fn load_slot(
    conn: &Connection,
    id: &OperatorId,
    load: u32,
) -> StoreResult<Option<(String, OperatorSlot)>> {
    let Some(operator) = load_operator(conn, id)? else {
        return Ok(None);
    };
    let stored: Option<(String, u32, i64)> = conn
        .prepare_cached(
            "SELECT presence, capacity, changed_at FROM operator_presence WHERE operator_id = ?1",
        )?
        .query_row(params![id.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let (presence, capacity, changed_at) =
        stored.unwrap_or(("offline".into(), DEFAULT_CAPACITY, 0));
    Ok(Some((
        operator.name,
        OperatorSlot {
            departments: operator.departments,
            presence: Presence::parse(&presence).unwrap_or(Presence::Offline),
            capacity,
            load,
            idle_since: changed_at,
        },
    )))
}

/// The operator who last had one of this customer's conversations.
fn last_operator(conn: &Connection, customer: &CustomerId) -> StoreResult<Option<OperatorId>> {
    Ok(conn
        .prepare_cached(
            "SELECT assignee_id FROM conversations WHERE customer_id = ?1 AND assignee_id IS NOT NULL
             ORDER BY updated_at DESC LIMIT 1",
        )?
        .query_row(params![customer.as_str()], |r| r.get::<_, String>(0))
        .optional()?
        .map(OperatorId::from_raw))
}

fn latest_customer_text(conn: &Connection, id: &ConversationId) -> StoreResult<String> {
    Ok(conn
        .prepare_cached(
            "SELECT text FROM messages WHERE conversation_id = ?1 AND author_kind = 'customer'
             ORDER BY seq DESC LIMIT 1",
        )?
        .query_row(params![id.as_str()], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
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
        let mut state = QueueState::default();
        let loads: HashMap<String, u32> = conn
            .prepare(
                "SELECT assignee_id, COUNT(*) FROM conversations
                 WHERE status = 'assigned' AND assignee_id IS NOT NULL GROUP BY assignee_id",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let ids: Vec<String> = conn
            .prepare("SELECT id FROM operators")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for id in ids {
            let load = loads.get(&id).copied().unwrap_or(0);
            let id = OperatorId::from_raw(id);
            if let Some((_, slot)) = load_slot(conn, &id, load)? {
                state.router.put_operator(id, slot);
            }
        }
        let mut queued = conn.prepare(
            "SELECT c.id, c.department, c.customer_id, r.priority, COALESCE(r.waiting_since, c.updated_at)
             FROM conversations c LEFT JOIN conversation_routing r ON r.conversation_id = c.id
             WHERE c.status = 'queued'",
        )?;
        let rows = queued.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        for row in rows {
            let (id, department, customer, priority, since) = row?;
            let id = ConversationId::from_raw(id);
            let department = parse_department(department)?;
            let priority = priority
                .as_deref()
                .and_then(Priority::parse)
                .unwrap_or_default();
            state
                .router
                .enqueue(id.clone(), department, priority, since);
            state.customers.insert(id, CustomerId::from_raw(customer));
        }
        let mut handled = conn.prepare(
            "SELECT department, (resolved_at - assigned_at) / 1e6 FROM conversation_routing
             WHERE resolved_at IS NOT NULL AND assigned_at IS NOT NULL
             ORDER BY resolved_at DESC LIMIT 5000",
        )?;
        let mut samples: Vec<(String, f64)> = handled
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        samples.reverse();
        for (department, seconds) in samples {
            state.record_handle_time(&parse_department(department)?, seconds);
        }
        let since = now_micros() - HOUR_MICROS;
        let mut arrived = conn.prepare(
            "SELECT department, waiting_since FROM conversation_routing
             WHERE waiting_since >= ?1 ORDER BY waiting_since",
        )?;
        let arrivals: Vec<(String, i64)> = arrived
            .query_map(params![since], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (department, at) in arrivals {
            state.record_arrival(&parse_department(department)?, at);
        }
        Ok(QueueRuntime {
            state: Mutex::new(state),
        })
    }

    /// Rebuilds the live state from the tables, keeping the configuration:
    /// for writes that delete conversations behind routing's back (erasure,
    /// retention).
    pub(super) fn reload(&self, conn: &Connection) -> StoreResult<()> {
        let fresh = Self::load(conn)?
            .state
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        let mut state = self.lock();
        let config = std::mem::take(&mut state.config);
        *state = fresh;
        state.config = config;
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
            self.lock()
                .place(&conversation.id, &conversation.department)
        } else {
            None
        };
        conversation
    }

    /// Brings routing up to date after a write changed `after` (from
    /// `before`, `None` for a new conversation): queue entry and exit, loads,
    /// automatic assignment, handling-time samples and announced places.
    /// Returns the conversation as it ends up (perhaps assigned).
    pub(super) fn reconcile(
        &self,
        conn: &Connection,
        events: &mut Vec<Event>,
        before: Option<&Conversation>,
        after: Conversation,
    ) -> StoreResult<Conversation> {
        let mut state = self.lock();
        let state = &mut *state;
        let now = now();
        let now_us = micros(now);
        let mut after = after;
        let mut touched: Vec<DepartmentId> = Vec::new();
        let was_queued = before.is_some_and(|b| b.status == Status::Queued);
        let transferred_from = before
            .filter(|b| b.department != after.department)
            .map(|b| b.department.clone());

        if was_queued && (after.status != Status::Queued || transferred_from.is_some()) {
            state.forget(&after.id);
            touched.extend(before.map(|b| b.department.clone()));
        }
        let previous = before.and_then(holder).cloned();
        let current = holder(&after).cloned();
        if previous != current
            && let Some(operator) = &current
        {
            self.take_load(conn, state, operator, &after.id, now_us)?;
        }
        if after.status == Status::Resolved && before.is_some_and(|b| b.status != Status::Resolved)
        {
            let assigned_at: Option<i64> = conn
                .prepare_cached(
                    "UPDATE conversation_routing SET resolved_at = ?2 WHERE conversation_id = ?1
                     RETURNING assigned_at",
                )?
                .query_row(params![after.id.as_str(), now_us], |r| r.get(0))
                .optional()?
                .flatten();
            if let Some(assigned_at) = assigned_at {
                let seconds = (now_us - assigned_at) as f64 / 1e6;
                state.record_handle_time(&after.department, seconds);
            }
        }
        if after.status == Status::Queued && (!was_queued || transferred_from.is_some()) {
            self.enter_queue(conn, state, &after, transferred_from.is_some(), now)?;
            let preferred = last_operator(conn, &after.customer.id)?;
            match state
                .router
                .choose_operator(&after.department, preferred.as_ref())
            {
                Some(operator) => after = assign(conn, events, state, after, &operator)?,
                None => touched.push(after.department.clone()),
            }
        }
        if previous != current
            && let Some(operator) = &previous
        {
            state.router.add_load(operator, -1, now_us);
            fill(conn, events, state, operator, &mut touched)?;
        }
        touched.sort();
        touched.dedup();
        for department in &touched {
            announce(conn, events, state, department)?;
        }
        after.queue = state.place(&after.id, &after.department);
        Ok(after)
    }

    fn take_load(
        &self,
        conn: &Connection,
        state: &mut QueueState,
        operator: &OperatorId,
        conversation: &ConversationId,
        now_us: i64,
    ) -> StoreResult<()> {
        if state.router.operator(operator).is_none()
            && let Some((_, slot)) = load_slot(conn, operator, 1)?
        {
            // Created since start-up: this is their first conversation.
            state.router.put_operator(operator.clone(), slot);
        } else {
            state.router.add_load(operator, 1, now_us);
        }
        mark_assigned(conn, conversation, now_us)
    }

    fn enter_queue(
        &self,
        conn: &Connection,
        state: &mut QueueState,
        conversation: &Conversation,
        transferred: bool,
        now: Timestamp,
    ) -> StoreResult<()> {
        let now_us = micros(now);
        let kept: Option<(String, i64)> = if transferred {
            conn.prepare_cached(
                "SELECT priority, waiting_since FROM conversation_routing
                 WHERE conversation_id = ?1 AND waiting_since IS NOT NULL",
            )?
            .query_row(params![conversation.id.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
        } else {
            None
        };
        let (priority, waiting_since) = match kept {
            Some((priority, since)) => {
                conn.prepare_cached(
                    "UPDATE conversation_routing SET department = ?2, assigned_at = NULL
                     WHERE conversation_id = ?1",
                )?
                .execute(params![
                    conversation.id.as_str(),
                    conversation.department.as_str()
                ])?;
                (Priority::parse(&priority).unwrap_or_default(), since)
            }
            None => {
                // A new request (or a reopened one): a fresh SLA cycle.
                let text = latest_customer_text(conn, &conversation.id)?;
                let tier = customer_tier(conn, &conversation.customer.id)?;
                let priority = state.config.priorities.priority_of(
                    &conversation.department,
                    &conversation.subject,
                    tier.as_deref(),
                    &text,
                );
                let due = state
                    .config
                    .sla
                    .due(conversation.department.as_str(), priority, now);
                conn.prepare_cached(
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
                    now_us,
                    micros(due.first_response),
                    micros(due.resolution),
                ])?;
                state.record_arrival(&conversation.department, now_us);
                (priority, now_us)
            }
        };
        state.router.enqueue(
            conversation.id.clone(),
            conversation.department.clone(),
            priority,
            waiting_since,
        );
        state
            .customers
            .insert(conversation.id.clone(), conversation.customer.id.clone());
        Ok(())
    }

    /// Notes an operator's public reply: the first one stops the
    /// first-response clock (customers' messages never restart it).
    pub(super) fn record_reply(
        &self,
        conn: &Connection,
        conversation: &Conversation,
        message: &Message,
    ) -> StoreResult<()> {
        if message.internal || message.author.kind != hotline_domain::AuthorKind::Operator {
            return Ok(());
        }
        conn.prepare_cached(
            "UPDATE conversation_routing SET first_response_at = ?2
             WHERE conversation_id = ?1 AND first_response_at IS NULL",
        )?
        .execute(params![
            conversation.id.as_str(),
            micros(message.created_at)
        ])?;
        Ok(())
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
            // Two named subjects decide alone: another order is another matter
            // however alike the words; otherwise the question's words do.
            let joins = match (&command.subject, &conversation.subject) {
                (Subject::General, _) | (_, Subject::General) => {
                    same_question(&*analyzer, &first_text(conn, &conversation.id)?, text)
                }
                (new, open) => new == open,
            };
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
        let joined = append_message(conn, events, self, conversation, post, now())?;
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
        let state = &mut *state;
        let load = state.router.operator(operator).map_or(0, |s| s.load);
        let (name, mut slot) = load_slot(conn, operator, load)?.ok_or(StoreError::NotFound)?;
        let now_us = now_micros();
        if let Some(presence) = change.presence {
            if presence == Presence::Online && slot.presence != Presence::Online {
                slot.idle_since = now_us;
            }
            slot.presence = presence;
        }
        if let Some(capacity) = change.capacity {
            slot.capacity = capacity;
        }
        conn.prepare_cached(
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
        // Their departments' estimates change with their slots.
        let mut touched = slot.departments.clone();
        state.router.put_operator(operator.clone(), slot);
        fill(conn, events, state, operator, &mut touched)?;
        for department in &touched {
            announce(conn, events, state, department)?;
        }
        status_of(state, operator, name)
    }

    pub(super) fn operator_status(
        &self,
        conn: &Connection,
        operator: &OperatorId,
    ) -> StoreResult<OperatorStatus> {
        let (name, slot) = load_slot(conn, operator, 0)?.ok_or(StoreError::NotFound)?;
        let state = self.lock();
        match state.router.operator(operator) {
            Some(_) => status_of(&state, operator, name),
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
        if !matches!(command.actor, Principal::Operator(_)) {
            return Err(DomainError::Forbidden { needed: "operator" }.into());
        }
        if before.department == command.department {
            return Ok(self.with_place(before));
        }
        let mut after = before.clone();
        after.department = command.department;
        match before.status {
            Status::Resolved => {
                return Err(DomainError::InvalidTransition {
                    action: "transfer",
                    status: "resolved",
                }
                .into());
            }
            Status::Assigned | Status::Queued => {
                after.status = Status::Queued;
                after.assignee = None;
            }
            Status::Bot => {}
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
            let mut first_responses: Vec<f64> = conn
                .prepare_cached(
                    "SELECT (first_response_at - waiting_since) / 1e6 FROM conversation_routing
                     WHERE department = ?1 AND first_response_at >= ?2",
                )?
                .query_map(params![department.as_str(), hour_ago], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            first_responses.sort_by(f64::total_cmp);
            let breaches: i64 = conn
                .prepare_cached(
                    "SELECT COUNT(*) FROM conversation_routing WHERE department = ?1
                     AND (first_response_breached_at >= ?2 OR resolution_breached_at >= ?2)",
                )?
                .query_row(params![department.as_str(), day_start], |r| r.get(0))?;
            let state = self.lock();
            let mut operators = Vec::new();
            for (id, slot) in state.router.operators() {
                if slot.departments.contains(department) && slot.presence != Presence::Offline {
                    let name = names.get(id.as_str()).cloned().unwrap_or_default();
                    operators.push(status_of(&state, id, name)?);
                }
            }
            operators.sort_by(|a, b| a.name.cmp(&b.name));
            let (slots, _) = state.router.slots(department);
            let handle = state.mean_handle(department);
            let arrivals = state
                .arrivals
                .get(department)
                .map_or(0, |a| a.iter().filter(|t| **t >= hour_ago).count());
            let longest = state
                .router
                .queue(department)
                .map(|(_, since)| since)
                .min()
                .map_or(0, |since| {
                    u64::try_from((now_us - since) / 1_000_000).unwrap_or(0)
                });
            out.push(DepartmentLive {
                department: department.clone(),
                queue_length: u32::try_from(state.router.queue_len(department)).unwrap_or(u32::MAX),
                longest_wait_seconds: longest,
                operators_online: operators
                    .iter()
                    .filter(|o| o.presence == Presence::Online)
                    .count() as u32,
                operators,
                first_response_p50_seconds: percentile(&first_responses, 0.5),
                first_response_p90_seconds: percentile(&first_responses, 0.9),
                sla_breaches_today: u64::try_from(breaches).unwrap_or(0),
                mean_handle_seconds: handle,
                arrivals_last_hour: arrivals as u32,
                expected_wait_seconds: newcomer_wait_seconds(
                    slots,
                    arrivals as f64 / 3600.0,
                    handle,
                ),
            });
        }
        Ok(out)
    }
}

fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted.get(index).copied()
}

fn status_of(
    state: &QueueState,
    operator: &OperatorId,
    name: String,
) -> StoreResult<OperatorStatus> {
    let slot = state
        .router
        .operator(operator)
        .ok_or(StoreError::NotFound)?;
    Ok(OperatorStatus {
        operator_id: operator.clone(),
        name,
        presence: slot.presence,
        capacity: slot.capacity,
        load: slot.load,
    })
}

fn mark_assigned(conn: &Connection, conversation: &ConversationId, now_us: i64) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE conversation_routing SET assigned_at = ?2 WHERE conversation_id = ?1",
    )?
    .execute(params![conversation.as_str(), now_us])?;
    Ok(())
}

/// Gives a queued conversation to `operator` (who is known to have room).
fn assign(
    conn: &Connection,
    events: &mut Vec<Event>,
    state: &mut QueueState,
    mut conversation: Conversation,
    operator: &OperatorId,
) -> StoreResult<Conversation> {
    let name = load_operator(conn, operator)?
        .map(|o| o.name)
        .ok_or(StoreError::NotFound)?;
    let now = now();
    conversation.status = Status::Assigned;
    conversation.assignee = Some(Assignee {
        id: operator.clone(),
        name,
    });
    conversation.updated_at = now;
    conversation.queue = None;
    update_conversation(conn, &conversation)?;
    append_conversation_updated(conn, events, &conversation)?;
    state.forget(&conversation.id);
    state.router.add_load(operator, 1, micros(now));
    mark_assigned(conn, &conversation.id, micros(now))?;
    metrics::counter!("hotline_auto_assignments_total").increment(1);
    Ok(conversation)
}

/// Gives `operator` waiting conversations while they have room.
fn fill(
    conn: &Connection,
    events: &mut Vec<Event>,
    state: &mut QueueState,
    operator: &OperatorId,
    touched: &mut Vec<DepartmentId>,
) -> StoreResult<()> {
    while let Some(next) = state.router.next_for(operator) {
        match load_conversation(conn, &next)? {
            Some(conversation) if conversation.status == Status::Queued => {
                touched.push(conversation.department.clone());
                assign(conn, events, state, conversation, operator)?;
            }
            // Not queued any more: the in-memory queue was stale.
            _ => state.forget(&next),
        }
    }
    touched.sort();
    touched.dedup();
    Ok(())
}

/// Pushes `queue.updated` for the head of a department's queue where a place
/// or the estimate (to the minute) changed.
fn announce(
    conn: &Connection,
    events: &mut Vec<Event>,
    state: &mut QueueState,
    department: &DepartmentId,
) -> StoreResult<()> {
    let (slots, _) = state.router.slots(department);
    let handle = state.mean_handle(department);
    let mut changed = Vec::new();
    for (index, (id, _)) in state
        .router
        .queue(department)
        .take(ANNOUNCED_PLACES)
        .enumerate()
    {
        let position = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let place = QueuePlace {
            position,
            estimated_wait_seconds: queued_wait_seconds(position, slots, handle),
        };
        let same = state.announced.get(id).is_some_and(|old| {
            old.position == place.position
                && old.estimated_wait_seconds / 60 == place.estimated_wait_seconds / 60
        });
        if !same {
            changed.push((id.clone(), place));
        }
    }
    for (id, place) in changed {
        let Some(customer) = state.customers.get(&id).cloned() else {
            continue;
        };
        append_routed_event(
            conn,
            events,
            EventKind::QueueUpdated,
            EventRouting {
                conversation_id: &id,
                department,
                customer_id: &customer,
            },
            false,
            &QueueUpdate {
                conversation_id: &id,
                place,
            },
        )?;
        state.announced.insert(id, place);
    }
    Ok(())
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
