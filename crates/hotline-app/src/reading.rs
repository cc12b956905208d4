//! The one door for reading a conversation and what hangs on it.
//!
//! Every path that shows a conversation, its messages, files, customer
//! context or read marks opens it here first, so the rules hold on all of
//! them alike: a caller who may not see it gets "not found" (ids leak
//! nothing); a customer of a step-up department (the bank) needs a fresh
//! second factor; an operator's read of such a department is in the audit log.

use crate::error::{AppError, AppResult};
use crate::{App, conversations::Listed};
use hotline_domain::{AttachmentId, Conversation, ConversationId, Principal};
use hotline_store::{AttachmentRecord, MessageQuery, ReadState, Uploader};

/// What a conversation is opened for; recorded with audited reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The conversation itself.
    Conversation,
    Messages,
    Attachment,
    /// The customer's contact facts and orders, for operators.
    CustomerContext,
    ReadMarks,
    /// The regulator dossier: the whole transcript, claims and files
    /// leave the system, so every download is recorded, whoever makes it.
    Dossier,
    /// Acting on it (rating the bot, typing): checked like a read, not
    /// recorded as one.
    Act,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Conversation => "conversation",
            Purpose::Messages => "messages",
            Purpose::Attachment => "attachment",
            Purpose::CustomerContext => "customer_context",
            Purpose::ReadMarks => "read_marks",
            Purpose::Dossier => "dossier",
            Purpose::Act => "act",
        }
    }

    fn is_audited(self) -> bool {
        self != Purpose::Act
    }
}

impl App {
    /// The conversation, when `principal` may read it for `purpose`.
    pub async fn open_conversation(
        &self,
        principal: &Principal,
        id: &ConversationId,
        purpose: Purpose,
    ) -> AppResult<Conversation> {
        let conversation = self.accessible_conversation(principal, id).await?;
        self.admit(principal, &conversation, purpose).await?;
        Ok(conversation)
    }

    /// The conversation when `principal` may access it at all; "not found"
    /// otherwise, whether or not it exists.
    pub(crate) async fn accessible_conversation(
        &self,
        principal: &Principal,
        id: &ConversationId,
    ) -> AppResult<Conversation> {
        self.store
            .conversation(id)
            .await?
            .filter(|c| principal.can_access(c))
            .ok_or_else(AppError::not_found)
    }

    /// The rules of [`Self::open_conversation`] for a conversation already
    /// read (and found accessible) by the caller.
    pub(crate) async fn admit(
        &self,
        principal: &Principal,
        conversation: &Conversation,
        purpose: Purpose,
    ) -> AppResult<()> {
        let department = &conversation.department;
        if let Principal::Customer(customer) = principal {
            self.security.require_step_up(customer, department)?;
        }
        let recorded = match principal {
            // A dossier takes the whole conversation out of the system.
            _ if purpose == Purpose::Dossier => true,
            Principal::Customer(_) => false,
            Principal::Operator(_) => {
                purpose.is_audited() && self.security.settings.needs_step_up(department.as_str())
            }
        };
        if recorded {
            self.audit_by(
                principal,
                "conversation.read",
                Some(conversation.id.as_str()),
                serde_json::json!({
                    "department": department.as_str(),
                    "purpose": purpose.as_str(),
                }),
            )
            .await?;
        }
        Ok(())
    }

    /// Messages in `seq` order after `after_seq`; customers never see
    /// internal notes. Operators get the links to be wary of in each.
    pub async fn messages(
        &self,
        principal: &Principal,
        id: &ConversationId,
        after_seq: i64,
        limit: usize,
    ) -> AppResult<Vec<Listed>> {
        let conversation = self
            .open_conversation(principal, id, Purpose::Messages)
            .await?;
        let messages = self
            .store
            .messages(MessageQuery {
                conversation_id: conversation.id,
                after_seq,
                limit,
                include_internal: !principal.is_customer(),
            })
            .await?;
        Ok(messages
            .into_iter()
            .map(|message| Listed {
                flagged_links: self.security.flagged_links_for(principal, &message),
                message,
            })
            .collect())
    }

    /// A file, for its uploader and for those who may read the conversation
    /// it was sent in (internal notes' files: operators only).
    pub async fn attachment(
        &self,
        principal: &Principal,
        id: &AttachmentId,
    ) -> AppResult<AttachmentRecord> {
        let record = self
            .store
            .attachment(id)
            .await?
            .ok_or_else(AppError::not_found)?;
        match &record.conversation_id {
            Some(conversation_id) => {
                if record.internal && principal.is_customer() {
                    return Err(AppError::not_found());
                }
                self.open_conversation(principal, conversation_id, Purpose::Attachment)
                    .await?;
            }
            // Not sent yet: only its uploader knows of it.
            None if record.uploader == Uploader::of(principal) => {}
            None => return Err(AppError::not_found()),
        }
        Ok(record)
    }

    /// Both sides' read positions.
    pub async fn read_state(
        &self,
        principal: &Principal,
        id: &ConversationId,
    ) -> AppResult<ReadState> {
        self.open_conversation(principal, id, Purpose::ReadMarks)
            .await?;
        Ok(self.store.read_state(id, principal).await?)
    }
}
