//! Emergency guidance for a patient who wrote in a language CareThread does
//! not triage. Triage names the language (the `interpreter` reason) and
//! sends the message to clinical staff; the patient, and a proxy writing for
//! them, are told in that language what to do if it is an emergency, from
//! the fixed texts in [`carethread_core::guidance`], for as long as the
//! thread's latest triage says so (a reload, a later visit).

use carethread_core::guidance::{self, EmergencyGuidance};
use carethread_core::ids::ThreadId;
use carethread_core::policy::ThreadAction;
use carethread_triage::ReasonCode;

use crate::threads::authorize_thread;
use crate::{App, AppResult, Caller};

/// What a patient is shown because their message needs an interpreter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterpreterGuidance {
    /// The language as triage named it for staff ("Vietnamese", "Russian (or
    /// another language in Cyrillic script)").
    pub language: String,
    /// The fixed text in that language; `None` when there is none, and the
    /// patient gets the English text and the list of every language's.
    pub guidance: Option<&'static EmergencyGuidance>,
}

impl InterpreterGuidance {
    /// The guidance a triage result with these reasons calls for: `None`
    /// unless one of them is the `interpreter` reason.
    #[must_use]
    pub fn from_reasons(reasons: &[String]) -> Option<Self> {
        let language = reasons.iter().filter_map(|r| ReasonCode::read(r)).find_map(|code| {
            (code.code == "interpreter").then(|| code.arg("language").to_owned()).filter(|l| !l.is_empty())
        })?;
        let guidance = guidance::for_language(&language);
        Some(Self { language, guidance })
    }
}

/// The guidance a patient or proxy is shown on the thread `id`, when the
/// thread's latest triage names a language CareThread does not triage;
/// `None` for staff (they see the triage itself) and for every other thread.
/// A thread the caller may not read answers `NotFound`.
pub async fn for_thread(app: &App, caller: &Caller, id: ThreadId) -> AppResult<Option<InterpreterGuidance>> {
    let thread = authorize_thread(app, caller, id, ThreadAction::Read).await?;
    if caller.user.role.is_staff() {
        return Ok(None);
    }
    let latest = app.store.latest_triage(thread.id).await?;
    Ok(latest.and_then(|(triage, _)| InterpreterGuidance::from_reasons(&triage.reasons)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|t| (*t).to_owned()).collect()
    }

    #[test]
    fn the_interpreter_reason_finds_the_text_in_that_language() {
        let found = InterpreterGuidance::from_reasons(&reasons(&[
            "since: this morning",
            &carethread_triage::language::reason("Russian (or another language in Cyrillic script)"),
        ]))
        .expect("guidance");
        assert_eq!(found.language, "Russian (or another language in Cyrillic script)");
        assert_eq!(found.guidance.map(|g| g.tag), Some("ru"));
    }

    #[test]
    fn a_language_without_a_fixed_text_still_calls_for_guidance() {
        let found = InterpreterGuidance::from_reasons(&reasons(&[&carethread_triage::language::reason("Hindi")]))
            .expect("guidance");
        assert_eq!((found.language.as_str(), found.guidance), ("Hindi", None));
    }

    #[test]
    fn other_reasons_call_for_none() {
        assert_eq!(InterpreterGuidance::from_reasons(&reasons(&["red flag: chest pain (\"chest pain\")"])), None);
        assert_eq!(InterpreterGuidance::from_reasons(&[]), None);
        // A nurse's note that mentions an interpreter is not triage's reason.
        assert_eq!(InterpreterGuidance::from_reasons(&reasons(&["note: interpreter needed (Hindi)"])), None);
    }
}
