//! CareThread's application layer. Every operation a person or a system
//! performs is one function here, called the same way by the JSON API, the
//! portal and (next) the CLI, FHIR API and background jobs: the caller and a
//! typed input in, a typed output or an [`AppError`] out. Each asks the core
//! policy, runs triage, and writes through the store with its audit entries
//! in one transaction. Nothing here knows about HTTP.

pub mod ai_admin;
pub mod app_launch;
pub mod app_tokens;
pub mod audit;
pub mod billing;
pub mod bulk_export;
pub mod clinic;
pub mod clinic_admin;
pub mod composing;
pub mod contact_preferences;
pub mod coverage;
pub mod drafting;
pub mod emergency;
pub mod equity;
pub mod error;
pub mod fhir_facts;
pub mod fhir_people;
pub mod fhir_reads;
pub mod fhir_tasks;
pub mod fhir_writes;
pub mod forwarding;
pub mod grants;
pub mod guidance;
pub mod in_basket;
pub mod insights;
pub mod intake;
pub mod jobs;
pub mod messages;
pub mod mfa;
pub mod on_call;
pub mod onboarding;
pub mod outbox_admin;
pub mod overdue_notices;
pub mod paging_status;
pub mod passwords;
pub mod patient_apps;
pub mod quick_replies;
pub mod record;
pub mod release;
pub mod retention;
pub mod retriage;
pub mod sessions;
pub mod sign_in;
pub mod subscriptions;
pub mod system_clients;
pub mod teams;
pub mod threads;
pub mod totp;
pub mod users;
pub mod visits;
pub mod wording;

use std::sync::Arc;

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::clinic::ClinicSettings;
use carethread_core::policy::Actor;
use carethread_core::user::User;
use carethread_store::{Store, TriageSettings};
use chrono::Utc;

pub use error::{AppError, AppResult};

/// What every operation can reach: the store, the clinic's configuration as
/// it is now, and the reply drafter. Cheap to clone (shared handles).
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    /// The deployment's fixed settings (message limits, adolescent age range).
    pub settings: Arc<ClinicSettings>,
    /// The clinic profile administrators edit (hours, reply targets, limits).
    pub clinic: Arc<clinic::ProfileCache>,
    /// The clinic's triage settings, as every patient message reads them.
    pub triage: Arc<clinic::Fresh<TriageSettings>>,
    /// Drafts replies: the built-in drafter unless the clinic configured a model.
    pub drafter: Arc<dyn carethread_draft::Drafter>,
    /// Sign-ins being checked, and failures on usernames that do not exist.
    pub sign_ins: Arc<sign_in::AccountGuard>,
    /// How notices reach people outside CareThread, and when.
    pub notifications: Arc<jobs::Notifications>,
}

impl App {
    /// An application over `store` with the built-in drafter and fresh caches.
    #[must_use]
    pub fn new(store: Arc<dyn Store>, settings: ClinicSettings) -> Self {
        Self {
            store,
            clinic: Arc::new(clinic::ProfileCache::new(settings.message_max_chars)),
            triage: Arc::default(),
            settings: Arc::new(settings),
            drafter: Arc::new(carethread_draft::BuiltinDrafter),
            sign_ins: Arc::default(),
            notifications: Arc::default(),
        }
    }

    /// The same application, sending notices through `notifications`.
    #[must_use]
    pub fn with_notifications(mut self, notifications: jobs::Notifications) -> Self {
        self.notifications = Arc::new(notifications);
        self
    }
}

/// Who performs an administrative operation: a signed-in person (whom the
/// policy is asked about), or the operator at the command line, who has the
/// database itself and is recorded as such.
#[derive(Debug, Clone, Copy)]
pub enum Operator<'a> {
    Person(&'a Caller),
    CommandLine,
}

/// Who asks for an operation: the signed-in person, and where the request
/// came from, as the audit log records it.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    /// The client's network address, when the interface knows it.
    pub client: Option<String>,
}

impl Caller {
    /// The caller as the core policy sees them.
    #[must_use]
    pub fn actor(&self) -> Actor {
        Actor { id: self.user.id, role: self.user.role }
    }

    /// An audit entry for `action` by this caller, from their client, now.
    #[must_use]
    pub fn audit(&self, action: AuditAction) -> AuditEvent {
        AuditEvent::new(action, Some((self.user.id, self.user.role)), Utc::now()).client(self.client.clone())
    }
}
