//! Settings administrators change in the console, over HTTP: the SLA
//! policy (targets, business hours, holidays). What is stored wins over
//! hotline.toml; resetting goes back to the file's.

use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::Json;
use crate::auth::Auth;
use crate::state::AppState;
use axum::extract::State;
use hotline_app::App;
use hotline_app::service_levels::SlaSettings;
use hotline_domain::{OperatorId, SlaPolicy, Timestamp};
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sla_settings, set_sla_settings, reset_sla_settings))
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
