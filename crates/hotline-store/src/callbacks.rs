//! Travel call-backs: ordering one about a booking, the call-back queue and
//! the outcome of each call. Who may order one is decided by the caller
//! (`hotline_domain::callback::CallbackRules`); the flows below run inside a
//! backend's transaction over [`CallbackRecords`], written once for every
//! backend, and note each step in the chat as a system message.

use crate::StoreError;
use crate::StoreResult;
use crate::write::{self, Post, WriteRecords};
use async_trait::async_trait;
use hotline_domain::callback::{Booking, CallbackBasis};
use hotline_domain::{
    Callback, CallbackId, CallbackOutcome, CallbackStatus, ClientMsgId, ConversationId, CustomerId,
    DepartmentId, EventKind, Principal,
};
use time::{Duration, UtcOffset};

/// A customer's order of a call-back, already found eligible.
#[derive(Debug, Clone)]
pub struct RequestCallback {
    pub conversation_id: ConversationId,
    /// The customer who orders it.
    pub requester: Principal,
    /// The booking as the identity token states it (with its phone).
    pub booking: Booking,
    pub basis: CallbackBasis,
    /// The customer's id of this order: a retry returns the original.
    pub client_msg_id: ClientMsgId,
    /// The call-back SLA: call within this from now.
    pub sla: Duration,
    /// The legal time zone, for the acknowledgement's clock time.
    pub legal_offset: UtcOffset,
}

#[derive(Debug, Clone)]
pub struct RequestedCallback {
    pub callback: Callback,
    /// `false`: a retry, or the conversation already has one waiting; it is
    /// returned unchanged.
    pub created: bool,
}

/// An operator's record of a call.
#[derive(Debug, Clone)]
pub struct RecordCallbackOutcome {
    pub callback_id: CallbackId,
    pub operator: Principal,
    pub outcome: CallbackOutcome,
    pub note: Option<String>,
    /// `callback_again` is due this long from now.
    pub sla: Duration,
    pub legal_offset: UtcOffset,
}

/// Which call-backs to list, earliest due first.
#[derive(Debug, Clone, Default)]
pub struct CallbackFilter {
    /// Only these departments'; `None`: every department.
    pub departments: Option<Vec<DepartmentId>>,
    /// Only this conversation's.
    pub conversation_id: Option<ConversationId>,
    /// Any of these; empty: any status.
    pub statuses: Vec<CallbackStatus>,
    pub limit: usize,
}

#[async_trait]
pub trait CallbackStore: Send + Sync {
    /// Puts a call-back in the queue for a conversation the requester may
    /// access (else `NotFound`), with `callback.requested` and the
    /// acknowledgement in the chat, in one transaction. The same customer's
    /// `client_msg_id` again returns the original; so does a second order
    /// while one is waiting in the conversation (`created: false`).
    async fn request_callback(&self, command: RequestCallback) -> StoreResult<RequestedCallback>;
    /// Records a call of a waiting call-back whose conversation the operator
    /// may access (`callback.updated`, and the outcome in the chat).
    async fn record_callback_outcome(
        &self,
        command: RecordCallbackOutcome,
    ) -> StoreResult<Callback>;
    async fn callback(&self, id: &CallbackId) -> StoreResult<Option<Callback>>;
    async fn callbacks(&self, filter: CallbackFilter) -> StoreResult<Vec<Callback>>;
}

/// What the call-back flows read and write besides a conversation's.
pub trait CallbackRecords: WriteRecords {
    /// The call-back this customer ordered with this `client_msg_id`.
    fn callback_by_request(
        &mut self,
        customer: &CustomerId,
        client_msg_id: &ClientMsgId,
    ) -> Result<Option<Callback>, Self::Error>;
    /// The conversation's call-back still waiting, if any (at most one).
    fn waiting_callback(
        &mut self,
        conversation: &ConversationId,
    ) -> Result<Option<Callback>, Self::Error>;
    /// The call-back, to change: a backend with several writers locks it.
    fn callback_to_change(&mut self, id: &CallbackId) -> Result<Option<Callback>, Self::Error>;
    fn insert_callback(
        &mut self,
        callback: &Callback,
        client_msg_id: &ClientMsgId,
    ) -> Result<(), Self::Error>;
    /// Writes what a call changes: status, outcome, attempts, note, due time.
    fn update_callback(&mut self, callback: &Callback) -> Result<(), Self::Error>;
}

/// [`CallbackStore::request_callback`], inside the backend's transaction.
pub fn request_callback<R: CallbackRecords>(
    records: &mut R,
    command: RequestCallback,
) -> Result<RequestedCallback, R::Error> {
    let conversation = records
        .conversation_to_change(&command.conversation_id)?
        .filter(|c| command.requester.can_access(c))
        .ok_or(StoreError::NotFound)?;
    let Principal::Customer(customer) = &command.requester else {
        return Err(StoreError::NotFound.into());
    };
    if let Some(callback) = records.callback_by_request(&customer.id, &command.client_msg_id)? {
        if callback.conversation_id != conversation.id {
            return Err(StoreError::Conflict(crate::Conflict::ClientMsgIdReused).into());
        }
        return Ok(RequestedCallback {
            callback,
            created: false,
        });
    }
    if let Some(callback) = records.waiting_callback(&conversation.id)? {
        return Ok(RequestedCallback {
            callback,
            created: false,
        });
    }
    let now = records.now();
    let callback = Callback {
        id: CallbackId::generate(),
        conversation_id: conversation.id.clone(),
        department: conversation.department.clone(),
        customer_id: conversation.customer.id.clone(),
        booking: command.booking,
        basis: command.basis,
        status: CallbackStatus::Waiting,
        outcome: None,
        attempts: 0,
        note: None,
        requested_at: now,
        due_at: now + command.sla,
        handled_by: None,
        updated_at: now,
    };
    records.insert_callback(&callback, &command.client_msg_id)?;
    records.append_event(
        EventKind::CallbackRequested,
        &conversation,
        false,
        &callback.summary(),
    )?;
    let post = Post::System {
        text: callback.acknowledgement(command.legal_offset),
        attachments: Vec::new(),
        on_behalf_of: Some(&command.requester),
    };
    write::append_message(records, conversation, post, now)?;
    Ok(RequestedCallback {
        callback,
        created: true,
    })
}

/// [`CallbackStore::record_callback_outcome`], inside the backend's transaction.
pub fn record_callback_outcome<R: CallbackRecords>(
    records: &mut R,
    command: RecordCallbackOutcome,
) -> Result<Callback, R::Error> {
    let Principal::Operator(operator) = &command.operator else {
        return Err(StoreError::NotFound.into());
    };
    let mut callback = records
        .callback_to_change(&command.callback_id)?
        .ok_or(StoreError::NotFound)?;
    let conversation = records
        .conversation_to_change(&callback.conversation_id)?
        .filter(|c| command.operator.can_access(c))
        .ok_or(StoreError::NotFound)?;
    let now = records.now();
    callback.record(
        command.outcome,
        command.note,
        operator.id.clone(),
        now,
        command.sla,
    )?;
    records.update_callback(&callback)?;
    records.append_event(
        EventKind::CallbackUpdated,
        &conversation,
        false,
        &callback.summary(),
    )?;
    let post = Post::System {
        text: callback.outcome_notice(command.legal_offset),
        attachments: Vec::new(),
        on_behalf_of: None,
    };
    write::append_message(records, conversation, post, now)?;
    Ok(callback)
}
