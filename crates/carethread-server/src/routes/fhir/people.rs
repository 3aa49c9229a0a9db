//! `GET /fhir/r4/Patient/{id}`, `GET /fhir/r4/Practitioner/{id}` and a
//! patient's `CareTeam` (read, and search by subject).

use carethread_app::fhir_reads;
use carethread_core::ids::UserId;
use carethread_fhir::{PatientFacts, PractitionerFacts};

use super::extract::{Reading, Searching};
use super::{Fhir, FhirResult, at_most_one, one_reference, party};
use crate::AppState;
use crate::extract::Authenticated;

/// A patient the caller may see; anyone else answers 404 like a missing one.
pub(super) async fn read_patient(Reading { state, auth, id }: Reading<UserId>) -> FhirResult {
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
pub(super) async fn read_practitioner(Reading { state, auth, id }: Reading<UserId>) -> FhirResult {
    let user = fhir_reads::read_practitioner(&state.app(), &auth.caller(), id).await?;
    Ok(Fhir(carethread_fhir::practitioner(&PractitionerFacts {
        id: user.id,
        name: user.display_name.as_str().to_owned(),
        role: user.role,
        active: !user.disabled,
    })))
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
pub(super) async fn read_care_team(Reading { state, auth, id }: Reading<UserId>) -> FhirResult {
    Ok(Fhir(care_team_of(&state, &auth, id).await?))
}

/// `GET /fhir/r4/CareTeam?subject=Patient/{id}`: the patient's care team, or
/// none when the caller may not see her.
pub(super) async fn search_care_teams(Searching { state, headers, auth, query }: Searching) -> FhirResult {
    let subject: UserId = one_reference(query, "CareTeam", "subject", "Patient")?;
    let found = care_team_of(&state, &auth, subject).await;
    at_most_one(&state, &headers, "CareTeam", &subject.to_string(), &format!("subject=Patient/{subject}"), found)
}
