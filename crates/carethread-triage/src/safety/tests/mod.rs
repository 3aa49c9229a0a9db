//! The safety rules on messages patients write, in English and Spanish.

mod clinical_register;
mod false_alarms;
mod families;
mod lexicon_versions;
mod scopes;

use super::*;

fn fires(text: &str) -> Vec<&'static str> {
    Lexicon::builtin().check(text).flags.iter().map(|f| f.family).collect()
}

fn emergency(text: &str) -> bool {
    Lexicon::builtin().check(text).is_emergency()
}

fn assert_fires(family: &str, texts: &[&str]) {
    for text in texts {
        let found = fires(text);
        assert!(found.contains(&family), "expected {family:?} in {text:?}, found {found:?}");
    }
}

fn assert_quiet(texts: &[&str]) {
    for text in texts {
        let check = Lexicon::builtin().check(text);
        assert!(!check.is_emergency(), "expected no red flag in {text:?}, found {:?}", check.flags);
    }
}

#[test]
fn the_builtin_lexicon_parses_and_covers_every_family() {
    let lexicon = Lexicon::builtin();
    assert_eq!(lexicon.version(), "1.8.1");
    for family in [
        "chest pain",
        "trouble breathing",
        "stroke signs",
        "fainting",
        "severe bleeding",
        "anaphylaxis",
        "suicidal or self-harm thoughts",
        "overdose or poisoning",
        "seizure",
        "pregnancy with bleeding or pain",
        "fever in an infant under 3 months",
        "very low blood sugar",
        "sudden vision loss",
        "worst headache",
    ] {
        assert!(lexicon.families().contains(&family), "missing {family}");
    }
}

#[test]
fn malformed_lexicons_are_refused_with_the_line() {
    assert!(Lexicon::parse("[flag: x]\nchest pain").unwrap_err().contains("version"));
    assert!(Lexicon::parse("version 1\n[flag: x]\n(chest pain").unwrap_err().contains("line 3"));
    assert!(Lexicon::parse("version 1\n[flag: x]\nchest (pain").unwrap_err().contains("unbalanced"));
    assert!(Lexicon::parse("version 1\n[flag: x]\n~ pain").unwrap_err().contains("gap"));
    assert!(Lexicon::parse("version 1\n[nonsense]\npain").unwrap_err().contains("unknown section"));
    assert!(Lexicon::parse("version 1\n[negation]\nno && not").unwrap_err().contains("&&"));
}
