// Care teams and pools: who is on which patient's care team, the pools
// threads are routed to and who works in each. SQL shared by both backends;
// `include!`d by `sqlite.rs` and `postgres.rs` after `sql_store.rs`.

fn pool_from_row(row: &DbRow) -> StoreResult<PoolRef> {
    Ok(PoolRef {
        id: parse_id(row.try_get::<&str, _>("id")?)?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
    })
}

impl Backend {
    async fn write_care_team_member(&self, patient_id: UserId, staff_id: UserId, member: bool, audit: &AuditEvent) -> StoreResult<()> {
        let sql = if member {
            "INSERT INTO care_team_members (patient_id, staff_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM care_team_members WHERE patient_id = $1 AND staff_id = $2"
        };
        self.audited(async |conn| {
            sqlx::query(sql).bind(patient_id.to_string()).bind(staff_id.to_string()).execute(&mut *conn).await?;
            Ok(Audited::new((), with_target(std::slice::from_ref(audit), "user", &staff_id.to_string())))
        })
        .await
    }

    async fn insert_pool(&self, slug: &str, name: &str, audit: &AuditEvent) -> StoreResult<PoolRef> {
        let id = PoolId::from_uuid(new_id());
        self.audited(async |conn| {
            let result = sqlx::query("INSERT INTO pools (id, slug, name) VALUES ($1, $2, $3)")
                .bind(id.to_string())
                .bind(slug)
                .bind(name)
                .execute(&mut *conn)
                .await;
            naming_conflict(result, "pool")?;
            let pool = PoolRef { id, slug: slug.to_owned(), name: name.to_owned() };
            Ok(Audited::new(pool, with_target(std::slice::from_ref(audit), "pool", &id.to_string())))
        })
        .await
    }

    async fn write_pool_member(&self, pool_id: PoolId, user_id: UserId, member: bool, audit: &AuditEvent) -> StoreResult<()> {
        let sql = if member {
            "INSERT INTO pool_members (pool_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM pool_members WHERE pool_id = $1 AND user_id = $2"
        };
        self.audited(async |conn| {
            sqlx::query(sql).bind(pool_id.to_string()).bind(user_id.to_string()).execute(&mut *conn).await?;
            Ok(Audited::new((), with_target(std::slice::from_ref(audit), "pool", &pool_id.to_string())))
        })
        .await
    }

    async fn read_pools(&self) -> StoreResult<Vec<PoolRef>> {
        let rows = sqlx::query("SELECT id, slug, name FROM pools ORDER BY name").fetch_all(&self.read).await?;
        rows.iter().map(pool_from_row).collect()
    }

    async fn read_pool_by_slug(&self, slug: &str) -> StoreResult<Option<PoolRef>> {
        let row = sqlx::query("SELECT id, slug, name FROM pools WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(pool_from_row).transpose()
    }

    async fn read_pool(&self, id: PoolId) -> StoreResult<Option<PoolRef>> {
        let row = sqlx::query("SELECT id, slug, name FROM pools WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(pool_from_row).transpose()
    }

    async fn read_care_teams(&self) -> StoreResult<Vec<crate::CareTeamMember>> {
        let pairs = self.read_memberships(
            "SELECT c.patient_id AS owner, u.id, u.display_name, u.role FROM care_team_members c \
             JOIN users u ON u.id = c.staff_id ORDER BY c.patient_id, u.display_name",
        )
        .await?;
        Ok(pairs.into_iter().map(|(patient_id, clinician)| crate::CareTeamMember { patient_id, clinician }).collect())
    }

    async fn read_pool_members(&self) -> StoreResult<Vec<crate::PoolMember>> {
        let pairs = self.read_memberships(
            "SELECT m.pool_id AS owner, u.id, u.display_name, u.role FROM pool_members m \
             JOIN users u ON u.id = m.user_id ORDER BY m.pool_id, u.display_name",
        )
        .await?;
        Ok(pairs.into_iter().map(|(pool_id, member)| crate::PoolMember { pool_id, member }).collect())
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
