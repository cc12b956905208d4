//! Routing, written once for every backend: the rules in [`rules`], the
//! state they read and change behind [`RoutingState`], and what they store
//! with the conversation behind [`RoutingRecords`].
//!
//! The rules run inside the write that changed a conversation, in its
//! transaction, and assume that they see every earlier write's decisions: a
//! conversation is never assigned twice and no operator's capacity is
//! exceeded. How a backend keeps that promise is its own:
//!
//! - SQLite keeps the state in memory ([`memory::InMemoryRouting`]) and
//!   changes it only on its single writer thread, one write at a time;
//! - PostgreSQL keeps it in tables: a write that may route locks one row
//!   (`routing_turn`) first, so that decisions on every node take turns,
//!   builds an [`memory::InMemoryRouting`] from the tables, lets the rules
//!   decide and writes back what changed.
//!
//! The traits are synchronous because the rules run inside a write: the
//! SQLite writer thread calls them directly, and the PostgreSQL backend runs
//! each transaction on a blocking thread.

pub mod memory;
pub mod rules;

use crate::StoreError;
use hotline_domain::routing::OperatorSlot;
use hotline_domain::sla::DueTimes;
use hotline_domain::{
    Conversation, ConversationId, CustomerId, DepartmentId, OperatorId, Priority, QueuePlace,
    Timestamp,
};

/// A conversation waiting in its department's queue.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub conversation: ConversationId,
    pub department: DepartmentId,
    /// Whose place announcements (`queue.updated`) it gets.
    pub customer: CustomerId,
    pub priority: Priority,
    /// Unix microseconds; the queue's order among equal priorities.
    pub since: i64,
}

/// The live routing state: operators' slots (presence, capacity, load), the
/// departments' queues, the places last announced, and the measurements the
/// estimates use. Called only from [`rules`], inside one write's transaction
/// (see the module's documentation for what that must guarantee).
pub trait RoutingState {
    /// An operator's slot, if routing knows them (they were created or came
    /// online since the state was built).
    fn slot(&self, operator: &OperatorId) -> Option<&OperatorSlot>;
    /// Adds or replaces an operator's slot.
    fn put_slot(&mut self, operator: OperatorId, slot: OperatorSlot);
    /// Changes an operator's load by `delta` (never below zero) at `now_us`.
    fn add_load(&mut self, operator: &OperatorId, delta: i32, now_us: i64);

    /// Puts a conversation in its department's queue (or moves it there).
    fn enqueue(&mut self, waiting: Waiting);
    /// Takes a conversation out of the queue and forgets its announced place.
    fn dequeue(&mut self, conversation: &ConversationId);
    /// 1-based place in its department's queue.
    fn position(&self, conversation: &ConversationId) -> Option<u32>;
    /// The department's queue in order, with each conversation's customer.
    fn queue(
        &self,
        department: &DepartmentId,
    ) -> impl Iterator<Item = (&ConversationId, &CustomerId)>;

    /// Who a conversation entering `department`'s queue goes to: the
    /// domain's rule ([`hotline_domain::routing::choose_operator`]) over the
    /// department's operators.
    fn choose_operator(
        &self,
        department: &DepartmentId,
        preferred: Option<&OperatorId>,
    ) -> Option<OperatorId>;
    /// The waiting conversation an operator with room gets next: the highest
    /// priority, then the longest waiting, across their departments.
    fn next_for(&self, operator: &OperatorId) -> Option<ConversationId>;
    /// Slots (capacity) of the operators online in `department`.
    fn online_slots(&self, department: &DepartmentId) -> u32;

    /// The place last announced to a queued conversation's customer.
    fn announced(&self, conversation: &ConversationId) -> Option<&QueuePlace>;
    fn set_announced(&mut self, conversation: ConversationId, place: QueuePlace);

    /// A conversation entered `department`'s queue afresh at `at_us`.
    fn record_arrival(&mut self, department: &DepartmentId, at_us: i64);
    /// A conversation of `department` took `seconds` from assignment to
    /// resolution.
    fn record_handle_time(&mut self, department: &DepartmentId, seconds: f64);
    /// The mean handling time the estimates use (measured, or the fallback).
    fn mean_handle_seconds(&self, department: &DepartmentId) -> f64;
}

/// What routing reads and writes besides its state, in the same
/// transaction: operators, conversations, their routing rows (priority,
/// waiting time, SLA clocks) and events.
pub trait RoutingRecords {
    type Error: From<StoreError>;

    /// Now, at the precision the backend keeps, so that what a write returns
    /// equals what a later read returns.
    fn now(&self) -> Timestamp;

    /// An operator's name and stored slot (presence, capacity), with `load`.
    fn operator_slot(
        &mut self,
        operator: &OperatorId,
        load: u32,
    ) -> Result<Option<(String, OperatorSlot)>, Self::Error>;
    fn operator_name(&mut self, operator: &OperatorId) -> Result<Option<String>, Self::Error>;
    fn conversation(&mut self, id: &ConversationId) -> Result<Option<Conversation>, Self::Error>;
    /// The operator who last had one of this customer's conversations.
    fn last_operator(&mut self, customer: &CustomerId) -> Result<Option<OperatorId>, Self::Error>;
    /// What a fresh request's priority is decided from: the customer's
    /// latest message and their tier.
    fn priority_inputs(
        &mut self,
        conversation: &Conversation,
    ) -> Result<(String, Option<String>), Self::Error>;

    /// For a transferred conversation: its priority and waiting time, its
    /// routing row moved to the new department and its assignment cleared;
    /// `None` when it never waited.
    fn keep_waiting(
        &mut self,
        conversation: &Conversation,
    ) -> Result<Option<(Priority, i64)>, Self::Error>;
    /// Starts a fresh SLA cycle: the routing row reset to these values.
    fn open_cycle(
        &mut self,
        conversation: &Conversation,
        priority: Priority,
        since_us: i64,
        due: &DueTimes,
    ) -> Result<(), Self::Error>;
    fn mark_assigned(
        &mut self,
        conversation: &ConversationId,
        at_us: i64,
    ) -> Result<(), Self::Error>;
    /// Stops the resolution clock; when the conversation was assigned.
    fn mark_resolved(
        &mut self,
        conversation: &ConversationId,
        at_us: i64,
    ) -> Result<Option<i64>, Self::Error>;

    /// Stops the first-response clock, if it still runs.
    fn mark_first_response(
        &mut self,
        conversation: &ConversationId,
        at_us: i64,
    ) -> Result<(), Self::Error>;
    /// Stores an operator's presence and capacity (their `idle_since` as
    /// when it changed).
    fn save_presence(
        &mut self,
        operator: &OperatorId,
        slot: &OperatorSlot,
    ) -> Result<(), Self::Error>;

    /// Saves a conversation routing assigned, with its `conversation.updated`.
    fn save_assignment(&mut self, conversation: &Conversation) -> Result<(), Self::Error>;
    /// Appends `queue.updated` for a queued conversation's customer.
    fn announce_place(
        &mut self,
        conversation: &ConversationId,
        department: &DepartmentId,
        customer: &CustomerId,
        place: QueuePlace,
    ) -> Result<(), Self::Error>;
}
