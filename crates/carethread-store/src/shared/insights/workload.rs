//! Who carried the work: replies, threads, moves in and out, coverage
//! received and measured time, per member of staff and per pool.

use carethread_core::billing::ACTIVITY_PING_SECONDS;

use super::super::backend::Backend;
use super::super::prelude::*;
use super::calendar::Calendar;
use super::{count, entry_for, filters, ranged, staff_side, threads_for};
use crate::{InsightsQuery, PoolWork, StaffWork, Workload};

/// The columns naming a member of staff (`a`), and those naming a pool (`p`).
const PERSON: &str = "a.id, a.display_name, a.role";
const POOL: &str = "p.slug, p.name";

/// The statements of the page, each grouped by whom or which pool it counts
/// (`y.who`), then named through `join`.
struct Statements<'a> {
    filter: &'a str,
}

impl Statements<'_> {
    /// Replies to patients per `key` (a column of `m`, or of `t`, the
    /// thread), and the threads they were in.
    fn replies(&self, key: &str, join: &str, cols: &str) -> String {
        let filter = self.filter;
        let threads = if key.starts_with("t.") {
            " JOIN threads t ON t.id = m.thread_id".to_owned()
        } else {
            threads_for(filter, "m.thread_id")
        };
        format!(
            "SELECT {cols}, y.replies, y.threads FROM ( \
               SELECT {key} AS who, COUNT(*) AS replies, COUNT(DISTINCT m.thread_id) AS threads \
               FROM messages m{threads} \
               WHERE m.sent_at >= $1 AND m.sent_at < $2 AND m.internal = FALSE AND {staff}{filter} \
               GROUP BY {key} \
             ) y {join}",
            staff = staff_side("m.author_id"),
        )
    }

    /// Moves in and out along `column` (`assignee` or `pool`): a move into
    /// someone (or a pool) is a change whose new value is them and whose old
    /// one was not; a move out, the other way round.
    fn moves(&self, column: &str, join: &str, cols: &str) -> String {
        let filter = self.filter;
        let one_way = |to: &str, from: &str, into: u8| {
            format!(
                "SELECT c.{to}_{column} AS who, {into} AS moved_in, {out} AS moved_out \
                 FROM thread_changes c{threads} \
                 WHERE c.at >= $1 AND c.at < $2 AND c.{to}_{column} IS NOT NULL \
                 AND (c.{from}_{column} IS NULL OR c.{from}_{column} <> c.{to}_{column}){filter}",
                out = 1 - into,
                threads = threads_for(filter, "c.thread_id"),
            )
        };
        format!(
            "SELECT {cols}, y.moved_in, y.moved_out FROM ( \
               SELECT x.who, CAST(SUM(x.moved_in) AS BIGINT) AS moved_in, \
               CAST(SUM(x.moved_out) AS BIGINT) AS moved_out FROM ({} UNION ALL {}) x GROUP BY x.who \
             ) y {join}",
            one_way("to", "from", 1),
            one_way("from", "to", 0),
        )
    }

    /// Threads moved to someone (`who` names the join) while a colleague
    /// they cover for was away.
    fn covered(&self, who: &str, join: &str, group: &str) -> String {
        let filter = self.filter;
        format!(
            "SELECT {group}, COUNT(*) AS received FROM coverage_received c{threads} \
             {join} ON {who} WHERE c.at >= $1 AND c.at < $2{filter} GROUP BY {group}",
            threads = threads_for(filter, "c.thread_id"),
        )
    }
}

/// A member of staff named by `a.id, a.display_name, a.role`, with no work yet.
fn staff_row<R: DialectRow>(row: &R) -> StoreResult<StaffWork> {
    Ok(StaffWork {
        id: parse_id(row.get_v::<&str, _>("id")?)?,
        name: row.get_v("display_name")?,
        role: row.get_v::<&str, _>("role")?.parse()?,
        threads: 0,
        replies: 0,
        moved_in: 0,
        moved_out: 0,
        active_seconds: 0,
        after_hours_seconds: 0,
        coverage_received: 0,
    })
}

/// A pool named by `p.slug, p.name`, with no work yet.
fn pool_row<R: DialectRow>(row: &R) -> StoreResult<PoolWork> {
    Ok(PoolWork {
        slug: row.get_v("slug")?,
        name: row.get_v("name")?,
        threads: 0,
        replies: 0,
        moved_in: 0,
        moved_out: 0,
        coverage_received: 0,
    })
}

pub(super) async fn workload<B: Backend>(sql: &Sql<B::D>, query: &InsightsQuery) -> StoreResult<Workload> {
    // People and pools are read side by side on two of the reading connections.
    let (staff, pools) = tokio::try_join!(people::<B>(sql, query), pools::<B>(sql, query))?;
    Ok(Workload { staff, pools })
}

/// Each member of staff's work, most replies first.
async fn people<B: Backend>(sql: &Sql<B::D>, query: &InsightsQuery) -> StoreResult<Vec<StaffWork>> {
    let (filter, binds) = filters(query);
    let statements = Statements { filter: &filter };
    let mut people: Vec<StaffWork> = Vec::new();
    let replies = statements.replies("m.author_id", "JOIN users a ON a.id = y.who", PERSON);
    for row in ranged::<B::D>(&replies, query, &binds).fetch_all_with(&sql.read).await? {
        people.push(StaffWork {
            threads: count(&row, "threads")?,
            replies: count(&row, "replies")?,
            ..staff_row(&row)?
        });
    }
    let moved = statements.moves("assignee", "JOIN users a ON a.id = y.who", PERSON);
    for row in ranged::<B::D>(&moved, query, &binds).fetch_all_with(&sql.read).await? {
        let entry = entry_for(&mut people, staff_row(&row)?, |a, b| a.id == b.id);
        entry.moved_in = count(&row, "moved_in")?;
        entry.moved_out = count(&row, "moved_out")?;
    }
    let covered = statements.covered("a.id = c.to_user_id", "JOIN users a", PERSON);
    for row in ranged::<B::D>(&covered, query, &binds).fetch_all_with(&sql.read).await? {
        entry_for(&mut people, staff_row(&row)?, |a, b| a.id == b.id).coverage_received = count(&row, "received")?;
    }
    active_time::<B>(sql, query, &mut people).await?;
    people.sort_by(|a, b| b.replies.cmp(&a.replies).then_with(|| a.name.cmp(&b.name)));
    Ok(people)
}

/// Each pool's work, by name.
async fn pools<B: Backend>(sql: &Sql<B::D>, query: &InsightsQuery) -> StoreResult<Vec<PoolWork>> {
    let (filter, binds) = filters(query);
    let statements = Statements { filter: &filter };
    let mut pools: Vec<PoolWork> = Vec::new();
    let replies = statements.replies("t.pool_id", "JOIN pools p ON p.id = y.who", POOL);
    for row in ranged::<B::D>(&replies, query, &binds).fetch_all_with(&sql.read).await? {
        pools.push(PoolWork { threads: count(&row, "threads")?, replies: count(&row, "replies")?, ..pool_row(&row)? });
    }
    let moved = statements.moves("pool", "JOIN pools p ON p.id = y.who", POOL);
    for row in ranged::<B::D>(&moved, query, &binds).fetch_all_with(&sql.read).await? {
        let entry = entry_for(&mut pools, pool_row(&row)?, |a, b| a.slug == b.slug);
        entry.moved_in = count(&row, "moved_in")?;
        entry.moved_out = count(&row, "moved_out")?;
    }
    let covered = statements.covered("p.id = c.to_pool_id", "JOIN pools p", POOL);
    for row in ranged::<B::D>(&covered, query, &binds).fetch_all_with(&sql.read).await? {
        entry_for(&mut pools, pool_row(&row)?, |a, b| a.slug == b.slug).coverage_received = count(&row, "received")?;
    }
    pools.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(pools)
}

/// Adds each member of staff's measured time to `people`: the 15-second
/// slots of the range in which they had a thread page open (several tabs
/// count once), and those while the clinic was closed.
async fn active_time<B: Backend>(
    sql: &Sql<B::D>,
    query: &InsightsQuery,
    people: &mut Vec<StaffWork>,
) -> StoreResult<()> {
    let (filter, binds) = filters(query);
    let calendar = Calendar(&query.clock);
    let slot = ACTIVITY_PING_SECONDS * 1000;
    let active = format!(
        "WITH x AS MATERIALIZED ( \
           SELECT DISTINCT g.clinician_id, g.at / {slot} AS slot, {local} AS lt \
           FROM billing_pings g{threads} \
           WHERE g.at >= $1 AND g.at < $2{filter} \
         ) SELECT a.id, a.display_name, a.role, y.pings, y.after_hours FROM ( \
           SELECT clinician_id, COUNT(*) AS pings, CAST(SUM({after}) AS BIGINT) AS after_hours \
           FROM x GROUP BY clinician_id \
         ) y JOIN users a ON a.id = y.clinician_id",
        after = calendar.after_hours("lt"),
        local = calendar.local(&format!("(g.at / {slot} * {slot})")),
        threads = threads_for(&filter, "g.thread_id"),
    );
    for row in ranged::<B::D>(&active, query, &binds).fetch_all_with(&sql.read).await? {
        let entry = entry_for(people, staff_row(&row)?, |a, b| a.id == b.id);
        entry.active_seconds = count(&row, "pings")? * ACTIVITY_PING_SECONDS;
        entry.after_hours_seconds = count(&row, "after_hours")? * ACTIVITY_PING_SECONDS;
    }
    Ok(())
}
