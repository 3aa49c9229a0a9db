//! A request's range and filters, checked and turned into the store's
//! query: the clinic's days as UTC instants, its clock (the offsets in force
//! across the range, its open days and hours), the reply targets, the
//! member of staff and the group of patients.

use carethread_core::audit::AuditAction;
use carethread_core::equity::{AGE_BANDS, Dimension, GroupValue, MIN_GROUP_PATIENTS};
use carethread_core::ids::UserId;
use carethread_core::user::Language;
use carethread_store::{InsightsQuery, LocalClock, PatientGroup, Targets};
use chrono::{DateTime, NaiveDate, NaiveTime, Offset, TimeDelta, TimeZone, Timelike, Utc};

use super::{Applied, DEFAULT_DAYS, InsightsFilter, MAX_DAYS, refuse};
use crate::{App, AppError, AppResult, Caller};

/// The first instant of `date` on the clinic's clock.
fn midnight<Z: TimeZone>(tz: &Z, date: NaiveDate) -> DateTime<Utc> {
    let naive = date.and_time(NaiveTime::MIN);
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(naive + TimeDelta::hours(1))).earliest())
        .map_or_else(|| naive.and_utc(), |d| d.with_timezone(&Utc))
}

fn offset_at<Z: TimeZone>(tz: &Z, t: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc()
}

/// The offsets in force from `start` to `end`: checked hourly, and each
/// change found to the second.
#[must_use]
pub fn offsets<Z: TimeZone>(tz: &Z, start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<(DateTime<Utc>, i32)> {
    let mut out = vec![(start, offset_at(tz, start))];
    let mut t = start;
    while t < end {
        let next = t + TimeDelta::hours(1);
        let current = out.last().map_or(0, |o| o.1);
        if offset_at(tz, next) != current {
            let (mut lo, mut hi) = (t, next);
            while hi - lo > TimeDelta::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if offset_at(tz, mid) == current { lo = mid } else { hi = mid }
            }
            out.push((hi, offset_at(tz, hi)));
        }
        t = next;
    }
    out
}

/// Checks the request and makes the store's query.
pub(super) async fn query(app: &App, caller: &Caller, filter: InsightsFilter) -> AppResult<(InsightsQuery, Applied)> {
    refuse(caller)?;
    let clinic = app.clinic.get(&*app.store).await;
    let tz = clinic.hours.timezone();
    let now = Utc::now();
    let today = now.with_timezone(&tz).date_naive();
    let to = filter.to.unwrap_or(today);
    let from = filter.from.unwrap_or(to - TimeDelta::days(DEFAULT_DAYS - 1));
    if from > to {
        return Err(AppError::invalid("from", "must be on or before the end of the range"));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(AppError::invalid("to", "the range may be at most 366 days"));
    }
    let pool = match filter.pool.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(slug) => {
            carethread_core::text::single_line("pool", slug)?;
            Some(app.store.pool_by_slug(slug).await?.ok_or_else(|| AppError::invalid("pool", "names no pool"))?)
        }
    };
    let profile = &clinic.profile;
    let (start, end) = (midnight(&tz, from), midnight(&tz, to + TimeDelta::days(1)));
    let mut open_days = [false; 7];
    for &d in &profile.open_days {
        if let Some(slot) = open_days.get_mut(usize::from(d).wrapping_sub(1)) {
            *slot = true;
        }
    }
    let time = |raw: &str| {
        NaiveTime::parse_from_str(raw.trim(), "%H:%M").map(|t| i64::from(t.num_seconds_from_midnight()) * 1000)
    };
    let (Ok(opens_ms), Ok(closes_ms)) = (time(&profile.opens_at), time(&profile.closes_at)) else {
        return Err(AppError::invalid("clinic", "the clinic's hours cannot be read"));
    };
    let day = closes_ms - opens_ms;
    let clock = LocalClock {
        offsets: offsets(&tz, start - TimeDelta::days(1), end.max(now) + TimeDelta::days(1)),
        open_days,
        opens_ms,
        closes_ms,
    };
    let targets = Targets {
        routine_ms: day * i64::from(profile.routine_reply_days),
        urgent_ms: i64::from(profile.urgent_reply_hours) * 3_600_000,
        emergency_ms: i64::from(profile.emergency_reply_minutes) * 60_000,
    };
    let clinician = member_of_staff(app, filter.clinician.as_deref()).await?;
    let group = filter.group.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let patients = group.map(|g| patient_group(g, today)).transpose()?;
    let recorded = matches!(patients, Some(PatientGroup::Recorded { .. } | PatientGroup::NotRecorded { .. }));
    if recorded && !carethread_core::policy::may_view_equity(caller.user.role) {
        return Err(AppError::Forbidden(
            "only administrators narrow the figures by the groups patients gave (payer, sex, race, ethnicity, …)"
                .into(),
        ));
    }
    let applied = Applied {
        from,
        to,
        pool: pool.as_ref().map(|p| p.slug.clone()),
        category: filter.category,
        urgency: filter.urgency,
        clinician,
        group: group.map(str::to_owned),
    };
    let query = InsightsQuery {
        from: start,
        to: end,
        pool: pool.map(|p| p.id),
        category: filter.category,
        urgency: filter.urgency,
        clinician,
        patients,
        clock,
        targets,
        now,
    };
    if let Some(named) = &applied.group {
        // Figures about a handful of patients could point at one of them.
        let members = app.store.insight_patients(&query).await?;
        if usize::try_from(members).unwrap_or(0) < MIN_GROUP_PATIENTS {
            return Err(AppError::invalid(
                "group",
                format!("holds fewer than {MIN_GROUP_PATIENTS} patients: too few to show without pointing at someone"),
            ));
        }
        if recorded {
            let audit = caller.audit(AuditAction::EquityRead).detail(format!("insights of the group {named}"));
            app.store.record_audit(vec![audit]).await?;
        }
    }
    Ok((query, applied))
}

/// The member of staff a `clinician` filter names, by id.
async fn member_of_staff(app: &App, raw: Option<&str>) -> AppResult<Option<UserId>> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let id: UserId = raw.parse().map_err(|_| AppError::invalid("clinician", "must be a member of staff's id"))?;
    match app.store.user(id).await? {
        Some(user) if user.role.is_staff() => Ok(Some(id)),
        _ => Err(AppError::invalid("clinician", "names no member of staff")),
    }
}

/// A group of patients named `dimension:value`, on the clinic's day `today`
/// (age bands are counted on it).
fn patient_group(raw: &str, today: NaiveDate) -> AppResult<PatientGroup> {
    let bad = || AppError::invalid("group", "must name a group as dimension:value, e.g. language:es");
    let (dimension, value) = raw.split_once(':').ok_or_else(bad)?;
    let dimension = Dimension::parse(dimension).map_err(|_| bad())?;
    let value = GroupValue::parse(value).map_err(|_| bad())?;
    Ok(match dimension.as_str() {
        "language" => PatientGroup::Language(
            Language::parse(value.as_str())
                .map_err(|_| AppError::invalid("group", "names a language CareThread does not keep"))?
                .as_str()
                .to_owned(),
        ),
        "age_band" if value.is_not_given() => PatientGroup::BornUnknown,
        "age_band" => {
            let at = AGE_BANDS
                .iter()
                .position(|(_, name)| *name == value.as_str())
                .ok_or_else(|| AppError::invalid("group", "names no age band"))?;
            let years_ago = |years: u32| today.checked_sub_months(chrono::Months::new(years * 12));
            PatientGroup::Born {
                after: AGE_BANDS.get(at + 1).and_then(|(next, _)| years_ago(*next)),
                on_or_before: years_ago(AGE_BANDS[at].0).unwrap_or(today),
            }
        }
        _ if value.is_not_given() => PatientGroup::NotRecorded { dimension: dimension.as_str().to_owned() },
        _ => PatientGroup::Recorded { dimension: dimension.as_str().to_owned(), value: value.as_str().to_owned() },
    })
}
