//! The help center's API: articles for administrators, search and
//! suggestions for everyone, and the customer's verdict on the bot's answer.
//!
//! Who may do what:
//! - search and suggest are public: the public help center and the widget
//!   (as the customer types, before any conversation) call them;
//! - administrators write articles; supervisors and administrators read the
//!   article list, votes and the unanswered questions (supervisors watch the
//!   quality of answers, but the help center's content is the admins' job);
//! - a customer rates the bot's answer in their own conversation.

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Json, Path, Query};
use crate::auth::Auth;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use hotline_app::App;
use hotline_app::help_center::editing::Save;
use hotline_domain::{
    Article, ArticleDraft, ArticleId, Conversation, ConversationId, DepartmentId, ErrorCode,
    Principal, Role,
};
use hotline_store::Store;
use hotline_store::kb::{ArticleChange, FeedbackTally, UnansweredQuestion};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Longest search query, in characters; a longer one is cut (a customer's
/// long story still fits).
const MAX_QUERY_CHARS: usize = 1000;
const MAX_SEARCH_LIMIT: usize = 50;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_articles, create_article))
        .routes(routes!(get_article, put_article, delete_article))
        .routes(routes!(search))
        .routes(routes!(suggest))
        .routes(routes!(unanswered))
        .routes(routes!(reindex))
        .routes(routes!(bot_feedback))
}

fn require_role(principal: &Principal, allowed: &[Role], what: &str) -> ApiResult<()> {
    match principal {
        Principal::Operator(op) if allowed.contains(&op.role) => Ok(()),
        _ => Err(ApiError::forbidden(format!(
            "{what} needs the role {}",
            allowed
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(" or ")
        ))),
    }
}

fn readers(principal: &Principal) -> ApiResult<()> {
    require_role(
        principal,
        &[Role::Supervisor, Role::Admin],
        "reading help-center administration data",
    )
}

fn writers(principal: &Principal) -> ApiResult<()> {
    require_role(principal, &[Role::Admin], "changing help-center articles")
}

fn article_id(raw: String) -> ApiResult<ArticleId> {
    // An id that cannot exist names no article.
    ArticleId::parse(raw).map_err(|_| ApiError::not_found())
}

fn optional_department(raw: Option<String>) -> ApiResult<Option<DepartmentId>> {
    match raw {
        None => Ok(None),
        Some(raw) if raw.is_empty() => Ok(None),
        Some(raw) => DepartmentId::parse(raw).map(Some).map_err(|_| {
            ApiError::new(
                ErrorCode::InvalidQuery,
                "department must be a department id such as `travel`",
            )
        }),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleList {
    pub articles: Vec<Article>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleView {
    #[serde(flatten)]
    pub article: Article,
    /// Customers' verdicts on bot answers that offered this article.
    pub feedback: FeedbackTally,
}

/// An article's fields for `PUT` (the id is in the path).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ArticleFields {
    pub department: String,
    pub section: String,
    pub title: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Markdown; raw HTML is shown as text, never run.
    pub body: String,
}

/// Every article (administrators and supervisors).
#[utoipa::path(get, path = "/api/v1/kb/articles", tag = "help center",
    responses((status = 200, body = ArticleList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_articles(
    State(store): State<Arc<dyn Store>>,
    Auth(principal): Auth,
) -> ApiResult<Json<ArticleList>> {
    readers(&principal)?;
    let articles = store.articles().await?;
    Ok(Json(ArticleList { articles }))
}

/// Creates an article (administrators); the search index has it when this
/// returns.
#[utoipa::path(post, path = "/api/v1/kb/articles", tag = "help center",
    request_body = ArticleDraft,
    responses((status = 201, body = Article), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "An article with this id exists; use PUT"),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_article(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Json(draft): Json<ArticleDraft>,
) -> ApiResult<(StatusCode, Json<Article>)> {
    let (article, _) = app.save_article(&principal, draft, Save::Create).await?;
    Ok((StatusCode::CREATED, Json(article)))
}

#[utoipa::path(get, path = "/api/v1/kb/articles/{id}", tag = "help center",
    params(("id" = String, Path, description = "Article id")),
    responses((status = 200, body = ArticleView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_article(
    State(store): State<Arc<dyn Store>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ArticleView>> {
    readers(&principal)?;
    let id = article_id(id)?;
    let article = store.article(&id).await?.ok_or_else(ApiError::not_found)?;
    let feedback = store.article_feedback(&id).await?;
    Ok(Json(ArticleView { article, feedback }))
}

/// Creates or replaces the article with this id (administrators).
#[utoipa::path(put, path = "/api/v1/kb/articles/{id}", tag = "help center",
    params(("id" = String, Path, description = "Article id")),
    request_body = ArticleFields,
    responses((status = 200, body = Article, description = "Replaced (or unchanged)"), (status = 201, body = Article, description = "Created"),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_article(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
    Json(fields): Json<ArticleFields>,
) -> ApiResult<(StatusCode, Json<Article>)> {
    let draft = ArticleDraft {
        id,
        department: fields.department,
        section: fields.section,
        title: fields.title,
        tags: fields.tags,
        body: fields.body,
    };
    let (article, change) = app.save_article(&principal, draft, Save::Put).await?;
    let status = if change == ArticleChange::Created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(article)))
}

/// Deletes the article (administrators); search stops finding it at once.
#[utoipa::path(delete, path = "/api/v1/kb/articles/{id}", tag = "help center",
    params(("id" = String, Path, description = "Article id")),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_article(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = article_id(id)?;
    app.delete_article(&principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// What the customer typed.
    pub q: Option<String>,
    /// The chat's department: its articles rank higher; others still show.
    pub department: Option<String>,
    /// 1–50, default 10 (search only).
    pub limit: Option<usize>,
}

/// One article found.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    pub id: String,
    pub title: String,
    pub department: String,
    pub section: String,
    /// Plain text around the match (not HTML).
    pub snippet: String,
    pub score: f32,
    /// The article's page.
    pub url: String,
}

impl From<hotline_search::Hit> for SearchHit {
    fn from(hit: hotline_search::Hit) -> Self {
        SearchHit {
            url: format!("/help/articles/{}", hit.id),
            id: hit.id,
            title: hit.title,
            department: hit.department,
            section: hit.section,
            snippet: hit.snippet,
            score: hit.score,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestions {
    /// At most 3; empty when no article answers the question well.
    pub suggestions: Vec<SearchHit>,
}

fn query_text(raw: Option<String>) -> String {
    let raw = raw.unwrap_or_default();
    raw.chars().take(MAX_QUERY_CHARS).collect()
}

/// Ranked articles for the help center's search (public).
#[utoipa::path(get, path = "/api/v1/kb/search", tag = "help center", params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 400, body = ErrorBody)))]
pub async fn search(
    State(app): State<Arc<App>>,
    Query(query): Query<SearchQuery>,
) -> ApiResult<Json<SearchResults>> {
    let limit = query.limit.unwrap_or(10);
    if !(1..=MAX_SEARCH_LIMIT).contains(&limit) {
        return Err(ApiError::new(
            ErrorCode::InvalidQuery,
            format!("limit must be between 1 and {MAX_SEARCH_LIMIT}"),
        ));
    }
    let department = optional_department(query.department)?;
    let q = query_text(query.q);
    if q.trim().is_empty() {
        return Ok(Json(SearchResults { hits: Vec::new() }));
    }
    let hits = app.help_center().search(&q, department.as_ref(), limit)?;
    Ok(Json(SearchResults {
        hits: hits.into_iter().map(SearchHit::from).collect(),
    }))
}

/// What the bot would offer for `q` (public; the widget calls it as the
/// customer types).
#[utoipa::path(get, path = "/api/v1/kb/suggest", tag = "help center", params(SearchQuery),
    responses((status = 200, body = Suggestions), (status = 400, body = ErrorBody)))]
pub async fn suggest(
    State(app): State<Arc<App>>,
    Query(query): Query<SearchQuery>,
) -> ApiResult<Json<Suggestions>> {
    let department = optional_department(query.department)?;
    let q = query_text(query.q);
    if q.trim().is_empty() {
        return Ok(Json(Suggestions {
            suggestions: Vec::new(),
        }));
    }
    let hits = app.help_center().suggest(&q, department.as_ref())?;
    Ok(Json(Suggestions {
        suggestions: hits.into_iter().map(SearchHit::from).collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnansweredQuery {
    /// 1–500, default 100.
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnansweredList {
    pub questions: Vec<UnansweredQuestion>,
}

/// Questions the help center does not answer yet: the bot had nothing, or
/// customers said its answer did not help (supervisors and administrators).
#[utoipa::path(get, path = "/api/v1/kb/unanswered", tag = "help center", params(UnansweredQuery),
    responses((status = 200, body = UnansweredList), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn unanswered(
    State(store): State<Arc<dyn Store>>,
    Auth(principal): Auth,
    Query(query): Query<UnansweredQuery>,
) -> ApiResult<Json<UnansweredList>> {
    readers(&principal)?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::new(
            ErrorCode::InvalidQuery,
            "limit must be between 1 and 500",
        ));
    }
    let questions = store.unanswered_questions(limit).await?;
    Ok(Json(UnansweredList { questions }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Reindexed {
    /// Articles in the index now.
    pub articles: usize,
}

/// Rebuilds the search index from the store (administrators): after
/// `hotline kb import` ran beside a running server.
#[utoipa::path(post, path = "/api/v1/kb/reindex", tag = "help center",
    responses((status = 200, body = Reindexed), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reindex(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
) -> ApiResult<Json<Reindexed>> {
    writers(&principal)?;
    app.help_center()
        .rebuild()
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(Reindexed {
        articles: app.help_center().len(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BotFeedbackRequest {
    /// `true`: «Помогло» (the conversation is resolved); `false`: «Не
    /// помогло» (it goes to the operators' queue).
    pub helped: bool,
}

/// The customer's verdict on the bot's answer. «Помогло» resolves the
/// conversation, «Не помогло» hands it to the queue; both are recorded for
/// the articles offered. Only while the bot handles the conversation.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/bot-feedback", tag = "help center",
    params(("id" = String, Path, description = "Conversation id")),
    request_body = BotFeedbackRequest,
    responses((status = 200, body = Conversation), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The bot no longer handles this conversation")),
    security(("bearer" = [])))]
pub async fn bot_feedback(
    State(app): State<Arc<App>>,
    Auth(principal): Auth,
    Path(id): Path<String>,
    Json(body): Json<BotFeedbackRequest>,
) -> ApiResult<Json<Conversation>> {
    let changed = app
        .rate_bot_answer(&principal, &ConversationId::from_raw(id), body.helped)
        .await?;
    Ok(Json(changed.seen_by(&principal)))
}
