//! Labelled corpora in JSON Lines: `{"id","subject","body","urgency","category"}`,
//! optionally with `lang` (`en`, `es`) and `register` (see [`REGISTERS`]);
//! other keys are allowed and ignored.

use std::collections::{HashMap, HashSet};

use carethread_core::thread::{Category, Urgency};
use serde::Deserialize;

use crate::model::Example;

/// A line of a corpus that could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("line {line}: {detail}")]
pub struct CorpusError {
    pub line: usize,
    pub detail: String,
}

#[derive(Deserialize)]
struct Row {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    urgency: String,
    category: String,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    register: Option<String>,
}

/// The registers a message may be written in: a patient's own words (the
/// default for a row without `register`), a clinical summary or forwarded
/// note, clinical shorthand, readings, lab values, or someone writing about
/// another person.
pub const REGISTERS: [&str; 6] = ["patient", "clinical-summary", "shorthand", "readings", "lab-values", "third-person"];

/// A labelled message with what it is grouped by when it is scored.
#[derive(Debug, Clone)]
pub struct LabelledRow {
    pub example: Example,
    /// The row's `lang`, or `unknown`.
    pub language: String,
    /// The row's `register`, or `patient`.
    pub register: &'static str,
}

/// Reads a labelled corpus; blank lines are skipped.
pub fn parse(text: &str) -> Result<Vec<Example>, CorpusError> {
    Ok(parse_rows(text)?.into_iter().map(|r| r.example).collect())
}

/// Reads a labelled corpus with each row's language and register; blank lines are skipped.
pub fn parse_rows(text: &str) -> Result<Vec<LabelledRow>, CorpusError> {
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let error = |detail: String| CorpusError { line: n + 1, detail };
        let row: Row = serde_json::from_str(line)
            .map_err(|_| error("needs a JSON object with subject, body, urgency and category".to_owned()))?;
        let urgency = Urgency::parse(&row.urgency).map_err(|e| error(e.to_string()))?;
        let category = Category::parse(&row.category).map_err(|e| error(e.to_string()))?;
        let register = match row.register.as_deref() {
            None => REGISTERS[0],
            Some(r) => REGISTERS
                .iter()
                .copied()
                .find(|known| *known == r)
                .ok_or_else(|| error(format!("register must be one of {}", REGISTERS.join(", "))))?,
        };
        let language = row.lang.filter(|l| !l.trim().is_empty()).unwrap_or_else(|| "unknown".to_owned());
        rows.push(LabelledRow {
            example: Example { subject: row.subject, body: row.body, urgency, category },
            language,
            register,
        });
    }
    Ok(rows)
}

/// Two messages share this share of their words (Jaccard) or more: the same
/// message reworded a little, which must not sit in both training and test.
pub const NEAR_DUPLICATE_SIMILARITY: f64 = 0.8;

/// The words of a message as a reader compares them: lower case, letters and
/// digits only, accents kept ("día" and "dia" stay apart: rare, and safer).
fn words(e: &Example) -> Vec<String> {
    format!("{} {}", e.subject, e.body)
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Pairs `(i, j)` where `a[i]` and `b[j]` are the same message or nearly
/// (word-set similarity at least [`NEAR_DUPLICATE_SIMILARITY`]), found
/// through shared three-word runs so that not every pair is compared.
#[must_use]
pub fn near_duplicates(a: &[Example], b: &[Example]) -> Vec<(usize, usize)> {
    let sets = |examples: &[Example]| -> Vec<(Vec<String>, HashSet<String>)> {
        examples
            .iter()
            .map(|e| {
                let w = words(e);
                let set = w.iter().cloned().collect();
                (w, set)
            })
            .collect()
    };
    let shingles = |w: &[String]| -> Vec<String> {
        if w.len() < 3 { vec![w.join(" ")] } else { w.windows(3).map(|s| s.join(" ")).collect() }
    };
    let (a_sets, b_sets) = (sets(a), sets(b));
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for (j, (w, _)) in b_sets.iter().enumerate() {
        for s in shingles(w) {
            index.entry(s).or_default().push(j);
        }
    }
    let mut found = Vec::new();
    for (i, (w, set)) in a_sets.iter().enumerate() {
        let candidates: HashSet<usize> = shingles(w).iter().filter_map(|s| index.get(s)).flatten().copied().collect();
        let mut candidates: Vec<usize> = candidates.into_iter().collect();
        candidates.sort_unstable();
        for j in candidates {
            let other = &b_sets[j].1;
            let shared = set.intersection(other).count();
            let union = set.union(other).count().max(1);
            if shared as f64 / union as f64 >= NEAR_DUPLICATE_SIMILARITY {
                found.push((i, j));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_labelled_lines_and_names_bad_ones() {
        let ok = parse("{\"id\":\"1\",\"lang\":\"en\",\"subject\":\"s\",\"body\":\"b\",\"urgency\":\"urgent\",\"category\":\"results\"}\n\n")
            .expect("valid corpus");
        assert_eq!(ok.len(), 1);
        assert_eq!((ok[0].urgency, ok[0].category), (Urgency::Urgent, Category::Results));
        let bad = parse("{\"body\":\"b\",\"urgency\":\"soon\",\"category\":\"results\"}").unwrap_err();
        assert_eq!(bad.line, 1);
        assert!(parse("\nnot json").unwrap_err().line == 2);
    }

    #[test]
    fn registers_and_languages_are_read_and_default_to_a_patient_in_an_unknown_language() {
        let text = "{\"lang\":\"es\",\"body\":\"K 6,8\",\"urgency\":\"emergency\",\"category\":\"results\",\"register\":\"lab-values\"}\n\
                    {\"body\":\"b\",\"urgency\":\"routine\",\"category\":\"other\"}";
        let rows = parse_rows(text).expect("valid corpus");
        assert_eq!((rows[0].register, rows[0].language.as_str()), ("lab-values", "es"));
        assert_eq!((rows[1].register, rows[1].language.as_str()), ("patient", "unknown"));
        let bad = parse_rows("{\"body\":\"b\",\"urgency\":\"routine\",\"category\":\"other\",\"register\":\"poem\"}")
            .unwrap_err();
        assert!(bad.detail.contains("register must be one of patient, clinical-summary"), "{bad}");
    }

    fn example(body: &str) -> Example {
        Example { subject: String::new(), body: body.to_owned(), urgency: Urgency::Routine, category: Category::Other }
    }

    #[test]
    fn a_reworded_copy_is_a_near_duplicate_and_a_different_message_is_not() {
        let train = [
            example("I need a refill of my metformin at the CVS on Main Street please"),
            example("Can I move my appointment on Tuesday to next week?"),
        ];
        let test = [
            example("I need a refill of my metformin at the CVS on Main Street, please!"),
            example("i need a REFILL of my metformin at the cvs on main street please thanks"),
            example("My chest hurts when I climb the stairs since yesterday"),
        ];
        assert_eq!(near_duplicates(&train, &test), vec![(0, 0), (0, 1)]);
    }
}
