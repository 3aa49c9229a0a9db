//! Messages, internal notes and attachments in a thread.

use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use carethread_app::messages::{self, AddMessage};
use carethread_core::attachment::{FileName, UploadRefused, check_upload};
use carethread_core::audit::AuditAction;
use carethread_core::ids::{AttachmentId, MessageId};
use carethread_core::message::{Message, MessageBody};
use carethread_core::policy::ThreadAction;
use carethread_core::thread::{Thread, Urgency};
use carethread_core::user::Language;
use carethread_store::{DraftUse, Idempotency, MessageView, NewAttachment, PersonRef};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::AppState;
use crate::dto::{MessageOut, SafetyNotice, SentMessage};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, Authenticated};
use crate::intake::{UploadDestination, scan_uploads};
use crate::thread_views::{authorize_thread, load_thread};

pub(super) fn router(state: &AppState) -> Router<AppState> {
    let s = &state.settings;
    // Room for every file at its limit plus the multipart framing and text fields.
    let upload_limit = s.attachment_max_bytes.saturating_mul(s.attachments_per_message).saturating_add(64 * 1024);
    Router::new()
        .route("/api/v1/threads/{id}/messages", post(post_message))
        .route("/api/v1/threads/{id}/attachments", post(post_attachments).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/api/v1/threads/{id}/attachments/{attachment_id}", get(get_attachment))
}

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

/// A message or internal note.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessageIn {
    pub body: String,
    /// Staff only: a note the patient never sees.
    #[serde(default)]
    pub internal: bool,
    /// Staff only: the draft this reply started from (`POST …/drafts`). The
    /// reply is marked AI-assisted and the draft, the edit distance and the
    /// time spent are kept, unless the clinician rewrote it (changed at
    /// least 80% of the draft's words): then it is their own reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_id: Option<String>,
}

/// What is being added to a thread, validated.
struct Addition {
    body: Option<MessageBody>,
    internal: bool,
    attachments: Vec<NewAttachment>,
    key: Option<Idempotency>,
    draft: Option<DraftUse>,
    /// A patient's "yes, this answered my question": the thread stays with
    /// the patient rather than waiting for the care team again.
    acknowledgement: bool,
}

/// Checks that the thread takes the message and scans its files (before
/// anything is written), has the application layer add it, and answers
/// with the stored message.
async fn add_to_thread(
    state: &AppState,
    auth: &Authenticated,
    thread: &Thread,
    add: Addition,
) -> ApiResult<(StatusCode, Json<SentMessage>)> {
    thread.accepts_message_from(auth.user.role, add.internal)?;
    // Every file is scanned before anything is written (API and portal alike).
    let to = UploadDestination { patient: Some(thread.patient_id), thread: Some(thread.id) };
    scan_uploads(state, auth, to, &add.attachments).await?;
    let internal = add.internal;
    let message = AddMessage {
        body: add.body,
        internal,
        attachments: add.attachments,
        idempotency: add.key,
        draft: add.draft,
        acknowledgement: add.acknowledgement,
    };
    let added = messages::add_message(&state.app(), &auth.caller(), thread.id, message).await?;
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
            crate::routes::after_hours::for_patient(&clinic, &emergency, auth.user.language, now).1
        }
        _ => None,
    };
    Ok((StatusCode::CREATED, Json(SentMessage { message, safety_notice, after_hours })))
}

async fn find_message(state: &AppState, auth: &Authenticated, id: MessageId, thread: &Thread) -> ApiResult<MessageOut> {
    let message = state.store.message(thread.id, id, auth.user.role.is_staff()).await?;
    let message = message.as_ref().map(MessageOut::from).ok_or(ApiError::NotFound)?;
    let read = auth.audit(AuditAction::MessageRead).patient(thread.patient_id).target("message", id);
    state.store.record_audit(vec![read]).await?;
    Ok(message)
}

fn action_for(internal: bool) -> ThreadAction {
    messages::action_for(internal)
}

/// Adds a message (or, for staff, an internal note) to a thread.
#[utoipa::path(post, path = "/api/v1/threads/{id}/messages", tag = "messages", request_body = NewMessageIn,
    params(
        ("id" = String, Path, description = "Thread id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key: a retry with the same key returns the first result and stores nothing new"),
    ),
    responses(
        (status = 201, description = "Stored", body = SentMessage),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, description = "Thread closed or replies off", body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn post_message(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<NewMessageIn>,
) -> ApiResult<(StatusCode, Json<SentMessage>)> {
    let thread = authorize_thread(&state, &auth, &id, action_for(input.internal)).await?;
    let body = MessageBody::parse(&input.body, state.clinic.get(&*state.store).await.profile.message_max_chars)?;
    let key = idempotency(&headers, &format!("POST /threads/{}/messages", thread.id), &input)?;
    let draft = match input.draft_id.as_deref() {
        None => None,
        Some(raw) => draft_use(&state, &auth, &thread, raw, input.internal, body.as_str()).await?,
    };
    let add = Addition {
        body: Some(body),
        internal: input.internal,
        attachments: Vec::new(),
        key,
        draft,
        acknowledgement: false,
    };
    add_to_thread(&state, &auth, &thread, add).await
}

/// The draft a reply started from, measured (see [`messages::draft_use`]).
async fn draft_use(
    state: &AppState,
    auth: &Authenticated,
    thread: &Thread,
    raw: &str,
    internal: bool,
    sent: &str,
) -> ApiResult<Option<DraftUse>> {
    Ok(messages::draft_use(&state.app(), &auth.caller(), thread, raw, internal, sent).await?)
}

/// Multipart form for attachments.
#[derive(ToSchema)]
#[expect(dead_code, reason = "describes the multipart form for the OpenAPI document")]
pub struct AttachmentForm {
    /// One to four files (JPEG, PNG, HEIC or PDF), each within the clinic's size limit.
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<Vec<u8>>,
    /// Optional text to send with the files.
    body: Option<String>,
    /// `true` for a staff-only note.
    internal: Option<bool>,
}

/// Sends files (with optional text) as a new message in the thread.
#[utoipa::path(post, path = "/api/v1/threads/{id}/attachments", tag = "messages",
    request_body(content = AttachmentForm, content_type = "multipart/form-data"),
    params(("id" = String, Path, description = "Thread id")),
    responses(
        (status = 201, description = "Stored", body = SentMessage),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 413, body = Problem),
        (status = 415, description = "Not multipart, or a file type that is not accepted", body = Problem),
        (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn post_attachments(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<SentMessage>)> {
    // Look the thread up first so that a stranger learns nothing from upload errors.
    let access = load_thread(&state, &auth, &id).await?;
    let mut multipart =
        multipart.map_err(|_| ApiError::UnsupportedMediaType("send attachments as multipart/form-data".to_owned()))?;
    let settings = &state.settings;
    let max_chars = state.clinic.get(&*state.store).await.profile.message_max_chars;
    let mut files = Vec::new();
    let mut text = None;
    let mut internal = false;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(err) => return Err(multipart_error(&err)),
        };
        match field.name() {
            Some("file") => {
                if files.len() == settings.attachments_per_message {
                    return Err(UploadRefused::TooMany { max: settings.attachments_per_message }.into());
                }
                let file_name = FileName::sanitise(field.file_name());
                let bytes = field.bytes().await.map_err(|e| multipart_error(&e))?;
                let media_type = check_upload(&bytes, settings.attachment_max_bytes)?;
                files.push(NewAttachment { media_type, file_name, bytes: bytes.to_vec() });
            }
            Some("body") => {
                let raw = field.text().await.map_err(|e| multipart_error(&e))?;
                if !raw.trim().is_empty() {
                    text = Some(MessageBody::parse(&raw, max_chars)?);
                }
            }
            Some("internal") => {
                let raw = field.text().await.map_err(|e| multipart_error(&e))?;
                internal = match raw.trim() {
                    "true" | "on" | "1" => true,
                    "false" | "off" | "0" | "" => false,
                    _ => return Err(ApiError::invalid("internal", "must be true or false")),
                };
            }
            _ => {}
        }
    }
    if files.is_empty() {
        return Err(ApiError::invalid("file", "is required: attach at least one file"));
    }
    access.require(action_for(internal))?;
    let add = Addition { body: text, internal, attachments: files, key: None, draft: None, acknowledgement: false };
    add_to_thread(&state, &auth, &access.thread, add).await
}

/// A file from a portal form, checked against the clinic's limits and
/// sniffed, before anything is written.
pub(crate) fn check_files(state: &AppState, files: Vec<(Option<String>, Vec<u8>)>) -> ApiResult<Vec<NewAttachment>> {
    let settings = &state.settings;
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

/// The language a reply to this patient is read in.
pub(crate) async fn patient_language(state: &AppState, patient: carethread_core::ids::UserId) -> ApiResult<Language> {
    Ok(carethread_app::wording::patient_language(&state.app(), patient).await?)
}

/// What the portal's reply and compose forms send: text, checked files, the
/// draft a reply started from, or a patient's acknowledgement.
#[derive(Default)]
pub(crate) struct PortalMessage<'a> {
    pub(crate) text: Option<&'a str>,
    pub(crate) internal: bool,
    pub(crate) files: Vec<NewAttachment>,
    pub(crate) draft_id: Option<&'a str>,
    pub(crate) acknowledgement: bool,
}

/// Sends a portal message into a thread: the same permission, state, triage,
/// draft accounting and disclosure line as the API.
pub(crate) async fn send_from_portal(
    state: &AppState,
    auth: &Authenticated,
    thread_id: &str,
    message: PortalMessage<'_>,
) -> ApiResult<SentMessage> {
    let access = load_thread(state, auth, thread_id).await?;
    access.require(action_for(message.internal))?;
    let max_chars = state.clinic.get(&*state.store).await.profile.message_max_chars;
    let body = message.text.filter(|t| !t.trim().is_empty()).map(|t| MessageBody::parse(t, max_chars)).transpose()?;
    let draft = match (message.draft_id.filter(|d| !d.is_empty()), &body) {
        (None, _) => None,
        (Some(raw), Some(b)) => draft_use(state, auth, &access.thread, raw, message.internal, b.as_str()).await?,
        (Some(_), None) => return Err(ApiError::invalid("body", "is required with a draft")),
    };
    let add = Addition {
        body,
        internal: message.internal,
        attachments: message.files,
        key: None,
        draft,
        acknowledgement: message.acknowledgement && !auth.user.role.is_staff(),
    };
    add_to_thread(state, auth, &access.thread, add).await.map(|(_, Json(sent))| sent)
}

pub(crate) fn multipart_error(err: &axum::extract::multipart::MultipartError) -> ApiError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge("the upload is larger than the clinic allows".to_owned())
    } else {
        ApiError::BadRequest("the multipart form could not be read".to_owned())
    }
}

/// Downloads an attachment.
#[utoipa::path(get, path = "/api/v1/threads/{id}/attachments/{attachment_id}", tag = "messages",
    params(("id" = String, Path, description = "Thread id"), ("attachment_id" = String, Path, description = "Attachment id")),
    responses(
        (status = 200, description = "The file, with its sniffed media type", content_type = "application/octet-stream"),
        (status = 401, body = Problem), (status = 404, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn get_attachment(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((id, attachment_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let access = load_thread(&state, &auth, &id).await?;
    let attachment_id: AttachmentId = attachment_id.parse().map_err(|_| ApiError::NotFound)?;
    let include_internal = access.allows(ThreadAction::InternalNotes);
    let (view, bytes) =
        state.store.attachment(access.thread.id, attachment_id, include_internal).await?.ok_or(ApiError::NotFound)?;
    let read =
        auth.audit(AuditAction::AttachmentRead).patient(access.thread.patient_id).target("attachment", attachment_id);
    state.store.record_audit(vec![read]).await?;
    let a = &view.attachment;
    let ascii_name: String = a.file_name.as_str().chars().filter(|c| c.is_ascii_graphic() || *c == ' ').collect();
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{ascii_name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(a.media_type.mime())),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_keys_are_bounded_and_bound_to_the_request() {
        let mut headers = HeaderMap::new();
        assert_eq!(idempotency(&headers, "r", &1).ok().flatten(), None);
        headers.insert("idempotency-key", HeaderValue::from_static("abc-123"));
        let a = idempotency(&headers, "r", &"body one").ok().flatten().expect("key");
        let b = idempotency(&headers, "r", &"body two").ok().flatten().expect("key");
        assert_eq!(a.key, "abc-123");
        assert_ne!(a.fingerprint, b.fingerprint);
        headers.insert("idempotency-key", HeaderValue::from_static("has space"));
        assert!(idempotency(&headers, "r", &1).is_err());
    }
}
