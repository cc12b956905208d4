//! Console settings in PostgreSQL: the `settings` table (migration 0015).

use crate::PostgresStore;
use crate::rows::*;
use async_trait::async_trait;
use hotline_domain::OperatorId;
use hotline_store::settings::{SettingStore, StoredSetting};

#[async_trait]
impl SettingStore for PostgresStore {
    async fn stored_setting(&self, key: &str) -> hotline_store::StoreResult<Option<StoredSetting>> {
        let key = key.to_owned();
        self.read(move |db| {
            db.query_opt(
                "SELECT value, updated_at, updated_by FROM settings WHERE key = $1",
                &[&key],
            )?
            .map(|row| {
                Ok(StoredSetting {
                    value: json(&row, 0)?,
                    updated_at: from_micros(row.try_get(1)?)?,
                    updated_by: OperatorId::from_raw(row.try_get::<_, String>(2)?),
                })
            })
            .transpose()
        })
        .await
    }

    async fn store_setting(
        &self,
        key: &str,
        value: serde_json::Value,
        by: &OperatorId,
    ) -> hotline_store::StoreResult<StoredSetting> {
        let key = key.to_owned();
        let by = by.clone();
        self.write(move |db, _| {
            let now = now();
            db.execute(
                "INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value,
                     updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                &[&key, &to_json(&value)?, &micros(now), &by.as_str()],
            )?;
            Ok(StoredSetting {
                value: value.clone(),
                updated_at: now,
                updated_by: by.clone(),
            })
        })
        .await
    }

    async fn remove_setting(&self, key: &str) -> hotline_store::StoreResult<bool> {
        let key = key.to_owned();
        self.write(move |db, _| Ok(db.execute("DELETE FROM settings WHERE key = $1", &[&key])? > 0))
            .await
    }
}
