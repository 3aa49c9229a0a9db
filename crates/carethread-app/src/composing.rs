//! A message as a form sends it (the portal's reply and compose forms):
//! files checked against the clinic's limits and sniffed, the text parsed,
//! the draft a reply started from measured, and the permission and state of
//! the thread checked, all before anything is written. The interface scans
//! the files and then has [`crate::messages::add_message`] write it.

use carethread_core::attachment::{FileName, UploadRefused, check_upload};
use carethread_core::ids::ThreadId;
use carethread_core::message::MessageBody;
use carethread_core::thread::Thread;
use carethread_store::NewAttachment;

use crate::messages::{AddMessage, MayAdd, draft_use, may_add_to};
use crate::threads::access_thread;
use crate::{App, AppError, AppResult, Caller};

/// Files as a form posted them (name, bytes), checked against the clinic's
/// limits (how many, how large, which types) and sniffed.
pub fn check_files(app: &App, files: Vec<(Option<String>, Vec<u8>)>) -> AppResult<Vec<NewAttachment>> {
    let settings = &app.settings;
    if files.len() > settings.attachments_per_message {
        return Err(UploadRefused::TooMany { max: settings.attachments_per_message }.into());
    }
    files
        .into_iter()
        .map(|(name, bytes)| {
            let media_type = check_upload(&bytes, settings.attachment_max_bytes)?;
            Ok(NewAttachment { media_type, file_name: FileName::sanitise(name.as_deref()), bytes })
        })
        .collect()
}

/// What a form sends: text, checked files, the draft a reply started from,
/// or a patient's answer to "did this answer your question?".
#[derive(Debug, Default)]
pub struct ComposedMessage<'a> {
    pub text: Option<&'a str>,
    pub internal: bool,
    pub files: Vec<NewAttachment>,
    pub draft_id: Option<&'a str>,
    pub answered: Option<bool>,
}

/// The thread a composed message goes to, and the message, checked: the
/// caller may reply (or leave a note) and the thread takes it.
pub async fn compose(
    app: &App,
    caller: &Caller,
    thread: ThreadId,
    input: ComposedMessage<'_>,
) -> AppResult<(MayAdd, AddMessage)> {
    let to = may_add_to(access_thread(app, caller, thread).await?, caller, input.internal)?;
    let thread = to.thread();
    thread.accepts_message_from(caller.user.role, input.internal)?;
    let max_chars = app.clinic.get(&*app.store).await.profile.message_max_chars;
    let body = input.text.filter(|t| !t.trim().is_empty()).map(|t| MessageBody::parse(t, max_chars)).transpose()?;
    let draft = match (input.draft_id.filter(|d| !d.is_empty()), &body) {
        (None, _) => None,
        (Some(raw), Some(b)) => draft_use(app, caller, thread, raw, input.internal, b.as_str()).await?,
        (Some(_), None) => return Err(AppError::invalid("body", "is required with a draft")),
    };
    let message = AddMessage {
        body,
        internal: input.internal,
        attachments: input.files,
        idempotency: None,
        draft,
        answered: input.answered,
    };
    Ok((to, message))
}

/// Whom a proxy is writing for: the patients they act for now, the one
/// chosen (the one `asked` for, else the first), and whether the core policy
/// lets them start a thread for that patient. Anyone else writes for
/// themselves.
#[derive(Debug, Clone, Default)]
pub struct WritingFor {
    pub acting_for: Vec<carethread_store::PersonRef>,
    pub chosen: Option<carethread_store::PersonRef>,
    pub may_write: bool,
}

/// Whom the caller writes for (see [`WritingFor`]).
pub async fn writing_for(app: &App, caller: &Caller, asked: &str) -> AppResult<WritingFor> {
    if caller.user.role != carethread_core::role::Role::Proxy {
        return Ok(WritingFor { may_write: true, ..WritingFor::default() });
    }
    let now = chrono::Utc::now();
    let acting_for = app.store.proxy_patients(caller.user.id, now).await?;
    let chosen = acting_for.iter().find(|p| p.id.to_string() == asked).or_else(|| acting_for.first()).cloned();
    let may_write = match &chosen {
        Some(p) => match app.store.patient_facts(caller.actor(), p.id).await? {
            Some(facts) => carethread_core::policy::decide_new_thread(caller.actor(), &facts, now).is_allowed(),
            None => false,
        },
        None => false,
    };
    Ok(WritingFor { acting_for, chosen, may_write })
}

/// A draft the caller asked for on a thread they may reply to and has not
/// sent yet; `None` for any other (a draft id that is not one is no error).
pub async fn pending_draft(
    app: &App,
    caller: &Caller,
    thread: ThreadId,
    draft: carethread_core::ids::DraftId,
) -> AppResult<Option<carethread_store::DraftRecord>> {
    crate::threads::authorize_thread(app, caller, thread, carethread_core::policy::ThreadAction::Reply).await?;
    let found = app.store.draft(thread, draft).await?;
    Ok(found.filter(|r| r.content.requested_by == caller.user.id && r.message_id.is_none()))
}

/// A patient as the care team identifies them on a list (name, date of
/// birth, record number); `None` for anyone who is not a patient. Staff only.
pub async fn patient_details(
    app: &App,
    caller: &Caller,
    patient: carethread_core::ids::UserId,
) -> AppResult<Option<carethread_core::user::User>> {
    if !caller.user.role.is_staff() {
        return Err(AppError::Forbidden("patient details are for the care team".into()));
    }
    let found = app.store.user(patient).await?;
    Ok(found.filter(|u| u.role == carethread_core::role::Role::Patient))
}

/// An attachment of a thread the caller may see (internal notes' files for
/// staff who may read notes only), its reading audited.
pub async fn read_attachment(
    app: &App,
    caller: &Caller,
    thread: ThreadId,
    attachment: carethread_core::ids::AttachmentId,
) -> AppResult<(carethread_store::AttachmentView, Vec<u8>)> {
    let access = access_thread(app, caller, thread).await?;
    let include_internal = access.allows(carethread_core::policy::ThreadAction::InternalNotes);
    let found = app.store.attachment(access.thread.id, attachment, include_internal).await?;
    let (view, bytes) = found.ok_or(AppError::NotFound)?;
    let read = caller
        .audit(carethread_core::audit::AuditAction::AttachmentRead)
        .patient(access.thread.patient_id)
        .target("attachment", attachment);
    app.store.record_audit(vec![read]).await?;
    Ok((view, bytes))
}

/// A message just added to `thread`, read back as the caller may see it
/// (internal notes for staff only), its reading audited.
pub async fn read_back(
    app: &App,
    caller: &Caller,
    thread: &Thread,
    id: carethread_core::ids::MessageId,
) -> AppResult<carethread_store::MessageView> {
    let message = app.store.message(thread.id, id, caller.user.role.is_staff()).await?.ok_or(AppError::NotFound)?;
    let read =
        caller.audit(carethread_core::audit::AuditAction::MessageRead).patient(thread.patient_id).target("message", id);
    app.store.record_audit(vec![read]).await?;
    Ok(message)
}

/// A file the virus scanner found malware in: nothing is stored, and the
/// attempt is audited with the file's size and SHA-256 (never its name or
/// content, which may say who the patient is). Answers `Infected`, or why
/// the audit entry could not be written.
pub async fn refuse_infected_upload(
    app: &App,
    caller: &Caller,
    patient: Option<carethread_core::ids::UserId>,
    thread: Option<ThreadId>,
    bytes: &[u8],
    signature: &str,
) -> AppError {
    use sha2::{Digest, Sha256};
    let digest = format!("{:x}", Sha256::digest(bytes));
    let mut entry = caller.audit(carethread_core::audit::AuditAction::AttachmentCreate).denied().detail(format!(
        "refused and quarantined: malware found ({signature}); {} bytes, sha256 {digest}; nothing stored",
        bytes.len()
    ));
    if let Some(patient) = patient {
        entry = entry.patient(patient);
    }
    if let Some(thread) = thread {
        entry = entry.target("thread", thread);
    }
    tracing::warn!(user.id = %caller.user.id, thread.id = ?thread, signature, sha256 = digest,
        "upload refused: malware found");
    match app.store.record_audit(vec![entry]).await {
        Ok(()) => AppError::Infected,
        Err(err) => err.into(),
    }
}
