//! The team in PostgreSQL: `operators.deactivated_at` and
//! `operator_invites` (migration 0014).

use crate::PostgresStore;
use crate::db::{Db, StoreResult};
use crate::queue::lock_routing;
use crate::rows::*;
use crate::store::link_departments;
use async_trait::async_trait;
use hotline_domain::OperatorId;
use hotline_store::StoreError;
use hotline_store::team::{NewInvite, OperatorAccount, OperatorChange, TeamStore};

fn load_account(db: &Db<'_>, id: &OperatorId) -> StoreResult<Option<OperatorAccount>> {
    let Some(row) = db.query_opt(
        "SELECT email, deactivated_at IS NULL, password_hash = '', created_at
           FROM operators WHERE id = $1",
        &[&id.as_str()],
    )?
    else {
        return Ok(None);
    };
    let Some(operator) = load_operator(db, id)? else {
        return Ok(None);
    };
    Ok(Some(OperatorAccount {
        operator,
        email: row.try_get(0)?,
        active: row.try_get(1)?,
        invited: row.try_get(2)?,
        created_at: from_micros(row.try_get(3)?)?,
    }))
}

#[async_trait]
impl TeamStore for PostgresStore {
    async fn operator_accounts(&self) -> hotline_store::StoreResult<Vec<OperatorAccount>> {
        self.read(|db| {
            let mut accounts = Vec::new();
            for row in db.query("SELECT id FROM operators ORDER BY name, email", &[])? {
                let id = OperatorId::from_raw(row.try_get::<_, String>(0)?);
                accounts.extend(load_account(db, &id)?);
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
        self.read(move |db| load_account(db, &id)).await
    }

    async fn update_operator(
        &self,
        id: &OperatorId,
        change: OperatorChange,
    ) -> hotline_store::StoreResult<OperatorAccount> {
        let id = id.clone();
        self.write(move |db, _| {
            // Routing reads an operator's departments and whether they are active.
            lock_routing(db)?;
            if db
                .query_opt(
                    "SELECT 1 FROM operators WHERE id = $1 FOR UPDATE",
                    &[&id.as_str()],
                )?
                .is_none()
            {
                return Err(StoreError::NotFound.into());
            }
            if let Some(name) = &change.name {
                db.execute(
                    "UPDATE operators SET name = $2 WHERE id = $1",
                    &[&id.as_str(), name],
                )?;
            }
            if let Some(role) = change.role {
                db.execute(
                    "UPDATE operators SET role = $2 WHERE id = $1",
                    &[&id.as_str(), &role.as_str()],
                )?;
            }
            if let Some(mut departments) = change.departments.clone() {
                departments.sort();
                departments.dedup();
                db.execute(
                    "DELETE FROM operator_departments WHERE operator_id = $1",
                    &[&id.as_str()],
                )?;
                link_departments(db, &id, &departments)?;
            }
            match change.active {
                Some(true) => {
                    db.execute(
                        "UPDATE operators SET deactivated_at = NULL WHERE id = $1",
                        &[&id.as_str()],
                    )?;
                }
                Some(false) => {
                    db.execute(
                        "UPDATE operators SET deactivated_at = COALESCE(deactivated_at, $2)
                         WHERE id = $1",
                        &[&id.as_str(), &now_micros()],
                    )?;
                    db.execute(
                        "DELETE FROM sessions WHERE operator_id = $1",
                        &[&id.as_str()],
                    )?;
                    db.execute(
                        "DELETE FROM operator_invites WHERE operator_id = $1",
                        &[&id.as_str()],
                    )?;
                }
                None => {}
            }
            Ok(load_account(db, &id)?.ok_or(StoreError::NotFound)?)
        })
        .await
    }

    async fn create_invite(&self, invite: NewInvite) -> hotline_store::StoreResult<()> {
        self.write(move |db, _| {
            let active = db.query_opt(
                "SELECT 1 FROM operators WHERE id = $1 AND deactivated_at IS NULL FOR UPDATE",
                &[&invite.operator_id.as_str()],
            )?;
            if active.is_none() {
                return Err(StoreError::NotFound.into());
            }
            db.execute(
                "DELETE FROM operator_invites WHERE operator_id = $1",
                &[&invite.operator_id.as_str()],
            )?;
            db.execute(
                "INSERT INTO operator_invites (token_hash, operator_id, expires_at)
                 VALUES ($1, $2, $3)",
                &[
                    &invite.token_hash,
                    &invite.operator_id.as_str(),
                    &invite.expires_at_unix,
                ],
            )?;
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
        self.write(move |db, _| {
            let Some(row) = db.query_opt(
                "DELETE FROM operator_invites WHERE token_hash = $1 AND expires_at > $2
                 RETURNING operator_id",
                &[&token_hash, &now_unix],
            )?
            else {
                return Ok(None);
            };
            let operator = OperatorId::from_raw(row.try_get::<_, String>(0)?);
            db.execute(
                "UPDATE operators SET password_hash = $2 WHERE id = $1 AND deactivated_at IS NULL",
                &[&operator.as_str(), &password_hash],
            )?;
            load_account(db, &operator)
        })
        .await
    }
}
