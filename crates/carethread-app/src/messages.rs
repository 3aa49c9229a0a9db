//! Messages and internal notes added to a thread: the policy allows it, the
//! thread takes it, a patient-side message is triaged, a care-team reply is
//! measured for reading level (with the clinic's disclosure line when it
//! started from a draft), and the message, its files, triage and audit
//! entries are written in one transaction. Files arrive checked and scanned
//! by the interface that received them.

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::ids::{MessageId, ThreadId, UserId};
use carethread_core::message::MessageBody;
use carethread_core::policy::ThreadAction;
use carethread_core::thread::{Thread, Urgency};
use carethread_core::user::Language;
use carethread_store::{DraftUse, Idempotency, NewAttachment, NewMessage};
use chrono::{DateTime, Utc};

use crate::intake::triage_patient_message;
use crate::threads::{ThreadAccess, authorize_thread};
use crate::wording::patient_language;
use crate::{App, AppError, AppResult, Caller};

/// What a message or note needs from the thread's policy.
#[must_use]
pub fn action_for(internal: bool) -> ThreadAction {
    if internal { ThreadAction::InternalNotes } else { ThreadAction::Reply }
}

/// A message (or, for staff, an internal note) to add.
#[derive(Debug, Default)]
pub struct AddMessage {
    pub body: Option<MessageBody>,
    /// Staff only: a note the patient never sees.
    pub internal: bool,
    /// Checked against the clinic's limits and scanned for malware.
    pub attachments: Vec<NewAttachment>,
    pub idempotency: Option<Idempotency>,
    /// Staff only: the draft this reply started from, as [`draft_use`] measured it.
    pub draft: Option<DraftUse>,
    /// Patient side only: the answer to "did this answer your question?".
    /// Yes leaves the thread with the patient; no puts it back with the care team.
    pub answered: Option<bool>,
}

/// A stored message.
#[derive(Debug, Clone)]
pub struct AddedMessage {
    pub thread: Thread,
    pub message_id: MessageId,
    /// Stored by an earlier request with the same idempotency key.
    pub replayed: bool,
    /// The body as stored (with the disclosure line a drafted reply carries).
    pub body: Option<MessageBody>,
    pub sent_at: DateTime<Utc>,
    /// Triage of a patient-side message.
    pub urgency: Option<Urgency>,
    pub ai_assisted: bool,
    pub has_files: bool,
}

/// A patient's answer to "did this answer your question?" in `language`, as
/// the thread shows it when the answer came with no words of its own.
#[must_use]
pub const fn answer_text(language: Language, yes: bool) -> &'static str {
    match (language, yes) {
        (Language::En, true) => "✓ Did this answer your question? Yes",
        (Language::En, false) => "Did this answer your question? No, I still have a question.",
        (Language::Es, true) => "✓ ¿Respondió esto a su pregunta? Sí",
        (Language::Es, false) => "¿Respondió esto a su pregunta? No, todavía tengo una pregunta.",
    }
}

/// The longest "yes, this answered my question" that leaves the thread with
/// the patient, in characters: the answer and a word of thanks.
const SHORT_ANSWER_CHARS: usize = 80;

/// Whether a patient's message with words of their own leaves the thread
/// where it is rather than putting it back with the care team: only a short
/// "yes, this answered my question" that triage reads as routine. A yes that says more, or that
/// triage reads as urgent, an emergency or in need of review, goes back to
/// the care team like any message.
fn keeps_with_patient(
    answered: Option<bool>,
    body: Option<&MessageBody>,
    triage: Option<&carethread_store::TriageRecord>,
) -> bool {
    answered == Some(true)
        && body.is_none_or(|b| b.as_str().chars().count() <= SHORT_ANSWER_CHARS)
        && triage.is_none_or(|t| t.urgency == Urgency::Routine && !t.needs_review)
}

/// The audit entries a message (or note) and its files leave.
fn message_audit(caller: &Caller, thread: &Thread, internal: bool, has_files: bool) -> Vec<AuditEvent> {
    let action = if internal { AuditAction::NoteCreate } else { AuditAction::MessageCreate };
    let mut audit = vec![caller.audit(action).patient(thread.patient_id)];
    if has_files {
        audit.push(caller.audit(AuditAction::AttachmentCreate).patient(thread.patient_id));
    }
    audit
}

/// A thread the caller was allowed, just now, to add a message to (or, with
/// `internal`, a note): asked once per send, however many steps the sending
/// interface takes before the message is written.
pub struct MayAdd {
    thread: Thread,
    user: UserId,
    internal: bool,
}

impl MayAdd {
    /// The thread, as read when the policy allowed it.
    #[must_use]
    pub fn thread(&self) -> &Thread {
        &self.thread
    }
}

/// Asks the core policy whether the caller may add a message (or a note) to the thread `id`.
pub async fn may_add(app: &App, caller: &Caller, id: ThreadId, internal: bool) -> AppResult<MayAdd> {
    let thread = authorize_thread(app, caller, id, action_for(internal)).await?;
    Ok(MayAdd { thread, user: caller.user.id, internal })
}

/// The same, for a thread the caller has already read.
pub fn may_add_to(access: ThreadAccess, caller: &Caller, internal: bool) -> AppResult<MayAdd> {
    access.require(action_for(internal))?;
    Ok(MayAdd { thread: access.thread, user: caller.user.id, internal })
}

/// Adds a message or note to the thread `id`.
pub async fn add_message(app: &App, caller: &Caller, id: ThreadId, add: AddMessage) -> AppResult<AddedMessage> {
    let to = may_add(app, caller, id, add.internal).await?;
    add_message_to(app, caller, to, add).await
}

/// Adds a message or note to a thread the policy has just allowed it for.
pub async fn add_message_to(app: &App, caller: &Caller, to: MayAdd, add: AddMessage) -> AppResult<AddedMessage> {
    // Allowed for this caller and this kind of message, or asked again.
    let thread = if to.user == caller.user.id && to.internal == add.internal {
        to.thread
    } else {
        authorize_thread(app, caller, to.thread.id, action_for(add.internal)).await?
    };
    let role = caller.user.role;
    let internal = add.internal;
    thread.accepts_message_from(role, internal)?;
    if add.answered.is_some() && (role.is_staff() || internal) {
        return Err(AppError::invalid("answered", "is the patient's answer to \"did this answer your question?\""));
    }
    let mut add = add;
    // The answer on its own (the portal's buttons): written in the clinic's
    // words, in the reader's language, and not triaged: it holds nothing else.
    let bare_answer = match (add.answered, &add.body, add.attachments.is_empty()) {
        (Some(yes), None, true) => Some(yes),
        _ => None,
    };
    if let Some(yes) = bare_answer {
        let language = patient_language(app, thread.patient_id).await?;
        add.body = Some(MessageBody::from_trusted(answer_text(language, yes).to_owned()));
    }
    let triage = match (&add.body, role.is_staff() || bare_answer.is_some()) {
        (Some(body), false) => {
            let subject = thread.subject.as_str();
            Some(triage_patient_message(app, subject, body.as_str(), Some(thread.category), thread.confidential).await?)
        }
        _ => None,
    };
    let urgency = triage.as_ref().map(|t| t.urgency);
    let now = Utc::now();
    let reading_grade = match add.body.take() {
        Some(body) if role.is_staff() && !internal => {
            let language = patient_language(app, thread.patient_id).await?;
            let body = if add.draft.is_some() { with_disclosure(app, caller, language, body).await? } else { body };
            let grade = carethread_draft::readability::measure(body.as_str(), language).grade;
            add.body = Some(body);
            Some(grade)
        }
        body => {
            add.body = body;
            None
        }
    };
    let ai_assisted = add.draft.is_some();
    let has_files = !add.attachments.is_empty();
    let body = add.body.clone();
    let stays = bare_answer == Some(true) || keeps_with_patient(add.answered, body.as_ref(), triage.as_ref());
    let written = app
        .store
        .add_message(NewMessage {
            thread_id: thread.id,
            author_id: caller.user.id,
            body: add.body,
            internal,
            new_status: if stays { thread.status } else { thread.status_after_message(role, internal) },
            triage,
            attachments: add.attachments,
            idempotency: add.idempotency,
            now,
            draft: add.draft,
            reading_grade,
            answered: add.answered,
            audit: message_audit(caller, &thread, internal, has_files),
            jobs: match (role.is_staff(), internal) {
                (true, false) => crate::jobs::for_staff_reply(&app.notifications, now),
                (true, true) => Vec::new(),
                (false, _) => crate::jobs::for_patient_message(urgency == Some(Urgency::Emergency), now),
            },
        })
        .await?;
    if !written.replayed {
        tracing::info!(thread.id = %thread.id, message.id = %written.message_id, "message stored");
    }
    // A patient's message to a clinician who is away goes to whoever covers.
    if !role.is_staff()
        && let Some(assignee) = thread.assignee_id
        && let Err(err) = crate::coverage::hand_over_if_away(app, assignee, now).await
    {
        tracing::warn!(thread.id = %thread.id, error = %err, "could not hand the thread to the coverer");
    }
    Ok(AddedMessage {
        thread,
        message_id: written.message_id,
        replayed: written.replayed,
        body,
        sent_at: now,
        urgency,
        ai_assisted,
        has_files,
    })
}

/// Checks the draft a reply started from and measures what the clinician
/// changed. A reply the clinician rewrote (see `carethread_draft::rewrite`)
/// is their own: `None`, so it is not marked AI-assisted, gets no disclosure
/// line, and the draft stays unsent in the AI report.
pub async fn draft_use(
    app: &App,
    caller: &Caller,
    thread: &Thread,
    raw_draft_id: &str,
    internal: bool,
    sent: &str,
) -> AppResult<Option<DraftUse>> {
    if !caller.user.role.is_staff() || internal {
        return Err(AppError::invalid("draft_id", "is for care-team replies to the patient"));
    }
    let id: carethread_core::ids::DraftId =
        raw_draft_id.parse().map_err(|_| AppError::invalid("draft_id", "must be an identifier (UUID)"))?;
    let draft = app
        .store
        .draft(thread.id, id)
        .await?
        .ok_or_else(|| AppError::invalid("draft_id", "names no draft of this thread"))?;
    if draft.message_id.is_some() {
        return Err(AppError::Conflict("a reply was already sent from this draft".into()));
    }
    let Some(drafted) = draft.content.body.as_deref() else {
        return Err(AppError::invalid("draft_id", "names advice that no reply is needed, not a draft"));
    };
    if carethread_draft::rewrite::is_rewrite(drafted, sent) {
        return Ok(None);
    }
    let edit_distance = i64::try_from(carethread_draft::edit_distance(drafted, sent)).unwrap_or(i64::MAX);
    let seconds_spent = (Utc::now() - draft.created_at).num_seconds().max(0);
    Ok(Some(DraftUse { draft_id: id, edit_distance, seconds_spent }))
}

/// Adds the clinic's patient-visible line to a reply that started from a
/// draft, in the patient's language, when the clinic has it on.
async fn with_disclosure(app: &App, caller: &Caller, language: Language, body: MessageBody) -> AppResult<MessageBody> {
    if !app.store.ai_settings().await?.disclosure_enabled {
        return Ok(body);
    }
    let clinic = app.clinic.get(&*app.store).await;
    let line = clinic.profile.disclosure(language, caller.user.display_name.as_str());
    Ok(MessageBody::from_trusted(format!("{}\n\n{line}", body.as_str())))
}
