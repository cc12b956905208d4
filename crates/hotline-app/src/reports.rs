//! Supervisors' reports: the numbers of a period, for their departments.

use crate::App;
use crate::error::{AppError, AppResult};
use hotline_domain::report::{Summary, summarize};
use hotline_domain::{DepartmentId, ErrorCode, OperatorId, Principal, Timestamp};
use hotline_store::FactsQuery;

/// The longest period one report covers.
pub const MAX_REPORT_DAYS: i64 = 366;

#[derive(Debug, Clone)]
pub struct ReportQuery {
    pub from: Timestamp,
    pub to: Timestamp,
    /// One of the caller's departments; all of them when `None`.
    pub department: Option<DepartmentId>,
    pub operator: Option<OperatorId>,
    /// Where hours and weekdays are counted.
    pub offset: time::UtcOffset,
}

impl App {
    /// The summary of the conversations opened in `[from, to)`, for
    /// supervisors and administrators, over the departments they serve.
    pub async fn report_summary(
        &self,
        principal: &Principal,
        query: ReportQuery,
    ) -> AppResult<Summary> {
        let Principal::Operator(operator) = principal else {
            return Err(AppError::forbidden(
                ErrorCode::Forbidden,
                "reports are for supervisors and administrators",
            ));
        };
        if !operator.role.may_assign_others() {
            return Err(AppError::forbidden(
                ErrorCode::Forbidden,
                "reports are for supervisors and administrators",
            ));
        }
        if query.to <= query.from || query.to - query.from > time::Duration::days(MAX_REPORT_DAYS) {
            return Err(AppError::invalid(
                ErrorCode::InvalidQuery,
                format!("`to` must be after `from`, at most {MAX_REPORT_DAYS} days later"),
            ));
        }
        let departments = match query.department {
            Some(d) if operator.departments.contains(&d) => vec![d],
            Some(d) => {
                return Err(AppError::forbidden(
                    ErrorCode::Forbidden,
                    format!("you do not serve the department `{}`", d.as_str()),
                ));
            }
            None => operator.departments.clone(),
        };
        let facts = self
            .store
            .conversation_facts(FactsQuery {
                from: query.from,
                to: query.to,
                departments,
                operator: query.operator,
            })
            .await?;
        Ok(summarize(&facts, query.offset))
    }
}
