//! What happens to a patient's message before it is stored: triage under
//! the clinic's own settings, in the form the store keeps with a thread, and
//! where a confidential thread must live so only clinical staff read it.

use std::sync::Arc;

use carethread_core::ids::PoolId;
use carethread_core::thread::{Category, Thread};
use carethread_store::{StoreResult, TriageRecord, TriageSettings};
use carethread_triage::{RoutingRules, Sensitivity, Triage, TriageResult};

use crate::App;

/// The clinic's triage settings: read from the store at most once per
/// [`crate::clinic::PROFILE_TTL`], and at once after this server saves a change.
pub async fn clinic_triage_settings(app: &App) -> StoreResult<Arc<TriageSettings>> {
    if let Some(settings) = app.triage.get() {
        return Ok(settings);
    }
    let settings = Arc::new(app.store.triage_settings().await?);
    app.triage.put(settings.clone());
    Ok(settings)
}

/// The default routing rules overlaid with the ones an admin set.
#[must_use]
pub fn routing_rules(settings: &TriageSettings) -> RoutingRules {
    let mut rules = RoutingRules::default();
    for route in &settings.routes {
        rules.set(&route.key, route.pool_slug.clone());
    }
    rules
}

/// Triages a patient's message. A category the patient chose wins over
/// triage's for routing, except that emergencies always go to the emergency
/// pool. A clinical, sexual-health, mental-health or confidential message
/// never goes to a pool with non-clinical members, whatever the rules say.
pub async fn triage_patient_message(
    app: &App,
    subject: &str,
    body: &str,
    chosen: Option<Category>,
    confidential: bool,
) -> StoreResult<TriageRecord> {
    let settings = clinic_triage_settings(app).await?;
    let rules = routing_rules(&settings);
    let result = Triage::builtin().classify(subject, body, settings.classifier_enabled, &rules);
    let category = chosen.unwrap_or(result.category);
    let mut sensitive: Vec<Sensitivity> =
        carethread_triage::sensitive::detect(subject, body).into_iter().map(|(t, _)| Sensitivity::Topic(t)).collect();
    // A message triage cannot read (another language) is for a nurse with an
    // interpreter, whatever the patient chose: never a non-clinical pool.
    if category == Category::Clinical || result.interpreter.is_some() {
        sensitive.insert(0, Sensitivity::Clinical);
    }
    if confidential {
        sensitive.push(Sensitivity::Confidential);
    }
    let clinical = if sensitive.is_empty() { Vec::new() } else { clinical_pools(app).await? };
    let clinical: Vec<&str> = clinical.iter().map(String::as_str).collect();
    let routed = rules.route_guarded(category, result.urgency, &sensitive, &clinical);
    let mut record = triage_record(&result, category, &routed.pool);
    if chosen.is_some_and(|c| c != result.category) {
        record.reasons.push(format!("category kept: {category} (triage read {})", result.category));
    }
    record.reasons.extend(routed.reason);
    Ok(record)
}

/// Where a thread an adolescent now keeps confidential must go so that only
/// clinical staff read it: `Some` pool when its pool has non-clinical members
/// (the routing rules' pool for it if clinical, else the clinical fallback),
/// `None` when it may stay (or no pool is clinical). The second value is
/// whether its assignee must be cleared (not a clinician).
pub async fn clinical_home(app: &App, thread: &Thread) -> StoreResult<(Option<PoolId>, bool)> {
    let assignee_not_clinical = match thread.assignee_id {
        Some(id) => !app.store.user(id).await?.is_some_and(|u| u.role.is_clinician()),
        None => false,
    };
    let Some(current) = thread.pool_id else {
        return Ok((None, assignee_not_clinical));
    };
    let clinical = clinical_pools(app).await?;
    let current = app.store.pool(current).await?;
    if current.is_some_and(|p| clinical.contains(&p.slug)) {
        return Ok((None, assignee_not_clinical));
    }
    let rules = routing_rules(&*clinic_triage_settings(app).await?);
    let slugs: Vec<&str> = clinical.iter().map(String::as_str).collect();
    let routed = rules.route_guarded(thread.category, thread.urgency, &[Sensitivity::Confidential], &slugs);
    if !clinical.contains(&routed.pool) {
        return Ok((None, assignee_not_clinical));
    }
    Ok((app.store.pool_by_slug(&routed.pool).await?.map(|p| p.id), assignee_not_clinical))
}

/// Slugs of the pools only clinical staff read: at least one member, and
/// every member a clinician (physician, nurse, pharmacist). Front-desk or
/// billing staff in a pool make it non-clinical, whatever it is called.
pub async fn clinical_pools(app: &App) -> StoreResult<Vec<String>> {
    let pairs = app.store.pool_member_roles().await?;
    let mut clinical = Vec::new();
    // Sorted by slug: each pool's roles are one run.
    for run in pairs.chunk_by(|a, b| a.0 == b.0) {
        let roles: Vec<_> = run.iter().map(|(_, role)| *role).collect();
        if carethread_triage::is_clinical_pool(&roles) {
            clinical.push(run[0].0.clone());
        }
    }
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
