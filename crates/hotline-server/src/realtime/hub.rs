//! Ephemeral events (typing): never stored, shed first under load.

use hotline_domain::{Author, ConversationId, CustomerId, DepartmentId, Principal};
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Ephemeral events buffered for slow receivers; beyond it they are dropped.
const EPHEMERAL_CAPACITY: usize = 256;

#[derive(Debug, Clone, Serialize)]
pub struct Typing {
    pub conversation_id: ConversationId,
    #[serde(skip)]
    pub department: DepartmentId,
    #[serde(skip)]
    pub customer_id: CustomerId,
    pub author: Author,
}

impl Typing {
    /// Others who can see the conversation see the typing; the typist does not.
    pub fn visible_to(&self, principal: &Principal) -> bool {
        let own = Author::of(principal);
        let sees = match principal {
            Principal::Customer(c) => c.id == self.customer_id,
            Principal::Operator(o) => o.departments.contains(&self.department),
        };
        sees && !(own.kind == self.author.kind && own.id == self.author.id)
    }
}

#[derive(Clone)]
pub struct Hub {
    typing: broadcast::Sender<Arc<Typing>>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            typing: broadcast::channel(EPHEMERAL_CAPACITY).0,
        }
    }
}

impl Hub {
    pub fn publish_typing(&self, typing: Typing) {
        let _ = self.typing.send(Arc::new(typing));
    }
    pub fn subscribe_typing(&self) -> broadcast::Receiver<Arc<Typing>> {
        self.typing.subscribe()
    }
}
