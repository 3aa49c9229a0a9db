//! Searching people for the FHIR API: patients the caller may see (by name
//! and record number), staff (by name), and pools (by name). Which patients
//! is the core policy's ([`patient_reach`], then [`decide_new_thread`] for
//! each found); each patient found is audited as a patient read is.

use carethread_core::audit::AuditAction;
use carethread_core::ids::UserId;
use carethread_core::policy::{Decision, PatientReach, decide_new_thread, patient_reach};
use carethread_core::user::User;
use carethread_store::{PeopleQuery, PoolRef};
use chrono::Utc;

use crate::threads::require_messaging;
use crate::{App, AppError, AppResult, Caller};

/// A search of people: any part of the name, the record number, and a page.
#[derive(Debug, Clone, Default)]
pub struct PeopleSearch {
    pub name: Option<String>,
    /// Patients only: the clinic's record number, exactly.
    pub mrn: Option<String>,
    /// Where the previous page ended.
    pub after: Option<UserId>,
    pub limit: u32,
}

/// A page of people, by id, and where the next one starts.
#[derive(Debug, Clone)]
pub struct PeoplePage {
    pub people: Vec<User>,
    pub next: Option<UserId>,
}

fn matches(user: &User, search: &PeopleSearch) -> bool {
    let name =
        search.name.as_deref().is_none_or(|n| user.display_name.as_str().to_lowercase().contains(&n.to_lowercase()));
    let mrn = search.mrn.as_deref().is_none_or(|m| user.mrn.as_ref().is_some_and(|own| own.as_str() == m));
    name && mrn && search.after.is_none_or(|after| user.id > after)
}

fn page(mut people: Vec<User>, limit: u32) -> PeoplePage {
    let next = (people.len() > limit as usize).then(|| {
        people.truncate(limit as usize);
        people.last().map(|u| u.id)
    });
    PeoplePage { people, next: next.flatten() }
}

/// The patients the caller may see that match, by id; each found is audited.
pub async fn search_patients(app: &App, caller: &Caller, search: PeopleSearch) -> AppResult<PeoplePage> {
    require_messaging(caller)?;
    let now = Utc::now();
    let actor = caller.actor();
    let query = |care_team_of| PeopleQuery {
        patients: true,
        name: search.name.clone(),
        mrn: search.mrn.clone(),
        care_team_of,
        after: search.after,
        limit: search.limit + 1,
    };
    let mut candidates = match patient_reach(actor.role) {
        PatientReach::Herself => app.store.user(actor.id).await?.into_iter().collect(),
        PatientReach::Granted => {
            let mut people = Vec::new();
            for person in app.store.proxy_patients(actor.id, now).await? {
                people.extend(app.store.user(person.id).await?);
            }
            people
        }
        PatientReach::CareTeam => app.store.find_people(&query(Some(actor.id))).await?,
        PatientReach::Everyone => app.store.find_people(&query(None)).await?,
        PatientReach::Nobody => return Err(AppError::Forbidden("your role does not see patients".into())),
    };
    candidates.retain(|u| u.role == carethread_core::role::Role::Patient && matches(u, &search));
    candidates.sort_by_key(|u| u.id);
    candidates.truncate(search.limit as usize + 1);
    let mut allowed = Vec::with_capacity(candidates.len());
    for user in candidates {
        let facts = app.store.patient_facts(actor, user.id).await?;
        if facts.is_some_and(|f| decide_new_thread(actor, &f, now) != Decision::NotFound) {
            allowed.push(user);
        }
    }
    let found = page(allowed, search.limit);
    let audit: Vec<_> = found
        .people
        .iter()
        .map(|u| {
            caller.audit(AuditAction::ThreadList).patient(u.id).target("patient", u.id).detail("fhir Patient search")
        })
        .collect();
    if !audit.is_empty() {
        app.store.record_audit(audit).await?;
    }
    Ok(found)
}

/// Members of staff whose name matches (names and roles, which everyone in
/// a conversation sees), by id.
pub async fn search_practitioners(app: &App, caller: &Caller, search: PeopleSearch) -> AppResult<PeoplePage> {
    require_messaging(caller)?;
    let query = PeopleQuery {
        patients: false,
        name: search.name.clone(),
        after: search.after,
        limit: search.limit + 1,
        ..PeopleQuery::default()
    };
    Ok(page(app.store.find_people(&query).await?, search.limit))
}

/// The pools whose name (or address name) matches, for staff who work in-baskets.
pub async fn search_pools(app: &App, caller: &Caller, name: Option<&str>) -> AppResult<Vec<PoolRef>> {
    crate::fhir_tasks::require_in_basket(caller)?;
    let wanted = name.map(str::to_lowercase);
    let mut pools = app.store.pools().await?;
    pools.retain(|p| {
        wanted.as_deref().is_none_or(|n| p.name.to_lowercase().contains(n) || p.slug.to_lowercase().contains(n))
    });
    Ok(pools)
}

/// Whether the caller may see a proxy's grant: the patient or the proxy
/// herself, or staff who may see the patient (as the core policy decides).
async fn may_see_grant(app: &App, caller: &Caller, grant: &carethread_store::GrantRecord) -> AppResult<bool> {
    let actor = caller.actor();
    if actor.id == grant.patient.id || actor.id == grant.proxy.id {
        return Ok(true);
    }
    if !actor.role.is_staff() {
        return Ok(false);
    }
    let facts = app.store.patient_facts(actor, grant.patient.id).await?;
    Ok(facts.is_some_and(|f| decide_new_thread(actor, &f, Utc::now()) != Decision::NotFound))
}

/// One proxy's access to a patient (a FHIR `RelatedPerson`), for the patient,
/// the proxy, or staff who may see the patient; audited as a read of the
/// patient's grants. Anything else answers `NotFound`.
pub async fn read_grant(
    app: &App,
    caller: &Caller,
    id: carethread_core::ids::GrantId,
) -> AppResult<carethread_store::GrantRecord> {
    require_messaging(caller)?;
    let grant = app.store.grant(id).await?.ok_or(AppError::NotFound)?;
    if !may_see_grant(app, caller, &grant).await? {
        return Err(AppError::NotFound);
    }
    let read = caller.audit(AuditAction::GrantList).patient(grant.patient.id).target("grant", id).detail("fhir");
    app.store.record_audit(vec![read]).await?;
    Ok(grant)
}

/// The grants of a patient, or of a proxy (her user id), that the caller may
/// see; audited per patient.
pub async fn search_grants(
    app: &App,
    caller: &Caller,
    patient: Option<UserId>,
    proxy: Option<UserId>,
) -> AppResult<Vec<carethread_store::GrantRecord>> {
    require_messaging(caller)?;
    if patient.is_none() && proxy.is_none() && caller.user.role.is_staff() {
        return Err(AppError::invalid("patient", "name the patient (or the proxy, by identifier)"));
    }
    let (patient, proxy) = match caller.user.role {
        // Patients and proxies see their own grants unless they name one.
        carethread_core::role::Role::Patient if patient.is_none() => (Some(caller.user.id), proxy),
        carethread_core::role::Role::Proxy if proxy.is_none() && patient.is_none() => (None, Some(caller.user.id)),
        _ => (patient, proxy),
    };
    let mut visible = Vec::new();
    for grant in app.store.proxy_grants(patient, proxy).await? {
        if may_see_grant(app, caller, &grant).await? {
            visible.push(grant);
        }
    }
    let mut patients: Vec<UserId> = visible.iter().map(|g| g.patient.id).collect();
    patients.sort_unstable();
    patients.dedup();
    let audit: Vec<_> =
        patients.iter().map(|p| caller.audit(AuditAction::GrantList).patient(*p).detail("fhir")).collect();
    if !audit.is_empty() {
        app.store.record_audit(audit).await?;
    }
    Ok(visible)
}
