//! Call-backs in SQLite: the `callbacks` table (migration 0013), under the
//! flows of [`hotline_store::callbacks`].

use super::SqliteStore;
use crate::append::SqliteWrite;
use crate::error::StoreResult;
use crate::rows::*;
use async_trait::async_trait;
use hotline_domain::{Callback, CallbackId, ClientMsgId, ConversationId, CustomerId};
use hotline_store::callbacks::{
    self, CallbackFilter, CallbackRecords, CallbackStore, RecordCallbackOutcome, RequestCallback,
    RequestedCallback,
};
use rusqlite::{Connection, OptionalExtension, params};

fn one(conn: &Connection, sql: &str, args: impl rusqlite::Params) -> StoreResult<Option<Callback>> {
    conn.prepare_cached(sql)?
        .query_row(args, |r| r.get::<_, String>(0))
        .optional()?
        .map(|record| from_json(&record))
        .transpose()
}

fn load_callback(conn: &Connection, id: &CallbackId) -> StoreResult<Option<Callback>> {
    one(
        conn,
        "SELECT record FROM callbacks WHERE id = ?1",
        params![id.as_str()],
    )
}

impl CallbackRecords for SqliteWrite<'_> {
    fn callback_by_request(
        &mut self,
        customer: &CustomerId,
        client_msg_id: &ClientMsgId,
    ) -> StoreResult<Option<Callback>> {
        one(
            self.conn,
            "SELECT record FROM callbacks WHERE customer_id = ?1 AND client_msg_id = ?2",
            params![customer.as_str(), client_msg_id.as_str()],
        )
    }

    fn waiting_callback(&mut self, conversation: &ConversationId) -> StoreResult<Option<Callback>> {
        one(
            self.conn,
            "SELECT record FROM callbacks WHERE conversation_id = ?1 AND status = 'waiting'",
            params![conversation.as_str()],
        )
    }

    /// The single writer changes it: no lock to take.
    fn callback_to_change(&mut self, id: &CallbackId) -> StoreResult<Option<Callback>> {
        load_callback(self.conn, id)
    }

    fn insert_callback(
        &mut self,
        callback: &Callback,
        client_msg_id: &ClientMsgId,
    ) -> StoreResult<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO callbacks (id, conversation_id, customer_id, department, status,
                     due_at, client_msg_id, record)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                callback.id.as_str(),
                callback.conversation_id.as_str(),
                callback.customer_id.as_str(),
                callback.department.as_str(),
                callback.status.as_str(),
                micros(callback.due_at),
                client_msg_id.as_str(),
                to_json(callback)?,
            ])?;
        Ok(())
    }

    fn update_callback(&mut self, callback: &Callback) -> StoreResult<()> {
        self.conn
            .prepare_cached(
                "UPDATE callbacks SET status = ?2, due_at = ?3, record = ?4 WHERE id = ?1",
            )?
            .execute(params![
                callback.id.as_str(),
                callback.status.as_str(),
                micros(callback.due_at),
                to_json(callback)?,
            ])?;
        Ok(())
    }
}

#[async_trait]
impl CallbackStore for SqliteStore {
    async fn request_callback(
        &self,
        command: RequestCallback,
    ) -> hotline_store::StoreResult<RequestedCallback> {
        let queue = self.queue.clone();
        self.write(move |conn, events| {
            let mut records = SqliteWrite {
                conn,
                events,
                queue: &queue,
            };
            callbacks::request_callback(&mut records, command)
        })
        .await
    }

    async fn record_callback_outcome(
        &self,
        command: RecordCallbackOutcome,
    ) -> hotline_store::StoreResult<Callback> {
        let queue = self.queue.clone();
        self.write(move |conn, events| {
            let mut records = SqliteWrite {
                conn,
                events,
                queue: &queue,
            };
            callbacks::record_callback_outcome(&mut records, command)
        })
        .await
    }

    async fn callback(&self, id: &CallbackId) -> hotline_store::StoreResult<Option<Callback>> {
        let id = id.clone();
        self.read(move |conn| load_callback(conn, &id)).await
    }

    async fn callbacks(&self, filter: CallbackFilter) -> hotline_store::StoreResult<Vec<Callback>> {
        self.read(move |conn| {
            let departments = filter.departments.as_ref().map(to_json).transpose()?;
            let statuses: Vec<&str> = filter.statuses.iter().map(|s| s.as_str()).collect();
            let mut stmt = conn.prepare_cached(
                "SELECT record FROM callbacks
                  WHERE (?1 IS NULL OR department IN (SELECT value FROM json_each(?1)))
                    AND (?2 = '[]' OR status IN (SELECT value FROM json_each(?2)))
                    AND (?3 IS NULL OR conversation_id = ?3)
                  ORDER BY due_at, id LIMIT ?4",
            )?;
            let rows = stmt.query_map(
                params![
                    departments,
                    to_json(&statuses)?,
                    filter.conversation_id.as_ref().map(|c| c.as_str()),
                    filter.limit as i64,
                ],
                |r| r.get::<_, String>(0),
            )?;
            rows.map(|record| from_json(&record?)).collect()
        })
        .await
    }
}
