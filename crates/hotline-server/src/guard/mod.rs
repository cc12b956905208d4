//! The security layer in the message path. Every message is screened here
//! before the store (and so before the log, the event bus, the search index
//! and the bot) sees it:
//!
//! - secrets in it are masked (customers' and operators' alike: nobody
//!   needs a card number in the archive);
//! - an operator's public message that asks for a secret, or links outside
//!   the allowed domains, is refused;
//! - customers of step-up departments (the bank) need a fresh strong login.

pub mod audit;
pub mod limits;
pub mod retention;
pub mod settings;

use crate::api::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::http::StatusCode;
use hotline_domain::{
    AuthorKind, Conversation, ConversationId, CustomerId, CustomerIdentity, DepartmentId,
    OperatorPrincipal, Principal,
};
use hotline_guard::{Link, LinkPolicy, LinkVerdict, Redaction, Strictness};
use hotline_store::MessageQuery;

/// A card typed across two messages is joined only when the second follows
/// the first this quickly.
const SPLIT_CARD_WINDOW_SECONDS: i64 = 600;

/// Adds the department account-takeover reports go to, unless configured.
pub fn add_takeover_department(settings: &mut crate::settings::Settings) -> anyhow::Result<()> {
    let id = settings.security.takeover_department.clone();
    if !settings.departments.iter().any(|d| d.id.as_str() == id) {
        settings
            .departments
            .push(settings::takeover_department(&id)?);
    }
    Ok(())
}

/// Whether customers should see the department in their list (the
/// security queue is reached through the takeover report only).
pub fn listed_for_customers(settings: &crate::settings::Settings, department: &str) -> bool {
    department != settings.security.takeover_department
}

/// The guard's configuration, built once.
pub struct Guard {
    pub links: LinkPolicy,
    /// Whose conversations are where, for customers' messages.
    pub owners: Owners,
}

impl Guard {
    pub fn new(settings: &crate::settings::Settings) -> Guard {
        Guard {
            links: LinkPolicy::new(&settings.allowed_link_domains),
            owners: Owners::default(),
        }
    }
}

/// The department and customer of conversations customers wrote to lately.
/// Screening needs the department before the write (strict masking and the
/// step-up login depend on it); reading the conversation for every message
/// cost a third of the throughput. Only a transfer moves a conversation:
/// [`Owners::moved`] runs after its commit, and an entry read before that
/// commit is never kept (the generation check in [`Owners::remember`]).
/// The map is per process, like the WebSocket tickets: several nodes would
/// have to hear each other's transfers.
#[derive(Default)]
pub struct Owners {
    inner: std::sync::RwLock<OwnersInner>,
}

#[derive(Default)]
struct OwnersInner {
    generation: u64,
    map: std::collections::HashMap<ConversationId, (DepartmentId, CustomerId)>,
}

/// Entries kept before the map starts over (about 100 bytes each).
const OWNERS_CAPACITY: usize = 100_000;

impl Owners {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, OwnersInner> {
        self.inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, OwnersInner> {
        self.inner
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, id: &ConversationId) -> Option<(DepartmentId, CustomerId)> {
        self.read().map.get(id).cloned()
    }

    /// Read before looking the conversation up in the store.
    fn generation(&self) -> u64 {
        self.read().generation
    }

    /// Keeps what the store said, unless a transfer committed since
    /// `generation` was read (the store may have answered with the old
    /// department).
    fn remember(&self, generation: u64, conversation: &Conversation) {
        let mut inner = self.write();
        if inner.generation != generation {
            return;
        }
        if inner.map.len() >= OWNERS_CAPACITY {
            inner.map.clear();
        }
        inner.map.insert(
            conversation.id.clone(),
            (
                conversation.department.clone(),
                conversation.customer.id.clone(),
            ),
        );
    }

    /// A transfer committed: forget the conversation, and refuse entries
    /// read before now.
    pub fn moved(&self, id: &ConversationId) {
        let mut inner = self.write();
        inner.generation += 1;
        inner.map.remove(id);
    }
}

/// A message as it may be stored.
#[derive(Debug)]
pub struct Screened {
    /// The text with secrets masked.
    pub text: String,
    /// What was masked; told to the sender only.
    pub redactions: Vec<Redaction>,
    /// Links in a customer's message that do not point to an allowed domain.
    pub flagged_links: Vec<Link>,
}

/// Where a message goes.
pub enum Destination<'a> {
    /// The first message of a new conversation.
    New(&'a DepartmentId),
    Existing(&'a ConversationId),
}

/// Screens a message before it is stored. (Customers' display names are
/// masked when their token is verified.)
pub async fn screen_message(
    state: &AppState,
    principal: &Principal,
    destination: Destination<'_>,
    text: String,
    internal: bool,
) -> ApiResult<Screened> {
    let security = &state.settings.security;
    let (department, conversation) = match destination {
        Destination::New(department) => (department.clone(), None),
        Destination::Existing(id) => match principal {
            // The conversation itself is needed only to look for the start
            // of a card in the previous message.
            Principal::Customer(customer) if !hotline_guard::may_finish_split_card(&text) => {
                match state.guard.owners.get(id) {
                    Some((_, owner)) if owner != customer.id => {
                        return Err(ApiError::not_found());
                    }
                    Some((department, _)) => (department, None),
                    None => {
                        let conversation = owned_conversation(state, principal, id).await?;
                        (conversation.department.clone(), None)
                    }
                }
            }
            _ => {
                let conversation = owned_conversation(state, principal, id).await?;
                (conversation.department.clone(), Some(conversation))
            }
        },
    };
    let strictness = if security.is_strict(department.as_str()) {
        Strictness::Strict
    } else {
        Strictness::Normal
    };
    match principal {
        Principal::Customer(customer) => {
            require_step_up(state, customer, &department)?;
            let previous = match &conversation {
                Some(conversation) if hotline_guard::may_finish_split_card(&text) => {
                    previous_from(state, conversation, customer).await?
                }
                _ => None,
            };
            let scan =
                hotline_guard::scan(&text, previous.as_ref().map(|p| p.1.as_str()), strictness);
            if scan.previous_holds_card_start
                && let (Some(conversation), Some((seq, previous_text))) = (&conversation, &previous)
            {
                state
                    .store
                    .redact_message(
                        &conversation.id,
                        *seq,
                        hotline_guard::mask_trailing_digits(previous_text),
                    )
                    .await?;
            }
            note_redactions(&scan.redactions);
            let flagged_links = flagged_links(state, &text);
            Ok(Screened {
                text: scan.masked,
                redactions: scan.redactions,
                flagged_links,
            })
        }
        Principal::Operator(operator) => {
            if !internal {
                check_operator_text(
                    state,
                    operator,
                    conversation.as_ref().map(|c| c.id.as_str()),
                    department.as_str(),
                    &text,
                )
                .await?;
            }
            let scan = hotline_guard::scan(&text, None, strictness);
            note_redactions(&scan.redactions);
            Ok(Screened {
                text: scan.masked,
                redactions: scan.redactions,
                flagged_links: Vec::new(),
            })
        }
    }
}

/// Canned replies come from the configuration, so they are checked when it
/// is loaded: one that an operator could not send (it asks for a secret, or
/// links outside the allowed domains) stops start-up with what to fix.
pub fn check_canned_replies(
    guard: &Guard,
    replies: &[crate::web::canned::CannedReply],
) -> anyhow::Result<()> {
    for reply in replies {
        let name = format!("the canned reply «{}» ({})", reply.title, reply.department);
        let text = without_placeholders(&reply.text);
        if let Some(secret) = hotline_guard::secret_request(&text) {
            anyhow::bail!(
                "{name} asks the customer for a secret ({}); support never asks for codes, PINs, CVV, card numbers, passwords or logins: rewrite it",
                secret.as_str()
            );
        }
        if let Some(link) = guard
            .links
            .links(&text)
            .into_iter()
            .find(|l| !l.verdict.is_allowed())
        {
            anyhow::bail!(
                "{name} links to {}, which is not on allowed_link_domains: link to an allowed domain or add it there",
                link.text
            );
        }
    }
    Ok(())
}

/// `text` with its `{{…}}` placeholders blanked: «{{customer.name}}» is not a
/// link to the `.name` domain. They are filled in when the reply is inserted,
/// and the message is checked again when it is sent.
fn without_placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(length) = rest[start..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push(' ');
        rest = &rest[start + length + 2..];
    }
    out.push_str(rest);
    out
}

/// Refuses an operator's text meant for customers — a message, or a canned
/// reply when it is saved — that asks for a secret (422
/// `secret_request_blocked`) or links outside the allowed domains (422
/// `suspicious_link`). Refusals are recorded in the audit log.
pub async fn check_operator_text(
    state: &AppState,
    operator: &OperatorPrincipal,
    conversation: Option<&str>,
    department: &str,
    text: &str,
) -> ApiResult<()> {
    let actor = || audit::Actor {
        kind: "operator",
        id: operator.id.to_string(),
    };
    if let Some(secret) = hotline_guard::secret_request(text) {
        tracing::warn!(
            target: "hotline::security",
            operator = %operator.id,
            department,
            requested = secret.as_str(),
            "refused an operator message asking the customer for a secret"
        );
        metrics::counter!("hotline_secret_requests_blocked_total").increment(1);
        audit::record(
            state,
            actor(),
            "message.secret_request_blocked",
            conversation,
            serde_json::json!({ "requested": secret.as_str(), "department": department }),
        )
        .await?;
        return Err(ApiError::unprocessable(
            "secret_request_blocked",
            format!(
                "this message asks the customer for a secret ({}); support never asks for codes, PINs, CVV, card numbers, passwords or logins. The attempt was recorded for your supervisor",
                secret.as_str()
            ),
        )
        .with_extra(serde_json::json!({ "requested": secret.as_str() })));
    }
    if let Err(refused) = refuse_bad_links(&state.guard.links, text) {
        audit::record(
            state,
            actor(),
            "message.suspicious_link_refused",
            conversation,
            refused.extra.clone().unwrap_or_default(),
        )
        .await?;
        return Err(refused);
    }
    Ok(())
}

fn refuse_bad_links(policy: &LinkPolicy, text: &str) -> ApiResult<()> {
    let Some(link) = policy
        .links(text)
        .into_iter()
        .find(|l| !l.verdict.is_allowed())
    else {
        return Ok(());
    };
    let host = link.host.clone().unwrap_or_else(|| link.text.clone());
    let why = match &link.verdict {
        LinkVerdict::LookAlike { of, how } => format!(
            "{host} imitates the allowed domain {of} ({})",
            serde_json::to_value(how)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        ),
        LinkVerdict::Dangerous => {
            format!("{host} is not a safe link (script, IP address or look-alike letters)")
        }
        _ => format!(
            "{host} is not among the allowed domains ({})",
            policy.allowed().join(", ")
        ),
    };
    metrics::counter!("hotline_suspicious_links_refused_total").increment(1);
    Err(ApiError::unprocessable("suspicious_link", why)
        .with_extra(serde_json::json!({ "link": link })))
}

fn note_redactions(redactions: &[Redaction]) {
    for r in redactions {
        metrics::counter!("hotline_secrets_masked_total", "kind" => r.kind.as_str()).increment(1);
    }
}

fn flagged_links(state: &AppState, text: &str) -> Vec<Link> {
    state
        .guard
        .links
        .links(text)
        .into_iter()
        .filter(|l| !l.verdict.is_allowed())
        .collect()
}

/// The links an operator should be warned about in a customer's message.
pub fn flagged_links_for(
    state: &AppState,
    reader: &Principal,
    message: &hotline_domain::Message,
) -> Vec<Link> {
    if reader.is_customer() || message.author.kind != AuthorKind::Customer {
        return Vec::new();
    }
    flagged_links(state, &message.text)
}

/// Why an operator's display name is refused (look-alike letters, invisible
/// or bidi characters), if it is.
pub fn operator_name_problem(name: &str) -> Option<&'static str> {
    hotline_guard::display_name_problem(name).map(|p| p.explain())
}

/// Masks secrets in a display name or file name.
pub fn mask_name(name: &mut String) {
    let scan = hotline_guard::scan(name, None, Strictness::Normal);
    if !scan.redactions.is_empty() {
        *name = scan.masked;
    }
}

/// The customer's own previous message in the conversation (its `seq` and
/// text), when it is the latest one and recent.
/// The conversation, when the caller may see it; customers' answers are
/// remembered in [`Owners`].
async fn owned_conversation(
    state: &AppState,
    principal: &Principal,
    id: &ConversationId,
) -> ApiResult<Conversation> {
    let generation = state.guard.owners.generation();
    let conversation = state
        .store
        .conversation(id)
        .await?
        .filter(|c| principal.can_access(c))
        .ok_or_else(ApiError::not_found)?;
    if principal.is_customer() {
        state.guard.owners.remember(generation, &conversation);
    }
    Ok(conversation)
}

async fn previous_from(
    state: &AppState,
    conversation: &Conversation,
    customer: &CustomerIdentity,
) -> ApiResult<Option<(i64, String)>> {
    if conversation.last_seq < 1 {
        return Ok(None);
    }
    let last = state
        .store
        .messages(MessageQuery {
            conversation_id: conversation.id.clone(),
            after_seq: conversation.last_seq - 1,
            limit: 1,
            include_internal: true,
        })
        .await?;
    let now = time::OffsetDateTime::now_utc();
    Ok(last
        .into_iter()
        .find(|m| {
            m.author.kind == AuthorKind::Customer
                && m.author.id.as_deref() == Some(customer.id.as_str())
                && (now - m.created_at).whole_seconds() <= SPLIT_CARD_WINDOW_SECONDS
        })
        .map(|m| (m.seq, m.text)))
}

/// Customers of step-up departments need a token that says they logged in
/// with a second factor recently.
pub fn require_step_up(
    state: &AppState,
    customer: &CustomerIdentity,
    department: &DepartmentId,
) -> ApiResult<()> {
    let security = &state.settings.security;
    if !security.needs_step_up(department.as_str()) {
        return Ok(());
    }
    let strong = customer.amr.iter().any(|m| {
        security
            .step_up_methods
            .iter()
            .any(|s| s.eq_ignore_ascii_case(m))
    });
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let fresh = customer
        .auth_time
        .is_some_and(|t| t <= now + 60 && now - t <= security.step_up_max_age_minutes * 60);
    if strong && fresh {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "step_up_required",
        format!(
            "the {} department needs a fresh confirmation: log in again with a one-time code or PIN (the token's amr must include one of {}, and auth_time must be within {} minutes)",
            department.as_str(),
            security.step_up_methods.join(", "),
            security.step_up_max_age_minutes
        ),
    ))
}

/// The departments whose events a reader may not follow now: for a
/// customer without a fresh step-up login, the step-up departments.
pub fn hidden_departments(state: &AppState, principal: &Principal) -> Vec<DepartmentId> {
    let Principal::Customer(customer) = principal else {
        return Vec::new();
    };
    state
        .settings
        .security
        .step_up_departments
        .iter()
        .filter_map(|d| DepartmentId::parse(d.clone()).ok())
        .filter(|d| require_step_up(state, customer, d).is_err())
        .collect()
}

/// Checks and records a read of a conversation: step-up for customers of
/// step-up departments; operators' reads of those departments go to the
/// audit log.
pub async fn on_read(
    state: &AppState,
    principal: &Principal,
    conversation: &Conversation,
) -> ApiResult<()> {
    match principal {
        Principal::Customer(customer) => require_step_up(state, customer, &conversation.department),
        Principal::Operator(_) => {
            if state
                .settings
                .security
                .needs_step_up(conversation.department.as_str())
            {
                audit::record(
                    state,
                    audit::Actor::of(principal),
                    "conversation.read",
                    Some(conversation.id.as_str()),
                    serde_json::json!({ "department": conversation.department.as_str() }),
                )
                .await?;
            }
            Ok(())
        }
    }
}
