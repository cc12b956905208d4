//! Conversations and messages.

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Json, Path, Query};
use crate::api::views::*;
use crate::auth::Auth;
use crate::guard::{Destination, screen_message};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use hotline_domain::values::MAX_ATTACHMENTS_PER_MESSAGE;
use hotline_domain::{
    AttachmentId, ClientMsgId, Conversation, ConversationId, DepartmentId, DomainError,
    MessageText, OperatorId, OrderId, Principal, Status, Subject, TopicId,
};
use hotline_store::{
    ChangeLifecycle, ConversationFilter, EventScope, LifecycleCommand, MessageQuery, NewMessage,
    PostMessage, StartConversation,
};

fn new_message(
    state: &AppState,
    text: String,
    client_msg_id: String,
    internal: bool,
    attachment_ids: Vec<String>,
) -> Result<NewMessage, DomainError> {
    if attachment_ids.len() > MAX_ATTACHMENTS_PER_MESSAGE {
        return Err(DomainError::TooMany {
            field: "attachment_ids",
            len: attachment_ids.len(),
            max: MAX_ATTACHMENTS_PER_MESSAGE,
        });
    }
    Ok(NewMessage {
        client_msg_id: ClientMsgId::parse(client_msg_id)?,
        text: MessageText::parse(text, state.settings.max_message_chars)?,
        internal,
        attachment_ids: attachment_ids
            .into_iter()
            .map(AttachmentId::from_raw)
            .collect(),
    })
}

fn created_or_ok(created: bool) -> StatusCode {
    if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
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
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: axum::http::HeaderMap,
    Json(body): Json<StartConversationRequest>,
) -> ApiResult<(StatusCode, Json<StartedConversation>)> {
    let Principal::Customer(customer) = principal.clone() else {
        return Err(ApiError::forbidden("only customers start conversations"));
    };
    let department_id = DepartmentId::parse(body.department.clone())
        .map_err(|_| DomainError::UnknownDepartment(body.department.clone()))?;
    let department = state
        .department(&department_id)
        .ok_or_else(|| DomainError::UnknownDepartment(body.department.clone()))?;
    let topic = body.topic.map(TopicId::parse).transpose()?;
    if let Some(topic) = &topic
        && !department.has_topic(topic)
    {
        return Err(DomainError::UnknownTopic {
            department: department.id.as_str().to_owned(),
            topic: topic.as_str().to_owned(),
        }
        .into());
    }
    let order_id = body.order_id.map(OrderId::parse).transpose()?;
    if let Some(order) = &order_id {
        crate::web::context::check_claimed_order(&headers, department.id.as_str(), order.as_str())?;
    }
    let subject = Subject::from_parts(order_id, topic)?;
    let screened = screen_message(
        &state,
        &principal,
        Destination::New(&department_id),
        body.text,
        false,
    )
    .await?;
    let first_message = new_message(
        &state,
        screened.text,
        body.client_msg_id,
        false,
        body.attachment_ids,
    )?;
    let started = state
        .store
        .start_conversation(StartConversation {
            department: department_id,
            subject,
            initial_status: Status::initial(state.bot_answers(department)),
            customer,
            first_message,
        })
        .await?;
    if started.created {
        metrics::counter!("hotline_conversations_started_total").increment(1);
        metrics::counter!("hotline_messages_created_total", "author" => "customer").increment(1);
        if started.conversation.status == Status::Bot {
            crate::api::kb::bot_answers_first_message(&state, &started).await;
        }
    }
    Ok((
        created_or_ok(started.created),
        Json(StartedConversation {
            conversation: started.conversation.seen_by(&principal),
            message: started.message.seen_by(&principal),
            screening: Screening {
                redactions: screened.redactions,
                flagged_links: screened.flagged_links,
            },
            joined_existing: started.joined_existing,
        }),
    ))
}

/// The caller's conversations: a customer's own, an operator's departments'.
#[utoipa::path(get, path = "/api/v1/conversations", tag = "conversations", params(ListConversationsQuery),
    responses((status = 200, body = ConversationList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_conversations(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<ListConversationsQuery>,
) -> ApiResult<Json<ConversationList>> {
    let status = match query.status.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(Status::parse(raw).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_query",
                "status must be one of bot, queued, assigned, resolved",
            )
        })?),
    };
    let department = match query.department {
        None => None,
        Some(raw) if raw.is_empty() => None,
        Some(raw) => Some(DepartmentId::parse(raw).map_err(|_| {
            ApiError::bad_request(
                "invalid_query",
                "department must be a department id such as `travel`",
            )
        })?),
    };
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_query",
            "limit must be between 1 and 200",
        ));
    }
    let conversations = state
        .store
        .conversations(ConversationFilter {
            scope: EventScope::of(&principal),
            status,
            department,
            limit,
        })
        .await?;
    let conversations = conversations
        .into_iter()
        .map(|c| c.seen_by(&principal))
        .collect();
    Ok(Json(ConversationList { conversations }))
}

async fn visible_conversation(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> ApiResult<Conversation> {
    let conversation = state
        .store
        .conversation(&ConversationId::from_raw(id))
        .await?
        .filter(|c| principal.can_access(c))
        .ok_or_else(ApiError::not_found)?;
    crate::guard::on_read(state, principal, &conversation).await?;
    Ok(conversation)
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "conversations",
    params(("id" = String, Path, description = "Conversation id")),
    responses((status = 200, body = Conversation), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_conversation(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Conversation>> {
    let conversation = visible_conversation(&state, &principal, id).await?;
    Ok(Json(conversation.seen_by(&principal)))
}

/// Messages in `seq` order; customers never see internal notes.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages", tag = "conversations",
    params(("id" = String, Path, description = "Conversation id"), MessagesQuery),
    responses((status = 200, body = MessageList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_messages(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<String>,
    Query(query): Query<MessagesQuery>,
) -> ApiResult<Json<MessageList>> {
    let limit = query.limit.unwrap_or(100);
    let after_seq = query.after_seq.unwrap_or(0);
    if !(1..=500).contains(&limit) || after_seq < 0 {
        return Err(ApiError::bad_request(
            "invalid_query",
            "limit must be 1–500 and after_seq not negative",
        ));
    }
    let conversation = visible_conversation(&state, &principal, id).await?;
    let messages = state
        .store
        .messages(MessageQuery {
            conversation_id: conversation.id,
            after_seq,
            limit,
            include_internal: !principal.is_customer(),
        })
        .await?;
    let messages = messages
        .into_iter()
        .map(|m| ListedMessage {
            flagged_links: crate::guard::flagged_links_for(&state, &principal, &m),
            message: m.seen_by(&principal),
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
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<String>,
    Json(body): Json<PostMessageRequest>,
) -> ApiResult<(StatusCode, Json<SentMessage>)> {
    let conversation_id = ConversationId::from_raw(id);
    let screened = screen_message(
        &state,
        &principal,
        Destination::Existing(&conversation_id),
        body.text,
        body.internal,
    )
    .await?;
    let message = new_message(
        &state,
        screened.text,
        body.client_msg_id,
        body.internal,
        body.attachment_ids,
    )?;
    let posted = state
        .store
        .post_message(PostMessage {
            conversation_id,
            author: principal.clone(),
            message,
        })
        .await?;
    if posted.created {
        let author = posted.message.author.kind.as_str();
        metrics::counter!("hotline_messages_created_total", "author" => author).increment(1);
    }
    Ok((
        created_or_ok(posted.created),
        Json(SentMessage {
            message: posted.message.seen_by(&principal),
            screening: Screening {
                redactions: screened.redactions,
                flagged_links: screened.flagged_links,
            },
        }),
    ))
}

async fn change(
    state: &AppState,
    principal: Principal,
    id: String,
    command: LifecycleCommand,
) -> ApiResult<Json<Conversation>> {
    let conversation = state
        .store
        .change_lifecycle(ChangeLifecycle {
            conversation_id: ConversationId::from_raw(id),
            actor: principal.clone(),
            command,
        })
        .await?;
    Ok(Json(conversation.seen_by(&principal)))
}

/// «Позвать оператора»: hands the conversation to the human queue.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/handoff", tag = "conversations",
    params(("id" = String, Path, description = "Conversation id")),
    responses((status = 200, body = Conversation), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn handoff(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Conversation>> {
    change(&state, principal, id, LifecycleCommand::Handoff).await
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
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Conversation>> {
    let request: AssignRequest = if body.iter().all(u8::is_ascii_whitespace) {
        AssignRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request("invalid_json", e.to_string()))?
    };
    let command = match request.operator_id {
        Some(target) => LifecycleCommand::AssignTo(OperatorId::from_raw(target)),
        None => LifecycleCommand::Take,
    };
    let assigned = change(&state, principal.clone(), id, command).await?;
    crate::guard::audit::assignment(&state, &principal, &assigned.0).await?;
    Ok(assigned)
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/resolve", tag = "conversations",
    params(("id" = String, Path, description = "Conversation id")),
    responses((status = 200, body = Conversation), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn resolve(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Conversation>> {
    change(&state, principal, id, LifecycleCommand::Resolve).await
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/reopen", tag = "conversations",
    params(("id" = String, Path, description = "Conversation id")),
    responses((status = 200, body = Conversation), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reopen(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Conversation>> {
    change(&state, principal, id, LifecycleCommand::Reopen).await
}
