//! The envelope-encryption keys that seal PHI columns and attachments.

use async_trait::async_trait;

use crate::{MasterKey, RotationReport, StoreResult};

/// Key rotation: new data keys, and data keys re-wrapped under a new master key.
#[async_trait]
pub trait Keys: Send + Sync {
    /// Re-wraps every data key under a new master key. Reopen the store with
    /// the new key afterwards.
    async fn rewrap_keys(&self, next: &MasterKey) -> StoreResult<u64>;
    /// Adds a data key and re-encrypts every sealed value under it.
    async fn rotate_data_key(&self) -> StoreResult<RotationReport>;
}
