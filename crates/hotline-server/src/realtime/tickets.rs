//! Short-lived, single-use tickets that let a browser open a WebSocket (it
//! cannot set an Authorization header on one).

use hotline_domain::Principal;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const TICKET_TTL: Duration = Duration::from_secs(60);

#[derive(Clone, Default)]
pub struct Tickets {
    issued: Arc<Mutex<HashMap<String, (Principal, Instant)>>>,
}

impl Tickets {
    pub fn issue(&self, principal: Principal) -> String {
        let ticket = crate::auth::random_token(24);
        let now = Instant::now();
        if let Ok(mut issued) = self.issued.lock() {
            issued.retain(|_, (_, expires)| *expires > now);
            issued.insert(ticket.clone(), (principal, now + TICKET_TTL));
        }
        ticket
    }

    /// The ticket's principal, once; a used or expired ticket gives nothing.
    pub fn redeem(&self, ticket: &str) -> Option<Principal> {
        let mut issued = self.issued.lock().ok()?;
        let (principal, expires) = issued.remove(ticket)?;
        (expires > Instant::now()).then_some(principal)
    }
}
