//! One message of a conversation as a FHIR `Communication`.
//!
//! The conversation is the `partOf` (by identifier: CareThread's threads are
//! not FHIR resources), its subject line the `topic`, its triage category
//! the `category` and its urgency the `priority`; the message's text is a
//! `contentString` payload and each file a `contentAttachment`. `received`
//! is the first time someone other than the author opened it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use carethread_core::ids::{MessageId, PoolId, ThreadId};
use carethread_core::thread::{Category, Urgency};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::reference::Party;
use crate::{
    CATEGORY_SYSTEM, MESSAGE_ID_SYSTEM, MESSAGE_KIND_SYSTEM, POOL_ID_SYSTEM, SHA256_EXTENSION, THREAD_ID_SYSTEM,
    TRIAGE_EXTENSION, URGENCY_SYSTEM, instant,
};

/// Whom a message is addressed to: a person, or a pool (shared in-basket).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    Person(Party),
    Pool { id: PoolId, name: String },
}

/// A file attached to a message, as its `contentAttachment` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentFacts {
    /// Where the authorised reader downloads it (the JSON API's address).
    pub url: String,
    pub content_type: &'static str,
    pub title: String,
    pub size_bytes: u64,
    pub created: DateTime<Utc>,
    /// The SHA-256 of the bytes as stored (lower-case hex), when known.
    pub sha256_hex: Option<String>,
}

/// A thread's triage result, with the model that made it.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageFacts {
    pub urgency: Urgency,
    pub category: Category,
    pub confidence: f64,
    pub model_id: String,
    pub model_version: String,
    pub needs_review: bool,
    /// A member of staff re-triaged by hand.
    pub overridden: bool,
}

/// What one `Communication` is made from.
#[derive(Debug, Clone, PartialEq)]
pub struct CommunicationFacts {
    pub message_id: MessageId,
    pub thread_id: ThreadId,
    /// The conversation's subject line.
    pub topic: String,
    pub category: Category,
    pub urgency: Urgency,
    pub patient: Party,
    pub sender: Party,
    pub recipients: Vec<Recipient>,
    /// The message this one answers.
    pub in_response_to: Option<MessageId>,
    pub sent: DateTime<Utc>,
    /// When someone other than the author first opened it.
    pub received: Option<DateTime<Utc>>,
    pub body: String,
    /// An internal note (staff only).
    pub internal: bool,
    pub attachments: Vec<AttachmentFacts>,
    /// The thread's current triage (given to staff only).
    pub triage: Option<TriageFacts>,
}

/// The FHIR `priority` of an urgency: an emergency is `asap`.
#[must_use]
pub const fn priority(urgency: Urgency) -> &'static str {
    match urgency {
        Urgency::Emergency => "asap",
        Urgency::Urgent => "urgent",
        Urgency::Routine => "routine",
    }
}

fn category_display(category: Category) -> &'static str {
    match category {
        Category::Medication => "Medication",
        Category::Scheduling => "Scheduling",
        Category::Results => "Results",
        Category::Clinical => "Clinical",
        Category::Administrative => "Administrative",
        Category::Other => "Other",
    }
}

/// The `Communication` for one message.
#[must_use]
pub fn communication(facts: &CommunicationFacts) -> Value {
    let mut categories = vec![json!({
        "coding": [{ "system": CATEGORY_SYSTEM, "code": facts.category.as_str(), "display": category_display(facts.category) }]
    })];
    if facts.internal {
        categories.push(json!({
            "coding": [{ "system": MESSAGE_KIND_SYSTEM, "code": "internal-note", "display": "Internal note" }],
            "text": "Internal note (care team only)"
        }));
    }
    // A message that only carries files has no text (FHIR allows no empty strings).
    let mut payload = Vec::new();
    if !facts.body.is_empty() {
        payload.push(json!({ "contentString": facts.body }));
    }
    payload.extend(facts.attachments.iter().map(|a| json!({ "contentAttachment": attachment(a) })));

    let mut out = Map::new();
    out.insert("resourceType".into(), json!("Communication"));
    out.insert("id".into(), json!(facts.message_id.to_string()));
    out.insert("meta".into(), json!({ "lastUpdated": instant(facts.sent) }));
    if let Some(triage) = &facts.triage {
        out.insert("extension".into(), json!([triage_extension(triage)]));
    }
    out.insert("identifier".into(), json!([{ "system": MESSAGE_ID_SYSTEM, "value": facts.message_id.to_string() }]));
    out.insert(
        "partOf".into(),
        json!([{
            "reference": format!("Task/{}", facts.thread_id),
            "identifier": { "system": THREAD_ID_SYSTEM, "value": facts.thread_id.to_string() },
            "display": "CareThread conversation"
        }]),
    );
    if let Some(previous) = facts.in_response_to {
        out.insert("inResponseTo".into(), json!([{ "reference": format!("Communication/{previous}") }]));
    }
    out.insert("status".into(), json!("completed"));
    out.insert("category".into(), Value::Array(categories));
    out.insert("priority".into(), json!(priority(facts.urgency)));
    out.insert("subject".into(), facts.patient.reference());
    out.insert("topic".into(), json!({ "text": facts.topic }));
    out.insert("sent".into(), json!(instant(facts.sent)));
    if let Some(received) = facts.received {
        out.insert("received".into(), json!(instant(received)));
    }
    if !facts.recipients.is_empty() {
        out.insert("recipient".into(), facts.recipients.iter().map(recipient).collect());
    }
    out.insert("sender".into(), facts.sender.reference());
    if !payload.is_empty() {
        out.insert("payload".into(), Value::Array(payload));
    }
    Value::Object(out)
}

fn recipient(to: &Recipient) -> Value {
    match to {
        Recipient::Person(party) => party.reference(),
        Recipient::Pool { id, name } => json!({
            "type": "Group",
            "identifier": { "system": POOL_ID_SYSTEM, "value": id.to_string() },
            "display": name
        }),
    }
}

fn attachment(file: &AttachmentFacts) -> Value {
    let mut out = Map::new();
    // FHIR's `hash` is the SHA-1 of the data; CareThread keeps the SHA-256,
    // which goes in an extension rather than under a name that promises SHA-1.
    if let Some(digest) = file.sha256_hex.as_deref().and_then(hex_to_base64) {
        out.insert("extension".into(), json!([{ "url": SHA256_EXTENSION, "valueBase64Binary": digest }]));
    }
    out.insert("contentType".into(), json!(file.content_type));
    out.insert("url".into(), json!(file.url));
    out.insert("size".into(), json!(u32::try_from(file.size_bytes).unwrap_or(u32::MAX)));
    out.insert("title".into(), json!(file.title));
    out.insert("creation".into(), json!(instant(file.created)));
    Value::Object(out)
}

fn triage_extension(triage: &TriageFacts) -> Value {
    json!({
        "url": TRIAGE_EXTENSION,
        "extension": [
            { "url": "urgency", "valueCoding": { "system": URGENCY_SYSTEM, "code": triage.urgency.as_str() } },
            { "url": "category", "valueCoding": { "system": CATEGORY_SYSTEM, "code": triage.category.as_str() } },
            { "url": "confidence", "valueDecimal": (triage.confidence * 1000.0).round() / 1000.0 },
            { "url": "model", "valueString": triage.model_id },
            { "url": "modelVersion", "valueString": triage.model_version },
            { "url": "needsReview", "valueBoolean": triage.needs_review },
            { "url": "overridden", "valueBoolean": triage.overridden },
        ]
    })
}

/// Lower-case or upper-case hex as base64; `None` for anything else.
fn hex_to_base64(hex: &str) -> Option<String> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> =
        (0..hex.len()).step_by(2).map(|i| hex.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect();
    bytes.map(|b| STANDARD.encode(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_ids::id;
    use carethread_core::role::Role;
    use chrono::TimeZone;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 9, minute, 0).single().expect("a valid time")
    }

    fn facts() -> CommunicationFacts {
        CommunicationFacts {
            message_id: id(10),
            thread_id: id(20),
            topic: "Refill".into(),
            category: Category::Medication,
            urgency: Urgency::Urgent,
            patient: Party { id: id(1), role: Role::Patient, display: "Alice".into() },
            sender: Party { id: id(1), role: Role::Patient, display: "Alice".into() },
            recipients: vec![Recipient::Pool { id: id(30), name: "Nurses".into() }],
            in_response_to: None,
            sent: at(0),
            received: Some(at(5)),
            body: "I need more".into(),
            internal: false,
            attachments: vec![],
            triage: None,
        }
    }

    #[test]
    fn a_message_maps_to_a_completed_communication_in_its_thread() {
        let c = communication(&facts());
        assert_eq!(c["resourceType"], "Communication");
        assert_eq!(c["id"], id::<MessageId>(10).to_string());
        assert_eq!(c["status"], "completed");
        assert_eq!(c["partOf"][0]["identifier"]["value"], id::<ThreadId>(20).to_string());
        assert_eq!(c["topic"]["text"], "Refill");
        assert_eq!(c["category"][0]["coding"][0]["system"], CATEGORY_SYSTEM);
        assert_eq!(c["category"][0]["coding"][0]["code"], "medication");
        assert_eq!(c["priority"], "urgent");
        assert_eq!(c["subject"]["reference"], format!("Patient/{}", id::<MessageId>(1)));
        assert_eq!(c["sender"]["reference"], format!("Patient/{}", id::<MessageId>(1)));
        assert_eq!(c["recipient"][0]["identifier"]["system"], POOL_ID_SYSTEM);
        assert_eq!(c["sent"], "2026-03-01T09:00:00Z");
        assert_eq!(c["received"], "2026-03-01T09:05:00Z");
        assert_eq!(c["payload"][0]["contentString"], "I need more");
        assert!(c.get("inResponseTo").is_none() && c.get("extension").is_none());
    }

    #[test]
    fn urgencies_map_to_request_priorities() {
        assert_eq!(priority(Urgency::Emergency), "asap");
        assert_eq!(priority(Urgency::Urgent), "urgent");
        assert_eq!(priority(Urgency::Routine), "routine");
    }

    #[test]
    fn an_unread_reply_has_no_received_time_and_answers_the_previous_message() {
        let mut f = facts();
        f.received = None;
        f.in_response_to = Some(id(9));
        let c = communication(&f);
        assert!(c.get("received").is_none());
        assert_eq!(c["inResponseTo"][0]["reference"], format!("Communication/{}", id::<MessageId>(9)));
    }

    #[test]
    fn attachments_carry_size_and_url_and_their_sha256_in_an_extension_not_in_hash() {
        let mut f = facts();
        f.attachments.push(AttachmentFacts {
            url: "https://x/api/v1/threads/t/attachments/a".into(),
            content_type: "image/png",
            title: "rash.png".into(),
            size_bytes: 1234,
            created: at(0),
            sha256_hex: Some("00ff10".into()),
        });
        f.body = String::new();
        let c = communication(&f);
        assert_eq!(c["payload"].as_array().map(Vec::len), Some(1), "a message of files alone has no text");
        let a = &c["payload"][0]["contentAttachment"];
        assert_eq!(a["size"], 1234);
        assert_eq!(a["contentType"], "image/png");
        assert!(a.get("hash").is_none());
        assert_eq!(a["extension"][0]["url"], SHA256_EXTENSION);
        assert_eq!(a["extension"][0]["valueBase64Binary"], "AP8Q");
    }

    #[test]
    fn the_triage_extension_names_its_model_and_version() {
        let mut f = facts();
        f.triage = Some(TriageFacts {
            urgency: Urgency::Urgent,
            category: Category::Medication,
            confidence: 0.876_54,
            model_id: "nb".into(),
            model_version: "3".into(),
            needs_review: false,
            overridden: false,
        });
        let ext = &communication(&f)["extension"][0];
        assert_eq!(ext["url"], TRIAGE_EXTENSION);
        let part = |name: &str| ext["extension"].as_array().and_then(|v| v.iter().find(|e| e["url"] == name)).cloned();
        assert_eq!(part("model").map(|e| e["valueString"].clone()), Some(json!("nb")));
        assert_eq!(part("modelVersion").map(|e| e["valueString"].clone()), Some(json!("3")));
        assert_eq!(part("confidence").map(|e| e["valueDecimal"].clone()), Some(json!(0.877)));
    }

    #[test]
    fn internal_notes_say_so_in_a_second_category() {
        let mut f = facts();
        f.internal = true;
        assert_eq!(communication(&f)["category"][1]["coding"][0]["code"], "internal-note");
    }

    #[test]
    fn only_hex_becomes_base64() {
        assert_eq!(hex_to_base64("ABCD").as_deref(), Some("q80="));
        assert_eq!(hex_to_base64("abc"), None);
        assert_eq!(hex_to_base64("zz"), None);
    }
}
