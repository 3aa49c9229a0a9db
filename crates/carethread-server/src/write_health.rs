//! Whether this server's writes fail for want of room (a full disk), and the
//! sign-outs it could not write meanwhile.
//!
//! A write refused for want of room answers 503 with `Retry-After` and marks
//! writes as failing; `/readyz` then says "not ready" until a probe write
//! succeeds (tried when `/readyz` is asked, and every few seconds in the
//! background). A sign-out that cannot be written still ends the session:
//! the token is refused from then on by this server, and the sign-out (with
//! its audit entry) is written once there is room again. On PostgreSQL with
//! several servers, the other servers learn of it only then.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use carethread_core::audit::AuditEvent;
use carethread_core::ids::UserId;
use carethread_store::Store;
use chrono::{DateTime, Utc};

use crate::AppState;

/// How often the background probe tries a write while writes fail.
const PROBE_EVERY: Duration = Duration::from_secs(5);
/// The shortest time between two probes asked for by `/readyz`.
const PROBE_AT_MOST_EVERY: Duration = Duration::from_secs(1);

/// Marks a response whose request failed because the database had no room.
#[derive(Debug, Clone, Copy)]
pub struct WritesFailing;

/// A sign-out that could not be written yet.
struct HeldSignOut {
    user: UserId,
    /// Signed out everywhere: every session of the user started before this
    /// ends (otherwise only the session the entry is keyed by).
    everywhere_before: Option<DateTime<Utc>>,
    audit: AuditEvent,
    /// After this the session has expired anyway.
    until: Instant,
}

/// This server's view of whether writes succeed.
#[derive(Default)]
pub struct WriteHealth {
    failing: AtomicBool,
    /// A background probe is running.
    probing: AtomicBool,
    last_probe: Mutex<Option<Instant>>,
    /// Ended sessions (by token hash) whose sign-out is not yet written.
    held: Mutex<HashMap<String, HeldSignOut>>,
}

impl WriteHealth {
    /// Whether the last write (or probe) failed for want of room.
    #[must_use]
    pub fn failing(&self) -> bool {
        self.failing.load(Ordering::SeqCst)
    }

    /// Records that a write failed for want of room, and starts probing.
    pub fn failed(self: &Arc<Self>, store: &Arc<dyn Store>) {
        if !self.failing.swap(true, Ordering::SeqCst) {
            tracing::error!(
                "writes are failing: the database has no room (disk full); answering 503 until a write succeeds"
            );
        }
        self.start_probing(store);
    }

    /// Ends a session in memory when its sign-out could not be written: the
    /// token is refused from now on, and the sign-out is written later.
    pub fn hold_sign_out(
        self: &Arc<Self>,
        store: &Arc<dyn Store>,
        token_hash: &str,
        user: UserId,
        audit: AuditEvent,
        lifetime: Duration,
    ) {
        self.hold(token_hash.to_owned(), user, None, audit, lifetime);
        tracing::warn!(user.id = %user, "sign-out held in memory until it can be written");
        self.start_probing(store);
    }

    /// Ends every session of `user` started before `now` in memory, when
    /// signing out everywhere could not be written. When it is written later,
    /// sessions started in between end too (the store ends all of them).
    pub fn hold_sign_out_everywhere(
        self: &Arc<Self>,
        store: &Arc<dyn Store>,
        user: UserId,
        now: DateTime<Utc>,
        audit: AuditEvent,
        lifetime: Duration,
    ) {
        self.hold(format!("everywhere:{user}"), user, Some(now), audit, lifetime);
        tracing::warn!(user.id = %user, "sign-out everywhere held in memory until it can be written");
        self.start_probing(store);
    }

    /// Keeps a sign-out until it is written, or for `lifetime` (after which
    /// the sessions it ends have expired anyway).
    fn hold(
        &self,
        key: String,
        user: UserId,
        everywhere_before: Option<DateTime<Utc>>,
        audit: AuditEvent,
        lifetime: Duration,
    ) {
        if let Ok(mut held) = self.held.lock() {
            let now = Instant::now();
            held.retain(|_, h| h.until > now);
            held.insert(key, HeldSignOut { user, everywhere_before, audit, until: now + lifetime });
        }
    }

    /// Whether the user signed out everywhere after this session started,
    /// while the sign-out could not be written.
    #[must_use]
    pub fn signed_out_everywhere(&self, user: UserId, session_started: DateTime<Utc>) -> bool {
        self.held.lock().is_ok_and(|held| {
            held.get(&format!("everywhere:{user}"))
                .and_then(|h| h.everywhere_before.filter(|_| h.until > Instant::now()))
                .is_some_and(|before| session_started <= before)
        })
    }

    /// Whether this session was signed out while the sign-out could not be written.
    #[must_use]
    pub fn signed_out(&self, token_hash: &str) -> bool {
        self.held.lock().is_ok_and(|held| held.get(token_hash).is_some_and(|h| h.until > Instant::now()))
    }

    /// Whether writes succeed: while they were failing, tries a probe write
    /// (at most once a second) and writes the held sign-outs.
    pub async fn check(&self, store: &dyn Store) -> bool {
        if !self.failing() {
            return true;
        }
        let due = self.last_probe.lock().map_or(true, |mut last| {
            let due = last.is_none_or(|at| at.elapsed() >= PROBE_AT_MOST_EVERY);
            if due {
                *last = Some(Instant::now());
            }
            due
        });
        if due {
            self.probe(store).await;
        }
        !self.failing()
    }

    /// One probe: a write, then the held sign-outs. Clears the failing flag when all succeed.
    async fn probe(&self, store: &dyn Store) -> bool {
        if let Err(err) = store.probe_write().await {
            tracing::debug!(error = %err, "write probe failed");
            self.failing.store(true, Ordering::SeqCst);
            return false;
        }
        let held: Vec<(String, UserId, bool, AuditEvent)> = self
            .held
            .lock()
            .map(|h| {
                h.iter().map(|(key, s)| (key.clone(), s.user, s.everywhere_before.is_some(), s.audit.clone())).collect()
            })
            .unwrap_or_default();
        for (hash, user, everywhere, audit) in held {
            let only = (!everywhere).then_some(hash.as_str());
            if let Err(err) = store.end_sessions(user, only, &audit).await {
                tracing::debug!(error = %err, "held sign-out not written yet");
                return false;
            }
            if let Ok(mut h) = self.held.lock() {
                h.remove(&hash);
            }
            tracing::info!(user.id = %user, "held sign-out written");
        }
        if self.failing.swap(false, Ordering::SeqCst) {
            tracing::info!("writes succeed again");
        }
        true
    }

    fn has_held(&self) -> bool {
        self.held.lock().is_ok_and(|h| !h.is_empty())
    }

    /// Probes every [`PROBE_EVERY`] in the background until writes succeed
    /// and nothing is held.
    fn start_probing(self: &Arc<Self>, store: &Arc<dyn Store>) {
        if self.probing.swap(true, Ordering::SeqCst) {
            return;
        }
        let (health, store) = (Arc::clone(self), Arc::clone(store));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(PROBE_EVERY).await;
                if health.probe(&*store).await && !health.has_held() {
                    break;
                }
            }
            health.probing.store(false, Ordering::SeqCst);
            // A failure that arrived as the loop ended starts it again.
            if health.failing() || health.has_held() {
                health.start_probing(&store);
            }
        });
    }
}

/// Middleware: a response marked [`WritesFailing`] marks this server's writes as failing.
pub async fn watch(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.extensions().get::<WritesFailing>().is_some() {
        state.write_health.failed(&state.store);
    }
    response
}
