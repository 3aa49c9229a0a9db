//! The in-basket's overdue notices: the threads escalated to this member of
//! staff as overdue that still wait, above the table, each with a link.

use carethread_app::overdue_notices::OverdueNotice;
use maud::{Markup, html};

use super::super::WebSession;
use super::super::pages::urgency_label;

/// The notices, or nothing when there are none.
pub(super) fn notices(session: &WebSession, notices: &[OverdueNotice]) -> Markup {
    let text = session.text;
    html! {
        @if !notices.is_empty() {
            section class="notice overdue-notices" aria-labelledby="overdue-h" {
                h2 id="overdue-h" { (text.get("overdue-title")) " (" (notices.len()) ")" }
                ul class="plain" {
                    @for n in notices {
                        @let pool = n.pool.as_ref().map_or_else(|| text.get("inbasket-no_pool").to_owned(), |p| text.pool_name(&p.slug, &p.name));
                        li {
                            (text.fill("overdue-line", &[
                                ("urgency", urgency_label(text, n.urgency.as_str())),
                                ("pool", &pool),
                                ("since", &session.when(n.waiting_since)),
                                ("due", &session.when(n.due)),
                            ]))
                            " "
                            a href={ "/threads/" (n.thread_id) } { (text.get("overdue-open")) }
                        }
                    }
                }
            }
        }
    }
}
