// The clinic profile, changes to users, and who is on which care team and
// pool: SQL shared by both backends. `include!`d by `sqlite.rs` and `postgres.rs`.

use carethread_core::profile::ClinicProfile;

use crate::UserChange;

impl Backend {
    async fn read_clinic_profile(&self) -> StoreResult<Option<ClinicProfile>> {
        let body: Option<String> =
            sqlx::query_scalar("SELECT body FROM clinic_profile WHERE id = 1").fetch_optional(&self.read).await?;
        body.map(|b| serde_json::from_str(&b).map_err(|_| StoreError::Corrupt("clinic profile".into()))).transpose()
    }

    async fn write_clinic_profile(&self, profile: &ClinicProfile, by: UserId, now: DateTime<Utc>, audit: &AuditEvent) -> StoreResult<()> {
        let body = serde_json::to_string(profile).map_err(|_| StoreError::Corrupt("clinic profile".into()))?;
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO clinic_profile (id, body, updated_by, updated_at) VALUES (1, $1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(body)
        .bind(by.to_string())
        .bind(ms(now))
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, &self.keys, std::slice::from_ref(audit)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn write_user_change(&self, id: UserId, change: &UserChange, audit: &AuditEvent) -> StoreResult<bool> {
        let mut tx = self.write.begin().await?;
        let row = sqlx::query(
            "UPDATE users SET role = COALESCE($2, role), display_name = COALESCE($3, display_name), \
             language = COALESCE($4, language), mrn = CASE WHEN $5 THEN $6 ELSE mrn END WHERE id = $1 RETURNING id",
        )
        .bind(id.to_string())
        .bind(change.role.map(Role::as_str))
        .bind(change.display_name.as_ref().map(DisplayName::as_str))
        .bind(change.language.map(Language::as_str))
        .bind(change.mrn.is_some())
        .bind(change.mrn.as_ref().and_then(|m| m.as_ref().map(carethread_core::user::Mrn::as_str)))
        .fetch_optional(&mut *tx)
        .await
        .map_err(|err| match StoreError::from(err) {
            StoreError::Conflict(_) => StoreError::Conflict("record number"),
            other => other,
        })?;
        if row.is_none() {
            return Ok(false);
        }
        if change.role.is_some() {
            // A new role is new powers: sign in again to get them.
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.to_string()).execute(&mut *tx).await?;
        }
        append_audit(&mut tx, &self.keys, &with_target(std::slice::from_ref(audit), "user", &id.to_string())).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn read_care_teams(&self) -> StoreResult<Vec<(UserId, PersonRef)>> {
        self.read_memberships(
            "SELECT c.patient_id AS owner, u.id, u.display_name, u.role FROM care_team_members c \
             JOIN users u ON u.id = c.staff_id ORDER BY c.patient_id, u.display_name",
        )
        .await
    }

    async fn read_pool_members(&self) -> StoreResult<Vec<(PoolId, PersonRef)>> {
        self.read_memberships(
            "SELECT m.pool_id AS owner, u.id, u.display_name, u.role FROM pool_members m \
             JOIN users u ON u.id = m.user_id ORDER BY m.pool_id, u.display_name",
        )
        .await
    }

    /// (what they belong to, who) pairs from a query naming the first `owner`.
    async fn read_memberships<T: FromStr>(&self, sql: &str) -> StoreResult<Vec<(T, PersonRef)>> {
        let rows = sqlx::query(sql).fetch_all(&self.read).await?;
        rows.iter()
            .map(|r| {
                let who = person(parse_id(r.try_get::<&str, _>("id")?)?, r.try_get("display_name")?, r.try_get("role")?)?;
                Ok((parse_id(r.try_get::<&str, _>("owner")?)?, who))
            })
            .collect()
    }
}
