//! Checks every draft passes before a clinician sees it: no dose, no
//! diagnosis and no interpretation of a result that the clinician has not
//! written themselves, and no harder to read than grade 8. A draft for an
//! emergency thread must also give the right crisis line early (988 for
//! suicidal or self-harm thoughts, 911 otherwise) and must not promise a
//! reply time: nobody should wait two business days in a crisis.

use carethread_core::user::Language;

use crate::DraftRequest;
use crate::emergency::Crisis;
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

/// Phrases that promise a later reply (English), lowercase.
const PROMISES_EN: [&str; 16] = [
    "business day",
    "get back to you",
    "will reply",
    "will respond",
    "will answer",
    "will write",
    "will read",
    "will look at your message",
    "will be in touch",
    "will contact you",
    "will call you back",
    "hear from us",
    "hear back",
    "reply soon",
    "reply by",
    "by tomorrow",
];
/// Phrases that promise a later reply (Spanish), lowercase.
const PROMISES_ES: [&str; 18] = [
    "día hábil",
    "días hábiles",
    "le vamos a escribir",
    "le voy a escribir",
    "le va a escribir",
    "le van a escribir",
    "le escribiremos",
    "le escribo",
    "le escribimos",
    "le responderemos",
    "le vamos a responder",
    "le voy a responder",
    "le contestamos",
    "le contestaremos",
    "va a leer su mensaje",
    "vamos a leer su mensaje",
    "nos comunicaremos",
    "para mañana",
];
/// Time words after "within" / "en" that make a reply time.
const SPANS_EN: [&str; 8] = ["minute", "minutes", "hour", "hours", "day", "days", "week", "weeks"];
const SPANS_ES: [&str; 8] = ["minuto", "minutos", "hora", "horas", "día", "días", "semana", "semanas"];
/// Sentences (after the greeting) within which the crisis line must come.
const CRISIS_LINE_WITHIN: usize = 3;

/// [`problems`], and for an emergency thread [`emergency_problems`] as well.
#[must_use]
pub fn problems_for(draft: &str, request: &DraftRequest) -> Vec<String> {
    let mut found = problems(draft, request.language, &request.clinician_facts);
    if let Some(crisis) = request.crisis() {
        found.extend(emergency_problems(draft, request.language, crisis));
    }
    found
}

/// What is wrong with a reply on an emergency thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmergencyProblem {
    /// It promises a later reply (the phrase, as written, lowercased).
    PromisesReplyTime(String),
    /// It never gives the crisis line.
    MissingCrisisLine(&'static str),
    /// It gives the crisis line only in this sentence (after the greeting).
    CrisisLineLate(&'static str, usize),
}

impl std::fmt::Display for EmergencyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::PromisesReplyTime(p) => write!(f, "promises a reply time (\"{p}\") on an emergency thread"),
            Self::MissingCrisisLine(line) => write!(f, "leaves out the crisis line {line}"),
            Self::CrisisLineLate(line, n) => write!(f, "gives the crisis line {line} only in sentence {n}, not first"),
        }
    }
}

/// What is wrong with a draft for an emergency thread: a promised reply
/// time, or the crisis line missing or buried.
#[must_use]
pub fn emergency_problems(draft: &str, language: Language, crisis: Crisis) -> Vec<String> {
    emergency_findings(draft, language, crisis).iter().map(ToString::to_string).collect()
}

/// [`emergency_problems`], each as an [`EmergencyProblem`] (for feedback in
/// the reader's language).
#[must_use]
pub fn emergency_findings(reply: &str, language: Language, crisis: Crisis) -> Vec<EmergencyProblem> {
    let text = reply.to_lowercase();
    let mut found = Vec::new();
    if let Some(promise) = promised_reply(&text, language) {
        found.push(EmergencyProblem::PromisesReplyTime(promise));
    }
    let line = crisis.line();
    match crisis_line_sentence(&text, line) {
        None => found.push(EmergencyProblem::MissingCrisisLine(line)),
        Some(n) if n > CRISIS_LINE_WITHIN => found.push(EmergencyProblem::CrisisLineLate(line, n)),
        Some(_) => {}
    }
    found
}

/// The first phrase in `text` (lowercase) that promises a later reply.
fn promised_reply(text: &str, language: Language) -> Option<String> {
    let (phrases, within, spans): (&[&str], &str, &[&str]) = match language {
        Language::En => (&PROMISES_EN, "within", &SPANS_EN),
        Language::Es => (&PROMISES_ES, "en", &SPANS_ES),
    };
    if let Some(p) = phrases.iter().find(|p| text.contains(*p)) {
        return Some((*p).to_owned());
    }
    // "within two business days", "within 24 hours", "en dos días".
    let words: Vec<&str> = text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    words.iter().enumerate().find_map(|(i, w)| {
        if *w != within {
            return None;
        }
        let span = words.iter().skip(i + 1).take(3).position(|v| spans.contains(v))?;
        Some(words[i..=i + 1 + span].join(" "))
    })
}

/// Which sentence (1 = the first after the greeting line) gives `line`.
fn crisis_line_sentence(text: &str, line: &str) -> Option<usize> {
    let body = text.split_once('\n').map_or(text, |(_, rest)| rest);
    body.split(['.', '!', '?', '\n'])
        .filter(|s| !s.trim().is_empty())
        .position(|s| s.split(|c: char| !c.is_ascii_digit()).any(|n| n == line))
        .map(|i| i + 1)
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
    fn emergency_drafts_that_promise_a_reply_time_or_lack_the_crisis_line_are_refused() {
        let routine = "Hi Alice,\nThank you for telling us how you feel. Your care team will look at your message \
                       within two business days. If you have chest pain, call 911.\nDr. Grace Lee";
        let found = emergency_problems(routine, Language::En, Crisis::SelfHarm);
        assert!(found.iter().any(|p| p.contains("promises a reply time")), "{found:?}");
        assert!(found.iter().any(|p| p.contains("988")), "{found:?}");
        let late = "Hi Alice,\nPlease call 911 now. We will get back to you soon.\nDr. Lee";
        assert!(emergency_problems(late, Language::En, Crisis::Danger)[0].contains("get back to you"));
        let spanish = "Hola, Alice:\nLlame al 911. Le vamos a escribir en dos días.\nDr. Lee";
        assert!(emergency_problems(spanish, Language::Es, Crisis::Danger)[0].contains("le vamos a escribir"));
        let spanish = "Hola, Alice:\nLlame al 911 ahora. Su equipo le responde en 2 días.\nDr. Lee";
        let found = emergency_problems(spanish, Language::Es, Crisis::SelfHarm);
        assert!(found.iter().any(|p| p.contains("en 2 días")) && found.iter().any(|p| p.contains("988")), "{found:?}");
        let buried =
            "Hi Alice,\nI read your message. I am sorry. That sounds hard. Thank you for writing. Call 988.\nDr. Lee";
        assert!(emergency_problems(buried, Language::En, Crisis::SelfHarm)[0].contains("not first"));
    }

    #[test]
    fn a_crisis_reply_with_its_line_first_and_no_promise_passes() {
        let good = "Hi Alice,\nI have read your message. Call or text 988 now. If you are in danger, call 911. \
                    We are trying to reach you by phone.\nDr. Grace Lee";
        assert!(emergency_problems(good, Language::En, Crisis::SelfHarm).is_empty());
        assert!(emergency_problems(good, Language::En, Crisis::Danger).is_empty());
        let bueno =
            "Hola, Alice:\nLeí su mensaje. Llame al 911 ahora. Estamos tratando de llamarle por teléfono.\nDr. Lee";
        assert!(emergency_problems(bueno, Language::Es, Crisis::Danger).is_empty());
    }

    #[test]
    fn hard_to_read_drafts_are_flagged() {
        let hard = "Pharmacological intervention necessitates comprehensive multidisciplinary evaluation \
                    considering contraindications, comorbidities and polypharmacy interactions.";
        assert!(problems(hard, Language::En, "").iter().any(|p| p.contains("grade")));
    }
}
