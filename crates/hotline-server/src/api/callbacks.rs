//! Travel call-backs over HTTP: what a conversation offers, ordering one
//! about a booking of the identity token, the operators' call-back queue and
//! the outcome of a call.

use crate::api::conversations::created_or_ok;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Json, Path, Query};
use crate::auth::Auth;
use crate::security::limits::{Action, Limits};
use crate::state::AppState;
use crate::web::context::claimed_bookings_of;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hotline_app::App;
use hotline_app::callbacks::{BookingOption, CallbackDraft, TokenBooking};
use hotline_domain::callback::{CallbackBasis, Ineligible, masked_phone};
use hotline_domain::{
    Callback, CallbackId, CallbackOutcome, CallbackStatus, ConversationId, DepartmentId, ErrorCode,
    OperatorId, Principal, Timestamp,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes(limits: &Arc<Limits>) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(callback_options))
        // An order is acknowledged with a message: from the messages' budget.
        .routes(crate::api::limited(
            routes!(request_callback),
            limits,
            Action::Message,
        ))
        .routes(routes!(callback_queue))
        .routes(routes!(record_callback_outcome))
}

/// The bookings of a customer's token; operators order nothing.
fn bookings_of(principal: &Principal, headers: &HeaderMap) -> ApiResult<Vec<TokenBooking>> {
    match principal {
        Principal::Customer(customer) => claimed_bookings_of(headers, customer.phone.as_deref()),
        Principal::Operator(_) => Ok(Vec::new()),
    }
}

/// A call-back as its reader sees it: operators get the number to dial,
/// the customer only its last digits.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallbackView {
    pub id: CallbackId,
    pub conversation_id: ConversationId,
    pub department: DepartmentId,
    pub booking_id: String,
    pub route: String,
    pub passenger: String,
    /// The phone from the booking: in full for operators, `•••45-67` for the customer.
    pub phone: String,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub departure_at: Option<Timestamp>,
    pub basis: CallbackBasis,
    pub status: CallbackStatus,
    pub outcome: Option<CallbackOutcome>,
    pub attempts: u32,
    /// The operator's note of the last call (operators only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: Timestamp,
    /// Call before this: the call-back SLA.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub due_at: Timestamp,
    /// Waiting past its SLA.
    pub overdue: bool,
    pub handled_by: Option<OperatorId>,
}

impl CallbackView {
    fn new(callback: Callback, reader: &Principal, now: Timestamp) -> CallbackView {
        let operator = !reader.is_customer();
        let overdue = callback.overdue(now);
        let booking = callback.booking;
        CallbackView {
            overdue,
            id: callback.id,
            conversation_id: callback.conversation_id,
            department: callback.department,
            booking_id: booking.booking_id.as_str().to_owned(),
            route: booking.route,
            passenger: booking.passenger,
            phone: if operator {
                booking.phone
            } else {
                masked_phone(&booking.phone)
            },
            departure_at: booking.departure_at,
            basis: callback.basis,
            status: callback.status,
            outcome: callback.outcome,
            attempts: callback.attempts,
            note: callback.note.filter(|_| operator),
            requested_at: callback.requested_at,
            due_at: callback.due_at,
            handled_by: callback.handled_by,
        }
    }
}

/// One of the customer's bookings and whether a call-back may be ordered.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookingOptionView {
    pub booking_id: String,
    pub route: String,
    pub passenger: String,
    /// The last digits of the number support would call.
    pub masked_phone: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub departure_at: Option<Timestamp>,
    pub eligible: bool,
    /// Why it may be ordered.
    pub basis: Option<CallbackBasis>,
    /// Why not: `no_phone`, `departed`, `not_urgent`.
    pub reason: Option<Ineligible>,
    /// Why not, in words for the customer.
    pub explanation: Option<String>,
}

/// What the conversation offers about call-backs.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallbackOptionsView {
    /// The department calls back at all.
    pub offered: bool,
    /// When nothing can be ordered: why, for the customer.
    pub explanation: Option<String>,
    /// The customer's bookings in the department (empty for operators).
    pub bookings: Vec<BookingOptionView>,
    /// The conversation's call-backs, latest first.
    pub callbacks: Vec<CallbackView>,
}

/// The conversation's call-backs and, for the customer, each of their
/// bookings in its department with whether a call-back may be ordered
/// about it, and why not in words.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/callback", tag = "callbacks",
    params(("id" = String, Path, description = "Conversation id")),
    responses((status = 200, body = CallbackOptionsView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn callback_options(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<CallbackOptionsView>> {
    let bookings = bookings_of(&principal, &headers)?;
    let options = app
        .callback_options(&principal, &ConversationId::from_raw(id), &bookings)
        .await?;
    let rules = &app.callback_rules();
    let explanation = if !options.offered {
        Some(Ineligible::NotOffered.explanation(rules))
    } else if options.bookings.is_empty() && principal.is_customer() {
        Some(Ineligible::NoBooking.explanation(rules))
    } else {
        None
    };
    let now = OffsetDateTime::now_utc();
    Ok(Json(CallbackOptionsView {
        offered: options.offered,
        explanation,
        bookings: options
            .bookings
            .into_iter()
            .map(|option: BookingOption| {
                let (basis, reason) = match option.eligibility {
                    Ok(basis) => (Some(basis), None),
                    Err(reason) => (None, Some(reason)),
                };
                BookingOptionView {
                    booking_id: option.booking_id,
                    route: option.route,
                    passenger: option.passenger,
                    masked_phone: option.masked_phone,
                    departure_at: option.departure_at,
                    eligible: basis.is_some(),
                    basis,
                    reason,
                    explanation: reason.map(|r| r.explanation(rules)),
                }
            })
            .collect(),
        callbacks: options
            .callbacks
            .into_iter()
            .map(|c| CallbackView::new(c, &principal, now))
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestCallbackRequest {
    /// One of the bookings the identity token lists in the conversation's
    /// department; the phone, route and name come from the token.
    pub booking_id: String,
    /// The customer's id of this order: a retry returns the original.
    pub client_msg_id: String,
}

/// Orders a call-back about a booking of the identity token: it joins the
/// operators' call-back queue with its SLA and is acknowledged in the chat.
/// A retry, or a second order while one waits, returns the waiting one (200).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/callbacks", tag = "callbacks",
    params(("id" = String, Path, description = "Conversation id")),
    request_body = RequestCallbackRequest,
    responses(
        (status = 201, body = CallbackView, description = "Ordered"),
        (status = 200, body = CallbackView, description = "Already waiting: the same call-back"),
        (status = 403, body = ErrorBody, description = "Only the customer orders a call-back"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "client_msg_id reused in another conversation"),
        (status = 422, body = ErrorBody, description = "`callback_not_eligible`: `reason` and `explanation` say why"),
    ),
    security(("bearer" = [])))]
pub async fn request_callback(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<RequestCallbackRequest>,
) -> ApiResult<(StatusCode, Json<CallbackView>)> {
    let bookings = bookings_of(&principal, &headers)?;
    let (callback, created) = app
        .request_callback(
            &principal,
            &ConversationId::from_raw(id),
            CallbackDraft {
                booking_id: body.booking_id,
                client_msg_id: body.client_msg_id,
            },
            &bookings,
        )
        .await?;
    let view = CallbackView::new(callback, &principal, OffsetDateTime::now_utc());
    Ok((created_or_ok(created), Json(view)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// `waiting` (the default) or `done`.
    pub status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CallbackList {
    pub callbacks: Vec<CallbackView>,
}

/// The call-back queue of the operator's departments, earliest due first.
#[utoipa::path(get, path = "/api/v1/callbacks", tag = "callbacks",
    params(QueueQuery),
    responses((status = 200, body = CallbackList),
        (status = 403, body = ErrorBody, description = "For operators"),
        (status = 400, body = ErrorBody, description = "Unknown status")),
    security(("bearer" = [])))]
pub async fn callback_queue(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Query(query): Query<QueueQuery>,
) -> ApiResult<Json<CallbackList>> {
    let status = query
        .status
        .map(|raw| {
            CallbackStatus::parse(&raw).ok_or_else(|| {
                ApiError::new(ErrorCode::InvalidQuery, "status must be waiting or done")
            })
        })
        .transpose()?;
    let callbacks = app.callback_queue(&principal, status).await?;
    let now = OffsetDateTime::now_utc();
    Ok(Json(CallbackList {
        callbacks: callbacks
            .into_iter()
            .map(|c| CallbackView::new(c, &principal, now))
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    /// `reached`, `no_answer` (both close it) or `callback_again` (due anew).
    pub outcome: String,
    /// What was agreed, for the next operator.
    #[serde(default)]
    pub note: Option<String>,
}

/// Records what a call came to; the customer reads it in the chat.
#[utoipa::path(post, path = "/api/v1/callbacks/{id}/outcome", tag = "callbacks",
    params(("id" = String, Path, description = "Call-back id")),
    request_body = OutcomeRequest,
    responses((status = 200, body = CallbackView),
        (status = 403, body = ErrorBody, description = "For operators"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Already done"),
        (status = 422, body = ErrorBody, description = "`unknown_callback_outcome`, a note too long")),
    security(("bearer" = [])))]
pub async fn record_callback_outcome(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
    Json(body): Json<OutcomeRequest>,
) -> ApiResult<Json<CallbackView>> {
    let callback = app
        .record_callback_outcome(
            &principal,
            &CallbackId::from_raw(id),
            &body.outcome,
            body.note,
        )
        .await?;
    Ok(Json(CallbackView::new(
        callback,
        &principal,
        OffsetDateTime::now_utc(),
    )))
}
