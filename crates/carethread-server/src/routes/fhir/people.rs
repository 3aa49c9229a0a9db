//! `GET /fhir/r4/Patient/{id}` and `Patient?name=&identifier=`, `GET
//! /fhir/r4/Practitioner/{id}` and `Practitioner?name=`, and a patient's
//! `CareTeam` (read, and search by subject).

use carethread_app::fhir_facts::{patient_facts, practitioner_facts};
use carethread_app::fhir_people::{self, PeoplePage};
use carethread_app::fhir_reads;
use carethread_core::ids::UserId;
use carethread_core::user::User;
use carethread_fhir::{PeopleKind, PeopleSearch, SearchEntry};

use super::extract::{Reading, Searching};
use super::{Fhir, FhirResult, at_most_one, base_url, one_reference, party, query_pairs};
use crate::AppState;
use crate::extract::Authenticated;

fn patient_resource(user: &User) -> serde_json::Value {
    carethread_fhir::patient(&patient_facts(user))
}

fn practitioner_resource(user: &User) -> serde_json::Value {
    carethread_fhir::practitioner(&practitioner_facts(user))
}

/// A patient the caller may see; anyone else answers 404 like a missing one.
pub(super) async fn read_patient(Reading { state, auth, id }: Reading<UserId>) -> FhirResult {
    let user = fhir_reads::read_patient(&state.app(), &auth.caller(), id).await?;
    Ok(Fhir(patient_resource(&user)))
}

/// A page of people as a searchset, with a `next` link while more follow.
fn people_page(
    base: &str,
    search: &PeopleSearch,
    found: &PeoplePage,
    resource: fn(&User) -> serde_json::Value,
) -> serde_json::Value {
    let kind = if search.kind == PeopleKind::Patient { "Patient" } else { "Practitioner" };
    let entries = found
        .people
        .iter()
        .map(|u| SearchEntry { full_url: format!("{base}/{kind}/{}", u.id), resource: resource(u) })
        .collect();
    let total = (search.cursor.is_none() && found.next.is_none()).then_some(found.people.len() as u64);
    let self_url = format!("{base}/{kind}?{}", search.query(search.cursor));
    let next_url = found.next.map(|next| format!("{base}/{kind}?{}", search.query(Some(next))));
    carethread_fhir::searchset(total, &self_url, next_url.as_deref(), entries)
}

fn app_search(search: &PeopleSearch) -> fhir_people::PeopleSearch {
    fhir_people::PeopleSearch {
        name: search.name.clone(),
        mrn: search.mrn.clone(),
        after: search.cursor,
        limit: search.count,
    }
}

/// `GET /fhir/r4/Patient?name=&identifier=`: the patients the caller may see that match.
pub(super) async fn search_patients(Searching { state, headers, auth, query }: Searching) -> FhirResult {
    let search = PeopleSearch::parse(PeopleKind::Patient, &query_pairs(query)?)?;
    let found = fhir_people::search_patients(&state.app(), &auth.caller(), app_search(&search)).await?;
    Ok(Fhir(people_page(&base_url(&state, &headers), &search, &found, patient_resource)))
}

/// `GET /fhir/r4/Practitioner?name=`: members of staff by name.
pub(super) async fn search_practitioners(Searching { state, headers, auth, query }: Searching) -> FhirResult {
    let search = PeopleSearch::parse(PeopleKind::Practitioner, &query_pairs(query)?)?;
    let found = fhir_people::search_practitioners(&state.app(), &auth.caller(), app_search(&search)).await?;
    Ok(Fhir(people_page(&base_url(&state, &headers), &search, &found, practitioner_resource)))
}

/// A member of staff; anyone else answers 404.
pub(super) async fn read_practitioner(Reading { state, auth, id }: Reading<UserId>) -> FhirResult {
    let user = fhir_reads::read_practitioner(&state.app(), &auth.caller(), id).await?;
    Ok(Fhir(practitioner_resource(&user)))
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

fn related_person_resource(grant: &carethread_store::GrantRecord) -> serde_json::Value {
    let now = chrono::Utc::now();
    carethread_fhir::related_person(&carethread_fhir::RelatedPersonFacts {
        grant: grant.id,
        patient: party(&grant.patient),
        proxy: party(&grant.proxy),
        scope: grant.scope,
        granted_at: grant.created_at,
        ends: grant.revoked_at.or(grant.expires_at),
        active: grant.revoked_at.is_none() && grant.expires_at.is_none_or(|e| e > now),
    })
}

/// `GET /fhir/r4/RelatedPerson/{grant id}`: a proxy's access to a patient.
pub(super) async fn read_related_person(
    Reading { state, auth, id }: Reading<carethread_core::ids::GrantId>,
) -> FhirResult {
    let grant = fhir_people::read_grant(&state.app(), &auth.caller(), id).await?;
    Ok(Fhir(related_person_resource(&grant)))
}

/// `GET /fhir/r4/RelatedPerson?patient=&identifier=`: the grants the caller may see.
pub(super) async fn search_related_persons(Searching { state, headers, auth, query }: Searching) -> FhirResult {
    let (patient, proxy) = carethread_fhir::related_person_search(&query_pairs(query)?)?;
    let grants = fhir_people::search_grants(&state.app(), &auth.caller(), patient, proxy).await?;
    let base = base_url(&state, &headers);
    let entries: Vec<SearchEntry> = grants
        .iter()
        .map(|g| SearchEntry {
            full_url: format!("{base}/RelatedPerson/{}", g.id),
            resource: related_person_resource(g),
        })
        .collect();
    Ok(Fhir(carethread_fhir::searchset(Some(entries.len() as u64), &format!("{base}/RelatedPerson"), None, entries)))
}
