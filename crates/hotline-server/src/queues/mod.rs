//! Queues in the server: settings, operators' presence from their
//! connections, and the background sweep (SLA breaches, gauges).

pub mod presence;
pub mod settings;

use crate::state::AppState;
use std::time::Duration;

/// Records SLA breaches and refreshes the queue gauges every `every`, until
/// the server shuts down.
pub fn spawn_sweeper(state: AppState) {
    let every = Duration::from_secs(state.settings.queues.sweep_seconds.max(1));
    tokio::spawn(async move {
        expect_reconnects(&state).await;
        let mut tick = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                () = state.shutdown.cancelled() => return,
            }
            if let Err(e) = state.store.sweep_sla().await {
                tracing::warn!(error = %e, "SLA sweep failed");
            }
            if let Err(e) = update_gauges(&state).await {
                tracing::warn!(error = %e, "queue gauges not updated");
            }
        }
    });
}

/// Operators left `online` by the previous run must connect again.
async fn expect_reconnects(state: &AppState) {
    let departments: Vec<_> = state
        .settings
        .departments
        .iter()
        .map(|d| d.id.clone())
        .collect();
    match state.store.live_stats(&departments).await {
        Ok(live) => {
            let mut online: Vec<_> = live
                .into_iter()
                .flat_map(|d| d.operators)
                .filter(|o| o.presence == hotline_domain::Presence::Online)
                .map(|o| o.operator_id)
                .collect();
            online.sort();
            online.dedup();
            let grace = Duration::from_secs(state.settings.queues.away_grace_seconds);
            state
                .presence
                .expect_reconnects(online, &state.store, grace);
        }
        Err(e) => tracing::warn!(error = %e, "cannot read presence after start"),
    }
}

async fn update_gauges(state: &AppState) -> Result<(), hotline_store::StoreError> {
    let departments: Vec<_> = state
        .settings
        .departments
        .iter()
        .map(|d| d.id.clone())
        .collect();
    for live in state.store.live_stats(&departments).await? {
        crate::metrics::record_queue(&live);
    }
    Ok(())
}
