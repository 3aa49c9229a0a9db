//! Symptom content: what a message names that describes illness, which the
//! reason for an emergency the classifier raised cites as its evidence.
//!
//! Symptom content is a red flag in a hypothetical or question scope ("is
//! chest pain after a fall serious?"), a reading past a threshold, or a
//! concept of acute illness from the versioned list `data/symptoms.txt`
//! (pain, bleeding, confusion, breathing, fever, vomiting, …) named outside a
//! negation. Red flags and readings that were negated, past history, family
//! history or a harmless use of the words are not symptom content. The
//! classifier calls a message with none an emergency only when it is as sure
//! as it is of fewer than one in a hundred such messages that are not
//! emergencies (see docs/triage.md, "The symptom gate").
//!
//! Pure: no I/O, no clock.

use std::sync::OnceLock;

use crate::safety::{SafetyCheck, Suppression};
use crate::text::{PrefixIndex, Token};
use crate::vitals::VitalsCheck;

/// The acute-illness concepts shipped with CareThread.
const SYMPTOMS: &str = include_str!("../data/symptoms.txt");

/// Words a negation cue may sit before a concept word in its clause and still deny it.
const NEGATION_REACH: usize = 3;

/// Negation cues, folded, English and Spanish: "no fever", "denies pain",
/// "sin dolor", "ni fiebre".
const NEGATIONS: [&str; 17] = [
    "no", "not", "denies", "deny", "denied", "without", "never", "negative", "neg", "nor", "sin", "niega", "nunca",
    "ningun", "ninguna", "ni", "tampoco",
];

/// The acute-illness concepts and the words that name them.
#[derive(Debug, Default)]
struct Concepts {
    version: &'static str,
    names: Vec<&'static str>,
    /// Folded word → the concepts it names, each with whether a negation
    /// leaves it standing (`word!`: "not breathing", "no responde").
    words: crate::text::WordMap<&'static str, Vec<Entry>>,
    prefixes: PrefixIndex<Entry>,
    /// Runs of words ("better off"), by their first word.
    phrases: crate::text::WordMap<&'static str, Vec<(Vec<&'static str>, Entry)>>,
    /// Runs of words that name no symptom ("blood pressure"), by their first word.
    not_symptoms: crate::text::WordMap<&'static str, Vec<Vec<&'static str>>>,
}

impl Concepts {
    /// How many tokens from `at` a run that names no symptom covers (0: none).
    fn not_symptom_at(&self, tokens: &[Token], at: usize) -> usize {
        let Some(runs) = self.not_symptoms.get(tokens[at].text.as_str()) else { return 0 };
        runs.iter()
            .find(|run| {
                tokens.get(at..at + run.len()).is_some_and(|ts| ts.iter().zip(run.iter()).all(|(t, w)| t.text == *w))
            })
            .map_or(0, Vec::len)
    }
}

fn concepts() -> &'static Concepts {
    static PARSED: OnceLock<Concepts> = OnceLock::new();
    PARSED.get_or_init(|| {
        let mut concepts = Concepts::default();
        for line in SYMPTOMS.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            if let Some(version) = line.strip_prefix("version ") {
                concepts.version = version.trim();
                continue;
            }
            let Some((name, words)) = line.split_once(':') else { continue };
            if name.trim() == "not" {
                for run in words.split_whitespace().map(|w| w.split('_').collect::<Vec<_>>()) {
                    concepts.not_symptoms.entry(run[0]).or_default().push(run);
                }
                continue;
            }
            let id = concepts.names.len();
            concepts.names.push(name.trim());
            for word in words.split_whitespace() {
                let (word, entry) = match word.strip_suffix('!') {
                    Some(word) => (word, Entry { concept: id, despite_negation: true }),
                    None => (word, Entry { concept: id, despite_negation: false }),
                };
                if word.contains('_') {
                    let run: Vec<&'static str> = word.split('_').collect();
                    concepts.phrases.entry(run[0]).or_default().push((run[1..].to_vec(), entry));
                    continue;
                }
                match word.strip_suffix('*') {
                    Some(prefix) => concepts.prefixes.add(prefix, entry),
                    None => concepts.words.entry(word).or_default().push(entry),
                }
            }
        }
        concepts
    })
}

/// Version of the acute-illness concept list (`data/symptoms.txt`).
#[must_use]
pub fn version() -> &'static str {
    concepts().version
}

/// Words after a symptom, in its clause, that say it is fine ("breathing is
/// fine", "respira bien", "veo perfecto").
const REASSURED: [&str; 9] = ["fine", "ok", "okay", "normal", "normally", "good", "bien", "perfecto", "normalmente"];
/// Words a reassurance may sit after its symptom.
const REASSURED_REACH: usize = 4;

/// Whether the token at `i` is said to be fine a few words after it, in its
/// clause ("breathing is fine", not "breathing is not normal").
fn reassured(tokens: &[Token], i: usize) -> bool {
    let clause = tokens[i].clause;
    let after = || tokens[i + 1..].iter().take(REASSURED_REACH).take_while(|t| t.clause == clause);
    after().any(|t| REASSURED.contains(&t.text.as_str())) && !after().any(|t| NEGATIONS.contains(&t.text.as_str()))
}

/// Words that turn a negation into an inability ("no puedo respirar",
/// "can not feel my arm"): the symptom stands.
const INABILITY: [&str; 10] =
    ["can", "cannot", "able", "could", "puedo", "puede", "pueden", "podia", "podemos", "logro"];

/// One word's concept, and whether a negation leaves it standing.
#[derive(Debug, Clone, Copy)]
struct Entry {
    concept: usize,
    despite_negation: bool,
}

/// Whether the token at `i` is denied by a negation cue a few words before
/// it in its clause (and no "can" or "puedo" between them makes it an
/// inability).
fn negated(tokens: &[Token], i: usize) -> bool {
    let clause = tokens[i].clause;
    let before = &tokens[i.saturating_sub(NEGATION_REACH)..i];
    before.iter().enumerate().any(|(k, t)| {
        t.clause == clause
            && NEGATIONS.contains(&t.text.as_str())
            && !before[k + 1..].iter().any(|w| INABILITY.contains(&w.text.as_str()))
    })
}

/// The acute-illness concepts `parts` (token lists, shorthand read as its
/// words) name outside a negation, each once, in the order of the list.
#[must_use]
pub fn acute_concepts(parts: &[&[Token]]) -> Vec<&'static str> {
    let concepts = concepts();
    let mut seen = vec![false; concepts.names.len()];
    for tokens in parts {
        let mut skip_until = 0;
        for (i, token) in tokens.iter().enumerate() {
            skip_until = skip_until.max(i + concepts.not_symptom_at(tokens, i));
            if token.number().is_some() || i < skip_until {
                continue;
            }
            let mut found: Vec<Entry> =
                concepts.words.get(token.text.as_str()).into_iter().flatten().copied().collect();
            found.extend(concepts.prefixes.matching(&token.text));
            for (rest, entry) in concepts.phrases.get(token.text.as_str()).into_iter().flatten() {
                let next = tokens[i + 1..].iter().take(rest.len()).map(|t| t.text.as_str());
                if next.eq(rest.iter().copied()) {
                    found.push(*entry);
                }
            }
            if found.is_empty() {
                continue;
            }
            let (denied, fine) = (negated(tokens, i), reassured(tokens, i));
            for entry in found {
                seen[entry.concept] |= !fine && (entry.despite_negation || !denied);
            }
        }
    }
    concepts.names.iter().zip(seen).filter(|(_, seen)| *seen).map(|(name, _)| *name).collect()
}

/// Scopes that still leave a red flag or a reading as symptom content: a
/// question or hypothetical may be the patient asking about what is
/// happening now. Negation, past and family history, and a harmless use of
/// the words do not.
fn still_symptom(why: Suppression) -> bool {
    why == Suppression::Hypothetical
}

/// The symptom content of a message, as evidence a nurse can read
/// (`red flag chest pain`, `reading: …`, `symptom: pain`); empty when there is
/// none, and then the classifier may not call the message an emergency.
#[must_use]
pub fn evidence(safety: &SafetyCheck, vitals: &VitalsCheck, parts: &[&[Token]]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut push = |e: String| {
        if !found.contains(&e) {
            found.push(e);
        }
    };
    for flag in &safety.flags {
        push(format!("red flag {}", flag.family));
    }
    for (family, why) in &safety.suppressed {
        if still_symptom(*why) {
            push(format!("red flag {family}"));
        }
    }
    for alarm in &vitals.alarms {
        push(alarm.clone());
    }
    for (reading, why) in &vitals.suppressed {
        if still_symptom(*why) {
            push(reading.clone());
        }
    }
    for concept in acute_concepts(parts) {
        push(format!("symptom \"{concept}\""));
    }
    found
}

/// Whether a message has symptom content as triage reads it (shorthand read
/// as its words). With `red_flags` off the lexicon's flags are left out: an
/// emergency read as if the lexicon had missed it, as the classifier's
/// threshold is calibrated.
#[must_use]
pub fn named_in(lexicon: &crate::safety::Lexicon, subject: &str, body: &str, red_flags: bool) -> bool {
    let (subject_tokens, body_tokens) = (crate::text::tokenize(subject), crate::text::tokenize(body));
    let (subject_rules, body_rules) = (
        crate::safety::expand_shorthand(subject, &subject_tokens),
        crate::safety::expand_shorthand(body, &body_tokens),
    );
    let vitals = crate::vitals::check_message((subject, &subject_rules), (body, &body_rules));
    let safety =
        if red_flags { lexicon.check_message_tokens(&subject_rules, &body_rules) } else { SafetyCheck::default() };
    !evidence(&safety, &vitals, &[&subject_rules, &body_rules]).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokenize;

    fn named(text: &str) -> Vec<&'static str> {
        acute_concepts(&[&tokenize(text)])
    }

    #[test]
    fn the_list_is_versioned_and_names_acute_illness_in_both_languages() {
        assert_eq!(version(), "1.0.0");
        assert_eq!(named("my chest hurts and I threw up twice"), ["pain", "vomiting", "body part"]);
        assert_eq!(named("me duele la cabeza y tengo fiebre"), ["pain", "fever"]);
        assert_eq!(named("she seems confused and very weak"), ["confusion", "weakness"]);
        assert_eq!(named("está desorientada y con mareos"), ["confusion", "dizziness"]);
    }

    #[test]
    fn normal_readings_thanks_and_scheduling_name_no_symptom() {
        for text in [
            "Blood pressure log: Here are this week's readings. Mon 122/78, Tue 118/76, Wed 124/80. Thanks!",
            "Can I move my appointment to Thursday afternoon?",
            "Thank you so much for the help yesterday",
            "Attached is the completed FMLA form for my employer",
            "Registro de presión: 120/80 el lunes, 118/79 el martes. Gracias",
            "My blood sugar was 104 and my heart rate 70; blood work is next week",
            "¿Ya están mis análisis de sangre?",
        ] {
            assert!(named(text).is_empty(), "{text}: {:?}", named(text));
        }
    }

    #[test]
    fn denied_symptoms_do_not_count() {
        assert!(named("No fever, no vomiting, just asking about the refill").is_empty());
        assert!(named("sin dolor ni fiebre, solo una pregunta").is_empty());
        assert!(named("patient denies pain").is_empty());
        assert_eq!(named("no fever but my leg is swollen"), ["swelling", "body part"]);
        assert_eq!(named("I can't breathe"), ["breathing"]);
        assert_eq!(named("no puedo respirar y no responde"), ["consciousness", "breathing"]);
        assert!(named("breathing is fine, he is playing").is_empty());
    }
}
