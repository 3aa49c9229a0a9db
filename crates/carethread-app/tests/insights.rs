//! The clinic's insights at the application layer: only administrators read
//! them, a bad range or filter is refused with the field at fault, and what
//! a patient writes is counted (the figures themselves are checked against
//! a hand count in the store's tests), on SQLite and PostgreSQL.

mod support;

use carethread_app::AppError;
use carethread_app::insights::{self, InsightsFilter};
use carethread_app::threads::{self, StartThread};
use chrono::{TimeDelta, Utc};

#[tokio::test]
async fn only_administrators_read_the_insights() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        for caller in [&c.alice, &c.carol, &c.nurse, &c.doctor, &c.outsider] {
            let refused = insights::volume(&c.app, caller, InsightsFilter::default()).await;
            assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}: {:?}", caller.user.role);
            let refused = insights::response(&c.app, caller, InsightsFilter::default()).await;
            assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}");
            let refused = insights::workload(&c.app, caller, InsightsFilter::default()).await;
            assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}");
            let refused = insights::safety(&c.app, caller, InsightsFilter::default()).await;
            assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}");
        }
        assert!(insights::volume(&c.app, &c.admin, InsightsFilter::default()).await.is_ok(), "{backend}");
    }
}

#[tokio::test]
async fn a_bad_range_or_pool_names_the_field_at_fault() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let today = Utc::now().date_naive();
        let cases = [
            (InsightsFilter { from: Some(today), to: Some(today - TimeDelta::days(1)), ..Default::default() }, "from"),
            (InsightsFilter { from: Some(today - TimeDelta::days(400)), to: Some(today), ..Default::default() }, "to"),
            (InsightsFilter { pool: Some("no-such-pool".into()), ..Default::default() }, "pool"),
        ];
        for (filter, field) in cases {
            let refused = insights::volume(&c.app, &c.admin, filter).await;
            assert!(
                matches!(&refused, Err(AppError::Invalid { field: f, .. }) if f == field),
                "{backend}: {refused:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_patients_message_is_counted_on_its_day_and_as_after_hours_when_the_clinic_is_closed() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let asked = StartThread {
            patient: None,
            subject: "Refill".to_owned(),
            body: "Could I have a refill of my inhaler?".to_owned(),
            category: None,
            confidential: false,
            idempotency: None,
        };
        threads::start_thread(&c.app, &c.alice, asked).await.expect("start");
        let clinic = c.app.clinic.get(&*c.app.store).await;
        let closed = !clinic.hours.is_open(Utc::now());
        let today = Utc::now().with_timezone(&clinic.hours.timezone()).date_naive();

        let volume = insights::volume(&c.app, &c.admin, InsightsFilter::default()).await.expect("volume");
        assert_eq!((volume.total, volume.threads_started, volume.patients), (1, 1, 2), "{backend}");
        assert_eq!(volume.days.len(), 28, "{backend}: the last four weeks");
        assert_eq!(volume.days.last(), Some(&(today, 1, i64::from(closed))), "{backend}");
        assert_eq!(volume.after_hours_share(), Some(if closed { 1.0 } else { 0.0 }), "{backend}");
        let month = volume.months.last().expect("this month");
        assert_eq!((month.1, month.2), (1, Some(50.0)), "{backend}: one message from two patients");

        let response = insights::response(&c.app, &c.admin, InsightsFilter::default()).await.expect("response");
        assert_eq!((response.threads, response.overdue), (1, 0), "{backend}: just written, not yet due");
        let workload = insights::workload(&c.app, &c.admin, InsightsFilter::default()).await.expect("workload");
        assert!(workload.workload.staff.is_empty(), "{backend}: nobody has replied");
    }
}

#[test]
fn the_clinics_clock_changes_offset_at_the_daylight_saving_change() {
    let hours = carethread_core::profile::ClinicProfile::default().validate().expect("Chicago");
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc);
    let start = at("2026-03-01T00:00:00Z");
    let offsets = insights::offsets(&hours.timezone(), start, at("2026-03-15T00:00:00Z"));
    assert_eq!(offsets, [(start, -6 * 3600), (at("2026-03-08T08:00:00Z"), -5 * 3600)]);
}
