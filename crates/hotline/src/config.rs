//! Settings: defaults, then `hotline.toml`, then `HOTLINE_*` variables
//! (nested keys with `__`, e.g. `HOTLINE_IDENTITY__ISSUER`), then flags.

use anyhow::Context;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::{Figment, Source};
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

/// A setting that does not have its built-in default, and where its value
/// came from: the file, a variable, a flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Dotted, as in the file (`identity.issuer`).
    pub key: String,
    pub from: String,
}

/// The settings, and where each value that is not a default came from
/// (for `hotline config print`).
pub fn load(
    file: &Path,
    data_dir: Option<PathBuf>,
    listen: Option<String>,
) -> anyhow::Result<(Settings, Vec<Origin>)> {
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
    let mut origins = Vec::new();
    if let Ok(tree) = serde_json::to_value(&settings) {
        leaves(&tree, &mut Vec::new(), &mut |path| {
            if let Some(from) = origin_of(&figment, path) {
                origins.push(Origin {
                    key: path.join("."),
                    from,
                });
            }
        });
    }
    let mut set_here = |key: &str, from: &str| {
        origins.retain(|o| o.key != key);
        origins.push(Origin {
            key: key.to_owned(),
            from: from.to_owned(),
        });
    };
    if let Ok(secret) = std::env::var("HOTLINE_IDENTITY_SECRET")
        && !secret.is_empty()
    {
        settings.identity.secret = Some(secret);
        set_here("identity.secret", "HOTLINE_IDENTITY_SECRET");
    }
    if std::env::var_os("HOTLINE_ALLOWED_ORIGINS").is_some() {
        set_here("allowed_origins", "HOTLINE_ALLOWED_ORIGINS");
    }
    if std::env::var_os("HOTLINE_ALLOWED_LINK_DOMAINS").is_some() {
        set_here("allowed_link_domains", "HOTLINE_ALLOWED_LINK_DOMAINS");
    }
    if data_dir.is_some() {
        set_here("data_dir", "--data-dir or HOTLINE_DATA_DIR");
    }
    if listen.is_some() {
        set_here("listen", "--listen or HOTLINE_LISTEN");
    }
    origins.sort_by(|a, b| a.key.cmp(&b.key));
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
    Ok((settings, origins))
}

/// Calls `visit` with the path of every value of `tree` that is not a table
/// (a list counts as one value, as it does in the file).
fn leaves<'a>(
    tree: &'a serde_json::Value,
    path: &mut Vec<&'a str>,
    visit: &mut impl FnMut(&[&str]),
) {
    match tree {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                path.push(key);
                leaves(value, path, visit);
                path.pop();
            }
        }
        _ => visit(path),
    }
}

/// The file or variable a value came from; `None` for a built-in default.
fn origin_of(figment: &Figment, path: &[&str]) -> Option<String> {
    let metadata = figment.find_metadata(&path.join("."))?;
    match &metadata.source {
        Some(Source::File(file)) => Some(file.display().to_string()),
        // The variable as the user wrote it: nested keys joined with `__`.
        _ if metadata.name.contains("environment") => {
            Some(format!("HOTLINE_{}", path.join("__").to_ascii_uppercase()))
        }
        _ => None,
    }
}

/// The settings with what administrators saved in the console (the SLA
/// policy, departments' topics), which wins over the file, and its origin. A database that does
/// not exist yet is not created; one that cannot be read is said so.
pub async fn with_console_settings(
    mut settings: Settings,
    mut origins: Vec<Origin>,
) -> (Settings, Vec<Origin>) {
    let embedded = settings.database_url.as_deref().is_none_or(str::is_empty);
    if embedded && !settings.data_dir.join(crate::store::DATABASE_FILE).exists() {
        return (settings, origins);
    }
    let store = match crate::store::open(&settings).await {
        Ok(store) => store,
        Err(e) => {
            eprintln!(
                "# the database was not read ({e:#}); values changed in the console are not shown"
            );
            return (settings, origins);
        }
    };
    for department in &mut settings.departments {
        let key = hotline_app::topics::topics_key(&department.id);
        let Ok(Some(stored)) = store.stored_setting(&key).await else {
            continue;
        };
        if let Ok(topics) = serde_json::from_value(stored.value) {
            department.topics = topics;
            origins.push(Origin {
                key: format!("departments[{}].topics", department.id.as_str()),
                from: format!(
                    "the console ({}, operator {})",
                    stored.updated_at.date(),
                    stored.updated_by
                ),
            });
        }
    }
    let stored = store
        .stored_setting(hotline_app::service_levels::SLA_KEY)
        .await
        .map_err(anyhow::Error::from);
    match stored {
        Ok(Some(stored)) => match serde_json::from_value(stored.value) {
            Ok(policy) => {
                settings.queues.sla = policy;
                let day = stored.updated_at.date();
                origins.retain(|o| !o.key.starts_with("queues.sla"));
                origins.push(Origin {
                    key: "queues.sla".into(),
                    from: format!("the console ({day}, operator {})", stored.updated_by),
                });
            }
            Err(e) => eprintln!(
                "# the SLA policy saved in the console is unreadable ({e}); the file's is shown"
            ),
        },
        Ok(None) => {}
        Err(e) => eprintln!(
            "# the database was not read ({e:#}); values changed in the console are not shown"
        ),
    }
    (settings, origins)
}
