//! What the FHIR API writes: a message (`POST Communication`) from a member
//! of the care team, or a system acting as one, into a patient's
//! conversation or starting a new one. It goes through the same functions as
//! a message sent in CareThread ([`crate::threads::start_thread`],
//! [`crate::messages::add_message`]): the core policy, triage of what the
//! patient's side writes, notices, the audit log.

use carethread_core::ids::MessageId;
use carethread_core::message::MessageBody;
use carethread_core::policy::ThreadAction;
use carethread_fhir::NewCommunication;

use crate::messages::{AddMessage, action_for, add_message};
use crate::threads::{StartThread, authorize_thread, start_thread, thread_view};
use crate::{App, AppError, AppResult, Caller};

/// Sends the message a `Communication` describes; answers the new message's id.
pub async fn create_communication(app: &App, caller: &Caller, new: NewCommunication) -> AppResult<MessageId> {
    let Some(thread) = new.thread else {
        let start = StartThread {
            patient: Some(new.patient),
            subject: new.topic.unwrap_or_default(),
            body: new.text,
            category: new.category,
            ..StartThread::default()
        };
        let started = start_thread(app, caller, start).await?;
        let view = thread_view(app, caller, started.thread_id).await?;
        return view.messages.first().map(|m| m.message.id).ok_or(AppError::NotFound);
    };
    let action = if new.internal { ThreadAction::InternalNotes } else { action_for(false) };
    let found = authorize_thread(app, caller, thread, action).await?;
    if found.patient_id != new.patient {
        return Err(AppError::invalid("partOf", "is not a conversation of the subject patient"));
    }
    let max = app.clinic.get(&*app.store).await.profile.message_max_chars;
    let body = MessageBody::parse(&new.text, max)?;
    let add = AddMessage { body: Some(body), internal: new.internal, ..AddMessage::default() };
    Ok(add_message(app, caller, thread, add).await?.message_id)
}
