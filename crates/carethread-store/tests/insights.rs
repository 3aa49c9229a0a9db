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
    Band, CloseBand, Direction, InsightsQuery, LocalClock, OverrideCell, ResponseCell, Store, VolumeCell,
};
use chrono::{DateTime, NaiveDate, Utc};
use support::week::{NURSE, day, id, people, query, seed};

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
