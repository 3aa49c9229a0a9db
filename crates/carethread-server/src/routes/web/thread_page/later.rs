//! Staff forms on a thread for what happens later: replies held back (held
//! until released, or scheduled) with their release and cancel buttons, the
//! form that holds or schedules one, and turning the thread into a visit.
//! The patient's page never draws any of it.

use carethread_store::HeldReply;
use maud::{Markup, html};

use super::super::WebSession;
use super::super::form_error::FormError;
use crate::dto::ThreadDetail;

/// What the hold and visit forms held when one came back refused: the text
/// as typed, and why, next to the field at fault.
#[derive(Default)]
pub(in crate::routes::web) struct LaterForms {
    pub(in crate::routes::web) body: String,
    pub(in crate::routes::web) scheduled: bool,
    pub(in crate::routes::web) release_at: String,
    pub(in crate::routes::web) kind: String,
    pub(in crate::routes::web) reason: String,
    pub(in crate::routes::web) error: Option<FormError>,
}

/// Held replies, and the hold and visit forms, for a clinician who may reply.
pub(super) fn later_section(
    session: &WebSession,
    d: &ThreadDetail,
    held: &[HeldReply],
    may_reply: bool,
    typed: &LaterForms,
) -> Markup {
    let text = session.text;
    let error = typed.error.as_ref();
    let invalid = |id: &str| FormError::is_for(error, id).then_some("true");
    let clinician = session.auth.user.role.is_clinician();
    let closed = d.status == "closed";
    html! {
        @if !held.is_empty() {
            section class="held" aria-labelledby="held-h" {
                h2 id="held-h" { (text.get("held-title")) }
                ol class="messages" {
                    @for h in held {
                        li class="message held-reply" {
                            p class="meta" {
                                strong { (h.author.display_name) } " · "
                                strong class="badge" {
                                    @match h.release_at {
                                        Some(at) => { (text.fill("held-scheduled", &[("when", &session.when(at))])) }
                                        None => { (text.get("held-until_released")) }
                                    }
                                }
                            }
                            div class="body" { @for line in h.body.as_str().lines() { (line) br; } }
                            @if clinician && may_reply {
                                form method="post" action={ "/threads/" (d.id) "/held/" (h.id) } class="inline" {
                                    input type="hidden" name="csrf_token" value=(session.csrf);
                                    button type="submit" name="action" value="release" { (text.get("held-release")) }
                                    " "
                                    button type="submit" name="action" value="cancel" { (text.get("held-cancel")) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if clinician && may_reply && !closed {
            section class="hold" aria-labelledby="hold-h" {
                h2 id="hold-h" { (text.get("held-form_title")) }
                p class="hint" id="hold-hint" { (text.get("held-form_hint")) }
                form method="post" action={ "/threads/" (d.id) "/held" } class="stack" {
                    input type="hidden" name="csrf_token" value=(session.csrf);
                    label for="hold-body" { (text.get("held-body")) }
                    textarea id="hold-body" name="body" rows="4" required aria-invalid=[invalid("hold-body")]
                        aria-describedby=(FormError::described_by(error, "hold-body").unwrap_or_else(|| "hold-hint".to_owned())) { (typed.body) }
                    (FormError::next_to(error, "hold-body"))
                    fieldset {
                        legend { (text.get("held-when")) }
                        div class="row" {
                            input type="radio" id="hold-mode-held" name="mode" value="held" checked[!typed.scheduled];
                            label for="hold-mode-held" { (text.get("held-mode_hold")) }
                        }
                        div class="row" {
                            input type="radio" id="hold-mode-scheduled" name="mode" value="scheduled" checked[typed.scheduled];
                            label for="hold-mode-scheduled" { (text.get("held-mode_schedule")) }
                        }
                        label for="hold-release-at" { (text.get("held-release_at")) }
                        input type="datetime-local" id="hold-release-at" name="release_at" value=(typed.release_at)
                            aria-invalid=[invalid("hold-release-at")] aria-describedby=[FormError::described_by(error, "hold-release-at")];
                        (FormError::next_to(error, "hold-release-at"))
                    }
                    button type="submit" { (text.get("held-submit")) }
                }
            }
        }
        @if may_reply && !closed {
            section class="visit" aria-labelledby="visit-h" {
                h2 id="visit-h" { (text.get("visit-title")) }
                p class="hint" id="visit-hint" { (text.get("visit-hint")) }
                form method="post" action={ "/threads/" (d.id) "/visit" } class="stack" {
                    input type="hidden" name="csrf_token" value=(session.csrf);
                    label for="visit-kind" { (text.get("visit-kind")) }
                    select id="visit-kind" name="kind" {
                        @for (value, key) in [("in_person", "visit-in_person"), ("video", "visit-video"), ("phone", "visit-phone")] {
                            option value=(value) selected[typed.kind == value] { (text.get(key)) }
                        }
                    }
                    label for="visit-reason" { (text.get("visit-reason")) }
                    textarea id="visit-reason" name="reason" rows="2" maxlength="500" required aria-invalid=[invalid("visit-reason")]
                        aria-describedby=(FormError::described_by(error, "visit-reason").unwrap_or_else(|| "visit-hint".to_owned())) { (typed.reason) }
                    (FormError::next_to(error, "visit-reason"))
                    button type="submit" { (text.get("visit-submit")) }
                }
            }
        }
    }
}
