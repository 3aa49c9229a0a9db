//! The in-basket page is read from its indexes, not by sorting every thread
//! a staff member may see: on a clinic of 30,000 threads (most of them
//! closed, as a clinic's history is), with the planner's statistics gathered,
//! the database's own plan for each in-basket statement uses the in-basket
//! indexes, never reads the threads table whole, and starts a later page's
//! index scans at its cursor, on SQLite and, when
//! `CARETHREAD_TEST_POSTGRES` is set, PostgreSQL. `visibility.rs` checks
//! that the same statements list and page exactly what the policy allows.

mod support;

use std::fmt::Write as _;
use std::sync::Arc;

use carethread_core::ids::{PoolId, UserId};
use carethread_core::policy::Actor;
use carethread_core::role::Role;
use carethread_core::thread::ThreadStatus;
use carethread_store::{MasterKey, Store, ThreadCriteria, ThreadCursor, ThreadFilter};
use chrono::{DateTime, Utc};

const PATIENTS: u64 = 700;
const THREADS: u64 = 30_000;
const POOLS: u64 = 4;
const NURSE: u64 = 1;
const DESK: u64 = 2;
/// On the care team of every patient (a team larger than the store reads whole).
const DOCTOR: u64 = 3;
/// On the care team of 20 patients.
const PHARMACIST: u64 = 4;
const MINUTE: i64 = 60_000;

fn id(kind: u64, n: u64) -> String {
    format!("00000000-0000-7000-{kind:04x}-{n:012x}")
}

fn user(n: u64) -> UserId {
    id(1, n).parse().expect("user id")
}

/// The clinic as SQL: staff, patients, pools and memberships, then threads in
/// batches, most closed, some open and waiting, in every pool and urgency.
fn clinic(now: i64) -> Vec<String> {
    let mut people = String::new();
    let staff = [
        (NURSE, "nurse", "nurse"),
        (DESK, "desk", "front_desk"),
        (DOCTOR, "doctor", "physician"),
        (PHARMACIST, "pharmacist", "pharmacist"),
    ];
    for (n, name, role) in staff {
        let _ = writeln!(
            people,
            "INSERT INTO users (id, username, display_name, role, language, password_hash, created_at) \
             VALUES ('{}', '{name}', '{name}', '{role}', 'en', 'x', 0);",
            id(1, n)
        );
    }
    for p in 0..PATIENTS {
        let _ = writeln!(
            people,
            "INSERT INTO users (id, username, display_name, role, language, password_hash, created_at) \
             VALUES ('{}', 'patient{p}', 'patient{p}', 'patient', 'en', 'x', 0);",
            id(2, p)
        );
        let _ = writeln!(
            people,
            "INSERT INTO care_team_members (patient_id, staff_id) VALUES ('{}', '{}');",
            id(2, p),
            id(1, DOCTOR)
        );
        if p < 20 {
            let _ = writeln!(
                people,
                "INSERT INTO care_team_members (patient_id, staff_id) VALUES ('{}', '{}');",
                id(2, p),
                id(1, PHARMACIST)
            );
        }
    }
    for pool in 0..POOLS {
        let _ = writeln!(
            people,
            "INSERT INTO pools (id, slug, name) VALUES ('{}', 'pool{pool}', 'Pool {pool}');",
            id(3, pool)
        );
    }
    for (pool, member) in [(0, NURSE), (1, NURSE), (2, DESK), (3, PHARMACIST)] {
        let _ = writeln!(
            people,
            "INSERT INTO pool_members (pool_id, user_id) VALUES ('{}', '{}');",
            id(3, pool),
            id(1, member)
        );
    }
    let mut statements = vec![people];
    for batch in 0..THREADS / 500 {
        let mut rows = Vec::new();
        for n in batch * 500..(batch + 1) * 500 {
            let status = match n % 20 {
                0..=2 => "open",
                3 => "awaiting_patient",
                _ => "closed",
            };
            let (urgency, rank) =
                [("emergency", 0), ("urgent", 1), ("routine", 2), ("routine", 2)][(n % 7 % 4) as usize];
            let updated = now - i64::try_from(n).expect("small") * MINUTE;
            let awaiting = if status == "open" { updated.to_string() } else { "NULL".to_owned() };
            let assignee = if n % 50 == 0 { format!("'{}'", id(1, NURSE)) } else { "NULL".to_owned() };
            let pool = if n % 9 == 0 { "NULL".to_owned() } else { format!("'{}'", id(3, n % POOLS)) };
            rows.push(format!(
                "('{}', '{patient}', 's', 'clinical', '{urgency}', {rank}, '{status}', TRUE, {pool}, {assignee}, FALSE, \
                 '{patient}', {updated}, {updated}, {awaiting}, 1)",
                id(4, n),
                patient = id(2, n % PATIENTS),
            ));
        }
        statements.push(format!(
            "INSERT INTO threads (id, patient_id, subject, category, urgency, urgency_rank, status, replies_allowed, \
             pool_id, assignee_id, confidential, created_by, created_at, updated_at, awaiting_since, message_count) \
             VALUES {};",
            rows.join(", ")
        ));
    }
    statements.push("ANALYZE;".to_owned());
    statements
}

/// The in-basket statements a clinic's day runs, each with the index its
/// plan must name.
fn cases() -> Vec<(&'static str, Actor, ThreadFilter, &'static [&'static str])> {
    let actor = |n, role| Actor { id: user(n), role };
    let first = |criteria| ThreadFilter { criteria, limit: 26, emergencies_first: true, after: None };
    let open = ThreadCriteria { status: Some(ThreadStatus::Open), ..ThreadCriteria::default() };
    let cursor =
        ThreadCursor { urgency_rank: 1, wait_key: 1_000, updated_at_ms: 0, id: id(4, 77).parse().expect("id") };
    let later = ThreadFilter { after: Some(cursor), ..first(open.clone()) };
    let pool: PoolId = id(3, 1).parse().expect("pool");
    vec![
        (
            "nurse, open threads",
            actor(NURSE, Role::Nurse),
            first(open.clone()),
            &["threads_in_basket_by_pool", "threads_in_basket_by_assignee"],
        ),
        (
            "nurse, every status",
            actor(NURSE, Role::Nurse),
            first(ThreadCriteria::default()),
            &["threads_in_basket_by_pool"],
        ),
        ("nurse, a later page", actor(NURSE, Role::Nurse), later.clone(), &["threads_in_basket_by_pool"]),
        (
            "nurse, one pool",
            actor(NURSE, Role::Nurse),
            first(ThreadCriteria { pool: Some(pool), ..open.clone() }),
            &["threads_in_basket_by_pool"],
        ),
        ("front desk", actor(DESK, Role::FrontDesk), first(open.clone()), &["threads_in_basket_by_pool"]),
        ("doctor on every patient's team", actor(DOCTOR, Role::Physician), first(open.clone()), &["threads_in_basket"]),
        ("doctor, a later page", actor(DOCTOR, Role::Physician), later, &["threads_in_basket"]),
        (
            "pharmacist with a small team",
            actor(PHARMACIST, Role::Pharmacist),
            first(open),
            &["threads_in_basket_by_pool"],
        ),
    ]
}

/// `full_scan` is how the database names reading the threads table whole;
/// `seek`, how it names starting an index scan at the cursor.
async fn plans_use_the_in_basket_indexes(store: &Arc<dyn Store>, full_scan: &[&str], seek: &str) {
    let now = Utc::now();
    for (name, actor, filter, indexes) in cases() {
        let plan = store.explain_list_threads(actor, &filter, now).await.expect("plan");
        if filter.after.is_some() {
            assert!(plan.contains(seek), "{name}: a later page does not seek its index to the cursor:\n{plan}");
        }
        for index in indexes {
            assert!(plan.contains(index), "{name}: the plan does not use {index}:\n{plan}");
        }
        for line in plan.lines() {
            assert!(
                !full_scan
                    .iter()
                    .any(|scan| line.trim_start().trim_start_matches("->  ").starts_with(scan)
                        && !line.contains(" USING ")),
                "{name}: the plan reads the threads whole ({line}):\n{plan}"
            );
        }
    }
}

fn now_ms() -> i64 {
    let now: DateTime<Utc> = Utc::now();
    now.timestamp_millis()
}

#[tokio::test]
async fn sqlite_in_basket_pages_read_their_indexes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("plan.db").display());
    let store = carethread_store::open(&url, MasterKey::generate()).await.expect("open");
    let raw = sqlx::SqlitePool::connect(&url).await.expect("raw connection");
    for statement in clinic(now_ms()) {
        sqlx::raw_sql(&statement).execute(&raw).await.expect("clinic");
    }
    plans_use_the_in_basket_indexes(&store, &["SCAN t", "SCAN threads"], "(urgency_rank,wait_key,id)>(?,?,?)").await;
}

#[carethread_test_services::needs(postgres)]
#[tokio::test]
async fn postgres_in_basket_pages_read_their_indexes() {
    let (database, store) = support::postgres_store("carethread_plan").await;
    let raw = sqlx::PgPool::connect(database.url()).await.expect("raw connection");
    for statement in clinic(now_ms()) {
        sqlx::raw_sql(&statement).execute(&raw).await.expect("clinic");
    }
    plans_use_the_in_basket_indexes(&store, &["Seq Scan on threads"], "(ROW(urgency_rank, wait_key, id) > ROW(").await;
}
