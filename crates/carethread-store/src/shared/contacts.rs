//! Contact details and notification preferences: one row per person who set
//! any, with the token their unsubscribe links carry.

use async_trait::async_trait;
use carethread_core::contact::{EmailAddress, NotifyChannel, PhoneNumber, QuietHours};
use chrono::NaiveTime;

use super::backend::Backend;
use super::prelude::*;
use crate::contacts::ContactPreferences;

const COLUMNS: &str = "user_id, email, phone, channel, quiet_start, quiet_end, language";

fn time(raw: Option<&str>) -> StoreResult<Option<NaiveTime>> {
    raw.map(|t| NaiveTime::parse_from_str(t, "%H:%M").map_err(|_| StoreError::Corrupt("quiet hours".into())))
        .transpose()
}

fn preferences_from_row<R: DialectRow>(row: &R) -> StoreResult<(UserId, ContactPreferences)> {
    let quiet = match (time(row.get_v("quiet_start")?)?, time(row.get_v("quiet_end")?)?) {
        (Some(start), Some(end)) => Some(QuietHours { start, end }),
        _ => None,
    };
    let preferences = ContactPreferences {
        email: row.get_v::<Option<&str>, _>("email")?.map(EmailAddress::parse).transpose()?,
        phone: row.get_v::<Option<&str>, _>("phone")?.map(PhoneNumber::parse).transpose()?,
        channel: row.get_v::<&str, _>("channel")?.parse::<NotifyChannel>()?,
        quiet_hours: quiet,
        language: row.get_v::<Option<&str>, _>("language")?.map(Language::parse).transpose()?,
    };
    Ok((parse_id(row.get_v::<&str, _>("user_id")?)?, preferences))
}

#[async_trait]
impl<B: Backend> crate::Contacts for B {
    async fn contact_preferences(&self, user: UserId) -> StoreResult<Option<ContactPreferences>> {
        Ok(self.contact_preferences_of(&[user]).await?.into_iter().next().map(|(_, p)| p))
    }

    async fn contact_preferences_of(&self, users: &[UserId]) -> StoreResult<Vec<(UserId, ContactPreferences)>> {
        let mut found = Vec::with_capacity(users.len());
        // One person at a time: the lists are a thread's readers or an on-call chain.
        for user in users {
            let row = sqlx::query::<B::D>(&format!("SELECT {COLUMNS} FROM contact_preferences WHERE user_id = $1"))
                .bind_v(user.to_string())
                .fetch_optional_with(&self.sql().read)
                .await?;
            if let Some(row) = row {
                found.push(preferences_from_row(&row)?);
            }
        }
        Ok(found)
    }

    async fn set_contact_preferences(
        &self,
        user: UserId,
        preferences: &ContactPreferences,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let now = audit.at;
        let sql = self.sql();
        let hhmm = |t: NaiveTime| t.format("%H:%M").to_string();
        sql.audited(async |conn| {
            sqlx::query::<B::D>(
                "INSERT INTO contact_preferences (user_id, email, phone, channel, quiet_start, quiet_end, language, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (user_id) DO UPDATE SET email = $2, phone = $3, channel = $4, quiet_start = $5, \
                 quiet_end = $6, language = $7, updated_at = $8",
            )
            .bind_v(user.to_string())
            .bind_v(preferences.email.as_ref().map(|e| e.as_str().to_owned()))
            .bind_v(preferences.phone.as_ref().map(|p| p.as_str().to_owned()))
            .bind_v(preferences.channel.as_str())
            .bind_v(preferences.quiet_hours.map(|q| hhmm(q.start)))
            .bind_v(preferences.quiet_hours.map(|q| hhmm(q.end)))
            .bind_v(preferences.language.map(Language::as_str))
            .bind_v(ms(now))
            .execute_with(&mut *conn)
            .await?;
            Ok(Audited::new((), with_target(std::slice::from_ref(audit), "user", &user.to_string())))
        })
        .await
    }

    async fn ensure_unsubscribe_token(&self, user: UserId, token: &str, now: DateTime<Utc>) -> StoreResult<String> {
        let sql = self.sql();
        let mut tx = sql.write.begin().await?;
        sqlx::query::<B::D>(
            "INSERT INTO contact_preferences (user_id, channel, updated_at) VALUES ($1, 'email', $2) \
             ON CONFLICT (user_id) DO NOTHING",
        )
        .bind_v(user.to_string())
        .bind_v(ms(now))
        .execute_with(&mut *tx)
        .await?;
        sqlx::query::<B::D>(
            "UPDATE contact_preferences SET unsubscribe_token = $2 WHERE user_id = $1 AND unsubscribe_token IS NULL",
        )
        .bind_v(user.to_string())
        .bind_v(token)
        .execute_with(&mut *tx)
        .await?;
        let in_use: String =
            sqlx::query::<B::D>("SELECT unsubscribe_token FROM contact_preferences WHERE user_id = $1")
                .bind_v(user.to_string())
                .fetch_scalar_with(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(in_use)
    }

    async fn unsubscribe_holder(&self, token: &str) -> StoreResult<Option<UserId>> {
        let row = sqlx::query::<B::D>("SELECT user_id FROM contact_preferences WHERE unsubscribe_token = $1")
            .bind_v(token)
            .fetch_optional_with(&self.sql().read)
            .await?;
        row.map(|row| parse_id(row.get_v::<&str, _>("user_id")?)).transpose()
    }

    async fn unsubscribe(&self, token: &str, now: DateTime<Utc>, audit: AuditEvent) -> StoreResult<Option<UserId>> {
        let sql = self.sql();
        sql.audited(async |conn| {
            let row = sqlx::query::<B::D>(
                "UPDATE contact_preferences SET channel = 'none', updated_at = $2 WHERE unsubscribe_token = $1 \
                 RETURNING user_id",
            )
            .bind_v(token)
            .bind_v(ms(now))
            .fetch_optional_with(&mut *conn)
            .await?;
            let Some(row) = row else { return Ok(Audited::unchanged(None)) };
            let user: UserId = parse_id(row.get_v::<&str, _>("user_id")?)?;
            let audit = audit.clone().patient(user);
            Ok(Audited::new(Some(user), with_target(std::slice::from_ref(&audit), "user", &user.to_string())))
        })
        .await
    }
}
