//! Screening: every message passes here before the store (and so the log,
//! the event bus, the search index and the bot) sees it.
//!
//! - secrets in it are masked (customers' and operators' alike: nobody
//!   needs a card number in the archive);
//! - an operator's public message that asks for a secret, or links outside
//!   the allowed domains, is refused and the attempt recorded;
//! - customers of step-up departments (the bank) need a fresh strong login.

use crate::App;
use crate::audit::Actor;
use crate::error::{AppError, AppResult};
use crate::security::note_redactions;
use hotline_domain::{
    AuthorKind, Conversation, ConversationId, CustomerIdentity, DepartmentId, OperatorPrincipal,
    Principal,
};
use hotline_guard::{Link, Redaction};
use hotline_store::{MessageQuery, ScreenedFor};

/// A card typed across two messages is joined only when the second follows
/// the first this quickly.
const SPLIT_CARD_WINDOW_SECONDS: i64 = 600;

/// What screening did to a message; told to its sender only.
#[derive(Debug, Clone, Default)]
pub struct Screening {
    /// What was masked.
    pub redactions: Vec<Redaction>,
    /// Links in a customer's message that do not point to an allowed domain.
    pub flagged_links: Vec<Link>,
}

/// A message as it may be stored.
#[derive(Debug)]
pub(crate) struct Screened {
    /// The text with secrets masked.
    pub text: String,
    pub screening: Screening,
    /// What the write must re-check and finish in its transaction.
    pub relied_on: ScreenedFor,
}

/// Where a message goes.
pub(crate) enum Destination<'a> {
    /// The first message of a new conversation.
    New(&'a DepartmentId),
    Existing(&'a ConversationId),
}

impl App {
    /// Screens a message before it is stored. (Customers' display names
    /// are masked when their token is verified.)
    pub(crate) async fn screen(
        &self,
        principal: &Principal,
        destination: Destination<'_>,
        text: String,
        internal: bool,
    ) -> AppResult<Screened> {
        let (department, conversation) = match destination {
            Destination::New(department) => (department.clone(), None),
            Destination::Existing(id) => match principal {
                // The conversation itself is needed only to look for the
                // start of a card in the previous message.
                Principal::Customer(customer) if !hotline_guard::may_finish_split_card(&text) => {
                    match self.security.owners.get(id) {
                        Some((_, owner)) if owner != customer.id => {
                            return Err(AppError::not_found());
                        }
                        Some((department, _)) => (department, None),
                        None => {
                            let conversation = self.owned_conversation(principal, id).await?;
                            (conversation.department.clone(), None)
                        }
                    }
                }
                _ => {
                    let conversation = self.owned_conversation(principal, id).await?;
                    (conversation.department.clone(), Some(conversation))
                }
            },
        };
        let strictness = self.security.strictness(&department);
        match principal {
            Principal::Customer(customer) => {
                self.security.require_step_up(customer, &department)?;
                let previous = match &conversation {
                    Some(conversation) if hotline_guard::may_finish_split_card(&text) => {
                        self.previous_from(conversation, customer).await?
                    }
                    _ => None,
                };
                let scan =
                    hotline_guard::scan(&text, previous.as_ref().map(|p| p.1.as_str()), strictness);
                let redact_previous = match previous {
                    Some((seq, previous_text)) if scan.previous_holds_card_start => {
                        Some((seq, hotline_guard::mask_trailing_digits(&previous_text)))
                    }
                    _ => None,
                };
                note_redactions(&scan.redactions);
                Ok(Screened {
                    screening: Screening {
                        redactions: scan.redactions,
                        flagged_links: self.security.flagged_links(&text),
                    },
                    text: scan.masked,
                    relied_on: ScreenedFor {
                        department: Some(department),
                        redact_previous,
                    },
                })
            }
            Principal::Operator(operator) => {
                if !internal {
                    self.check_operator_text(
                        operator,
                        conversation.as_ref().map(|c| c.id.as_str()),
                        department.as_str(),
                        &text,
                    )
                    .await?;
                }
                let scan = hotline_guard::scan(&text, None, strictness);
                note_redactions(&scan.redactions);
                Ok(Screened {
                    text: scan.masked,
                    screening: Screening {
                        redactions: scan.redactions,
                        flagged_links: Vec::new(),
                    },
                    relied_on: ScreenedFor {
                        department: Some(department),
                        redact_previous: None,
                    },
                })
            }
        }
    }

    /// Refuses an operator's text meant for customers — a message, or a
    /// canned reply when it is saved — that asks for a secret (
    /// `secret_request_blocked`) or links outside the allowed domains
    /// (`suspicious_link`). Refusals are recorded in the audit log.
    pub async fn check_operator_text(
        &self,
        operator: &OperatorPrincipal,
        conversation: Option<&str>,
        department: &str,
        text: &str,
    ) -> AppResult<()> {
        let Some((action, refusal)) = self.security.operator_text_problem(text) else {
            return Ok(());
        };
        tracing::warn!(
            target: "hotline::security",
            operator = %operator.id,
            department,
            refused = refusal.code,
            "refused an operator message meant for a customer"
        );
        let mut details = refusal.details.clone().unwrap_or_default();
        if let Some(object) = details.as_object_mut() {
            object.insert("department".into(), department.into());
        }
        self.audit(
            Actor {
                kind: "operator",
                id: operator.id.to_string(),
            },
            action,
            conversation,
            details,
        )
        .await?;
        Err(refusal)
    }

    /// The conversation, when the caller may write to it; customers'
    /// answers are remembered for the next message.
    async fn owned_conversation(
        &self,
        principal: &Principal,
        id: &ConversationId,
    ) -> AppResult<Conversation> {
        let generation = self.security.owners.generation();
        let conversation = self.accessible_conversation(principal, id).await?;
        if principal.is_customer() {
            self.security.owners.remember(generation, &conversation);
        }
        Ok(conversation)
    }

    /// The customer's own previous message in the conversation (its `seq`
    /// and text), when it is the latest one and recent.
    async fn previous_from(
        &self,
        conversation: &Conversation,
        customer: &CustomerIdentity,
    ) -> AppResult<Option<(i64, String)>> {
        if conversation.last_seq < 1 {
            return Ok(None);
        }
        let last = self
            .store
            .messages(MessageQuery {
                conversation_id: conversation.id.clone(),
                after_seq: conversation.last_seq - 1,
                limit: 1,
                include_internal: true,
            })
            .await?;
        let now = time::OffsetDateTime::now_utc();
        Ok(last
            .into_iter()
            .find(|m| {
                m.author.kind == AuthorKind::Customer
                    && m.author.id.as_deref() == Some(customer.id.as_str())
                    && (now - m.created_at).whole_seconds() <= SPLIT_CARD_WINDOW_SECONDS
            })
            .map(|m| (m.seq, m.text)))
    }

    /// A transfer committed: screening must read the conversation's
    /// department again.
    pub(crate) fn conversation_moved(&self, id: &ConversationId) {
        self.security.owners.moved(id);
    }
}
