//! The audit log: operators' and administrators' actions, append-only and
//! hash-chained. Each entry's hash covers its content and the previous
//! entry's hash, so editing or deleting any entry breaks every later link;
//! [`verify_chain`] says where.

use crate::StoreResult;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What is being recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// `operator`, `customer`, `system` or `cli`.
    pub actor_kind: String,
    pub actor_id: String,
    /// e.g. `login`, `login_failed`, `conversation.read`, `conversation.assign`,
    /// `message.secret_request_blocked`, `customer.export`, `customer.erase`, `config.changed`.
    pub action: String,
    /// What it was done to (a conversation id, a customer id, …).
    pub target: Option<String>,
    /// Further facts, never message text.
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// 1, 2, 3, … without gaps.
    pub seq: i64,
    /// Unix milliseconds.
    pub at_ms: i64,
    pub actor_kind: String,
    pub actor_id: String,
    pub action: String,
    pub target: Option<String>,
    pub details: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash this entry must carry: SHA-256 over the previous hash and
    /// every field, each length-prefixed so no two entries serialise alike.
    /// The entry `entry` becomes at `seq`, written at `at_ms`, chained to
    /// the entry before it (whose hash is `prev_hash`).
    pub fn chained(entry: NewAuditEntry, seq: i64, at_ms: i64, prev_hash: String) -> AuditEntry {
        let mut chained = AuditEntry {
            seq,
            at_ms,
            actor_kind: entry.actor_kind,
            actor_id: entry.actor_id,
            action: entry.action,
            target: entry.target,
            details: entry.details,
            prev_hash,
            hash: String::new(),
        };
        chained.hash = chained.expected_hash();
        chained
    }

    pub fn expected_hash(&self) -> String {
        chain_hash(
            &self.prev_hash,
            self.seq,
            self.at_ms,
            &self.actor_kind,
            &self.actor_id,
            &self.action,
            self.target.as_deref(),
            &self.details,
        )
    }
}

#[allow(clippy::too_many_arguments)]
pub fn chain_hash(
    prev_hash: &str,
    seq: i64,
    at_ms: i64,
    actor_kind: &str,
    actor_id: &str,
    action: &str,
    target: Option<&str>,
    details: &serde_json::Value,
) -> String {
    let mut hasher = Sha256::new();
    let details = details.to_string();
    let seq = seq.to_string();
    let at = at_ms.to_string();
    for field in [
        prev_hash,
        &seq,
        &at,
        actor_kind,
        actor_id,
        action,
        target.unwrap_or("\u{0}"),
        &details,
    ] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Where and why a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// Checks a run of entries in `seq` order, continuing from `prev` (the last
/// entry checked before them, if any). Returns the last entry's hash.
pub fn verify_chain<'a>(
    prev: Option<(i64, &str)>,
    entries: impl IntoIterator<Item = &'a AuditEntry>,
) -> Result<Option<(i64, String)>, ChainBreak> {
    let mut last: Option<(i64, String)> = prev.map(|(s, h)| (s, h.to_owned()));
    for entry in entries {
        let (expected_seq, expected_prev) = match &last {
            Some((seq, hash)) => (seq + 1, hash.as_str()),
            None => (1, GENESIS_HASH),
        };
        if entry.seq != expected_seq {
            return Err(ChainBreak {
                seq: expected_seq,
                reason: format!("entry {expected_seq} is missing (found {} next)", entry.seq),
            });
        }
        if entry.prev_hash != expected_prev {
            return Err(ChainBreak {
                seq: entry.seq,
                reason: "its prev_hash does not match the entry before it".into(),
            });
        }
        if entry.hash != entry.expected_hash() {
            return Err(ChainBreak {
                seq: entry.seq,
                reason: "its content does not match its hash (edited)".into(),
            });
        }
        last = Some((entry.seq, entry.hash.clone()));
    }
    Ok(last)
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an entry, chained to the last one, in the writer's order.
    async fn append_audit(&self, entry: NewAuditEntry) -> StoreResult<AuditEntry>;
    /// Entries with `seq` greater than `after`, oldest first.
    async fn audit_entries(&self, after: i64, limit: usize) -> StoreResult<Vec<AuditEntry>>;
    /// The newest entry with this action.
    async fn last_audit_of(&self, action: &str) -> StoreResult<Option<AuditEntry>>;
}
