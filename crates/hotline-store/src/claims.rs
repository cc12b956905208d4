//! Formal claims (претензии): registering them idempotently with a number,
//! the registry, answers, extensions, the sweep's alerts and the calendar's
//! override table. The deadlines themselves are computed by the caller
//! (`hotline_domain::claims`); a backend stores them and applies the
//! domain's transitions inside its transaction.

use crate::StoreResult;
use async_trait::async_trait;
use hotline_domain::claims::{
    Claim, ClaimAlert, ClaimChannel, ClaimId, ClaimStatus, ClaimType, Deadline, Money,
};
use hotline_domain::{
    AttachmentId, ClientMsgId, ConversationId, DepartmentId, Message, MessageText, OrderId,
    Principal, Timestamp,
};
use time::{Date, UtcOffset};

/// A claim as submitted, validated.
#[derive(Debug, Clone)]
pub struct NewClaim {
    pub claim_type: ClaimType,
    pub order_id: Option<OrderId>,
    pub amount: Option<Money>,
    pub demand: String,
    pub text: String,
    pub cross_border: bool,
    pub channel: ClaimChannel,
    /// The legal trigger: when the claim reached the company.
    pub received_at: Timestamp,
    /// The filer's id of this filing: a retry returns the original claim.
    pub client_msg_id: ClientMsgId,
    /// The filer's own unsent uploads; they go with the acknowledgement.
    pub attachment_ids: Vec<AttachmentId>,
}

#[derive(Debug, Clone)]
pub struct FileClaim {
    pub conversation_id: ConversationId,
    /// The customer, or an operator registering the claim for them.
    pub filer: Principal,
    pub claim: NewClaim,
    pub deadline: Deadline,
    /// The year the number is taken in: the registration year.
    pub number_year: i32,
    /// The legal time zone, for the acknowledgement's dates.
    pub legal_offset: UtcOffset,
}

#[derive(Debug, Clone)]
pub struct FiledClaim {
    pub claim: Claim,
    /// `false`: a retry; the original is returned unchanged.
    pub created: bool,
}

/// Which claims to list, by legal end (earliest first), then number.
#[derive(Debug, Clone, Default)]
pub struct ClaimFilter {
    /// Only these departments' claims; `None`: every department.
    pub departments: Option<Vec<DepartmentId>>,
    /// Only this conversation's claims.
    pub conversation_id: Option<ConversationId>,
    /// Any of these statuses; empty: any status.
    pub statuses: Vec<ClaimStatus>,
    /// Only claims whose legal end is before this date.
    pub due_before: Option<Date>,
    /// Leave out the claims already told overdue (the sweep's long tail).
    pub without_overdue_alert: bool,
    pub limit: usize,
}

/// The formal answer, delivered as the operator's message in the chat.
#[derive(Debug, Clone)]
pub struct AnswerClaim {
    pub claim_id: ClaimId,
    pub author: Principal,
    pub text: MessageText,
    pub client_msg_id: ClientMsgId,
}

#[derive(Debug, Clone)]
pub struct AnsweredClaim {
    pub claim: Claim,
    /// The message that delivered the answer.
    pub message: Message,
}

/// An extension decided on `today`, with the notice to the customer.
#[derive(Debug, Clone)]
pub struct ExtendClaim {
    pub claim_id: ClaimId,
    pub author: Principal,
    pub reason: String,
    /// The deadline of the extended period (from the claim's receipt).
    pub extended: Deadline,
    pub today: Date,
}

/// A department's claims still owed an answer, and how many of them are late.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenClaims {
    pub department: DepartmentId,
    pub open: u64,
    /// Open with a legal end before the day asked about.
    pub overdue: u64,
}

/// A day the administrators mark working or not, over the federal calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarOverride {
    pub date: Date,
    pub working: bool,
    /// Why (a decree's number, a regional holiday).
    pub note: String,
}

#[async_trait]
pub trait ClaimStore: Send + Sync {
    /// Registers a claim in a conversation `filer` may access (else
    /// `NotFound`), with the next number of `number_year` (1, 2, 3, … per
    /// year, never reused), and appends the acknowledgement to the
    /// conversation as a system message carrying the claim's attachments,
    /// with `claim.filed`, in one transaction. A customer's filing moves the
    /// conversation as their message would (a resolved one is queued again). The same filer's
    /// `client_msg_id` again returns the original (`created: false`), as it
    /// was; with another conversation or type, `ClientMsgIdReused`.
    async fn file_claim(&self, command: FileClaim) -> StoreResult<FiledClaim>;
    async fn claim(&self, id: &ClaimId) -> StoreResult<Option<Claim>>;
    async fn claims(&self, filter: ClaimFilter) -> StoreResult<Vec<Claim>>;
    /// Answers an open claim whose conversation the author may access:
    /// the answer becomes the author's message in the chat and the claim
    /// `answered` (`claim.updated`). The same `client_msg_id` again returns
    /// the answered claim; another answer to it is an `InvalidTransition`.
    async fn answer_claim(&self, command: AnswerClaim) -> StoreResult<AnsweredClaim>;
    /// Extends the period where the domain allows it (`Claim::extend`) and
    /// sends the notice to the customer as a system message.
    async fn extend_claim(&self, command: ExtendClaim) -> StoreResult<Claim>;
    /// Records `alert` for an open claim once (per deadline: an extension
    /// clears a due-soon alert) as `claim.due_soon` / `claim.overdue` for
    /// the operators; `false` when it was recorded before or the claim is
    /// answered.
    async fn record_claim_alert(&self, id: &ClaimId, alert: ClaimAlert) -> StoreResult<bool>;
    /// Moves an open claim's deadline, counted again after the calendar
    /// changed (`claim.updated`; its alerts are cleared, to be told anew). The
    /// receipt time is untouched. `false` when the claim is answered or the
    /// deadline is the same.
    async fn reschedule_claim(&self, id: &ClaimId, deadline: Deadline) -> StoreResult<bool>;

    /// Per department with open claims: how many, and how many have a
    /// legal end before `today` (for the gauges).
    async fn open_claim_counts(&self, today: Date) -> StoreResult<Vec<OpenClaims>>;

    /// The override table, by date.
    async fn calendar_overrides(&self) -> StoreResult<Vec<CalendarOverride>>;
    /// Adds or replaces the override of its date.
    async fn set_calendar_override(&self, entry: CalendarOverride) -> StoreResult<()>;
    /// `false` when the date had none.
    async fn remove_calendar_override(&self, date: Date) -> StoreResult<bool>;
}
