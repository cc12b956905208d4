//! Administrators' changes to the help center's articles (from the console
//! or the API): checked, stored, indexed at once, and audited with the
//! article before and after.

use crate::App;
use crate::error::{AppError, AppResult, ErrorKind};
use hotline_domain::{
    Article, ArticleDraft, ArticleId, DomainError, ErrorCode, Principal, Role, Timestamp,
};
use hotline_store::kb::ArticleChange;
use serde_json::json;

/// Whether saving may replace an article with the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Save {
    /// A new article: an existing id is `article_exists`.
    Create,
    /// Create or replace.
    Put,
}

/// A time at the precision stores keep, so the saved article reads back equal.
fn now() -> Timestamp {
    let t = time::OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000)
        .unwrap_or(t)
}

fn article_writer(principal: &Principal) -> AppResult<()> {
    match principal {
        Principal::Operator(o) if o.role == Role::Admin => Ok(()),
        _ => Err(AppError::forbidden(
            ErrorCode::Forbidden,
            "changing help-center articles needs the role admin",
        )),
    }
}

impl App {
    /// Saves an article: the search and the bot have it when this returns.
    pub async fn save_article(
        &self,
        principal: &Principal,
        draft: ArticleDraft,
        mode: Save,
    ) -> AppResult<(Article, ArticleChange)> {
        article_writer(principal)?;
        let article = Article::new(draft, now())?;
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
        article_writer(principal)?;
        let before = self
            .store
            .article(id)
            .await?
            .ok_or_else(AppError::not_found)?;
        self.help_center.delete(id).await?;
        self.audit_by(
            principal,
            "article.deleted",
            Some(id.as_str()),
            json!({"before": before, "after": null}),
        )
        .await
    }
}
