//! Help-center search for Hotline: finds the article that answers a
//! customer's question written the way people write in a chat — lowercase,
//! with typos, on the wrong keyboard layout, with ё as е, in slang, buried in
//! a long story, or in English — and abstains when nothing answers it.
//!
//! The crate knows nothing of the store or the server: the caller feeds it
//! [`ArticleDoc`]s (at start-up with [`SearchIndex::rebuild`], then on every
//! change with [`SearchIndex::upsert`] / [`SearchIndex::remove`]).
//!
//! Analysis (see [`analyze`]): lowercase, ё→е, stop words dropped, Russian
//! words lemmatised with ruMorph's dictionary (CC BY-SA 4.0) and the lemma
//! stemmed (Snowball Russian; Snowball English for Latin words), «не» + word
//! as a term of its own. Queries are further repaired against the index's
//! vocabulary: wrong layout (ЙЦУКЕН↔QWERTY), typos (edit distance by word
//! length; a real Russian word is not a typo), synonyms ([`Synonyms`]); a
//! long message's asking sentences weigh more than its story. Ranking is
//! BM25 with title, alternative-question and tag boosts, weighed by how much
//! of the question an article covers, and a department boost.

mod analysis;
mod contact_request;
mod focus;
mod fuzzy;
mod index;
mod layout;
mod snippet;
mod synonyms;

pub use analysis::analyze;
pub use contact_request::{ContactRequest, recognize as recognize_contact_request};
pub use index::{Confidence, SUGGEST_MIN_CONFIDENCE, SearchIndex};
pub use synonyms::Synonyms;

/// An article as the search sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleDoc {
    pub id: String,
    pub department: String,
    pub section: String,
    pub title: String,
    pub tags: Vec<String>,
    /// Markdown.
    pub body: String,
}

/// One search result. `snippet` is plain text (no markup), safe to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: String,
    pub title: String,
    pub department: String,
    pub section: String,
    pub snippet: String,
    pub score: f32,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("synonyms, line {line}: {message}")]
    Synonyms { line: usize, message: String },
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
}
