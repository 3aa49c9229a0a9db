//! Checks every draft passes before a clinician sees it: no dose, no
//! diagnosis and no interpretation of a result that the clinician has not
//! written themselves, and no harder to read than grade 8.

use carethread_core::user::Language;

use crate::readability::{self, MAX_DRAFT_GRADE};

const DOSE_UNITS: [&str; 22] = [
    "mg", "mcg", "µg", "g", "ml", "l", "cc", "iu", "unit", "units", "tablet", "tablets", "pill", "pills", "puff",
    "puffs", "drop", "drops", "capsule", "capsules", "tableta", "tabletas",
];
const DIAGNOSIS_EN: [&str; 12] = [
    "you have a",
    "you have an",
    "you may have",
    "you might have",
    "you probably have",
    "diagnos",
    "sounds like you",
    "it is likely",
    "it's likely",
    "this is probably",
    "it could be",
    "consistent with",
];
const DIAGNOSIS_ES: [&str; 7] = [
    "usted tiene un",
    "usted tiene una",
    "podría tener",
    "diagnóstic",
    "parece que tiene",
    "es probable que",
    "probablemente tiene",
];
const RESULT_WORDS_EN: [&str; 7] = ["result", "results", "level", "levels", "test", "tests", "labs"];
const RESULT_WORDS_ES: [&str; 5] = ["resultado", "resultados", "nivel", "niveles", "análisis"];
const VERDICTS_EN: [&str; 10] =
    ["normal", "abnormal", "fine", "good", "bad", "high", "low", "elevated", "concerning", "okay"];
const VERDICTS_ES: [&str; 8] = ["normal", "normales", "anormal", "bien", "mal", "altos", "bajos", "elevados"];

/// What is wrong with a draft, if anything; `facts` is what the clinician
/// wrote themselves (a dose or diagnosis they entered may be repeated).
#[must_use]
pub fn problems(draft: &str, language: Language, facts: &str) -> Vec<String> {
    let text = draft.to_lowercase();
    let facts = facts.to_lowercase();
    let mut found = Vec::new();
    if let Some(dose) = dose_mention(&text).filter(|d| !facts.contains(d.as_str())) {
        found.push(format!("states a dose ({dose})"));
    }
    let diagnosis: &[&str] = match language {
        Language::En => &DIAGNOSIS_EN,
        Language::Es => &DIAGNOSIS_ES,
    };
    if let Some(p) = diagnosis.iter().find(|p| text.contains(*p) && !facts.contains(*p)) {
        found.push(format!("suggests a diagnosis (\"{p}\")"));
    }
    if interprets_result(&text, language) && !interprets_result(&facts, language) {
        found.push("interprets a result".to_owned());
    }
    let grade = readability::measure(draft, language).grade;
    if grade > MAX_DRAFT_GRADE {
        found.push(format!("reads at grade {grade:.1}, above {MAX_DRAFT_GRADE:.0}"));
    }
    found
}

/// The first "number unit" in the text ("10 mg", "2 tablets").
fn dose_mention(text: &str) -> Option<String> {
    let tokens: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '(' || c == ')')
        .filter(|t| !t.is_empty())
        .collect();
    for (i, token) in tokens.iter().enumerate() {
        let digits_end = token.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '/')).unwrap_or(token.len());
        if digits_end == 0 || !token.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let attached = token[digits_end..].trim_end_matches(['.', '!']);
        let unit = if attached.is_empty() {
            tokens.get(i + 1).map(|t| t.trim_end_matches(['.', '!']))
        } else {
            Some(attached)
        };
        if let Some(unit) = unit.filter(|u| DOSE_UNITS.contains(u)) {
            return Some(if attached.is_empty() {
                format!("{} {unit}", &token[..digits_end])
            } else {
                (*token).to_owned()
            });
        }
    }
    None
}

/// "your results are normal", "el nivel está alto": a verdict on a result.
fn interprets_result(text: &str, language: Language) -> bool {
    let (subjects, verdicts): (&[&str], &[&str]) = match language {
        Language::En => (&RESULT_WORDS_EN, &VERDICTS_EN),
        Language::Es => (&RESULT_WORDS_ES, &VERDICTS_ES),
    };
    let words: Vec<&str> = text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    words
        .iter()
        .enumerate()
        .any(|(i, w)| subjects.contains(w) && words.iter().skip(i + 1).take(4).any(|v| verdicts.contains(v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doses_diagnoses_and_verdicts_are_caught() {
        assert!(problems("Take 20 mg twice a day.", Language::En, "")[0].contains("dose"));
        assert!(problems("Take 2 tablets now.", Language::En, "").iter().any(|p| p.contains("dose")));
        assert!(problems("It sounds like you have the flu.", Language::En, "").iter().any(|p| p.contains("diagnosis")));
        assert!(problems("Your results are normal.", Language::En, "").iter().any(|p| p.contains("result")));
        assert!(problems("Usted tiene una infección.", Language::Es, "").iter().any(|p| p.contains("diagnosis")));
        assert!(problems("Sus resultados están bien.", Language::Es, "").iter().any(|p| p.contains("result")));
    }

    #[test]
    fn plain_safe_replies_pass_and_clinician_facts_may_be_repeated() {
        assert!(problems("We sent your refill to CVS. It will be ready tomorrow.", Language::En, "").is_empty());
        assert!(problems("Keep taking 10 mg each morning.", Language::En, "Dose: 10 mg each morning").is_empty());
        assert!(problems("Call us at 10 am.", Language::En, "").is_empty(), "a time is not a dose");
    }

    #[test]
    fn hard_to_read_drafts_are_flagged() {
        let hard = "Pharmacological intervention necessitates comprehensive multidisciplinary evaluation \
                    considering contraindications, comorbidities and polypharmacy interactions.";
        assert!(problems(hard, Language::En, "").iter().any(|p| p.contains("grade")));
    }
}
