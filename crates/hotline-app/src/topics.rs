//! Departments' topics (what a customer picks when they start), as
//! administrators change them in the console: stored per department, winning
//! over hotline.toml's, applied by every node at its next sweep.

use crate::App;
use crate::error::{AppError, AppResult};
use hotline_domain::{
    Department, DepartmentId, DomainError, OperatorId, Principal, Timestamp, Topic, TopicId,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Most topics a department offers: the widget shows them as buttons.
const MAX_TOPICS: usize = 30;
/// Longest topic name, in characters.
const MAX_NAME_CHARS: usize = 80;

/// The key a department's topics are stored under.
pub fn topics_key(department: &DepartmentId) -> String {
    format!("departments.{}.topics", department.as_str())
}

/// A topic as an administrator types it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TopicDraft {
    pub id: String,
    pub name: String,
}

/// A department's topics in effect and where they come from.
#[derive(Debug, Clone)]
pub struct DepartmentTopics {
    pub department: Department,
    /// `true`: saved in the console, winning over the file.
    pub from_console: bool,
    pub updated: Option<(Timestamp, OperatorId)>,
}

/// Ids once each, names given, at most [`MAX_TOPICS`].
pub fn check_topics(drafts: Vec<TopicDraft>) -> Result<Vec<Topic>, DomainError> {
    if drafts.len() > MAX_TOPICS {
        return Err(DomainError::TooMany {
            field: "topics",
            len: drafts.len(),
            max: MAX_TOPICS,
        });
    }
    let mut topics: Vec<Topic> = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let id = TopicId::parse(draft.id.trim().to_owned())?;
        let name = draft.name.trim().to_owned();
        if name.is_empty() {
            return Err(DomainError::Empty { field: "name" });
        }
        let len = name.chars().count();
        if len > MAX_NAME_CHARS {
            return Err(DomainError::TooLong {
                field: "name",
                len,
                max: MAX_NAME_CHARS,
            });
        }
        if topics.iter().any(|t| t.id == id) {
            return Err(DomainError::InvalidCharacters {
                field: "topics",
                reason: "each topic id may appear once",
            });
        }
        topics.push(Topic { id, name });
    }
    Ok(topics)
}

impl App {
    /// The file's departments with the topics stored in the console.
    async fn departments_in_effect(&self) -> AppResult<Vec<DepartmentTopics>> {
        let mut out = Vec::with_capacity(self.file_departments.len());
        for department in &self.file_departments {
            let stored = self
                .store
                .stored_setting(&topics_key(&department.id))
                .await?;
            let topics = stored
                .as_ref()
                .and_then(|s| serde_json::from_value::<Vec<Topic>>(s.value.clone()).ok());
            let mut department = department.clone();
            let from_console = topics.is_some();
            if let Some(topics) = topics {
                department.topics = topics;
            }
            out.push(DepartmentTopics {
                department,
                from_console,
                updated: stored.map(|s| (s.updated_at, s.updated_by)),
            });
        }
        Ok(out)
    }

    /// Takes the console's topics into the departments in effect when they
    /// changed, and into the store's department table.
    pub(crate) async fn apply_stored_topics(&self) -> AppResult<()> {
        let departments: Vec<Department> = self
            .departments_in_effect()
            .await?
            .into_iter()
            .map(|d| d.department)
            .collect();
        if *self.departments() != departments {
            self.store.sync_departments(&departments).await?;
            self.set_departments(departments);
        }
        Ok(())
    }

    /// Every department's topics and their source (supervisors, administrators).
    pub async fn department_topics(
        &self,
        principal: &Principal,
    ) -> AppResult<Vec<DepartmentTopics>> {
        crate::supervisor(
            principal,
            "the departments' topics are for supervisors and administrators",
        )?;
        self.departments_in_effect().await
    }

    fn topics_administrator<'p>(
        &self,
        principal: &'p Principal,
        department: &str,
    ) -> AppResult<(&'p hotline_domain::OperatorPrincipal, DepartmentId)> {
        let admin = crate::administrator(
            principal,
            "only administrators change the departments' topics",
        )?;
        let id = self
            .file_departments
            .iter()
            .find(|d| d.id.as_str() == department)
            .map(|d| d.id.clone())
            .ok_or_else(|| DomainError::UnknownDepartment(department.to_owned()))?;
        Ok((admin, id))
    }

    /// Replaces a department's topics; new conversations offer them at once.
    /// Conversations already about a removed topic keep it.
    pub async fn set_department_topics(
        &self,
        principal: &Principal,
        department: &str,
        drafts: Vec<TopicDraft>,
    ) -> AppResult<DepartmentTopics> {
        let (admin, id) = self.topics_administrator(principal, department)?;
        let topics = check_topics(drafts)?;
        let before = self.department(&id).map(|d| d.topics).unwrap_or_default();
        let value = serde_json::to_value(&topics).map_err(AppError::internal)?;
        self.store
            .store_setting(&topics_key(&id), value, &admin.id)
            .await?;
        self.apply_stored_topics().await?;
        self.audit_by(
            principal,
            "settings.changed",
            Some(&topics_key(&id)),
            json!({"before": before, "after": topics}),
        )
        .await?;
        self.topics_of(&id).await
    }

    /// Back to the file's topics for the department.
    pub async fn reset_department_topics(
        &self,
        principal: &Principal,
        department: &str,
    ) -> AppResult<DepartmentTopics> {
        let (_, id) = self.topics_administrator(principal, department)?;
        let before = self.department(&id).map(|d| d.topics).unwrap_or_default();
        if self.store.remove_setting(&topics_key(&id)).await? {
            self.apply_stored_topics().await?;
            let after = self.department(&id).map(|d| d.topics).unwrap_or_default();
            self.audit_by(
                principal,
                "settings.reset",
                Some(&topics_key(&id)),
                json!({"before": before, "after": after}),
            )
            .await?;
        }
        self.topics_of(&id).await
    }

    async fn topics_of(&self, id: &DepartmentId) -> AppResult<DepartmentTopics> {
        self.departments_in_effect()
            .await?
            .into_iter()
            .find(|d| &d.department.id == id)
            .ok_or_else(AppError::not_found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(id: &str, name: &str) -> TopicDraft {
        TopicDraft {
            id: id.into(),
            name: name.into(),
        }
    }

    #[test]
    fn topics_need_an_id_once_and_a_name() {
        let topics = check_topics(vec![draft(" pets ", " Животные ")]).unwrap();
        assert_eq!(
            (topics[0].id.as_str(), topics[0].name.as_str()),
            ("pets", "Животные")
        );
        assert!(check_topics(vec![draft("pets", "А"), draft("pets", "Б")]).is_err());
        assert!(check_topics(vec![draft("pets", "  ")]).is_err());
        assert!(check_topics(vec![draft("", "Животные")]).is_err());
        assert!(check_topics(vec![draft("a b", "Животные")]).is_err());
        let many = (0..31).map(|i| draft(&format!("t{i}"), "Тема")).collect();
        assert!(matches!(
            check_topics(many),
            Err(DomainError::TooMany { .. })
        ));
        assert_eq!(check_topics(vec![]).unwrap(), vec![]);
    }
}
