//! One reader's position in the event log, and how it moves.

use crate::realtime::cursor::{self, ResyncReason};
use hotline_app::App;
use hotline_app::bus::{LiveEvents, Missed};
use hotline_domain::{DepartmentId, Event, EventPosition, Principal};
use hotline_store::{EventScope, Store, StoreError, StoreResult};
use std::sync::Arc;

/// Events read from the log per page while catching up.
pub const PAGE: usize = 200;

pub struct Subscription {
    store: Arc<dyn Store>,
    principal: Principal,
    scope: EventScope,
    /// Every event up to here has been seen (delivered or not visible).
    position: EventPosition,
    feed: LiveEvents,
    /// The feed cannot be trusted until the log has been read up to its end.
    behind: bool,
    /// Departments this reader may not follow now (a customer without the
    /// step-up login those departments require).
    hidden: Vec<DepartmentId>,
}

impl Start {
    /// Leaves out events of these departments.
    pub fn hiding(self, departments: Vec<DepartmentId>) -> Start {
        match self {
            Start::Resumed(mut sub) => {
                sub.hidden = departments;
                Start::Resumed(sub)
            }
            Start::Resync(mut sub, reason) => {
                sub.hidden = departments;
                Start::Resync(sub, reason)
            }
        }
    }
}

/// How a subscription started.
pub enum Start {
    Resumed(Subscription),
    /// The cursor could not be honoured; the subscription continues from now.
    Resync(Subscription, ResyncReason),
}

pub enum StartError {
    /// The cursor is not one of ours at all.
    MalformedCursor,
    Store(StoreError),
}

impl From<StoreError> for StartError {
    fn from(e: StoreError) -> Self {
        StartError::Store(e)
    }
}

impl Subscription {
    /// Starts after `after` (a cursor), or at the newest event: live events
    /// from the app's bus, the log from its store.
    pub async fn start(
        app: &App,
        principal: Principal,
        after: Option<&str>,
    ) -> Result<Start, StartError> {
        // Subscribe before reading the bounds, so nothing committed in
        // between can fall into a crack.
        let feed = app.bus().subscribe();
        let store = app.store().clone();
        let bounds = store.event_bounds().await?;
        let scope = EventScope::of(&principal);
        let mut sub = Subscription {
            store,
            principal,
            scope,
            position: bounds.head,
            feed,
            behind: false,
            hidden: Vec::new(),
        };
        let Some(raw) = after else {
            return Ok(Start::Resumed(sub));
        };
        let (log, position) = cursor::decode(raw).ok_or(StartError::MalformedCursor)?;
        match cursor::check(sub.store.log_id(), log, position, bounds) {
            Ok(position) => {
                sub.position = position;
                sub.behind = true;
                Ok(Start::Resumed(sub))
            }
            Err(reason) => Ok(Start::Resync(sub, reason)),
        }
    }

    /// Who reads, as last set.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    pub fn cursor(&self) -> String {
        cursor::encode(self.store.log_id(), self.position)
    }

    pub fn cursor_of(&self, event: &Event) -> String {
        cursor::encode(self.store.log_id(), event.position)
    }

    pub fn is_behind(&self) -> bool {
        self.behind
    }

    /// Reads the next page of the log; `true` once the end has been reached.
    pub async fn read_page(&mut self) -> StoreResult<(Vec<Arc<Event>>, bool)> {
        let page = self
            .store
            .events_after(self.position, &self.scope, PAGE)
            .await?;
        crate::metrics::events_read_from_store(page.events.len());
        self.position = page.through.max(self.position);
        let done = page.events.len() < PAGE;
        if done {
            self.behind = false;
        }
        let events = page
            .events
            .into_iter()
            .filter(|e| !self.hidden.contains(&e.department))
            .map(Arc::new)
            .collect();
        Ok((events, done))
    }

    /// Waits for the next events this reader may see, reading the log
    /// whenever it is behind. For one-shot callers (the long-poll).
    pub async fn next(&mut self) -> StoreResult<Vec<Arc<Event>>> {
        loop {
            let events = if self.behind {
                self.read_page().await?.0
            } else {
                self.live().await?
            };
            if !events.is_empty() {
                return Ok(events);
            }
        }
    }

    /// Waits on the live feed only, taking whatever else has already arrived
    /// too, so a busy reader gets batches. Returns an empty batch when the
    /// reader fell behind (a gap or a lag): read the log, then call again.
    /// Cancel-safe, so it can sit in a `select!`: it awaits nothing but the
    /// feed, and the store is never read here.
    pub async fn live(&mut self) -> StoreResult<Vec<Arc<Event>>> {
        let mut batch = Vec::new();
        while !self.behind && batch.is_empty() {
            match self.feed.recv().await {
                Ok(event) => self.accept(event, &mut batch),
                Err(Missed::Lagged) => self.behind = true,
                Err(Missed::Closed) => return Err(feed_closed()),
            }
            while !self.behind && batch.len() < PAGE {
                match self.feed.try_recv() {
                    Ok(Some(event)) => self.accept(event, &mut batch),
                    Ok(None) => break,
                    Err(Missed::Lagged) => self.behind = true,
                    Err(Missed::Closed) => return Err(feed_closed()),
                }
            }
        }
        Ok(batch)
    }

    /// The caller's rights changed (e.g. an operator's departments): later
    /// events are filtered by the new ones.
    pub fn set_principal(&mut self, principal: Principal) {
        self.scope = EventScope::of(&principal);
        self.principal = principal;
    }

    /// Moves past one event from the feed; a gap sends the reader to the log.
    fn accept(&mut self, event: Arc<Event>, batch: &mut Vec<Arc<Event>>) {
        if event.position <= self.position {
            return;
        }
        if event.position != self.position.next() {
            self.behind = true;
            return;
        }
        self.position = event.position;
        if self.principal.can_see(&event) && !self.hidden.contains(&event.department) {
            batch.push(event);
        }
    }
}

fn feed_closed() -> StoreError {
    StoreError::Backend("the event feed has closed".into())
}
