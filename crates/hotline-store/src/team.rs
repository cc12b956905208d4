//! The team, as administrators manage it: operators' accounts, their
//! roles and departments, invitations to set a password, deactivation. A
//! deactivated operator keeps their name on what they wrote but can neither
//! log in nor use a session they had.

use crate::StoreResult;
use async_trait::async_trait;
use hotline_domain::{DepartmentId, OperatorId, OperatorPrincipal, Role, Timestamp};

/// An operator's account, as the team page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorAccount {
    pub operator: OperatorPrincipal,
    pub email: String,
    /// `false`: deactivated.
    pub active: bool,
    /// Invited and not yet accepted: no password is set.
    pub invited: bool,
    pub created_at: Timestamp,
}

/// What an administrator changes; `None` keeps the value.
#[derive(Debug, Clone, Default)]
pub struct OperatorChange {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub departments: Option<Vec<DepartmentId>>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct NewInvite {
    pub operator_id: OperatorId,
    /// SHA-256 of the invitation's token; the token itself is never stored.
    pub token_hash: String,
    pub expires_at_unix: i64,
}

#[async_trait]
pub trait TeamStore: Send + Sync {
    /// Every operator, by name.
    async fn operator_accounts(&self) -> StoreResult<Vec<OperatorAccount>>;
    async fn operator_account(&self, id: &OperatorId) -> StoreResult<Option<OperatorAccount>>;
    /// Applies the change (`NotFound` for an unknown operator). Deactivating
    /// ends the operator's sessions and invitations at once.
    async fn update_operator(
        &self,
        id: &OperatorId,
        change: OperatorChange,
    ) -> StoreResult<OperatorAccount>;
    /// A new invitation for an active operator, replacing earlier ones
    /// (`NotFound` for an unknown or deactivated operator).
    async fn create_invite(&self, invite: NewInvite) -> StoreResult<()>;
    /// Sets the password of the invitation's operator and uses the
    /// invitation up; `None` when it is unknown, used or expired at `now_unix`.
    async fn accept_invite(
        &self,
        token_hash: &str,
        password_hash: String,
        now_unix: i64,
    ) -> StoreResult<Option<OperatorAccount>>;
}
