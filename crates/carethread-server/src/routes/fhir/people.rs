//! `GET /fhir/r4/Patient/{id}` and `GET /fhir/r4/Practitioner/{id}`.

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
