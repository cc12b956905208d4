//! Supervisors' numbers for a period: computed from what the store keeps
//! about each conversation (its routing clocks, written in the same
//! transactions as the events), so a report is the same every time it is
//! asked for and survives restarts.

use crate::{DepartmentId, OperatorId, Rating, Status, Timestamp};
use serde::Serialize;

/// What a report needs to know about one conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationFacts {
    pub department: DepartmentId,
    pub status: Status,
    /// The operator who has it or last had it.
    pub assignee: Option<OperatorId>,
    pub created_at: Timestamp,
    /// Its last change: for a resolved conversation, when it was resolved.
    pub updated_at: Timestamp,
    /// It entered the human queue (never, when the bot handled it alone).
    pub waiting_since: Option<Timestamp>,
    pub assigned_at: Option<Timestamp>,
    pub first_response_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub sla_breached: bool,
    pub rating: Option<Rating>,
}

/// The median and the 90th percentile, in whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Percentiles {
    pub p50: Option<i64>,
    pub p90: Option<i64>,
    /// How many conversations the figures are taken over.
    pub count: usize,
}

impl Percentiles {
    /// Nearest-rank percentiles of `values` (seconds).
    pub fn of(mut values: Vec<i64>) -> Percentiles {
        values.sort_unstable();
        let rank = |p: f64| -> Option<i64> {
            if values.is_empty() {
                return None;
            }
            let index = ((p * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1;
            values.get(index).copied()
        };
        Percentiles {
            p50: rank(0.5),
            p90: rank(0.9),
            count: values.len(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Csat {
    pub count: usize,
    /// The mean score, 1–5, to two decimals.
    pub average: Option<f64>,
    /// The share of 4s and 5s, 0–1, to three decimals.
    pub satisfied_share: Option<f64>,
}

/// The numbers of a period, over the conversations opened in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Summary {
    pub conversations_opened: usize,
    pub conversations_resolved: usize,
    /// Resolved without ever reaching a person (deflection).
    pub bot_only_resolved: usize,
    /// From entering the queue to the first public operator reply.
    pub first_response_seconds: Percentiles,
    /// From opening to resolution.
    pub resolution_seconds: Percentiles,
    /// From entering the queue to being assigned.
    pub queue_wait_seconds: Percentiles,
    /// Missed a first-response or resolution target.
    pub sla_breached: usize,
    pub csat: Csat,
    /// Conversations opened per hour of the day (0–23), in the report's offset.
    pub by_hour: Vec<usize>,
    /// Conversations opened per day of the week, Monday first.
    pub by_weekday: Vec<usize>,
}

/// Sums up `facts` (the conversations opened in the period, already
/// filtered by department and operator); hours and weekdays are counted in
/// `offset` (Moscow time, +03:00, unless the caller says otherwise).
pub fn summarize(facts: &[ConversationFacts], offset: time::UtcOffset) -> Summary {
    let seconds = |from: Option<Timestamp>, to: Option<Timestamp>| match (from, to) {
        (Some(from), Some(to)) if to >= from => Some((to - from).whole_seconds()),
        _ => None,
    };
    let resolved: Vec<&ConversationFacts> = facts
        .iter()
        .filter(|f| f.status == Status::Resolved)
        .collect();
    let ratings: Vec<u8> = facts
        .iter()
        .filter_map(|f| f.rating.as_ref().map(|r| r.score))
        .collect();
    let mut by_hour = vec![0; 24];
    let mut by_weekday = vec![0; 7];
    for f in facts {
        let local = f.created_at.to_offset(offset);
        by_hour[usize::from(local.hour())] += 1;
        by_weekday[usize::from(local.weekday().number_days_from_monday())] += 1;
    }
    let round = |x: f64, places: i32| (x * 10f64.powi(places)).round() / 10f64.powi(places);
    Summary {
        conversations_opened: facts.len(),
        conversations_resolved: resolved.len(),
        bot_only_resolved: resolved
            .iter()
            .filter(|f| f.waiting_since.is_none())
            .count(),
        first_response_seconds: Percentiles::of(
            facts
                .iter()
                .filter_map(|f| seconds(f.waiting_since, f.first_response_at))
                .collect(),
        ),
        resolution_seconds: Percentiles::of(
            resolved
                .iter()
                .filter_map(|f| {
                    seconds(
                        Some(f.created_at),
                        Some(f.resolved_at.unwrap_or(f.updated_at)),
                    )
                })
                .collect(),
        ),
        queue_wait_seconds: Percentiles::of(
            facts
                .iter()
                .filter_map(|f| seconds(f.waiting_since, f.assigned_at))
                .collect(),
        ),
        sla_breached: facts.iter().filter(|f| f.sla_breached).count(),
        csat: Csat {
            count: ratings.len(),
            average: (!ratings.is_empty()).then(|| {
                round(
                    ratings.iter().map(|&s| f64::from(s)).sum::<f64>() / ratings.len() as f64,
                    2,
                )
            }),
            satisfied_share: (!ratings.is_empty()).then(|| {
                round(
                    ratings.iter().filter(|&&s| s >= 4).count() as f64 / ratings.len() as f64,
                    3,
                )
            }),
        },
        by_hour,
        by_weekday,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, offset};

    fn facts(created: Timestamp) -> ConversationFacts {
        ConversationFacts {
            department: DepartmentId::from_static("travel"),
            status: Status::Queued,
            assignee: None,
            created_at: created,
            updated_at: created,
            waiting_since: None,
            assigned_at: None,
            first_response_at: None,
            resolved_at: None,
            sla_breached: false,
            rating: None,
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let p = Percentiles::of((1..=10).collect());
        assert_eq!((p.p50, p.p90, p.count), (Some(5), Some(9), 10));
        let one = Percentiles::of(vec![42]);
        assert_eq!((one.p50, one.p90), (Some(42), Some(42)));
        assert_eq!(Percentiles::of(vec![]).p50, None);
    }

    #[test]
    fn a_known_period_gives_known_numbers() {
        // Monday 2026-11-30, 09:00 Moscow time is 06:00 UTC.
        let monday = datetime!(2026-11-30 06:00 UTC);
        let minutes = time::Duration::minutes;
        let mut bot_only = facts(monday);
        bot_only.status = Status::Resolved;
        bot_only.updated_at = monday + minutes(3);
        let mut helped = facts(monday + minutes(10));
        helped.status = Status::Resolved;
        helped.waiting_since = Some(monday + minutes(11));
        helped.assigned_at = Some(monday + minutes(13));
        helped.first_response_at = Some(monday + minutes(15));
        helped.resolved_at = Some(monday + minutes(40));
        helped.rating = Some(Rating {
            score: 5,
            comment: None,
            rated_at: monday + minutes(41),
        });
        let mut waiting = facts(datetime!(2026-12-01 20:30 UTC));
        waiting.waiting_since = Some(waiting.created_at);
        waiting.sla_breached = true;
        waiting.rating = None;
        let mut unhappy = helped.clone();
        unhappy.rating = Some(Rating {
            score: 2,
            comment: Some("долго".into()),
            rated_at: monday + minutes(50),
        });

        let s = summarize(&[bot_only, helped, waiting, unhappy], offset!(+3));
        assert_eq!(s.conversations_opened, 4);
        assert_eq!(s.conversations_resolved, 3);
        assert_eq!(s.bot_only_resolved, 1);
        assert_eq!(s.first_response_seconds.p50, Some(240));
        assert_eq!(s.queue_wait_seconds.p90, Some(120));
        assert_eq!(
            (s.resolution_seconds.p50, s.resolution_seconds.p90),
            (Some(1800), Some(1800)),
            "3 min (the bot), 30 min, 30 min"
        );
        assert_eq!(s.sla_breached, 1);
        assert_eq!(
            (s.csat.count, s.csat.average, s.csat.satisfied_share),
            (2, Some(3.5), Some(0.5))
        );
        assert_eq!(s.by_hour[9], 3, "09:00 and 09:10 Moscow time");
        assert_eq!(s.by_hour[23], 1, "20:30 UTC is 23:30 in Moscow");
        assert_eq!((s.by_weekday[0], s.by_weekday[1]), (3, 1));
    }
}
