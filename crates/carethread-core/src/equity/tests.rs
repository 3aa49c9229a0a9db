//! The monitor's figures against counts worked out by hand.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone as _, Utc};

use super::*;

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).single().expect("time")
}

fn id(n: u32) -> UserId {
    format!("00000000-0000-7000-8000-{n:012x}").parse().expect("id")
}

fn language(code: &str) -> HashMap<Dimension, GroupValue> {
    HashMap::from([(Dimension::new("language"), GroupValue::parse(code).expect("value"))])
}

/// Ten Spanish speakers (1–10) and ten English speakers (11–20). Billing is
/// turned on at noon on 2 March 2026; the range runs from noon on 1 January
/// to noon on 1 May, so both windows are 60 days (1.971 months).
///
/// Before: each group sends 20 messages. After: the Spanish speakers 10, the
/// English speakers 20. The Spanish speakers start 5 conversations before
/// (all answered) and 10 after (2 unanswered), have 2 claims after, and 3 of
/// them declined billing.
fn clinic() -> (EquityFacts, EquityRange) {
    let mut patients = Vec::new();
    for n in 1..=20 {
        patients.push(EquityPatient {
            id: id(n),
            joined: at(2025, 6, 1),
            groups: language(if n <= 10 { "es" } else { "en" }),
        });
    }
    let mut messages = Vec::new();
    for i in 0..20 {
        messages.push((id(1 + i % 10), at(2026, 1, 10) + TimeDelta::hours(i64::from(i))));
        messages.push((id(11 + i % 10), at(2026, 2, 10) + TimeDelta::hours(i64::from(i))));
        messages.push((id(11 + i % 10), at(2026, 4, 10) + TimeDelta::hours(i64::from(i))));
    }
    for i in 0..10 {
        messages.push((id(1 + i), at(2026, 3, 20)));
    }
    let mut threads = Vec::new();
    for i in 0..5 {
        threads.push(EquityThread { patient: id(1 + i), started: at(2026, 1, 20), answered: true });
    }
    for i in 0..10 {
        threads.push(EquityThread { patient: id(1 + i), started: at(2026, 3, 20), answered: i >= 2 });
    }
    // Too young to count either way.
    threads.push(EquityThread { patient: id(1), started: at(2026, 4, 30), answered: false });
    let claims = vec![(id(1), at(2026, 3, 21)), (id(2), at(2026, 3, 22)), (id(3), at(2026, 2, 1))];
    let declined: HashSet<UserId> = [id(4), id(5), id(6)].into();
    let range = EquityRange {
        from: at(2026, 1, 1),
        to: at(2026, 5, 1),
        billing_on: Some(at(2026, 3, 2)),
        margin_points: DEFAULT_MARGIN_POINTS,
        timezone: chrono_tz::America::New_York,
    };
    (EquityFacts { patients, messages, threads, claims, declined }, range)
}

fn group<'a>(report: &'a EquityReport, dimension: &str, value: &str) -> &'a GroupFigures {
    let d = report.dimensions.iter().find(|d| d.dimension.as_str() == dimension).expect("dimension");
    d.groups.iter().find(|g| g.value.as_str() == value).expect("group")
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn rates_shares_and_the_flag_match_the_hand_count() {
    let (facts, range) = clinic();
    let report = report(&facts, range);
    let months = 60.0 / MONTH_DAYS;
    let es = group(&report, "language", "es");
    assert_eq!(es.patients, 10);
    assert!(close(es.before_per_100, 20.0 * 100.0 / 10.0 / months), "{es:?}");
    assert!(close(es.after_per_100, 10.0 * 100.0 / 10.0 / months), "{es:?}");
    assert!(close(es.change_percent, -50.0) && close(es.others_change_percent, 0.0), "{es:?}");
    assert!(close(es.billed_share, 0.2), "2 claims over 10 conversations (the one before billing is not counted)");
    assert!(close(es.declined_share, 0.3));
    assert!(close(es.unanswered_before, 0.0) && close(es.unanswered_after, 0.2), "{es:?}");
    assert!(es.comparable && es.flagged, "fell 50% against the others' 0%");

    let en = group(&report, "language", "en");
    assert!(close(en.change_percent, 0.0) && close(en.others_change_percent, -50.0), "{en:?}");
    assert!(!en.flagged && en.billed_share.is_none() && close(en.declined_share, 0.0), "{en:?}");
    assert_eq!(report.flagged().len(), 1);
    assert_eq!(report.before_from, Some(at(2026, 1, 1)));
}

#[test]
fn the_margin_decides_and_built_in_dimensions_are_always_listed() {
    let (facts, mut range) = clinic();
    range.margin_points = 60.0;
    let report = report(&facts, range);
    assert!(report.flagged().is_empty(), "a 50-point fall is within a 60-point margin");
    let names: Vec<&str> = report.dimensions.iter().map(|d| d.dimension.as_str()).collect();
    assert_eq!(names, BUILT_IN, "built-in dimensions in order, even with nothing recorded");
    let not_given = group(&report, "payer", NOT_GIVEN);
    assert_eq!((not_given.patients, not_given.comparable, not_given.flagged), (20, false, false));
}

#[test]
fn small_groups_are_shown_but_not_compared() {
    let (mut facts, range) = clinic();
    facts.patients.truncate(15);
    let report = report(&facts, range);
    let en = group(&report, "language", "en");
    assert_eq!((en.patients, en.comparable, en.flagged), (5, false, false));
    assert!(group(&report, "language", "es").flagged, "ten patients are enough");
}

#[test]
fn without_billing_there_is_no_before_and_nothing_is_flagged() {
    let (facts, mut range) = clinic();
    range.billing_on = None;
    let report = report(&facts, range);
    let es = group(&report, "language", "es");
    assert_eq!((es.before_per_100, es.change_percent, es.billed_share, es.flagged), (None, None, None, false));
    assert!(close(es.after_per_100, 30.0 * 100.0 / 10.0 / (120.0 / MONTH_DAYS)), "the whole range: {es:?}");
    assert_eq!(report.before_from, None);
}

#[test]
fn months_follow_the_clinics_calendar_and_partial_months_are_rates() {
    let (facts, range) = clinic();
    let report = report(&facts, range);
    let firsts: Vec<String> = report.months.iter().map(ToString::to_string).collect();
    assert_eq!(firsts, ["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01"]);
    let es = group(&report, "language", "es");
    // January from noon UTC on the 1st (07:00 in New York) to midnight New
    // York time on 1 February: 31 days less 7 hours.
    let january = (31.0 - 7.0 / 24.0) / MONTH_DAYS;
    assert!(close(es.monthly[0], 20.0 * 100.0 / 10.0 / january), "{:?}", es.monthly);
    assert!(close(es.monthly[1], 0.0));
}

#[test]
fn a_patient_counts_only_from_when_she_joined() {
    let (mut facts, range) = clinic();
    // Five English speakers joined a month after billing began and wrote nothing.
    for n in 21..=25 {
        facts.patients.push(EquityPatient { id: id(n), joined: at(2026, 4, 1), groups: language("en") });
    }
    let report = report(&facts, range);
    let en = group(&report, "language", "en");
    let months = |days: f64| days / MONTH_DAYS;
    assert_eq!(en.patients, 15);
    assert!(close(en.before_per_100, 20.0 * 100.0 / (10.0 * months(60.0))), "they were not patients yet: {en:?}");
    assert!(close(en.after_per_100, 20.0 * 100.0 / (10.0 * months(60.0) + 5.0 * months(30.0))), "{en:?}");
    let es = group(&report, "language", "es");
    assert!(
        close(es.others_change_percent, en.change_percent.expect("a change")),
        "the others are the English speakers"
    );
}

#[test]
fn billing_on_before_the_range_makes_it_all_after_with_claims_counted() {
    let (facts, mut range) = clinic();
    range.billing_on = Some(at(2025, 12, 1));
    let report = report(&facts, range);
    let es = group(&report, "language", "es");
    assert_eq!((es.before_per_100, es.change_percent, es.flagged), (None, None, false));
    assert!(close(es.billed_share, 3.0 / 15.0), "every claim over every conversation: {es:?}");
    assert_eq!(report.before_from, None);
}

#[test]
fn age_bands_turn_over_on_birthdays() {
    let born = NaiveDate::from_ymd_opt(1961, 6, 15).expect("date");
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).expect("date");
    assert_eq!(age_band(born, day(6, 14)).as_str(), "50-64");
    assert_eq!(age_band(born, day(6, 15)).as_str(), "65+");
    let teen = NaiveDate::from_ymd_opt(2010, 1, 1).expect("date");
    assert_eq!(age_band(teen, day(1, 1)).as_str(), "0-17");
}

#[test]
fn names_and_values_are_checked() {
    assert!(Dimension::parse("zip_region").is_ok());
    assert!(Dimension::parse("Zip Region").is_err() && Dimension::parse("").is_err());
    assert!(GroupValue::parse("  ").is_ok_and(|v| v.is_not_given()));
    assert!(GroupValue::parse(&"x".repeat(61)).is_err() && GroupValue::parse("a\nb").is_err());
}
