//! `GET /fhir/r4/Communication/{id}` and `GET /fhir/r4/Communication?…`:
//! messages as FHIR `Communication`s, read through the application layer.

use axum::http::HeaderMap;
use axum::response::Response;
use carethread_app::fhir_facts::communication_facts;
use carethread_app::fhir_reads::{self, MessageQuery};
use carethread_app::fhir_writes;
use carethread_core::ids::MessageId;
use carethread_fhir::{CommunicationSearch, NewCommunication, PageCursor, SearchEntry};

use super::extract::{Posted, Reading, Searching};
use super::{Fhir, FhirError, FhirResult, at_most_one, base_url, one_reference, party, query_pairs};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::Authenticated;

/// One message the caller may read; another patient's answers 404 like a missing one.
pub(super) async fn read(Reading { state, auth, id }: Reading<MessageId>, headers: HeaderMap) -> FhirResult {
    let read = fhir_reads::read_message(&state.app(), &auth.caller(), id).await?;
    let origin = origin(&base_url(&state, &headers));
    Ok(Fhir(carethread_fhir::communication(&communication_facts(&read.thread, read.index, &origin))))
}

/// `POST Communication`: sends the message it describes (see
/// [`NewCommunication`]) and answers `201 Created` with it as stored and its
/// address in `Location`.
pub(super) async fn create(Posted { state, headers, auth, resource }: Posted) -> Result<Response, FhirError> {
    let new = NewCommunication::parse(&resource)?;
    let caller = auth.caller();
    let id = fhir_writes::create_communication(&state.app(), &caller, new).await?;
    let read = fhir_reads::read_message(&state.app(), &caller, id).await?;
    let base = base_url(&state, &headers);
    let created = carethread_fhir::communication(&communication_facts(&read.thread, read.index, &origin(&base)));
    super::created(created, &format!("{base}/Communication/{id}"))
}

/// A page of the messages the caller may read, newest first, with a `next`
/// link while more follow (keyset paging on sending time and id).
pub(super) async fn search(Searching { state, headers, auth, query }: Searching) -> FhirResult {
    let pairs = query_pairs(query)?;
    let search = CommunicationSearch::parse(&pairs)?;
    let query = MessageQuery {
        patient: search.subject,
        thread: search.part_of,
        since: search.sent.since,
        until: search.sent.until,
        category: search.category,
        urgency: search.urgency,
        page_size: search.count,
        before: search.cursor.map(|c| (c.sent, c.message)),
    };
    let page = fhir_reads::search_messages(&state.app(), &auth.caller(), query).await?;
    let base = base_url(&state, &headers);
    let origin = origin(&base);
    let entries = page
        .matches
        .iter()
        .filter_map(|&(t, m)| page.threads.get(t).map(|thread| communication_facts(thread, m, &origin)))
        .map(|f| SearchEntry {
            full_url: format!("{base}/Communication/{}", f.message_id),
            resource: carethread_fhir::communication(&f),
        })
        .collect();
    let self_url = format!("{base}/Communication?{}", search.query_of_this_page());
    let next_url = page
        .next
        .map(|(sent, message)| format!("{base}/Communication?{}", search.query_after(&PageCursor { sent, message })));
    let mut bundle = carethread_fhir::searchset(Some(page.total), &self_url, next_url.as_deref(), entries);
    // A system's token includes tasks only when its scopes allow reading them.
    let may_read_tasks =
        auth.scopes.as_ref().is_none_or(|s| s.allows("Task", carethread_fhir::smart::Permission::Read));
    if search.include_part_of && may_read_tasks {
        let caller = auth.caller();
        let mut included = Vec::new();
        for thread in &page.threads {
            let id = thread.view.summary.thread.id;
            // Included as far as the caller may read the conversation's task (staff who work in-baskets).
            match carethread_app::fhir_tasks::read_task(&state.app(), &caller, id).await {
                Ok(row) => included.push(SearchEntry {
                    full_url: format!("{base}/Task/{id}"),
                    resource: carethread_fhir::task(&super::task::facts(&row)),
                }),
                Err(carethread_app::AppError::NotFound | carethread_app::AppError::Forbidden(_)) => {}
                Err(other) => return Err(other.into()),
            }
        }
        carethread_fhir::add_included(&mut bundle, included);
    }
    Ok(Fhir(bundle))
}

/// The server's own address (`http://host:port`, or empty for relative
/// addresses), for the JSON API's attachment downloads.
fn origin(base: &str) -> String {
    base.strip_suffix(crate::addresses::FHIR_BASE).unwrap_or_default().to_owned()
}

/// Where an AI-assisted message came from; anything else answers 404.
async fn provenance_of(state: &AppState, auth: &Authenticated, id: MessageId) -> FhirResult<serde_json::Value> {
    let (read, model) = fhir_reads::read_provenance(&state.app(), &auth.caller(), id).await?;
    let message = read.thread.view.messages.get(read.index).ok_or(ApiError::NotFound)?;
    Ok(carethread_fhir::provenance(&carethread_fhir::ProvenanceFacts {
        message_id: id,
        sent: message.message.sent_at,
        clinician: party(&message.author),
        model,
    }))
}

/// `GET /fhir/r4/Provenance/{message id}`.
pub(super) async fn read_provenance(Reading { state, auth, id }: Reading<MessageId>) -> FhirResult {
    Ok(Fhir(provenance_of(&state, &auth, id).await?))
}

/// `GET /fhir/r4/Provenance?target=Communication/{id}`: the message's
/// provenance, or none when it was not AI-assisted or is not the caller's to read.
pub(super) async fn search_provenance(Searching { state, headers, auth, query }: Searching) -> FhirResult {
    let target: MessageId = one_reference(query, "Provenance", "target", "Communication")?;
    let found = provenance_of(&state, &auth, target).await;
    at_most_one(&state, &headers, "Provenance", &target.to_string(), &format!("target=Communication/{target}"), found)
}
