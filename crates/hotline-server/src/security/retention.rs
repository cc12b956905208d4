//! Retention: resolved conversations are deleted after
//! `security.retention_days` (0 keeps them forever).

use crate::state::AppState;
use hotline_store::NewAuditEntry;
use std::path::Path;
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(3600);

/// Deletes attachment files by SHA-256; returns how many were removed.
pub fn remove_files(attachments_dir: &Path, shas: &[String]) -> usize {
    shas.iter()
        .filter(|sha| sha.len() > 2 && sha.bytes().all(|b| b.is_ascii_hexdigit()))
        .filter(|sha| std::fs::remove_file(attachments_dir.join(&sha[..2]).join(sha)).is_ok())
        .count()
}

/// One pass: deletes what is past retention; returns the conversations deleted.
pub async fn sweep(state: &AppState) -> anyhow::Result<usize> {
    let days = i64::from(state.settings.security.retention_days);
    if days == 0 {
        return Ok(0);
    }
    let cutoff = time::OffsetDateTime::now_utc().unix_timestamp() - days * 86_400;
    let erased = state.store.delete_resolved_before(cutoff).await?;
    let files = remove_files(&state.attachments_dir, &erased.orphaned_files);
    if erased.conversations > 0 {
        state.store.checkpoint().await?;
        state
            .store
            .append_audit(NewAuditEntry {
                actor_kind: "system".into(),
                actor_id: "retention".into(),
                action: "retention.deleted".into(),
                target: None,
                details: serde_json::json!({
                    "conversations": erased.conversations,
                    "messages": erased.messages,
                    "files_removed": files,
                    "older_than_days": days,
                }),
            })
            .await?;
        tracing::info!(
            conversations = erased.conversations,
            "retention: deleted resolved conversations"
        );
    }
    Ok(erased.conversations)
}

/// Runs [`sweep`] at start and then hourly until shutdown.
pub fn spawn(state: AppState) {
    if state.settings.security.retention_days == 0 {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tokio::select! {
                _ = state.shutdown.cancelled() => break,
                _ = tick.tick() => {
                    if let Err(e) = sweep(&state).await {
                        tracing::error!(error = %e, "retention sweep failed; retrying in an hour");
                    }
                }
            }
        }
    });
}
