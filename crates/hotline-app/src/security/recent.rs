//! What screening needs of the conversations customers wrote to lately:
//! their department and customer, and the customer's last messages.

use hotline_domain::Timestamp;
use hotline_domain::{AuthorKind, Conversation, ConversationId, CustomerId, DepartmentId};
use hotline_store::Posted;
use std::collections::{HashMap, VecDeque};
use std::sync::{PoisonError, RwLock};

/// Screening needs the department before the write (strict masking and the
/// step-up login depend on it) and, for a message that may end a secret
/// typed in pieces, the customer's last messages. Reading them for every
/// message cost two thirds of the throughput; messages are written through
/// this process anyway. An entry may be stale (another node wrote, the data
/// was erased): the write checks the department and the earlier texts it
/// masks again in its transaction, and the app forgets the entry and
/// screens again. Per process, like the WebSocket tickets.
#[derive(Default)]
pub(crate) struct RecentConversations {
    map: RwLock<HashMap<ConversationId, Recent>>,
}

#[derive(Debug, Clone)]
pub(crate) struct Recent {
    pub department: DepartmentId,
    pub owner: CustomerId,
    /// The conversation's `last_seq` as last seen here.
    pub last_seq: i64,
    /// The customer's last messages, oldest first; `None` until read from
    /// the store (or after one too long to keep).
    pub history: Option<VecDeque<Said>>,
}

/// A customer's message as stored.
#[derive(Debug, Clone)]
pub(crate) struct Said {
    pub seq: i64,
    pub at: Timestamp,
    pub text: String,
}

/// Entries kept before the map starts over (about 100 bytes each, plus the
/// texts kept).
const CAPACITY: usize = 100_000;
/// Longer messages are not kept: the next message that needs the history
/// reads it from the store.
const MAX_KEPT_TEXT_BYTES: usize = 2048;

fn fits(history: &VecDeque<Said>) -> bool {
    history.iter().all(|s| s.text.len() <= MAX_KEPT_TEXT_BYTES)
}

impl RecentConversations {
    pub(crate) fn get(&self, id: &ConversationId) -> Option<Recent> {
        let map = self.map.read().unwrap_or_else(PoisonError::into_inner);
        map.get(id).cloned()
    }

    /// Keeps what was read of a conversation; `history` when it was read
    /// too (the customer's last messages, oldest first). Returns the entry.
    pub(crate) fn remember(
        &self,
        conversation: &Conversation,
        history: Option<Vec<Said>>,
    ) -> Recent {
        let recent = Recent {
            department: conversation.department.clone(),
            owner: conversation.customer.id.clone(),
            last_seq: conversation.last_seq,
            history: history.map(VecDeque::from),
        };
        let mut map = self.map.write().unwrap_or_else(PoisonError::into_inner);
        // A read that began before a write this process has since recorded
        // (two messages at once) must not replace the newer entry.
        if map
            .get(&conversation.id)
            .is_some_and(|known| known.last_seq > conversation.last_seq)
        {
            return recent;
        }
        if map.len() >= CAPACITY {
            map.clear();
        }
        let kept = Recent {
            history: recent.history.clone().filter(fits),
            ..recent.clone()
        };
        map.insert(conversation.id.clone(), kept);
        recent
    }

    /// A message was written: its conversation's `last_seq` moves, and a
    /// customer's public message joins their history (of at most `keep`).
    pub(crate) fn record(&self, posted: &Posted, keep: usize) {
        let mut map = self.map.write().unwrap_or_else(PoisonError::into_inner);
        let Some(recent) = map.get_mut(&posted.conversation.id) else {
            return;
        };
        recent.last_seq = recent.last_seq.max(posted.conversation.last_seq);
        let message = &posted.message;
        let said_by_owner = message.author.kind == AuthorKind::Customer
            && message.author.id.as_deref() == Some(recent.owner.as_str());
        if !posted.created || !said_by_owner {
            return;
        }
        if message.text.len() > MAX_KEPT_TEXT_BYTES {
            recent.history = None;
            return;
        }
        if let Some(history) = &mut recent.history {
            history.push_back(Said {
                seq: message.seq,
                at: message.created_at,
                text: message.text.clone(),
            });
            while history.len() > keep {
                history.pop_front();
            }
        }
    }

    /// The conversation changed in a way the entry does not follow (moved,
    /// earlier messages masked again, another writer): read it next time.
    pub(crate) fn forget(&self, id: &ConversationId) {
        let mut map = self.map.write().unwrap_or_else(PoisonError::into_inner);
        map.remove(id);
    }
}
