//! The clinic profile as the running server sees it: read from the store,
//! kept for a few seconds so a send does not read it each time, and
//! refreshed at once on the server that saves a change (another server on
//! the same database sees it within [`PROFILE_TTL`]).

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use carethread_core::profile::{ClinicHours, ClinicProfile};
use carethread_core::thread::Urgency;
use carethread_store::Store;
use chrono::{DateTime, Utc};

/// How long a read profile is used before it is read again.
pub const PROFILE_TTL: Duration = Duration::from_secs(5);

/// A checked profile with its working hours.
#[derive(Debug, Clone)]
pub struct Clinic {
    pub profile: ClinicProfile,
    pub hours: ClinicHours,
}

impl Clinic {
    /// When a reply is due on a thread waiting since `since`.
    #[must_use]
    pub fn due_at(&self, since: DateTime<Utc>, urgency: Urgency) -> DateTime<Utc> {
        self.hours.due_at(&self.profile, since, urgency)
    }
}

/// A value read from the store and used for [`PROFILE_TTL`] before it is
/// read again; the server that saves a change puts the new value at once.
pub struct Fresh<T> {
    slot: RwLock<Option<(Instant, Arc<T>)>>,
}

impl<T> Default for Fresh<T> {
    fn default() -> Self {
        Self { slot: RwLock::new(None) }
    }
}

impl<T> Fresh<T> {
    /// The value, while it is fresh.
    pub fn get(&self) -> Option<Arc<T>> {
        self.last().filter(|(read_at, _)| read_at.elapsed() < PROFILE_TTL).map(|(_, value)| value)
    }

    /// The last value read, however old, and when.
    pub fn last(&self) -> Option<(Instant, Arc<T>)> {
        self.slot.read().ok().and_then(|slot| slot.clone())
    }

    /// Uses `value` from now on.
    pub fn put(&self, value: Arc<T>) {
        if let Ok(mut slot) = self.slot.write() {
            *slot = Some((Instant::now(), value));
        }
    }
}

/// The profile in use, and the defaults for a clinic that saved none.
pub struct ProfileCache {
    defaults: Arc<Clinic>,
    current: Fresh<Clinic>,
}

impl ProfileCache {
    /// A cache whose defaults are the built-in profile with the configured message limit.
    #[must_use]
    pub fn new(message_max_chars: usize) -> Self {
        let configured = ClinicProfile { message_max_chars, ..ClinicProfile::default() };
        // A configured limit outside the range an administrator may set falls back to the default.
        let (profile, hours) = if let Ok(hours) = configured.validate() {
            (configured, hours)
        } else {
            let builtin = ClinicProfile::default();
            let hours = builtin_hours(&builtin);
            (builtin, hours)
        };
        Self { defaults: Arc::new(Clinic { profile, hours }), current: Fresh::default() }
    }

    /// The profile now: the cached one while fresh, else the store's (the
    /// last known one if the store cannot be read, else the defaults).
    pub async fn get(&self, store: &dyn Store) -> Arc<Clinic> {
        if let Some(clinic) = self.current.get() {
            return clinic;
        }
        let fresh = match store.clinic_profile().await {
            Ok(Some(profile)) => match profile.validate() {
                Ok(hours) => Arc::new(Clinic { profile, hours }),
                Err(_) => self.defaults.clone(),
            },
            Ok(None) => self.defaults.clone(),
            Err(err) => {
                tracing::warn!(error = %err, "clinic profile unreadable; keeping the last one");
                return self.current.last().map_or_else(|| self.defaults.clone(), |(_, c)| c);
            }
        };
        self.put(fresh.clone());
        fresh
    }

    /// Uses `clinic` from now on (after this server saved it).
    pub fn put(&self, clinic: Arc<Clinic>) {
        self.current.put(clinic);
    }
}

/// The hours of a profile known to be valid (the built-in one; core's tests check it).
fn builtin_hours(profile: &ClinicProfile) -> ClinicHours {
    profile.validate().expect("the built-in clinic profile is valid")
}
