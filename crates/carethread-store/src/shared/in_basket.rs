//! Where a staff member's in-basket page is read from. The page is the
//! threads the policy lets them see ([`visible_threads`]), filtered and in
//! in-basket order, cut at a page. Read as one filter over every thread, it
//! would sort every thread they may see for each page, which grows with the
//! clinic. Instead each way a thread reaches them (assigned to them, one of
//! their pools, their patients' care team, broken glass) is read on its own,
//! in order, from an index, up to a page each; the page is the best of those
//! candidates, cut at a page before any thread is read whole; the visibility
//! filter and the criteria are applied to the page again.
//!
//! Why that is the page: each way is a subset of what the person may see, and
//! together they are all of it (the same disjuncts as [`visible_threads`]).
//! A thread on the true page comes by some way; fewer than a page of threads
//! that come that way are ahead of it (they are all visible), so that way's
//! own page holds it.

use super::prelude::*;
use crate::ThreadCriteria;

/// A care team larger than this is read by walking the clinic's threads in
/// order and keeping the team's, rather than reading all of the team's
/// patients' threads and sorting them: the walk finds a page quickly when
/// the team's patients are a large part of the clinic, and the read when
/// they are few.
pub(crate) const PANEL_READ_LIMIT: i64 = 500;

/// The in-basket order, in SQL.
pub(crate) const IN_BASKET_ORDER: &str = "t.urgency_rank ASC, t.wait_key ASC, t.id ASC";

/// The values a statement binds after the viewer (`$1`) and now (`$2`), in
/// the order of their placeholders.
pub(crate) struct Params {
    pub(crate) binds: Vec<Bind>,
    /// The next placeholder's number.
    next: usize,
}

impl Params {
    /// No values yet: the next placeholder is `$3`.
    pub(crate) const fn new() -> Self {
        Self { binds: Vec::new(), next: 3 }
    }

    /// Binds `value` to the next placeholder and returns its number.
    pub(crate) fn next(&mut self, value: Bind) -> usize {
        self.binds.push(value);
        self.next += 1;
        self.next - 1
    }
}

/// One way threads reach an in-basket: the rows it reads (`t` is the
/// thread) and the condition that picks them.
pub(crate) struct Way {
    from: &'static str,
    condition: String,
}

impl Way {
    fn threads(condition: String) -> Self {
        Self { from: "threads t", condition }
    }

    /// Read from a few rows of `from` (written first: SQLite keeps the order
    /// of a `CROSS JOIN`), each looking up its patient's threads.
    fn by_patient(from: &'static str, condition: &str) -> Self {
        Self { from, condition: condition.to_owned() }
    }
}

impl<D: Dialect> Sql<D> {
    /// The ways threads reach `actor`'s in-basket, as conditions that may use
    /// `$1` (the viewer) and `$2` (`now`): each is one disjunct of
    /// [`visible_threads`] for the role. `None` when the role has no
    /// in-basket, or the criteria already name a few threads (one patient's,
    /// or another person's assigned ones): the page is then read by the plain
    /// filter.
    pub(crate) async fn in_basket_ways(
        &self,
        actor: Actor,
        criteria: &ThreadCriteria,
        now: DateTime<Utc>,
        params: &mut Params,
    ) -> StoreResult<Option<Vec<Way>>> {
        let clinical = match actor.role {
            Role::Physician | Role::Nurse | Role::Pharmacist => true,
            Role::FrontDesk | Role::Billing => false,
            Role::Patient | Role::Proxy | Role::Admin | Role::Auditor => return Ok(None),
        };
        let assigned = Way::threads("t.assignee_id = $1".to_owned());
        match criteria.assignee {
            Some(who) if who == actor.id => return Ok(Some(vec![assigned])),
            Some(_) => return Ok(None),
            None if criteria.patient.is_some() => return Ok(None),
            None => {}
        }
        let viewer = actor.id.to_string();
        let pools = sqlx::query::<D>("SELECT pool_id FROM pool_members WHERE user_id = $1 ORDER BY pool_id")
            .bind_v(&viewer)
            .fetch_all_with(&self.read)
            .await?;
        let mut ways = vec![assigned];
        let pools: Vec<PoolId> =
            pools.iter().map(|row| parse_id(row.get_v::<&str, _>("pool_id")?)).collect::<StoreResult<_>>()?;
        // Membership is asked again in the statement, so that every way is
        // what the person may see when the page is read.
        let mut pool_way = |pool: PoolId| {
            let n = params.next(Bind::Text(pool.to_string()));
            Way::threads(format!(
                "t.pool_id = ${n} AND EXISTS (SELECT 1 FROM pool_members pm WHERE pm.pool_id = ${n} AND pm.user_id = $1)"
            ))
        };
        if let Some(pool) = criteria.pool.filter(|p| pools.contains(p)) {
            // Every thread of one of their own pools is theirs to see.
            return Ok(Some(vec![pool_way(pool)]));
        }
        ways.extend(pools.into_iter().map(pool_way));
        if clinical {
            // How many patients the team holds (up to one past the limit), and
            // whether the person holds broken glass now: a way nobody could
            // come by is not read.
            let row = sqlx::query::<D>(
                "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM care_team_members WHERE staff_id = $1 LIMIT $2) AS panel) \
                 AS panel, \
                 (SELECT COUNT(*) FROM (SELECT 1 FROM emergency_access WHERE user_id = $1 AND expires_at > $3 LIMIT 1) \
                 AS glass) AS glass",
            )
            .bind_v(&viewer)
            .bind_v(PANEL_READ_LIMIT + 1)
            .bind_v(ms(now))
            .fetch_one_with(&self.read)
            .await?;
            let (panel, glass): (i64, i64) = (row.get_v("panel")?, row.get_v("glass")?);
            if panel > PANEL_READ_LIMIT {
                ways.push(Way::threads(
                    "EXISTS (SELECT 1 FROM care_team_members c WHERE c.patient_id = t.patient_id AND c.staff_id = $1)"
                        .to_owned(),
                ));
            } else if panel > 0 {
                ways.push(Way::by_patient(
                    "care_team_members c CROSS JOIN threads t",
                    "c.staff_id = $1 AND t.patient_id = c.patient_id",
                ));
            }
            if glass > 0 {
                ways.push(Way::by_patient(
                    "emergency_access e CROSS JOIN threads t",
                    "e.user_id = $1 AND e.expires_at > $2 AND t.patient_id = e.patient_id",
                ));
            }
        }
        Ok(Some(ways))
    }
}

/// The ids of one page: for each way and status, up to `$limit` threads in
/// order that also meet `filters` (which hold the criteria and the cursor),
/// and of those, once each, the first `$limit` in order. Each status is read
/// on its own so that an index that begins with the status keeps the order;
/// the page is cut before the threads are read, so only its own rows are.
pub(crate) fn page_ids(ways: &[Way], status: Option<ThreadStatus>, filters: &str, limit: usize) -> String {
    let statuses: Vec<ThreadStatus> = status.map_or_else(|| ThreadStatus::ALL.to_vec(), |s| vec![s]);
    let mut branches = Vec::with_capacity(ways.len() * statuses.len());
    for Way { from, condition } in ways {
        for status in &statuses {
            branches.push(format!(
                "SELECT * FROM (SELECT t.id, t.urgency_rank, t.wait_key FROM {from} \
                 WHERE {condition} AND t.status = '{}' AND {filters} ORDER BY {IN_BASKET_ORDER} LIMIT ${limit}) AS way{}",
                status.as_str(),
                branches.len()
            ));
        }
    }
    // UNION, not UNION ALL: a thread that comes two ways is on the page once.
    format!(
        "SELECT ways.id FROM ({}) AS ways ORDER BY ways.urgency_rank, ways.wait_key, ways.id LIMIT ${limit}",
        branches.join(" UNION ")
    )
}
