//! Routing state held in memory: a [`Router`] and the estimates'
//! measurements. SQLite keeps one for the life of the store (changed only on
//! its writer thread); PostgreSQL builds one per routing decision from its
//! tables, under the routing lock, and writes back what changed.

use super::{RoutingState, Waiting, rules};
use crate::{DepartmentLive, StoreError};
use hotline_domain::estimate::{mean_handle_seconds, newcomer_wait_seconds};
use hotline_domain::routing::OperatorSlot;
use hotline_domain::{
    ConversationId, CustomerId, DepartmentId, OperatorId, Presence, QueuePlace, Router,
};
use std::collections::{HashMap, VecDeque};

/// Handling times remembered per department for the estimate.
pub const HANDLE_SAMPLES: usize = 200;
pub const HOUR_MICROS: i64 = 3_600_000_000;

#[derive(Default)]
pub struct InMemoryRouting {
    pub router: Router,
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
    /// Conversations that entered `department`'s queue since `since_us`.
    pub fn arrivals_since(&self, department: &DepartmentId, since_us: i64) -> usize {
        self.arrivals
            .get(department)
            .map_or(0, |a| a.iter().filter(|t| **t >= since_us).count())
    }

    /// A department's numbers for the supervisors' live view, from this
    /// state and what the backend measured: operators' names by id, the
    /// first-response times of the last hour (seconds, any order) and the
    /// SLA breaches since 00:00 UTC.
    pub fn department_live(
        &self,
        department: &DepartmentId,
        names: &HashMap<String, String>,
        mut first_responses: Vec<f64>,
        breaches_today: u64,
        now_us: i64,
    ) -> Result<DepartmentLive, StoreError> {
        first_responses.sort_by(f64::total_cmp);
        let mut operators = Vec::new();
        for (id, slot) in self.router.operators() {
            if slot.departments.contains(department) && slot.presence != Presence::Offline {
                let name = names.get(id.as_str()).cloned().unwrap_or_default();
                operators.push(rules::operator_status(self, id, name).ok_or(StoreError::NotFound)?);
            }
        }
        operators.sort_by(|a, b| a.name.cmp(&b.name));
        let slots = self.online_slots(department);
        let handle = self.mean_handle_seconds(department);
        let arrivals = self.arrivals_since(department, now_us - HOUR_MICROS);
        let longest = self
            .router
            .queue(department)
            .map(|(_, since)| since)
            .min()
            .map_or(0, |since| {
                u64::try_from((now_us - since) / 1_000_000).unwrap_or(0)
            });
        Ok(DepartmentLive {
            department: department.clone(),
            queue_length: u32::try_from(self.router.queue_len(department)).unwrap_or(u32::MAX),
            longest_wait_seconds: longest,
            operators_online: operators
                .iter()
                .filter(|o| o.presence == Presence::Online)
                .count() as u32,
            operators,
            first_response_p50_seconds: percentile(&first_responses, 0.5),
            first_response_p90_seconds: percentile(&first_responses, 0.9),
            sla_breaches_today: breaches_today,
            mean_handle_seconds: handle,
            arrivals_last_hour: arrivals as u32,
            expected_wait_seconds: newcomer_wait_seconds(slots, arrivals as f64 / 3600.0, handle),
        })
    }

    /// The places last announced, by conversation.
    pub fn announced_places(&self) -> &HashMap<ConversationId, QueuePlace> {
        &self.announced
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

fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted.get(index).copied()
}
