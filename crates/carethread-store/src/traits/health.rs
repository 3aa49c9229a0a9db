//! Whether the database accepts writes.

use async_trait::async_trait;

use crate::StoreResult;

/// Whether the database accepts writes: asked by readiness after a write
/// failed for want of room ([`crate::StoreError::StorageFull`]).
#[async_trait]
pub trait StorageHealth: Send + Sync {
    /// Makes and removes a small table in one committed transaction: succeeds
    /// only if the database can grow and commit.
    async fn probe_write(&self) -> StoreResult<()>;

    /// Tests only: `true` stops the SQLite file from growing past its size now
    /// (`PRAGMA max_page_count` on the writer), `false` lifts the cap. A full
    /// disk cannot be made on demand, and `max_page_count` holds only for the
    /// connection it is set on, which is the store's own writer: so the
    /// harness asks the store. `Ok(false)` on PostgreSQL, which has no such cap.
    #[doc(hidden)]
    async fn cap_storage_for_tests(&self, cap: bool) -> StoreResult<bool>;
}
