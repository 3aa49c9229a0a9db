//! The sign-in budget per network address (GCRA, by `governor`): a burst
//! of the clinic's attempts per minute, then one more at a time. A network
//! concern of the HTTP layer; the account lockout itself is the
//! application layer's.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

/// Sign-in attempts per network address. (The account lockout is the
/// application layer's; this budget is about the network.)
#[derive(Default)]
pub struct LoginGuard {
    /// The per-address budget, built for the clinic's attempts per minute.
    by_address: Mutex<Option<Arc<AddressLimit>>>,
}

/// Checks between two sweeps of addresses whose budget is full again.
const SWEEP_EVERY: u32 = 1024;

/// A `governor` limiter keyed by network address, on clock `C`
/// (`DefaultKeyedRateLimiter<String>` on the default clock).
type KeyedLimiter<C> = RateLimiter<String, DefaultKeyedStateStore<String>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// Sign-in attempts per network address (GCRA, by `governor`): a burst of
/// `per_minute` attempts, then one more every `60 / per_minute` seconds. An
/// attempt whose address is unknown counts against one shared budget.
struct AddressLimit<C: Clock = DefaultClock> {
    per_minute: u32,
    /// `None` when no attempt is allowed at all (zero per minute).
    limiter: Option<KeyedLimiter<C>>,
    checks: AtomicU32,
}

impl<C: Clock> AddressLimit<C> {
    fn new(per_minute: u32, clock: C) -> Self {
        let limiter = NonZeroU32::new(per_minute)
            .map(|n| RateLimiter::new(Quota::per_minute(n), DefaultKeyedStateStore::default(), clock));
        Self { per_minute, limiter, checks: AtomicU32::new(0) }
    }

    /// Counts an attempt from `address`; false once its budget is spent.
    fn admit(&self, address: &str) -> bool {
        let Some(limiter) = &self.limiter else { return false };
        // Memory stays bounded: addresses idle long enough to have their whole
        // budget back are forgotten now and then.
        if self.checks.fetch_add(1, Ordering::Relaxed).is_multiple_of(SWEEP_EVERY) {
            limiter.retain_recent();
        }
        limiter.check_key(&address.to_owned()).is_ok()
    }
}

impl LoginGuard {
    /// Counts an attempt from `address`; false once over `per_minute`.
    pub(crate) fn admit(&self, address: Option<&str>, per_minute: u32) -> bool {
        let limit = {
            let mut current = held(&self.by_address);
            match current.as_ref() {
                Some(limit) if limit.per_minute == per_minute => Arc::clone(limit),
                _ => Arc::clone(current.insert(Arc::new(AddressLimit::new(per_minute, DefaultClock::default())))),
            }
        };
        limit.admit(address.unwrap_or_default())
    }
}

/// The guard's counters, even after a panic elsewhere left their lock
/// poisoned: every update leaves them consistent, and a guard that stopped
/// counting would let guesses through unchecked.
fn held<T>(lock: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_limit_still_counts_after_a_panic_poisoned_its_lock() {
        let guard = std::sync::Arc::new(LoginGuard::default());
        let poisoner = guard.clone();
        let panicked = std::thread::spawn(move || {
            let _held = poisoner.by_address.lock();
            panic!("a panic while the counters are held");
        })
        .join();
        assert!(panicked.is_err());
        assert!(guard.by_address.is_poisoned());
        assert!(guard.admit(Some("192.0.2.1"), 2));
        assert!(guard.admit(Some("192.0.2.1"), 2));
        assert!(!guard.admit(Some("192.0.2.1"), 2), "the third attempt in the minute is refused");
    }

    #[test]
    fn an_address_gets_its_budget_back_as_time_passes_and_idle_ones_are_forgotten() {
        use governor::clock::FakeRelativeClock;
        use std::time::Duration;

        let clock = FakeRelativeClock::default();
        let limit = AddressLimit::new(3, clock.clone());
        for _ in 0..3 {
            assert!(limit.admit("192.0.2.1"));
        }
        assert!(!limit.admit("192.0.2.1"), "the fourth attempt at once is refused");
        assert!(limit.admit("192.0.2.2"), "another address has its own budget");
        assert!(!limit.admit("192.0.2.1"), "a refused attempt frees nothing");

        clock.advance(Duration::from_secs(19));
        assert!(!limit.admit("192.0.2.1"), "not yet a third of a minute later");
        clock.advance(Duration::from_secs(1));
        assert!(limit.admit("192.0.2.1"), "one attempt more every 20 seconds");
        assert!(!limit.admit("192.0.2.1"));

        clock.advance(Duration::from_mins(1));
        for _ in 0..3 {
            assert!(limit.admit("192.0.2.1"), "a minute later the whole budget is back");
        }
        let limiter = limit.limiter.as_ref().expect("a limiter for 3 a minute");
        assert_eq!(limiter.len(), 2);
        clock.advance(Duration::from_mins(2));
        limiter.retain_recent();
        assert_eq!(limiter.len(), 0, "addresses with their whole budget back are forgotten");
    }

    #[test]
    fn no_attempt_is_allowed_with_a_budget_of_zero_and_unknown_addresses_share_one() {
        let guard = LoginGuard::default();
        assert!(!guard.admit(Some("192.0.2.1"), 0));
        assert!(guard.admit(None, 1));
        assert!(!guard.admit(None, 1), "attempts without an address share one budget");
    }
}
