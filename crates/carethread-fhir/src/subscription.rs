//! Topic-based subscriptions as the FHIR R4 Subscriptions Backport has them:
//! a `Subscription` whose `criteria` is a topic's canonical address (with a
//! filter in the backport's extension), delivered by `rest-hook` with
//! id-only payloads; and the notifications, `history` Bundles that begin
//! with the backport's subscription status (`Parameters`).

use carethread_core::ids::UserId;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::instant;
use crate::search::{SearchError, invalid};

/// Where CareThread's subscription topics live.
pub const TOPIC_BASE: &str = "https://carethread.org/fhir/SubscriptionTopic/";
const BACKPORT: &str = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/";

/// What a `Subscription` asks for, read from its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionRequest {
    /// The topic's name (`communication-created`, `task-changed`).
    pub topic: String,
    /// Only events of this patient's.
    pub patient: Option<UserId>,
    pub endpoint: String,
    pub headers: Vec<String>,
}

impl SubscriptionRequest {
    /// Reads a `Subscription` sent to be created.
    pub fn parse(body: &Value) -> Result<Self, SearchError> {
        if body["resourceType"] != "Subscription" {
            return Err(invalid("resourceType", "must be Subscription"));
        }
        let criteria = body["criteria"].as_str().unwrap_or_default();
        let topic = criteria
            .strip_prefix(TOPIC_BASE)
            .filter(|t| ["communication-created", "task-changed"].contains(t))
            .ok_or_else(|| invalid("criteria", "must be a CareThread topic: communication-created or task-changed"))?;
        let filters: Vec<&str> = body["_criteria"]["extension"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["url"].as_str().is_some_and(|u| u.ends_with("backport-filter-criteria")))
            .filter_map(|e| e["valueString"].as_str())
            .collect();
        let patient = match filters.as_slice() {
            [] => None,
            [one] => Some(patient_filter(one).ok_or_else(|| {
                invalid("_criteria", "the filter may name one patient: Communication?subject=Patient/{id}")
            })?),
            _ => return Err(invalid("_criteria", "give at most one filter")),
        };
        let channel = &body["channel"];
        if channel["type"] != "rest-hook" {
            return Err(invalid("channel.type", "must be rest-hook"));
        }
        if channel["payload"].as_str().is_some_and(|p| p != "application/fhir+json") {
            return Err(invalid("channel.payload", "must be application/fhir+json"));
        }
        let content = channel["_payload"]["extension"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["url"].as_str().is_some_and(|u| u.ends_with("backport-payload-content")))
            .and_then(|e| e["valueCode"].as_str());
        if content.is_some_and(|c| c != "id-only") {
            return Err(invalid("channel.payload", "notifications carry ids only (id-only)"));
        }
        let endpoint = channel["endpoint"].as_str().unwrap_or_default().trim().to_owned();
        let headers: Vec<String> =
            channel["header"].as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect();
        Ok(Self { topic: topic.to_owned(), patient, endpoint, headers })
    }
}

fn patient_filter(filter: &str) -> Option<UserId> {
    let (_, query) = filter.split_once('?')?;
    let (name, value) = query.split_once('=')?;
    if !matches!(name, "subject" | "patient") {
        return None;
    }
    value.strip_prefix("Patient/").unwrap_or(value).parse().ok()
}

/// What a `Subscription` resource shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionFacts {
    pub id: String,
    pub topic: String,
    pub patient: Option<UserId>,
    pub endpoint: String,
    /// `requested`, `active`, `error` or `off`.
    pub status: String,
    pub error: Option<String>,
}

/// The `Subscription` resource (its headers, which may hold secrets, are not shown).
#[must_use]
pub fn subscription(facts: &SubscriptionFacts) -> Value {
    let mut out = json!({
        "resourceType": "Subscription",
        "id": facts.id,
        "meta": { "profile": [format!("{BACKPORT}backport-subscription")] },
        "status": facts.status,
        "reason": "CareThread notifications",
        "criteria": format!("{TOPIC_BASE}{}", facts.topic),
        "channel": {
            "type": "rest-hook",
            "endpoint": facts.endpoint,
            "payload": "application/fhir+json",
            "_payload": { "extension": [{ "url": format!("{BACKPORT}backport-payload-content"), "valueCode": "id-only" }] }
        }
    });
    if let Some(patient) = facts.patient {
        let kind = if facts.topic == "task-changed" { "Task?patient" } else { "Communication?subject" };
        out["_criteria"] = json!({ "extension": [{
            "url": format!("{BACKPORT}backport-filter-criteria"),
            "valueString": format!("{kind}=Patient/{patient}")
        }]});
    }
    if let Some(error) = &facts.error {
        out["error"] = json!(error);
    }
    out
}

/// A notification: a handshake (no events) or the events numbered from
/// `first_event`, each naming its focus (`Communication/{id}`, `Task/{id}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification<'a> {
    pub fhir_base: &'a str,
    pub subscription: &'a str,
    pub topic: &'a str,
    pub handshake: bool,
    pub first_event: u64,
    pub focus: &'a [String],
    pub now: DateTime<Utc>,
}

/// The notification Bundle (`history`), ids only.
#[must_use]
pub fn notification(n: &Notification<'_>) -> Value {
    let last = n.first_event + n.focus.len() as u64;
    let mut parameters = vec![
        json!({ "name": "subscription", "valueReference": { "reference": format!("{}/Subscription/{}", n.fhir_base, n.subscription) } }),
        json!({ "name": "topic", "valueCanonical": format!("{TOPIC_BASE}{}", n.topic) }),
        json!({ "name": "status", "valueCode": if n.handshake { "requested" } else { "active" } }),
        json!({ "name": "type", "valueCode": if n.handshake { "handshake" } else { "event-notification" } }),
        json!({ "name": "events-since-subscription-start", "valueString": last.saturating_sub(1).to_string() }),
    ];
    for (i, focus) in n.focus.iter().enumerate() {
        parameters.push(json!({ "name": "notification-event", "part": [
            { "name": "event-number", "valueString": (n.first_event + i as u64).to_string() },
            { "name": "focus", "valueReference": { "reference": format!("{}/{focus}", n.fhir_base) } }
        ]}));
    }
    let status = json!({
        "resourceType": "Parameters",
        "meta": { "profile": [format!("{BACKPORT}backport-subscription-status-r4")] },
        "parameter": parameters
    });
    let mut entries = vec![json!({
        "fullUrl": format!("urn:uuid:{}", uuid::Uuid::now_v7()),
        "resource": status,
        "request": { "method": "GET", "url": format!("{}/Subscription/{}/$status", n.fhir_base, n.subscription) },
        "response": { "status": "200" }
    })];
    for focus in n.focus {
        let kind = focus.split('/').next().unwrap_or_default();
        entries.push(json!({
            "fullUrl": format!("{}/{focus}", n.fhir_base),
            "request": { "method": "POST", "url": kind },
            "response": { "status": "201" }
        }));
    }
    json!({ "resourceType": "Bundle", "type": "history", "timestamp": instant(n.now), "entry": entries })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_ids::id;

    #[test]
    fn a_subscription_is_read_with_its_topic_filter_and_channel() {
        let patient: UserId = id(1);
        let body = json!({"resourceType": "Subscription", "status": "requested",
            "criteria": format!("{TOPIC_BASE}communication-created"),
            "_criteria": {"extension": [{"url": format!("{BACKPORT}backport-filter-criteria"),
                "valueString": format!("Communication?subject=Patient/{patient}")}]},
            "channel": {"type": "rest-hook", "endpoint": "https://lab.example/hook", "payload": "application/fhir+json",
                "header": ["Authorization: Bearer abc"]}});
        let read = SubscriptionRequest::parse(&body).expect("readable");
        assert_eq!(
            (read.topic.as_str(), read.patient, read.endpoint.as_str()),
            ("communication-created", Some(patient), "https://lab.example/hook")
        );
        assert_eq!(read.headers, ["Authorization: Bearer abc"]);
        for (path, value, element) in [
            ("criteria", json!("Communication?subject=x"), "criteria"),
            ("channel", json!({"type": "websocket"}), "channel.type"),
            ("channel", json!({"type": "rest-hook", "payload": "application/xml"}), "channel.payload"),
        ] {
            let mut bad = body.clone();
            bad[path] = value;
            let err = SubscriptionRequest::parse(&bad).expect_err(element);
            assert!(matches!(&err, SearchError::Invalid { param, .. } if param == element), "{err:?}");
        }
    }

    #[test]
    fn a_notification_numbers_its_events_and_carries_ids_only() {
        let focus = vec!["Communication/m1".to_owned(), "Communication/m2".to_owned()];
        let n = Notification {
            fhir_base: "https://x/fhir/r4",
            subscription: "s1",
            topic: "communication-created",
            handshake: false,
            first_event: 4,
            focus: &focus,
            now: Utc::now(),
        };
        let bundle = notification(&n);
        assert_eq!(bundle["type"], "history");
        let status = &bundle["entry"][0]["resource"];
        assert_eq!(status["parameter"][3]["valueCode"], "event-notification");
        assert_eq!(status["parameter"][4]["valueString"], "5");
        assert_eq!(status["parameter"][6]["part"][0]["valueString"], "5");
        assert_eq!(bundle["entry"][2]["fullUrl"], "https://x/fhir/r4/Communication/m2");
        assert!(bundle["entry"][2].get("resource").is_none(), "ids only");
    }
}
