//! Writing a message: what it is about and what clinicians need for it,
//! files, the emergency check before sending, and the page that confirms
//! it was sent.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use carethread_app::threads::{self, StartThread, StartedThread};
use carethread_core::ids::UserId;
use carethread_core::role::Role;
use carethread_core::thread::{Category, Urgency};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;

use super::{PostedForm, Text, WebSession, page};
use crate::AppState;
use crate::dto::ThreadDetail;
use crate::error::ApiError;
use crate::sending::send_composed;
use carethread_app::composing::{ComposedMessage, check_files};

use super::form_error::FormError;
use super::inbasket::writes_for_a_patient;
use super::pages::{api_error_in, hours_line};

#[derive(Deserialize, Default)]
pub(super) struct ComposeQuery {
    kind: Option<String>,
    patient: Option<String>,
}

pub(super) const KINDS: [&str; 5] = ["question", "refill", "appointment", "result", "billing"];

/// The details each kind of message asks for, so clinicians get what they need.
pub(super) fn kind_fields(kind: &str) -> &'static [(&'static str, &'static str)] {
    match kind {
        "refill" => &[("medication", "compose-medication"), ("pharmacy", "compose-pharmacy")],
        "appointment" => &[("days", "compose-days")],
        "result" => &[("result", "compose-result")],
        "question" => &[("since", "compose-since"), ("severity", "compose-severity")],
        _ => &[],
    }
}

#[derive(Deserialize, Default, Clone)]
pub(super) struct ComposeForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    patient: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    medication: String,
    #[serde(default)]
    pharmacy: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    severity: String,
    /// Set once the writer has seen the emergency guidance and still sends.
    #[serde(default)]
    confirmed: String,
    /// Back to the form to change the message.
    #[serde(default)]
    edit: String,
    /// Files chosen before the emergency guidance was shown, which must be chosen again.
    #[serde(default)]
    files_dropped: String,
    /// An adolescent keeps the thread from their proxies (`true`).
    #[serde(default)]
    confidential: String,
    /// The answer to the e-visit billing notice: `agree`, `decline` or none.
    #[serde(default)]
    billing_consent: String,
}

impl ComposeForm {
    fn field(&self, name: &str) -> &str {
        match name {
            "medication" => &self.medication,
            "pharmacy" => &self.pharmacy,
            "days" => &self.days,
            "result" => &self.result,
            "since" => &self.since,
            "severity" => &self.severity,
            _ => "",
        }
    }

    /// Subject, body and category as the care team will read them.
    fn message(&self, text: Text) -> (String, String, Option<&'static str>) {
        let mut details = Vec::new();
        for (name, label) in kind_fields(&self.kind) {
            let value = self.field(name).trim();
            if !value.is_empty() {
                details.push(format!("{} {value}", text.get(label)));
            }
        }
        let body = if details.is_empty() {
            self.body.trim().to_owned()
        } else {
            format!("{}\n\n{}", details.join("\n"), self.body.trim())
        };
        let subject = if self.subject.trim().is_empty() {
            text.get(&format!("compose-kind-{}", self.kind)).to_owned()
        } else {
            self.subject.trim().to_owned()
        };
        // What the patient chose is a strong prior for triage (see `intake`).
        let category = match self.kind.as_str() {
            "question" => Some("clinical"),
            "refill" => Some("medication"),
            "appointment" => Some("scheduling"),
            "result" => Some("results"),
            "billing" => Some("administrative"),
            _ => None,
        };
        (subject, body, category)
    }
}

/// The patient a proxy is acting for, remembered from the inbox so that
/// "New message" starts on the same patient (an `HttpOnly` cookie).
pub(super) const ACTING_FOR_COOKIE: &str = "carethread_acting_for";

pub(super) async fn compose_page(
    State(state): State<AppState>,
    session: WebSession,
    headers: HeaderMap,
    Query(q): Query<ComposeQuery>,
) -> Response {
    let remembered = crate::extract::cookie_from_headers(&headers, ACTING_FOR_COOKIE).map(str::to_owned);
    let form = ComposeForm {
        kind: q.kind.unwrap_or_default(),
        patient: q.patient.or(remembered).unwrap_or_default(),
        ..ComposeForm::default()
    };
    compose_form(&state, &session, &form, None).await
}

/// Whom a proxy's compose form writes for: the patient asked for when they
/// act for them, else the first they act for; and whether the core policy
/// lets them start a thread for that patient.
pub(super) async fn writing_for(
    state: &AppState,
    session: &WebSession,
    asked: &str,
) -> Result<(Vec<carethread_store::PersonRef>, Option<carethread_store::PersonRef>, bool), ApiError> {
    let found = carethread_app::composing::writing_for(&state.app(), &session.auth.caller(), asked).await?;
    Ok((found.acting_for, found.chosen, found.may_write))
}

/// Whether the signed-in patient may keep a thread from their proxies (the core rule).
pub(super) fn may_mark_confidential(state: &AppState, session: &WebSession) -> bool {
    let age =
        session.auth.user.date_of_birth.map(|dob| carethread_core::user::age_in_years(dob, Utc::now().date_naive()));
    carethread_core::policy::may_mark_confidential(session.auth.user.role, age, &state.settings)
}

#[expect(clippy::too_many_lines, reason = "one form, read top to bottom as the person sees it")]
pub(super) async fn compose_form(
    state: &AppState,
    session: &WebSession,
    form: &ComposeForm,
    error: Option<&FormError>,
) -> Response {
    let text = session.text;
    if !writes_for_a_patient(session) {
        return Redirect::to("/").into_response();
    }
    let (acting_for, chosen, may_write) = match writing_for(state, session, &form.patient).await {
        Ok(w) => w,
        Err(e) => return api_error_in(session, &e),
    };
    // Who on the patient's care team is away, who covers and until when.
    let patient = chosen.as_ref().map_or(session.auth.user.id, |p| p.id);
    let away = match carethread_app::coverage::care_team_away(&state.app(), &session.auth.caller(), patient).await {
        Ok(away) => away,
        Err(carethread_app::AppError::NotFound) => Vec::new(),
        Err(e) => return api_error_in(session, &e.into()),
    };
    let billing = super::billing::compose_notice(state, session, chosen.as_ref().map(|p| p.id)).await;
    let kind = if KINDS.contains(&form.kind.as_str()) { form.kind.as_str() } else { "question" };
    let target = session.reply_target();
    let title = match &chosen {
        Some(p) => text.fill("compose-title_for", &[("name", &p.display_name)]),
        None => text.get("compose-title").to_owned(),
    };
    let max_chars = session.clinic.profile.message_max_chars.to_string();
    let confidential = may_mark_confidential(state, session);
    let invalid = |id: &str| FormError::is_for(error, id).then_some("true");
    let described = |id: &str, hint: Option<&str>| {
        let ids: Vec<String> = hint.map(str::to_owned).into_iter().chain(FormError::described_by(error, id)).collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    };
    let mut response = page(
        text,
        &title,
        Some(session),
        html! {
            (FormError::summary(error, text))
            @if let Some(p) = &chosen {
                p class="notice" { (text.fill("compose-record_note", &[("name", &p.display_name)])) }
                @if acting_for.len() > 1 {
                    form method="get" action="/compose" class="inline" {
                        label for="compose-patient" { (text.get("compose-for_patient")) }
                        select id="compose-patient" name="patient" {
                            @for other in &acting_for { option value=(other.id) selected[other.id == p.id] { (other.display_name) } }
                        }
                        button type="submit" { (text.get("compose-change_patient")) }
                    }
                }
            }
            @if !may_write {
                @let name = chosen.as_ref().map_or("", |p| p.display_name.as_str());
                @if chosen.is_some() {
                    p class="notice" role="note" { (text.fill("form-read_only", &[("name", name)])) }
                } @else {
                    p class="notice" role="note" { (text.get("compose-no_patients")) }
                }
                p { a href="/inbox" { (text.get("thread-back")) } }
            } @else {
            p { (text.fill("compose-reply_time", &[("target", &target)])) }
            @for a in &away {
                @let until = session.when(a.until);
                p class="notice away-notice" role="note" {
                    (text.fill("compose-away", &[("name", &a.person_name), ("until", &until), ("coverer", &a.coverer_name)]))
                }
            }
            (hours_line(session))
            p class="emergency-line" { (text.get("app-emergency")) }
            @if form.files_dropped.parse::<usize>().is_ok_and(|n| n > 0) {
                p class="notice" role="status" { (text.fill("compose-files_again", &[("count", &form.files_dropped)])) }
            }
            form method="post" action="/compose" enctype="multipart/form-data" class="stack" novalidate {
                input type="hidden" name="csrf_token" value=(session.csrf);
                @if let Some(p) = &chosen {
                    input type="hidden" name="patient" value=(p.id);
                }
                fieldset {
                    legend { (text.get("compose-kind")) }
                    @for k in KINDS {
                        div class="row" {
                            input type="radio" id={ "kind-" (k) } name="kind" value=(k) checked[k == kind];
                            label for={ "kind-" (k) } { (text.get(&format!("compose-kind-{k}"))) }
                        }
                    }
                }
                @for k in KINDS {
                    @for (name, label) in kind_fields(k) {
                        div class={ "kind-field kind-" (k) } {
                            label for={ "f-" (name) } { (text.get(label)) }
                            input id={ "f-" (name) } name=(name) type="text" value=(form.field(name));
                        }
                    }
                }
                label for="subject" { (text.get("compose-subject")) }
                input id="subject" name="subject" type="text" maxlength="200" value=(form.subject)
                    aria-invalid=[invalid("subject")] aria-describedby=[described("subject", None)];
                (FormError::next_to(error, "subject"))
                label for="body" { (text.get("compose-body")) }
                p class="hint" id="body-hint" { (text.fill("compose-chars_hint", &[("max", &max_chars)])) }
                textarea id="body" name="body" rows="8" required data-max-chars=(max_chars)
                    data-count-text=(text.get("compose-chars_count")) data-over-text=(text.get("compose-chars_over"))
                    aria-invalid=[invalid("body")] aria-describedby=[described("body", Some("body-hint"))] { (form.body) }
                (FormError::next_to(error, "body"))
                label for="files" { (text.get("compose-files")) }
                input id="files" name="file" type="file" multiple accept="image/jpeg,image/png,image/heic,application/pdf"
                    aria-invalid=[invalid("files")] aria-describedby=[described("files", Some("files-hint"))];
                p class="hint" id="files-hint" { (text.fill("compose-files_hint", &[
                    ("count", &state.settings.attachments_per_message.to_string()),
                    ("size", &(state.settings.attachment_max_bytes / (1024 * 1024)).to_string()),
                ])) }
                (FormError::next_to(error, "files"))
                @if confidential {
                    div class="row" {
                        input id="confidential" type="checkbox" name="confidential" value="true"
                            checked[form.confidential == "true"] aria-describedby="confidential-help";
                        label for="confidential" { (text.get("compose-confidential")) }
                    }
                    p class="hint" id="confidential-help" { (text.get("compose-confidential_help")) }
                    (FormError::next_to(error, "confidential"))
                }
                (super::billing::compose_fieldset(session, billing.as_ref(), &form.billing_consent))
                button type="submit" class="primary" { (text.get("compose-send")) }
            }
            }
        },
    );
    if let Some(e) = error {
        *response.status_mut() = e.status;
    }
    response
}

/// Sends a new message (with files, if chosen); when it reads like an
/// emergency, shows the emergency guidance first and sends only when the
/// writer confirms.
pub(super) async fn compose_submit(
    State(state): State<AppState>,
    session: WebSession,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let text = session.text;
    let (posted, unread) = PostedForm::read_partial(multipart).await;
    let mut form: ComposeForm = match posted.parse() {
        Ok(f) => f,
        Err(e) => return api_error_in(&session, &e),
    };
    if let Some(refused) = session.refuse(&form.csrf_token) {
        return refused;
    }
    if !form.edit.is_empty() {
        return compose_form(&state, &session, &form, None).await;
    }
    // A refused form comes back with what was typed; files must be chosen again.
    let dropped = posted.files.len();
    let again = |form: &mut ComposeForm| {
        if dropped > 0 {
            form.files_dropped = dropped.to_string();
        }
    };
    if let Some(e) = unread {
        again(&mut form);
        let error = FormError::from_api(&state, &session, &e, "body", "files");
        return compose_form(&state, &session, &form, Some(&error)).await;
    }
    if form.body.trim().is_empty() {
        let error = FormError::new("body", StatusCode::UNPROCESSABLE_ENTITY, text.get("error-empty"));
        again(&mut form);
        return compose_form(&state, &session, &form, Some(&error)).await;
    }
    if let Some(error) = FormError::check_message(&state, &session, &form.body, &posted.files, "body", "files") {
        again(&mut form);
        return compose_form(&state, &session, &form, Some(&error)).await;
    }
    // Files are checked before anything is written, so a bad one stores nothing.
    let files = match check_files(&state.app(), posted.files).map_err(ApiError::from) {
        Ok(files) => files,
        Err(e) => {
            again(&mut form);
            let error = FormError::from_api(&state, &session, &e, "body", "files");
            return compose_form(&state, &session, &form, Some(&error)).await;
        }
    };
    // Scanned before the thread starts, so an infected file starts nothing.
    let to = crate::intake::UploadDestination { patient: form.patient.parse().ok(), thread: None };
    if let Err(e) = crate::intake::scan_uploads(&state, &session.auth, to, &files).await {
        again(&mut form);
        let error = FormError::from_api(&state, &session, &e, "body", "files");
        return compose_form(&state, &session, &form, Some(&error)).await;
    }
    let (subject, body, category) = form.message(text);
    let emergency = carethread_triage::classify(&subject, &body).urgency == Urgency::Emergency;
    if emergency && form.confirmed.is_empty() {
        form.files_dropped = files.len().to_string();
        return emergency_review(&session, &form);
    }
    let started: Result<StartedThread, ApiError> = async {
        let input = StartThread {
            patient: Some(form.patient.as_str())
                .filter(|p| !p.is_empty())
                .map(|raw| {
                    raw.parse::<UserId>().map_err(|_| ApiError::invalid("patient_id", "must be an identifier (UUID)"))
                })
                .transpose()?,
            category: category.map(Category::parse).transpose()?,
            subject,
            body,
            confidential: form.confidential == "true",
            idempotency: None,
        };
        let started = threads::start_thread(&state.app(), &session.auth.caller(), input).await?;
        state.metrics.thread_started(started.urgency, started.replayed);
        Ok(started)
    }
    .await;
    let thread_id = match started {
        Ok(started) => started.thread_id.to_string(),
        Err(e) => {
            let error = FormError::from_api(&state, &session, &e, "body", "files");
            form.files_dropped = files.len().to_string();
            return compose_form(&state, &session, &form, Some(&error)).await;
        }
    };
    if !files.is_empty()
        && let Err(e) =
            send_composed(&state, &session.auth, &thread_id, ComposedMessage { files, ..ComposedMessage::default() })
                .await
    {
        // The message itself is stored: the thread page says the files were not.
        tracing::warn!(error = %e, "files for a new thread were not stored");
        return api_error_in(&session, &e);
    }
    super::billing::after_compose(&state, &session, &thread_id, &form.billing_consent).await;
    // Post/redirect/get: reloading the page that confirms it never sends it again.
    Redirect::to(&format!("/threads/{thread_id}/sent")).into_response()
}

/// The page that confirms a message was sent, reached by redirect after the
/// form, so a reload only reads.
pub(super) async fn sent_page(State(state): State<AppState>, session: WebSession, Path(id): Path<String>) -> Response {
    match super::thread_page::load(&state, &session, &id).await {
        Ok(mut detail) => {
            if let Ok(urgency) = Urgency::parse(&detail.urgency) {
                detail.safety_notice = crate::dto::SafetyNotice::for_urgency(urgency, session.auth.user.language);
            }
            let Ok(thread) = id.parse() else { return api_error_in(&session, &ApiError::NotFound) };
            match carethread_app::guidance::for_thread(&state.app(), &session.auth.caller(), thread).await {
                Ok(interpreter) => render_sent(&session, &detail, interpreter.as_ref()),
                Err(e) => api_error_in(&session, &e.into()),
            }
        }
        Err(e) => api_error_in(&session, &e),
    }
}

pub(super) fn hidden_fields(form: &ComposeForm) -> Markup {
    html! {
        @for (name, value) in [("kind", &form.kind), ("patient", &form.patient), ("subject", &form.subject), ("body", &form.body),
            ("medication", &form.medication), ("pharmacy", &form.pharmacy), ("days", &form.days), ("result", &form.result),
            ("since", &form.since), ("severity", &form.severity), ("confidential", &form.confidential),
            ("billing_consent", &form.billing_consent)] {
            input type="hidden" name=(name) value=(value);
        }
    }
}

pub(super) fn emergency_review(session: &WebSession, form: &ComposeForm) -> Response {
    let text = session.text;
    let files_dropped = form.files_dropped.as_str();
    page(
        text,
        text.get("emergency-title"),
        Some(session),
        html! {
            div class="emergency" role="alert" {
                p { strong { (text.get("emergency-text")) } }
                p { strong { (text.get("emergency-call")) } }
                p { (text.get("emergency-crisis")) }
            }
            @if !files_dropped.is_empty() && files_dropped != "0" {
                p class="notice" { (text.fill("compose-files_later", &[("count", files_dropped)])) }
            }
            form method="post" action="/compose" enctype="multipart/form-data" class="inline" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                (hidden_fields(form))
                input type="hidden" name="edit" value="1";
                input type="hidden" name="files_dropped" value=(form.files_dropped);
                button type="submit" { (text.get("emergency-edit")) }
            }
            form method="post" action="/compose" enctype="multipart/form-data" class="inline" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                (hidden_fields(form))
                input type="hidden" name="confirmed" value="1";
                button type="submit" class="primary" { (text.get("emergency-send_anyway")) }
            }
        },
    )
}

pub(super) fn render_sent(
    session: &WebSession,
    d: &ThreadDetail,
    interpreter: Option<&carethread_app::guidance::InterpreterGuidance>,
) -> Response {
    let text = session.text;
    page(
        text,
        text.get("sent-title"),
        Some(session),
        html! {
            @if let Some(notice) = &d.safety_notice {
                div class="emergency" role="alert" { h2 { (notice.title) } p { (notice.message) } }
            }
            @if let Some(found) = interpreter { (super::emergency_help::interpreter_alert(text, found)) }
            (crate::after_hours::notice(d.wait.after_hours.as_ref()))
            @if session.auth.user.role == Role::Proxy {
                p { (text.fill("sent-for", &[("name", &d.patient.display_name)])) }
            }
            p { a href={ "/threads/" (d.id) } { (d.subject) } }
            p { a href="/inbox" { (text.get("thread-back")) } }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use carethread_core::user::Language;

    #[test]
    fn a_refill_request_carries_the_medicine_and_pharmacy() {
        let form = ComposeForm {
            kind: "refill".into(),
            medication: "lisinopril".into(),
            pharmacy: "CVS Main St".into(),
            body: "Running low.".into(),
            ..ComposeForm::default()
        };
        let (subject, body, category) = form.message(Text(Language::En));
        assert_eq!(subject, "A prescription refill");
        assert!(body.starts_with("Which medicine? lisinopril\nWhich pharmacy? CVS Main St"));
        assert_eq!(category, Some("medication"));
    }
}
