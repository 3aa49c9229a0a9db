//! The JSON shapes of the API, as documented in the OpenAPI description.
//! Conversions from store values live here so handlers stay thin.

use std::collections::BTreeMap;

use carethread_app::guidance::InterpreterGuidance;
use carethread_core::attachment::Attachment;
use carethread_core::guidance::EmergencyGuidance;
use carethread_core::ids::ThreadId;
use carethread_core::thread::Urgency;
use carethread_core::user::{Language, User};
use carethread_store::{MessageView, PersonRef, PoolRef, ThreadSummary, TriageRecord};
use carethread_triage::ReasonCode;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// A user, as the signed-in user sees themselves.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    #[schema(format = Uuid)]
    pub id: String,
    pub username: String,
    pub display_name: String,
    #[schema(example = "patient")]
    pub role: String,
    #[schema(example = "en")]
    pub language: String,
}

impl From<&User> for UserOut {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.to_string(),
            username: u.username.as_str().to_owned(),
            display_name: u.display_name.as_str().to_owned(),
            role: u.role.as_str().to_owned(),
            language: u.language.as_str().to_owned(),
        }
    }
}

/// Someone named in a thread.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonOut {
    #[schema(format = Uuid)]
    pub id: String,
    pub display_name: String,
    pub role: String,
}

impl From<&carethread_core::user::User> for PersonOut {
    fn from(u: &carethread_core::user::User) -> Self {
        Self {
            id: u.id.to_string(),
            display_name: u.display_name.as_str().to_owned(),
            role: u.role.as_str().to_owned(),
        }
    }
}

impl From<&PersonRef> for PersonOut {
    fn from(p: &PersonRef) -> Self {
        Self { id: p.id.to_string(), display_name: p.display_name.clone(), role: p.role.as_str().to_owned() }
    }
}

/// A shared in-basket.
#[derive(Debug, Serialize, ToSchema)]
pub struct PoolOut {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(example = "nurse-triage")]
    pub slug: String,
    pub name: String,
}

impl From<&PoolRef> for PoolOut {
    fn from(p: &PoolRef) -> Self {
        Self { id: p.id.to_string(), slug: p.slug.clone(), name: p.name.clone() }
    }
}

/// A thread in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThreadListItem {
    #[schema(format = Uuid)]
    pub id: String,
    pub subject: String,
    pub patient: PersonOut,
    #[schema(example = "open")]
    pub status: String,
    #[schema(example = "medication")]
    pub category: String,
    #[schema(example = "routine")]
    pub urgency: String,
    pub pool: Option<PoolOut>,
    pub assignee: Option<PersonOut>,
    /// Messages for the caller that the caller has not opened yet, counted up to 100.
    pub unread: i64,
    pub updated_at: DateTime<Utc>,
    #[serde(flatten)]
    pub wait: WaitOut,
}

/// What the caller is told while a thread waits for the care team, the same
/// on a list row and on the thread.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct WaitOut {
    /// While the thread waits for the care team: when a reply is due under
    /// the clinic's reply targets and hours. For patients, absent for an
    /// emergency while the clinic is closed (see `after_hours`).
    pub due_at: Option<DateTime<Utc>>,
    /// Patients, on an emergency while the clinic is closed: messages are
    /// not read now, and whom to call instead (`tel:` links).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_hours: Option<crate::after_hours::AfterHoursOut>,
    /// Staff, on an emergency that arrived after hours: whether on-call has opened it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_call: Option<crate::after_hours::OnCallOut>,
}

impl WaitOut {
    /// When a reply to `thread` is due under the clinic's targets and hours, if it waits.
    #[must_use]
    pub fn due(thread: &carethread_core::thread::Thread, clinic: &crate::clinic::Clinic) -> Self {
        Self { due_at: thread.awaiting_since.map(|since| clinic.due_at(since, thread.urgency)), ..Self::default() }
    }
}

impl ThreadListItem {
    #[must_use]
    pub fn new(s: &ThreadSummary, clinic: &crate::clinic::Clinic) -> Self {
        Self {
            id: s.thread.id.to_string(),
            subject: s.thread.subject.as_str().to_owned(),
            patient: (&s.patient).into(),
            status: s.thread.status.as_str().to_owned(),
            category: s.thread.category.as_str().to_owned(),
            urgency: s.thread.urgency.as_str().to_owned(),
            pool: s.pool.as_ref().map(Into::into),
            assignee: s.assignee.as_ref().map(Into::into),
            unread: s.unread,
            updated_at: s.thread.updated_at,
            wait: WaitOut::due(&s.thread, clinic),
        }
    }
}

/// A page of threads.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThreadList {
    pub threads: Vec<ThreadListItem>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The software that produced a triage result or a draft.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelOut {
    pub id: String,
    pub version: String,
}

/// Why a thread has its urgency, category and pool.
#[derive(Debug, Serialize, ToSchema)]
pub struct TriageOut {
    pub urgency: String,
    pub category: String,
    /// Slug of the pool triage routed to.
    pub pool: Option<String>,
    pub confidence: f64,
    /// Triage was unsure: a person should check urgency and category.
    pub needs_review: bool,
    /// The rule that fired, the scopes that kept a red flag from counting, and
    /// the classifier's strongest features.
    pub reasons: Vec<String>,
    /// Each of `reasons` as a stable code and its arguments, in the same
    /// order; `null` for a reason no code describes (a note typed by a
    /// clinician, a rule newer than the codes).
    pub reason_codes: Vec<Option<ReasonCodeOut>>,
    /// The message is in a language CareThread does not triage and there is
    /// a fixed text in it: what the patient is told about emergencies (911
    /// now, do not wait for a reply, 988, ask for an interpreter).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emergency_guidance: Option<EmergencyGuidanceOut>,
    /// `carethread-triage` (rules and classifier), `carethread-rules` (classifier
    /// off), `care-team` (started by staff) or `override` (re-triaged by hand).
    pub model: ModelOut,
    /// Who re-triaged by hand, for overrides.
    #[schema(format = Uuid)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overridden_by: Option<String>,
    pub at: DateTime<Utc>,
}

/// A triage reason as a stable code and its arguments (see the triage
/// crate's `ReasonCode` for the codes), for a client to word in its own language.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReasonCodeOut {
    #[schema(example = "interpreter")]
    pub code: String,
    /// Named values: quoted from the message as written, or slugs.
    pub args: BTreeMap<String, String>,
}

impl From<ReasonCode> for ReasonCodeOut {
    fn from(r: ReasonCode) -> Self {
        Self { code: r.code.to_owned(), args: r.args.into_iter().map(|(k, v)| (k.to_owned(), v)).collect() }
    }
}

/// Emergency guidance in the patient's own language, as the portal shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmergencyGuidanceOut {
    /// BCP 47 tag of the text's language.
    #[schema(example = "vi")]
    pub language: String,
    /// Written right to left (Arabic).
    pub rtl: bool,
    pub heading: String,
    pub text: String,
}

impl From<&EmergencyGuidance> for EmergencyGuidanceOut {
    fn from(g: &EmergencyGuidance) -> Self {
        Self { language: g.tag.to_owned(), rtl: g.rtl, heading: g.heading.to_owned(), text: g.text.to_owned() }
    }
}

impl From<&(TriageRecord, DateTime<Utc>)> for TriageOut {
    fn from((t, at): &(TriageRecord, DateTime<Utc>)) -> Self {
        Self {
            urgency: t.urgency.as_str().to_owned(),
            category: t.category.as_str().to_owned(),
            pool: t.pool_slug.clone(),
            confidence: t.confidence,
            needs_review: t.needs_review,
            reasons: t.reasons.clone(),
            reason_codes: t.reasons.iter().map(|r| ReasonCode::read(r).map(Into::into)).collect(),
            emergency_guidance: InterpreterGuidance::from_reasons(&t.reasons)
                .and_then(|found| found.guidance)
                .map(Into::into),
            model: ModelOut { id: t.model_id.clone(), version: t.model_version.clone() },
            overridden_by: t.overridden_by.map(|u| u.to_string()),
            at: *at,
        }
    }
}

/// An attachment's description; fetch its bytes from `url`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentOut {
    #[schema(format = Uuid)]
    pub id: String,
    pub file_name: String,
    #[schema(example = "image/jpeg")]
    pub media_type: String,
    pub size_bytes: u64,
    pub url: String,
}

impl From<&Attachment> for AttachmentOut {
    fn from(a: &Attachment) -> Self {
        Self {
            id: a.id.to_string(),
            file_name: a.file_name.as_str().to_owned(),
            media_type: a.media_type.mime().to_owned(),
            size_bytes: a.size_bytes,
            url: format!("/api/v1/threads/{}/attachments/{}", a.thread_id, a.id),
        }
    }
}

/// Someone who opened a message, and when.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadReceiptOut {
    #[schema(format = Uuid)]
    pub user_id: String,
    pub display_name: String,
    pub role: String,
    pub read_at: DateTime<Utc>,
}

/// A message in a thread.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageOut {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub thread_id: String,
    pub author: PersonOut,
    pub body: String,
    /// Internal notes are shown to staff only.
    pub internal: bool,
    pub sent_at: DateTime<Utc>,
    pub attachments: Vec<AttachmentOut>,
    pub read_by: Vec<ReadReceiptOut>,
    /// The reply started from a software draft that a clinician reviewed.
    pub ai_assisted: bool,
}

impl From<&MessageView> for MessageOut {
    fn from(m: &MessageView) -> Self {
        Self {
            id: m.message.id.to_string(),
            thread_id: m.message.thread_id.to_string(),
            author: (&m.author).into(),
            body: m.message.body.as_str().to_owned(),
            internal: m.message.internal,
            ai_assisted: m.ai_assisted,
            sent_at: m.message.sent_at,
            attachments: m.attachments.iter().map(Into::into).collect(),
            read_by: m
                .read_by
                .iter()
                .map(|(p, at)| ReadReceiptOut {
                    user_id: p.id.to_string(),
                    display_name: p.display_name.clone(),
                    role: p.role.as_str().to_owned(),
                    read_at: *at,
                })
                .collect(),
        }
    }
}

/// Emergency guidance given to the patient in the same response, when the
/// message reads like an emergency.
#[derive(Debug, Serialize, ToSchema)]
pub struct SafetyNotice {
    pub title: String,
    pub message: String,
}

impl SafetyNotice {
    /// The notice for an urgency, in the reader's language; `None` unless emergency.
    #[must_use]
    pub fn for_urgency(urgency: Urgency, language: Language) -> Option<Self> {
        if urgency != Urgency::Emergency {
            return None;
        }
        Some(match language {
            Language::En => Self {
                title: "This may be an emergency".to_owned(),
                message: "Messages are not watched around the clock. If this is an emergency, call 911 or go to \
                          the nearest emergency department now. If you are thinking about suicide or self-harm, \
                          call or text 988 (Suicide & Crisis Lifeline). Your care team will still see your message."
                    .to_owned(),
            },
            Language::Es => Self {
                title: "Esto puede ser una emergencia".to_owned(),
                message: "Los mensajes no se revisan a toda hora. Si es una emergencia, llame al 911 o vaya ahora \
                          a la sala de emergencias más cercana. Si piensa en el suicidio o en hacerse daño, llame o \
                          envíe un mensaje de texto al 988. Su equipo de atención verá su mensaje de todos modos."
                    .to_owned(),
            },
        })
    }
}

/// A thread with its messages.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThreadDetail {
    #[schema(format = Uuid)]
    pub id: String,
    pub subject: String,
    pub patient: PersonOut,
    pub status: String,
    pub category: String,
    pub urgency: String,
    pub pool: Option<PoolOut>,
    pub assignee: Option<PersonOut>,
    pub replies_allowed: bool,
    pub confidential: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(flatten)]
    pub wait: WaitOut,
    pub triage: Option<TriageOut>,
    pub messages: Vec<MessageOut>,
    /// Present when the newest message reads like an emergency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safety_notice: Option<SafetyNotice>,
}

impl ThreadDetail {
    #[must_use]
    pub fn new(
        summary: &ThreadSummary,
        triage: Option<&(TriageRecord, DateTime<Utc>)>,
        messages: &[MessageView],
        clinic: &crate::clinic::Clinic,
    ) -> Self {
        let t = &summary.thread;
        Self {
            id: t.id.to_string(),
            subject: t.subject.as_str().to_owned(),
            patient: (&summary.patient).into(),
            status: t.status.as_str().to_owned(),
            category: t.category.as_str().to_owned(),
            urgency: t.urgency.as_str().to_owned(),
            pool: summary.pool.as_ref().map(Into::into),
            assignee: summary.assignee.as_ref().map(Into::into),
            replies_allowed: t.replies_allowed,
            confidential: t.confidential,
            created_at: t.created_at,
            updated_at: t.updated_at,
            wait: WaitOut::due(t, clinic),
            triage: triage.map(Into::into),
            messages: messages.iter().map(Into::into).collect(),
            safety_notice: None,
        }
    }
}

/// A message just sent, with the emergency guidance when triage calls for it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SentMessage {
    #[serde(flatten)]
    pub message: MessageOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safety_notice: Option<SafetyNotice>,
    /// An emergency while the clinic is closed: messages are not read now,
    /// and whom to call instead (`tel:` links).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_hours: Option<crate::after_hours::AfterHoursOut>,
}

/// Sign-in answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOut {
    /// Send as `Authorization: Bearer <token>`. Absent for cookie sessions:
    /// the browser holds the token in an `HttpOnly` cookie scripts cannot read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// For cookie sessions: send as `X-CSRF-Token` (or the `csrf_token`
    /// form field) with every request that changes something.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
    pub user: UserOut,
    pub expires_at: DateTime<Utc>,
    /// The clinic requires two-step sign-in for this user's role and they
    /// have not enrolled: only enrolment (`/api/v1/mfa/…`) and signing out work until they do.
    pub mfa_enrolment_required: bool,
}

/// The signed-in user and, for proxies, the patients they act for.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeOut {
    pub user: UserOut,
    pub acting_for: Vec<PersonOut>,
}

/// Pools a staff member can route threads to.
#[derive(Debug, Serialize, ToSchema)]
pub struct PoolList {
    pub pools: Vec<PoolOut>,
}

/// Identifies a thread in URLs.
#[must_use]
pub fn thread_url(id: ThreadId) -> String {
    format!("/api/v1/threads/{id}")
}
