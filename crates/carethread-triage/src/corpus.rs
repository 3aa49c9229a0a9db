//! Labelled corpora in JSON Lines: `{"id","subject","body","urgency","category"}`
//! (other keys, such as `lang`, are allowed and ignored).

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
}

/// Reads a labelled corpus; blank lines are skipped.
pub fn parse(text: &str) -> Result<Vec<Example>, CorpusError> {
    let mut examples = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let error = |detail: String| CorpusError { line: n + 1, detail };
        let row: Row = serde_json::from_str(line)
            .map_err(|_| error("needs a JSON object with subject, body, urgency and category".to_owned()))?;
        let urgency = Urgency::parse(&row.urgency).map_err(|e| error(e.to_string()))?;
        let category = Category::parse(&row.category).map_err(|e| error(e.to_string()))?;
        examples.push(Example { subject: row.subject, body: row.body, urgency, category });
    }
    Ok(examples)
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
}
