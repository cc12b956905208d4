//! The help center's part of the store: articles, and what customers said
//! about the bot's answers.

use crate::{Posted, StoreResult};
use async_trait::async_trait;
use hotline_domain::{
    Article, ArticleId, ArticleSuggestion, ConversationId, DepartmentId, MessageText, Timestamp,
};
use serde::Serialize;

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ArticleChange {
    Created,
    Updated,
    /// The stored article already said the same; nothing was written (its
    /// `updated_at` stays), so a repeated import changes nothing.
    Unchanged,
}

/// What a customer said about an answer of the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FeedbackOutcome {
    Helped,
    NotHelped,
    /// The bot found nothing to offer.
    NoAnswer,
}

impl FeedbackOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackOutcome::Helped => "helped",
            FeedbackOutcome::NotHelped => "not_helped",
            FeedbackOutcome::NoAnswer => "no_answer",
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewFeedback {
    /// The customer's question, as the bot received it.
    pub query: String,
    pub department: Option<DepartmentId>,
    /// The articles the feedback is about (empty for `NoAnswer`).
    pub articles: Vec<ArticleId>,
    pub outcome: FeedbackOutcome,
    pub conversation_id: Option<ConversationId>,
}

/// Votes on one article.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedbackTally {
    pub helped: u64,
    pub not_helped: u64,
}

/// A question the help center does not answer yet: the bot had nothing, or
/// the customer said its answer did not help. Grouped by the question's
/// normalised text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnansweredQuestion {
    /// The most recent wording.
    pub query: String,
    pub department: Option<DepartmentId>,
    /// Times the bot had nothing to offer.
    pub no_answer: u64,
    /// Times its answer did not help.
    pub not_helped: u64,
    /// Times an answer did help (a question that sometimes gets answered).
    pub helped: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub last_asked: Timestamp,
}

/// A bot message to append to a conversation that the bot is handling.
#[derive(Debug, Clone)]
pub struct PostBotMessage {
    pub conversation_id: ConversationId,
    pub text: MessageText,
    pub suggestions: Vec<ArticleSuggestion>,
    /// The answer settles the matter: the conversation is resolved in the
    /// same write (see `Conversation::on_bot_message`).
    pub resolves: bool,
}

/// The name bot messages carry as their author.
pub const BOT_NAME: &str = "Бот-помощник";

/// The key questions are grouped by: lowercase, ё as е, single spaces.
pub fn question_key(query: &str) -> String {
    query
        .split_whitespace()
        .map(|w| w.to_lowercase().replace('ё', "е"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[async_trait]
pub trait KnowledgeStore: Send + Sync {
    /// Inserts or replaces the article with this id. An article that says
    /// the same as the stored one (all but `updated_at`) is left alone.
    async fn upsert_article(&self, article: Article) -> StoreResult<ArticleChange>;
    async fn article(&self, id: &ArticleId) -> StoreResult<Option<Article>>;
    /// Every article, by department, section, title.
    async fn articles(&self) -> StoreResult<Vec<Article>>;
    /// `NotFound` when there is no such article. Feedback about it stays.
    async fn delete_article(&self, id: &ArticleId) -> StoreResult<()>;

    async fn record_feedback(&self, feedback: NewFeedback) -> StoreResult<()>;
    async fn article_feedback(&self, id: &ArticleId) -> StoreResult<FeedbackTally>;
    /// Questions with at least one `no_answer` or `not_helped`, most often
    /// unanswered first, then most recent.
    async fn unanswered_questions(&self, limit: usize) -> StoreResult<Vec<UnansweredQuestion>>;

    /// Appends a message by the bot (author kind `bot`) with the next
    /// `seq`. `NotFound` for an unknown conversation; `Domain(InvalidTransition)`
    /// when the bot no longer handles it (an operator was called).
    async fn post_bot_message(&self, message: PostBotMessage) -> StoreResult<Posted>;
}
