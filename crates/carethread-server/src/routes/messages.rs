//! Messages, internal notes and attachments in a thread.

use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use carethread_app::composing;
use carethread_app::messages::{self, AddMessage};
use carethread_core::attachment::{FileName, UploadRefused, check_upload};
use carethread_core::ids::{AttachmentId, ThreadId};
use carethread_core::message::MessageBody;
use carethread_core::thread::Thread;
use carethread_store::{DraftUse, NewAttachment};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::dto::SentMessage;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::path_id;
use crate::extract::{ApiJson, Authenticated};
use crate::sending::{add_to_thread, idempotency, multipart_error};
use crate::thread_views::{load_thread, may_add, require_messaging};

pub(super) fn router(state: &AppState) -> Router<AppState> {
    let s = &state.settings;
    // Room for every file at its limit plus the multipart framing and text fields.
    let upload_limit = s.attachment_max_bytes.saturating_mul(s.attachments_per_message).saturating_add(64 * 1024);
    Router::new()
        .route("/api/v1/threads/{id}/messages", post(post_message))
        .route("/api/v1/threads/{id}/attachments", post(post_attachments).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/api/v1/threads/{id}/attachments/{attachment_id}", get(get_attachment))
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
    /// Patient side only: the answer to "did this answer your question?".
    /// `true` leaves the thread with the patient; `false` puts it back with
    /// the care team. Counted in the clinic's quality figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered: Option<bool>,
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
    let to = may_add(&state, &auth, &id, input.internal).await?;
    let thread = to.thread();
    let body = MessageBody::parse(&input.body, state.clinic.get(&*state.store).await.profile.message_max_chars)?;
    let key = idempotency(&headers, &format!("POST /threads/{}/messages", thread.id), &input)?;
    let draft = match input.draft_id.as_deref() {
        None => None,
        Some(raw) => draft_use(&state, &auth, thread, raw, input.internal, body.as_str()).await?,
    };
    let message = AddMessage {
        body: Some(body),
        internal: input.internal,
        attachments: Vec::new(),
        idempotency: key,
        draft,
        answered: input.answered,
    };
    Ok((StatusCode::CREATED, Json(add_to_thread(&state, &auth, to, message).await?)))
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
    let to = messages::may_add_to(access, &auth.caller(), internal)?;
    let message = AddMessage { body: text, internal, attachments: files, ..AddMessage::default() };
    Ok((StatusCode::CREATED, Json(add_to_thread(&state, &auth, to, message).await?)))
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
    require_messaging(&auth)?;
    let thread: ThreadId = path_id(&id)?;
    let attachment_id: AttachmentId = path_id(&attachment_id)?;
    let (view, bytes) = composing::read_attachment(&state.app(), &auth.caller(), thread, attachment_id).await?;
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
