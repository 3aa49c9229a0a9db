//! Patients' answers to "did this answer your question?", by who sent the
//! staff reply they answered.

use super::super::backend::Backend;
use super::super::prelude::*;
use super::{count, filters, ranged, staff_side, threads_for};
use crate::{AnswerCell, InsightsQuery};

/// Answers given in the range, per member of staff whose reply to the
/// patient came last before the answer (none first: `name` is `None`).
pub(super) async fn answers<B: Backend>(sql: &Sql<B::D>, query: &InsightsQuery) -> StoreResult<Vec<AnswerCell>> {
    let (filter, binds) = filters(query);
    let statement = format!(
        "SELECT u.display_name AS name, \
           SUM(CASE WHEN m.answered = 'yes' THEN 1 ELSE 0 END) AS yes, \
           SUM(CASE WHEN m.answered = 'no' THEN 1 ELSE 0 END) AS no \
         FROM messages m{threads} \
         LEFT JOIN users u ON u.id = (SELECT r.author_id FROM messages r \
           WHERE r.thread_id = m.thread_id AND r.seq < m.seq AND r.internal = FALSE AND {staff} \
           ORDER BY r.seq DESC LIMIT 1) \
         WHERE m.sent_at >= $1 AND m.sent_at < $2 AND m.answered IS NOT NULL{filter} \
         GROUP BY u.id, u.display_name ORDER BY u.display_name IS NULL, u.display_name, u.id",
        staff = staff_side("r.author_id"),
        threads = threads_for(&filter, "m.thread_id"),
    );
    let rows = ranged::<B::D>(&statement, query, &binds).fetch_all_with(&sql.read).await?;
    rows.iter()
        .map(|row| Ok(AnswerCell { name: row.get_v("name")?, yes: count(row, "yes")?, no: count(row, "no")? }))
        .collect()
}
