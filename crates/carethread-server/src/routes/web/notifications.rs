//! "Notifications": how the signed-in person hears that something is
//! waiting for them: an e-mail address, a mobile number, the channel, quiet
//! hours and the language of notices. A refused form comes back with what
//! was typed, the field at fault marked, and the API's status; a saved one
//! goes back to the page, which says so.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use carethread_app::contact_preferences::{self, PreferencesText};
use carethread_core::contact::NotifyChannel;
use carethread_core::user::Language;
use carethread_store::ContactPreferences;
use maud::{Markup, html};
use serde::Deserialize;

use super::form_error::{FormError, form_status};
use super::pages::api_error_in;
use super::{Text, WebSession, page};
use crate::AppState;
use crate::error::ApiError;
use crate::routes::web::Checked;

pub(super) const PATH: &str = "/notifications";

pub(super) fn router() -> Router<AppState> {
    Router::new().route(PATH, get(notifications_page).post(save))
}

/// The form as typed (every field text; what was left out is empty).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NotificationsForm {
    csrf_token: String,
    email: String,
    phone: String,
    channel: String,
    quiet_start: String,
    quiet_end: String,
    language: String,
}

impl NotificationsForm {
    /// The saved preferences as the form shows them.
    fn saved(p: &ContactPreferences, account_language: Language) -> Self {
        let hhmm = |t: chrono::NaiveTime| t.format("%H:%M").to_string();
        Self {
            csrf_token: String::new(),
            email: p.email.as_ref().map(|e| e.as_str().to_owned()).unwrap_or_default(),
            phone: p.phone.as_ref().map(|n| n.as_str().to_owned()).unwrap_or_default(),
            channel: p.channel.as_str().to_owned(),
            quiet_start: p.quiet_hours.map(|q| hhmm(q.start)).unwrap_or_default(),
            quiet_end: p.quiet_hours.map(|q| hhmm(q.end)).unwrap_or_default(),
            language: p.language.unwrap_or(account_language).as_str().to_owned(),
        }
    }

    fn input(&self) -> PreferencesText {
        PreferencesText {
            email: Some(self.email.clone()),
            phone: Some(self.phone.clone()),
            channel: self.channel.clone(),
            quiet_start: Some(self.quiet_start.clone()),
            quiet_end: Some(self.quiet_end.clone()),
            language: Some(self.language.clone()),
        }
    }
}

#[derive(Deserialize)]
struct Saved {
    saved: Option<String>,
}

async fn notifications_page(
    State(state): State<AppState>,
    session: WebSession,
    Query(saved): Query<Saved>,
) -> Response {
    let caller = session.auth.caller();
    match contact_preferences::preferences(&state.app(), &caller, caller.user.id).await {
        Ok(p) => {
            let shown = NotificationsForm::saved(&p, session.auth.user.language);
            render(&session, &shown, saved.saved.is_some(), None)
        }
        Err(err) => api_error_in(&session, &err.into()),
    }
}

async fn save(State(state): State<AppState>, Checked(session, form): Checked<NotificationsForm>) -> Response {
    let caller = session.auth.caller();
    match contact_preferences::set_preferences(&state.app(), &caller, caller.user.id, &form.input()).await {
        Ok(_) => Redirect::to(&format!("{PATH}?saved=1")).into_response(),
        Err(err) => {
            let err = ApiError::from(err);
            let error = refusal(session.text, &err, &form);
            render(&session, &form, false, Some(&error))
        }
    }
}

/// The words for a refused form, at the input at fault, in the person's language.
fn refusal(text: Text, err: &ApiError, typed: &NotificationsForm) -> FormError {
    let status = form_status(err);
    let blank = |s: &str| s.trim().is_empty();
    let (input, id) = match FormError::invalid_field(err) {
        "email" if blank(&typed.email) => ("email", "notifications-error-email_needed"),
        "email" => ("email", "notifications-error-email"),
        "phone" if blank(&typed.phone) => ("phone", "notifications-error-phone_needed"),
        "phone" => ("phone", "notifications-error-phone"),
        "channel" => ("channel-email", "notifications-error-channel"),
        "quiet_start" => ("quiet_start", "notifications-error-quiet"),
        "quiet_end" => ("quiet_end", "notifications-error-quiet"),
        "language" => ("language", "notifications-error-language"),
        _ => return FormError::refused(text, err, "email"),
    };
    FormError::new(input, status, text.get(id))
}

/// A text input `id` (posted under the same name) with its hint, marked when
/// at fault. Plain text rather than `email`/`tel`, which a browser would check
/// in its own words first; `inputmode` brings up the right keyboard on a phone.
fn field(text: Text, error: Option<&FormError>, id: &str, inputmode: &str, value: &str, autocomplete: &str) -> Markup {
    let label = format!("notifications-{id}");
    let hint = format!("notifications-{id}_hint");
    html! {
        label for=(id) { (text.get(&label)) }
        p class="hint" id={ (id) "-hint" } { (text.get(&hint)) }
        input id=(id) name=(id) type="text" inputmode=(inputmode) value=(value) autocomplete=(autocomplete)
            spellcheck="false" autocapitalize="off" maxlength="254"
            aria-invalid=[FormError::is_for(error, id).then_some("true")]
            aria-describedby={ (id) "-hint" @if let Some(e) = FormError::described_by(error, id) { " " (e) } };
        (FormError::next_to(error, id))
    }
}

fn render(session: &WebSession, typed: &NotificationsForm, saved: bool, error: Option<&FormError>) -> Response {
    let text = session.text;
    let timezone = session.clinic.hours.timezone().name().to_owned();
    let channels = [
        (NotifyChannel::Email, "notifications-channel-email"),
        (NotifyChannel::Sms, "notifications-channel-sms"),
        (NotifyChannel::None, "notifications-channel-none"),
    ];
    let time = |id: &str, value: &str| {
        html! {
            div class="row" {
                label for=(id) { (text.get(&format!("notifications-{id}"))) }
                input id=(id) name=(id) type="time" value=(value)
                    aria-invalid=[FormError::is_for(error, id).then_some("true")]
                    aria-describedby=[FormError::described_by(error, id)];
            }
            (FormError::next_to(error, id))
        }
    };
    let body = html! {
        @if saved { p class="notice" role="status" { (text.get("notifications-saved")) } }
        (FormError::summary(error, text))
        p { (text.get("notifications-intro")) }
        form method="post" action=(PATH) class="stack" novalidate {
            input type="hidden" name="csrf_token" value=(session.csrf);
            (field(text, error, "email", "email", &typed.email, "email"))
            (field(text, error, "phone", "tel", &typed.phone, "tel"))
            fieldset id="channel" aria-describedby=[FormError::described_by(error, "channel-email")] {
                legend { (text.get("notifications-channel")) }
                @for (channel, key) in channels {
                    div class="row" {
                        input type="radio" id={ "channel-" (channel.as_str()) } name="channel" value=(channel.as_str())
                            checked[typed.channel == channel.as_str()];
                        label for={ "channel-" (channel.as_str()) } { (text.get(key)) }
                    }
                }
                (FormError::next_to(error, "channel-email"))
            }
            fieldset id="quiet" {
                legend { (text.get("notifications-quiet")) }
                p class="hint" { (text.fill("notifications-quiet_hint", &[("zone", &timezone)])) }
                (time("quiet_start", &typed.quiet_start))
                (time("quiet_end", &typed.quiet_end))
            }
            label for="language" { (text.get("notifications-language")) }
            select id="language" name="language"
                aria-invalid=[FormError::is_for(error, "language").then_some("true")]
                aria-describedby=[FormError::described_by(error, "language")] {
                option value="en" selected[typed.language == "en"] { "English" }
                option value="es" selected[typed.language == "es"] { "Español" }
            }
            (FormError::next_to(error, "language"))
            button type="submit" class="primary" { (text.get("notifications-save")) }
        }
    };
    FormError::answer(page(text, text.get("notifications-title"), Some(session), body), error)
}
