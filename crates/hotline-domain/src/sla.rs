//! Service-level targets: when a conversation must get its first answer and
//! be resolved. Counted round the clock by default; with business hours,
//! only working time counts (weekends and listed holidays skipped).

use crate::Timestamp;
use crate::conversation::Status;
use crate::routing::Priority;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::{Date, Duration, Time, UtcOffset};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaTargets {
    pub first_response_minutes: u32,
    pub resolution_minutes: u32,
}

impl Default for SlaTargets {
    /// The seed's promise: an answer within 15 minutes; resolved within a day.
    fn default() -> Self {
        SlaTargets {
            first_response_minutes: 15,
            resolution_minutes: 24 * 60,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentSla {
    /// Overrides the global targets for this department.
    pub targets: Option<SlaTargets>,
    /// Overrides by priority (`urgent = { first_response_minutes = 2, … }`).
    pub priorities: BTreeMap<Priority, SlaTargets>,
    pub business_hours: Option<BusinessHours>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaPolicy {
    pub targets: SlaTargets,
    /// Global overrides by priority.
    pub priorities: BTreeMap<Priority, SlaTargets>,
    pub departments: BTreeMap<String, DepartmentSla>,
    /// `None`: 24/7.
    pub business_hours: Option<BusinessHours>,
}

impl Default for SlaPolicy {
    fn default() -> Self {
        SlaPolicy {
            targets: SlaTargets::default(),
            priorities: BTreeMap::from([(
                Priority::Urgent,
                SlaTargets {
                    first_response_minutes: 5,
                    resolution_minutes: 4 * 60,
                },
            )]),
            departments: BTreeMap::new(),
            business_hours: None,
        }
    }
}

/// Working hours in a fixed UTC offset, e.g. 09:00–18:00 Monday–Friday in
/// UTC+3, minus the listed holidays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BusinessHours {
    /// Hours east of UTC (Moscow: 3).
    pub utc_offset_hours: i8,
    /// "HH:MM".
    pub opens: String,
    pub closes: String,
    /// 1 = Monday … 7 = Sunday.
    pub weekdays: Vec<u8>,
    /// "YYYY-MM-DD" extra days off, on top of the calendar.
    pub holidays: Vec<String>,
    /// Follow the Russian federal production calendar (public holidays,
    /// transferred days off, working Saturdays) instead of `weekdays`.
    pub russian_calendar: bool,
}

impl Default for BusinessHours {
    fn default() -> Self {
        BusinessHours {
            utc_offset_hours: 3,
            opens: "09:00".into(),
            closes: "18:00".into(),
            weekdays: vec![1, 2, 3, 4, 5],
            holidays: Vec::new(),
            russian_calendar: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueTimes {
    pub first_response: Timestamp,
    pub resolution: Timestamp,
}

/// The two promises an SLA makes about a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaTarget {
    FirstResponse,
    Resolution,
}

impl SlaTarget {
    pub fn as_str(self) -> &'static str {
        match self {
            SlaTarget::FirstResponse => "first_response",
            SlaTarget::Resolution => "resolution",
        }
    }

    /// Whether a conversation now in `status`, whose clock for this target
    /// is still running past its due time, has breached the target.
    pub fn breached_in(self, status: Status) -> bool {
        match self {
            // Resolved without a reply: no answer is owed any more, so none
            // can be late.
            SlaTarget::FirstResponse => status != Status::Resolved,
            // Resolving stops this clock; one still running was missed.
            SlaTarget::Resolution => true,
        }
    }
}

impl SlaPolicy {
    pub fn targets_for(&self, department: &str, priority: Priority) -> SlaTargets {
        let dept = self.departments.get(department);
        dept.and_then(|d| d.priorities.get(&priority))
            .or_else(|| self.priorities.get(&priority))
            .or_else(|| dept.and_then(|d| d.targets.as_ref()))
            .copied()
            .unwrap_or(self.targets)
    }

    pub fn hours_for(&self, department: &str) -> Option<&BusinessHours> {
        self.departments
            .get(department)
            .and_then(|d| d.business_hours.as_ref())
            .or(self.business_hours.as_ref())
    }

    /// Due times of a conversation that started waiting at `since`.
    pub fn due(&self, department: &str, priority: Priority, since: Timestamp) -> DueTimes {
        let targets = self.targets_for(department, priority);
        let hours = self.hours_for(department);
        let add = |minutes: u32| match hours {
            Some(hours) => hours.add_working_time(since, Duration::minutes(minutes.into())),
            None => since + Duration::minutes(minutes.into()),
        };
        DueTimes {
            first_response: add(targets.first_response_minutes),
            resolution: add(targets.resolution_minutes),
        }
    }
}

fn parse_hhmm(raw: &str) -> Option<Time> {
    let (h, m) = raw.split_once(':')?;
    Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()
}

impl BusinessHours {
    /// Checks the fields once, at start-up; the message says what to fix.
    pub fn validate(&self) -> Result<(), String> {
        let (Some(opens), Some(closes)) = (parse_hhmm(&self.opens), parse_hhmm(&self.closes))
        else {
            return Err("business hours: opens and closes must be HH:MM".into());
        };
        if opens >= closes {
            return Err("business hours: opens must be before closes".into());
        }
        if self.weekdays.is_empty() || self.weekdays.iter().any(|d| !(1..=7).contains(d)) {
            return Err("business hours: weekdays must be 1 (Monday) … 7 (Sunday)".into());
        }
        for day in &self.holidays {
            if parse_date(day).is_none() {
                return Err(format!("business hours: holiday {day:?} is not YYYY-MM-DD"));
            }
        }
        if UtcOffset::from_hms(self.utc_offset_hours, 0, 0).is_err() {
            return Err("business hours: utc_offset_hours must be −23…23".into());
        }
        Ok(())
    }

    fn is_working_day(&self, date: Date) -> bool {
        if self.holidays.iter().any(|h| parse_date(h) == Some(date)) {
            return false;
        }
        if self.russian_calendar
            && let Some((working, _official)) = crate::calendar::federal_working_day(date)
        {
            // Official data through LAST_OFFICIAL_YEAR, predicted after.
            return working;
        }
        self.weekdays.contains(&date.weekday().number_from_monday())
    }

    /// `start` plus `amount` of working time. Invalid settings (refused at
    /// start-up by [`validate`](Self::validate)) fall back to round the clock.
    pub fn add_working_time(&self, start: Timestamp, amount: Duration) -> Timestamp {
        let (Some(opens), Some(closes), Ok(offset)) = (
            parse_hhmm(&self.opens),
            parse_hhmm(&self.closes),
            UtcOffset::from_hms(self.utc_offset_hours, 0, 0),
        ) else {
            return start + amount;
        };
        if opens >= closes || self.weekdays.is_empty() {
            return start + amount;
        }
        let mut at = start.to_offset(offset);
        let mut left = amount;
        // Bounded: a year of days is more than any target needs.
        for _ in 0..400 {
            let date = at.date();
            if self.is_working_day(date) {
                let open_at = date.with_time(opens).assume_offset(offset);
                let close_at = date.with_time(closes).assume_offset(offset);
                let from = at.max(open_at);
                if from < close_at {
                    let room = close_at - from;
                    if left <= room {
                        return (from + left).to_offset(UtcOffset::UTC);
                    }
                    left -= room;
                }
            }
            let Some(next) = date.next_day() else { break };
            at = next.midnight().assume_offset(offset);
        }
        start + amount
    }
}

fn parse_date(raw: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(raw, &format).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn targets_fall_back_from_department_priority_to_global() {
        let mut policy = SlaPolicy::default();
        assert_eq!(
            policy
                .targets_for("bank", Priority::Normal)
                .first_response_minutes,
            15
        );
        assert_eq!(
            policy
                .targets_for("bank", Priority::Urgent)
                .first_response_minutes,
            5
        );
        policy.departments.insert(
            "bank".into(),
            DepartmentSla {
                targets: Some(SlaTargets {
                    first_response_minutes: 10,
                    resolution_minutes: 60,
                }),
                ..Default::default()
            },
        );
        assert_eq!(
            policy
                .targets_for("bank", Priority::Normal)
                .first_response_minutes,
            10
        );
        assert_eq!(
            policy
                .targets_for("travel", Priority::Normal)
                .first_response_minutes,
            15
        );
        let due = policy.due("travel", Priority::Normal, datetime!(2026-11-25 23:55 UTC));
        assert_eq!(
            due.first_response,
            datetime!(2026-11-26 00:10 UTC),
            "24/7 by default"
        );
    }

    #[test]
    fn a_resolved_conversation_cannot_breach_first_response() {
        assert!(!SlaTarget::FirstResponse.breached_in(Status::Resolved));
        for status in [Status::Bot, Status::Queued, Status::Assigned] {
            assert!(SlaTarget::FirstResponse.breached_in(status), "{status:?}");
        }
        for status in [
            Status::Bot,
            Status::Queued,
            Status::Assigned,
            Status::Resolved,
        ] {
            assert!(SlaTarget::Resolution.breached_in(status), "{status:?}");
        }
        assert_eq!(SlaTarget::FirstResponse.as_str(), "first_response");
        assert_eq!(SlaTarget::Resolution.as_str(), "resolution");
    }

    #[test]
    fn business_hours_skip_nights_weekends_and_holidays() {
        let hours = BusinessHours {
            holidays: vec!["2026-11-04".into()],
            ..BusinessHours::default()
        };
        hours.validate().unwrap();
        // Friday 17:50 Moscow (14:50 UTC) + 15 min → Monday 09:05 Moscow.
        let friday = datetime!(2026-11-27 14:50 UTC);
        assert_eq!(
            hours.add_working_time(friday, Duration::minutes(15)),
            datetime!(2026-11-30 06:05 UTC)
        );
        // Tuesday 2026-11-03 evening → Wednesday 4 November is a holiday → Thursday.
        let before_holiday = datetime!(2026-11-03 20:00 UTC);
        assert_eq!(
            hours.add_working_time(before_holiday, Duration::minutes(15)),
            datetime!(2026-11-05 06:15 UTC)
        );
        // Inside the day it is plain addition.
        let morning = datetime!(2026-11-25 08:00 UTC);
        assert_eq!(
            hours.add_working_time(morning, Duration::minutes(15)),
            datetime!(2026-11-25 08:15 UTC)
        );
        // The federal calendar: 4 November is a holiday without listing it,
        // and Saturday 1 November 2025 was a working day.
        let russian = BusinessHours {
            russian_calendar: true,
            ..BusinessHours::default()
        };
        assert_eq!(
            russian.add_working_time(before_holiday, Duration::minutes(15)),
            datetime!(2026-11-05 06:15 UTC)
        );
        assert_eq!(
            russian.add_working_time(datetime!(2025-10-31 20:00 UTC), Duration::minutes(15)),
            datetime!(2025-11-01 06:15 UTC)
        );
        let bad = BusinessHours {
            opens: "18:00".into(),
            closes: "09:00".into(),
            ..BusinessHours::default()
        };
        assert!(bad.validate().is_err());
    }
}
