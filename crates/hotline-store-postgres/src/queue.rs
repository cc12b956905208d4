//! Routing on PostgreSQL: the rules of [`hotline_store::routing::rules`]
//! over a routing state built from this database's tables for each
//! decision, and the transfers, SLA sweeps, duplicate joining and live
//! numbers that go with them.
//!
//! Every write that may route first locks the one row of `routing_turn`
//! ([`lock_routing`]), so routing decisions on every node of one database
//! take turns. Holding it, a write reads the state (operators' slots and
//! loads, the queues, the places last announced, the measurements) from the
//! tables, lets the rules decide, and writes back what changed; the next
//! decision reads it after this one commits. Loads and queues are not
//! stored apart from the conversations they count, so they cannot drift.
//! Writers lock a conversation's row before changing it; one that changes
//! a message's conversation first and routes after (a reply that reopens
//! it) can meet a routing writer waiting for that row: PostgreSQL detects
//! the deadlock, and the loser runs again from the start.

use crate::PostgresStore;
use crate::append::PgWrite;
use crate::db::{Db, Error, StoreResult};
use crate::rows::*;
use async_trait::async_trait;
use hotline_domain::routing::{DEFAULT_CAPACITY, OperatorSlot};
use hotline_domain::similarity::same_request;
use hotline_domain::sla::{DueTimes, SlaTarget};
use hotline_domain::{
    Conversation, ConversationId, CustomerId, DepartmentId, Event, EventKind, Message, OperatorId,
    Presence, Principal, Priority, QueuePlace, Status, Timestamp,
};
use hotline_store::routing::memory::{HANDLE_SAMPLES, HOUR_MICROS, InMemoryRouting};
use hotline_store::routing::rules;
use hotline_store::write::{self, Post};
use hotline_store::{
    DepartmentLive, OperatorStatus, PresenceChange, QueueConfig, QueueStore, RoutingRecords,
    RoutingState, StartConversation, Started, StoreError, Transfer, Waiting,
};
use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

/// Takes routing's turn for the rest of the transaction.
pub(crate) fn lock_routing(db: &Db<'_>) -> StoreResult<()> {
    db.query_one("SELECT id FROM routing_turn WHERE id = 1 FOR UPDATE", &[])?;
    Ok(())
}

#[derive(Default)]
pub(crate) struct QueueRuntime {
    config: RwLock<QueueConfig>,
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

/// What a decision read, to write back only what it changed.
struct Loaded {
    slots: HashMap<OperatorId, (Presence, u32, i64)>,
    announced: HashMap<ConversationId, QueuePlace>,
}

/// The conversation a write is changing, as it was before: the tables
/// already hold this transaction's change, routing must see the state the
/// change starts from.
type Focus<'a> = Option<(&'a ConversationId, Option<&'a Conversation>)>;

fn to_u32(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

/// Every operator's slot with their load (conversations assigned to them).
fn load_slots(db: &Db<'_>, focus: Focus<'_>) -> StoreResult<Vec<(OperatorId, OperatorSlot)>> {
    let excluded = focus.map(|(id, _)| id.as_str());
    let mut loads: HashMap<String, u32> = db
        .query(
            "SELECT assignee_id, COUNT(*) FROM conversations
             WHERE status = 'assigned' AND assignee_id IS NOT NULL AND id IS DISTINCT FROM $1
             GROUP BY assignee_id",
            &[&excluded],
        )?
        .iter()
        .map(|r| Ok((r.try_get(0)?, to_u32(r.try_get(1)?))))
        .collect::<StoreResult<_>>()?;
    if let Some((_, Some(before))) = focus
        && before.status == Status::Assigned
        && let Some(assignee) = &before.assignee
    {
        *loads.entry(assignee.id.as_str().to_owned()).or_default() += 1;
    }
    db.query(
        "SELECT o.id, p.presence, p.capacity, p.changed_at,
                ARRAY(SELECT department FROM operator_departments d
                      WHERE d.operator_id = o.id ORDER BY department)
         FROM operators o LEFT JOIN operator_presence p ON p.operator_id = o.id",
        &[],
    )?
    .iter()
    .map(|r| {
        let id: String = r.try_get(0)?;
        let presence: Option<String> = r.try_get(1)?;
        let departments = r
            .try_get::<_, Vec<String>>(4)?
            .into_iter()
            .map(parse_department)
            .collect::<StoreResult<Vec<_>>>()?;
        let slot = OperatorSlot {
            departments,
            presence: presence
                .as_deref()
                .and_then(Presence::parse)
                .unwrap_or(Presence::Offline),
            capacity: r
                .try_get::<_, Option<i64>>(2)?
                .map_or(DEFAULT_CAPACITY, to_u32),
            load: loads.get(&id).copied().unwrap_or(0),
            idle_since: r.try_get::<_, Option<i64>>(3)?.unwrap_or(0),
        };
        Ok((OperatorId::from_raw(id), slot))
    })
    .collect()
}

/// The routing state as the tables hold it (with `focus` as it was before
/// this transaction changed it), and what was read, for [`write_back`].
fn load_state(db: &Db<'_>, focus: Focus<'_>) -> StoreResult<(InMemoryRouting, Loaded)> {
    let mut state = InMemoryRouting::default();
    let mut slots = HashMap::new();
    for (id, slot) in load_slots(db, focus)? {
        slots.insert(id.clone(), (slot.presence, slot.capacity, slot.idle_since));
        state.put_slot(id, slot);
    }
    let excluded = focus.map(|(id, _)| id.as_str());
    let queued = db.query(
        "SELECT c.id, c.department, c.customer_id, r.priority, COALESCE(r.waiting_since, c.updated_at)
         FROM conversations c LEFT JOIN conversation_routing r ON r.conversation_id = c.id
         WHERE c.status = 'queued' AND c.id IS DISTINCT FROM $1",
        &[&excluded],
    )?;
    for r in &queued {
        let priority: Option<String> = r.try_get(3)?;
        state.enqueue(Waiting {
            conversation: ConversationId::from_raw(r.try_get::<_, String>(0)?),
            department: parse_department(r.try_get(1)?)?,
            customer: CustomerId::from_raw(r.try_get::<_, String>(2)?),
            priority: priority
                .as_deref()
                .and_then(Priority::parse)
                .unwrap_or_default(),
            since: r.try_get(4)?,
        });
    }
    if let Some((id, Some(before))) = focus
        && before.status == Status::Queued
    {
        let kept = db.query_opt(
            "SELECT priority, waiting_since FROM conversation_routing WHERE conversation_id = $1",
            &[&id.as_str()],
        )?;
        let (priority, since) = match kept {
            Some(r) => (
                Priority::parse(&r.try_get::<_, String>(0)?).unwrap_or_default(),
                r.try_get::<_, Option<i64>>(1)?,
            ),
            None => (Priority::default(), None),
        };
        state.enqueue(Waiting {
            conversation: id.clone(),
            department: before.department.clone(),
            customer: before.customer.id.clone(),
            priority,
            since: since.unwrap_or_else(|| micros(before.updated_at)),
        });
    }
    let mut announced = HashMap::new();
    for r in db.query(
        "SELECT conversation_id, position, estimated_wait_seconds FROM queue_announcements",
        &[],
    )? {
        let id = ConversationId::from_raw(r.try_get::<_, String>(0)?);
        let place = QueuePlace {
            position: to_u32(r.try_get(1)?),
            estimated_wait_seconds: u64::try_from(r.try_get::<_, i64>(2)?).unwrap_or(0),
        };
        state.set_announced(id.clone(), place);
        announced.insert(id, place);
    }
    for r in db.query(
        "SELECT department, seconds FROM (
             SELECT department, seconds, id,
                    row_number() OVER (PARTITION BY department ORDER BY id DESC) AS newest
             FROM handle_times) recent
         WHERE newest <= $1 ORDER BY id",
        &[&(HANDLE_SAMPLES as i64)],
    )? {
        state.record_handle_time(&parse_department(r.try_get(0)?)?, r.try_get(1)?);
    }
    for r in db.query(
        "SELECT department, at FROM queue_arrivals WHERE at >= $1 ORDER BY at",
        &[&(now_micros() - HOUR_MICROS)],
    )? {
        state.record_arrival(&parse_department(r.try_get(0)?)?, r.try_get(1)?);
    }
    Ok((state, Loaded { slots, announced }))
}

/// Stores what a decision changed in the state that is not derived from
/// the conversations: operators' idle times and the places announced.
fn write_back(db: &Db<'_>, loaded: &Loaded, state: &InMemoryRouting) -> StoreResult<()> {
    for (id, slot) in state.router.operators() {
        if loaded.slots.get(id) != Some(&(slot.presence, slot.capacity, slot.idle_since)) {
            save_slot(db, id, slot)?;
        }
    }
    let announced = state.announced_places();
    for (id, place) in announced {
        if loaded.announced.get(id) != Some(place) {
            db.execute(
                "INSERT INTO queue_announcements (conversation_id, position, estimated_wait_seconds)
                 VALUES ($1, $2, $3)
                 ON CONFLICT (conversation_id) DO UPDATE SET position = excluded.position,
                     estimated_wait_seconds = excluded.estimated_wait_seconds",
                &[
                    &id.as_str(),
                    &i64::from(place.position),
                    &i64::try_from(place.estimated_wait_seconds).unwrap_or(i64::MAX),
                ],
            )?;
        }
    }
    let gone: Vec<&str> = loaded
        .announced
        .keys()
        .filter(|id| !announced.contains_key(*id))
        .map(ConversationId::as_str)
        .collect();
    if !gone.is_empty() {
        db.execute(
            "DELETE FROM queue_announcements WHERE conversation_id = ANY($1::text[])",
            &[&gone],
        )?;
    }
    Ok(())
}

fn save_slot(db: &Db<'_>, operator: &OperatorId, slot: &OperatorSlot) -> StoreResult<()> {
    db.execute(
        "INSERT INTO operator_presence (operator_id, presence, capacity, changed_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (operator_id) DO UPDATE SET presence = excluded.presence,
             capacity = excluded.capacity, changed_at = excluded.changed_at",
        &[
            &operator.as_str(),
            &slot.presence.as_str(),
            &i64::from(slot.capacity),
            &slot.idle_since,
        ],
    )?;
    Ok(())
}

/// What routing stores in one transaction: its SQL, and the events it queues.
struct PgRecords<'a, 't> {
    db: &'a Db<'t>,
    events: &'a mut Vec<Event>,
}

impl RoutingRecords for PgRecords<'_, '_> {
    type Error = Error;

    fn now(&self) -> Timestamp {
        now()
    }

    fn operator_slot(
        &mut self,
        operator: &OperatorId,
        load: u32,
    ) -> StoreResult<Option<(String, OperatorSlot)>> {
        load_slot(self.db, operator, load)
    }

    fn operator_name(&mut self, operator: &OperatorId) -> StoreResult<Option<String>> {
        Ok(load_operator(self.db, operator)?.map(|o| o.name))
    }

    fn conversation(&mut self, id: &ConversationId) -> StoreResult<Option<Conversation>> {
        // Routing may assign it: its row is locked like any writer's.
        lock_conversation(self.db, id)
    }

    fn last_operator(&mut self, customer: &CustomerId) -> StoreResult<Option<OperatorId>> {
        Ok(self
            .db
            .query_opt(
                "SELECT assignee_id FROM conversations WHERE customer_id = $1 AND assignee_id IS NOT NULL
                 ORDER BY updated_at DESC LIMIT 1",
                &[&customer.as_str()],
            )?
            .map(|r| r.try_get::<_, String>(0))
            .transpose()?
            .map(OperatorId::from_raw))
    }

    fn priority_inputs(
        &mut self,
        conversation: &Conversation,
    ) -> StoreResult<(String, Option<String>)> {
        let text = self
            .db
            .query_opt(
                "SELECT text FROM messages WHERE conversation_id = $1 AND author_kind = 'customer'
                 ORDER BY seq DESC LIMIT 1",
                &[&conversation.id.as_str()],
            )?
            .map(|r| r.try_get(0))
            .transpose()?
            .unwrap_or_default();
        let tier = customer_tier(self.db, &conversation.customer.id)?;
        Ok((text, tier))
    }

    fn keep_waiting(
        &mut self,
        conversation: &Conversation,
    ) -> StoreResult<Option<(Priority, i64)>> {
        let Some(kept) = self.db.query_opt(
            "UPDATE conversation_routing SET department = $2, assigned_at = NULL
             WHERE conversation_id = $1 AND waiting_since IS NOT NULL
             RETURNING priority, waiting_since",
            &[&conversation.id.as_str(), &conversation.department.as_str()],
        )?
        else {
            return Ok(None);
        };
        Ok(Some((
            Priority::parse(&kept.try_get::<_, String>(0)?).unwrap_or_default(),
            kept.try_get(1)?,
        )))
    }

    fn open_cycle(
        &mut self,
        conversation: &Conversation,
        priority: Priority,
        since_us: i64,
        due: &DueTimes,
    ) -> StoreResult<()> {
        self.db.execute(
            "INSERT INTO conversation_routing (conversation_id, department, priority, waiting_since,
                 first_response_due, resolution_due)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (conversation_id) DO UPDATE SET department = excluded.department,
                 priority = excluded.priority, waiting_since = excluded.waiting_since,
                 first_response_due = excluded.first_response_due,
                 resolution_due = excluded.resolution_due, first_response_at = NULL,
                 assigned_at = NULL, resolved_at = NULL,
                 first_response_breached_at = NULL, resolution_breached_at = NULL",
            &[
                &conversation.id.as_str(),
                &conversation.department.as_str(),
                &priority.as_str(),
                &since_us,
                &micros(due.first_response),
                &micros(due.resolution),
            ],
        )?;
        // Routing counts this as an arrival (`record_arrival`).
        self.db.execute(
            "INSERT INTO queue_arrivals (department, at) VALUES ($1, $2)",
            &[&conversation.department.as_str(), &since_us],
        )?;
        self.db.execute(
            "DELETE FROM queue_arrivals WHERE at < $1",
            &[&(since_us - HOUR_MICROS)],
        )?;
        Ok(())
    }

    fn mark_assigned(&mut self, conversation: &ConversationId, at_us: i64) -> StoreResult<()> {
        self.db.execute(
            "UPDATE conversation_routing SET assigned_at = $2 WHERE conversation_id = $1",
            &[&conversation.as_str(), &at_us],
        )?;
        Ok(())
    }

    fn mark_resolved(
        &mut self,
        conversation: &ConversationId,
        at_us: i64,
    ) -> StoreResult<Option<i64>> {
        let Some(row) = self.db.query_opt(
            "UPDATE conversation_routing SET resolved_at = $2 WHERE conversation_id = $1
             RETURNING assigned_at, department",
            &[&conversation.as_str(), &at_us],
        )?
        else {
            return Ok(None);
        };
        let assigned_at: Option<i64> = row.try_get(0)?;
        if let Some(assigned_at) = assigned_at {
            // Routing takes this as a handling time (`record_handle_time`).
            let department: String = row.try_get(1)?;
            self.db.execute(
                "INSERT INTO handle_times (department, seconds, resolved_at) VALUES ($1, $2, $3)",
                &[&department, &((at_us - assigned_at) as f64 / 1e6), &at_us],
            )?;
            self.db.execute(
                "DELETE FROM handle_times WHERE department = $1 AND id <= (
                     SELECT id FROM handle_times WHERE department = $1
                     ORDER BY id DESC OFFSET $2 LIMIT 1)",
                &[&department, &(HANDLE_SAMPLES as i64)],
            )?;
        }
        Ok(assigned_at)
    }

    fn mark_first_response(
        &mut self,
        conversation: &ConversationId,
        at_us: i64,
    ) -> StoreResult<()> {
        self.db.execute(
            "UPDATE conversation_routing SET first_response_at = $2
             WHERE conversation_id = $1 AND first_response_at IS NULL",
            &[&conversation.as_str(), &at_us],
        )?;
        Ok(())
    }

    fn save_presence(&mut self, operator: &OperatorId, slot: &OperatorSlot) -> StoreResult<()> {
        save_slot(self.db, operator, slot)
    }

    fn save_assignment(&mut self, conversation: &Conversation) -> StoreResult<()> {
        update_conversation(self.db, conversation)?;
        append_conversation_updated(self.events, conversation)
    }

    fn announce_place(
        &mut self,
        conversation_id: &ConversationId,
        department: &DepartmentId,
        customer_id: &CustomerId,
        place: QueuePlace,
    ) -> StoreResult<()> {
        append_routed_event(
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

/// An operator's routing slot from the tables, with `load` given.
fn load_slot(
    db: &Db<'_>,
    id: &OperatorId,
    load: u32,
) -> StoreResult<Option<(String, OperatorSlot)>> {
    let Some(operator) = load_operator(db, id)? else {
        return Ok(None);
    };
    let stored = db.query_opt(
        "SELECT presence, capacity, changed_at FROM operator_presence WHERE operator_id = $1",
        &[&id.as_str()],
    )?;
    let (presence, capacity, idle_since) = match stored {
        Some(r) => (
            Presence::parse(&r.try_get::<_, String>(0)?).unwrap_or(Presence::Offline),
            to_u32(r.try_get(1)?),
            r.try_get(2)?,
        ),
        None => (Presence::Offline, DEFAULT_CAPACITY, 0),
    };
    Ok(Some((
        operator.name,
        OperatorSlot {
            departments: operator.departments,
            presence,
            capacity,
            load,
            idle_since,
        },
    )))
}

fn first_text(db: &Db<'_>, id: &ConversationId) -> StoreResult<String> {
    Ok(db
        .query_opt(
            "SELECT text FROM messages WHERE conversation_id = $1 AND seq = 1",
            &[&id.as_str()],
        )?
        .map(|r| r.try_get(0))
        .transpose()?
        .unwrap_or_default())
}

impl QueueRuntime {
    fn config(&self) -> QueueConfig {
        self.config
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn configure(&self, config: QueueConfig) {
        *self.config.write().unwrap_or_else(PoisonError::into_inner) = config;
    }

    /// The conversation with its queue place filled in.
    pub(crate) fn with_place(
        &self,
        db: &Db<'_>,
        conversation: Conversation,
    ) -> StoreResult<Conversation> {
        Ok(self
            .with_places(db, vec![conversation])?
            .into_iter()
            .next()
            .ok_or(StoreError::NotFound)?)
    }

    /// The conversations with their queue places filled in, from one read
    /// of the routing state (when any is queued).
    pub(crate) fn with_places(
        &self,
        db: &Db<'_>,
        mut conversations: Vec<Conversation>,
    ) -> StoreResult<Vec<Conversation>> {
        if !conversations.iter().any(|c| c.status == Status::Queued) {
            for c in &mut conversations {
                c.queue = None;
            }
            return Ok(conversations);
        }
        let (state, _) = load_state(db, None)?;
        for c in &mut conversations {
            c.queue = if c.status == Status::Queued {
                rules::place(&state, &c.id, &c.department)
            } else {
                None
            };
        }
        Ok(conversations)
    }

    /// Brings routing up to date after a write changed `after` (from
    /// `before`, `None` for a new conversation); see [`rules::reconcile`].
    /// The caller holds routing's turn.
    pub(crate) fn reconcile(
        &self,
        db: &Db<'_>,
        events: &mut Vec<Event>,
        before: Option<&Conversation>,
        after: Conversation,
    ) -> StoreResult<Conversation> {
        let config = self.config();
        let (mut state, loaded) = load_state(db, Some((&after.id, before)))?;
        let mut records = PgRecords { db, events };
        let after = rules::reconcile(&mut state, &mut records, &config, before, after)?;
        write_back(db, &loaded, &state)?;
        Ok(after)
    }

    /// Notes an operator's public reply: the first one stops the
    /// first-response clock.
    pub(crate) fn record_reply(
        &self,
        db: &Db<'_>,
        events: &mut Vec<Event>,
        conversation: &Conversation,
        message: &Message,
    ) -> StoreResult<()> {
        rules::on_message(&mut PgRecords { db, events }, conversation, message)
    }

    /// The customer's open conversation this new request duplicates, with
    /// the request's message added to it; `None` to start a new one.
    pub(crate) fn join_open(
        &self,
        db: &Db<'_>,
        events: &mut Vec<Event>,
        command: &StartConversation,
    ) -> StoreResult<Option<Started>> {
        let config = self.config();
        if !config.join_duplicates {
            return Ok(None);
        }
        let open = db
            .query(
                concat!(
                    "SELECT ",
                    conversation_columns!(),
                    " FROM conversations WHERE customer_id = $1 AND department = $2 AND status <> 'resolved'
                      ORDER BY created_at FOR UPDATE"
                ),
                &[&command.customer.id.as_str(), &command.department.as_str()],
            )?
            .iter()
            .map(read_conversation)
            .collect::<StoreResult<Vec<_>>>()?;
        let text = command.first_message.text.as_str();
        let mut found = None;
        for conversation in open {
            let joins = same_request(
                &*config.analyzer,
                (&command.subject, text),
                &conversation.subject,
                || first_text(db, &conversation.id),
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
        let mut records = PgWrite {
            db,
            events,
            queue: self,
        };
        let joined = write::append_message(&mut records, conversation, post, now())?;
        Ok(Some(Started {
            conversation: self.with_place(db, joined.conversation)?,
            message: joined.message,
            created: false,
            joined_existing: true,
        }))
    }

    fn set_presence(
        &self,
        db: &Db<'_>,
        events: &mut Vec<Event>,
        operator: &OperatorId,
        change: &PresenceChange,
    ) -> StoreResult<OperatorStatus> {
        lock_routing(db)?;
        let (mut state, loaded) = load_state(db, None)?;
        let mut records = PgRecords { db, events };
        let status = rules::set_presence(&mut state, &mut records, operator, change)?;
        write_back(db, &loaded, &state)?;
        Ok(status)
    }

    fn operator_status(db: &Db<'_>, operator: &OperatorId) -> StoreResult<OperatorStatus> {
        let load: i64 = db
            .query_one(
                "SELECT COUNT(*) FROM conversations WHERE status = 'assigned' AND assignee_id = $1",
                &[&operator.as_str()],
            )?
            .try_get(0)?;
        let (name, slot) = load_slot(db, operator, to_u32(load))?.ok_or(StoreError::NotFound)?;
        Ok(OperatorStatus {
            operator_id: operator.clone(),
            name,
            presence: slot.presence,
            capacity: slot.capacity,
            load: slot.load,
        })
    }

    fn transfer(
        &self,
        db: &Db<'_>,
        events: &mut Vec<Event>,
        command: &Transfer,
    ) -> StoreResult<Conversation> {
        lock_routing(db)?;
        let before = lock_conversation(db, &command.conversation_id)?
            .filter(|c| command.actor.can_access(c))
            .ok_or(StoreError::NotFound)?;
        let mut after = before.clone();
        if !after.transfer(command.department.clone(), &command.actor)? {
            return self.with_place(db, before);
        }
        after.updated_at = now();
        update_conversation(db, &after)?;
        // The old department's operators learn that it left them.
        append_routed_event(
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
        append_conversation_updated(events, &after)?;
        self.reconcile(db, events, Some(&before), after)
    }

    /// Records the SLA targets missed by now. Clocks another node is
    /// sweeping at the same moment are skipped (`SKIP LOCKED`), so each
    /// breach is recorded once.
    fn sweep_sla(db: &Db<'_>, events: &mut Vec<Event>) -> StoreResult<usize> {
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
                 WHERE {done_column} IS NULL AND {breached_column} IS NULL AND {due_column} <= $1
                 FOR UPDATE SKIP LOCKED"
            );
            let overdue = db.query(&select, &[&now_us])?;
            let mark = format!(
                "UPDATE conversation_routing SET {breached_column} = $2 WHERE conversation_id = $1"
            );
            // A clock that ran out without a breach stops: a reopened
            // conversation starts a new one.
            let stop = format!(
                "UPDATE conversation_routing SET {due_column} = NULL WHERE conversation_id = $1"
            );
            for row in overdue {
                let id = ConversationId::from_raw(row.try_get::<_, String>(0)?);
                let due: i64 = row.try_get(1)?;
                let conversation = load_conversation(db, &id)?;
                // The domain decides what counts as a breach.
                let Some(conversation) = conversation.filter(|c| target.breached_in(c.status))
                else {
                    db.execute(&stop, &[&id.as_str()])?;
                    continue;
                };
                db.execute(&mark, &[&id.as_str(), &now_us])?;
                append_event(
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

    fn live_stats(db: &Db<'_>, departments: &[DepartmentId]) -> StoreResult<Vec<DepartmentLive>> {
        let now_us = now_micros();
        let hour_ago = now_us - HOUR_MICROS;
        let day_start = now_us - now_us.rem_euclid(24 * HOUR_MICROS);
        let names: HashMap<String, String> = db
            .query("SELECT id, name FROM operators", &[])?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<StoreResult<_>>()?;
        let (state, _) = load_state(db, None)?;
        let mut out = Vec::with_capacity(departments.len());
        for department in departments {
            let first_responses: Vec<f64> = db
                .query(
                    "SELECT (first_response_at - waiting_since) / 1e6::float8 FROM conversation_routing
                     WHERE department = $1 AND first_response_at >= $2",
                    &[&department.as_str(), &hour_ago],
                )?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<Result<_, _>>()?;
            let breaches: i64 = db
                .query_one(
                    "SELECT COUNT(*) FROM conversation_routing WHERE department = $1
                     AND (first_response_breached_at >= $2 OR resolution_breached_at >= $2)",
                    &[&department.as_str(), &day_start],
                )?
                .try_get(0)?;
            out.push(state.department_live(
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
impl QueueStore for PostgresStore {
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
        self.write(move |db, events| queue.set_presence(db, events, &operator, &change))
            .await
    }

    async fn operator_status(
        &self,
        operator: &OperatorId,
    ) -> hotline_store::StoreResult<OperatorStatus> {
        let operator = operator.clone();
        self.read(move |db| QueueRuntime::operator_status(db, &operator))
            .await
    }

    async fn transfer(&self, command: Transfer) -> hotline_store::StoreResult<Conversation> {
        let queue = self.queue.clone();
        self.write(move |db, events| queue.transfer(db, events, &command))
            .await
    }

    async fn sweep_sla(&self) -> hotline_store::StoreResult<usize> {
        self.write(QueueRuntime::sweep_sla).await
    }

    async fn live_stats(
        &self,
        departments: &[DepartmentId],
    ) -> hotline_store::StoreResult<Vec<DepartmentLive>> {
        let departments = departments.to_vec();
        self.read(move |db| QueueRuntime::live_stats(db, &departments))
            .await
    }
}
