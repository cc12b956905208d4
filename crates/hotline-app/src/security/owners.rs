//! Who knows which conversation is whose: the department and customer of
//! conversations customers wrote to lately, for screening.

use hotline_domain::{Conversation, ConversationId, CustomerId, DepartmentId};

/// The department and customer of conversations customers wrote to lately.
/// Screening needs the department before the write (strict masking and the
/// step-up login depend on it); reading the conversation for every message
/// cost a third of the throughput. Only a transfer moves a conversation:
/// [`Owners::moved`] runs after its commit, and an entry read before that
/// commit is never kept (the generation check in [`Owners::remember`]).
/// The map is per process, like the WebSocket tickets: several nodes would
/// have to hear each other's transfers.
#[derive(Default)]
pub(crate) struct Owners {
    inner: std::sync::RwLock<OwnersInner>,
}

#[derive(Default)]
struct OwnersInner {
    generation: u64,
    map: std::collections::HashMap<ConversationId, (DepartmentId, CustomerId)>,
}

/// Entries kept before the map starts over (about 100 bytes each).
const OWNERS_CAPACITY: usize = 100_000;

impl Owners {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, OwnersInner> {
        self.inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, OwnersInner> {
        self.inner
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn get(&self, id: &ConversationId) -> Option<(DepartmentId, CustomerId)> {
        self.read().map.get(id).cloned()
    }

    /// Read before looking the conversation up in the store.
    pub(crate) fn generation(&self) -> u64 {
        self.read().generation
    }

    /// Keeps what the store said, unless a transfer committed since
    /// `generation` was read (the store may have answered with the old
    /// department).
    pub(crate) fn remember(&self, generation: u64, conversation: &Conversation) {
        let mut inner = self.write();
        if inner.generation != generation {
            return;
        }
        if inner.map.len() >= OWNERS_CAPACITY {
            inner.map.clear();
        }
        inner.map.insert(
            conversation.id.clone(),
            (
                conversation.department.clone(),
                conversation.customer.id.clone(),
            ),
        );
    }

    /// A transfer committed: forget the conversation, and refuse entries
    /// read before now.
    pub(crate) fn moved(&self, id: &ConversationId) {
        let mut inner = self.write();
        inner.generation += 1;
        inner.map.remove(id);
    }
}
