//! The clinic profile.

use super::prelude::*;

use carethread_core::profile::ClinicProfile;

impl<D: Dialect> Sql<D> {
    pub(crate) async fn read_clinic_profile(&self) -> StoreResult<Option<ClinicProfile>> {
        let body: Option<String> = sqlx::query::<D>("SELECT body FROM clinic_profile WHERE id = 1")
            .fetch_optional_scalar_with(&self.read)
            .await?;
        body.map(|b| serde_json::from_str(&b).map_err(|_| StoreError::Corrupt("clinic profile".into()))).transpose()
    }

    pub(crate) async fn write_clinic_profile(
        &self,
        profile: &ClinicProfile,
        by: UserId,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let body = serde_json::to_string(profile).map_err(|_| StoreError::Corrupt("clinic profile".into()))?;
        self.audited(async |conn| {
            sqlx::query::<D>(
                "INSERT INTO clinic_profile (id, body, updated_by, updated_at) VALUES (1, $1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            )
            .bind_v(body)
            .bind_v(by.to_string())
            .bind_v(ms(now))
            .execute_with(&mut *conn)
            .await?;
            Ok(Audited::new((), vec![audit.clone()]))
        })
        .await
    }
}
