//! The rule set: red flags, urgency cues and category keywords.

use carethread_core::thread::Category;

pub const MODEL_ID: &str = "carethread-rules";
pub const MODEL_VERSION: &str = "0.1.0";

/// Red-flag phrases (lowercase) and the family they belong to.
const RED_FLAGS: &[(&str, &str)] = &[
    ("chest pain", "chest pain"),
    ("chest feels tight", "chest pain"),
    ("chest tightness", "chest pain"),
    ("chest pressure", "chest pain"),
    ("pressure in my chest", "chest pain"),
    ("dolor de pecho", "chest pain"),
    ("dolor en el pecho", "chest pain"),
    ("can't breathe", "trouble breathing"),
    ("cant breathe", "trouble breathing"),
    ("cannot breathe", "trouble breathing"),
    ("trouble breathing", "trouble breathing"),
    ("short of breath", "trouble breathing"),
    ("shortness of breath", "trouble breathing"),
    ("me falta el aire", "trouble breathing"),
    ("no puedo respirar", "trouble breathing"),
    ("face drooping", "stroke signs"),
    ("slurred speech", "stroke signs"),
    ("one side of my body", "stroke signs"),
    ("passed out", "fainting"),
    ("fainted", "fainting"),
    ("me desmayé", "fainting"),
    ("won't stop bleeding", "severe bleeding"),
    ("bleeding heavily", "severe bleeding"),
    ("throat is closing", "anaphylaxis"),
    ("throat closing", "anaphylaxis"),
    ("suicide", "suicidal thoughts"),
    ("suicidal", "suicidal thoughts"),
    ("kill myself", "suicidal thoughts"),
    ("end my life", "suicidal thoughts"),
    ("suicidarme", "suicidal thoughts"),
    ("quitarme la vida", "suicidal thoughts"),
    ("overdose", "overdose"),
    ("sobredosis", "overdose"),
    ("seizure", "seizure"),
    ("convulsión", "seizure"),
    ("worst headache", "worst headache"),
    ("lost my vision", "sudden vision loss"),
    ("can't see out of", "sudden vision loss"),
];

const NEGATIONS: &[&str] = &["no ", "not ", "without ", "denies ", "never ", "sin ", "ningún "];

/// Red-flag families found in `text` (lowercase), skipping negated mentions
/// ("no chest pain") within the few words before the phrase.
pub fn red_flags(text: &str) -> Vec<&'static str> {
    let mut found: Vec<&'static str> = Vec::new();
    for (phrase, family) in RED_FLAGS {
        let mut start = 0;
        while let Some(pos) = text[start..].find(phrase) {
            let at = start + pos;
            let window_start = text[..at].char_indices().rev().nth(15).map_or(0, |(i, _)| i);
            let window = &text[window_start..at];
            let clause = window.rsplit(['.', ',', ';', '!', '?', '\n']).next().unwrap_or(window);
            let negated = NEGATIONS.iter().any(|n| clause.contains(n) || clause.starts_with(n.trim_end()));
            if !negated && !found.contains(family) {
                found.push(family);
            }
            start = at + phrase.len();
        }
    }
    found
}

/// Whether the text asks for speed or describes worsening symptoms.
pub fn is_urgent(text: &str) -> bool {
    const CUES: &[&str] =
        &["getting worse", "worse today", "urgent", "asap", "high fever", "fever of 10", "urgente", "empeorando"];
    CUES.iter().any(|c| text.contains(c))
}

/// The category with the most keyword hits, a confidence, and the words that decided it.
pub fn category(text: &str) -> (Category, f64, Vec<String>) {
    const KEYWORDS: &[(Category, &[&str])] = &[
        (
            Category::Medication,
            &[
                "refill",
                "prescription",
                "pharmacy",
                "medication",
                "medicine",
                "pill",
                "dose",
                "receta",
                "farmacia",
                "medicamento",
                "metformin",
                "lisinopril",
                "inhaler",
            ],
        ),
        (Category::Scheduling, &["appointment", "reschedule", "schedule", "cancel my", "book", "cita", "visit"]),
        (
            Category::Results,
            &["result", "lab", "blood test", "x-ray", "mri", "scan", "cholesterol", "resultado", "análisis"],
        ),
        (
            Category::Administrative,
            &[
                "bill",
                "invoice",
                "insurance",
                "form",
                "letter",
                "records",
                "factura",
                "seguro",
                "formulario",
                "payment",
            ],
        ),
        (
            Category::Clinical,
            &[
                "pain", "fever", "rash", "cough", "symptom", "dizzy", "hurts", "swelling", "dolor", "fiebre", "tos",
                "sore", "nausea", "bleeding", "breath",
            ],
        ),
    ];
    let mut best = (Category::Other, 0usize, Vec::new());
    let mut total = 0usize;
    for (category, words) in KEYWORDS {
        let hits: Vec<String> =
            words.iter().filter(|w| text.contains(**w)).map(|w| format!("mentions \"{w}\"")).collect();
        total += hits.len();
        if hits.len() > best.1 {
            best = (*category, hits.len(), hits);
        }
    }
    if best.1 == 0 {
        return (Category::Other, 0.3, vec!["no category keywords".to_owned()]);
    }
    let confidence = 0.5 + 0.5 * (best.1 as f64 / total as f64);
    (best.0, (confidence * 100.0).round() / 100.0, best.2)
}
