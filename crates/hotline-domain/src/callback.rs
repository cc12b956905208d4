//! Travel call-backs (обратный звонок): who may order one, and what happens
//! to it. Support calls back only about a booking the company's identity
//! token lists, on the phone given at booking — never a number typed into
//! the chat, which is how a fraudster would redirect the call.

use crate::Timestamp;
use crate::error::DomainError;
use crate::ids::{ConversationId, CustomerId, OperatorId};
use crate::values::{DepartmentId, OrderId};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Duration, UtcOffset};

crate::ids::opaque_id!(
    /// A call-back request.
    CallbackId
);

/// A booking as the identity token's `orders` claim describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Booking {
    pub booking_id: OrderId,
    /// `Москва — Сочи`, as the company wrote it.
    pub route: String,
    pub passenger: String,
    /// The phone given at booking, normalised to `+` and digits.
    pub phone: String,
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub departure_at: Option<Timestamp>,
    /// The company marks the trip disrupted (a cancelled or moved flight).
    pub disrupted: bool,
}

/// Fewest and most digits of a phone number (E.164 allows 15).
const PHONE_DIGITS: std::ops::RangeInclusive<usize> = 7..=15;

/// The phone as `+` and digits, or `None` when it is not a phone number:
/// only digits, spaces, `-`, `(`, `)` and a leading `+` are accepted.
pub fn normalise_phone(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    let (plus, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    if !rest
        .chars()
        .all(|c| c.is_ascii_digit() || " -()".contains(c))
    {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    PHONE_DIGITS
        .contains(&digits.len())
        .then(|| if plus { format!("+{digits}") } else { digits })
}

/// The phone as the customer is shown it in the chat: the last four digits.
pub fn masked_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let tail: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!(
        "•••{}-{}",
        &tail[..tail.len().min(2)],
        &tail[tail.len().min(2)..]
    )
}

/// Why a call-back may be ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallbackBasis {
    /// The trip starts within the configured hours.
    DepartureSoon,
    /// The company marked the trip disrupted.
    Disrupted,
    /// The customer's tier is one of the configured ones.
    Tier,
}

impl CallbackBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackBasis::DepartureSoon => "departure_soon",
            CallbackBasis::Disrupted => "disrupted",
            CallbackBasis::Tier => "tier",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::DepartureSoon, Self::Disrupted, Self::Tier]
            .into_iter()
            .find(|b| b.as_str() == raw)
    }
}

/// Why a call-back may not be ordered; the customer is told in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Ineligible {
    /// The department does not call back.
    NotOffered,
    /// The identity token lists no such booking in the department.
    NoBooking,
    /// The booking has no phone to call.
    NoPhone,
    /// The trip has already started.
    Departed,
    /// None of the rules holds: the trip is not soon, not disrupted, and
    /// the tier is not one that is called back.
    NotUrgent,
}

impl Ineligible {
    pub fn as_str(self) -> &'static str {
        match self {
            Ineligible::NotOffered => "not_offered",
            Ineligible::NoBooking => "no_booking",
            Ineligible::NoPhone => "no_phone",
            Ineligible::Departed => "departed",
            Ineligible::NotUrgent => "not_urgent",
        }
    }

    /// What the customer reads instead of the button.
    pub fn explanation(self, rules: &CallbackRules) -> String {
        match self {
            Ineligible::NotOffered => {
                "В этом разделе поддержка не перезванивает: напишите нам здесь, в чате.".to_owned()
            }
            Ineligible::NoBooking => "Звонок можно заказать по бронированию из вашего \
                 личного кабинета; в этом разделе у вас нет бронирований."
                .to_owned(),
            Ineligible::NoPhone => "В бронировании не указан телефон, поэтому перезвонить \
                 мы не можем. Напишите нам здесь, в чате, или добавьте телефон в бронирование."
                .to_owned(),
            Ineligible::Departed => {
                "Поездка уже началась: звонок по ней не заказать. Напишите нам здесь, в чате, \
                 — мы ответим."
                    .to_owned()
            }
            Ineligible::NotUrgent => format!(
                "Звонок доступен, если поездка начинается в ближайшие {} ч или рейс отменён \
                 либо перенесён. По вашему бронированию ответим здесь, в чате.",
                rules.departure_within_hours
            ),
        }
    }
}

impl fmt::Display for Ineligible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who may order a call-back: the configurable rule set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallbackRules {
    /// A trip starting within this many hours is called back about.
    pub departure_within_hours: u32,
    /// A trip the company marks disrupted is called back about.
    pub disrupted: bool,
    /// Customers of these tiers are called back about any future trip.
    pub tiers: Vec<String>,
}

impl Default for CallbackRules {
    fn default() -> Self {
        CallbackRules {
            departure_within_hours: 24,
            disrupted: true,
            tiers: Vec::new(),
        }
    }
}

impl CallbackRules {
    /// Why `booking` may be called back about at `now`, for a customer of
    /// `tier`; the first reason that holds, in the order the rules list them.
    pub fn basis(
        &self,
        booking: &Booking,
        tier: Option<&str>,
        now: Timestamp,
    ) -> Result<CallbackBasis, Ineligible> {
        if booking.phone.is_empty() {
            return Err(Ineligible::NoPhone);
        }
        if booking.departure_at.is_some_and(|at| at <= now) {
            return Err(Ineligible::Departed);
        }
        let soon = booking
            .departure_at
            .is_some_and(|at| at - now <= Duration::hours(i64::from(self.departure_within_hours)));
        if soon {
            Ok(CallbackBasis::DepartureSoon)
        } else if self.disrupted && booking.disrupted {
            Ok(CallbackBasis::Disrupted)
        } else if tier.is_some_and(|t| self.tiers.iter().any(|r| r == t)) {
            Ok(CallbackBasis::Tier)
        } else {
            Err(Ineligible::NotUrgent)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallbackStatus {
    /// In the call-back queue.
    Waiting,
    /// Called: reached, or not answering.
    Done,
}

impl CallbackStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackStatus::Waiting => "waiting",
            CallbackStatus::Done => "done",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Waiting, Self::Done]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

/// What an operator's call came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallbackOutcome {
    /// Talked to the customer: done.
    Reached,
    /// Nobody answered: done; the customer is told and may order again.
    NoAnswer,
    /// The customer asked to be called later: back in the queue, due anew.
    CallbackAgain,
}

impl CallbackOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackOutcome::Reached => "reached",
            CallbackOutcome::NoAnswer => "no_answer",
            CallbackOutcome::CallbackAgain => "callback_again",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Reached, Self::NoAnswer, Self::CallbackAgain]
            .into_iter()
            .find(|o| o.as_str() == raw)
    }
}

/// A call-back request and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Callback {
    pub id: CallbackId,
    pub conversation_id: ConversationId,
    pub department: DepartmentId,
    pub customer_id: CustomerId,
    pub booking: Booking,
    pub basis: CallbackBasis,
    pub status: CallbackStatus,
    /// The last call's outcome; `None` before the first call.
    pub outcome: Option<CallbackOutcome>,
    /// Calls made so far.
    pub attempts: u32,
    /// The operator's note of the last call.
    pub note: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub requested_at: Timestamp,
    /// The call-back SLA: call before this.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub due_at: Timestamp,
    /// The operator who made the last call.
    pub handled_by: Option<OperatorId>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

/// What `callback.*` events carry: no phone or name, which stay in the
/// call-back's own row (and leave with it when the customer is erased).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallbackSummary {
    pub callback_id: CallbackId,
    pub booking_id: OrderId,
    pub status: CallbackStatus,
    pub outcome: Option<CallbackOutcome>,
    pub attempts: u32,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub due_at: Timestamp,
}

/// Longest note of a call, in characters.
pub const MAX_NOTE_CHARS: usize = 1_000;

impl Callback {
    pub fn summary(&self) -> CallbackSummary {
        CallbackSummary {
            callback_id: self.id.clone(),
            booking_id: self.booking.booking_id.clone(),
            status: self.status,
            outcome: self.outcome,
            attempts: self.attempts,
            due_at: self.due_at,
        }
    }

    /// Past its SLA and still waiting.
    pub fn overdue(&self, now: Timestamp) -> bool {
        self.status == CallbackStatus::Waiting && now > self.due_at
    }

    /// Records a call by `operator`: `callback_again` is due `sla` from now.
    pub fn record(
        &mut self,
        outcome: CallbackOutcome,
        note: Option<String>,
        operator: OperatorId,
        now: Timestamp,
        sla: Duration,
    ) -> Result<(), DomainError> {
        if self.status == CallbackStatus::Done {
            return Err(DomainError::CallbackDone);
        }
        if let Some(note) = &note {
            let len = note.chars().count();
            if len > MAX_NOTE_CHARS {
                return Err(DomainError::TooLong {
                    field: "note",
                    len,
                    max: MAX_NOTE_CHARS,
                });
            }
        }
        self.outcome = Some(outcome);
        self.attempts += 1;
        self.note = note;
        self.handled_by = Some(operator);
        self.updated_at = now;
        match outcome {
            CallbackOutcome::Reached | CallbackOutcome::NoAnswer => {
                self.status = CallbackStatus::Done;
            }
            CallbackOutcome::CallbackAgain => self.due_at = now + sla,
        }
        Ok(())
    }

    /// The chat's note of the request, for both sides.
    pub fn acknowledgement(&self, offset: UtcOffset) -> String {
        format!(
            "Заявка на звонок принята: бронирование {}, {}. Перезвоним на номер {} до {}.",
            self.booking.booking_id.as_str(),
            self.booking.route,
            masked_phone(&self.booking.phone),
            clock_time(self.due_at, offset),
        )
    }

    /// The chat's note of a call's outcome.
    pub fn outcome_notice(&self, offset: UtcOffset) -> String {
        let phone = masked_phone(&self.booking.phone);
        match self.outcome {
            Some(CallbackOutcome::Reached) | None => {
                format!("Оператор поговорил с вами по телефону {phone}.")
            }
            Some(CallbackOutcome::NoAnswer) => format!(
                "Мы звонили на номер {phone}, но не дозвонились. Если звонок ещё нужен, \
                 закажите его снова или напишите здесь."
            ),
            Some(CallbackOutcome::CallbackAgain) => format!(
                "Договорились созвониться позже: перезвоним на номер {phone} до {}.",
                clock_time(self.due_at, offset)
            ),
        }
    }
}

/// `14:05 (UTC+3)`, in the legal time zone the company keeps.
fn clock_time(at: Timestamp, offset: UtcOffset) -> String {
    let local = at.to_offset(offset);
    let hours = offset.whole_hours();
    let zone = if offset == crate::claims::MOSCOW {
        "мск".to_owned()
    } else {
        format!("UTC{hours:+}")
    };
    format!(
        "{:02}.{:02} {:02}:{:02} ({zone})",
        local.day(),
        u8::from(local.month()),
        local.hour(),
        local.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: Timestamp = datetime!(2026-12-03 12:00 UTC);

    fn booking(departure_at: Option<Timestamp>, disrupted: bool) -> Booking {
        Booking {
            booking_id: OrderId::parse("TR-1".into()).unwrap_or_else(|e| panic!("{e}")),
            route: "Москва — Сочи".into(),
            passenger: "Иван Петров".into(),
            phone: "+79161234567".into(),
            departure_at,
            disrupted,
        }
    }

    #[test]
    fn phones_are_digits_with_an_optional_plus() {
        assert_eq!(
            normalise_phone(" +7 (916) 123-45-67 ").as_deref(),
            Some("+79161234567")
        );
        assert_eq!(
            normalise_phone("8 916 1234567").as_deref(),
            Some("89161234567")
        );
        for bad in [
            "",
            "+",
            "12345",
            "call me",
            "+7 916 123 45 67 ext 2",
            "+7916+1234567",
            "1".repeat(16).as_str(),
        ] {
            assert_eq!(normalise_phone(bad), None, "{bad:?}");
        }
        assert_eq!(masked_phone("+79161234567"), "•••45-67");
    }

    #[test]
    fn a_trip_within_the_hours_is_called_back_about() {
        let rules = CallbackRules::default();
        let soon = booking(Some(NOW + Duration::hours(24)), false);
        assert_eq!(
            rules.basis(&soon, None, NOW),
            Ok(CallbackBasis::DepartureSoon)
        );
        let later = booking(
            Some(NOW + Duration::hours(24) + Duration::minutes(1)),
            false,
        );
        assert_eq!(rules.basis(&later, None, NOW), Err(Ineligible::NotUrgent));
        let gone = booking(Some(NOW - Duration::minutes(1)), true);
        assert_eq!(
            rules.basis(&gone, Some("vip"), NOW),
            Err(Ineligible::Departed)
        );
    }

    #[test]
    fn a_disrupted_trip_or_a_listed_tier_is_called_back_about() {
        let rules = CallbackRules {
            tiers: vec!["vip".into()],
            ..CallbackRules::default()
        };
        let far = NOW + Duration::days(10);
        assert_eq!(
            rules.basis(&booking(Some(far), true), None, NOW),
            Ok(CallbackBasis::Disrupted)
        );
        assert_eq!(
            rules.basis(&booking(Some(far), false), Some("vip"), NOW),
            Ok(CallbackBasis::Tier)
        );
        assert_eq!(
            rules.basis(&booking(None, false), Some("gold"), NOW),
            Err(Ineligible::NotUrgent)
        );
        let strict = CallbackRules {
            disrupted: false,
            ..CallbackRules::default()
        };
        assert_eq!(
            strict.basis(&booking(Some(far), true), None, NOW),
            Err(Ineligible::NotUrgent)
        );
        let mut silent = booking(Some(NOW + Duration::hours(1)), false);
        silent.phone.clear();
        assert_eq!(rules.basis(&silent, None, NOW), Err(Ineligible::NoPhone));
    }

    #[test]
    fn a_call_back_again_is_due_anew_and_a_done_one_takes_no_more_calls() {
        let mut callback = Callback {
            id: CallbackId::from_raw("cb1"),
            conversation_id: ConversationId::from_raw("c1"),
            department: DepartmentId::parse("travel".into()).unwrap_or_else(|e| panic!("{e}")),
            customer_id: CustomerId::from_raw("u1"),
            booking: booking(Some(NOW + Duration::hours(3)), false),
            basis: CallbackBasis::DepartureSoon,
            status: CallbackStatus::Waiting,
            outcome: None,
            attempts: 0,
            note: None,
            requested_at: NOW,
            due_at: NOW + Duration::minutes(15),
            handled_by: None,
            updated_at: NOW,
        };
        assert!(!callback.overdue(NOW));
        assert!(callback.overdue(NOW + Duration::minutes(16)));
        let later = NOW + Duration::minutes(20);
        let sla = Duration::minutes(15);
        let operator = OperatorId::from_raw("op1");
        callback
            .record(
                CallbackOutcome::CallbackAgain,
                None,
                operator.clone(),
                later,
                sla,
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(callback.status, CallbackStatus::Waiting);
        assert_eq!(callback.due_at, later + sla);
        assert!(
            callback
                .outcome_notice(crate::claims::MOSCOW)
                .contains("до 03.12 15:35 (мск)")
        );
        let too_long = Some("x".repeat(MAX_NOTE_CHARS + 1));
        assert!(matches!(
            callback.record(
                CallbackOutcome::Reached,
                too_long,
                operator.clone(),
                later,
                sla
            ),
            Err(DomainError::TooLong { .. })
        ));
        callback
            .record(
                CallbackOutcome::NoAnswer,
                None,
                operator.clone(),
                later,
                sla,
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (callback.status, callback.attempts),
            (CallbackStatus::Done, 2)
        );
        assert!(matches!(
            callback.record(CallbackOutcome::Reached, None, operator, later, sla),
            Err(DomainError::CallbackDone)
        ));
        assert!(!callback.overdue(later + Duration::hours(1)));
    }

    #[test]
    fn the_acknowledgement_names_the_booking_the_masked_phone_and_the_time() {
        let callback_at = datetime!(2026-12-03 12:50 UTC);
        let text = Callback {
            id: CallbackId::from_raw("cb1"),
            conversation_id: ConversationId::from_raw("c1"),
            department: DepartmentId::parse("travel".into()).unwrap_or_else(|e| panic!("{e}")),
            customer_id: CustomerId::from_raw("u1"),
            booking: booking(None, true),
            basis: CallbackBasis::Disrupted,
            status: CallbackStatus::Waiting,
            outcome: None,
            attempts: 0,
            note: None,
            requested_at: NOW,
            due_at: callback_at,
            handled_by: None,
            updated_at: NOW,
        }
        .acknowledgement(crate::claims::MOSCOW);
        assert_eq!(
            text,
            "Заявка на звонок принята: бронирование TR-1, Москва — Сочи. \
             Перезвоним на номер •••45-67 до 03.12 15:50 (мск)."
        );
    }
}
