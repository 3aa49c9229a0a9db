//! The groups a patient gave, for the equity monitor (front desk and
//! administrators): payer type, sex, race and ethnicity, and one grouping
//! of the clinic's own at a time. Each is optional, an empty field takes it
//! back; the checks and the audit are the application layer's, as for the
//! JSON API.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use carethread_app::equity;
use carethread_core::ids::UserId;
use maud::html;
use serde::Deserialize;

use super::form_error::FormError;
use super::pages::api_error_in;
use super::{WebSession, page};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::path_id;
use crate::routes::web::Checked;

/// The dimensions the form always offers.
const OFFERED: [&str; 4] = ["payer", "sex", "race", "ethnicity"];

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/patients/{id}/groups", get(show).post(save))
}

#[derive(Deserialize, Default)]
struct GroupsForm {
    #[serde(default)]
    payer: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    race: String,
    #[serde(default)]
    ethnicity: String,
    /// A grouping of the clinic's own, and the patient's value in it.
    #[serde(default)]
    other_dimension: String,
    #[serde(default)]
    other_value: String,
}

impl GroupsForm {
    fn typed(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = OFFERED
            .iter()
            .zip([&self.payer, &self.sex, &self.race, &self.ethnicity])
            .map(|(d, v)| ((*d).to_owned(), v.clone()))
            .collect();
        if !self.other_dimension.trim().is_empty() {
            out.push((self.other_dimension.clone(), self.other_value.clone()));
        }
        out
    }
}

impl GroupsForm {
    /// The input a refusal of `field` points at: the clinic's own grouping's
    /// name, or the first value that cannot be kept.
    fn input_at_fault(&self, field: &str) -> String {
        if field == "dimension" {
            return "groups-other-dimension".to_owned();
        }
        self.typed()
            .iter()
            .zip(OFFERED.iter().map(|d| format!("groups-{d}")).chain(["groups-other-value".to_owned()]))
            .find(|((_, v), _)| carethread_core::equity::GroupValue::parse(v).is_err())
            .map_or_else(|| "groups-payer".to_owned(), |(_, input)| input)
    }
}

async fn show(State(state): State<AppState>, session: WebSession, Path(id): Path<String>) -> Response {
    view(&state, &session, &id, None, None).await
}

async fn view(
    state: &AppState,
    session: &WebSession,
    id: &str,
    typed: Option<&GroupsForm>,
    error: Option<&FormError>,
) -> Response {
    let text = session.text;
    let found = async {
        let id: UserId = path_id(id)?;
        let found = equity::patient_groups(&state.app(), &session.auth.caller(), id).await?;
        Ok::<_, ApiError>((found.groups, found.patient.display_name.as_str().to_owned()))
    }
    .await;
    let (groups, name) = match found {
        Ok(found) => found,
        Err(e) => return api_error_in(session, &e),
    };
    let recorded = |d: &str| groups.iter().find(|(g, _)| g.as_str() == d).map(|(_, v)| v.as_str().to_owned());
    let value =
        |d: &str, typed_value: Option<&String>| typed_value.cloned().or_else(|| recorded(d)).unwrap_or_default();
    let own: Vec<_> = groups.iter().filter(|(d, _)| !OFFERED.contains(&d.as_str())).collect();
    let body = html! {
        p class="hint" { (text.get("groups-intro")) }
        (FormError::summary(error, text))
        form method="post" action={ "/patients/" (id) "/groups" } class="stack" {
            input type="hidden" name="csrf_token" value=(session.csrf);
            @for (d, typed_value) in OFFERED.iter().zip([typed.map(|t| &t.payer), typed.map(|t| &t.sex), typed.map(|t| &t.race), typed.map(|t| &t.ethnicity)]) {
                label for={ "groups-" (d) } { (text.get(&format!("groups-{d}"))) }
                input id={ "groups-" (d) } name=(d) maxlength="60" value=(value(d, typed_value))
                    aria-invalid=[error.filter(|e| e.field == format!("groups-{d}")).map(|_| "true")];
            }
            @if !own.is_empty() {
                p { (text.get("groups-own")) ": "
                    @for (i, (d, v)) in own.iter().enumerate() { @if i > 0 { ", " } (d.as_str()) " = " (v.as_str()) } }
            }
            label for="groups-other-dimension" { (text.get("groups-other-dimension")) }
            input id="groups-other-dimension" name="other_dimension" maxlength="40"
                value=(typed.map(|t| t.other_dimension.as_str()).unwrap_or_default())
                aria-invalid=[error.filter(|e| e.field == "groups-other-dimension").map(|_| "true")];
            label for="groups-other-value" { (text.get("groups-other-value")) }
            input id="groups-other-value" name="other_value" maxlength="60"
                value=(typed.map(|t| t.other_value.as_str()).unwrap_or_default())
                aria-invalid=[error.filter(|e| e.field == "groups-other-value").map(|_| "true")];
            button type="submit" class="primary" { (text.get("groups-save")) }
        }
    };
    let page = page(text, &text.fill("groups-title", &[("name", &name)]), Some(session), body);
    FormError::answer(page, error)
}

async fn save(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Checked(session, form): Checked<GroupsForm>,
) -> Response {
    let result = async {
        let patient: UserId = path_id(&id)?;
        equity::set_patient_groups(&state.app(), &session.auth.caller(), patient, &form.typed()).await?;
        Ok::<_, ApiError>(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/patients/{id}/groups")).into_response(),
        Err(e @ ApiError::Invalid { .. }) => {
            let error = FormError::refused(session.text, &e, &form.input_at_fault(FormError::invalid_field(&e)));
            view(&state, &session, &id, Some(&form), Some(&error)).await
        }
        Err(e) => api_error_in(&session, &e),
    }
}
