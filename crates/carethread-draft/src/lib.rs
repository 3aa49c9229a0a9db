//! Reply drafts clinicians can trust, and feedback on every reply.
//!
//! A [`Drafter`] turns a thread into a suggested reply: the built-in one
//! ([`BuiltinDrafter`], offline, from the clinic's reply library) or an
//! OpenAI-compatible model ([`OpenAiDrafter`], which falls back to the
//! built-in one). Every draft passes the same [`safety`] checks (no dose,
//! diagnosis or result interpretation the clinician did not write; grade 8
//! at most) and carries its [`readability`]. Messages that need no reply get
//! none ([`reply_needed`]). A thread triaged emergency never gets a routine
//! draft: it gets the crisis reply ([`emergency`]), and the checks refuse any
//! draft for it that promises a reply time or leaves out the right crisis
//! line. Nothing here sends anything: a clinician does.

pub mod builtin;
pub mod emergency;
pub mod empathy;
pub mod jargon;
pub mod library;
pub mod openai;
pub mod readability;
pub mod reply_needed;
pub mod rewrite;
pub mod safety;
pub mod text;

use async_trait::async_trait;
use carethread_core::thread::{Category, Urgency};
use carethread_core::user::Language;
use serde::Serialize;

pub use builtin::BuiltinDrafter;
pub use emergency::Crisis;
pub use library::{ReplyLibrary, Situation};
pub use openai::{OpenAiConfig, OpenAiDrafter};
pub use readability::Readability;

/// Why drafting failed.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    /// The named situation is not one of the library's.
    #[error("unknown situation")]
    UnknownSituation,
    /// A clinic's reply text cannot be used.
    #[error("{0}")]
    InvalidTemplate(String),
    /// The model server could not be reached or answered badly (the caller falls back).
    #[error("the drafting model failed: {0}")]
    Backend(String),
}

/// What produced a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelInfo {
    pub id: String,
    pub version: String,
}

/// What a drafter is told: only what the reply needs. The patient appears
/// by first name alone; no other identifier leaves CareThread.
#[derive(Debug, Clone)]
pub struct DraftRequest {
    pub patient_first_name: String,
    pub clinician_name: String,
    pub clinic_name: String,
    pub language: Language,
    pub category: Category,
    pub subject: String,
    /// The thread, oldest first: (written by the patient or their proxy, text).
    pub messages: Vec<(bool, String)>,
    /// Facts the clinician entered for this reply (a dose, a plan); a draft may repeat them.
    pub clinician_facts: String,
    /// The situation the clinician picked, if any.
    pub situation: Option<Situation>,
    /// When the patient can expect the next step ("by tomorrow noon").
    pub expected_time: Option<String>,
    /// How urgent triage (or a clinician's re-triage) made the thread.
    pub urgency: Urgency,
    /// Triage saw suicidal or self-harm thoughts in the thread.
    pub self_harm: bool,
}

impl DraftRequest {
    /// The crisis an emergency thread is about; `None` for any other thread.
    #[must_use]
    pub fn crisis(&self) -> Option<Crisis> {
        (self.urgency == Urgency::Emergency).then_some(if self.self_harm { Crisis::SelfHarm } else { Crisis::Danger })
    }

    /// The patient's most recent message.
    #[must_use]
    pub fn last_patient_message(&self) -> Option<&str> {
        self.messages.iter().rev().find(|(from_patient, _)| *from_patient).map(|(_, t)| t.as_str())
    }
}

/// A suggested reply, or the advice that none is needed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Draft {
    /// `None` when no reply is needed.
    pub body: Option<String>,
    pub model: ModelInfo,
    pub reply_needed: bool,
    /// Why this draft (situation, empathy, fallbacks), or why none.
    pub reasons: Vec<String>,
    pub readability: Option<Readability>,
}

/// Something that drafts replies.
#[async_trait]
pub trait Drafter: Send + Sync {
    async fn draft(&self, library: &ReplyLibrary, request: &DraftRequest) -> Result<Draft, DraftError>;
    /// The model new drafts come from.
    fn model(&self) -> ModelInfo;
}

/// Characters to insert, delete or change to turn `a` into `b` (Levenshtein).
#[must_use]
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let change = previous[j] + usize::from(ca != cb);
            current[j + 1] = change.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_character_changes() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
        assert_eq!(edit_distance("día", "dia"), 1);
    }
}
