//! What a `POST Communication` may say: a message from the care team (or a
//! system acting as its member) to a patient, in one of her conversations
//! (`partOf`: the conversation's identifier, or `Task/{id}`) or starting a
//! new one (`topic.text` is its subject line). Its text is the
//! `contentString` payloads; a `category` coded `internal-note` makes it a
//! note for staff only, and one of CareThread's triage categories files a
//! new conversation under it. Files are not sent this way. Everything else
//! in the body is ignored; a body that is not such a Communication is
//! refused naming the element at fault.

use carethread_core::ids::{ThreadId, UserId};
use carethread_core::thread::Category;
use serde_json::Value;

use crate::search::{SearchError, invalid};
use crate::{CATEGORY_SYSTEM, MESSAGE_KIND_SYSTEM, THREAD_ID_SYSTEM};

/// A checked `Communication` to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCommunication {
    pub patient: UserId,
    /// The conversation to add it to; `None` starts one.
    pub thread: Option<ThreadId>,
    /// The subject line of a conversation it starts.
    pub topic: Option<String>,
    pub text: String,
    /// A note for staff, never shown to the patient.
    pub internal: bool,
    /// What a conversation it starts is about.
    pub category: Option<Category>,
}

impl NewCommunication {
    /// Reads the body of a `POST Communication`.
    pub fn parse(body: &Value) -> Result<Self, SearchError> {
        if body["resourceType"] != "Communication" {
            return Err(invalid("resourceType", "must be Communication"));
        }
        if body["status"] != "completed" {
            return Err(invalid("status", "must be completed (a message sent)"));
        }
        let patient = body["subject"]["reference"]
            .as_str()
            .and_then(|r| r.strip_prefix("Patient/"))
            .and_then(|id| id.parse().ok())
            .ok_or_else(|| invalid("subject", "must reference Patient/{id}"))?;
        let thread = part_of(body)?;
        let topic = body["topic"]["text"].as_str().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
        if thread.is_none() && topic.is_none() {
            return Err(invalid("topic", "a new conversation needs topic.text, its subject line"));
        }
        let payloads = body["payload"].as_array().filter(|p| !p.is_empty());
        let payloads = payloads.ok_or_else(|| invalid("payload", "must hold the message's text as contentString"))?;
        let mut texts = Vec::with_capacity(payloads.len());
        for payload in payloads {
            match payload["contentString"].as_str() {
                Some(text) => texts.push(text),
                None => return Err(invalid("payload", "only contentString is accepted; files are not sent this way")),
            }
        }
        let codings = || {
            body["category"].as_array().into_iter().flatten().flat_map(|c| c["coding"].as_array().into_iter().flatten())
        };
        let internal =
            codings().any(|c| c["system"] == MESSAGE_KIND_SYSTEM && c["code"].as_str() == Some("internal-note"));
        let category = codings()
            .filter(|c| c["system"] == CATEGORY_SYSTEM)
            .map(|c| c["code"].as_str().and_then(|code| Category::parse(code).ok()))
            .next()
            .map(|parsed| parsed.ok_or_else(|| invalid("category", "names no CareThread triage category")))
            .transpose()?;
        Ok(Self { patient, thread, topic, text: texts.join("\n\n"), internal, category })
    }
}

/// The conversation `partOf` names, by its identifier or as `Task/{id}`.
fn part_of(body: &Value) -> Result<Option<ThreadId>, SearchError> {
    let Some(parts) = body.get("partOf") else { return Ok(None) };
    let refused = || invalid("partOf", "must name one conversation: its identifier or Task/{id}");
    let [part] = parts.as_array().map(Vec::as_slice).unwrap_or_default() else { return Err(refused()) };
    let raw = match (part["reference"].as_str(), &part["identifier"]) {
        (Some(reference), _) => reference.strip_prefix("Task/"),
        (None, identifier) if identifier["system"] == THREAD_ID_SYSTEM => identifier["value"].as_str(),
        _ => None,
    };
    raw.and_then(|id| id.parse().ok()).map(Some).ok_or_else(refused)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_ids::id;
    use serde_json::json;

    fn body(patient: UserId) -> Value {
        json!({"resourceType": "Communication", "status": "completed",
            "subject": {"reference": format!("Patient/{patient}")},
            "topic": {"text": "Your lab results"},
            "payload": [{"contentString": "Your potassium is normal."}, {"contentString": "No change needed."}]})
    }

    #[test]
    fn a_new_conversation_or_a_message_in_one_is_read_from_the_body() {
        let patient: UserId = id(1);
        let thread: ThreadId = id(2);
        let new = NewCommunication::parse(&body(patient)).expect("new conversation");
        assert_eq!(new.patient, patient);
        assert_eq!((new.thread, new.topic.as_deref()), (None, Some("Your lab results")));
        assert_eq!(new.text, "Your potassium is normal.\n\nNo change needed.");
        assert!(!new.internal);

        let mut reply = body(patient);
        reply["partOf"] = json!([{"identifier": {"system": THREAD_ID_SYSTEM, "value": thread.to_string()}}]);
        reply["category"] = json!([{"coding": [{"system": MESSAGE_KIND_SYSTEM, "code": "internal-note"}]},
            {"coding": [{"system": CATEGORY_SYSTEM, "code": "results"}]}]);
        let note = NewCommunication::parse(&reply).expect("note");
        assert_eq!(note.thread, Some(thread));
        assert!(note.internal);
        assert_eq!(note.category, Some(Category::Results));
        reply["partOf"] = json!([{"reference": format!("Task/{thread}")}]);
        assert_eq!(NewCommunication::parse(&reply).expect("by task").thread, Some(thread));
    }

    #[test]
    fn a_body_that_is_not_such_a_communication_is_refused_naming_the_element() {
        let patient: UserId = id(1);
        let with = |path: &str, value: Value| {
            let mut b = body(patient);
            if value.is_null() {
                b.as_object_mut().expect("object").remove(path);
            } else {
                b[path] = value;
            }
            b
        };
        let cases = [
            (with("resourceType", json!("Task")), "resourceType"),
            (with("status", json!("in-progress")), "status"),
            (with("subject", json!({"reference": "Practitioner/x"})), "subject"),
            (with("topic", Value::Null), "topic"),
            (with("payload", json!([])), "payload"),
            (with("payload", json!([{"contentAttachment": {"url": "x"}}])), "payload"),
            (with("partOf", json!([{"reference": "Encounter/1"}])), "partOf"),
            (with("partOf", json!({"reference": "Task/1"})), "partOf"),
            (with("category", json!([{"coding": [{"system": CATEGORY_SYSTEM, "code": "gossip"}]}])), "category"),
        ];
        for (body, element) in cases {
            let err = NewCommunication::parse(&body).expect_err(element);
            assert!(matches!(&err, SearchError::Invalid { param, .. } if param == element), "{body}: {err:?}");
        }
    }
}
