//! Keyword rules used when a clinic switches the classifier off: urgency cues
//! and category keywords. (Red flags are always checked by `safety`.)

use carethread_core::thread::Category;

/// Whether the text asks for speed or describes worsening symptoms.
pub fn is_urgent(text: &str) -> bool {
    const CUES: &[&str] = &[
        "getting worse",
        "worse today",
        "urgent",
        "asap",
        "high fever",
        "fever of 10",
        "out of my",
        "ran out",
        "urgente",
        "empeorando",
        "se me acab",
    ];
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
