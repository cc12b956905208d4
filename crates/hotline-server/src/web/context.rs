//! The customer's context for operators: what the customer's identity token
//! said (contact facts, login methods, orders and bookings). The widget hands
//! its token in once per session; operators read the part that concerns the
//! conversation's department.

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Json, Path};
use crate::auth::{self, Auth};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hotline_app::callbacks::TokenBooking;
use hotline_app::{App, ClaimedOrder, Purpose};
use hotline_domain::OrderId;
use hotline_domain::callback::{Booking, normalise_phone};
use hotline_domain::{Conversation, ConversationId, ErrorCode, Principal};
use hotline_store::{ConversationFilter, EventScope, Store};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(save_context))
        .routes(routes!(conversation_customer))
}

/// Most orders kept per customer, and the longest text of an order's field.
const MAX_ORDERS: usize = 50;
const MAX_FIELD_CHARS: usize = 200;

/// An order or booking from the identity token's `orders` claim.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Order {
    pub id: String,
    pub department: String,
    pub title: String,
    /// As the company wrote it (e.g. `2026-11-20`).
    pub date: String,
    pub status: String,
    /// A trip's route as the company writes it (`Москва — Сочи`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// The passenger or guest named in the booking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passenger: Option<String>,
    /// The phone given at booking: where a call-back goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// When the trip starts (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub departure_at: Option<String>,
    /// The company marks the trip disrupted (cancelled, moved).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disrupted: bool,
}

fn is_sane_text(field: &str) -> bool {
    !field.is_empty()
        && field.chars().count() <= MAX_FIELD_CHARS
        && !field.chars().any(char::is_control)
}

impl Order {
    fn is_sane(&self) -> bool {
        [
            &self.id,
            &self.department,
            &self.title,
            &self.date,
            &self.status,
        ]
        .into_iter()
        .all(|f| is_sane_text(f))
            && [&self.route, &self.passenger]
                .into_iter()
                .flatten()
                .all(|f| is_sane_text(f))
            && self
                .phone
                .as_deref()
                .is_none_or(|p| normalise_phone(p).is_some())
            && self
                .departure_at
                .as_deref()
                .is_none_or(|at| parse_rfc3339(at).is_some())
    }

    /// The booking a call-back is about: the booking's phone, else the
    /// customer's own from the token. `None` for an id no booking can have.
    fn booking(&self, customer_phone: Option<&str>) -> Option<TokenBooking> {
        let phone = self
            .phone
            .as_deref()
            .or(customer_phone)
            .and_then(normalise_phone)
            .unwrap_or_default();
        Some(TokenBooking {
            department: self.department.clone(),
            booking: Booking {
                booking_id: OrderId::parse(self.id.clone()).ok()?,
                route: self.route.clone().unwrap_or_else(|| self.title.clone()),
                passenger: self.passenger.clone().unwrap_or_default(),
                phone,
                departure_at: self.departure_at.as_deref().and_then(parse_rfc3339),
                disrupted: self.disrupted,
            },
        })
    }
}

fn parse_rfc3339(raw: &str) -> Option<hotline_domain::Timestamp> {
    time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339).ok()
}

/// The one claim Hotline reads besides the identity ones.
#[derive(Deserialize)]
struct OrdersClaim {
    orders: Option<Vec<serde_json::Value>>,
}

/// The orders of the caller's bearer token, `None` when the token has no
/// `orders` claim. Only for a token the `Auth` extractor has verified.
fn claimed_orders(headers: &HeaderMap) -> ApiResult<Option<Vec<Order>>> {
    let token = auth::bearer_token(headers).ok_or_else(|| {
        ApiError::new(
            ErrorCode::MissingToken,
            "send Authorization: Bearer <token>",
        )
    })?;
    let claim: OrdersClaim = jsonwebtoken::dangerous::insecure_decode_claims(token)
        // 400, not 401: the token was verified, so a fresh one (what the
        // widget fetches on 401) would not help.
        .map_err(|e| {
            ApiError::new(ErrorCode::InvalidToken, e.to_string())
                .with_status(StatusCode::BAD_REQUEST)
        })?;
    Ok(claim.orders.map(|orders| {
        orders
            .into_iter()
            .filter_map(|o| serde_json::from_value::<Order>(o).ok())
            .filter(Order::is_sane)
            .take(MAX_ORDERS)
            .collect()
    }))
}

/// The orders of the caller's bearer token as the start of a conversation
/// checks them (`None`: the token has no `orders` claim, nothing to check).
pub fn claimed_orders_of(headers: &HeaderMap) -> ApiResult<Option<Vec<ClaimedOrder>>> {
    Ok(claimed_orders(headers)?.map(|orders| {
        orders
            .into_iter()
            .map(|o| ClaimedOrder {
                id: o.id,
                department: o.department,
            })
            .collect()
    }))
}

/// The bookings of the caller's bearer token, as call-backs check them;
/// none when the token lists no orders.
pub fn claimed_bookings_of(
    headers: &HeaderMap,
    customer_phone: Option<&str>,
) -> ApiResult<Vec<TokenBooking>> {
    Ok(claimed_orders(headers)?
        .unwrap_or_default()
        .iter()
        .filter_map(|o| o.booking(customer_phone))
        .collect())
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CustomerContext {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Authentication methods of the customer's login (`pwd`, `otp`, …).
    pub amr: Vec<String>,
    pub auth_time: Option<i64>,
    /// Whether the login used something beyond a password.
    pub strong_auth: bool,
    pub orders: Vec<Order>,
    /// When the widget last handed the token in (Unix seconds).
    #[serde(default)]
    pub updated_at: i64,
}

/// The widget hands in the customer's token: Hotline keeps its facts and
/// orders for the operators (replacing what an older token said).
#[utoipa::path(post, path = "/api/v1/customer/context", tag = "web",
    responses((status = 204, description = "Kept"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Only customers have a context")),
    security(("bearer" = [])))]
pub async fn save_context(
    State(store): State<Arc<dyn Store>>,
    Auth(principal): Auth,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let Principal::Customer(customer) = principal else {
        return Err(ApiError::forbidden("only customers have a context"));
    };
    // The Auth extractor has verified this very token (signature, expiry,
    // issuer); here only its `orders` claim is read.
    let orders = claimed_orders(&headers)?.unwrap_or_default();
    let strong_auth = customer.amr.iter().any(|m| m != "pwd");
    let now = auth::unix_now();
    let context = CustomerContext {
        name: customer.name,
        email: customer.email,
        phone: customer.phone,
        amr: customer.amr,
        auth_time: customer.auth_time,
        strong_auth,
        orders,
        updated_at: now,
    };
    let json = serde_json::to_string(&context).map_err(ApiError::internal)?;
    store.save_customer_context(&customer.id, json, now).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationCustomer {
    /// What the customer's identity token stated; absent when their widget
    /// never handed one in (e.g. they wrote through the API).
    pub context: Option<CustomerContext>,
    /// The customer's other conversations in departments the caller serves,
    /// newest first (at most 20).
    pub earlier: Vec<Conversation>,
    /// The social chats the conversation's replies go to.
    pub channels: Vec<ConversationChannel>,
}

/// A social chat of a conversation, as operators see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationChannel {
    pub channel: hotline_domain::Channel,
    /// Linked to the customer's account; `false`: an unverified guest,
    /// who gets general answers only.
    pub verified: bool,
}

/// The customer of a conversation, for operators: the facts their identity
/// token stated, their orders in the conversation's department, and their
/// other conversations the operator may see.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/customer", tag = "web",
    params(("id" = String, Path, description = "Conversation id")),
    responses((status = 200, body = ConversationCustomer),
        (status = 404, body = ErrorBody, description = "No such conversation for you")),
    security(("bearer" = [])))]
pub async fn conversation_customer(
    State(app): State<Arc<App>>,
    State(store): State<Arc<dyn Store>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ConversationCustomer>> {
    if principal.is_customer() {
        return Err(ApiError::not_found());
    }
    let conversation = app
        .open_conversation(
            &principal,
            &ConversationId::from_raw(id),
            Purpose::CustomerContext,
        )
        .await?;
    let context = match store.customer_context(&conversation.customer.id).await? {
        None => None,
        Some((json, _)) => {
            let mut context: CustomerContext =
                serde_json::from_str(&json).map_err(ApiError::internal)?;
            let department = conversation.department.as_str();
            context.orders.retain(|o| o.department == department);
            Some(context)
        }
    };
    let earlier = store
        .conversations(ConversationFilter {
            scope: EventScope::Customer(conversation.customer.id.clone()),
            status: None,
            department: None,
            limit: 50,
        })
        .await?
        .into_iter()
        .filter(|c| c.id != conversation.id && principal.can_access(c))
        .take(20)
        .map(|c| c.seen_by(&principal))
        .collect();
    let verified = hotline_domain::SocialChat::of_guest(&conversation.customer.id).is_none();
    let channels = store
        .conversation_chats(&conversation.id)
        .await?
        .into_iter()
        .map(|chat| ConversationChannel {
            channel: chat.channel,
            verified,
        })
        .collect();
    Ok(Json(ConversationCustomer {
        context,
        earlier,
        channels,
    }))
}
