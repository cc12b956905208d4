//! Settings: defaults, then `hotline.toml`, then `HOTLINE_*` variables
//! (nested keys with `__`, e.g. `HOTLINE_IDENTITY__ISSUER`), then flags.

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use hotline_server::settings::Settings;
use std::path::{Path, PathBuf};

/// Variables read by hand: the documented flat names, and comma lists.
const SPECIAL: &[&str] = &[
    "IDENTITY_SECRET",
    "ALLOWED_ORIGINS",
    "DATA_DIR",
    "LISTEN",
    "LOG",
];

pub fn load(
    file: &Path,
    data_dir: Option<PathBuf>,
    listen: Option<String>,
) -> anyhow::Result<Settings> {
    let mut figment = Figment::from(Serialized::defaults(Settings::default()));
    if file.exists() {
        figment = figment.merge(Toml::file(file));
    }
    figment = figment.merge(
        Env::prefixed("HOTLINE_")
            .filter(|key| !SPECIAL.iter().any(|s| key.as_str().eq_ignore_ascii_case(s)))
            .split("__"),
    );
    let mut settings: Settings = figment.extract().with_context(|| {
        format!(
            "invalid configuration (from {} or HOTLINE_* variables)",
            file.display()
        )
    })?;
    if let Ok(secret) = std::env::var("HOTLINE_IDENTITY_SECRET")
        && !secret.is_empty()
    {
        settings.identity.secret = Some(secret);
    }
    if let Ok(origins) = std::env::var("HOTLINE_ALLOWED_ORIGINS") {
        settings.allowed_origins = origins
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty())
            .collect();
    }
    if let Some(dir) = data_dir {
        settings.data_dir = dir;
    }
    if let Some(listen) = listen {
        settings.listen = listen;
    }
    Ok(settings)
}
