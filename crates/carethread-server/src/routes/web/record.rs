//! The portal's page that offers a patient's record of messages to keep
//! (to the patient, and to a proxy for each patient who gave full access)
//! and its download (`/record/download`), written by
//! [`crate::record_views`].

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use carethread_app::Operator;
use carethread_app::record;
use carethread_core::role::Role;
use maud::html;

use super::pages::api_error_in;
use super::{WebSession, page};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::record_views::{RecordQuery, download, read_query};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/record", get(record_page)).route("/record/download", get(download_in_portal))
}

async fn download_in_portal(
    State(state): State<AppState>,
    headers: HeaderMap,
    session: WebSession,
    query: Result<ApiQuery<RecordQuery>, ApiError>,
) -> Response {
    let result = async {
        let ApiQuery(query) = query?;
        let (patient, format) = read_query(&query, session.auth.user.id)?;
        let caller = session.auth.caller();
        let record = record::export_record(&state.app(), Operator::Person(&caller), patient).await?;
        Ok::<_, ApiError>(download(
            &crate::addresses::origin(&state, &headers),
            &record,
            &format,
            session.text.0,
            &session.clinic,
        ))
    }
    .await;
    result.unwrap_or_else(|e| api_error_in(&session, &e))
}

/// Offers the downloads: her own to a patient; to a proxy, one for each
/// patient who gave her full access.
async fn record_page(State(state): State<AppState>, session: WebSession) -> Response {
    let text = session.text;
    if !matches!(session.auth.user.role, Role::Patient | Role::Proxy) {
        return Redirect::to("/").into_response();
    }
    let whose = match record::downloadable_records(&state.app(), &session.auth.caller()).await {
        Ok(people) => people,
        Err(e) => return api_error_in(&session, &e.into()),
    };
    page(
        text,
        text.get("record-title"),
        Some(&session),
        html! {
            p { (text.get("record-intro")) }
            @if whose.is_empty() { p { (text.get("record-none")) } }
            @for person in &whose {
                @let id = person.id;
                section {
                    h2 { (person.display_name) }
                    ul {
                        li { a href={ "/record/download?format=html&patient=" (id) } download { (text.get("record-html")) } }
                        li { a href={ "/record/download?format=fhir&patient=" (id) } download { (text.get("record-fhir")) } }
                    }
                }
            }
        },
    )
}
