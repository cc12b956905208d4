//! Queues over HTTP: operators' presence, transfers between departments and
//! the supervisors' live numbers.

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Json, Path};
use crate::auth::Auth;
use crate::state::AppState;
use axum::extract::State;
use hotline_app::App;
use hotline_domain::{Conversation, ConversationId, ErrorCode, Presence, Principal};
use hotline_store::{DepartmentLive, OperatorStatus, PresenceChange, Store};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Most concurrent conversations one operator may be given.
const MAX_CAPACITY: u32 = 50;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_presence, put_presence))
        .routes(routes!(transfer))
        .routes(routes!(live_stats))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresenceRequest {
    /// `online` (takes new conversations), `away` or `offline`.
    #[serde(default)]
    pub presence: Option<Presence>,
    /// Concurrent conversations, 1–50 (default 3).
    #[serde(default)]
    pub capacity: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OperatorStatusView {
    pub operator_id: String,
    pub name: String,
    pub presence: Presence,
    pub capacity: u32,
    /// Conversations assigned to them now.
    pub load: u32,
}

impl From<OperatorStatus> for OperatorStatusView {
    fn from(s: OperatorStatus) -> Self {
        OperatorStatusView {
            operator_id: s.operator_id.to_string(),
            name: s.name,
            presence: s.presence,
            capacity: s.capacity,
            load: s.load,
        }
    }
}

fn operator_id(principal: &Principal) -> ApiResult<hotline_domain::OperatorId> {
    match principal {
        Principal::Operator(o) => Ok(o.id.clone()),
        Principal::Customer(_) => Err(ApiError::forbidden("only operators have a presence")),
    }
}

/// The caller's presence, capacity and load.
#[utoipa::path(get, path = "/api/v1/operators/me/presence", tag = "queues",
    responses((status = 200, body = OperatorStatusView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_presence(
    State(store): State<Arc<dyn Store>>,
    Auth(principal): Auth,
) -> ApiResult<Json<OperatorStatusView>> {
    let id = operator_id(&principal)?;
    Ok(Json(store.operator_status(&id).await?.into()))
}

/// Sets the caller's presence and/or capacity. Going `online` (or raising
/// the capacity) hands them waiting conversations at once.
#[utoipa::path(put, path = "/api/v1/operators/me/presence", tag = "queues",
    request_body = PresenceRequest,
    responses((status = 200, body = OperatorStatusView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_presence(
    State(store): State<Arc<dyn Store>>,
    Auth(principal): Auth,
    Json(body): Json<PresenceRequest>,
) -> ApiResult<Json<OperatorStatusView>> {
    let id = operator_id(&principal)?;
    if let Some(capacity) = body.capacity
        && !(1..=MAX_CAPACITY).contains(&capacity)
    {
        return Err(ApiError::new(
            ErrorCode::InvalidCapacity,
            format!("capacity must be 1–{MAX_CAPACITY}"),
        ));
    }
    if body.presence.is_none() && body.capacity.is_none() {
        return Err(ApiError::new(
            ErrorCode::NothingToChange,
            "send presence, capacity or both",
        ));
    }
    let status = store
        .set_presence(
            &id,
            PresenceChange {
                presence: body.presence,
                capacity: body.capacity,
            },
        )
        .await?;
    Ok(Json(status.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// The department to move the conversation to.
    pub department: String,
}

/// Moves a conversation to another department, with its whole history. An
/// assigned conversation goes back to the queue there, placed by how long
/// the customer has been waiting.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/transfer", tag = "queues",
    params(("id" = String, Path, description = "Conversation id")),
    request_body = TransferRequest,
    responses((status = 200, body = Conversation), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn transfer(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
    Json(body): Json<TransferRequest>,
) -> ApiResult<Json<Conversation>> {
    let conversation = app
        .transfer(&principal, ConversationId::from_raw(id), body.department)
        .await?;
    Ok(Json(conversation.seen_by(&principal)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentLiveView {
    pub department: String,
    pub queue_length: u32,
    pub longest_wait_seconds: u64,
    pub operators_online: u32,
    /// Operators of the department who are online or away, with their load.
    pub operators: Vec<OperatorStatusView>,
    /// Queue entry to first operator reply, over the last hour.
    pub first_response_p50_seconds: Option<f64>,
    pub first_response_p90_seconds: Option<f64>,
    /// Since 00:00 UTC.
    pub sla_breaches_today: u64,
    /// Handling time used by the estimates: measured, or 600 s without history.
    pub mean_handle_seconds: f64,
    pub arrivals_last_hour: u32,
    /// Erlang C wait of a newcomer; null when demand exceeds capacity.
    pub expected_wait_seconds: Option<f64>,
}

impl From<DepartmentLive> for DepartmentLiveView {
    fn from(d: DepartmentLive) -> Self {
        DepartmentLiveView {
            department: d.department.as_str().to_owned(),
            queue_length: d.queue_length,
            longest_wait_seconds: d.longest_wait_seconds,
            operators_online: d.operators_online,
            operators: d.operators.into_iter().map(Into::into).collect(),
            first_response_p50_seconds: d.first_response_p50_seconds,
            first_response_p90_seconds: d.first_response_p90_seconds,
            sla_breaches_today: d.sla_breaches_today,
            mean_handle_seconds: d.mean_handle_seconds,
            arrivals_last_hour: d.arrivals_last_hour,
            expected_wait_seconds: d.expected_wait_seconds,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LiveStats {
    pub departments: Vec<DepartmentLiveView>,
}

/// Supervisors' live view of their departments' queues.
#[utoipa::path(get, path = "/api/v1/stats/live", tag = "queues",
    responses((status = 200, body = LiveStats), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn live_stats(
    State(store): State<Arc<dyn Store>>,
    Auth(principal): Auth,
) -> ApiResult<Json<LiveStats>> {
    let Principal::Operator(operator) = &principal else {
        return Err(ApiError::forbidden("supervisors only"));
    };
    if !operator.role.may_assign_others() {
        return Err(ApiError::forbidden("supervisors only"));
    }
    let departments = store.live_stats(&operator.departments).await?;
    Ok(Json(LiveStats {
        departments: departments.into_iter().map(Into::into).collect(),
    }))
}
