use crate::auth::identity::IdentityVerifier;
use crate::realtime::hub::Hub;
use crate::realtime::tickets::Tickets;
use crate::settings::Settings;
use hotline_app::App;
use hotline_app::files::Files;
use hotline_app::help_center::HelpCenter;
use hotline_domain::{Department, DepartmentId};
use hotline_store::Store;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The use cases; HTTP handlers extract, call one, and render its result.
    pub app: Arc<App>,
    pub store: Arc<dyn Store>,
    pub settings: Arc<Settings>,
    pub identity: Arc<IdentityVerifier>,
    pub hub: Hub,
    pub tickets: Tickets,
    /// The attachment files.
    pub files: Arc<Files>,
    /// Cancelled when the server shuts down, to close WebSockets cleanly.
    pub shutdown: CancellationToken,
    /// Password checks running at once (each Argon2 check takes ~19 MiB and
    /// a core for tens of milliseconds): a login flood queues here.
    pub password_checks: Arc<tokio::sync::Semaphore>,
    /// The demo site (`hotline serve --demo`); `None` in production.
    pub demo: Option<Arc<crate::web::demo::DemoSite>>,
    pub limits: Arc<crate::security::limits::Limits>,
    /// Operators' open console connections, for automatic `away`.
    pub presence: crate::queues::presence::PresenceTracker,
}

impl AppState {
    pub fn department(&self, id: &DepartmentId) -> Option<&Department> {
        self.app.department(id)
    }

    pub fn help_center(&self) -> &HelpCenter {
        self.app.help_center()
    }
}
