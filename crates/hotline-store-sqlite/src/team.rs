//! The team in SQLite: `operators.deactivated_at` and `operator_invites`
//! (migration 0014).

use super::SqliteStore;
use crate::error::StoreResult;
use crate::rows::*;
use async_trait::async_trait;
use hotline_domain::OperatorId;
use hotline_store::StoreError;
use hotline_store::team::{NewInvite, OperatorAccount, OperatorChange, TeamStore};
use rusqlite::{Connection, OptionalExtension, params};

fn load_account(conn: &Connection, id: &OperatorId) -> StoreResult<Option<OperatorAccount>> {
    let found = conn
        .prepare_cached(
            "SELECT email, deactivated_at IS NULL, password_hash = '', created_at
               FROM operators WHERE id = ?1",
        )?
        .query_row(params![id.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })
        .optional()?;
    let Some((email, active, invited, created_at)) = found else {
        return Ok(None);
    };
    let Some(operator) = load_operator(conn, id)? else {
        return Ok(None);
    };
    Ok(Some(OperatorAccount {
        operator,
        email,
        active,
        invited,
        created_at: from_micros(created_at)?,
    }))
}

#[async_trait]
impl TeamStore for SqliteStore {
    async fn operator_accounts(&self) -> hotline_store::StoreResult<Vec<OperatorAccount>> {
        self.read(|conn| {
            let ids = conn
                .prepare_cached("SELECT id FROM operators ORDER BY name, email")?
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            let mut accounts = Vec::with_capacity(ids.len());
            for id in ids {
                accounts.extend(load_account(conn, &OperatorId::from_raw(id))?);
            }
            Ok(accounts)
        })
        .await
    }

    async fn operator_account(
        &self,
        id: &OperatorId,
    ) -> hotline_store::StoreResult<Option<OperatorAccount>> {
        let id = id.clone();
        self.read(move |conn| load_account(conn, &id)).await
    }

    async fn update_operator(
        &self,
        id: &OperatorId,
        change: OperatorChange,
    ) -> hotline_store::StoreResult<OperatorAccount> {
        let id = id.clone();
        self.write(move |conn, _| {
            if load_account(conn, &id)?.is_none() {
                return Err(StoreError::NotFound.into());
            }
            if let Some(name) = &change.name {
                conn.prepare_cached("UPDATE operators SET name = ?2 WHERE id = ?1")?
                    .execute(params![id.as_str(), name])?;
            }
            if let Some(role) = change.role {
                conn.prepare_cached("UPDATE operators SET role = ?2 WHERE id = ?1")?
                    .execute(params![id.as_str(), role.as_str()])?;
            }
            if let Some(mut departments) = change.departments.clone() {
                departments.sort();
                departments.dedup();
                conn.prepare_cached("DELETE FROM operator_departments WHERE operator_id = ?1")?
                    .execute(params![id.as_str()])?;
                let mut link = conn.prepare_cached(
                    "INSERT INTO operator_departments (operator_id, department) VALUES (?1, ?2)",
                )?;
                for department in &departments {
                    link.execute(params![id.as_str(), department.as_str()])?;
                }
            }
            match change.active {
                Some(true) => {
                    conn.prepare_cached(
                        "UPDATE operators SET deactivated_at = NULL WHERE id = ?1",
                    )?
                    .execute(params![id.as_str()])?;
                }
                Some(false) => {
                    conn.prepare_cached(
                        "UPDATE operators SET deactivated_at = COALESCE(deactivated_at, ?2)
                         WHERE id = ?1",
                    )?
                    .execute(params![id.as_str(), now_micros()])?;
                    conn.prepare_cached("DELETE FROM sessions WHERE operator_id = ?1")?
                        .execute(params![id.as_str()])?;
                    conn.prepare_cached("DELETE FROM operator_invites WHERE operator_id = ?1")?
                        .execute(params![id.as_str()])?;
                }
                None => {}
            }
            Ok(load_account(conn, &id)?.ok_or(StoreError::NotFound)?)
        })
        .await
    }

    async fn create_invite(&self, invite: NewInvite) -> hotline_store::StoreResult<()> {
        self.write(move |conn, _| {
            if !load_account(conn, &invite.operator_id)?.is_some_and(|a| a.active) {
                return Err(StoreError::NotFound.into());
            }
            conn.prepare_cached("DELETE FROM operator_invites WHERE operator_id = ?1")?
                .execute(params![invite.operator_id.as_str()])?;
            conn.prepare_cached(
                "INSERT INTO operator_invites (token_hash, operator_id, expires_at)
                 VALUES (?1, ?2, ?3)",
            )?
            .execute(params![
                invite.token_hash,
                invite.operator_id.as_str(),
                invite.expires_at_unix
            ])?;
            Ok(())
        })
        .await
    }

    async fn accept_invite(
        &self,
        token_hash: &str,
        password_hash: String,
        now_unix: i64,
    ) -> hotline_store::StoreResult<Option<OperatorAccount>> {
        let token_hash = token_hash.to_owned();
        self.write(move |conn, _| {
            let operator: Option<String> = conn
                .prepare_cached(
                    "DELETE FROM operator_invites WHERE token_hash = ?1 AND expires_at > ?2
                     RETURNING operator_id",
                )?
                .query_row(params![token_hash, now_unix], |r| r.get(0))
                .optional()?;
            let Some(operator) = operator.map(OperatorId::from_raw) else {
                return Ok(None);
            };
            conn.prepare_cached(
                "UPDATE operators SET password_hash = ?2 WHERE id = ?1 AND deactivated_at IS NULL",
            )?
            .execute(params![operator.as_str(), password_hash])?;
            load_account(conn, &operator)
        })
        .await
    }
}
