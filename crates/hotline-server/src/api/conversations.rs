//! Conversations and messages.

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Json, Path, Query};
use crate::api::views::*;
use crate::auth::Auth;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use hotline_app::{App, MessageDraft, NewConversation, StartOutcome};
use hotline_domain::{
    Conversation, ConversationId, DepartmentId, ErrorCode, OperatorId, Principal, Status,
};
use hotline_store::LifecycleCommand;
use std::sync::Arc;

pub(crate) fn created_or_ok(created: bool) -> StatusCode {
    if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

/// The response to a start (or a takeover report).
pub(crate) fn started_view(
    principal: &Principal,
    outcome: StartOutcome,
) -> (StatusCode, Json<StartedConversation>) {
    let StartOutcome { started, screening } = outcome;
    (
        created_or_ok(started.created),
        Json(StartedConversation {
            conversation: started.conversation.seen_by(principal),
            message: started.message.seen_by(principal),
            screening: screening.into(),
            joined_existing: started.joined_existing,
        }),
    )
}

/// A customer starts a conversation with its first message. Retrying with
/// the same `client_msg_id` returns the same conversation (200); so does a
/// request about the same order, topic or question as one of the customer's
/// open conversations, which the message joins (`joined_existing`).
#[utoipa::path(post, path = "/api/v1/conversations", tag = "conversations",
    request_body = StartConversationRequest,
    responses(
        (status = 201, body = StartedConversation, description = "Started"),
        (status = 200, body = StartedConversation, description = "A retry, or joined to the customer's open conversation about the same thing"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody, description = "Operators cannot start conversations"),
        (status = 409, body = ErrorBody, description = "client_msg_id reused with another body"),
        (status = 422, body = ErrorBody, description = "Invalid fields; `unknown_order`: the order is not in the token's `orders` claim"),
    ),
    security(("bearer" = [])))]
pub async fn start_conversation(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    headers: axum::http::HeaderMap,
    Json(body): Json<StartConversationRequest>,
) -> ApiResult<(StatusCode, Json<StartedConversation>)> {
    let claimed_orders = match &body.order_id {
        Some(_) => crate::web::context::claimed_orders_of(&headers)?,
        None => None,
    };
    let outcome = app
        .start_conversation(
            &principal,
            NewConversation {
                department: body.department,
                topic: body.topic,
                order_id: body.order_id,
                claimed_orders,
                message: MessageDraft {
                    text: body.text,
                    client_msg_id: body.client_msg_id,
                    internal: false,
                    attachment_ids: body.attachment_ids,
                },
            },
        )
        .await?;
    Ok(started_view(&principal, outcome))
}

/// The caller's conversations: a customer's own, an operator's departments'.
#[utoipa::path(get, path = "/api/v1/conversations", tag = "conversations", params(ListConversationsQuery),
    responses((status = 200, body = ConversationList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_conversations(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Query(query): Query<ListConversationsQuery>,
) -> ApiResult<Json<ConversationList>> {
    let status = match query.status.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(Status::parse(raw).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidQuery,
                "status must be one of bot, queued, assigned, resolved",
            )
        })?),
    };
    let department = match query.department {
        None => None,
        Some(raw) if raw.is_empty() => None,
        Some(raw) => Some(DepartmentId::parse(raw).map_err(|_| {
            ApiError::new(
                ErrorCode::InvalidQuery,
                "department must be a department id such as `travel`",
            )
        })?),
    };
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::new(
            ErrorCode::InvalidQuery,
            "limit must be between 1 and 200",
        ));
    }
    let conversations = app
        .conversations(&principal, status, department, limit)
        .await?;
    let conversations = conversations.into_iter().map(Into::into).collect();
    Ok(Json(ConversationList { conversations }))
}

/// Operators find conversations of their departments by the customer's
/// name or id, the order, or words of the messages; latest activity first.
#[utoipa::path(get, path = "/api/v1/search/conversations", tag = "conversations",
    params(SearchConversationsQuery),
    responses((status = 200, body = FoundConversations), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn search_conversations(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Query(query): Query<SearchConversationsQuery>,
) -> ApiResult<Json<FoundConversations>> {
    let limit = query.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::new(
            ErrorCode::InvalidQuery,
            "limit must be between 1 and 100",
        ));
    }
    let hits = app
        .search_conversations(&principal, &query.q, limit)
        .await?;
    Ok(Json(FoundConversations {
        conversations: hits.into_iter().map(Into::into).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "conversations",
    params(("id" = String, Path, description = "Conversation id")),
    responses((status = 200, body = Conversation), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_conversation(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Conversation>> {
    let conversation = app
        .open_conversation(
            &principal,
            &ConversationId::from_raw(id),
            hotline_app::Purpose::Conversation,
        )
        .await?;
    Ok(Json(conversation.seen_by(&principal)))
}

/// Messages in `seq` order; customers never see internal notes.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages", tag = "conversations",
    params(("id" = String, Path, description = "Conversation id"), MessagesQuery),
    responses((status = 200, body = MessageList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_messages(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
    Query(query): Query<MessagesQuery>,
) -> ApiResult<Json<MessageList>> {
    let limit = query.limit.unwrap_or(100);
    let after_seq = query.after_seq.unwrap_or(0);
    if !(1..=500).contains(&limit) || after_seq < 0 {
        return Err(ApiError::new(
            ErrorCode::InvalidQuery,
            "limit must be 1–500 and after_seq not negative",
        ));
    }
    let messages = app
        .messages(&principal, &ConversationId::from_raw(id), after_seq, limit)
        .await?
        .into_iter()
        .map(|listed| ListedMessage {
            flagged_links: listed.flagged_links,
            message: listed.message.seen_by(&principal),
        })
        .collect();
    Ok(Json(MessageList { messages }))
}

/// Sends a message. Acknowledged (201) means stored durably. A retry with
/// the same `client_msg_id` and body returns the original (200).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", tag = "conversations",
    params(("id" = String, Path, description = "Conversation id")),
    request_body = PostMessageRequest,
    responses(
        (status = 201, body = SentMessage, description = "Stored (with secrets masked)"),
        (status = 200, body = SentMessage, description = "A retry: already stored"),
        (status = 403, body = ErrorBody, description = "step_up_required"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "Invalid, or an operator message refused: secret_request_blocked, suspicious_link"),
    ),
    security(("bearer" = [])))]
pub async fn post_message(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
    Json(body): Json<PostMessageRequest>,
) -> ApiResult<(StatusCode, Json<SentMessage>)> {
    let sent = app
        .post_message(
            &principal,
            ConversationId::from_raw(id),
            MessageDraft {
                text: body.text,
                client_msg_id: body.client_msg_id,
                internal: body.internal,
                attachment_ids: body.attachment_ids,
            },
        )
        .await?;
    Ok((
        created_or_ok(sent.posted.created),
        Json(SentMessage {
            message: sent.posted.message.seen_by(&principal),
            screening: sent.screening.into(),
        }),
    ))
}

async fn change(
    app: &App,
    principal: Principal,
    id: String,
    command: LifecycleCommand,
) -> ApiResult<Json<Conversation>> {
    let conversation = app
        .change_lifecycle(&principal, ConversationId::from_raw(id), command)
        .await?;
    Ok(Json(conversation.seen_by(&principal)))
}

/// «Позвать оператора»: hands the conversation to the human queue.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/handoff", tag = "conversations",
    params(("id" = String, Path, description = "Conversation id")),
    responses((status = 200, body = Conversation), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn handoff(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Conversation>> {
    change(&app, principal, id, LifecycleCommand::Handoff).await
}

/// An operator takes the conversation; a supervisor may give it to
/// `operator_id`.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/assign", tag = "conversations",
    params(("id" = String, Path, description = "Conversation id")),
    request_body(content = AssignRequest, description = "Optional"),
    responses((status = 200, body = Conversation), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Already assigned to someone else, or resolved"),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn assign(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Conversation>> {
    let request: AssignRequest = if body.iter().all(u8::is_ascii_whitespace) {
        AssignRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::new(ErrorCode::InvalidJson, e.to_string()))?
    };
    let command = match request.operator_id {
        Some(target) => LifecycleCommand::AssignTo(OperatorId::from_raw(target)),
        None => LifecycleCommand::Take,
    };
    change(&app, principal, id, command).await
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/resolve", tag = "conversations",
    params(("id" = String, Path, description = "Conversation id")),
    responses((status = 200, body = Conversation), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn resolve(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Conversation>> {
    change(&app, principal, id, LifecycleCommand::Resolve).await
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct RatingRequest {
    /// 1 (bad) to 5 (excellent).
    pub score: i64,
    /// Optional, at most 2 000 characters; secrets in it are masked.
    #[serde(default)]
    pub comment: Option<String>,
}

/// «Оцените, пожалуйста, помощь»: the customer rates a resolved
/// conversation, once, within 7 days of its resolution. The rating is on
/// the conversation (`rating`) and announced with `conversation.updated`.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/rating", tag = "conversations",
    params(("id" = String, Path, description = "Conversation id")),
    request_body = RatingRequest,
    responses((status = 201, body = Conversation), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Not resolved (`invalid_transition`), rated already (`already_rated`) or resolved more than 7 days ago (`rating_closed`)"),
        (status = 422, body = ErrorBody, description = "The score is not 1–5 or the comment is too long")),
    security(("bearer" = [])))]
pub async fn rate(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
    Json(body): Json<RatingRequest>,
) -> ApiResult<(StatusCode, Json<Conversation>)> {
    let rated = app
        .rate_conversation(
            &principal,
            &ConversationId::from_raw(id),
            body.score,
            body.comment,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(rated)))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/reopen", tag = "conversations",
    params(("id" = String, Path, description = "Conversation id")),
    responses((status = 200, body = Conversation), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reopen(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Conversation>> {
    change(&app, principal, id, LifecycleCommand::Reopen).await
}
