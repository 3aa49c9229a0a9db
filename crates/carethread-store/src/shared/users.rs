//! Users: creating them, reading them and their credentials, disabling them and
//! the changes an administrator makes to their account.

use super::prelude::*;

use crate::UserChange;

pub(crate) fn user_from_row<R: DialectRow>(row: &R) -> StoreResult<User> {
    let dob: Option<String> = row.get_v("date_of_birth")?;
    let date_of_birth = dob
        .map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d"))
        .transpose()
        .map_err(|_| StoreError::Corrupt("date of birth".into()))?;
    Ok(User {
        id: parse_id(row.get_v::<&str, _>("id")?)?,
        username: Username::parse(row.get_v::<&str, _>("username")?)?,
        display_name: DisplayName::parse(row.get_v::<&str, _>("display_name")?)?,
        role: row.get_v::<&str, _>("role")?.parse()?,
        date_of_birth,
        language: Language::parse(row.get_v::<&str, _>("language")?)?,
        disabled: row.get_v("disabled")?,
        mrn: row
            .get_v::<Option<String>, _>("mrn")?
            .map(|m| carethread_core::user::Mrn::parse(&m))
            .transpose()
            .map_err(|_| StoreError::Corrupt("record number".into()))?,
    })
}

impl<D: Dialect> Sql<D> {
    pub(crate) async fn insert_user(
        &self,
        user: &NewUser,
        password_hash: &str,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<User> {
        let id = UserId::from_uuid(new_id());
        self.audited(async |conn| {
            let result = sqlx::query::<D>(
                "INSERT INTO users (id, username, display_name, role, date_of_birth, language, password_hash, disabled, created_at, mrn) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, $8, $9)",
            )
            .bind_v(id.to_string())
            .bind_v(user.username.as_str())
            .bind_v(user.display_name.as_str())
            .bind_v(user.role.as_str())
            .bind_v(user.date_of_birth.map(|d| d.format("%Y-%m-%d").to_string()))
            .bind_v(user.language.as_str())
            .bind_v(password_hash)
            .bind_v(ms(now))
            .bind_v(user.mrn.as_ref().map(carethread_core::user::Mrn::as_str))
            .execute_with(&mut *conn)
            .await;
            naming_conflict(result, "username or record number")?;
            let created = User {
                id,
                username: user.username.clone(),
                display_name: user.display_name.clone(),
                role: user.role,
                date_of_birth: user.date_of_birth,
                language: user.language,
                disabled: false,
                mrn: user.mrn.clone(),
            };
            Ok(Audited::new(created, with_target(std::slice::from_ref(audit), "user", &id.to_string())))
        })
        .await
    }

    pub(crate) async fn read_user(&self, id: UserId) -> StoreResult<Option<User>> {
        let row = sqlx::query::<D>(&format!("SELECT {USER_COLS} FROM users u WHERE u.id = $1"))
            .bind_v(id.to_string())
            .fetch_optional_with(&self.read)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub(crate) async fn read_credentials(&self, username: &Username) -> StoreResult<Option<crate::Credentials>> {
        let row = sqlx::query::<D>(&format!("SELECT {USER_COLS}, u.password_hash FROM users u WHERE u.username = $1"))
            .bind_v(username.as_str())
            .fetch_optional_with(&self.read)
            .await?;
        match row {
            Some(row) => {
                Ok(Some(crate::Credentials { user: user_from_row(&row)?, password_hash: row.get_v("password_hash")? }))
            }
            None => Ok(None),
        }
    }

    pub(crate) async fn read_users(&self) -> StoreResult<Vec<User>> {
        let rows = sqlx::query::<D>(&format!("SELECT {USER_COLS} FROM users u ORDER BY u.username"))
            .fetch_all_with(&self.read)
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    pub(crate) async fn write_user_disabled(
        &self,
        username: &Username,
        disabled: bool,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        self.audited(async |conn| {
            let id: Option<String> =
                sqlx::query::<D>("UPDATE users SET disabled = $2 WHERE username = $1 RETURNING id")
                    .bind_v(username.as_str())
                    .bind_v(disabled)
                    .fetch_optional_scalar_with(&mut *conn)
                    .await?;
            let Some(id) = id else {
                return Ok(Audited::unchanged(false));
            };
            if disabled {
                sqlx::query::<D>("DELETE FROM sessions WHERE user_id = $1")
                    .bind_v(&id)
                    .execute_with(&mut *conn)
                    .await?;
            }
            Ok(Audited::new(true, with_target(std::slice::from_ref(audit), "user", &id)))
        })
        .await
    }

    pub(crate) async fn write_user_change(
        &self,
        id: UserId,
        change: &UserChange,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        self.audited(async |conn| {
            let row = sqlx::query::<D>(
                "UPDATE users SET role = COALESCE($2, role), display_name = COALESCE($3, display_name), \
                 language = COALESCE($4, language), mrn = CASE WHEN $5 THEN $6 ELSE mrn END WHERE id = $1 RETURNING id",
            )
            .bind_v(id.to_string())
            .bind_v(change.role.map(Role::as_str))
            .bind_v(change.display_name.as_ref().map(DisplayName::as_str))
            .bind_v(change.language.map(Language::as_str))
            .bind_v(change.mrn.is_some())
            .bind_v(change.mrn.as_ref().and_then(|m| m.as_ref().map(carethread_core::user::Mrn::as_str)))
            .fetch_optional_with(&mut *conn)
            .await;
            if naming_conflict(row, "record number")?.is_none() {
                return Ok(Audited::unchanged(false));
            }
            if change.role.is_some() {
                // A new role is new powers: sign in again to get them.
                sqlx::query::<D>("DELETE FROM sessions WHERE user_id = $1")
                    .bind_v(id.to_string())
                    .execute_with(&mut *conn)
                    .await?;
            }
            Ok(Audited::new(true, with_target(std::slice::from_ref(audit), "user", &id.to_string())))
        })
        .await
    }
}
