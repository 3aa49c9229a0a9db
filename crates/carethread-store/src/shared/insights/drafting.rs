//! Drafting per member of staff and week: drafts asked for, and of those
//! the ones sent as replies and how much was changed (both by the week the
//! draft was asked for, so no more are used than were asked for), replies without a draft, and how long replies took
//! to write with and without one.

use super::super::backend::Backend;
use super::super::prelude::*;
use super::calendar::Calendar;
use super::{count, entry_for, filters, patient_side, ranged, staff_side, threads_for};
use crate::{AiCell, AiCounts, InsightsQuery};

/// A writing time counts when under an hour: one sitting.
const SITTING_MS: i64 = 3_600_000;

fn cell<R: DialectRow>(row: &R) -> StoreResult<AiCell> {
    Ok(AiCell {
        week: row.get_v("week")?,
        id: parse_id(row.get_v::<&str, _>("id")?)?,
        name: row.get_v("display_name")?,
        counts: AiCounts::default(),
    })
}

pub(super) async fn ai<B: Backend>(sql: &Sql<B::D>, query: &InsightsQuery) -> StoreResult<Vec<AiCell>> {
    let (filter, binds) = filters(query);
    let calendar = Calendar(&query.clock);
    let week_of = |utc: &str| Calendar::monday(&calendar.local(utc));
    let same = |a: &AiCell, b: &AiCell| a.week == b.week && a.id == b.id;
    let mut cells: Vec<AiCell> = Vec::new();

    let requested = format!(
        "SELECT {week} AS week, a.id, a.display_name, COUNT(*) AS requested \
         FROM drafts d{threads} JOIN users a ON a.id = d.requested_by \
         WHERE d.created_at >= $1 AND d.created_at < $2{filter} GROUP BY 1, a.id, a.display_name",
        week = week_of("d.created_at"),
        threads = threads_for(&filter, "d.thread_id"),
    );
    for row in ranged::<B::D>(&requested, query, &binds).fetch_all_with(&sql.read).await? {
        entry_for(&mut cells, cell(&row)?, same).counts.requested = count(&row, "requested")?;
    }

    let used = format!(
        "SELECT {week} AS week, a.id, a.display_name, COUNT(*) AS used, \
           CAST(SUM(COALESCE(d.edit_distance, 0)) AS BIGINT) AS edits \
         FROM drafts d{threads} JOIN users a ON a.id = d.requested_by \
         WHERE d.message_id IS NOT NULL AND d.created_at >= $1 AND d.created_at < $2{filter} \
         GROUP BY 1, a.id, a.display_name",
        week = week_of("d.created_at"),
        threads = threads_for(&filter, "d.thread_id"),
    );
    for row in ranged::<B::D>(&used, query, &binds).fetch_all_with(&sql.read).await? {
        let entry = &mut entry_for(&mut cells, cell(&row)?, same).counts;
        entry.used = count(&row, "used")?;
        entry.edit_distance = count(&row, "edits")?;
    }

    // Each reply's writing time: from its author's first opening of the
    // patient's message it answers (the last before it) to sending it.
    let timed = |assisted: bool| format!("CASE WHEN ai = {assisted} AND writing >= 0 AND writing < {SITTING_MS}");
    // The writing time is worked out once per reply (materialised), not
    // once per place the sums below read it.
    let replies = format!(
        "WITH x AS MATERIALIZED ( \
           SELECT {week} AS week, m.author_id AS who, m.ai_assisted AS ai, \
             m.sent_at - (SELECT MIN(r.read_at) FROM message_reads r WHERE r.reader_id = m.author_id \
               AND r.message_id = (SELECT p.id FROM messages p \
                 WHERE p.thread_id = m.thread_id AND p.seq < m.seq AND p.internal = FALSE \
                 AND {patients} ORDER BY p.seq DESC LIMIT 1)) AS writing \
           FROM messages m{threads} \
           WHERE m.sent_at >= $1 AND m.sent_at < $2 AND m.internal = FALSE AND {staff}{filter} \
         ) SELECT y.*, a.id, a.display_name FROM ( \
           SELECT week, who, \
             SUM(CASE WHEN ai THEN 0 ELSE 1 END) AS unassisted, \
             CAST(SUM({yes} THEN writing ELSE 0 END) AS BIGINT) AS ms_assisted, \
             SUM({yes} THEN 1 ELSE 0 END) AS n_assisted, \
             CAST(SUM({no} THEN writing ELSE 0 END) AS BIGINT) AS ms_unassisted, \
             SUM({no} THEN 1 ELSE 0 END) AS n_unassisted \
           FROM x GROUP BY week, who \
         ) y JOIN users a ON a.id = y.who",
        yes = timed(true),
        no = timed(false),
        week = week_of("m.sent_at"),
        staff = staff_side("m.author_id"),
        patients = patient_side("p.author_id"),
        threads = threads_for(&filter, "m.thread_id"),
    );
    for row in ranged::<B::D>(&replies, query, &binds).fetch_all_with(&sql.read).await? {
        let entry = &mut entry_for(&mut cells, cell(&row)?, same).counts;
        entry.unassisted = count(&row, "unassisted")?;
        entry.writing_ms_assisted = count(&row, "ms_assisted")?;
        entry.written_assisted = count(&row, "n_assisted")?;
        entry.writing_ms_unassisted = count(&row, "ms_unassisted")?;
        entry.written_unassisted = count(&row, "n_unassisted")?;
    }
    cells.sort_by(|a, b| a.week.cmp(&b.week).then_with(|| a.name.cmp(&b.name)).then_with(|| a.id.cmp(&b.id)));
    Ok(cells)
}
