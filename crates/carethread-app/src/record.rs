//! A patient's copy of her record of messages: every conversation she (or a
//! proxy with full access) can see, with every message and file, as one
//! download. The patient and such a proxy ask for it themselves; staff
//! produce it at the command line. One audit entry records each download.

use carethread_core::audit::AuditAction;
use carethread_core::ids::UserId;
use carethread_core::policy::{Actor, Decision, decide_record_download};
use carethread_core::role::Role;
use carethread_core::user::User;
use carethread_store::{PersonRef, ThreadCursor, ThreadFilter};
use chrono::{DateTime, Utc};

use crate::audit::entry;
use crate::fhir_reads::ThreadRead;
use crate::threads::{ThreadCriteria, ThreadView};
use crate::{App, AppError, AppResult, Caller, Operator};

/// A patient's record as downloaded: the patient, and her conversations
/// newest first, each with its messages (never internal notes).
pub struct PatientRecord {
    pub patient: User,
    pub threads: Vec<ThreadRead>,
    pub generated_at: DateTime<Utc>,
}

/// Threads read per step while gathering a record.
const STEP: u32 = 200;

/// Gathers the patient's record for `by`: the patient herself or a proxy
/// with full access (as the core policy decides; a confidential thread is
/// not in a proxy's copy), or the operator at the command line (the
/// patient's own copy). Audited once, naming the patient.
pub async fn export_record(app: &App, by: Operator<'_>, patient: UserId) -> AppResult<PatientRecord> {
    let now = Utc::now();
    let viewer = match by {
        Operator::Person(caller) => {
            let actor = caller.actor();
            let facts = app.store.patient_facts(actor, patient).await?.ok_or(AppError::NotFound)?;
            match decide_record_download(actor, &facts, now) {
                Decision::Allow => actor,
                Decision::Forbidden => {
                    return Err(AppError::Forbidden(
                        "downloading the whole record needs full access from the patient".into(),
                    ));
                }
                Decision::NotFound => return Err(AppError::NotFound),
            }
        }
        Operator::CommandLine => Actor { id: patient, role: Role::Patient },
    };
    let user = app.store.user(patient).await?.filter(|u| u.role == Role::Patient).ok_or(AppError::NotFound)?;
    let mut threads = Vec::new();
    let mut after: Option<ThreadCursor> = None;
    loop {
        let filter = ThreadFilter {
            criteria: ThreadCriteria { patient: Some(patient), ..ThreadCriteria::default() },
            after,
            emergencies_first: false,
            limit: STEP,
        };
        let page = app.store.list_threads(viewer, &filter, now).await?;
        for summary in &page {
            let messages = app.store.messages(summary.thread.id, false).await?;
            let digests = app.store.attachment_digests(summary.thread.id).await?;
            let view = ThreadView { summary: summary.clone(), triage: None, messages };
            threads.push(ThreadRead { view, digests });
        }
        match page.last() {
            Some(last) if page.len() == STEP as usize => after = Some(ThreadCursor::after(&last.thread)),
            _ => break,
        }
    }
    let audit = entry(by, AuditAction::RecordExport, format!("{} conversations", threads.len()))
        .patient(patient)
        .target("patient", patient);
    app.store.record_audit(vec![audit]).await?;
    tracing::info!(threads = threads.len(), "a patient's record was downloaded");
    Ok(PatientRecord { patient: user, threads, generated_at: now })
}

/// Whose record the caller may download: her own for a patient; for a
/// proxy, each patient who gave her full access (as the core policy decides).
pub async fn downloadable_records(app: &App, caller: &Caller) -> AppResult<Vec<PersonRef>> {
    let now = Utc::now();
    let actor = caller.actor();
    let candidates = match actor.role {
        Role::Patient => vec![PersonRef::from(&caller.user)],
        Role::Proxy => app.store.proxy_patients(actor.id, now).await?,
        _ => Vec::new(),
    };
    let mut offered = Vec::with_capacity(candidates.len());
    for person in candidates {
        let facts = app.store.patient_facts(actor, person.id).await?;
        if facts.is_some_and(|f| decide_record_download(actor, &f, now) == Decision::Allow) {
            offered.push(person);
        }
    }
    Ok(offered)
}
