//! Wording feedback under the reply box, on what the clinician typed: the
//! reading level (and the target when it is above it), jargon with plain
//! words, and on an emergency thread what the reply must fix. The "Check
//! wording" button fills it without a script; `app.js` fills the same region
//! as the clinician types, from `POST /api/v1/drafts/check`, with the
//! sentences this region carries in the reader's language.

use carethread_draft::Readability;
use carethread_draft::readability::{self, MAX_DRAFT_GRADE};
use carethread_draft::safety::{self, EmergencyProblem};
use maud::{Markup, html};

use super::{Text, WebSession};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::path_id;
use carethread_app::threads::{authorize_thread, require_messaging};
use carethread_app::wording::{crisis_of, patient_language};
use carethread_core::ids::ThreadId;

/// The feedback on `body` for a reply in thread `id`, in the patient's language.
pub(super) async fn for_thread(
    state: &AppState,
    session: &WebSession,
    id: &str,
    body: &str,
) -> Result<(Readability, Vec<EmergencyProblem>), ApiError> {
    let (app, caller) = (state.app(), session.auth.caller());
    require_messaging(&caller)?;
    let id: ThreadId = path_id(id)?;
    let thread = authorize_thread(&app, &caller, id, carethread_core::policy::ThreadAction::Reply).await?;
    let language = patient_language(&app, thread.patient_id).await?;
    let emergency = match crisis_of(&app, &thread).await? {
        Some(crisis) => safety::emergency_findings(body, language, crisis),
        None => Vec::new(),
    };
    Ok((readability::measure(body, language), emergency))
}

/// One finding in the reader's words.
fn problem(text: Text, p: &EmergencyProblem) -> String {
    match p {
        EmergencyProblem::PromisesReplyTime(phrase) => text.fill("thread-check_promise", &[("phrase", phrase)]),
        EmergencyProblem::MissingCrisisLine(line) | EmergencyProblem::CrisisLineLate(line, _) => {
            text.fill("thread-check_crisis_line", &[("line", line)])
        }
    }
}

/// The live region under the reply box, with the feedback when there is some.
pub(super) fn region(
    text: Text,
    thread_id: &str,
    feedback: Option<&Readability>,
    emergency: &[EmergencyProblem],
) -> Markup {
    let target = format!("{MAX_DRAFT_GRADE:.0}");
    html! {
        div id="reply-feedback" class="readability" role="status"
            data-check-url="/api/v1/drafts/check" data-thread=(thread_id) data-target=(target)
            data-grade-text=(text.get("thread-readability")) data-target-text=(text.get("thread-readability_target"))
            data-jargon-text=(text.get("thread-jargon")) data-promise-text=(text.get("thread-check_promise"))
            data-line-text=(text.get("thread-check_crisis_line")) {
            @if let Some(r) = feedback {
                p { (text.fill("thread-readability", &[("grade", &format!("{:.1}", r.grade))])) }
                @if r.grade > MAX_DRAFT_GRADE { p { (text.fill("thread-readability_target", &[("target", &target)])) } }
                @if !r.jargon.is_empty() {
                    p { (text.fill("thread-jargon", &[("list", &r.jargon.iter().map(|j| format!("{} → {}", j.term, j.plain)).collect::<Vec<_>>().join(", "))])) }
                }
                @for p in emergency { p class="error" { (problem(text, p)) } }
            }
        }
    }
}
