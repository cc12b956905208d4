//! Queues in the server: settings, operators' presence from their
//! connections, and the background sweep (SLA breaches, claims' clocks,
//! gauges).

pub mod presence;
pub mod settings;

use hotline_app::App;
use hotline_domain::DepartmentId;
use hotline_store::Store;
use presence::PresenceTracker;
use settings::QueueSettings;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The background sweep: records SLA breaches and claims due soon or
/// overdue, and refreshes the queue gauges.
pub struct Sweeper {
    app: Arc<App>,
    store: Arc<dyn Store>,
    /// The departments whose gauges it keeps.
    departments: Vec<DepartmentId>,
    presence: PresenceTracker,
    /// How often it runs.
    every: Duration,
    /// Operators left `online` by the previous run turn `away` after this
    /// unless they connect again.
    away_grace: Duration,
}

impl Sweeper {
    pub fn new(
        app: Arc<App>,
        departments: Vec<DepartmentId>,
        presence: PresenceTracker,
        settings: &QueueSettings,
    ) -> Sweeper {
        Sweeper {
            store: app.store().clone(),
            app,
            departments,
            presence,
            every: Duration::from_secs(settings.sweep_seconds.max(1)),
            away_grace: Duration::from_secs(settings.away_grace_seconds),
        }
    }

    /// Runs every `every` until `shutdown` is cancelled.
    pub fn spawn(self, shutdown: CancellationToken) {
        tokio::spawn(async move {
            self.expect_reconnects().await;
            let mut tick = tokio::time::interval(self.every);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    () = shutdown.cancelled() => return,
                }
                // Another node may have saved a new SLA policy.
                if let Err(e) = self.app.apply_stored_settings().await {
                    tracing::warn!(error = %e, "stored settings not applied");
                }
                if let Err(e) = self.store.sweep_sla().await {
                    tracing::warn!(error = %e, "SLA sweep failed");
                }
                if let Err(e) = self.app.sweep_claims().await {
                    tracing::warn!(error = %e, "claims sweep failed");
                }
                if let Err(e) = self.update_gauges().await {
                    tracing::warn!(error = %e, "queue gauges not updated");
                }
            }
        });
    }

    /// Operators left `online` by the previous run must connect again.
    async fn expect_reconnects(&self) {
        match self.store.live_stats(&self.departments).await {
            Ok(live) => {
                let mut online: Vec<_> = live
                    .into_iter()
                    .flat_map(|d| d.operators)
                    .filter(|o| o.presence == hotline_domain::Presence::Online)
                    .map(|o| o.operator_id)
                    .collect();
                online.sort();
                online.dedup();
                self.presence
                    .expect_reconnects(online, &self.store, self.away_grace);
            }
            Err(e) => tracing::warn!(error = %e, "cannot read presence after start"),
        }
    }

    async fn update_gauges(&self) -> Result<(), hotline_store::StoreError> {
        for live in self.store.live_stats(&self.departments).await? {
            crate::metrics::record_queue(&live);
        }
        match self.app.open_claim_counts().await {
            Ok(counts) => {
                for department in &self.departments {
                    let (open, overdue) = counts
                        .iter()
                        .find(|c| &c.department == department)
                        .map_or((0, 0), |c| (c.open, c.overdue));
                    crate::metrics::record_claims(department, open, overdue);
                }
            }
            Err(e) => tracing::warn!(error = %e, "claims gauges not updated"),
        }
        Ok(())
    }
}
