//! Who gets which conversation: operator presence and capacity, the queue
//! order, and the assignment rule. Pure data structures and decisions; the
//! state they work on sits behind the store's `RoutingState` (on SQLite, one
//! [`Router`] inside its single writer, so decisions are serialised).
//!
//! The rule:
//! - a conversation entering the queue goes to an online operator of its
//!   department with free capacity: the least loaded, ties to the one idle
//!   longest; a returning customer's last operator is preferred when they are
//!   online with free capacity;
//! - an operator who frees capacity or comes online gets the waiting
//!   conversation of the highest priority, the oldest among equals.

use crate::conversation::{Conversation, Status};
use crate::estimate::queued_wait_seconds;
use crate::ids::{ConversationId, OperatorId};
use crate::values::DepartmentId;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};

/// Concurrent conversations an operator takes unless configured otherwise.
pub const DEFAULT_CAPACITY: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// Takes new conversations.
    Online,
    /// Keeps their conversations but takes no new ones.
    Away,
    Offline,
}

impl Presence {
    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Online => "online",
            Presence::Away => "away",
            Presence::Offline => "offline",
        }
    }
    pub fn parse(raw: &str) -> Option<Presence> {
        match raw {
            "online" => Some(Presence::Online),
            "away" => Some(Presence::Away),
            "offline" => Some(Presence::Offline),
            _ => None,
        }
    }
}

/// How soon a conversation must be answered. Ordered: `Urgent` is greatest.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    /// Jumps the queue (an account takeover, for one).
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
    pub fn parse(raw: &str) -> Option<Priority> {
        match raw {
            "low" => Some(Priority::Low),
            "normal" => Some(Priority::Normal),
            "high" => Some(Priority::High),
            "urgent" => Some(Priority::Urgent),
            _ => None,
        }
    }
}

/// A queued conversation's place, as shown to the customer:
/// «Вы N-й в очереди, ответим примерно через S мин».
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueuePlace {
    /// 1 = next to be answered.
    pub position: u32,
    pub estimated_wait_seconds: u64,
}

impl QueuePlace {
    /// The place at `position` of a queue served by `slots` busy slots that
    /// each take `mean_handle_seconds` per conversation.
    pub fn at(position: u32, slots: u32, mean_handle_seconds: f64) -> QueuePlace {
        QueuePlace {
            position,
            estimated_wait_seconds: queued_wait_seconds(position, slots, mean_handle_seconds),
        }
    }

    /// Whether the customer should be told about this place, having last been
    /// told `announced`: the position moved, or the estimate by a minute.
    pub fn differs_from(&self, announced: Option<&QueuePlace>) -> bool {
        !announced.is_some_and(|old| {
            old.position == self.position
                && old.estimated_wait_seconds / 60 == self.estimated_wait_seconds / 60
        })
    }
}

/// What one write's change of a conversation asks of routing, in the order
/// routing acts on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingChange {
    /// It left this department's queue: taken, resolved, given to the bot,
    /// or moved to another department.
    pub leaves_queue: Option<DepartmentId>,
    /// This operator holds it now: their load grows.
    pub taken_by: Option<OperatorId>,
    /// It has just been resolved: its handling time is measured.
    pub resolved: bool,
    /// It waits in its department's queue from now on.
    pub enters_queue: Option<QueueEntry>,
    /// This operator held it and no longer does: their load shrinks and they
    /// may take the next waiting conversation.
    pub released_by: Option<OperatorId>,
}

/// How a conversation enters a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueEntry {
    /// A new request, or a reopened one: a fresh priority and SLA cycle.
    Fresh,
    /// Moved from another department: it keeps its priority, its waiting time
    /// and its SLA clocks.
    Transferred,
}

impl RoutingChange {
    /// The change from `before` (`None` for a new conversation) to `after`.
    pub fn between(before: Option<&Conversation>, after: &Conversation) -> RoutingChange {
        let was_queued = before.is_some_and(|b| b.status == Status::Queued);
        let transferred = before.is_some_and(|b| b.department != after.department);
        let is_queued = after.status == Status::Queued;
        let previous = before.and_then(Conversation::holder);
        let current = after.holder();
        let moved_holder = previous != current;
        RoutingChange {
            leaves_queue: before
                .filter(|_| was_queued && (!is_queued || transferred))
                .map(|b| b.department.clone()),
            taken_by: current.filter(|_| moved_holder).cloned(),
            resolved: after.status == Status::Resolved
                && before.is_some_and(|b| b.status != Status::Resolved),
            enters_queue: (is_queued && (!was_queued || transferred)).then_some(if transferred {
                QueueEntry::Transferred
            } else {
                QueueEntry::Fresh
            }),
            released_by: previous.filter(|_| moved_holder).cloned(),
        }
    }
}

/// Queue order: higher priority first, then longer waiting, then id (so
/// that keys are unique and the order is total).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct QueueKey {
    priority: Reverse<Priority>,
    waiting_since: i64,
    id: ConversationId,
}

#[derive(Debug, Clone)]
pub struct OperatorSlot {
    pub departments: Vec<DepartmentId>,
    pub presence: Presence,
    pub capacity: u32,
    /// Conversations assigned now.
    pub load: u32,
    /// When their load last changed or they came online (any monotonic
    /// clock, e.g. Unix microseconds): ties go to the smallest.
    pub idle_since: i64,
}

impl OperatorSlot {
    pub fn has_room(&self) -> bool {
        self.presence == Presence::Online && self.load < self.capacity
    }
}

/// The live queue and the operators' state.
#[derive(Debug, Default)]
pub struct Router {
    operators: HashMap<OperatorId, OperatorSlot>,
    by_department: HashMap<DepartmentId, Vec<OperatorId>>,
    queues: HashMap<DepartmentId, BTreeSet<QueueKey>>,
    queued: HashMap<ConversationId, (DepartmentId, QueueKey)>,
}

impl Router {
    pub fn operator(&self, id: &OperatorId) -> Option<&OperatorSlot> {
        self.operators.get(id)
    }

    pub fn operators(&self) -> impl Iterator<Item = (&OperatorId, &OperatorSlot)> {
        self.operators.iter()
    }

    /// Adds or replaces an operator (their departments may have changed).
    pub fn put_operator(&mut self, id: OperatorId, slot: OperatorSlot) {
        self.remove_operator(&id);
        for department in &slot.departments {
            self.by_department
                .entry(department.clone())
                .or_default()
                .push(id.clone());
        }
        self.operators.insert(id, slot);
    }

    fn remove_operator(&mut self, id: &OperatorId) {
        if let Some(old) = self.operators.remove(id) {
            for department in &old.departments {
                if let Some(ids) = self.by_department.get_mut(department) {
                    ids.retain(|o| o != id);
                }
            }
        }
    }

    pub fn set_presence(&mut self, id: &OperatorId, presence: Presence, now: i64) {
        if let Some(slot) = self.operators.get_mut(id) {
            if slot.presence != Presence::Online && presence == Presence::Online {
                slot.idle_since = now;
            }
            slot.presence = presence;
        }
    }

    pub fn set_capacity(&mut self, id: &OperatorId, capacity: u32) {
        if let Some(slot) = self.operators.get_mut(id) {
            slot.capacity = capacity;
        }
    }

    /// Changes an operator's load by `delta` (never below zero).
    pub fn add_load(&mut self, id: &OperatorId, delta: i32, now: i64) {
        if let Some(slot) = self.operators.get_mut(id) {
            slot.load = slot.load.saturating_add_signed(delta);
            slot.idle_since = now;
        }
    }

    pub fn enqueue(
        &mut self,
        id: ConversationId,
        department: DepartmentId,
        priority: Priority,
        waiting_since: i64,
    ) {
        self.dequeue(&id);
        let key = QueueKey {
            priority: Reverse(priority),
            waiting_since,
            id: id.clone(),
        };
        self.queues
            .entry(department.clone())
            .or_default()
            .insert(key.clone());
        self.queued.insert(id, (department, key));
    }

    /// Removes a conversation from the queue; whether it was there.
    pub fn dequeue(&mut self, id: &ConversationId) -> bool {
        match self.queued.remove(id) {
            Some((department, key)) => {
                if let Some(queue) = self.queues.get_mut(&department) {
                    queue.remove(&key);
                }
                true
            }
            None => false,
        }
    }

    pub fn is_queued(&self, id: &ConversationId) -> bool {
        self.queued.contains_key(id)
    }

    pub fn queue_len(&self, department: &DepartmentId) -> usize {
        self.queues.get(department).map_or(0, BTreeSet::len)
    }

    /// The department's queue in order: (conversation, waiting since).
    pub fn queue(&self, department: &DepartmentId) -> impl Iterator<Item = (&ConversationId, i64)> {
        self.queues
            .get(department)
            .into_iter()
            .flatten()
            .map(|k| (&k.id, k.waiting_since))
    }

    /// 1-based place in its department's queue.
    pub fn position(&self, id: &ConversationId) -> Option<u32> {
        let (department, key) = self.queued.get(id)?;
        let ahead = self.queues.get(department)?.range(..key).count();
        Some(u32::try_from(ahead).unwrap_or(u32::MAX).saturating_add(1))
    }

    /// The operator a conversation entering `department`'s queue should go
    /// to, if any has room: `preferred` (the customer's last operator) when
    /// they can take it, else the least loaded, ties to the one idle longest.
    pub fn choose_operator(
        &self,
        department: &DepartmentId,
        preferred: Option<&OperatorId>,
    ) -> Option<OperatorId> {
        let preferred = preferred.and_then(|id| Some((id, self.operators.get(id)?)));
        let candidates = self
            .by_department
            .get(department)?
            .iter()
            .filter_map(|id| self.operators.get(id).map(|slot| (id, slot)));
        choose_operator(department, preferred, candidates)
    }

    /// The conversation an operator with room should get next: the highest
    /// priority, then the longest waiting, across their departments.
    pub fn next_for(&self, operator: &OperatorId) -> Option<ConversationId> {
        let slot = self.operators.get(operator).filter(|s| s.has_room())?;
        slot.departments
            .iter()
            .filter_map(|d| self.queues.get(d)?.first())
            .min()
            .map(|key| key.id.clone())
    }

    /// Slots (capacity) of the operators online in `department`, and how
    /// many of them are in use.
    pub fn slots(&self, department: &DepartmentId) -> (u32, u32) {
        self.by_department
            .get(department)
            .into_iter()
            .flatten()
            .filter_map(|id| self.operators.get(id))
            .filter(|slot| slot.presence == Presence::Online)
            .fold((0, 0), |(capacity, load), slot| {
                (
                    capacity + slot.capacity,
                    load + slot.load.min(slot.capacity),
                )
            })
    }
}

/// The assignment rule over the operators serving `department`: the
/// returning customer's `preferred` operator when they serve it and have
/// room, else the least loaded with room, ties to the one idle longest (then
/// the smallest id, so the choice is total).
pub fn choose_operator<'a>(
    department: &DepartmentId,
    preferred: Option<(&'a OperatorId, &'a OperatorSlot)>,
    candidates: impl Iterator<Item = (&'a OperatorId, &'a OperatorSlot)>,
) -> Option<OperatorId> {
    if let Some((id, slot)) = preferred
        && slot.has_room()
        && slot.departments.contains(department)
    {
        return Some(id.clone());
    }
    candidates
        .filter(|(_, slot)| slot.has_room())
        .min_by(|(a_id, a), (b_id, b)| {
            (a.load, a.idle_since, *a_id).cmp(&(b.load, b.idle_since, *b_id))
        })
        .map(|(id, _)| id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dept(id: &'static str) -> DepartmentId {
        DepartmentId::from_static(id)
    }

    fn online(load: u32, idle_since: i64) -> OperatorSlot {
        OperatorSlot {
            departments: vec![dept("bank")],
            presence: Presence::Online,
            capacity: 3,
            load,
            idle_since,
        }
    }

    #[test]
    fn least_loaded_then_idle_longest_then_preferred() {
        let mut router = Router::default();
        router.put_operator(OperatorId::from_raw("busy"), online(2, 0));
        router.put_operator(OperatorId::from_raw("recent"), online(1, 50));
        router.put_operator(OperatorId::from_raw("idle"), online(1, 10));
        router.put_operator(
            OperatorId::from_raw("away"),
            OperatorSlot {
                presence: Presence::Away,
                ..online(0, 0)
            },
        );
        let bank = dept("bank");
        assert_eq!(
            router.choose_operator(&bank, None).unwrap().as_str(),
            "idle"
        );
        let busy = OperatorId::from_raw("busy");
        assert_eq!(
            router.choose_operator(&bank, Some(&busy)).unwrap().as_str(),
            "busy",
            "a returning customer's operator with room wins"
        );
        router.add_load(&busy, 1, 60);
        assert_eq!(
            router.choose_operator(&bank, Some(&busy)).unwrap().as_str(),
            "idle",
            "a full operator is skipped even when preferred"
        );
        assert_eq!(router.choose_operator(&dept("travel"), None), None);
    }

    #[test]
    fn queue_orders_by_priority_then_waiting_time() {
        let mut router = Router::default();
        let bank = dept("bank");
        for (id, priority, since) in [
            ("old", Priority::Normal, 1),
            ("new", Priority::Normal, 5),
            ("urgent", Priority::Urgent, 9),
        ] {
            router.enqueue(ConversationId::from_raw(id), bank.clone(), priority, since);
        }
        let order: Vec<_> = router
            .queue(&bank)
            .map(|(id, _)| id.as_str().to_owned())
            .collect();
        assert_eq!(order, ["urgent", "old", "new"]);
        assert_eq!(router.position(&ConversationId::from_raw("new")), Some(3));
        router.put_operator(OperatorId::from_raw("o"), online(0, 0));
        assert_eq!(
            router
                .next_for(&OperatorId::from_raw("o"))
                .unwrap()
                .as_str(),
            "urgent"
        );
        assert!(router.dequeue(&ConversationId::from_raw("urgent")));
        assert_eq!(router.position(&ConversationId::from_raw("new")), Some(2));
        assert_eq!(router.slots(&bank), (3, 0));
    }

    fn assigned_to(id: &str, mut conversation: Conversation) -> Conversation {
        conversation.status = Status::Assigned;
        conversation.assignee = Some(crate::Assignee {
            id: OperatorId::from_raw(id),
            name: id.to_uppercase(),
        });
        conversation
    }

    #[test]
    fn routing_follows_what_a_write_changed() {
        use crate::fixtures::conversation;
        let queued = conversation(Status::Queued);
        assert_eq!(
            RoutingChange::between(None, &queued),
            RoutingChange {
                leaves_queue: None,
                taken_by: None,
                resolved: false,
                enters_queue: Some(QueueEntry::Fresh),
                released_by: None,
            }
        );
        let taken = assigned_to("o1", queued.clone());
        assert_eq!(
            RoutingChange::between(Some(&queued), &taken),
            RoutingChange {
                leaves_queue: Some(dept("travel")),
                taken_by: Some(OperatorId::from_raw("o1")),
                resolved: false,
                enters_queue: None,
                released_by: None,
            }
        );
        let mut resolved = taken.clone();
        resolved.status = Status::Resolved;
        assert_eq!(
            RoutingChange::between(Some(&taken), &resolved),
            RoutingChange {
                leaves_queue: None,
                taken_by: None,
                resolved: true,
                enters_queue: None,
                released_by: Some(OperatorId::from_raw("o1")),
            },
            "a resolved conversation keeps its assignee but no longer counts against them"
        );
        let mut moved = queued.clone();
        moved.department = dept("bank");
        assert_eq!(
            RoutingChange::between(Some(&queued), &moved),
            RoutingChange {
                leaves_queue: Some(dept("travel")),
                taken_by: None,
                resolved: false,
                enters_queue: Some(QueueEntry::Transferred),
                released_by: None,
            }
        );
        assert_eq!(
            RoutingChange::between(Some(&taken), &assigned_to("o2", queued.clone())).released_by,
            Some(OperatorId::from_raw("o1"))
        );
    }

    #[test]
    fn places_are_announced_when_the_position_or_the_minute_moves() {
        let place = QueuePlace::at(2, 3, 90.0);
        assert_eq!(place.estimated_wait_seconds, 60);
        assert!(place.differs_from(None));
        assert!(!place.differs_from(Some(&QueuePlace::at(2, 3, 110.0))));
        assert!(place.differs_from(Some(&QueuePlace::at(2, 3, 30.0))));
        assert!(place.differs_from(Some(&QueuePlace::at(3, 3, 60.0))));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Draining the queue by the rule never exceeds a capacity, and
        /// hands conversations out in queue order.
        #[test]
        fn draining_respects_capacity_and_order(
            capacities in proptest::collection::vec(0u32..4, 1..6),
            conversations in proptest::collection::vec((0u8..4, 0i64..100), 0..40),
        ) {
            let bank = DepartmentId::from_static("bank");
            let mut router = Router::default();
            for (i, capacity) in capacities.iter().enumerate() {
                router.put_operator(OperatorId::from_raw(format!("o{i}")), OperatorSlot {
                    departments: vec![bank.clone()], presence: Presence::Online,
                    capacity: *capacity, load: 0, idle_since: 0,
                });
            }
            for (i, (priority, since)) in conversations.iter().enumerate() {
                let priority = [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent][*priority as usize];
                router.enqueue(ConversationId::from_raw(format!("c{i}")), bank.clone(), priority, *since);
            }
            let expected: Vec<ConversationId> = router.queue(&bank).map(|(id, _)| id.clone()).collect();
            let mut handed = Vec::new();
            let mut now = 1000;
            while let Some(operator) = router.choose_operator(&bank, None) {
                let Some(next) = router.next_for(&operator) else { break };
                router.dequeue(&next);
                router.add_load(&operator, 1, now);
                now += 1;
                handed.push(next);
            }
            let total: u32 = capacities.iter().sum();
            prop_assert_eq!(handed.len(), expected.len().min(total as usize));
            prop_assert_eq!(&handed[..], &expected[..handed.len()]);
            for (_, slot) in router.operators() {
                prop_assert!(slot.load <= slot.capacity);
            }
        }
    }
}
