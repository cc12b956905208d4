//! Canned replies over HTTP: operators read their departments' replies;
//! administrators and supervisors change them without a restart.

use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::{Json, Path};
use crate::auth::Auth;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use hotline_app::App;
use hotline_app::canned::{ReplyDraft, ReplyInEffect, ReplySource};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_canned_replies, add_canned_reply))
        .routes(routes!(change_canned_reply, delete_canned_reply))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CannedReplyRequest {
    pub department: String,
    /// 1–80 characters.
    pub title: String,
    /// 1–2000 characters; `{{customer.name}}`, `{{order.id}}` and
    /// `{{operator.name}}` are filled in when an operator inserts it.
    pub text: String,
}

impl From<CannedReplyRequest> for ReplyDraft {
    fn from(r: CannedReplyRequest) -> Self {
        ReplyDraft {
            department: r.department,
            title: r.title,
            text: r.text,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CannedReplyView {
    pub id: String,
    pub department: String,
    pub title: String,
    pub text: String,
    /// `file` (hotline.toml) or `console` (changed there; wins over the file).
    pub source: String,
    pub updated_by: Option<String>,
    #[schema(format = DateTime)]
    pub updated_at: Option<String>,
}

impl From<ReplyInEffect> for CannedReplyView {
    fn from(r: ReplyInEffect) -> Self {
        CannedReplyView {
            id: r.id,
            department: r.department,
            title: r.title,
            text: r.text,
            source: match r.source {
                ReplySource::File => "file",
                ReplySource::Console => "console",
            }
            .to_owned(),
            updated_by: r.updated_by.map(|o| o.to_string()),
            updated_at: r.updated_at.and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            }),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CannedReplyList {
    pub canned_replies: Vec<CannedReplyView>,
}

/// The replies of the caller's departments (an administrator's: all).
#[utoipa::path(get, path = "/api/v1/canned-replies", tag = "settings",
    responses((status = 200, body = CannedReplyList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_canned_replies(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
) -> ApiResult<Json<CannedReplyList>> {
    let replies = app.canned_replies(&principal).await?;
    Ok(Json(CannedReplyList {
        canned_replies: replies.into_iter().map(Into::into).collect(),
    }))
}

/// Adds a reply (administrators; supervisors for their departments). A
/// text that asks for a secret or links to a look-alike site is refused.
#[utoipa::path(post, path = "/api/v1/canned-replies", tag = "settings",
    request_body = CannedReplyRequest,
    responses((status = 201, body = CannedReplyView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_canned_reply(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Json(body): Json<CannedReplyRequest>,
) -> ApiResult<(StatusCode, Json<CannedReplyView>)> {
    let saved = app.save_canned_reply(&principal, None, body.into()).await?;
    Ok((StatusCode::CREATED, Json(saved.into())))
}

/// Changes a reply, the file's included (the change wins over the file).
#[utoipa::path(put, path = "/api/v1/canned-replies/{id}", tag = "settings",
    params(("id" = String, Path, description = "Reply id")),
    request_body = CannedReplyRequest,
    responses((status = 200, body = CannedReplyView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn change_canned_reply(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
    Json(body): Json<CannedReplyRequest>,
) -> ApiResult<Json<CannedReplyView>> {
    let saved = app
        .save_canned_reply(&principal, Some(&id), body.into())
        .await?;
    Ok(Json(saved.into()))
}

/// Deletes a reply; one from the file stays deleted.
#[utoipa::path(delete, path = "/api/v1/canned-replies/{id}", tag = "settings",
    params(("id" = String, Path, description = "Reply id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_canned_reply(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    app.delete_canned_reply(&principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
