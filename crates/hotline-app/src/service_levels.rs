//! The SLA policy — response and resolution targets, business hours and
//! holidays — as administrators change it in the console. A stored policy
//! wins over hotline.toml's; each node applies it at start-up and at every
//! sweep, so a change reaches every node within one sweep interval.

use crate::App;
use crate::error::{AppError, AppResult};
use hotline_domain::{ErrorCode, OperatorId, Principal, SlaPolicy, Timestamp};
use hotline_store::QueueConfig;
use serde_json::json;

/// Why a non-administrator may not change the policy.
const SLA_REFUSAL: &str = "only administrators change the SLA settings";

/// The key the console's policy is stored under.
pub const SLA_KEY: &str = "queues.sla";

/// Where the policy in effect comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    File,
    Console,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::File => "file",
            Source::Console => "console",
        }
    }
}

/// The policy in effect and where it comes from.
#[derive(Debug, Clone)]
pub struct SlaSettings {
    pub policy: SlaPolicy,
    pub source: Source,
    /// When and by whom the console's policy was saved.
    pub updated: Option<(Timestamp, OperatorId)>,
}

/// The longest target: a year. Beyond it a due time is no promise, and
/// counting business minutes that far is work for nothing.
const MAX_TARGET_MINUTES: u32 = 365 * 24 * 60;

/// Refuses a policy that could not be counted: zero targets, bad business
/// hours, departments that do not exist.
pub fn check_policy(policy: &SlaPolicy, departments: &[&str]) -> Result<(), String> {
    let targets = std::iter::once(&policy.targets)
        .chain(policy.priorities.values())
        .chain(
            policy
                .departments
                .values()
                .flat_map(|d| d.targets.iter().chain(d.priorities.values())),
        );
    for t in targets {
        if t.first_response_minutes == 0 || t.resolution_minutes == 0 {
            return Err("targets must be at least one minute".into());
        }
        if t.resolution_minutes > MAX_TARGET_MINUTES {
            return Err(format!(
                "targets must be at most a year ({MAX_TARGET_MINUTES} minutes)"
            ));
        }
        if t.first_response_minutes > t.resolution_minutes {
            return Err("the first answer cannot be due after the resolution".into());
        }
    }
    for hours in policy.business_hours.iter().chain(
        policy
            .departments
            .values()
            .filter_map(|d| d.business_hours.as_ref()),
    ) {
        hours.validate()?;
    }
    if let Some(unknown) = policy
        .departments
        .keys()
        .find(|d| !departments.contains(&d.as_str()))
    {
        return Err(format!("department `{unknown}` is not configured"));
    }
    Ok(())
}

impl App {
    /// The policy in effect: the console's when one is stored, else the file's.
    async fn sla_in_effect(&self) -> AppResult<SlaSettings> {
        let stored = self.store.stored_setting(SLA_KEY).await?;
        let from_console = stored.and_then(|s| {
            match serde_json::from_value::<SlaPolicy>(s.value) {
                Ok(policy) => Some(SlaSettings {
                    policy,
                    source: Source::Console,
                    updated: Some((s.updated_at, s.updated_by)),
                }),
                // Written by a newer version, say: the file's policy holds.
                Err(e) => {
                    tracing::warn!(error = %e, "the stored SLA policy is unreadable; using the file's");
                    None
                }
            }
        });
        Ok(from_console.unwrap_or_else(|| SlaSettings {
            policy: self.queue_config.sla.clone(),
            source: Source::File,
            updated: None,
        }))
    }

    /// Takes in what the console stored — the SLA policy, the departments'
    /// topics, the articles — where it is not what this node has; run at start-up and by
    /// every sweep.
    pub async fn apply_stored_settings(&self) -> AppResult<()> {
        self.apply_stored_topics().await?;
        self.follow_kb_revision().await?;
        self.apply_stored_sla().await
    }

    /// Configures the queues with the policy in effect when it is not the
    /// one they have.
    async fn apply_stored_sla(&self) -> AppResult<()> {
        let settings = self.sla_in_effect().await?;
        let changed = self
            .applied_sla
            .lock()
            .map(|applied| applied.as_ref() != Some(&settings.policy))
            .unwrap_or(true);
        if changed {
            self.store
                .configure_queues(QueueConfig {
                    sla: settings.policy.clone(),
                    ..self.queue_config.clone()
                })
                .await?;
            if let Ok(mut applied) = self.applied_sla.lock() {
                *applied = Some(settings.policy);
            }
        }
        Ok(())
    }

    /// The policy in effect, for supervisors and administrators.
    pub async fn sla_settings(&self, principal: &Principal) -> AppResult<SlaSettings> {
        crate::supervisor(
            principal,
            "the SLA settings are for supervisors and administrators",
        )?;
        self.sla_in_effect().await
    }

    /// Stores the administrator's policy (it wins over the file's), applies
    /// it on this node at once, and audits it with the one it replaced.
    pub async fn set_sla_policy(
        &self,
        principal: &Principal,
        policy: SlaPolicy,
    ) -> AppResult<SlaSettings> {
        let admin = crate::administrator(principal, SLA_REFUSAL)?;
        let configured = self.departments();
        let departments: Vec<&str> = configured.iter().map(|d| d.id.as_str()).collect();
        check_policy(&policy, &departments)
            .map_err(|e| AppError::invalid(ErrorCode::InvalidSetting, e))?;
        let before = self.sla_in_effect().await?;
        let value = serde_json::to_value(&policy)
            .map_err(|e| AppError::invalid(ErrorCode::InvalidSetting, e.to_string()))?;
        self.store
            .store_setting(SLA_KEY, value.clone(), &admin.id)
            .await?;
        self.apply_stored_sla().await?;
        self.audit_by(
            principal,
            "settings.changed",
            Some(SLA_KEY),
            json!({"before": before.policy, "after": value}),
        )
        .await?;
        self.sla_in_effect().await
    }

    /// Back to the file's policy.
    pub async fn reset_sla_policy(&self, principal: &Principal) -> AppResult<SlaSettings> {
        crate::administrator(principal, SLA_REFUSAL)?;
        let before = self.sla_in_effect().await?;
        if self.store.remove_setting(SLA_KEY).await? {
            self.apply_stored_sla().await?;
            self.audit_by(
                principal,
                "settings.reset",
                Some(SLA_KEY),
                json!({"before": before.policy, "after": self.queue_config.sla}),
            )
            .await?;
        }
        self.sla_in_effect().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotline_domain::sla::{BusinessHours, SlaTargets};

    #[test]
    fn a_policy_that_cannot_be_counted_is_refused() {
        let fine = SlaPolicy::default();
        assert_eq!(check_policy(&fine, &["travel"]), Ok(()));
        let zero = SlaPolicy {
            targets: SlaTargets {
                first_response_minutes: 0,
                resolution_minutes: 60,
            },
            ..SlaPolicy::default()
        };
        assert!(check_policy(&zero, &[]).is_err());
        let backwards = SlaPolicy {
            targets: SlaTargets {
                first_response_minutes: 90,
                resolution_minutes: 60,
            },
            ..SlaPolicy::default()
        };
        assert!(check_policy(&backwards, &[]).is_err());
        let forever = SlaPolicy {
            targets: SlaTargets {
                first_response_minutes: 15,
                resolution_minutes: u32::MAX,
            },
            ..SlaPolicy::default()
        };
        assert!(check_policy(&forever, &[]).unwrap_err().contains("a year"));
        let closed = SlaPolicy {
            business_hours: Some(BusinessHours {
                opens: "18:00".into(),
                closes: "09:00".into(),
                ..BusinessHours::default()
            }),
            ..SlaPolicy::default()
        };
        assert!(check_policy(&closed, &[]).is_err());
        let mut elsewhere = SlaPolicy::default();
        elsewhere
            .departments
            .insert("moon".into(), Default::default());
        assert!(
            check_policy(&elsewhere, &["travel"])
                .unwrap_err()
                .contains("moon")
        );
    }
}
