//! Care teams and pools: who is on which patient's care team, the pools threads
//! are routed to and who works in each.

use super::prelude::*;

pub(crate) fn pool_from_row<R: DialectRow>(row: &R) -> StoreResult<PoolRef> {
    Ok(PoolRef { id: parse_id(row.get_v::<&str, _>("id")?)?, slug: row.get_v("slug")?, name: row.get_v("name")? })
}

impl<D: Dialect> Sql<D> {
    pub(crate) async fn write_care_team_member(
        &self,
        patient_id: UserId,
        staff_id: UserId,
        member: bool,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let sql = if member {
            "INSERT INTO care_team_members (patient_id, staff_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM care_team_members WHERE patient_id = $1 AND staff_id = $2"
        };
        self.audited(async |conn| {
            sqlx::query::<D>(sql)
                .bind_v(patient_id.to_string())
                .bind_v(staff_id.to_string())
                .execute_with(&mut *conn)
                .await?;
            Ok(Audited::new((), with_target(std::slice::from_ref(audit), "user", &staff_id.to_string())))
        })
        .await
    }

    pub(crate) async fn insert_pool(&self, slug: &str, name: &str, audit: &AuditEvent) -> StoreResult<PoolRef> {
        let id = PoolId::from_uuid(new_id());
        self.audited(async |conn| {
            let result = sqlx::query::<D>("INSERT INTO pools (id, slug, name) VALUES ($1, $2, $3)")
                .bind_v(id.to_string())
                .bind_v(slug)
                .bind_v(name)
                .execute_with(&mut *conn)
                .await;
            naming_conflict(result, "pool")?;
            let pool = PoolRef { id, slug: slug.to_owned(), name: name.to_owned() };
            Ok(Audited::new(pool, with_target(std::slice::from_ref(audit), "pool", &id.to_string())))
        })
        .await
    }

    pub(crate) async fn write_pool_member(
        &self,
        pool_id: PoolId,
        user_id: UserId,
        member: bool,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let sql = if member {
            "INSERT INTO pool_members (pool_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM pool_members WHERE pool_id = $1 AND user_id = $2"
        };
        self.audited(async |conn| {
            sqlx::query::<D>(sql)
                .bind_v(pool_id.to_string())
                .bind_v(user_id.to_string())
                .execute_with(&mut *conn)
                .await?;
            Ok(Audited::new((), with_target(std::slice::from_ref(audit), "pool", &pool_id.to_string())))
        })
        .await
    }

    pub(crate) async fn read_pools(&self) -> StoreResult<Vec<PoolRef>> {
        let rows =
            sqlx::query::<D>("SELECT id, slug, name FROM pools ORDER BY name").fetch_all_with(&self.read).await?;
        rows.iter().map(pool_from_row).collect()
    }

    pub(crate) async fn read_pool_by_slug(&self, slug: &str) -> StoreResult<Option<PoolRef>> {
        let row = sqlx::query::<D>("SELECT id, slug, name FROM pools WHERE slug = $1")
            .bind_v(slug)
            .fetch_optional_with(&self.read)
            .await?;
        row.as_ref().map(pool_from_row).transpose()
    }

    pub(crate) async fn read_pool(&self, id: PoolId) -> StoreResult<Option<PoolRef>> {
        let row = sqlx::query::<D>("SELECT id, slug, name FROM pools WHERE id = $1")
            .bind_v(id.to_string())
            .fetch_optional_with(&self.read)
            .await?;
        row.as_ref().map(pool_from_row).transpose()
    }

    pub(crate) async fn read_care_teams(&self) -> StoreResult<Vec<crate::CareTeamMember>> {
        let pairs = self
            .read_memberships(
                "SELECT c.patient_id AS owner, u.id, u.display_name, u.role FROM care_team_members c \
             JOIN users u ON u.id = c.staff_id ORDER BY c.patient_id, u.display_name",
            )
            .await?;
        Ok(pairs.into_iter().map(|(patient_id, clinician)| crate::CareTeamMember { patient_id, clinician }).collect())
    }

    pub(crate) async fn read_pool_members(&self) -> StoreResult<Vec<crate::PoolMember>> {
        let pairs = self
            .read_memberships(
                "SELECT m.pool_id AS owner, u.id, u.display_name, u.role FROM pool_members m \
             JOIN users u ON u.id = m.user_id ORDER BY m.pool_id, u.display_name",
            )
            .await?;
        Ok(pairs.into_iter().map(|(pool_id, member)| crate::PoolMember { pool_id, member }).collect())
    }

    /// (what they belong to, who) pairs from a query naming the first `owner`.
    pub(crate) async fn read_memberships<T: FromStr>(&self, sql: &str) -> StoreResult<Vec<(T, PersonRef)>> {
        let rows = sqlx::query::<D>(sql).fetch_all_with(&self.read).await?;
        rows.iter()
            .map(|r| {
                let who = person(parse_id(r.get_v::<&str, _>("id")?)?, r.get_v("display_name")?, r.get_v("role")?)?;
                Ok((parse_id(r.get_v::<&str, _>("owner")?)?, who))
            })
            .collect()
    }
}
