//! "Time away": a clinician says from when until when they are away and who
//! covers (a colleague or a pool), sees what is set, and ends it early; an
//! administrator does the same for a member of staff from the users page.
//! The dates are in the clinic's time zone. The rules, the audit entry and
//! moving the threads are the application layer's.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use carethread_app::coverage::{self, AwayView, CovererChoice, SetAway};
use carethread_core::coverage::Coverer;
use carethread_core::ids::UserId;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use maud::html;
use serde::Deserialize;

use super::form_error::{FormError, form_status};
use super::pages::api_error_in;
use super::{CheckedSession, Text, WebSession, page};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::path_id;
use crate::routes::web::Checked;

pub(super) const PATH: &str = "/away";

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(PATH, get(away_page).post(save))
        .route("/away/end", post(end))
        .route("/admin/users/{id}/away", get(admin_away_page).post(admin_save))
        .route("/admin/users/{id}/away/end", post(admin_end))
}

/// Whose time away a page is about, and where its forms post.
struct Whose {
    person: UserId,
    /// Their name, for an administrator's page; `None` on one's own.
    name: Option<String>,
    path: String,
}

fn own(session: &WebSession) -> Whose {
    Whose { person: session.auth.user.id, name: None, path: PATH.to_owned() }
}

/// An administrator's page for someone on staff; anyone else is refused,
/// an unknown person is not found.
async fn someone(state: &AppState, session: &WebSession, raw: &str) -> Result<Whose, ApiError> {
    let caller = session.auth.caller();
    coverage::require_administrator(&caller)?;
    let person: UserId = path_id(raw)?;
    let name = coverage::person_name(&state.app(), &caller, person).await?;
    Ok(Whose { person, name: Some(name), path: format!("/admin/users/{person}/away") })
}

#[derive(Deserialize, Default)]
struct Saved {
    saved: Option<String>,
}

/// The form as posted: local date-times (`YYYY-MM-DDTHH:MM`) and the
/// coverer as `user:<id>` or `pool:<id>`.
#[derive(Deserialize, Default, Clone)]
struct AwayForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    coverer: String,
}

fn coverer_value(coverer: Coverer) -> String {
    match coverer {
        Coverer::User(id) => format!("user:{id}"),
        Coverer::Pool(id) => format!("pool:{id}"),
    }
}

fn local_value(session: &WebSession, t: DateTime<Utc>) -> String {
    t.with_timezone(&session.clinic.hours.timezone()).format("%Y-%m-%dT%H:%M").to_string()
}

impl AwayForm {
    fn shown(session: &WebSession, set: Option<&AwayView>) -> Self {
        set.map_or_else(Self::default, |v| Self {
            from: local_value(session, v.from),
            until: local_value(session, v.until),
            coverer: coverer_value(v.coverer),
        })
    }

    /// The request, read in the clinic's time zone; an empty start is now.
    fn typed(&self, session: &WebSession) -> Result<SetAway, ApiError> {
        let tz = session.clinic.hours.timezone();
        let local = |field: &'static str, raw: &str| {
            NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M")
                .ok()
                .and_then(|n| tz.from_local_datetime(&n).earliest())
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| ApiError::invalid(field, "must be a date and time"))
        };
        let from = if self.from.trim().is_empty() { Utc::now() } else { local("from", &self.from)? };
        let until = local("until", &self.until)?;
        let nobody = || ApiError::invalid("coverer", "names nobody");
        let coverer = match self.coverer.split_once(':') {
            Some(("user", raw)) => Coverer::User(raw.parse().map_err(|_| nobody())?),
            Some(("pool", raw)) => Coverer::Pool(raw.parse().map_err(|_| nobody())?),
            _ => return Err(nobody()),
        };
        Ok(SetAway { from, until, coverer })
    }
}

async fn away_page(State(state): State<AppState>, session: WebSession, Query(saved): Query<Saved>) -> Response {
    let whose = own(&session);
    show(&state, &session, &whose, saved.saved.is_some()).await
}

async fn admin_away_page(
    State(state): State<AppState>,
    session: WebSession,
    Path(id): Path<String>,
    Query(saved): Query<Saved>,
) -> Response {
    match someone(&state, &session, &id).await {
        Ok(whose) => show(&state, &session, &whose, saved.saved.is_some()).await,
        Err(err) => api_error_in(&session, &err),
    }
}

async fn show(state: &AppState, session: &WebSession, whose: &Whose, saved: bool) -> Response {
    let set = match coverage::away(&state.app(), &session.auth.caller(), whose.person).await {
        Ok(set) => set,
        Err(err) => return api_error_in(session, &err.into()),
    };
    let shown = AwayForm::shown(session, set.as_ref());
    render(state, session, whose, set.as_ref(), &shown, saved, None).await
}

async fn save(State(state): State<AppState>, Checked(session, form): Checked<AwayForm>) -> Response {
    let whose = own(&session);
    set(&state, &session, &whose, &form).await
}

async fn admin_save(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Checked(session, form): Checked<AwayForm>,
) -> Response {
    match someone(&state, &session, &id).await {
        Ok(whose) => set(&state, &session, &whose, &form).await,
        Err(err) => api_error_in(&session, &err),
    }
}

/// Saves a form whose CSRF token was checked.
async fn set(state: &AppState, session: &WebSession, whose: &Whose, form: &AwayForm) -> Response {
    let caller = session.auth.caller();
    let result = match form.typed(session) {
        Ok(input) => coverage::set_away(&state.app(), &caller, whose.person, input).await.map_err(ApiError::from),
        Err(err) => Err(err),
    };
    match result {
        Ok(_) => Redirect::to(&format!("{}?saved=1", whose.path)).into_response(),
        Err(err) => {
            let error = refusal(session.text, &err);
            let set = coverage::away(&state.app(), &caller, whose.person).await.ok().flatten();
            render(state, session, whose, set.as_ref(), form, false, Some(&error)).await
        }
    }
}

async fn end(State(state): State<AppState>, CheckedSession(session): CheckedSession) -> Response {
    let whose = own(&session);
    end_now(&state, &session, &whose).await
}

async fn admin_end(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CheckedSession(session): CheckedSession,
) -> Response {
    match someone(&state, &session, &id).await {
        Ok(whose) => end_now(&state, &session, &whose).await,
        Err(err) => api_error_in(&session, &err),
    }
}

/// Ends the time away, the form's CSRF token checked.
async fn end_now(state: &AppState, session: &WebSession, whose: &Whose) -> Response {
    match coverage::clear_away(&state.app(), &session.auth.caller(), whose.person).await {
        Ok(_) => Redirect::to(&format!("{}?saved=1", whose.path)).into_response(),
        Err(err) => api_error_in(session, &err.into()),
    }
}

/// The words for a refused form, at the input at fault.
fn refusal(text: Text, err: &ApiError) -> FormError {
    let (input, id) = match FormError::invalid_field(err) {
        "from" => ("from", "away-error-from"),
        "until" => ("until", "away-error-until"),
        "coverer" => ("coverer", "away-error-coverer"),
        _ => return FormError::refused(text, err, "until"),
    };
    FormError::new(input, form_status(err), text.get(id))
}

async fn render(
    state: &AppState,
    session: &WebSession,
    whose: &Whose,
    set: Option<&AwayView>,
    form: &AwayForm,
    saved: bool,
    error: Option<&FormError>,
) -> Response {
    let text = session.text;
    let caller = session.auth.caller();
    let choices: Vec<CovererChoice> = match coverage::coverer_choices(&state.app(), &caller, whose.person).await {
        Ok(c) => c,
        Err(err) => return api_error_in(session, &err.into()),
    };
    let (people, pools): (Vec<&CovererChoice>, Vec<&CovererChoice>) =
        choices.iter().partition(|c| matches!(c.coverer, Coverer::User(_)));
    let invalid = |id: &str| FormError::is_for(error, id).then_some("true");
    let body = html! {
        (FormError::summary(error, text))
        @if saved && error.is_none() {
            p class="notice" role="status" { (text.get("away-saved")) }
        }
        p { (text.get("away-what")) }
        @match set {
            Some(v) => {
                section aria-labelledby="away-now-h" class="away-status" {
                    h2 id="away-now-h" { (text.get("away-current")) }
                    @let key = match (v.in_force, whose.name.is_some()) {
                        (true, false) => "away-in_force",
                        (false, false) => "away-planned",
                        (true, true) => "away-in_force_for",
                        (false, true) => "away-planned_for",
                    };
                    p {
                        (text.fill(key, &[
                            ("name", whose.name.as_deref().unwrap_or_default()),
                            ("from", &session.when(v.from)),
                            ("until", &session.when(v.until)),
                            ("coverer", &v.coverer_name),
                        ]))
                    }
                    form method="post" action={ (whose.path) "/end" } class="inline" {
                        input type="hidden" name="csrf_token" value=(session.csrf);
                        button type="submit" { (text.get("away-end")) }
                    }
                }
            }
            None => { p class="away-status" { (text.get("away-none")) } }
        }
        form method="post" action=(whose.path) class="stack" novalidate {
            input type="hidden" name="csrf_token" value=(session.csrf);
            label for="from" { (text.get("away-from")) }
            p class="hint" id="from-hint" { (text.get("away-from_hint")) }
            input id="from" name="from" type="datetime-local" value=(form.from) aria-invalid=[invalid("from")]
                aria-describedby={ "from-hint" @if let Some(e) = FormError::described_by(error, "from") { " " (e) } };
            (FormError::next_to(error, "from"))
            label for="until" { (text.get("away-until")) }
            p class="hint" id="until-hint" { (text.get("away-until_hint")) }
            input id="until" name="until" type="datetime-local" required value=(form.until) aria-invalid=[invalid("until")]
                aria-describedby={ "until-hint" @if let Some(e) = FormError::described_by(error, "until") { " " (e) } };
            (FormError::next_to(error, "until"))
            label for="coverer" { (text.get("away-coverer")) }
            select id="coverer" name="coverer" required aria-invalid=[invalid("coverer")]
                aria-describedby=[FormError::described_by(error, "coverer")] {
                option value="" { (text.get("away-choose")) }
                optgroup label=(text.get("away-colleagues")) {
                    @for c in &people {
                        @let value = coverer_value(c.coverer);
                        option value=(value) selected[value == form.coverer] { (c.name) }
                    }
                }
                optgroup label=(text.get("away-pools")) {
                    @for c in &pools {
                        @let value = coverer_value(c.coverer);
                        option value=(value) selected[value == form.coverer] { (c.name) }
                    }
                }
            }
            (FormError::next_to(error, "coverer"))
            button type="submit" class="primary" { (text.get("away-save")) }
        }
    };
    let title = match &whose.name {
        Some(name) => text.fill("away-title_for", &[("name", name)]),
        None => text.get("away-title").to_owned(),
    };
    FormError::answer(page(text, &title, Some(session), body), error)
}
