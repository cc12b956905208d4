//! Settings administrators change in the console, stored as JSON under a
//! key; a stored value wins over the configuration file's.

use crate::StoreResult;
use async_trait::async_trait;
use hotline_domain::{OperatorId, Timestamp};

#[derive(Debug, Clone, PartialEq)]
pub struct StoredSetting {
    pub value: serde_json::Value,
    pub updated_at: Timestamp,
    pub updated_by: OperatorId,
}

#[async_trait]
pub trait SettingStore: Send + Sync {
    async fn stored_setting(&self, key: &str) -> StoreResult<Option<StoredSetting>>;
    /// Replaces the key's value.
    async fn store_setting(
        &self,
        key: &str,
        value: serde_json::Value,
        by: &OperatorId,
    ) -> StoreResult<StoredSetting>;
    /// Back to the file's value; `false` when nothing was stored.
    async fn remove_setting(&self, key: &str) -> StoreResult<bool>;
}
