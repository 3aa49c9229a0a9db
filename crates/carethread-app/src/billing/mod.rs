//! E-visit billing in the application layer: the clinic's switch and the
//! notice patients read before sending, each patient's consent (given
//! yearly, withdrawn, or declined for one message, which is still
//! answered), clinicians' measured time and attestation ([`time`]), the
//! line a patient sees on a thread that is an e-visit, and billing staff's
//! queue with its CSV export ([`queue`]).
//!
//! The rules are the core's ([`carethread_core::billing`]); nothing here
//! reads or returns message text, and billing staff reach only [`queue`].
//! Functions ending in `_at` take the current time, for the CLI and tests
//! (a period closes seven days after it opens); the others use the clock.

pub mod queue;
pub mod time;
pub mod visits;

use carethread_core::audit::AuditAction;
use carethread_core::billing::{
    Attestation, BillingDecision, BillingSettings, Consent, EVisitThread, Exclusion, IdleCutoff, MessagePurpose,
    PatientBillingFacts, Payer, PeriodMeasure, decide, measure_pings,
};
use carethread_core::ids::{ThreadId, UserId};
use carethread_core::policy::{self, Decision, ThreadAction, decide_new_thread};
use carethread_core::role::Role;
use carethread_core::user::Language;
use carethread_store::{BillingPatient, BillingSetup, BillingThread};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::threads::authorize_thread;
use crate::{App, AppError, AppResult, Caller};

/// The longest notice a clinic may write, in characters.
pub const NOTICE_MAX_CHARS: usize = 2_000;

/// The clinic's billing setup as an administrator types it.
#[derive(Debug, Clone, Default)]
pub struct SetupInput {
    pub enabled: bool,
    pub notice_en: String,
    pub notice_es: String,
    /// `medicare` or `other`.
    pub payer: String,
    pub idle_cutoff_seconds: i64,
}

/// The clinic's billing setup (billing is off until an administrator turns it on).
pub async fn setup(app: &App) -> AppResult<BillingSetup> {
    Ok(app.store.billing_setup().await?.unwrap_or_default())
}

/// Replaces the clinic's billing setup. Administrators only; both notices
/// are required to turn billing on.
pub async fn set_setup(app: &App, caller: &Caller, input: SetupInput) -> AppResult<BillingSetup> {
    if !policy::may_administer(caller.user.role) {
        return Err(AppError::Forbidden("only administrators set up e-visit billing".to_owned()));
    }
    let notice = |field: &str, raw: &str| -> AppResult<String> {
        let text = raw.trim();
        if text.chars().count() > NOTICE_MAX_CHARS {
            return Err(AppError::invalid(field, format!("must be at most {NOTICE_MAX_CHARS} characters")));
        }
        if input.enabled && text.is_empty() {
            return Err(AppError::invalid(field, "is required to turn e-visit billing on"));
        }
        Ok(text.to_owned())
    };
    let setup = BillingSetup {
        enabled: input.enabled,
        notice_en: notice("notice_en", &input.notice_en)?,
        notice_es: notice("notice_es", &input.notice_es)?,
        payer: Payer::parse(input.payer.trim())?,
        idle_cutoff: IdleCutoff::from_seconds(input.idle_cutoff_seconds)?,
        enabled_since: None,
    };
    let audit =
        caller.audit(AuditAction::BillingChange).detail(if setup.enabled { "billing on" } else { "billing off" });
    app.store.set_billing_setup(&setup, Utc::now(), &audit).await?;
    Ok(setup)
}

/// What a patient is told before sending, when the clinic bills e-visits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingNotice {
    /// The clinic's text, in the reader's language.
    pub text: String,
    /// Whether the patient's consent covers today.
    pub consent_current: bool,
    pub consent_given_on: Option<NaiveDate>,
    pub consent_withdrawn_on: Option<NaiveDate>,
}

/// The notice for the patient the caller writes for (themselves, or a
/// patient they hold a writing grant for); `None` when the clinic does not
/// bill e-visits or the caller is on staff (threads the care team starts
/// are never billed).
pub async fn notice_for(app: &App, caller: &Caller, patient: Option<UserId>) -> AppResult<Option<BillingNotice>> {
    let setup = setup(app).await?;
    if !setup.enabled || !matches!(caller.user.role, Role::Patient | Role::Proxy) {
        return Ok(None);
    }
    let patient = patient_written_for(app, caller, patient).await?;
    let facts = app.store.billing_patient(patient).await?.unwrap_or(BillingPatient::new(patient));
    let today = today(app).await;
    let consent_current = consent_of(&facts).is_some_and(|c| c.exclusion_on(today).is_none());
    let text = match caller.user.language {
        Language::En => setup.notice_en,
        Language::Es => setup.notice_es,
    };
    Ok(Some(BillingNotice {
        text,
        consent_current,
        consent_given_on: facts.consent_given_on,
        consent_withdrawn_on: facts.consent_withdrawn_on,
    }))
}

/// The patient's answer to the notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentChoice {
    /// Agrees to be billed for online visits (for a year).
    Agree,
    /// Does not agree: answered all the same, never billed.
    Decline,
}

impl ConsentChoice {
    /// `agree` or `decline`.
    pub fn parse(raw: &str) -> AppResult<Self> {
        match raw.trim() {
            "agree" => Ok(Self::Agree),
            "decline" => Ok(Self::Decline),
            _ => Err(AppError::invalid("billing_consent", "must be agree or decline")),
        }
    }
}

/// Records a patient's consent, or its withdrawal, for the patient the
/// caller writes for. Agreeing starts a new year of consent; declining
/// withdraws it from today (or records a refusal when there was none).
pub async fn set_consent(
    app: &App,
    caller: &Caller,
    patient: Option<UserId>,
    choice: ConsentChoice,
) -> AppResult<BillingNotice> {
    if !matches!(caller.user.role, Role::Patient | Role::Proxy) {
        return Err(AppError::Forbidden("only a patient, or her proxy, answers for her consent".to_owned()));
    }
    if !setup(app).await?.enabled {
        return Err(AppError::Conflict("the clinic does not bill online visits; nothing to agree to".to_owned()));
    }
    let patient = patient_written_for(app, caller, Some(patient.unwrap_or(caller.user.id))).await?;
    let mut facts = app.store.billing_patient(patient).await?.unwrap_or(BillingPatient::new(patient));
    let today = today(app).await;
    let detail = match choice {
        ConsentChoice::Agree => {
            facts.consent_given_on = Some(today);
            facts.consent_withdrawn_on = None;
            "consent given"
        }
        ConsentChoice::Decline => {
            facts.consent_withdrawn_on = Some(today);
            "consent withdrawn"
        }
    };
    let audit = caller.audit(AuditAction::BillingChange).detail(detail);
    app.store.set_billing_patient(&facts, Utc::now(), &audit).await?;
    notice_for(app, caller, Some(patient))
        .await?
        .ok_or_else(|| AppError::Conflict("the clinic does not bill online visits; nothing to agree to".to_owned()))
}

/// Records the choice a patient made on the compose page for the thread
/// she just started: agreeing records consent; declining withdraws it and
/// marks the thread never billed. The thread is answered either way.
pub async fn choose_for_thread(app: &App, caller: &Caller, thread: ThreadId, choice: ConsentChoice) -> AppResult<()> {
    if !matches!(caller.user.role, Role::Patient | Role::Proxy) {
        return Err(AppError::Forbidden("only a patient, or her proxy, answers for her consent".to_owned()));
    }
    let found = authorize_thread(app, caller, thread, ThreadAction::Reply).await?;
    if !setup(app).await?.enabled {
        return Ok(());
    }
    set_consent(app, caller, Some(found.patient_id), choice).await?;
    if choice == ConsentChoice::Decline {
        let mut mark = app.store.thread_billing_mark(thread).await?;
        mark.declined = true;
        let audit = caller.audit(AuditAction::BillingChange).patient(found.patient_id).detail("thread not billable");
        app.store.set_thread_billing_mark(thread, mark, &audit).await?;
    }
    Ok(())
}

/// The patient a patient or proxy writes for, as the policy allows it.
async fn patient_written_for(app: &App, caller: &Caller, patient: Option<UserId>) -> AppResult<UserId> {
    let patient = patient.unwrap_or(caller.user.id);
    let facts = app.store.patient_facts(caller.actor(), patient).await?.ok_or(AppError::NotFound)?;
    match decide_new_thread(caller.actor(), &facts, Utc::now()) {
        Decision::Allow => Ok(patient),
        Decision::Forbidden => Err(AppError::Forbidden("your access for this patient is read-only".to_owned())),
        Decision::NotFound => Err(AppError::NotFound),
    }
}

/// Today in the clinic's calendar.
async fn today(app: &App) -> NaiveDate {
    let settings = BillingSettings::new(app.clinic.get(&*app.store).await.hours.timezone());
    local_date(Utc::now(), &settings)
}

fn consent_of(facts: &BillingPatient) -> Option<Consent> {
    facts.consent_given_on.and_then(|given| Consent::new(given, facts.consent_withdrawn_on).ok())
}

/// The core's view of a patient.
fn patient_facts(facts: &BillingPatient) -> PatientBillingFacts {
    PatientBillingFacts {
        patient: facts.patient,
        first_visit_on: facts.first_visit_on,
        surgical_global_until: facts.surgical_global_until,
        consent: consent_of(facts),
    }
}

/// The clinic's rules for the core.
async fn settings(app: &App, setup: &BillingSetup) -> BillingSettings {
    let mut settings = BillingSettings::new(app.clinic.get(&*app.store).await.hours.timezone());
    settings.payer = setup.payer;
    settings.idle_cutoff = setup.idle_cutoff;
    settings
}

/// A thread for the core: its purpose as recorded, else what its category
/// settles, else an evaluation (nothing bills before the clinician attests).
fn evisit_thread(t: &BillingThread) -> EVisitThread {
    EVisitThread {
        id: t.id,
        started_by: t.started_by,
        purpose: t.purpose.or(MessagePurpose::suggested_for(t.category)).unwrap_or(MessagePurpose::Evaluation),
        related_visits: t.related_visits.clone(),
        messages: t.messages.clone(),
    }
}

/// When something happened, for answers: the clinic's date of an instant.
fn local_date(at: DateTime<Utc>, settings: &BillingSettings) -> NaiveDate {
    at.with_timezone(&settings.timezone).date_naive()
}

/// Everything billing knows of one patient, measured and ready to decide.
pub(crate) struct PatientBilling {
    pub settings: BillingSettings,
    pub facts: BillingPatient,
    pub threads: Vec<BillingThread>,
    pub evisit: Vec<EVisitThread>,
    pub measures: Vec<PeriodMeasure>,
    pub attestations: Vec<(Attestation, DateTime<Utc>)>,
}

/// Reads and measures a patient's billing: her threads (metadata only),
/// the activity of every clinician who worked on them (with their other
/// work around it, so no second counts twice), and the attestations.
pub(crate) async fn load(app: &App, setup: &BillingSetup, patient: UserId) -> AppResult<PatientBilling> {
    let settings = settings(app, setup).await;
    let facts = app.store.billing_patient(patient).await?.unwrap_or(BillingPatient::new(patient));
    let threads = app.store.billing_threads(patient).await?;
    let evisit: Vec<EVisitThread> = threads.iter().map(evisit_thread).collect();
    let own = app.store.pings_for_patient(patient).await?;
    let mut pings = Vec::new();
    if let (Some(first), Some(last)) = (own.iter().map(|p| p.at).min(), own.iter().map(|p| p.at).max()) {
        let mut clinicians: Vec<UserId> = own.iter().map(|p| p.clinician).collect();
        clinicians.sort_unstable();
        clinicians.dedup();
        let margin = TimeDelta::days(8);
        for clinician in clinicians {
            pings.extend(app.store.pings_of(clinician, first - margin, last + margin + TimeDelta::seconds(1)).await?);
        }
    }
    let measures = measure_pings(&settings, &evisit, &pings)?;
    let attestations = app.store.attestations_for(patient).await?;
    Ok(PatientBilling { settings, facts, threads, evisit, measures, attestations })
}

impl PatientBilling {
    /// The clinician's attestation of `measure`'s period, if any.
    pub fn attestation(&self, measure: &PeriodMeasure) -> Option<&Attestation> {
        self.attestations
            .iter()
            .map(|(a, _)| a)
            .find(|a| a.clinician() == measure.clinician && a.period_start() == measure.period.start())
    }

    /// The core's decision on a period at `now`; a thread the patient
    /// declined to have billed keeps the whole period from billing.
    pub fn decide(
        &self,
        measure: &PeriodMeasure,
        clinician_role: Role,
        now: DateTime<Utc>,
    ) -> AppResult<BillingDecision> {
        let decision = decide(
            &self.settings,
            &patient_facts(&self.facts),
            clinician_role,
            &self.evisit,
            measure,
            self.attestation(measure),
            now,
        )?;
        let declined =
            measure.threads.iter().any(|share| self.threads.iter().any(|t| t.id == share.thread && t.declined));
        if !declined {
            return Ok(decision);
        }
        let mut reasons = decision.exclusions().to_vec();
        if !reasons.iter().any(|r| matches!(r, Exclusion::NoConsent | Exclusion::ConsentWithdrawn)) {
            reasons.push(Exclusion::ConsentWithdrawn);
        }
        reasons.sort_unstable();
        Ok(BillingDecision::NotBillable { reasons })
    }
}
