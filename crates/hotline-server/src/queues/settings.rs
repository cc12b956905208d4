//! `[queues]` in hotline.toml.

use hotline_domain::priority::{MAX_TIER_CHARS, is_valid_tier};
use hotline_domain::{PriorityRules, SlaPolicy};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueSettings {
    /// An operator whose last console connection dropped turns `away` after
    /// this many seconds (a reload or a short network loss keeps them online).
    pub away_grace_seconds: u64,
    /// How often SLA breaches are looked for and the gauges refreshed.
    pub sweep_seconds: u64,
    /// Join a customer's repeated request to their open conversation.
    pub join_duplicates: bool,
    pub priorities: PriorityRules,
    pub sla: SlaPolicy,
}

impl Default for QueueSettings {
    fn default() -> Self {
        QueueSettings {
            away_grace_seconds: 60,
            sweep_seconds: 15,
            join_duplicates: true,
            priorities: PriorityRules::default(),
            sla: SlaPolicy::default(),
        }
    }
}

impl QueueSettings {
    /// Refuses settings that would route wrongly; the message says what to fix.
    pub fn validate(&self) -> anyhow::Result<()> {
        // Tokens with other tiers are refused, so such a rule could never match.
        if let Some(tier) = self.priorities.tiers.keys().find(|t| !is_valid_tier(t)) {
            anyhow::bail!(
                "[queues.priorities] tiers: {tier:?} is not a tier; use 1–{MAX_TIER_CHARS} \
                 characters of a-z, 0-9, '-' or '_', as in the identity token's `tier` claim"
            );
        }
        let hours = self.sla.business_hours.iter().chain(
            self.sla
                .departments
                .values()
                .filter_map(|d| d.business_hours.as_ref()),
        );
        for hours in hours {
            hours
                .validate()
                .map_err(|e| anyhow::anyhow!("[queues.sla] {e}"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotline_domain::Priority;

    #[test]
    fn a_tier_rule_no_token_could_match_is_refused() {
        let mut settings = QueueSettings::default();
        settings
            .priorities
            .tiers
            .insert("vip".into(), Priority::High);
        assert!(settings.validate().is_ok());
        settings
            .priorities
            .tiers
            .insert("VIP".into(), Priority::High);
        let error = settings.validate().unwrap_err().to_string();
        assert!(error.contains("\"VIP\" is not a tier"), "{error}");
    }
}
