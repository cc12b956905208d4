//! The security layer's own routes: the audit log for administrators and
//! the customers' «my account was taken over» report.

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Json, Query};
use crate::api::views::StartedConversation;
use crate::auth::Auth;
use crate::security::limits::{Action, Limits};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use hotline_app::App;
use hotline_domain::{ErrorCode, Principal, Role};
use hotline_store::{AuditEntry, Store, audit::verify_chain};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes(limits: &Arc<Limits>) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(audit_log))
        // A report starts a conversation, from the same budget.
        .routes(crate::api::limited(
            routes!(report_account_takeover),
            limits,
            Action::Conversation,
        ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries with a greater `seq` (default 0).
    pub after: Option<i64>,
    /// 1–500, default 100.
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    #[schema(value_type = Vec<Object>)]
    pub entries: Vec<AuditEntry>,
    /// Whether these entries chain correctly to each other and to the entry
    /// before them. `hotline audit verify` checks the whole log.
    pub chain_intact: bool,
}

/// The audit log, oldest first. Administrators only.
#[utoipa::path(get, path = "/api/v1/audit", tag = "security", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn audit_log(
    State(store): State<Arc<dyn Store>>,
    Auth(principal): Auth,
    Query(query): Query<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    let is_admin = matches!(&principal, Principal::Operator(o) if o.role == Role::Admin);
    if !is_admin {
        return Err(ApiError::forbidden("the audit log is for administrators"));
    }
    let after = query.after.unwrap_or(0);
    let limit = query.limit.unwrap_or(100);
    if after < 0 || !(1..=500).contains(&limit) {
        return Err(ApiError::new(
            ErrorCode::InvalidQuery,
            "after must not be negative and limit must be 1–500",
        ));
    }
    let entries = store.audit_entries(after, limit).await?;
    let before = if after > 0 {
        store.audit_entries(after - 1, 1).await?.pop()
    } else {
        None
    };
    let chain_intact = match &before {
        Some(b) => verify_chain(Some((b.seq, &b.hash)), &entries).is_ok(),
        None if after == 0 => verify_chain(None, &entries).is_ok(),
        None => false,
    };
    Ok(Json(AuditPage {
        entries,
        chain_intact,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TakeoverReport {
    /// What happened, in the customer's words (masked like any message).
    #[serde(default)]
    pub text: Option<String>,
    pub client_msg_id: String,
}

/// «Мой аккаунт взломали»: opens an urgent conversation in the security
/// queue (department `security.takeover_department`, topic
/// `account_takeover`). Its `conversation.created` event is what the
/// company's systems act on, e.g. to end the customer's sessions.
#[utoipa::path(post, path = "/api/v1/security/account-takeover", tag = "security",
    request_body = TakeoverReport,
    responses((status = 201, body = StartedConversation), (status = 200, body = StartedConversation, description = "A retry"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn report_account_takeover(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Json(body): Json<TakeoverReport>,
) -> ApiResult<(StatusCode, Json<StartedConversation>)> {
    let outcome = app
        .report_account_takeover(&principal, body.text, body.client_msg_id)
        .await?;
    Ok(crate::api::conversations::started_view(&principal, outcome))
}
