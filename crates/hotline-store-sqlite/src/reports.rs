//! Reports' reads: conversations opened in a period, with their routing clocks.

use crate::SqliteStore;
use crate::error::StoreResult;
use crate::rows::{corrupt, from_json, from_micros, micros, parse_department};
use async_trait::async_trait;
use hotline_domain::report::ConversationFacts;
use hotline_domain::{OperatorId, Status};
use hotline_store::{FactsQuery, ReportStore};
use rusqlite::{Row, params};

/// Up to this many departments, a report reads each along its own index;
/// beyond, one pass over the period costs less: the departments' rows
/// interleave in time, so reading them one by one touches every page again
/// (measured with `hotline-bench reports`, docs/benchmarks.md).
const READ_ONE_BY_ONE: usize = 3;

const FACTS: &str =
    "SELECT c.department, c.status, c.assignee_id, c.created_at, c.updated_at, c.rating,
        r.waiting_since, r.assigned_at, r.first_response_at, r.resolved_at,
        r.first_response_breached_at IS NOT NULL OR r.resolution_breached_at IS NOT NULL
    FROM conversations c LEFT JOIN conversation_routing r ON r.conversation_id = c.id";

#[async_trait]
impl ReportStore for SqliteStore {
    async fn conversation_facts(
        &self,
        query: FactsQuery,
    ) -> hotline_store::StoreResult<Vec<ConversationFacts>> {
        self.read(move |conn| {
            let operator = query.operator.as_ref().map(OperatorId::as_str);
            let (from, to) = (micros(query.from), micros(query.to));
            let mut facts = Vec::new();
            if query.departments.len() <= READ_ONE_BY_ONE {
                // Along each department's (department, created_at) index.
                let mut stmt = conn.prepare_cached(&format!(
                    "{FACTS} WHERE c.department = ?4 AND c.created_at >= ?1 AND c.created_at < ?2
                       AND (?3 IS NULL OR c.assignee_id = ?3) ORDER BY c.created_at"
                ))?;
                for department in &query.departments {
                    let rows = stmt
                        .query_map(params![from, to, operator, department.as_str()], read_facts)?;
                    for row in rows {
                        facts.push(row??);
                    }
                }
                facts.sort_by_key(|f| f.created_at);
            } else {
                // One pass along created_at, the departments picked here.
                let mut stmt = conn.prepare_cached(&format!(
                    "{FACTS} WHERE c.created_at >= ?1 AND c.created_at < ?2
                       AND (?3 IS NULL OR c.assignee_id = ?3) ORDER BY c.created_at"
                ))?;
                for row in stmt.query_map(params![from, to, operator], read_facts)? {
                    let f = row??;
                    if query.departments.contains(&f.department) {
                        facts.push(f);
                    }
                }
            }
            Ok(facts)
        })
        .await
    }
}

type Clock = Option<i64>;

fn read_facts(r: &Row<'_>) -> rusqlite::Result<StoreResult<ConversationFacts>> {
    let clock = |at: Clock| at.map(from_micros).transpose();
    let department: String = r.get(0)?;
    let status: String = r.get(1)?;
    let assignee: Option<String> = r.get(2)?;
    let (created_at, updated_at): (i64, i64) = (r.get(3)?, r.get(4)?);
    let rating: Option<String> = r.get(5)?;
    let clocks: [Clock; 4] = [r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?];
    let breached: Option<bool> = r.get(10)?;
    Ok((|| {
        Ok(ConversationFacts {
            department: parse_department(department)?,
            status: Status::parse(&status).ok_or_else(|| corrupt("status"))?,
            assignee: assignee.map(OperatorId::from_raw),
            created_at: from_micros(created_at)?,
            updated_at: from_micros(updated_at)?,
            waiting_since: clock(clocks[0])?,
            assigned_at: clock(clocks[1])?,
            first_response_at: clock(clocks[2])?,
            resolved_at: clock(clocks[3])?,
            sla_breached: breached.unwrap_or(false),
            rating: rating.as_deref().map(from_json).transpose()?,
        })
    })())
}
