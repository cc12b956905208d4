//! Settings: defaults, then `hotline.toml`, then `HOTLINE_*` variables
//! (nested keys with `__`, e.g. `HOTLINE_IDENTITY__ISSUER`), then flags.

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use hotline_server::settings::Settings;
use std::path::{Path, PathBuf};

/// Top-level settings that come from `HOTLINE_<NAME>`; other `HOTLINE_*`
/// variables (for other tools) are left alone. `IDENTITY_SECRET` and
/// `ALLOWED_ORIGINS` and `ALLOWED_LINK_DOMAINS` (comma-separated lists) are
/// read by hand below, `DATA_DIR` and `LISTEN` as flags.
const FROM_ENV: &[&str] = &[
    "database_url",
    "nats_url",
    "max_message_chars",
    "max_attachment_bytes",
    "session_hours",
    "ws_ping_seconds",
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
            .filter(|key| {
                // Keys arrive as written (`MAX_MESSAGE_CHARS`): compare lowercased.
                let key = key.as_str().to_ascii_lowercase();
                FROM_ENV.contains(&key.as_str())
                    || key.starts_with("identity__")
                    || key.starts_with("security__")
                    || key.starts_with("help_center__")
                    || key.starts_with("queues__")
                    || key.starts_with("channels__")
                    || key.starts_with("claims__")
                    || key.starts_with("contacts__")
                    || key.starts_with("webhooks__")
            })
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
    if let Ok(domains) = std::env::var("HOTLINE_ALLOWED_LINK_DOMAINS") {
        settings.allowed_link_domains = domains
            .split(',')
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty())
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
