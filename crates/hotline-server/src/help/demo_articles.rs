//! The demo help center (`demo/help-center` in the repository), embedded in
//! the binary so that `serve --demo` works from the binary alone.

use anyhow::Context;
use hotline_app::help_center::import::{ImportReport, parse_article_files, store_articles};
use hotline_store::kb::KnowledgeStore;
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../demo/help-center"]
struct DemoHelpCenter;

/// The embedded article files, as (path, contents).
pub fn demo_files() -> Vec<(String, String)> {
    DemoHelpCenter::iter()
        .filter(|path| path.ends_with(".md"))
        .filter_map(|path| {
            let file = DemoHelpCenter::get(&path)?;
            let text = String::from_utf8(file.data.into_owned()).ok()?;
            Some((format!("demo/help-center/{path}"), text))
        })
        .collect()
}

/// Imports the demo help center into `store` (idempotent: articles are
/// upserted by id). Call it before [`crate::build`], which indexes what the
/// store holds.
pub async fn import_demo_help_center(store: &dyn KnowledgeStore) -> anyhow::Result<ImportReport> {
    let now = time::OffsetDateTime::now_utc();
    let articles = parse_article_files(demo_files(), now).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        anyhow::anyhow!(
            "the embedded demo help center is malformed:\n{}",
            lines.join("\n")
        )
    })?;
    store_articles(store, articles, |_, _| {})
        .await
        .context("cannot store the demo help center")
}

/// Like [`import_demo_help_center`], for a server already built: imports the
/// demo help center into its store, then rebuilds the index from the store.
pub async fn load_demo_help_center(
    help_center: &hotline_app::help_center::HelpCenter,
) -> anyhow::Result<ImportReport> {
    let report = import_demo_help_center(help_center.store().as_ref()).await?;
    help_center.rebuild().await?;
    Ok(report)
}
