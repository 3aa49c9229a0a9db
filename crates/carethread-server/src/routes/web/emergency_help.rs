//! What to do in an emergency, in the patient's own language: the alert a
//! patient (or proxy) sees on a thread whose latest message was written in a
//! language CareThread does not triage, and `/emergency-help`, a page anyone
//! may read (signed in or not) listing the guidance in English, Spanish and
//! every language with a fixed text. The texts themselves are
//! `carethread_core::guidance`; which thread calls for them is decided by
//! `carethread_app::guidance`. This module only draws them.

use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::get;
use carethread_app::guidance::InterpreterGuidance;
use carethread_core::guidance::{self, EmergencyGuidance};
use carethread_core::user::Language;
use maud::{Markup, html};

use super::{Text, WebSession, page, visitor_language};
use crate::AppState;

/// The page's path.
pub(super) const PATH: &str = "/emergency-help";

pub(super) fn router() -> Router<AppState> {
    Router::new().route(PATH, get(emergency_help))
}

/// `text` with each 911 and 988 a `tel:` link, so a phone dials it.
fn with_calls(text: &str) -> Markup {
    let mut parts: Vec<(&str, bool)> = Vec::new();
    let mut rest = text;
    while let Some(at) = ["911", "988"].iter().filter_map(|n| rest.find(n)).min() {
        parts.push((&rest[..at], false));
        parts.push((&rest[at..at + 3], true));
        rest = &rest[at + 3..];
    }
    parts.push((rest, false));
    html! {
        @for (part, number) in parts {
            @if number { a href={ "tel:" (part) } { (part) } } @else { (part) }
        }
    }
}

/// One language's guidance: its heading and text, marked with its language
/// and direction so that screen readers pronounce it and Arabic reads right
/// to left.
fn guidance_block(g: &EmergencyGuidance, heading_id: &str) -> Markup {
    html! {
        div class="guidance" lang=(g.tag) dir=(if g.rtl { "rtl" } else { "ltr" }) {
            h2 id=(heading_id) { (g.heading) }
            p { (with_calls(g.text)) }
        }
    }
}

/// The alert on a thread whose latest message needs an interpreter: the
/// guidance in that language, then in English; when there is no text in
/// that language, the English one and the way to every language's.
pub(super) fn interpreter_alert(text: Text, found: &InterpreterGuidance) -> Markup {
    html! {
        div class="emergency interpreter" role="alert" {
            @if let Some(g) = found.guidance { (guidance_block(g, "guidance-own-h")) }
            (guidance_block(&guidance::ENGLISH, "guidance-en-h"))
            @if found.guidance.is_none() {
                p { a href=(PATH) { (text.get("emergency_help-other_languages")) } }
                (language_links())
            }
        }
    }
}

/// The name of every language on the page, each in itself, linking to its section.
fn language_links() -> Markup {
    html! {
        ul class="languages" {
            @for g in guidance::ALL {
                li { a href={ (PATH) "#guidance-" (g.tag) } lang=(g.tag) dir=(if g.rtl { "rtl" } else { "ltr" }) { (g.native_name) } }
            }
        }
    }
}

/// Spanish, which CareThread triages (no interpreter needed): the portal's
/// own emergency sentences in Spanish.
fn spanish() -> Markup {
    let es = Text(Language::Es);
    html! {
        section id="guidance-es" lang="es" dir="ltr" aria-labelledby="guidance-es-h" {
            h2 id="guidance-es-h" { "Español" }
            div class="guidance" {
                p { strong { (es.get("emergency_help-heading")) } }
                p {
                    (with_calls(es.get("emergency-call"))) " " (es.get("emergency_help-no_wait")) " "
                    (with_calls(es.get("emergency-crisis")))
                }
            }
        }
    }
}

/// One language's section on the page, headed by the language's own name.
fn section(g: &EmergencyGuidance) -> Markup {
    let id = format!("guidance-{}", g.tag);
    html! {
        section id=(id) lang=(g.tag) dir=(if g.rtl { "rtl" } else { "ltr" }) aria-labelledby={ (id) "-h" } {
            h2 id={ (id) "-h" } { (g.native_name) }
            div class="guidance" {
                p { strong { (g.heading) } }
                p { (with_calls(g.text)) }
            }
        }
    }
}

/// Emergency guidance in every language CareThread has it in. Public: a
/// patient may need it before signing in, or without an account.
async fn emergency_help(State(state): State<AppState>, mut parts: Parts) -> Response {
    let session = WebSession::from_request_parts(&mut parts, &state).await.ok();
    let text = session.as_ref().map_or_else(|| Text(visitor_language(&parts)), |s| s.text);
    page(
        text,
        text.get("emergency_help-title"),
        session.as_ref(),
        html! {
            p { (text.get("emergency_help-intro")) }
            nav aria-label=(text.get("emergency_help-languages")) {
                ul class="languages" {
                    li { a href="#guidance-en" lang="en" { "English" } }
                    li { a href="#guidance-es" lang="es" { "Español" } }
                    @for g in guidance::ALL {
                        li { a href={ "#guidance-" (g.tag) } lang=(g.tag) dir=(if g.rtl { "rtl" } else { "ltr" }) { (g.native_name) } }
                    }
                }
            }
            (section(&guidance::ENGLISH))
            (spanish())
            @for g in guidance::ALL { (section(g)) }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_numbers_become_links_and_the_words_stay() {
        let html = with_calls("Call 911 now. Text 988.").into_string();
        assert_eq!(html, "Call <a href=\"tel:911\">911</a> now. Text <a href=\"tel:988\">988</a>.");
    }

    #[test]
    fn arabic_reads_right_to_left_in_its_own_language() {
        let arabic = guidance::for_language("Arabic").expect("Arabic");
        let html = guidance_block(arabic, "h").into_string();
        assert!(html.starts_with("<div class=\"guidance\" lang=\"ar\" dir=\"rtl\">"), "{html}");
        assert!(html.contains("href=\"tel:911\"") && html.contains("href=\"tel:988\""), "{html}");
    }

    #[test]
    fn a_language_without_a_text_gets_english_and_the_way_to_the_others() {
        let found = InterpreterGuidance { language: "Hindi".into(), guidance: None };
        let html = interpreter_alert(Text(Language::En), &found).into_string();
        assert!(html.contains(guidance::ENGLISH.heading) && html.contains("href=\"/emergency-help\""), "{html}");
        assert!(html.contains("lang=\"vi\"") && !html.contains("guidance-own-h"), "{html}");
    }
}
