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

use hotline_domain::Event;
use hotline_store::EventSink;
use std::sync::Arc;
use tokio::sync::broadcast::{
    self,
    error::{RecvError, TryRecvError},
};

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
    async fn a_reader_that_falls_behind_is_told_it_lagged() {
        let bus = LocalBus::default();
        let mut live = bus.subscribe();
        bus.publish((1..=LIVE_CAPACITY as u64 + 1).map(event).collect());
        assert_eq!(live.recv().await.map(|e| e.position), Err(Missed::Lagged));
    }
}
