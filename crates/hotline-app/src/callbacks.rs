//! Travel call-backs: what a customer may order about the bookings their
//! identity token lists, ordering one, the operators' call-back queue and
//! the outcome of each call. The rules are `hotline_domain::callback`; the
//! phone is always the booking's, from the token.

use crate::App;
use crate::error::{AppError, AppResult};
use crate::reading::Purpose;
use hotline_domain::callback::{Booking, CallbackBasis, CallbackRules, Ineligible, masked_phone};
use hotline_domain::{
    Callback, CallbackId, CallbackOutcome, CallbackStatus, ClientMsgId, ConversationId,
    DepartmentId, DomainError, ErrorCode, Principal, Timestamp,
};
use hotline_store::callbacks::{CallbackFilter, RecordCallbackOutcome, RequestCallback};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// Where and how fast support calls back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallbackSettings {
    /// The departments whose customers may order a call-back.
    pub departments: Vec<String>,
    /// The call-back SLA: an operator calls within this many minutes.
    pub sla_minutes: u32,
    /// Who may order one.
    pub rules: CallbackRules,
}

impl Default for CallbackSettings {
    fn default() -> Self {
        CallbackSettings {
            departments: vec!["travel".to_owned()],
            sla_minutes: 15,
            rules: CallbackRules::default(),
        }
    }
}

/// Longest call-back SLA: a day.
const MAX_SLA_MINUTES: u32 = 24 * 60;
/// Most call-backs a queue read returns.
pub const MAX_QUEUE: usize = 500;

impl CallbackSettings {
    /// Checked once, at start-up.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=MAX_SLA_MINUTES).contains(&self.sla_minutes) {
            return Err(format!(
                "callbacks: sla_minutes must be 1…{MAX_SLA_MINUTES}, not {}",
                self.sla_minutes
            ));
        }
        for department in &self.departments {
            DepartmentId::parse(department.clone())
                .map_err(|e| format!("callbacks: departments: {e}"))?;
        }
        Ok(())
    }

    fn offers(&self, department: &DepartmentId) -> bool {
        self.departments.iter().any(|d| d == department.as_str())
    }

    fn sla(&self) -> Duration {
        Duration::minutes(i64::from(self.sla_minutes))
    }
}

/// A booking the identity token lists, with its department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenBooking {
    pub department: String,
    pub booking: Booking,
}

/// What the customer is shown about one booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingOption {
    pub booking_id: String,
    pub route: String,
    pub passenger: String,
    /// The last digits only: the full number never goes back to the page.
    pub masked_phone: Option<String>,
    pub departure_at: Option<Timestamp>,
    pub eligibility: Result<CallbackBasis, Ineligible>,
}

/// What a conversation offers about call-backs, for the reader.
#[derive(Debug, Clone)]
pub struct CallbackOptions {
    /// Whether the department calls back at all.
    pub offered: bool,
    /// The customer's bookings in the department, each eligible or not
    /// (empty for operators).
    pub bookings: Vec<BookingOption>,
    /// The conversation's call-backs, latest due first.
    pub callbacks: Vec<Callback>,
}

/// A call-back request as the customer submits it.
#[derive(Debug, Clone)]
pub struct CallbackDraft {
    pub booking_id: String,
    pub client_msg_id: String,
}

fn not_eligible(reason: Ineligible, rules: &CallbackRules) -> AppError {
    let explanation = reason.explanation(rules);
    AppError::invalid(
        ErrorCode::CallbackNotEligible,
        format!("a call-back cannot be ordered ({reason}): {explanation}"),
    )
    .with_details(serde_json::json!({
        "reason": reason.as_str(),
        "explanation": explanation,
    }))
}

impl App {
    /// Who may order a call-back, for explaining why not.
    pub fn callback_rules(&self) -> &CallbackRules {
        &self.callbacks.rules
    }

    /// The departments whose customers may order a call-back.
    pub fn callback_departments(&self) -> &[String] {
        &self.callbacks.departments
    }

    /// The department's bookings from the token and what each allows now.
    fn booking_options(
        &self,
        principal: &Principal,
        department: &DepartmentId,
        bookings: &[TokenBooking],
        now: Timestamp,
    ) -> Vec<BookingOption> {
        let Principal::Customer(customer) = principal else {
            return Vec::new();
        };
        let rules = &self.callbacks.rules;
        bookings
            .iter()
            .filter(|b| b.department == department.as_str())
            .map(|b| BookingOption {
                booking_id: b.booking.booking_id.as_str().to_owned(),
                route: b.booking.route.clone(),
                passenger: b.booking.passenger.clone(),
                masked_phone: (!b.booking.phone.is_empty()).then(|| masked_phone(&b.booking.phone)),
                departure_at: b.booking.departure_at,
                eligibility: rules.basis(&b.booking, customer.tier.as_deref(), now),
            })
            .collect()
    }

    /// What the conversation offers about call-backs: for the customer,
    /// each of their bookings with why it may or may not be called about.
    pub async fn callback_options(
        &self,
        principal: &Principal,
        conversation_id: &ConversationId,
        bookings: &[TokenBooking],
    ) -> AppResult<CallbackOptions> {
        let conversation = self
            .open_conversation(principal, conversation_id, Purpose::Act)
            .await?;
        let offered = self.callbacks.offers(&conversation.department);
        let mut callbacks = self
            .store
            .callbacks(CallbackFilter {
                conversation_id: Some(conversation.id.clone()),
                limit: MAX_QUEUE,
                ..CallbackFilter::default()
            })
            .await?;
        callbacks.reverse();
        let bookings = if offered {
            let now = OffsetDateTime::now_utc();
            self.booking_options(principal, &conversation.department, bookings, now)
        } else {
            Vec::new()
        };
        Ok(CallbackOptions {
            offered,
            bookings,
            callbacks,
        })
    }

    /// Orders a call-back about one of the customer's bookings, when the
    /// rules allow it (`callback_not_eligible` with the reason otherwise).
    /// A retry, or a second order while one waits, returns the waiting one.
    pub async fn request_callback(
        &self,
        principal: &Principal,
        conversation_id: &ConversationId,
        draft: CallbackDraft,
        bookings: &[TokenBooking],
    ) -> AppResult<(Callback, bool)> {
        let Principal::Customer(customer) = principal else {
            return Err(AppError::forbidden(
                ErrorCode::Forbidden,
                "only the customer orders a call-back, about their own booking",
            ));
        };
        let client_msg_id = ClientMsgId::parse(draft.client_msg_id)?;
        let conversation = self
            .open_conversation(principal, conversation_id, Purpose::Act)
            .await?;
        let rules = &self.callbacks.rules;
        if !self.callbacks.offers(&conversation.department) {
            return Err(not_eligible(Ineligible::NotOffered, rules));
        }
        let booking = bookings
            .iter()
            .find(|b| {
                b.department == conversation.department.as_str()
                    && b.booking.booking_id.as_str() == draft.booking_id
            })
            .ok_or_else(|| not_eligible(Ineligible::NoBooking, rules))?;
        let basis = rules
            .basis(
                &booking.booking,
                customer.tier.as_deref(),
                OffsetDateTime::now_utc(),
            )
            .map_err(|reason| not_eligible(reason, rules))?;
        let requested = self
            .store
            .request_callback(RequestCallback {
                conversation_id: conversation.id.clone(),
                requester: principal.clone(),
                booking: booking.booking.clone(),
                basis,
                client_msg_id,
                sla: self.callbacks.sla(),
                legal_offset: self.legal_offset(),
            })
            .await?;
        Ok((requested.callback, requested.created))
    }

    /// The call-back queue of the operator's departments, earliest due
    /// first: waiting ones, or those of `status`.
    pub async fn callback_queue(
        &self,
        principal: &Principal,
        status: Option<CallbackStatus>,
    ) -> AppResult<Vec<Callback>> {
        let Principal::Operator(operator) = principal else {
            return Err(AppError::forbidden(
                ErrorCode::Forbidden,
                "the call-back queue is for operators",
            ));
        };
        Ok(self
            .store
            .callbacks(CallbackFilter {
                departments: Some(operator.departments.clone()),
                conversation_id: None,
                statuses: vec![status.unwrap_or(CallbackStatus::Waiting)],
                limit: MAX_QUEUE,
            })
            .await?)
    }

    /// Records what an operator's call came to, in the chat and the audit log.
    pub async fn record_callback_outcome(
        &self,
        principal: &Principal,
        callback_id: &CallbackId,
        outcome: &str,
        note: Option<String>,
    ) -> AppResult<Callback> {
        if principal.is_customer() {
            return Err(AppError::forbidden(
                ErrorCode::Forbidden,
                "only operators record a call",
            ));
        }
        let outcome = CallbackOutcome::parse(outcome)
            .ok_or_else(|| DomainError::UnknownCallbackOutcome(outcome.to_owned()))?;
        let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        let callback = self
            .store
            .record_callback_outcome(RecordCallbackOutcome {
                callback_id: callback_id.clone(),
                operator: principal.clone(),
                outcome,
                note,
                sla: self.callbacks.sla(),
                legal_offset: self.legal_offset(),
            })
            .await?;
        self.audit_by(
            principal,
            "callback.recorded",
            Some(callback.id.as_str()),
            serde_json::json!({
                "conversation": callback.conversation_id.as_str(),
                "outcome": outcome.as_str(),
                "attempts": callback.attempts,
            }),
        )
        .await?;
        Ok(callback)
    }
}
