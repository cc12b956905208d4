//! The help center's settings (`[help_center]` in `hotline.toml`).

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HelpCenterSettings {
    /// A file of synonyms that extends the built-in dictionary (format in
    /// docs/help-center.md); read at start-up.
    pub synonyms_file: Option<PathBuf>,
    /// The help center's public address (e.g. `https://help.example.com`),
    /// for the absolute links of `/sitemap.xml`; without it, the request's host.
    pub public_url: Option<String>,
}
