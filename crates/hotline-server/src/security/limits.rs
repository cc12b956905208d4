//! Rate limits: per customer and per IP address on messages, conversation
//! starts and uploads; per IP and per e-mail (with back-off) on logins.
//! Over the limit: 429 with `Retry-After`.
//!
//! Each limit is a route layer ([`limit`]) on the routes it governs.
//! Customers are keyed by their verified token's `sub`, as
//! [`crate::auth::verify_bearer`] left it in the request; operators' own
//! requests are not limited per caller (they are few and authenticated),
//! only per address.

use crate::api::error::ApiError;
use crate::auth::VerifiedBearer;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
pub use hotline_app::security::RateLimitSettings;
use hotline_domain::{ErrorCode, Principal};
use serde::Deserialize;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);
/// Login failure records kept at most; older ones are dropped first.
const MAX_TRACKED_LOGINS: usize = 100_000;

type Keyed = DefaultKeyedRateLimiter<String>;

/// What a limited route does; each has its own budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Posting a message.
    Message,
    /// Starting a conversation (a takeover report starts one too).
    Conversation,
    Upload,
    /// Downloading a regulator dossier.
    Dossier,
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
            Action::Dossier => "dossier",
            Action::Login => "login",
        }
    }
}

/// The limit of the routes that perform one action: the state of [`limit`]
/// layered on them.
#[derive(Clone)]
pub struct RouteLimit {
    limits: Arc<Limits>,
    action: Action,
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
            (Action::Dossier, settings.dossiers_per_minute, minute),
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

    /// The limit of the routes that perform `action`.
    pub fn on(self: &Arc<Self>, action: Action) -> RouteLimit {
        RouteLimit {
            limits: self.clone(),
            action,
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

    /// Logins: back off per e-mail after repeated failures.
    async fn back_off_logins(&self, request: Request, next: Next) -> Response {
        let (parts, body) = request.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
            return too_many(Duration::from_secs(1), "bytes in one login");
        };
        let email = serde_json::from_slice::<LoginEmail>(&bytes)
            .ok()
            .map(|l| l.email.trim().to_lowercase());
        if let Some(email) = &email
            && let Some(wait) = self.login_wait(email)
        {
            return too_many(wait, "failed logins for this e-mail");
        }
        let response = next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
        if let Some(email) = email {
            match response.status() {
                StatusCode::OK => self.login_result(email, true),
                StatusCode::UNAUTHORIZED => self.login_result(email, false),
                _ => {}
            }
        }
        response
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

fn client_ip(request: &Request) -> Option<IpAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// The customer behind the request, as its bearer token was verified
/// before routing.
fn verified_customer(request: &Request) -> Option<String> {
    let caller = request.extensions().get::<VerifiedBearer>()?.caller()?;
    match &caller.principal {
        Principal::Customer(customer) => Some(customer.id.to_string()),
        Principal::Operator(_) => None,
    }
}

#[derive(Deserialize)]
struct LoginEmail {
    email: String,
}

/// The route layer: answers 429 when the caller's address, or the customer,
/// is over the route's limit; otherwise runs the route.
pub async fn limit(State(route): State<RouteLimit>, request: Request, next: Next) -> Response {
    let RouteLimit { limits, action } = &route;
    if let Some(ip) = client_ip(&request)
        && let Some(wait) = Limits::check(&limits.per_ip, *action, ip.to_string())
    {
        return too_many(wait, "requests from your address");
    }
    if *action == Action::Login {
        return limits.back_off_logins(request, next).await;
    }
    if let Some(sub) = verified_customer(&request)
        && let Some(wait) = Limits::check(&limits.per_customer, *action, sub)
    {
        return too_many(wait, &format!("{}s", action.name()));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

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
