//! Legal holds: the patients whose conversations are kept past the clinic's
//! retention period, why, by whom and since when; a form to hold a patient's
//! records and a button to release them. Through the application layer, so
//! the checks and the audit are the API's.

use axum::extract::State;
use axum::response::Response;
use carethread_app::{AppError, Caller, Operator, retention};
use carethread_core::ids::UserId;
use carethread_core::role::Role;
use maud::html;
use serde::Deserialize;

use super::{AdminSession, Shown, admin_page, enabled_with_role, saved_or_again, table_region, with_accounts};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::parse_uuid_field;
use crate::routes::web::Checked;
use crate::routes::web::WebSession;
use crate::routes::web::form_error::FormError;

#[derive(Deserialize, Default)]
pub(super) struct HoldForm {
    action: String,
    #[serde(default)]
    patient: String,
    #[serde(default)]
    reason: String,
}

async fn listed(state: &AppState, caller: &Caller) -> Result<Vec<retention::HoldView>, AppError> {
    retention::legal_holds(&state.app(), Operator::Person(caller)).await
}

/// The holds and the form; after a refusal, what was typed and the field at fault.
pub(super) async fn holds_view(state: &AppState, session: &WebSession, shown: Shown<'_, &HoldForm>) -> Response {
    let Shown { saved, typed, error } = shown;
    let text = session.text;
    let (holds, users) = match with_accounts(state, session, listed(state, &session.auth.caller())).await {
        Ok(both) => both,
        Err(page) => return page,
    };
    let patients = enabled_with_role(&users, |r| r == Role::Patient);
    let heads =
        ["admin-holds-patient", "admin-holds-reason", "admin-holds-by", "admin-holds-since", "admin-holds-action"];
    let rows = html! {
        @for h in &holds {
            tr {
                td { (h.patient_name) }
                td { (h.reason) }
                td { (h.set_by.as_deref().unwrap_or("—")) }
                td { (session.when(h.set_at)) }
                td {
                    form method="post" action="/admin/legal-holds" class="inline" {
                        input type="hidden" name="csrf_token" value=(session.csrf);
                        input type="hidden" name="action" value="release";
                        input type="hidden" name="patient" value=(h.patient_id);
                        button type="submit" aria-label=(text.fill("admin-holds-release_one", &[("name", &h.patient_name)])) {
                            (text.get("admin-holds-release"))
                        }
                    }
                }
            }
        }
    };
    let body = html! {
        p class="hint" { (text.get("admin-holds-intro")) }
        (FormError::summary(error, text))
        h2 id="holds-h" { (text.get("admin-holds-current")) }
        @if holds.is_empty() {
            p role="status" { (text.get("admin-holds-none")) }
        } @else {
            (table_region(text, "holds-h", &heads, &rows))
        }
        section aria-labelledby="new-hold-h" {
            h2 id="new-hold-h" { (text.get("admin-holds-new")) }
            form method="post" action="/admin/legal-holds" class="stack" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                input type="hidden" name="action" value="hold";
                label for="hold-patient" { (text.get("admin-holds-patient")) }
                (FormError::select(error, "hold-patient", "patient", &html! {
                    @for p in &patients {
                        option value=(p.user.id) selected[typed.patient == p.user.id] { (p.user.display_name) }
                    }
                }))
                label for="hold-reason" { (text.get("admin-holds-reason")) }
                input id="hold-reason" name="reason" type="text" required maxlength="500" value=(typed.reason)
                    aria-invalid=[FormError::is_for(error, "hold-reason").then_some("true")]
                    aria-describedby=[FormError::described_by(error, "hold-reason")];
                (FormError::next_to(error, "hold-reason"))
                button type="submit" class="primary" { (text.get("admin-holds-hold")) }
            }
        }
    };
    FormError::answer(admin_page(session, "/admin/legal-holds", saved, &body), error)
}

/// Holds a patient's records, or releases them.
pub(super) async fn change_holds(
    State(state): State<AppState>,
    Checked(AdminSession(session), form): Checked<HoldForm, AdminSession>,
) -> Response {
    let caller = session.auth.caller();
    let result = async {
        let patient = parse_uuid_field::<UserId>("patient", &form.patient)?;
        let reason = (form.action == "hold").then_some(form.reason.as_str());
        retention::set_legal_hold(&state.app(), Operator::Person(&caller), patient, reason).await?;
        Ok::<(), ApiError>(())
    }
    .await;
    let input = |field: &str| if field == "reason" { "hold-reason" } else { "hold-patient" };
    saved_or_again("/admin/legal-holds", session.text, result, input, |error| async move {
        holds_view(&state, &session, Shown::refused(&form, &error)).await
    })
    .await
}
