//! `GET /fhir/r4/Task/{id}`, `GET /fhir/r4/Task?…` and `GET /fhir/r4/Group/{id}`:
//! the care team's in-basket as FHIR `Task`s and pools as `Group`s, read
//! through the application layer.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use carethread_app::fhir_tasks::{self, NewOwner, TaskQuery, TaskRow};
use carethread_core::ids::{PoolId, ThreadId};
use carethread_fhir::{Party, PoolFacts, SearchEntry, TaskFacts, TaskOwner, TaskSearch, TaskUpdate};
use carethread_store::PoolRef;

use super::extract::{FhirCaller, Reading, Searching};
use super::{Fhir, FhirError, FhirResult, base_url, party, query_pairs};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::path_id;

fn pool(pool: &PoolRef) -> PoolFacts {
    PoolFacts { id: pool.id, slug: pool.slug.clone(), name: pool.name.clone() }
}

pub(super) fn facts(row: &TaskRow) -> TaskFacts {
    let t = &row.summary.thread;
    TaskFacts {
        thread_id: t.id,
        subject: t.subject.as_str().to_owned(),
        status: t.status,
        urgency: t.urgency,
        patient: party(&row.summary.patient),
        assignee: row.summary.assignee.as_ref().map(party),
        pool: row.summary.pool.as_ref().map(pool),
        created_at: t.created_at,
        updated_at: t.updated_at,
        due: row.due,
    }
}

/// One conversation the caller may read, as a task; anything else answers 404.
pub(super) async fn read(Reading { state, auth, id }: Reading<ThreadId>) -> FhirResult {
    let row = fhir_tasks::read_task(&state.app(), &auth.caller(), id).await?;
    Ok(Fhir(carethread_fhir::task(&facts(&row))))
}

/// Changes a task's status and owner (`PUT`, the whole Task sent back with
/// them changed); answers the task as it is now.
pub(super) async fn update(
    State(state): State<AppState>,
    auth: Result<FhirCaller, FhirError>,
    id: Result<Path<String>, PathRejection>,
    body: axum::body::Bytes,
) -> FhirResult {
    let FhirCaller(auth) = auth?;
    let Ok(Path(raw)) = id else { return Err(ApiError::NotFound.into()) };
    let id: ThreadId = path_id(&raw)?;
    let resource: serde_json::Value =
        serde_json::from_slice(&body).map_err(|_| ApiError::BadRequest("the request body is not valid JSON".into()))?;
    let update = TaskUpdate::parse(&resource, &raw)?;
    let owner = match update.owner {
        Some(TaskOwner::Practitioner(person)) => NewOwner::Person(person),
        Some(TaskOwner::Group(pool)) => NewOwner::Pool(pool),
        None => NewOwner::Nobody,
    };
    let row = fhir_tasks::update_task(&state.app(), &auth.caller(), id, update.status, owner).await?;
    Ok(Fhir(carethread_fhir::task(&facts(&row))))
}

/// A page of the caller's in-basket as tasks, with a `next` link while more follow.
pub(super) async fn search(Searching { state, headers, auth, query }: Searching) -> FhirResult {
    let pairs = query_pairs(query)?;
    let search = TaskSearch::parse(&pairs)?;
    let query = TaskQuery {
        assignee: match search.owner {
            Some(TaskOwner::Practitioner(id)) => Some(id),
            _ => None,
        },
        pool: match search.owner {
            Some(TaskOwner::Group(id)) => Some(id),
            _ => None,
        },
        status: search.status,
        urgency: search.priority,
    };
    let page =
        fhir_tasks::search_tasks(&state.app(), &auth.caller(), query, search.cursor.as_deref(), search.count).await?;
    let base = base_url(&state, &headers);
    let entries: Vec<SearchEntry> = page
        .tasks
        .iter()
        .map(|row| SearchEntry {
            full_url: format!("{base}/Task/{}", row.summary.thread.id),
            resource: carethread_fhir::task(&facts(row)),
        })
        .collect();
    // The in-basket counts nothing beyond its page: the total is known on the
    // first page when it is also the last.
    let total = (page.next.is_none() && search.cursor.is_none()).then_some(entries.len() as u64);
    let self_url = match &search.cursor {
        Some(cursor) => format!("{base}/Task?{}", search.query_after(cursor)),
        None => format!("{base}/Task?{}", search.query()),
    };
    let next_url = page.next.map(|cursor| format!("{base}/Task?{}", search.query_after(&cursor)));
    Ok(Fhir(carethread_fhir::searchset(total, &self_url, next_url.as_deref(), entries)))
}

/// `GET /fhir/r4/Group?name=`: the pools whose name matches, with their staff.
pub(super) async fn search_groups(Searching { state, headers, auth, query }: Searching) -> FhirResult {
    let search = carethread_fhir::PeopleSearch::parse(carethread_fhir::PeopleKind::Group, &query_pairs(query)?)?;
    let caller = auth.caller();
    let pools = carethread_app::fhir_people::search_pools(&state.app(), &caller, search.name.as_deref()).await?;
    let base = base_url(&state, &headers);
    let mut entries = Vec::with_capacity(pools.len());
    for found in &pools {
        let (found, members) = fhir_tasks::read_group(&state.app(), &caller, found.id).await?;
        let members: Vec<Party> = members.iter().map(party).collect();
        entries.push(SearchEntry {
            full_url: format!("{base}/Group/{}", found.id),
            resource: carethread_fhir::group(&pool(&found), &members),
        });
    }
    let self_url = format!("{base}/Group?{}", search.query(None));
    Ok(Fhir(carethread_fhir::searchset(Some(entries.len() as u64), &self_url, None, entries)))
}

/// A pool and the staff who work from it; an unknown pool answers 404.
pub(super) async fn read_group(Reading { state, auth, id }: Reading<PoolId>) -> FhirResult {
    let (found, members) = fhir_tasks::read_group(&state.app(), &auth.caller(), id).await?;
    let members: Vec<Party> = members.iter().map(party).collect();
    Ok(Fhir(carethread_fhir::group(&pool(&found), &members)))
}
