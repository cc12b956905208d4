//! The team, managed by administrators in the console: inviting an operator
//! (they set their own password from a one-time link), changing their name,
//! role and departments, deactivating and reactivating them. Every change is
//! audited with what it was before and after.

use crate::App;
use crate::error::{AppError, AppResult};
use hotline_domain::{DepartmentId, DomainError, ErrorCode, OperatorId, Presence, Principal, Role};
use hotline_store::team::{NewInvite, OperatorAccount, OperatorChange};
use hotline_store::{NewOperator, PresenceChange};
use serde_json::json;

/// Why a non-administrator may not manage the team.
const TEAM_REFUSAL: &str = "only administrators manage the team";

/// Longest operator name, in characters.
const MAX_NAME_CHARS: usize = 100;
/// Longest e-mail address (RFC 5321's path limit).
const MAX_EMAIL_CHARS: usize = 254;

/// An invitation as an administrator fills it in.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub email: String,
    pub name: String,
    pub role: String,
    pub departments: Vec<String>,
}

/// A change as an administrator submits it; `None` keeps the value.
#[derive(Debug, Clone, Default)]
pub struct TeamChange {
    pub name: Option<String>,
    pub role: Option<String>,
    pub departments: Option<Vec<String>>,
    pub active: Option<bool>,
}

/// The invitation's token, made by the caller: its hash is stored, the
/// token goes into the link the administrator passes on.
#[derive(Debug, Clone)]
pub struct InviteToken {
    pub token_hash: String,
    pub expires_at_unix: i64,
}

/// An e-mail address as operators log in with it: trimmed, lower-case.
pub fn operator_email(raw: &str) -> Result<String, DomainError> {
    let email = raw.trim().to_lowercase();
    let Some((local, domain)) = email.split_once('@') else {
        return Err(DomainError::InvalidCharacters {
            field: "email",
            reason: "an e-mail address has the form name@example.com",
        });
    };
    if local.is_empty() || domain.is_empty() || email.chars().any(char::is_whitespace) {
        return Err(DomainError::InvalidCharacters {
            field: "email",
            reason: "an e-mail address has the form name@example.com",
        });
    }
    let len = email.chars().count();
    if len > MAX_EMAIL_CHARS {
        return Err(DomainError::TooLong {
            field: "email",
            len,
            max: MAX_EMAIL_CHARS,
        });
    }
    Ok(email)
}

fn parse_role(raw: &str) -> AppResult<Role> {
    Role::parse(raw).ok_or_else(|| {
        AppError::invalid(
            ErrorCode::InvalidRole,
            format!("unknown role `{raw}`: use operator, supervisor or admin"),
        )
    })
}

fn account_json(account: &OperatorAccount) -> serde_json::Value {
    json!({
        "name": account.operator.name,
        "email": account.email,
        "role": account.operator.role.as_str(),
        "departments": account.operator.departments,
        "active": account.active,
    })
}

impl App {
    /// A display name customers can trust: 1–100 characters, no look-alikes
    /// of «поддержка» or of the company's name.
    fn operator_name(&self, raw: &str) -> AppResult<String> {
        let name = raw.trim().to_owned();
        if name.is_empty() {
            return Err(DomainError::Empty { field: "name" }.into());
        }
        let len = name.chars().count();
        if len > MAX_NAME_CHARS {
            return Err(DomainError::TooLong {
                field: "name",
                len,
                max: MAX_NAME_CHARS,
            }
            .into());
        }
        if let Some(problem) = self.security.operator_name_problem(&name) {
            return Err(AppError::invalid(
                ErrorCode::OperatorNameRefused,
                format!(
                    "{problem}; customers must be able to trust operator names, choose another"
                ),
            ));
        }
        Ok(name)
    }

    /// Configured departments only, each once.
    fn team_departments(&self, raw: &[String]) -> AppResult<Vec<DepartmentId>> {
        let configured = self.departments();
        let mut departments = Vec::with_capacity(raw.len());
        for id in raw {
            let department = configured
                .iter()
                .find(|d| d.id.as_str() == id)
                .ok_or_else(|| DomainError::UnknownDepartment(id.clone()))?;
            if !departments.contains(&department.id) {
                departments.push(department.id.clone());
            }
        }
        Ok(departments)
    }

    /// The team, by name (administrators).
    pub async fn team(&self, principal: &Principal) -> AppResult<Vec<OperatorAccount>> {
        crate::administrator(principal, TEAM_REFUSAL)?;
        Ok(self.store.operator_accounts().await?)
    }

    /// Creates an operator without a password and an invitation for them.
    pub async fn invite_operator(
        &self,
        principal: &Principal,
        invitation: Invitation,
        token: InviteToken,
    ) -> AppResult<OperatorAccount> {
        crate::administrator(principal, TEAM_REFUSAL)?;
        let email = operator_email(&invitation.email)?;
        let name = self.operator_name(&invitation.name)?;
        let role = parse_role(&invitation.role)?;
        let departments = self.team_departments(&invitation.departments)?;
        let operator = self
            .store
            .create_operator(NewOperator {
                email,
                name,
                role,
                departments,
                // No password until the invitation is accepted: no login matches.
                password_hash: String::new(),
            })
            .await?;
        self.store
            .create_invite(NewInvite {
                operator_id: operator.id.clone(),
                token_hash: token.token_hash,
                expires_at_unix: token.expires_at_unix,
            })
            .await?;
        let account = self
            .store
            .operator_account(&operator.id)
            .await?
            .ok_or_else(AppError::not_found)?;
        self.audit_by(
            principal,
            "operator.invited",
            Some(operator.id.as_str()),
            json!({"before": null, "after": account_json(&account)}),
        )
        .await?;
        Ok(account)
    }

    /// A new invitation for an operator who lost theirs or forgot their
    /// password; earlier invitations stop working.
    pub async fn reinvite_operator(
        &self,
        principal: &Principal,
        id: &OperatorId,
        token: InviteToken,
    ) -> AppResult<OperatorAccount> {
        crate::administrator(principal, TEAM_REFUSAL)?;
        self.store
            .create_invite(NewInvite {
                operator_id: id.clone(),
                token_hash: token.token_hash,
                expires_at_unix: token.expires_at_unix,
            })
            .await?;
        let account = self
            .store
            .operator_account(id)
            .await?
            .ok_or_else(AppError::not_found)?;
        self.audit_by(
            principal,
            "operator.reinvited",
            Some(id.as_str()),
            json!({"email": account.email}),
        )
        .await?;
        Ok(account)
    }

    /// Changes an operator's name, role, departments or whether they may
    /// work. Administrators do not change their own role or deactivate
    /// themselves, so the team always keeps one. A deactivated operator goes
    /// offline: routing gives them nothing new.
    pub async fn change_operator(
        &self,
        principal: &Principal,
        id: &OperatorId,
        change: TeamChange,
    ) -> AppResult<OperatorAccount> {
        let admin = crate::administrator(principal, TEAM_REFUSAL)?;
        let name = change
            .name
            .as_deref()
            .map(|n| self.operator_name(n))
            .transpose()?;
        let role = change.role.as_deref().map(parse_role).transpose()?;
        let departments = change
            .departments
            .as_deref()
            .map(|d| self.team_departments(d))
            .transpose()?;
        if admin.id == *id
            && (role.is_some_and(|r| r != Role::Admin) || change.active == Some(false))
        {
            return Err(AppError::forbidden(
                ErrorCode::Forbidden,
                "administrators do not demote or deactivate themselves; ask another administrator",
            ));
        }
        let before = self
            .store
            .operator_account(id)
            .await?
            .ok_or_else(AppError::not_found)?;
        let account = self
            .store
            .update_operator(
                id,
                OperatorChange {
                    name,
                    role,
                    departments,
                    active: change.active,
                },
            )
            .await?;
        if before.active && !account.active {
            self.store
                .set_presence(
                    id,
                    PresenceChange {
                        presence: Some(Presence::Offline),
                        capacity: None,
                    },
                )
                .await?;
        }
        self.audit_by(
            principal,
            "operator.updated",
            Some(id.as_str()),
            json!({"before": account_json(&before), "after": account_json(&account)}),
        )
        .await?;
        Ok(account)
    }

    /// Sets an invited operator's password (already hashed) from their
    /// invitation, which is used up.
    pub async fn accept_invite(
        &self,
        token_hash: &str,
        password_hash: String,
        now_unix: i64,
    ) -> AppResult<OperatorAccount> {
        let account = self
            .store
            .accept_invite(token_hash, password_hash, now_unix)
            .await?
            .ok_or_else(|| {
                AppError::invalid(
                    ErrorCode::InvalidInvite,
                    "this invitation is unknown, used or expired; ask an administrator for a new link",
                )
            })?;
        self.audit(
            crate::audit::Actor::of(&Principal::Operator(account.operator.clone())),
            "operator.joined",
            Some(account.operator.id.as_str()),
            json!({"email": account.email}),
        )
        .await?;
        Ok(account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mail_addresses_are_trimmed_lower_case_and_checked() {
        assert_eq!(
            operator_email(" Anna@Shop.Example ").as_deref(),
            Ok("anna@shop.example")
        );
        for bad in ["", "anna", "@shop.example", "anna@", "an na@shop.example"] {
            assert!(operator_email(bad).is_err(), "{bad:?}");
        }
        let long = format!("{}@shop.example", "a".repeat(250));
        assert!(matches!(
            operator_email(&long),
            Err(DomainError::TooLong { .. })
        ));
    }
}
