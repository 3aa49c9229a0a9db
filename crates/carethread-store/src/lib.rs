//! CareThread persistence. One [`Store`] trait, two first-class backends:
//! [`SqliteStore`] (embedded, one file, the default) and [`PostgresStore`]
//! (many stateless servers on one database). Both run the same SQL, kept in
//! one file per aggregate (`sql_users.rs`, `sql_threads.rs`, `sql_messages.rs`,
//! `sql_grants.rs`, `sql_audit.rs`, …, mapped onto the trait in
//! `sql_store.rs`) compiled once per backend, and the same tests.
//!
//! Authorisation facts are read in the same query as the data they guard, so
//! a caller never "loads, then checks"; list queries filter by the same
//! relationships the core policy decides on.

pub mod crypto;
mod error;
mod events;
mod model;
mod postgres;
mod sql;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use carethread_core::audit::AuditEvent;
use carethread_core::ids::{AttachmentId, MessageId, PoolId, ThreadId, UserId};
use carethread_core::policy::{Actor, PatientFacts, ProxyGrant, ThreadFacts};
use carethread_core::thread::{Thread, ThreadPatch};
use carethread_core::user::{NewUser, User, Username};
use chrono::{DateTime, Utc};

pub use crypto::{Keyring, MasterKey, MasterKeyError};
pub use error::StoreError;
pub use events::{EventKind, ThreadEvent};
pub use model::*;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// Whether the database accepts writes: asked by readiness after a write
/// failed for want of room ([`StoreError::StorageFull`]).
#[async_trait]
pub trait StorageHealth: Send + Sync {
    /// Makes and removes a small table in one committed transaction: succeeds
    /// only if the database can grow and commit.
    async fn probe_write(&self) -> StoreResult<()>;

    /// Tests only: `true` stops the SQLite file from growing past its size now
    /// (`PRAGMA max_page_count` on the writer), `false` lifts the cap. A full
    /// disk cannot be made on demand, and `max_page_count` holds only for the
    /// connection it is set on, which is the store's own writer: so the
    /// harness asks the store. `Ok(false)` on PostgreSQL, which has no such cap.
    #[doc(hidden)]
    async fn cap_storage_for_tests(&self, cap: bool) -> StoreResult<bool>;
}

/// Everything CareThread keeps. Implemented by [`SqliteStore`] and [`PostgresStore`].
#[async_trait]
pub trait Store: StorageHealth + Send + Sync + 'static {
    /// The backend's name, for logs and metrics: `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Answers when the database does.
    async fn ping(&self) -> StoreResult<()>;

    // --- people and organisation -------------------------------------------------

    // Every change below is written with its audit entries in one transaction.

    async fn create_user(
        &self,
        user: &NewUser,
        password_hash: &str,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<User>;
    async fn user(&self, id: UserId) -> StoreResult<Option<User>>;
    /// The user and their password hash, for sign-in.
    async fn user_credentials(&self, username: &Username) -> StoreResult<Option<(User, String)>>;
    async fn list_users(&self) -> StoreResult<Vec<User>>;
    /// Disables or re-enables a user and ends their sessions. False when no such user.
    async fn set_user_disabled(&self, username: &Username, disabled: bool, audit: &AuditEvent) -> StoreResult<bool>;
    /// Changes a user's role, name or language; a new role ends their
    /// sessions. False when no such user.
    async fn update_user(&self, id: UserId, change: &UserChange, audit: &AuditEvent) -> StoreResult<bool>;
    /// Every care team: (patient, clinician) pairs.
    async fn care_teams(&self) -> StoreResult<Vec<(UserId, PersonRef)>>;
    /// Every pool's members.
    async fn pool_members(&self) -> StoreResult<Vec<(PoolId, PersonRef)>>;
    /// The clinic profile administrators saved, if any.
    async fn clinic_profile(&self) -> StoreResult<Option<carethread_core::profile::ClinicProfile>>;
    async fn set_clinic_profile(
        &self,
        profile: &carethread_core::profile::ClinicProfile,
        by: UserId,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Adds (`member`) or removes a clinician on a patient's care team.
    async fn set_care_team_member(
        &self,
        patient_id: UserId,
        staff_id: UserId,
        member: bool,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn create_pool(&self, slug: &str, name: &str, audit: &AuditEvent) -> StoreResult<PoolRef>;
    /// Adds (`member`) or removes a pool member.
    async fn set_pool_member(
        &self,
        pool_id: PoolId,
        user_id: UserId,
        member: bool,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn pools(&self) -> StoreResult<Vec<PoolRef>>;
    async fn pool_by_slug(&self, slug: &str) -> StoreResult<Option<PoolRef>>;
    async fn pool(&self, id: PoolId) -> StoreResult<Option<PoolRef>>;
    /// Records a grant; returns its id.
    async fn grant_proxy(
        &self,
        grant: &ProxyGrant,
        created_by: UserId,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<uuid::Uuid>;
    /// Grants, newest first, optionally of one patient and/or one proxy.
    async fn proxy_grants(&self, patient: Option<UserId>, proxy: Option<UserId>) -> StoreResult<Vec<GrantRecord>>;
    /// Revokes a grant now. False when there is no such grant in force.
    async fn revoke_grant(&self, id: uuid::Uuid, now: DateTime<Utc>, audit: &AuditEvent) -> StoreResult<bool>;
    /// Patients the proxy currently acts for.
    async fn proxy_patients(&self, proxy_id: UserId, now: DateTime<Utc>) -> StoreResult<Vec<PersonRef>>;

    // --- sessions ----------------------------------------------------------------

    async fn create_session(&self, session: &SessionRecord) -> StoreResult<()>;
    /// Failed attempts and lockout of an account; `None` when no such user.
    async fn login_state(&self, user: UserId) -> StoreResult<Option<LoginState>>;
    /// Counts a failed sign-in; `lock` maps the failure count to the time
    /// the account stays locked until, if it should be.
    async fn record_login_failure(
        &self,
        user: UserId,
        lock: &(dyn Fn(i64) -> Option<DateTime<Utc>> + Sync),
        audit: &AuditEvent,
    ) -> StoreResult<LoginState>;
    /// Starts a session after a successful sign-in and clears failed attempts;
    /// `false` (and no session) if the account is locked at that moment.
    async fn record_login_success(&self, session: &SessionRecord, audit: &AuditEvent) -> StoreResult<bool>;
    /// Ends one session (`only`) or all of a user's sessions.
    async fn end_sessions(&self, user: UserId, only: Option<&str>, audit: &AuditEvent) -> StoreResult<u64>;
    /// The user's TOTP enrolment, if any.
    async fn mfa(&self, user: UserId) -> StoreResult<Option<MfaRecord>>;
    /// Stores a new (unconfirmed) TOTP secret, replacing any earlier one.
    async fn set_mfa_secret(&self, user: UserId, secret: &[u8], audit: &AuditEvent) -> StoreResult<()>;
    /// Confirms MFA with fresh recovery codes (hashes), or removes it. The
    /// session `keep_session` (a token hash) stays, marked as having passed
    /// the second factor when enabling; every other session of the user ends.
    async fn set_mfa_enabled(
        &self,
        user: UserId,
        enabled: bool,
        recovery_hashes: &[String],
        keep_session: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Accepts TOTP time step `step` once: false if it (or a later one) was used.
    async fn accept_totp_step(&self, user: UserId, step: i64) -> StoreResult<bool>;
    /// Uses up a recovery code; false if unknown or already used.
    async fn use_recovery_code(&self, user: UserId, hash: &str, now: DateTime<Utc>) -> StoreResult<bool>;
    /// The session and its user, if the token hash is known (expiry is the caller's rule).
    async fn session(&self, token_hash: &str) -> StoreResult<Option<(SessionRecord, User)>>;
    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<()>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;

    // --- threads -----------------------------------------------------------------

    /// How `actor` relates to the patient `patient_id`; `None` when there is no such patient.
    async fn patient_facts(&self, actor: Actor, patient_id: UserId) -> StoreResult<Option<PatientFacts>>;
    /// The thread and how `actor` relates to it; `None` when there is no such thread.
    async fn thread_facts(
        &self,
        actor: Actor,
        id: ThreadId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(Thread, ThreadFacts)>>;
    /// Creates a thread with its first message and triage result, atomically.
    /// With an idempotency key already used by the same user, stores nothing
    /// and returns what the first request created.
    async fn create_thread(&self, new: NewThread) -> StoreResult<Written>;
    /// Adds a message (and its attachments) to a thread, atomically, moving the
    /// thread's status and activity time. Idempotent like [`Store::create_thread`].
    async fn add_message(&self, new: NewMessage) -> StoreResult<Written>;
    async fn update_thread(
        &self,
        id: ThreadId,
        patch: &ThreadPatch,
        now: DateTime<Utc>,
        audit: &[AuditEvent],
    ) -> StoreResult<Thread>;
    /// Threads `actor` may see, newest activity first.
    async fn list_threads(
        &self,
        actor: Actor,
        filter: &ThreadFilter,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<ThreadSummary>>;
    /// A thread with its people, pool and latest triage result.
    async fn thread_summary(&self, actor: Actor, id: ThreadId) -> StoreResult<Option<ThreadSummary>>;
    async fn latest_triage(&self, id: ThreadId) -> StoreResult<Option<(TriageRecord, DateTime<Utc>)>>;
    /// The clinic's classifier switch and routing rules (only those set by an admin).
    async fn triage_settings(&self) -> StoreResult<TriageSettings>;
    /// Switches the classifier and sets routing rules, atomically.
    async fn update_triage_settings(
        &self,
        classifier_enabled: Option<bool>,
        routes: &[(String, PoolId)],
        by: UserId,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<TriageSettings>;
    /// Re-triages a thread by hand: moves it and records who did it, atomically.
    async fn override_triage(&self, change: &TriageOverride) -> StoreResult<Thread>;
    /// Triage results by model, reviews asked for, and overrides.
    async fn triage_stats(&self) -> StoreResult<TriageStats>;
    /// Messages of a thread, oldest first, with authors, attachments and read receipts.
    async fn messages(&self, id: ThreadId, include_internal: bool) -> StoreResult<Vec<MessageView>>;
    /// One message with its author, attachments and read receipts.
    async fn message(
        &self,
        thread: ThreadId,
        id: MessageId,
        include_internal: bool,
    ) -> StoreResult<Option<MessageView>>;
    /// Records that `reader` has now read every message in the thread they may see.
    async fn mark_read(
        &self,
        id: ThreadId,
        reader: UserId,
        include_internal: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
    /// The first read receipt at or after `since`, on any message of the
    /// thread, by one of `readers`: who opened it and when. (An after-hours
    /// emergency shows staff whether on-call has seen it.)
    async fn first_read_among(
        &self,
        id: ThreadId,
        readers: &[UserId],
        since: DateTime<Utc>,
    ) -> StoreResult<Option<(PersonRef, DateTime<Utc>)>>;
    /// An attachment's description and bytes, if it belongs to the thread.
    /// Internal-note attachments are returned only with `include_internal`.
    async fn attachment(
        &self,
        thread: ThreadId,
        id: AttachmentId,
        include_internal: bool,
    ) -> StoreResult<Option<(AttachmentView, Vec<u8>)>>;

    /// Break-the-glass: opens the patient's threads to a clinician outside the
    /// care team until `expires_at`, for the stated reason (kept encrypted),
    /// audited, and alerts privacy officers.
    async fn open_emergency_access(
        &self,
        user: UserId,
        patient: UserId,
        reason: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<()>;

    // --- drafting ------------------------------------------------------------------

    /// Keeps a draft (pending, seen by staff only), audited.
    async fn create_draft(&self, new: &NewDraft) -> StoreResult<uuid::Uuid>;
    /// A draft of the thread.
    async fn draft(&self, thread: ThreadId, id: uuid::Uuid) -> StoreResult<Option<DraftRecord>>;
    /// The clinic's AI switches (defaults until an admin sets them).
    async fn ai_settings(&self) -> StoreResult<AiSettings>;
    async fn update_ai_settings(
        &self,
        settings: AiSettings,
        by: UserId,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// The clinic's own reply-library texts: (situation, language, body).
    async fn reply_templates(&self) -> StoreResult<Vec<(String, String, String)>>;
    /// Sets (or with `None`, removes) the clinic's text for a situation and language.
    async fn set_reply_template(
        &self,
        situation: &str,
        language: &str,
        body: Option<&str>,
        by: UserId,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// The clinic's quick replies and `user`'s own.
    async fn quick_replies(&self, user: UserId) -> StoreResult<Vec<QuickReply>>;
    async fn create_quick_reply(
        &self,
        owner: Option<UserId>,
        code: &str,
        body: &str,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<QuickReply>;
    /// Deletes `owner`'s quick reply (or with `None`, a clinic-wide one).
    async fn delete_quick_reply(&self, id: uuid::Uuid, owner: Option<UserId>, audit: &AuditEvent) -> StoreResult<bool>;
    /// Drafting and reply figures per clinician.
    async fn ai_report(&self) -> StoreResult<AiReport>;

    // --- audit and keys ------------------------------------------------------------

    /// Appends entries on their own (reads, sign-in refusals, denials).
    async fn record_audit(&self, events: Vec<AuditEvent>) -> StoreResult<()>;
    /// Entries, newest first.
    async fn audit_entries(&self, query: &AuditQuery) -> StoreResult<Vec<AuditRecord>>;
    /// Walks the hash chain from the first entry.
    async fn verify_audit(&self) -> StoreResult<AuditVerification>;
    /// Re-wraps every data key under a new master key. Reopen the store with
    /// the new key afterwards.
    async fn rewrap_keys(&self, next: &MasterKey) -> StoreResult<u64>;
    /// Adds a data key and re-encrypts every sealed value under it.
    async fn rotate_data_key(&self) -> StoreResult<RotationReport>;

    // --- live events -------------------------------------------------------------

    /// Events from every server sharing this database (ids only, never content).
    fn subscribe(&self) -> tokio::sync::broadcast::Receiver<ThreadEvent>;
}

/// Opens the store a database URL names, running migrations.
/// `sqlite://PATH` or `sqlite:PATH` opens (creating) a SQLite file;
/// `postgres://…` or `postgresql://…` connects to PostgreSQL. Any other
/// scheme is an error, never a new empty database by accident.
///
/// `master` unwraps the database's data keys; a new database gets its first
/// data key wrapped under it, and a database whose keys it cannot unwrap is
/// refused ([`StoreError::WrongMasterKey`]).
pub async fn open(url: &str, master: MasterKey) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url, master).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::open(url, master).await?))
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}
