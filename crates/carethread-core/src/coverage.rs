//! Coverage while a clinician is away: who is away from when until when, who
//! covers (a colleague or a pool), and where a thread assigned to them goes
//! meanwhile. Threads moved to the coverer come back when the absence ends,
//! unless someone took them in between.
//!
//! Pure: the current time is passed in.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::ids::{PoolId, UserId};
use crate::thread::ThreadStatus;

/// The longest absence one setting covers; a longer one is set again when it ends.
pub const MAX_ABSENCE_DAYS: i64 = 90;

/// Who takes over an away clinician's threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Coverer {
    /// One colleague.
    User(UserId),
    /// A pool: the threads wait there, unassigned, for whoever claims them.
    Pool(PoolId),
}

/// A clinician's time away and who covers meanwhile. Built by [`Absence::new`],
/// so every value holds a valid period and a coverer other than the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Absence {
    person: UserId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    coverer: Coverer,
}

impl Absence {
    /// An absence of `person` from `from` until `until`, covered by
    /// `coverer`: it must end after it starts (and after `now`: a period
    /// already over covers nothing), last at most [`MAX_ABSENCE_DAYS`], and
    /// nobody covers for themselves.
    pub fn new(
        person: UserId,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        coverer: Coverer,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        if until <= from {
            return Err(DomainError::invalid("until", "must be after the start of the absence"));
        }
        if until <= now {
            return Err(DomainError::invalid("until", "must be in the future"));
        }
        if until - from > TimeDelta::days(MAX_ABSENCE_DAYS) {
            return Err(DomainError::invalid("until", format!("an absence lasts at most {MAX_ABSENCE_DAYS} days")));
        }
        if coverer == Coverer::User(person) {
            return Err(DomainError::invalid("coverer", "must be someone else"));
        }
        Ok(Self { person, from, until, coverer })
    }

    /// An absence as stored: read back without the checks that depend on
    /// when it was set (it may have ended since).
    #[must_use]
    pub const fn stored(person: UserId, from: DateTime<Utc>, until: DateTime<Utc>, coverer: Coverer) -> Self {
        Self { person, from, until, coverer }
    }

    #[must_use]
    pub const fn person(&self) -> UserId {
        self.person
    }

    #[must_use]
    pub const fn from(&self) -> DateTime<Utc> {
        self.from
    }

    #[must_use]
    pub const fn until(&self) -> DateTime<Utc> {
        self.until
    }

    #[must_use]
    pub const fn coverer(&self) -> Coverer {
        self.coverer
    }

    /// Whether the person is away at `now`: from the start (included) to the
    /// end (excluded).
    #[must_use]
    pub fn in_force(&self, now: DateTime<Utc>) -> bool {
        self.from <= now && now < self.until
    }
}

/// Where a thread assigned to `assignee` goes at `now`, given the absences
/// known: to the coverer of an absence of the assignee in force, `None`
/// when the assignee is not away (the thread stays). A coverer who is away
/// too hands on to their own coverer, never round in a circle.
#[must_use]
pub fn covered_by(assignee: UserId, absences: &[Absence], now: DateTime<Utc>) -> Option<Coverer> {
    let away = |person: UserId| absences.iter().find(|a| a.person == person && a.in_force(now));
    let mut seen = vec![assignee];
    let mut cover = away(assignee)?.coverer;
    while let Coverer::User(next) = cover {
        if seen.contains(&next) {
            break;
        }
        seen.push(next);
        match away(next) {
            Some(absence) => cover = absence.coverer,
            None => break,
        }
    }
    Some(cover)
}

/// A thread moved to a coverer, and how it stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MovedThread {
    /// Where it went when the absence began.
    pub moved_to: Coverer,
    pub status: ThreadStatus,
    pub pool_id: Option<PoolId>,
    pub assignee_id: Option<UserId>,
}

/// Whether a thread moved to a coverer comes back when the absence ends: it
/// is still open (not closed) and still where it was moved (the colleague
/// still holds it, or it still waits unclaimed in the pool). A thread that
/// someone else took meanwhile stays with them.
#[must_use]
pub fn comes_back(moved: &MovedThread) -> bool {
    if moved.status == ThreadStatus::Closed {
        return false;
    }
    match moved.moved_to {
        Coverer::User(colleague) => moved.assignee_id == Some(colleague),
        Coverer::Pool(pool) => moved.assignee_id.is_none() && moved.pool_id == Some(pool),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn uid(n: u128) -> UserId {
        UserId::from_uuid(Uuid::from_u128(n))
    }
    fn pool(n: u128) -> PoolId {
        PoolId::from_uuid(Uuid::from_u128(n))
    }
    fn day(n: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + TimeDelta::days(20_000 + n)
    }
    const LEE: u128 = 1;
    const KIM: u128 = 2;
    const PATEL: u128 = 3;

    fn away(person: u128, from: i64, until: i64, coverer: Coverer) -> Absence {
        Absence::new(uid(person), day(from), day(until), coverer, day(0)).expect("valid absence")
    }

    #[test]
    fn an_absence_must_end_after_it_starts_and_in_the_future() {
        let kim = Coverer::User(uid(KIM));
        assert_eq!(Absence::new(uid(LEE), day(3), day(3), kim, day(0)).unwrap_err().field(), "until");
        assert_eq!(Absence::new(uid(LEE), day(3), day(2), kim, day(0)).unwrap_err().field(), "until");
        assert_eq!(Absence::new(uid(LEE), day(-5), day(-1), kim, day(0)).unwrap_err().field(), "until");
        assert!(Absence::new(uid(LEE), day(-5), day(1), kim, day(0)).is_ok());
    }

    #[test]
    fn an_absence_lasts_at_most_ninety_days() {
        let kim = Coverer::User(uid(KIM));
        assert!(Absence::new(uid(LEE), day(1), day(91), kim, day(0)).is_ok());
        let refused = Absence::new(uid(LEE), day(1), day(92), kim, day(0)).unwrap_err();
        assert!(refused.reason().contains("90 days"), "{refused}");
    }

    #[test]
    fn nobody_covers_for_themselves() {
        let refused = Absence::new(uid(LEE), day(1), day(2), Coverer::User(uid(LEE)), day(0)).unwrap_err();
        assert_eq!(refused.field(), "coverer");
        assert!(Absence::new(uid(LEE), day(1), day(2), Coverer::Pool(pool(9)), day(0)).is_ok());
    }

    #[test]
    fn an_absence_is_in_force_from_its_start_until_just_before_its_end() {
        let a = away(LEE, 1, 3, Coverer::User(uid(KIM)));
        assert!(!a.in_force(day(1) - TimeDelta::seconds(1)));
        assert!(a.in_force(day(1)));
        assert!(a.in_force(day(3) - TimeDelta::seconds(1)));
        assert!(!a.in_force(day(3)));
    }

    #[test]
    fn a_thread_goes_to_the_coverer_only_while_the_assignee_is_away() {
        let absences = [away(LEE, 1, 3, Coverer::User(uid(KIM)))];
        assert_eq!(covered_by(uid(LEE), &absences, day(0)), None);
        assert_eq!(covered_by(uid(LEE), &absences, day(2)), Some(Coverer::User(uid(KIM))));
        assert_eq!(covered_by(uid(LEE), &absences, day(3)), None);
        assert_eq!(covered_by(uid(KIM), &absences, day(2)), None);
    }

    #[test]
    fn an_away_coverer_hands_on_to_their_own_coverer_without_going_round() {
        let chain = [away(LEE, 1, 5, Coverer::User(uid(KIM))), away(KIM, 2, 4, Coverer::User(uid(PATEL)))];
        assert_eq!(covered_by(uid(LEE), &chain, day(1)), Some(Coverer::User(uid(KIM))));
        assert_eq!(covered_by(uid(LEE), &chain, day(3)), Some(Coverer::User(uid(PATEL))));
        let circle = [away(LEE, 1, 5, Coverer::User(uid(KIM))), away(KIM, 1, 5, Coverer::User(uid(LEE)))];
        assert_eq!(covered_by(uid(LEE), &circle, day(2)), Some(Coverer::User(uid(LEE))));
        let to_pool = [away(LEE, 1, 5, Coverer::User(uid(KIM))), away(KIM, 1, 5, Coverer::Pool(pool(9)))];
        assert_eq!(covered_by(uid(LEE), &to_pool, day(2)), Some(Coverer::Pool(pool(9))));
    }

    #[test]
    fn a_moved_thread_comes_back_unless_taken_or_closed() {
        let kim = uid(KIM);
        let moved = MovedThread {
            moved_to: Coverer::User(kim),
            status: ThreadStatus::Open,
            pool_id: None,
            assignee_id: Some(kim),
        };
        assert!(comes_back(&moved));
        assert!(comes_back(&MovedThread { status: ThreadStatus::AwaitingPatient, ..moved }));
        assert!(!comes_back(&MovedThread { status: ThreadStatus::Closed, ..moved }));
        assert!(!comes_back(&MovedThread { assignee_id: Some(uid(PATEL)), ..moved }));
        let in_pool = MovedThread {
            moved_to: Coverer::Pool(pool(9)),
            status: ThreadStatus::Open,
            pool_id: Some(pool(9)),
            assignee_id: None,
        };
        assert!(comes_back(&in_pool));
        assert!(!comes_back(&MovedThread { assignee_id: Some(uid(PATEL)), ..in_pool }));
        assert!(!comes_back(&MovedThread { pool_id: Some(pool(8)), ..in_pool }));
    }
}
