//! The security layer's rules: which departments mask strictly and need a
//! fresh second factor, which links operators may send, what an operator may
//! not ask for. Screening a message with them is in [`crate::screening`].

mod recent;
mod settings;

pub(crate) use recent::{Recent, RecentConversations, Said};
pub use settings::{RateLimitSettings, SecuritySettings, takeover_department};

use crate::error::{AppError, AppResult};
use hotline_domain::{
    AuthorKind, CustomerIdentity, Department, DepartmentId, ErrorCode, Message, Principal,
};
use hotline_guard::{Link, LinkPolicy, LinkVerdict, Redaction, Strictness};

/// The topic of account-takeover reports in the security department.
pub const TAKEOVER_TOPIC: &str = "account_takeover";

/// The security settings with what is built from them once.
pub struct Security {
    pub settings: SecuritySettings,
    pub links: LinkPolicy,
    pub(crate) recent: RecentConversations,
}

impl Security {
    pub fn new(settings: SecuritySettings, allowed_link_domains: &[String]) -> Security {
        Security {
            settings,
            links: LinkPolicy::new(allowed_link_domains),
            recent: RecentConversations::default(),
        }
    }

    pub fn strictness(&self, department: &DepartmentId) -> Strictness {
        if self.settings.is_strict(department.as_str()) {
            Strictness::Strict
        } else {
            Strictness::Normal
        }
    }

    /// Customers of step-up departments need a token that says they logged
    /// in with a second factor recently.
    pub fn require_step_up(
        &self,
        customer: &CustomerIdentity,
        department: &DepartmentId,
    ) -> AppResult<()> {
        let security = &self.settings;
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
        Err(AppError::forbidden(
            ErrorCode::StepUpRequired,
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
    pub fn hidden_departments(&self, principal: &Principal) -> Vec<DepartmentId> {
        let Principal::Customer(customer) = principal else {
            return Vec::new();
        };
        self.settings
            .step_up_departments
            .iter()
            .filter_map(|d| DepartmentId::parse(d.clone()).ok())
            .filter(|d| self.require_step_up(customer, d).is_err())
            .collect()
    }

    /// Whether customers should see the department in their list (the
    /// security queue is reached through the takeover report only).
    pub fn listed_for_customers(&self, department: &str) -> bool {
        department != self.settings.takeover_department
    }

    /// Links in `text` that do not point to an allowed domain.
    pub fn flagged_links(&self, text: &str) -> Vec<Link> {
        self.links
            .links(text)
            .into_iter()
            .filter(|l| !l.verdict.is_allowed())
            .collect()
    }

    /// The links an operator should be warned about in a customer's message.
    pub fn flagged_links_for(&self, reader: &Principal, message: &Message) -> Vec<Link> {
        if reader.is_customer() || message.author.kind != AuthorKind::Customer {
            return Vec::new();
        }
        self.flagged_links(&message.text)
    }

    /// Why an operator's text meant for customers is refused, if it is: it
    /// asks for a secret (`secret_request_blocked`) or links outside the
    /// allowed domains (`suspicious_link`). The audit action to record goes
    /// with it.
    pub(crate) fn operator_text_problem(&self, text: &str) -> Option<(&'static str, AppError)> {
        if let Some(secret) = hotline_guard::secret_request(text) {
            crate::metrics::secret_request_blocked();
            let error = AppError::invalid(
                ErrorCode::SecretRequestBlocked,
                format!(
                    "this message asks the customer for a secret ({}); support never asks for codes, PINs, CVV, card numbers, passwords or logins. The attempt was recorded for your supervisor",
                    secret.as_str()
                ),
            )
            .with_details(serde_json::json!({ "requested": secret.as_str() }));
            return Some(("message.secret_request_blocked", error));
        }
        let link = self
            .links
            .links(text)
            .into_iter()
            .find(|l| !l.verdict.is_allowed())?;
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
                self.links.allowed().join(", ")
            ),
        };
        crate::metrics::suspicious_link_refused();
        let error = AppError::invalid(ErrorCode::SuspiciousLink, why)
            .with_details(serde_json::json!({ "link": link }));
        Some(("message.suspicious_link_refused", error))
    }

    /// Canned replies come from the configuration, so they are checked when
    /// it is loaded: one that an operator could not send (it asks for a
    /// secret, or links outside the allowed domains) stops start-up with what
    /// to fix. `replies` are (a name for people, the text).
    pub fn check_canned_replies<'a>(
        &self,
        replies: impl IntoIterator<Item = (String, &'a str)>,
    ) -> anyhow::Result<()> {
        for (name, text) in replies {
            let text = without_placeholders(text);
            if let Some(secret) = hotline_guard::secret_request(&text) {
                anyhow::bail!(
                    "{name} asks the customer for a secret ({}); support never asks for codes, PINs, CVV, card numbers, passwords or logins: rewrite it",
                    secret.as_str()
                );
            }
            if let Some(link) = self
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
}

/// Adds the department account-takeover reports go to, unless configured.
pub fn add_takeover_department(
    departments: &mut Vec<Department>,
    settings: &SecuritySettings,
) -> anyhow::Result<()> {
    let id = &settings.takeover_department;
    if !departments.iter().any(|d| d.id.as_str() == id) {
        departments.push(takeover_department(id)?);
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

pub(crate) fn note_redactions(redactions: &[Redaction]) {
    for r in redactions {
        crate::metrics::secret_masked(r.kind);
    }
}

/// Why an operator's display name is refused (look-alike letters, invisible
/// or bidi characters, an imitation of «поддержка» or of the company's name
/// as its `allowed_link_domains` spell it), if it is.
pub fn operator_name_problem(name: &str, allowed_link_domains: &[String]) -> Option<&'static str> {
    name_problem(name, &LinkPolicy::new(allowed_link_domains))
}

fn name_problem(name: &str, links: &LinkPolicy) -> Option<&'static str> {
    hotline_guard::display_name_problem(name, &links.company_names()).map(|p| p.explain())
}

impl Security {
    /// [`operator_name_problem`] under this server's allowed domains.
    pub fn operator_name_problem(&self, name: &str) -> Option<&'static str> {
        name_problem(name, &self.links)
    }
}

/// Masks secrets in a display name or file name.
pub fn mask_name(name: &mut String) {
    let scan = hotline_guard::scan(name, None, Strictness::Normal);
    if !scan.redactions.is_empty() {
        *name = scan.masked;
    }
}
