//! `POST /fhir/r4` with a `transaction` or `batch` Bundle of `Patient`,
//! `Practitioner`, `RelatedPerson` and `CareTeam`: onboarding or syncing a
//! clinic from its EHR (administrators). The import is the application
//! layer's ([`carethread_app::onboarding`]); this module reads the body and
//! answers a `transaction-response` or `batch-response` Bundle.

use axum::http::StatusCode;
use carethread_app::Operator;
use carethread_app::onboarding::{self, EntryResult};
use carethread_core::role::Role;
use carethread_fhir::{IssueCode, operation_outcome};
use carethread_store::ImportOutcome;
use serde_json::{Value, json};

use super::extract::Posted;
use super::{Fhir, FhirResult};
use crate::error::ApiError;

/// The `response` of one entry: its status, and where what it made lives.
fn response(result: EntryResult) -> Value {
    match result {
        Ok((role, outcomes)) => {
            let created = outcomes.iter().any(|o| {
                matches!(o, ImportOutcome::Created(_) | ImportOutcome::GrantAdded)
                    || matches!(o, ImportOutcome::MembersAdded(n) if *n > 0)
            });
            let mut answer = json!({ "status": if created { "201 Created" } else { "200 OK" } });
            // Where the person now lives (proxies are not served as RelatedPerson yet).
            let kind = match role {
                Some(Role::Patient) => Some("Patient"),
                Some(role) if role.is_staff() => Some("Practitioner"),
                _ => None,
            };
            if let (Some(kind), Some(ImportOutcome::Created(id) | ImportOutcome::Updated(id))) =
                (kind, outcomes.first())
            {
                answer["location"] = json!(format!("{kind}/{id}"));
            }
            answer
        }
        Err(err) => {
            let err = ApiError::from(err);
            // A field the entry got wrong is a 400 here, as everywhere in the FHIR API.
            let status = match err.status() {
                StatusCode::UNPROCESSABLE_ENTITY => StatusCode::BAD_REQUEST,
                other => other,
            };
            let outcome = operation_outcome(IssueCode::for_status(status.as_u16()), &err.to_string());
            json!({ "status": format!("{} {}", status.as_u16(), status.canonical_reason().unwrap_or("")), "outcome": outcome })
        }
    }
}

/// Imports the bundle; a transaction with an entry refused writes nothing
/// and answers that refusal as an `OperationOutcome`.
pub(super) async fn import(Posted { state, auth, resource, .. }: Posted) -> FhirResult {
    let bundle = carethread_fhir::read_onboarding(&resource)
        .map_err(|(element, reason)| ApiError::BadRequest(format!("{element}: {reason}")))?;
    let kind = if bundle.transaction { "transaction-response" } else { "batch-response" };
    let results = onboarding::import(&state.app(), Operator::Person(&auth.caller()), bundle).await?;
    let entries: Vec<Value> = results.into_iter().map(|r| json!({ "response": response(r) })).collect();
    Ok(Fhir(json!({ "resourceType": "Bundle", "type": kind, "entry": entries })))
}
