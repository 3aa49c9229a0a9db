// Changes an administrator makes to a user's account: SQL shared by both backends.
// `include!`d by `sqlite.rs` and `postgres.rs`.

use crate::UserChange;

impl Backend {
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
}
