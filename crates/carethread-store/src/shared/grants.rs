//! Access beyond the care team: proxy grants (granting, listing and revoking
//! access to a patient's record, the grant in force for a proxy, the patients
//! a proxy may act for) and break-the-glass emergency access.

use async_trait::async_trait;

use super::backend::Backend;
use super::prelude::*;

use crate::{EmergencyAccessRequest, GrantRecord, NewGrant};

pub(crate) fn grant_from_row<R: DialectRow>(row: &R) -> StoreResult<ProxyGrant> {
    Ok(ProxyGrant {
        patient_id: parse_id(row.get_v::<&str, _>("patient_id")?)?,
        proxy_id: parse_id(row.get_v::<&str, _>("proxy_id")?)?,
        scope: ProxyScope::parse(row.get_v::<&str, _>("scope")?)?,
        expires_at: row.get_v::<Option<i64>, _>("expires_at")?.map(at).transpose()?,
        revoked_at: row.get_v::<Option<i64>, _>("revoked_at")?.map(at).transpose()?,
    })
}

impl<D: Dialect> Sql<D> {
    /// An active grant from `patient` to `proxy` at `now`, if any.
    pub(crate) async fn active_grant(
        &self,
        proxy: UserId,
        patient: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ProxyGrant>> {
        let row = sqlx::query::<D>(
            "SELECT patient_id, proxy_id, scope, expires_at, revoked_at FROM proxy_grants \
             WHERE proxy_id = $1 AND patient_id = $2 AND revoked_at IS NULL \
             AND (expires_at IS NULL OR expires_at > $3) ORDER BY created_at DESC LIMIT 1",
        )
        .bind_v(proxy.to_string())
        .bind_v(patient.to_string())
        .bind_v(ms(now))
        .fetch_optional_with(&self.read)
        .await?;
        row.as_ref().map(grant_from_row).transpose()
    }
}

impl<D: Dialect> Sql<D> {
    /// Grants by patient, proxy and id (`''`: any), newest first.
    async fn read_grants(&self, patient: &str, proxy: &str, id: &str) -> StoreResult<Vec<GrantRecord>> {
        let sql = self;
        let rows = sqlx::query::<D>(
            "SELECT g.id, g.scope, g.expires_at, g.revoked_at, g.created_at, \
             g.patient_id, p.display_name AS patient_name, p.role AS patient_role, \
             g.proxy_id, x.display_name AS proxy_name, x.role AS proxy_role \
             FROM proxy_grants g JOIN users p ON p.id = g.patient_id JOIN users x ON x.id = g.proxy_id \
             WHERE ($1 = '' OR g.patient_id = $1) AND ($2 = '' OR g.proxy_id = $2) AND ($3 = '' OR g.id = $3) \
             ORDER BY g.created_at DESC, g.id DESC",
        )
        .bind_v(patient)
        .bind_v(proxy)
        .bind_v(id)
        .fetch_all_with(&sql.read)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(GrantRecord {
                    id: parse_id(row.get_v::<&str, _>("id")?)?,
                    patient: person(
                        parse_id(row.get_v::<&str, _>("patient_id")?)?,
                        row.get_v("patient_name")?,
                        row.get_v("patient_role")?,
                    )?,
                    proxy: person(
                        parse_id(row.get_v::<&str, _>("proxy_id")?)?,
                        row.get_v("proxy_name")?,
                        row.get_v("proxy_role")?,
                    )?,
                    scope: ProxyScope::parse(row.get_v::<&str, _>("scope")?)?,
                    expires_at: row.get_v::<Option<i64>, _>("expires_at")?.map(at).transpose()?,
                    revoked_at: row.get_v::<Option<i64>, _>("revoked_at")?.map(at).transpose()?,
                    created_at: at(row.get_v("created_at")?)?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl<B: Backend> crate::AccessGrants for B {
    async fn grant_proxy(&self, new: &NewGrant, audit: &AuditEvent) -> StoreResult<GrantId> {
        let (sql, grant) = (self.sql(), &new.grant);
        let id = GrantId::from_uuid(new_id());
        sql.audited(async |conn| {
            sqlx::query::<B::D>(
                "INSERT INTO proxy_grants (id, patient_id, proxy_id, scope, expires_at, revoked_at, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind_v(id.to_string())
            .bind_v(grant.patient_id.to_string())
            .bind_v(grant.proxy_id.to_string())
            .bind_v(grant.scope.as_str())
            .bind_v(grant.expires_at.map(ms))
            .bind_v(grant.revoked_at.map(ms))
            .bind_v(new.created_by.to_string())
            .bind_v(ms(new.now))
            .execute_with(&mut *conn)
            .await?;
            Ok(Audited::new(id, with_target(std::slice::from_ref(audit), "grant", &id.to_string())))
        })
        .await
    }

    async fn proxy_grants(&self, patient: Option<UserId>, proxy: Option<UserId>) -> StoreResult<Vec<GrantRecord>> {
        let (patient, proxy) = (patient.map(|p| p.to_string()), proxy.map(|p| p.to_string()));
        self.sql().read_grants(patient.as_deref().unwrap_or(""), proxy.as_deref().unwrap_or(""), "").await
    }

    async fn grant(&self, id: GrantId) -> StoreResult<Option<GrantRecord>> {
        Ok(self.sql().read_grants("", "", &id.to_string()).await?.into_iter().next())
    }

    async fn revoke_grant(&self, id: GrantId, now: DateTime<Utc>, audit: &AuditEvent) -> StoreResult<bool> {
        let sql = self.sql();
        sql.audited(async |conn| {
            let done =
                sqlx::query::<B::D>("UPDATE proxy_grants SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                    .bind_v(id.to_string())
                    .bind_v(ms(now))
                    .execute_with(&mut *conn)
                    .await?
                    .rows_affected();
            if done == 0 {
                return Ok(Audited::unchanged(false));
            }
            Ok(Audited::new(true, with_target(std::slice::from_ref(audit), "grant", &id.to_string())))
        })
        .await
    }

    async fn proxy_patients(&self, proxy_id: UserId, now: DateTime<Utc>) -> StoreResult<Vec<PersonRef>> {
        let sql = self.sql();
        let rows = sqlx::query::<B::D>(
            "SELECT DISTINCT u.id, u.display_name, u.role FROM proxy_grants g JOIN users u ON u.id = g.patient_id \
             WHERE g.proxy_id = $1 AND g.revoked_at IS NULL AND (g.expires_at IS NULL OR g.expires_at > $2) \
             ORDER BY u.display_name",
        )
        .bind_v(proxy_id.to_string())
        .bind_v(ms(now))
        .fetch_all_with(&sql.read)
        .await?;
        rows.iter()
            .map(|r| person(parse_id(r.get_v::<&str, _>("id")?)?, r.get_v("display_name")?, r.get_v("role")?))
            .collect()
    }

    async fn open_emergency_access(&self, request: &EmergencyAccessRequest, audit: &AuditEvent) -> StoreResult<()> {
        let sql = self.sql();
        let id = new_id().to_string();
        let slot = Slot { table: "emergency_access", column: "reason", row: &id };
        let (key_id, sealed) = sql.keys.seal_text(slot, &request.reason)?;
        let event = ThreadEvent {
            kind: EventKind::BreakGlass,
            thread_id: audit
                .target
                .as_deref()
                .and_then(|t| t.strip_prefix("thread:"))
                .and_then(|t| t.parse().ok())
                .unwrap_or_else(|| ThreadId::from_uuid(Uuid::nil())),
            message_id: None,
            internal: true,
            alert: true,
            at: request.now,
        };
        sql.audited(async |conn| {
            sqlx::query::<B::D>(
                "INSERT INTO emergency_access (id, user_id, patient_id, reason, key_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind_v(&id)
            .bind_v(request.user.to_string())
            .bind_v(request.patient.to_string())
            .bind_v(sealed)
            .bind_v(key_id)
            .bind_v(ms(request.now))
            .bind_v(ms(request.expires_at))
            .execute_with(&mut *conn)
            .await?;
            Ok(Audited::new((), vec![audit.clone()]).publishing(event))
        })
        .await
    }
}
