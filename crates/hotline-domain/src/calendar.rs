//! The Russian production calendar (производственный календарь): which days
//! are working days, from the `holidays-ru` data (public holidays, the yearly
//! decrees' transfers, working Saturdays), with an override table for what
//! the data does not know yet (a new decree, a regional day off).

use std::collections::BTreeMap;
use time::Date;

/// Whether `date` is a working day by the federal calendar, and whether that
/// is the official data (`true`) or a prediction from the Labour Code's
/// rules (`false`, years after [`LAST_OFFICIAL_YEAR`]). `None` outside the
/// years the data covers.
pub fn federal_working_day(date: Date) -> Option<(bool, bool)> {
    let resolved = holidays_ru::is_working_day_ymd::<holidays_ru::Federal>(
        date.year(),
        u8::from(date.month()),
        date.day(),
    )?;
    let official = resolved.is_fact();
    Some((resolved.value(), official))
}

/// A `YYYY-MM-DD` date, as dates travel and are stored.
pub fn parse_iso_date(raw: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(raw, &format).ok()
}

/// Serde for dates as `YYYY-MM-DD` strings.
pub mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(date)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let raw = String::deserialize(deserializer)?;
        super::parse_iso_date(&raw)
            .ok_or_else(|| serde::de::Error::custom(format!("{raw:?} is not YYYY-MM-DD")))
    }
}

/// The last year of official (decreed) data in the bundled calendar; later
/// years are predicted, so deadlines reaching into them are provisional.
pub const LAST_OFFICIAL_YEAR: i32 = holidays_ru::LAST_FACT_YEAR;

/// The federal calendar with an administrator's overrides: a date listed is
/// a working day (`true`) or a day off (`false`) whatever the data says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    overrides: BTreeMap<Date, bool>,
}

/// Longest stretch of days off in a row the arithmetic walks over before it
/// gives up and treats the day as working (the real maximum is about ten).
const MAX_DAYS_OFF_IN_A_ROW: u32 = 60;

impl WorkingCalendar {
    pub fn new(overrides: impl IntoIterator<Item = (Date, bool)>) -> WorkingCalendar {
        WorkingCalendar {
            overrides: overrides.into_iter().collect(),
        }
    }

    pub fn is_working_day(&self, date: Date) -> bool {
        if let Some(working) = self.overrides.get(&date) {
            return *working;
        }
        match federal_working_day(date) {
            Some((working, _)) => working,
            // Outside the data's years (1900–2100): Monday to Friday.
            None => date.weekday().number_from_monday() <= 5,
        }
    }

    /// Whether the working/non-working status of `date` is known for sure:
    /// overridden, or official data.
    pub fn is_official(&self, date: Date) -> bool {
        self.overrides.contains_key(&date)
            || federal_working_day(date).is_some_and(|(_, official)| official)
    }

    /// `date` itself when it is a working day, else the next working day
    /// (civil code art. 193).
    pub fn working_day_on_or_after(&self, date: Date) -> Date {
        let mut day = date;
        for _ in 0..MAX_DAYS_OFF_IN_A_ROW {
            if self.is_working_day(day) {
                return day;
            }
            match day.next_day() {
                Some(next) => day = next,
                None => return day,
            }
        }
        day
    }

    /// The `n`-th working day after `date` ("в течение n рабочих дней со
    /// дня X": the count starts the next day, civil code art. 191).
    pub fn add_working_days(&self, date: Date, n: u32) -> Date {
        let mut day = date;
        for _ in 0..n {
            let Some(next) = day.next_day() else {
                return day;
            };
            day = self.working_day_on_or_after(next);
        }
        day
    }

    /// Working days after `from` up to and including `to` (0 when `to` is
    /// not after `from`).
    pub fn working_days_between(&self, from: Date, to: Date) -> u32 {
        let mut count = 0;
        let mut day = from;
        while day < to {
            let Some(next) = day.next_day() else { break };
            day = next;
            if self.is_working_day(day) {
                count += 1;
            }
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_federal_calendar_knows_decreed_transfers() {
        let calendar = WorkingCalendar::default();
        // Decree № 1466: 4 Jan 2026 moved to Thursday 31 Dec 2026.
        assert!(!calendar.is_working_day(date!(2026 - 12 - 31)));
        // 2027: Saturday 20 February is worked, Monday 22 February is off.
        assert!(calendar.is_working_day(date!(2027 - 02 - 20)));
        assert!(!calendar.is_working_day(date!(2027 - 02 - 22)));
        assert!(calendar.is_working_day(date!(2026 - 11 - 25)));
        assert!(calendar.is_official(date!(2027 - 06 - 14)));
        assert!(!calendar.is_official(date!(2028 - 06 - 14)));
    }

    #[test]
    fn overrides_win_over_the_data() {
        let calendar = WorkingCalendar::new([
            (date!(2026 - 11 - 25), false),
            (date!(2026 - 11 - 28), true),
        ]);
        assert!(!calendar.is_working_day(date!(2026 - 11 - 25)));
        assert!(
            calendar.is_working_day(date!(2026 - 11 - 28)),
            "a Saturday made working"
        );
        assert!(!calendar.is_official(date!(2030 - 11 - 28)));
        assert_eq!(
            calendar.working_day_on_or_after(date!(2026 - 11 - 25)),
            date!(2026 - 11 - 26)
        );
    }

    #[test]
    fn working_days_are_counted_from_the_next_day() {
        let calendar = WorkingCalendar::default();
        // LEGAL.md §3.3: 15 working days from Friday 2026-12-25.
        assert_eq!(
            calendar.add_working_days(date!(2026 - 12 - 25), 15),
            date!(2027 - 01 - 26)
        );
        assert_eq!(
            calendar.add_working_days(date!(2026 - 11 - 25), 0),
            date!(2026 - 11 - 25)
        );
        // Friday → Monday is one working day.
        assert_eq!(
            calendar.add_working_days(date!(2026 - 11 - 27), 1),
            date!(2026 - 11 - 30)
        );
        assert_eq!(
            calendar.working_days_between(date!(2026 - 11 - 27), date!(2026 - 11 - 30)),
            1
        );
        assert_eq!(
            calendar.working_days_between(date!(2026 - 11 - 30), date!(2026 - 11 - 27)),
            0
        );
    }
}
