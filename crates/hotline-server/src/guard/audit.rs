//! Recording operators' and administrators' actions in the audit log.

use crate::api::error::ApiResult;
use crate::state::AppState;
use hotline_domain::Principal;
use hotline_store::NewAuditEntry;

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
}

/// Appends an entry; a request whose action cannot be recorded fails.
pub async fn record(
    state: &AppState,
    actor: Actor,
    action: &str,
    target: Option<&str>,
    details: serde_json::Value,
) -> ApiResult<()> {
    state
        .store
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

/// Records who assigned a conversation to whom.
pub async fn assignment(
    state: &AppState,
    principal: &Principal,
    conversation: &hotline_domain::Conversation,
) -> ApiResult<()> {
    record(
        state,
        Actor::of(principal),
        "conversation.assign",
        Some(conversation.id.as_str()),
        serde_json::json!({
            "department": conversation.department.as_str(),
            "assignee": conversation.assignee.as_ref().map(|a| a.id.to_string()),
        }),
    )
    .await
}

/// Records the configuration in effect (as a hash of it, secrets redacted)
/// when it differs from the one recorded last: configuration changes are
/// accountable too.
pub async fn record_configuration(
    store: &dyn hotline_store::Store,
    settings: &crate::settings::Settings,
) -> anyhow::Result<()> {
    use sha2::{Digest, Sha256};
    let effective = serde_json::to_vec(&settings.redacted())?;
    let hash = hex::encode(Sha256::digest(&effective));
    let previous = store.last_audit_of("config.changed").await?;
    let previous_hash = previous
        .as_ref()
        .and_then(|e| e.details["sha256"].as_str().map(str::to_owned));
    if previous_hash.as_deref() == Some(hash.as_str()) {
        return Ok(());
    }
    store
        .append_audit(NewAuditEntry {
            actor_kind: "system".into(),
            actor_id: "startup".into(),
            action: "config.changed".into(),
            target: None,
            details: serde_json::json!({ "sha256": hash, "previous": previous_hash }),
        })
        .await?;
    Ok(())
}
