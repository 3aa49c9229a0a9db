//! The clinic's figures, each checked against a hand count over one week of
//! a small clinic (Chicago, open Monday to Friday 08:00–17:00; January, so
//! UTC−6 throughout), on SQLite and, when `CARETHREAD_TEST_POSTGRES` is set,
//! PostgreSQL. The week is written as rows with exact times, and the
//! status, pool and assignee changes as updates, as the store makes them.
//!
//! The week (local times), threads started by patients:
//! - A: Alice, routine clinical, nurses pool. Mon 10:00 she writes, 11:00
//!   assigned to the nurse, 14:00 the nurse replies (4 open hours of a
//!   two-day target: within a quarter), 15:00 an internal note, 18:00 Alice
//!   again (after hours); Tue 10:00 closed (within a day). Triage said
//!   urgent medication; the nurse lowered it to routine clinical.
//! - B: Bob, urgent medication, pharmacy pool, Sat 09:00 (after hours); no
//!   reply by Mon 12:30 (4½ open hours against 4: waiting, overdue).
//! - C: Carol for Alice, emergency clinical, Wed 20:00 (after hours). Triage
//!   said urgent; the nurse raised it. 20:30 the nurse opens it (half the
//!   hour's target), 20:40 takes it, 21:00 forwards it to the doctor in the
//!   pharmacy pool, 21:30 the doctor replies (90 minutes: within double).
//! - D: Alice, routine scheduling, no pool, Fri 16:00; the draft recorded no
//!   reply was needed; the doctor replies the next Monday 15:00 (8 open
//!   hours: within half), after the range ends.
//! - F: Bob, started Sunday before the range; the nurse replies Mon 09:00.

mod support;

use carethread_core::thread::{Category, Urgency};
use carethread_store::{
    Band, CloseBand, Direction, InsightsQuery, LocalClock, OverrideCell, ResponseCell, Store, Targets, VolumeCell,
};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

const HOUR: i64 = 3_600_000;

fn id(n: u64) -> String {
    format!("00000000-0000-7000-8000-{n:012x}")
}

/// A local time in the week (January 2026, UTC−6), as epoch milliseconds.
fn local(day: u32, hour: u32, minute: u32) -> i64 {
    let utc = Utc.with_ymd_and_hms(2026, 1, day, hour, minute, 0).single().expect("time");
    utc.timestamp_millis() + 6 * HOUR
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).expect("time")
}

const NURSE: u64 = 10;
const DOCTOR: u64 = 11;

fn people() -> Vec<String> {
    let mut sql = Vec::new();
    let users = [
        (1, "alice", "patient", false),
        (2, "bob", "patient", false),
        (3, "gone", "patient", true),
        (4, "carol", "proxy", false),
        (NURSE, "nurse", "nurse", false),
        (DOCTOR, "doctor", "physician", false),
        (12, "admin", "admin", false),
    ];
    for (n, name, role, disabled) in users {
        sql.push(format!(
            "INSERT INTO users (id, username, display_name, role, language, password_hash, disabled, created_at) \
             VALUES ('{}', '{name}', '{name}', '{role}', 'en', 'x', {disabled}, 0);\n",
            id(n)
        ));
    }
    sql.push(format!("INSERT INTO pools (id, slug, name) VALUES ('{}', 'nurses', 'Nurses');\n", id(20)));
    sql.push(format!("INSERT INTO pools (id, slug, name) VALUES ('{}', 'rx', 'Pharmacy');\n", id(21)));
    sql
}

fn conversations() -> Vec<String> {
    let mut sql = Vec::new();
    // (thread, patient, author, category, urgency, pool, created)
    let threads = [
        (30, 1, 1, "clinical", "routine", Some(20), local(5, 10, 0)),
        (31, 2, 2, "medication", "urgent", Some(21), local(10, 9, 0)),
        (32, 1, 4, "clinical", "emergency", Some(20), local(7, 20, 0)),
        (33, 1, 1, "scheduling", "routine", None, local(9, 16, 0)),
        (35, 2, 2, "other", "routine", Some(20), local(4, 12, 0)),
    ];
    for (t, patient, author, category, urgency, pool, created) in threads {
        let pool = pool.map_or("NULL".to_owned(), |p| format!("'{}'", id(p)));
        sql.push(format!(
            "INSERT INTO threads (id, patient_id, subject, category, urgency, urgency_rank, status, replies_allowed, \
             pool_id, confidential, created_by, created_at, updated_at, message_count) \
             VALUES ('{}', '{}', 's', '{category}', '{urgency}', 0, 'open', TRUE, {pool}, FALSE, '{}', {created}, \
             {created}, 0);\n",
            id(t),
            id(patient),
            id(author)
        ));
    }
    // (message, thread, author, internal, sent, seq)
    let messages = [
        (40, 30, 1, false, local(5, 10, 0), 1),
        (41, 30, NURSE, false, local(5, 14, 0), 2),
        (42, 30, NURSE, true, local(5, 15, 0), 3),
        (43, 30, 1, false, local(5, 18, 0), 4),
        (44, 31, 2, false, local(10, 9, 0), 1),
        (45, 32, 4, false, local(7, 20, 0), 1),
        (46, 32, DOCTOR, false, local(7, 21, 30), 2),
        (47, 33, 1, false, local(9, 16, 0), 1),
        (48, 33, DOCTOR, false, local(12, 15, 0), 2),
        (49, 35, 2, false, local(4, 12, 0), 1),
        (50, 35, NURSE, false, local(5, 9, 0), 2),
    ];
    for (m, t, author, internal, sent, seq) in messages {
        sql.push(format!(
            "INSERT INTO messages (id, thread_id, author_id, body, internal, sent_at, seq) \
             VALUES ('{}', '{}', '{}', 'b', {internal}, {sent}, {seq});\n",
            id(m),
            id(t),
            id(author)
        ));
    }
    // Reading levels of staff replies: the doctor's first reads above grade 8,
    // the nurse's do not (grade 8 itself is not above); 48 is after the range.
    // Activity pings from the staff thread page: the nurse works on thread
    // 30 four pings on Monday morning and two that evening (closed); the
    // doctor one on Wednesday night (closed), and one after the range.
    let pings = [
        (NURSE, 30, local(5, 10, 0)),
        (NURSE, 30, local(5, 10, 1)),
        (NURSE, 30, local(5, 10, 2)),
        (NURSE, 30, local(5, 10, 3)),
        (NURSE, 30, local(5, 20, 0)),
        (NURSE, 30, local(5, 20, 1)),
        (DOCTOR, 32, local(7, 21, 30)),
        (DOCTOR, 32, local(12, 13, 0)),
    ];
    for (who, t, at) in pings {
        sql.push(format!(
            "INSERT INTO billing_pings (clinician_id, thread_id, at, kind) VALUES ('{}', '{}', {at}, 'reading');\n",
            id(who),
            id(t)
        ));
    }
    // Alice read the nurse's reply 41 the next morning; nobody on the
    // patient's side read 46 or 50.
    sql.push(format!(
        "INSERT INTO message_reads (message_id, reader_id, read_at) VALUES ('{}', '{}', {});\n",
        id(41),
        id(1),
        local(6, 10, 0)
    ));
    for (m, grade) in [(41, 6.5), (46, 9.2), (48, 10.1), (50, 8.0)] {
        sql.push(format!("UPDATE messages SET reading_grade = {grade} WHERE id = '{}';\n", id(m)));
    }
    sql.push(format!(
        "INSERT INTO message_reads (message_id, reader_id, read_at) VALUES ('{}', '{}', {});\n",
        id(45),
        id(NURSE),
        local(7, 20, 30)
    ));
    sql
}

fn triage_and_changes() -> Vec<String> {
    let mut sql = Vec::new();
    // (result, thread, urgency, category, overridden by, at)
    let triage = [
        (60, 30, "urgent", "medication", None, local(5, 10, 0)),
        (61, 30, "routine", "clinical", Some(NURSE), local(5, 11, 0)),
        (62, 31, "urgent", "medication", None, local(10, 9, 0)),
        (63, 32, "urgent", "clinical", None, local(7, 20, 0)),
        (64, 32, "emergency", "clinical", Some(NURSE), local(7, 20, 35)),
    ];
    for (r, t, urgency, category, by, when) in triage {
        let by = by.map_or("NULL".to_owned(), |b| format!("'{}'", id(b)));
        sql.push(format!(
            "INSERT INTO triage_results (id, thread_id, urgency, category, confidence, reasons, model_id, \
             model_version, created_at, needs_review, overridden_by) \
             VALUES ('{}', '{}', '{urgency}', '{category}', 1.0, '[]', 'm', '1', {when}, FALSE, {by});\n",
            id(r),
            id(t)
        ));
    }
    sql.push(format!(
        "INSERT INTO drafts (id, thread_id, requested_by, model_id, model_version, reply_needed, reasons, created_at) \
         VALUES ('{}', '{}', '{}', 'm', '1', FALSE, '[]', {});\n",
        id(70),
        id(33),
        id(DOCTOR),
        local(9, 16, 30)
    ));
    let changes = [
        (30, format!("assignee_id = '{}'", id(NURSE)), local(5, 11, 0)),
        (30, "status = 'closed'".to_owned(), local(6, 10, 0)),
        (32, format!("assignee_id = '{}'", id(NURSE)), local(7, 20, 40)),
        (32, format!("assignee_id = '{}', pool_id = '{}'", id(DOCTOR), id(21)), local(7, 21, 0)),
    ];
    for (t, set, when) in changes {
        sql.push(format!("UPDATE threads SET {set}, updated_at = {when} WHERE id = '{}';\n", id(t)));
    }
    sql
}

fn seed() -> String {
    [people(), conversations(), triage_and_changes()].concat().concat()
}

fn query() -> InsightsQuery {
    let from = at(local(5, 0, 0));
    InsightsQuery {
        from,
        to: at(local(12, 0, 0)),
        pool: None,
        category: None,
        urgency: None,
        clock: LocalClock {
            offsets: vec![(from, -6 * 3600)],
            open_days: [true, true, true, true, true, false, false],
            opens_ms: 8 * HOUR,
            closes_ms: 17 * HOUR,
        },
        targets: Targets { routine_ms: 2 * 9 * HOUR, urgent_ms: 4 * HOUR, emergency_ms: HOUR },
        now: at(local(12, 12, 30)),
    }
}

fn day(d: u32) -> i64 {
    let date = NaiveDate::from_ymd_opt(2026, 1, d).expect("date");
    (date - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days()
}

async fn each_figure_matches_the_hand_count(store: &dyn Store) {
    let q = query();
    let volume = store.insight_volume(&q).await.expect("volume");
    let cell = |d, category, urgency, pool: Option<&str>, messages, after_hours| VolumeCell {
        day: day(d),
        category,
        urgency,
        pool: pool.map(str::to_owned),
        messages,
        after_hours,
    };
    assert_eq!(
        volume.cells,
        [
            cell(5, Category::Clinical, Urgency::Routine, Some("nurses"), 2, 1),
            cell(7, Category::Clinical, Urgency::Emergency, Some("rx"), 1, 1),
            cell(9, Category::Scheduling, Urgency::Routine, None, 1, 0),
            cell(10, Category::Medication, Urgency::Urgent, Some("rx"), 1, 1),
        ]
    );
    assert_eq!((volume.patients, volume.threads_started, volume.no_reply_recorded), (2, 4, 1));

    let mut response = store.insight_response(&q).await.expect("response");
    response.sort_by_key(|c| c.urgency.rank());
    let cell = |urgency, pool: Option<&str>, reply, close| ResponseCell {
        urgency,
        pool: pool.map(str::to_owned),
        reply,
        close,
        threads: 1,
    };
    let mut expected = vec![
        cell(Urgency::Routine, Some("nurses"), Band::Quarter, CloseBand::Day),
        cell(Urgency::Routine, None, Band::Half, CloseBand::Open),
        cell(Urgency::Urgent, Some("rx"), Band::WaitingOverdue, CloseBand::Open),
        cell(Urgency::Emergency, Some("rx"), Band::Double, CloseBand::Open),
    ];
    expected.sort_by_key(|c| c.urgency.rank());
    response.sort_by(|a, b| (a.urgency.rank(), &a.pool).cmp(&(b.urgency.rank(), &b.pool)));
    expected.sort_by(|a, b| (a.urgency.rank(), &a.pool).cmp(&(b.urgency.rank(), &b.pool)));
    assert_eq!(response, expected);

    let work = store.insight_workload(&q).await.expect("workload");
    let people: Vec<_> =
        work.staff.iter().map(|s| (s.name.as_str(), s.threads, s.replies, s.moved_in, s.moved_out)).collect();
    assert_eq!(people, [("nurse", 2, 2, 2, 1), ("doctor", 1, 1, 1, 0)]);
    let active: Vec<_> =
        work.staff.iter().map(|s| (s.name.as_str(), s.active_seconds, s.after_hours_seconds)).collect();
    assert_eq!(active, [("nurse", 6 * 15, 2 * 15), ("doctor", 15, 15)], "a ping stands for 15 seconds");
    let pools: Vec<_> =
        work.pools.iter().map(|p| (p.slug.as_str(), p.threads, p.replies, p.moved_in, p.moved_out)).collect();
    assert_eq!(pools, [("nurses", 2, 2, 0, 1), ("rx", 1, 1, 1, 0)]);

    let safety = store.insight_safety(&q).await.expect("safety");
    assert_eq!(safety.emergencies, [(Band::Half, 1)]);
    assert_eq!(
        safety.overrides,
        [
            OverrideCell { direction: Direction::Raised, category: Category::Clinical, overrides: 1 },
            OverrideCell { direction: Direction::Lowered, category: Category::Clinical, overrides: 1 },
        ]
    );

    let reading: Vec<_> = safety.reading.iter().map(|r| (r.name.as_str(), r.replies, r.above_grade_8)).collect();
    assert_eq!(reading, [("doctor", 1, 1), ("nurse", 2, 0)]);

    let unread = store.insight_unread(&q).await.expect("unread");
    let unread: Vec<_> = unread.iter().map(|u| (u.pool.as_deref(), u.replies, u.unread)).collect();
    assert_eq!(unread, [(Some("nurses"), 2, 1), (Some("rx"), 1, 1)], "41 read in time; 46 and 50 not");

    // Filters narrow every figure: the pharmacy pool holds B and C.
    let rx = InsightsQuery { urgency: Some(Urgency::Urgent), ..query() };
    let volume = store.insight_volume(&rx).await.expect("volume");
    assert_eq!(volume.cells.iter().map(|c| c.messages).sum::<i64>(), 1);
    assert_eq!(volume.threads_started, 1);
    assert_eq!(store.insight_response(&rx).await.expect("response").len(), 1);
    let urgent = store.insight_safety(&rx).await.expect("safety");
    assert!(urgent.emergencies.is_empty() && urgent.reading.is_empty(), "{urgent:?}");
}

/// Across the spring change (Sunday 8 March 2026, 02:00 CST became 03:00
/// CDT): Alice writes (urgent) on Friday 6 March at 16:00 CST; the nurse
/// replies on Monday 9 March at 11:30 CDT: one open hour on Friday and 3½ on
/// Monday, past the 4-hour target and within twice it (read with Friday's
/// offset, Monday would show 2½ and the reply would be in time). Alice
/// writes again on Monday at 08:30 CDT, when the clinic is open (07:30, and
/// closed, with Friday's offset).
fn across_the_change() -> String {
    let utc = |s: &str| DateTime::parse_from_rfc3339(s).expect("time").timestamp_millis();
    let mut sql = people();
    sql.push(format!(
        "INSERT INTO threads (id, patient_id, subject, category, urgency, urgency_rank, status, replies_allowed, \
         pool_id, confidential, created_by, created_at, updated_at, message_count) VALUES ('{t}', '{a}', 's', \
         'clinical', 'urgent', 0, 'open', TRUE, '{p}', FALSE, '{a}', {at}, {at}, 0);\n",
        t = id(80),
        a = id(1),
        p = id(20),
        at = utc("2026-03-06T22:00:00Z")
    ));
    for (m, author, sent, seq) in
        [(81, 1, "2026-03-06T22:00:00Z", 1), (82, 1, "2026-03-09T13:30:00Z", 2), (83, NURSE, "2026-03-09T16:30:00Z", 3)]
    {
        sql.push(format!(
            "INSERT INTO messages (id, thread_id, author_id, body, internal, sent_at, seq) \
             VALUES ('{}', '{}', '{}', 'b', FALSE, {}, {seq});\n",
            id(m),
            id(80),
            id(author),
            utc(sent)
        ));
    }
    sql.concat()
}

async fn the_clinics_clock_follows_the_daylight_saving_change(store: &dyn Store) {
    let utc = |s: &str| DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc);
    let from = utc("2026-03-02T06:00:00Z");
    let q = InsightsQuery {
        from,
        to: utc("2026-03-16T05:00:00Z"),
        clock: LocalClock {
            offsets: vec![(from, -6 * 3600), (utc("2026-03-08T08:00:00Z"), -5 * 3600)],
            ..query().clock
        },
        now: utc("2026-03-16T12:00:00Z"),
        ..query()
    };
    let days_from_epoch = |d: u32| {
        let date = NaiveDate::from_ymd_opt(2026, 3, d).expect("date");
        (date - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days()
    };
    let cell = |d| VolumeCell {
        day: days_from_epoch(d),
        category: Category::Clinical,
        urgency: Urgency::Urgent,
        pool: Some("nurses".to_owned()),
        messages: 1,
        after_hours: 0,
    };
    assert_eq!(store.insight_volume(&q).await.expect("volume").cells, [cell(6), cell(9)]);
    let response = store.insight_response(&q).await.expect("response");
    let late = ResponseCell {
        urgency: Urgency::Urgent,
        pool: Some("nurses".to_owned()),
        reply: Band::Double,
        close: CloseBand::Open,
        threads: 1,
    };
    assert_eq!(response, [late]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clinics_clock_follows_the_daylight_saving_change_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = carethread_store::open(&url, carethread_store::MasterKey::generate()).await.expect("open");
    let raw = sqlx::SqlitePool::connect(&url).await.expect("raw connection");
    sqlx::raw_sql(&across_the_change()).execute(&raw).await.expect("seed");
    the_clinics_clock_follows_the_daylight_saving_change(&*store).await;
}

#[carethread_test_services::needs(postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clinics_clock_follows_the_daylight_saving_change_on_postgres() {
    let (database, store) = support::postgres_store("carethread_insights").await;
    let raw = sqlx::PgPool::connect(database.url()).await.expect("raw connection");
    sqlx::raw_sql(&across_the_change()).execute(&raw).await.expect("seed");
    the_clinics_clock_follows_the_daylight_saving_change(&*store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_figure_matches_the_hand_count_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = carethread_store::open(&url, carethread_store::MasterKey::generate()).await.expect("open");
    let raw = sqlx::SqlitePool::connect(&url).await.expect("raw connection");
    sqlx::raw_sql(&seed()).execute(&raw).await.expect("seed");
    each_figure_matches_the_hand_count(&*store).await;
}

#[carethread_test_services::needs(postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_figure_matches_the_hand_count_on_postgres() {
    let (database, store) = support::postgres_store("carethread_insights").await;
    let raw = sqlx::PgPool::connect(database.url()).await.expect("raw connection");
    sqlx::raw_sql(&seed()).execute(&raw).await.expect("seed");
    each_figure_matches_the_hand_count(&*store).await;
}
