//! Conversations: starting one, writing to it, moving it through its life.

use crate::error::{AppError, AppResult};
use crate::help_center::contacts::Redirect;
use crate::reading::Purpose;
use crate::screening::{Destination, Screening};
use crate::security::TAKEOVER_TOPIC;
use crate::{App, help_center};
use hotline_domain::values::MAX_ATTACHMENTS_PER_MESSAGE;
use hotline_domain::{
    AttachmentId, ClientMsgId, Conversation, ConversationId, CustomerIdentity, DepartmentId,
    DomainError, ErrorCode, Message, MessageText, OrderId, Principal, Status, Subject, TopicId,
};
use hotline_guard::Link;
use hotline_store::{
    ChangeLifecycle, Conflict, ConversationFilter, EventScope, LifecycleCommand, NewMessage,
    PostMessage, Posted, RateConversation, ReadOutcome, ReadState, StartConversation, Started,
    StoreError, Transfer,
};

/// A message as its author submits it, before screening and validation.
#[derive(Debug, Clone)]
pub struct MessageDraft {
    pub text: String,
    /// The client's id of this send: a retry with the same id returns the
    /// original.
    pub client_msg_id: String,
    /// An internal note (operators only).
    pub internal: bool,
    pub attachment_ids: Vec<String>,
}

/// A conversation as the caller's queue lists it.
#[derive(Debug, Clone)]
pub struct ListedConversation {
    pub conversation: Conversation,
    /// The last message the caller can see.
    pub last_message: Option<Message>,
    /// Messages of the other side the caller has not read.
    pub unread: u32,
}

/// An order or booking the customer's identity token lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedOrder {
    pub id: String,
    pub department: String,
}

/// A customer's request to start a conversation, as submitted.
#[derive(Debug, Clone)]
pub struct NewConversation {
    pub department: String,
    pub topic: Option<String>,
    pub order_id: Option<String>,
    /// The orders the customer's identity token lists, when it lists them:
    /// a conversation about an order must then be about one of them.
    pub claimed_orders: Option<Vec<ClaimedOrder>>,
    pub message: MessageDraft,
}

#[derive(Debug, Clone)]
pub struct StartOutcome {
    pub started: Started,
    pub screening: Screening,
}

#[derive(Debug, Clone)]
pub struct Sent {
    pub posted: Posted,
    pub screening: Screening,
}

/// A message with the links its reader should be warned about.
#[derive(Debug, Clone)]
pub struct Listed {
    pub message: Message,
    pub flagged_links: Vec<Link>,
}

/// A conversation as [`App::start`] opens it.
struct Opening {
    department: DepartmentId,
    subject: Subject,
    initial_status: Status,
    message: MessageDraft,
    /// Press, investors or partners: the bot answers with their address and
    /// resolves the conversation.
    redirect: Option<Redirect>,
}

const DEFAULT_TAKEOVER_TEXT: &str = "Мне кажется, мой аккаунт взломали";

fn customer_of(principal: &Principal, what: &str) -> AppResult<CustomerIdentity> {
    match principal {
        Principal::Customer(customer) => Ok(customer.clone()),
        Principal::Operator(_) => Err(AppError::forbidden(
            ErrorCode::Forbidden,
            format!("only customers {what}"),
        )),
    }
}

impl App {
    /// A customer starts a conversation with its first message. A retry
    /// with the same `client_msg_id` returns the same conversation; so does
    /// a request about the same order, topic or question as one of the
    /// customer's open conversations, which the message joins.
    pub async fn start_conversation(
        &self,
        principal: &Principal,
        request: NewConversation,
    ) -> AppResult<StartOutcome> {
        let customer = customer_of(principal, "start conversations")?;
        let unknown = || DomainError::UnknownDepartment(request.department.clone());
        let department = DepartmentId::parse(request.department.clone())
            .ok()
            .and_then(|id| self.department(&id))
            .ok_or_else(unknown)?;
        department.admits(&customer)?;
        let topic = request.topic.map(TopicId::parse).transpose()?;
        if let Some(topic) = &topic
            && !department.has_topic(topic)
        {
            return Err(DomainError::UnknownTopic {
                department: department.id.as_str().to_owned(),
                topic: topic.as_str().to_owned(),
            }
            .into());
        }
        let order_id = request.order_id.map(OrderId::parse).transpose()?;
        if let (Some(order), Some(claimed)) = (&order_id, &request.claimed_orders) {
            check_claimed_order(claimed, department.id.as_str(), order.as_str())?;
        }
        // In every department, also one where the bot does not otherwise
        // answer: a journalist is not a customer anywhere.
        let redirect = self.contacts.redirect(&request.message.text);
        let opening = Opening {
            subject: Subject::from_parts(order_id, topic)?,
            initial_status: Status::initial(redirect.is_some() || self.bot_answers(&department)),
            department: department.id.clone(),
            message: request.message,
            redirect,
        };
        self.start(principal, customer, opening).await
    }

    /// «Мой аккаунт взломали»: opens an urgent conversation in the security
    /// queue (department `security.takeover_department`, topic
    /// `account_takeover`), recorded in the audit log. Its
    /// `conversation.created` event is what the company's systems act on.
    pub async fn report_account_takeover(
        &self,
        principal: &Principal,
        text: Option<String>,
        client_msg_id: String,
    ) -> AppResult<StartOutcome> {
        let customer = customer_of(principal, "report their accounts")?;
        let department = DepartmentId::parse(self.security.settings.takeover_department.clone())?;
        let text = text
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_TAKEOVER_TEXT.to_owned());
        let outcome = self
            .start(
                principal,
                customer.clone(),
                Opening {
                    department,
                    subject: Subject::Topic {
                        topic: TopicId::parse(TAKEOVER_TOPIC.to_owned())?,
                    },
                    initial_status: Status::Queued,
                    redirect: None,
                    message: MessageDraft {
                        text,
                        client_msg_id,
                        internal: false,
                        attachment_ids: Vec::new(),
                    },
                },
            )
            .await?;
        if outcome.started.created {
            crate::metrics::account_takeover_reported();
            let conversation = &outcome.started.conversation;
            self.audit_by(
                principal,
                "security.account_takeover_reported",
                Some(conversation.id.as_str()),
                serde_json::json!({ "customer": customer.id.to_string() }),
            )
            .await?;
            tracing::warn!(
                target: "hotline::security",
                customer = %customer.id,
                conversation = %conversation.id.as_str(),
                "account takeover reported"
            );
        }
        Ok(outcome)
    }

    /// The one start sequence: screen, validate, write, then let the bot
    /// answer when the conversation starts with it.
    async fn start(
        &self,
        principal: &Principal,
        customer: CustomerIdentity,
        opening: Opening,
    ) -> AppResult<StartOutcome> {
        let draft = opening.message;
        let screened = self
            .screen(
                principal,
                Destination::New(&opening.department),
                draft.text.clone(),
                false,
            )
            .await?;
        let first_message = self.new_message(screened.text, draft)?;
        let mut started = self
            .store
            .start_conversation(StartConversation {
                department: opening.department,
                subject: opening.subject,
                initial_status: opening.initial_status,
                customer,
                first_message,
            })
            .await?;
        if started.joined_existing {
            // Screening's memory of that conversation lacks this message.
            self.screen_afresh(&started.conversation.id);
        }
        if started.created {
            crate::metrics::conversation_started();
            crate::metrics::message_created(hotline_domain::AuthorKind::Customer);
            if started.conversation.status == Status::Bot
                && let Some(answered) = self
                    .bot_answers_first_message(&started, opening.redirect.as_ref())
                    .await
            {
                // A redirect resolved it: the customer sees that at once.
                started.conversation = answered;
            }
        }
        Ok(StartOutcome {
            started,
            screening: screened.screening,
        })
    }

    /// After a conversation started with the bot: the bot answers the first
    /// message (press, investors and partners with their address). A
    /// failure is logged, never the customer's problem: they can always
    /// call an operator.
    async fn bot_answers_first_message(
        &self,
        started: &Started,
        redirect: Option<&Redirect>,
    ) -> Option<Conversation> {
        let (conversation, question) = (&started.conversation, &started.message.text);
        let answered = match redirect {
            Some(redirect) => {
                help_center::bot::redirect(&self.help_center, conversation, redirect, question)
                    .await
            }
            None => help_center::bot::answer(&self.help_center, conversation, question).await,
        };
        match answered {
            Ok(posted) => Some(posted.conversation),
            Err(e) => {
                tracing::warn!(conversation = %started.conversation.id, error = %e, "the bot could not answer");
                None
            }
        }
    }

    /// Sends a message. `Ok` means stored durably; a retry with the same
    /// `client_msg_id` and body returns the original (`created: false`).
    pub async fn post_message(
        &self,
        principal: &Principal,
        conversation_id: ConversationId,
        draft: MessageDraft,
    ) -> AppResult<Sent> {
        // Screening read the conversation's department from a cache, and
        // maybe the customer's last messages; the write checks both. Changed
        // in between: screen again.
        let mut attempts = 0;
        let (posted, screening, remasked) = loop {
            attempts += 1;
            let screened = self
                .screen(
                    principal,
                    Destination::Existing(&conversation_id),
                    draft.text.clone(),
                    draft.internal,
                )
                .await?;
            let message = self.new_message(screened.text, draft.clone())?;
            let remasked = !screened.relied_on.remask.is_empty();
            let written = self
                .store
                .post_message(PostMessage {
                    conversation_id: conversation_id.clone(),
                    author: principal.clone(),
                    message,
                    screened: screened.relied_on,
                })
                .await;
            match written {
                Err(StoreError::Conflict(Conflict::ConversationMoved)) if attempts < 3 => {
                    self.screen_afresh(&conversation_id);
                }
                // Another message came in while this one was screened
                // against the history, or screening's memory of it was
                // stale: screen it against the stored one.
                Err(StoreError::Conflict(Conflict::ScreeningOutdated)) if attempts < 3 => {
                    self.screen_afresh(&conversation_id);
                }
                written => break (written?, screened.screening, remasked),
            }
        };
        self.message_written(&posted, remasked);
        if posted.created {
            crate::metrics::message_created(posted.message.author.kind);
        }
        Ok(Sent { posted, screening })
    }

    fn new_message(&self, screened_text: String, draft: MessageDraft) -> AppResult<NewMessage> {
        if draft.attachment_ids.len() > MAX_ATTACHMENTS_PER_MESSAGE {
            return Err(DomainError::TooMany {
                field: "attachment_ids",
                len: draft.attachment_ids.len(),
                max: MAX_ATTACHMENTS_PER_MESSAGE,
            }
            .into());
        }
        Ok(NewMessage {
            client_msg_id: ClientMsgId::parse(draft.client_msg_id)?,
            text: MessageText::parse(screened_text, self.max_message_chars)?,
            internal: draft.internal,
            attachment_ids: draft
                .attachment_ids
                .into_iter()
                .map(AttachmentId::from_raw)
                .collect(),
        })
    }

    /// Moves the conversation through its life (hand-off, take, assign,
    /// resolve, reopen); assignments are recorded in the audit log.
    pub async fn change_lifecycle(
        &self,
        principal: &Principal,
        conversation_id: ConversationId,
        command: LifecycleCommand,
    ) -> AppResult<Conversation> {
        let audited = matches!(
            command,
            LifecycleCommand::Take | LifecycleCommand::AssignTo(_)
        );
        let conversation = self
            .store
            .change_lifecycle(ChangeLifecycle {
                conversation_id,
                actor: principal.clone(),
                command,
            })
            .await?;
        if audited {
            self.audit_by(
                principal,
                "conversation.assign",
                Some(conversation.id.as_str()),
                serde_json::json!({
                    "department": conversation.department.as_str(),
                    "assignee": conversation.assignee.as_ref().map(|a| a.id.to_string()),
                }),
            )
            .await?;
        }
        Ok(conversation)
    }

    /// An operator moves the conversation to another department.
    pub async fn transfer(
        &self,
        principal: &Principal,
        conversation_id: ConversationId,
        department: String,
    ) -> AppResult<Conversation> {
        if principal.is_customer() {
            return Err(AppError::forbidden(
                ErrorCode::Forbidden,
                "only operators transfer conversations",
            ));
        }
        let department = DepartmentId::parse(department.clone())
            .ok()
            .filter(|d| self.department(d).is_some())
            .ok_or(DomainError::UnknownDepartment(department))?;
        let conversation = self
            .store
            .transfer(Transfer {
                conversation_id,
                actor: principal.clone(),
                department,
            })
            .await?;
        // Screening must see the new department from the next message on.
        self.screen_afresh(&conversation.id);
        Ok(conversation)
    }

    /// The customer's verdict on the bot's answer: «Помогло» resolves the
    /// conversation, «Не помогло» hands it to the operators.
    pub async fn rate_bot_answer(
        &self,
        principal: &Principal,
        conversation_id: &ConversationId,
        helped: bool,
    ) -> AppResult<Conversation> {
        customer_of(principal, "rate the bot's answer")?;
        let conversation = self
            .open_conversation(principal, conversation_id, Purpose::Act)
            .await?;
        if conversation.status != Status::Bot {
            return Err(DomainError::InvalidTransition {
                action: "rate the bot's answer in",
                status: conversation.status.as_str(),
            }
            .into());
        }
        help_center::bot::record_verdict(&self.help_center, &conversation, helped).await?;
        let command = if helped {
            LifecycleCommand::Resolve
        } else {
            LifecycleCommand::Handoff
        };
        self.change_lifecycle(principal, conversation.id, command)
            .await
    }

    /// The customer rates the help in their resolved conversation (1–5 and
    /// an optional comment, secrets in it masked), once and within
    /// [`hotline_domain::RATING_WINDOW`] of its resolution. Operators and
    /// supervisors see it on the conversation.
    pub async fn rate_conversation(
        &self,
        principal: &Principal,
        conversation_id: &ConversationId,
        score: i64,
        comment: Option<String>,
    ) -> AppResult<Conversation> {
        let customer = customer_of(principal, "rate their conversations")?;
        let conversation = self
            .open_conversation(principal, conversation_id, Purpose::Act)
            .await?;
        let strictness = self.security.strictness(&conversation.department);
        let comment = comment.map(|text| {
            let scan = hotline_guard::scan(&text, None, strictness);
            crate::security::note_redactions(&scan.redactions);
            scan.masked
        });
        let rated = self
            .store
            .rate_conversation(RateConversation {
                conversation_id: conversation.id,
                customer: customer.id,
                score,
                comment,
            })
            .await?;
        if let Some(rating) = &rated.rating {
            crate::metrics::conversation_rated(rated.department.as_str(), rating.score);
        }
        Ok(rated.seen_by(principal))
    }

    /// The caller's side has read every message up to `seq` (in the
    /// caller's numbering). A mark never moves back.
    pub async fn mark_read(
        &self,
        principal: &Principal,
        id: &ConversationId,
        seq: u64,
    ) -> AppResult<ReadState> {
        self.open_conversation(principal, id, Purpose::ReadMarks)
            .await?;
        match self.store.mark_read(id, principal, seq).await? {
            ReadOutcome::Moved(read) | ReadOutcome::Unchanged(read) => Ok(read),
            ReadOutcome::BeyondLast { last } => Err(AppError::invalid(
                ErrorCode::ReadBeyondLast,
                format!(
                    "seq {seq} is after the last message ({last}); send the seq of a message you have"
                ),
            )),
        }
    }

    /// The caller's conversations, newest activity first: a customer's own,
    /// an operator's departments', each with its last message and what the
    /// caller has not read.
    pub async fn conversations(
        &self,
        principal: &Principal,
        status: Option<Status>,
        department: Option<DepartmentId>,
        limit: usize,
    ) -> AppResult<Vec<ListedConversation>> {
        let hidden = self.security.hidden_departments(principal);
        let conversations = self
            .store
            .conversations(ConversationFilter {
                scope: EventScope::of(principal),
                status,
                department,
                limit,
            })
            .await?;
        // A customer without a fresh second factor does not see the bank's
        // conversations listed either (the feed hides their events).
        let conversations: Vec<Conversation> = conversations
            .into_iter()
            .filter(|c| !hidden.contains(&c.department))
            .map(|c| c.seen_by(principal))
            .collect();
        let ids: Vec<ConversationId> = conversations.iter().map(|c| c.id.clone()).collect();
        let digests = self.store.digests(&ids, principal).await?;
        // The last messages are a read of what they say.
        self.audit_listed_reads(
            principal,
            conversations.iter(),
            "list",
            serde_json::Value::Null,
        )
        .await?;
        Ok(conversations
            .into_iter()
            .zip(digests)
            .map(|(conversation, digest)| ListedConversation {
                conversation,
                last_message: digest.last_message,
                unread: digest.unread,
            })
            .collect())
    }
}

impl App {
    /// One audit entry for an operator's list of conversations (a queue, a
    /// search) that shows what conversations of step-up departments say,
    /// rather than one per conversation.
    pub(crate) async fn audit_listed_reads<'c>(
        &self,
        principal: &Principal,
        conversations: impl Iterator<Item = &'c Conversation>,
        purpose: &str,
        query: serde_json::Value,
    ) -> AppResult<()> {
        if principal.is_customer() {
            return Ok(());
        }
        let audited: Vec<&str> = conversations
            .filter(|c| self.security.settings.needs_step_up(c.department.as_str()))
            .map(|c| c.id.as_str())
            .collect();
        if audited.is_empty() {
            return Ok(());
        }
        self.audit_by(
            principal,
            "conversations.listed",
            None,
            serde_json::json!({"purpose": purpose, "conversations": audited, "query": query}),
        )
        .await
    }
}

/// A customer whose token lists their orders may start a conversation only
/// about one of them, in that order's department (`unknown_order`).
pub(crate) fn check_claimed_order(
    claimed: &[ClaimedOrder],
    department: &str,
    order_id: &str,
) -> AppResult<()> {
    if claimed
        .iter()
        .any(|o| o.id == order_id && o.department == department)
    {
        return Ok(());
    }
    Err(AppError::invalid(
        ErrorCode::UnknownOrder,
        format!(
            "order `{order_id}` is not among the orders of department `{department}` in your identity token; pick one of them or write without an order"
        ),
    ))
}
