//! Reply drafts for the care team: the clinic's reply library and the
//! configured drafter write one from the thread, and it is kept with its
//! model for the AI report. A draft is never sent by itself and never shown
//! to patients.

use carethread_core::audit::AuditAction;
use carethread_core::ids::ThreadId;
use carethread_core::policy::{self, ThreadAction};
use carethread_core::thread::Thread;
use carethread_core::user::Language;
use carethread_draft::library::Situation;
use carethread_draft::{Draft, DraftRequest, ReplyLibrary};
use carethread_store::{DraftContent, NewDraft};
use carethread_triage::safety::Lexicon;
use chrono::{DateTime, Utc};

use crate::threads::authorize_thread;
use crate::wording::{names_self_harm, triage_saw_self_harm};
use crate::{App, AppError, AppResult, Caller};

/// What the clinician asks the draft to say.
#[derive(Debug, Clone, Default)]
pub struct DraftReply {
    /// A reply-library situation (e.g. `results_normal`).
    pub situation: Option<String>,
    /// Facts the clinician wants in the reply.
    pub facts: Option<String>,
    /// When the patient can expect what comes next.
    pub expected_time: Option<String>,
}

/// A stored draft.
#[derive(Debug, Clone)]
pub struct Drafted {
    pub id: uuid::Uuid,
    pub draft: Draft,
    pub created_at: DateTime<Utc>,
}

/// The clinic's reply library: the built-in replies with the clinic's own
/// wording where an admin changed it.
pub async fn clinic_library(app: &App) -> AppResult<ReplyLibrary> {
    let rows = app.store.reply_templates().await?;
    let overrides = rows.into_iter().filter_map(|carethread_store::ReplyTemplate { situation, language, body }| {
        Some((Situation::parse(&situation).ok()?, Language::parse(&language).ok()?, body))
    });
    Ok(ReplyLibrary::with_overrides(overrides))
}

/// Drafts a reply for a care-team member who may reply in the thread, when
/// the clinic has drafting on. Reading the thread for the draft is audited,
/// and the draft is stored with its model and an audit entry.
pub async fn draft_reply(app: &App, caller: &Caller, id: ThreadId, input: DraftReply) -> AppResult<Drafted> {
    let thread = authorize_thread(app, caller, id, ThreadAction::Reply).await?;
    if !policy::works_in_baskets(caller.user.role) {
        return Err(AppError::Forbidden("drafting and reply feedback are for the care team".into()));
    }
    if !app.store.ai_settings().await?.drafting_enabled {
        return Err(AppError::Forbidden("drafting is switched off for this clinic".into()));
    }
    let situation = input.situation.as_deref().map(Situation::parse).transpose().map_err(|_| {
        AppError::invalid("situation", "is not a reply-library situation (see GET /api/v1/admin/ai/replies)")
    })?;
    if let Some(time) = &input.expected_time {
        carethread_core::text::single_line("expected_time", time)?;
    }
    let facts = input.facts.as_deref().map(|f| carethread_core::text::multi_line("facts", f)).transpose()?;
    let input = DraftReply { facts, ..input };
    let request = draft_request(app, caller, &thread, situation, input).await?;
    let library = clinic_library(app).await?;
    let draft = app.drafter.draft(&library, &request).await.map_err(AppError::internal)?;
    let now = Utc::now();
    let audit =
        caller.audit(AuditAction::DraftCreate).patient(thread.patient_id).detail(format!("model {}", draft.model.id));
    let content = DraftContent {
        thread_id: thread.id,
        requested_by: caller.user.id,
        body: draft.body.clone(),
        model_id: draft.model.id.clone(),
        model_version: draft.model.version.clone(),
        reply_needed: draft.reply_needed,
        reasons: draft.reasons.clone(),
    };
    let new = NewDraft { content, now, audit };
    let id = app.store.create_draft(&new).await?;
    Ok(Drafted { id: id.as_uuid(), draft, created_at: now })
}

fn first_name(display_name: &str) -> String {
    display_name.split_whitespace().next().unwrap_or(display_name).to_owned()
}

/// What the drafter is told: the patient's first name and language, the
/// conversation (patient side marked), the clinician's facts, and whether
/// the patient wrote of self-harm.
async fn draft_request(
    app: &App,
    caller: &Caller,
    thread: &Thread,
    situation: Option<Situation>,
    input: DraftReply,
) -> AppResult<DraftRequest> {
    let patient = app.store.user(thread.patient_id).await?.ok_or(AppError::NotFound)?;
    let messages = app.store.messages(thread.id, false).await?;
    let read = caller.audit(AuditAction::ThreadRead).patient(thread.patient_id).target("thread", thread.id);
    app.store.record_audit(vec![read]).await?;
    let self_harm = triage_saw_self_harm(app, thread).await?
        || messages
            .iter()
            .filter(|m| !m.author.role.is_staff())
            .any(|m| Lexicon::builtin().check(m.message.body.as_str()).flags.iter().any(|f| names_self_harm(f.family)));
    Ok(DraftRequest {
        patient_first_name: first_name(patient.display_name.as_str()),
        clinician_name: caller.user.display_name.as_str().to_owned(),
        clinic_name: app.settings.name.clone(),
        language: patient.language,
        category: thread.category,
        subject: thread.subject.as_str().to_owned(),
        messages: messages.iter().map(|m| (!m.author.role.is_staff(), m.message.body.as_str().to_owned())).collect(),
        clinician_facts: input.facts.unwrap_or_default(),
        situation,
        expected_time: input.expected_time.filter(|t| !t.trim().is_empty()),
        urgency: thread.urgency,
        self_harm,
    })
}
