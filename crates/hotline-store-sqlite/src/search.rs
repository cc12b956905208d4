use super::SqliteStore;
use super::rows::{ConversationRow, MessageRow, to_json};
use async_trait::async_trait;
use hotline_domain::search::SearchTerms;
use hotline_store::{ConversationSearch, SearchHit, SearchStore};
use rusqlite::{OptionalExtension, params};

/// FTS5's query for "every term, each as a prefix": the terms hold only
/// letters and digits, so quoting them is enough to keep FTS5 syntax out.
fn fts_query(terms: &SearchTerms) -> String {
    terms
        .terms()
        .iter()
        .map(|t| format!("\"{t}\"*"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[async_trait]
impl SearchStore for SqliteStore {
    async fn search_conversations(
        &self,
        search: ConversationSearch,
    ) -> hotline_store::StoreResult<Vec<SearchHit>> {
        self.read(move |conn| {
            let departments: Vec<&str> = search.departments.iter().map(|d| d.as_str()).collect();
            let found = conn
                .prepare_cached(concat!(
                    "WITH found (conversation_id, matched_seq) AS (
                         SELECT m.conversation_id, m.seq FROM message_search
                         JOIN messages m ON m.rowid = message_search.rowid
                         WHERE message_search MATCH ?1
                         UNION ALL
                         SELECT c.id, NULL FROM conversation_search
                         JOIN conversations c ON c.rowid = conversation_search.rowid
                         WHERE conversation_search MATCH ?1
                     )
                     SELECT ",
                    conversation_columns!(),
                    ", MAX(matched_seq) FROM found JOIN conversations ON id = conversation_id
                     WHERE department IN (SELECT value FROM json_each(?2))
                     GROUP BY id ORDER BY updated_at DESC LIMIT ?3"
                ))?
                .query_map(
                    params![
                        fts_query(&search.terms),
                        to_json(&departments)?,
                        search.limit as i64
                    ],
                    |r| Ok((ConversationRow::read(r)?, r.get::<_, Option<i64>>(13)?)),
                )?
                .collect::<Result<Vec<_>, _>>()?;
            let mut message = conn.prepare_cached(concat!(
                "SELECT ",
                message_columns!(),
                " FROM messages WHERE conversation_id = ?1 AND seq = ?2"
            ))?;
            found
                .into_iter()
                .map(|(row, seq)| {
                    let conversation = row.into_conversation()?;
                    let message = match seq {
                        Some(seq) => message
                            .query_row(params![conversation.id.as_str(), seq], MessageRow::read)
                            .optional()?
                            .map(MessageRow::into_message)
                            .transpose()?,
                        None => None,
                    };
                    Ok(SearchHit {
                        conversation,
                        message,
                    })
                })
                .collect()
        })
        .await
    }
}
