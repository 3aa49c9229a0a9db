//! The second part of the clinic's figures, checked against a hand count
//! over the week of `support/week.rs` with a few more rows, on SQLite and,
//! when `CARETHREAD_TEST_POSTGRES` is set, PostgreSQL:
//! - Answers to "did this answer your question?": Alice said no (43, after
//!   the nurse's reply 41); Bob said yes on Tuesday 09:00 (51, after the
//!   nurse's reply 50); Bob's first message in B (44) is marked yes with no
//!   staff reply before it.
//! - Coverage: while the nurse was away, C went to the doctor and A to the
//!   pharmacy pool on Thursday 09:00; one more move to the doctor falls after
//!   the range.
//! - Drafting: the doctor asked for draft 70 (Friday) and did not use it;
//!   the nurse asked for 71 on Monday 13:50 and sent reply 41 from it at
//!   14:00, changing 12 characters. The nurse first opened Alice's message
//!   40 at 13:45 (41 took 15 minutes to write, with a draft) and Bob's 49 at
//!   08:30 (50, at 09:00, took 30 minutes without). The doctor never opened
//!   45 before replying (46): not timed.
//! - Filters: Bob is recorded as paying by Medicaid; Alice was born in 1950
//!   (65+), Bob's birth date is unknown.

mod support;

use carethread_core::thread::{Category, Urgency};
use carethread_store::{AiCell, AiCounts, AnswerCell, InsightsQuery, PatientGroup, Store, VolumeCell};
use chrono::NaiveDate;
use support::week::{DOCTOR, HOUR, NURSE, day, id, local, query, seed};

fn more() -> String {
    let mut sql = vec![seed()];
    sql.push(format!(
        "INSERT INTO messages (id, thread_id, author_id, body, internal, sent_at, seq, answered) \
         VALUES ('{}', '{}', '{}', 'b', FALSE, {}, 3, 'yes');\n",
        id(51),
        id(35),
        id(2),
        local(6, 9, 0)
    ));
    sql.push(format!("UPDATE messages SET answered = 'no' WHERE id = '{}';\n", id(43)));
    sql.push(format!("UPDATE messages SET answered = 'yes' WHERE id = '{}';\n", id(44)));
    for (t, to_user, to_pool, at) in [
        (32, Some(DOCTOR), None, local(8, 9, 0)),
        (30, None, Some(21), local(8, 9, 0)),
        (33, Some(DOCTOR), None, local(12, 13, 0)),
    ] {
        let or_null = |n: Option<u64>| n.map_or("NULL".to_owned(), |n| format!("'{}'", id(n)));
        sql.push(format!(
            "INSERT INTO coverage_received (thread_id, person_id, to_user_id, to_pool_id, at) \
             VALUES ('{}', '{}', {}, {}, {at});\n",
            id(t),
            id(NURSE),
            or_null(to_user),
            or_null(to_pool)
        ));
    }
    sql.push(format!(
        "INSERT INTO drafts (id, thread_id, requested_by, model_id, model_version, reply_needed, reasons, created_at, \
         message_id, sent_at, edit_distance, seconds_spent) \
         VALUES ('{}', '{}', '{}', 'm', '1', TRUE, '[]', {}, '{}', {}, 12, 600);\n",
        id(71),
        id(30),
        id(NURSE),
        local(5, 13, 50),
        id(41),
        local(5, 14, 0)
    ));
    sql.push(format!("UPDATE messages SET ai_assisted = TRUE WHERE id = '{}';\n", id(41)));
    for (m, at) in [(40, local(5, 13, 45)), (49, local(5, 8, 30))] {
        sql.push(format!(
            "INSERT INTO message_reads (message_id, reader_id, read_at) VALUES ('{}', '{}', {at});\n",
            id(m),
            id(NURSE)
        ));
    }
    sql.push(format!(
        "INSERT INTO patient_groups (patient_id, dimension, value, updated_at) VALUES ('{}', 'payer', 'medicaid', 0);\n",
        id(2)
    ));
    sql.push(format!("UPDATE users SET date_of_birth = '1950-03-01' WHERE id = '{}';\n", id(1)));
    sql.concat()
}

fn messages(cells: &[VolumeCell]) -> i64 {
    cells.iter().map(|c| c.messages).sum()
}

async fn the_second_part_matches_the_hand_count(store: &dyn Store) {
    let q = query();
    let safety = store.insight_safety(&q).await.expect("safety");
    assert_eq!(
        safety.answers,
        [AnswerCell { name: Some("nurse".into()), yes: 1, no: 1 }, AnswerCell { name: None, yes: 1, no: 0 },]
    );

    let work = store.insight_workload(&q).await.expect("workload");
    let covered: Vec<_> = work.staff.iter().map(|s| (s.name.as_str(), s.coverage_received)).collect();
    assert_eq!(covered, [("nurse", 0), ("doctor", 1)], "the move after the range is not counted");
    let pools: Vec<_> = work.pools.iter().map(|p| (p.slug.as_str(), p.coverage_received)).collect();
    assert_eq!(pools, [("nurses", 0), ("rx", 1)]);

    let ai = store.insight_ai(&q).await.expect("ai");
    let cell = |who: u64, name: &str| AiCell {
        week: day(5),
        id: id(who).parse().expect("id"),
        name: name.into(),
        counts: AiCounts { requested: 1, unassisted: 1, ..AiCounts::default() },
    };
    let nurse = AiCell {
        counts: AiCounts {
            requested: 1,
            used: 1,
            unassisted: 1,
            edit_distance: 12,
            writing_ms_assisted: HOUR / 4,
            written_assisted: 1,
            writing_ms_unassisted: HOUR / 2,
            written_unassisted: 1,
        },
        ..cell(NURSE, "nurse")
    };
    assert_eq!(ai, [cell(DOCTOR, "doctor"), nurse]);

    // The nurse's threads: A (assigned, answered) and the earlier one she
    // answered (F); not C, which she only opened and passed on.
    let nurses = InsightsQuery { clinician: Some(id(NURSE).parse().expect("id")), ..query() };
    let volume = store.insight_volume(&nurses).await.expect("volume");
    let cell = |d, category, after_hours, messages| VolumeCell {
        day: day(d),
        category,
        urgency: Urgency::Routine,
        pool: Some("nurses".into()),
        messages,
        after_hours,
    };
    assert_eq!(volume.cells, [cell(5, Category::Clinical, 1, 2), cell(6, Category::Other, 0, 1)]);
    assert_eq!(volume.threads_started, 1);
    let safety = store.insight_safety(&nurses).await.expect("safety");
    assert!(safety.emergencies.is_empty(), "C is not the nurse's: {safety:?}");

    let group = |patients| InsightsQuery { patients: Some(patients), ..query() };
    let medicaid = PatientGroup::Recorded { dimension: "payer".into(), value: "medicaid".into() };
    let volume = store.insight_volume(&group(medicaid.clone())).await.expect("volume");
    assert_eq!(messages(&volume.cells), 2, "44 and 51");
    assert_eq!(volume.patients, 1, "the rate per 100 patients counts the group's patients: Bob");
    assert_eq!(store.insight_patients(&group(medicaid)).await.expect("patients"), 1);
    assert_eq!(store.insight_patients(&query()).await.expect("patients"), 2, "Alice and Bob, not the disabled one");
    let unrecorded = PatientGroup::NotRecorded { dimension: "payer".into() };
    assert_eq!(messages(&store.insight_volume(&group(unrecorded)).await.expect("volume").cells), 4, "Alice's");
    let over_65 = PatientGroup::Born { after: None, on_or_before: NaiveDate::from_ymd_opt(1961, 1, 12).expect("day") };
    assert_eq!(messages(&store.insight_volume(&group(over_65)).await.expect("volume").cells), 4);
    let young = PatientGroup::Born {
        after: NaiveDate::from_ymd_opt(1991, 1, 12),
        on_or_before: NaiveDate::from_ymd_opt(2007, 1, 12).expect("day"),
    };
    assert_eq!(messages(&store.insight_volume(&group(young)).await.expect("volume").cells), 0);
    assert_eq!(messages(&store.insight_volume(&group(PatientGroup::BornUnknown)).await.expect("volume").cells), 2);
    let spanish = group(PatientGroup::Language("es".into()));
    assert_eq!(messages(&store.insight_volume(&spanish).await.expect("volume").cells), 0);
    let answers = store.insight_safety(&group(PatientGroup::BornUnknown)).await.expect("safety").answers;
    assert_eq!(answers.iter().map(|a| (a.yes, a.no)).collect::<Vec<_>>(), [(1, 0), (1, 0)], "Bob's two yeses");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_part_matches_the_hand_count_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = carethread_store::open(&url, carethread_store::MasterKey::generate()).await.expect("open");
    let raw = sqlx::SqlitePool::connect(&url).await.expect("raw connection");
    sqlx::raw_sql(&more()).execute(&raw).await.expect("seed");
    the_second_part_matches_the_hand_count(&*store).await;
}

#[carethread_test_services::needs(postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_part_matches_the_hand_count_on_postgres() {
    let (database, store) = support::postgres_store("carethread_insights").await;
    let raw = sqlx::PgPool::connect(database.url()).await.expect("raw connection");
    sqlx::raw_sql(&more()).execute(&raw).await.expect("seed");
    the_second_part_matches_the_hand_count(&*store).await;
}
