//! Wording feedback on what a clinician is about to send: the reading grade
//! and jargon (in the patient's language), and on an emergency thread what
//! a reply must fix (no promised reply time, the right crisis line first).

use carethread_core::ids::{ThreadId, UserId};
use carethread_core::policy::{self, ThreadAction};
use carethread_core::thread::{Thread, Urgency};
use carethread_core::user::Language;
use carethread_draft::safety::{self, EmergencyProblem};
use carethread_draft::{Crisis, Readability, readability};

use crate::threads::authorize_thread;
use crate::{App, AppError, AppResult, Caller};

/// The longest text checked, in characters.
pub const MAX_CHECKED_CHARS: usize = 20_000;

/// Text to check, and optionally the thread it answers.
#[derive(Debug, Clone)]
pub struct CheckWording {
    pub body: String,
    /// The reader's language; by default the thread's patient's, else English.
    pub language: Option<Language>,
    /// The thread the text answers (the caller must be able to reply in it).
    pub thread: Option<ThreadId>,
}

/// The feedback on a text.
#[derive(Debug, Clone)]
pub struct WordingCheck {
    pub language: Language,
    pub readability: Readability,
    /// On an emergency thread: which crisis the reply must point to.
    pub crisis: Option<Crisis>,
    /// What a reply on an emergency thread must fix.
    pub emergency_problems: Vec<EmergencyProblem>,
}

/// The language a reply to this patient is read in.
pub async fn patient_language(app: &App, patient: UserId) -> AppResult<Language> {
    Ok(app.store.user(patient).await?.map_or(Language::En, |p| p.language))
}

/// Whether the thread's stored triage names the red flag for suicidal or
/// self-harm thoughts.
pub async fn triage_saw_self_harm(app: &App, thread: &Thread) -> AppResult<bool> {
    let triage = app.store.latest_triage(thread.id).await?;
    Ok(triage.is_some_and(|(t, _)| t.reasons.iter().any(|r| r.starts_with("red flag") && names_self_harm(r))))
}

/// Whether a triage reason or red-flag family is about suicidal or
/// self-harm thoughts (the lexicon's "suicidal or self-harm thoughts").
#[must_use]
pub fn names_self_harm(text: &str) -> bool {
    let text = text.to_lowercase();
    text.contains("suicid") || text.contains("self-harm")
}

/// On an emergency thread, the crisis a reply must point to.
pub async fn crisis_of(app: &App, thread: &Thread) -> AppResult<Option<Crisis>> {
    if thread.urgency != Urgency::Emergency {
        return Ok(None);
    }
    Ok(Some(if triage_saw_self_harm(app, thread).await? { Crisis::SelfHarm } else { Crisis::Danger }))
}

/// Checks the wording of a reply a care-team member is about to send.
pub async fn check_wording(app: &App, caller: &Caller, input: CheckWording) -> AppResult<WordingCheck> {
    if !policy::works_in_baskets(caller.user.role) {
        return Err(AppError::Forbidden("reply feedback is for the care team".into()));
    }
    let thread = match input.thread {
        Some(id) => Some(authorize_thread(app, caller, id, ThreadAction::Reply).await?),
        None => None,
    };
    let language = match (input.language, &thread) {
        (Some(language), _) => language,
        (None, Some(t)) => patient_language(app, t.patient_id).await?,
        (None, None) => Language::En,
    };
    if input.body.trim().is_empty() {
        return Err(AppError::invalid("body", "must not be empty"));
    }
    if input.body.chars().count() > MAX_CHECKED_CHARS {
        return Err(AppError::invalid("body", "must be at most 20,000 characters"));
    }
    let crisis = match &thread {
        Some(t) => crisis_of(app, t).await?,
        None => None,
    };
    let emergency_problems = crisis.map(|c| safety::emergency_findings(&input.body, language, c)).unwrap_or_default();
    Ok(WordingCheck { language, readability: readability::measure(&input.body, language), crisis, emergency_problems })
}
