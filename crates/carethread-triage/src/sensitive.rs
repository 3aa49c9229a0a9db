//! Sensitive topics: sexual health and mental health, found with a small
//! bilingual keyword lexicon. A message about either never goes to a pool
//! that non-clinical staff read (see [`crate::routing::RoutingRules::route_guarded`]).
//!
//! A false alarm costs little (the message goes to clinical staff, who can
//! forward it); a miss puts private health information before front-desk or
//! billing staff. So the lexicon leans towards matching.

use crate::text::{Token, tokenize};

/// A topic whose messages only clinical staff may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SensitiveTopic {
    SexualHealth,
    MentalHealth,
}

impl SensitiveTopic {
    /// As staff read it in the triage reasons.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            SensitiveTopic::SexualHealth => "sexual health",
            SensitiveTopic::MentalHealth => "mental health",
        }
    }
}

/// Phrases as folded words (lower case, no accents); a word ending in `*`
/// matches any word it begins.
const LEXICON: &[(SensitiveTopic, &str)] = &[
    // Sexual and reproductive health, English.
    (SensitiveTopic::SexualHealth, "birth control"),
    (SensitiveTopic::SexualHealth, "contracepti*"),
    (SensitiveTopic::SexualHealth, "the pill"),
    (SensitiveTopic::SexualHealth, "morning after pill"),
    (SensitiveTopic::SexualHealth, "plan b"),
    (SensitiveTopic::SexualHealth, "sti"),
    (SensitiveTopic::SexualHealth, "stis"),
    (SensitiveTopic::SexualHealth, "std"),
    (SensitiveTopic::SexualHealth, "stds"),
    (SensitiveTopic::SexualHealth, "hiv"),
    (SensitiveTopic::SexualHealth, "pregnan*"),
    (SensitiveTopic::SexualHealth, "condom*"),
    (SensitiveTopic::SexualHealth, "iud"),
    (SensitiveTopic::SexualHealth, "sexual*"),
    (SensitiveTopic::SexualHealth, "had sex"),
    (SensitiveTopic::SexualHealth, "chlamydia"),
    (SensitiveTopic::SexualHealth, "gonorrh*"),
    (SensitiveTopic::SexualHealth, "syphilis"),
    (SensitiveTopic::SexualHealth, "herpes"),
    (SensitiveTopic::SexualHealth, "hpv"),
    (SensitiveTopic::SexualHealth, "abortion"),
    (SensitiveTopic::SexualHealth, "missed period"),
    (SensitiveTopic::SexualHealth, "late period"),
    // Spanish.
    (SensitiveTopic::SexualHealth, "anticoncepti*"),
    (SensitiveTopic::SexualHealth, "control de natalidad"),
    (SensitiveTopic::SexualHealth, "planificacion familiar"),
    (SensitiveTopic::SexualHealth, "embaraz*"),
    (SensitiveTopic::SexualHealth, "preservativo*"),
    (SensitiveTopic::SexualHealth, "condon*"),
    (SensitiveTopic::SexualHealth, "pastilla del dia siguiente"),
    (SensitiveTopic::SexualHealth, "ets"),
    (SensitiveTopic::SexualHealth, "transmision sexual"),
    (SensitiveTopic::SexualHealth, "vih"),
    (SensitiveTopic::SexualHealth, "aborto"),
    (SensitiveTopic::SexualHealth, "relaciones sexuales"),
    // Mental health, English.
    (SensitiveTopic::MentalHealth, "depress*"),
    (SensitiveTopic::MentalHealth, "antidepressant*"),
    (SensitiveTopic::MentalHealth, "anxiety"),
    (SensitiveTopic::MentalHealth, "anxious"),
    (SensitiveTopic::MentalHealth, "panic attack*"),
    (SensitiveTopic::MentalHealth, "therapy"),
    (SensitiveTopic::MentalHealth, "therapist"),
    (SensitiveTopic::MentalHealth, "counselor"),
    (SensitiveTopic::MentalHealth, "counseling"),
    (SensitiveTopic::MentalHealth, "suicid*"),
    (SensitiveTopic::MentalHealth, "self harm"),
    (SensitiveTopic::MentalHealth, "hurt myself"),
    (SensitiveTopic::MentalHealth, "kill myself"),
    (SensitiveTopic::MentalHealth, "mental health"),
    (SensitiveTopic::MentalHealth, "psychiatr*"),
    (SensitiveTopic::MentalHealth, "bipolar"),
    (SensitiveTopic::MentalHealth, "ptsd"),
    (SensitiveTopic::MentalHealth, "eating disorder"),
    (SensitiveTopic::MentalHealth, "better off without me"),
    // Spanish.
    (SensitiveTopic::MentalHealth, "depresion"),
    (SensitiveTopic::MentalHealth, "deprimid*"),
    (SensitiveTopic::MentalHealth, "antidepresivo*"),
    (SensitiveTopic::MentalHealth, "ansiedad"),
    (SensitiveTopic::MentalHealth, "ansios*"),
    (SensitiveTopic::MentalHealth, "ataque de panico"),
    (SensitiveTopic::MentalHealth, "ataques de panico"),
    (SensitiveTopic::MentalHealth, "terapia"),
    (SensitiveTopic::MentalHealth, "terapeuta"),
    (SensitiveTopic::MentalHealth, "psicolog*"),
    (SensitiveTopic::MentalHealth, "psiquiatr*"),
    (SensitiveTopic::MentalHealth, "suicid*"),
    (SensitiveTopic::MentalHealth, "salud mental"),
    (SensitiveTopic::MentalHealth, "hacerme dano"),
    (SensitiveTopic::MentalHealth, "quitarme la vida"),
];

/// Words that, just before "therapy"/"terapia", make it about the body, not the mind.
const BODY_THERAPY: &[&str] =
    &["physical", "occupational", "speech", "respiratory", "radiation", "fisica", "ocupacional", "respiratoria"];

fn word_matches(pattern: &str, word: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => word.starts_with(prefix),
        None => word == pattern,
    }
}

/// Whether the phrase starts at token `at`.
fn phrase_at(words: &[&str], tokens: &[Token], at: usize) -> bool {
    words.iter().enumerate().all(|(k, w)| tokens.get(at + k).is_some_and(|t| word_matches(w, &t.text)))
}

/// The sensitive topics of a message, each with the lexicon phrase that
/// found it (first found first; each topic once).
#[must_use]
pub fn detect(subject: &str, body: &str) -> Vec<(SensitiveTopic, &'static str)> {
    let mut found: Vec<(SensitiveTopic, &'static str)> = Vec::new();
    for tokens in [tokenize(subject), tokenize(body)] {
        for at in 0..tokens.len() {
            for &(topic, phrase) in LEXICON {
                if found.iter().any(|(t, _)| *t == topic) {
                    continue;
                }
                let words: Vec<&str> = phrase.split(' ').collect();
                if !phrase_at(&words, &tokens, at) {
                    continue;
                }
                let about_the_body = matches!(phrase, "therapy" | "terapia")
                    && [at.checked_sub(1), Some(at + 1)]
                        .into_iter()
                        .flatten()
                        .filter_map(|i| tokens.get(i))
                        .any(|t| BODY_THERAPY.contains(&t.text.as_str()));
                if !about_the_body {
                    found.push((topic, phrase));
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics(subject: &str, body: &str) -> Vec<SensitiveTopic> {
        detect(subject, body).into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn birth_control_and_its_kin_are_sexual_health_in_both_languages() {
        for (subject, body) in [
            ("Question", "Can I start birth control without my mom knowing?"),
            ("", "I missed the pill two days in a row"),
            ("Plan B", "Where can I get it?"),
            ("", "I think I need an STI test"),
            ("", "Is an HIV test confidential?"),
            ("", "Where can I get a pregnancy test?"),
            ("", "Do you give out condoms?"),
            ("", "Quiero empezar un anticonceptivo"),
            ("", "Creo que estoy embarazada"),
            ("", "¿Necesito una prueba de ETS?"),
        ] {
            assert_eq!(topics(subject, body), vec![SensitiveTopic::SexualHealth], "{subject} / {body}");
        }
    }

    #[test]
    fn depression_anxiety_and_therapy_are_mental_health_in_both_languages() {
        for body in [
            "I have been feeling depressed for weeks",
            "My anxiety is getting worse",
            "Can you refer me to therapy?",
            "I have had suicidal thoughts",
            "Tengo mucha ansiedad",
            "Creo que tengo depresión",
            "¿Me pueden recomendar un psicólogo?",
        ] {
            assert_eq!(topics("", body), vec![SensitiveTopic::MentalHealth], "{body}");
        }
    }

    #[test]
    fn both_topics_are_found_each_once_with_the_phrase() {
        let found = detect("Birth control", "The pill makes my anxiety worse. More anxiety every day.");
        assert_eq!(
            found,
            vec![(SensitiveTopic::SexualHealth, "birth control"), (SensitiveTopic::MentalHealth, "anxiety")]
        );
    }

    #[test]
    fn everyday_messages_are_not_sensitive() {
        for body in [
            "Can I reschedule my appointment to next week?",
            "I need a refill of my metformin",
            "I have an itchy red rash on my arm since Saturday",
            "My physical therapy appointment is on Monday",
            "Is this bill correct? It says its due Friday",
            "Sesiones de terapia física después de la cirugía",
            "Depositing the check now",
        ] {
            assert!(topics("", body).is_empty(), "{body}: {:?}", detect("", body));
        }
    }
}
