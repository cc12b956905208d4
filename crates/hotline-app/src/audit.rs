//! Recording operators' and administrators' actions in the audit log.

use crate::error::AppResult;
use hotline_domain::Principal;
use hotline_store::{AuditStore, NewAuditEntry};

/// Who acted.
pub struct Actor {
    pub kind: &'static str,
    pub id: String,
}

impl Actor {
    pub fn of(principal: &Principal) -> Actor {
        match principal {
            Principal::Customer(c) => Actor {
                kind: "customer",
                id: c.id.to_string(),
            },
            Principal::Operator(o) => Actor {
                kind: "operator",
                id: o.id.to_string(),
            },
        }
    }

    /// Someone not logged in, known by what they typed (a login e-mail).
    pub fn anonymous(claimed: &str) -> Actor {
        Actor {
            kind: "anonymous",
            id: claimed.chars().take(254).collect(),
        }
    }

    pub fn system(what: &str) -> Actor {
        Actor {
            kind: "system",
            id: what.to_owned(),
        }
    }
}

/// Appends an entry; an action that cannot be recorded fails.
pub async fn record(
    store: &dyn AuditStore,
    actor: Actor,
    action: &str,
    target: Option<&str>,
    details: serde_json::Value,
) -> AppResult<()> {
    store
        .append_audit(NewAuditEntry {
            actor_kind: actor.kind.to_owned(),
            actor_id: actor.id,
            action: action.to_owned(),
            target: target.map(str::to_owned),
            details,
        })
        .await?;
    Ok(())
}

/// Records the configuration in effect (as the SHA-256 of its redacted
/// form) when it differs from the one recorded last: configuration changes
/// are accountable too.
pub async fn record_configuration(store: &dyn AuditStore, sha256: &str) -> AppResult<()> {
    let previous = store.last_audit_of("config.changed").await?;
    let previous_hash = previous
        .as_ref()
        .and_then(|e| e.details["sha256"].as_str().map(str::to_owned));
    if previous_hash.as_deref() == Some(sha256) {
        return Ok(());
    }
    record(
        store,
        Actor::system("startup"),
        "config.changed",
        None,
        serde_json::json!({ "sha256": sha256, "previous": previous_hash }),
    )
    .await
}
