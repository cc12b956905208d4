//! The team over HTTP (administrators): the operators, inviting one,
//! changing one, a new invitation; and the invited operator setting their
//! password from the link.

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Json, Path};
use crate::auth::{self, Auth, passwords};
use crate::security::limits::{Action, Limits};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use hotline_app::App;
use hotline_app::team::{Invitation, InviteToken, TeamChange};
use hotline_domain::{DepartmentId, ErrorCode, OperatorId, Role, Timestamp};
use hotline_store::team::OperatorAccount;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes(limits: &Arc<Limits>) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(team, invite_operator))
        .routes(routes!(change_operator))
        .routes(routes!(reinvite_operator))
        // Guessing invitation tokens is guessing passwords: the logins' budget.
        .routes(crate::api::limited(
            routes!(accept_invite),
            limits,
            Action::Login,
        ))
}

/// How long an invitation link works.
const INVITE_HOURS: i64 = 72;

#[derive(Debug, Serialize, ToSchema)]
pub struct OperatorAccountView {
    pub id: OperatorId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub departments: Vec<DepartmentId>,
    /// `false`: deactivated; they cannot log in.
    pub active: bool,
    /// Invited, no password set yet.
    pub invited: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<OperatorAccount> for OperatorAccountView {
    fn from(account: OperatorAccount) -> Self {
        OperatorAccountView {
            id: account.operator.id,
            name: account.operator.name,
            email: account.email,
            role: account.operator.role,
            departments: account.operator.departments,
            active: account.active,
            invited: account.invited,
            created_at: account.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamView {
    pub operators: Vec<OperatorAccountView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitedView {
    pub operator: OperatorAccountView,
    /// The link to pass on, relative to the server (`/console#invite=…`):
    /// the token sits after `#`, so it never reaches a server log.
    pub invite_path: String,
    /// When the link stops working (Unix seconds).
    pub invite_expires_at: i64,
}

/// A fresh invitation token: the link's token and the hash that is stored.
fn new_invite() -> (String, InviteToken) {
    let token = auth::new_session_token();
    let invite = InviteToken {
        token_hash: auth::token_hash(&token),
        expires_at_unix: auth::unix_now() + INVITE_HOURS * 3600,
    };
    (token, invite)
}

fn invited(account: OperatorAccount, token: &str, expires_at: i64) -> InvitedView {
    InvitedView {
        operator: account.into(),
        invite_path: format!("/console#invite={token}"),
        invite_expires_at: expires_at,
    }
}

/// The team, by name: every operator with their role, departments and status.
#[utoipa::path(get, path = "/api/v1/operators", tag = "settings",
    responses((status = 200, body = TeamView),
        (status = 403, body = ErrorBody, description = "For administrators")),
    security(("bearer" = [])))]
pub async fn team(State(app): State<Arc<App>>, Auth(principal): Auth) -> ApiResult<Json<TeamView>> {
    let operators = app.team(&principal).await?;
    Ok(Json(TeamView {
        operators: operators.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    pub email: String,
    /// As customers will see it in the chat.
    pub name: String,
    /// `operator`, `supervisor` or `admin`.
    pub role: String,
    pub departments: Vec<String>,
}

/// Invites an operator: their account exists at once, without a password;
/// the link (valid 72 hours, once) lets them set one.
#[utoipa::path(post, path = "/api/v1/operators", tag = "settings",
    request_body = InviteRequest,
    responses((status = 201, body = InvitedView),
        (status = 403, body = ErrorBody, description = "For administrators"),
        (status = 409, body = ErrorBody, description = "`operator_email_taken`"),
        (status = 422, body = ErrorBody, description = "A bad e-mail, name, role or department")),
    security(("bearer" = [])))]
pub async fn invite_operator(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Json(body): Json<InviteRequest>,
) -> ApiResult<(StatusCode, Json<InvitedView>)> {
    let (token, invite) = new_invite();
    let expires_at = invite.expires_at_unix;
    let account = app
        .invite_operator(
            &principal,
            Invitation {
                email: body.email,
                name: body.name,
                role: body.role,
                departments: body.departments,
            },
            invite,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(invited(account, &token, expires_at)),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeOperatorRequest {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub departments: Option<Vec<String>>,
    /// `false` deactivates: their sessions end and they go offline.
    #[serde(default)]
    pub active: Option<bool>,
}

/// Changes an operator's name, role, departments or status; what is left
/// out stays. Audited with the values before and after.
#[utoipa::path(patch, path = "/api/v1/operators/{id}", tag = "settings",
    params(("id" = String, Path, description = "Operator id")),
    request_body = ChangeOperatorRequest,
    responses((status = 200, body = OperatorAccountView),
        (status = 403, body = ErrorBody, description = "For administrators; not on themselves"),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A bad name, role or department")),
    security(("bearer" = [])))]
pub async fn change_operator(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
    Json(body): Json<ChangeOperatorRequest>,
) -> ApiResult<Json<OperatorAccountView>> {
    let account = app
        .change_operator(
            &principal,
            &OperatorId::from_raw(id),
            TeamChange {
                name: body.name,
                role: body.role,
                departments: body.departments,
                active: body.active,
            },
        )
        .await?;
    Ok(Json(account.into()))
}

/// A new invitation link for an operator (a lost link, a forgotten
/// password); the earlier link stops working.
#[utoipa::path(post, path = "/api/v1/operators/{id}/invite", tag = "settings",
    params(("id" = String, Path, description = "Operator id")),
    responses((status = 200, body = InvitedView),
        (status = 403, body = ErrorBody, description = "For administrators"),
        (status = 404, body = ErrorBody, description = "No such active operator")),
    security(("bearer" = [])))]
pub async fn reinvite_operator(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<InvitedView>> {
    let (token, invite) = new_invite();
    let expires_at = invite.expires_at_unix;
    let account = app
        .reinvite_operator(&principal, &OperatorId::from_raw(id), invite)
        .await?;
    Ok(Json(invited(account, &token, expires_at)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInviteRequest {
    /// The token after `#invite=` in the link.
    pub token: String,
    /// At least 8 characters.
    pub password: String,
}

/// The invited operator sets their password; then they log in as usual.
#[utoipa::path(post, path = "/api/v1/auth/invite", tag = "auth",
    request_body = AcceptInviteRequest,
    responses((status = 204, description = "The password is set"),
        (status = 422, body = ErrorBody, description = "`invalid_invite`, `password_rejected`")))]
pub async fn accept_invite(
    State(app): State<Arc<App>>,
    Json(body): Json<AcceptInviteRequest>,
) -> ApiResult<StatusCode> {
    let chars = body.password.chars().count();
    if chars < passwords::MIN_PASSWORD_CHARS || body.password.len() > passwords::MAX_PASSWORD_BYTES
    {
        return Err(ApiError::new(
            ErrorCode::PasswordRejected,
            format!(
                "the password must be at least {} characters (and at most {} bytes)",
                passwords::MIN_PASSWORD_CHARS,
                passwords::MAX_PASSWORD_BYTES
            ),
        ));
    }
    let password = body.password;
    // Argon2 is deliberately slow: off the async workers.
    let hash = tokio::task::spawn_blocking(move || passwords::hash_password(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    app.accept_invite(&auth::token_hash(&body.token), hash, auth::unix_now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
