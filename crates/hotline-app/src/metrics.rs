//! The use cases' Prometheus metrics, each named and described once here
//! (docs/configuration.md lists them). The recorder is the server's:
//! [`describe`] runs once it is installed.

use hotline_domain::AuthorKind;
use hotline_guard::RedactionKind;
use metrics::{counter, describe_counter};

pub const CONVERSATIONS_STARTED: &str = "hotline_conversations_started_total";
pub const MESSAGES_CREATED: &str = "hotline_messages_created_total";
pub const ACCOUNT_TAKEOVER_REPORTS: &str = "hotline_account_takeover_reports_total";
pub const SECRETS_MASKED: &str = "hotline_secrets_masked_total";
pub const SECRET_REQUESTS_BLOCKED: &str = "hotline_secret_requests_blocked_total";
pub const SUSPICIOUS_LINKS_REFUSED: &str = "hotline_suspicious_links_refused_total";
pub const CONVERSATIONS_RATED: &str = "hotline_conversations_rated_total";
pub const CLAIM_ALERTS: &str = "hotline_claim_alerts_total";
pub const BOT_REDIRECTS: &str = "hotline_bot_redirects_total";

/// Every metric above, for the documentation check.
pub const ALL: &[&str] = &[
    CONVERSATIONS_STARTED,
    MESSAGES_CREATED,
    ACCOUNT_TAKEOVER_REPORTS,
    SECRETS_MASKED,
    SECRET_REQUESTS_BLOCKED,
    SUSPICIOUS_LINKS_REFUSED,
    CONVERSATIONS_RATED,
    CLAIM_ALERTS,
    BOT_REDIRECTS,
];

/// Tells the installed recorder what each metric means.
pub fn describe() {
    describe_counter!(CONVERSATIONS_STARTED, "conversations started");
    describe_counter!(
        MESSAGES_CREATED,
        "messages stored (retries not counted), by author: customer, operator or bot"
    );
    describe_counter!(
        ACCOUNT_TAKEOVER_REPORTS,
        "«my account was taken over» reports"
    );
    describe_counter!(SECRETS_MASKED, "secrets masked in messages, by kind");
    describe_counter!(
        CLAIM_ALERTS,
        "claims that became due soon or overdue, by alert: due_soon or overdue"
    );
    describe_counter!(
        SECRET_REQUESTS_BLOCKED,
        "operator texts refused for asking a customer for a secret"
    );
    describe_counter!(
        SUSPICIOUS_LINKS_REFUSED,
        "operator texts refused for a link outside the allowed domains"
    );
    describe_counter!(
        BOT_REDIRECTS,
        "requests of the press, investors and partners the bot answered with their address, by kind"
    );
    describe_counter!(
        CONVERSATIONS_RATED,
        "customers' ratings of resolved conversations (CSAT), by department and score"
    );
}

pub(crate) fn conversation_started() {
    counter!(CONVERSATIONS_STARTED).increment(1);
}

pub(crate) fn message_created(author: AuthorKind) {
    counter!(MESSAGES_CREATED, "author" => author.as_str()).increment(1);
}

pub(crate) fn account_takeover_reported() {
    counter!(ACCOUNT_TAKEOVER_REPORTS).increment(1);
}

pub(crate) fn secret_masked(kind: RedactionKind) {
    counter!(SECRETS_MASKED, "kind" => kind.as_str()).increment(1);
}

pub(crate) fn secret_request_blocked() {
    counter!(SECRET_REQUESTS_BLOCKED).increment(1);
}

pub(crate) fn suspicious_link_refused() {
    counter!(SUSPICIOUS_LINKS_REFUSED).increment(1);
}

pub(crate) fn conversation_rated(department: &str, score: u8) {
    counter!(CONVERSATIONS_RATED, "department" => department.to_owned(), "score" => score.to_string())
        .increment(1);
}

pub(crate) fn claim_alert(alert: hotline_domain::claims::ClaimAlert) {
    counter!(CLAIM_ALERTS, "alert" => alert.as_str()).increment(1);
}

pub(crate) fn redirected(kind: hotline_search::ContactRequest) {
    counter!(BOT_REDIRECTS, "kind" => kind.as_str()).increment(1);
}
