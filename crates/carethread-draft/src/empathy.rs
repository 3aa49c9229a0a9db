//! Empathy: whether a reply acknowledges the patient's feelings, and
//! whether the patient's message expresses worry (so a draft opens by
//! naming the concern).

use carethread_core::user::Language;

const EN_EMPATHY: [&str; 16] = [
    "i'm sorry",
    "i am sorry",
    "sorry to hear",
    "i understand",
    "i can understand",
    "i can tell",
    "that sounds",
    "that must be",
    "it makes sense",
    "i know this",
    "i hear you",
    "thank you for letting us know",
    "thanks for letting us know",
    "you're worried",
    "you are worried",
    "understandably",
];
const ES_EMPATHY: [&str; 13] = [
    "lo siento",
    "lamento",
    "siento mucho",
    "entiendo",
    "comprendo",
    "entendemos",
    "debe ser",
    "su preocupación",
    "gracias por avisarnos",
    "gracias por contarnos",
    "es normal preocuparse",
    "está preocupad",
    "le preocupa",
];
const EN_WORRY: [&str; 16] = [
    "worried",
    "worry",
    "worrying",
    "scared",
    "afraid",
    "anxious",
    "nervous",
    "concerned",
    "frightened",
    "panicking",
    "freaking out",
    "upset",
    "stressed",
    "terrified",
    "fear",
    "not sure what to do",
];
const ES_WORRY: [&str; 10] =
    ["preocupad", "preocupa", "miedo", "asustad", "nervios", "ansios", "angustiad", "me da pena", "temo", "inquiet"];

fn normal(text: &str) -> String {
    text.to_lowercase().replace('’', "'")
}

/// Whether `reply` acknowledges the patient's feelings.
#[must_use]
pub fn acknowledges(reply: &str, language: Language) -> bool {
    let text = normal(reply);
    let phrases: &[&str] = match language {
        Language::En => &EN_EMPATHY,
        Language::Es => &ES_EMPATHY,
    };
    phrases.iter().any(|p| text.contains(p))
}

/// Whether the patient's message expresses worry.
#[must_use]
pub fn expresses_worry(message: &str, language: Language) -> bool {
    let text = normal(message);
    let cues: &[&str] = match language {
        Language::En => &EN_WORRY,
        Language::Es => &ES_WORRY,
    };
    cues.iter().any(|c| contains_word_start(&text, c))
}

/// `needle` at the start of a word in `haystack`.
fn contains_word_start(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(i, _)| i == 0 || !haystack[..i].ends_with(char::is_alphanumeric))
}

/// The patient's concern in the clinician's voice: the subject with "my"
/// turned into "your" ("Rash on my arm" → "the rash on your arm").
#[must_use]
pub fn concern_phrase(subject: &str, language: Language) -> Option<String> {
    let words: Vec<&str> = subject.split_whitespace().collect();
    if words.is_empty() || words.len() > 8 {
        return None;
    }
    let swapped: Vec<String> = words
        .iter()
        .map(|w| {
            let lower = w.to_lowercase();
            let trimmed = lower.trim_matches(|c: char| !c.is_alphanumeric());
            match (language, trimmed) {
                (Language::En, "my") => "your".to_owned(),
                (Language::En, "i" | "me") => "you".to_owned(),
                (Language::En, "mine") => "yours".to_owned(),
                (Language::Es, "mi") => "su".to_owned(),
                (Language::Es, "mis") => "sus".to_owned(),
                _ => lower.trim_end_matches(['?', '!', '.', ',']).to_owned(),
            }
        })
        .collect();
    let phrase = swapped.join(" ");
    let first = swapped.first().map(String::as_str).unwrap_or_default();
    let determiner = match language {
        Language::En if !matches!(first, "your" | "the" | "a" | "an" | "my") => "your ",
        _ => "",
    };
    Some(format!("{determiner}{phrase}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empathy_statements_are_recognised_in_both_languages() {
        assert!(acknowledges("I'm sorry you are dealing with this. Your refill is ready.", Language::En));
        assert!(acknowledges("I understand this is frustrating.", Language::En));
        assert!(!acknowledges("Your refill is ready at CVS.", Language::En));
        assert!(acknowledges("Lamento que se sienta así.", Language::Es));
        assert!(!acknowledges("Su receta está lista.", Language::Es));
    }

    #[test]
    fn worry_is_detected_at_word_starts_only() {
        assert!(expresses_worry("I'm really worried about this rash", Language::En));
        assert!(expresses_worry("Estoy muy preocupada por mi presión", Language::Es));
        assert!(!expresses_worry("Could you refill my inhaler?", Language::En));
        assert!(!expresses_worry("The unafraid dog", Language::En), "afraid inside a word is not worry");
    }

    #[test]
    fn the_concern_is_put_in_the_clinicians_voice() {
        assert_eq!(concern_phrase("Rash on my arm", Language::En).as_deref(), Some("your rash on your arm"));
        assert_eq!(
            concern_phrase("My blood pressure readings", Language::En).as_deref(),
            Some("your blood pressure readings")
        );
        assert_eq!(concern_phrase("Dolor en mi rodilla", Language::Es).as_deref(), Some("dolor en su rodilla"));
        assert_eq!(concern_phrase("one two three four five six seven eight nine", Language::En), None);
    }
}
