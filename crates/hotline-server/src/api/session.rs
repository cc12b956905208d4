//! Operator login and logout, the caller's identity, WebSocket tickets.

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::Json;
use crate::api::realtime::Realtime;
use crate::api::views::*;
use crate::auth::{self, Auth, Credentials, passwords};
use crate::realtime::tickets::TICKET_TTL;
use axum::extract::State;
use axum::http::header;
use axum::response::{AppendHeaders, IntoResponse};
use hotline_app::{App, audit};
use hotline_domain::{ErrorCode, Principal};
use hotline_store::{NewSession, Store};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// What logging in and out needs: operators' records and sessions, and the
/// password checks.
#[derive(Clone)]
pub struct Sessions {
    store: Arc<dyn Store>,
    /// How long a session lasts, in seconds.
    lifetime_seconds: i64,
    /// Password checks running at once (each Argon2 check takes ~19 MiB and
    /// a core for tens of milliseconds): a login flood queues here.
    password_checks: Arc<Semaphore>,
}

impl Sessions {
    pub fn new(store: Arc<dyn Store>, session_hours: u32) -> Sessions {
        Sessions {
            store,
            lifetime_seconds: i64::from(session_hours) * 3600,
            password_checks: Arc::new(Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody, description = "Wrong e-mail or password")))]
pub async fn login(
    State(sessions): State<Sessions>,
    State(app): State<Arc<App>>,
    headers: axum::http::HeaderMap,
    Json(body): Json<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    let email = body.email.trim().to_lowercase();
    let record = sessions.store.operator_by_email(&email).await?;
    let hash = record
        .as_ref()
        .map(|r| r.password_hash.clone())
        // An invited operator has no password yet: checked as an unknown e-mail.
        .filter(|hash| !hash.is_empty())
        .unwrap_or_else(|| passwords::decoy_hash().to_owned());
    let password = body.password;
    if password.len() > passwords::MAX_PASSWORD_BYTES {
        return Err(ApiError::new(
            ErrorCode::InvalidCredentials,
            "wrong e-mail or password",
        ));
    }
    // Argon2 is deliberately slow: keep it off the async workers, a few at a time.
    let _permit = sessions
        .password_checks
        .acquire()
        .await
        .map_err(ApiError::internal)?;
    let matches = tokio::task::spawn_blocking(move || passwords::verify_password(&password, &hash))
        .await
        .map_err(ApiError::internal)?;
    let Some(record) = record.filter(|_| matches) else {
        app.audit(
            audit::Actor::anonymous(&email),
            "login_failed",
            None,
            serde_json::json!({}),
        )
        .await?;
        return Err(ApiError::new(
            ErrorCode::InvalidCredentials,
            "wrong e-mail or password",
        ));
    };
    let token = auth::new_session_token();
    let lifetime = sessions.lifetime_seconds;
    let expires_at_unix = auth::unix_now() + lifetime;
    sessions
        .store
        .create_session(NewSession {
            token_hash: auth::token_hash(&token),
            operator_id: record.operator.id.clone(),
            expires_at_unix,
        })
        .await?;
    // Over HTTPS (as the browser's Origin says) the cookie never travels
    // over plain HTTP; a plain-HTTP trial or demo still logs in.
    let secure = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .is_some_and(|o| o.starts_with("https://"));
    let cookie = format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={lifetime}{}",
        auth::SESSION_COOKIE,
        if secure { "; Secure" } else { "" }
    );
    let expires_at = time::OffsetDateTime::from_unix_timestamp(expires_at_unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    tracing::info!(operator = %record.operator.id, "operator logged in");
    app.audit(
        audit::Actor::of(&Principal::Operator(record.operator.clone())),
        "login",
        None,
        serde_json::json!({ "role": record.operator.role.as_str() }),
    )
    .await?;
    Ok((
        AppendHeaders([(header::SET_COOKIE, cookie)]),
        Json(LoginResponse {
            token,
            operator: OperatorView::from(&record.operator),
            expires_at,
        }),
    ))
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "The session is ended"), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn logout(
    State(sessions): State<Sessions>,
    Credentials(caller): Credentials,
) -> ApiResult<impl IntoResponse> {
    if let Some(session) = &caller.session_hash {
        sessions.store.delete_session(session).await?;
    }
    let expired = format!(
        "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
        auth::SESSION_COOKIE
    );
    Ok((
        axum::http::StatusCode::NO_CONTENT,
        AppendHeaders([(header::SET_COOKIE, expired)]),
    ))
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn me(Auth(principal): Auth) -> Json<Me> {
    Json(match &principal {
        Principal::Customer(c) => Me {
            kind: "customer",
            id: c.id.to_string(),
            name: c.name.clone(),
            operator: None,
        },
        Principal::Operator(o) => Me {
            kind: "operator",
            id: o.id.to_string(),
            name: o.name.clone(),
            operator: Some(OperatorView::from(o)),
        },
    })
}

/// A single-use ticket for opening the WebSocket from a browser.
#[utoipa::path(post, path = "/api/v1/ws/ticket", tag = "realtime",
    responses((status = 200, body = WsTicket), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn ws_ticket(
    State(realtime): State<Realtime>,
    Credentials(caller): Credentials,
) -> ApiResult<Json<WsTicket>> {
    let ticket = realtime.tickets.issue(caller).ok_or_else(|| {
        ApiError::new(
            ErrorCode::Busy,
            "too many WebSocket tickets are waiting to be used; try again in a minute",
        )
    })?;
    Ok(Json(WsTicket {
        ticket,
        expires_in: TICKET_TTL.as_secs(),
    }))
}
