//! Triage of incoming patient messages under the clinic's own settings, in
//! the form the store keeps with a thread.

use std::sync::Arc;

use carethread_core::thread::Category;
use carethread_store::{StoreResult, TriageRecord, TriageSettings};
use carethread_triage::{RoutingRules, Sensitivity, Triage, TriageResult};

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
/// triage's for routing, except that emergencies always go to the emergency
/// pool. A clinical, sexual-health, mental-health or confidential message
/// never goes to a pool with non-clinical members, whatever the rules say.
pub async fn triage_patient_message(
    state: &AppState,
    subject: &str,
    body: &str,
    chosen: Option<Category>,
    confidential: bool,
) -> StoreResult<TriageRecord> {
    let settings = clinic_triage_settings(state).await?;
    let rules = routing_rules(&settings);
    let result = Triage::builtin().classify(subject, body, settings.classifier_enabled, &rules);
    let category = chosen.unwrap_or(result.category);
    let mut sensitive: Vec<Sensitivity> =
        carethread_triage::sensitive::detect(subject, body).into_iter().map(|(t, _)| Sensitivity::Topic(t)).collect();
    if category == Category::Clinical {
        sensitive.insert(0, Sensitivity::Clinical);
    }
    if confidential {
        sensitive.push(Sensitivity::Confidential);
    }
    let clinical = if sensitive.is_empty() { Vec::new() } else { clinical_pools(state).await? };
    let clinical: Vec<&str> = clinical.iter().map(String::as_str).collect();
    let routed = rules.route_guarded(category, result.urgency, &sensitive, &clinical);
    let mut record = triage_record(&result, category, &routed.pool);
    if chosen.is_some_and(|c| c != result.category) {
        record.reasons.push(format!("category kept: {category} (triage read {})", result.category));
    }
    record.reasons.extend(routed.reason);
    Ok(record)
}

/// Slugs of the pools only clinical staff read: at least one member, and
/// every member a clinician (physician, nurse, pharmacist). Front-desk or
/// billing staff in a pool make it non-clinical, whatever it is called.
pub async fn clinical_pools(state: &AppState) -> StoreResult<Vec<String>> {
    let pools = state.store.pools().await?;
    let members = state.store.pool_members().await?;
    let mut clinical: Vec<String> = pools
        .into_iter()
        .filter(|p| {
            let mut of_pool = members.iter().filter(|(id, _)| *id == p.id).peekable();
            of_pool.peek().is_some() && of_pool.all(|(_, m)| m.role.is_clinician())
        })
        .map(|p| p.slug)
        .collect();
    clinical.sort();
    Ok(clinical)
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
