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

use crate::messages::{AddMessage, action_for, draft_use};
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
/// or a patient's acknowledgement ("yes, this answered my question").
#[derive(Debug, Default)]
pub struct ComposedMessage<'a> {
    pub text: Option<&'a str>,
    pub internal: bool,
    pub files: Vec<NewAttachment>,
    pub draft_id: Option<&'a str>,
    pub acknowledgement: bool,
}

/// The thread a composed message goes to, and the message, checked: the
/// caller may reply (or leave a note) and the thread takes it.
pub async fn compose(
    app: &App,
    caller: &Caller,
    thread: ThreadId,
    input: ComposedMessage<'_>,
) -> AppResult<(Thread, AddMessage)> {
    let access = access_thread(app, caller, thread).await?;
    access.require(action_for(input.internal))?;
    let thread = access.thread;
    thread.accepts_message_from(caller.user.role, input.internal)?;
    let max_chars = app.clinic.get(&*app.store).await.profile.message_max_chars;
    let body = input.text.filter(|t| !t.trim().is_empty()).map(|t| MessageBody::parse(t, max_chars)).transpose()?;
    let draft = match (input.draft_id.filter(|d| !d.is_empty()), &body) {
        (None, _) => None,
        (Some(raw), Some(b)) => draft_use(app, caller, &thread, raw, input.internal, b.as_str()).await?,
        (Some(_), None) => return Err(AppError::invalid("body", "is required with a draft")),
    };
    let message = AddMessage {
        body,
        internal: input.internal,
        attachments: input.files,
        idempotency: None,
        draft,
        acknowledgement: input.acknowledgement && !caller.user.role.is_staff(),
    };
    Ok((thread, message))
}
