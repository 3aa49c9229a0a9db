//! What administrators set for the whole clinic: its profile, and triage's
//! classifier switch and routing rules.

use async_trait::async_trait;
use carethread_core::profile::ClinicProfile;

use super::backend::Backend;
use super::prelude::*;

use crate::{RouteToPool, SettingChange, TriageSettingsChange};

impl<D: Dialect> Sql<D> {
    /// Saves a clinic-wide setting, audited: `statement` inserts or updates
    /// its table's one row, `bind` binds the setting's own values, and who
    /// saved it and when follow them.
    pub(crate) async fn save_setting<'q, T>(
        &self,
        statement: &'q str,
        bind: impl FnOnce(Q<'q, D>) -> Q<'q, D>,
        change: &SettingChange<T>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        self.audited(async |conn| {
            bind(sqlx::query::<D>(statement))
                .bind_v(change.by.to_string())
                .bind_v(ms(change.now))
                .execute_with(&mut *conn)
                .await?;
            Ok(Audited::new((), vec![audit.clone()]))
        })
        .await
    }
}

#[async_trait]
impl<B: Backend> crate::ClinicSettings for B {
    async fn clinic_profile(&self) -> StoreResult<Option<ClinicProfile>> {
        let sql = self.sql();
        let body: Option<String> = sqlx::query::<B::D>("SELECT body FROM clinic_profile WHERE id = 1")
            .fetch_optional_scalar_with(&sql.read)
            .await?;
        body.map(|b| serde_json::from_str(&b).map_err(|_| StoreError::Corrupt("clinic profile".into()))).transpose()
    }

    async fn set_clinic_profile(&self, change: &SettingChange<ClinicProfile>, audit: &AuditEvent) -> StoreResult<()> {
        let body = serde_json::to_string(&change.value).map_err(|_| StoreError::Corrupt("clinic profile".into()))?;
        let statement = "INSERT INTO clinic_profile (id, body, updated_by, updated_at) VALUES (1, $1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_by = excluded.updated_by, updated_at = excluded.updated_at";
        self.sql().save_setting(statement, |query| query.bind_v(body), change, audit).await
    }

    async fn triage_settings(&self) -> StoreResult<TriageSettings> {
        let sql = self.sql();
        let switch = sqlx::query::<B::D>("SELECT classifier_enabled, updated_at FROM triage_settings WHERE id = 1")
            .fetch_optional_with(&sql.read)
            .await?;
        let routes = sqlx::query::<B::D>(
            "SELECT r.rule_key, p.slug, r.updated_at FROM routing_rules r JOIN pools p ON p.id = r.pool_id \
             ORDER BY r.rule_key",
        )
        .fetch_all_with(&sql.read)
        .await?;
        let mut updated: Option<i64> = None;
        let classifier_enabled = match &switch {
            Some(row) => {
                updated = Some(row.get_v("updated_at")?);
                row.get_v("classifier_enabled")?
            }
            None => true,
        };
        let mut pairs = Vec::with_capacity(routes.len());
        for row in &routes {
            let at: i64 = row.get_v("updated_at")?;
            updated = Some(updated.map_or(at, |u| u.max(at)));
            pairs.push(RouteToPool { key: row.get_v("rule_key")?, pool_slug: row.get_v("slug")? });
        }
        Ok(TriageSettings { classifier_enabled, routes: pairs, updated_at: updated.map(at).transpose()? })
    }

    async fn update_triage_settings(
        &self,
        change: &TriageSettingsChange,
        audit: &AuditEvent,
    ) -> StoreResult<TriageSettings> {
        let sql = self.sql();
        let TriageSettingsChange { classifier_enabled, routes, by, now } = change;
        sql.audited(async |conn| {
            if let Some(enabled) = *classifier_enabled {
                sqlx::query::<B::D>(
                    "INSERT INTO triage_settings (id, classifier_enabled, updated_by, updated_at) VALUES (1, $1, $2, $3) \
                     ON CONFLICT (id) DO UPDATE SET classifier_enabled = excluded.classifier_enabled, \
                     updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                )
                .bind_v(enabled)
                .bind_v(by.to_string())
                .bind_v(ms(*now))
                .execute_with(&mut *conn)
                .await?;
            }
            for rule in routes {
                sqlx::query::<B::D>(
                    "INSERT INTO routing_rules (rule_key, pool_id, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (rule_key) DO UPDATE SET pool_id = excluded.pool_id, \
                     updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                )
                .bind_v(&rule.key)
                .bind_v(rule.pool_id.to_string())
                .bind_v(by.to_string())
                .bind_v(ms(*now))
                .execute_with(&mut *conn)
                .await?;
            }
            Ok(Audited::new((), vec![audit.clone()]))
        })
        .await?;
        self.triage_settings().await
    }
}
