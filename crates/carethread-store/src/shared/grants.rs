//! Proxy grants: granting, listing and revoking access to a patient's record,
//! the grant in force for a proxy, and the patients a proxy may act for.

use super::prelude::*;

use crate::GrantRecord;

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
    pub(crate) async fn insert_grant(
        &self,
        grant: &ProxyGrant,
        created_by: UserId,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<GrantId> {
        let id = GrantId::from_uuid(new_id());
        self.audited(async |conn| {
            sqlx::query::<D>(
                "INSERT INTO proxy_grants (id, patient_id, proxy_id, scope, expires_at, revoked_at, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind_v(id.to_string())
            .bind_v(grant.patient_id.to_string())
            .bind_v(grant.proxy_id.to_string())
            .bind_v(grant.scope.as_str())
            .bind_v(grant.expires_at.map(ms))
            .bind_v(grant.revoked_at.map(ms))
            .bind_v(created_by.to_string())
            .bind_v(ms(now))
            .execute_with(&mut *conn)
            .await?;
            Ok(Audited::new(id, with_target(std::slice::from_ref(audit), "grant", &id.to_string())))
        })
        .await
    }

    pub(crate) async fn read_grants(
        &self,
        patient: Option<UserId>,
        proxy: Option<UserId>,
    ) -> StoreResult<Vec<GrantRecord>> {
        let rows = sqlx::query::<D>(
            "SELECT g.id, g.scope, g.expires_at, g.revoked_at, g.created_at, \
             g.patient_id, p.display_name AS patient_name, p.role AS patient_role, \
             g.proxy_id, x.display_name AS proxy_name, x.role AS proxy_role \
             FROM proxy_grants g JOIN users p ON p.id = g.patient_id JOIN users x ON x.id = g.proxy_id \
             WHERE ($1 = '' OR g.patient_id = $1) AND ($2 = '' OR g.proxy_id = $2) \
             ORDER BY g.created_at DESC, g.id DESC",
        )
        .bind_v(patient.map_or_else(String::new, |p| p.to_string()))
        .bind_v(proxy.map_or_else(String::new, |p| p.to_string()))
        .fetch_all_with(&self.read)
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

    pub(crate) async fn write_revoke_grant(
        &self,
        id: GrantId,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        self.audited(async |conn| {
            let done = sqlx::query::<D>("UPDATE proxy_grants SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
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

    pub(crate) async fn read_proxy_patients(
        &self,
        proxy_id: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<PersonRef>> {
        let rows = sqlx::query::<D>(
            "SELECT DISTINCT u.id, u.display_name, u.role FROM proxy_grants g JOIN users u ON u.id = g.patient_id \
             WHERE g.proxy_id = $1 AND g.revoked_at IS NULL AND (g.expires_at IS NULL OR g.expires_at > $2) \
             ORDER BY u.display_name",
        )
        .bind_v(proxy_id.to_string())
        .bind_v(ms(now))
        .fetch_all_with(&self.read)
        .await?;
        rows.iter()
            .map(|r| person(parse_id(r.get_v::<&str, _>("id")?)?, r.get_v("display_name")?, r.get_v("role")?))
            .collect()
    }
}
