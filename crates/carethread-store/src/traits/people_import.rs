//! Importing people from a clinic's EHR.

use async_trait::async_trait;

use crate::{ImportOutcome, ImportStep, Importer, StoreResult};

#[async_trait]
pub trait PeopleImports: Send + Sync {
    /// Applies the steps in order in one transaction with an audit entry for
    /// each change: all of them, or (on any error) none. A step naming
    /// someone unknown is `Missing`; one whose identifier names a person of
    /// another role, or a taken username, is a `Conflict`.
    async fn import_people(&self, steps: &[ImportStep], by: &Importer) -> StoreResult<Vec<ImportOutcome>>;
}
