//! Emergencies after hours, as the API and the portal show them. Patients:
//! no reply time nobody is staffed to keep, but what to do instead (911,
//! 988, the clinic's after-hours line, each a `tel:` link), in their
//! language. Staff: whether whoever is on call has opened an emergency that
//! arrived while the clinic was closed. The decisions are core's
//! (`carethread_core::after_hours`); this module words and draws them.

use carethread_app::AppResult;
use carethread_app::on_call;
use carethread_core::after_hours::{
    AfterHoursGuidance, CRISIS_NUMBER, EMERGENCY_NUMBER, ReplyPromise, reply_promise, tel_href,
};
use carethread_core::ids::ThreadId;
use carethread_core::thread::{Thread, ThreadStatus, Urgency};
use carethread_core::user::Language;
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::clinic::Clinic;
use crate::dto::PersonOut;
use crate::routes::web::{Text, WebSession};

/// A number to call instead of waiting for a reply.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CallOut {
    /// What the number is for, in the reader's language.
    pub label: String,
    #[schema(example = "988")]
    pub number: String,
    /// A `tel:` link that dials it.
    #[schema(example = "tel:988")]
    pub href: String,
}

/// An emergency while the clinic is closed: messages are not read now, and
/// what to do instead. Given to patients instead of a reply time.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AfterHoursOut {
    pub title: String,
    pub message: String,
    /// When the clinic opens and messages are read again.
    pub next_open: DateTime<Utc>,
    /// 911 for danger now, 988 for suicidal thoughts, then the clinic's after-hours line when it has one.
    pub calls: Vec<CallOut>,
}

/// For staff, on an emergency that arrived after hours: whether on-call has opened it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OnCallOut {
    /// When the emergency arrived (the clinic was closed).
    pub arrived_at: DateTime<Utc>,
    /// The clinic profile names an on-call clinician or pool.
    pub on_call_set: bool,
    /// Someone on call has opened the thread since it arrived.
    pub seen: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seen_by: Option<PersonOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seen_at: Option<DateTime<Utc>>,
}

/// A time as the clinic's clock shows it, in `language` (as the portal shows times).
fn clinic_time(clinic: &Clinic, language: Language, t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&clinic.hours.timezone());
    match language {
        Language::En => local.format("%b %-d, %-I:%M %p").to_string(),
        Language::Es => local.format("%-d/%m/%Y %H:%M").to_string(),
    }
}

/// The guidance in `language`.
#[must_use]
pub fn guidance_out(clinic: &Clinic, language: Language, g: &AfterHoursGuidance) -> AfterHoursOut {
    let text = Text(language);
    let call = |key: &str, number: &str| CallOut {
        label: text.get(key).to_owned(),
        number: number.to_owned(),
        href: tel_href(number),
    };
    let mut calls = vec![call("after_hours-call_911", EMERGENCY_NUMBER), call("after_hours-call_988", CRISIS_NUMBER)];
    if let Some(line) = &g.after_hours_phone {
        calls.push(call("after_hours-call_line", line.trim()));
    }
    AfterHoursOut {
        title: text.get("after_hours-title").to_owned(),
        message: text.fill("after_hours-message", &[("when", &clinic_time(clinic, language, g.next_open))]),
        next_open: g.next_open,
        calls,
    }
}

/// What a patient (or proxy) is told about a reply on `thread` at `now`: a
/// reply-by time someone is staffed to keep, or for an emergency while the
/// clinic is closed, no time and the guidance instead.
#[must_use]
pub fn for_patient(
    clinic: &Clinic,
    thread: &Thread,
    language: Language,
    now: DateTime<Utc>,
) -> (Option<DateTime<Utc>>, Option<AfterHoursOut>) {
    if thread.status == ThreadStatus::Closed {
        return (None, None);
    }
    let received = match thread.awaiting_since {
        Some(since) => since,
        // Not waiting (the care team answered), but a new message now would not be read either.
        None if thread.urgency == Urgency::Emergency => now,
        None => return (None, None),
    };
    match reply_promise(&clinic.profile, &clinic.hours, thread.urgency, received, now) {
        ReplyPromise::ReplyBy(by) => (thread.awaiting_since.map(|_| by), None),
        ReplyPromise::NotReadNow(g) => (None, Some(guidance_out(clinic, language, &g))),
    }
}

/// Whether on-call has opened an emergency that arrived (was triaged
/// emergency) at `arrived`; `None` unless it arrived while the clinic was closed.
/// `team` starts `None` and is read once, for the first emergency that needs it.
pub async fn on_call(
    state: &AppState,
    clinic: &Clinic,
    team: &mut Option<on_call::OnCallTeam>,
    thread: ThreadId,
    urgency: Urgency,
    arrived: DateTime<Utc>,
) -> AppResult<Option<OnCallOut>> {
    let found = on_call::after_hours_emergency(&state.app(), clinic, team, thread, urgency, arrived).await?;
    Ok(found.map(|e| OnCallOut {
        arrived_at: e.arrived_at,
        on_call_set: e.on_call_set,
        seen: e.seen.is_some(),
        seen_by: e.seen.as_ref().map(|(who, _)| PersonOut::from(who)),
        seen_at: e.seen.as_ref().map(|(_, at)| *at),
    }))
}

/// The guidance as a page section: what to do instead, each number a `tel:` link.
pub(crate) fn notice(guidance: Option<&AfterHoursOut>) -> Markup {
    let Some(g) = guidance else { return html! {} };
    html! {
        div class="emergency after-hours" role="alert" {
            h2 { (g.title) }
            p { (g.message) }
            ul class="calls" {
                @for c in &g.calls { li { (c.label) " " a href=(c.href) { (c.number) } } }
            }
        }
    }
}

/// The same in one line, for a row of the patient's list.
pub(crate) fn notice_line(guidance: Option<&AfterHoursOut>) -> Markup {
    let Some(g) = guidance else { return html! {} };
    html! {
        span class="meta after-hours" role="note" {
            strong { (g.title) } " · "
            @for (i, c) in g.calls.iter().enumerate() {
                @if i > 0 { " · " }
                (c.label) " " a href=(c.href) { (c.number) }
            }
        }
    }
}

/// Staff: "After hours: on-call has not seen this", or who saw it when.
pub(crate) fn on_call_badge(session: &WebSession, status: Option<&OnCallOut>) -> Markup {
    let Some(s) = status else { return html! {} };
    let text = session.text;
    html! {
        @match (&s.seen_by, s.seen_at) {
            (Some(who), Some(at)) => span class="badge on-call seen" {
                (text.fill("after_hours-seen", &[("name", &who.display_name), ("time", &session.when(at))]))
            },
            _ => span class="badge on-call not-seen" { (text.get("after_hours-not_seen")) },
        }
        " "
    }
}
