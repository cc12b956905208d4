//! `[queues]` in hotline.toml.

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
