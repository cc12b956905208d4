//! Settings administrators change in the console, over HTTP: the SLA
//! policy (targets, business hours, holidays) and the departments' topics. What is stored wins over
//! hotline.toml; resetting goes back to the file's.

use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::{Json, Path};
use crate::auth::Auth;
use crate::state::AppState;
use axum::extract::State;
use hotline_app::App;
use hotline_app::service_levels::SlaSettings;
use hotline_app::topics::{DepartmentTopics, TopicDraft};
use hotline_domain::{DepartmentId, OperatorId, SlaPolicy, Timestamp, Topic};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sla_settings, set_sla_settings, reset_sla_settings))
        .routes(routes!(topics))
        .routes(routes!(set_topics, reset_topics))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlaSettingsView {
    pub policy: SlaPolicy,
    /// `file` (hotline.toml) or `console` (saved here, winning over the file).
    pub source: String,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub updated_at: Option<Timestamp>,
    pub updated_by: Option<OperatorId>,
}

impl From<SlaSettings> for SlaSettingsView {
    fn from(settings: SlaSettings) -> Self {
        let (updated_at, updated_by) = settings.updated.unzip();
        SlaSettingsView {
            policy: settings.policy,
            source: settings.source.as_str().to_owned(),
            updated_at,
            updated_by,
        }
    }
}

/// The SLA policy in effect and where it comes from (supervisors and administrators).
#[utoipa::path(get, path = "/api/v1/settings/sla", tag = "settings",
    responses((status = 200, body = SlaSettingsView),
        (status = 403, body = ErrorBody, description = "For supervisors and administrators")),
    security(("bearer" = [])))]
pub async fn sla_settings(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
) -> ApiResult<Json<SlaSettingsView>> {
    Ok(Json(app.sla_settings(&principal).await?.into()))
}

/// Saves the SLA policy (administrators): it wins over hotline.toml, counts
/// for conversations from now on, and reaches every node within a sweep.
#[utoipa::path(put, path = "/api/v1/settings/sla", tag = "settings",
    request_body = SlaPolicy,
    responses((status = 200, body = SlaSettingsView),
        (status = 403, body = ErrorBody, description = "For administrators"),
        (status = 422, body = ErrorBody, description = "`invalid_setting`: the message says what to fix")),
    security(("bearer" = [])))]
pub async fn set_sla_settings(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Json(policy): Json<SlaPolicy>,
) -> ApiResult<Json<SlaSettingsView>> {
    Ok(Json(app.set_sla_policy(&principal, policy).await?.into()))
}

/// Back to hotline.toml's policy (administrators).
#[utoipa::path(delete, path = "/api/v1/settings/sla", tag = "settings",
    responses((status = 200, body = SlaSettingsView),
        (status = 403, body = ErrorBody, description = "For administrators")),
    security(("bearer" = [])))]
pub async fn reset_sla_settings(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
) -> ApiResult<Json<SlaSettingsView>> {
    Ok(Json(app.reset_sla_policy(&principal).await?.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentTopicsView {
    pub id: DepartmentId,
    pub name: String,
    pub topics: Vec<Topic>,
    /// `file` (hotline.toml) or `console` (saved here, winning over the file).
    pub source: String,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub updated_at: Option<Timestamp>,
}

impl From<DepartmentTopics> for DepartmentTopicsView {
    fn from(topics: DepartmentTopics) -> Self {
        DepartmentTopicsView {
            id: topics.department.id,
            name: topics.department.name,
            topics: topics.department.topics,
            source: if topics.from_console {
                "console"
            } else {
                "file"
            }
            .to_owned(),
            updated_at: topics.updated.map(|(at, _)| at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopicsView {
    pub departments: Vec<DepartmentTopicsView>,
}

/// Each department's topics and where they come from (supervisors and administrators).
#[utoipa::path(get, path = "/api/v1/settings/topics", tag = "settings",
    responses((status = 200, body = TopicsView),
        (status = 403, body = ErrorBody, description = "For supervisors and administrators")),
    security(("bearer" = [])))]
pub async fn topics(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
) -> ApiResult<Json<TopicsView>> {
    let departments = app.department_topics(&principal).await?;
    Ok(Json(TopicsView {
        departments: departments.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicsRequest {
    /// In the order the widget shows them; `id`: lowercase ASCII, digits, `-`, `_`.
    pub topics: Vec<TopicFields>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicFields {
    pub id: String,
    pub name: String,
}

/// Replaces a department's topics (administrators); new conversations
/// offer them at once, on every node within a sweep.
#[utoipa::path(put, path = "/api/v1/settings/topics/{department}", tag = "settings",
    params(("department" = String, Path, description = "Department id")),
    request_body = TopicsRequest,
    responses((status = 200, body = DepartmentTopicsView),
        (status = 403, body = ErrorBody, description = "For administrators"),
        (status = 422, body = ErrorBody, description = "An unknown department, a bad or repeated topic id, an empty name")),
    security(("bearer" = [])))]
pub async fn set_topics(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(department): Path<String>,
    Json(body): Json<TopicsRequest>,
) -> ApiResult<Json<DepartmentTopicsView>> {
    let drafts = body
        .topics
        .into_iter()
        .map(|t| TopicDraft {
            id: t.id,
            name: t.name,
        })
        .collect();
    Ok(Json(
        app.set_department_topics(&principal, &department, drafts)
            .await?
            .into(),
    ))
}

/// Back to hotline.toml's topics for the department (administrators).
#[utoipa::path(delete, path = "/api/v1/settings/topics/{department}", tag = "settings",
    params(("department" = String, Path, description = "Department id")),
    responses((status = 200, body = DepartmentTopicsView),
        (status = 403, body = ErrorBody, description = "For administrators"),
        (status = 422, body = ErrorBody, description = "An unknown department")),
    security(("bearer" = [])))]
pub async fn reset_topics(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(department): Path<String>,
) -> ApiResult<Json<DepartmentTopicsView>> {
    Ok(Json(
        app.reset_department_topics(&principal, &department)
            .await?
            .into(),
    ))
}
