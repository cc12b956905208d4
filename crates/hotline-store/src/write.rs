//! The store's conversation writes, once for every backend: starting a
//! conversation, sending a message (a person's, a joined duplicate request's
//! or the bot's), changing the lifecycle. The flows and their decisions —
//! what a retried start or send answers, what screening's assumptions
//! require, which lifecycle action a command is, what message a post
//! becomes — are here; each backend runs them inside its transaction over
//! its own SQL ([`WriteRecords`]), as the routing rules run over
//! `RoutingRecords`.

use crate::kb::{BOT_NAME, PostBotMessage};
use crate::{
    ChangeLifecycle, Conflict, LifecycleCommand, NewMessage, PostMessage, Posted, RateConversation,
    Remask, ScreenedFor, StartConversation, Started, StoreError,
};
use hotline_domain::{
    ArticleSuggestion, Assignee, AttachmentId, AttachmentInfo, Author, AuthorKind, Conversation,
    ConversationId, CustomerIdentity, CustomerRef, DomainError, EventKind, LifecycleAction,
    Message, MessageId, MessageText, OperatorId, OperatorPrincipal, Principal, Timestamp,
};
use serde::Serialize;

/// What the write flows read and write, inside one transaction of the
/// backend, with the events they append (kept for the sink until commit).
pub trait WriteRecords {
    type Error: From<StoreError> + From<DomainError>;

    /// Now, at the precision the backend keeps.
    fn now(&self) -> Timestamp;
    /// The conversation, to read.
    fn conversation(&mut self, id: &ConversationId) -> Result<Option<Conversation>, Self::Error>;
    /// The conversation, to change: a backend with several writers locks it
    /// until the transaction ends.
    fn conversation_to_change(
        &mut self,
        id: &ConversationId,
    ) -> Result<Option<Conversation>, Self::Error>;
    /// The message this author sent with this `client_msg_id`, if any.
    fn sent_message(
        &mut self,
        author: &Author,
        client_msg_id: &str,
    ) -> Result<Option<Message>, Self::Error>;
    fn operator(&mut self, id: &OperatorId) -> Result<Option<OperatorPrincipal>, Self::Error>;
    /// Keeps the customer's row as their latest token describes them.
    fn save_customer(
        &mut self,
        customer: &CustomerIdentity,
        now: Timestamp,
    ) -> Result<(), Self::Error>;
    fn insert_conversation(&mut self, conversation: &Conversation) -> Result<(), Self::Error>;
    /// Writes what can change: status, assignee, counters, activity, department.
    fn update_conversation(&mut self, conversation: &Conversation) -> Result<(), Self::Error>;
    /// Writes only the message counters and the activity time.
    fn record_activity(&mut self, conversation: &Conversation) -> Result<(), Self::Error>;
    /// Writes the customer's rating and the activity time it brings.
    fn record_rating(&mut self, conversation: &Conversation) -> Result<(), Self::Error>;
    /// The attachments' metadata, once each is checked to be `author`'s own
    /// upload, not yet sent (`InvalidAttachment` otherwise).
    fn claim_attachments(
        &mut self,
        author: &Principal,
        ids: &[AttachmentId],
    ) -> Result<Vec<AttachmentInfo>, Self::Error>;
    /// Inserts the message and binds its attachments to it.
    fn insert_message(&mut self, message: &Message) -> Result<(), Self::Error>;
    /// Masks an earlier message again as screening asked, if it still reads
    /// as screening read it (`screening_outdated` otherwise).
    fn remask(&mut self, conversation: &Conversation, remask: &Remask) -> Result<(), Self::Error>;
    /// Appends an event about `conversation` carrying `data`.
    fn append_event<T: Serialize>(
        &mut self,
        kind: EventKind,
        conversation: &Conversation,
        internal: bool,
        data: &T,
    ) -> Result<(), Self::Error>;

    /// Called before a write changes anything routing reads (a status, a
    /// queue): a backend whose routing decisions take turns takes its turn.
    fn routing_turn(&mut self) -> Result<(), Self::Error>;
    /// Routing after a change of `after` (from `before`, `None` for a new
    /// conversation): `hotline_store::routing::rules::reconcile`.
    fn reconcile(
        &mut self,
        before: Option<&Conversation>,
        after: Conversation,
    ) -> Result<Conversation, Self::Error>;
    /// Routing's note of a new message (`rules::on_message`).
    fn record_reply(
        &mut self,
        conversation: &Conversation,
        message: &Message,
    ) -> Result<(), Self::Error>;
    /// The conversation with its queue place filled in.
    fn with_place(&mut self, conversation: Conversation) -> Result<Conversation, Self::Error>;
    /// The customer's open conversation this request duplicates, with the
    /// request's message added ([`append_message`]); `None` to start anew.
    fn join_open(&mut self, command: &StartConversation) -> Result<Option<Started>, Self::Error>;
}

/// Starts a conversation with its first message, or answers a retry with
/// the original, or joins the customer's open conversation about the same.
pub fn start_conversation<R: WriteRecords>(
    records: &mut R,
    command: &StartConversation,
) -> Result<Started, R::Error> {
    records.routing_turn()?;
    let principal = Principal::Customer(command.customer.clone());
    let author = Author::of(&principal);
    let first = &command.first_message;
    if let Some(existing) = records.sent_message(&author, first.client_msg_id.as_str())? {
        let conversation = records
            .conversation(&existing.conversation_id)?
            .ok_or(StoreError::NotFound)?;
        let mut started = repeated_start(command, existing, conversation)?;
        started.conversation = records.with_place(started.conversation)?;
        return Ok(started);
    }
    if let Some(joined) = records.join_open(command)? {
        return Ok(joined);
    }
    let now = records.now();
    records.save_customer(&command.customer, now)?;
    let conversation = new_conversation(command, now);
    records.insert_conversation(&conversation)?;
    records.append_event(
        EventKind::ConversationCreated,
        &conversation,
        false,
        &conversation,
    )?;
    let post = Post::Person {
        author: &principal,
        message: first,
    };
    let message = record_message(records, &conversation, (1, Some(1)), post, now)?;
    let conversation = records.reconcile(None, conversation)?;
    Ok(Started {
        conversation,
        message,
        created: true,
        joined_existing: false,
    })
}

/// Appends a person's message, idempotently by `client_msg_id`, after
/// re-checking what screening relied on.
pub fn post_message<R: WriteRecords>(
    records: &mut R,
    command: &PostMessage,
) -> Result<Posted, R::Error> {
    // Routing's turn is taken only if the message changes the lifecycle
    // (`append_message`): most messages need only their conversation.
    let conversation = to_change(records, &command.conversation_id, &command.author)?;
    let author = Author::of(&command.author);
    let new = &command.message;
    if let Some(existing) = records.sent_message(&author, new.client_msg_id.as_str())? {
        return Ok(repeated_post(conversation, existing, new)?);
    }
    let screened = &command.screened;
    check_screening(screened, &conversation)?;
    for remask in &screened.remask {
        records.remask(&conversation, remask)?;
    }
    let now = records.now();
    // The token's facts as of now (a tier may have changed since the
    // start), before a reopened conversation re-enters the queue.
    if let Principal::Customer(customer) = &command.author {
        records.save_customer(customer, now)?;
    }
    let post = Post::Person {
        author: &command.author,
        message: new,
    };
    append_message(records, conversation, post, now)
}

/// Appends `conversation.updated` carrying the conversation as it now is.
fn conversation_updated<R: WriteRecords>(
    records: &mut R,
    conversation: &Conversation,
) -> Result<(), R::Error> {
    records.append_event(
        EventKind::ConversationUpdated,
        conversation,
        false,
        conversation,
    )
}

/// The conversation `principal` changes; `NotFound` when they cannot see it.
fn to_change<R: WriteRecords>(
    records: &mut R,
    id: &ConversationId,
    principal: &Principal,
) -> Result<Conversation, R::Error> {
    Ok(records
        .conversation_to_change(id)?
        .filter(|c| principal.can_access(c))
        .ok_or(StoreError::NotFound)?)
}

/// Appends the bot's answer to a conversation it handles.
pub fn post_bot_message<R: WriteRecords>(
    records: &mut R,
    command: &PostBotMessage,
) -> Result<Posted, R::Error> {
    let conversation = records
        .conversation_to_change(&command.conversation_id)?
        .ok_or(StoreError::NotFound)?;
    let post = Post::Bot {
        text: command.text.clone(),
        suggestions: command.suggestions.clone(),
        resolves: command.resolves,
    };
    let now = records.now();
    append_message(records, conversation, post, now)
}

/// Applies a lifecycle command; an unchanged conversation writes nothing.
pub fn change_lifecycle<R: WriteRecords>(
    records: &mut R,
    command: &ChangeLifecycle,
) -> Result<Conversation, R::Error> {
    records.routing_turn()?;
    let mut conversation = to_change(records, &command.conversation_id, &command.actor)?;
    let before = conversation.clone();
    let action = lifecycle_action(&command.command, &conversation, |target| {
        records.operator(target)
    })?;
    if conversation.apply(action, &command.actor)? {
        conversation.updated_at = records.now();
        records.update_conversation(&conversation)?;
        conversation_updated(records, &conversation)?;
        return records.reconcile(Some(&before), conversation);
    }
    records.with_place(conversation)
}

/// The customer rates their conversation by [`Conversation::rate`]'s rules.
pub fn rate_conversation<R: WriteRecords>(
    records: &mut R,
    command: &RateConversation,
) -> Result<Conversation, R::Error> {
    let mut conversation = records
        .conversation_to_change(&command.conversation_id)?
        .filter(|c| c.customer.id == command.customer)
        .ok_or(StoreError::NotFound)?;
    conversation.rate(command.score, command.comment.clone(), records.now())?;
    records.record_rating(&conversation)?;
    conversation_updated(records, &conversation)?;
    Ok(conversation)
}

/// Appends a message to `conversation` (as read for change in this
/// transaction), written at `now`: the message's effect on the lifecycle
/// (the domain's rules, which may refuse it), its positions, the activity
/// time (an internal note is not activity the customer should see: their
/// list is ordered by it), the `message.created` event and, when the
/// lifecycle changed, `conversation.updated` and routing. The caller has
/// made its own checks (idempotency, screening) first.
pub fn append_message<R: WriteRecords>(
    records: &mut R,
    mut conversation: Conversation,
    post: Post<'_>,
    now: Timestamp,
) -> Result<Posted, R::Error> {
    let before = conversation.clone();
    let internal = post.internal();
    let changed = post.apply_to(&mut conversation)?;
    if changed {
        records.routing_turn()?;
    }
    let positions = conversation.next_positions(internal);
    if !internal {
        conversation.updated_at = now;
    }
    if changed {
        records.update_conversation(&conversation)?;
    } else {
        records.record_activity(&conversation)?;
    }
    let message = record_message(records, &conversation, positions, post, now)?;
    if changed {
        conversation_updated(records, &conversation)?;
        conversation = records.reconcile(Some(&before), conversation)?;
    }
    records.record_reply(&conversation, &message)?;
    Ok(Posted {
        message,
        conversation,
        created: true,
    })
}

/// Inserts a message at `positions` (from `Conversation::next_positions`),
/// with its attachments claimed, and appends its `message.created` event.
pub fn record_message<R: WriteRecords>(
    records: &mut R,
    conversation: &Conversation,
    positions: (i64, Option<i64>),
    post: Post<'_>,
    now: Timestamp,
) -> Result<Message, R::Error> {
    let attachments = match &post {
        Post::Person { author, message } => {
            records.claim_attachments(author, &message.attachment_ids)?
        }
        Post::Bot { .. } => Vec::new(),
        Post::System { attachments, .. } => attachments.clone(),
    };
    let message = post.into_message(conversation, positions, attachments, now);
    records.insert_message(&message)?;
    records.append_event(
        EventKind::MessageCreated,
        conversation,
        message.internal,
        &message,
    )?;
    Ok(message)
}

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
        rating: None,
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
        /// The answer settles the matter: the conversation is resolved.
        resolves: bool,
    },
    /// What the platform itself tells both sides (a claim's acknowledgement,
    /// an extension notice), with files already checked to be the filer's.
    System {
        text: String,
        attachments: Vec<AttachmentInfo>,
        /// The customer whose act it acknowledges: it moves the lifecycle as
        /// their message would (a resolved conversation is reopened).
        on_behalf_of: Option<&'a Principal>,
    },
}

/// The author name of [`Post::System`] messages.
pub const SYSTEM_NAME: &str = "Hotline";

impl Post<'_> {
    pub fn internal(&self) -> bool {
        match self {
            Post::Person { message, .. } => message.internal,
            Post::Bot { .. } | Post::System { .. } => false,
        }
    }

    /// Applies the lifecycle's rules for this message to `conversation`
    /// (which may refuse it); whether its status changed.
    pub fn apply_to(&self, conversation: &mut Conversation) -> Result<bool, DomainError> {
        match self {
            Post::Person { author, message } => conversation.on_message(author, message.internal),
            Post::Bot { resolves, .. } => conversation.on_bot_message(*resolves),
            Post::System {
                on_behalf_of: Some(customer),
                ..
            } => conversation.on_message(customer, false),
            Post::System { .. } => Ok(false),
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
            Post::Bot {
                text, suggestions, ..
            } => (
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
            Post::System { text, .. } => (
                Author {
                    kind: AuthorKind::System,
                    id: None,
                    name: SYSTEM_NAME.to_owned(),
                },
                text,
                false,
                None,
                Vec::new(),
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
