//! Formal claims (претензии) over HTTP: filing one in a conversation, the
//! supervisors' registry, reading one, the formal answer, the extension, and
//! the working calendar's override table.

use crate::api::attachments::Attachments;
use crate::api::conversations::created_or_ok;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Json, Path, Query};
use crate::auth::Auth;
use crate::security::limits::{Action, Limits};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hotline_app::App;
use hotline_app::claims::{ClaimDraft, ClaimRecord, RegistryQuery};
use hotline_domain::calendar::parse_iso_date;
use hotline_domain::claims::{
    Amount, ClaimAlert, ClaimAnswer, ClaimChannel, ClaimExtension, ClaimId, ClaimRule, ClaimStatus,
    ClaimType, RULES,
};
use hotline_domain::{Author, ConversationId, DepartmentId, ErrorCode, Timestamp};
use hotline_store::claims::CalendarOverride;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use time::Date;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes(limits: &Arc<Limits>) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        // A claim is acknowledged with a message: from the messages' budget.
        .routes(crate::api::limited(
            routes!(file_claim),
            limits,
            Action::Message,
        ))
        .routes(routes!(conversation_claims))
        .routes(routes!(claims_registry))
        .routes(routes!(claim_rules))
        .routes(routes!(get_claim))
        .routes(routes!(answer_claim))
        .routes(routes!(answer_template))
        .routes(routes!(extend_claim))
        .routes(crate::api::limited(
            routes!(claim_dossier),
            limits,
            Action::Dossier,
        ))
        .routes(crate::api::limited(
            routes!(conversation_dossier),
            limits,
            Action::Dossier,
        ))
        .routes(routes!(calendar_overrides))
        .routes(routes!(set_calendar_override, remove_calendar_override))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileClaimRequest {
    /// One of the rule table's types: `refund`, `price_reduction`,
    /// `replacement`, `repair`, `service_defect`, `damages`,
    /// `bank_complaint`, `personal_data`, `disputed_transfer`,
    /// `regulator_request`.
    #[serde(rename = "type")]
    pub claim_type: String,
    /// The order or booking the claim is about (customers: one their
    /// identity token lists).
    #[serde(default)]
    pub order_id: Option<String>,
    /// The amount claimed; the penalty is counted on it.
    #[serde(default)]
    pub amount: Option<Amount>,
    /// What the customer demands.
    pub demand: String,
    pub text: String,
    /// `disputed_transfer`: the transfer crossed a border (60 days).
    #[serde(default)]
    pub cross_border: bool,
    #[serde(default)]
    pub attachment_ids: Vec<String>,
    /// The filer's id of this filing: a retry returns the original.
    pub client_msg_id: String,
    /// Operators only: when a claim that came another way reached the company (RFC 3339).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub received_at: Option<Timestamp>,
    /// Operators only: `chat`, `email`, `post`, `in_person` or `phone`.
    #[serde(default)]
    pub channel: Option<String>,
}

/// A claim with its clock.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimView {
    pub id: ClaimId,
    /// Unique and sequential per year: `П-2026-000123`.
    pub number: String,
    #[serde(rename = "type")]
    pub claim_type: ClaimType,
    pub status: ClaimStatus,
    pub conversation_id: ConversationId,
    pub department: DepartmentId,
    pub order_id: Option<String>,
    pub amount: Option<Amount>,
    pub demand: String,
    pub text: String,
    pub cross_border: bool,
    /// The legal trigger: when the claim reached the company.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub received_at: Timestamp,
    pub channel: ClaimChannel,
    pub filed_by: Author,
    /// The last day to answer (YYYY-MM-DD, legal time zone).
    pub due_date: String,
    /// The period's end before moving off a non-working day.
    pub raw_due_date: String,
    pub legal_basis: String,
    /// The period reaches a year the calendar has no official data for.
    pub provisional: bool,
    /// Accrued for the delay where the law sets a penalty (ЗоЗПП art. 23).
    pub penalty: Option<Amount>,
    pub penalty_basis: Option<String>,
    /// `due_soon` or `overdue`, for an open claim.
    #[schema(value_type = Option<String>)]
    pub alert: Option<ClaimAlert>,
    /// The law allows an extension, and it may still be sent.
    pub extendable: bool,
    pub extension: Option<ClaimExtension>,
    pub answer: Option<ClaimAnswer>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<ClaimRecord> for ClaimView {
    fn from(record: ClaimRecord) -> ClaimView {
        let ClaimRecord {
            claim,
            penalty,
            alert,
            extendable,
        } = record;
        let rule = claim.rule();
        ClaimView {
            number: claim.number.to_string(),
            claim_type: claim.claim_type,
            status: claim.status,
            conversation_id: claim.conversation_id,
            department: claim.department,
            order_id: claim.order_id.map(|o| o.as_str().to_owned()),
            amount: claim.amount.map(Amount::from),
            demand: claim.demand,
            text: claim.text,
            cross_border: claim.cross_border,
            received_at: claim.received_at,
            channel: claim.channel,
            filed_by: claim.filed_by,
            due_date: claim.deadline.due_date.to_string(),
            raw_due_date: claim.deadline.raw_due_date.to_string(),
            legal_basis: rule.legal_basis.to_owned(),
            provisional: claim.deadline.provisional,
            penalty: penalty.map(Amount::from),
            penalty_basis: rule.penalty.map(|p| p.basis.to_owned()),
            alert,
            extendable,
            extension: claim.extension,
            answer: claim.answer,
            created_at: claim.created_at,
            id: claim.id,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimList {
    pub claims: Vec<ClaimView>,
}

/// Files a claim in the conversation: a customer's own (received now, in the
/// chat), or an operator's registration of one that came by letter or
/// e-mail, with `received_at` and `channel`. The claim is acknowledged in
/// the chat with its number. A retry with the same `client_msg_id` returns
/// the original (200).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/claims", tag = "claims",
    params(("id" = String, Path, description = "Conversation id")),
    request_body = FileClaimRequest,
    responses(
        (status = 201, body = ClaimView, description = "Filed"),
        (status = 200, body = ClaimView, description = "A retry: the original claim"),
        (status = 403, body = ErrorBody, description = "`operator_only_field`: a customer sent received_at or channel"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "client_msg_id reused for another claim"),
        (status = 422, body = ErrorBody, description = "Invalid fields: unknown_claim_type, invalid_amount, …"),
    ),
    security(("bearer" = [])))]
pub async fn file_claim(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<FileClaimRequest>,
) -> ApiResult<(StatusCode, Json<ClaimView>)> {
    let claimed_orders = match (&body.order_id, principal.is_customer()) {
        (Some(_), true) => crate::web::context::claimed_orders_of(&headers)?,
        _ => None,
    };
    let (record, created) = app
        .file_claim(
            &principal,
            &ConversationId::from_raw(id),
            ClaimDraft {
                claim_type: body.claim_type,
                order_id: body.order_id,
                amount: body.amount,
                demand: body.demand,
                text: body.text,
                cross_border: body.cross_border,
                attachment_ids: body.attachment_ids,
                client_msg_id: body.client_msg_id,
                received_at: body.received_at,
                channel: body.channel,
                claimed_orders,
            },
        )
        .await?;
    Ok((created_or_ok(created), Json(record.into())))
}

/// The claims filed in the conversation, by legal end.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/claims", tag = "claims",
    params(("id" = String, Path, description = "Conversation id")),
    responses((status = 200, body = ClaimList), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn conversation_claims(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ClaimList>> {
    let records = app
        .conversation_claims(&principal, &ConversationId::from_raw(id))
        .await?;
    Ok(Json(ClaimList {
        claims: records.into_iter().map(ClaimView::from).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimRules {
    pub rules: Vec<ClaimRule>,
}

/// The rule table: each type of claim with its period, extension, penalty
/// and legal basis (for the filing form, and to show how a claim counts).
#[utoipa::path(get, path = "/api/v1/claim_rules", tag = "claims",
    responses((status = 200, body = ClaimRules)))]
pub async fn claim_rules() -> Json<ClaimRules> {
    Json(ClaimRules {
        rules: RULES.to_vec(),
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistryParams {
    /// `filed`, `extended`, `answered`, or `open` (filed or extended: the
    /// answer is still owed).
    pub status: Option<String>,
    pub department: Option<String>,
    /// Only claims whose legal end is before this date (YYYY-MM-DD).
    pub due_before: Option<String>,
}

fn date_param(raw: &str, name: &str) -> ApiResult<Date> {
    parse_iso_date(raw).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidQuery,
            format!("{name} must be YYYY-MM-DD"),
        )
    })
}

/// The registry of claims in the supervisor's departments, by legal end
/// (earliest first), at most 500.
#[utoipa::path(get, path = "/api/v1/claims", tag = "claims", params(RegistryParams),
    responses((status = 200, body = ClaimList), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn claims_registry(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Query(params): Query<RegistryParams>,
) -> ApiResult<Json<ClaimList>> {
    let statuses = match params.status.as_deref() {
        None | Some("") => Vec::new(),
        Some("open") => vec![ClaimStatus::Filed, ClaimStatus::Extended],
        Some(raw) => vec![ClaimStatus::parse(raw).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidQuery,
                "status must be one of open, filed, extended, answered",
            )
        })?],
    };
    let department = match params.department.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(DepartmentId::parse(raw.to_owned()).map_err(|_| {
            ApiError::new(
                ErrorCode::InvalidQuery,
                "department must be a department id such as `marketplace`",
            )
        })?),
    };
    let due_before = match params.due_before.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(date_param(raw, "due_before")?),
    };
    let records = app
        .claims_registry(
            &principal,
            RegistryQuery {
                statuses,
                department,
                due_before,
            },
        )
        .await?;
    Ok(Json(ClaimList {
        claims: records.into_iter().map(ClaimView::from).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/claims/{id}", tag = "claims",
    params(("id" = String, Path, description = "Claim id")),
    responses((status = 200, body = ClaimView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_claim(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ClaimView>> {
    Ok(Json(
        app.claim(&principal, &ClaimId::from_raw(id)).await?.into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerClaimRequest {
    /// The formal answer; delivered in the chat as the operator's message.
    pub text: String,
    pub client_msg_id: String,
}

/// An operator's formal answer: delivered in the chat and kept with the
/// claim, which becomes `answered`. A retry with the same `client_msg_id`
/// returns the answered claim.
#[utoipa::path(post, path = "/api/v1/claims/{id}/answer", tag = "claims",
    params(("id" = String, Path, description = "Claim id")),
    request_body = AnswerClaimRequest,
    responses((status = 200, body = ClaimView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Already answered"),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn answer_claim(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
    Json(body): Json<AnswerClaimRequest>,
) -> ApiResult<Json<ClaimView>> {
    let record = app
        .answer_claim(
            &principal,
            &ClaimId::from_raw(id),
            body.text,
            body.client_msg_id,
        )
        .await?;
    Ok(Json(record.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerTemplate {
    /// The answer's start for the claim's type; «…» marks what to fill in.
    pub text: String,
}

/// The start of the formal answer for the claim's type (operators).
#[utoipa::path(get, path = "/api/v1/claims/{id}/answer_template", tag = "claims",
    params(("id" = String, Path, description = "Claim id")),
    responses((status = 200, body = AnswerTemplate), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn answer_template(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<AnswerTemplate>> {
    let text = app
        .claim_answer_template(&principal, &ClaimId::from_raw(id))
        .await?;
    Ok(Json(AnswerTemplate { text }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendClaimRequest {
    /// Why; sent to the customer with the new legal end.
    pub reason: String,
}

/// Extends the period where the law allows it (`bank_complaint` +10 working
/// days, `personal_data` +5, `regulator_request` +30 days, `replacement` to
/// 20 days), once, while the original period runs; the notice goes to the
/// customer in the chat.
#[utoipa::path(post, path = "/api/v1/claims/{id}/extend", tag = "claims",
    params(("id" = String, Path, description = "Claim id")),
    request_body = ExtendClaimRequest,
    responses((status = 200, body = ClaimView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Already extended or answered; `extension_too_late`"),
        (status = 422, body = ErrorBody, description = "`extension_not_allowed` for this type")),
    security(("bearer" = [])))]
pub async fn extend_claim(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
    Json(body): Json<ExtendClaimRequest>,
) -> ApiResult<Json<ClaimView>> {
    let record = app
        .extend_claim(&principal, &ClaimId::from_raw(id), body.reason)
        .await?;
    Ok(Json(record.into()))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarOverrideView {
    /// YYYY-MM-DD.
    pub date: String,
    /// A working day (`true`) or a day off (`false`), whatever the federal
    /// calendar says.
    pub working: bool,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarOverrideList {
    pub overrides: Vec<CalendarOverrideView>,
}

/// The working calendar's overrides over the federal production calendar.
#[utoipa::path(get, path = "/api/v1/calendar/overrides", tag = "claims",
    responses((status = 200, body = CalendarOverrideList), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn calendar_overrides(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
) -> ApiResult<Json<CalendarOverrideList>> {
    let overrides = app.calendar_overrides(&principal).await?;
    Ok(Json(CalendarOverrideList {
        overrides: overrides
            .into_iter()
            .map(|o| CalendarOverrideView {
                date: o.date.to_string(),
                working: o.working,
                note: o.note,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarOverrideRequest {
    pub working: bool,
    /// Why: the decree, the regional holiday.
    pub note: String,
}

fn path_date(raw: &str) -> ApiResult<Date> {
    parse_iso_date(raw)
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidPath, "the date must be YYYY-MM-DD"))
}

/// Administrators mark a date working or not (audited); open claims'
/// deadlines are counted again.
#[utoipa::path(put, path = "/api/v1/calendar/overrides/{date}", tag = "claims",
    params(("date" = String, Path, description = "YYYY-MM-DD")),
    request_body = CalendarOverrideRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_calendar_override(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(date): Path<String>,
    Json(body): Json<CalendarOverrideRequest>,
) -> ApiResult<StatusCode> {
    let date = path_date(&date)?;
    app.set_calendar_override(
        &principal,
        CalendarOverride {
            date,
            working: body.working,
            note: body.note,
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/calendar/overrides/{date}", tag = "claims",
    params(("date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn remove_calendar_override(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(date): Path<String>,
) -> ApiResult<StatusCode> {
    let date = path_date(&date)?;
    if app.remove_calendar_override(&principal, date).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

/// The dossier as a download; its name is ASCII, so no encoding is needed.
fn dossier_response(dossier: hotline_app::dossier::Dossier) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", dossier.file_name),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        dossier.bytes,
    )
        .into_response()
}

/// The regulator dossier of a claim («Скачать для регулятора»): a ZIP with
/// `transcript.pdf` (the conversation as the customer saw it), `claim.json`
/// (the claim with its number and deadlines), `attachments/` and
/// `manifest.json` (the SHA-256 of every other file). For the claim's
/// customer and the operators of its department; every download is in the
/// audit log.
#[utoipa::path(get, path = "/api/v1/claims/{id}/dossier", tag = "claims",
    params(("id" = String, Path, description = "Claim id")),
    responses(
        (status = 200, content_type = "application/zip", description = "The dossier, as a download"),
        (status = 403, body = ErrorBody, description = "`step_up_required` in a step-up department"),
        (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "`rate_limited`: `security.rate_limits.dossiers_per_minute`"),
        (status = 503, body = ErrorBody, description = "`dossier_unavailable`: the PDF font is missing on this node"),
    ),
    security(("bearer" = [])))]
pub async fn claim_dossier(
    State(app): State<Arc<App>>,
    State(attachments): State<Attachments>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let dossier = app
        .claim_dossier(&principal, &ClaimId::from_raw(id), attachments.files())
        .await?;
    Ok(dossier_response(dossier))
}

/// The regulator dossier of a conversation, with every claim filed in it
/// (`claim.json` lists them); as [`claim_dossier`] otherwise.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/dossier", tag = "claims",
    params(("id" = String, Path, description = "Conversation id")),
    responses(
        (status = 200, content_type = "application/zip", description = "The dossier, as a download"),
        (status = 403, body = ErrorBody, description = "`step_up_required` in a step-up department"),
        (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "`rate_limited`: `security.rate_limits.dossiers_per_minute`"),
        (status = 503, body = ErrorBody, description = "`dossier_unavailable`: the PDF font is missing on this node"),
    ),
    security(("bearer" = [])))]
pub async fn conversation_dossier(
    State(app): State<Arc<App>>,
    State(attachments): State<Attachments>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let dossier = app
        .conversation_dossier(
            &principal,
            &ConversationId::from_raw(id),
            attachments.files(),
        )
        .await?;
    Ok(dossier_response(dossier))
}
