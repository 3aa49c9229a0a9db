//! Routing rules: which pool each kind of message goes to.

use axum::extract::State;
use axum::response::Response;
use carethread_app::clinic_admin;
use carethread_app::{Operator, teams};
use maud::html;
use serde::Deserialize;

use super::{AdminSession, Shown, admin_page, saved_or_again};
use crate::AppState;
use crate::error::ApiError;
use crate::routes::web::Checked;
use crate::routes::web::WebSession;
use crate::routes::web::form_error::FormError;
use crate::routes::web::pages::api_error;
use crate::settings_views::settings_out;

pub(super) const RULES: [&str; 7] =
    ["emergency", "medication", "scheduling", "results", "clinical", "administrative", "other"];

/// The routing rules as saved, or (after a refusal) as posted, with the rule
/// at fault marked and the API's status.
pub(super) async fn routing_view(
    state: &AppState,
    session: &WebSession,
    shown: Shown<'_, Option<&RoutingForm>>,
) -> Response {
    let Shown { saved, typed, error } = shown;
    let text = session.text;
    let (app, caller) = (state.app(), session.auth.caller());
    let settings = match clinic_admin::triage_settings(&app, &caller).await {
        Ok((stored, counts)) => settings_out(&stored, counts),
        Err(e) => return api_error(text, &e.into()),
    };
    let pools = match teams::pools_with_members(&app, Operator::Person(&caller)).await {
        Ok(p) => p.into_iter().map(|p| p.pool).collect::<Vec<_>>(),
        Err(e) => return api_error(text, &e.into()),
    };
    let r = &settings.routing;
    let current = [&r.emergency, &r.medication, &r.scheduling, &r.results, &r.clinical, &r.administrative, &r.other];
    let posted = typed.map(RoutingForm::named);
    let chosen = |i: usize| -> String {
        match &posted {
            Some(named) => named[i].1.cloned().unwrap_or_default(),
            None => current[i].clone(),
        }
    };
    let classifier = typed.map_or(settings.classifier_enabled, |t| t.classifier.is_some());
    let body = html! {
        p { (text.get("admin-routing-intro")) }
        (FormError::summary(error, text))
        form method="post" action="/admin/routing" class="stack" {
            input type="hidden" name="csrf_token" value=(session.csrf);
            @for (i, rule) in RULES.iter().enumerate() {
                @let id = format!("rule-{rule}");
                @let slug = chosen(i);
                label for=(id) { (text.get(&format!("admin-routing-{rule}"))) }
                (FormError::select(error, &id, rule, &html! {
                    @for p in &pools { option value=(p.slug) selected[p.slug == slug] { (text.pool_name(&p.slug, &p.name)) } }
                    // A posted pool that does not exist stays shown, so the person sees what was refused.
                    @if !slug.is_empty() && !pools.iter().any(|p| p.slug == slug) { option value=(slug) selected { (slug) } }
                }))
            }
            div class="row" {
                input id="classifier" type="checkbox" name="classifier" value="on" checked[classifier];
                label for="classifier" { (text.get("admin-routing-classifier")) }
            }
            button type="submit" class="primary" { (text.get("admin-save")) }
        }
        p class="hint" {
            (text.fill("admin-routing-stats", &[
                ("automatic", &settings.stats.automatic.to_string()),
                ("review", &settings.stats.needs_review.to_string()),
                ("overrides", &settings.stats.overrides.to_string()),
            ]))
            " · " (settings.model.id) " " (settings.model.version) " · " (text.get("admin-routing-lexicon")) " " (settings.lexicon_version)
        }
    };
    FormError::answer(admin_page(session, "/admin/routing", saved, &body), error)
}

#[derive(Deserialize)]
pub(super) struct RoutingForm {
    emergency: Option<String>,
    medication: Option<String>,
    scheduling: Option<String>,
    results: Option<String>,
    clinical: Option<String>,
    administrative: Option<String>,
    other: Option<String>,
    #[serde(default)]
    classifier: Option<String>,
}

impl RoutingForm {
    /// Each rule with the pool posted for it, in the order of `RULES`.
    fn named(&self) -> [(&'static str, Option<&String>); 7] {
        [
            ("emergency", self.emergency.as_ref()),
            ("medication", self.medication.as_ref()),
            ("scheduling", self.scheduling.as_ref()),
            ("results", self.results.as_ref()),
            ("clinical", self.clinical.as_ref()),
            ("administrative", self.administrative.as_ref()),
            ("other", self.other.as_ref()),
        ]
    }
}

/// The select of the rule a refused request field names (`routing.<rule>`).
fn input_of(field: &str) -> String {
    let rule = field.strip_prefix("routing.").filter(|r| RULES.contains(r)).unwrap_or(RULES[0]);
    format!("rule-{rule}")
}

pub(super) async fn change_routing(
    State(state): State<AppState>,
    Checked(AdminSession(session), form): Checked<RoutingForm, AdminSession>,
) -> Response {
    let routing = form.named().into_iter().filter_map(|(key, slug)| slug.map(|s| (key, s.clone()))).collect();
    let classifier = Some(form.classifier.is_some());
    let result = clinic_admin::update_triage_settings(&state.app(), &session.auth.caller(), classifier, routing)
        .await
        .map(|_| ())
        .map_err(ApiError::from);
    saved_or_again("/admin/routing", session.text, result, input_of, |error| async move {
        routing_view(&state, &session, Shown::refused(Some(&form), &error)).await
    })
    .await
}
