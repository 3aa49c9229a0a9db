//! `Subscription` for registered systems (the R4 Subscriptions Backport):
//! create (a handshake follows), read, list their own, delete (ends it).
//! The rules and the delivery are the application layer's
//! ([`carethread_app::subscriptions`]).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use carethread_app::subscriptions::{self, NewSubscription};
use carethread_core::ids::SubscriptionId;
use carethread_fhir::{SearchEntry, SubscriptionFacts, SubscriptionRequest};
use carethread_store::Subscription;

use super::extract::{Posted, Reading, Searching};
use super::{Fhir, FhirError, FhirResult, base_url, query_pairs};
use crate::error::ApiError;

fn resource(s: &Subscription) -> serde_json::Value {
    carethread_fhir::subscription(&SubscriptionFacts {
        id: s.id.to_string(),
        topic: s.topic.as_str().to_owned(),
        patient: s.patient,
        endpoint: s.endpoint.clone(),
        status: s.status.as_str().to_owned(),
        error: s.error.clone(),
    })
}

/// `POST /fhir/r4/Subscription`: `201` with the subscription (`requested`
/// until its endpoint answers the handshake).
pub(super) async fn create(Posted { state, headers, auth, resource: asked }: Posted) -> Result<Response, FhirError> {
    let asked = SubscriptionRequest::parse(&asked)?;
    let base = base_url(&state, &headers);
    let new = NewSubscription {
        topic: asked.topic,
        patient: asked.patient,
        endpoint: asked.endpoint,
        headers: asked.headers,
        fhir_base: base.clone(),
    };
    let made = subscriptions::create(&state.app(), &auth.caller(), auth.is_system(), new).await?;
    super::created(resource(&made), &format!("{base}/Subscription/{}", made.id))
}

/// `GET /fhir/r4/Subscription/{id}`: one of the caller's.
pub(super) async fn read(Reading { state, auth, id }: Reading<SubscriptionId>) -> FhirResult {
    Ok(Fhir(resource(&subscriptions::read(&state.app(), &auth.caller(), id).await?)))
}

/// `GET /fhir/r4/Subscription`: the caller's subscriptions.
pub(super) async fn search(Searching { state, headers, auth, query }: Searching) -> FhirResult {
    if let Some((name, _)) =
        query_pairs(query)?.into_iter().find(|(n, v)| !(n == "_format" && carethread_fhir::is_json_format(v)))
    {
        return Err(
            ApiError::BadRequest(format!("{name}: is not a supported search parameter for Subscription")).into()
        );
    }
    let base = base_url(&state, &headers);
    let own = subscriptions::list(&state.app(), &auth.caller()).await?;
    let entries: Vec<SearchEntry> = own
        .iter()
        .map(|s| SearchEntry { full_url: format!("{base}/Subscription/{}", s.id), resource: resource(s) })
        .collect();
    Ok(Fhir(carethread_fhir::searchset(Some(entries.len() as u64), &format!("{base}/Subscription"), None, entries)))
}

/// `DELETE /fhir/r4/Subscription/{id}`: ends it; nothing more is sent.
pub(super) async fn end(Reading { state, auth, id }: Reading<SubscriptionId>) -> Result<Response, FhirError> {
    subscriptions::end(&state.app(), &auth.caller(), id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
