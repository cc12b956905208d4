//! Formal consumer claims (претензии) on statutory clocks: their types and
//! the one rule table ([`rules`]), the deadline arithmetic over the working
//! calendar ([`crate::calendar`]), numbers, the lifecycle and the penalty.

mod money;
pub mod rules;

pub use money::{Amount, CURRENCY, Money};
pub use rules::{ClaimRule, ClaimType, DayCount, ExtensionRule, PenaltyRule, Period, RULES};

use crate::Timestamp;
use crate::calendar::{LAST_OFFICIAL_YEAR, WorkingCalendar};
use crate::error::DomainError;
use crate::ids::{ConversationId, CustomerId};
use crate::message::Author;
use crate::values::{DepartmentId, OrderId};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Date, Duration, UtcOffset};

crate::ids::opaque_id!(
    /// A claim (претензия).
    ClaimId
);

/// Moscow, the default legal time zone: UTC+3 all year since 2014.
pub const MOSCOW: UtcOffset = match UtcOffset::from_hms(3, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// The last day to answer: the period's end as counted (`raw_due_date`) and
/// after moving off a non-working day (`due_date`, the legal end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub raw_due_date: Date,
    pub due_date: Date,
    /// The period reaches a year the calendar has no official data for.
    pub provisional: bool,
}

/// Counts `period` from `received_on` (civil code art. 191: from the next
/// day; art. 193: an end on a non-working day moves to the next working day).
pub fn deadline(period: Period, received_on: Date, calendar: &WorkingCalendar) -> Deadline {
    let (raw_due_date, due_date) = match period.count {
        DayCount::Working => {
            let end = calendar.add_working_days(received_on, period.days);
            (end, end)
        }
        DayCount::Calendar => {
            let raw = received_on
                .checked_add(Duration::days(i64::from(period.days)))
                .unwrap_or(Date::MAX);
            (raw, calendar.working_day_on_or_after(raw))
        }
    };
    Deadline {
        raw_due_date,
        due_date,
        provisional: due_date.year() > LAST_OFFICIAL_YEAR && !calendar.is_official(due_date),
    }
}

/// The date of `at` in the legal time zone.
pub fn legal_date(at: Timestamp, offset: UtcOffset) -> Date {
    at.to_offset(offset).date()
}

impl ClaimRule {
    /// The period that applies to a claim, before any extension.
    pub fn period_for(&self, cross_border: bool) -> Result<Period, DomainError> {
        match (cross_border, self.cross_border_period) {
            (false, _) => Ok(self.period),
            (true, Some(period)) => Ok(period),
            (true, None) => Err(DomainError::NotApplicable {
                field: "cross_border",
                claim_type: self.claim_type.as_str(),
            }),
        }
    }

    /// The period with the extension added, where the law allows one.
    pub fn extended_period(&self, cross_border: bool) -> Result<Period, DomainError> {
        let period = self.period_for(cross_border)?;
        let extension = self.extension.ok_or(DomainError::ExtensionNotAllowed {
            claim_type: self.claim_type.as_str(),
        })?;
        Ok(Period {
            days: period.days + extension.extra_days,
            count: period.count,
        })
    }
}

/// Where the claim reached the company: the legal trigger with its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClaimChannel {
    /// Filed by the customer in the chat.
    Chat,
    Email,
    /// A letter (registered post counts when it reached the company, civil
    /// code art. 165.1).
    Post,
    InPerson,
    Phone,
}

impl ClaimChannel {
    pub const ALL: [ClaimChannel; 5] = [
        ClaimChannel::Chat,
        ClaimChannel::Email,
        ClaimChannel::Post,
        ClaimChannel::InPerson,
        ClaimChannel::Phone,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimChannel::Chat => "chat",
            ClaimChannel::Email => "email",
            ClaimChannel::Post => "post",
            ClaimChannel::InPerson => "in_person",
            ClaimChannel::Phone => "phone",
        }
    }
    pub fn parse(raw: &str) -> Option<ClaimChannel> {
        ClaimChannel::ALL.into_iter().find(|c| c.as_str() == raw)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    /// Registered; the clock runs.
    Filed,
    /// The period was extended (with the notice to the customer).
    Extended,
    /// The formal answer was delivered.
    Answered,
}

impl ClaimStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimStatus::Filed => "filed",
            ClaimStatus::Extended => "extended",
            ClaimStatus::Answered => "answered",
        }
    }
    pub fn parse(raw: &str) -> Option<ClaimStatus> {
        [
            ClaimStatus::Filed,
            ClaimStatus::Extended,
            ClaimStatus::Answered,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }
    /// The clock still runs: the answer is owed.
    pub fn is_open(self) -> bool {
        self != ClaimStatus::Answered
    }
}

/// A claim's human number, unique and sequential per year of registration:
/// `П-2026-000123`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClaimNumber {
    pub year: i32,
    pub seq: u32,
}

impl fmt::Display for ClaimNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "П-{}-{:06}", self.year, self.seq)
    }
}

impl Serialize for ClaimNumber {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The formal answer, kept with the claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimAnswer {
    pub text: String,
    pub author: Author,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub answered_at: Timestamp,
    /// The message that delivered it in the chat.
    pub message_id: crate::ids::MessageId,
}

/// An extension, with the notice sent to the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimExtension {
    pub reason: String,
    pub author: Author,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub extended_at: Timestamp,
    /// The legal end before the extension.
    #[serde(with = "crate::calendar::iso_date")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub previous_due_date: Date,
}

/// A registered claim. `received_at` and `channel` are the legal trigger:
/// written once, never rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub id: ClaimId,
    pub number: ClaimNumber,
    pub claim_type: ClaimType,
    pub status: ClaimStatus,
    pub conversation_id: ConversationId,
    /// The conversation's department: a transfer takes its claims along.
    pub department: DepartmentId,
    pub customer_id: CustomerId,
    pub order_id: Option<OrderId>,
    pub amount: Option<Money>,
    pub demand: String,
    pub text: String,
    pub cross_border: bool,
    pub channel: ClaimChannel,
    pub received_at: Timestamp,
    /// Who registered it: the customer in the chat, or an operator.
    pub filed_by: Author,
    pub deadline: Deadline,
    pub extension: Option<ClaimExtension>,
    pub answer: Option<ClaimAnswer>,
    pub created_at: Timestamp,
}

/// What the sweep reports about an open claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimAlert {
    /// The legal end is at most the configured number of working days away.
    DueSoon,
    /// The legal end has passed without an answer.
    Overdue,
}

impl ClaimAlert {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimAlert::DueSoon => "due_soon",
            ClaimAlert::Overdue => "overdue",
        }
    }
}

/// What a claim's events carry: enough to find and sort it, no free text
/// (the customer's words stay in the claim, where erasure finds them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimSummary {
    pub claim_id: ClaimId,
    pub number: ClaimNumber,
    #[serde(rename = "type")]
    pub claim_type: ClaimType,
    pub status: ClaimStatus,
    pub conversation_id: ConversationId,
    pub due_date: String,
    pub raw_due_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert: Option<ClaimAlert>,
}

/// Default warning: two working days before the legal end.
pub const DEFAULT_DUE_SOON_WORKING_DAYS: u32 = 2;

/// How the human-readable dates read in the chat: `07.12.2026`.
fn russian_date(date: Date) -> String {
    format!(
        "{:02}.{:02}.{}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

impl Claim {
    pub fn rule(&self) -> &'static ClaimRule {
        self.claim_type.rule()
    }

    pub fn summary(&self, alert: Option<ClaimAlert>) -> ClaimSummary {
        ClaimSummary {
            claim_id: self.id.clone(),
            number: self.number,
            claim_type: self.claim_type,
            status: self.status,
            conversation_id: self.conversation_id.clone(),
            due_date: self.deadline.due_date.to_string(),
            raw_due_date: self.deadline.raw_due_date.to_string(),
            alert,
        }
    }

    /// The answer, checked against the claim's state.
    pub fn answer(&mut self, answer: ClaimAnswer) -> Result<(), DomainError> {
        if !self.status.is_open() {
            return Err(DomainError::InvalidTransition {
                action: "answer",
                status: "answered",
            });
        }
        self.status = ClaimStatus::Answered;
        self.answer = Some(answer);
        Ok(())
    }

    /// Extends the period to `extended` (from
    /// [`ClaimRule::extended_period`]), decided on `today`: once only, and
    /// only while the original period runs — the law wants the notice
    /// inside it.
    pub fn extend(
        &mut self,
        extension: ClaimExtension,
        extended: Deadline,
        today: Date,
    ) -> Result<(), DomainError> {
        self.rule().extended_period(self.cross_border)?;
        if self.status != ClaimStatus::Filed {
            return Err(DomainError::InvalidTransition {
                action: "extend",
                status: self.status.as_str(),
            });
        }
        if today > self.deadline.due_date {
            return Err(DomainError::ExtensionTooLate {
                due_date: russian_date(self.deadline.due_date),
            });
        }
        self.status = ClaimStatus::Extended;
        self.extension = Some(extension);
        self.deadline = extended;
        Ok(())
    }

    /// The alert due on `today` for an open claim, if any.
    pub fn alert(
        &self,
        today: Date,
        due_soon_working_days: u32,
        calendar: &WorkingCalendar,
    ) -> Option<ClaimAlert> {
        if !self.status.is_open() {
            return None;
        }
        let due = self.deadline.due_date;
        if today > due {
            return Some(ClaimAlert::Overdue);
        }
        (calendar.working_days_between(today, due) <= due_soon_working_days)
            .then_some(ClaimAlert::DueSoon)
    }

    /// Days late as of `today` (or of the answer, when answered late).
    pub fn days_late(&self, today: Date, offset: UtcOffset) -> u32 {
        let until = match &self.answer {
            Some(answer) => legal_date(answer.answered_at, offset),
            None => today,
        };
        let late = (until - self.deadline.due_date).whole_days();
        u32::try_from(late.max(0)).unwrap_or(u32::MAX)
    }

    /// The penalty accrued by `today` where the law sets one (ЗоЗПП art. 23:
    /// 1 % of the price per day of delay), counted on the claimed amount.
    pub fn penalty(&self, today: Date, offset: UtcOffset) -> Option<Money> {
        let rule = self.rule().penalty?;
        let price = self.amount?;
        let accrued = price.percentage(rule.basis_points_per_day, self.days_late(today, offset));
        Some(if rule.capped_at_price {
            accrued.min(price)
        } else {
            accrued
        })
    }

    /// The acknowledgement in the chat, with the number and the legal end.
    pub fn acknowledgement(&self, offset: UtcOffset) -> String {
        format!(
            "Претензия № {} зарегистрирована {}. Требование: {}. Ответ будет дан не позднее {} ({}).",
            self.number,
            russian_date(legal_date(self.received_at, offset)),
            self.demand,
            russian_date(self.deadline.due_date),
            self.rule().legal_basis,
        )
    }

    /// The start of the formal answer, for the operator to complete: the
    /// claim's number and date, what was demanded, the decision to fill in
    /// («…») and where the customer may turn if they disagree.
    pub fn answer_template(&self, offset: UtcOffset) -> String {
        let amount = self.amount.map(|a| format!(" ({a} ₽)")).unwrap_or_default();
        let decision = match self.claim_type {
            ClaimType::Refund => format!(
                "Требование о возврате денежных средств{amount} «удовлетворено: деньги будут перечислены … / не удовлетворено, потому что …»."
            ),
            ClaimType::PriceReduction => format!(
                "Требование о соразмерном уменьшении цены{amount} «удовлетворено: разница … будет перечислена … / не удовлетворено, потому что …»."
            ),
            ClaimType::Replacement => "Требование о замене товара «удовлетворено: замена будет произведена … / не удовлетворено, потому что …».".to_owned(),
            ClaimType::Repair => "Требование об устранении недостатков «удовлетворено: ремонт будет выполнен до … / не удовлетворено, потому что …».".to_owned(),
            ClaimType::ServiceDefect => format!(
                "Требование по недостаткам услуги{amount} «удовлетворено: … / не удовлетворено, потому что …»."
            ),
            ClaimType::Damages => format!(
                "Требование о возмещении убытков{amount} «удовлетворено: … / не удовлетворено, потому что …»."
            ),
            ClaimType::BankComplaint => "Жалоба рассмотрена. Результат: «…». Основания: «…».".to_owned(),
            ClaimType::PersonalData => "По вашему запросу о персональных данных сообщаем: «какие данные обрабатываются, цели, сроки / мотивированный отказ …».".to_owned(),
            ClaimType::DisputedTransfer => format!(
                "По оспоренной операции{amount} принято решение: «возместить … / отказать, потому что …»."
            ),
            ClaimType::RegulatorRequest => "По существу обращения сообщаем: «…».".to_owned(),
        };
        let next_step = match self.claim_type {
            ClaimType::BankComplaint | ClaimType::DisputedTransfer => {
                "Если вы не согласны с ответом, вы можете обратиться к финансовому уполномоченному или в Банк России."
            }
            ClaimType::PersonalData => {
                "Если вы не согласны с ответом, вы можете обратиться в Роскомнадзор."
            }
            ClaimType::RegulatorRequest => "",
            _ => "Если вы не согласны с ответом, вы можете обратиться в Роспотребнадзор или в суд.",
        };
        format!(
            "Ответ на претензию № {} от {}.\n\nВаше требование: {}.\n\n{}\n\n{}",
            self.number,
            russian_date(legal_date(self.received_at, offset)),
            self.demand,
            decision,
            next_step,
        )
        .trim_end()
        .to_owned()
    }

    /// The notice of an extension, sent to the customer in the chat.
    pub fn extension_notice(&self) -> String {
        let reason = self.extension.as_ref().map_or("", |e| e.reason.as_str());
        let basis = self.rule().extension.map_or("", |e| e.basis);
        format!(
            "Срок ответа на претензию № {} продлён до {} ({}). Причина: {}",
            self.number,
            russian_date(self.deadline.due_date),
            basis,
            reason,
        )
    }
}

/// Free text of a claim: not empty, at most `max` characters, no NUL.
pub fn check_claim_text(raw: &str, field: &'static str, max: usize) -> Result<(), DomainError> {
    if raw.trim().is_empty() {
        return Err(DomainError::Empty { field });
    }
    let len = raw.chars().count();
    if len > max {
        return Err(DomainError::TooLong { field, len, max });
    }
    if raw.contains('\0') {
        return Err(DomainError::InvalidCharacters {
            field,
            reason: "NUL character",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
