//! Clinical shorthand read as the words it stands for, so that the red-flag
//! lexicon and the reading rules see "pt c/o CP radiating to L arm, SOB,
//! +LOC" as "pt complains of chest pain radiating to l arm, short of breath,
//! loss of consciousness". Nurses, pharmacists, relatives who work in health
//! care and patients pasting their notes write this way.
//!
//! Only the rules read the expansion: the classifier's features are taken
//! from the message as written. An expanded word keeps the sentence, clause
//! and byte span of its abbreviation, so scopes ("denies CP/SOB", "hx of MI
//! 2019") and the readings around it work as they do on plain words.
//!
//! Pure: no I/O.

use std::borrow::Cow;

use crate::text::Token;

/// Abbreviations read in any case ("SOB", "sob", "Cp").
const ANY_CASE: &[(&str, &str)] = &[
    ("sob", "short of breath"),
    ("cp", "chest pain"),
    ("ams", "altered mental status"),
    ("loc", "loss of consciousness"),
    ("dib", "difficulty breathing"),
    ("sz", "seizure"),
    ("szs", "seizures"),
    ("unresp", "unresponsive"),
    ("diaph", "diaphoretic"),
    ("cva", "stroke"),
];

/// Abbreviations read only in capitals, because in lower case they are
/// common words ("si", "hi", "ha", "mi"), and only in a message that is not
/// written all in capitals.
const CAPITALS: &[(&str, &str)] = &[("SI", "suicidal ideation"), ("HI", "homicidal ideation"), ("HA", "headache")];

/// Read only in capitals and only in a message that does not read as
/// Spanish, where "SI" and "MI" are words written for emphasis.
const CAPITALS_NOT_SPANISH: &[&str] = &["SI", "MI"];

/// "MI" in an English message: a myocardial infarction.
const MI: &str = "heart attack";

/// Two letters around a slash: "N/V", "c/o", "s/p", "h/o".
const SLASHED: &[(&str, &str, &str)] = &[
    ("n", "v", "nausea and vomiting"),
    ("c", "o", "complains of"),
    ("s", "p", "after"),
    ("h", "o", "history of"),
    ("w", "o", "without"),
];

/// Words that make "sob" a verb ("I sob every night"), not breathlessness.
const SOB_AS_VERB: &[&str] = &["i", "we", "to", "would", "they", "she", "he", "and", "dont", "cant", "me"];

/// Common function words, to tell a Spanish message from an English one.
const SPANISH: &[&str] =
    &["el", "la", "los", "las", "que", "de", "y", "con", "tengo", "mi", "esta", "por", "para", "es", "del", "le"];
/// Spanish words of a clinical note, rare in English: a note written in
/// shorthand has few function words ("Tª 38.7 x2d, tos, mialgias, s/ disnea").
const SPANISH_CLINICAL: &[&str] =
    &["tos", "disnea", "dolor", "fiebre", "sangrado", "reposo", "vomitos", "nauseas", "cefalea", "mareo", "mialgias"];
const ENGLISH: &[&str] = &["the", "and", "with", "my", "is", "to", "of", "for", "has", "have", "he", "she", "pt"];

/// `tokens` of `text` with clinical shorthand replaced by its words (the
/// tokens themselves, borrowed, when the text has none).
#[must_use]
pub fn expand_shorthand<'a>(text: &str, tokens: &'a [Token]) -> Cow<'a, [Token]> {
    let shouting = mostly_capitals(text, tokens);
    let spanish = reads_as_spanish(text, tokens);
    let palsy = tokens.iter().any(|t| ["palsy", "cerebral"].contains(&t.text.as_str()));
    // Filled from the first abbreviation on; empty while there is none.
    let mut out: Vec<Token> = Vec::new();
    let start = |out: &mut Vec<Token>, i: usize| {
        if out.is_empty() {
            out.reserve(tokens.len() + 4);
            out.extend_from_slice(&tokens[..i]);
        }
    };
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        let written = text.get(token.span.0..token.span.1).unwrap_or("");
        let before = text.get(..token.span.0).unwrap_or("");
        let previous = i.checked_sub(1).map_or("", |p| tokens[p].text.as_str());
        if let Some(next) = tokens.get(i + 1)
            && text.get(token.span.1..next.span.0) == Some("/")
            && let Some((_, _, words)) = SLASHED.iter().find(|(a, b, _)| token.text == *a && next.text == *b)
        {
            start(&mut out, i);
            push_words(&mut out, token, words, Some(next.span.1));
            i += 2;
            continue;
        }
        // Spanish notes write "s/ sangrado" (sin: without) and "c/ picor" (con: with).
        if spanish
            && ["s", "c"].contains(&token.text.as_str())
            && text.get(token.span.1..).is_some_and(|rest| rest.starts_with('/'))
        {
            start(&mut out, i);
            push_words(&mut out, token, if token.text == "s" { "sin" } else { "con" }, None);
            i += 1;
            continue;
        }
        let mut expansion = ANY_CASE.iter().find(|(short, _)| token.text == *short).map(|(_, long)| *long);
        if token.text == "sob" && written != "SOB" && SOB_AS_VERB.contains(&previous) {
            expansion = None;
        }
        if token.text == "cp" && palsy {
            expansion = None;
        }
        // "HI, quick question" greets; "denies SI/HI", "has HI toward" do not.
        let greeting = written == "HI" && (i == 0 || tokens[i - 1].sentence != token.sentence);
        if !shouting && !greeting {
            if let Some((_, long)) = CAPITALS.iter().find(|(short, _)| written == *short) {
                expansion = Some(long);
            }
            if spanish && CAPITALS_NOT_SPANISH.contains(&written) {
                expansion = None;
            } else if written == "MI" {
                expansion = Some(MI);
            }
        }
        match expansion {
            // "-LOC" in a note is "no loss of consciousness"; "+LOC" is one.
            Some(words) if token.text == "loc" && before.ends_with('-') && !before.ends_with("--") => {
                start(&mut out, i);
                push_words(&mut out, token, "no", None);
                push_words(&mut out, token, words, None);
            }
            Some(words) => {
                start(&mut out, i);
                push_words(&mut out, token, words, None);
            }
            None if !out.is_empty() => out.push(token.clone()),
            None => {}
        }
        i += 1;
    }
    if out.is_empty() { Cow::Borrowed(tokens) } else { Cow::Owned(out) }
}

/// Pushes `words` as tokens in `token`'s place (to `end` when given).
fn push_words(out: &mut Vec<Token>, token: &Token, words: &str, end: Option<usize>) {
    let span = (token.span.0, end.unwrap_or(token.span.1));
    out.extend(words.split(' ').map(|w| Token { text: w.to_owned(), span, ..token.clone() }));
}

/// Whether most words of three or more letters are written in capitals
/// (abbreviations themselves are mostly shorter).
fn mostly_capitals(text: &str, tokens: &[Token]) -> bool {
    let words: Vec<&str> = tokens
        .iter()
        .filter_map(|t| text.get(t.span.0..t.span.1))
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 3)
        .collect();
    let capitals = words.iter().filter(|w| !w.chars().any(char::is_lowercase)).count();
    capitals * 2 > words.len()
}

/// Whether the message reads as Spanish. "MI" and "SI" written in capitals
/// are the abbreviations being judged and are not counted: "having an MI"
/// has no Spanish word in it.
fn reads_as_spanish(text: &str, tokens: &[Token]) -> bool {
    let judged = |t: &Token| CAPITALS_NOT_SPANISH.contains(&text.get(t.span.0..t.span.1).unwrap_or(""));
    let count = |list: &[&str]| tokens.iter().filter(|t| list.contains(&t.text.as_str()) && !judged(t)).count();
    count(SPANISH) + count(SPANISH_CLINICAL) > count(ENGLISH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokenize;

    fn read(text: &str) -> String {
        expand_shorthand(text, &tokenize(text)).iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn shorthand_reads_as_words() {
        assert_eq!(read("pt c/o CP, SOB"), "pt complains of chest pain short of breath");
        assert_eq!(read("rash w/o SOB"), "rash without short of breath");
        assert_eq!(
            read("INR 6,1 en el control, s/ sangrado, c/ picor"),
            "inr 6,1 en el control sin sangrado con picor"
        );
        // Only in Spanish: an English "s/" is left alone.
        assert_eq!(read("my s/ key"), "my s key");
        assert_eq!(read("AMS since 2am, N/V x2"), "altered mental status since 2am nausea and vomiting x2");
        assert_eq!(read("+LOC at the gym"), "loss of consciousness at the gym");
        assert_eq!(read("fell, -LOC"), "fell no loss of consciousness");
        assert_eq!(read("SI with plan"), "suicidal ideation with plan");
        assert_eq!(read("denies SI/HI"), "denies suicidal ideation homicidal ideation");
        assert_eq!(read("worst HA of life"), "worst headache of life");
        assert_eq!(read("hx of MI 2019"), "hx of heart attack 2019");
        // "MI" is not Spanish evidence for itself, and "en route" is English.
        assert_eq!(read("having an MI"), "having an heart attack");
        assert_eq!(read("Dad having an MI, EMS en route"), "dad having an heart attack ems en route");
        assert_eq!(read("Al having an MI now"), "al having an heart attack now");
    }

    #[test]
    fn common_words_are_left_alone() {
        // Spanish "si"/"mi", a greeting, crying, cerebral palsy, shouting.
        assert_eq!(read("si, tengo cita con mi doctor"), "si tengo cita con mi doctor");
        assert_eq!(read("SI tengo la cita, es MI mamá"), "si tengo la cita es mi mama");
        assert_eq!(read("hi, quick question"), "hi quick question");
        assert_eq!(read("HI, is my refill ready?"), "hi is my refill ready");
        assert_eq!(read("I sob every night since he left"), "i sob every night since he left");
        assert_eq!(read("my son has CP (cerebral palsy)"), "my son has cp cerebral palsy");
        assert_eq!(read("HI DOCTOR I NEED MY REFILL"), "hi doctor i need my refill");
        assert_eq!(read("and/or"), "and or");
    }

    #[test]
    fn expanded_words_keep_their_place() {
        let text = "c/o CP";
        let read = tokenize(text);
        let tokens = expand_shorthand(text, &read);
        assert_eq!(tokens.len(), 4);
        assert_eq!(&text[tokens[0].span.0..tokens[0].span.1], "c/o");
        assert_eq!(&text[tokens[3].span.0..tokens[3].span.1], "CP");
        assert!(tokens.iter().all(|t| t.sentence == 0));
    }
}
