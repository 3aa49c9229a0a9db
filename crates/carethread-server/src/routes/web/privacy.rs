//! A patient's privacy page: who has seen her messages, from the audit log.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use carethread_app::audit::{self, AuditPatient, ReadAudit};
use carethread_core::role::Role;
use maud::html;

use super::pages::api_error_in;
use super::{Text, WebSession, page};
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/privacy", get(privacy))
}

fn action_words(text: Text, action: &str) -> &'static str {
    match (text.0, action) {
        (carethread_core::user::Language::En, "thread.read" | "message.read" | "attachment.read") => {
            "opened your messages"
        }
        (carethread_core::user::Language::En, "thread.break_glass") => "opened your messages in an emergency",
        (carethread_core::user::Language::En, "grant.create") => "gave someone access to your messages",
        (carethread_core::user::Language::En, "grant.revoke") => "ended someone's access to your messages",
        (carethread_core::user::Language::En, _) => "worked on your messages",
        (carethread_core::user::Language::Es, "thread.read" | "message.read" | "attachment.read") => {
            "abrió sus mensajes"
        }
        (carethread_core::user::Language::Es, "thread.break_glass") => "abrió sus mensajes en una emergencia",
        (carethread_core::user::Language::Es, "grant.create") => "dio acceso a sus mensajes a otra persona",
        (carethread_core::user::Language::Es, "grant.revoke") => "quitó el acceso a sus mensajes a otra persona",
        (carethread_core::user::Language::Es, _) => "trabajó en sus mensajes",
    }
}

/// Who has seen my messages: names, roles and times from the audit log.
async fn privacy(State(state): State<AppState>, session: WebSession) -> Response {
    let text = session.text;
    if session.auth.user.role != Role::Patient {
        return Redirect::to("/").into_response();
    }
    // The reading is recorded with the query: no record, no page.
    let query = ReadAudit { patient: AuditPatient::Me, limit: 200, ..ReadAudit::default() };
    let entries = match audit::read_audit(&state.app(), &session.auth.caller(), query).await {
        Ok(page) => page.entries,
        Err(e) => return api_error_in(&session, &e.into()),
    };
    page(
        text,
        text.get("privacy-title"),
        Some(&session),
        html! {
            p { (text.get("privacy-intro")) }
            @if entries.is_empty() { p { (text.get("privacy-none")) } }
            @else {
                table {
                    caption class="visually-hidden" { (text.get("privacy-title")) }
                    thead { tr { th scope="col" { (text.get("privacy-who")) } th scope="col" { (text.get("privacy-what")) } th scope="col" { (text.get("privacy-when")) } } }
                    tbody {
                        @for e in &entries {
                            tr {
                                td { @if let Some(a) = &e.actor { (a.display_name) " (" (a.role.as_str().replace('_', " ")) ")" } @else { "CareThread" } }
                                td { (action_words(text, &e.action)) }
                                td { (session.when(e.at)) }
                            }
                        }
                    }
                }
            }
        },
    )
}
