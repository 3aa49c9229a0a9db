// Whether writes succeed, asked after one failed for want of room; and,
// for tests only, a database file that may not grow. Included in each
// backend module (see `sqlite.rs`, `postgres.rs`).

#[async_trait]
impl crate::StorageHealth for Backend {
    async fn probe_write(&self) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        if BACKEND_NAME == "sqlite" {
            // A new table needs a new page, and the commit appends to the WAL:
            // this fails while the file cannot grow or the disk is full.
            sqlx::query("CREATE TABLE carethread_write_probe (filler TEXT)").execute(&mut *tx).await?;
            sqlx::query("DROP TABLE carethread_write_probe").execute(&mut *tx).await?;
        } else {
            // A session's own table, so servers sharing the database never meet here.
            sqlx::query("CREATE TEMPORARY TABLE carethread_write_probe (filler TEXT) ON COMMIT DROP")
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO carethread_write_probe VALUES (repeat('x', 8192))").execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn cap_storage_for_tests(&self, cap: bool) -> StoreResult<bool> {
        if BACKEND_NAME != "sqlite" {
            return Ok(false);
        }
        // `max_page_count` belongs to a connection: set on the writer (the
        // pool's only connection), it holds for every write this store makes.
        let limit: i64 =
            if cap { sqlx::query_scalar("PRAGMA page_count").fetch_one(&self.write).await? } else { 4_294_967_294 };
        sqlx::query(&format!("PRAGMA max_page_count = {limit}")).execute(&self.write).await?;
        Ok(true)
    }
}
