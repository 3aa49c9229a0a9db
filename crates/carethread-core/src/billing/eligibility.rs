//! What must be true of the patient and of each thread for its time to
//! count: an established patient with current consent, outside a surgical
//! global period; a thread the patient started, about an evaluation, not
//! tied to an E/M visit about the same problem in the 7 days before or
//! after.

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::exclusion::Exclusion;
use super::period::{BillingPeriod, PERIOD_DAYS, sub_local_days};
use crate::DomainError;
use crate::ids::{MessageId, ThreadId, UserId};
use crate::role::Role;
use crate::thread::Category;

code_enum!(
    /// What the clinician's work on a thread was, as the clinician records
    /// it. Only an evaluation can bill.
    MessagePurpose, "purpose" {
        /// Medical evaluation and management of the patient's question.
        Evaluation => "evaluation",
        /// Making, moving or cancelling an appointment.
        Scheduling => "scheduling",
        /// Passing on a test result without evaluating it.
        ResultNotice => "result_notice",
        /// Renewing a prescription without evaluation.
        RefillWithoutEvaluation => "refill_without_evaluation",
        /// Forms, bills, records requests and other office matters.
        Administrative => "administrative",
    }
);

impl MessagePurpose {
    /// The purpose a thread's category already settles. Scheduling and
    /// administrative threads are never an evaluation; for the others the
    /// clinician has to say (a results or medication question may or may not
    /// have needed one).
    #[must_use]
    pub const fn suggested_for(category: Category) -> Option<Self> {
        match category {
            Category::Scheduling => Some(MessagePurpose::Scheduling),
            Category::Administrative => Some(MessagePurpose::Administrative),
            Category::Medication | Category::Results | Category::Clinical | Category::Other => None,
        }
    }

    /// The exclusion a non-evaluative purpose brings.
    #[must_use]
    pub const fn exclusion(self) -> Option<Exclusion> {
        match self {
            MessagePurpose::Evaluation => None,
            MessagePurpose::Scheduling => Some(Exclusion::Scheduling),
            MessagePurpose::ResultNotice => Some(Exclusion::ResultNotice),
            MessagePurpose::RefillWithoutEvaluation => Some(Exclusion::RefillWithoutEvaluation),
            MessagePurpose::Administrative => Some(Exclusion::Administrative),
        }
    }
}

/// A message as billing sees it: who sent it and when, never its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EVisitMessage {
    pub id: MessageId,
    pub sent_at: DateTime<Utc>,
    pub author: UserId,
    pub author_role: Role,
    /// Internal notes are never part of the conversation with the patient.
    pub internal: bool,
}

impl EVisitMessage {
    /// Written by the patient or a proxy acting for them, to the care team.
    #[must_use]
    pub const fn from_patient_side(&self) -> bool {
        !self.internal && matches!(self.author_role, Role::Patient | Role::Proxy)
    }
}

/// A patient's thread as billing sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EVisitThread {
    pub id: ThreadId,
    /// The role of whoever started the thread.
    pub started_by: Role,
    pub purpose: MessagePurpose,
    /// E/M visits about the same problem as this thread, including a visit
    /// the thread led to (linked by the clinician or the scheduler).
    pub related_visits: Vec<DateTime<Utc>>,
    pub messages: Vec<EVisitMessage>,
}

impl EVisitThread {
    /// Started through the portal by the patient, or a proxy for them.
    #[must_use]
    pub const fn patient_initiated(&self) -> bool {
        matches!(self.started_by, Role::Patient | Role::Proxy)
    }
}

/// The patient's agreement to be billed for online visits: given on a date,
/// perhaps withdrawn since. It is current for [`Consent::VALID_DAYS`] days
/// from the day it was given, that day included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Consent {
    given_on: NaiveDate,
    withdrawn_on: Option<NaiveDate>,
}

impl Consent {
    /// How long consent lasts: given on 2026-01-01, it is current through
    /// 2026-12-31 and not on 2027-01-01.
    pub const VALID_DAYS: u64 = 365;

    /// A consent; refused when withdrawn before it was given.
    pub fn new(given_on: NaiveDate, withdrawn_on: Option<NaiveDate>) -> Result<Self, DomainError> {
        if withdrawn_on.is_some_and(|w| w < given_on) {
            return Err(DomainError::invalid("consent_withdrawn_on", "cannot be before consent was given"));
        }
        Ok(Self { given_on, withdrawn_on })
    }

    #[must_use]
    pub const fn given_on(&self) -> NaiveDate {
        self.given_on
    }

    #[must_use]
    pub const fn withdrawn_on(&self) -> Option<NaiveDate> {
        self.withdrawn_on
    }

    /// Why the consent does not cover `date`, if it does not.
    #[must_use]
    pub fn exclusion_on(&self, date: NaiveDate) -> Option<Exclusion> {
        let expires = self.given_on.checked_add_days(Days::new(Self::VALID_DAYS)).unwrap_or(NaiveDate::MAX);
        if self.withdrawn_on.is_some_and(|w| w <= date) {
            Some(Exclusion::ConsentWithdrawn)
        } else if date < self.given_on {
            Some(Exclusion::NoConsent)
        } else if date >= expires {
            Some(Exclusion::ConsentExpired)
        } else {
            None
        }
    }
}

/// What billing needs to know about the patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatientBillingFacts {
    pub patient: UserId,
    /// The date of the patient's first visit; `None` if they have had none.
    pub first_visit_on: Option<NaiveDate>,
    /// The last day of a surgical global period the patient is in, if any.
    pub surgical_global_until: Option<NaiveDate>,
    /// The patient's latest consent record, if they ever gave one.
    pub consent: Option<Consent>,
}

/// The exclusions the patient's facts bring to `period`. All are judged on
/// the date of service, the clinic's date of the first review:
/// - established: the first visit was on an earlier date (the day of a first
///   visit belongs to that new-patient visit);
/// - surgical global period: the service date is on or before its last day;
/// - consent: current on the service date.
#[must_use]
pub fn patient_exclusions(patient: &PatientBillingFacts, period: &BillingPeriod, tz: Tz) -> Vec<Exclusion> {
    let date = period.service_date(tz);
    let mut out = Vec::new();
    if patient.first_visit_on.is_none_or(|first| first >= date) {
        out.push(Exclusion::NotEstablished);
    }
    if patient.surgical_global_until.is_some_and(|last_day| date <= last_day) {
        out.push(Exclusion::SurgicalGlobalPeriod);
    }
    match &patient.consent {
        None => out.push(Exclusion::NoConsent),
        Some(consent) => out.extend(consent.exclusion_on(date)),
    }
    out
}

/// The exclusions that set `thread`'s time in `period` aside. `inquiry_at`
/// is when the patient's inquiry began (their first message reviewed in the
/// period, or the period's start if earlier). A related visit from 7
/// calendar days before the inquiry up to it is a recent visit about the
/// same problem; one from the inquiry to the period's end is a visit the
/// thread led to.
#[must_use]
pub fn thread_exclusions(
    thread: &EVisitThread,
    period: &BillingPeriod,
    inquiry_at: DateTime<Utc>,
    tz: Tz,
) -> Vec<Exclusion> {
    let mut out = Vec::new();
    if !thread.patient_initiated() {
        out.push(Exclusion::StartedByCareTeam);
    }
    out.extend(thread.purpose.exclusion());
    let week_before = sub_local_days(inquiry_at, PERIOD_DAYS, tz);
    if thread.related_visits.iter().any(|&v| week_before <= v && v < inquiry_at) {
        out.push(Exclusion::RecentVisitSameProblem);
    }
    if thread.related_visits.iter().any(|&v| inquiry_at <= v && v < period.end()) {
        out.push(Exclusion::LedToVisit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::Chicago;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn consent_is_current_for_365_days_from_the_day_it_was_given() {
        let c = Consent::new(day(2026, 1, 1), None).expect("valid");
        assert_eq!(c.exclusion_on(day(2026, 1, 1)), None);
        assert_eq!(c.exclusion_on(day(2026, 12, 31)), None);
        assert_eq!(c.exclusion_on(day(2027, 1, 1)), Some(Exclusion::ConsentExpired));
        assert_eq!(c.exclusion_on(day(2025, 12, 31)), Some(Exclusion::NoConsent));
    }

    #[test]
    fn withdrawn_consent_stops_billing_from_the_day_it_was_withdrawn() {
        let c = Consent::new(day(2026, 1, 1), Some(day(2026, 3, 1))).expect("valid");
        assert_eq!(c.exclusion_on(day(2026, 2, 28)), None);
        assert_eq!(c.exclusion_on(day(2026, 3, 1)), Some(Exclusion::ConsentWithdrawn));
        let backwards = Consent::new(day(2026, 3, 1), Some(day(2026, 1, 1)));
        assert_eq!(backwards.map_err(|e| e.field()), Err("consent_withdrawn_on"));
    }

    #[test]
    fn only_scheduling_and_administrative_categories_settle_the_purpose() {
        assert_eq!(MessagePurpose::suggested_for(Category::Scheduling), Some(MessagePurpose::Scheduling));
        assert_eq!(MessagePurpose::suggested_for(Category::Administrative), Some(MessagePurpose::Administrative));
        assert_eq!(MessagePurpose::suggested_for(Category::Results), None);
        assert_eq!(MessagePurpose::Evaluation.exclusion(), None);
        for &p in MessagePurpose::ALL {
            assert_eq!(MessagePurpose::parse(p.as_str()), Ok(p));
        }
    }

    #[test]
    fn a_proxy_writing_for_the_patient_is_the_patient_side() {
        let m = |role, internal| EVisitMessage {
            id: MessageId::from_uuid(uuid::Uuid::nil()),
            sent_at: DateTime::UNIX_EPOCH,
            author: UserId::from_uuid(uuid::Uuid::nil()),
            author_role: role,
            internal,
        };
        assert!(m(Role::Proxy, false).from_patient_side());
        assert!(m(Role::Patient, false).from_patient_side());
        assert!(!m(Role::Physician, false).from_patient_side());
        assert!(!m(Role::Patient, true).from_patient_side());
    }

    #[test]
    fn the_day_of_the_first_visit_does_not_make_an_established_patient() {
        let start = DateTime::parse_from_rfc3339("2026-11-16T15:00:00-06:00").expect("time").with_timezone(&Utc);
        let period = BillingPeriod::starting_at(start, Chicago);
        let consent = Consent::new(day(2026, 1, 1), None).ok();
        let facts = |first| PatientBillingFacts {
            patient: UserId::from_uuid(uuid::Uuid::nil()),
            first_visit_on: first,
            surgical_global_until: None,
            consent,
        };
        assert_eq!(patient_exclusions(&facts(Some(day(2026, 11, 15))), &period, Chicago), []);
        assert_eq!(patient_exclusions(&facts(Some(day(2026, 11, 16))), &period, Chicago), [Exclusion::NotEstablished]);
        assert_eq!(patient_exclusions(&facts(None), &period, Chicago), [Exclusion::NotEstablished]);
    }
}
