//! [`KnowledgeStore`] on SQLite.

use super::SqliteStore;
use super::rows::*;
use crate::error::StoreResult;
use async_trait::async_trait;
use hotline_domain::{Article, ArticleId, DepartmentId};
use hotline_store::kb::{
    ArticleChange, FeedbackTally, KnowledgeStore, NewFeedback, PostBotMessage, UnansweredQuestion,
    question_key,
};
use hotline_store::{Posted, StoreError};
use rusqlite::{Connection, OptionalExtension, Row, params};

macro_rules! article_columns {
    () => {
        "id, department, section, title, tags, body, updated_at"
    };
}

type ArticleRow = (String, String, String, String, String, String, i64);

fn read_article_row(r: &Row<'_>) -> rusqlite::Result<ArticleRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn into_article(row: ArticleRow) -> StoreResult<Article> {
    let (id, department, section, title, tags, body, updated_at) = row;
    Ok(Article {
        id: ArticleId::parse(id)
            .map_err(|_| StoreError::Backend("unreadable article id".into()))?,
        department: parse_department(department)?,
        section,
        title,
        tags: from_json(&tags)?,
        body,
        updated_at: from_micros(updated_at)?,
    })
}

fn load_article(conn: &Connection, id: &str) -> StoreResult<Option<Article>> {
    conn.prepare_cached(concat!(
        "SELECT ",
        article_columns!(),
        " FROM kb_articles WHERE id = ?1"
    ))?
    .query_row(params![id], read_article_row)
    .optional()?
    .map(into_article)
    .transpose()
}

#[async_trait]
impl KnowledgeStore for SqliteStore {
    async fn upsert_article(&self, article: Article) -> hotline_store::StoreResult<ArticleChange> {
        self.write(move |conn, _| {
            let change = match load_article(conn, article.id.as_str())? {
                Some(stored) if stored.same_content(&article) => {
                    return Ok(ArticleChange::Unchanged);
                }
                Some(_) => ArticleChange::Updated,
                None => ArticleChange::Created,
            };
            conn.prepare_cached(concat!(
                "INSERT INTO kb_articles (",
                article_columns!(),
                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET department = excluded.department,
                     section = excluded.section, title = excluded.title, tags = excluded.tags,
                     body = excluded.body, updated_at = excluded.updated_at"
            ))?
            .execute(params![
                article.id.as_str(),
                article.department.as_str(),
                article.section,
                article.title,
                to_json(&article.tags)?,
                article.body,
                micros(article.updated_at),
            ])?;
            Ok(change)
        })
        .await
    }

    async fn article(&self, id: &ArticleId) -> hotline_store::StoreResult<Option<Article>> {
        let id = id.clone();
        self.read(move |conn| load_article(conn, id.as_str())).await
    }

    async fn articles(&self) -> hotline_store::StoreResult<Vec<Article>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(concat!(
                "SELECT ",
                article_columns!(),
                " FROM kb_articles ORDER BY department, section, title, id"
            ))?;
            let rows = stmt.query_map([], read_article_row)?;
            rows.map(|row| into_article(row?)).collect()
        })
        .await
    }

    async fn delete_article(&self, id: &ArticleId) -> hotline_store::StoreResult<()> {
        let id = id.clone();
        self.write(move |conn, _| {
            let deleted = conn
                .prepare_cached("DELETE FROM kb_articles WHERE id = ?1")?
                .execute(params![id.as_str()])?;
            if deleted == 0 {
                return Err(StoreError::NotFound.into());
            }
            Ok(())
        })
        .await
    }

    async fn record_feedback(&self, feedback: NewFeedback) -> hotline_store::StoreResult<()> {
        self.write(move |conn, _| {
            conn.prepare_cached(
                "INSERT INTO kb_feedback (query, query_key, department, articles, outcome, conversation_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                feedback.query,
                question_key(&feedback.query),
                feedback.department.as_ref().map(DepartmentId::as_str),
                to_json(&feedback.articles)?,
                feedback.outcome.as_str(),
                feedback.conversation_id.as_ref().map(|c| c.as_str()),
                now_micros()
            ])?;
            Ok(())
        })
        .await
    }

    async fn article_feedback(&self, id: &ArticleId) -> hotline_store::StoreResult<FeedbackTally> {
        let id = id.clone();
        self.read(move |conn| {
            let (helped, not_helped): (i64, i64) = conn
                .prepare_cached(
                    "SELECT COALESCE(SUM(f.outcome = 'helped'), 0), COALESCE(SUM(f.outcome = 'not_helped'), 0)
                     FROM kb_feedback f, json_each(f.articles) a WHERE a.value = ?1",
                )?
                .query_row(params![id.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(FeedbackTally {
                helped: helped.max(0) as u64,
                not_helped: not_helped.max(0) as u64,
            })
        })
        .await
    }

    async fn unanswered_questions(
        &self,
        limit: usize,
    ) -> hotline_store::StoreResult<Vec<UnansweredQuestion>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT latest.query, latest.department, g.no_answer, g.not_helped, g.helped, g.at
                 FROM (SELECT query_key, MAX(id) AS last_id, MAX(created_at) AS at,
                              SUM(outcome = 'no_answer') AS no_answer,
                              SUM(outcome = 'not_helped') AS not_helped,
                              SUM(outcome = 'helped') AS helped
                       FROM kb_feedback GROUP BY query_key) g
                 JOIN kb_feedback latest ON latest.id = g.last_id
                 WHERE g.no_answer + g.not_helped > 0
                 ORDER BY g.no_answer + g.not_helped DESC, g.at DESC
                 LIMIT ?1",
            )?;
            let rows = stmt.query_map(params![limit as i64], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })?;
            rows.map(|row| {
                let (query, department, no_answer, not_helped, helped, at) = row?;
                Ok(UnansweredQuestion {
                    query,
                    department: department.map(parse_department).transpose()?,
                    no_answer: no_answer.max(0) as u64,
                    not_helped: not_helped.max(0) as u64,
                    helped: helped.max(0) as u64,
                    last_asked: from_micros(at)?,
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
