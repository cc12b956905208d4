//! Hotline's use cases, written once above any database and any transport.
//!
//! Every entry point — the HTTP API, the widget's pages, the demo, and
//! the Telegram and VK adapters — calls these functions with a typed command
//! and the authenticated [`Principal`], and gets a typed result or an
//! [`AppError`] with a stable code. Nothing here knows HTTP or SQL: state is
//! read and written through the [`Store`] traits.
//!
//! - [`App::open_conversation`] is the one door for reading a conversation or
//!   anything that hangs on it: authorisation, the bank's step-up rule and
//!   the read audit.
//! - [`App::start_conversation`] and [`App::post_message`] screen a message
//!   ([`screening`]) before the store writes it.
//! - [`App::bus`] carries committed events to live readers ([`bus`]).
//! - [`App::take_in`] brings a social chat's update into the same flows
//!   ([`channels`]).

pub mod audit;
pub mod bus;
pub mod callbacks;
pub mod canned;
pub mod channels;
pub mod claims;
pub mod conversations;
pub mod dossier;
mod error;
pub mod files;
pub mod help_center;
pub mod metrics;
pub mod privacy;
pub mod reading;
pub mod reports;
pub mod screening;
pub mod search;
pub mod security;
pub mod service_levels;
pub mod team;
pub mod topics;
pub mod webhooks;

pub use conversations::{
    ClaimedOrder, ListedConversation, MessageDraft, NewConversation, Sent, StartOutcome,
};
pub use error::{AppError, AppResult, ErrorKind};
pub use reading::Purpose;
pub use screening::Screening;

use bus::EventBus;
use help_center::HelpCenter;
use hotline_domain::{Audience, Department, DepartmentId, Principal};
use hotline_store::Store;
use security::{Security, SecuritySettings};
use std::sync::Arc;

/// What the use cases are configured with.
#[derive(Debug, Clone)]
pub struct AppSettings {
    pub departments: Vec<Department>,
    /// Longest message, in characters.
    pub max_message_chars: usize,
    pub security: SecuritySettings,
    /// Domains operators may link to; see `Settings::allowed_link_domains`.
    pub allowed_link_domains: Vec<String>,
    pub claims: claims::ClaimSettings,
    pub callbacks: callbacks::CallbackSettings,
    /// Where the bot sends the press, investors and partners.
    pub contacts: help_center::contacts::Contacts,
    pub webhooks: webhooks::WebhookSettings,
    /// Canned replies from the configuration file; the console's changes
    /// are stored and win over them.
    pub canned_replies: Vec<canned::CannedReply>,
    /// The routing rules from the configuration file; the console's SLA
    /// policy, when stored, replaces theirs.
    pub queue_config: hotline_store::QueueConfig,
}

/// The caller as an administrator, or `forbidden` with `refusal`.
pub(crate) fn administrator<'p>(
    principal: &'p Principal,
    refusal: &str,
) -> AppResult<&'p hotline_domain::OperatorPrincipal> {
    match principal {
        Principal::Operator(o) if o.role == hotline_domain::Role::Admin => Ok(o),
        _ => Err(AppError::forbidden(
            hotline_domain::ErrorCode::Forbidden,
            refusal,
        )),
    }
}

/// The caller as a supervisor or an administrator, or `forbidden` with `refusal`.
pub(crate) fn supervisor<'p>(
    principal: &'p Principal,
    refusal: &str,
) -> AppResult<&'p hotline_domain::OperatorPrincipal> {
    match principal {
        Principal::Operator(o) if o.role.may_assign_others() => Ok(o),
        _ => Err(AppError::forbidden(
            hotline_domain::ErrorCode::Forbidden,
            refusal,
        )),
    }
}

/// What stops a node from serving; `None` where all is well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    pub store: Option<String>,
    pub bus: Option<String>,
}

impl Readiness {
    pub fn is_ready(&self) -> bool {
        self.store.is_none() && self.bus.is_none()
    }
}

/// The application: the store, the event bus, the rules and the help center.
pub struct App {
    store: Arc<dyn Store>,
    bus: Arc<dyn EventBus>,
    /// The departments in effect: the file's, with the topics the console
    /// changed (swapped whole when they change).
    departments: std::sync::RwLock<Arc<Vec<Department>>>,
    /// The file's departments, which the console's topics apply to.
    file_departments: Vec<Department>,
    max_message_chars: usize,
    security: Security,
    help_center: Arc<HelpCenter>,
    claims: claims::ClaimSettings,
    callbacks: callbacks::CallbackSettings,
    contacts: help_center::contacts::Contacts,
    webhooks: webhooks::WebhookSettings,
    canned_replies: Vec<canned::CannedReply>,
    queue_config: hotline_store::QueueConfig,
    /// The SLA policy the queues were last configured with.
    applied_sla: std::sync::Mutex<Option<hotline_domain::SlaPolicy>>,
    /// The help center's revision this node's search index has.
    seen_kb_revision: std::sync::Mutex<Option<serde_json::Value>>,
}

impl App {
    /// `bus` must be the sink `store` was opened with, so that what the
    /// store commits reaches the bus's readers.
    pub fn new(
        store: Arc<dyn Store>,
        bus: Arc<dyn EventBus>,
        settings: AppSettings,
        help_center: Arc<HelpCenter>,
    ) -> App {
        App {
            store,
            bus,
            departments: std::sync::RwLock::new(Arc::new(settings.departments.clone())),
            file_departments: settings.departments,
            max_message_chars: settings.max_message_chars,
            security: Security::new(settings.security, &settings.allowed_link_domains),
            help_center,
            claims: settings.claims,
            callbacks: settings.callbacks,
            contacts: settings.contacts,
            webhooks: settings.webhooks,
            canned_replies: settings.canned_replies,
            queue_config: settings.queue_config,
            applied_sla: std::sync::Mutex::new(None),
            seen_kb_revision: std::sync::Mutex::new(None),
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Live events; the store's log is the truth behind them.
    pub fn bus(&self) -> &Arc<dyn EventBus> {
        &self.bus
    }

    /// Whether this node can serve: its store answers a read within
    /// `within` and its bus carries events.
    pub async fn readiness(&self, within: std::time::Duration) -> Readiness {
        let store = match tokio::time::timeout(within, self.store.departments()).await {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some(format!("the store failed a read: {e}")),
            Err(_) => Some(format!("the store did not answer within {within:?}")),
        };
        Readiness {
            store,
            bus: self.bus.problem(),
        }
    }

    pub fn security(&self) -> &Security {
        &self.security
    }

    pub fn help_center(&self) -> &Arc<HelpCenter> {
        &self.help_center
    }

    /// The departments in effect now.
    pub fn departments(&self) -> Arc<Vec<Department>> {
        self.departments
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn set_departments(&self, departments: Vec<Department>) {
        *self
            .departments
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(departments);
    }

    /// The departments `caller` may start conversations in (for the
    /// widget's choice): a customer's own audience's, buyers' for anyone
    /// unknown, all for operators; the security queue is never listed.
    pub fn departments_listed_for(&self, caller: Option<&Principal>) -> Vec<Department> {
        let audience = match caller {
            Some(Principal::Customer(customer)) => Some(Audience::of(customer)),
            Some(Principal::Operator(_)) => None,
            None => Some(Audience::Buyers),
        };
        self.departments()
            .iter()
            .filter(|d| {
                self.security.listed_for_customers(d.id.as_str())
                    && audience.is_none_or(|a| a == d.audience)
            })
            .cloned()
            .collect()
    }

    pub fn department(&self, id: &DepartmentId) -> Option<Department> {
        self.departments().iter().find(|d| &d.id == id).cloned()
    }

    /// Whether new conversations in the department start with the answer
    /// bot: when it is configured so (`bot = true`) or has help-center articles.
    pub fn bot_answers(&self, department: &Department) -> bool {
        department.bot || self.help_center.has_articles(&department.id)
    }

    /// Records an action in the audit log.
    pub async fn audit(
        &self,
        actor: audit::Actor,
        action: &str,
        target: Option<&str>,
        details: serde_json::Value,
    ) -> AppResult<()> {
        audit::record(self.store.as_ref(), actor, action, target, details).await
    }

    /// Records `principal`'s action in the audit log.
    pub async fn audit_by(
        &self,
        principal: &Principal,
        action: &str,
        target: Option<&str>,
        details: serde_json::Value,
    ) -> AppResult<()> {
        self.audit(audit::Actor::of(principal), action, target, details)
            .await
    }
}
