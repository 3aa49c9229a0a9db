//! The domain as the FHIR mapping's facts: the one translation from what
//! the application reads (threads, messages, people) to what
//! [`carethread_fhir`] maps, shared by the FHIR API, a patient's record
//! download and the command line.

use carethread_core::user::User;
use carethread_fhir::{
    AttachmentFacts, CommunicationFacts, Party, PatientFacts, PractitionerFacts, Recipient, TriageFacts,
};
use carethread_store::{MessageView, PersonRef};
use serde_json::{Value, json};

use crate::fhir_reads::ThreadRead;
use crate::record::PatientRecord;

/// A patient as the `Patient` mapping takes her.
#[must_use]
pub fn patient_facts(user: &User) -> PatientFacts {
    PatientFacts {
        id: user.id,
        name: user.display_name.as_str().to_owned(),
        birth_date: user.date_of_birth,
        language: user.language,
        mrn: user.mrn.as_ref().map(|m| m.as_str().to_owned()),
        active: !user.disabled,
    }
}

/// A member of staff as the `Practitioner` mapping takes them.
#[must_use]
pub fn practitioner_facts(user: &User) -> PractitionerFacts {
    PractitionerFacts {
        id: user.id,
        name: user.display_name.as_str().to_owned(),
        role: user.role,
        active: !user.disabled,
    }
}

/// A person as a FHIR reference shows them.
#[must_use]
pub fn party(person: &PersonRef) -> Party {
    Party { id: person.id, role: person.role, display: person.display_name.clone() }
}

/// The `Communication` facts of message `index` of a thread; `origin` is the
/// server's own address (`http://host:port`, or empty) for file downloads.
#[must_use]
pub fn communication_facts(read: &ThreadRead, index: usize, origin: &str) -> CommunicationFacts {
    let summary = &read.view.summary;
    let thread = &summary.thread;
    let messages = &read.view.messages;
    let view: &MessageView = &messages[index.min(messages.len().saturating_sub(1))];
    let message = &view.message;
    // Answers the latest earlier message, among those the caller sees, by someone else.
    let in_response_to = messages[..index.min(messages.len())]
        .iter()
        .rev()
        .find(|m| m.author.id != view.author.id)
        .map(|m| m.message.id);
    let care_team = || -> Vec<Recipient> {
        match (&summary.assignee, &summary.pool) {
            (Some(assignee), _) => vec![Recipient::Person(party(assignee))],
            (None, Some(pool)) => vec![Recipient::Pool { id: pool.id, name: pool.name.clone() }],
            (None, None) => Vec::new(),
        }
    };
    let recipients = if message.internal || !view.author.role.is_staff() {
        care_team()
    } else {
        vec![Recipient::Person(party(&summary.patient))]
    };
    let attachments = view
        .attachments
        .iter()
        .map(|a| AttachmentFacts {
            url: format!("{origin}/api/v1/threads/{}/attachments/{}", a.thread_id, a.id),
            content_type: a.media_type.mime(),
            title: a.file_name.as_str().to_owned(),
            size_bytes: a.size_bytes,
            created: a.created_at,
            sha256_hex: read.digests.iter().find(|(id, _)| *id == a.id).map(|(_, sha)| sha.clone()),
        })
        .collect();
    let triage = read.view.triage.as_ref().map(|(t, _)| TriageFacts {
        urgency: t.urgency,
        category: t.category,
        confidence: t.confidence,
        model_id: t.model_id.clone(),
        model_version: t.model_version.clone(),
        needs_review: t.needs_review,
        overridden: t.overridden_by.is_some(),
    });
    CommunicationFacts {
        message_id: message.id,
        thread_id: thread.id,
        topic: thread.subject.as_str().to_owned(),
        category: thread.category,
        urgency: thread.urgency,
        patient: party(&summary.patient),
        sender: party(&view.author),
        recipients,
        in_response_to,
        sent: message.sent_at,
        received: view.read_by.first().map(|(_, at)| *at),
        body: message.body.as_str().to_owned(),
        internal: message.internal,
        attachments,
        triage,
    }
}

/// A patient's record as a FHIR `collection` `Bundle`: her `Patient` and a
/// `Communication` for every message, oldest conversation last.
#[must_use]
pub fn record_bundle(record: &PatientRecord, origin: &str) -> Value {
    let user = &record.patient;
    let patient = carethread_fhir::patient(&patient_facts(user));
    let base = format!("{origin}/fhir/r4");
    let mut entries = vec![json!({ "fullUrl": format!("{base}/Patient/{}", user.id), "resource": patient })];
    for thread in &record.threads {
        for index in 0..thread.view.messages.len() {
            let facts = communication_facts(thread, index, origin);
            let full_url = format!("{base}/Communication/{}", facts.message_id);
            entries.push(json!({ "fullUrl": full_url, "resource": carethread_fhir::communication(&facts) }));
        }
    }
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": record.generated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "entry": entries,
    })
}
