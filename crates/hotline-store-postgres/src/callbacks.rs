//! Call-backs in PostgreSQL: the `callbacks` table (migration 0013), under
//! the flows of [`hotline_store::callbacks`]. Both flows lock the
//! conversation first, so the orders and calls of one conversation take turns.

use crate::PostgresStore;
use crate::append::PgWrite;
use crate::db::{Db, Params, StoreResult};
use crate::rows::*;
use async_trait::async_trait;
use hotline_domain::{Callback, CallbackId, ClientMsgId, ConversationId, CustomerId};
use hotline_store::callbacks::{
    self, CallbackFilter, CallbackRecords, CallbackStore, RecordCallbackOutcome, RequestCallback,
    RequestedCallback,
};

fn one(db: &Db<'_>, sql: &str, params: Params<'_>) -> StoreResult<Option<Callback>> {
    db.query_opt(sql, params)?
        .map(|row| json(&row, 0))
        .transpose()
}

impl CallbackRecords for PgWrite<'_, '_> {
    fn callback_by_request(
        &mut self,
        customer: &CustomerId,
        client_msg_id: &ClientMsgId,
    ) -> StoreResult<Option<Callback>> {
        one(
            self.db,
            "SELECT record FROM callbacks WHERE customer_id = $1 AND client_msg_id = $2",
            &[&customer.as_str(), &client_msg_id.as_str()],
        )
    }

    fn waiting_callback(&mut self, conversation: &ConversationId) -> StoreResult<Option<Callback>> {
        one(
            self.db,
            "SELECT record FROM callbacks WHERE conversation_id = $1 AND status = 'waiting'",
            &[&conversation.as_str()],
        )
    }

    fn callback_to_change(&mut self, id: &CallbackId) -> StoreResult<Option<Callback>> {
        one(
            self.db,
            "SELECT record FROM callbacks WHERE id = $1 FOR UPDATE",
            &[&id.as_str()],
        )
    }

    fn insert_callback(
        &mut self,
        callback: &Callback,
        client_msg_id: &ClientMsgId,
    ) -> StoreResult<()> {
        self.db.execute(
            "INSERT INTO callbacks (id, conversation_id, customer_id, department, status, due_at,
                 client_msg_id, record)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &callback.id.as_str(),
                &callback.conversation_id.as_str(),
                &callback.customer_id.as_str(),
                &callback.department.as_str(),
                &callback.status.as_str(),
                &micros(callback.due_at),
                &client_msg_id.as_str(),
                &to_json(callback)?,
            ],
        )?;
        Ok(())
    }

    fn update_callback(&mut self, callback: &Callback) -> StoreResult<()> {
        self.db.execute(
            "UPDATE callbacks SET status = $2, due_at = $3, record = $4 WHERE id = $1",
            &[
                &callback.id.as_str(),
                &callback.status.as_str(),
                &micros(callback.due_at),
                &to_json(callback)?,
            ],
        )?;
        Ok(())
    }
}

#[async_trait]
impl CallbackStore for PostgresStore {
    async fn request_callback(
        &self,
        command: RequestCallback,
    ) -> hotline_store::StoreResult<RequestedCallback> {
        self.write_conversation(move |records| {
            callbacks::request_callback(records, command.clone())
        })
        .await
    }

    async fn record_callback_outcome(
        &self,
        command: RecordCallbackOutcome,
    ) -> hotline_store::StoreResult<Callback> {
        self.write_conversation(move |records| {
            callbacks::record_callback_outcome(records, command.clone())
        })
        .await
    }

    async fn callback(&self, id: &CallbackId) -> hotline_store::StoreResult<Option<Callback>> {
        let id = id.clone();
        self.read(move |db| {
            one(
                db,
                "SELECT record FROM callbacks WHERE id = $1",
                &[&id.as_str()],
            )
        })
        .await
    }

    async fn callbacks(&self, filter: CallbackFilter) -> hotline_store::StoreResult<Vec<Callback>> {
        self.read(move |db| {
            let departments: Option<Vec<&str>> = filter
                .departments
                .as_ref()
                .map(|ds| ds.iter().map(|d| d.as_str()).collect());
            let statuses: Vec<&str> = filter.statuses.iter().map(|s| s.as_str()).collect();
            let limit = i64::try_from(filter.limit).unwrap_or(i64::MAX);
            db.query(
                "SELECT record FROM callbacks
                  WHERE ($1::TEXT[] IS NULL OR department = ANY($1))
                    AND (cardinality($2::TEXT[]) = 0 OR status = ANY($2))
                    AND ($3::TEXT IS NULL OR conversation_id = $3)
                  ORDER BY due_at, id LIMIT $4",
                &[
                    &departments,
                    &statuses,
                    &filter.conversation_id.as_ref().map(|c| c.as_str()),
                    &limit,
                ],
            )?
            .iter()
            .map(|row| json(row, 0))
            .collect()
        })
        .await
    }
}
