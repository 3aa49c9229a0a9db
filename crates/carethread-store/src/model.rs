//! Values the store takes and returns, beyond the core domain types.

use carethread_core::attachment::{Attachment, FileName, MediaType};
use carethread_core::audit::AuditEvent;
use carethread_core::ids::{DraftId, GrantId, MessageId, PoolId, QuickReplyId, ThreadId, UserId};
use carethread_core::message::{Message, MessageBody};
use carethread_core::role::Role;
use carethread_core::thread::{Category, Subject, Thread, ThreadStatus, Urgency};
use chrono::{DateTime, Utc};

/// A person as others see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRef {
    pub id: UserId,
    pub display_name: String,
    pub role: Role,
}

impl From<&carethread_core::user::User> for PersonRef {
    fn from(user: &carethread_core::user::User) -> Self {
        Self { id: user.id, display_name: user.display_name.as_str().to_owned(), role: user.role }
    }
}

/// A pool (shared in-basket).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolRef {
    pub id: PoolId,
    pub slug: String,
    pub name: String,
}

/// A signed-in session. The token itself is never stored, only its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub token_hash: String,
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Whether the user has enrolled a second factor (read with the session; not stored in it).
    pub mfa_enabled: bool,
    /// Whether this session passed the second factor.
    pub mfa_passed: bool,
    /// A system's token: the SMART scopes it was granted (space-separated).
    /// Such a session reaches only the FHIR API, and only within them.
    pub scopes: Option<String>,
}

/// A routing rule an administrator sets: messages triaged as `key` (a
/// category or urgency) go to the pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingRule {
    pub key: String,
    pub pool_id: PoolId,
}

/// A thread as a list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadSummary {
    pub thread: Thread,
    pub patient: PersonRef,
    pub pool: Option<PoolRef>,
    pub assignee: Option<PersonRef>,
    /// Messages the viewer may see, written by others, that the viewer has not opened.
    pub unread: i64,
}

/// An attachment with who uploaded it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttachmentView {
    pub attachment: Attachment,
    pub internal: bool,
}

/// A message with its author, attachments and read receipts.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageView {
    pub message: Message,
    pub author: PersonRef,
    pub attachments: Vec<Attachment>,
    /// Everyone other than the author who opened the message, first read first.
    pub read_by: Vec<(PersonRef, DateTime<Utc>)>,
    /// The reply started from a draft.
    pub ai_assisted: bool,
}

/// A triage result as stored with a thread.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageRecord {
    pub urgency: Urgency,
    pub category: Category,
    pub pool_slug: Option<String>,
    pub confidence: f64,
    pub reasons: Vec<String>,
    pub model_id: String,
    pub model_version: String,
    /// Triage asked for a human to look (low confidence).
    pub needs_review: bool,
    /// The staff member who re-triaged by hand; `None` for automatic triage.
    pub overridden_by: Option<UserId>,
}

/// A clinic's triage settings as stored. Routes name only the rules that
/// differ from the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TriageSettings {
    pub classifier_enabled: bool,
    pub routes: Vec<RouteToPool>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A routing rule as stored: messages triaged as `key` go to the pool `pool_slug`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteToPool {
    pub key: String,
    pub pool_slug: String,
}

/// How many automatic triage results one model version gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelCount {
    pub model_id: String,
    pub model_version: String,
    pub results: i64,
}

/// A staff member's re-triage of a thread.
#[derive(Debug, Clone)]
pub struct TriageOverride {
    pub thread_id: ThreadId,
    pub by: UserId,
    pub urgency: Urgency,
    pub category: Category,
    /// The pool to move the thread to; `None` keeps its pool.
    pub pool_id: Option<PoolId>,
    pub pool_slug: Option<String>,
    pub reasons: Vec<String>,
    pub now: DateTime<Utc>,
    /// Written in the same transaction.
    pub audit: Vec<AuditEvent>,
}

/// How triage has done: results by model, and how often staff overrode it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TriageStats {
    /// Automatic results, by model.
    pub by_model: Vec<ModelCount>,
    pub automatic: i64,
    pub needs_review: i64,
    pub emergencies: i64,
    pub overrides: i64,
}

/// Position in a list of threads: the last item of the previous page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadCursor {
    /// [`Urgency::rank`] of the last item (used when emergencies come first).
    pub urgency_rank: i64,
    /// [`wait_key`] of the last item (used when emergencies come first).
    pub wait_key: i64,
    pub updated_at_ms: i64,
    pub id: ThreadId,
}

/// Added to the negated last activity of a thread that waits for nobody, so
/// that it sorts after every thread waiting for the care team (whose key is
/// the moment it began waiting, in ms since 1970, far below this).
pub const NOT_WAITING: i64 = 100_000_000_000_000;

/// Where a thread stands within its urgency in an in-basket: threads waiting
/// for the care team first, longest waiting (so earliest due) first; then
/// the rest, newest activity first.
#[must_use]
pub fn wait_key(thread: &Thread) -> i64 {
    thread.awaiting_since.map_or_else(|| NOT_WAITING - thread.updated_at.timestamp_millis(), |t| t.timestamp_millis())
}

impl ThreadCursor {
    /// The cursor just after `thread`.
    #[must_use]
    pub fn after(thread: &Thread) -> Self {
        Self {
            urgency_rank: thread.urgency.rank(),
            wait_key: wait_key(thread),
            updated_at_ms: thread.updated_at.timestamp_millis(),
            id: thread.id,
        }
    }

    /// Opaque text form for the API and the portal: `<rank>.<wait>.<millis>.<uuid>`.
    #[must_use]
    pub fn encode(&self) -> String {
        format!("{}.{}.{}.{}", self.urgency_rank, self.wait_key, self.updated_at_ms, self.id)
    }

    /// Parses what [`ThreadCursor::encode`] produced.
    #[must_use]
    pub fn decode(raw: &str) -> Option<Self> {
        let mut parts = raw.splitn(4, '.');
        let urgency_rank = parts.next()?.parse().ok()?;
        let wait_key = parts.next()?.parse().ok()?;
        let updated_at_ms = parts.next()?.parse().ok()?;
        let id = parts.next()?.parse().ok()?;
        Some(Self { urgency_rank, wait_key, updated_at_ms, id })
    }
}

/// Which threads a list holds: each criterion that is set narrows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ThreadCriteria {
    pub status: Option<ThreadStatus>,
    pub pool: Option<PoolId>,
    pub assignee: Option<UserId>,
    pub patient: Option<UserId>,
    pub urgency: Option<Urgency>,
    /// Threads with a care-team reply sent at or before this time that
    /// neither the patient nor a proxy has opened ("not read after 2 days").
    pub unread_reply_before: Option<DateTime<Utc>>,
}

/// Filters for [`crate::Threads::list_threads`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ThreadFilter {
    pub criteria: ThreadCriteria,
    pub after: Option<ThreadCursor>,
    /// In-baskets: most urgent first, then longest waiting for the care team
    /// (earliest due), then the rest by newest activity; otherwise newest
    /// activity first.
    pub emergencies_first: bool,
    /// Page size (the caller bounds it).
    pub limit: u32,
}

/// An idempotency key with a fingerprint of the request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotency {
    pub key: String,
    pub fingerprint: String,
}

/// A file to store with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub media_type: MediaType,
    pub file_name: FileName,
    pub bytes: Vec<u8>,
}

/// A new thread with its first message.
#[derive(Debug, Clone)]
pub struct NewThread {
    pub patient_id: UserId,
    pub author_id: UserId,
    pub subject: Subject,
    pub body: MessageBody,
    pub category: Category,
    pub urgency: Urgency,
    /// Routed pool; unknown slugs leave the thread unrouted.
    pub pool_slug: Option<String>,
    pub assignee_id: Option<UserId>,
    /// `open` when a patient writes; `awaiting_patient` when the care team starts the thread.
    pub status: ThreadStatus,
    pub confidential: bool,
    pub triage: TriageRecord,
    pub idempotency: Option<Idempotency>,
    pub now: DateTime<Utc>,
    /// Written in the same transaction; entries without a target get the new thread's.
    pub audit: Vec<AuditEvent>,
    /// Outbox jobs written in the same transaction (a page to whoever is on call).
    pub jobs: Vec<crate::jobs::NewJob>,
}

/// An internal note left with a change to its thread (a forward that says
/// why), written in the change's transaction: see
/// [`crate::Threads::update_thread_with_note`].
#[derive(Debug, Clone)]
pub struct NewNote {
    pub author_id: UserId,
    pub body: MessageBody,
    /// Written with the note; entries without a target get the note's.
    pub audit: Vec<AuditEvent>,
}

/// A thread as a change left it, and the note written with the change.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadChange {
    pub thread: Thread,
    pub note_id: Option<MessageId>,
}

/// A new message in an existing thread.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub thread_id: ThreadId,
    pub author_id: UserId,
    pub body: Option<MessageBody>,
    pub internal: bool,
    pub new_status: ThreadStatus,
    /// Raises the thread's urgency (never lowers it) when a new message is more urgent.
    pub triage: Option<TriageRecord>,
    pub attachments: Vec<NewAttachment>,
    pub idempotency: Option<Idempotency>,
    pub now: DateTime<Utc>,
    /// Written in the same transaction; entries without a target get the new message's.
    pub audit: Vec<AuditEvent>,
    /// Outbox jobs written in the same transaction (the patient's notification, a page).
    pub jobs: Vec<crate::jobs::NewJob>,
    /// The draft this reply started from; it is marked used in the same transaction.
    pub draft: Option<DraftUse>,
    /// A staff reply's reading grade, for the AI report.
    pub reading_grade: Option<f64>,
    /// A patient's answer to "did this answer your question?" (`Some(true)`: yes).
    pub answered: Option<bool>,
}

/// How a reply used a draft.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DraftUse {
    pub draft_id: DraftId,
    pub edit_distance: i64,
    pub seconds_spent: i64,
}

/// What a write created (or, on an idempotent retry, had created before).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub thread_id: ThreadId,
    pub message_id: MessageId,
    /// True when nothing was written because the idempotency key was seen before.
    pub replayed: bool,
}

/// An audit entry as read back, with the hash chain's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: Option<PersonRef>,
    pub patient: Option<PersonRef>,
    pub action: String,
    pub target: Option<String>,
    pub outcome: String,
    pub client: Option<String>,
    /// Decrypted.
    pub detail: Option<String>,
}

/// Filters for [`crate::AuditLog::audit_entries`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub patient: Option<UserId>,
    pub actor: Option<UserId>,
    /// One action, e.g. `thread.break_glass`.
    pub action: Option<carethread_core::audit::AuditAction>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Only what a patient is shown of her record (successful accesses and grants).
    pub patient_view: bool,
    /// Leave out what this user did (a patient's own actions).
    pub exclude_actor: Option<UserId>,
    /// Entries before this sequence number (paging backwards).
    pub before_seq: Option<i64>,
    pub limit: u32,
}

/// What `audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    /// Entries checked and found intact (up to the first break).
    pub verified: i64,
    pub head_hash: String,
    /// The first break, described.
    pub broken: Option<String>,
}

/// The result of a key rotation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RotationReport {
    pub new_key_id: i64,
    pub rows_resealed: u64,
    pub keys_rewrapped: u64,
}

/// A sign-in account's protection state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginState {
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub mfa_enabled: bool,
}

/// A proxy grant with the people it joins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    pub id: GrantId,
    pub patient: PersonRef,
    pub proxy: PersonRef,
    pub scope: carethread_core::policy::ProxyScope,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A user's TOTP enrolment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaRecord {
    pub secret: Vec<u8>,
    /// Confirmed with a first code; sign-in then requires a code.
    pub enabled: bool,
    /// The last time step accepted (a code is accepted once).
    pub last_step: Option<i64>,
}

/// What a drafter wrote for a thread, at whose request, and why: kept as a
/// new draft and read back in its record.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftContent {
    pub thread_id: ThreadId,
    pub requested_by: UserId,
    /// `None` when the drafter advised that no reply is needed.
    pub body: Option<String>,
    pub model_id: String,
    pub model_version: String,
    pub reply_needed: bool,
    pub reasons: Vec<String>,
}

/// A new draft to keep (pending until a reply uses it).
#[derive(Debug, Clone)]
pub struct NewDraft {
    pub content: DraftContent,
    pub now: DateTime<Utc>,
    pub audit: AuditEvent,
}

/// A draft as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftRecord {
    pub id: DraftId,
    pub content: DraftContent,
    pub created_at: DateTime<Utc>,
    /// The reply that used it, if one was sent.
    pub message_id: Option<MessageId>,
}

/// The clinic's AI switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AiSettings {
    pub drafting_enabled: bool,
    /// Replies that started from a draft carry a line saying so.
    pub disclosure_enabled: bool,
}

impl Default for AiSettings {
    fn default() -> Self {
        Self { drafting_enabled: true, disclosure_enabled: true }
    }
}

/// The clinic's own reply-library text for a situation in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyTemplate {
    pub situation: String,
    pub language: String,
    pub body: String,
}

/// A quick reply: a snippet behind a short code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuickReply {
    pub id: QuickReplyId,
    /// `None`: the whole clinic's.
    pub owner_id: Option<UserId>,
    pub code: String,
    pub body: String,
}

/// Drafting and reply figures for one clinician.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClinicianAiFigures {
    pub drafts_generated: i64,
    /// Drafts a reply was sent from (edited or not).
    pub drafts_sent: i64,
    pub drafts_sent_unchanged: i64,
    pub mean_edit_distance: Option<f64>,
    pub mean_seconds_spent: Option<f64>,
    /// Replies to patients (drafted or typed) and their mean reading grade.
    pub replies: i64,
    pub mean_reading_grade: Option<f64>,
    pub triage_overrides: i64,
}

/// The AI report: figures per clinician.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AiReport {
    pub by_clinician: Vec<(PersonRef, ClinicianAiFigures)>,
}

/// A change to a user. Absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserChange {
    pub role: Option<carethread_core::role::Role>,
    pub display_name: Option<carethread_core::user::DisplayName>,
    pub language: Option<carethread_core::user::Language>,
    /// A patient's record number: `Some(None)` removes it.
    pub mrn: Option<Option<carethread_core::user::Mrn>>,
    /// Staff only: whether they read the clinic's insights.
    pub clinic_lead: Option<bool>,
}

/// A search of people for [`crate::People::find_people`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeopleQuery {
    /// Patients; otherwise staff.
    pub patients: bool,
    /// Any part of the display name, case-insensitive.
    pub name: Option<String>,
    /// The clinic's record number, exactly.
    pub mrn: Option<String>,
    /// Only the patients on this clinician's care team.
    pub care_team_of: Option<UserId>,
    /// Ids after this one (paging by id).
    pub after: Option<UserId>,
    pub limit: u32,
}
