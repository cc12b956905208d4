//! Settings of the security layer (`[security]` in hotline.toml).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecuritySettings {
    /// Departments where every Luhn-valid run of 13–19 digits is masked as a
    /// card, whatever the words around it.
    pub strict_departments: Vec<String>,
    /// Departments whose customers need a step-up identity token: an `amr`
    /// with one of `step_up_methods` and a recent `auth_time`.
    pub step_up_departments: Vec<String>,
    pub step_up_methods: Vec<String>,
    /// How old `auth_time` may be, in minutes.
    pub step_up_max_age_minutes: i64,
    /// Where account-takeover reports go (added to the departments, hidden
    /// from the customers' list, when not configured).
    pub takeover_department: String,
    /// Resolved conversations are deleted this many days after their last
    /// activity; 0 keeps them.
    pub retention_days: u32,
    /// A secret typed in pieces (a card number, a code and its keyword) is
    /// looked for across the customer's last this many messages …
    pub split_window_messages: usize,
    /// … sent within this many minutes.
    pub split_window_minutes: i64,
    pub rate_limits: RateLimitSettings,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        SecuritySettings {
            strict_departments: vec!["bank".into()],
            step_up_departments: vec!["bank".into()],
            step_up_methods: ["otp", "sms", "pin", "mfa", "hwk", "swk", "fpt", "face"]
                .map(String::from)
                .to_vec(),
            step_up_max_age_minutes: 15,
            takeover_department: "security".into(),
            retention_days: 0,
            split_window_messages: hotline_guard::DEFAULT_HISTORY,
            split_window_minutes: 10,
            rate_limits: Default::default(),
        }
    }
}

impl SecuritySettings {
    pub fn is_strict(&self, department: &str) -> bool {
        self.strict_departments.iter().any(|d| d == department)
    }
    pub fn needs_step_up(&self, department: &str) -> bool {
        self.step_up_departments.iter().any(|d| d == department)
    }
}

/// The department account-takeover reports go to, as configured or as
/// added by default.
pub fn takeover_department(id: &str) -> anyhow::Result<hotline_domain::Department> {
    use hotline_domain::{Department, DepartmentId, Topic, TopicId};
    Ok(Department {
        id: DepartmentId::parse(id.to_owned())
            .map_err(|e| anyhow::anyhow!("security.takeover_department: {e}"))?,
        name: "Безопасность".into(),
        topics: vec![Topic {
            id: TopicId::parse(super::TAKEOVER_TOPIC.to_owned())
                .map_err(|e| anyhow::anyhow!("{e}"))?,
            name: "Взлом аккаунта".into(),
        }],
        bot: false,
        // Reached from the logged-in app only.
        channels: Some(Vec::new()),
        audience: Default::default(),
    })
}

/// `[security.rate_limits]`; 0 switches a limit off.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Messages one customer may send per minute.
    pub messages_per_minute: u32,
    /// Conversations (and takeover reports) one customer may start per hour.
    pub conversations_per_hour: u32,
    /// Files one customer may upload per minute.
    pub uploads_per_minute: u32,
    /// Regulator dossiers one customer may download per minute (each lays
    /// out a PDF and reads every file of the conversation).
    pub dossiers_per_minute: u32,
    /// One IP address may do this many times what one customer may
    /// (customers share addresses behind mobile carriers' NAT).
    pub per_ip_factor: u32,
    /// Login attempts per IP address per minute.
    pub logins_per_minute_per_ip: u32,
    /// Failed logins for one e-mail before each further attempt waits
    /// (1 s, 2 s, 4 s, … up to 15 min).
    pub login_failures_before_backoff: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        RateLimitSettings {
            messages_per_minute: 30,
            conversations_per_hour: 20,
            uploads_per_minute: 10,
            dossiers_per_minute: 5,
            per_ip_factor: 4,
            logins_per_minute_per_ip: 20,
            login_failures_before_backoff: 3,
        }
    }
}

impl RateLimitSettings {
    /// No limits (load tests, and test servers that do not test them).
    pub fn off() -> RateLimitSettings {
        RateLimitSettings {
            messages_per_minute: 0,
            conversations_per_hour: 0,
            uploads_per_minute: 0,
            dossiers_per_minute: 0,
            per_ip_factor: 1,
            logins_per_minute_per_ip: 0,
            login_failures_before_backoff: 0,
        }
    }
}
