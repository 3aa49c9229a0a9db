//! The care team's in-basket as a table: one row per thread with its
//! urgency, patient (date of birth, record number), subject, pool, assignee,
//! since when it has waited and when a reply is due; the triage reasons open
//! on demand. On a phone the stylesheet shows each row as a card.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use maud::{Markup, html};

use super::super::WebSession;
use super::super::pages::{status_label, urgency_label};
use crate::dto::ThreadListItem;

/// What the rows show, item by item.
pub(super) struct Rows<'a> {
    pub(super) threads: &'a [ThreadListItem],
    /// Since when each thread has waited for the care team.
    pub(super) waiting: &'a [Option<DateTime<Utc>>],
    /// The latest triage's reasons for each thread, as stored.
    pub(super) reasons: &'a [Vec<String>],
    /// Patient labels (name, date of birth, record number) by patient id.
    pub(super) patients: &'a HashMap<String, String>,
    /// For threads covered for someone away, their name, by thread id.
    pub(super) covering: &'a HashMap<String, String>,
}

/// The table, in the store's order; a sentence when nothing is waiting.
pub(super) fn inbasket_table(session: &WebSession, rows: &Rows<'_>) -> Markup {
    let text = session.text;
    let now = Utc::now();
    // Each cell names its column for the phone layout, where the header row is hidden.
    let columns = [
        text.get("inbasket-urgency"),
        text.get("inbasket-patient"),
        text.get("inbasket-subject"),
        text.get("inbasket-pool"),
        text.get("inbasket-assignee_column"),
        text.get("inbasket-waiting"),
        text.get("inbasket-due_column"),
    ];
    html! {
        @if rows.threads.is_empty() {
            p { (text.get("inbasket-empty")) }
        } @else {
            table class="inbasket" id="thread-list" {
                caption class="visually-hidden" { (text.get("inbasket-caption")) }
                thead { tr { @for c in columns { th scope="col" { (c) } } } }
                tbody {
                    @for (i, t) in rows.threads.iter().enumerate() {
                        @let overdue = t.wait.due_at.is_some_and(|d| d < now);
                        @let reasons = rows.reasons.get(i).map_or(&[][..], Vec::as_slice);
                        tr class={ "thread " (t.urgency) @if t.unread > 0 { " unread" } @if overdue { " overdue" } } {
                            td class="urgency" data-label=(columns[0]) {
                                span class={ "badge " (t.urgency) } { (urgency_label(text, &t.urgency)) }
                                (crate::after_hours::on_call_badge(session, t.wait.on_call.as_ref()))
                            }
                            td class="patient" data-label=(columns[1]) {
                                (rows.patients.get(&t.patient.id).map_or(t.patient.display_name.as_str(), String::as_str))
                            }
                            th scope="row" class="subject" data-label=(columns[2]) {
                                a href={ "/threads/" (t.id) } { (t.subject) }
                                span class="meta" {
                                    " " (status_label(text, &t.status))
                                    @if t.unread > 0 { " · " strong { (text.fill("inbox-unread", &[("count", &t.unread.to_string())])) } }
                                }
                                @if !reasons.is_empty() {
                                    details class="reasons" data-thread=(t.id) {
                                        summary { (text.get("inbasket-why")) span class="visually-hidden" { ": " (t.subject) } }
                                        ul { @for r in reasons { li { (text.reason(r)) } } }
                                    }
                                }
                            }
                            td class="pool" data-label=(columns[3]) {
                                @match &t.pool {
                                    Some(p) => { (text.pool_name(&p.slug, &p.name)) }
                                    None => { (text.get("inbasket-no_pool")) }
                                }
                            }
                            td class="assignee" data-label=(columns[4]) {
                                @match &t.assignee {
                                    Some(a) => { (a.display_name) }
                                    None => { (text.get("inbasket-unassigned")) }
                                }
                                @if let Some(name) = rows.covering.get(&t.id) {
                                    " " span class="badge covering" { (text.fill("coverage-covering_for", &[("name", name)])) }
                                }
                            }
                            td class="waiting" data-label=(columns[5]) {
                                @match rows.waiting.get(i).copied().flatten() {
                                    Some(since) => { time datetime=(since.to_rfc3339()) { (session.when(since)) } }
                                    None => { (text.get("inbasket-not_waiting")) }
                                }
                            }
                            td class="due" data-label=(columns[6]) {
                                @match t.wait.due_at {
                                    Some(due) => { time datetime=(due.to_rfc3339()) { (session.when(due)) } }
                                    None => { (text.get("inbasket-no_due")) }
                                }
                                @if overdue { " " span class="badge overdue" { (text.get("inbasket-overdue")) } }
                            }
                        }
                    }
                }
            }
        }
    }
}
