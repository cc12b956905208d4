//! The public help center: server-rendered pages in Russian, readable on a
//! phone and by search engines (titles, descriptions, canonical links,
//! `/sitemap.xml`). The search box works without JavaScript (a GET form);
//! `help.js` adds results as you type. Pages carry a strict Content Security
//! Policy: no inline scripts or styles, nothing from other origins.

pub mod demo_articles;
pub mod render;

use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hotline_app::App;
use hotline_app::help_center::CatalogEntry;
use hotline_app::help_center::settings::HelpCenterSettings;
use hotline_domain::{Article, ArticleId, DepartmentId};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use render::escape;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write;
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

fn html_response(status: StatusCode, html: String) -> Response {
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

/// The page frame. `title` and `description` are plain text.
fn layout(title: &str, description: &str, breadcrumbs: &[(String, String)], main: &str) -> String {
    let mut crumbs = String::new();
    if !breadcrumbs.is_empty() {
        crumbs.push_str(r#"<nav class="crumbs" aria-label="Навигация"><a href="/help">Помощь</a>"#);
        for (href, label) in breadcrumbs {
            let _ = write!(
                crumbs,
                r#" › <a href="{}">{}</a>"#,
                escape(href),
                escape(label)
            );
        }
        crumbs.push_str("</nav>");
    }
    format!(
        r#"<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<meta name="description" content="{description}">
<link rel="stylesheet" href="/help/assets/help.css">
<script type="module" src="/help/assets/help.js"></script>
</head>
<body>
<header class="top"><a class="brand" href="/help">Помощь</a>
<form class="search" action="/help" method="get" role="search">
<input type="search" name="q" id="help-search" placeholder="Поиск по статьям: например, «вернуть деньги»" aria-label="Поиск по статьям" autocomplete="off" maxlength="300">
<button type="submit">Найти</button>
</form>
<ol id="help-results" class="results" aria-live="polite" hidden></ol>
</header>
<main>
{crumbs}
{main}
</main>
<footer>Не нашли ответ? Напишите нам в чат поддержки в приложении — вам ответит сотрудник.</footer>
</body>
</html>
"#,
        title = escape(title),
        description = escape(description),
    )
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
    for department in app.departments() {
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
    let mut main = String::new();
    let q: String = query.q.unwrap_or_default().chars().take(300).collect();
    if !q.trim().is_empty() {
        let _ = write!(main, "<h1>Результаты поиска: «{}»</h1>", escape(q.trim()));
        match app.help_center().search(&q, None, PAGE_RESULTS) {
            Ok(hits) if !hits.is_empty() => {
                main.push_str(r#"<ol class="found">"#);
                for hit in hits {
                    let _ = write!(
                        main,
                        r#"<li><a href="/help/articles/{}">{}</a><p>{}</p></li>"#,
                        escape(&hit.id),
                        escape(&hit.title),
                        escape(&hit.snippet)
                    );
                }
                main.push_str("</ol>");
            }
            Ok(_) => main.push_str(
                "<p>Ничего не нашлось. Попробуйте сказать иначе или напишите нам в чат поддержки.</p>",
            ),
            Err(e) => {
                tracing::error!(error = %e, "help-center search failed");
                main.push_str("<p>Поиск сейчас не работает. Попробуйте позже.</p>");
            }
        }
    }
    main.push_str("<h1>Помощь</h1>");
    let tree = tree(&app);
    if tree.is_empty() {
        main.push_str("<p>Статей пока нет.</p>");
    }
    for (department, sections) in &tree {
        let _ = write!(
            main,
            r#"<section class="department" id="{}"><h2>{}</h2><ul class="sections">"#,
            department.as_str(),
            escape(&department_name(&app, department))
        );
        for (section, entries) in sections {
            let _ = write!(
                main,
                r#"<li><a href="{}">{}</a> <span class="count">{}</span></li>"#,
                escape(&section_path(department, section)),
                escape(section),
                entries.len()
            );
        }
        main.push_str("</ul></section>");
    }
    let title = if q.trim().is_empty() {
        "Помощь — ответы на частые вопросы".to_owned()
    } else {
        format!("{} — поиск по разделу «Помощь»", q.trim())
    };
    html_response(
        StatusCode::OK,
        layout(
            &title,
            "Ответы на частые вопросы о заказах, доставке, возвратах, билетах, отелях и банковских картах.",
            &[],
            &main,
        ),
    )
}

fn not_found_page() -> Response {
    html_response(
        StatusCode::NOT_FOUND,
        layout(
            "Страница не найдена — Помощь",
            "Такой страницы нет.",
            &[],
            r#"<h1>Страница не найдена</h1><p>Возможно, статью переместили или удалили. Воспользуйтесь поиском или вернитесь к <a href="/help">разделам помощи</a>.</p>"#,
        ),
    )
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
    let mut main = format!("<h1>{}</h1><ul class=\"articles\">", escape(&section));
    for entry in &entries {
        let _ = write!(
            main,
            r#"<li><a href="{}">{}</a></li>"#,
            escape(&Article::path_of(&entry.id)),
            escape(&entry.title)
        );
    }
    main.push_str("</ul>");
    let titles: Vec<&str> = entries.iter().take(5).map(|e| e.title.as_str()).collect();
    html_response(
        StatusCode::OK,
        layout(
            &format!("{section} — {department_label} — Помощь"),
            &format!("{section}: {}", titles.join("; ")),
            &[(
                format!("/help#{}", department.as_str()),
                department_label.clone(),
            )],
            &main,
        ),
    )
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
            return html_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                layout(
                    "Ошибка — Помощь",
                    "",
                    &[],
                    "<h1>Что-то пошло не так</h1><p>Попробуйте обновить страницу.</p>",
                ),
            );
        }
    };
    let department_label = department_name(&app, &article.department);
    let updated = article
        .updated_at
        .format(&time::macros::format_description!("[day].[month].[year]"))
        .unwrap_or_default();
    let main = format!(
        r#"<article><h1>{title}</h1><div class="body">{body}</div><p class="updated">Обновлено {updated}</p></article>"#,
        title = escape(&article.title),
        body = render::markdown(&article.body),
    );
    html_response(
        StatusCode::OK,
        layout(
            &format!("{} — Помощь", article.title),
            &summary(&article.body),
            &[
                (
                    format!("/help#{}", article.department.as_str()),
                    department_label,
                ),
                (
                    section_path(&article.department, &article.section),
                    article.section.clone(),
                ),
            ],
            &main,
        ),
    )
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
    let base = base_url(&settings, &headers);
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let mut url = |path: &str, lastmod: Option<&hotline_domain::Timestamp>| {
        let _ = write!(xml, "<url><loc>{}</loc>", escape(&format!("{base}{path}")));
        if let Some(t) = lastmod
            && let Ok(day) = t.format(&time::macros::format_description!("[year]-[month]-[day]"))
        {
            let _ = write!(xml, "<lastmod>{day}</lastmod>");
        }
        xml.push_str("</url>\n");
    };
    url("/help", None);
    for (department, sections) in tree(&app) {
        for (section, entries) in sections {
            url(
                &section_path(&department, &section),
                entries.iter().map(|e| &e.updated_at).max(),
            );
            for entry in &entries {
                url(&Article::path_of(&entry.id), Some(&entry.updated_at));
            }
        }
    }
    xml.push_str("</urlset>\n");
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
