//! Whether writes succeed, asked after one failed for want of room; and,
//! for tests only, a database file that may not grow.

use async_trait::async_trait;

use super::backend::Backend;
use super::prelude::*;

#[async_trait]
impl<B: Backend> crate::StorageHealth for B {
    async fn probe_write(&self) -> StoreResult<()> {
        let mut tx = self.sql().write.begin().await?;
        if B::D::NAME == "sqlite" {
            // A new table needs a new page, and the commit appends to the WAL:
            // this fails while the file cannot grow or the disk is full.
            sqlx::query::<B::D>("CREATE TABLE carethread_write_probe (filler TEXT)").execute_with(&mut *tx).await?;
            sqlx::query::<B::D>("DROP TABLE carethread_write_probe").execute_with(&mut *tx).await?;
        } else {
            // A session's own table, so servers sharing the database never meet here.
            sqlx::query::<B::D>("CREATE TEMPORARY TABLE carethread_write_probe (filler TEXT) ON COMMIT DROP")
                .execute_with(&mut *tx)
                .await?;
            sqlx::query::<B::D>("INSERT INTO carethread_write_probe VALUES (repeat('x', 8192))")
                .execute_with(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn cap_storage_for_tests(&self, cap: bool) -> StoreResult<bool> {
        if B::D::NAME != "sqlite" {
            return Ok(false);
        }
        // `max_page_count` belongs to a connection: set on the writer (the
        // pool's only connection), it holds for every write this store makes.
        let limit: i64 = if cap {
            sqlx::query::<B::D>("PRAGMA page_count").fetch_scalar_with::<i64, _>(&self.sql().write).await?
        } else {
            4_294_967_294
        };
        sqlx::query::<B::D>(&format!("PRAGMA max_page_count = {limit}")).execute_with(&self.sql().write).await?;
        Ok(true)
    }
}
