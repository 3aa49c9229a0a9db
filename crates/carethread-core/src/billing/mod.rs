//! E-visit billing: which patient-initiated portal conversations are billable
//! as an online digital evaluation and management (E/M) service, under which
//! code, and why not when they are not.
//!
//! Pure rules. Nothing here reads the clock or a database: the caller passes
//! the clinic's settings, the patient's facts, the threads with their
//! messages, the clinicians' measured activity and the current time.
//!
//! How a decision is reached, in order:
//!
//! 1. [`time`]: activity pings from the portal (page visible, reading,
//!    drafting, typing) become intervals, with idle gaps over the clinic's
//!    cutoff left out ([`intervals_from_pings`]); overlapping intervals (two
//!    tabs) are made disjoint so no second is counted twice
//!    ([`exclusive_intervals`]).
//! 2. [`measure()`]: a clinician's first review of a patient's new message on a
//!    thread the patient started opens a 7-day [`BillingPeriod`] (seven
//!    calendar days in the clinic's time zone, see [`period`]); every second
//!    of that clinician's activity on the patient's threads inside the period
//!    is counted per thread.
//! 3. The clinician attests the minutes ([`Attestation`]: the measured and
//!    the attested figure are both kept; the attested one bills).
//! 4. [`decide`]: every exclusion is checked ([`Exclusion`]); with none that
//!    stops billing, the attested minutes and the clinician's billing class
//!    give the [`EVisitCode`].

/// Read-only accessors for a value type's `Copy` fields, each returning the field.
macro_rules! getters {
    ($($(#[$doc:meta])* $field:ident: $ty:ty),+ $(,)?) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub const fn $field(&self) -> $ty {
                self.$field
            }
        )+
    };
}

/// An enum of stable codes: `as_str` for storage and the API, `parse` for
/// reading them back, serde using the same codes.
macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal {
        $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)?
    }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($(#[$vdoc])* #[serde(rename = $text)] $variant),+ }

        $crate::enum_names!($name, $field { $($variant => $text),+ });
    };
}

pub mod attestation;
pub mod codes;
pub mod decision;
pub mod eligibility;
pub mod exclusion;
pub mod measure;
pub mod period;
pub mod time;

#[cfg(test)]
mod tests;

pub use attestation::Attestation;

/// How often the staff thread page reports activity while it is visible and
/// in use (`billing-activity.js`): each ping stands for this many seconds of
/// work in the clinic's workload figures.
pub const ACTIVITY_PING_SECONDS: i64 = 15;
pub use codes::{BillingClass, BillingClasses, EVisitCode, MIN_BILLABLE_MINUTES, Payer, code_for};
pub use decision::{BillingDecision, EligibleTime, decide, eligible_time};
pub use eligibility::{
    Consent, EVisitMessage, EVisitThread, MessagePurpose, PatientBillingFacts, patient_exclusions, thread_exclusions,
};
pub use exclusion::Exclusion;
pub use measure::{PeriodMeasure, ThreadTime, measure, measure_pings};
pub use period::BillingPeriod;
pub use time::{
    ActivityInterval, ActivityKind, ActivityPing, IdleCutoff, exclusive_intervals, intervals_from_pings, union_length,
    whole_minutes,
};

use chrono_tz::Tz;

/// The clinic's billing settings. The time zone is the one of the clinic's
/// profile ([`crate::profile::ClinicHours::timezone`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingSettings {
    /// The clinic's time zone: periods are counted in its calendar days.
    pub timezone: Tz,
    /// Which code family non-physician professionals bill under.
    pub payer: Payer,
    /// How the clinic's roles and people map to billing classes.
    pub classes: BillingClasses,
    /// Gaps between activity pings longer than this are idle, not counted.
    pub idle_cutoff: IdleCutoff,
}

impl BillingSettings {
    /// Defaults for a clinic in `timezone`: non-Medicare payer, the default
    /// role mapping and a 60-second idle cutoff.
    #[must_use]
    pub fn new(timezone: Tz) -> Self {
        Self { timezone, payer: Payer::Other, classes: BillingClasses::default(), idle_cutoff: IdleCutoff::default() }
    }
}
