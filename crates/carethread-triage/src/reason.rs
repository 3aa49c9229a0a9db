//! A stable code and arguments for each reason a triage result gives, so
//! that a nurse reads "signo vital: frecuencia cardiaca 150 …" where the
//! stored reason says "vital sign: heart rate 150 …".
//!
//! Reasons are kept (and sent to API clients) as the English sentences the
//! rules write; [`ReasonCode::read`] reads a sentence back into its code and
//! arguments. The code therefore travels inside the stored text itself: no
//! column or migration is needed, and results stored before codes existed
//! are read the same way. A sentence no code describes (a note a clinician
//! typed, a rule added later) reads as `None`, and the English is shown.
//! Tests run every rule that writes a reason through the reader.
//!
//! Arguments are either values from the message, quoted as written
//! (`phrase`, `medicine`, `duration`, `value`), or slugs another catalogue
//! names (`what`: `heart_rate`; `why`: `negated`; `category`, `urgency`,
//! `pool`), listed with each code below.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::safety::Suppression;

/// A reason as a code and its arguments.
///
/// Codes: `red-flag` (`family`, `phrase`), `not-counted` (`finding`: a
/// red-flag family or a vital-sign reason in English; `why`: `negated`,
/// `history`, `family`, `hypothetical`, `benign`), `vital-sign-high`,
/// `vital-sign-at-or-above`, `vital-sign-low`, `vital-sign-high-with-symptoms`,
/// `vital-sign-systolic-low-with-symptoms`, `vital-sign-high-with-bleeding`,
/// `vital-sign-infant-fever` (each `what`, `value`, `bound` (`over`,
/// `under` or empty), `threshold`), `lab-value-at-or-above`,
/// `lab-value-high`, `lab-value-low`, `lab-value-high-with-symptoms`,
/// `lab-value-low-with-symptoms`, `lab-value-low-with-bleeding`,
/// `lab-value-low-with-fever` (each `what`, `value`, `threshold`), `vital-sign-weight-gain` (`amount`,
/// `days`, `day_threshold`, `week_threshold`), `mentions-medicine`
/// (`medicine`), `since` (`duration`), `mentions-word` (`word`),
/// `no-category-keywords`, `asks-quickly`, `classifier-category`
/// (`category`, `probability`, `features`), `classifier-urgency` (`urgency`,
/// `probability`, `features`: the symptom content of an emergency, or the
/// features that pushed hardest toward another urgency), `no-symptom-named`
/// (`probability`: the classifier's emergency score of a message the symptom
/// gate kept from emergency), `interpreter` (`language`), `sensitive-pool` (`topics`:
/// slugs joined by `,`; `pool`), `sensitive-moved` (`topics`, `pool`,
/// `ruled`), `sensitive-no-clinical-pool` (`topics`), `kept-category`
/// (`category`, `read`), `retriaged-by` (`name`, `role`), `changed-urgency`
/// and `changed-category` (`from`, `to`), `changed-pool` (`pool`), `note`
/// (`note`), `started-by-care-team`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonCode {
    pub code: &'static str,
    pub args: BTreeMap<&'static str, String>,
}

/// Vital signs as the rules name them, with their slugs.
const VITALS: [(&str, &str); 7] = [
    ("heart rate", "heart_rate"),
    ("SpO2", "spo2"),
    ("respiratory rate", "respiratory_rate"),
    ("glucose", "glucose"),
    ("INR", "inr"),
    ("blood pressure", "blood_pressure"),
    ("temperature", "temperature"),
];

/// How a vital-sign threshold is written after the reading, by code.
const THRESHOLDS: [(&str, &str, &str); 8] = [
    ("vital-sign-infant-fever", " in an infant under 3 months (emergency at or above ", ")"),
    ("vital-sign-high-with-symptoms", " (emergency above ", " with symptoms)"),
    ("vital-sign-high-with-symptoms", " (emergency: above ", " with symptoms)"),
    ("vital-sign-systolic-low-with-symptoms", " (emergency: systolic below ", " with symptoms)"),
    ("vital-sign-high-with-bleeding", " (emergency above ", " with bleeding)"),
    ("vital-sign-at-or-above", " (emergency at or above ", ")"),
    ("vital-sign-high", " (emergency above ", ")"),
    ("vital-sign-low", " (emergency below ", ")"),
];

const SUPPRESSIONS: [(Suppression, &str); 5] = [
    (Suppression::Negated, "negated"),
    (Suppression::History, "history"),
    (Suppression::Family, "family"),
    (Suppression::Hypothetical, "hypothetical"),
    (Suppression::Benign, "benign"),
];

/// Sensitive topics as routing names them, with their slugs.
const TOPICS: [(&str, &str); 4] = [
    ("clinical question", "clinical_question"),
    ("sexual health", "sexual_health"),
    ("mental health", "mental_health"),
    ("confidential", "confidential"),
];

impl ReasonCode {
    fn new(code: &'static str, args: &[(&'static str, &str)]) -> Self {
        Self { code, args: args.iter().map(|(k, v)| (*k, (*v).to_owned())).collect() }
    }

    /// The argument `name`, empty when the code has none by that name.
    #[must_use]
    pub fn arg(&self, name: &str) -> &str {
        self.args.get(name).map_or("", String::as_str)
    }

    /// The code and arguments of a reason as triage (or the application, for
    /// a kept category or a re-triage) writes it; `None` for any other text.
    #[must_use]
    pub fn read(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Some(rest) = text.strip_prefix("red flag: ") {
            let (family, phrase) = rest.strip_suffix("\")")?.split_once(" (\"")?;
            return Some(Self::new("red-flag", &[("family", family), ("phrase", phrase)]));
        }
        if let Some(rest) = text.strip_prefix("not counted: ") {
            let (finding, why) = SUPPRESSIONS.iter().find_map(|(s, slug)| {
                let finding = rest.strip_suffix(&format!(" ({})", s.as_str()))?;
                Some((finding, *slug))
            })?;
            return Some(Self::new("not-counted", &[("finding", finding), ("why", why)]));
        }
        if let Some(rest) = text.strip_prefix("vital sign: ") {
            return vital_sign(rest);
        }
        if let Some(rest) = text.strip_prefix("lab value: ") {
            let (code, args) = crate::vitals::lab_reason_code(rest)?;
            return Some(Self::new(code, &args));
        }
        if let Some(medicine) = text.strip_prefix("mentions a medicine: ") {
            return Some(Self::new("mentions-medicine", &[("medicine", medicine)]));
        }
        if let Some(duration) = text.strip_prefix("since: ") {
            return Some(Self::new("since", &[("duration", duration)]));
        }
        if let Some(probability) = text
            .strip_prefix(crate::NO_SYMPTOM_NAMED)
            .and_then(|r| r.strip_prefix(" ("))
            .and_then(|r| r.strip_suffix(") alone"))
        {
            return Some(Self::new("no-symptom-named", &[("probability", probability)]));
        }
        if let Some(rest) = text.strip_prefix("classifier urgency: ") {
            let (urgency, rest) = rest.split_once(" (")?;
            let (probability, evidence) = rest.split_once(')')?;
            let evidence = evidence.strip_prefix(" from ").unwrap_or(evidence);
            let args = [("urgency", urgency), ("probability", probability), ("features", evidence)];
            return Some(Self::new("classifier-urgency", &args));
        }
        if let Some(rest) = text.strip_prefix("classifier: ") {
            let (category, rest) = rest.split_once(" (")?;
            let (probability, features) = rest.split_once(')')?;
            let features = features.strip_prefix(" from ").unwrap_or(features);
            let args = [("category", category), ("probability", probability), ("features", features)];
            return Some(Self::new("classifier-category", &args));
        }
        if let Some(word) = text.strip_prefix("mentions \"").and_then(|r| r.strip_suffix('"')) {
            return Some(Self::new("mentions-word", &[("word", word)]));
        }
        if let Some(language) = text
            .strip_prefix("language: ")
            .and_then(|r| r.strip_suffix(" — not triaged automatically; interpreter needed"))
        {
            return Some(Self::new("interpreter", &[("language", language)]));
        }
        if let Some(rest) = text.strip_prefix("sensitive: ") {
            return sensitive(rest);
        }
        if let Some(rest) = text.strip_prefix("category kept: ") {
            let (category, read) = rest.strip_suffix(')')?.split_once(" (triage read ")?;
            return Some(Self::new("kept-category", &[("category", category), ("read", read)]));
        }
        if let Some(rest) = text.strip_prefix("re-triaged by ") {
            let (name, role) = rest.strip_suffix(')')?.rsplit_once(" (")?;
            return Some(Self::new("retriaged-by", &[("name", name), ("role", role)]));
        }
        for (prefix, code) in [("urgency ", "changed-urgency"), ("category ", "changed-category")] {
            if let Some((from, to)) = text.strip_prefix(prefix).and_then(|r| r.split_once(" → ")) {
                return Some(Self::new(code, &[("from", from), ("to", to)]));
            }
        }
        if let Some(pool) = text.strip_prefix("pool → ") {
            return Some(Self::new("changed-pool", &[("pool", pool)]));
        }
        if let Some(note) = text.strip_prefix("note: ") {
            return Some(Self::new("note", &[("note", note)]));
        }
        let code = match text {
            "no category keywords" => "no-category-keywords",
            "asks for a quick answer or describes worsening symptoms" => "asks-quickly",
            "started by the care team" => "started-by-care-team",
            _ => return None,
        };
        Some(Self::new(code, &[]))
    }
}

/// The slug of a suppression as the rules write it ("past history" →
/// `history`), the `why` of `not-counted`; `None` for any other text.
#[must_use]
pub fn suppression_slug(written: &str) -> Option<&'static str> {
    SUPPRESSIONS.iter().find(|(s, _)| s.as_str() == written).map(|(_, slug)| *slug)
}

/// A vital-sign reason after "vital sign: ".
fn vital_sign(rest: &str) -> Option<ReasonCode> {
    if let Some(gain) = rest.strip_prefix("weight gain ") {
        let (amount, rest) = gain.split_once(" in ")?;
        let (period, rest) = rest.split_once(" (heart failure: emergency at ")?;
        let days = if period == "a day" { "1" } else { period.strip_suffix(" days")? };
        let (day, week) = rest.strip_suffix(" in a week)")?.split_once(" in a day or ")?;
        let args = [("amount", amount), ("days", days), ("day_threshold", day), ("week_threshold", week)];
        return Some(ReasonCode::new("vital-sign-weight-gain", &args));
    }
    let (what, reading) =
        VITALS.iter().find_map(|(name, slug)| Some((*slug, rest.strip_prefix(name)?.strip_prefix(' ')?)))?;
    THRESHOLDS.iter().find_map(|(code, before, after)| {
        let (value, rest) = reading.split_once(before)?;
        let threshold = rest.strip_suffix(after)?;
        // A nested parenthesis means another form matched the wrong way round.
        if threshold.contains('(') || threshold.contains(" with ") {
            return None;
        }
        let (bound, value) = match value.split_once(' ') {
            Some((b @ ("over" | "under"), v)) => (b, v),
            _ => ("", value),
        };
        let args = [("what", what), ("value", value), ("bound", bound), ("threshold", threshold)];
        Some(ReasonCode::new(code, &args))
    })
}

/// Topic labels joined by ", " as slugs joined by ",".
fn topics(labels: &str) -> Option<String> {
    let slugs: Option<Vec<&str>> =
        labels.split(", ").map(|label| TOPICS.iter().find(|(l, _)| *l == label).map(|(_, slug)| *slug)).collect();
    slugs.map(|s| s.join(","))
}

/// A routing reason after "sensitive: ".
fn sensitive(rest: &str) -> Option<ReasonCode> {
    if let Some(labels) = rest.strip_suffix(" but no pool has only clinical members; check the routing and the pools") {
        return Some(ReasonCode::new("sensitive-no-clinical-pool", &[("topics", &topics(labels)?)]));
    }
    let (labels, pools) = rest.split_once(" → clinical pool ")?;
    let topics = topics(labels)?;
    match pools.split_once(", not ") {
        Some((pool, ruled)) => {
            Some(ReasonCode::new("sensitive-moved", &[("topics", &topics), ("pool", pool), ("ruled", ruled)]))
        }
        None => Some(ReasonCode::new("sensitive-pool", &[("topics", &topics), ("pool", pools)])),
    }
}

#[cfg(test)]
mod tests;
