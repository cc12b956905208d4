//! Short-lived, single-use tickets that let a browser open a WebSocket (it
//! cannot set an Authorization header on one).

use crate::auth::Authenticated;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const TICKET_TTL: Duration = Duration::from_secs(60);
/// Unredeemed tickets kept at most; beyond it, new ones are refused.
const MAX_PENDING: usize = 50_000;

#[derive(Clone, Default)]
pub struct Tickets {
    issued: Arc<Mutex<HashMap<String, (Authenticated, Instant)>>>,
}

impl Tickets {
    /// A new ticket for `caller`; `None` when too many are pending.
    pub fn issue(&self, caller: Authenticated) -> Option<String> {
        let ticket = crate::auth::random_token(24);
        let now = Instant::now();
        let mut issued = self.issued.lock().ok()?;
        issued.retain(|_, (_, expires)| *expires > now);
        if issued.len() >= MAX_PENDING {
            return None;
        }
        issued.insert(ticket.clone(), (caller, now + TICKET_TTL));
        Some(ticket)
    }

    /// The ticket's caller, once; a used or expired ticket gives nothing.
    pub fn redeem(&self, ticket: &str) -> Option<Authenticated> {
        let mut issued = self.issued.lock().ok()?;
        let (caller, expires) = issued.remove(ticket)?;
        (expires > Instant::now()).then_some(caller)
    }
}
