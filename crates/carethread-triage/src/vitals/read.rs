//! Finding readings in a message's tokens and comparing them with the
//! thresholds. A reading is a label ("bp", "sats", "glucosa") followed
//! within a few filler words by a number, or a number with its unit
//! ("104.5F", "150 bpm", "38 mg/dL"), or a blood pressure written "N/N".

use super::context::{infant_age, mentions_a_child, weight_gain};
use super::{
    CRISIS, DIASTOLIC_HIGH, GLUCOSE_HIGH_MG_DL, GLUCOSE_LOW_MG_DL, HEART_RATE_HIGH, HEART_RATE_LOW, Hit, INFANT_DAYS,
    INFANT_FEVER_C, INR_ALONE, INR_BLEEDING, MG_DL_PER_MMOL_L, Needs, RESPIRATORY_RATE_HIGH, RESPIRATORY_RATE_LOW,
    SPO2_LOW, SYSTOLIC_HIGH, SYSTOLIC_LOW, TEMPERATURE_HIGH_C, TEMPERATURE_LOW_C,
};
use std::collections::HashMap;
use std::sync::OnceLock;

use crate::text::Token;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    BloodPressure,
    HeartRate,
    SpO2,
    Temperature,
    RespiratoryRate,
    Glucose,
    Inr,
}

/// Labels, as folded words, and what they label. Longest first.
const LABELS: &[(&str, Kind)] = &[
    ("blood pressure", Kind::BloodPressure),
    ("presion arterial", Kind::BloodPressure),
    ("tension arterial", Kind::BloodPressure),
    ("b p", Kind::BloodPressure),
    ("bp", Kind::BloodPressure),
    ("presion", Kind::BloodPressure),
    ("pressure", Kind::BloodPressure),
    ("ta", Kind::BloodPressure),
    ("heart rate", Kind::HeartRate),
    ("frecuencia cardiaca", Kind::HeartRate),
    ("hr", Kind::HeartRate),
    ("pulse", Kind::HeartRate),
    ("pulso", Kind::HeartRate),
    ("fc", Kind::HeartRate),
    ("pulse ox", Kind::SpO2),
    ("oxygen saturation", Kind::SpO2),
    ("saturacion de oxigeno", Kind::SpO2),
    ("spo2", Kind::SpO2),
    ("sato2", Kind::SpO2),
    ("satura", Kind::SpO2),
    ("saturando", Kind::SpO2),
    ("sao2", Kind::SpO2),
    ("o2 sat", Kind::SpO2),
    ("o2", Kind::SpO2),
    ("sats", Kind::SpO2),
    ("sat", Kind::SpO2),
    ("saturation", Kind::SpO2),
    ("saturacion", Kind::SpO2),
    ("oxygen", Kind::SpO2),
    ("oxigeno", Kind::SpO2),
    ("oximeter", Kind::SpO2),
    ("oximetro", Kind::SpO2),
    ("temperature", Kind::Temperature),
    ("temperatura", Kind::Temperature),
    ("temp", Kind::Temperature),
    ("t", Kind::Temperature),
    ("fever", Kind::Temperature),
    ("fiebre", Kind::Temperature),
    ("calentura", Kind::Temperature),
    ("respiratory rate", Kind::RespiratoryRate),
    ("resp rate", Kind::RespiratoryRate),
    ("frecuencia respiratoria", Kind::RespiratoryRate),
    ("rr", Kind::RespiratoryRate),
    ("fr", Kind::RespiratoryRate),
    ("blood sugar", Kind::Glucose),
    ("bgl", Kind::Glucose),
    ("bg", Kind::Glucose),
    ("bs", Kind::Glucose),
    ("cbg", Kind::Glucose),
    ("sugar", Kind::Glucose),
    ("sugars", Kind::Glucose),
    ("glucose", Kind::Glucose),
    ("glucosa", Kind::Glucose),
    ("azucar", Kind::Glucose),
    ("glucemia", Kind::Glucose),
    ("inr", Kind::Inr),
];

/// Words that may stand between a label and its number.
const FILLER: &[&str] = &[
    "is", "was", "were", "are", "at", "of", "reading", "readings", "read", "reads", "now", "esta", "estaba", "es",
    "era", "de", "en", "to", "dropped", "down", "up", "went", "around", "about", "only", "just", "over", "under",
    "below", "above", "less", "more", "than", "mas", "menos", "del", "la", "el", "level", "nivel", "checked", "came",
    "back", "measured", "marca", "marco", "dio", "salio", "its", "has", "been", "rate", "bajo", "subio", "baja",
    "sube", "a", "me", "le", "tiene", "tengo", "con", "with", "my", "mi", "su", "reading", "of", "s", "ha", "dado",
    "running", "anda", "entre", "between", "hoy", "today",
];

pub(super) fn is_filler(word: &str) -> bool {
    FILLER.contains(&word)
}

/// A number at the start of a token and what follows it ("104.5f" → 104.5, "f").
pub(super) fn number(token: &Token) -> Option<(f64, &str)> {
    let text = token.text.as_str();
    let end = text.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ',')).unwrap_or(text.len());
    if end == 0 || !text.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let rest = &text[end..];
    if !rest.chars().all(char::is_alphabetic) {
        return None;
    }
    text[..end].replace(',', ".").parse().ok().map(|n| (n, rest))
}

/// The raw characters between token `i` and the next one.
fn gap<'a>(text: &'a str, tokens: &[Token], i: usize) -> &'a str {
    let from = tokens[i].span.1;
    let to = tokens.get(i + 1).map_or(text.len(), |t| t.span.0);
    text.get(from..to).unwrap_or("")
}

pub(super) fn word(tokens: &[Token], i: usize) -> &str {
    tokens.get(i).map_or("", |t| t.text.as_str())
}

fn same_sentence(tokens: &[Token], a: usize, b: usize) -> bool {
    b < tokens.len() && tokens[a].sentence == tokens[b].sentence
}

/// The label that starts at token `i`, and how many tokens it has.
fn label_at(tokens: &[Token], i: usize) -> Option<(Kind, usize)> {
    let first = word(tokens, i);
    if first.is_empty() || !first.as_bytes()[0].is_ascii_alphabetic() {
        return None;
    }
    let found = labels_starting(first).iter().find_map(|(label, kind)| {
        let mut len = 0;
        for (k, w) in label.split(' ').enumerate() {
            if word(tokens, i + k) != w || !same_sentence(tokens, i, i + k) {
                return None;
            }
            len = k + 1;
        }
        Some((*kind, len))
    })?;
    // "sat down at 8", not a saturation.
    let posture = ["down", "up", "there", "on", "in", "with", "by", "for", "outside"];
    if first == "sat" && posture.contains(&word(tokens, i + 1)) {
        return None;
    }
    Some(found)
}

/// The labels whose first word is `first`, longest first.
fn labels_starting(first: &str) -> &'static [(&'static str, Kind)] {
    static BY_FIRST_WORD: OnceLock<HashMap<&'static str, Vec<(&'static str, Kind)>>> = OnceLock::new();
    let index = BY_FIRST_WORD.get_or_init(|| {
        let mut index: HashMap<&'static str, Vec<(&'static str, Kind)>> = HashMap::new();
        for &(label, kind) in LABELS {
            let head = label.split(' ').next().unwrap_or(label);
            index.entry(head).or_default().push((label, kind));
        }
        for labels in index.values_mut() {
            labels.sort_by_key(|(label, _)| std::cmp::Reverse(label.split(' ').count()));
        }
        index
    });
    index.get(first).map_or(&[], Vec::as_slice)
}

fn label_ahead(tokens: &[Token], i: usize) -> bool {
    label_at(tokens, i).is_some()
}

/// Finds every reading past a threshold in `tokens` (from `text`).
pub(super) fn hits(text: &str, tokens: &[Token]) -> Vec<Hit> {
    let mut hits = Vec::new();
    let mut used = vec![false; tokens.len()];
    let infant = infant_age(tokens);
    let child = infant.is_some() || mentions_a_child(tokens);
    let mut i = 0;
    while i < tokens.len() {
        if let Some((kind, len)) = label_at(tokens, i) {
            let mut j = i + len;
            let mut over = 0.0;
            while j < tokens.len() && j < i + len + 5 && same_sentence(tokens, i, j) && number(&tokens[j]).is_none() {
                if !is_filler(word(tokens, j)) || label_ahead(tokens, j) {
                    break;
                }
                over = match word(tokens, j) {
                    "over" | "above" | "mas" => 0.001,
                    "under" | "below" | "menos" => -0.001,
                    _ => over,
                };
                j += 1;
            }
            if j < tokens.len() && same_sentence(tokens, i, j) && !used[j] && number(&tokens[j]).is_some() {
                if let Some((hit, end)) = reading(text, tokens, kind, i, j, over, infant, child) {
                    used[i..end].iter_mut().for_each(|u| *u = true);
                    hits.push(hit);
                    i = end;
                    continue;
                }
                used[j] = true;
            }
            i += len;
            continue;
        }
        if !used[i]
            && let Some((hit, end)) = unlabelled(text, tokens, i, infant, child)
        {
            used[i..end].iter_mut().for_each(|u| *u = true);
            hits.push(hit);
            i = end;
            continue;
        }
        if let Some((hit, end)) = weight_gain(tokens, i) {
            hits.push(hit);
            i = end;
            continue;
        }
        i += 1;
    }
    hits
}

/// The reading of `kind` whose label starts at `from` and number is at `at`.
#[expect(clippy::too_many_arguments, reason = "the reading's whole context, read once")]
fn reading(
    text: &str,
    tokens: &[Token],
    kind: Kind,
    from: usize,
    at: usize,
    nudge: f64,
    infant: Option<f64>,
    child: bool,
) -> Option<(Hit, usize)> {
    let (value, suffix) = number(&tokens[at])?;
    let value_cmp = value + nudge;
    let bound = if nudge > 0.0 {
        "over "
    } else if nudge < 0.0 {
        "under "
    } else {
        ""
    };
    let show = |v: f64| format!("{bound}{}", show(v));
    let hit = |end: usize, reason: String, needs: Needs| Some((Hit { tokens: (from, end), reason, needs }, end));
    match kind {
        Kind::BloodPressure => {
            let (diastolic, end) = diastolic(text, tokens, at)?;
            blood_pressure(value, diastolic).and_then(|(reason, needs)| hit(end, reason, needs))
        }
        Kind::HeartRate if !child && (20.0..=300.0).contains(&value) => {
            let end = at + 1 + usize::from(word(tokens, at + 1) == "bpm");
            if value_cmp > HEART_RATE_HIGH {
                hit(
                    end,
                    format!("vital sign: heart rate {} (emergency above {HEART_RATE_HIGH})", show(value)),
                    Needs::Nothing,
                )
            } else if value_cmp < HEART_RATE_LOW {
                hit(
                    end,
                    format!("vital sign: heart rate {} (emergency below {HEART_RATE_LOW})", show(value)),
                    Needs::Nothing,
                )
            } else {
                None
            }
        }
        Kind::SpO2 if (50.0..=100.0).contains(&value) && suffix.is_empty() && !iron_saturation(tokens, from) => {
            let unit = ["l", "liters", "litres", "litros", "lpm"].contains(&word(tokens, at + 1));
            if unit || value_cmp >= SPO2_LOW {
                return None;
            }
            hit(at + 1, format!("vital sign: SpO2 {}% (emergency below {SPO2_LOW}%)", show(value)), Needs::Nothing)
        }
        Kind::Temperature => temperature(text, tokens, at, true, infant).and_then(|(t, end)| {
            let (reason, needs) = t;
            hit(end, reason, needs)
        }),
        Kind::RespiratoryRate if !child && (4.0..=80.0).contains(&value) && value_cmp > RESPIRATORY_RATE_HIGH => hit(
            at + 1,
            format!("vital sign: respiratory rate {} (emergency above {RESPIRATORY_RATE_HIGH})", show(value)),
            Needs::Nothing,
        ),
        Kind::RespiratoryRate if !child && (2.0..=80.0).contains(&value) && value_cmp < RESPIRATORY_RATE_LOW => hit(
            at + 1,
            format!("vital sign: respiratory rate {} (emergency below {RESPIRATORY_RATE_LOW})", show(value)),
            Needs::Nothing,
        ),
        Kind::Glucose => {
            let next = word(tokens, at + 1);
            // "sugar 45 grams": a food label, not a reading.
            if ["g", "grams", "gramos", "gr", "carbs", "carbohydrates", "carbohidratos"].contains(&next)
                || suffix == "g"
            {
                return None;
            }
            let mmol =
                suffix == "mmol" || next == "mmol" || (suffix.is_empty() && value < 35.0 && value.fract() != 0.0);
            let units = if mmol || suffix == "mg" || next == "mg" { 2 } else { 0 };
            let end = (at + 1 + units).min(tokens.len());
            let mg = if mmol { value_cmp * MG_DL_PER_MMOL_L } else { value_cmp };
            let written = if mmol { format!("{} mmol/L", show(value)) } else { format!("{} mg/dL", show(value)) };
            if !(10.0..=1500.0).contains(&mg) {
                return None;
            }
            if mg < GLUCOSE_LOW_MG_DL {
                let limit = if mmol { "3.0 mmol/L".to_owned() } else { format!("{GLUCOSE_LOW_MG_DL} mg/dL") };
                hit(end, format!("vital sign: glucose {written} (emergency below {limit})"), Needs::Nothing)
            } else if mg > GLUCOSE_HIGH_MG_DL {
                let limit = if mmol { "22.2 mmol/L".to_owned() } else { format!("{GLUCOSE_HIGH_MG_DL} mg/dL") };
                hit(
                    end,
                    format!("vital sign: glucose {written} (emergency above {limit} with symptoms)"),
                    Needs::Symptoms,
                )
            } else {
                None
            }
        }
        Kind::Inr if (0.5..=20.0).contains(&value) => {
            if value_cmp > INR_ALONE {
                hit(at + 1, format!("vital sign: INR {} (emergency above {INR_ALONE})", show(value)), Needs::Nothing)
            } else if value_cmp > INR_BLEEDING {
                hit(
                    at + 1,
                    format!("vital sign: INR {} (emergency above {INR_BLEEDING} with bleeding)", show(value)),
                    Needs::Bleeding,
                )
            } else {
                None
            }
        }
        _ => None,
    }
}

/// "iron saturation 62%", "transferrin sat": a lab value, not oxygen.
fn iron_saturation(tokens: &[Token], label: usize) -> bool {
    let before = label.checked_sub(1).map_or("", |b| word(tokens, b));
    let after = word(tokens, label + 1);
    ["iron", "transferrin", "hierro", "transferrina", "tsat"].contains(&before)
        || ["de", "of"].contains(&after)
            && ["hierro", "transferrina", "iron", "transferrin"].contains(&word(tokens, label + 2))
}

/// The diastolic number after a systolic at `at` ("82/50", "190 over 100"), and where it ends.
fn diastolic(text: &str, tokens: &[Token], at: usize) -> Option<(f64, usize)> {
    let slash = gap(text, tokens, at).trim() == "/";
    let over = ["over", "sobre"].contains(&word(tokens, at + 1));
    let k = if slash {
        at + 1
    } else if over {
        at + 2
    } else {
        return None;
    };
    let (d, suffix) = number(tokens.get(k)?)?;
    // A date or a third number ("12/05/2024") is not a blood pressure.
    if !suffix.is_empty() || (slash && gap(text, tokens, k).trim() == "/") {
        return None;
    }
    Some((d, k + 1))
}

/// The reason a blood pressure is an emergency, if it is.
fn blood_pressure(systolic: f64, diastolic: f64) -> Option<(String, Needs)> {
    let plausible = (40.0..=300.0).contains(&systolic) && (20.0..=200.0).contains(&diastolic) && systolic > diastolic;
    if !plausible {
        return None;
    }
    let shown = format!("vital sign: blood pressure {}/{}", show(systolic), show(diastolic));
    if systolic >= CRISIS.0 && diastolic >= CRISIS.1 {
        Some((format!("{shown} (emergency at or above {}/{})", CRISIS.0, CRISIS.1), Needs::Nothing))
    } else if systolic > SYSTOLIC_HIGH || diastolic > DIASTOLIC_HIGH {
        Some((format!("{shown} (emergency: above {SYSTOLIC_HIGH}/{DIASTOLIC_HIGH} with symptoms)"), Needs::Symptoms))
    } else if systolic < SYSTOLIC_LOW {
        Some((format!("{shown} (emergency: systolic below {SYSTOLIC_LOW} with symptoms)"), Needs::Symptoms))
    } else {
        None
    }
}

/// A temperature at token `at`; `labelled` when a label said it is one.
fn temperature(
    text: &str,
    tokens: &[Token],
    at: usize,
    labelled: bool,
    infant: Option<f64>,
) -> Option<((String, Needs), usize)> {
    let (value, suffix) = number(&tokens[at])?;
    let next = word(tokens, at + 1);
    let degree = gap(text, tokens, at).trim_start().starts_with('°');
    let (unit, end) = match (suffix, next) {
        ("f", _) => (Some(true), at + 1),
        ("c", _) => (Some(false), at + 1),
        ("", "f" | "fahrenheit") => (Some(true), at + 2),
        ("", "c" | "celsius" | "centigrados") => (Some(false), at + 2),
        ("", "degrees" | "grados") => (None, at + 2),
        ("", _) if degree => (None, at + 1),
        ("", _) => (None, at + 1),
        _ => return None,
    };
    if unit.is_none() && !labelled && !degree && infant.is_none() {
        return None;
    }
    let fahrenheit = match unit {
        Some(f) => f,
        None if (86.0..=113.0).contains(&value) => true,
        None if (30.0..=45.0).contains(&value) => false,
        None => return None,
    };
    let celsius = if fahrenheit { (value - 32.0) * 5.0 / 9.0 } else { value };
    if !(30.0..=45.0).contains(&celsius) {
        return None;
    }
    // A bare number in an infant's message counts as a temperature only when it looks like one.
    if unit.is_none() && !labelled && !degree && !fahrenheit && value.fract() == 0.0 {
        return None;
    }
    let written = format!("{} °{}", show(value), if fahrenheit { "F" } else { "C" });
    if infant.is_some_and(|days| days < INFANT_DAYS) && celsius >= INFANT_FEVER_C - 1e-6 {
        let reason = format!(
            "vital sign: temperature {written} in an infant under 3 months (emergency at or above 100.4 °F / {INFANT_FEVER_C} °C)"
        );
        return Some(((reason, Needs::Nothing), end));
    }
    // Hypothermia, read only from a temperature written as one.
    let low = if fahrenheit { value < 95.0 } else { celsius < TEMPERATURE_LOW_C };
    if low && (labelled || unit.is_some() || degree) && infant.is_none() {
        let reason = format!("vital sign: temperature {written} (emergency below 95 °F / {TEMPERATURE_LOW_C} °C)");
        return Some(((reason, Needs::Nothing), end));
    }
    // 104 °F is 40 °C to the nearest tenth; compare as written.
    let high = if fahrenheit { value >= 104.0 } else { celsius >= TEMPERATURE_HIGH_C };
    high.then(|| {
        let reason =
            format!("vital sign: temperature {written} (emergency at or above 104 °F / {TEMPERATURE_HIGH_C} °C)");
        ((reason, Needs::Nothing), end)
    })
}

/// A reading without a label: a blood pressure "N/N", a pulse "N bpm", a
/// temperature with its unit, or in an infant's message a bare temperature.
fn unlabelled(text: &str, tokens: &[Token], i: usize, infant: Option<f64>, child: bool) -> Option<(Hit, usize)> {
    let (value, suffix) = number(&tokens[i])?;
    if suffix.is_empty()
        && let Some((d, end)) = diastolic(text, tokens, i).filter(|_| gap(text, tokens, i).trim() == "/")
    {
        let before = i.checked_sub(1).is_some_and(|b| gap(text, tokens, b).trim() == "/");
        if !before && (60.0..=300.0).contains(&value) && value - d >= 10.0 {
            let (reason, needs) = blood_pressure(value, d)?;
            return Some((Hit { tokens: (i, end), reason, needs }, end));
        }
        return None;
    }
    if (suffix == "bpm" || word(tokens, i + 1) == "bpm") && !child {
        let end = i + 1 + usize::from(suffix.is_empty());
        let reason = if value > HEART_RATE_HIGH && (..=300.0).contains(&value) {
            format!("vital sign: heart rate {} (emergency above {HEART_RATE_HIGH})", show(value))
        } else if value < HEART_RATE_LOW && (20.0..).contains(&value) {
            format!("vital sign: heart rate {} (emergency below {HEART_RATE_LOW})", show(value))
        } else {
            return None;
        };
        return Some((Hit { tokens: (i, end), reason, needs: Needs::Nothing }, end));
    }
    let ((reason, needs), end) = temperature(text, tokens, i, false, infant)?;
    Some((Hit { tokens: (i, end), reason, needs }, end))
}

/// A number as written: no trailing ".0".
pub(super) fn show(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 { format!("{rounded:.0}") } else { format!("{rounded}") }
}
