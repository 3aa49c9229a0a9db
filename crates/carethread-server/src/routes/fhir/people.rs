//! `GET /fhir/r4/Patient/{id}`, `GET /fhir/r4/Practitioner/{id}` and a
//! patient's `CareTeam` (read, and search by subject).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use carethread_app::fhir_reads;
use carethread_core::ids::UserId;
use carethread_fhir::{PatientFacts, PractitionerFacts};

use super::{Fhir, FhirResult};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::Authenticated;

/// A patient the caller may see; anyone else answers 404 like a missing one.
pub(super) async fn read_patient(
    State(state): State<AppState>,
    auth: Result<Authenticated, ApiError>,
    id: Result<Path<String>, PathRejection>,
) -> FhirResult {
    let auth = auth?;
    // An id that cannot be read (not UTF-8, not a CareThread id) names nothing.
    let Ok(Path(id)) = id else { return Err(ApiError::NotFound.into()) };
    let id: UserId = id.parse().map_err(|_| ApiError::NotFound)?;
    let user = fhir_reads::read_patient(&state.app(), &auth.caller(), id).await?;
    Ok(Fhir(carethread_fhir::patient(&PatientFacts {
        id: user.id,
        name: user.display_name.as_str().to_owned(),
        birth_date: user.date_of_birth,
        language: user.language,
        mrn: user.mrn.as_ref().map(|m| m.as_str().to_owned()),
        active: !user.disabled,
    })))
}

/// A member of staff; anyone else answers 404.
pub(super) async fn read_practitioner(
    State(state): State<AppState>,
    auth: Result<Authenticated, ApiError>,
    id: Result<Path<String>, PathRejection>,
) -> FhirResult {
    let auth = auth?;
    // An id that cannot be read (not UTF-8, not a CareThread id) names nothing.
    let Ok(Path(id)) = id else { return Err(ApiError::NotFound.into()) };
    let id: UserId = id.parse().map_err(|_| ApiError::NotFound)?;
    let user = fhir_reads::read_practitioner(&state.app(), &auth.caller(), id).await?;
    Ok(Fhir(carethread_fhir::practitioner(&PractitionerFacts {
        id: user.id,
        name: user.display_name.as_str().to_owned(),
        role: user.role,
        active: !user.disabled,
    })))
}

fn party(person: &carethread_store::PersonRef) -> carethread_fhir::Party {
    carethread_fhir::Party { id: person.id, role: person.role, display: person.display_name.clone() }
}

/// The care team of a patient the caller may see; anyone else answers 404.
async fn care_team_of(state: &AppState, auth: &Authenticated, id: UserId) -> FhirResult<serde_json::Value> {
    let (patient, team) = fhir_reads::read_care_team(&state.app(), &auth.caller(), id).await?;
    let patient = carethread_fhir::Party {
        id: patient.id,
        role: patient.role,
        display: patient.display_name.as_str().to_owned(),
    };
    let members: Vec<carethread_fhir::Party> = team.iter().map(party).collect();
    Ok(carethread_fhir::care_team(&patient, &members))
}

/// `GET /fhir/r4/CareTeam/{patient id}`.
pub(super) async fn read_care_team(
    State(state): State<AppState>,
    auth: Result<Authenticated, ApiError>,
    id: Result<Path<String>, PathRejection>,
) -> FhirResult {
    let auth = auth?;
    let Ok(Path(id)) = id else { return Err(ApiError::NotFound.into()) };
    let id: UserId = id.parse().map_err(|_| ApiError::NotFound)?;
    Ok(Fhir(care_team_of(&state, &auth, id).await?))
}

/// `GET /fhir/r4/CareTeam?subject=Patient/{id}`: the patient's care team, or
/// none when the caller may not see her.
pub(super) async fn search_care_teams(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    auth: Result<Authenticated, ApiError>,
    query: Result<axum::extract::Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>,
) -> FhirResult {
    let auth = auth?;
    let axum::extract::Query(pairs) =
        query.map_err(|_| ApiError::BadRequest("the query string could not be read".into()))?;
    let mut subject = None;
    for (name, value) in &pairs {
        match name.as_str() {
            "subject" | "subject:Patient" if subject.is_none() => {
                let raw = value.trim();
                let raw = raw.strip_prefix("Patient/").unwrap_or(raw);
                subject = Some(
                    raw.parse::<UserId>().map_err(|_| ApiError::BadRequest("subject: must be Patient/{id}".into()))?,
                );
            }
            "_format" if matches!(value.as_str(), "json" | "application/json" | "application/fhir+json") => {}
            other => {
                return Err(
                    ApiError::BadRequest(format!("{other}: is not a supported search parameter for CareTeam")).into()
                );
            }
        }
    }
    let subject = subject.ok_or_else(|| ApiError::BadRequest("subject: name the patient".into()))?;
    let base = super::base_url(&state, &headers);
    let entries = match care_team_of(&state, &auth, subject).await {
        Ok(team) => {
            vec![carethread_fhir::SearchEntry { full_url: format!("{base}/CareTeam/{subject}"), resource: team }]
        }
        // A patient the caller may not see has no team to find.
        Err(super::FhirError(ApiError::NotFound)) => Vec::new(),
        Err(other) => return Err(other),
    };
    let self_url = format!("{base}/CareTeam?subject=Patient/{subject}");
    Ok(Fhir(carethread_fhir::searchset(Some(entries.len() as u64), &self_url, None, entries)))
}
