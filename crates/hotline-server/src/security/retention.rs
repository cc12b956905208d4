//! Retention's timer: resolved conversations are deleted after
//! `security.retention_days` (0 keeps them forever); the rule is
//! `hotline_app::privacy::sweep_retention`.

use hotline_app::files::Files;
use hotline_app::security::SecuritySettings;
use hotline_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const EVERY: Duration = Duration::from_secs(3600);

/// The retention sweep: what it deletes from, and after how many days.
#[derive(Clone)]
pub struct Retention {
    store: Arc<dyn Store>,
    files: Arc<Files>,
    days: u32,
}

impl Retention {
    pub fn new(store: Arc<dyn Store>, files: Arc<Files>, settings: &SecuritySettings) -> Retention {
        Retention {
            store,
            files,
            days: settings.retention_days,
        }
    }

    /// One pass; returns the conversations deleted.
    pub async fn sweep(&self) -> Result<usize, hotline_app::AppError> {
        hotline_app::privacy::sweep_retention(self.store.as_ref(), &self.files, self.days).await
    }

    /// Runs [`Retention::sweep`] at start and then hourly until `shutdown`
    /// is cancelled; nothing when conversations are kept forever.
    pub fn spawn(self, shutdown: CancellationToken) {
        if self.days == 0 {
            return;
        }
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(EVERY);
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tick.tick() => {
                        if let Err(e) = self.sweep().await {
                            tracing::error!(error = %e, "retention sweep failed; retrying in an hour");
                        }
                    }
                }
            }
        });
    }
}
