//! Administrators' changes to the help center's articles (from the console
//! or the API): checked, stored, indexed at once, and audited with the
//! article before and after.

use crate::App;
use crate::claims::to_micros;
use crate::error::{AppError, AppResult, ErrorKind};
use hotline_domain::{
    Article, ArticleDraft, ArticleId, DomainError, ErrorCode, OperatorId, Principal,
};
use hotline_store::kb::ArticleChange;
use serde_json::json;

/// Why a non-administrator may not change articles.
const ARTICLE_REFUSAL: &str = "changing help-center articles needs the role admin";

/// Whether saving may replace an article with the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Save {
    /// A new article: an existing id is `article_exists`.
    Create,
    /// Create or replace.
    Put,
}

/// The key under which article changes leave a new revision, so that the
/// other nodes rebuild their search index (each node keeps its own).
pub const KB_REVISION_KEY: &str = "help_center.revision";

/// Leaves a new revision of the articles, changed by `by`: every running
/// node rebuilds its search index at its next sweep. Returns the revision.
pub async fn note_articles_changed(
    store: &dyn hotline_store::Store,
    by: &OperatorId,
) -> AppResult<serde_json::Value> {
    let revision = serde_json::Value::String(uuid::Uuid::now_v7().to_string());
    store
        .store_setting(KB_REVISION_KEY, revision.clone(), by)
        .await?;
    Ok(revision)
}

impl App {
    /// Leaves a new revision for the other nodes; this node is up to date.
    async fn note_kb_revision(&self, principal: &Principal) -> AppResult<()> {
        let Principal::Operator(operator) = principal else {
            return Ok(());
        };
        let revision = note_articles_changed(self.store.as_ref(), &operator.id).await?;
        self.set_seen_kb_revision(Some(revision));
        Ok(())
    }

    /// Rebuilds this node's search index when another node changed the
    /// articles since it last looked; run at start-up and by every sweep.
    pub(crate) async fn follow_kb_revision(&self) -> AppResult<()> {
        let stored = self
            .store
            .stored_setting(KB_REVISION_KEY)
            .await?
            .map(|s| s.value);
        let seen = self
            .seen_kb_revision
            .lock()
            .map(|seen| seen.clone())
            .unwrap_or_default();
        match seen {
            // Start-up: the index was just built from the store.
            None => self.set_seen_kb_revision(Some(stored.unwrap_or(serde_json::Value::Null))),
            Some(seen) if Some(&seen) != stored.as_ref() && stored.is_some() => {
                self.help_center
                    .rebuild()
                    .await
                    .map_err(AppError::internal)?;
                self.set_seen_kb_revision(stored);
            }
            Some(_) => {}
        }
        Ok(())
    }

    fn set_seen_kb_revision(&self, revision: Option<serde_json::Value>) {
        if let Ok(mut seen) = self.seen_kb_revision.lock() {
            *seen = revision;
        }
    }

    /// Saves an article: the search and the bot have it when this returns.
    pub async fn save_article(
        &self,
        principal: &Principal,
        draft: ArticleDraft,
        mode: Save,
    ) -> AppResult<(Article, ArticleChange)> {
        crate::administrator(principal, ARTICLE_REFUSAL)?;
        // At the stores' precision, so the saved article reads back equal.
        let article = Article::new(draft, to_micros(time::OffsetDateTime::now_utc()))?;
        if self.department(&article.department).is_none() {
            return Err(
                DomainError::UnknownDepartment(article.department.as_str().to_owned()).into(),
            );
        }
        let before = self.store.article(&article.id).await?;
        if mode == Save::Create && before.is_some() {
            return Err(AppError::new(
                ErrorKind::Conflict,
                ErrorCode::ArticleExists,
                format!(
                    "an article with the id `{}` exists; change it with PUT",
                    article.id
                ),
            ));
        }
        let change = self.help_center.upsert(article.clone()).await?;
        if change != ArticleChange::Unchanged {
            self.note_kb_revision(principal).await?;
        }
        let saved = match change {
            ArticleChange::Unchanged => before.clone().unwrap_or(article),
            _ => article,
        };
        if change != ArticleChange::Unchanged {
            self.audit_by(
                principal,
                "article.saved",
                Some(saved.id.as_str()),
                json!({"before": before, "after": saved}),
            )
            .await?;
        }
        Ok((saved, change))
    }

    /// Deletes an article; search stops finding it at once.
    pub async fn delete_article(&self, principal: &Principal, id: &ArticleId) -> AppResult<()> {
        crate::administrator(principal, ARTICLE_REFUSAL)?;
        let before = self
            .store
            .article(id)
            .await?
            .ok_or_else(AppError::not_found)?;
        self.help_center.delete(id).await?;
        self.note_kb_revision(principal).await?;
        self.audit_by(
            principal,
            "article.deleted",
            Some(id.as_str()),
            json!({"before": before, "after": null}),
        )
        .await
    }
}
