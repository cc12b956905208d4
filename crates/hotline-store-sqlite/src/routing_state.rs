//! Routing state on SQLite: an [`InMemoryRouting`] kept for the life of the
//! store and rebuilt from the tables at start-up. Only writer jobs change
//! it, and they run one at a time on the writer thread, so each assignment
//! decision sees every earlier one (the promise [`RoutingState`] asks for).
//! Readers only look.

use crate::error::StoreResult;
use crate::rows::*;
use hotline_domain::routing::{DEFAULT_CAPACITY, OperatorSlot};
use hotline_domain::{ConversationId, CustomerId, OperatorId, Presence, Priority};
use hotline_store::routing::memory::{HOUR_MICROS, InMemoryRouting};
use hotline_store::{RoutingState, Waiting};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;

/// Rebuilds the routing state from the tables.
pub(crate) fn load_routing(conn: &Connection) -> StoreResult<InMemoryRouting> {
    let mut state = InMemoryRouting::default();
    let loads: HashMap<String, u32> = conn
        .prepare(
            "SELECT assignee_id, COUNT(*) FROM conversations
                 WHERE status = 'assigned' AND assignee_id IS NOT NULL GROUP BY assignee_id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let ids: Vec<String> = conn
        .prepare("SELECT id FROM operators")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in ids {
        let load = loads.get(&id).copied().unwrap_or(0);
        let id = OperatorId::from_raw(id);
        if let Some((_, slot)) = load_slot(conn, &id, load)? {
            state.router.put_operator(id, slot);
        }
    }
    let mut queued = conn.prepare(
            "SELECT c.id, c.department, c.customer_id, r.priority, COALESCE(r.waiting_since, c.updated_at)
             FROM conversations c LEFT JOIN conversation_routing r ON r.conversation_id = c.id
             WHERE c.status = 'queued'",
        )?;
    let rows = queued.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    for row in rows {
        let (id, department, customer, priority, since) = row?;
        state.enqueue(Waiting {
            conversation: ConversationId::from_raw(id),
            department: parse_department(department)?,
            customer: CustomerId::from_raw(customer),
            priority: priority
                .as_deref()
                .and_then(Priority::parse)
                .unwrap_or_default(),
            since,
        });
    }
    let mut handled = conn.prepare(
        "SELECT department, (resolved_at - assigned_at) / 1e6 FROM conversation_routing
             WHERE resolved_at IS NOT NULL AND assigned_at IS NOT NULL
             ORDER BY resolved_at DESC LIMIT 5000",
    )?;
    let mut samples: Vec<(String, f64)> = handled
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    samples.reverse();
    for (department, seconds) in samples {
        state.record_handle_time(&parse_department(department)?, seconds);
    }
    let since = now_micros() - HOUR_MICROS;
    let mut arrived = conn.prepare(
        "SELECT department, waiting_since FROM conversation_routing
             WHERE waiting_since >= ?1 ORDER BY waiting_since",
    )?;
    let arrivals: Vec<(String, i64)> = arrived
        .query_map(params![since], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (department, at) in arrivals {
        state.record_arrival(&parse_department(department)?, at);
    }
    Ok(state)
}

/// An operator's routing slot from the tables, with `load` given: loads are
/// counted once at start-up and kept in the state after that.
pub(crate) fn load_slot(
    conn: &Connection,
    id: &OperatorId,
    load: u32,
) -> StoreResult<Option<(String, OperatorSlot)>> {
    let Some(operator) = load_operator(conn, id)? else {
        return Ok(None);
    };
    let stored: Option<(String, u32, i64)> = conn
        .prepare_cached(
            "SELECT presence, capacity, changed_at FROM operator_presence WHERE operator_id = ?1",
        )?
        .query_row(params![id.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let (presence, capacity, changed_at) =
        stored.unwrap_or(("offline".into(), DEFAULT_CAPACITY, 0));
    Ok(Some((
        operator.name,
        OperatorSlot {
            departments: operator.departments,
            presence: Presence::parse(&presence).unwrap_or(Presence::Offline),
            capacity,
            load,
            idle_since: changed_at,
        },
    )))
}
