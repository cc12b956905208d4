//! Rate limits: per customer and per IP address on messages, conversation
//! starts and uploads; per IP and per e-mail (with back-off) on logins.
//! Over the limit: 429 with `Retry-After`.
//!
//! Customers are keyed by their verified token's `sub`; operators' own
//! requests are not limited here (they are few and authenticated), except
//! logins.

use crate::api::error::ApiError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
pub use hotline_app::security::RateLimitSettings;
use hotline_domain::ErrorCode;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);
/// Login failure records kept at most; older ones are dropped first.
const MAX_TRACKED_LOGINS: usize = 100_000;

type Keyed = DefaultKeyedRateLimiter<String>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Message,
    Conversation,
    Upload,
    Login,
}

struct Failures {
    count: u32,
    until: Instant,
}

pub struct Limits {
    settings: RateLimitSettings,
    per_customer: HashMap<&'static str, Keyed>,
    per_ip: HashMap<&'static str, Keyed>,
    login_failures: Mutex<HashMap<String, Failures>>,
}

fn quota(count: u32, per: Duration) -> Option<Quota> {
    let burst = NonZeroU32::new(count)?;
    Quota::with_period(per / count).map(|q| q.allow_burst(burst))
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Action::Message => "message",
            Action::Conversation => "conversation",
            Action::Upload => "upload",
            Action::Login => "login",
        }
    }

    fn of(method: &Method, path: &str) -> Option<Action> {
        if method != Method::POST {
            return None;
        }
        let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        match parts.as_slice() {
            ["", "api", "v1", "conversations"] => Some(Action::Conversation),
            ["", "api", "v1", "security", "account-takeover"] => Some(Action::Conversation),
            ["", "api", "v1", "conversations", _, "messages"] => Some(Action::Message),
            ["", "api", "v1", "attachments"] => Some(Action::Upload),
            ["", "api", "v1", "auth", "login"] => Some(Action::Login),
            _ => None,
        }
    }
}

impl Limits {
    pub fn new(settings: &RateLimitSettings) -> Limits {
        let minute = Duration::from_secs(60);
        let hour = Duration::from_secs(3600);
        let factor = settings.per_ip_factor.max(1);
        let mut per_customer = HashMap::new();
        let mut per_ip = HashMap::new();
        for (action, count, per) in [
            (Action::Message, settings.messages_per_minute, minute),
            (Action::Conversation, settings.conversations_per_hour, hour),
            (Action::Upload, settings.uploads_per_minute, minute),
        ] {
            if let Some(q) = quota(count, per) {
                per_customer.insert(action.name(), RateLimiter::keyed(q));
            }
            if let Some(q) = quota(count.saturating_mul(factor), per) {
                per_ip.insert(action.name(), RateLimiter::keyed(q));
            }
        }
        if let Some(q) = quota(settings.logins_per_minute_per_ip, minute) {
            per_ip.insert(Action::Login.name(), RateLimiter::keyed(q));
        }
        Limits {
            settings: settings.clone(),
            per_customer,
            per_ip,
            login_failures: Mutex::new(HashMap::new()),
        }
    }

    /// How long to wait, if `key` is over its limit for `action`.
    fn check(
        limiters: &HashMap<&'static str, Keyed>,
        action: Action,
        key: String,
    ) -> Option<Duration> {
        let limiter = limiters.get(action.name())?;
        limiter
            .check_key(&key)
            .err()
            .map(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    fn login_wait(&self, email: &str) -> Option<Duration> {
        let failures = self.login_failures.lock().ok()?;
        let record = failures.get(email)?;
        record.until.checked_duration_since(Instant::now())
    }

    fn login_result(&self, email: String, succeeded: bool) {
        let Ok(mut failures) = self.login_failures.lock() else {
            return;
        };
        if succeeded {
            failures.remove(&email);
            return;
        }
        if failures.len() >= MAX_TRACKED_LOGINS {
            let now = Instant::now();
            failures.retain(|_, f| f.until > now);
        }
        let threshold = self.settings.login_failures_before_backoff;
        let record = failures.entry(email).or_insert(Failures {
            count: 0,
            until: Instant::now(),
        });
        record.count += 1;
        if threshold > 0 && record.count >= threshold {
            let exponent = (record.count - threshold).min(20);
            let wait = Duration::from_secs(1u64 << exponent).min(MAX_BACKOFF);
            record.until = Instant::now() + wait;
        }
    }
}

fn too_many(wait: Duration, what: &str) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    let mut response = ApiError::new(
        ErrorCode::RateLimited,
        format!("too many {what}; try again in {seconds} s"),
    )
    .into_response();
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

fn client_ip(request: &Request<Body>) -> Option<IpAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// The customer behind the request's bearer token. The verified caller is
/// left in the request's extensions, so the `Auth` extractor does not verify
/// the token a second time.
fn customer_sub(state: &AppState, request: &mut Request<Body>) -> Option<String> {
    let token = crate::auth::bearer_token(request.headers())?;
    if token.starts_with(crate::auth::OPERATOR_TOKEN_PREFIX) {
        return None;
    }
    let caller = state.authenticator.verify_customer(token).ok()?;
    let hotline_domain::Principal::Customer(customer) = &caller.principal else {
        return None;
    };
    let sub = customer.id.to_string();
    request.extensions_mut().insert(caller);
    Some(sub)
}

#[derive(Deserialize)]
struct LoginEmail {
    email: String,
}

/// The middleware.
pub async fn limit(
    State(state): State<AppState>,
    mut request: Request<Body>,
    next: Next,
) -> Response {
    let Some(action) = Action::of(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    let limits = &state.limits;
    if let Some(ip) = client_ip(&request)
        && let Some(wait) = Limits::check(&limits.per_ip, action, ip.to_string())
    {
        return too_many(wait, "requests from your address");
    }
    if action != Action::Login {
        if let Some(sub) = customer_sub(&state, &mut request)
            && let Some(wait) = Limits::check(&limits.per_customer, action, sub)
        {
            return too_many(wait, &format!("{}s", action.name()));
        }
        return next.run(request).await;
    }
    // Logins: back off per e-mail after repeated failures.
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return too_many(Duration::from_secs(1), "bytes in one login");
    };
    let email = serde_json::from_slice::<LoginEmail>(&bytes)
        .ok()
        .map(|l| l.email.trim().to_lowercase());
    if let Some(email) = &email
        && let Some(wait) = limits.login_wait(email)
    {
        return too_many(wait, "failed logins for this e-mail");
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if let Some(email) = email {
        match response.status() {
            StatusCode::OK => limits.login_result(email, true),
            StatusCode::UNAUTHORIZED => limits.login_result(email, false),
            _ => {}
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_classified() {
        assert!(Action::of(&Method::POST, "/api/v1/conversations") == Some(Action::Conversation));
        assert!(
            Action::of(&Method::POST, "/api/v1/conversations/x/messages") == Some(Action::Message)
        );
        assert!(Action::of(&Method::GET, "/api/v1/conversations/x/messages").is_none());
        assert!(Action::of(&Method::POST, "/api/v1/conversations/x/resolve").is_none());
    }

    #[test]
    fn login_back_off_doubles_after_the_threshold_and_resets_on_success() {
        let limits = Limits::new(&RateLimitSettings::default());
        let email = "a@example.com".to_owned();
        for _ in 0..2 {
            limits.login_result(email.clone(), false);
            assert!(limits.login_wait(&email).is_none());
        }
        limits.login_result(email.clone(), false);
        let first = limits.login_wait(&email).unwrap();
        assert!(first <= Duration::from_secs(1));
        limits.login_result(email.clone(), false);
        let second = limits.login_wait(&email).unwrap();
        assert!(second > Duration::from_secs(1) && second <= Duration::from_secs(2));
        limits.login_result(email.clone(), true);
        assert!(limits.login_wait(&email).is_none());
    }
}
