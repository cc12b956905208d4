//! The attachment files: content-addressed, each stored once under its
//! SHA-256 (`<root>/<first two hex digits>/<sha256>`).

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

    /// Deletes contents by SHA-256; returns how many files were removed.
    /// Anything but a hex digest is ignored, so no path can be smuggled in.
    pub fn remove(&self, shas: &[String]) -> usize {
        shas.iter()
            .filter(|sha| sha.len() > 2 && sha.bytes().all(|b| b.is_ascii_hexdigit()))
            .filter(|sha| std::fs::remove_file(self.content_path(sha)).is_ok())
            .count()
    }
}
