//! The clinic's figures, counted by the database: each query reads an
//! indexed date range (`messages_by_time`, `threads_by_start`,
//! `thread_changes_by_time`) and returns grouped counts. The clinic's
//! calendar and working clock are integer arithmetic in the SQL itself
//! (`calendar.rs`), the same text on SQLite and PostgreSQL.

mod answers;
mod calendar;
mod drafting;
mod workload;

use std::fmt::Write as _;

use async_trait::async_trait;
use calendar::{Calendar, DAY_MS};

use super::backend::Backend;
use super::prelude::*;
use crate::{
    AiCell, Band, CloseBand, Direction, InsightsQuery, OverrideCell, PatientGroup, ReadingCell, ResponseCell, Safety,
    UnreadCell, Volume, VolumeCell, Workload,
};

/// How long a reply may wait to be read before it counts as unread: two days.
const UNREAD_AFTER_MS: i64 = 2 * DAY_MS;

/// Roles whose messages are the patient's side of a thread.
const PATIENT_SIDE: &str = "('patient', 'proxy')";

/// The condition that the account `id` (a column) is a patient's or a
/// proxy's. It is tested against the few accounts that are neither (staff,
/// administrators, auditors), held in memory once per statement, rather
/// than by reading each patient's account row: the same answer, since
/// every author, reader and thread starter has an account.
fn patient_side(id: &str) -> String {
    format!("{id} NOT IN (SELECT o.id FROM users o WHERE o.role NOT IN {PATIENT_SIDE})")
}

/// The condition that the account `id` (a column) is a member of staff,
/// tested against the staff's accounts held in memory. The column is read
/// through a `CAST` so that the database keeps to the range's time index
/// instead of walking each staff member's messages of all time.
fn staff_side(id: &str) -> String {
    format!("CAST({id} AS TEXT) IN (SELECT s.id FROM users s WHERE s.role IN {})", staff_roles())
}

/// `JOIN threads t` on `thread_id` when the query's filters (`filter`, from
/// [`filters`]) read the thread; nothing when there are none.
fn threads_for(filter: &str, thread_id: &str) -> String {
    if filter.is_empty() { String::new() } else { format!(" JOIN threads t ON t.id = {thread_id}") }
}

/// The query's filters on `threads t`, numbered from `$3` (`$1`, `$2` are
/// the range), and the values to bind in order.
fn filters(query: &InsightsQuery) -> (String, Vec<String>) {
    let mut sql = String::new();
    let mut binds: Vec<String> = Vec::new();
    // The range is `$1` and `$2`; each condition's values are numbered on from there.
    let mut add = |condition: &str, values: Vec<String>| {
        let _ = write!(sql, " AND {}", numbered(condition, binds.len() + 3));
        binds.extend(values);
    };
    if let Some(pool) = query.pool {
        add("t.pool_id = {}", vec![pool.to_string()]);
    }
    if let Some(category) = query.category {
        add("t.category = {}", vec![category.as_str().to_owned()]);
    }
    if let Some(urgency) = query.urgency {
        add("t.urgency = {}", vec![urgency.as_str().to_owned()]);
    }
    if let Some(clinician) = query.clinician {
        let id = clinician.to_string();
        add(
            "(t.assignee_id = {} OR EXISTS (SELECT 1 FROM messages cm WHERE cm.thread_id = t.id \
             AND cm.author_id = {} AND cm.internal = FALSE))",
            vec![id.clone(), id],
        );
    }
    if let Some(group) = &query.patients {
        let (condition, values) = in_group("t.patient_id", group);
        add(&condition, values);
    }
    (sql, binds)
}

/// `condition` with each `{}` the next parameter, `$first` onwards.
fn numbered(condition: &str, first: usize) -> String {
    let mut text = condition.to_owned();
    let mut n = first;
    while text.contains("{}") {
        text = text.replacen("{}", &format!("${n}"), 1);
        n += 1;
    }
    text
}

/// The condition that the patient `id` (a column) is in `group`, with a
/// `{}` for each value to bind, and the values in order.
fn in_group(id: &str, group: &PatientGroup) -> (String, Vec<String>) {
    match group {
        PatientGroup::Language(language) => {
            (format!("{id} IN (SELECT g.id FROM users g WHERE g.language = {{}})"), vec![language.clone()])
        }
        PatientGroup::Born { after, on_or_before } => {
            let day = |d: &NaiveDate| d.format("%Y-%m-%d").to_string();
            let after = after.as_ref().map_or_else(|| "0000-00-00".to_owned(), day);
            (
                format!("{id} IN (SELECT g.id FROM users g WHERE g.date_of_birth > {{}} AND g.date_of_birth <= {{}})"),
                vec![after, day(on_or_before)],
            )
        }
        PatientGroup::BornUnknown => {
            (format!("{id} IN (SELECT g.id FROM users g WHERE g.date_of_birth IS NULL)"), vec![])
        }
        PatientGroup::Recorded { dimension, value } => (
            format!("{id} IN (SELECT g.patient_id FROM patient_groups g WHERE g.dimension = {{}} AND g.value = {{}})"),
            vec![dimension.clone(), value.clone()],
        ),
        PatientGroup::NotRecorded { dimension } => (
            format!("{id} NOT IN (SELECT g.patient_id FROM patient_groups g WHERE g.dimension = {{}})"),
            vec![dimension.clone()],
        ),
    }
}

/// Patient accounts that are not disabled, of the query's group when it names one.
async fn patients<B: Backend>(sql: &Sql<B::D>, query: &InsightsQuery) -> StoreResult<i64> {
    let (condition, values) = match &query.patients {
        Some(group) => in_group("u.id", group),
        None => ("TRUE".to_owned(), Vec::new()),
    };
    let statement = format!(
        "SELECT COUNT(*) FROM users u WHERE u.role = 'patient' AND u.disabled = FALSE AND {}",
        numbered(&condition, 1)
    );
    let mut counted = sqlx::query::<B::D>(&statement);
    for value in values {
        counted = counted.bind_v(value);
    }
    Ok(counted.fetch_scalar_with(&sql.read).await?)
}

/// A statement over the range `$1..$2` and the filters, bound and ready.
fn ranged<'q, D: Dialect>(sql: &'q str, query: &InsightsQuery, binds: &[String]) -> Q<'q, D> {
    let mut q = sqlx::query::<D>(sql).bind_v(ms(query.from)).bind_v(ms(query.to));
    for b in binds {
        q = q.bind_v(b.clone());
    }
    q
}

fn count<R: DialectRow>(row: &R, column: &str) -> StoreResult<i64> {
    Ok(row.get_v::<Option<i64>, _>(column)?.unwrap_or(0))
}

/// The band of a thread whose wait so far (`elapsed`) is measured against
/// `target`; `waiting` when nothing has answered yet.
fn band_sql(elapsed: &str, target: &str, waiting: &str) -> String {
    format!(
        "CAST(CASE WHEN {waiting} THEN (CASE WHEN {elapsed} <= {target} THEN 5 ELSE 6 END) \
         WHEN {elapsed} * 4 <= {target} THEN 0 WHEN {elapsed} * 2 <= {target} THEN 1 \
         WHEN {elapsed} <= {target} THEN 2 WHEN {elapsed} <= 2 * {target} THEN 3 ELSE 4 END AS BIGINT)"
    )
}

fn band(code: i64) -> StoreResult<Band> {
    Band::from_code(code).ok_or_else(|| StoreError::Corrupt("insight band".into()))
}

/// The entry of `list` that is `found`, added when missing.
fn entry_for<T>(list: &mut Vec<T>, found: T, same: impl Fn(&T, &T) -> bool) -> &mut T {
    let at = list.iter().position(|x| same(x, &found)).unwrap_or_else(|| {
        list.push(found);
        list.len() - 1
    });
    &mut list[at]
}

fn pool_of<R: DialectRow>(row: &R) -> StoreResult<Option<String>> {
    Ok(row.get_v("pool")?)
}

#[async_trait]
impl<B: Backend> crate::Insights for B {
    async fn insight_volume(&self, query: &InsightsQuery) -> StoreResult<Volume> {
        let sql = self.sql();
        let calendar = Calendar(&query.clock);
        let (filter, binds) = filters(query);
        let cells = format!(
            "WITH x AS MATERIALIZED ( \
               SELECT {local} AS lt, t.category, t.urgency, p.slug AS pool \
               FROM messages m JOIN threads t ON t.id = m.thread_id LEFT JOIN pools p ON p.id = t.pool_id \
               WHERE m.sent_at >= $1 AND m.sent_at < $2 AND m.internal = FALSE AND {patients}{filter} \
             ) SELECT {day} AS day, category, urgency, pool, COUNT(*) AS messages, \
             CAST(SUM({after}) AS BIGINT) AS after_hours FROM x GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
            day = Calendar::day("lt"),
            after = calendar.after_hours("lt"),
            local = calendar.local("m.sent_at"),
            patients = patient_side("m.author_id"),
        );
        let rows = ranged::<B::D>(&cells, query, &binds).fetch_all_with(&sql.read).await?;
        let cells = rows
            .iter()
            .map(|row| {
                Ok(VolumeCell {
                    day: row.get_v("day")?,
                    category: Category::parse(row.get_v::<&str, _>("category")?)?,
                    urgency: Urgency::parse(row.get_v::<&str, _>("urgency")?)?,
                    pool: pool_of(row)?,
                    messages: count(row, "messages")?,
                    after_hours: count(row, "after_hours")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let patients = patients::<B>(sql, query).await?;
        let started = format!(
            "SELECT COUNT(*) AS started, CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM drafts d \
               WHERE d.thread_id = t.id AND d.reply_needed = FALSE) THEN 1 ELSE 0 END) AS BIGINT) AS no_reply \
             FROM threads t WHERE t.created_at >= $1 AND t.created_at < $2 AND {patients}{filter}",
            patients = patient_side("t.created_by"),
        );
        let row = ranged::<B::D>(&started, query, &binds).fetch_one_with(&sql.read).await?;
        Ok(Volume {
            cells,
            patients,
            threads_started: count(&row, "started")?,
            no_reply_recorded: count(&row, "no_reply")?,
        })
    }

    async fn insight_response(&self, query: &InsightsQuery) -> StoreResult<Vec<ResponseCell>> {
        let sql = self.sql();
        let calendar = Calendar(&query.clock);
        let (filter, binds) = filters(query);
        let now = ms(query.now);
        let targets = query.targets;
        let target = format!(
            "(CASE urgency WHEN 'emergency' THEN {} WHEN 'urgent' THEN {} ELSE {} END)",
            targets.emergency_ms, targets.urgent_ms, targets.routine_ms
        );
        // Each step is materialised so that the clinic's clock is worked out
        // once per thread, not once per place the expression appears.
        let answered = format!("COALESCE(replied, {now})");
        let statement = format!(
            "WITH started AS MATERIALIZED ( \
               SELECT t.urgency, p.slug AS pool, t.created_at AS arrived, t.first_reply_at AS replied, \
                 t.first_closed_at AS closed \
               FROM threads t LEFT JOIN pools p ON p.id = t.pool_id \
               WHERE t.created_at >= $1 AND t.created_at < $2 AND {patients}{filter} \
             ), clocked AS MATERIALIZED ( \
               SELECT urgency, pool, arrived, closed, replied, {answered} - arrived AS wall, \
                 {local_answered} AS la, {local_arrived} AS lr FROM started \
             ), measured AS MATERIALIZED ( \
               SELECT urgency, pool, arrived, closed, replied, {target} AS target, \
                 CASE WHEN urgency = 'emergency' THEN wall ELSE {working_answered} - {working_arrived} END AS elapsed \
               FROM clocked \
             ) \
             SELECT urgency, pool, {reply} AS reply, \
               CAST(CASE WHEN closed IS NULL THEN 4 WHEN closed - arrived <= {day} THEN 0 \
                 WHEN closed - arrived <= {three} THEN 1 WHEN closed - arrived <= {week} THEN 2 ELSE 3 END AS BIGINT) \
                 AS closing, \
               COUNT(*) AS threads \
             FROM measured GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
            local_answered = calendar.local(&answered),
            local_arrived = calendar.local("arrived"),
            working_answered = calendar.working("la"),
            working_arrived = calendar.working("lr"),
            reply = band_sql("elapsed", "target", "replied IS NULL"),
            day = DAY_MS,
            three = 3 * DAY_MS,
            week = 7 * DAY_MS,
            patients = patient_side("t.created_by"),
        );
        let rows = ranged::<B::D>(&statement, query, &binds).fetch_all_with(&sql.read).await?;
        rows.iter()
            .map(|row| {
                Ok(ResponseCell {
                    urgency: Urgency::parse(row.get_v::<&str, _>("urgency")?)?,
                    pool: pool_of(row)?,
                    reply: band(row.get_v("reply")?)?,
                    close: CloseBand::from_code(row.get_v("closing")?)
                        .ok_or_else(|| StoreError::Corrupt("insight band".into()))?,
                    threads: count(row, "threads")?,
                })
            })
            .collect()
    }

    async fn insight_workload(&self, query: &InsightsQuery) -> StoreResult<Workload> {
        workload::workload::<B>(self.sql(), query).await
    }

    async fn insight_safety(&self, query: &InsightsQuery) -> StoreResult<Safety> {
        let sql = self.sql();
        let (filter, binds) = filters(query);
        let target = query.targets.emergency_ms.to_string();
        let emergencies = format!(
            "WITH x AS MATERIALIZED ( \
               SELECT t.created_at AS arrived, \
                 (SELECT MIN(r.read_at) FROM message_reads r JOIN messages m ON m.id = r.message_id \
                   WHERE m.thread_id = t.id AND {staff}) AS opened \
               FROM threads t WHERE t.created_at >= $1 AND t.created_at < $2 AND t.urgency = 'emergency'{filter} \
             ) SELECT {band} AS band, COUNT(*) AS threads FROM x GROUP BY 1 ORDER BY 1",
            band = band_sql(&format!("(COALESCE(opened, {}) - arrived)", ms(query.now)), &target, "opened IS NULL"),
            staff = staff_side("r.reader_id"),
        );
        let rows = ranged::<B::D>(&emergencies, query, &binds).fetch_all_with(&sql.read).await?;
        let emergencies = rows
            .iter()
            .map(|row| Ok((band(row.get_v("band")?)?, count(row, "threads")?)))
            .collect::<StoreResult<_>>()?;
        let rank = |column: &str| format!("(CASE {column} WHEN 'emergency' THEN 3 WHEN 'urgent' THEN 2 ELSE 1 END)");
        let overrides = format!(
            "WITH x AS MATERIALIZED ( \
               SELECT o.category, {now_rank} AS now_rank, \
                 (SELECT {before_rank} FROM triage_results b WHERE b.thread_id = o.thread_id AND b.id <> o.id \
                   AND b.created_at <= o.created_at ORDER BY b.created_at DESC, b.id DESC LIMIT 1) AS before_rank \
               FROM triage_results o{threads} \
               WHERE o.overridden_by IS NOT NULL AND o.created_at >= $1 AND o.created_at < $2{filter} \
             ) SELECT CAST(CASE WHEN now_rank > before_rank THEN 0 WHEN now_rank < before_rank THEN 1 ELSE 2 END \
               AS BIGINT) AS direction, category, COUNT(*) AS overrides FROM x GROUP BY 1, 2 ORDER BY 1, 2",
            threads = threads_for(&filter, "o.thread_id"),
            now_rank = rank("o.urgency"),
            before_rank = rank("b.urgency"),
        );
        let rows = ranged::<B::D>(&overrides, query, &binds).fetch_all_with(&sql.read).await?;
        let overrides = rows
            .iter()
            .map(|row| {
                let direction = match row.get_v::<i64, _>("direction")? {
                    0 => Direction::Raised,
                    1 => Direction::Lowered,
                    _ => Direction::Kept,
                };
                Ok(OverrideCell {
                    direction,
                    category: Category::parse(row.get_v::<&str, _>("category")?)?,
                    overrides: count(row, "overrides")?,
                })
            })
            .collect::<StoreResult<_>>()?;
        let reading = format!(
            "SELECT u.display_name AS name, y.replies, y.above FROM ( \
               SELECT m.author_id AS who, COUNT(*) AS replies, \
                 SUM(CASE WHEN m.reading_grade > 8 THEN 1 ELSE 0 END) AS above \
               FROM messages m{threads} \
               WHERE m.sent_at >= $1 AND m.sent_at < $2 AND NOT m.internal AND m.reading_grade IS NOT NULL \
                 AND {staff}{filter} \
               GROUP BY m.author_id \
             ) y JOIN users u ON u.id = y.who ORDER BY u.display_name, u.id",
            staff = staff_side("m.author_id"),
            threads = threads_for(&filter, "m.thread_id"),
        );
        let rows = ranged::<B::D>(&reading, query, &binds).fetch_all_with(&sql.read).await?;
        let reading = rows
            .iter()
            .map(|row| {
                Ok(ReadingCell {
                    name: row.get_v("name")?,
                    replies: count(row, "replies")?,
                    above_grade_8: count(row, "above")?,
                })
            })
            .collect::<StoreResult<_>>()?;
        Ok(Safety { emergencies, overrides, reading, answers: answers::answers::<B>(sql, query).await? })
    }

    async fn insight_unread(&self, query: &InsightsQuery) -> StoreResult<Vec<UnreadCell>> {
        let (filter, binds) = filters(query);
        let sql = format!(
            "SELECT p.slug AS pool, y.replies, y.unread FROM ( \
               SELECT t.pool_id, COUNT(*) AS replies, SUM(CASE WHEN EXISTS (SELECT 1 FROM message_reads r \
                 WHERE r.message_id = m.id AND {patients} \
                 AND r.read_at <= m.sent_at + {UNREAD_AFTER_MS}) THEN 0 ELSE 1 END) AS unread \
               FROM messages m JOIN threads t ON t.id = m.thread_id \
               WHERE m.sent_at >= $1 AND m.sent_at < $2 AND NOT m.internal AND {staff} \
                 AND m.sent_at + {UNREAD_AFTER_MS} <= {now}{filter} \
               GROUP BY t.pool_id \
             ) y LEFT JOIN pools p ON p.id = y.pool_id ORDER BY p.slug IS NULL, p.slug",
            staff = staff_side("m.author_id"),
            patients = patient_side("r.reader_id"),
            now = ms(query.now),
        );
        let rows = ranged::<B::D>(&sql, query, &binds).fetch_all_with(&self.sql().read).await?;
        rows.iter()
            .map(|row| {
                Ok(UnreadCell {
                    pool: row.get_v("pool")?,
                    replies: count(row, "replies")?,
                    unread: count(row, "unread")?,
                })
            })
            .collect()
    }

    async fn insight_patients(&self, query: &InsightsQuery) -> StoreResult<i64> {
        patients::<B>(self.sql(), query).await
    }

    async fn insight_ai(&self, query: &InsightsQuery) -> StoreResult<Vec<AiCell>> {
        drafting::ai::<B>(self.sql(), query).await
    }
}

#[cfg(test)]
mod tests {
    /// The triggers that keep each thread's first reply (migration 0021)
    /// write the staff roles out in SQL: they must be the roles the figures
    /// count as the care team.
    #[test]
    fn the_first_reply_triggers_name_the_staff_roles() {
        let roles = super::staff_roles();
        for migration in [
            include_str!("../../migrations/sqlite/0021_thread_answer_times.sql"),
            include_str!("../../migrations/postgres/0021_thread_answer_times.sql"),
        ] {
            assert_eq!(migration.matches(&roles).count(), 2, "{roles}");
        }
    }
}
