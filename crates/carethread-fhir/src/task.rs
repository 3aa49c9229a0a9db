//! Threads waiting on the care team as FHIR `Task`s (the in-basket), and
//! pools as FHIR `Group`s (the owners of unassigned tasks).
//!
//! A thread is one `Task`: `ready` while it waits for the care team,
//! `on-hold` while it waits for the patient, `completed` once closed; its
//! `owner` is the assignee (`Practitioner`) or else its pool (`Group`); its
//! `priority` follows triage (`emergency` → `asap`); `restriction.period.end`
//! is when the reply is due by the clinic's targets.

use carethread_core::ids::{PoolId, ThreadId};
use carethread_core::thread::{ThreadStatus, Urgency};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::reference::Party;
use crate::{POOL_ID_SYSTEM, THREAD_ID_SYSTEM, URGENCY_SYSTEM, instant};

/// A pool as a reference or a `Group` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolFacts {
    pub id: PoolId,
    pub slug: String,
    pub name: String,
}

impl PoolFacts {
    fn reference(&self) -> Value {
        json!({ "reference": format!("Group/{}", self.id), "display": self.name })
    }
}

/// What a `Task` is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFacts {
    pub thread_id: ThreadId,
    pub subject: String,
    pub status: ThreadStatus,
    pub urgency: Urgency,
    pub patient: Party,
    pub assignee: Option<Party>,
    pub pool: Option<PoolFacts>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the reply is due, while the thread waits for the care team.
    pub due: Option<DateTime<Utc>>,
}

/// The `Task.status` of a thread in `status`.
#[must_use]
pub const fn task_status(status: ThreadStatus) -> &'static str {
    match status {
        ThreadStatus::Open => "ready",
        ThreadStatus::AwaitingPatient => "on-hold",
        ThreadStatus::Closed => "completed",
    }
}

/// The thread status a `Task.status` search value names.
#[must_use]
pub fn thread_status(task: &str) -> Option<ThreadStatus> {
    [ThreadStatus::Open, ThreadStatus::AwaitingPatient, ThreadStatus::Closed]
        .into_iter()
        .find(|s| task_status(*s) == task)
}

/// The `Task.priority` (FHIR request priority) of a thread's urgency.
#[must_use]
pub const fn task_priority(urgency: Urgency) -> &'static str {
    match urgency {
        Urgency::Emergency => "asap",
        Urgency::Urgent => "urgent",
        Urgency::Routine => "routine",
    }
}

/// The urgency a `Task.priority` search value names.
#[must_use]
pub fn urgency_of_priority(priority: &str) -> Option<Urgency> {
    [Urgency::Emergency, Urgency::Urgent, Urgency::Routine].into_iter().find(|u| task_priority(*u) == priority)
}

fn business_status(status: ThreadStatus) -> &'static str {
    match status {
        ThreadStatus::Open => "Waiting for the care team",
        ThreadStatus::AwaitingPatient => "Waiting for the patient",
        ThreadStatus::Closed => "Closed",
    }
}

/// The `Task` resource.
#[must_use]
pub fn task(facts: &TaskFacts) -> Value {
    let mut out = Map::new();
    out.insert("resourceType".into(), json!("Task"));
    out.insert("id".into(), json!(facts.thread_id.to_string()));
    out.insert("identifier".into(), json!([{ "system": THREAD_ID_SYSTEM, "value": facts.thread_id.to_string() }]));
    out.insert("status".into(), json!(task_status(facts.status)));
    out.insert("businessStatus".into(), json!({ "text": business_status(facts.status) }));
    out.insert("intent".into(), json!("order"));
    out.insert("priority".into(), json!(task_priority(facts.urgency)));
    out.insert(
        "code".into(),
        json!({
            "coding": [{ "system": URGENCY_SYSTEM, "code": facts.urgency.as_str() }],
            "text": "Answer the patient's message"
        }),
    );
    out.insert("description".into(), json!(facts.subject));
    out.insert(
        "focus".into(),
        json!({ "identifier": { "system": THREAD_ID_SYSTEM, "value": facts.thread_id.to_string() } }),
    );
    out.insert("for".into(), facts.patient.reference());
    out.insert("authoredOn".into(), json!(instant(facts.created_at)));
    out.insert("lastModified".into(), json!(instant(facts.updated_at)));
    let owner = match (&facts.assignee, &facts.pool) {
        (Some(person), _) => Some(person.reference()),
        (None, Some(pool)) => Some(pool.reference()),
        (None, None) => None,
    };
    if let Some(owner) = owner {
        out.insert("owner".into(), owner);
    }
    if let Some(due) = facts.due {
        out.insert("restriction".into(), json!({ "period": { "end": instant(due) } }));
    }
    Value::Object(out)
}

/// The `Group` of a pool: the staff who work from it.
#[must_use]
pub fn group(pool: &PoolFacts, members: &[Party]) -> Value {
    let mut out = Map::new();
    out.insert("resourceType".into(), json!("Group"));
    out.insert("id".into(), json!(pool.id.to_string()));
    out.insert("identifier".into(), json!([{ "system": POOL_ID_SYSTEM, "value": pool.slug }]));
    out.insert("active".into(), json!(true));
    out.insert("type".into(), json!("practitioner"));
    out.insert("actual".into(), json!(true));
    out.insert("name".into(), json!(pool.name));
    out.insert("quantity".into(), json!(members.len()));
    if !members.is_empty() {
        let members: Vec<Value> = members.iter().map(|m| json!({ "entity": m.reference() })).collect();
        out.insert("member".into(), Value::Array(members));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_ids::id;
    use carethread_core::role::Role;
    use chrono::TimeZone;

    fn facts() -> TaskFacts {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).single().expect("time");
        TaskFacts {
            thread_id: id(1),
            subject: "Rash".into(),
            status: ThreadStatus::Open,
            urgency: Urgency::Emergency,
            patient: Party { id: id(2), role: Role::Patient, display: "Alice".into() },
            assignee: None,
            pool: Some(PoolFacts { id: id(3), slug: "nurse-triage".into(), name: "Nurse triage".into() }),
            created_at: at,
            updated_at: at,
            due: Some(at + chrono::TimeDelta::minutes(30)),
        }
    }

    #[test]
    fn a_waiting_thread_is_a_ready_task_owned_by_its_pool_with_its_due_time() {
        let t = task(&facts());
        assert_eq!(
            (t["status"].as_str(), t["priority"].as_str(), t["intent"].as_str()),
            (Some("ready"), Some("asap"), Some("order"))
        );
        assert_eq!(t["owner"]["reference"], format!("Group/{}", id::<PoolId>(3)));
        assert_eq!(t["restriction"]["period"]["end"], "2026-03-01T09:30:00Z");
        assert_eq!(t["for"]["reference"], format!("Patient/{}", id::<carethread_core::ids::UserId>(2)));
        let assigned = TaskFacts {
            assignee: Some(Party { id: id(4), role: Role::Nurse, display: "Kim".into() }),
            status: ThreadStatus::Closed,
            due: None,
            ..facts()
        };
        let t = task(&assigned);
        assert_eq!(t["owner"]["reference"], format!("Practitioner/{}", id::<carethread_core::ids::UserId>(4)));
        assert_eq!(t["status"], "completed");
        assert!(t.get("restriction").is_none());
    }

    #[test]
    fn search_values_name_statuses_and_urgencies_both_ways() {
        for s in [ThreadStatus::Open, ThreadStatus::AwaitingPatient, ThreadStatus::Closed] {
            assert_eq!(thread_status(task_status(s)), Some(s));
        }
        for u in [Urgency::Emergency, Urgency::Urgent, Urgency::Routine] {
            assert_eq!(urgency_of_priority(task_priority(u)), Some(u));
        }
        assert_eq!(thread_status("draft"), None);
        assert_eq!(urgency_of_priority("stat"), None);
    }
}
