//! The groups the equity monitor compares: dimensions (what a grouping is
//! about) and the value a patient has along each.

use chrono::NaiveDate;

use crate::DomainError;

/// The dimensions every clinic has, in the order they are shown. Language
/// and age band come from the patient's account; the others are recorded
/// when the patient gives them. A clinic adds its own by recording values
/// under a new name.
pub const BUILT_IN: &[&str] = &["language", "age_band", "payer", "sex", "race", "ethnicity"];

/// Age bands, by the first age in each.
pub const AGE_BANDS: &[(u32, &str)] = &[(0, "0-17"), (18, "18-34"), (35, "35-49"), (50, "50-64"), (65, "65+")];

/// The value of a patient who did not give one.
pub const NOT_GIVEN: &str = "not given";

/// The longest dimension name and group value, in characters.
const NAME_MAX: usize = 40;
const VALUE_MAX: usize = 60;

/// What a grouping is about: a built-in name or a clinic's own (lower-case
/// letters, digits and `_`, 1 to 40 characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dimension(String);

impl Dimension {
    /// A dimension known to be well formed (the built-in names).
    pub(super) fn new(name: &str) -> Self {
        Self(name.to_owned())
    }

    /// Reads a dimension's name.
    ///
    /// # Errors
    /// When it is empty, too long, or has other characters.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > NAME_MAX {
            return Err(DomainError::invalid("dimension", format!("must be 1 to {NAME_MAX} characters")));
        }
        if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err(DomainError::invalid("dimension", "may hold lower-case letters, digits and _ only"));
        }
        Ok(Self(name.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the value comes from the patient's account rather than being
    /// recorded (language and age band).
    #[must_use]
    pub fn from_account(&self) -> bool {
        matches!(self.0.as_str(), "language" | "age_band")
    }

    /// Built-in dimensions first, in their order; a clinic's own after.
    pub(super) fn built_in_rank(&self) -> usize {
        BUILT_IN.iter().position(|b| *b == self.0).unwrap_or(BUILT_IN.len())
    }
}

/// A group along a dimension ("es", "65+", "medicaid", …): 1 to 60
/// characters, or [`NOT_GIVEN`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct GroupValue(String);

impl GroupValue {
    /// Reads a recorded value; an empty one is not given.
    ///
    /// # Errors
    /// When it is too long or holds control characters.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let value = raw.trim();
        if value.is_empty() {
            return Ok(Self::not_given());
        }
        if value.chars().count() > VALUE_MAX {
            return Err(DomainError::invalid("value", format!("must be at most {VALUE_MAX} characters")));
        }
        if value.chars().any(char::is_control) {
            return Err(DomainError::invalid("value", "must be one line of text"));
        }
        Ok(Self(value.to_owned()))
    }

    /// The group of patients who did not give a value.
    #[must_use]
    pub fn not_given() -> Self {
        Self(NOT_GIVEN.to_owned())
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    #[must_use]
    pub fn is_not_given(&self) -> bool {
        self.0 == NOT_GIVEN
    }

    /// Age bands in age order, others alphabetically; "not given" last.
    pub(super) fn sort_key(&self, dimension: &Dimension) -> (bool, usize, String) {
        let band = if dimension.as_str() == "age_band" {
            AGE_BANDS.iter().position(|(_, name)| *name == self.0).unwrap_or(AGE_BANDS.len())
        } else {
            0
        };
        (self.is_not_given(), band, self.0.to_lowercase())
    }
}

/// The age band of someone born on `born`, on `on`.
#[must_use]
pub fn age_band(born: NaiveDate, on: NaiveDate) -> GroupValue {
    let age = on.years_since(born).unwrap_or(0);
    let name = AGE_BANDS.iter().rev().find(|(from, _)| age >= *from).map_or(AGE_BANDS[0].1, |(_, name)| name);
    GroupValue((*name).to_owned())
}
