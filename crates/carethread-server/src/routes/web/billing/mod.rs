//! E-visit billing in the portal: the notice and the agree/decline choice
//! on the compose page, the patient's consent page, the e-visit line on a
//! patient's thread, and on a clinician's thread page the running total,
//! the attestation form and the activity script (served from here, a
//! first-party file the page policy allows). Billing staff's queue and the
//! administrators' settings are in [`queue`].

mod queue;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use carethread_app::billing::time::{self, Attest, EVisitLine, ThreadTime};
use carethread_app::billing::visits;
use carethread_app::billing::{self, BillingNotice, ConsentChoice};
use carethread_core::billing::MessagePurpose;
use carethread_core::ids::{ThreadId, UserId};
use carethread_core::policy;
use carethread_core::role::Role;
use maud::{Markup, html};
use serde::Deserialize;

use super::pages::api_error_in;
use super::{Text, WebSession, page};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::path_id;
use crate::routes::web::Checked;

/// The patient's consent page.
pub(super) const CONSENT_PATH: &str = "/billing/consent";

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/static/billing-activity.js", get(activity_script))
        .route(CONSENT_PATH, get(consent_page).post(consent_submit))
        .route("/threads/{id}/billing-attest", post(attest_submit))
        .route("/threads/{id}/visit-recorded", post(visit_submit))
        .merge(queue::router())
}

async fn activity_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")],
        include_str!("../../../../static/billing-activity.js"),
    )
        .into_response()
}

/// The notice for the compose page, when the clinic bills e-visits (errors
/// leave it out: the message can be sent all the same, and is not billed).
pub(super) async fn compose_notice(
    state: &AppState,
    session: &WebSession,
    patient: Option<UserId>,
) -> Option<BillingNotice> {
    billing::notice_for(&state.app(), &session.auth.caller(), patient).await.ok().flatten()
}

fn never_billed(text: Text) -> Markup {
    html! {
        details class="billing-never" {
            summary { (text.get("billing-never_title")) }
            ul { @for key in ["billing-never-scheduling", "billing-never-refills", "billing-never-results",
                "billing-never-follow_up", "billing-never-care_team"] { li { (text.get(key)) } } }
        }
    }
}

/// The notice and the agree/decline choice, inside the compose form.
pub(super) fn compose_fieldset(session: &WebSession, notice: Option<&BillingNotice>, chosen: &str) -> Markup {
    let text = session.text;
    let Some(n) = notice else { return html! {} };
    html! {
        fieldset class="billing-notice" aria-describedby="billing-notice-text" {
            legend { (text.get("billing-notice_title")) }
            p id="billing-notice-text" { (n.text) }
            (never_billed(text))
            @if let (true, Some(on)) = (n.consent_current, n.consent_given_on) {
                p class="hint" { (text.fill("billing-consent_current", &[("date", &on.to_string())])) " "
                    a href=(CONSENT_PATH) { (text.get("billing-change")) } }
            } @else {
                div class="row" {
                    input type="radio" id="billing-agree" name="billing_consent" value="agree" checked[chosen == "agree"];
                    label for="billing-agree" { (text.get("billing-agree")) }
                }
                div class="row" {
                    input type="radio" id="billing-decline" name="billing_consent" value="decline" checked[chosen == "decline"];
                    label for="billing-decline" { (text.get("billing-decline")) }
                }
                p class="hint" { (text.get("billing-declined_answered")) }
            }
        }
    }
}

/// Records the choice made on the compose page for the thread just
/// started. The message is stored whatever happens here, so a failure is
/// logged (without content) and the thread stays unbilled.
pub(super) async fn after_compose(state: &AppState, session: &WebSession, thread: &str, chosen: &str) {
    let Ok(choice) = ConsentChoice::parse(chosen) else { return };
    let Ok(thread) = thread.parse::<ThreadId>() else { return };
    if let Err(e) = billing::choose_for_thread(&state.app(), &session.auth.caller(), thread, choice).await {
        tracing::warn!(error = %e, "the billing choice for a new thread was not recorded");
    }
}

#[derive(Deserialize)]
struct ConsentForm {
    choice: String,
    #[serde(default)]
    patient: String,
}

async fn consent_page(State(state): State<AppState>, session: WebSession) -> Response {
    let text = session.text;
    let notice = match billing::notice_for(&state.app(), &session.auth.caller(), None).await {
        Ok(n) => n,
        Err(e) => return api_error_in(&session, &e.into()),
    };
    page(
        text,
        text.get("billing-notice_title"),
        Some(&session),
        html! {
            @match &notice {
                None => { p { (text.get("billing-off")) } }
                Some(n) => {
                    p { (n.text) }
                    (never_billed(text))
                    @if let (true, Some(on)) = (n.consent_current, n.consent_given_on) {
                        p { (text.fill("billing-consent_current", &[("date", &on.to_string())])) }
                    } @else {
                        p { (text.get("billing-consent_none")) }
                    }
                    form method="post" action=(CONSENT_PATH) class="inline" {
                        input type="hidden" name="csrf_token" value=(session.csrf);
                        @if n.consent_current {
                            button type="submit" name="choice" value="decline" { (text.get("billing-withdraw")) }
                        } @else {
                            button type="submit" name="choice" value="agree" class="primary" { (text.get("billing-give")) }
                        }
                    }
                    p class="hint" { (text.get("billing-declined_answered")) }
                }
            }
        },
    )
}

async fn consent_submit(State(state): State<AppState>, Checked(session, form): Checked<ConsentForm>) -> Response {
    let result = async {
        let patient = Some(form.patient.as_str()).filter(|p| !p.is_empty()).map(str::parse::<UserId>).transpose();
        let patient = patient.map_err(|_| ApiError::NotFound)?;
        let choice = ConsentChoice::parse(&form.choice)?;
        billing::set_consent(&state.app(), &session.auth.caller(), patient, choice).await?;
        Ok::<_, ApiError>(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(CONSENT_PATH).into_response(),
        Err(e) => api_error_in(&session, &e),
    }
}

/// What the thread page shows of billing: a clinician's time, or the
/// patient's e-visit line.
#[derive(Default)]
pub(super) struct ThreadBilling {
    time: Option<ThreadTime>,
    line: Option<EVisitLine>,
    /// The viewer may record a visit about the thread, and the clinic bills.
    record_visit: bool,
}

/// Reads what the thread page shows of billing for the viewer.
pub(super) async fn for_thread(state: &AppState, session: &WebSession, id: &str) -> Result<ThreadBilling, ApiError> {
    let Ok(id) = id.parse::<ThreadId>() else { return Ok(ThreadBilling::default()) };
    let (app, caller) = (state.app(), session.auth.caller());
    let role = session.auth.user.role;
    let record_visit = visits::offered(&app, &caller).await?;
    if policy::may_record_billing_time(role) {
        let time = time::thread_time(&app, &caller, id).await?;
        return Ok(ThreadBilling { time: time.billing_on.then_some(time), line: None, record_visit });
    }
    if matches!(role, Role::Patient | Role::Proxy) {
        return Ok(ThreadBilling { line: time::evisit_line(&app, &caller, id).await?, ..ThreadBilling::default() });
    }
    Ok(ThreadBilling { record_visit, ..ThreadBilling::default() })
}

/// The thread page's billing section.
pub(super) fn thread_section(session: &WebSession, thread: &str, b: &ThreadBilling) -> Markup {
    let text = session.text;
    html! {
        @if let Some(line) = &b.line {
            p class="notice evisit" role="note" { (text.fill("billing-evisit_line", &[("meaning", line.meaning)])) }
        }
        @if let Some(t) = &b.time {
            section class="billing-time" aria-labelledby="billing-time-h" {
                h2 id="billing-time-h" { (text.get("billing-time_title")) }
                div id="billing-activity" data-thread=(thread) data-csrf=(session.csrf) hidden {}
                script src="/static/billing-activity.js" defer {}
                @if t.declined { p class="notice" role="note" { (text.get("billing-declined")) } }
                @match t.period {
                    Some((from, to)) => {
                        p { (text.fill("billing-time_total", &[
                            ("minutes", &t.measured_minutes.to_string()), ("thread", &t.thread_minutes.to_string()),
                            ("from", &session.when(from)), ("to", &session.when(to)),
                        ])) }
                        @if let Some(m) = t.attested_minutes { p { (text.fill("billing-attested", &[("minutes", &m.to_string())])) } }
                        form method="post" action={ "/threads/" (thread) "/billing-attest" } class="stack" {
                            input type="hidden" name="csrf_token" value=(session.csrf);
                            label for="billing-purpose" { (text.get("billing-purpose")) }
                            select id="billing-purpose" name="purpose" {
                                @for p in MessagePurpose::ALL {
                                    option value=(p.as_str()) selected[t.purpose == Some(*p)] { (text.get(&format!("billing-purpose-{}", p.as_str()))) }
                                }
                            }
                            label for="billing-minutes" { (text.get("billing-minutes")) }
                            input id="billing-minutes" name="minutes" type="number" min="0" inputmode="numeric"
                                value=[t.attested_minutes];
                            button type="submit" { (text.get("billing-attest")) }
                        }
                    }
                    None => { p { (text.get("billing-time_none")) } }
                }
            }
        }
        @if b.record_visit {
            section class="visit-record" aria-labelledby="visit-record-h" {
                h2 id="visit-record-h" { (text.get("billing-visit_title")) }
                p class="hint" { (text.get("billing-visit_hint")) }
                form method="post" action={ "/threads/" (thread) "/visit-recorded" } class="row" {
                    input type="hidden" name="csrf_token" value=(session.csrf);
                    label for="visit-on" { (text.get("billing-visit_on")) }
                    input id="visit-on" name="visited_on" type="date" required;
                    button type="submit" { (text.get("billing-visit_record")) }
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct VisitForm {
    visited_on: String,
}

async fn visit_submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Checked(session, form): Checked<VisitForm>,
) -> Response {
    thread_form(&session, &id, async |thread| {
        visits::record_visit(&state.app(), &session.auth.caller(), thread, &form.visited_on).await?;
        Ok(())
    })
    .await
}

/// A thread's billing form (its CSRF token already checked): `act` run on
/// the thread, then back to the thread, or the refusal as a page.
async fn thread_form(
    session: &WebSession,
    id: &str,
    act: impl AsyncFnOnce(ThreadId) -> Result<(), ApiError>,
) -> Response {
    let result = async {
        let thread: ThreadId = path_id(id)?;
        act(thread).await?;
        Ok::<_, ApiError>(thread)
    }
    .await;
    match result {
        Ok(thread) => Redirect::to(&format!("/threads/{thread}")).into_response(),
        Err(e) => api_error_in(session, &e),
    }
}

#[derive(Deserialize)]
struct AttestForm {
    purpose: String,
    #[serde(default)]
    minutes: String,
}

async fn attest_submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Checked(session, form): Checked<AttestForm>,
) -> Response {
    thread_form(&session, &id, async |thread| {
        let minutes = match form.minutes.trim() {
            "" => None,
            raw => Some(
                raw.parse::<u32>().map_err(|_| ApiError::invalid("minutes", "must be a whole number of minutes"))?,
            ),
        };
        let input = Attest { purpose: MessagePurpose::parse(form.purpose.trim())?, minutes };
        time::attest(&state.app(), &session.auth.caller(), thread, input).await?;
        Ok(())
    })
    .await
}
