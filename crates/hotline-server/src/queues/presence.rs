//! Presence from the console's connections: when an operator's last
//! WebSocket closes, they turn `away` after a grace period; when they connect
//! again, the presence this set is undone.

use hotline_domain::{OperatorId, Presence, Principal};
use hotline_store::{PresenceChange, Store};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

#[derive(Clone, Default)]
pub struct PresenceTracker {
    inner: Arc<Mutex<Connections>>,
}

#[derive(Default)]
struct Connections {
    open: HashMap<OperatorId, usize>,
    /// Operators this tracker set `away`, to bring back on reconnect.
    sent_away: HashSet<OperatorId>,
}

/// Held while a WebSocket is open.
pub struct ConnectionGuard {
    tracker: PresenceTracker,
    operator: OperatorId,
    store: Arc<dyn Store>,
    grace: Duration,
}

impl PresenceTracker {
    /// Notes a new connection; `None` for customers.
    pub fn connect(
        &self,
        principal: &Principal,
        store: Arc<dyn Store>,
        grace: Duration,
    ) -> Option<ConnectionGuard> {
        let Principal::Operator(operator) = principal else {
            return None;
        };
        let returning = {
            let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            *inner.open.entry(operator.id.clone()).or_default() += 1;
            inner.sent_away.remove(&operator.id)
        };
        if returning {
            let store = store.clone();
            let id = operator.id.clone();
            tokio::spawn(async move {
                let online = PresenceChange {
                    presence: Some(Presence::Online),
                    capacity: None,
                };
                if let Err(e) = store.set_presence(&id, online).await {
                    tracing::warn!(error = %e, "cannot bring an operator back online");
                }
            });
        }
        Some(ConnectionGuard {
            tracker: self.clone(),
            operator: operator.id.clone(),
            store,
            grace,
        })
    }

    /// After a restart nobody is connected: operators still `online` turn
    /// `away` unless they connect within the grace period.
    pub fn expect_reconnects(
        &self,
        operators: impl IntoIterator<Item = OperatorId>,
        store: &Arc<dyn Store>,
        grace: Duration,
    ) {
        for operator in operators {
            away_unless_back(self.clone(), operator, store.clone(), grace);
        }
    }

    fn note_away_if_disconnected(&self, operator: &OperatorId) -> bool {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let disconnected = inner.open.get(operator).copied().unwrap_or(0) == 0;
        if disconnected {
            inner.sent_away.insert(operator.clone());
        }
        disconnected
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        let last = {
            let mut inner = self
                .tracker
                .inner
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let count = inner.open.entry(self.operator.clone()).or_default();
            *count = count.saturating_sub(1);
            *count == 0
        };
        if !last {
            return;
        }
        away_unless_back(
            self.tracker.clone(),
            self.operator.clone(),
            self.store.clone(),
            self.grace,
        );
    }
}

/// Sets `operator` away after `grace` if they are still online and have no
/// connection then.
fn away_unless_back(
    tracker: PresenceTracker,
    operator: OperatorId,
    store: Arc<dyn Store>,
    grace: Duration,
) {
    tokio::spawn(async move {
        tokio::time::sleep(grace).await;
        match store.operator_status(&operator).await {
            Ok(status) if status.presence == Presence::Online => {}
            _ => return,
        }
        // Checked and noted at once, so a reconnect in between undoes it.
        if !tracker.note_away_if_disconnected(&operator) {
            return;
        }
        let away = PresenceChange {
            presence: Some(Presence::Away),
            capacity: None,
        };
        if let Err(e) = store.set_presence(&operator, away).await {
            tracing::warn!(error = %e, "cannot mark a disconnected operator away");
        }
    });
}
