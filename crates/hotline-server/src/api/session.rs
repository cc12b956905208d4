//! Operator login and logout, the caller's identity, WebSocket tickets.

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::Json;
use crate::api::views::*;
use crate::auth::{self, Auth, Credentials, passwords};
use crate::realtime::tickets::TICKET_TTL;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{AppendHeaders, IntoResponse};
use hotline_app::audit;
use hotline_domain::{ErrorCode, Principal};
use hotline_store::NewSession;

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody, description = "Wrong e-mail or password")))]
pub async fn login(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Json(body): Json<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    let email = body.email.trim().to_lowercase();
    let record = state.store.operator_by_email(&email).await?;
    let hash = record
        .as_ref()
        .map(|r| r.password_hash.clone())
        .unwrap_or_else(|| passwords::decoy_hash().to_owned());
    let password = body.password;
    if password.len() > passwords::MAX_PASSWORD_BYTES {
        return Err(ApiError::new(
            ErrorCode::InvalidCredentials,
            "wrong e-mail or password",
        ));
    }
    // Argon2 is deliberately slow: keep it off the async workers, a few at a time.
    let _permit = state
        .password_checks
        .acquire()
        .await
        .map_err(ApiError::internal)?;
    let matches = tokio::task::spawn_blocking(move || passwords::verify_password(&password, &hash))
        .await
        .map_err(ApiError::internal)?;
    let Some(record) = record.filter(|_| matches) else {
        state
            .app
            .audit(
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
    let lifetime = i64::from(state.settings.session_hours) * 3600;
    let expires_at_unix = auth::unix_now() + lifetime;
    state
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
    state
        .app
        .audit(
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
    State(state): State<AppState>,
    Credentials(caller): Credentials,
) -> ApiResult<impl IntoResponse> {
    if let Some(session) = &caller.session_hash {
        state.store.delete_session(session).await?;
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
    State(state): State<AppState>,
    Credentials(caller): Credentials,
) -> ApiResult<Json<WsTicket>> {
    let ticket = state.tickets.issue(caller).ok_or_else(|| {
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
