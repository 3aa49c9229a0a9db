//! What a `PUT Task/{id}` may change: the task's `status` (`ready` reopens
//! the conversation for the care team, `on-hold` leaves it with the
//! patient, `completed` closes it) and its `owner` (a `Practitioner` to
//! assign it, a `Group` to hand it to that pool unassigned, none to
//! unassign it). Everything else in the body is the server's own and is
//! ignored; a body that is not this Task is refused.

use carethread_core::thread::ThreadStatus;
use serde_json::Value;

use crate::search::{SearchError, invalid};
use crate::task::thread_status;
use crate::task_search::TaskOwner;

/// A checked update of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskUpdate {
    pub status: ThreadStatus,
    pub owner: Option<TaskOwner>,
}

impl TaskUpdate {
    /// Reads the `Task` sent for the task `id`.
    pub fn parse(body: &Value, id: &str) -> Result<Self, SearchError> {
        if body["resourceType"] != "Task" {
            return Err(invalid("resourceType", "must be Task"));
        }
        if body["id"].as_str() != Some(id) {
            return Err(invalid("id", "must be the id in the address"));
        }
        let status = body["status"]
            .as_str()
            .and_then(thread_status)
            .ok_or_else(|| invalid("status", "must be ready, on-hold or completed"))?;
        let owner = match body.get("owner") {
            None | Some(Value::Null) => None,
            Some(owner) => {
                let reference = owner["reference"].as_str().unwrap_or_default();
                let parsed = if let Some(id) = reference.strip_prefix("Practitioner/") {
                    id.parse().ok().map(TaskOwner::Practitioner)
                } else if let Some(id) = reference.strip_prefix("Group/") {
                    id.parse().ok().map(TaskOwner::Group)
                } else {
                    None
                };
                Some(parsed.ok_or_else(|| invalid("owner", "must reference Practitioner/{id} or Group/{id}"))?)
            }
        };
        Ok(Self { status, owner })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_ids::id;
    use carethread_core::ids::UserId;
    use serde_json::json;

    #[test]
    fn status_and_owner_are_read_and_the_rest_is_the_servers() {
        let who: UserId = id(4);
        let body = json!({"resourceType": "Task", "id": "t1", "status": "completed", "intent": "order",
            "owner": {"reference": format!("Practitioner/{who}")}, "description": "ignored"});
        let update = TaskUpdate::parse(&body, "t1").expect("update");
        assert_eq!(update, TaskUpdate { status: ThreadStatus::Closed, owner: Some(TaskOwner::Practitioner(who)) });
        let unowned = json!({"resourceType": "Task", "id": "t1", "status": "ready"});
        assert_eq!(TaskUpdate::parse(&unowned, "t1").expect("update").owner, None);
    }

    #[test]
    fn a_body_that_is_not_this_task_is_refused_naming_the_element() {
        for (body, element) in [
            (json!({"resourceType": "Patient", "id": "t1", "status": "ready"}), "resourceType"),
            (json!({"resourceType": "Task", "id": "t2", "status": "ready"}), "id"),
            (json!({"resourceType": "Task", "id": "t1", "status": "draft"}), "status"),
            (json!({"resourceType": "Task", "id": "t1"}), "status"),
            (
                json!({"resourceType": "Task", "id": "t1", "status": "ready", "owner": {"reference": "Patient/x"}}),
                "owner",
            ),
        ] {
            let err = TaskUpdate::parse(&body, "t1").expect_err(element);
            assert!(matches!(&err, SearchError::Invalid { param, .. } if param == element), "{body}: {err:?}");
        }
    }
}
