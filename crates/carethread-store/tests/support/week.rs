//! One week of a small clinic, written as rows with exact times (see
//! `insights.rs` for the story), and the query over it, for the insights
//! tests.

use carethread_store::{InsightsQuery, LocalClock, Targets};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

pub const HOUR: i64 = 3_600_000;

pub fn id(n: u64) -> String {
    format!("00000000-0000-7000-8000-{n:012x}")
}

/// A local time in the week (January 2026, UTC−6), as epoch milliseconds.
pub fn local(day: u32, hour: u32, minute: u32) -> i64 {
    let utc = Utc.with_ymd_and_hms(2026, 1, day, hour, minute, 0).single().expect("time");
    utc.timestamp_millis() + 6 * HOUR
}

pub fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).expect("time")
}

pub const NURSE: u64 = 10;
pub const DOCTOR: u64 = 11;

pub fn people() -> Vec<String> {
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

pub fn conversations() -> Vec<String> {
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

pub fn triage_and_changes() -> Vec<String> {
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

pub fn seed() -> String {
    [people(), conversations(), triage_and_changes()].concat().concat()
}

pub fn query() -> InsightsQuery {
    let from = at(local(5, 0, 0));
    InsightsQuery {
        from,
        to: at(local(12, 0, 0)),
        pool: None,
        category: None,
        urgency: None,
        clinician: None,
        patients: None,
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

pub fn day(d: u32) -> i64 {
    let date = NaiveDate::from_ymd_opt(2026, 1, d).expect("date");
    (date - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days()
}
