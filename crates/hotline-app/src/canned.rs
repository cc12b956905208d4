//! Canned replies: ready texts per department that operators insert and
//! adjust. Placeholders are filled in the console from the open
//! conversation: `{{customer.name}}`, `{{order.id}}`, `{{operator.name}}`.
//!
//! `hotline.toml` bootstraps them; what administrators (and supervisors,
//! for their departments) change in the console is stored, audited and
//! wins over the file, without a restart.

use crate::App;
use crate::error::{AppError, AppResult};
use hotline_domain::{
    DepartmentId, ErrorCode, OperatorId, OperatorPrincipal, Principal, Role, Timestamp,
};
use hotline_store::StoredCannedReply;
use serde::{Deserialize, Serialize};

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 80;
/// Longest text, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;

/// A reply as `hotline.toml` gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CannedReply {
    /// The department whose operators see it.
    pub department: String,
    /// A short name for the list.
    pub title: String,
    pub text: String,
}

impl CannedReply {
    /// The id a reply of the file keeps, so that a change in the console
    /// can override it.
    pub fn file_id(&self) -> String {
        format!("{}:{}", self.department, self.title)
    }
}

/// The replies a fresh installation starts with, for the default departments.
pub fn defaults() -> Vec<CannedReply> {
    let reply = |department: &str, title: &str, text: &str| CannedReply {
        department: department.into(),
        title: title.into(),
        text: text.into(),
    };
    let mut replies = Vec::new();
    for department in ["marketplace", "travel", "bank"] {
        replies.push(reply(
            department,
            "Приветствие",
            "Здравствуйте, {{customer.name}}! Меня зовут {{operator.name}}, я помогу разобраться.",
        ));
    }
    replies.extend([
        reply(
            "marketplace",
            "Заказ в пути",
            "Заказ {{order.id}} уже в пути. Трек-номер и дата доставки — в разделе «Мои заказы».",
        ),
        reply(
            "travel",
            "Проверяем бронь",
            "Проверяю бронь {{order.id}}, это займёт пару минут. Пожалуйста, не закрывайте чат.",
        ),
        reply(
            "bank",
            "Никаких кодов",
            "{{customer.name}}, пожалуйста, никому не сообщайте коды из СМС и данные карты — даже нам.",
        ),
    ]);
    replies
}

/// Where a reply in effect comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplySource {
    File,
    Console,
}

/// A reply as operators get it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplyInEffect {
    pub id: String,
    pub department: String,
    pub title: String,
    pub text: String,
    pub source: ReplySource,
    /// Who changed it in the console last.
    pub updated_by: Option<OperatorId>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated_at: Option<Timestamp>,
}

/// A reply as an administrator submits it.
#[derive(Debug, Clone)]
pub struct ReplyDraft {
    pub department: String,
    pub title: String,
    pub text: String,
}

/// A reply stored from the console (not a tombstone), as operators get it.
fn from_console(row: StoredCannedReply) -> ReplyInEffect {
    ReplyInEffect {
        id: row.id,
        department: row.department.as_str().to_owned(),
        title: row.title,
        text: row.text,
        source: ReplySource::Console,
        updated_by: Some(row.updated_by),
        updated_at: Some(row.updated_at),
    }
}

fn audit_view(reply: &ReplyInEffect) -> serde_json::Value {
    serde_json::json!({
        "department": reply.department,
        "title": reply.title,
        "text": reply.text,
        "source": reply.source,
    })
}

impl App {
    /// Every reply in effect: the file's, with the console's changes over them.
    async fn replies_in_effect(&self) -> AppResult<Vec<ReplyInEffect>> {
        let stored = self.store.stored_canned_replies().await?;
        let mut replies: Vec<ReplyInEffect> = self
            .canned_replies
            .iter()
            .map(|r| ReplyInEffect {
                id: r.file_id(),
                department: r.department.clone(),
                title: r.title.clone(),
                text: r.text.clone(),
                source: ReplySource::File,
                updated_by: None,
                updated_at: None,
            })
            .collect();
        for row in stored {
            replies.retain(|r| r.id != row.id);
            if !row.deleted {
                replies.push(from_console(row));
            }
        }
        replies.sort_by(|a, b| (&a.department, &a.title).cmp(&(&b.department, &b.title)));
        Ok(replies)
    }

    /// The replies of the operator's departments (an administrator's: all).
    pub async fn canned_replies(&self, principal: &Principal) -> AppResult<Vec<ReplyInEffect>> {
        let operator = operator_of(principal)?;
        Ok(self
            .replies_in_effect()
            .await?
            .into_iter()
            .filter(|r| sees(operator, &r.department))
            .collect())
    }

    /// Adds a reply (`id` none) or changes one, after the checks every
    /// operator message meets (no requests for secrets, no look-alike
    /// links). Audited with the reply before and after.
    pub async fn save_canned_reply(
        &self,
        principal: &Principal,
        id: Option<&str>,
        draft: ReplyDraft,
    ) -> AppResult<ReplyInEffect> {
        let operator = operator_of(principal)?;
        let in_effect = self.replies_in_effect().await?;
        let before = match id {
            Some(id) => Some(self.manageable(operator, &in_effect, id)?.clone()),
            None => None,
        };
        let department = self.department_to_manage(operator, &draft.department)?;
        let title = draft.title.trim().to_owned();
        let text = draft.text.trim().to_owned();
        if title.is_empty() || title.chars().nth(MAX_TITLE_CHARS).is_some() {
            return Err(AppError::invalid(
                ErrorCode::InvalidField,
                format!("title: 1–{MAX_TITLE_CHARS} characters"),
            ));
        }
        if text.is_empty() || text.chars().nth(MAX_TEXT_CHARS).is_some() {
            return Err(AppError::invalid(
                ErrorCode::InvalidField,
                format!("text: 1–{MAX_TEXT_CHARS} characters"),
            ));
        }
        self.check_operator_text(operator, None, department.as_str(), &text)
            .await?;
        let id = match id {
            Some(id) => id.to_owned(),
            None => uuid::Uuid::now_v7().to_string(),
        };
        let row = StoredCannedReply {
            id: id.clone(),
            department,
            title,
            text,
            deleted: false,
            updated_by: operator.id.clone(),
            updated_at: time::OffsetDateTime::now_utc(),
        };
        self.store.save_canned_reply(row.clone()).await?;
        // A stored reply wins over the file's: the row is what is in effect.
        let after = from_console(row);
        self.audit_by(
            principal,
            "canned_reply.saved",
            Some(&id),
            serde_json::json!({
                "before": before.as_ref().map(audit_view),
                "after": audit_view(&after),
            }),
        )
        .await?;
        Ok(after)
    }

    /// Deletes a reply, the file's included (it stays deleted). Audited.
    pub async fn delete_canned_reply(&self, principal: &Principal, id: &str) -> AppResult<()> {
        let operator = operator_of(principal)?;
        let in_effect = self.replies_in_effect().await?;
        let before = self.manageable(operator, &in_effect, id)?.clone();
        self.store
            .save_canned_reply(StoredCannedReply {
                id: id.to_owned(),
                department: DepartmentId::parse(before.department.clone())
                    .map_err(AppError::internal)?,
                title: before.title.clone(),
                text: before.text.clone(),
                deleted: true,
                updated_by: operator.id.clone(),
                updated_at: time::OffsetDateTime::now_utc(),
            })
            .await?;
        self.audit_by(
            principal,
            "canned_reply.deleted",
            Some(id),
            serde_json::json!({"before": audit_view(&before)}),
        )
        .await
    }

    /// The reply `id` when `operator` may change it; "not found" for
    /// replies of departments they cannot see.
    fn manageable<'r>(
        &self,
        operator: &OperatorPrincipal,
        in_effect: &'r [ReplyInEffect],
        id: &str,
    ) -> AppResult<&'r ReplyInEffect> {
        let reply = in_effect
            .iter()
            .find(|r| r.id == id)
            .filter(|r| sees(operator, &r.department))
            .ok_or_else(AppError::not_found)?;
        self.department_to_manage(operator, &reply.department)?;
        Ok(reply)
    }

    /// Administrators manage every department's replies, supervisors their own.
    fn department_to_manage(
        &self,
        operator: &OperatorPrincipal,
        department: &str,
    ) -> AppResult<DepartmentId> {
        let known = self
            .departments()
            .iter()
            .find(|d| d.id.as_str() == department)
            .cloned()
            .ok_or_else(|| {
                AppError::invalid(
                    ErrorCode::UnknownDepartment,
                    format!("no department `{department}`"),
                )
            })?;
        let allowed = match operator.role {
            Role::Admin => true,
            Role::Supervisor => operator.departments.contains(&known.id),
            Role::Operator => false,
        };
        if !allowed {
            return Err(AppError::forbidden(
                ErrorCode::Forbidden,
                "canned replies are managed by administrators and the department's supervisors",
            ));
        }
        Ok(known.id.clone())
    }
}

/// Administrators see every department's replies, others their departments'.
fn sees(operator: &OperatorPrincipal, department: &str) -> bool {
    operator.role == Role::Admin
        || operator
            .departments
            .iter()
            .any(|d| d.as_str() == department)
}

fn operator_of(principal: &Principal) -> AppResult<&OperatorPrincipal> {
    match principal {
        Principal::Operator(operator) => Ok(operator),
        Principal::Customer(_) => Err(AppError::forbidden(
            ErrorCode::Forbidden,
            "canned replies are for operators",
        )),
    }
}
