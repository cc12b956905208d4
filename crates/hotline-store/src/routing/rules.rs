//! The routing rules, once for every backend: what a write's change of a
//! conversation does to the queues and the operators' loads, automatic
//! assignment, handling-time samples and the places announced to customers.
//! The decisions themselves are the domain's ([`RoutingChange`],
//! [`hotline_domain::routing::choose_operator`], [`QueuePlace`]).

use super::{RoutingRecords, RoutingState, Waiting};
use crate::{OperatorStatus, PresenceChange, QueueConfig, StoreError};
use hotline_domain::routing::{QueueEntry, RoutingChange};
use hotline_domain::{
    Assignee, AuthorKind, Conversation, ConversationId, CustomerId, DepartmentId, Message,
    OperatorId, Presence, QueuePlace, Status, Timestamp,
};

/// Queue places are announced as events for this many conversations at the
/// head of each department's queue; further back, places still show on the
/// resource but shifts are not pushed (they would cost an event per queued
/// conversation on every assignment).
pub const ANNOUNCED_PLACES: usize = 100;

fn micros(t: Timestamp) -> i64 {
    (t.unix_timestamp_nanos() / 1000) as i64
}

/// Brings routing up to date after a write changed `after` (from `before`,
/// `None` for a new conversation). Returns the conversation as it ends up
/// (perhaps assigned), with its queue place.
pub fn reconcile<S: RoutingState, R: RoutingRecords>(
    state: &mut S,
    records: &mut R,
    config: &QueueConfig,
    before: Option<&Conversation>,
    mut after: Conversation,
) -> Result<Conversation, R::Error> {
    let now = records.now();
    let now_us = micros(now);
    let change = RoutingChange::between(before, &after);
    let mut touched: Vec<DepartmentId> = Vec::new();
    if let Some(department) = change.leaves_queue {
        state.dequeue(&after.id);
        touched.push(department);
    }
    if let Some(operator) = &change.taken_by {
        take_load(state, records, operator, &after.id, now_us)?;
    }
    if change.resolved
        && let Some(assigned_at) = records.mark_resolved(&after.id, now_us)?
    {
        let seconds = (now_us - assigned_at) as f64 / 1e6;
        state.record_handle_time(&after.department, seconds);
    }
    if let Some(entry) = change.enters_queue {
        enter_queue(state, records, config, &after, entry, now)?;
        let preferred = records.last_operator(&after.customer.id)?;
        match state.choose_operator(&after.department, preferred.as_ref()) {
            Some(operator) => after = assign(state, records, after, &operator)?,
            None => touched.push(after.department.clone()),
        }
    }
    if let Some(operator) = &change.released_by {
        state.add_load(operator, -1, now_us);
        fill(state, records, operator, &mut touched)?;
    }
    touched.sort();
    touched.dedup();
    for department in &touched {
        announce(state, records, department)?;
    }
    after.queue = place(state, &after.id, &after.department);
    Ok(after)
}

/// A queued conversation's place and expected wait.
pub fn place<S: RoutingState>(
    state: &S,
    conversation: &ConversationId,
    department: &DepartmentId,
) -> Option<QueuePlace> {
    let position = state.position(conversation)?;
    Some(QueuePlace::at(
        position,
        state.online_slots(department),
        state.mean_handle_seconds(department),
    ))
}

/// Notes a new message: an operator's first public reply stops the
/// first-response clock (customers' messages never restart it).
pub fn on_message<R: RoutingRecords>(
    records: &mut R,
    conversation: &Conversation,
    message: &Message,
) -> Result<(), R::Error> {
    if message.internal || message.author.kind != AuthorKind::Operator {
        return Ok(());
    }
    records.mark_first_response(&conversation.id, micros(message.created_at))
}

/// Changes an operator's presence or capacity; one who comes online (or
/// gains capacity) is given waiting conversations at once.
pub fn set_presence<S: RoutingState, R: RoutingRecords>(
    state: &mut S,
    records: &mut R,
    operator: &OperatorId,
    change: &PresenceChange,
) -> Result<OperatorStatus, R::Error> {
    let load = state.slot(operator).map_or(0, |s| s.load);
    let (name, mut slot) = records
        .operator_slot(operator, load)?
        .ok_or(StoreError::NotFound)?;
    if let Some(presence) = change.presence {
        if presence == Presence::Online && slot.presence != Presence::Online {
            slot.idle_since = micros(records.now());
        }
        slot.presence = presence;
    }
    if let Some(capacity) = change.capacity {
        slot.capacity = capacity;
    }
    records.save_presence(operator, &slot)?;
    // Their departments' estimates change with their slots.
    let mut touched = slot.departments.clone();
    state.put_slot(operator.clone(), slot);
    fill(state, records, operator, &mut touched)?;
    for department in &touched {
        announce(state, records, department)?;
    }
    Ok(operator_status(state, operator, name).ok_or(StoreError::NotFound)?)
}

/// An operator's status as routing knows it.
pub fn operator_status<S: RoutingState>(
    state: &S,
    operator: &OperatorId,
    name: String,
) -> Option<OperatorStatus> {
    let slot = state.slot(operator)?;
    Some(OperatorStatus {
        operator_id: operator.clone(),
        name,
        presence: slot.presence,
        capacity: slot.capacity,
        load: slot.load,
    })
}

fn take_load<S: RoutingState, R: RoutingRecords>(
    state: &mut S,
    records: &mut R,
    operator: &OperatorId,
    conversation: &ConversationId,
    now_us: i64,
) -> Result<(), R::Error> {
    if state.slot(operator).is_none()
        && let Some((_, slot)) = records.operator_slot(operator, 1)?
    {
        // Created since the state was built: this is their first conversation.
        state.put_slot(operator.clone(), slot);
    } else {
        state.add_load(operator, 1, now_us);
    }
    records.mark_assigned(conversation, now_us)
}

fn enter_queue<S: RoutingState, R: RoutingRecords>(
    state: &mut S,
    records: &mut R,
    config: &QueueConfig,
    conversation: &Conversation,
    entry: QueueEntry,
    now: Timestamp,
) -> Result<(), R::Error> {
    let now_us = micros(now);
    let kept = match entry {
        QueueEntry::Transferred => records.keep_waiting(conversation)?,
        QueueEntry::Fresh => None,
    };
    let (priority, since) = match kept {
        Some(kept) => kept,
        None => {
            // A new request (or a reopened one): a fresh SLA cycle.
            let (text, tier) = records.priority_inputs(conversation)?;
            let priority = config.priorities.priority_of(
                &conversation.department,
                &conversation.subject,
                tier.as_deref(),
                &text,
            );
            let due = config
                .sla
                .due(conversation.department.as_str(), priority, now);
            records.open_cycle(conversation, priority, now_us, &due)?;
            state.record_arrival(&conversation.department, now_us);
            (priority, now_us)
        }
    };
    state.enqueue(Waiting {
        conversation: conversation.id.clone(),
        department: conversation.department.clone(),
        customer: conversation.customer.id.clone(),
        priority,
        since,
    });
    Ok(())
}

/// Gives a queued conversation to `operator` (who is known to have room).
fn assign<S: RoutingState, R: RoutingRecords>(
    state: &mut S,
    records: &mut R,
    mut conversation: Conversation,
    operator: &OperatorId,
) -> Result<Conversation, R::Error> {
    let name = records
        .operator_name(operator)?
        .ok_or(StoreError::NotFound)?;
    let now = records.now();
    conversation.status = Status::Assigned;
    conversation.assignee = Some(Assignee {
        id: operator.clone(),
        name,
    });
    conversation.updated_at = now;
    conversation.queue = None;
    records.save_assignment(&conversation)?;
    state.dequeue(&conversation.id);
    state.add_load(operator, 1, micros(now));
    records.mark_assigned(&conversation.id, micros(now))?;
    metrics::counter!("hotline_auto_assignments_total").increment(1);
    Ok(conversation)
}

/// Gives `operator` waiting conversations while they have room.
fn fill<S: RoutingState, R: RoutingRecords>(
    state: &mut S,
    records: &mut R,
    operator: &OperatorId,
    touched: &mut Vec<DepartmentId>,
) -> Result<(), R::Error> {
    while let Some(next) = state.next_for(operator) {
        match records.conversation(&next)? {
            Some(conversation) if conversation.status == Status::Queued => {
                touched.push(conversation.department.clone());
                assign(state, records, conversation, operator)?;
            }
            // Not queued any more: the state's queue was stale.
            _ => state.dequeue(&next),
        }
    }
    touched.sort();
    touched.dedup();
    Ok(())
}

/// Pushes `queue.updated` for the head of a department's queue where a place
/// or the estimate (to the minute) changed.
fn announce<S: RoutingState, R: RoutingRecords>(
    state: &mut S,
    records: &mut R,
    department: &DepartmentId,
) -> Result<(), R::Error> {
    let slots = state.online_slots(department);
    let handle = state.mean_handle_seconds(department);
    let changed: Vec<(ConversationId, CustomerId, QueuePlace)> = state
        .queue(department)
        .take(ANNOUNCED_PLACES)
        .enumerate()
        .filter_map(|(index, (id, customer))| {
            let position = u32::try_from(index + 1).unwrap_or(u32::MAX);
            let place = QueuePlace::at(position, slots, handle);
            place
                .differs_from(state.announced(id))
                .then(|| (id.clone(), customer.clone(), place))
        })
        .collect();
    for (id, customer, place) in changed {
        records.announce_place(&id, department, &customer, place)?;
        state.set_announced(id, place);
    }
    Ok(())
}
