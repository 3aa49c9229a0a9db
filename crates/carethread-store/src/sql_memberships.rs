// Who is on which patient's care team and in which pool: SQL shared by both backends.
// `include!`d by `sqlite.rs` and `postgres.rs`.

impl Backend {
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
