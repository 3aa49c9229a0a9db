//! Users, their names, and the rules for passwords they choose.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::UserId;
use crate::role::Role;
use crate::{DomainError, text};

/// A sign-in name: 3–64 characters of lowercase letters, digits, `.`, `_`, `-`,
/// starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let s = raw.trim().to_ascii_lowercase();
        if !(3..=64).contains(&s.len()) {
            return Err(DomainError::invalid("username", "must be 3 to 64 characters"));
        }
        let ok_chars = s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        let ok_start = s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
        if !ok_chars || !ok_start {
            return Err(DomainError::invalid(
                "username",
                "may contain only letters, digits, '.', '_' and '-', and must start with a letter or digit",
            ));
        }
        Ok(Self(s))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name shown to other people ("Dr. Grace Lee"): 1–100 characters, one
/// line of visible text ([`text::single_line`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let s = raw.trim();
        let len = s.chars().count();
        if len == 0 || len > 100 {
            return Err(DomainError::invalid("display_name", "must be 1 to 100 characters"));
        }
        text::single_line("display_name", s)?;
        Ok(Self(s.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The clinic's medical record number for a patient ("MRN-00123"): 1–20
/// letters, digits and dashes, starting with a letter or digit. Shown to
/// staff only, beside the name and date of birth, so two patients with the
/// same name are never confused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Mrn(String);

impl Mrn {
    /// Longest record number accepted.
    pub const MAX_CHARS: usize = 20;

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let s = raw.trim();
        if s.is_empty() || s.len() > Self::MAX_CHARS {
            return Err(DomainError::invalid("mrn", "must be 1 to 20 characters"));
        }
        let ok_chars = s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !ok_chars || !s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric()) {
            return Err(DomainError::invalid(
                "mrn",
                "may contain only letters, digits and dashes, and must start with a letter or digit",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Interface and notification language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    Es,
}

impl Language {
    /// Every language CareThread speaks, in the order offered.
    pub const ALL: [Language; 2] = [Language::En, Language::Es];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Es => "es",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw {
            "en" => Ok(Language::En),
            "es" => Ok(Language::Es),
            _ => Err(DomainError::invalid("language", "must be \"en\" or \"es\"")),
        }
    }
}

/// A user as the rest of the system sees them (never with credentials).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub username: Username,
    pub display_name: DisplayName,
    pub role: Role,
    /// Patients only.
    pub date_of_birth: Option<NaiveDate>,
    pub language: Language,
    pub disabled: bool,
    /// Patients only: the clinic's record number, where one is set.
    pub mrn: Option<Mrn>,
    /// Staff only: the clinic lets them read its insights.
    pub clinic_lead: bool,
}

/// A validated request to create a user.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Username,
    pub display_name: DisplayName,
    pub role: Role,
    pub date_of_birth: Option<NaiveDate>,
    pub language: Language,
    /// Patients only: the clinic's record number ([`NewUser::with_mrn`]).
    pub mrn: Option<Mrn>,
}

impl NewUser {
    /// The account as it is created with `id`: enabled, and not one of the
    /// clinic's leads.
    #[must_use]
    pub fn into_user(self, id: UserId) -> User {
        User {
            id,
            username: self.username,
            display_name: self.display_name,
            role: self.role,
            date_of_birth: self.date_of_birth,
            language: self.language,
            disabled: false,
            mrn: self.mrn,
            clinic_lead: false,
        }
    }

    /// The same patient with the clinic's record number; refused for other roles.
    pub fn with_mrn(self, mrn: Option<Mrn>) -> Result<Self, DomainError> {
        if mrn.is_some() && self.role != Role::Patient {
            return Err(DomainError::invalid("mrn", "is recorded for patients only"));
        }
        Ok(Self { mrn, ..self })
    }

    /// A patient must have a date of birth (confidentiality rules depend on age);
    /// other roles must not carry one.
    pub fn new(
        username: Username,
        display_name: DisplayName,
        role: Role,
        date_of_birth: Option<NaiveDate>,
        language: Language,
        today: NaiveDate,
    ) -> Result<Self, DomainError> {
        match (role, date_of_birth) {
            (Role::Patient, None) => {
                return Err(DomainError::invalid("date_of_birth", "is required for patients"));
            }
            (Role::Patient, Some(dob)) if dob > today => {
                return Err(DomainError::invalid("date_of_birth", "must not be in the future"));
            }
            (role, Some(_)) if role != Role::Patient => {
                return Err(DomainError::invalid("date_of_birth", "is recorded for patients only"));
            }
            _ => {}
        }
        Ok(Self { username, display_name, role, date_of_birth, language, mrn: None })
    }
}

/// Minimum length of a password a person chooses.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Checks a password a person is choosing. The demo clinic's seeded passwords
/// bypass this on purpose so the demo can be tried with `demo`.
pub fn check_new_password(password: &str) -> Result<(), DomainError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(DomainError::invalid("password", format!("must be at least {MIN_PASSWORD_CHARS} characters")));
    }
    if chars > 256 {
        return Err(DomainError::invalid("password", "must be at most 256 characters"));
    }
    if is_common_password(password) {
        return Err(DomainError::invalid(
            "password",
            "is one of the most common passwords (or one with a few characters added); choose another",
        ));
    }
    Ok(())
}

/// The shipped list of the 10,000 most common passwords, lowercased.
static COMMON_PASSWORDS: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| {
        include_str!("../data/common_passwords.txt").lines().filter(|l| !l.is_empty() && !l.starts_with("# ")).collect()
    });

/// Whether `password` is a common password, one with digits or symbols
/// added at the end ("password1234!"), a common one repeated, or a single
/// character repeated. Case is ignored.
#[must_use]
pub fn is_common_password(password: &str) -> bool {
    let lower = password.trim().to_lowercase();
    let base = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    let mut chars = lower.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return true;
    }
    let repeated = |s: &str| {
        (1..=s.len() / 2).any(|n| {
            s.len().is_multiple_of(n)
                && s.is_char_boundary(n)
                && s[..n].repeat(s.len() / n) == s
                && COMMON_PASSWORDS.contains(&s[..n])
        })
    };
    // A common password of four or more characters with only digits or
    // symbols after it.
    let padded = lower
        .char_indices()
        .skip(4)
        .any(|(i, _)| lower[i..].chars().all(|c| !c.is_alphabetic()) && COMMON_PASSWORDS.contains(&lower[..i]));
    COMMON_PASSWORDS.contains(lower.as_str()) || padded || repeated(&lower) || repeated(base)
}

/// Whole years between `date_of_birth` and `today`.
#[must_use]
pub fn age_in_years(date_of_birth: NaiveDate, today: NaiveDate) -> u32 {
    today.years_since(date_of_birth).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn usernames_are_normalised_and_restricted() {
        assert_eq!(Username::parse(" Dr.Lee ").map(|u| u.0), Ok("dr.lee".to_owned()));
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse(".hidden").is_err());
        assert!(Username::parse("white space").is_err());
        assert!(Username::parse("semi;colon").is_err());
    }

    #[test]
    fn patients_need_a_date_of_birth_and_staff_have_none() {
        let today = day(2026, 1, 1);
        let name = || Username::parse("someone").expect("valid");
        let display = || DisplayName::parse("Some One").expect("valid");
        assert!(NewUser::new(name(), display(), Role::Patient, None, Language::En, today).is_err());
        assert!(NewUser::new(name(), display(), Role::Patient, Some(day(2030, 1, 1)), Language::En, today).is_err());
        assert!(NewUser::new(name(), display(), Role::Nurse, Some(day(1990, 1, 1)), Language::En, today).is_err());
        assert!(NewUser::new(name(), display(), Role::Patient, Some(day(1990, 1, 1)), Language::En, today).is_ok());
    }

    #[test]
    fn record_numbers_are_letters_digits_and_dashes() {
        assert_eq!(Mrn::parse(" MRN-00123 ").map(|m| m.as_str().to_owned()).ok(), Some("MRN-00123".to_owned()));
        for bad in ["", "12 34", "-12", "a/b", "ñ1", "123456789012345678901", "1\u{0}"] {
            assert!(Mrn::parse(bad).is_err(), "{bad:?}");
        }
        let name = Username::parse("someone").expect("valid");
        let display = DisplayName::parse("Some One").expect("valid");
        let nurse = NewUser::new(name, display, Role::Nurse, None, Language::En, day(2024, 1, 1)).expect("nurse");
        assert!(nurse.with_mrn(Mrn::parse("A1").ok()).is_err());
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("a perfectly long passphrase").is_ok());
        for common in
            ["password1234", "Qwertyuiop12", "123456789012", "iloveyou2024!", "aaaaaaaaaaaaa", "monkeymonkeymonkey"]
        {
            assert!(check_new_password(common).is_err(), "{common} accepted");
        }
        assert!(check_new_password("violet tram seventeen").is_ok());
    }

    #[test]
    fn age_counts_whole_years() {
        assert_eq!(age_in_years(day(2011, 6, 15), day(2026, 6, 14)), 14);
        assert_eq!(age_in_years(day(2011, 6, 15), day(2026, 6, 15)), 15);
    }
}
