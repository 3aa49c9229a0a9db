//! Billing staff's queue: every measured period of every patient with
//! recent activity (patient, clinician, code, minutes, message count,
//! dates and the exclusions checked), approved, held or rejected with a
//! reason, and approved claims exported as CSV, each once. No message text
//! is read: billing staff see counts and dates.

use std::collections::HashMap;

use carethread_core::audit::AuditAction;
use carethread_core::billing::{BillingDecision, EVisitCode, Exclusion, Payer, eligible_time};
use carethread_core::ids::UserId;
use carethread_core::policy;
use carethread_store::{BillingPatient, ClaimDecision, ClaimStatus, PeriodKey};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use super::{load, local_date, setup};
use crate::{App, AppError, AppResult, Caller};

/// How far back the queue looks for activity.
pub const QUEUE_DAYS: i64 = 90;

/// The longest reason billing staff may give, in characters.
pub const REASON_MAX_CHARS: usize = 500;

fn require_billing(caller: &Caller) -> AppResult<()> {
    if policy::may_review_billing(caller.user.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden("only billing staff work the online visit billing queue".to_owned()))
    }
}

/// Where a period stands with billing staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueStatus {
    Pending,
    Approved,
    Held,
    Rejected,
    Exported,
}

impl QueueStatus {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            QueueStatus::Pending => "pending",
            QueueStatus::Approved => "approved",
            QueueStatus::Held => "held",
            QueueStatus::Rejected => "rejected",
            QueueStatus::Exported => "exported",
        }
    }
}

/// One period in the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRow {
    pub key: PeriodKey,
    pub patient_name: String,
    pub clinician_name: String,
    pub clinician_role: carethread_core::role::Role,
    pub period_end: DateTime<Utc>,
    /// The clinic's date of the first review.
    pub service_date: NaiveDate,
    /// The code it bills under, when it bills.
    pub code: Option<EVisitCode>,
    pub measured_minutes: u32,
    pub attested_minutes: Option<u32>,
    /// Messages on the threads that count.
    pub messages: usize,
    /// Every exclusion that applies (none when billable).
    pub exclusions: Vec<Exclusion>,
    pub status: QueueStatus,
    pub reason: Option<String>,
}

/// The queue now.
pub async fn queue(app: &App, caller: &Caller) -> AppResult<Vec<QueueRow>> {
    queue_at(app, caller, Utc::now()).await
}

/// The queue as of `now`: periods still open show `period_open`.
pub async fn queue_at(app: &App, caller: &Caller, now: DateTime<Utc>) -> AppResult<Vec<QueueRow>> {
    require_billing(caller)?;
    let rows = rows_at(app, now).await?;
    let audit = caller.audit(AuditAction::BillingRead).detail(format!("{} periods", rows.len()));
    app.store.record_audit(vec![audit]).await?;
    Ok(rows)
}

async fn rows_at(app: &App, now: DateTime<Utc>) -> AppResult<Vec<QueueRow>> {
    let setup = setup(app).await?;
    let claims: HashMap<PeriodKey, ClaimDecision> =
        app.store.claim_decisions().await?.into_iter().map(|c| (c.key, c)).collect();
    let mut names: HashMap<UserId, (String, carethread_core::role::Role)> = HashMap::new();
    let mut rows = Vec::new();
    for patient in app.store.patients_with_activity(now - TimeDelta::days(QUEUE_DAYS)).await? {
        let billing = load(app, &setup, patient).await?;
        for measure in &billing.measures {
            for id in [patient, measure.clinician] {
                if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(id) {
                    let user = app.store.user(id).await?.ok_or(AppError::NotFound)?;
                    slot.insert((user.display_name.as_str().to_owned(), user.role));
                }
            }
            let (clinician_name, role) = names[&measure.clinician].clone();
            let decision = billing.decide(measure, role, now)?;
            let eligible = eligible_time(billing.settings.timezone, &billing.evisit, measure)?;
            let key = PeriodKey { patient, clinician: measure.clinician, period_start: measure.period.start() };
            let claim = claims.get(&key);
            let status = match claim {
                None => QueueStatus::Pending,
                Some(c) if c.exported_at.is_some() => QueueStatus::Exported,
                Some(c) => match c.status {
                    ClaimStatus::Approved => QueueStatus::Approved,
                    ClaimStatus::Held => QueueStatus::Held,
                    ClaimStatus::Rejected => QueueStatus::Rejected,
                },
            };
            rows.push(QueueRow {
                key,
                patient_name: names[&patient].0.clone(),
                clinician_name,
                clinician_role: role,
                period_end: measure.period.end(),
                service_date: local_date(measure.period.start(), &billing.settings),
                code: decision.code(),
                measured_minutes: eligible.minutes(),
                attested_minutes: billing
                    .attestation(measure)
                    .map(carethread_core::billing::Attestation::attested_minutes),
                messages: match &decision {
                    BillingDecision::Billable { messages, .. } => messages.len(),
                    BillingDecision::NotBillable { .. } => eligible.messages.len(),
                },
                exclusions: decision.exclusions().to_vec(),
                status,
                reason: claim.and_then(|c| c.reason.clone()),
            });
        }
    }
    rows.sort_by_key(|r| (r.key.period_start, r.key.patient, r.key.clinician));
    Ok(rows)
}

/// Billing staff's decision, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimChoice {
    pub status: ClaimStatus,
    /// Required to hold or reject.
    pub reason: Option<String>,
}

/// Approves, holds or rejects a period. Only a billable period is
/// approved; holding or rejecting needs a reason; an exported claim is not
/// changed.
pub async fn decide_claim(app: &App, caller: &Caller, key: PeriodKey, choice: ClaimChoice) -> AppResult<QueueRow> {
    decide_claim_at(app, caller, key, choice, Utc::now()).await
}

/// [`decide_claim`] as of `now`.
pub async fn decide_claim_at(
    app: &App,
    caller: &Caller,
    key: PeriodKey,
    choice: ClaimChoice,
    now: DateTime<Utc>,
) -> AppResult<QueueRow> {
    require_billing(caller)?;
    let reason = choice.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned);
    if reason.as_ref().is_some_and(|r| r.chars().count() > REASON_MAX_CHARS) {
        return Err(AppError::invalid("reason", format!("must be at most {REASON_MAX_CHARS} characters")));
    }
    if choice.status != ClaimStatus::Approved && reason.is_none() {
        return Err(AppError::invalid("reason", "is required to hold or reject a claim"));
    }
    let rows = rows_at(app, now).await?;
    let row = rows.into_iter().find(|r| r.key == key).ok_or(AppError::NotFound)?;
    if row.status == QueueStatus::Exported {
        return Err(AppError::Conflict("this claim was exported already".to_owned()));
    }
    if choice.status == ClaimStatus::Approved && row.code.is_none() {
        let why: Vec<&str> = row.exclusions.iter().map(|e| e.as_str()).collect();
        return Err(AppError::Conflict(format!("this period does not bill: {}", why.join(", "))));
    }
    let decision = ClaimDecision {
        key,
        status: choice.status,
        reason: reason.clone(),
        code: row.code,
        minutes: row.attested_minutes,
        decided_by: caller.user.id,
        decided_at: now,
        exported_at: None,
    };
    let audit = caller.audit(AuditAction::BillingChange).detail(format!("claim {}", choice.status.as_str()));
    if !app.store.decide_claim(&decision, &audit).await? {
        return Err(AppError::Conflict("this claim was exported already".to_owned()));
    }
    let status = match choice.status {
        ClaimStatus::Approved => QueueStatus::Approved,
        ClaimStatus::Held => QueueStatus::Held,
        ClaimStatus::Rejected => QueueStatus::Rejected,
    };
    Ok(QueueRow { status, reason, ..row })
}

/// The CSV's header line.
pub const CSV_HEADER: &str = "patient_id,patient_name,clinician_id,clinician_name,code,attested_minutes,\
     measured_minutes,messages,service_date,period_start,period_end";

/// A CSV field: quoted, and a leading formula character defused.
fn field(raw: &str) -> String {
    let safe = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{raw}") } else { raw.to_owned() };
    format!("\"{}\"", safe.replace('"', "\"\""))
}

/// A claim as it left in an export: its queue row, and the code and
/// attested minutes billing staff approved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedClaim {
    pub row: QueueRow,
    pub code: EVisitCode,
    pub minutes: u32,
    /// The clinic's payer setting when it was exported.
    pub payer: Payer,
}

/// Exports every approved claim not yet exported as CSV (header only when
/// there is none) and marks them exported, with the audit entry.
pub async fn export_claims(app: &App, caller: &Caller) -> AppResult<String> {
    export_claims_at(app, caller, Utc::now()).await
}

/// [`export_claims`] as of `now`.
pub async fn export_claims_at(app: &App, caller: &Caller, now: DateTime<Utc>) -> AppResult<String> {
    Ok(claims_csv(&export_approved_at(app, caller, now).await?))
}

/// Marks every approved claim not yet exported as exported, with the audit
/// entry, and returns them, for the caller to write out (CSV or FHIR): each
/// claim leaves once, in one format.
pub async fn export_approved_at(app: &App, caller: &Caller, now: DateTime<Utc>) -> AppResult<Vec<ExportedClaim>> {
    require_billing(caller)?;
    let payer = setup(app).await?.payer;
    let rows = rows_at(app, now).await?;
    let claims: HashMap<PeriodKey, ClaimDecision> =
        app.store.claim_decisions().await?.into_iter().map(|c| (c.key, c)).collect();
    // Only claims this export can write out are marked exported: one the
    // queue no longer lists, or approved after the queue was read, waits for
    // the next export instead of being marked and lost.
    let ready: Vec<ExportedClaim> = rows
        .into_iter()
        .filter(|row| row.status == QueueStatus::Approved)
        .filter_map(|row| {
            let claim = claims.get(&row.key)?;
            Some(ExportedClaim { code: claim.code?, minutes: claim.minutes.unwrap_or_default(), payer, row })
        })
        .collect();
    let keys: Vec<PeriodKey> = ready.iter().map(|c| c.row.key).collect();
    let audit = caller.audit(AuditAction::BillingExport);
    let exported = app.store.export_approved_claims(&keys, now, &audit).await?;
    Ok(ready.into_iter().filter(|c| exported.contains(&c.row.key)).collect())
}

/// The claims as CSV, one line each after the header.
#[must_use]
pub fn claims_csv(claims: &[ExportedClaim]) -> String {
    let mut out = format!("{CSV_HEADER}\n");
    for claim in claims {
        let (row, key) = (&claim.row, claim.row.key);
        let line = [
            field(&key.patient.to_string()),
            field(&row.patient_name),
            field(&key.clinician.to_string()),
            field(&row.clinician_name),
            field(claim.code.as_str()),
            claim.minutes.to_string(),
            row.measured_minutes.to_string(),
            row.messages.to_string(),
            row.service_date.to_string(),
            key.period_start.to_rfc3339(),
            row.period_end.to_rfc3339(),
        ];
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// What billing staff record of a patient, as typed (`YYYY-MM-DD` or empty).
#[derive(Debug, Clone, Default)]
pub struct PatientFactsInput {
    pub first_visit_on: Option<String>,
    pub surgical_global_until: Option<String>,
}

fn date(field: &str, raw: Option<&String>) -> AppResult<Option<NaiveDate>> {
    raw.map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| AppError::invalid(field, "must be a date as YYYY-MM-DD"))
        })
        .transpose()
}

/// Records a patient's first visit and surgical global period (billing
/// staff, from the practice's records); her consent is left as it is.
pub async fn set_patient_facts(
    app: &App,
    caller: &Caller,
    patient: UserId,
    input: PatientFactsInput,
) -> AppResult<BillingPatient> {
    require_billing(caller)?;
    let user = app.store.user(patient).await?.ok_or(AppError::NotFound)?;
    if user.role != carethread_core::role::Role::Patient {
        return Err(AppError::NotFound);
    }
    let mut facts = app.store.billing_patient(patient).await?.unwrap_or(BillingPatient::new(patient));
    facts.first_visit_on = date("first_visit_on", input.first_visit_on.as_ref())?;
    facts.surgical_global_until = date("surgical_global_until", input.surgical_global_until.as_ref())?;
    let audit = caller.audit(AuditAction::BillingChange).detail("patient billing facts");
    app.store.set_billing_patient(&facts, Utc::now(), &audit).await?;
    Ok(facts)
}
