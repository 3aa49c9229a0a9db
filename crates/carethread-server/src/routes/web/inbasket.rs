//! The lists of threads: a patient's (or proxy's) messages, and the care
//! team's in-basket with its filters and live updates.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use carethread_app::in_basket;
use carethread_app::threads::{self, ListThreads, ThreadCriteria};
use carethread_core::role::Role;
use carethread_core::thread::Urgency;
use carethread_store::ThreadCursor;
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;

use super::{WebSession, page};
use crate::AppState;
use crate::dto::ThreadListItem;
use crate::error::ApiError;

mod overdue;
mod table;

use super::pages::{WELCOMED_COOKIE, api_error_in, patient_labels, status_label, urgency_label};

/// Threads on one page of a list.
pub(super) const PAGE_SIZE: u32 = 50;

/// One page of the threads the session may see (staff: most urgent first,
/// then the longest waiting; patients: newest first), from the same store
/// query and audited like the API's list, with the cursor of the next page if any.
pub(super) async fn visible_threads(
    state: &AppState,
    session: &WebSession,
    query: ListThreads,
) -> Result<(Vec<ThreadListItem>, Option<String>), ApiError> {
    let page = list_page(state, session, query).await?;
    Ok((page.items, page.next))
}

/// A page of threads with when each began waiting for the care team.
struct ListPage {
    items: Vec<ThreadListItem>,
    /// Per item: since when it has waited for the care team (`None` when it does not).
    waiting: Vec<Option<DateTime<Utc>>>,
    next: Option<String>,
}

async fn list_page(state: &AppState, session: &WebSession, query: ListThreads) -> Result<ListPage, ApiError> {
    let query = ListThreads { page_size: PAGE_SIZE, ..query };
    let page = threads::list_threads(&state.app(), &session.auth.caller(), query).await?;
    shown(state, session, page).await
}

/// A page of threads as the lists show them.
async fn shown(state: &AppState, session: &WebSession, page: threads::ThreadPage) -> Result<ListPage, ApiError> {
    let items = crate::thread_views::list_items(state, &session.auth, &page.threads, &session.clinic).await?;
    let waiting = page.threads.iter().map(|t| t.thread.awaiting_since).collect();
    Ok(ListPage { items, waiting, next: page.next_cursor })
}

/// The cursor a list page was asked to start after; a cursor that does not
/// parse starts at the beginning, as the first page's link would.
fn cursor(raw: Option<&str>) -> Option<ThreadCursor> {
    raw.filter(|c| !c.is_empty()).and_then(ThreadCursor::decode)
}

/// "Next page" and "First page" links for a list.
fn pager(session: &WebSession, first: &str, next: Option<String>, paged: bool) -> Markup {
    let text = session.text;
    let join = if first.contains('?') { '&' } else { '?' };
    html! {
        @if next.is_some() || paged {
            nav class="pager" aria-label=(text.get("list-pages")) {
                @if paged { a href=(first) { (text.get("list-first_page")) } " " }
                @if let Some(n) = next { a rel="next" href={ (first) (join) "after=" (n) } { (text.get("list-next_page")) } }
            }
        }
    }
}

#[derive(Deserialize)]
pub(super) struct InboxQuery {
    patient: Option<String>,
    after: Option<String>,
}

/// A patient's messages; a proxy sees each patient they act for, one at a time.
pub(super) async fn inbox(
    State(state): State<AppState>,
    session: WebSession,
    headers: HeaderMap,
    Query(q): Query<InboxQuery>,
) -> Response {
    let text = session.text;
    if !writes_for_a_patient(&session) {
        return Redirect::to("/").into_response();
    }
    if crate::extract::cookie_from_headers(&headers, WELCOMED_COOKIE).is_none() {
        return Redirect::to("/welcome").into_response();
    }
    let acting_for = if session.auth.user.role == Role::Proxy {
        match carethread_app::users::acting_for(&state.app(), &session.auth.caller()).await {
            Ok(p) => p,
            Err(e) => return api_error_in(&session, &e.into()),
        }
    } else {
        Vec::new()
    };
    // The patient asked for, else the one chosen last time (remembered for
    // "New message"), else the first; only ever one the proxy acts for.
    let remembered = crate::extract::cookie_from_headers(&headers, super::compose::ACTING_FOR_COOKIE);
    let acts_for = |id: &str| acting_for.iter().any(|p| p.id.to_string() == id);
    let chosen = q
        .patient
        .clone()
        .filter(|p| acts_for(p))
        .or_else(|| remembered.filter(|p| acts_for(p)).map(str::to_owned))
        .or_else(|| acting_for.first().map(|p| p.id.to_string()));
    let filter = ListThreads {
        criteria: ThreadCriteria {
            patient: chosen.as_deref().and_then(|p| p.parse().ok()),
            ..ThreadCriteria::default()
        },
        after: cursor(q.after.as_deref()),
        ..ListThreads::default()
    };
    let (threads, next) = match visible_threads(&state, &session, filter).await {
        Ok(t) => t,
        Err(e) => return api_error_in(&session, &e),
    };
    let first_page = chosen.as_deref().map_or_else(|| "/inbox".to_owned(), |p| format!("/inbox?patient={p}"));
    // A proxy whose access for this patient is read-only is told so, not offered a form that fails.
    let (_, writing, may_write) =
        match super::compose::writing_for(&state, &session, chosen.as_deref().unwrap_or("")).await {
            Ok(w) => w,
            Err(e) => return api_error_in(&session, &e),
        };
    let chosen_name = writing.map(|p| p.display_name).unwrap_or_default();
    let mut response = page(
        text,
        text.get("inbox-title"),
        Some(&session),
        html! {
            @if !acting_for.is_empty() {
                form method="get" action="/inbox" class="inline" {
                    label for="patient" { (text.get("inbox-acting_for")) }
                    select id="patient" name="patient" {
                        @for p in &acting_for {
                            option value=(p.id) selected[Some(p.id.to_string()) == chosen] { (p.display_name) }
                        }
                    }
                    button type="submit" { (text.get("inbox-show")) }
                }
            }
            @if may_write {
                p { a class="button primary" href=(compose_link(chosen.as_deref())) { (text.get("nav-compose")) } }
            } @else {
                @if chosen_name.is_empty() {
                    p class="notice" role="note" { (text.get("compose-no_patients")) }
                } @else {
                    p class="notice" role="note" { (text.fill("form-read_only", &[("name", &chosen_name)])) }
                }
            }
            (thread_cards(&session, &threads))
            (pager(&session, &first_page, next, q.after.is_some()))
        },
    );
    if let Some(p) = chosen.filter(|_| !acting_for.is_empty()) {
        let cookie = format!("{}={p}; Path=/; HttpOnly; SameSite=Strict", super::compose::ACTING_FOR_COOKIE);
        if let Ok(value) = axum::http::HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(axum::http::header::SET_COOKIE, value);
        }
    }
    response
}

/// Patients and proxies have an inbox and write messages; everyone else starts elsewhere.
pub(super) fn writes_for_a_patient(session: &WebSession) -> bool {
    matches!(session.auth.user.role, Role::Patient | Role::Proxy)
}

pub(super) fn compose_link(patient: Option<&str>) -> String {
    patient.map_or_else(|| "/compose".to_owned(), |p| format!("/compose?patient={p}"))
}

/// A patient's (or proxy's) threads as cards: unread marker, status, when
/// the last message came and when to expect an answer.
fn thread_cards(session: &WebSession, threads: &[ThreadListItem]) -> Markup {
    let text = session.text;
    html! {
        @if threads.is_empty() {
            p { (text.get("inbox-empty")) }
        } @else {
            ul class="threads" id="thread-list" {
                @for t in threads {
                    li class={ "thread " (t.urgency) @if t.unread > 0 { " unread" } } {
                        a href={ "/threads/" (t.id) } { strong class="subject" { (t.subject) } }
                        span class="meta" {
                            (status_label(text, &t.status)) " · " (session.when(t.updated_at))
                            @if t.unread > 0 { " · " strong { (text.fill("inbox-unread", &[("count", &t.unread.to_string())])) } }
                            @if let Some(due) = t.wait.due_at { " · " (text.fill("inbox-expect_by", &[("when", &session.when(due))])) }
                        }
                        (crate::after_hours::notice_line(t.wait.after_hours.as_ref()))
                    }
                }
            }
        }
    }
}

#[derive(Deserialize, Default)]
pub(super) struct InBasketQuery {
    #[serde(default)]
    view: String,
    #[serde(default)]
    pool: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    after: String,
}

/// The care team's in-basket: a table (cards on a phone), emergencies first,
/// then the longest waiting; filters by pool, urgency and status; updates live.
pub(super) async fn inbasket(
    State(state): State<AppState>,
    session: WebSession,
    Query(q): Query<InBasketQuery>,
) -> Response {
    let text = session.text;
    if !session.auth.user.role.is_staff() {
        return Redirect::to("/inbox").into_response();
    }
    let assigned = q.view == "assigned";
    let pools = match carethread_app::teams::pools(&state.app(), &session.auth.caller()).await {
        Ok(p) => p,
        Err(e) => return api_error_in(&session, &e.into()),
    };
    let pool = pools.iter().find(|p| p.slug == q.pool);
    let status = match q.status.as_str() {
        "" => Some(carethread_core::thread::ThreadStatus::Open),
        "all" => None,
        // Replies the patient and their proxies have not opened after the reminder delay.
        "unread_reply" => Some(carethread_core::thread::ThreadStatus::AwaitingPatient),
        raw => carethread_core::thread::ThreadStatus::parse(raw).ok(),
    };
    let unread_reply_before =
        (q.status == "unread_reply").then(|| chrono::Utc::now() - state.app().notifications.unread_reminder_after);
    // The store orders the page: by urgency, then the longest waiting, then by id (the keyset cursor).
    let filter = ListThreads {
        page_size: PAGE_SIZE,
        criteria: ThreadCriteria {
            assignee: assigned.then_some(session.auth.user.id),
            pool: pool.map(|p| p.id),
            status,
            urgency: Urgency::parse(&q.urgency).ok(),
            patient: None,
            unread_reply_before,
        },
        after: cursor(Some(&q.after)),
    };
    let listed = match in_basket::in_basket(&state.app(), &session.auth.caller(), filter).await {
        Ok(l) => l,
        Err(e) => return api_error_in(&session, &e.into()),
    };
    let reasons = listed.reasons;
    let ListPage { items: threads, waiting, next } = match shown(&state, &session, listed.page).await {
        Ok(t) => t,
        Err(e) => return api_error_in(&session, &e),
    };
    let patients = match patient_labels(&state, &session, &threads).await {
        Ok(p) => p,
        Err(e) => return api_error_in(&session, &e.into()),
    };
    // Threads covered for someone away: "covering for Dr. Lee".
    let ids: Vec<carethread_core::ids::ThreadId> = threads.iter().filter_map(|t| t.id.parse().ok()).collect();
    let covering: std::collections::HashMap<String, String> =
        match carethread_app::coverage::covering_for(&state.app(), &ids).await {
            Ok(marks) => marks.into_iter().map(|(id, name)| (id.to_string(), name)).collect(),
            Err(e) => return api_error_in(&session, &e.into()),
        };
    let overdue = match carethread_app::overdue_notices::overdue_notices(&state.app(), &session.auth.caller()).await {
        Ok(notices) => notices,
        Err(e) => return api_error_in(&session, &e.into()),
    };
    let view_link =
        |view: &str| format!("/inbasket?view={view}&pool={}&urgency={}&status={}", q.pool, q.urgency, q.status);
    page(
        text,
        text.get("inbasket-title"),
        Some(&session),
        html! {
            (overdue::notices(&session, &overdue))
            nav aria-label=(text.get("inbasket-views")) class="tabs" {
                a href=(view_link("all")) aria-current=[(!assigned).then_some("page")] { (text.get("inbasket-all")) }
                " "
                a href=(view_link("assigned")) aria-current=[assigned.then_some("page")] { (text.get("inbasket-assigned")) }
            }
            form method="get" action="/inbasket" class="inline filters" {
                input type="hidden" name="view" value=(if assigned { "assigned" } else { "all" });
                label for="filter-pool" { (text.get("manage-pool")) }
                select id="filter-pool" name="pool" {
                    option value="" { (text.get("inbasket-any")) }
                    @for p in &pools { option value=(p.slug) selected[p.slug == q.pool] { (text.pool_name(&p.slug, &p.name)) } }
                }
                label for="filter-urgency" { (text.get("inbasket-urgency")) }
                select id="filter-urgency" name="urgency" {
                    option value="" { (text.get("inbasket-any")) }
                    @for u in ["emergency", "urgent", "routine"] { option value=(u) selected[u == q.urgency] { (urgency_label(text, u)) } }
                }
                label for="filter-status" { (text.get("inbox-status")) }
                select id="filter-status" name="status" {
                    @for (value, key) in [("", "status-open"), ("awaiting_patient", "status-awaiting_patient"), ("closed", "status-closed"), ("unread_reply", "inbasket-unread_reply_filter"), ("all", "inbasket-any")] {
                        option value=(value) selected[value == q.status] { (text.get(key)) }
                    }
                }
                button type="submit" { (text.get("inbasket-filter")) }
            }
            p class="hint" { (text.get("inbasket-live")) }
            div id="live" role="status" aria-live="polite" class="visually-hidden" data-updated=(text.get("inbasket-updated")) {}
            div data-live-list="" {
                (table::inbasket_table(&session, &table::Rows { threads: &threads, waiting: &waiting, reasons: &reasons, patients: &patients, covering: &covering }))
            }
            (pager(&session, &view_link(if assigned { "assigned" } else { "all" }), next, !q.after.is_empty()))
        },
    )
}
