//! Clinic-wide settings that shape what users may send.

use serde::{Deserialize, Serialize};

/// Limits and timings a clinic administrator can change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClinicSettings {
    /// The clinic's name, shown to patients.
    pub name: String,
    /// Longest message body, in characters.
    pub message_max_chars: usize,
    /// Largest attachment, in bytes.
    pub attachment_max_bytes: usize,
    /// Most attachments on one message.
    pub attachments_per_message: usize,
    /// A session ends after this many minutes without a request.
    pub session_idle_minutes: u32,
    /// A session ends this many hours after sign-in, however active.
    pub session_max_hours: u32,
    /// Staff must sign in with a second factor (TOTP); until they enrol,
    /// their session reaches only the enrolment routes.
    pub mfa_required_for_staff: bool,
    /// Patients and proxies must sign in with a second factor.
    pub mfa_required_for_patients: bool,
    /// Failed sign-ins in a row after which an account is locked.
    pub lockout_threshold: u32,
    /// The first lock's length; each further failure doubles it (up to a day).
    pub lockout_base_seconds: u32,
    /// Sign-in attempts one network address may make per minute.
    pub login_attempts_per_minute: u32,
    /// Youngest and oldest age at which a patient may keep threads
    /// confidential from their proxies.
    pub adolescent_min_age: u32,
    pub adolescent_max_age: u32,
    /// Closed conversations whose last change is older than this many months
    /// are purged (messages, files, receipts; the audit log is kept), unless
    /// the patient is under legal hold. 0 keeps everything; otherwise at
    /// least [`MIN_RETENTION_MONTHS`].
    pub retention_months: u32,
}

/// The shortest retention period a clinic may set, in months.
pub const MIN_RETENTION_MONTHS: u32 = 12;

impl ClinicSettings {
    /// Closed conversations last changed before this moment are past the
    /// retention period at `now`; `None` when everything is kept (or the
    /// setting is below [`MIN_RETENTION_MONTHS`], which configuration refuses).
    #[must_use]
    pub fn purge_before(&self, now: chrono::DateTime<chrono::Utc>) -> Option<chrono::DateTime<chrono::Utc>> {
        if self.retention_months < MIN_RETENTION_MONTHS {
            return None;
        }
        now.checked_sub_months(chrono::Months::new(self.retention_months))
    }

    /// Whether users with `role` must sign in with a second factor.
    #[must_use]
    pub fn mfa_required(&self, role: crate::role::Role) -> bool {
        if role.is_staff() {
            self.mfa_required_for_staff
        } else if matches!(role, crate::role::Role::Patient | crate::role::Role::Proxy) {
            self.mfa_required_for_patients
        } else {
            // Admins and auditors hold the keys to the clinic: always with staff.
            self.mfa_required_for_staff
        }
    }

    /// How long an account stays locked after `failures` failed sign-ins in
    /// a row: nothing below the threshold, then the base time doubling with
    /// each further failure, at most a day.
    #[must_use]
    pub fn lockout_after(&self, failures: i64) -> Option<chrono::TimeDelta> {
        let over = failures - i64::from(self.lockout_threshold);
        if self.lockout_threshold == 0 || over < 0 {
            return None;
        }
        let factor = 1_i64 << over.min(20);
        let seconds = (i64::from(self.lockout_base_seconds) * factor).min(24 * 3600);
        Some(chrono::TimeDelta::seconds(seconds))
    }

    /// Whether a patient of `age` may mark threads confidential.
    #[must_use]
    pub fn is_adolescent(&self, age: Option<u32>) -> bool {
        age.is_some_and(|a| (self.adolescent_min_age..=self.adolescent_max_age).contains(&a))
    }
}

impl Default for ClinicSettings {
    fn default() -> Self {
        Self {
            name: "CareThread Clinic".to_owned(),
            message_max_chars: 5_000,
            attachment_max_bytes: 10 * 1024 * 1024,
            attachments_per_message: 4,
            session_idle_minutes: 15,
            session_max_hours: 12,
            mfa_required_for_staff: true,
            mfa_required_for_patients: false,
            lockout_threshold: 5,
            lockout_base_seconds: 60,
            login_attempts_per_minute: 20,
            adolescent_min_age: 12,
            adolescent_max_age: 17,
            retention_months: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::Role;

    #[test]
    fn lockout_grows_after_the_threshold_and_stops_at_a_day() {
        let s = ClinicSettings::default();
        assert_eq!(s.lockout_after(4), None);
        assert_eq!(s.lockout_after(5), Some(chrono::TimeDelta::seconds(60)));
        assert_eq!(s.lockout_after(6), Some(chrono::TimeDelta::seconds(120)));
        assert_eq!(s.lockout_after(60), Some(chrono::TimeDelta::days(1)));
    }

    #[test]
    fn retention_is_off_by_default_and_never_shorter_than_a_year() {
        use chrono::TimeZone;
        let now = chrono::Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).single().expect("time");
        assert_eq!(ClinicSettings::default().purge_before(now), None);
        let short = ClinicSettings { retention_months: 6, ..ClinicSettings::default() };
        assert_eq!(short.purge_before(now), None);
        let seven_years = ClinicSettings { retention_months: 84, ..ClinicSettings::default() };
        assert_eq!(seven_years.purge_before(now), chrono::Utc.with_ymd_and_hms(2019, 12, 6, 12, 0, 0).single());
    }

    #[test]
    fn mfa_is_required_of_staff_by_default_and_of_patients_when_set() {
        let mut s = ClinicSettings::default();
        assert!(s.mfa_required(Role::Nurse) && s.mfa_required(Role::Admin));
        assert!(!s.mfa_required(Role::Patient));
        s.mfa_required_for_patients = true;
        assert!(s.mfa_required(Role::Proxy));
    }

    #[test]
    fn adolescence_is_a_configurable_range() {
        let mut s = ClinicSettings::default();
        assert!(s.is_adolescent(Some(15)) && !s.is_adolescent(Some(18)) && !s.is_adolescent(None));
        s.adolescent_max_age = 18;
        assert!(s.is_adolescent(Some(18)));
    }
}
