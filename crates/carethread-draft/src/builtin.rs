//! The built-in drafter: offline and deterministic. It picks the clinic's
//! reply for the situation, fills it in, and opens by naming the patient's
//! concern when the message sounds worried. It never writes a dose, a
//! diagnosis or what a result means.

use std::collections::HashMap;

use async_trait::async_trait;
use carethread_core::thread::Category;
use carethread_core::user::Language;

use crate::library::{ReplyLibrary, Situation, fill};
use crate::{Draft, DraftError, DraftRequest, Drafter, ModelInfo, emergency, empathy, readability, reply_needed};

/// The built-in drafter's model id and version.
pub const BUILTIN_ID: &str = "carethread-replies";
pub const BUILTIN_VERSION: &str = "1.1.0";

const PHARMACIES: [&str; 12] = [
    "cvs",
    "walgreens",
    "rite aid",
    "walmart",
    "costco",
    "kroger",
    "safeway",
    "target",
    "publix",
    "h-e-b",
    "wegmans",
    "albertsons",
];

/// Drafts from the clinic's reply library.
#[derive(Debug, Clone, Default)]
pub struct BuiltinDrafter;

/// The situation a patient's message is most likely about, and why.
#[must_use]
pub fn situation_for(category: Category, text: &str) -> (Situation, &'static str) {
    let t = text.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    match category {
        Category::Medication => (Situation::RefillSent, "a medication request: the refill reply"),
        Category::Scheduling => (Situation::AppointmentOptions, "a scheduling request: the appointment reply"),
        Category::Results => {
            (Situation::ResultExplainedByClinician, "a question about results: the clinician will explain them")
        }
        Category::Clinical => (Situation::SymptomSafetyNet, "a symptom question: the safety-net reply"),
        Category::Administrative
            if has(&["bill", "charge", "invoice", "payment", "insurance", "factura", "cobro", "pago", "seguro"]) =>
        {
            (Situation::BillingRouted, "a billing question: routed to billing")
        }
        Category::Administrative => (Situation::FormsReceived, "a form or paperwork request"),
        Category::Other if has(&["refill", "receta", "out of my", "se me acab"]) => {
            (Situation::RefillSent, "mentions a refill: the refill reply")
        }
        Category::Other => (Situation::General, "no specific situation: the general reply"),
    }
}

/// A pharmacy the patient named, as they wrote it (title-cased).
fn pharmacy_named(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    PHARMACIES.iter().find(|p| lower.contains(*p)).map(|p| match *p {
        "cvs" => "CVS".to_owned(),
        "h-e-b" => "H-E-B".to_owned(),
        other => other
            .split(' ')
            .map(|w| {
                let mut c = w.chars();
                c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(" "),
    })
}

fn default_expected(situation: Situation, language: Language) -> &'static str {
    match (language, situation) {
        (Language::En, Situation::RefillSent) => "within one business day",
        (Language::En, _) => "within two business days",
        (Language::Es, Situation::RefillSent) => "en un día",
        (Language::Es, _) => "en dos días",
    }
}

/// Drafts with `library` (the clinic's replies); an emergency thread gets
/// the crisis reply instead, whatever the message or the clinic's library.
#[must_use]
pub fn draft_with(library: &ReplyLibrary, request: &DraftRequest) -> Draft {
    if let Some(crisis) = request.crisis() {
        return emergency::draft(request, crisis);
    }
    let language = request.language;
    let model = ModelInfo { id: BUILTIN_ID.to_owned(), version: BUILTIN_VERSION.to_owned() };
    let last = request.last_patient_message().unwrap_or_default();
    let (needed, why_not) = reply_needed::assess(&request.subject, last, language);
    if !needed {
        let mut reasons = vec![why_not.unwrap_or("no reply needed").to_owned()];
        reasons.push("suggest: close the thread with one click".to_owned());
        return Draft { body: None, model, reply_needed: false, reasons, readability: None };
    }
    let (situation, why) = request.situation.map_or_else(
        || situation_for(request.category, &format!("{} {last}", request.subject)),
        |s| (s, "the situation the clinician chose"),
    );
    let mut reasons = vec![format!("situation {}: {why}", situation.as_str())];
    let pharmacy = pharmacy_named(last).unwrap_or_else(|| match language {
        Language::En => "your pharmacy".to_owned(),
        Language::Es => "su farmacia".to_owned(),
    });
    let values: HashMap<&str, String> = [
        ("first_name", request.patient_first_name.clone()),
        ("clinician", request.clinician_name.clone()),
        ("clinic", request.clinic_name.clone()),
        ("pharmacy", pharmacy),
        (
            "expected_time",
            request.expected_time.clone().unwrap_or_else(|| default_expected(situation, language).to_owned()),
        ),
    ]
    .into_iter()
    .collect();
    let mut body = fill(library.reply(situation, language), &values);
    if library.is_custom(situation, language) {
        reasons.push("the clinic's own reply".to_owned());
    }
    if empathy::expresses_worry(last, language) {
        let concern = empathy::concern_phrase(&request.subject, language);
        let opener = match (language, concern) {
            (Language::En, Some(c)) => format!("I can tell you are worried about {c}, and I am glad you wrote to us."),
            (Language::En, None) => "I can tell you are worried, and I am glad you wrote to us.".to_owned(),
            (Language::Es, Some(c)) => format!("Entiendo su preocupación por {c}. Qué bueno que nos escribió."),
            (Language::Es, None) => "Entiendo su preocupación. Qué bueno que nos escribió.".to_owned(),
        };
        // After the greeting line.
        body = match body.split_once('\n') {
            Some((greeting, rest)) => format!("{greeting}\n{opener} {rest}"),
            None => format!("{opener} {body}"),
        };
        reasons.push("opens with empathy: the message sounds worried".to_owned());
    }
    let readability = readability::measure(&body, language);
    Draft { body: Some(body), model, reply_needed: true, reasons, readability: Some(readability) }
}

#[async_trait]
impl Drafter for BuiltinDrafter {
    async fn draft(&self, library: &ReplyLibrary, request: &DraftRequest) -> Result<Draft, DraftError> {
        Ok(draft_with(library, request))
    }

    fn model(&self) -> ModelInfo {
        ModelInfo { id: BUILTIN_ID.to_owned(), version: BUILTIN_VERSION.to_owned() }
    }
}
