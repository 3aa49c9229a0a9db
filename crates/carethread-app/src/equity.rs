//! The equity monitor, for the administrators who decide whether the clinic
//! bills online visits (the core policy's `may_view_equity`): for each group
//! of patients, how often they wrote before and after billing began, the
//! share billed, declines and unanswered conversations, and which groups'
//! messaging fell more than the others'. And the groups patients gave
//! (payer type, sex, race, ethnicity, a clinic's own), recorded by front
//! desk or an administrator (`may_record_patient_groups`). Figures per group:
//! no patient is named, no message read.

use std::collections::HashMap;

use carethread_core::audit::AuditAction;
use carethread_core::equity::{
    self, DEFAULT_MARGIN_POINTS, Dimension, EquityFacts, EquityPatient, EquityRange, EquityReport, GroupValue, age_band,
};
use carethread_core::ids::UserId;
use carethread_core::policy;
use carethread_core::role::Role;
use carethread_core::user::User;
use carethread_store::EquityPerson;
use chrono::{DateTime, Months, Utc};

use crate::{App, AppError, AppResult, Caller};

/// The range when none is asked for, in months.
pub const DEFAULT_MONTHS: u32 = 12;
/// The longest range, in months.
pub const MAX_MONTHS: u32 = 24;
/// The widest margin, in percentage points.
pub const MAX_MARGIN_POINTS: f64 = 100.0;
/// The most groups one request records.
pub const MAX_GROUPS: usize = 20;

/// What the figures cover: the last `months` months, and the margin a
/// group's fall must exceed to be flagged (percentage points).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EquityQuery {
    pub months: Option<u32>,
    pub margin_points: Option<f64>,
}

/// The monitor's figures now.
pub async fn report(app: &App, caller: &Caller, query: EquityQuery) -> AppResult<EquityReport> {
    report_at(app, caller, query, Utc::now()).await
}

/// [`report`] as of `now`.
pub async fn report_at(app: &App, caller: &Caller, query: EquityQuery, now: DateTime<Utc>) -> AppResult<EquityReport> {
    if !policy::may_view_equity(caller.user.role) {
        return Err(AppError::Forbidden("only administrators read the equity monitor".to_owned()));
    }
    let months = query.months.unwrap_or(DEFAULT_MONTHS);
    if !(1..=MAX_MONTHS).contains(&months) {
        return Err(AppError::invalid("months", format!("must be 1 to {MAX_MONTHS}")));
    }
    let margin_points = query.margin_points.unwrap_or(DEFAULT_MARGIN_POINTS);
    if !(0.0..=MAX_MARGIN_POINTS).contains(&margin_points) {
        return Err(AppError::invalid("margin", "must be 0 to 100 percentage points"));
    }
    let from =
        now.checked_sub_months(Months::new(months)).ok_or_else(|| AppError::invalid("months", "too far back"))?;
    let timezone = app.clinic.get(&*app.store).await.hours.timezone();
    let billing_on = crate::billing::setup(app).await?.enabled_since;
    let rows = app.store.equity_rows(from, now).await?;
    let today = now.with_timezone(&timezone).date_naive();
    let facts = EquityFacts {
        patients: rows.patients.into_iter().map(|p| grouped(p, today)).collect(),
        messages: rows.messages,
        threads: rows.threads,
        claims: rows.claims,
        declined: rows.declined.into_iter().collect(),
    };
    let range = EquityRange { from, to: now, billing_on, margin_points, timezone };
    let report = equity::report(&facts, range);
    let audit = caller
        .audit(AuditAction::EquityRead)
        .detail(format!("{months} months, {} groups flagged", report.flagged().len()));
    app.store.record_audit(vec![audit]).await?;
    Ok(report)
}

/// A patient with her account's language and age band beside what she gave.
fn grouped(person: EquityPerson, today: chrono::NaiveDate) -> EquityPatient {
    let mut groups: HashMap<Dimension, GroupValue> =
        person.groups.into_iter().filter(|(d, _)| !d.from_account()).collect();
    let account = [
        ("language", Some(person.language)),
        ("age_band", person.born.map(|b| age_band(b, today).as_str().to_owned())),
    ];
    for (name, value) in account {
        if let (Ok(dimension), Some(Ok(value))) = (Dimension::parse(name), value.map(|v| GroupValue::parse(&v))) {
            groups.insert(dimension, value);
        }
    }
    EquityPatient { id: person.id, joined: person.joined, groups }
}

async fn patient(app: &App, caller: &Caller, id: UserId) -> AppResult<User> {
    if !policy::may_record_patient_groups(caller.user.role) {
        return Err(AppError::Forbidden("only front desk and administrators record a patient's groups".to_owned()));
    }
    match app.store.user(id).await? {
        Some(user) if user.role == Role::Patient => Ok(user),
        _ => Err(AppError::NotFound),
    }
}

/// A patient and the groups recorded for her.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientGroups {
    pub patient: User,
    pub groups: Vec<(Dimension, GroupValue)>,
}

/// The groups recorded for a patient (an audited read).
pub async fn patient_groups(app: &App, caller: &Caller, id: UserId) -> AppResult<PatientGroups> {
    let patient = patient(app, caller, id).await?;
    let groups = app.store.patient_groups(id).await?;
    let audit = caller.audit(AuditAction::PatientGroupsRead).patient(id);
    app.store.record_audit(vec![audit]).await?;
    Ok(PatientGroups { patient, groups })
}

/// Records the groups a patient gave, as typed (dimension, value): an empty
/// value removes one; dimensions not named are left as they are. Language
/// and age band come from her account and are not recorded here.
pub async fn set_patient_groups(
    app: &App,
    caller: &Caller,
    id: UserId,
    typed: &[(String, String)],
) -> AppResult<Vec<(Dimension, GroupValue)>> {
    patient(app, caller, id).await?;
    if typed.len() > MAX_GROUPS {
        return Err(AppError::invalid("groups", format!("at most {MAX_GROUPS} at once")));
    }
    let mut groups = Vec::with_capacity(typed.len());
    for (dimension, value) in typed {
        let dimension = Dimension::parse(dimension)?;
        if dimension.from_account() {
            return Err(AppError::invalid("dimension", "language and age band come from the patient's account"));
        }
        if groups.iter().any(|(d, _)| *d == dimension) {
            return Err(AppError::invalid("dimension", "each dimension once"));
        }
        groups.push((dimension, GroupValue::parse(value)?));
    }
    let audit = caller.audit(AuditAction::PatientGroupsChange).patient(id).detail(format!("{} groups", groups.len()));
    app.store.set_patient_groups(id, &groups, &audit).await?;
    Ok(app.store.patient_groups(id).await?)
}
