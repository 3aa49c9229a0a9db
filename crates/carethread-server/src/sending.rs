//! Adding a message to a thread, as the JSON API and the portal both do
//! it: every file scanned before anything is written, the application layer
//! writing the message, and the answer in the API's shape (the stored
//! message, the safety notice, the after-hours guidance). Also the request
//! details both read the same way: the `Idempotency-Key` header and an
//! unreadable multipart form.

use axum::http::{HeaderMap, StatusCode};
use carethread_app::composing::{self, ComposedMessage};
use carethread_app::messages::{self, AddMessage, MayAdd};
use carethread_core::ids::{MessageId, ThreadId};
use carethread_core::message::{Message, MessageBody};
use carethread_core::thread::{Thread, Urgency};
use carethread_store::{Idempotency, MessageView, PersonRef};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::dto::{MessageOut, SafetyNotice, SentMessage};
use crate::error::{ApiError, ApiResult};
use crate::extract::Authenticated;
use crate::extract::path_id;
use crate::intake::{UploadDestination, scan_uploads};

/// Reads the `Idempotency-Key` header: 1–200 visible ASCII characters. The
/// fingerprint ties the key to this exact request.
pub(crate) fn idempotency(
    headers: &HeaderMap,
    route: &str,
    request: &impl Serialize,
) -> ApiResult<Option<Idempotency>> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| (1..=200).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| ApiError::invalid("Idempotency-Key", "must be 1 to 200 visible ASCII characters"))?;
    let body = serde_json::to_vec(request).map_err(ApiError::internal)?;
    let mut hasher = Sha256::new();
    hasher.update(route.as_bytes());
    hasher.update([0]);
    hasher.update(&body);
    Ok(Some(Idempotency { key: key.to_owned(), fingerprint: format!("{:x}", hasher.finalize()) }))
}

/// Checks that the thread takes the message and scans its files (before
/// anything is written), has the application layer add it, and answers
/// with the stored message.
pub(crate) async fn add_to_thread(
    state: &AppState,
    auth: &Authenticated,
    to: MayAdd,
    message: AddMessage,
) -> ApiResult<SentMessage> {
    let thread = to.thread();
    thread.accepts_message_from(auth.user.role, message.internal)?;
    // Every file is scanned before anything is written (API and portal alike).
    let destination = UploadDestination { patient: Some(thread.patient_id), thread: Some(thread.id) };
    scan_uploads(state, auth, destination, &message.attachments).await?;
    let internal = message.internal;
    let added = messages::add_message_to(&state.app(), &auth.caller(), to, message).await?;
    let thread = &added.thread;
    let urgency = added.urgency;
    if !added.replayed {
        state.metrics.message_sent();
        if urgency == Some(Urgency::Emergency) {
            state.metrics.emergency_triaged();
        }
    }
    let now = added.sent_at;
    let message = if !added.has_files && !added.replayed {
        // Nothing to read back: a new text message has no attachments or receipts yet.
        MessageOut::from(&MessageView {
            message: Message {
                id: added.message_id,
                thread_id: thread.id,
                author_id: auth.user.id,
                body: added.body.unwrap_or_else(|| MessageBody::from_trusted(String::new())),
                internal,
                sent_at: now,
            },
            author: PersonRef {
                id: auth.user.id,
                display_name: auth.user.display_name.as_str().to_owned(),
                role: auth.user.role,
            },
            attachments: Vec::new(),
            read_by: Vec::new(),
            ai_assisted: added.ai_assisted,
        })
    } else {
        find_message(state, auth, added.message_id, thread).await?
    };
    let safety_notice = urgency.and_then(|u| SafetyNotice::for_urgency(u, auth.user.language));
    // An emergency while the clinic is closed: what to do instead of waiting.
    let after_hours = match urgency {
        Some(Urgency::Emergency) => {
            let clinic = state.clinic.get(&*state.store).await;
            let emergency = Thread { urgency: Urgency::Emergency, awaiting_since: Some(now), ..thread.clone() };
            crate::after_hours::for_patient(&clinic, &emergency, auth.user.language, now).1
        }
        _ => None,
    };
    Ok(SentMessage { message, safety_notice, after_hours })
}

async fn find_message(state: &AppState, auth: &Authenticated, id: MessageId, thread: &Thread) -> ApiResult<MessageOut> {
    let message = composing::read_back(&state.app(), &auth.caller(), thread, id).await?;
    Ok(MessageOut::from(&message))
}

/// Sends a message composed in a portal form into a thread: the same
/// permission, state, triage, draft accounting and disclosure line as the API.
pub(crate) async fn send_composed(
    state: &AppState,
    auth: &Authenticated,
    thread_id: &str,
    message: ComposedMessage<'_>,
) -> ApiResult<SentMessage> {
    let id: ThreadId = path_id(thread_id)?;
    let (to, message) = composing::compose(&state.app(), &auth.caller(), id, message).await?;
    add_to_thread(state, auth, to, message).await
}

/// A multipart form that could not be read: too large, or malformed.
pub(crate) fn multipart_error(err: &axum::extract::multipart::MultipartError) -> ApiError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge("the upload is larger than the clinic allows".to_owned())
    } else {
        ApiError::BadRequest("the multipart form could not be read".to_owned())
    }
}
