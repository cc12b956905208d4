use crate::PostgresStore;
use crate::rows::{read_conversation, read_message};
use async_trait::async_trait;
use hotline_domain::search::SearchTerms;
use hotline_store::{ConversationSearch, SearchHit, SearchStore};

/// `to_tsquery`'s "every term, each as a prefix": the terms hold only
/// letters and digits, so no tsquery syntax gets in.
fn ts_query(terms: &SearchTerms) -> String {
    terms
        .terms()
        .iter()
        .map(|t| format!("{t}:*"))
        .collect::<Vec<_>>()
        .join(" & ")
}

#[async_trait]
impl SearchStore for PostgresStore {
    async fn search_conversations(
        &self,
        search: ConversationSearch,
    ) -> hotline_store::StoreResult<Vec<SearchHit>> {
        self.read(move |db| {
            let departments: Vec<&str> = search.departments.iter().map(|d| d.as_str()).collect();
            // The expressions match the indexes of migration 0010 exactly.
            let rows = db.query(
                concat!(
                    "WITH found (conversation_id, matched_seq) AS (
                         SELECT conversation_id, seq FROM messages
                         WHERE to_tsvector('simple', regexp_replace(text, '[[:punct:]]+', ' ', 'g'))
                               @@ to_tsquery('simple', $1)
                         UNION ALL
                         SELECT id, NULL FROM conversations
                         WHERE to_tsvector('simple', regexp_replace(
                                   customer_name || ' ' || customer_id || ' '
                                       || coalesce(subject ->> 'order_id', ''),
                                   '[[:punct:]]+', ' ', 'g'))
                               @@ to_tsquery('simple', $1)
                     )
                     SELECT ",
                    conversation_columns!(),
                    ", MAX(matched_seq) FROM found JOIN conversations ON id = conversation_id
                     WHERE department = ANY($2::text[])
                     GROUP BY id ORDER BY updated_at DESC LIMIT $3"
                ),
                &[
                    &ts_query(&search.terms),
                    &departments,
                    &(search.limit as i64),
                ],
            )?;
            rows.iter()
                .map(|row| {
                    let conversation = read_conversation(row)?;
                    let message = match row.try_get::<_, Option<i64>>(13)? {
                        Some(seq) => db
                            .query_opt(
                                concat!(
                                    "SELECT ",
                                    message_columns!(),
                                    " FROM messages WHERE conversation_id = $1 AND seq = $2"
                                ),
                                &[&conversation.id.as_str(), &seq],
                            )?
                            .map(|r| read_message(&r))
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
