//! The server's settings. Every field has a safe default; the binary fills
//! them from `hotline.toml` and `HOTLINE_*` environment variables.

pub use hotline_app::security::SecuritySettings;
use hotline_domain::Department;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where the database and attachments live.
    pub data_dir: PathBuf,
    /// The database (`HOTLINE_DATABASE_URL`): `sqlite://PATH`; unset, the
    /// embedded SQLite file `hotline.db` under `data_dir`.
    pub database_url: Option<String>,
    /// NATS for wake-ups between nodes sharing a PostgreSQL store
    /// (`HOTLINE_NATS_URL`); without it a node reads the others' commits
    /// from the log every second.
    pub nats_url: Option<String>,
    /// Address to listen on.
    pub listen: String,
    /// Longest message, in characters.
    pub max_message_chars: usize,
    /// Largest attachment, in bytes.
    pub max_attachment_bytes: u64,
    /// Origins allowed to open browser WebSockets (and, later, embed the widget).
    pub allowed_origins: Vec<String>,
    /// Operator sessions last this long, in hours.
    pub session_hours: u32,
    /// WebSocket keep-alive pings, in seconds; operators' sessions are
    /// re-checked at the same pace.
    pub ws_ping_seconds: u64,
    pub identity: IdentitySettings,
    pub departments: Vec<Department>,
    /// Ready replies operators insert, per department (see `hotline_app::canned`); the console's changes win.
    pub canned_replies: Vec<hotline_app::canned::CannedReply>,
    /// Domains operators may link to (subdomains included); links elsewhere,
    /// and look-alikes of these, are refused. Empty: only dangerous links
    /// (`javascript:`, IP addresses, mixed-script hosts) are refused.
    pub allowed_link_domains: Vec<String>,
    pub security: SecuritySettings,
    pub queues: crate::queues::settings::QueueSettings,
    pub help_center: hotline_app::help_center::settings::HelpCenterSettings,
    pub claims: hotline_app::claims::ClaimSettings,
    /// Travel call-backs: where, how fast, for whom; see docs/callbacks.md.
    pub callbacks: hotline_app::callbacks::CallbackSettings,
    /// Where the bot sends the press, investors and partners
    /// (`HOTLINE_CONTACTS__PRESS`, …); a kind without an address goes to
    /// support as any request.
    pub contacts: hotline_app::help_center::contacts::Contacts,
    /// The social channels (Telegram, VK); see docs/channels.md.
    pub channels: crate::channels::settings::ChannelSettings,
    /// Outbound webhooks to the company's systems; see docs/webhooks.md.
    pub webhooks: hotline_app::webhooks::WebhookSettings,
}

/// How customers' identity tokens are verified.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentitySettings {
    /// The HS256 shared secret (`HOTLINE_IDENTITY_SECRET`). When unset, a
    /// random secret is generated once and kept in the data directory.
    pub secret: Option<String>,
    /// A PEM public key for EdDSA (Ed25519) or RS256 tokens.
    pub public_key_file: Option<PathBuf>,
    /// When set, tokens must carry this `iss`.
    pub issuer: Option<String>,
    /// When set, tokens must carry this `aud`.
    pub audience: Option<String>,
    /// Tokens valid for longer than this are refused, in seconds.
    pub max_lifetime_seconds: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: PathBuf::from("data"),
            database_url: None,
            nats_url: None,
            listen: "127.0.0.1:8080".into(),
            max_message_chars: hotline_domain::values::DEFAULT_MAX_MESSAGE_CHARS,
            max_attachment_bytes: 20 * 1024 * 1024,
            allowed_origins: Vec::new(),
            session_hours: 12,
            ws_ping_seconds: 25,
            identity: IdentitySettings::default(),
            departments: Department::defaults(),
            canned_replies: hotline_app::canned::defaults(),
            allowed_link_domains: Vec::new(),
            security: SecuritySettings::default(),
            queues: Default::default(),
            help_center: Default::default(),
            claims: Default::default(),
            callbacks: Default::default(),
            contacts: Default::default(),
            channels: Default::default(),
            webhooks: Default::default(),
        }
    }
}

impl Default for IdentitySettings {
    fn default() -> Self {
        IdentitySettings {
            secret: None,
            public_key_file: None,
            issuer: None,
            audience: None,
            max_lifetime_seconds: 24 * 3600,
        }
    }
}

impl fmt::Debug for IdentitySettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentitySettings")
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("public_key_file", &self.public_key_file)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("max_lifetime_seconds", &self.max_lifetime_seconds)
            .finish()
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_ref().map(|url| redact_url(url)),
            )
            .field(
                "nats_url",
                &self.nats_url.as_ref().map(|url| redact_url(url)),
            )
            .field("listen", &self.listen)
            .field("max_message_chars", &self.max_message_chars)
            .field("max_attachment_bytes", &self.max_attachment_bytes)
            .field("allowed_origins", &self.allowed_origins)
            .field("session_hours", &self.session_hours)
            .field("ws_ping_seconds", &self.ws_ping_seconds)
            .field("identity", &self.identity)
            .field(
                "departments",
                &self
                    .departments
                    .iter()
                    .map(|d| d.id.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("canned_replies", &self.canned_replies.len())
            .field("allowed_link_domains", &self.allowed_link_domains)
            .field("security", &self.security)
            .field("queues", &self.queues)
            .field("help_center", &self.help_center)
            .field("claims", &self.claims)
            .field("callbacks", &self.callbacks)
            .field("contacts", &self.contacts)
            .field("channels", &self.channels)
            .field("webhooks", &self.webhooks)
            .finish()
    }
}

impl Settings {
    /// The settings as TOML with secrets replaced, for `hotline config print`.
    pub fn redacted(&self) -> Settings {
        let mut copy = self.clone();
        if copy.identity.secret.is_some() {
            copy.identity.secret = Some("<redacted>".into());
        }
        copy.database_url = copy.database_url.as_deref().map(redact_url);
        copy.nats_url = copy.nats_url.as_deref().map(redact_url);
        copy.channels = copy.channels.redacted();
        copy
    }

    /// The SHA-256 of the redacted settings, as recorded in the audit log
    /// when it changes.
    pub fn sha256(&self) -> String {
        use sha2::{Digest, Sha256};
        let effective = serde_json::to_vec(&self.redacted()).unwrap_or_default();
        hex::encode(Sha256::digest(&effective))
    }
}

/// A database URL without its password (`postgres://user:<redacted>@host/db`).
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:<redacted>@{host}")
        }
        None => url.to_owned(),
    }
}
