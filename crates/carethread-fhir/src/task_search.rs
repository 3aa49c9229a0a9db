//! `Task` search parameters: `owner` (`Practitioner/{id}` for an assignee,
//! `Group/{id}` for a pool), `status` (`ready`, `on-hold`, `completed`),
//! `priority` (`routine`, `urgent`, `asap`), `_count` (1–100), `_cursor`
//! (from a `next` link) and `_format=json`. Anything else is refused,
//! naming the parameter.

use carethread_core::ids::{PoolId, UserId};
use carethread_core::thread::{ThreadStatus, Urgency};

use crate::search::{MAX_PAGE_SIZE, SearchError, given, invalid, json_format, once, page_size};
use crate::task::{task_priority, task_status, thread_status, urgency_of_priority};

/// Whose tasks a search keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskOwner {
    Practitioner(UserId),
    Group(PoolId),
}

/// A checked `Task` search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSearch {
    pub owner: Option<TaskOwner>,
    pub status: Option<ThreadStatus>,
    pub priority: Option<Urgency>,
    /// Matches on a page.
    pub count: u32,
    /// Where the previous page ended (the in-basket's cursor, opaque here).
    pub cursor: Option<String>,
}

impl TaskSearch {
    pub const DEFAULT_COUNT: u32 = 20;
    pub const MAX_COUNT: u32 = MAX_PAGE_SIZE;

    /// Reads the query string's name–value pairs (already percent-decoded).
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, SearchError> {
        let mut search = Self { owner: None, status: None, priority: None, count: 0, cursor: None };
        let mut count = None;
        for (name, raw) in pairs {
            let value = given(name, raw)?;
            match name.as_str() {
                "owner" => {
                    let owner = if let Some(id) = value.strip_prefix("Practitioner/") {
                        id.parse().ok().map(TaskOwner::Practitioner)
                    } else if let Some(id) = value.strip_prefix("Group/") {
                        id.parse().ok().map(TaskOwner::Group)
                    } else {
                        None
                    };
                    let owner = owner.ok_or_else(|| invalid(name, "must be Practitioner/{id} or Group/{id}"))?;
                    once(&mut search.owner, owner, name)?;
                }
                "status" => {
                    let status =
                        thread_status(value).ok_or_else(|| invalid(name, "must be ready, on-hold or completed"))?;
                    once(&mut search.status, status, name)?;
                }
                "priority" => {
                    let urgency =
                        urgency_of_priority(value).ok_or_else(|| invalid(name, "must be routine, urgent or asap"))?;
                    once(&mut search.priority, urgency, name)?;
                }
                "_count" => once(&mut count, page_size(name, value)?, name)?,
                "_cursor" => {
                    if value.len() > 200 || !value.bytes().all(|b| b.is_ascii_graphic()) {
                        return Err(invalid(name, "is not a cursor from a next link"));
                    }
                    once(&mut search.cursor, value.to_owned(), name)?;
                }
                "_format" => json_format(name, value)?,
                _ => return Err(invalid(name, "is not a supported search parameter for Task")),
            }
        }
        search.count = count.unwrap_or(Self::DEFAULT_COUNT);
        Ok(search)
    }

    /// The canonical query string of this search (without the cursor).
    #[must_use]
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        match self.owner {
            Some(TaskOwner::Practitioner(id)) => parts.push(format!("owner=Practitioner/{id}")),
            Some(TaskOwner::Group(id)) => parts.push(format!("owner=Group/{id}")),
            None => {}
        }
        if let Some(status) = self.status {
            parts.push(format!("status={}", task_status(status)));
        }
        if let Some(priority) = self.priority {
            parts.push(format!("priority={}", task_priority(priority)));
        }
        parts.push(format!("_count={}", self.count));
        parts.join("&")
    }

    /// The query string of the page that starts after `cursor`.
    #[must_use]
    pub fn query_after(&self, cursor: &str) -> String {
        format!("{}&_cursor={cursor}", self.query())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_ids::id;

    fn pairs(raw: &[(&str, &str)]) -> Vec<(String, String)> {
        raw.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn owners_statuses_and_priorities_are_read_and_written_back() {
        let pool: PoolId = id(3);
        let s = TaskSearch::parse(&pairs(&[
            ("owner", &format!("Group/{pool}")),
            ("status", "ready"),
            ("priority", "asap"),
        ]))
        .expect("search");
        assert_eq!(s.owner, Some(TaskOwner::Group(pool)));
        assert_eq!((s.status, s.priority, s.count), (Some(ThreadStatus::Open), Some(Urgency::Emergency), 20));
        assert_eq!(s.query(), format!("owner=Group/{pool}&status=ready&priority=asap&_count=20"));
        assert_eq!(TaskSearch::parse(&s_pairs(&s.query())).expect("again"), s);
    }

    fn s_pairs(query: &str) -> Vec<(String, String)> {
        query.split('&').filter_map(|p| p.split_once('=')).map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
    }

    #[test]
    fn what_cannot_be_answered_is_refused_naming_the_parameter() {
        for (name, value) in [
            ("owner", "Patient/x"),
            ("owner", "Practitioner/not-an-id"),
            ("status", "draft"),
            ("priority", "stat"),
            ("_count", "0"),
            ("_count", "101"),
            ("_cursor", "a b"),
            ("subject", "Patient/1"),
            ("status", ""),
        ] {
            let err = TaskSearch::parse(&pairs(&[(name, value)])).expect_err(name);
            assert!(matches!(&err, SearchError::Invalid { param, .. } if param == name), "{name}={value}: {err:?}");
        }
        let twice = TaskSearch::parse(&pairs(&[("status", "ready"), ("status", "on-hold")]));
        assert!(twice.is_err());
    }
}
