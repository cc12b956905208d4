//! `hotline kb import DIR` and `hotline kb export DIR`: the help center as a
//! directory of Markdown files with front matter (docs/help-center.md). Both
//! work on the configured data directory's database; the server may be
//! stopped. A running server indexes what it finds at its next start (to
//! change articles while it runs, use the REST API).

use anyhow::Context;
use hotline_app::help_center::import::{export_path, parse_article_files, store_articles};
use hotline_server::settings::Settings;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Larger files are not articles (the body limit is 100 000 characters).
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Every `*.md` file under `dir`, recursively, skipping hidden entries.
fn markdown_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current)
            .with_context(|| format!("cannot read the directory {}", current.display()))?;
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let kind = entry.file_type()?;
            let path = entry.path();
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() && path.extension().is_some_and(|e| e == "md") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

pub async fn import(settings: Settings, dir: PathBuf) -> anyhow::Result<()> {
    anyhow::ensure!(
        dir.is_dir(),
        "{} is not a directory; give the directory that holds the article files",
        dir.display()
    );
    let paths = markdown_files(&dir)?;
    anyhow::ensure!(
        !paths.is_empty(),
        "no .md files in {}; article files end with .md",
        dir.display()
    );
    eprintln!("reading {} files from {}", paths.len(), dir.display());
    let mut files = Vec::with_capacity(paths.len());
    let mut unreadable = Vec::new();
    for path in &paths {
        let shown = path.display().to_string();
        let size = std::fs::metadata(path)?.len();
        if size > MAX_FILE_BYTES {
            unreadable.push(format!(
                "{shown}:1: the file is {size} bytes; an article is at most {MAX_FILE_BYTES}"
            ));
            continue;
        }
        match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => files.push((shown, text)),
                Err(e) => {
                    let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                    let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
                    unreadable.push(format!(
                        "{shown}:{line}: not UTF-8 text; save the file as UTF-8"
                    ));
                }
            },
            Err(e) => unreadable.push(format!("{shown}: cannot read: {e}")),
        }
    }
    let parsed = parse_article_files(files, time::OffsetDateTime::now_utc());
    let mut problems = unreadable;
    if let Err(found) = &parsed {
        problems.extend(found.iter().map(ToString::to_string));
    }
    if !problems.is_empty() {
        for problem in &problems {
            eprintln!("{problem}");
        }
        anyhow::bail!(
            "{} of {} files are malformed; nothing was imported. Fix them and run the import again",
            problems.len(),
            paths.len()
        );
    }
    let articles = parsed.map_err(|_| anyhow::anyhow!("unreachable: problems were reported"))?;
    let departments: Vec<&str> = settings.departments.iter().map(|d| d.id.as_str()).collect();
    let unknown: Vec<String> = articles
        .iter()
        .filter(|a| !departments.contains(&a.department.as_str()))
        .map(|a| format!("{}: unknown department `{}`", a.id, a.department.as_str()))
        .collect();
    if !unknown.is_empty() {
        for line in &unknown {
            eprintln!("{line}");
        }
        anyhow::bail!(
            "{} articles name departments that are not configured (configured: {}); nothing was imported",
            unknown.len(),
            departments.join(", ")
        );
    }
    let store = crate::store::open(&settings).await?;
    let total = articles.len();
    let step = (total / 20).max(1);
    let report = store_articles(store.as_ref(), articles, |done, total| {
        if done % step == 0 || done == total {
            eprint!("\rstored {done}/{total}");
            let _ = std::io::stderr().flush();
        }
    })
    .await
    .context(
        "storing the articles failed; what was stored stays, and running the import again is safe",
    )?;
    eprintln!();
    // Running servers rebuild their search index at their next sweep.
    hotline_app::help_center::editing::note_articles_changed(
        store.as_ref(),
        &hotline_domain::OperatorId::from_raw("hotline kb import"),
    )
    .await
    .context("the articles are stored, but running servers were not told; POST /api/v1/kb/reindex on each")?;
    println!("imported {total} articles: {report}");
    println!(
        "running servers search the new articles within queues.sweep_seconds (15 s by default)"
    );
    Ok(())
}

pub async fn export(settings: Settings, dir: PathBuf) -> anyhow::Result<()> {
    let store = crate::store::open(&settings).await?;
    let articles = store.articles().await?;
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the directory {}", dir.display()))?;
    let total = articles.len();
    for (done, article) in articles.iter().enumerate() {
        let path = dir.join(export_path(article));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create the directory {}", parent.display()))?;
        }
        std::fs::write(&path, article.to_file())
            .with_context(|| format!("cannot write {}", path.display()))?;
        if (done + 1) % 100 == 0 || done + 1 == total {
            eprint!("\rwritten {}/{total}", done + 1);
            let _ = std::io::stderr().flush();
        }
    }
    if total > 0 {
        eprintln!();
    }
    println!("exported {total} articles to {}", dir.display());
    Ok(())
}
