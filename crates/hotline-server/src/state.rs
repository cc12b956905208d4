use crate::api::attachments::Attachments;
use crate::api::realtime::Realtime;
use crate::api::session::Sessions;
use crate::auth::Authenticator;
use crate::security::limits::Limits;
use crate::web::WebPages;
use axum::extract::FromRef;
use hotline_app::App;
use hotline_app::help_center::settings::HelpCenterSettings;
use hotline_store::Store;
use std::sync::Arc;

/// What the HTTP handlers share. Each handler extracts only the parts it
/// uses (`State<Arc<App>>`, `State<Sessions>`, …).
#[derive(Clone, FromRef)]
pub struct AppState {
    /// The use cases; HTTP handlers extract, call one, and render its result.
    pub app: Arc<App>,
    /// For the handlers that read or write without a rule in between.
    pub store: Arc<dyn Store>,
    pub authenticator: Authenticator,
    pub sessions: Sessions,
    pub realtime: Realtime,
    pub attachments: Attachments,
    pub pages: WebPages,
    pub help_center: Arc<HelpCenterSettings>,
    /// The social channels configured (Telegram, VK).
    pub channels: crate::channels::Channels,
    /// Layered on the routes they govern when the router is built.
    #[from_ref(skip)]
    pub limits: Arc<Limits>,
}
