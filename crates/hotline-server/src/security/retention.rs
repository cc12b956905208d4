//! Retention's timer: resolved conversations are deleted after
//! `security.retention_days` (0 keeps them forever); the rule is
//! `hotline_app::privacy::sweep_retention`.

use crate::state::AppState;
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(3600);

/// One pass; returns the conversations deleted.
pub async fn sweep(state: &AppState) -> Result<usize, hotline_app::AppError> {
    hotline_app::privacy::sweep_retention(
        state.store.as_ref(),
        &state.files,
        state.settings.security.retention_days,
    )
    .await
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
