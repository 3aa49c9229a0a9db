//! The visit requests page: threads turned into visits, for the front desk
//! to book (mark booked or cancelled) and for billing to see which e-visits
//! led to a visit. The policy on who may see it is the application layer's.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use carethread_app::visits;
use carethread_store::{VisitRequestId, VisitStatus};
use maud::html;
use serde::Deserialize;

use super::pages::api_error_in;
use super::{WebSession, page};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::path_id;
use crate::routes::web::Checked;

/// Where the page lives.
pub(super) const PATH: &str = "/visit-requests";

pub(super) fn router() -> Router<AppState> {
    Router::new().route(PATH, get(list_page)).route("/visit-requests/{id}", post(set_status))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    /// `open` (default), `booked`, `cancelled` or `all`.
    #[serde(default)]
    status: Option<String>,
}

#[derive(Deserialize)]
struct StatusForm {
    status: String,
}

fn status_key(status: VisitStatus) -> &'static str {
    match status {
        VisitStatus::Open => "visits-open",
        VisitStatus::Booked => "visits-booked",
        VisitStatus::Cancelled => "visits-cancelled",
    }
}

fn kind_key(kind: carethread_store::VisitKind) -> &'static str {
    match kind {
        carethread_store::VisitKind::InPerson => "visit-in_person",
        carethread_store::VisitKind::Video => "visit-video",
        carethread_store::VisitKind::Phone => "visit-phone",
    }
}

async fn list_page(State(state): State<AppState>, session: WebSession, Query(q): Query<ListQuery>) -> Response {
    let text = session.text;
    let chosen = q.status.as_deref().unwrap_or("open");
    let status = match chosen {
        "all" => None,
        raw => match VisitStatus::parse(raw) {
            Ok(status) => Some(status),
            Err(e) => return api_error_in(&session, &e.into()),
        },
    };
    let found = match visits::visit_requests(&state.app(), &session.auth.caller(), status).await {
        Ok(found) => found,
        Err(e) => return api_error_in(&session, &e.into()),
    };
    let may_book = visits::may_book_visits(session.auth.user.role);
    page(
        text,
        text.get("visits-title"),
        Some(&session),
        html! {
            form method="get" action=(PATH) class="inline" {
                label for="visits-status" { (text.get("visits-status")) }
                select id="visits-status" name="status" {
                    @for (value, key) in [("open", "visits-open"), ("booked", "visits-booked"), ("cancelled", "visits-cancelled"), ("all", "visits-all")] {
                        option value=(value) selected[value == chosen] { (text.get(key)) }
                    }
                }
                button type="submit" { (text.get("visits-show")) }
            }
            @if found.is_empty() {
                p { (text.get("visits-empty")) }
            } @else {
                table {
                    thead { tr {
                        th scope="col" { (text.get("visits-patient")) }
                        th scope="col" { (text.get("visit-kind")) }
                        th scope="col" { (text.get("visits-reason")) }
                        th scope="col" { (text.get("visits-requested")) }
                        th scope="col" { (text.get("visits-status")) }
                        @if may_book { th scope="col" { (text.get("visits-act")) } }
                    } }
                    tbody {
                        @for v in &found {
                            tr {
                                td { a href={ "/threads/" (v.thread_id) } { (v.patient.display_name) } }
                                td { (text.get(kind_key(v.kind))) }
                                td { (v.reason) }
                                td { (session.when(v.requested_at)) " · " (v.requested_by.display_name) }
                                td { (text.get(status_key(v.status))) }
                                @if may_book {
                                    td {
                                        @if v.status == VisitStatus::Open {
                                            form method="post" action={ "/visit-requests/" (v.id) } class="inline" {
                                                input type="hidden" name="csrf_token" value=(session.csrf);
                                                button type="submit" name="status" value="booked" { (text.get("visits-mark_booked")) }
                                                " "
                                                button type="submit" name="status" value="cancelled" { (text.get("visits-mark_cancelled")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

async fn set_status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Checked(session, form): Checked<StatusForm>,
) -> Response {
    let result = async {
        let id: VisitRequestId = path_id(&id)?;
        let status = VisitStatus::parse(&form.status)?;
        visits::set_visit_status(&state.app(), &session.auth.caller(), id, status).await?;
        Ok::<_, ApiError>(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(PATH).into_response(),
        Err(e) => api_error_in(&session, &e),
    }
}
