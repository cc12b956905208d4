//! Queues: operator presence and capacity, routing, transfers, SLA breaches
//! and the supervisors' live numbers. Assignment itself happens inside the
//! writes that move conversations (start, message, lifecycle, transfer,
//! presence), in the same transaction, so it is decided one write at a time.

use crate::StoreResult;
use async_trait::async_trait;
use hotline_domain::similarity::{SimpleAnalyzer, TermAnalyzer};
use hotline_domain::{
    Conversation, ConversationId, DepartmentId, OperatorId, Presence, Principal, PriorityRules,
    SlaPolicy,
};
use std::fmt;
use std::sync::Arc;

/// The rules routing follows; set at start-up, and again when the
/// console's SLA policy changes.
#[derive(Clone)]
pub struct QueueConfig {
    pub priorities: PriorityRules,
    pub sla: SlaPolicy,
    /// Join a customer's new request to their open conversation about the
    /// same order, topic or question instead of opening another.
    pub join_duplicates: bool,
    /// Turns questions into terms for the duplicate check.
    pub analyzer: Arc<dyn TermAnalyzer>,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            priorities: PriorityRules::default(),
            sla: SlaPolicy::default(),
            join_duplicates: true,
            analyzer: Arc::new(SimpleAnalyzer),
        }
    }
}

impl fmt::Debug for QueueConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueConfig")
            .field("priorities", &self.priorities)
            .field("sla", &self.sla)
            .field("join_duplicates", &self.join_duplicates)
            .finish_non_exhaustive()
    }
}

/// What an operator changes about themselves; `None` keeps the value.
#[derive(Debug, Clone, Default)]
pub struct PresenceChange {
    pub presence: Option<Presence>,
    /// Concurrent conversations (1–50).
    pub capacity: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorStatus {
    pub operator_id: OperatorId,
    pub name: String,
    pub presence: Presence,
    pub capacity: u32,
    /// Conversations assigned to them now.
    pub load: u32,
}

#[derive(Debug, Clone)]
pub struct Transfer {
    pub conversation_id: ConversationId,
    pub actor: Principal,
    pub department: DepartmentId,
}

/// One department's numbers for the supervisors' live view.
#[derive(Debug, Clone)]
pub struct DepartmentLive {
    pub department: DepartmentId,
    pub queue_length: u32,
    pub longest_wait_seconds: u64,
    pub operators_online: u32,
    /// Operators serving the department who are not offline.
    pub operators: Vec<OperatorStatus>,
    /// From queueing to the first operator reply, over the last hour.
    pub first_response_p50_seconds: Option<f64>,
    pub first_response_p90_seconds: Option<f64>,
    /// Breaches recorded since 00:00 UTC.
    pub sla_breaches_today: u64,
    /// The mean handling time used for estimates (measured, or the fallback).
    pub mean_handle_seconds: f64,
    /// Conversations that entered the queue in the last hour.
    pub arrivals_last_hour: u32,
    /// Erlang C wait of a newcomer; `None` when demand exceeds capacity or
    /// nobody is online.
    pub expected_wait_seconds: Option<f64>,
}

#[async_trait]
pub trait QueueStore: Send + Sync {
    /// Sets the routing rules (priorities, SLA, duplicate joining).
    async fn configure_queues(&self, config: QueueConfig) -> StoreResult<()>;
    /// Changes an operator's presence or capacity; an operator who comes
    /// online (or gains capacity) is given waiting conversations at once.
    async fn set_presence(
        &self,
        operator: &OperatorId,
        change: PresenceChange,
    ) -> StoreResult<OperatorStatus>;
    async fn operator_status(&self, operator: &OperatorId) -> StoreResult<OperatorStatus>;
    /// Moves a conversation to another department with its whole history; it
    /// waits there by its original waiting time.
    async fn transfer(&self, command: Transfer) -> StoreResult<Conversation>;
    /// Records SLA targets missed by now as `sla.breached` events; returns
    /// how many.
    async fn sweep_sla(&self) -> StoreResult<usize>;
    async fn live_stats(&self, departments: &[DepartmentId]) -> StoreResult<Vec<DepartmentLive>>;
}
