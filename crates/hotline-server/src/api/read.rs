//! Read receipts: each side tells how far it has read a conversation, and
//! the other side hears it as a `messages.read` event (docs/protocol.md).

use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::{Json, Path};
use crate::auth::Auth;
use crate::state::AppState;
use axum::extract::State;
use hotline_app::App;
use hotline_domain::{ConversationId, Principal};
use hotline_store::ReadState;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(read_state, mark_read))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkReadRequest {
    /// The last message read, in the caller's numbering (customers count
    /// only the messages they see).
    pub seq: u64,
}

/// How far each side has read, in the caller's numbering.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadStateView {
    pub conversation_id: String,
    /// The customer has read every message up to this `seq` (0: none).
    pub customer_read_seq: u64,
    /// Some operator has read every message up to this `seq` (0: none).
    pub operators_read_seq: u64,
    /// The caller has read every message up to this `seq`: the customer's
    /// mark for a customer, an operator's own (each operator has one).
    pub my_read_seq: u64,
}

impl ReadStateView {
    fn new(conversation: &ConversationId, state: ReadState, reader: &Principal) -> Self {
        ReadStateView {
            conversation_id: conversation.to_string(),
            customer_read_seq: state.customer.seen_by(reader),
            operators_read_seq: state.operators.seen_by(reader),
            my_read_seq: state.own,
        }
    }
}

/// Both sides' read positions.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/read", tag = "conversations",
    params(("id" = String, Path, description = "Conversation id")),
    responses((status = 200, body = ReadStateView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn read_state(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ReadStateView>> {
    let id = ConversationId::from_raw(id);
    let read = app.read_state(&principal, &id).await?;
    Ok(Json(ReadStateView::new(&id, read, &principal)))
}

/// The caller's side has read every message up to `seq`. A mark never
/// moves back: a lower `seq` changes nothing. When it moves, the other side
/// gets a `messages.read` event.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/read", tag = "conversations",
    params(("id" = String, Path, description = "Conversation id")),
    request_body = MarkReadRequest,
    responses(
        (status = 200, body = ReadStateView),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "`read_beyond_last`: no message has this seq yet"),
    ),
    security(("bearer" = [])))]
pub async fn mark_read(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
    Json(body): Json<MarkReadRequest>,
) -> ApiResult<Json<ReadStateView>> {
    let id = ConversationId::from_raw(id);
    let read = app.mark_read(&principal, &id, body.seq).await?;
    Ok(Json(ReadStateView::new(&id, read, &principal)))
}
