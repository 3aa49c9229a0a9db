//! Triage of incoming patient messages under the clinic's own settings, in
//! the form the store keeps with a thread.

use std::sync::Arc;

use carethread_core::thread::Category;
use carethread_store::{StoreResult, TriageRecord, TriageSettings};
use carethread_triage::{RoutingRules, Triage, TriageResult};

use crate::AppState;

/// The clinic's triage settings: read from the store at most once per
/// [`crate::clinic::PROFILE_TTL`], and at once after this server saves a change.
pub async fn clinic_triage_settings(state: &AppState) -> StoreResult<Arc<TriageSettings>> {
    if let Some(settings) = state.triage.get() {
        return Ok(settings);
    }
    let settings = Arc::new(state.store.triage_settings().await?);
    state.triage.put(settings.clone());
    Ok(settings)
}

/// The default routing rules overlaid with the ones an admin set.
#[must_use]
pub fn routing_rules(settings: &TriageSettings) -> RoutingRules {
    let mut rules = RoutingRules::default();
    for (key, slug) in &settings.routes {
        rules.set(key, slug.clone());
    }
    rules
}

/// Triages a patient's message. A category the patient chose wins over
/// triage's for routing, except that emergencies always go to the emergency pool.
pub async fn triage_patient_message(
    state: &AppState,
    subject: &str,
    body: &str,
    chosen: Option<Category>,
) -> StoreResult<TriageRecord> {
    let settings = clinic_triage_settings(state).await?;
    let rules = routing_rules(&settings);
    let result = Triage::builtin().classify(subject, body, settings.classifier_enabled, &rules);
    let category = chosen.unwrap_or(result.category);
    let pool = rules.route(category, result.urgency).to_owned();
    Ok(triage_record(&result, category, &pool))
}

/// The stored triage record for `result`, with the thread's final category
/// and the pool it was routed to.
#[must_use]
pub fn triage_record(result: &TriageResult, category: Category, pool: &str) -> TriageRecord {
    TriageRecord {
        urgency: result.urgency,
        category,
        pool_slug: Some(pool.to_owned()),
        confidence: result.confidence,
        reasons: result.reasons.clone(),
        model_id: result.model_id.to_owned(),
        model_version: result.model_version.clone(),
        needs_review: result.needs_review,
        overridden_by: None,
    }
}
