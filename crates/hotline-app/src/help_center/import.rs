//! Importing article files into the store, shared by `hotline kb import` and
//! the demo.
//!
//! An import is all or nothing at the parsing stage: every file is parsed and
//! checked first, and one malformed file (or two files with one id) stops the
//! import before anything is written. A help-center directory is edited as a
//! whole (often in git); storing half of it would leave the help center in a
//! state nobody wrote, and since an import is idempotent, fixing the file and
//! running it again costs nothing.

use futures_util::{StreamExt, stream};
use hotline_domain::{Article, Timestamp};
use hotline_store::StoreResult;
use hotline_store::kb::{ArticleChange, KnowledgeStore};
use std::collections::HashMap;
use std::fmt;

/// Article files, as (path shown in messages, contents).
pub type ArticleFiles = Vec<(String, String)>;

/// What is wrong with one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    pub path: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.message)
    }
}

/// Parses every file; either all articles (by path order) or every problem.
pub fn parse_article_files(
    mut files: ArticleFiles,
    now: Timestamp,
) -> Result<Vec<Article>, Vec<FileProblem>> {
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut articles = Vec::with_capacity(files.len());
    let mut problems = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for (path, text) in files {
        match Article::from_file(&text, now) {
            Ok(article) => {
                if let Some(first) = seen.insert(article.id.to_string(), path.clone()) {
                    problems.push(FileProblem {
                        path,
                        line: 2,
                        message: format!("the id `{}` is already used by {first}", article.id),
                    });
                } else {
                    articles.push(article);
                }
            }
            Err(e) => problems.push(FileProblem {
                path,
                line: e.line,
                message: e.message,
            }),
        }
    }
    if problems.is_empty() {
        Ok(articles)
    } else {
        Err(problems)
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} created, {} updated, {} unchanged",
            self.created, self.updated, self.unchanged
        )
    }
}

/// Writes in flight at once: enough for the store's group commit to batch
/// them (one fsync for many articles), few enough to bound memory.
const CONCURRENT_WRITES: usize = 64;

/// Upserts every article by id; `progress(done, total)` is called as they
/// are stored. Stops at the first storage failure (what was stored stays:
/// each article is one durable write, and running the import again is safe).
pub async fn store_articles(
    store: &dyn KnowledgeStore,
    articles: Vec<Article>,
    mut progress: impl FnMut(usize, usize),
) -> StoreResult<ImportReport> {
    let total = articles.len();
    let mut report = ImportReport::default();
    let mut writes = stream::iter(articles)
        .map(|article| store.upsert_article(article))
        .buffer_unordered(CONCURRENT_WRITES);
    let mut done = 0;
    while let Some(change) = writes.next().await {
        match change? {
            ArticleChange::Created => report.created += 1,
            ArticleChange::Updated => report.updated += 1,
            ArticleChange::Unchanged => report.unchanged += 1,
        }
        done += 1;
        progress(done, total);
    }
    Ok(report)
}

/// The file an article is exported to, relative to the export directory:
/// `<department>/<id>.md` (both are slugs, so the path is safe).
pub fn export_path(article: &Article) -> String {
    format!("{}/{}.md", article.department.as_str(), article.id)
}
