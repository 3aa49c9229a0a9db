//! The audit log, read: a patient's "who has seen my messages", the privacy
//! officer's queries and export, and the check of the hash chain. Every
//! query is itself audited.

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::ids::UserId;
use carethread_core::policy::{self, AuditAccess};
use carethread_core::role::Role;
use carethread_core::user::User;
use carethread_store::{AuditQuery, AuditRecord, AuditVerification};
use chrono::{DateTime, Utc};

use crate::{App, AppError, AppResult, Caller, Operator};

/// Whose entries to read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AuditPatient {
    /// Any patient's (privacy officers).
    #[default]
    Any,
    /// The caller's own record (patients: who has accessed my messages).
    Me,
    /// One patient's (privacy officers).
    Patient(UserId),
}

/// An audit log query.
#[derive(Debug, Clone, Default)]
pub struct ReadAudit {
    pub patient: AuditPatient,
    /// What this user did (privacy officers).
    pub actor: Option<UserId>,
    /// One action (privacy officers).
    pub action: Option<AuditAction>,
    pub from: Option<DateTime<Utc>>,
    /// End of the period, exclusive.
    pub to: Option<DateTime<Utc>>,
    /// `next_before` of the previous page.
    pub before: Option<i64>,
    /// Entries on a page, 1 to 1000.
    pub limit: u32,
    /// The query is an export (privacy officers; audited as one).
    pub export: bool,
}

/// A page of audit entries, newest first.
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub entries: Vec<AuditRecord>,
    /// Pass as `before` for the next (older) page.
    pub next_before: Option<i64>,
    /// A patient's view: who, what and when only; never client, target or detail.
    pub patient_view: bool,
}

/// Reads the audit log. A patient sees the accesses to her own record by
/// others; a privacy officer queries everything; anyone else is refused.
pub async fn read_audit(app: &App, caller: &Caller, input: ReadAudit) -> AppResult<AuditPage> {
    if !(1..=1000).contains(&input.limit) {
        return Err(AppError::invalid("limit", "must be a whole number from 1 to 1000"));
    }
    let mut query = AuditQuery {
        from: input.from,
        to: input.to,
        before_seq: input.before,
        limit: input.limit + 1,
        ..AuditQuery::default()
    };
    let patient_view = match policy::audit_access(caller.user.role) {
        AuditAccess::OwnMessages => {
            let own = matches!(input.patient, AuditPatient::Me)
                || matches!(input.patient, AuditPatient::Patient(id) if id == caller.user.id)
                || matches!(input.patient, AuditPatient::Any);
            if !own || input.actor.is_some() || input.action.is_some() || input.export {
                return Err(AppError::Forbidden("you can see the accesses to your own messages (patient=me)".into()));
            }
            query.patient = Some(caller.user.id);
            query.patient_view = true;
            // Her own actions are not what she is asking about.
            query.exclude_actor = Some(caller.user.id);
            true
        }
        AuditAccess::Everything => {
            query.patient = match input.patient {
                AuditPatient::Any => None,
                AuditPatient::Me => return Err(AppError::invalid("patient", "must be a patient id")),
                AuditPatient::Patient(id) => Some(id),
            };
            query.actor = input.actor;
            query.action = input.action;
            false
        }
        AuditAccess::None => {
            return Err(AppError::Forbidden("the audit log is for patients (their own) and privacy officers".into()));
        }
    };
    let mut entries = app.store.audit_entries(&query).await?;
    let next_before = if entries.len() > input.limit as usize {
        entries.truncate(input.limit as usize);
        entries.last().map(|r| r.seq)
    } else {
        None
    };
    let mut read = caller.audit(if input.export { AuditAction::AuditExport } else { AuditAction::AuditRead });
    if let Some(patient) = query.patient {
        read = read.patient(patient);
    }
    app.store.record_audit(vec![read]).await?;
    Ok(AuditPage { entries, next_before, patient_view })
}

/// One entry of the audit log, as [`read_audit`] shows it to the caller
/// (and audited as that read is), with whether it is a patient's view.
/// An entry the caller may not see answers `NotFound`.
pub async fn read_audit_entry(app: &App, caller: &Caller, seq: i64) -> AppResult<(AuditRecord, bool)> {
    let before = seq.checked_add(1).ok_or(AppError::NotFound)?;
    let page = read_audit(app, caller, ReadAudit { before: Some(before), limit: 1, ..ReadAudit::default() }).await?;
    let entry = page.entries.into_iter().next().filter(|e| e.seq == seq).ok_or(AppError::NotFound)?;
    Ok((entry, page.patient_view))
}

/// The patients a privacy officer can filter the log by.
pub async fn audited_patients(app: &App, caller: &Caller) -> AppResult<Vec<User>> {
    if policy::audit_access(caller.user.role) != AuditAccess::Everything {
        return Err(AppError::Forbidden("the audit log is for privacy officers".into()));
    }
    Ok(app.store.list_users().await?.into_iter().filter(|u| u.role == Role::Patient).collect())
}

/// Walks the audit log's hash chain: how many entries are intact and the
/// first break, if any. For privacy officers and the operator's command line.
pub async fn verify_audit(app: &App, by: Operator<'_>) -> AppResult<AuditVerification> {
    if let Operator::Person(caller) = by
        && policy::audit_access(caller.user.role) != AuditAccess::Everything
    {
        return Err(AppError::Forbidden("the audit log is checked by privacy officers".into()));
    }
    let report = app.store.verify_audit().await?;
    if report.broken.is_some() {
        tracing::error!(verified = report.verified, "the audit log's hash chain is broken");
    }
    Ok(report)
}

/// An entry for something done by `by` (the person, or the operator at the
/// command line, which the detail then says), saying what was done.
#[must_use]
pub fn entry(by: Operator<'_>, action: AuditAction, detail: impl Into<String>) -> AuditEvent {
    match by {
        Operator::Person(caller) => caller.audit(action).detail(detail),
        Operator::CommandLine => {
            AuditEvent::new(action, None, Utc::now()).detail(format!("{} (command line)", detail.into()))
        }
    }
}
