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

/// Whether `text` could complete a secret begun in the customer's earlier
/// messages, so that they must be read: the end of a card number or a code
/// is a number standing on its own («1111 1111», «4821-13»), not digits
/// inside a word («c17», «2-й»); a password after «мой пароль» is one word.
/// Other messages skip the read, which costs about a millisecond.
fn may_complete_a_secret(text: &str) -> bool {
    let one_word = text.split_whitespace().count() == 1;
    one_word
        || text.split_whitespace().any(|word| {
            let word = word.trim_matches(|c: char| !c.is_alphanumeric());
            word.chars().any(char::is_numeric)
                && word
                    .chars()
                    .all(|c| c.is_numeric() || matches!(c, '-' | '.' | ',' | '/'))
        })
}

#[cfg(test)]
mod tests {
    use super::may_complete_a_secret;

    #[test]
    fn only_standalone_numbers_and_single_words_read_the_history() {
        for text in [
            "1111 1111",
            "и последние 4821-13",
            "«5521»",
            "Qwerty1",
            "１２３４ ５６７８",
        ] {
            assert!(may_complete_a_secret(text), "{text}");
        }
        for text in [
            "hello from c17",
            "мой 2-й заказ пришёл",
            "спасибо большое",
            "",
        ] {
            assert!(!may_complete_a_secret(text), "{text}");
        }
    }
}

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
                // The conversation itself is needed only to read the
                // customer's last messages for a secret typed in pieces.
                Principal::Customer(customer) if !may_complete_a_secret(&text) => {
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
                let history = match &conversation {
                    Some(conversation) => self.history_of(conversation, customer).await?,
                    None => Vec::new(),
                };
                let texts: Vec<&str> = history.iter().map(|(_, text)| text.as_str()).collect();
                let scan = hotline_guard::scan_with_history(&text, &texts, strictness);
                let remask = scan
                    .remasked
                    .into_iter()
                    .filter_map(|r| Some((history.get(r.index)?.0, r.masked)))
                    .collect();
                let scan = scan.current;
                note_redactions(&scan.redactions);
                Ok(Screened {
                    screening: Screening {
                        redactions: scan.redactions,
                        flagged_links: self.security.flagged_links(&text),
                    },
                    text: scan.masked,
                    relied_on: ScreenedFor {
                        department: Some(department),
                        remask,
                        last_seq: conversation.as_ref().map(|c| c.last_seq),
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
                        ..ScreenedFor::default()
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
            refused = refusal.code.as_str(),
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
        let conversation = self.accessible_conversation(principal, id).await?;
        if principal.is_customer() {
            self.security.owners.remember(&conversation);
        }
        Ok(conversation)
    }

    /// The customer's last messages in the conversation (`seq`, text as
    /// stored), oldest first: at most `split_window_messages`, sent within
    /// `split_window_minutes`.
    async fn history_of(
        &self,
        conversation: &Conversation,
        customer: &CustomerIdentity,
    ) -> AppResult<Vec<(i64, String)>> {
        let settings = &self.security.settings;
        let wanted = settings.split_window_messages;
        if wanted == 0 || conversation.last_seq < 1 {
            return Ok(Vec::new());
        }
        // Operators' replies and notes may sit between the customer's
        // messages: read a few more than needed.
        let span = (wanted * 3) as i64;
        let recent = self
            .store
            .messages(MessageQuery {
                conversation_id: conversation.id.clone(),
                after_seq: (conversation.last_seq - span).max(0),
                limit: span as usize,
                include_internal: true,
            })
            .await?;
        let now = time::OffsetDateTime::now_utc();
        let window = settings.split_window_minutes * 60;
        let mut history: Vec<(i64, String)> = recent
            .into_iter()
            .filter(|m| {
                m.author.kind == AuthorKind::Customer
                    && m.author.id.as_deref() == Some(customer.id.as_str())
                    && (now - m.created_at).whole_seconds() <= window
            })
            .map(|m| (m.seq, m.text))
            .collect();
        let skip = history.len().saturating_sub(wanted);
        history.drain(..skip);
        Ok(history)
    }

    /// A transfer committed: screening must read the conversation's
    /// department again.
    pub(crate) fn conversation_moved(&self, id: &ConversationId) {
        self.security.owners.forget(id);
    }
}
