//! CareThread triage: decides how urgent a patient's message is, what it is
//! about, and which pool should answer it. Works offline, without a server or
//! database.
//!
//! Safety rules run first and can only raise urgency: any red flag from the
//! versioned lexicon (`data/red_flags.txt`, English and Spanish, with
//! NegEx-style negation, history, family and hypothetical scopes) makes the
//! message an emergency. A logistic-regression classifier trained in-repo
//! (`corpus/train.jsonl` → `model/triage.model`, reproducible with
//! `carethread triage train`) decides the category and may raise urgency,
//! never lower it below the rules. Every result names the model and version
//! that produced it and the reasons.

pub mod corpus;
pub mod eval;
pub mod evidence;
pub mod features;
pub mod language;
pub mod model;
pub mod reason;
pub mod routing;
mod rules;
pub mod safety;
pub mod sensitive;
pub mod symptoms;
pub mod text;
pub mod vitals;

use std::sync::OnceLock;

use carethread_core::thread::{Category, Urgency};
use serde::Serialize;

pub use model::{Example, MODEL_ID, MODEL_VERSION, Model, ModelError, TrainConfig};
pub use reason::ReasonCode;
pub use routing::{Routed, RoutingRules, Sensitivity, is_clinical_pool};

/// The model shipped with CareThread, trained from `corpus/train.jsonl`.
pub const BUILTIN_MODEL: &[u8] = include_bytes!("../model/triage.model");
/// The corpus the built-in model was trained on.
pub const TRAIN_SPLIT: &str = include_str!("../corpus/train.jsonl");
/// The frozen test split: never used for training; the metrics in `docs/triage.md` come from it.
pub const TEST_SPLIT: &str = include_str!("../corpus/test.jsonl");
/// Identifies results from the safety rules and keywords alone (classifier switched off).
pub const RULES_ID: &str = "carethread-rules";
/// Below this probability the classifier's answer is flagged for a human.
pub const REVIEW_BELOW: f64 = 0.5;

/// The outcome of triaging one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriageResult {
    pub urgency: Urgency,
    pub category: Category,
    /// Slug of the pool the message should go to.
    pub pool: String,
    /// 0–1: how sure the triage is of the category.
    pub confidence: f64,
    /// A human should look at the triage because confidence is low.
    pub needs_review: bool,
    /// Why: the rule that fired or the features that decided the category.
    pub reasons: Vec<String>,
    /// The language the message is written in when CareThread does not
    /// triage it (not English or Spanish): clinical staff read it with an interpreter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<String>,
    /// What produced this result.
    pub model_id: &'static str,
    pub model_version: String,
}

impl TriageResult {
    /// A message in `language`, which CareThread does not triage: neither
    /// the lexicon nor the classifier can read it, so it is marked for
    /// review, said to be clinical (what it is about is unknown) and at
    /// least urgent, and goes to the clinical pool (the emergency pool when
    /// the rules found an emergency). Its reason follows those of the rules
    /// (`after` of them).
    fn for_interpreter(&mut self, language: String, after: usize, routing: &RoutingRules) {
        self.reasons.insert(after.min(self.reasons.len()), language::reason(&language));
        self.needs_review = true;
        self.category = Category::Clinical;
        if self.urgency == Urgency::Routine {
            self.urgency = Urgency::Urgent;
        }
        routing.route(self.category, self.urgency).clone_into(&mut self.pool);
        self.interpreter = Some(language);
    }
}

/// A triager: the safety rules plus a classifier.
#[derive(Debug)]
pub struct Triage {
    model: Model,
    /// Another red-flag lexicon than the built-in one (for lexicon authors' evaluations).
    lexicon: Option<safety::Lexicon>,
}

impl Triage {
    /// The triager shipped with CareThread (built-in lexicon and model), loaded once.
    #[must_use]
    pub fn builtin() -> &'static Triage {
        static TRIAGE: OnceLock<Triage> = OnceLock::new();
        TRIAGE.get_or_init(|| match Model::load(BUILTIN_MODEL) {
            Ok(model) => Triage { model, lexicon: None },
            Err(e) => panic!("the built-in triage model is unusable ({e}); run `carethread triage train`"),
        })
    }

    /// A triager with another model (for evaluation and tests).
    #[must_use]
    pub fn with_model(model: Model) -> Self {
        Self { model, lexicon: None }
    }

    /// The same triager with another red-flag lexicon, so that a lexicon edit
    /// can be scored before it is built in. The classifier still reads the
    /// red-flag features it was trained with; only the rules change.
    #[must_use]
    pub fn with_lexicon(self, lexicon: safety::Lexicon) -> Self {
        Self { lexicon: Some(lexicon), ..self }
    }

    /// The red-flag lexicon this triager checks messages against.
    #[must_use]
    pub fn lexicon(&self) -> &safety::Lexicon {
        self.lexicon.as_ref().unwrap_or_else(|| safety::Lexicon::builtin())
    }

    /// The classifier's model.
    #[must_use]
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Triages a message. With `use_classifier` off, only the safety rules and
    /// category keywords decide (and every result asks for review).
    #[must_use]
    pub fn classify(&self, subject: &str, body: &str, use_classifier: bool, routing: &RoutingRules) -> TriageResult {
        let (subject_tokens, body_tokens) = (text::tokenize(subject), text::tokenize(body));
        // The rules read clinical shorthand ("c/o CP", "SOB") as its words;
        // the classifier's features read the message as written.
        let (subject_rules, body_rules) =
            (safety::expand_shorthand(subject, &subject_tokens), safety::expand_shorthand(body, &body_tokens));
        let safety = self.lexicon().check_message_tokens(&subject_rules, &body_rules);
        // Readings past a threshold are rules outside the classifier's features.
        let vitals = vitals::check_message((subject, &subject_rules), (body, &body_rules));
        let rules_emergency = safety.is_emergency() || vitals.is_emergency();
        let mut reasons: Vec<String> = vitals.alarms.clone();
        reasons.extend(safety.flags.iter().map(|f| format!("red flag: {} (\"{}\")", f.family, f.phrase)));
        reasons
            .extend(safety.suppressed.iter().map(|(family, why)| format!("not counted: {family} ({})", why.as_str())));
        reasons.extend(
            vitals.suppressed.iter().map(|(reading, why)| format!("not counted: {reading} ({})", why.as_str())),
        );
        reasons.extend(evidence::reasons(&[(subject, &subject_tokens), (body, &body_tokens)]));
        let rules_urgency = if rules_emergency { Urgency::Emergency } else { Urgency::Routine };
        let (urgency, category, confidence, needs_review, model_id, model_version) = if use_classifier {
            let features = features::extract(&subject_tokens, &body_tokens, &safety);
            let symptoms = symptoms::evidence(&safety, &vitals, &[&subject_rules, &body_rules]);
            let mut p = self.model.predict(&features);
            let head = format!("classifier: {} ({:.2})", p.category.as_str(), p.category_probability);
            reasons.push(explained(head, &p.top_features));
            // The symptom gate: the classifier alone calls a message that names no
            // symptom an emergency only when it is very sure; otherwise a nurse reads
            // it today as urgent.
            let gated = p.urgency == Urgency::Emergency
                && !rules_emergency
                && symptoms.is_empty()
                && self.model.emergency_threshold_without_symptoms().is_some_and(|t| p.urgency_probability < t);
            if gated {
                reasons.push(format!("{NO_SYMPTOM_NAMED} ({:.2}) alone", p.urgency_probability));
                p.urgency = Urgency::Urgent;
            }
            if p.urgency.rank() < rules_urgency.rank() || !rules_emergency {
                // An emergency from the classifier names the symptom content it read, if any.
                let evidence = if p.urgency == Urgency::Emergency && !symptoms.is_empty() {
                    &symptoms
                } else {
                    &p.urgency_features
                };
                let head = format!("classifier urgency: {} ({:.2})", p.urgency.as_str(), p.urgency_probability);
                reasons.push(explained(head, evidence));
            }
            let urgency = if p.urgency.rank() < rules_urgency.rank() { p.urgency } else { rules_urgency };
            let unsure = gated
                || p.category_probability < REVIEW_BELOW
                || (!rules_emergency && p.urgency_probability < REVIEW_BELOW);
            (urgency, p.category, p.category_probability, unsure, MODEL_ID, MODEL_VERSION.to_owned())
        } else {
            let lowered = format!("{subject}\n{body}").to_lowercase();
            let (category, confidence, category_reasons) = rules::category(&lowered);
            reasons.extend(category_reasons);
            let urgency = if rules_emergency {
                Urgency::Emergency
            } else if rules::is_urgent(&lowered) {
                reasons.push("asks for a quick answer or describes worsening symptoms".to_owned());
                Urgency::Urgent
            } else {
                Urgency::Routine
            };
            (urgency, category, confidence, true, RULES_ID, self.lexicon().version().to_owned())
        };
        let mut result = TriageResult {
            urgency,
            category,
            pool: routing.route(category, urgency).to_owned(),
            confidence: (confidence * 100.0).round() / 100.0,
            needs_review,
            reasons,
            interpreter: None,
            model_id,
            model_version,
        };
        if let Some(name) = language::untriaged_tokens(subject, body, Some([&subject_tokens, &body_tokens])) {
            result.for_interpreter(name, vitals.alarms.len() + safety.flags.len(), routing);
        }
        result
    }
}

/// What a classifier reason says it read: its evidence after "from", or
/// [`NO_CLINICAL_WORDS`] for a message with none ("ok", "gracias").
fn explained(mut head: String, evidence: &[String]) -> String {
    head.push_str(" from ");
    if evidence.is_empty() {
        head.push_str(NO_CLINICAL_WORDS);
    } else {
        head.push_str(&evidence.join(", "));
    }
    head
}

/// The evidence a classifier reason names when the message has no word that explains anything.
pub const NO_CLINICAL_WORDS: &str = "no clinical words";

/// How the reason for a message the symptom gate kept from emergency begins.
pub const NO_SYMPTOM_NAMED: &str = "no symptom named: not an emergency on the classifier's score";

/// Triages a message with the built-in model and the default routing.
#[must_use]
pub fn classify(subject: &str, body: &str) -> TriageResult {
    Triage::builtin().classify(subject, body, true, &RoutingRules::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_corpus_message_is_triaged_and_the_classifier_never_lowers_the_rules() {
        // Built with overflow checks, this also walks the matcher over every phrasing in the corpus.
        let routing = RoutingRules::default();
        for split in [TRAIN_SPLIT, TEST_SPLIT] {
            for e in corpus::parse(split).expect("the corpus parses") {
                let rules = Triage::builtin().classify(&e.subject, &e.body, false, &routing);
                let both = Triage::builtin().classify(&e.subject, &e.body, true, &routing);
                if rules.urgency == Urgency::Emergency {
                    assert_eq!(both.urgency, Urgency::Emergency, "{e:?}");
                }
                assert!(!both.reasons.is_empty() && !rules.reasons.is_empty(), "{e:?}");
                assert!((0.0..=1.0).contains(&both.confidence), "{e:?}");
            }
        }
    }

    #[test]
    fn chest_pain_hidden_in_a_refill_is_an_emergency() {
        let t =
            classify("Refill please", "Can you refill my lisinopril? Also my chest feels tight since this morning.");
        assert_eq!(t.urgency, Urgency::Emergency);
        assert_eq!(t.pool, "nurse-triage");
        assert!(t.reasons.iter().any(|r| r.contains("red flag: chest pain")), "{:?}", t.reasons);
        assert_eq!(t.model_id, MODEL_ID);
    }

    #[test]
    fn the_classifier_alone_calls_no_message_naming_no_symptom_an_emergency_unless_it_is_sure() {
        // Scored like an emergency ("confusing"), naming no symptom: urgent, for a nurse today.
        let t =
            classify("Feedback", "The check-in kiosk is confusing. Took me 10 minutes and the screen kept timing out.");
        assert_eq!(t.urgency, Urgency::Urgent, "{t:?}");
        assert!(t.needs_review, "{t:?}");
        assert!(t.reasons.iter().any(|r| r.starts_with(NO_SYMPTOM_NAMED)), "{t:?}");
        for (subject, body) in [
            ("Blood pressure log", "Here are this week's readings. Mon 122/78, Tue 118/76, Wed 124/80. Thanks!"),
            ("", "Thank you so much for everything yesterday"),
            ("Form", "Attached is the completed FMLA form for my employer"),
        ] {
            let t = classify(subject, body);
            assert_ne!(t.urgency, Urgency::Emergency, "{body}: {t:?}");
        }
        // Symptom content leaves the classifier free to raise it.
        let t = classify("", "my dad seems really confused today and is not making sense");
        assert_eq!(t.urgency, Urgency::Emergency, "{t:?}");
        let threshold = Triage::builtin().model().emergency_threshold_without_symptoms();
        assert!(threshold.is_some_and(|t| t > 0.5), "{threshold:?}");
    }

    #[test]
    fn negated_red_flags_do_not_fire_and_are_explained() {
        let t = classify("Question", "No chest pain, just wondering about my cholesterol results.");
        assert_ne!(t.urgency, Urgency::Emergency);
        assert!(t.reasons.iter().any(|r| r == "not counted: chest pain (negated)"), "{:?}", t.reasons);
    }

    #[test]
    fn spanish_red_flags_fire() {
        assert_eq!(classify("Ayuda", "Tengo dolor de pecho y me falta el aire").urgency, Urgency::Emergency);
        assert_eq!(classify("", "Quiero suicidarme").urgency, Urgency::Emergency);
    }

    #[test]
    fn routine_requests_route_by_category() {
        let refill = classify("Refill", "I need a refill of my metformin at the usual pharmacy");
        assert_eq!((refill.category, refill.pool.as_str()), (Category::Medication, "pharmacy-refills"));
        let visit = classify("Appointment", "Can I reschedule my appointment to next week?");
        assert_eq!((visit.category, visit.pool.as_str()), (Category::Scheduling, "front-desk"));
        let bill = classify("Bill", "I got a bill from my insurance I don't understand");
        assert_eq!((bill.category, bill.pool.as_str()), (Category::Administrative, "billing"));
    }

    #[test]
    fn the_rules_stay_on_when_the_classifier_is_off() {
        let off = Triage::builtin().classify("", "my chest feels tight", false, &RoutingRules::default());
        assert_eq!((off.urgency, off.model_id, off.needs_review), (Urgency::Emergency, RULES_ID, true));
        let refill = Triage::builtin().classify("", "refill my metformin", false, &RoutingRules::default());
        assert_eq!(refill.category, Category::Medication);
    }

    #[test]
    fn training_reproduces_the_built_in_model_byte_for_byte() {
        let examples = corpus::parse(TRAIN_SPLIT).expect("the training split parses");
        let bytes = model::train(&examples, &TrainConfig::default()).bytes;
        assert!(bytes == BUILTIN_MODEL, "retrain with `carethread triage train` and commit model/triage.model");
    }

    #[test]
    fn the_test_split_is_kept_apart_from_training() {
        let train = corpus::parse(TRAIN_SPLIT).expect("train parses");
        let test = corpus::parse(TEST_SPLIT).expect("test parses");
        assert!(train.len() + test.len() >= 2000);
        let pairs = corpus::near_duplicates(&train, &test);
        let lines: Vec<String> =
            pairs.iter().map(|(i, j)| format!("train line {} ~ test line {}", i + 1, j + 1)).collect();
        assert!(pairs.is_empty(), "test messages (or near copies) are in training:\n{}", lines.join("\n"));
    }

    #[test]
    fn clinic_routing_is_applied() {
        let mut rules = RoutingRules::default();
        rules.set("administrative", "front-desk".to_owned());
        let bill = Triage::builtin().classify("Bill", "question about my insurance bill", true, &rules);
        assert_eq!(bill.pool, "front-desk");
    }
}
