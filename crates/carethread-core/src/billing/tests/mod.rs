//! Whole-pipeline tests of e-visit billing: pings to measured periods to
//! decisions. The fixture is one established, consenting patient who writes
//! on Sunday 2026-11-15 at 16:00 in Chicago; Dr. Lee first reviews it on
//! Monday 2026-11-16 at 10:00 CST.

mod decisions;
mod periods;
mod properties;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::America::Chicago;
use uuid::Uuid;

use super::*;
use crate::ids::{MessageId, ThreadId, UserId};
use crate::role::Role;

pub(super) const PATIENT: u128 = 1;
pub(super) const PROXY: u128 = 2;
pub(super) const DOCTOR: u128 = 10;
pub(super) const NURSE: u128 = 11;
pub(super) const THREAD: u128 = 100;
pub(super) const OTHER_THREAD: u128 = 101;

pub(super) fn user(n: u128) -> UserId {
    UserId::from_uuid(Uuid::from_u128(n))
}

pub(super) fn thread_id(n: u128) -> ThreadId {
    ThreadId::from_uuid(Uuid::from_u128(n))
}

pub(super) fn message_id(n: u128) -> MessageId {
    MessageId::from_uuid(Uuid::from_u128(n))
}

pub(super) fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc)).expect("test time")
}

pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("test date")
}

/// The first review: Monday 2026-11-16 10:00 CST.
pub(super) fn review() -> DateTime<Utc> {
    utc("2026-11-16T10:00:00-06:00")
}

pub(super) fn message(n: u128, at: DateTime<Utc>, author: u128, role: Role) -> EVisitMessage {
    EVisitMessage { id: message_id(n), sent_at: at, author: user(author), author_role: role, internal: false }
}

/// A patient-started evaluation thread with the patient's first message.
pub(super) fn patient_thread(n: u128) -> EVisitThread {
    EVisitThread {
        id: thread_id(n),
        started_by: Role::Patient,
        purpose: MessagePurpose::Evaluation,
        related_visits: Vec::new(),
        messages: vec![message(n * 1_000, utc("2026-11-15T16:00:00-06:00"), PATIENT, Role::Patient)],
    }
}

/// Pings every 30 seconds for exactly `minutes` from `from`.
pub(super) fn work(who: u128, thread: u128, from: DateTime<Utc>, minutes: i64) -> Vec<ActivityPing> {
    (0..=minutes * 2)
        .map(|k| ActivityPing {
            clinician: user(who),
            thread: thread_id(thread),
            at: from + TimeDelta::seconds(30 * k),
            kind: ActivityKind::Reading,
        })
        .collect()
}

/// What the clinician attests at the end of each period.
#[derive(Debug, Clone, Copy)]
pub(super) enum Attest {
    Nobody,
    /// The measured eligible minutes.
    Measured,
    Minutes(u32),
}

/// Everything a decision needs, with defaults that bill.
pub(super) struct Case {
    pub settings: BillingSettings,
    pub patient: PatientBillingFacts,
    pub threads: Vec<EVisitThread>,
    pub pings: Vec<ActivityPing>,
    /// The role each clinician holds.
    pub roles: Vec<(u128, Role)>,
    pub attest: Attest,
    pub now: DateTime<Utc>,
}

impl Case {
    /// Dr. Lee works `minutes` on the patient's thread from the first review.
    pub fn doctor_minutes(minutes: i64) -> Self {
        Self {
            settings: BillingSettings::new(Chicago),
            patient: PatientBillingFacts {
                patient: user(PATIENT),
                first_visit_on: Some(date(2025, 1, 10)),
                surgical_global_until: None,
                consent: Consent::new(date(2026, 6, 1), None).ok(),
            },
            threads: vec![patient_thread(THREAD)],
            pings: work(DOCTOR, THREAD, review(), minutes),
            roles: vec![(DOCTOR, Role::Physician), (NURSE, Role::Nurse)],
            attest: Attest::Measured,
            now: utc("2026-12-01T12:00:00Z"),
        }
    }

    pub fn role_of(&self, who: UserId) -> Role {
        self.roles.iter().find(|(n, _)| user(*n) == who).map_or(Role::FrontDesk, |(_, r)| *r)
    }

    pub fn measures(&self) -> Vec<PeriodMeasure> {
        measure_pings(&self.settings, &self.threads, &self.pings).expect("measurable")
    }

    /// Every period's decision, with the clinician's attestation made at the
    /// period's end.
    pub fn decisions(&self) -> Vec<(PeriodMeasure, BillingDecision)> {
        self.measures()
            .into_iter()
            .map(|m| {
                let eligible = eligible_time(self.settings.timezone, &self.threads, &m).expect("eligible");
                let attested = match self.attest {
                    Attest::Nobody => None,
                    Attest::Measured => Some(eligible.minutes()),
                    Attest::Minutes(m) => Some(m),
                };
                let attestation = attested.map(|minutes| {
                    Attestation::new(self.patient.patient, &m, eligible.minutes(), minutes, m.period.end())
                        .expect("valid attestation")
                });
                let role = self.role_of(m.clinician);
                let decision =
                    decide(&self.settings, &self.patient, role, &self.threads, &m, attestation.as_ref(), self.now)
                        .expect("decidable");
                (m, decision)
            })
            .collect()
    }

    /// The one decision of the one period of `who`.
    pub fn decision_of(&self, who: u128) -> BillingDecision {
        let mut own: Vec<_> = self.decisions().into_iter().filter(|(m, _)| m.clinician == user(who)).collect();
        assert_eq!(own.len(), 1, "one period expected");
        own.remove(0).1
    }

    pub fn decision(&self) -> BillingDecision {
        self.decision_of(DOCTOR)
    }
}

pub(super) fn not_billable(reasons: &[Exclusion]) -> BillingDecision {
    BillingDecision::NotBillable { reasons: reasons.to_vec() }
}
