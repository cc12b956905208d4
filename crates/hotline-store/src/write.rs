//! The decisions of the store's writes that need no SQL, once for every
//! backend: what a retried start or send answers, what screening's
//! assumptions require, which lifecycle action a command is, and what
//! message a post becomes. Each backend runs them inside its transaction,
//! between its own reads and writes.

use crate::{
    Conflict, LifecycleCommand, NewMessage, Posted, ScreenedFor, StartConversation, Started,
    StoreError, kb::BOT_NAME,
};
use hotline_domain::{
    ArticleSuggestion, Assignee, AttachmentInfo, Author, AuthorKind, Conversation, ConversationId,
    CustomerRef, DomainError, LifecycleAction, Message, MessageId, MessageText, OperatorId,
    OperatorPrincipal, Principal, Timestamp,
};

/// Whether a retried send carries the same body as the stored message.
pub fn same_body(stored: &Message, new: &NewMessage) -> bool {
    stored.text == new.text.as_str()
        && stored.internal == new.internal
        && stored
            .attachments
            .iter()
            .map(|a| &a.id)
            .eq(new.attachment_ids.iter())
}

/// The answer to a start whose first message is stored already (`existing`,
/// in `conversation`): the original, or `client_msg_id_reused` when the
/// request differs. The caller fills in the queue place.
pub fn repeated_start(
    command: &StartConversation,
    existing: Message,
    conversation: Conversation,
) -> Result<Started, StoreError> {
    // A start that joined an open conversation added a later message.
    let joined = existing.seq > 1;
    let same = (joined || conversation.subject == command.subject)
        && conversation.department == command.department
        && same_body(&existing, &command.first_message);
    if !same {
        return Err(StoreError::Conflict(Conflict::ClientMsgIdReused));
    }
    Ok(Started {
        conversation,
        message: existing,
        created: false,
        joined_existing: joined,
    })
}

/// The answer to a send whose `client_msg_id` is stored already.
pub fn repeated_post(
    conversation: Conversation,
    existing: Message,
    new: &NewMessage,
) -> Result<Posted, StoreError> {
    if existing.conversation_id != conversation.id || !same_body(&existing, new) {
        return Err(StoreError::Conflict(Conflict::ClientMsgIdReused));
    }
    Ok(Posted {
        message: existing,
        conversation,
        created: false,
    })
}

/// Refuses a send whose screening relied on what no longer holds: the
/// conversation moved to another department, or, when earlier messages are
/// to be masked again, messages were added since screening read them.
pub fn check_screening(
    screened: &ScreenedFor,
    conversation: &Conversation,
) -> Result<(), StoreError> {
    if let Some(department) = &screened.department
        && department != &conversation.department
    {
        return Err(StoreError::Conflict(Conflict::ConversationMoved));
    }
    if !screened.remask.is_empty() && screened.last_seq != Some(conversation.last_seq) {
        return Err(StoreError::Conflict(Conflict::ScreeningOutdated));
    }
    Ok(())
}

/// The conversation a start opens, with its first message at `seq` 1.
pub fn new_conversation(command: &StartConversation, now: Timestamp) -> Conversation {
    Conversation {
        id: ConversationId::generate(),
        department: command.department.clone(),
        status: command.initial_status,
        subject: command.subject.clone(),
        customer: CustomerRef {
            id: command.customer.id.clone(),
            name: command.customer.name.clone(),
        },
        assignee: None,
        last_seq: 1,
        last_public_seq: 1,
        created_at: now,
        updated_at: now,
        queue: None,
    }
}

/// The action a lifecycle command asks of `conversation`; `AssignTo` looks
/// the target up with `operator` and must serve the conversation's department.
pub fn lifecycle_action<E: From<StoreError>>(
    command: &LifecycleCommand,
    conversation: &Conversation,
    operator: impl FnOnce(&OperatorId) -> Result<Option<OperatorPrincipal>, E>,
) -> Result<LifecycleAction, E> {
    Ok(match command {
        LifecycleCommand::Handoff => LifecycleAction::Handoff,
        LifecycleCommand::Take => LifecycleAction::Take,
        LifecycleCommand::Resolve => LifecycleAction::Resolve,
        LifecycleCommand::Reopen => LifecycleAction::Reopen,
        LifecycleCommand::AssignTo(target) => {
            let operator = operator(target)?
                .filter(|o| o.departments.contains(&conversation.department))
                .ok_or_else(|| StoreError::InvalidAssignee(target.to_string()))?;
            LifecycleAction::AssignTo(Assignee {
                id: operator.id,
                name: operator.name,
            })
        }
    })
}

/// Who writes a message, and what.
pub enum Post<'a> {
    /// A customer's or an operator's message, with the author's own uploads.
    Person {
        author: &'a Principal,
        message: &'a NewMessage,
    },
    /// The answer bot's reply and the articles it suggests.
    Bot {
        text: MessageText,
        suggestions: Vec<ArticleSuggestion>,
    },
}

impl Post<'_> {
    pub fn internal(&self) -> bool {
        match self {
            Post::Person { message, .. } => message.internal,
            Post::Bot { .. } => false,
        }
    }

    /// Applies the lifecycle's rules for this message to `conversation`
    /// (which may refuse it); whether its status changed.
    pub fn apply_to(&self, conversation: &mut Conversation) -> Result<bool, DomainError> {
        match self {
            Post::Person { author, message } => conversation.on_message(author, message.internal),
            Post::Bot { .. } => conversation.on_bot_message().map(|()| false),
        }
    }

    /// The message this post becomes in `conversation` at `positions` (from
    /// `Conversation::next_positions`), with the attachments the backend
    /// claimed for it.
    pub fn into_message(
        self,
        conversation: &Conversation,
        positions: (i64, Option<i64>),
        attachments: Vec<AttachmentInfo>,
        now: Timestamp,
    ) -> Message {
        let (author, text, internal, client_msg_id, suggestions) = match self {
            Post::Person { author, message } => (
                Author::of(author),
                message.text.as_str().to_owned(),
                message.internal,
                Some(message.client_msg_id.clone()),
                Vec::new(),
            ),
            Post::Bot { text, suggestions } => (
                Author {
                    kind: AuthorKind::Bot,
                    id: None,
                    name: BOT_NAME.to_owned(),
                },
                text.into_inner(),
                false,
                None,
                suggestions,
            ),
        };
        Message {
            id: MessageId::generate(),
            conversation_id: conversation.id.clone(),
            seq: positions.0,
            public_seq: positions.1,
            author,
            text,
            internal,
            client_msg_id,
            attachments,
            suggestions,
            created_at: now,
        }
    }
}
