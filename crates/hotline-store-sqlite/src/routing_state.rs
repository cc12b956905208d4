//! Routing state on SQLite: a [`Router`] and the estimates' measurements,
//! kept in memory and rebuilt from the tables at start-up. Only writer jobs
//! change it, and they run one at a time on the writer thread, so each
//! assignment decision sees every earlier one (the promise
//! [`RoutingState`] asks for). Readers only look.

use crate::error::StoreResult;
use crate::rows::*;
use hotline_domain::estimate::mean_handle_seconds;
use hotline_domain::routing::{DEFAULT_CAPACITY, OperatorSlot};
use hotline_domain::{
    ConversationId, CustomerId, DepartmentId, OperatorId, Presence, Priority, QueuePlace, Router,
};
use hotline_store::{RoutingState, Waiting};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{HashMap, VecDeque};

/// Handling times remembered per department for the estimate.
const HANDLE_SAMPLES: usize = 200;
pub(crate) const HOUR_MICROS: i64 = 3_600_000_000;

#[derive(Default)]
pub(crate) struct InMemoryRouting {
    pub(crate) router: Router,
    /// Queued conversations' customers, to route their `queue.updated` events.
    customers: HashMap<ConversationId, CustomerId>,
    /// The place last announced for each queued conversation.
    announced: HashMap<ConversationId, QueuePlace>,
    /// Recent handling times (assigned → resolved), seconds.
    handle_samples: HashMap<DepartmentId, VecDeque<f64>>,
    /// When conversations entered the queue in the last hour (micros).
    arrivals: HashMap<DepartmentId, VecDeque<i64>>,
}

impl InMemoryRouting {
    /// Rebuilds the state from the tables.
    pub(crate) fn load(conn: &Connection) -> StoreResult<InMemoryRouting> {
        let mut state = InMemoryRouting::default();
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
            state.enqueue(Waiting {
                conversation: ConversationId::from_raw(id),
                department: parse_department(department)?,
                customer: CustomerId::from_raw(customer),
                priority: priority
                    .as_deref()
                    .and_then(Priority::parse)
                    .unwrap_or_default(),
                since,
            });
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
        Ok(state)
    }

    /// Conversations that entered `department`'s queue since `since_us`.
    pub(crate) fn arrivals_since(&self, department: &DepartmentId, since_us: i64) -> usize {
        self.arrivals
            .get(department)
            .map_or(0, |a| a.iter().filter(|t| **t >= since_us).count())
    }
}

impl RoutingState for InMemoryRouting {
    fn slot(&self, operator: &OperatorId) -> Option<&OperatorSlot> {
        self.router.operator(operator)
    }

    fn put_slot(&mut self, operator: OperatorId, slot: OperatorSlot) {
        self.router.put_operator(operator, slot);
    }

    fn add_load(&mut self, operator: &OperatorId, delta: i32, now_us: i64) {
        self.router.add_load(operator, delta, now_us);
    }

    fn enqueue(&mut self, waiting: Waiting) {
        self.router.enqueue(
            waiting.conversation.clone(),
            waiting.department,
            waiting.priority,
            waiting.since,
        );
        self.customers
            .insert(waiting.conversation, waiting.customer);
    }

    fn dequeue(&mut self, conversation: &ConversationId) {
        self.router.dequeue(conversation);
        self.customers.remove(conversation);
        self.announced.remove(conversation);
    }

    fn position(&self, conversation: &ConversationId) -> Option<u32> {
        self.router.position(conversation)
    }

    fn queue(
        &self,
        department: &DepartmentId,
    ) -> impl Iterator<Item = (&ConversationId, &CustomerId)> {
        self.router
            .queue(department)
            .filter_map(|(id, _)| Some((id, self.customers.get(id)?)))
    }

    fn choose_operator(
        &self,
        department: &DepartmentId,
        preferred: Option<&OperatorId>,
    ) -> Option<OperatorId> {
        self.router.choose_operator(department, preferred)
    }

    fn next_for(&self, operator: &OperatorId) -> Option<ConversationId> {
        self.router.next_for(operator)
    }

    fn online_slots(&self, department: &DepartmentId) -> u32 {
        self.router.slots(department).0
    }

    fn announced(&self, conversation: &ConversationId) -> Option<&QueuePlace> {
        self.announced.get(conversation)
    }

    fn set_announced(&mut self, conversation: ConversationId, place: QueuePlace) {
        self.announced.insert(conversation, place);
    }

    fn record_arrival(&mut self, department: &DepartmentId, at_us: i64) {
        let arrivals = self.arrivals.entry(department.clone()).or_default();
        arrivals.push_back(at_us);
        while arrivals.front().is_some_and(|t| *t < at_us - HOUR_MICROS) {
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

    fn mean_handle_seconds(&self, department: &DepartmentId) -> f64 {
        match self.handle_samples.get(department) {
            Some(samples) => mean_handle_seconds(samples.iter().copied()),
            None => mean_handle_seconds(std::iter::empty()),
        }
    }
}

/// An operator's routing slot from the tables, with `load` given: loads are
/// counted once at start-up and kept in the state after that.
pub(crate) fn load_slot(
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
