//! [`KnowledgeStore`] on PostgreSQL.

use crate::PostgresStore;
use crate::db::{Db, StoreResult};
use crate::rows::*;
use async_trait::async_trait;
use hotline_domain::{Article, ArticleId, DepartmentId};
use hotline_store::kb::{
    ArticleChange, FeedbackTally, KnowledgeStore, NewFeedback, PostBotMessage, UnansweredQuestion,
    question_key,
};
use hotline_store::{Posted, StoreError};
use tokio_postgres::Row;

macro_rules! article_columns {
    () => {
        "id, department, section, title, tags, body, updated_at"
    };
}

fn read_article(r: &Row) -> StoreResult<Article> {
    Ok(Article {
        id: ArticleId::parse(r.try_get(0)?).map_err(|_| corrupt("article id"))?,
        department: parse_department(r.try_get(1)?)?,
        section: r.try_get(2)?,
        title: r.try_get(3)?,
        tags: json(r, 4)?,
        body: r.try_get(5)?,
        updated_at: from_micros(r.try_get(6)?)?,
    })
}

fn load_article(db: &Db<'_>, id: &str) -> StoreResult<Option<Article>> {
    db.query_opt(
        concat!(
            "SELECT ",
            article_columns!(),
            " FROM kb_articles WHERE id = $1"
        ),
        &[&id],
    )?
    .as_ref()
    .map(read_article)
    .transpose()
}

fn count(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

#[async_trait]
impl KnowledgeStore for PostgresStore {
    async fn upsert_article(&self, article: Article) -> hotline_store::StoreResult<ArticleChange> {
        self.write(move |db, _| {
            // Two imports of one article take turns on its row.
            let change = match db
                .query_opt(
                    concat!(
                        "SELECT ",
                        article_columns!(),
                        " FROM kb_articles WHERE id = $1 FOR UPDATE"
                    ),
                    &[&article.id.as_str()],
                )?
                .as_ref()
                .map(read_article)
                .transpose()?
            {
                Some(stored) if stored.same_content(&article) => {
                    return Ok(ArticleChange::Unchanged);
                }
                Some(_) => ArticleChange::Updated,
                None => ArticleChange::Created,
            };
            db.execute(
                concat!(
                    "INSERT INTO kb_articles (",
                    article_columns!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (id) DO UPDATE SET department = excluded.department,
                         section = excluded.section, title = excluded.title, tags = excluded.tags,
                         body = excluded.body, updated_at = excluded.updated_at"
                ),
                &[
                    &article.id.as_str(),
                    &article.department.as_str(),
                    &article.section,
                    &article.title,
                    &to_json(&article.tags)?,
                    &article.body,
                    &micros(article.updated_at),
                ],
            )?;
            Ok(change)
        })
        .await
    }

    async fn article(&self, id: &ArticleId) -> hotline_store::StoreResult<Option<Article>> {
        let id = id.clone();
        self.read(move |db| load_article(db, id.as_str())).await
    }

    async fn articles(&self) -> hotline_store::StoreResult<Vec<Article>> {
        self.read(|db| {
            db.query(
                concat!(
                    "SELECT ",
                    article_columns!(),
                    " FROM kb_articles ORDER BY department, section, title, id"
                ),
                &[],
            )?
            .iter()
            .map(read_article)
            .collect()
        })
        .await
    }

    async fn delete_article(&self, id: &ArticleId) -> hotline_store::StoreResult<()> {
        let id = id.clone();
        self.write(move |db, _| {
            if db.execute("DELETE FROM kb_articles WHERE id = $1", &[&id.as_str()])? == 0 {
                return Err(StoreError::NotFound.into());
            }
            Ok(())
        })
        .await
    }

    async fn record_feedback(&self, feedback: NewFeedback) -> hotline_store::StoreResult<()> {
        self.write(move |db, _| {
            db.execute(
                "INSERT INTO kb_feedback (query, query_key, department, articles, outcome, conversation_id, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &feedback.query,
                    &question_key(&feedback.query),
                    &feedback.department.as_ref().map(DepartmentId::as_str),
                    &to_json(&feedback.articles)?,
                    &feedback.outcome.as_str(),
                    &feedback.conversation_id.as_ref().map(|c| c.as_str()),
                    &now_micros(),
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn article_feedback(&self, id: &ArticleId) -> hotline_store::StoreResult<FeedbackTally> {
        let id = id.clone();
        self.read(move |db| {
            let row = db.query_one(
                "SELECT COUNT(*) FILTER (WHERE outcome = 'helped'),
                        COUNT(*) FILTER (WHERE outcome = 'not_helped')
                 FROM kb_feedback WHERE articles @> jsonb_build_array($1::text)",
                &[&id.as_str()],
            )?;
            Ok(FeedbackTally {
                helped: count(row.try_get(0)?),
                not_helped: count(row.try_get(1)?),
            })
        })
        .await
    }

    async fn unanswered_questions(
        &self,
        limit: usize,
    ) -> hotline_store::StoreResult<Vec<UnansweredQuestion>> {
        self.read(move |db| {
            db.query(
                "SELECT latest.query, latest.department, g.no_answer, g.not_helped, g.helped, g.at
                 FROM (SELECT query_key, MAX(id) AS last_id, MAX(created_at) AS at,
                              COUNT(*) FILTER (WHERE outcome = 'no_answer') AS no_answer,
                              COUNT(*) FILTER (WHERE outcome = 'not_helped') AS not_helped,
                              COUNT(*) FILTER (WHERE outcome = 'helped') AS helped
                       FROM kb_feedback GROUP BY query_key) g
                 JOIN kb_feedback latest ON latest.id = g.last_id
                 WHERE g.no_answer + g.not_helped > 0
                 ORDER BY g.no_answer + g.not_helped DESC, g.at DESC
                 LIMIT $1",
                &[&(limit as i64)],
            )?
            .iter()
            .map(|r| {
                Ok(UnansweredQuestion {
                    query: r.try_get(0)?,
                    department: r
                        .try_get::<_, Option<String>>(1)?
                        .map(parse_department)
                        .transpose()?,
                    no_answer: count(r.try_get(2)?),
                    not_helped: count(r.try_get(3)?),
                    helped: count(r.try_get(4)?),
                    last_asked: from_micros(r.try_get(5)?)?,
                })
            })
            .collect()
        })
        .await
    }

    async fn post_bot_message(
        &self,
        command: PostBotMessage,
    ) -> hotline_store::StoreResult<Posted> {
        self.write_conversation(move |records| {
            hotline_store::write::post_bot_message(records, &command)
        })
        .await
    }
}
