//! The public help center: server-rendered pages in Russian, readable on a
//! phone and by search engines (titles, descriptions, canonical links,
//! `/sitemap.xml`). The search box works without JavaScript (a GET form);
//! `help.js` adds results as you type. Pages carry a strict Content Security
//! Policy: no inline scripts or styles, nothing from other origins.

pub mod demo_articles;
pub mod render;

use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hotline_app::App;
use hotline_app::help_center::CatalogEntry;
use hotline_app::help_center::settings::HelpCenterSettings;
use hotline_domain::{Article, ArticleId, DepartmentId, Timestamp};
use hotline_search::Hit;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use render::SanitizedHtml;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https:; \
     connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
const SCRIPT: &str = include_str!("assets/help.js");
const STYLE: &str = include_str!("assets/help.css");
/// Results the no-JavaScript search shows.
const PAGE_RESULTS: usize = 20;

/// What path segments may carry unescaped.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/help", get(home))
        .route("/help/", get(home))
        .route("/help/articles/{id}", get(article_page))
        .route("/help/assets/help.js", get(script))
        .route("/help/assets/help.css", get(style))
        .route("/help/{department}/{section}", get(section_page))
        .route("/sitemap.xml", get(sitemap))
}

pub fn section_path(department: &DepartmentId, section: &str) -> String {
    format!(
        "/help/{}/{}",
        department.as_str(),
        utf8_percent_encode(section, SEGMENT)
    )
}

fn html_response(status: StatusCode, page: &impl Template) -> Response {
    let html = match crate::web::render_page(page) {
        Ok(html) => html,
        Err(failed) => return failed.into_response(),
    };
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=60"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("same-origin"),
            ),
        ],
        html,
    )
        .into_response()
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}

/// A link in the breadcrumbs under the header.
struct Crumb {
    href: String,
    label: String,
}

/// `/help`: the search results, if asked, and the departments' sections.
#[derive(Template)]
#[template(path = "help/home.html")]
struct HomePage {
    search: Option<Search>,
    departments: Vec<DepartmentLinks>,
}

struct Search {
    /// As typed, trimmed (at most 300 characters).
    query: String,
    outcome: SearchOutcome,
}

enum SearchOutcome {
    Found(Vec<Hit>),
    Nothing,
    Failed,
}

struct DepartmentLinks {
    id: DepartmentId,
    name: String,
    sections: Vec<SectionLink>,
}

struct SectionLink {
    href: String,
    name: String,
    articles: usize,
}

#[derive(Template)]
#[template(path = "help/section.html")]
struct SectionPage {
    section: String,
    department: String,
    /// The first few articles' titles, for the description.
    summary: String,
    crumbs: Vec<Crumb>,
    articles: Vec<ArticleLink>,
}

struct ArticleLink {
    href: String,
    title: String,
}

#[derive(Template)]
#[template(path = "help/article.html")]
struct ArticlePage {
    title: String,
    /// Plain text.
    summary: String,
    crumbs: Vec<Crumb>,
    body: SanitizedHtml,
    updated: String,
}

#[derive(Template)]
#[template(path = "help/not_found.html")]
struct NotFoundPage;

#[derive(Template)]
#[template(path = "help/error.html")]
struct ErrorPage;

#[derive(Template)]
#[template(path = "help/sitemap.xml")]
struct Sitemap {
    base: String,
    urls: Vec<SitemapUrl>,
}

struct SitemapUrl {
    path: String,
    /// `YYYY-MM-DD`.
    lastmod: Option<String>,
}

fn department_name(app: &App, id: &DepartmentId) -> String {
    app.department(id)
        .map_or_else(|| id.as_str().to_owned(), |d| d.name.clone())
}

/// Departments → sections → articles, in the configured department order.
fn tree(app: &App) -> Vec<(DepartmentId, BTreeMap<String, Vec<CatalogEntry>>)> {
    let mut by_department: BTreeMap<DepartmentId, BTreeMap<String, Vec<CatalogEntry>>> =
        BTreeMap::new();
    for entry in app.help_center().catalog() {
        by_department
            .entry(entry.department.clone())
            .or_default()
            .entry(entry.section.clone())
            .or_default()
            .push(entry);
    }
    let mut ordered = Vec::new();
    for department in app.departments().iter() {
        if let Some(sections) = by_department.remove(&department.id) {
            ordered.push((department.id.clone(), sections));
        }
    }
    ordered.extend(by_department);
    ordered
}

#[derive(Deserialize)]
struct HomeQuery {
    q: Option<String>,
}

async fn home(State(app): State<Arc<App>>, Query(query): Query<HomeQuery>) -> Response {
    let q: String = query.q.unwrap_or_default().chars().take(300).collect();
    let q = q.trim();
    let search = (!q.is_empty()).then(|| Search {
        query: q.to_owned(),
        outcome: match app.help_center().search(q, None, PAGE_RESULTS) {
            Ok(hits) if !hits.is_empty() => SearchOutcome::Found(hits),
            Ok(_) => SearchOutcome::Nothing,
            Err(e) => {
                tracing::error!(error = %e, "help-center search failed");
                SearchOutcome::Failed
            }
        },
    });
    let departments = tree(&app)
        .into_iter()
        .map(|(department, sections)| DepartmentLinks {
            name: department_name(&app, &department),
            sections: sections
                .into_iter()
                .map(|(section, entries)| SectionLink {
                    href: section_path(&department, &section),
                    name: section,
                    articles: entries.len(),
                })
                .collect(),
            id: department,
        })
        .collect();
    html_response(
        StatusCode::OK,
        &HomePage {
            search,
            departments,
        },
    )
}

fn not_found_page() -> Response {
    html_response(StatusCode::NOT_FOUND, &NotFoundPage)
}

async fn section_page(
    State(app): State<Arc<App>>,
    Path((department, section)): Path<(String, String)>,
) -> Response {
    let Ok(department) = DepartmentId::parse(department) else {
        return not_found_page();
    };
    let entries: Vec<CatalogEntry> = app
        .help_center()
        .catalog()
        .into_iter()
        .filter(|e| e.department == department && e.section == section)
        .collect();
    if entries.is_empty() {
        return not_found_page();
    }
    let department_label = department_name(&app, &department);
    let titles: Vec<&str> = entries.iter().take(5).map(|e| e.title.as_str()).collect();
    let page = SectionPage {
        summary: titles.join("; "),
        crumbs: vec![Crumb {
            href: format!("/help#{}", department.as_str()),
            label: department_label.clone(),
        }],
        articles: entries
            .iter()
            .map(|entry| ArticleLink {
                href: Article::path_of(&entry.id),
                title: entry.title.clone(),
            })
            .collect(),
        section,
        department: department_label,
    };
    html_response(StatusCode::OK, &page)
}

/// The opening text of the article (Markdown and raw HTML dropped), for
/// the page description.
fn summary(body: &str) -> String {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut text = String::new();
    let mut in_heading = false;
    for event in Parser::new(body) {
        match event {
            Event::Start(Tag::Heading { .. }) => in_heading = true,
            Event::End(TagEnd::Heading(_)) => in_heading = false,
            Event::Text(t) | Event::Code(t) if !in_heading => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph) => text.push(' '),
            _ => {}
        }
        if text.chars().count() >= 160 {
            break;
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    text.chars().take(160).collect()
}

async fn article_page(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let Ok(id) = ArticleId::parse(id) else {
        return not_found_page();
    };
    let article = match app.store().article(&id).await {
        Ok(Some(article)) => article,
        Ok(None) => return not_found_page(),
        Err(e) => {
            tracing::error!(error = %e, "cannot read an article");
            return html_response(StatusCode::INTERNAL_SERVER_ERROR, &ErrorPage);
        }
    };
    let department_label = department_name(&app, &article.department);
    let updated = article
        .updated_at
        .format(&time::macros::format_description!("[day].[month].[year]"))
        .unwrap_or_default();
    let page = ArticlePage {
        summary: summary(&article.body),
        body: render::markdown(&article.body),
        crumbs: vec![
            Crumb {
                href: format!("/help#{}", article.department.as_str()),
                label: department_label,
            },
            Crumb {
                href: section_path(&article.department, &article.section),
                label: article.section,
            },
        ],
        title: article.title,
        updated,
    };
    html_response(StatusCode::OK, &page)
}

/// The site's address for the sitemap: `help_center.public_url`, or the
/// request's own host.
fn base_url(settings: &HelpCenterSettings, headers: &HeaderMap) -> String {
    if let Some(url) = &settings.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

async fn sitemap(
    State(app): State<Arc<App>>,
    State(settings): State<Arc<HelpCenterSettings>>,
    headers: HeaderMap,
) -> Response {
    fn day(t: &Timestamp) -> Option<String> {
        t.format(&time::macros::format_description!("[year]-[month]-[day]"))
            .ok()
    }
    let mut urls = vec![SitemapUrl {
        path: "/help".into(),
        lastmod: None,
    }];
    for (department, sections) in tree(&app) {
        for (section, entries) in sections {
            urls.push(SitemapUrl {
                path: section_path(&department, &section),
                lastmod: entries.iter().map(|e| &e.updated_at).max().and_then(day),
            });
            urls.extend(entries.iter().map(|entry| SitemapUrl {
                path: Article::path_of(&entry.id),
                lastmod: day(&entry.updated_at),
            }));
        }
    }
    let xml = match crate::web::render_page(&Sitemap {
        base: base_url(&settings, &headers),
        urls,
    }) {
        Ok(xml) => xml,
        Err(failed) => return failed.into_response(),
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/xml; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        xml,
    )
        .into_response()
}
