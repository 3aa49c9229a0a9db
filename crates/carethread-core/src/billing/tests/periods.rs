//! Which activity falls in which 7-day period, across daylight-saving
//! changes, and how overlapping activity is counted.

use super::*;

fn minutes_per_period(case: &Case) -> Vec<(DateTime<Utc>, u32)> {
    case.measures().iter().map(|m| (m.period.start(), m.minutes())).collect()
}

/// The patient writes again on the thread at `at`.
fn patient_writes(case: &mut Case, n: u128, at: DateTime<Utc>) {
    case.threads[0].messages.push(message(n, at, PATIENT, Role::Patient));
}

#[test]
fn the_period_opens_at_the_first_review_not_at_the_message() {
    let case = Case::doctor_minutes(6);
    assert_eq!(minutes_per_period(&case), [(review(), 6)]);
}

#[test]
fn work_ending_six_days_23_59_after_the_first_review_counts_in_the_same_period() {
    let mut case = Case::doctor_minutes(3);
    let last_minutes = review() + TimeDelta::days(6) + TimeDelta::minutes(23 * 60 + 56);
    case.pings.extend(work(DOCTOR, THREAD, last_minutes, 3));
    assert_eq!(minutes_per_period(&case), [(review(), 6)]);
    assert_eq!(case.decision().code(), Some(EVisitCode::Cpt99421));
}

#[test]
fn a_new_message_reviewed_seven_days_after_the_first_review_opens_a_new_period() {
    let mut case = Case::doctor_minutes(6);
    let week_later = review() + TimeDelta::days(7);
    patient_writes(&mut case, 9, week_later - TimeDelta::hours(2));
    case.pings.extend(work(DOCTOR, THREAD, week_later, 7));
    assert_eq!(minutes_per_period(&case), [(review(), 6), (week_later, 7)]);
    let decisions = case.decisions();
    let BillingDecision::Billable { messages, .. } = &decisions[1].1 else { panic!("second period bills") };
    assert_eq!(messages, &[message_id(9)], "the new message belongs to the period that reviewed it");
}

#[test]
fn a_message_reviewed_inside_an_open_period_joins_it() {
    let mut case = Case::doctor_minutes(3);
    let day_six = review() + TimeDelta::days(6);
    patient_writes(&mut case, 9, day_six);
    case.pings.extend(work(DOCTOR, THREAD, day_six + TimeDelta::hours(1), 3));
    assert_eq!(minutes_per_period(&case), [(review(), 6)]);
}

#[test]
fn returning_to_a_thread_with_nothing_new_from_the_patient_is_not_counted() {
    let mut case = Case::doctor_minutes(6);
    case.pings.extend(work(DOCTOR, THREAD, review() + TimeDelta::days(8), 20));
    assert_eq!(minutes_per_period(&case), [(review(), 6)]);
}

#[test]
fn a_message_arriving_while_the_thread_is_open_is_reviewed_on_arrival() {
    let mut case = Case::doctor_minutes(0);
    let opened = review() + TimeDelta::days(9);
    case.pings.extend(work(DOCTOR, THREAD, opened, 10));
    patient_writes(&mut case, 9, opened + TimeDelta::minutes(4));
    let periods = minutes_per_period(&case);
    assert_eq!(periods[1], (opened + TimeDelta::minutes(4), 6), "only the time after the message counts");
}

#[test]
fn a_proxys_message_opens_a_period_like_the_patients() {
    let mut case = Case::doctor_minutes(6);
    case.threads[0].started_by = Role::Proxy;
    case.threads[0].messages[0].author = user(PROXY);
    case.threads[0].messages[0].author_role = Role::Proxy;
    assert_eq!(case.decision().code(), Some(EVisitCode::Cpt99421));
}

#[test]
fn across_the_spring_change_the_period_ends_at_the_same_wall_clock_time() {
    // First review Sunday 2026-03-01 10:00 CST; clocks go forward on the 8th.
    let first = utc("2026-03-01T10:00:00-06:00");
    let mut case = Case::doctor_minutes(0);
    case.threads[0].messages[0].sent_at = first - TimeDelta::hours(1);
    case.pings = work(DOCTOR, THREAD, first, 3);
    // 09:50 CDT on the 8th: still the first period.
    case.pings.extend(work(DOCTOR, THREAD, utc("2026-03-08T09:50:00-05:00"), 3));
    // 10:30 CDT on the 8th (15:30 UTC, under 168 hours after the start) is a new
    // period, for a message written after the first period ended.
    patient_writes(&mut case, 9, utc("2026-03-08T10:05:00-05:00"));
    let second = utc("2026-03-08T10:30:00-05:00");
    case.pings.extend(work(DOCTOR, THREAD, second, 5));
    assert!(second - first < TimeDelta::hours(168));
    assert_eq!(minutes_per_period(&case), [(first, 6), (second, 5)]);
    assert_eq!(case.measures()[0].period.end(), utc("2026-03-08T10:00:00-05:00"));
}

#[test]
fn across_the_autumn_change_the_period_ends_at_the_same_wall_clock_time() {
    // First review Saturday 2026-10-31 10:00 CDT; clocks go back on 1 November.
    let first = utc("2026-10-31T10:00:00-05:00");
    let mut case = Case::doctor_minutes(0);
    case.threads[0].messages[0].sent_at = first - TimeDelta::hours(1);
    case.pings = work(DOCTOR, THREAD, first, 3);
    // 09:30 CST on 7 November is more than 168 hours later, yet inside.
    let late = utc("2026-11-07T09:30:00-06:00");
    assert!(late - first > TimeDelta::hours(168));
    patient_writes(&mut case, 9, late - TimeDelta::hours(1));
    case.pings.extend(work(DOCTOR, THREAD, late, 4));
    assert_eq!(minutes_per_period(&case), [(first, 7)]);
}

#[test]
fn two_tabs_on_the_same_thread_count_once() {
    let mut case = Case::doctor_minutes(10);
    let second_tab: Vec<_> = work(DOCTOR, THREAD, review(), 10)
        .into_iter()
        .map(|p| ActivityPing { at: p.at + TimeDelta::seconds(7), ..p })
        .collect();
    case.pings.extend(second_tab);
    assert_eq!(minutes_per_period(&case)[0].1, 10);
}

#[test]
fn two_of_the_patients_threads_open_side_by_side_count_once() {
    let mut case = Case::doctor_minutes(10);
    case.threads.push(patient_thread(OTHER_THREAD));
    case.pings.extend(work(DOCTOR, OTHER_THREAD, review() + TimeDelta::minutes(2), 10));
    let m = case.measures().remove(0);
    assert_eq!(m.active(), TimeDelta::minutes(12), "10:00 to 10:12, once");
    let by_thread: Vec<_> = m.threads.iter().map(|t| (t.thread, t.active.num_minutes())).collect();
    assert_eq!(by_thread, [(thread_id(THREAD), 2), (thread_id(OTHER_THREAD), 10)]);
}

#[test]
fn time_on_another_patients_thread_in_a_second_tab_is_not_this_patients() {
    let mut case = Case::doctor_minutes(10);
    let elsewhere = ActivityInterval::new(
        user(DOCTOR),
        thread_id(999),
        review() + TimeDelta::minutes(4),
        review() + TimeDelta::minutes(10),
    )
    .expect("valid");
    let mut activity = intervals_from_pings(&case.pings, case.settings.idle_cutoff);
    activity.push(elsewhere);
    let measured = measure(&case.settings, &case.threads, &activity).expect("measurable");
    assert_eq!(measured[0].minutes(), 4);
    case.threads.push(patient_thread(THREAD));
    let twice = measure(&case.settings, &case.threads, &activity);
    assert_eq!(twice.map_err(|e| e.field()), Err("threads"));
}
