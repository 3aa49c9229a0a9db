//! The demo clinic's year of history, as `carethread demo` seeds it: every
//! month of the last twelve has patient messages in the clinic's insights,
//! every chart has figures to draw, the equity monitor shows the group
//! that wrote less once billing began, and the audit log the history
//! leaves verifies from end to end.

use std::collections::BTreeMap;

use carethread_app::insights::{self, InsightsFilter};
use carethread_app::{App, Caller};
use carethread_core::clinic::ClinicSettings;
use carethread_core::thread::Urgency;
use carethread_store::{Band, Direction, MasterKey};
use chrono::{Datelike as _, NaiveDate, TimeDelta, Utc};

#[tokio::test]
async fn the_demo_clinics_year_has_patient_messages_every_month_and_an_unbroken_audit_log() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let store = carethread_store::open(&url, MasterKey::generate()).await.expect("open store");
    let clinic = carethread::demo::seed(&store, "demo", true).await.expect("seed the demo clinic");
    let app = App::new(store.clone(), ClinicSettings::default());
    let admin = Caller { user: clinic.user("admin").expect("admin").clone(), client: None };

    // The last twelve months on the clinic's calendar (Chicago, the demo's).
    let profile = store.clinic_profile().await.expect("profile").unwrap_or_default();
    let tz = profile.validate().expect("hours").timezone();
    let today = Utc::now().with_timezone(&tz).date_naive();
    let filter =
        InsightsFilter { from: Some(today - TimeDelta::days(365)), to: Some(today), ..InsightsFilter::default() };

    let volume = insights::volume(&app, &admin, filter.clone()).await.expect("volume");
    let mut months: BTreeMap<NaiveDate, (i64, i64)> = BTreeMap::new();
    for (day, messages, _) in &volume.days {
        let month = day.with_day(1).expect("first of the month");
        let entry = months.entry(month).or_default();
        entry.0 += 1;
        entry.1 += messages;
    }
    // Every month with at least a week in the range (all but perhaps the
    // first and the current one) has patients writing.
    let full: Vec<_> = months.iter().filter(|(_, (days, _))| *days >= 7).collect();
    assert!(full.len() >= 12, "twelve months in the range: {months:?}");
    for (month, (_, messages)) in &full {
        assert!(*messages > 0, "no patient messages in {month}: {months:?}");
    }
    assert!(volume.months.iter().filter(|(_, n, per_100)| *n > 0 && per_100.is_some()).count() >= 12);
    assert!(volume.total >= 1_000, "{} patient messages", volume.total);
    assert!(
        volume.after_hours > 0 && volume.after_hours < volume.total / 2,
        "{} of {} after hours",
        volume.after_hours,
        volume.total
    );
    assert!(volume.patients >= 60, "{} patients", volume.patients);
    assert!(volume.no_reply_recorded > 0, "some threads recorded as needing no reply");
    let by_urgency = |u: Urgency| volume.by_urgency.iter().find(|(x, _)| *x == u).map_or(0, |(_, n)| *n);
    assert!(by_urgency(Urgency::Routine) > 10 * by_urgency(Urgency::Urgent).max(1) / 2, "{:?}", volume.by_urgency);
    assert!(by_urgency(Urgency::Emergency) > 0, "{:?}", volume.by_urgency);
    assert!(volume.weeks.iter().filter(|(_, n)| *n > 0).count() >= 50, "patients write nearly every week");

    let response = insights::response(&app, &admin, filter.clone()).await.expect("response");
    let band = |b: Band| {
        response.reply.iter().flat_map(|(_, bands)| bands).filter(|(x, _)| *x == b).map(|(_, n)| n).sum::<i64>()
    };
    let within = band(Band::Quarter) + band(Band::Half) + band(Band::Target);
    let late = band(Band::Double) + band(Band::Beyond);
    assert!(late > 0 && within > 4 * late, "mostly within the targets, some late: {:?}", response.reply);
    assert!(response.close.iter().any(|(_, n)| *n > 0), "threads are closed");

    let workload = insights::workload(&app, &admin, filter.clone()).await.expect("workload");
    for name in ["Nurse Daniel Kim", "Dr. Grace Lee", "Priya Patel, PharmD"] {
        let person = workload.workload.staff.iter().find(|s| s.name == name);
        assert!(person.is_some_and(|p| p.replies > 0), "{name} answers: {:?}", workload.workload.staff);
    }
    assert!(workload.workload.pools.iter().any(|p| p.moved_in > 0), "threads are forwarded between pools");
    assert!(workload.workload.staff.iter().any(|p| p.moved_in > 0), "threads are claimed and forwarded to people");

    let safety = insights::safety(&app, &admin, filter).await.expect("safety");
    assert!(safety.emergencies.iter().any(|(_, n)| *n > 0), "emergencies were opened: {:?}", safety.emergencies);
    assert!(safety.overrides_toward(Direction::Raised) + safety.overrides_toward(Direction::Lowered) > 0);

    // Billing began mid-year, after which the Spanish speakers wrote less:
    // the equity monitor flags them, and no other language.
    let equity = carethread_app::equity::report(&app, &admin, carethread_app::equity::EquityQuery::default())
        .await
        .expect("equity");
    let on = equity.range.billing_on.expect("billing was turned on");
    assert!((160..=200).contains(&(Utc::now() - on).num_days()), "mid-year: {on}");
    let flagged: Vec<(String, String)> =
        equity.flagged().iter().map(|(d, g)| (d.as_str().to_owned(), g.value.as_str().to_owned())).collect();
    assert!(flagged.contains(&("language".to_owned(), "es".to_owned())), "{flagged:?}");
    assert!(!flagged.iter().any(|(d, g)| d == "language" && g == "en"), "{flagged:?}");
    let payers = equity.dimensions.iter().find(|d| d.dimension.as_str() == "payer").expect("payer");
    assert!(payers.groups.iter().filter(|g| g.comparable).count() >= 2, "{:?}", payers.groups);

    let audit = store.verify_audit().await.expect("verify the audit log");
    assert_eq!(audit.broken, None, "the audit log verifies");
    assert!(audit.verified > 5_000, "{} audit entries", audit.verified);
}
