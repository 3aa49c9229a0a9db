//! Searching people and pools: `Patient?name=&identifier=`,
//! `Practitioner?name=` and `Group?name=`, with `_count` and `_cursor`
//! (keyset paging by id) where a search can be long.

use carethread_core::ids::UserId;

use crate::MRN_SYSTEM;
use crate::search::{SearchError, given, invalid, json_format, once, page_size};

/// Which resource a people search is of, and so which parameters it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeopleKind {
    Patient,
    Practitioner,
    Group,
}

impl PeopleKind {
    const fn name(self) -> &'static str {
        match self {
            PeopleKind::Patient => "Patient",
            PeopleKind::Practitioner => "Practitioner",
            PeopleKind::Group => "Group",
        }
    }
}

/// A checked people search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeopleSearch {
    pub kind: PeopleKind,
    /// Any part of the name.
    pub name: Option<String>,
    /// Patients: the clinic's record number.
    pub mrn: Option<String>,
    pub count: u32,
    pub cursor: Option<UserId>,
}

impl PeopleSearch {
    pub const DEFAULT_COUNT: u32 = 20;

    /// Reads the query string's name–value pairs (already percent-decoded).
    pub fn parse(kind: PeopleKind, pairs: &[(String, String)]) -> Result<Self, SearchError> {
        let mut search = Self { kind, name: None, mrn: None, count: Self::DEFAULT_COUNT, cursor: None };
        let mut count = None;
        for (param, raw) in pairs {
            let value = given(param, raw)?;
            match (kind, param.as_str()) {
                (_, "name") => {
                    if value.chars().count() > 100 {
                        return Err(invalid(param, "must be at most 100 characters"));
                    }
                    once(&mut search.name, value.to_owned(), param)?;
                }
                (PeopleKind::Patient, "identifier") => {
                    let mrn = match value.split_once('|') {
                        Some((system, mrn)) if system == MRN_SYSTEM => mrn,
                        Some(_) => return Err(invalid(param, "must be a record number, with the mrn system or none")),
                        None => value,
                    };
                    let valid = !mrn.is_empty()
                        && mrn.len() <= 20
                        && mrn.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
                    if !valid {
                        return Err(invalid(param, "is not a record number (1-20 letters, digits and dashes)"));
                    }
                    once(&mut search.mrn, mrn.to_owned(), param)?;
                }
                (PeopleKind::Patient | PeopleKind::Practitioner, "_count") => {
                    once(&mut count, page_size(param, value)?, param)?;
                }
                (PeopleKind::Patient | PeopleKind::Practitioner, "_cursor") => {
                    let id = value.parse().map_err(|_| invalid(param, "is not a cursor from a next link"))?;
                    once(&mut search.cursor, id, param)?;
                }
                (_, "_format") => json_format(param, value)?,
                _ => {
                    let reason = format!("is not a supported search parameter for {}", kind.name());
                    return Err(SearchError::Invalid { param: param.clone(), reason });
                }
            }
        }
        search.count = count.unwrap_or(Self::DEFAULT_COUNT);
        Ok(search)
    }

    /// The canonical query of the page after `cursor` (or the first).
    #[must_use]
    pub fn query(&self, cursor: Option<UserId>) -> String {
        let encode = |v: &str| {
            v.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect::<String>()
        };
        let mut parts = Vec::new();
        if let Some(name) = &self.name {
            parts.push(format!("name={}", encode(name)));
        }
        if let Some(mrn) = &self.mrn {
            parts.push(format!("identifier={}", encode(&format!("{MRN_SYSTEM}|{mrn}"))));
        }
        if self.kind != PeopleKind::Group {
            parts.push(format!("_count={}", self.count));
        }
        if let Some(cursor) = cursor {
            parts.push(format!("_cursor={cursor}"));
        }
        parts.join("&")
    }
}

/// A `RelatedPerson` search: the patient whose proxies, or the proxy (by
/// CareThread user id) whose patients.
pub fn related_person_search(pairs: &[(String, String)]) -> Result<(Option<UserId>, Option<UserId>), SearchError> {
    let (mut patient, mut proxy) = (None, None);
    for (param, raw) in pairs {
        let value = raw.trim();
        match param.as_str() {
            "patient" => {
                let id = value.strip_prefix("Patient/").unwrap_or(value);
                once(&mut patient, id.parse().map_err(|_| invalid(param, "must be Patient/{id}"))?, param)?;
            }
            "identifier" => {
                let id = value.strip_prefix(&format!("{}|", crate::USER_ID_SYSTEM)).unwrap_or(value);
                let id = id.parse().map_err(|_| invalid(param, "must be a CareThread user id (the user-id system)"))?;
                once(&mut proxy, id, param)?;
            }
            "_format" => json_format(param, value)?,
            _ => return Err(invalid(param, "is not a supported search parameter for RelatedPerson")),
        }
    }
    Ok((patient, proxy))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_ids::id;

    fn pairs(raw: &[(&str, &str)]) -> Vec<(String, String)> {
        raw.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn names_record_numbers_and_pages_are_read_and_written_back() {
        let s = PeopleSearch::parse(
            PeopleKind::Patient,
            &pairs(&[("name", "Ali ce"), ("identifier", &format!("{MRN_SYSTEM}|MRN-1")), ("_count", "5")]),
        )
        .expect("search");
        assert_eq!((s.name.as_deref(), s.mrn.as_deref(), s.count), (Some("Ali ce"), Some("MRN-1"), 5));
        let next: UserId = id(3);
        let query = s.query(Some(next));
        let back: Vec<(String, String)> = query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| {
                (k.to_owned(), v.replace("%20", " ").replace("%7C", "|").replace("%3A", ":").replace("%2F", "/"))
            })
            .collect();
        let again = PeopleSearch::parse(PeopleKind::Patient, &back).expect("reads back");
        assert_eq!((again.name, again.mrn, again.cursor), (s.name, s.mrn, Some(next)));
    }

    #[test]
    fn parameters_a_kind_does_not_take_are_refused_by_name() {
        for (kind, param, value) in [
            (PeopleKind::Practitioner, "identifier", "x"),
            (PeopleKind::Group, "_count", "5"),
            (PeopleKind::Patient, "birthdate", "2000-01-01"),
            (PeopleKind::Patient, "identifier", "http://other.example|1"),
            (PeopleKind::Patient, "identifier", "bad value!"),
            (PeopleKind::Patient, "_cursor", "x"),
            (PeopleKind::Patient, "name", ""),
        ] {
            let err = PeopleSearch::parse(kind, &pairs(&[(param, value)])).expect_err(param);
            assert!(matches!(&err, SearchError::Invalid { param: p, .. } if p == param), "{err:?}");
        }
    }
}
