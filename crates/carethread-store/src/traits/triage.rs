//! Triage results: the latest of a thread, overriding them by hand, and how
//! triage has done.

use async_trait::async_trait;
use std::collections::HashMap;

use carethread_core::ids::ThreadId;
use carethread_core::thread::{Thread, Urgency};
use chrono::{DateTime, Utc};

use crate::{StoreResult, TriageOverride, TriageRecord, TriageStats};

/// Triage results. An override is written with its audit entries in one transaction.
#[async_trait]
pub trait TriageResults: Send + Sync {
    /// The thread's latest triage result and when it was made.
    async fn latest_triage(&self, id: ThreadId) -> StoreResult<Option<(TriageRecord, DateTime<Utc>)>>;
    /// For each of `ids` that has been triaged, the urgency of its latest
    /// result and when it was made, in one read (nothing sealed is opened):
    /// what a page of threads needs to tell which emergencies came after hours.
    async fn latest_triage_urgencies(
        &self,
        ids: &[ThreadId],
    ) -> StoreResult<HashMap<ThreadId, (Urgency, DateTime<Utc>)>>;
    /// Re-triages a thread by hand: moves it and records who did it, atomically.
    async fn override_triage(&self, change: &TriageOverride) -> StoreResult<Thread>;
    /// Triage results by model, reviews asked for, and overrides.
    async fn triage_stats(&self) -> StoreResult<TriageStats>;
}
