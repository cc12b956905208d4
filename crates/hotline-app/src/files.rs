//! The attachment files: content-addressed, each stored once under its
//! SHA-256 (`<root>/<first two hex digits>/<sha256>`).

use crate::error::{AppError, AppResult};
use hotline_store::Store;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Files {
    root: PathBuf,
}

impl Files {
    pub fn new(root: impl Into<PathBuf>) -> Files {
        Files { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the content with this SHA-256 (hex) lives.
    pub fn content_path(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2.min(sha256.len())]).join(sha256)
    }

    /// On a store that several nodes share, keeps the content stored here
    /// under `sha256` in the store too, before the upload is acknowledged,
    /// so that every node can serve it.
    pub async fn share(&self, store: &dyn Store, sha256: &str) -> AppResult<()> {
        if !store.keeps_attachment_contents() {
            return Ok(());
        }
        let content = tokio::fs::read(self.content_path(sha256))
            .await
            .map_err(AppError::internal)?;
        store.put_attachment_content(sha256, content).await?;
        Ok(())
    }

    /// Where this node has the content: its local file, fetched first from
    /// the shared store when another node received it (the files here are
    /// then a cache).
    pub async fn local(&self, store: &dyn Store, sha256: &str) -> AppResult<PathBuf> {
        let path = self.content_path(sha256);
        if !store.keeps_attachment_contents()
            || tokio::fs::try_exists(&path)
                .await
                .map_err(AppError::internal)?
        {
            return Ok(path);
        }
        let content = store
            .attachment_content(sha256)
            .await?
            .ok_or_else(|| AppError::internal(format!("attachment content {sha256} is missing")))?;
        let dir = path.parent().unwrap_or(&self.root);
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(AppError::internal)?;
        // Written beside its name and renamed, so a reader never sees half a file.
        let partial =
            path.with_extension(format!("partial-{}", hotline_domain::MessageId::generate()));
        tokio::fs::write(&partial, content)
            .await
            .map_err(AppError::internal)?;
        tokio::fs::rename(&partial, &path)
            .await
            .map_err(AppError::internal)?;
        Ok(path)
    }

    /// Deletes contents by SHA-256; returns how many files were removed.
    /// Anything but a hex digest is ignored, so no path can be smuggled in.
    pub fn remove(&self, shas: &[String]) -> usize {
        shas.iter()
            .filter(|sha| sha.len() > 2 && sha.bytes().all(|b| b.is_ascii_hexdigit()))
            .filter(|sha| std::fs::remove_file(self.content_path(sha)).is_ok())
            .count()
    }
}
