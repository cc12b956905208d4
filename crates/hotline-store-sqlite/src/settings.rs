//! Console settings in SQLite: the `settings` table (migration 0015).

use super::SqliteStore;
use crate::rows::*;
use async_trait::async_trait;
use hotline_domain::OperatorId;
use hotline_store::settings::{SettingStore, StoredSetting};
use rusqlite::{OptionalExtension, params};

#[async_trait]
impl SettingStore for SqliteStore {
    async fn stored_setting(&self, key: &str) -> hotline_store::StoreResult<Option<StoredSetting>> {
        let key = key.to_owned();
        self.read(move |conn| {
            let found = conn
                .prepare_cached(
                    "SELECT value, updated_at, updated_by FROM settings WHERE key = ?1",
                )?
                .query_row(params![key], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })
                .optional()?;
            found
                .map(|(value, at, by)| {
                    Ok(StoredSetting {
                        value: from_json(&value)?,
                        updated_at: from_micros(at)?,
                        updated_by: OperatorId::from_raw(by),
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
        self.write(move |conn, _| {
            let now = now();
            conn.prepare_cached(
                "INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value,
                     updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            )?
            .execute(params![key, to_json(&value)?, micros(now), by.as_str()])?;
            Ok(StoredSetting {
                value,
                updated_at: now,
                updated_by: by,
            })
        })
        .await
    }

    async fn remove_setting(&self, key: &str) -> hotline_store::StoreResult<bool> {
        let key = key.to_owned();
        self.write(move |conn, _| {
            Ok(conn
                .prepare_cached("DELETE FROM settings WHERE key = ?1")?
                .execute(params![key])?
                > 0)
        })
        .await
    }
}
