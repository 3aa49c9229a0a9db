//! Lab values a patient pastes from the portal, reads out from a lab's call
//! or forwards from a nurse ("potassium 6.8", "sodio 117", "Hgb 6.1",
//! "calcium 14.2", "lithium level 2.9", "platelets 9"), read against critical
//! values. Glucose and INR are read with the home readings (`read.rs`).
//!
//! A value past its threshold becomes a reason with the number and the
//! threshold (`lab value: potassium 6.8 mmol/L (emergency at or above 6.5
//! mmol/L)`) and goes through the same scopes as a vital sign, so "my father
//! had a potassium of 6.9 last year" does not fire.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::read::{is_filler, number, show, word};
use super::{Hit, Needs};
use crate::text::Token;

/// Potassium at or above this (mmol/L) is severe hyperkalaemia, treated as
/// an emergency (UK Kidney Association 2020 guideline: K+ ≥ 6.5 mmol/L).
pub const POTASSIUM_HIGH: f64 = 6.5;
/// Potassium below this (mmol/L) is severe hypokalaemia needing monitored
/// intravenous replacement (K+ < 2.5 mmol/L).
pub const POTASSIUM_LOW: f64 = 2.5;
/// Sodium below this (mmol/L) is profound hyponatraemia needing hospital
/// care whatever the symptoms (European hyponatraemia guideline 2014: < 125
/// is profound; < 120 is the usual critical value).
pub const SODIUM_LOW: f64 = 120.0;
/// Sodium below this (mmol/L) with symptoms (vomiting, confusion, a seizure)
/// is an emergency (European guideline 2014: profound, < 125 mmol/L).
pub const SODIUM_LOW_WITH_SYMPTOMS: f64 = 125.0;
/// Sodium above this (mmol/L) is severe hypernatraemia (critical value).
pub const SODIUM_HIGH: f64 = 160.0;
/// Haemoglobin below this (g/dL) is the restrictive transfusion threshold
/// (AABB 2023 international guideline: 7 g/dL).
pub const HEMOGLOBIN_LOW: f64 = 7.0;
/// Total calcium at or above this (mg/dL; 3.5 mmol/L) is severe
/// hypercalcaemia, treated in hospital.
pub const CALCIUM_HIGH_MG_DL: f64 = 14.0;
/// mg/dL of calcium per mmol/L.
pub const CALCIUM_MG_DL_PER_MMOL_L: f64 = 4.008;
/// Lithium above this (mmol/L) is moderate to severe toxicity (levels above
/// 2.0 are managed in hospital; therapeutic range 0.6–1.2).
pub const LITHIUM_HIGH: f64 = 2.0;
/// Digoxin above this (ng/mL) with symptoms (vomiting, a slow pulse, seeing
/// yellow) is toxicity needing emergency care.
pub const DIGOXIN_HIGH: f64 = 2.0;
/// Platelets below this (×10⁹/L) is the prophylactic transfusion threshold
/// (AABB 2015: 10 × 10⁹/L).
pub const PLATELETS_LOW: f64 = 10.0;
/// Platelets below this (×10⁹/L) with bleeding going on now need care today
/// in an emergency department (a platelet transfusion is given for bleeding
/// below 50; below 20 bleeding is the danger).
pub const PLATELETS_LOW_WITH_BLEEDING: f64 = 20.0;
/// An absolute neutrophil count below this (×10⁹/L, 500 per µL) with a fever
/// is febrile neutropenia: antibiotics within the hour (IDSA, NCCN).
pub const NEUTROPHILS_LOW_WITH_FEVER: f64 = 0.5;
/// Lactate at or above this (mmol/L) is septic shock's marker of poor
/// perfusion (Surviving Sepsis Campaign).
pub const LACTATE_HIGH: f64 = 4.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lab {
    Potassium,
    Sodium,
    Hemoglobin,
    Calcium,
    Lithium,
    Digoxin,
    Platelets,
    Neutrophils,
    Lactate,
}

/// Labels, as folded words, and what they label. Longest first per first word.
const LABELS: &[(&str, Lab)] = &[
    ("potassium", Lab::Potassium),
    ("potasio", Lab::Potassium),
    ("kalium", Lab::Potassium),
    ("k", Lab::Potassium),
    ("sodium", Lab::Sodium),
    ("sodio", Lab::Sodium),
    ("na", Lab::Sodium),
    ("hemoglobin", Lab::Hemoglobin),
    ("haemoglobin", Lab::Hemoglobin),
    ("hemoglobina", Lab::Hemoglobin),
    ("hgb", Lab::Hemoglobin),
    ("hb", Lab::Hemoglobin),
    ("calcium", Lab::Calcium),
    ("calcio", Lab::Calcium),
    ("lithium", Lab::Lithium),
    ("litio", Lab::Lithium),
    ("digoxin", Lab::Digoxin),
    ("digoxina", Lab::Digoxin),
    ("dig", Lab::Digoxin),
    ("platelets", Lab::Platelets),
    ("platelet count", Lab::Platelets),
    ("plaquetas", Lab::Platelets),
    ("plt", Lab::Platelets),
    ("plts", Lab::Platelets),
    ("anc", Lab::Neutrophils),
    ("absolute neutrophil count", Lab::Neutrophils),
    ("absolute neutrophils", Lab::Neutrophils),
    ("neutrophil count", Lab::Neutrophils),
    ("neutrophils", Lab::Neutrophils),
    ("neutrofilos absolutos", Lab::Neutrophils),
    ("neutrofilos", Lab::Neutrophils),
    ("lactate", Lab::Lactate),
    ("lactic acid", Lab::Lactate),
    ("lactato", Lab::Lactate),
    ("acido lactico", Lab::Lactate),
];

/// Words after a number that make it a dose or a supply, not a lab value
/// ("potassium 20 meq tablets", "lithium 300 mg", "calcium 600 daily").
const DOSE: &[&str] = &[
    "mg",
    "tab",
    "tabs",
    "tablet",
    "tablets",
    "pill",
    "pills",
    "capsule",
    "capsules",
    "daily",
    "twice",
    "bid",
    "tid",
    "er",
    "pastilla",
    "pastillas",
    "tableta",
    "tabletas",
    "capsulas",
    "diario",
    "diaria",
    "cada",
    "supplement",
];

/// Words between a label and its number beyond the vital-sign fillers.
const LAB_FILLER: &[&str] = &["serum", "blood", "level", "levels", "result", "results", "value", "sérico", "serico"];

/// Finds every lab value past a critical threshold in `tokens`.
pub(super) fn hits(tokens: &[Token]) -> Vec<Hit> {
    let mut hits = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let Some((lab, len)) = label_at(tokens, i) else {
            i += 1;
            continue;
        };
        let mut j = i + len;
        while j < tokens.len()
            && j < i + len + 4
            && tokens[j].sentence == tokens[i].sentence
            && number(&tokens[j]).is_none()
            && (is_filler(word(tokens, j)) || LAB_FILLER.contains(&word(tokens, j)))
        {
            j += 1;
        }
        if j < tokens.len()
            && tokens[j].sentence == tokens[i].sentence
            && let Some(hit) = value(tokens, lab, i, j)
        {
            i = hit.tokens.1;
            hits.push(hit);
            continue;
        }
        i += len;
    }
    hits
}

fn label_at(tokens: &[Token], i: usize) -> Option<(Lab, usize)> {
    let previous = i.checked_sub(1).map_or("", |p| word(tokens, p));
    // "vitamin K 10 mg", "mix of Na and K".
    if ["vitamin", "vitamina", "vit"].contains(&previous) {
        return None;
    }
    let candidates = labels_by_first_word().get(word(tokens, i))?;
    candidates.iter().find_map(|(parts, lab)| {
        let here = parts.iter().enumerate().all(|(k, w)| {
            word(tokens, i + k) == *w && tokens.get(i + k).is_some_and(|t| t.sentence == tokens[i].sentence)
        });
        here.then_some((*lab, parts.len()))
    })
}

/// Labels split into words, by their first word.
type LabelIndex = HashMap<&'static str, Vec<(Vec<&'static str>, Lab)>>;

/// [`LABELS`] split into words and indexed by their first word, in the
/// list's order, so a token is compared only with the labels it could begin.
fn labels_by_first_word() -> &'static LabelIndex {
    static INDEX: OnceLock<LabelIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index = LabelIndex::new();
        for (label, lab) in LABELS {
            let parts: Vec<&'static str> = label.split(' ').collect();
            index.entry(parts[0]).or_default().push((parts, *lab));
        }
        index
    })
}

/// The reading of `lab` whose label starts at `from` and value is at `at`.
fn value(tokens: &[Token], lab: Lab, from: usize, at: usize) -> Option<Hit> {
    let (raw, suffix) = number(&tokens[at])?;
    let next = word(tokens, at + 1);
    let unit = if suffix.is_empty() { next } else { suffix };
    // A dose follows its number in the same clause ("K 2.4, Mg 1.0" names magnesium).
    let clause = tokens[at].clause;
    let dose =
        (at + 1..at + 4).any(|k| tokens.get(k).is_some_and(|t| t.clause == clause) && DOSE.contains(&word(tokens, k)));
    if dose || suffix == "mg" {
        return None;
    }
    let decimal = tokens[at].text.contains(['.', ',']);
    let unit_end = at + 1 + usize::from(suffix.is_empty() && ["mmol", "meq", "g", "ng", "mg"].contains(&next));
    let hit = |reason: String, needs: Needs| Some(Hit { tokens: (from, unit_end), reason, needs });
    match lab {
        Lab::Potassium if (1.0..10.0).contains(&raw) => {
            let shown = format!("lab value: potassium {} mmol/L", show(raw));
            if raw >= POTASSIUM_HIGH {
                hit(format!("{shown} (emergency at or above {POTASSIUM_HIGH} mmol/L)"), Needs::Nothing)
            } else if raw < POTASSIUM_LOW {
                hit(format!("{shown} (emergency below {POTASSIUM_LOW} mmol/L)"), Needs::Nothing)
            } else {
                None
            }
        }
        Lab::Sodium if (90.0..=200.0).contains(&raw) => {
            let shown = format!("lab value: sodium {} mmol/L", show(raw));
            if raw < SODIUM_LOW {
                hit(format!("{shown} (emergency below {SODIUM_LOW} mmol/L)"), Needs::Nothing)
            } else if raw < SODIUM_LOW_WITH_SYMPTOMS {
                hit(
                    format!("{shown} (emergency below {SODIUM_LOW_WITH_SYMPTOMS} mmol/L with symptoms)"),
                    Needs::Symptoms,
                )
            } else if raw > SODIUM_HIGH {
                hit(format!("{shown} (emergency above {SODIUM_HIGH} mmol/L)"), Needs::Nothing)
            } else {
                None
            }
        }
        Lab::Hemoglobin => {
            // "Hb 61 g/L" is 6.1 g/dL.
            let g_dl = if unit == "g" && next_word_is(tokens, at, "l") || raw > 25.0 { raw / 10.0 } else { raw };
            if !(1.5..=25.0).contains(&g_dl) || g_dl >= HEMOGLOBIN_LOW {
                return None;
            }
            let written = if (g_dl - raw).abs() > f64::EPSILON {
                format!("{} g/L", show(raw))
            } else {
                format!("{} g/dL", show(raw))
            };
            hit(format!("lab value: hemoglobin {written} (emergency below {HEMOGLOBIN_LOW} g/dL)"), Needs::Nothing)
        }
        Lab::Calcium => {
            let mmol = unit == "mmol" || raw < 4.0;
            let mg_dl = if mmol { raw * CALCIUM_MG_DL_PER_MMOL_L } else { raw };
            if !(4.0..=25.0).contains(&mg_dl) || mg_dl < CALCIUM_HIGH_MG_DL {
                return None;
            }
            let (written, limit) = if mmol {
                (format!("{} mmol/L", show(raw)), "3.5 mmol/L".to_owned())
            } else {
                (format!("{} mg/dL", show(raw)), format!("{CALCIUM_HIGH_MG_DL} mg/dL"))
            };
            hit(format!("lab value: calcium {written} (emergency at or above {limit})"), Needs::Nothing)
        }
        // A level is written with its decimals ("2.9") or its unit; "lithium 3" may be a pill count.
        Lab::Lithium if (decimal || ["mmol", "meq"].contains(&unit)) && (0.1..=10.0).contains(&raw) => (raw
            > LITHIUM_HIGH)
            .then(|| format!("lab value: lithium {} mmol/L (emergency above {LITHIUM_HIGH} mmol/L)", show(raw)))
            .and_then(|reason| hit(reason, Needs::Nothing)),
        Lab::Digoxin if (decimal || unit == "ng") && (0.1..=10.0).contains(&raw) => (raw > DIGOXIN_HIGH)
            .then(|| {
                format!("lab value: digoxin {} ng/mL (emergency above {DIGOXIN_HIGH} ng/mL with symptoms)", show(raw))
            })
            .and_then(|reason| hit(reason, Needs::Symptoms)),
        Lab::Platelets | Lab::Neutrophils => {
            let (reason, needs) = blood_count(lab, raw)?;
            hit(reason, needs)
        }
        Lab::Lactate if (0.1..=30.0).contains(&raw) && raw >= LACTATE_HIGH => hit(
            format!("lab value: lactate {} mmol/L (emergency at or above {LACTATE_HIGH} mmol/L)", show(raw)),
            Needs::Nothing,
        ),
        _ => None,
    }
}

/// A platelet or neutrophil count past its emergency threshold, with what
/// else must be happening for it to be one.
fn blood_count(lab: Lab, raw: f64) -> Option<(String, Needs)> {
    if lab == Lab::Platelets {
        // "9", "9k", "9,000" and "9000" are all 9 × 10⁹/L.
        let count = if raw >= 1000.0 { raw / 1000.0 } else { raw };
        let shown = format!("lab value: platelets {} ×10⁹/L", show(count));
        if !(0.0..=2000.0).contains(&count) || count >= PLATELETS_LOW_WITH_BLEEDING {
            None
        } else if count < PLATELETS_LOW {
            Some((format!("{shown} (emergency below {PLATELETS_LOW} ×10⁹/L)"), Needs::Nothing))
        } else {
            let limit = PLATELETS_LOW_WITH_BLEEDING;
            Some((format!("{shown} (emergency below {limit} ×10⁹/L with bleeding)"), Needs::Bleeding))
        }
    } else {
        // "0.3" is ×10⁹/L; "300" (and "300 cells") is per µL.
        let count = if raw >= 50.0 { raw / 1000.0 } else { raw };
        ((0.0..=50.0).contains(&count) && count < NEUTROPHILS_LOW_WITH_FEVER).then(|| {
            let limit = NEUTROPHILS_LOW_WITH_FEVER;
            let shown = show(count);
            (format!("lab value: neutrophils {shown} ×10⁹/L (emergency below {limit} ×10⁹/L with fever)"), Needs::Fever)
        })
    }
}

fn next_word_is(tokens: &[Token], at: usize, expected: &str) -> bool {
    word(tokens, at + 2) == expected
}

/// The code and arguments of a lab-value reason after "lab value: ", for
/// [`crate::reason::ReasonCode`]: `lab-value-at-or-above`, `lab-value-low`,
/// `lab-value-high`, `lab-value-low-with-symptoms` and
/// `lab-value-high-with-symptoms`, each with `what` (a slug), `value` and
/// `threshold` as written.
#[must_use]
pub fn reason_code(rest: &str) -> Option<(&'static str, [(&'static str, &str); 3])> {
    const WHAT: [(&str, &str); 9] = [
        ("potassium", "potassium"),
        ("sodium", "sodium"),
        ("hemoglobin", "hemoglobin"),
        ("calcium", "calcium"),
        ("lithium", "lithium"),
        ("digoxin", "digoxin"),
        ("platelets", "platelets"),
        ("neutrophils", "neutrophils"),
        ("lactate", "lactate"),
    ];
    const FORMS: [(&str, &str, &str); 7] = [
        ("lab-value-at-or-above", "at or above ", ")"),
        ("lab-value-high-with-symptoms", "above ", " with symptoms)"),
        ("lab-value-low-with-symptoms", "below ", " with symptoms)"),
        ("lab-value-low-with-bleeding", "below ", " with bleeding)"),
        ("lab-value-low-with-fever", "below ", " with fever)"),
        ("lab-value-high", "above ", ")"),
        ("lab-value-low", "below ", ")"),
    ];
    let (what, reading) =
        WHAT.iter().find_map(|(name, slug)| Some((*slug, rest.strip_prefix(name)?.strip_prefix(' ')?)))?;
    let (value, threshold) = reading.split_once(" (emergency ")?;
    FORMS.iter().find_map(|(code, before, after)| {
        let limit = threshold.strip_prefix(before)?.strip_suffix(after)?;
        (!limit.contains(" with ") && !limit.contains('('))
            .then_some((*code, [("what", what), ("value", value), ("threshold", limit)]))
    })
}

#[cfg(test)]
mod tests {
    // The vital-sign reader's own test helpers: labs are read by the same check.
    use super::super::tests::{fires, quiet};

    #[test]
    fn critical_lab_values_fire_with_the_value_and_the_threshold() {
        fires(
            "voicemail from the lab: potassium 6.8",
            "lab value: potassium 6.8 mmol/L (emergency at or above 6.5 mmol/L)",
        );
        fires("tengo el potasio en 7,2", "lab value: potassium 7.2 mmol/L (emergency at or above 6.5 mmol/L)");
        fires("\"K 2.4, Mg 1.0, pt c/o palpitations\"", "lab value: potassium 2.4 mmol/L (emergency below 2.5 mmol/L)");
        fires("sodio 117 en mis resultados", "lab value: sodium 117 mmol/L (emergency below 120 mmol/L)");
        fires(
            "Na 123, vomiting and confused",
            "lab value: sodium 123 mmol/L (emergency below 125 mmol/L with symptoms)",
        );
        fires("hemoglobin 6.1 on today's labs", "lab value: hemoglobin 6.1 g/dL (emergency below 7 g/dL)");
        fires("Hb 58 g/L", "lab value: hemoglobin 58 g/L (emergency below 7 g/dL)");
        fires("calcio 14,5 en los resultados", "lab value: calcium 14.5 mg/dL (emergency at or above 14 mg/dL)");
        fires("Lithium level came back 2.9", "lab value: lithium 2.9 mmol/L (emergency above 2 mmol/L)");
        fires(
            "digoxin level 3.4, vomiting, HR 44",
            "lab value: digoxin 3.4 ng/mL (emergency above 2 ng/mL with symptoms)",
        );
        fires("hemoglobina 5,7, plaquetas 8", "lab value: platelets 8 ×10⁹/L (emergency below 10 ×10⁹/L)");
        fires(
            "My platelets were 15 on Monday. Nosebleed for 45 minutes that will not stop.",
            "lab value: platelets 15 ×10⁹/L (emergency below 20 ×10⁹/L with bleeding)",
        );
        fires(
            "Plaquetas 12.000/µL. Me sangran las encías desde la mañana",
            "lab value: platelets 12 ×10⁹/L (emergency below 20 ×10⁹/L with bleeding)",
        );
        fires(
            "Nadir labs today ANC 0.1 (1.5-8.0). Just took my temp: 38.3",
            "lab value: neutrophils 0.1 ×10⁹/L (emergency below 0.5 ×10⁹/L with fever)",
        );
        fires(
            "neutrófilos 300, fiebre de 38,5 desde anoche",
            "lab value: neutrophils 0.3 ×10⁹/L (emergency below 0.5 ×10⁹/L with fever)",
        );
        fires("lactato 4,4, leucocitos 22.000", "lab value: lactate 4.4 mmol/L (emergency at or above 4 mmol/L)");
        fires("lactic acid 5.1 at urgent care", "lab value: lactate 5.1 mmol/L (emergency at or above 4 mmol/L)");
    }

    #[test]
    fn values_dangerous_only_with_bleeding_or_fever_need_them() {
        quiet("platelets 15 on today's labs, no bleeding or bruising");
        quiet("plaquetas 18.000, sin sangrado");
        quiet("ANC 0.4 today, no fever, feeling fine");
        quiet("ANC 0.9 with a temp of 38.4");
        quiet("lactate 2.1, repeat was 1.4");
        quiet("neutrophils 62%");
    }

    #[test]
    fn normal_values_doses_and_other_peoples_results_stay_quiet() {
        quiet("sodium 138, potassium 4.2, creatinine 0.9, glucose 96");
        quiet("K 5.7 on my labs from yesterday. Feel normal.");
        quiet("sodium 129, a little more tired");
        quiet("Na 123 on the repeat, feel fine");
        quiet("Hemoglobin 8.4 on the labs, down from 10.1");
        quiet("hemoglobin a1c 7.9");
        quiet("platelets 48, a few small bruises");
        quiet("lithium 1.4, slight tremor");
        quiet("digoxin level 2.4, feel fine");
        // Doses and supplements.
        quiet("potassium 20 meq tablets twice a day");
        quiet("lithium 300 mg at night");
        quiet("calcium 600 with vitamin D");
        quiet("vitamin K 10 mg shot");
        quiet("lithium 3 times a day");
        // History, family, questions.
        quiet("My father had a potassium of 6.9 last year and ended up in the hospital.");
        quiet("mi abuela tuvo el sodio en 114 una vez");
        quiet("what if my potassium is 7?");
    }

    #[test]
    fn lab_reasons_read_back_as_codes() {
        let reason = "lab value: potassium 6.8 mmol/L (emergency at or above 6.5 mmol/L)";
        let code = crate::reason::ReasonCode::read(reason).expect("a code");
        assert_eq!(code.code, "lab-value-at-or-above");
        assert_eq!(
            (code.arg("what"), code.arg("value"), code.arg("threshold")),
            ("potassium", "6.8 mmol/L", "6.5 mmol/L")
        );
        let reason = "lab value: sodium 123 mmol/L (emergency below 125 mmol/L with symptoms)";
        assert_eq!(crate::reason::ReasonCode::read(reason).map(|c| c.code), Some("lab-value-low-with-symptoms"));
        assert_eq!(crate::reason::ReasonCode::read("lab value: potassium 6.8 (nonsense"), None);
    }
}
