//! What triage decided, in the form the store keeps with a thread.

use carethread_core::thread::Category;
use carethread_store::TriageRecord;
use carethread_triage::TriageResult;

/// The stored triage record for `result`, with the thread's final category
/// (a patient's own choice wins over triage's) and the pool it was routed to.
#[must_use]
pub fn triage_record(result: &TriageResult, category: Category, pool: &str) -> TriageRecord {
    TriageRecord {
        urgency: result.urgency,
        category,
        pool_slug: Some(pool.to_owned()),
        confidence: result.confidence,
        reasons: result.reasons.clone(),
        model_id: carethread_triage::MODEL_ID.to_owned(),
        model_version: carethread_triage::MODEL_VERSION.to_owned(),
    }
}
