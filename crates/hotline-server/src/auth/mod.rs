//! Who is calling: customers by the company's identity token, operators by a
//! session token from `POST /api/v1/auth/login`.

pub mod csrf;
pub mod identity;
pub mod passwords;

use crate::api::error::ApiError;
use axum::extract::{FromRef, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use hotline_domain::{ErrorCode, Principal};
use hotline_store::Store;
use identity::IdentityVerifier;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Operator session tokens start with this, so they are never mistaken for JWTs.
pub const OPERATOR_TOKEN_PREFIX: &str = "hlo_";
/// The console's session cookie (HttpOnly, SameSite=Strict).
pub const SESSION_COOKIE: &str = "hotline_session";

pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

pub fn new_session_token() -> String {
    format!("{OPERATOR_TOKEN_PREFIX}{}", random_token(32))
}

/// Sessions are stored by this hash, so a copy of the database opens no session.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A caller, with what is needed to check later that they still may act
/// (long-lived WebSockets re-check it).
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub principal: Principal,
    /// For operators: the hash of their session token.
    pub session_hash: Option<String>,
    /// For customers: when their identity token expires (Unix seconds).
    pub expires_at: Option<i64>,
}

/// Resolves tokens to callers: customers' identity tokens by their
/// signature, operators' session tokens by the store.
#[derive(Clone)]
pub struct Authenticator {
    store: Arc<dyn Store>,
    identity: Arc<IdentityVerifier>,
}

impl Authenticator {
    pub fn new(store: Arc<dyn Store>, identity: IdentityVerifier) -> Authenticator {
        Authenticator {
            store,
            identity: Arc::new(identity),
        }
    }

    /// The caller behind a bearer token or a session cookie's token.
    pub async fn authenticate(&self, token: &str) -> Result<Authenticated, ApiError> {
        if token.starts_with(OPERATOR_TOKEN_PREFIX) {
            let session_hash = token_hash(token);
            let operator = self
                .store
                .session_operator(&session_hash, unix_now())
                .await?;
            return operator
                .map(|operator| Authenticated {
                    principal: Principal::Operator(operator),
                    session_hash: Some(session_hash),
                    expires_at: None,
                })
                .ok_or_else(ended_session);
        }
        self.identity
            .verify(token, unix_now())
            .map(|verified| Authenticated {
                principal: Principal::Customer(verified.customer),
                session_hash: None,
                expires_at: Some(verified.expires_at),
            })
            .map_err(|e| ApiError::new(e.code(), e.to_string()))
    }
}

/// What the request's bearer token resolved to, left in the request's
/// extensions by [`verify_bearer`] (present only when the request has a
/// bearer token). Whoever needs the caller reads it here: the rate limits,
/// the [`Auth`] extractor, the WebSocket; none verifies the token again.
#[derive(Clone)]
pub struct VerifiedBearer(pub Result<Authenticated, ApiError>);

impl VerifiedBearer {
    /// The caller, when the token was good.
    pub fn caller(&self) -> Option<&Authenticated> {
        self.0.as_ref().ok()
    }
}

/// The middleware verifying the request's bearer token, once, before any
/// route sees the request. A bad token is not refused here: only routes that
/// need a caller refuse it, with the reason kept in [`VerifiedBearer`].
pub async fn verify_bearer(
    State(authenticator): State<Authenticator>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(token) = bearer_token(request.headers()) {
        let verified = VerifiedBearer(authenticator.authenticate(token).await);
        request.extensions_mut().insert(verified);
    }
    next.run(request).await
}

fn ended_session() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidSession,
        "the session has expired or was ended; log in again",
    )
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The console's session token from its cookie.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='))
}

/// The authenticated caller. A bearer token works everywhere; the console's
/// session cookie for reads, and for writes only with its `X-CSRF-Token`
/// (see [`csrf`]), so a forged cross-site form cannot act.
pub struct Auth(pub Principal);

/// The caller with their credentials' details, for handlers that keep them.
pub struct Credentials(pub Authenticated);

impl<S> FromRequestParts<S> for Auth
where
    S: Send + Sync,
    Authenticator: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Credentials::from_request_parts(parts, state)
            .await
            .map(|c| Auth(c.0.principal))
    }
}

impl<S> FromRequestParts<S> for Credentials
where
    S: Send + Sync,
    Authenticator: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(VerifiedBearer(verified)) = parts.extensions.remove::<VerifiedBearer>() {
            return verified.map(Credentials);
        }
        let token = match bearer_token(&parts.headers) {
            // Only on a router without `verify_bearer` in front.
            Some(token) => token,
            None if parts.method == Method::GET || parts.method == Method::HEAD => {
                session_cookie(&parts.headers).ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::MissingToken,
                        "send Authorization: Bearer <token>",
                    )
                })?
            }
            None => match session_cookie(&parts.headers) {
                Some(cookie) => {
                    let presented = parts
                        .headers
                        .get(csrf::CSRF_HEADER)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default();
                    if !csrf::matches(cookie, presented) {
                        return Err(ApiError::new(
                            ErrorCode::CsrfTokenInvalid,
                            "send the X-CSRF-Token of this session (reload the console)",
                        ));
                    }
                    cookie
                }
                None => {
                    return Err(ApiError::new(
                        ErrorCode::MissingToken,
                        "send Authorization: Bearer <token>",
                    ));
                }
            },
        };
        Authenticator::from_ref(state)
            .authenticate(token)
            .await
            .map(Credentials)
    }
}
