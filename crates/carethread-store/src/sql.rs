// Backend-independent SQL text shared by both stores. Both backends accept
// `$N` placeholders, so one dialect serves SQLite and PostgreSQL.

use carethread_core::role::Role;

/// Columns of a `threads t` row, in the order `thread_from_row` reads them by name.
pub(crate) const THREAD_COLS: &str = "t.id, t.patient_id, t.subject, t.category, t.urgency, \
     t.status, t.replies_allowed, t.pool_id, t.assignee_id, t.confidential, t.created_by, \
     t.created_at, t.updated_at, t.key_id, t.awaiting_since";

/// Columns of a `users u` row.
pub(crate) const USER_COLS: &str =
    "u.id, u.username, u.display_name, u.role, u.date_of_birth, u.language, u.disabled, u.mrn, u.clinic_lead";

/// The rows of `threads t` that the actor (`$1`) may see at time `$2` (ms).
/// Mirrors `carethread_core::policy::decide_thread` for `ThreadAction::Read`
/// (a clinician who broke the glass for a patient lists that patient's
/// threads while the access lasts); `tests/visibility.rs` checks the two agree.
pub(crate) fn visible_threads(role: Role) -> &'static str {
    match role {
        Role::Patient => "t.patient_id = $1 AND $2 = $2",
        Role::Proxy => {
            "t.confidential = FALSE AND EXISTS (SELECT 1 FROM proxy_grants g \
             WHERE g.proxy_id = $1 AND g.patient_id = t.patient_id AND g.revoked_at IS NULL \
             AND (g.expires_at IS NULL OR g.expires_at > $2))"
        }
        Role::Physician | Role::Nurse | Role::Pharmacist => {
            "(t.assignee_id = $1 \
             OR EXISTS (SELECT 1 FROM pool_members pm WHERE pm.pool_id = t.pool_id AND pm.user_id = $1) \
             OR EXISTS (SELECT 1 FROM care_team_members c WHERE c.patient_id = t.patient_id AND c.staff_id = $1) \
             OR EXISTS (SELECT 1 FROM emergency_access e WHERE e.user_id = $1 AND e.patient_id = t.patient_id \
                 AND e.expires_at > $2))"
        }
        Role::FrontDesk | Role::Billing => {
            "(t.assignee_id = $1 \
             OR EXISTS (SELECT 1 FROM pool_members pm WHERE pm.pool_id = t.pool_id AND pm.user_id = $1)) \
             AND $2 = $2"
        }
        Role::Admin | Role::Auditor => "FALSE AND $1 = $1 AND $2 = $2",
    }
}

/// A value bound to a dynamically built query.
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
}

/// Builds `SELECT … FROM threads t …` for summaries: thread, patient, pool,
/// assignee and the viewer's (`$1`) unread count, counted up to 100 (shown
/// as "99+"), so a long unread thread costs no more than a short one. `where_sql` may use `$1`
/// (viewer) and placeholders from `$3` on; `$2` is reserved for the time.
pub(crate) fn summary_select(staff_viewer: bool, where_sql: &str) -> String {
    let internal = if staff_viewer { "" } else { "AND m.internal = FALSE" };
    format!(
        "SELECT {THREAD_COLS}, p.display_name AS patient_name, p.role AS patient_role, \
         pl.slug AS pool_slug, pl.name AS pool_name, \
         a.display_name AS assignee_name, a.role AS assignee_role, \
         (SELECT COUNT(*) FROM (SELECT 1 FROM messages m WHERE m.thread_id = t.id AND m.author_id <> $1 {internal} \
            AND m.seq > COALESCE((SELECT r.last_seq FROM thread_reads r WHERE r.thread_id = t.id AND r.reader_id = $1), 0) \
            LIMIT 100) AS unread_capped) AS unread \
         FROM threads t \
         JOIN users p ON p.id = t.patient_id \
         LEFT JOIN pools pl ON pl.id = t.pool_id \
         LEFT JOIN users a ON a.id = t.assignee_id \
         WHERE {where_sql}"
    )
}
