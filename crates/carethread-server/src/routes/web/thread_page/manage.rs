//! The care team's forms on a thread: assign, close or reopen, replies on
//! or off, forward with a note, re-triage.

use maud::{Markup, html};

use super::super::WebSession;
use super::super::form_error::FormError;
use super::super::pages::urgency_label;
use super::{ReplyBox, StaffContext};
use crate::dto::ThreadDetail;

/// Assign, forward with a note, re-triage, replies on or off, close: forms for the care team.
pub(super) fn staff_actions(
    session: &WebSession,
    d: &ThreadDetail,
    context: &StaffContext,
    reply: &ReplyBox,
) -> Markup {
    let text = session.text;
    let error = reply.forward_error.as_ref();
    let invalid = |id: &str| FormError::is_for(error, id).then_some("true");
    let closed = d.status == "closed";
    html! {
        section class="actions" aria-labelledby="actions-h" {
            h2 id="actions-h" { (text.get("manage-title")) }
            form method="post" action={ "/threads/" (d.id) "/manage" } class="inline" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                button type="submit" name="action" value="assign_me" { (text.get("manage-assign_me")) }
                @if closed {
                    button type="submit" name="action" value="reopen" { (text.get("manage-reopen")) }
                } @else {
                    button type="submit" name="action" value="close" { (text.get("thread-close")) }
                }
                @if d.replies_allowed {
                    button type="submit" name="action" value="replies_off" { (text.get("manage-replies_off")) }
                } @else {
                    button type="submit" name="action" value="replies_on" { (text.get("manage-replies_on")) }
                }
            }
            form method="post" action={ "/threads/" (d.id) "/manage" } class="stack" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                input type="hidden" name="action" value="forward";
                fieldset {
                    legend { (text.get("manage-forward")) }
                    label for="forward-pool" { (text.get("manage-to_pool")) }
                    select id="forward-pool" name="pool" aria-invalid=[invalid("forward-pool")]
                        aria-describedby=[FormError::described_by(error, "forward-pool")] {
                        option value="" { "—" }
                        @for p in &context.pools { option value=(p.slug) { (text.pool_name(&p.slug, &p.name)) } }
                    }
                    label for="forward-user" { (text.get("manage-to_colleague")) }
                    select id="forward-user" name="assignee" aria-describedby="forward-user-hint" {
                        option value="" { "—" }
                        @for (id, name) in &context.colleagues { option value=(id) { (name) } }
                    }
                    (FormError::next_to(error, "forward-pool"))
                    p class="hint" id="forward-user-hint" { (text.get("manage-colleague_hint")) }
                    (FormError::next_to(error, "forward-user"))
                    @if let Some(a) = &d.assignee {
                        fieldset {
                            legend { (text.fill("manage-assignee_rule", &[("name", &a.display_name)])) }
                            div class="row" {
                                input type="radio" id="assignee-clear" name="assignee_rule" value="clear" checked;
                                label for="assignee-clear" { (text.get("manage-clear_assignee")) }
                            }
                            div class="row" {
                                input type="radio" id="assignee-keep" name="assignee_rule" value="keep";
                                label for="assignee-keep" { (text.fill("manage-keep_assignee", &[("name", &a.display_name)])) }
                            }
                        }
                    }
                    label for="forward-note" { (text.get("manage-note")) }
                    textarea id="forward-note" name="note" rows="2" maxlength="500" aria-invalid=[invalid("forward-note")]
                        aria-describedby=[FormError::described_by(error, "forward-note")] { (reply.forward_note) }
                    (FormError::next_to(error, "forward-note"))
                    button type="submit" { (text.get("manage-forward_send")) }
                }
            }
            form method="post" action={ "/threads/" (d.id) "/manage" } class="inline" {
                input type="hidden" name="csrf_token" value=(session.csrf);
                input type="hidden" name="action" value="retriage";
                label for="retriage-urgency" { (text.get("inbasket-urgency")) }
                select id="retriage-urgency" name="urgency" {
                    @for u in ["emergency", "urgent", "routine"] { option value=(u) selected[u == d.urgency] { (urgency_label(text, u)) } }
                }
                label for="retriage-pool" { (text.get("manage-pool")) }
                select id="retriage-pool" name="pool" {
                    option value="" { "—" }
                    @for p in &context.pools {
                        option value=(p.slug) selected[d.pool.as_ref().is_some_and(|x| x.slug == p.slug)] { (text.pool_name(&p.slug, &p.name)) }
                    }
                }
                button type="submit" { (text.get("manage-retriage")) }
            }
        }
    }
}
