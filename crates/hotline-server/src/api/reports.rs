//! Supervisors' reports over HTTP: JSON, or CSV for spreadsheets.

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Json, Query};
use crate::auth::Auth;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use hotline_app::App;
use hotline_app::reports::ReportQuery;
use hotline_domain::report::Summary;
use hotline_domain::{DepartmentId, ErrorCode, OperatorId, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt::Write;
use std::sync::Arc;
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};

/// Moscow time, where hours of the day are counted unless `tz` says otherwise.
const DEFAULT_OFFSET: time::UtcOffset = time::macros::offset!(+3);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// The first day (`YYYY-MM-DD`, from its start in `tz`) or an RFC 3339 time.
    pub from: String,
    /// The last day, included (`YYYY-MM-DD`), or an RFC 3339 time, excluded.
    pub to: String,
    /// One department (default: all the caller serves).
    pub department: Option<String>,
    /// Only the conversations this operator has or last had.
    pub operator_id: Option<String>,
    /// The UTC offset days and hours are counted in, e.g. `+03:00` (the default).
    pub tz: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryReport {
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub from: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub to: Timestamp,
    pub department: Option<String>,
    pub operator_id: Option<String>,
    #[serde(flatten)]
    pub summary: Summary,
}

/// The numbers of a period for supervisors and administrators: the
/// conversations opened in it (in the departments they serve), how many the
/// bot resolved alone, first-response, queue and resolution times (p50,
/// p90), SLA breaches, CSAT, and openings by hour and weekday. With
/// `Accept: text/csv`, the same numbers as `metric,value` lines.
#[utoipa::path(get, path = "/api/v1/reports/summary", tag = "reports", params(SummaryQuery),
    responses((status = 200, description = "The summary, as JSON or CSV",
            content((SummaryReport = "application/json"), (String = "text/csv"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn summary(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    headers: HeaderMap,
    Query(query): Query<SummaryQuery>,
) -> ApiResult<Response> {
    let offset = match query.tz.as_deref() {
        None | Some("") => DEFAULT_OFFSET,
        Some(raw) => parse_offset(raw).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidQuery,
                "tz must be an offset such as +03:00",
            )
        })?,
    };
    let from = parse_bound(&query.from, offset, false)?;
    let to = parse_bound(&query.to, offset, true)?;
    let department = query
        .department
        .clone()
        .map(DepartmentId::parse)
        .transpose()
        .map_err(|e| ApiError::new(ErrorCode::InvalidQuery, e.to_string()))?;
    let summary = app
        .report_summary(
            &principal,
            ReportQuery {
                from,
                to,
                department,
                operator: query.operator_id.clone().map(OperatorId::from_raw),
                offset,
            },
        )
        .await?;
    let report = SummaryReport {
        from,
        to,
        department: query.department,
        operator_id: query.operator_id,
        summary,
    };
    let wants_csv = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/csv"));
    if wants_csv {
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"hotline-summary.csv\"",
                ),
            ],
            csv(&report),
        )
            .into_response());
    }
    Ok(Json(report).into_response())
}

fn parse_offset(raw: &str) -> Option<time::UtcOffset> {
    let format = time::macros::format_description!("[offset_hour sign:mandatory]:[offset_minute]");
    time::UtcOffset::parse(raw.trim(), &format).ok()
}

/// A day starts at 00:00 in `offset`; the last day is included, so `to` is
/// the start of the day after it.
fn parse_bound(raw: &str, offset: time::UtcOffset, is_end: bool) -> ApiResult<Timestamp> {
    if let Ok(at) = Timestamp::parse(raw, &Rfc3339) {
        return Ok(at);
    }
    let day_format = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(raw, &day_format).map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidQuery,
            format!("`{raw}` is neither a day (YYYY-MM-DD) nor an RFC 3339 time"),
        )
    })?;
    let day = if is_end {
        day.next_day()
            .ok_or_else(|| ApiError::new(ErrorCode::InvalidQuery, "the day is out of range"))?
    } else {
        day
    };
    Ok(day.midnight().assume_offset(offset))
}

/// `metric,value` lines: one figure per line, so that a spreadsheet reads it
/// without knowing the shape of the JSON.
fn csv(report: &SummaryReport) -> String {
    let s = &report.summary;
    let mut out = String::from("metric,value\n");
    let mut line = |name: &str, value: String| {
        let _ = writeln!(out, "{name},{value}");
    };
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let optf = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    line("from", report.from.format(&Rfc3339).unwrap_or_default());
    line("to", report.to.format(&Rfc3339).unwrap_or_default());
    line("department", report.department.clone().unwrap_or_default());
    line(
        "operator_id",
        report.operator_id.clone().unwrap_or_default(),
    );
    line("conversations_opened", s.conversations_opened.to_string());
    line(
        "conversations_resolved",
        s.conversations_resolved.to_string(),
    );
    line("bot_only_resolved", s.bot_only_resolved.to_string());
    for (name, p) in [
        ("first_response_seconds", &s.first_response_seconds),
        ("resolution_seconds", &s.resolution_seconds),
        ("queue_wait_seconds", &s.queue_wait_seconds),
    ] {
        line(&format!("{name}_p50"), opt(p.p50));
        line(&format!("{name}_p90"), opt(p.p90));
    }
    line("sla_breached", s.sla_breached.to_string());
    line("csat_count", s.csat.count.to_string());
    line("csat_average", optf(s.csat.average));
    line("csat_satisfied_share", optf(s.csat.satisfied_share));
    for (hour, n) in s.by_hour.iter().enumerate() {
        line(&format!("opened_hour_{hour:02}"), n.to_string());
    }
    for (day, n) in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .zip(&s.by_weekday)
    {
        line(&format!("opened_{day}"), n.to_string());
    }
    out
}
