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
use crate::security::{Recent, Said, note_redactions};
use hotline_domain::{
    AuthorKind, Conversation, ConversationId, CustomerIdentity, DepartmentId, OperatorPrincipal,
    Principal,
};
use hotline_guard::{Link, Redaction};
use hotline_store::{MessageQuery, Posted, Remask, ScreenedFor};

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
        let (department, recent, conversation) = match destination {
            Destination::New(department) => (department.clone(), None, None),
            Destination::Existing(id) => match principal {
                Principal::Customer(customer) => {
                    let recent = self.recent_for(principal, customer, id, &text).await?;
                    (recent.department.clone(), Some(recent), None)
                }
                Principal::Operator(_) => {
                    let conversation = self.accessible_conversation(principal, id).await?;
                    (conversation.department.clone(), None, Some(conversation))
                }
            },
        };
        let strictness = self.security.strictness(&department);
        match principal {
            Principal::Customer(customer) => {
                self.security.require_step_up(customer, &department)?;
                let history = match &recent {
                    Some(recent) if may_complete_a_secret(&text) => self.window_of(recent),
                    _ => Vec::new(),
                };
                let texts: Vec<&str> = history.iter().map(|said| said.text.as_str()).collect();
                let scan = hotline_guard::scan_with_history(&text, &texts, strictness);
                let remask = scan
                    .remasked
                    .into_iter()
                    .filter_map(|r| {
                        let said = history.get(r.index)?;
                        Some(Remask {
                            seq: said.seq,
                            read_as: said.text.clone(),
                            masked: r.masked,
                        })
                    })
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
                        last_seq: recent.as_ref().map(|r| r.last_seq),
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

    /// What screening needs of a customer's conversation: from memory when
    /// it is there (and holds the history, if `text` needs it), else read
    /// from the store and kept.
    async fn recent_for(
        &self,
        principal: &Principal,
        customer: &CustomerIdentity,
        id: &ConversationId,
        text: &str,
    ) -> AppResult<Recent> {
        let needs_history =
            self.security.settings.split_window_messages > 0 && may_complete_a_secret(text);
        match self.security.recent.get(id) {
            Some(recent) if recent.owner != customer.id => return Err(AppError::not_found()),
            Some(recent) if !needs_history || recent.history.is_some() => return Ok(recent),
            _ => {}
        }
        let conversation = self.accessible_conversation(principal, id).await?;
        let history = match needs_history {
            true => Some(self.history_of(&conversation, customer).await?),
            false => None,
        };
        Ok(self.security.recent.remember(&conversation, history))
    }

    /// The customer's messages screening joins this one with: at most
    /// `split_window_messages`, sent within `split_window_minutes`.
    fn window_of(&self, recent: &Recent) -> Vec<Said> {
        let settings = &self.security.settings;
        let now = time::OffsetDateTime::now_utc();
        let window = settings.split_window_minutes * 60;
        let mut history: Vec<Said> = recent
            .history
            .iter()
            .flatten()
            .filter(|said| (now - said.at).whole_seconds() <= window)
            .cloned()
            .collect();
        let skip = history.len().saturating_sub(settings.split_window_messages);
        history.drain(..skip);
        history
    }

    /// The customer's last messages in the conversation, oldest first: at
    /// most `split_window_messages`.
    async fn history_of(
        &self,
        conversation: &Conversation,
        customer: &CustomerIdentity,
    ) -> AppResult<Vec<Said>> {
        let wanted = self.security.settings.split_window_messages;
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
        let mut history: Vec<Said> = recent
            .into_iter()
            .filter(|m| {
                m.author.kind == AuthorKind::Customer
                    && m.author.id.as_deref() == Some(customer.id.as_str())
            })
            .map(|m| Said {
                seq: m.seq,
                at: m.created_at,
                text: m.text,
            })
            .collect();
        let skip = history.len().saturating_sub(wanted);
        history.drain(..skip);
        Ok(history)
    }

    /// A message was written: screening's memory of its conversation follows.
    pub(crate) fn message_written(&self, posted: &Posted, remasked: bool) {
        if remasked {
            self.security.recent.forget(&posted.conversation.id);
        } else {
            let keep = self.security.settings.split_window_messages;
            self.security.recent.record(posted, keep);
        }
    }

    /// The conversation moved, or changed where screening's memory does not
    /// follow: screening reads it from the store next time.
    pub(crate) fn screen_afresh(&self, id: &ConversationId) {
        self.security.recent.forget(id);
    }
}
