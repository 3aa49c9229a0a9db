//! Routing rules: which pool each kind of message goes to.

use axum::Form;
use axum::extract::{Query, State};
use axum::response::Response;
use carethread_app::clinic_admin;
use carethread_app::{Operator, teams};
use maud::html;
use serde::Deserialize;

use super::{AdminSession, Saved, admin_page, done};
use crate::AppState;
use crate::error::ApiError;
use crate::routes::web::pages::api_error;
use crate::settings_views::settings_out;

pub(super) const RULES: [&str; 7] =
    ["emergency", "medication", "scheduling", "results", "clinical", "administrative", "other"];

pub(super) async fn routing_page(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Query(saved): Query<Saved>,
) -> Response {
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
    let body = html! {
        p { (text.get("admin-routing-intro")) }
        form method="post" action="/admin/routing" class="stack" {
            input type="hidden" name="csrf_token" value=(session.csrf);
            @for (rule, slug) in RULES.iter().zip(current) {
                label for={ "rule-" (rule) } { (text.get(&format!("admin-routing-{rule}"))) }
                select id={ "rule-" (rule) } name=(rule) {
                    @for p in &pools { option value=(p.slug) selected[&p.slug == slug] { (text.pool_name(&p.slug, &p.name)) } }
                }
            }
            div class="row" {
                input id="classifier" type="checkbox" name="classifier" value="on" checked[settings.classifier_enabled];
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
    admin_page(&session, "/admin/routing", &saved, &body)
}

#[derive(Deserialize)]
pub(super) struct RoutingForm {
    csrf_token: String,
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

pub(super) async fn change_routing(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Form(form): Form<RoutingForm>,
) -> Response {
    guard!(session, form);
    let named = [
        ("emergency", form.emergency),
        ("medication", form.medication),
        ("scheduling", form.scheduling),
        ("results", form.results),
        ("clinical", form.clinical),
        ("administrative", form.administrative),
        ("other", form.other),
    ];
    let routing = named.into_iter().filter_map(|(key, slug)| slug.map(|s| (key, s))).collect();
    let classifier = Some(form.classifier.is_some());
    let result = clinic_admin::update_triage_settings(&state.app(), &session.auth.caller(), classifier, routing)
        .await
        .map(|_| ())
        .map_err(ApiError::from);
    done("/admin/routing", result, session.text)
}
