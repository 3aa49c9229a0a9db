//! The clinician's attestation of their time in a period. Both figures are
//! kept: the measured minutes the clinician was shown, and the minutes they
//! attest (which may differ, say for chart review done outside the portal).
//! The attested figure is the one that bills; billing staff see both.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::measure::PeriodMeasure;
use super::period::BillingPeriod;
use crate::DomainError;
use crate::ids::UserId;

/// A clinician's statement of their time for one patient in one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Attestation {
    patient: UserId,
    clinician: UserId,
    period_start: DateTime<Utc>,
    measured_minutes: u32,
    attested_minutes: u32,
    attested_at: DateTime<Utc>,
}

impl Attestation {
    /// The most minutes one period can hold: seven days, plus the hour an
    /// autumn daylight-saving change adds.
    pub const MAX_MINUTES: u32 = 7 * 24 * 60 + 60;

    /// The clinician of `measure` attests `attested_minutes` for `patient`,
    /// having been shown `measured_minutes` (normally the eligible time,
    /// [`super::EligibleTime::minutes`]).
    pub fn new(
        patient: UserId,
        measure: &PeriodMeasure,
        measured_minutes: u32,
        attested_minutes: u32,
        attested_at: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        Self::from_parts(patient, measure.clinician, &measure.period, measured_minutes, attested_minutes, attested_at)
    }

    /// An attestation from its stored parts, checked the same way.
    pub fn from_parts(
        patient: UserId,
        clinician: UserId,
        period: &BillingPeriod,
        measured_minutes: u32,
        attested_minutes: u32,
        attested_at: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        if attested_minutes > Self::MAX_MINUTES {
            return Err(DomainError::invalid("attested_minutes", "cannot be more than the 7-day period holds"));
        }
        if measured_minutes > Self::MAX_MINUTES {
            return Err(DomainError::invalid("measured_minutes", "cannot be more than the 7-day period holds"));
        }
        if attested_at < period.start() {
            return Err(DomainError::invalid("attested_at", "cannot be before the period began"));
        }
        Ok(Self { patient, clinician, period_start: period.start(), measured_minutes, attested_minutes, attested_at })
    }

    #[must_use]
    pub const fn patient(&self) -> UserId {
        self.patient
    }

    #[must_use]
    pub const fn clinician(&self) -> UserId {
        self.clinician
    }

    /// The start of the period attested (its first review).
    #[must_use]
    pub const fn period_start(&self) -> DateTime<Utc> {
        self.period_start
    }

    #[must_use]
    pub const fn measured_minutes(&self) -> u32 {
        self.measured_minutes
    }

    /// The minutes that bill.
    #[must_use]
    pub const fn attested_minutes(&self) -> u32 {
        self.attested_minutes
    }

    #[must_use]
    pub const fn attested_at(&self) -> DateTime<Utc> {
        self.attested_at
    }

    /// Attested minus measured minutes: positive when the clinician attests
    /// more than was measured.
    #[must_use]
    pub fn difference(&self) -> i64 {
        i64::from(self.attested_minutes) - i64::from(self.measured_minutes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;
    use chrono_tz::America::Chicago;
    use uuid::Uuid;

    #[test]
    fn an_attestation_keeps_both_figures_and_refuses_impossible_ones() {
        let start = DateTime::UNIX_EPOCH + TimeDelta::days(20_000);
        let period = BillingPeriod::starting_at(start, Chicago);
        let who = UserId::from_uuid(Uuid::from_u128(1));
        let later = start + TimeDelta::days(8);
        let a = Attestation::from_parts(who, who, &period, 9, 12, later).expect("valid");
        assert_eq!((a.measured_minutes(), a.attested_minutes(), a.difference()), (9, 12, 3));
        let field = |r: Result<Attestation, DomainError>| r.map_err(|e| e.field());
        assert_eq!(field(Attestation::from_parts(who, who, &period, 9, 20_000, later)), Err("attested_minutes"));
        assert_eq!(field(Attestation::from_parts(who, who, &period, 20_000, 9, later)), Err("measured_minutes"));
        let early = start - TimeDelta::minutes(1);
        assert_eq!(field(Attestation::from_parts(who, who, &period, 9, 9, early)), Err("attested_at"));
    }
}
