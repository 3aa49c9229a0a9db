//! Emergency drafts: their own kind. A thread triaged emergency never gets
//! a routine reply ("within two business days", a chest-pain safety net):
//! it gets the crisis reply, crisis line first (988 for suicidal or
//! self-harm thoughts, 911 for danger now), the news that the care team is
//! trying to reach the patient by phone, and no promise of a later reply.
//! These texts are built in and not part of the clinic's editable library,
//! so no clinic setting can take a crisis line out of them.

use std::collections::HashMap;

use carethread_core::user::Language;

use crate::builtin::{BUILTIN_ID, BUILTIN_VERSION};
use crate::library::fill;
use crate::{Draft, DraftRequest, ModelInfo, readability};

/// What an emergency thread is about, as far as the reply goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crisis {
    /// Triage saw suicidal or self-harm thoughts: 988 first, 911 for danger now.
    SelfHarm,
    /// Any other emergency: 911 or the emergency room now.
    Danger,
}

impl Crisis {
    /// The crisis line every draft for this crisis must give.
    #[must_use]
    pub const fn line(self) -> &'static str {
        match self {
            Crisis::SelfHarm => "988",
            Crisis::Danger => "911",
        }
    }

    /// A reason a clinician can read.
    #[must_use]
    pub const fn reason(self) -> &'static str {
        match self {
            Crisis::SelfHarm => {
                "emergency: triage saw suicidal or self-harm thoughts: the crisis reply (988 first, 911 for danger now)"
            }
            Crisis::Danger => "emergency: the crisis reply (911 or the emergency room now)",
        }
    }
}

/// The crisis reply, with the `{first_name}` and `{clinician}` placeholders.
#[must_use]
pub fn reply(crisis: Crisis, language: Language) -> &'static str {
    match (language, crisis) {
        (Language::En, Crisis::SelfHarm) => {
            "Hi {first_name},\nI have read your message, and I am worried about you. \
             If you are thinking about ending your life, call or text 988 now. \
             That is the 988 Suicide & Crisis Lifeline, and it is open day and night. \
             If you are in danger right now, call 911. \
             We are trying to reach you by phone. You matter to us.\n{clinician}"
        }
        (Language::En, Crisis::Danger) => {
            "Hi {first_name},\nI have read your message, and I am worried about you. \
             Please call 911 now or go to the nearest emergency room. \
             Do not wait for a message from us. \
             We are trying to reach you by phone.\n{clinician}"
        }
        (Language::Es, Crisis::SelfHarm) => {
            "Hola, {first_name}:\nLeí su mensaje y me preocupa mucho cómo está. \
             Si piensa en quitarse la vida, llame o mande un texto al 988 ahora. \
             Es la Línea 988 de Prevención del Suicidio y Crisis. Para español, marque 2. \
             Si está en peligro ahora mismo, llame al 911. \
             Estamos tratando de llamarle por teléfono. Usted nos importa.\n{clinician}"
        }
        (Language::Es, Crisis::Danger) => {
            "Hola, {first_name}:\nLeí su mensaje y me preocupa mucho cómo está. \
             Llame al 911 ahora o vaya a la sala de emergencias más cercana. \
             No espere un mensaje de nosotros. \
             Estamos tratando de llamarle por teléfono.\n{clinician}"
        }
    }
}

/// The crisis draft for an emergency thread.
#[must_use]
pub fn draft(request: &DraftRequest, crisis: Crisis) -> Draft {
    let values: HashMap<&str, String> =
        [("first_name", request.patient_first_name.clone()), ("clinician", request.clinician_name.clone())]
            .into_iter()
            .collect();
    let body = fill(reply(crisis, request.language), &values);
    let readability = readability::measure(&body, request.language);
    Draft {
        body: Some(body),
        model: ModelInfo { id: BUILTIN_ID.to_owned(), version: BUILTIN_VERSION.to_owned() },
        reply_needed: true,
        reasons: vec![crisis.reason().to_owned()],
        readability: Some(readability),
    }
}
