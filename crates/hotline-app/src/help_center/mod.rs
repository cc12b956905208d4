//! The help center: the store holds the articles, an in-memory search index
//! answers queries, and the answer bot uses both.
//!
//! The store is the truth. The index is rebuilt from it on every start, so
//! after a crash it cannot serve anything the store does not hold; while
//! running, every change is written to the store first and applied to the
//! index only after the write committed, under one lock so that the index
//! applies changes in the store's order.

pub mod bot;
pub mod contacts;
pub mod editing;
pub mod import;
pub mod settings;

use anyhow::Context;
use hotline_domain::{Article, ArticleId, DepartmentId, Timestamp};
use hotline_search::{ArticleDoc, Hit, SearchIndex, Synonyms};
use hotline_store::Store;
use hotline_store::kb::ArticleChange;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Instant;

/// Errors of the help center's writes and queries.
#[derive(Debug, thiserror::Error)]
pub enum HelpCenterError {
    #[error(transparent)]
    Store(#[from] hotline_store::StoreError),
    #[error("search index: {0}")]
    Index(#[from] hotline_search::SearchError),
}

pub struct HelpCenter {
    store: Arc<dyn Store>,
    index: SearchIndex,
    /// What the help-center pages list, kept beside the index (no bodies).
    catalog: RwLock<HashMap<ArticleId, CatalogEntry>>,
    /// Serialises store-then-index updates.
    writes: tokio::sync::Mutex<()>,
}

/// An article as the help center's lists show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogEntry {
    pub id: ArticleId,
    pub department: DepartmentId,
    pub section: String,
    pub title: String,
    pub updated_at: Timestamp,
}

impl CatalogEntry {
    fn of(article: &Article) -> CatalogEntry {
        CatalogEntry {
            id: article.id.clone(),
            department: article.department.clone(),
            section: article.section.clone(),
            title: article.title.clone(),
            updated_at: article.updated_at,
        }
    }
}

pub fn article_doc(article: &Article) -> ArticleDoc {
    ArticleDoc {
        id: article.id.to_string(),
        department: article.department.as_str().to_owned(),
        section: article.section.clone(),
        title: article.title.clone(),
        tags: article.tags.clone(),
        body: article.body.clone(),
    }
}

/// The built-in synonyms, extended by the administrators' file when given.
pub fn load_synonyms(extra: Option<&Path>) -> anyhow::Result<Synonyms> {
    let mut synonyms = Synonyms::builtin();
    if let Some(path) = extra {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the synonyms file {}", path.display()))?;
        let theirs = Synonyms::parse(&text)
            .with_context(|| format!("the synonyms file {} is malformed", path.display()))?;
        synonyms.extend(theirs);
    }
    Ok(synonyms)
}

impl HelpCenter {
    /// Builds the index from every article in the store.
    pub async fn open(store: Arc<dyn Store>, synonyms: Synonyms) -> anyhow::Result<HelpCenter> {
        let index = SearchIndex::new(synonyms).context("cannot create the search index")?;
        let kb = HelpCenter {
            store,
            index,
            catalog: RwLock::new(HashMap::new()),
            writes: tokio::sync::Mutex::new(()),
        };
        kb.rebuild().await?;
        Ok(kb)
    }

    /// Replaces the index with what the store holds now.
    pub async fn rebuild(&self) -> anyhow::Result<()> {
        let _order = self.writes.lock().await;
        self.rebuild_locked().await
    }

    /// [`Self::rebuild`] for a caller that holds `writes`.
    async fn rebuild_locked(&self) -> anyhow::Result<()> {
        let started = Instant::now();
        let articles = self
            .store
            .articles()
            .await
            .context("cannot read the help-center articles")?;
        let docs: Vec<ArticleDoc> = articles.iter().map(article_doc).collect();
        self.index
            .rebuild(docs.iter())
            .context("cannot build the search index")?;
        let catalog = articles
            .iter()
            .map(|a| (a.id.clone(), CatalogEntry::of(a)))
            .collect();
        *self.catalog_mut() = catalog;
        tracing::info!(
            articles = articles.len(),
            millis = started.elapsed().as_millis() as u64,
            "help-center index built"
        );
        Ok(())
    }

    fn catalog_mut(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<ArticleId, CatalogEntry>> {
        self.catalog
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every article's catalog entry, by department, section, title.
    pub fn catalog(&self) -> Vec<CatalogEntry> {
        let guard = self
            .catalog
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut entries: Vec<CatalogEntry> = guard.values().cloned().collect();
        drop(guard);
        entries.sort_by(|a, b| {
            (a.department.as_str(), &a.section, &a.title, &a.id).cmp(&(
                b.department.as_str(),
                &b.section,
                &b.title,
                &b.id,
            ))
        });
        entries
    }

    /// Whether the department has articles (and so a bot).
    pub fn has_articles(&self, department: &DepartmentId) -> bool {
        let guard = self
            .catalog
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guard.values().any(|entry| &entry.department == department)
    }

    /// Stores the article, then indexes it.
    pub async fn upsert(&self, article: Article) -> Result<ArticleChange, HelpCenterError> {
        let _order = self.writes.lock().await;
        let doc = article_doc(&article);
        let entry = CatalogEntry::of(&article);
        let change = self.store.upsert_article(article).await?;
        if change != ArticleChange::Unchanged {
            self.catalog_mut().insert(entry.id.clone(), entry);
            let indexed = self.index.upsert(&doc);
            self.repair_after(indexed).await?;
        }
        Ok(change)
    }

    /// The store has committed a change the index failed to take: rebuild
    /// the index from the store, so that it never contradicts it.
    async fn repair_after(
        &self,
        indexed: Result<(), hotline_search::SearchError>,
    ) -> Result<(), HelpCenterError> {
        let Err(e) = indexed else {
            return Ok(());
        };
        tracing::error!(error = %e, "the search index missed a change; rebuilding it from the store");
        if let Err(rebuild) = self.rebuild_locked().await {
            tracing::error!(error = %rebuild, "rebuilding the search index failed");
        }
        Err(e.into())
    }

    /// Deletes the article from the store, then from the index.
    pub async fn delete(&self, id: &ArticleId) -> Result<(), HelpCenterError> {
        let _order = self.writes.lock().await;
        self.store.delete_article(id).await?;
        self.catalog_mut().remove(id);
        let removed = self.index.remove(id.as_str());
        self.repair_after(removed).await
    }

    pub fn search(
        &self,
        query: &str,
        department: Option<&DepartmentId>,
        limit: usize,
    ) -> Result<Vec<Hit>, HelpCenterError> {
        Ok(self
            .index
            .search(query, department.map(DepartmentId::as_str), limit)?)
    }

    /// At most three articles that answer `query`; empty when none does.
    pub fn suggest(
        &self,
        query: &str,
        department: Option<&DepartmentId>,
    ) -> Result<Vec<Hit>, HelpCenterError> {
        Ok(self
            .index
            .suggest(query, department.map(DepartmentId::as_str))?)
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}
