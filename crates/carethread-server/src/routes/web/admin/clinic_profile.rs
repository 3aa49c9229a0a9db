//! Clinic settings: the clinic profile, opening hours and after-hours notice.

use axum::extract::State;
use axum::response::Response;
use carethread_app::clinic_admin::{self, ChangeProfile};
use carethread_app::{Operator, teams, users};
use maud::{Markup, html};

use super::{AdminSession, Shown, admin_page, role_label, saved_or_again};
use crate::AppState;
use crate::error::ApiError;
use crate::routes::web::form_error::FormError;
use crate::routes::web::pages::api_error;
use crate::routes::web::{Checked, WebSession};
use crate::settings_views::{ClinicOut, clinic_out};

pub(super) const WEEKDAYS: [(u8, &str); 7] =
    [(1, "day-mon"), (2, "day-tue"), (3, "day-wed"), (4, "day-thu"), (5, "day-fri"), (6, "day-sat"), (7, "day-sun")];

/// The form as posted (`typed`; empty: the saved profile), and why it was refused.
type Typed = [(String, String)];

/// The input id of each profile field, for marking the one at fault.
fn input_of(field: &str) -> &'static str {
    match field {
        "open_days" => "open_days",
        "opens_at" => "opens_at",
        "closes_at" => "closes_at",
        "routine_reply_days" => "routine",
        "urgent_reply_hours" => "urgent",
        "emergency_reply_minutes" => "emergency",
        "message_max_chars" => "max-chars",
        "disclosure_en" => "disclosure-en",
        "disclosure_es" => "disclosure-es",
        "after_hours_phone" => "after-hours-phone",
        "on_call" => "on-call",
        "escalation" => "escalation",
        "repage_minutes" => "repage-minutes",
        "repages_before_escalation" => "repages",
        _ => "timezone",
    }
}

/// The clinic page: the saved profile, or (after a refusal) what was typed
/// with the field at fault marked and the API's status.
pub(super) async fn clinic_view(state: &AppState, session: &WebSession, shown: Shown<'_, &Typed>) -> Response {
    let Shown { saved, typed, error } = shown;
    let text = session.text;
    let (app, caller) = (state.app(), session.auth.caller());
    let c = clinic_out(&state.settings.name, &*clinic_admin::profile(&app).await, chrono::Utc::now());
    // Who may be on call: active clinicians, and any pool.
    let (users, pools) = match (
        users::list_users(&app, Operator::Person(&caller)).await,
        teams::pools_with_members(&app, Operator::Person(&caller)).await,
    ) {
        (Ok(u), Ok(p)) => (u, p.into_iter().map(|p| p.pool).collect::<Vec<_>>()),
        (Err(e), _) | (_, Err(e)) => return api_error(text, &e.into()),
    };
    let clinicians: Vec<(String, String)> = users
        .into_iter()
        .filter(|u| u.role.is_clinician() && !u.disabled)
        .map(|u| (u.id.to_string(), format!("{} ({})", u.display_name.as_str(), role_label(text, u.role.as_str()))))
        .collect();
    let mut on_call_choices: Vec<(String, String)> =
        clinicians.iter().map(|(id, name)| (format!("user:{id}"), name.clone())).collect();
    on_call_choices.extend(pools.into_iter().map(|p| (format!("pool:{}", p.slug), text.pool_name(&p.slug, &p.name))));
    let choices = Choices { on_call: &on_call_choices, clinicians: &clinicians };
    let form = ClinicForm { session, c: &c, choices, typed, error };
    let body = html! {
        p { (text.fill(if c.open_now { "admin-clinic-open_now" } else { "admin-clinic-closed_now" }, &[("name", &c.name)])) }
        (FormError::summary(error, text))
        (clinic_form(&form))
    };
    FormError::answer(admin_page(session, "/admin/clinic", saved, &body), error)
}

/// Who may be chosen: on call (`user:<id>` or `pool:<slug>`) and in the
/// escalation chain (clinicians' ids), each with the name shown.
struct Choices<'a> {
    on_call: &'a [(String, String)],
    clinicians: &'a [(String, String)],
}

/// What the clinic form is drawn from: the saved profile, who may be
/// chosen, and (after a refusal) what was typed and the field at fault.
struct ClinicForm<'a> {
    session: &'a WebSession,
    c: &'a ClinicOut,
    choices: Choices<'a>,
    typed: &'a Typed,
    error: Option<&'a FormError>,
}

impl ClinicForm<'_> {
    /// The value shown in field `name`: what was typed, or else `saved`.
    fn value(&self, name: &str, saved: String) -> String {
        if self.typed.is_empty() {
            saved
        } else {
            self.typed.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
        }
    }
}

/// Most places in the escalation chain the form shows.
const CHAIN_SLOTS: usize = 10;

/// The escalation chain as the form shows it: what was typed, or the saved
/// chain, with two empty places after it (at least three, at most ten).
fn chain_slots(c: &ClinicOut, typed: &Typed) -> Vec<String> {
    let mut chain: Vec<String> = if typed.is_empty() {
        c.escalation.clone()
    } else {
        typed.iter().filter(|(k, _)| k == "escalation").map(|(_, v)| v.clone()).collect()
    };
    let shown = (chain.iter().filter(|v| !v.is_empty()).count() + 2).clamp(3, CHAIN_SLOTS);
    chain.resize(shown.max(chain.len()).min(CHAIN_SLOTS), String::new());
    chain
}

/// The paging fieldset: minutes between pages, pages before escalating, and
/// the chain in order.
fn paging_fields(form: &ClinicForm<'_>) -> Markup {
    let ClinicForm { session, c, choices, typed, error } = form;
    let (text, error) = (session.text, *error);
    let value = |name: &str, saved: String| form.value(name, saved);
    let number = |id: &'static str, name: &str, key: &str, hint: &str, saved: String, min: u32, max: u32| {
        html! {
            label for=(id) { (text.get(key)) }
            p class="hint" id={ (id) "-hint" } { (text.get(hint)) }
            input id=(id) name=(name) type="number" inputmode="numeric" required min=(min) max=(max) value=(value(name, saved))
                aria-invalid=[FormError::is_for(error, id).then_some("true")]
                aria-describedby={ (id) "-hint" @if let Some(d) = FormError::described_by(error, id) { " " (d) } };
            (FormError::next_to(error, id))
        }
    };
    html! {
        fieldset {
            legend { (text.get("admin-clinic-paging")) }
            (number("repage-minutes", "repage_minutes", "admin-clinic-repage_minutes", "admin-clinic-repage_minutes_hint", c.repage_minutes.to_string(), 2, 120))
            (number("repages", "repages_before_escalation", "admin-clinic-repages", "admin-clinic-repages_hint", c.repages_before_escalation.to_string(), 0, 5))
            fieldset id="escalation" aria-describedby="escalation-hint" {
                legend { (text.get("admin-clinic-escalation")) }
                p class="hint" id="escalation-hint" { (text.get("admin-clinic-escalation_hint")) }
                @for (i, chosen) in chain_slots(c, typed).iter().enumerate() {
                    @let id = format!("escalation-{}", i + 1);
                    label for=(id) { (text.fill("admin-clinic-escalation_place", &[("n", &(i + 1).to_string())])) }
                    select id=(id) name="escalation" {
                        option value="" { (text.get("admin-clinic-on_call_none")) }
                        @for (person, name) in choices.clinicians {
                            option value=(person) selected[chosen == person] { (name) }
                        }
                    }
                }
                (FormError::next_to(error, "escalation"))
            }
        }
    }
}

/// The profile form, filled with what was typed or else the saved profile.
fn clinic_form(form: &ClinicForm<'_>) -> Markup {
    let ClinicForm { session, c, choices, typed, error } = form;
    let (text, error) = (session.text, *error);
    let value = |name: &str, saved: String| form.value(name, saved);
    let day_open = |n: u8| {
        if typed.is_empty() {
            c.open_days.contains(&n)
        } else {
            typed.iter().any(|(k, v)| k == "day" && *v == n.to_string())
        }
    };
    let marked = |id: &'static str| {
        html! { (FormError::next_to(error, id)) }
    };
    let number = |id: &'static str, name: &str, key: &str, saved: String, min: u32, max: u32| {
        html! {
            label for=(id) { (text.get(key)) }
            input id=(id) name=(name) type="number" inputmode="numeric" required min=(min) max=(max) value=(value(name, saved))
                aria-invalid=[FormError::is_for(error, id).then_some("true")]
                aria-describedby=[FormError::described_by(error, id)];
            (marked(id))
        }
    };
    let on_call = value("on_call", c.on_call.clone().unwrap_or_default());
    html! {
        form method="post" action="/admin/clinic" class="stack" {
            input type="hidden" name="csrf_token" value=(session.csrf);
            fieldset {
                legend { (text.get("admin-clinic-hours")) }
                label for="timezone" { (text.get("admin-clinic-timezone")) }
                input id="timezone" name="timezone" type="text" required value=(value("timezone", c.timezone.clone()))
                    aria-invalid=[FormError::is_for(error, "timezone").then_some("true")]
                    aria-describedby=[FormError::described_by(error, "timezone")];
                (marked("timezone"))
                fieldset id="open_days" {
                    legend { (text.get("admin-clinic-days")) }
                    @for (n, key) in WEEKDAYS {
                        div class="row" {
                            input type="checkbox" id={ "day-" (n) } name="day" value=(n) checked[day_open(n)];
                            label for={ "day-" (n) } { (text.get(key)) }
                        }
                    }
                    (marked("open_days"))
                }
                label for="opens_at" { (text.get("admin-clinic-opens")) }
                input id="opens_at" name="opens_at" type="time" required value=(value("opens_at", c.opens_at.clone()));
                (marked("opens_at"))
                label for="closes_at" { (text.get("admin-clinic-closes")) }
                input id="closes_at" name="closes_at" type="time" required value=(value("closes_at", c.closes_at.clone()));
                (marked("closes_at"))
            }
            fieldset {
                legend { (text.get("admin-clinic-targets")) }
                (number("routine", "routine_reply_days", "admin-clinic-routine", c.routine_reply_days.to_string(), 1, 30))
                (number("urgent", "urgent_reply_hours", "admin-clinic-urgent", c.urgent_reply_hours.to_string(), 1, 72))
                (number("emergency", "emergency_reply_minutes", "admin-clinic-emergency", c.emergency_reply_minutes.to_string(), 5, 1440))
            }
            fieldset {
                legend { (text.get("admin-clinic-after_hours")) }
                label for="after-hours-phone" { (text.get("admin-clinic-after_hours_phone")) }
                input id="after-hours-phone" name="after_hours_phone" type="tel" maxlength="30"
                    value=(value("after_hours_phone", c.after_hours_phone.clone().unwrap_or_default()));
                (marked("after-hours-phone"))
                label for="on-call" { (text.get("admin-clinic-on_call")) }
                select id="on-call" name="on_call" {
                    option value="" { (text.get("admin-clinic-on_call_none")) }
                    @for (choice, name) in choices.on_call {
                        option value=(choice) selected[on_call == *choice] { (name) }
                    }
                }
                (marked("on-call"))
            }
            (paging_fields(form))
            (number("max-chars", "message_max_chars", "admin-clinic-max_chars", c.message_max_chars.to_string(), 200, 20_000))
            label for="disclosure-en" { (text.get("admin-clinic-disclosure_en")) }
            input id="disclosure-en" name="disclosure_en" type="text" required maxlength="300" value=(value("disclosure_en", c.disclosure_en.clone()));
            (marked("disclosure-en"))
            label for="disclosure-es" { (text.get("admin-clinic-disclosure_es")) }
            input id="disclosure-es" name="disclosure_es" type="text" required maxlength="300" value=(value("disclosure_es", c.disclosure_es.clone()));
            (marked("disclosure-es"))
            button type="submit" class="primary" { (text.get("admin-save")) }
        }
    }
}

/// The clinic form as posted: days repeat, so it is read as pairs.
pub(super) async fn change_clinic(
    State(state): State<AppState>,
    Checked(AdminSession(session), pairs): Checked<Vec<(String, String)>, AdminSession>,
) -> Response {
    let text = session.text;
    let value = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned());
    let number = |name: &'static str| -> Result<Option<u32>, ApiError> {
        value(name).map(|v| v.parse::<u32>().map_err(|_| ApiError::invalid(name, "must be a whole number"))).transpose()
    };
    let parsed = (|| -> Result<ChangeProfile, ApiError> {
        let days = pairs
            .iter()
            .filter(|(k, _)| k == "day")
            .map(|(_, v)| v.parse::<u8>().map_err(|_| ApiError::invalid("open_days", "must be weekday numbers")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ChangeProfile {
            timezone: value("timezone"),
            open_days: Some(days),
            opens_at: value("opens_at").map(|t| t.chars().take(5).collect()),
            closes_at: value("closes_at").map(|t| t.chars().take(5).collect()),
            routine_reply_days: number("routine_reply_days")?,
            urgent_reply_hours: number("urgent_reply_hours")?,
            emergency_reply_minutes: number("emergency_reply_minutes")?,
            message_max_chars: number("message_max_chars")?.map(|n| n as usize),
            disclosure_en: value("disclosure_en"),
            disclosure_es: value("disclosure_es"),
            after_hours_phone: value("after_hours_phone"),
            on_call: value("on_call"),
            repage_minutes: number("repage_minutes")?,
            repages_before_escalation: number("repages_before_escalation")?,
            escalation: Some(
                pairs
                    .iter()
                    .filter(|(k, v)| k == "escalation" && !v.trim().is_empty())
                    .map(|(_, v)| v.trim().to_owned())
                    .collect(),
            ),
        })
    })();
    let result = match parsed {
        Ok(change) => clinic_admin::update_profile(&state.app(), &session.auth.caller(), change)
            .await
            .map(|_| ())
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    // Refused: the form again, with what was typed (days repeat, so as pairs).
    let typed: Vec<(String, String)> = pairs.into_iter().filter(|(k, _)| k != "csrf_token").collect();
    saved_or_again("/admin/clinic", text, result, input_of, |error| async move {
        clinic_view(&state, &session, Shown::refused(&typed, &error)).await
    })
    .await
}
