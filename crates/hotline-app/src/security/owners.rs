//! Whose conversation is where: the department and customer of
//! conversations customers wrote to lately, for screening.

use hotline_domain::{Conversation, ConversationId, CustomerId, DepartmentId};
use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

/// Screening needs the department before the write (strict masking and the
/// step-up login depend on it); reading the conversation for every message
/// cost a third of the throughput. An entry may be stale: the write checks
/// the department in its transaction (`conversation_moved`), and the app
/// forgets the entry and screens again. Per process, like the WebSocket
/// tickets.
#[derive(Default)]
pub(crate) struct Owners {
    map: RwLock<HashMap<ConversationId, (DepartmentId, CustomerId)>>,
}

/// Entries kept before the map starts over (about 100 bytes each).
const OWNERS_CAPACITY: usize = 100_000;

impl Owners {
    pub(crate) fn get(&self, id: &ConversationId) -> Option<(DepartmentId, CustomerId)> {
        let map = self.map.read().unwrap_or_else(PoisonError::into_inner);
        map.get(id).cloned()
    }

    pub(crate) fn remember(&self, conversation: &Conversation) {
        let mut map = self.map.write().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= OWNERS_CAPACITY {
            map.clear();
        }
        map.insert(
            conversation.id.clone(),
            (
                conversation.department.clone(),
                conversation.customer.id.clone(),
            ),
        );
    }

    /// The conversation moved (or may have): read it again next time.
    pub(crate) fn forget(&self, id: &ConversationId) {
        let mut map = self.map.write().unwrap_or_else(PoisonError::into_inner);
        map.remove(id);
    }
}
