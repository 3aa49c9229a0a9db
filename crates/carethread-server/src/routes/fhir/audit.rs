//! `GET /fhir/r4/AuditEvent/{seq}` and `GET /fhir/r4/AuditEvent?…`: the
//! audit log as FHIR `AuditEvent`s, read through the application layer
//! ([`carethread_app::audit`]): privacy officers see everything, a patient
//! who accessed her record (who, what and when), anyone else is refused.

use carethread_app::audit::{self, AuditPatient, ReadAudit};
use carethread_core::audit::AuditAction;
use carethread_fhir::{AuditFacts, AuditSearch, SearchEntry, audit_event};
use carethread_store::AuditRecord;

use super::extract::{Reading, Searching};
use super::{Fhir, FhirResult, base_url, party, query_pairs};
use crate::error::ApiError;

fn facts(entry: &AuditRecord, patient_view: bool) -> AuditFacts {
    let shown = |value: &Option<String>| if patient_view { None } else { value.clone() };
    AuditFacts {
        seq: entry.seq,
        at: entry.at,
        actor: entry.actor.as_ref().map(party),
        patient: if patient_view { None } else { entry.patient.as_ref().map(party) },
        action: entry.action.clone(),
        success: (!patient_view).then(|| entry.outcome == "success"),
        target: shown(&entry.target),
        client: shown(&entry.client),
        detail: shown(&entry.detail),
    }
}

/// One entry the caller may see; anything else answers 404 (or 403 for a
/// role that reads no audit log).
pub(super) async fn read(Reading { state, auth, id }: Reading<i64>) -> FhirResult {
    let (entry, patient_view) = audit::read_audit_entry(&state.app(), &auth.caller(), id).await?;
    Ok(Fhir(audit_event(&facts(&entry, patient_view))))
}

/// A page of the entries the caller may see, newest first, with a `next`
/// link while older ones follow.
pub(super) async fn search(Searching { state, headers, auth, query }: Searching) -> FhirResult {
    let search = AuditSearch::parse(&query_pairs(query)?)?;
    let action = search
        .action
        .as_deref()
        .map(AuditAction::parse)
        .transpose()
        .map_err(|_| ApiError::BadRequest("type: is not a CareThread audit action".into()))?;
    let read = ReadAudit {
        patient: search.patient.map_or(AuditPatient::Any, AuditPatient::Patient),
        actor: search.agent,
        action,
        from: search.date.since,
        to: search.date.until,
        before: search.before,
        limit: search.count,
        export: false,
    };
    let page = audit::read_audit(&state.app(), &auth.caller(), read).await?;
    let base = base_url(&state, &headers);
    let entries: Vec<SearchEntry> = page
        .entries
        .iter()
        .map(|e| SearchEntry {
            full_url: format!("{base}/AuditEvent/{}", e.seq),
            resource: audit_event(&facts(e, page.patient_view)),
        })
        .collect();
    // The log is not counted beyond a page: the total is given when this first page is also the last.
    let total = (search.before.is_none() && page.next_before.is_none()).then_some(entries.len() as u64);
    let self_url = format!("{base}/AuditEvent?{}", search.query(search.before));
    let next_url = page.next_before.map(|before| format!("{base}/AuditEvent?{}", search.query(Some(before))));
    Ok(Fhir(carethread_fhir::searchset(total, &self_url, next_url.as_deref(), entries)))
}
