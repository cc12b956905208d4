//! The event bus: committed events pushed to live readers as they happen.
//!
//! The store hands each commit's events to the bus (as its
//! [`EventSink`]) after the commit, in position order; readers subscribe
//! here. The bus is only the hint and the live path: a reader that lags,
//! sees a gap or reconnects reads the store's log from its cursor.
//!
//! [`LocalBus`] carries events within one process. A bus between nodes
//! (NATS) publishes each commit to the others and fans what arrives out
//! through the same [`LiveEvents`], so readers do not change.

use hotline_domain::{DepartmentId, Event, EventPosition};
use hotline_store::{EventScope, EventSink, Store};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast::{
    self,
    error::{RecvError, TryRecvError},
};
use tokio::sync::{Notify, watch};

/// How many events a live reader may fall behind before it lags.
const LIVE_CAPACITY: usize = 1024;

/// Publishes committed events (as the store's sink) and lets readers follow
/// them live.
pub trait EventBus: EventSink {
    /// Events published from now on, in position order.
    fn subscribe(&self) -> LiveEvents;

    /// Why the bus cannot carry events right now, if it cannot (a bus
    /// between nodes that lost its connection); for readiness checks.
    fn problem(&self) -> Option<String> {
        None
    }
}

/// Why a live reader got no event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missed {
    /// Events were dropped because the reader fell behind: read the log.
    Lagged,
    /// The bus is gone.
    Closed,
}

/// One reader's live stream of committed events.
pub struct LiveEvents {
    receiver: broadcast::Receiver<Arc<Event>>,
}

impl LiveEvents {
    /// The next event; cancel-safe.
    pub async fn recv(&mut self) -> Result<Arc<Event>, Missed> {
        self.receiver.recv().await.map_err(|e| match e {
            RecvError::Lagged(_) => Missed::Lagged,
            RecvError::Closed => Missed::Closed,
        })
    }

    /// The next event if one has arrived already.
    pub fn try_recv(&mut self) -> Result<Option<Arc<Event>>, Missed> {
        match self.receiver.try_recv() {
            Ok(event) => Ok(Some(event)),
            Err(TryRecvError::Empty) => Ok(None),
            Err(TryRecvError::Lagged(_)) => Err(Missed::Lagged),
            Err(TryRecvError::Closed) => Err(Missed::Closed),
        }
    }
}

/// The bus of a single node: an in-process broadcast.
pub struct LocalBus {
    sender: broadcast::Sender<Arc<Event>>,
}

impl Default for LocalBus {
    fn default() -> Self {
        LocalBus {
            sender: broadcast::channel(LIVE_CAPACITY).0,
        }
    }
}

impl EventSink for LocalBus {
    fn publish(&self, events: Vec<Event>) {
        self.sender.publish(events);
    }
}

impl EventBus for LocalBus {
    fn subscribe(&self) -> LiveEvents {
        LiveEvents {
            receiver: self.sender.subscribe(),
        }
    }
}

/// The bus of a node that shares its store with other nodes: this node's
/// commits are published as they happen, like [`LocalBus`], and
/// [`SharedBus::follow`] publishes the other nodes' commits, read from the
/// store's log. Readers see every event in position order or notice a gap
/// and read the log, so an event published twice or late costs nothing but
/// the work; the bus still avoids republishing this node's own.
pub struct SharedBus {
    local: LocalBus,
    /// Positions of this node's commits that the follower has not passed yet.
    own: Mutex<BTreeSet<u64>>,
    /// Wakes the follower before its next tick (a hint from another node).
    wake: Notify,
    /// The newest position this node committed, for hints to the others.
    newest: watch::Sender<u64>,
}

impl Default for SharedBus {
    fn default() -> Self {
        SharedBus {
            local: LocalBus::default(),
            own: Mutex::new(BTreeSet::new()),
            wake: Notify::new(),
            newest: watch::channel(0).0,
        }
    }
}

impl EventSink for SharedBus {
    fn publish(&self, events: Vec<Event>) {
        if let Ok(mut own) = self.own.lock() {
            own.extend(events.iter().map(|e| e.position.0));
        }
        if let Some(last) = events.last() {
            self.newest.send_replace(last.position.0);
        }
        self.local.publish(events);
    }
}

impl EventBus for SharedBus {
    fn subscribe(&self) -> LiveEvents {
        self.local.subscribe()
    }
}

/// Events read from the log per query while following.
const FOLLOW_PAGE: usize = 500;

impl SharedBus {
    /// Reads the log for the others' commits now rather than at the next tick.
    pub fn hint(&self) {
        self.wake.notify_one();
    }

    /// The newest position this node committed, changing with each commit:
    /// what a node tells the others (several commits may be told as one).
    pub fn own_commits(&self) -> watch::Receiver<u64> {
        self.newest.subscribe()
    }

    /// Publishes what other nodes commit to `store`, from its head at the
    /// call on: at least every `every`, and at once after [`Self::hint`].
    /// Runs until the task is dropped; a failed read is retried next tick.
    pub async fn follow(
        self: Arc<Self>,
        store: Arc<dyn Store>,
        departments: Vec<DepartmentId>,
        every: Duration,
    ) {
        let scope = EventScope::Departments(departments);
        let mut through = loop {
            match store.event_bounds().await {
                Ok(bounds) => break bounds.head,
                Err(e) => {
                    tracing::warn!(error = %e, "following the store: cannot read its head");
                    tokio::time::sleep(every).await;
                }
            }
        };
        loop {
            loop {
                let page = match store.events_after(through, &scope, FOLLOW_PAGE).await {
                    Ok(page) => page,
                    Err(e) => {
                        tracing::warn!(error = %e, "following the store: cannot read the log");
                        break;
                    }
                };
                let full = page.events.len() >= FOLLOW_PAGE;
                let others = self.not_ours(page.events, page.through);
                through = page.through;
                if !others.is_empty() {
                    self.local.publish(others);
                }
                if !full {
                    break;
                }
            }
            let _ = tokio::time::timeout(every, self.wake.notified()).await;
        }
    }

    /// `events` without this node's own commits, forgetting those at or
    /// before `through`.
    fn not_ours(&self, events: Vec<Event>, through: EventPosition) -> Vec<Event> {
        let Ok(mut own) = self.own.lock() else {
            return events;
        };
        let others = events
            .into_iter()
            .filter(|e| !own.contains(&e.position.0))
            .collect();
        *own = own.split_off(&(through.0 + 1));
        others
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotline_domain::{ConversationId, CustomerId, DepartmentId, EventKind, EventPosition};

    fn event(position: u64) -> Event {
        Event {
            position: EventPosition(position),
            kind: EventKind::MessageCreated,
            conversation_id: ConversationId::from_raw("c"),
            department: DepartmentId::parse("travel".into()).expect("a department id"),
            customer_id: CustomerId::from_raw("c1"),
            internal: false,
            data: serde_json::Value::Null,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[tokio::test]
    async fn readers_get_what_was_published_after_they_subscribed() {
        let bus = LocalBus::default();
        bus.publish(vec![event(1)]);
        let mut live = bus.subscribe();
        assert_eq!(live.try_recv().map(|e| e.is_none()), Ok(true));
        bus.publish(vec![event(2), event(3)]);
        assert_eq!(live.recv().await.map(|e| e.position), Ok(EventPosition(2)));
        assert_eq!(
            live.try_recv().map(|e| e.map(|e| e.position)),
            Ok(Some(EventPosition(3)))
        );
    }

    #[tokio::test]
    async fn a_shared_bus_republishes_only_the_other_nodes_commits() {
        let bus = SharedBus::default();
        let mut live = bus.subscribe();
        bus.publish(vec![event(3)]);
        assert_eq!(live.recv().await.map(|e| e.position), Ok(EventPosition(3)));
        // The log holds 2 (another node's) and 3 (ours): only 2 comes again.
        let others = bus.not_ours(vec![event(2), event(3)], EventPosition(3));
        assert_eq!(
            others.iter().map(|e| e.position).collect::<Vec<_>>(),
            vec![EventPosition(2)]
        );
        assert!(bus.own.lock().map(|own| own.is_empty()).unwrap_or(false));
    }

    #[tokio::test]
    async fn a_reader_that_falls_behind_is_told_it_lagged() {
        let bus = LocalBus::default();
        let mut live = bus.subscribe();
        bus.publish((1..=LIVE_CAPACITY as u64 + 1).map(event).collect());
        assert_eq!(live.recv().await.map(|e| e.position), Err(Missed::Lagged));
    }
}
