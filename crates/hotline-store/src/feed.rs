//! The store's side of the live event feed: after each commit it hands the
//! commit's events to an [`EventSink`]. The bus that carries them on to
//! readers is the application's (`hotline_app::bus`); the store only promises
//! what it hands over and when.

use hotline_domain::Event;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Where a store hands the events of each commit.
pub trait EventSink: Send + Sync {
    /// Takes one commit's events in position order, once the commit is
    /// durable; a rolled-back write's events never arrive. Called by the
    /// store's writer, one commit at a time, so it must not block: a reader
    /// that cannot keep up lags and reads the log instead.
    fn publish(&self, events: Vec<Event>);
}

/// In-process fan-out: every receiver gets each event. No receiver is fine:
/// the log is the truth.
impl EventSink for broadcast::Sender<Arc<Event>> {
    fn publish(&self, events: Vec<Event>) {
        for event in events {
            let _ = self.send(Arc::new(event));
        }
    }
}
