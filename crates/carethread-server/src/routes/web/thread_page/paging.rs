//! What staff see of the notices about a thread: who was paged about an
//! emergency, how and when, and who acknowledged it; and a reply the patient
//! and their proxies have not opened after the reminder delay.

use carethread_app::paging_status::{PageKind, PagingStatus};
use chrono::TimeDelta;
use maud::{Markup, html};

use crate::routes::web::WebSession;

/// The words for how someone was paged.
fn kind_key(kind: PageKind) -> &'static str {
    match kind {
        PageKind::Page => "paging-kind-page",
        PageKind::Repage => "paging-kind-repage",
        PageKind::Escalation => "paging-kind-escalation",
    }
}

/// The words for a channel a page went by.
fn channel_key(channel: &str) -> &'static str {
    if channel == "sms" { "paging-channel-sms" } else { "paging-channel-email" }
}

/// "Not read after 2 days", when a staff reply has waited that long unread.
pub(super) fn unread_notice(session: &WebSession, status: Option<&PagingStatus>, after: TimeDelta) -> Markup {
    let text = session.text;
    let Some(since) = status.and_then(|s| s.unread_reply_since) else { return html! {} };
    // The delay is configured in hours: said in days when it is whole days.
    let hours = after.num_hours();
    let waited = if hours % 24 == 0 {
        text.fill("paging-not_read", &[("days", &(hours / 24).to_string())])
    } else {
        text.fill("paging-not_read_hours", &[("hours", &hours.to_string())])
    };
    html! {
        p class="notice unread-reply" role="note" {
            strong { (waited) }
            " · " (text.fill("paging-not_read_since", &[("time", &session.when(since))]))
        }
    }
}

/// Who was paged and who acknowledged; nothing when nobody was paged.
pub(super) fn pages_section(session: &WebSession, status: Option<&PagingStatus>) -> Markup {
    let text = session.text;
    let Some(status) = status.filter(|s| !s.pages.is_empty()) else { return html! {} };
    html! {
        section class="paging" aria-labelledby="paging-h" {
            h2 id="paging-h" { (text.get("paging-title")) }
            @match &status.acknowledged {
                Some((who, at)) => p class="badge on-call seen" {
                    (text.fill("paging-acknowledged", &[("name", &who.display_name), ("time", &session.when(*at))]))
                },
                None => p class="badge on-call not-seen" { (text.get("paging-not_acknowledged")) },
            }
            ul {
                @for p in &status.pages {
                    li {
                        time datetime=(p.at.to_rfc3339()) { (session.when(p.at)) } " · "
                        (text.fill(kind_key(p.kind), &[("name", &p.person.display_name)])) " "
                        (text.get(channel_key(&p.channel)))
                    }
                }
            }
        }
    }
}
