//! The help-center data both `kb-*` scenarios read: the article files and
//! the evaluation questions.

use anyhow::{Context, Result, bail};
use hotline_domain::Article;
use hotline_search::ArticleDoc;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Where the demo help center lives, relative to the repository root.
pub const DEFAULT_ARTICLES: &str = "demo/help-center";
/// The evaluation set, relative to the repository root.
pub const DEFAULT_EVAL: &str = "crates/hotline-bench/data/kb-eval.toml";
/// The held-out set written before the tuning for issue 15 and never used
/// for it, relative to the repository root.
pub const HELDOUT2_EVAL: &str = "crates/hotline-bench/data/kb-eval-heldout2.toml";

/// Every `*.md` file under `dir` (any depth), parsed with the same
/// front-matter format `hotline kb import` reads.
pub fn load_articles(dir: &Path) -> Result<Vec<ArticleDoc>> {
    let mut files = Vec::new();
    collect_markdown(dir, &mut files)
        .with_context(|| format!("cannot read the articles in {}", dir.display()))?;
    files.sort();
    let now = time::OffsetDateTime::now_utc();
    let mut articles = Vec::with_capacity(files.len());
    for path in files {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let article = Article::from_file(&text, now)
            .map_err(|e| anyhow::anyhow!("{}:{}: {}", path.display(), e.line, e.message))?;
        articles.push(ArticleDoc {
            id: article.id.as_str().to_owned(),
            department: article.department.as_str().to_owned(),
            section: article.section,
            title: article.title,
            tags: article.tags,
            body: article.body,
        });
    }
    if articles.is_empty() {
        bail!(
            "no article files (*.md) in {}; pass --articles DIR",
            dir.display()
        );
    }
    Ok(articles)
}

fn collect_markdown(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_markdown(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
pub struct EvalSet {
    pub question: Vec<Question>,
}

#[derive(Debug, Deserialize)]
pub struct Question {
    pub kind: String,
    pub text: String,
    /// Articles that answer the question; empty for out-of-scope questions.
    pub expect: Vec<String>,
    /// Written from the article titles alone, without reading the texts.
    #[serde(default)]
    pub blind: bool,
}

impl Question {
    pub fn in_scope(&self) -> bool {
        !self.expect.is_empty()
    }
}

pub fn load_eval(path: &Path, articles: &[ArticleDoc]) -> Result<EvalSet> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the evaluation set {}", path.display()))?;
    let set: EvalSet = toml::from_str(&text)
        .with_context(|| format!("{} is not a valid evaluation set", path.display()))?;
    for question in &set.question {
        for id in &question.expect {
            if !articles.iter().any(|a| &a.id == id) {
                bail!(
                    "{}: «{}» expects article {id}, which is not among the articles",
                    path.display(),
                    question.text
                );
            }
        }
    }
    Ok(set)
}

/// A path in the repository, for the tests: they run from the crate's directory.
#[cfg(test)]
pub(crate) fn repository(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_help_center_and_the_evaluation_sets_load() {
        let articles = load_articles(&repository(DEFAULT_ARTICLES)).unwrap();
        assert!(articles.len() >= 60, "{} articles", articles.len());
        for department in ["marketplace", "travel", "bank"] {
            assert!(
                articles
                    .iter()
                    .filter(|a| a.department == department)
                    .count()
                    >= 15,
                "{department}"
            );
        }
        let eval = load_eval(&repository(DEFAULT_EVAL), &articles).unwrap();
        assert!(eval.question.iter().filter(|q| q.in_scope()).count() >= 200);
        for kind in [
            "clean",
            "lowercase",
            "typo",
            "layout",
            "yo",
            "slang",
            "story",
            "english",
            "out_of_scope",
        ] {
            assert!(eval.question.iter().any(|q| q.kind == kind), "{kind}");
        }
        load_eval(
            &repository("crates/hotline-bench/data/kb-eval-holdout.toml"),
            &articles,
        )
        .unwrap();
    }

    #[test]
    fn the_heldout_set_is_large_and_partly_written_blind() {
        let articles = load_articles(&repository(DEFAULT_ARTICLES)).unwrap();
        let eval = load_eval(&repository(HELDOUT2_EVAL), &articles).unwrap();
        let questions = &eval.question;
        assert!(questions.len() >= 300, "{} questions", questions.len());
        let blind = questions.iter().filter(|q| q.blind).count();
        assert!(blind * 3 >= questions.len(), "{blind} written blind");
        let out_of_scope = questions.iter().filter(|q| !q.in_scope()).count();
        assert!(out_of_scope >= 25, "{out_of_scope} out of scope");
        for kind in [
            "paraphrase",
            "story",
            "yo",
            "english",
            "colloquial",
            "typo",
            "layout",
            "short",
            "out_of_scope",
        ] {
            assert!(questions.iter().any(|q| q.kind == kind), "{kind}");
        }
    }

    #[test]
    fn an_evaluation_set_naming_an_unknown_article_is_refused() {
        let articles = load_articles(&repository(DEFAULT_ARTICLES)).unwrap();
        let path = std::env::temp_dir().join(format!("kb-eval-{}.toml", std::process::id()));
        std::fs::write(
            &path,
            "[[question]]\nkind = \"clean\"\ntext = \"?\"\nexpect = [\"no-such-article\"]\n",
        )
        .unwrap();
        let err = load_eval(&path, &articles).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert!(err.to_string().contains("no-such-article"), "{err}");
    }
}
