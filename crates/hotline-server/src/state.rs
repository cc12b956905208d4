use crate::auth::identity::IdentityVerifier;
use crate::realtime::hub::Hub;
use crate::realtime::tickets::Tickets;
use crate::settings::Settings;
use hotline_domain::{Department, DepartmentId};
use hotline_store::Store;
use std::path::PathBuf;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub settings: Arc<Settings>,
    pub identity: Arc<IdentityVerifier>,
    pub hub: Hub,
    pub tickets: Tickets,
    pub attachments_dir: Arc<PathBuf>,
    /// Cancelled when the server shuts down, to close WebSockets cleanly.
    pub shutdown: CancellationToken,
    /// Password checks running at once (each Argon2 check takes ~19 MiB and
    /// a core for tens of milliseconds): a login flood queues here.
    pub password_checks: Arc<tokio::sync::Semaphore>,
    /// The demo site (`hotline serve --demo`); `None` in production.
    pub demo: Option<Arc<crate::web::demo::DemoSite>>,
    /// The security layer's link policy and detectors.
    pub guard: Arc<crate::guard::Guard>,
    pub limits: Arc<crate::guard::limits::Limits>,
    /// Operators' open console connections, for automatic `away`.
    pub presence: crate::queues::presence::PresenceTracker,
    /// Help-center articles, their search index and the answer bot.
    pub kb: Arc<crate::kb::KnowledgeBase>,
}

impl AppState {
    pub fn department(&self, id: &DepartmentId) -> Option<&Department> {
        self.settings.departments.iter().find(|d| &d.id == id)
    }

    /// Whether new conversations in the department start with the answer
    /// bot: when it is configured so (`bot = true`) or has help-center articles.
    pub fn bot_answers(&self, department: &Department) -> bool {
        department.bot || self.kb.has_articles(&department.id)
    }
}
