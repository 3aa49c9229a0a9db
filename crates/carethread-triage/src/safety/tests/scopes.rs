//! Negated, past, family and hypothetical mentions do not fire.

use super::{assert_fires, assert_quiet, emergency};
use crate::safety::{Lexicon, Suppression};

#[test]
fn negation_traps() {
    assert_quiet(&[
        "no chest pain, just a cough",
        "I don't have chest pain or trouble breathing",
        "denies shortness of breath",
        "no tengo dolor de pecho ni fiebre",
        "sin dolor en el pecho",
        "the chest pain went away",
        "el dolor de pecho ya se me quitó",
    ]);
    assert!(emergency("no fever but my chest hurts"));
    assert!(emergency("no puedo dormir porque me duele el pecho"));
}

#[test]
fn history_traps() {
    assert_quiet(&[
        "the chest pain from last year hasn't come back",
        "I had a seizure 2 years ago, need a refill of keppra",
        "history of stroke in 2019, doing well",
        "hace dos años tuve una convulsión",
        "el año pasado me desmayé",
    ]);
    assert!(emergency("I had chest pain last year and now it is back today"));
    assert!(emergency("chest pain since last week, getting worse"));
    assert!(emergency("chest pain started an hour ago"));
}

#[test]
fn family_traps() {
    assert_quiet(&[
        "my father had a heart attack at 50",
        "my mom had a stroke, should I be screened?",
        "mi papá tuvo un infarto",
        "en mi familia hay derrames",
    ]);
    assert!(emergency("my dad is having chest pain right now"));
    assert!(emergency("my father had a stroke but now I have slurred speech"));
}

#[test]
fn hypothetical_traps() {
    assert_quiet(&[
        "what are the signs of a stroke?",
        "what should I do if my sugar drops below 50",
        "should I go to the ER if I get chest pain?",
        "¿cuáles son las señales de un derrame?",
        "¿qué hago si me falta el aire?",
    ]);
    assert!(emergency("What are the signs of a stroke? My face is drooping right now."));
}

#[test]
fn figurative_speech_is_not_an_emergency() {
    assert_quiet(&[
        "this bill is killing me",
        "I'm dying to know my results",
        "heartburn after tacos",
        "esta factura me va a matar",
    ]);
}

#[test]
fn a_subject_flag_counts_unless_the_body_rules_it_out() {
    assert!(Lexicon::builtin().check_message("dolor de pecho", "").is_emergency());
    assert!(Lexicon::builtin().check_message("chest pain", "started an hour ago").is_emergency());
    let check = Lexicon::builtin().check_message("shortness of breath", "No shortness of breath anymore, thanks!");
    assert!(!check.is_emergency());
    assert_eq!(check.suppressed, vec![("trouble breathing", Suppression::Negated)]);
}

#[test]
fn hidden_red_flag_in_a_routine_request() {
    assert_fires("chest pain", &["Refill please. Also my chest feels tight since this morning."]);
    let check = Lexicon::builtin().check("necesito resurtir la metformina y tambien siento el pecho apretado");
    assert!(check.is_emergency());
    assert_eq!(check.flags[0].phrase, "pecho apretado");
}

#[test]
fn suppressed_mentions_are_reported_with_their_scope() {
    let check = Lexicon::builtin().check("no chest pain");
    assert_eq!(check.suppressed, vec![("chest pain", Suppression::Negated)]);
    let check = Lexicon::builtin().check("my father had a stroke");
    assert_eq!(check.suppressed, vec![("stroke signs", Suppression::Family)]);
}
