//! A patient's record of messages as a file to keep: a readable HTML
//! document (in her language, times on the clinic's clock) or a FHIR R4
//! `collection` Bundle. The portal, the JSON API and the command line all
//! write it from here; gathering it and who may have it are the
//! application layer's ([`carethread_app::record`]).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use carethread_app::clinic::Clinic;
use carethread_app::record::PatientRecord;
use carethread_core::ids::UserId;
use carethread_core::user::Language;
use maud::{DOCTYPE, html};
use serde::Deserialize;

use crate::error::ApiError;
use crate::routes::web::Text;

/// Which record to download, and how.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RecordQuery {
    /// The patient (default: the caller, a patient).
    pub patient: Option<String>,
    /// `html` (a readable document, the default) or `fhir` (a FHIR R4 `collection` Bundle).
    pub format: Option<String>,
}

pub(crate) enum Format {
    Html,
    Fhir,
}

pub(crate) fn read_query(query: &RecordQuery, caller: UserId) -> Result<(UserId, Format), ApiError> {
    let patient = match query.patient.as_deref() {
        None | Some("") => caller,
        Some(raw) => raw.parse().map_err(|_| ApiError::invalid("patient", "must be a patient's id"))?,
    };
    let format = match query.format.as_deref() {
        None | Some("html") => Format::Html,
        Some("fhir") => Format::Fhir,
        Some(_) => return Err(ApiError::invalid("format", "must be html or fhir")),
    };
    Ok((patient, format))
}

/// The record as a file to save: its type, a name with the day, and no caching.
pub(crate) fn download(
    origin: &str,
    record: &PatientRecord,
    format: &Format,
    language: Language,
    clinic: &Clinic,
) -> Response {
    let day = record.generated_at.format("%Y-%m-%d");
    let (body, media, extension) = match format {
        Format::Html => (record_html(record, language, clinic).into_bytes(), "text/html; charset=utf-8", "html"),
        Format::Fhir => {
            let bundle = carethread_app::fhir_facts::record_bundle(record, origin);
            (serde_json::to_vec_pretty(&bundle).unwrap_or_default(), carethread_fhir::FHIR_JSON, "json")
        }
    };
    let disposition = format!("attachment; filename=\"carethread-messages-{day}.{extension}\"");
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The record as a readable, printable HTML document in `language`, with
/// times on the clinic's clock. Self-contained: no script, no outside file.
#[must_use]
pub fn record_html(record: &PatientRecord, language: Language, clinic: &Clinic) -> String {
    let text = Text(language);
    let zone = clinic.hours.timezone();
    let when = |t: chrono::DateTime<chrono::Utc>| {
        let local = t.with_timezone(&zone);
        match language {
            Language::En => local.format("%b %-d, %Y, %-I:%M %p").to_string(),
            Language::Es => local.format("%-d/%m/%Y %H:%M").to_string(),
        }
    };
    let patient = &record.patient;
    let markup = html! {
        (DOCTYPE)
        html lang=(text.code()) {
            head {
                meta charset="utf-8";
                title { (text.get("record-title")) " — " (patient.display_name.as_str()) }
                style { "body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}\
                         article{border-top:1px solid #888;margin-top:2rem}.meta{color:#444;font-size:.9rem}\
                         blockquote{white-space:pre-wrap;margin:.5rem 0 1rem;padding-left:1rem;border-left:3px solid #ccc}" }
            }
            body { main {
                h1 { (text.get("record-title")) }
                p {
                    strong { (patient.display_name.as_str()) }
                    @if let Some(born) = patient.date_of_birth { " · " (text.get("record-born")) " " (born.format("%Y-%m-%d")) }
                    @if let Some(mrn) = &patient.mrn { " · " (text.get("record-mrn")) " " (mrn.as_str()) }
                }
                p class="meta" { "CareThread · " (text.get("record-made")) " " (when(record.generated_at)) }
                @if record.threads.is_empty() { p { (text.get("record-empty")) } }
                @for thread in &record.threads {
                    @let summary = &thread.view.summary;
                    article {
                        h2 { (summary.thread.subject.as_str()) }
                        p class="meta" { (text.get("record-started")) " " (when(summary.thread.created_at)) }
                        @for m in &thread.view.messages {
                            p class="meta" {
                                strong { (m.author.display_name) } " (" (m.author.role.as_str().replace('_', " ")) ") · " (when(m.message.sent_at))
                            }
                            blockquote { (m.message.body.as_str()) }
                            @for a in &m.attachments {
                                p class="meta" { (text.get("record-file")) " " (a.file_name.as_str()) " (" (a.size_bytes) " bytes)" }
                            }
                        }
                    }
                }
            } }
        }
    };
    markup.into_string()
}
