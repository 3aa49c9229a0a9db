//! Visits that took place about a thread's problem, for billing's 7-day
//! rules: recorded by a clinician or front desk from the thread (someone who
//! may read it), or imported from the practice's schedule by the command
//! line. A visit within 7 days after an online visit's period takes its time
//! (the period is not billed apart); one in the 7 days before means the
//! problem was just seen. Dates are the clinic's calendar.

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::ids::ThreadId;
use carethread_core::policy::{self, ThreadAction};
use carethread_core::profile::ClinicHours;
use carethread_store::{RecordedVisit, VisitSource};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use crate::threads::authorize_thread;
use crate::{App, AppError, AppResult, Caller};

/// How far back a visit may be recorded, in days.
pub const OLDEST_DAYS: i64 = 366;

/// The visit's date as the clinic's noon (so the 7-day rules read it as the
/// day it was); refused in the future or more than a year back.
fn visit_time(hours: &ClinicHours, raw: &str, now: DateTime<Utc>) -> AppResult<DateTime<Utc>> {
    let tz = hours.timezone();
    let day = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid("visited_on", "must be a date as YYYY-MM-DD"))?;
    let today = now.with_timezone(&tz).date_naive();
    if day > today {
        return Err(AppError::invalid("visited_on", "a visit that took place cannot be in the future"));
    }
    if (today - day).num_days() > OLDEST_DAYS {
        return Err(AppError::invalid("visited_on", "must be within the last year"));
    }
    let noon = day.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default());
    Ok(noon.and_local_timezone(tz).earliest().map_or(now, |t| t.with_timezone(&Utc)))
}

/// Whether the thread page offers `caller` to record a visit: someone who
/// may record one, while the clinic bills online visits (a visit only
/// matters to billing).
pub async fn offered(app: &App, caller: &Caller) -> AppResult<bool> {
    Ok(policy::may_record_visits(caller.user.role) && super::setup(app).await?.enabled)
}

/// Records that the patient was seen about `thread` on `visited_on`
/// (`YYYY-MM-DD`, the clinic's calendar): clinicians and front desk who may
/// read the thread.
pub async fn record_visit(app: &App, caller: &Caller, thread: ThreadId, visited_on: &str) -> AppResult<RecordedVisit> {
    if !policy::may_record_visits(caller.user.role) {
        return Err(AppError::Forbidden("only clinicians and front desk record visits".to_owned()));
    }
    let found = authorize_thread(app, caller, thread, ThreadAction::Read).await?;
    let now = Utc::now();
    let visit = RecordedVisit {
        thread,
        patient: found.patient_id,
        visited_at: visit_time(&app.clinic.get(&*app.store).await.hours, visited_on, now)?,
        source: VisitSource::Recorded,
        recorded_by: Some(caller.user.id),
        recorded_at: now,
    };
    let audit = caller.audit(AuditAction::BillingChange).patient(found.patient_id).detail("visit recorded");
    app.store.record_visit(&visit, &audit).await?;
    Ok(visit)
}

/// What an import did: visits recorded, and each line refused with why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitImport {
    pub imported: usize,
    pub refused: Vec<(usize, String)>,
}

/// Imports visits from the practice's schedule as CSV (`thread_id,visited_on`,
/// a header line first) from the command line. Each good line is recorded
/// (and audited) as it is read; a bad one is reported by its line number and
/// left out. Importing a file again records nothing twice.
pub async fn import_visits(app: &App, csv: &str) -> AppResult<VisitImport> {
    let now = Utc::now();
    let clinic = app.clinic.get(&*app.store).await;
    let mut out = VisitImport::default();
    // A spreadsheet may save a byte-order mark before the header.
    let mut lines = csv.trim_start_matches('\u{feff}').lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.trim().replace(' ', "") == "thread_id,visited_on" => {}
        _ => return Err(AppError::invalid("file", "the first line must be the header thread_id,visited_on")),
    }
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let number = i + 1;
        let mut fields = line.split(',').map(str::trim);
        let (Some(thread), Some(day), None) = (fields.next(), fields.next(), fields.next()) else {
            out.refused.push((number, "expected two fields: thread_id,visited_on".to_owned()));
            continue;
        };
        let Ok(thread) = thread.parse::<ThreadId>() else {
            out.refused.push((number, "no such conversation".to_owned()));
            continue;
        };
        let Some((found, _)) = app.store.thread_facts(crate::threads::nobody(), thread, now).await? else {
            out.refused.push((number, "no such conversation".to_owned()));
            continue;
        };
        let visited_at = match visit_time(&clinic.hours, day, now) {
            Ok(at) => at,
            Err(AppError::Invalid { reason, .. }) => {
                out.refused.push((number, format!("visited_on {reason}")));
                continue;
            }
            Err(e) => return Err(e),
        };
        let visit = RecordedVisit {
            thread,
            patient: found.patient_id,
            visited_at,
            source: VisitSource::Imported,
            recorded_by: None,
            recorded_at: now,
        };
        let audit = AuditEvent::new(AuditAction::BillingChange, None, now)
            .patient(found.patient_id)
            .detail("visit imported from the command line");
        app.store.record_visit(&visit, &audit).await?;
        out.imported += 1;
    }
    Ok(out)
}
