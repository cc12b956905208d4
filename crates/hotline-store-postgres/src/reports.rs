//! Reports' reads: conversations opened in a period, with their routing clocks.

use crate::PostgresStore;
use crate::rows::{corrupt, from_micros, micros, parse_department};
use async_trait::async_trait;
use hotline_domain::report::ConversationFacts;
use hotline_domain::{OperatorId, Status};
use hotline_store::{FactsQuery, ReportStore};
use tokio_postgres::types::Json;

#[async_trait]
impl ReportStore for PostgresStore {
    async fn conversation_facts(
        &self,
        query: FactsQuery,
    ) -> hotline_store::StoreResult<Vec<ConversationFacts>> {
        self.read(move |db| {
            let departments: Vec<&str> = query.departments.iter().map(|d| d.as_str()).collect();
            let operator = query.operator.as_ref().map(OperatorId::as_str);
            let rows = db.query(
                "SELECT c.department, c.status, c.assignee_id, c.created_at, c.updated_at, c.rating,
                        r.waiting_since, r.assigned_at, r.first_response_at, r.resolved_at,
                        (r.first_response_breached_at IS NOT NULL OR r.resolution_breached_at IS NOT NULL)
                 FROM conversations c LEFT JOIN conversation_routing r ON r.conversation_id = c.id
                 WHERE c.created_at >= $1 AND c.created_at < $2 AND c.department = ANY($3)
                   AND ($4::TEXT IS NULL OR c.assignee_id = $4)
                 ORDER BY c.created_at",
                &[&micros(query.from), &micros(query.to), &departments, &operator],
            )?;
            let clock = |at: Option<i64>| at.map(from_micros).transpose();
            rows.iter()
                .map(|r| {
                    let status: String = r.try_get(1)?;
                    let rating: Option<Json<serde_json::Value>> = r.try_get(5)?;
                    Ok(ConversationFacts {
                        department: parse_department(r.try_get(0)?)?,
                        status: Status::parse(&status).ok_or_else(|| corrupt("status"))?,
                        assignee: r.try_get::<_, Option<String>>(2)?.map(OperatorId::from_raw),
                        created_at: from_micros(r.try_get(3)?)?,
                        updated_at: from_micros(r.try_get(4)?)?,
                        waiting_since: clock(r.try_get(6)?)?,
                        assigned_at: clock(r.try_get(7)?)?,
                        first_response_at: clock(r.try_get(8)?)?,
                        resolved_at: clock(r.try_get(9)?)?,
                        sla_breached: r.try_get::<_, Option<bool>>(10)?.unwrap_or(false),
                        rating: rating
                            .map(|Json(v)| serde_json::from_value(v).map_err(|_| corrupt("rating")))
                            .transpose()?,
                    })
                })
                .collect()
        })
        .await
    }
}
