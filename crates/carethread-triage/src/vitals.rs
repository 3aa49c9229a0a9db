//! Numbers that are the emergency: vital signs and home readings written
//! with their units in English or Spanish ("BP 82/50", "sats 86%",
//! "104.5F", "glucosa 38 mg/dL", "INR 7.2", "gained 5 lbs in 2 days", "my
//! 6 week old has 100.6"), read against adult and paediatric emergency
//! thresholds. A reading past a threshold becomes a reason staff read, with
//! the number and the threshold, and makes the message an emergency.
//!
//! Readings are kept from firing by the red-flag lexicon's own scopes
//! (negation, past history, family history, questions and hypotheticals:
//! "last year my BP was 80/50", "my father had 220/130 before his stroke",
//! "what if my sugar is 45?"): each reading is swapped for a marker word and
//! the lexicon's scope rules say whether the marker is live.
//!
//! Pure: no I/O, no clock.

use std::fmt::Write as _;
use std::sync::OnceLock;

use crate::safety::{Lexicon, Suppression};
use crate::text::Token;

/// The red-flag lexicon, read here for its scope sections only.
const RED_FLAGS: &str = include_str!("../data/red_flags.txt");

// Adult thresholds.
/// Systolic below this with symptoms is hypotension needing emergency care
/// (SBP < 90 mmHg: the shock/hypotension cut-off of ATLS and Sepsis-3).
pub const SYSTOLIC_LOW: f64 = 90.0;
/// Systolic above this with symptoms of organ damage is a hypertensive
/// emergency (ACC/AHA 2017: > 180/120 with symptoms, call 911).
pub const SYSTOLIC_HIGH: f64 = 180.0;
/// Diastolic above this with symptoms is a hypertensive emergency (ACC/AHA 2017).
pub const DIASTOLIC_HIGH: f64 = 120.0;
/// At or above 180/120 on both numbers is the hypertensive-crisis range of
/// the AHA home-reading chart, an emergency in a message answered later.
pub const CRISIS: (f64, f64) = (180.0, 120.0);
/// Adult heart rate below this is severe bradycardia (ACLS: < 40/min with
/// poor perfusion; a home reading this low needs care now).
pub const HEART_RATE_LOW: f64 = 40.0;
/// Adult heart rate above this is a tachycardia emergency (NEWS2 scores
/// ≥ 131/min as 3, its highest band).
pub const HEART_RATE_HIGH: f64 = 130.0;
/// `SpO2` below this is hypoxaemia (BTS guideline target 94–98 %, NEWS2
/// highest band ≤ 91 %; < 90 % is the usual call-911 line on home oximetry).
pub const SPO2_LOW: f64 = 90.0;
/// Adult temperature at or above this (°C) is hyperpyrexia range (≥ 40 °C / 104 °F).
pub const TEMPERATURE_HIGH_C: f64 = 40.0;
/// Fever in an infant under 3 months (AAP 2021 febrile infant guideline:
/// ≥ 38.0 °C / 100.4 °F in the first 90 days needs same-day emergency evaluation).
pub const INFANT_FEVER_C: f64 = 38.0;
/// Days of age under which the infant fever threshold applies (3 months).
pub const INFANT_DAYS: f64 = 90.0;
/// Adult respiratory rate below this is an emergency (NEWS2 scores ≤ 8/min
/// as 3, its highest band; slow breathing is the sign of opioid overdose).
pub const RESPIRATORY_RATE_LOW: f64 = 9.0;
/// Temperature below this (°C; 95 °F) is hypothermia (NEWS2 scores ≤ 35.0 °C
/// as 3; the usual definition of hypothermia is a core temperature < 35 °C).
pub const TEMPERATURE_LOW_C: f64 = 35.0;
/// Adult respiratory rate above this (NEWS2 highest band ≥ 25; > 30/min is
/// the usual emergency line of nurse telephone triage protocols).
pub const RESPIRATORY_RATE_HIGH: f64 = 30.0;
/// Glucose below this (mg/dL) is level 2 hypoglycaemia (ADA Standards of Care:
/// < 54 mg/dL, 3.0 mmol/L).
pub const GLUCOSE_LOW_MG_DL: f64 = 54.0;
/// Glucose above this (mg/dL) with symptoms suggests DKA or a hyperosmolar
/// state (ADA: > 400 mg/dL with vomiting, confusion or fast breathing).
pub const GLUCOSE_HIGH_MG_DL: f64 = 400.0;
/// mg/dL per mmol/L of glucose.
pub const MG_DL_PER_MMOL_L: f64 = 18.0;
/// INR above this with bleeding needs emergency reversal (CHEST 2012 / ACC
/// 2020 warfarin reversal guidance).
pub const INR_BLEEDING: f64 = 5.0;
/// INR above this alone needs same-day reversal (CHEST 2012: INR > 9).
pub const INR_ALONE: f64 = 9.0;
/// Heart-failure weight gain in one day (pounds), and in a week (AHA/HFSA
/// action plans: 2–3 lb in a day or 5 lb in a week).
pub const HF_GAIN_DAY_LB: f64 = 2.0;
/// Heart-failure weight gain in a week (pounds).
pub const HF_GAIN_WEEK_LB: f64 = 5.0;
/// Heart-failure weight gain in one day (kilograms; the action plans' metric form).
pub const HF_GAIN_DAY_KG: f64 = 1.0;
/// Heart-failure weight gain in a week (kilograms).
pub const HF_GAIN_WEEK_KG: f64 = 2.0;

/// What the vital-sign reader found in one text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VitalsCheck {
    /// Readings past an emergency threshold, as reasons staff read
    /// (`vital sign: SpO2 86% (emergency below 90%)`).
    pub alarms: Vec<String>,
    /// Readings past a threshold that the scope rules did not count.
    pub suppressed: Vec<(String, Suppression)>,
}

impl VitalsCheck {
    #[must_use]
    pub fn is_emergency(&self) -> bool {
        !self.alarms.is_empty()
    }
}

/// A reading past a threshold, before its scope is checked.
#[derive(Debug, Clone)]
struct Hit {
    /// Tokens of the reading (label to number), end exclusive.
    tokens: (usize, usize),
    reason: String,
    needs: Needs,
}

/// What else the message must say for a hit to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needs {
    Nothing,
    Symptoms,
    Bleeding,
    Fever,
    HeartFailure,
}

mod context;
mod labs;
mod read;

pub use labs::{
    CALCIUM_HIGH_MG_DL, DIGOXIN_HIGH, HEMOGLOBIN_LOW, LACTATE_HIGH, LITHIUM_HIGH, NEUTROPHILS_LOW_WITH_FEVER,
    PLATELETS_LOW, PLATELETS_LOW_WITH_BLEEDING, POTASSIUM_HIGH, POTASSIUM_LOW, SODIUM_HIGH, SODIUM_LOW,
    SODIUM_LOW_WITH_SYMPTOMS, reason_code as lab_reason_code,
};

/// Checks a text (already tokenised as `tokens`) for readings past an
/// emergency threshold.
#[must_use]
pub fn check(text: &str, tokens: &[Token]) -> VitalsCheck {
    let mut hits = read::hits(text, tokens);
    hits.extend(labs::hits(tokens));
    if hits.is_empty() {
        return VitalsCheck::default();
    }
    let mut out = VitalsCheck::default();
    for batch in hits.chunks(MARKERS.len()) {
        let marked = marked_tokens(tokens, batch);
        let scope = scope_lexicon().check_tokens(&marked);
        let live = |family: &str| scope.flags.iter().any(|f| f.family == family);
        for (i, hit) in batch.iter().enumerate() {
            let family = format!("reading {i}");
            let context = match hit.needs {
                Needs::Nothing => true,
                Needs::Symptoms => live("symptom"),
                Needs::Bleeding => live("bleeding"),
                Needs::Fever => live("fever"),
                Needs::HeartFailure => live("heart failure"),
            };
            if !context {
                continue;
            }
            if live(&family) {
                out.alarms.push(hit.reason.clone());
            } else if let Some((_, why)) = scope.suppressed.iter().find(|(f, _)| *f == family) {
                out.suppressed.push((hit.reason.clone(), *why));
            }
        }
    }
    out
}

/// Checks a message's subject and body, each with its tokens. A reading
/// named in both counts once.
#[must_use]
pub fn check_message(subject: (&str, &[Token]), body: (&str, &[Token])) -> VitalsCheck {
    let mut out = check(body.0, body.1);
    let topic = check(subject.0, subject.1);
    for alarm in topic.alarms {
        if !out.alarms.contains(&alarm) {
            out.alarms.push(alarm);
        }
    }
    out.suppressed.extend(topic.suppressed.into_iter().filter(|(r, _)| !out.alarms.contains(r)));
    out
}

/// Marker words that stand in for readings while the scopes are checked.
const MARKERS: [&str; 8] =
    ["ctvitala", "ctvitalb", "ctvitalc", "ctvitald", "ctvitale", "ctvitalf", "ctvitalg", "ctvitalh"];

/// `tokens` with each hit's tokens replaced by one marker word.
fn marked_tokens(tokens: &[Token], hits: &[Hit]) -> Vec<Token> {
    let mut marked = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if let Some((k, hit)) = hits.iter().enumerate().find(|(_, h)| h.tokens.0 == i) {
            let first = &tokens[i];
            marked.push(Token { text: MARKERS[k].to_owned(), ..first.clone() });
            i = hit.tokens.1.max(i + 1);
            continue;
        }
        if hits.iter().any(|h| i > h.tokens.0 && i < h.tokens.1) {
            i += 1;
            continue;
        }
        marked.push(tokens[i].clone());
        i += 1;
    }
    marked
}

/// The built-in lexicon's scope sections, with the markers and the
/// symptoms, bleeding and heart-failure context as its only red flags.
fn scope_lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let mut text = String::new();
        let mut in_flag = false;
        for line in RED_FLAGS.lines() {
            if let Some(name) = line.trim().strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                in_flag = name.trim().starts_with("flag:");
            }
            if !in_flag {
                text.push_str(line);
                text.push('\n');
            }
        }
        for (i, marker) in MARKERS.iter().enumerate() {
            let _ = write!(text, "[flag: reading {i}]\n={marker}\n");
        }
        text.push_str(CONTEXT);
        match Lexicon::parse(&text) {
            Ok(lexicon) => lexicon,
            Err(e) => panic!("the vital-sign scope lexicon is invalid: {e}"),
        }
    })
}

/// Symptoms that make a blood pressure or glucose reading an emergency,
/// bleeding that makes a high INR one, and heart failure for weight gain.
const CONTEXT: &str = "\
[flag: symptom]
dizzy|dizziness|lightheaded|faint|fainted|fainting|confused|confusion|weak|weakness|sweaty|sweating|clammy|shaky|shaking
(light headed)|(chest pain)|(chest pressure)|(short of breath)|(cant breathe)|breathless|headache|(blurry vision)|(blurred vision)
numb|numbness|(slurred speech)|vomiting|vomit|vomited|(throwing up)|nosebleed|drowsy|lethargic|(not making sense)|pale|(passed out)
mareado|mareada|mareo|desmayo|desmayado|desmayada|confundido|confundida|debil|sudando|sudor|tembloroso|temblorosa|temblando
(dolor de pecho)|(falta el aire)|(dolor de cabeza)|(vision borrosa)|(veo borroso)|vomitando|vomito|adormilado|adormilada|entumido|entumida
diaphoretic|diaphoresis|syncope|syncopal|presyncope|presyncopal|ams|altered|obtunded|unresponsive|sob|dyspnea|dyspneic
tachypneic|hypoxic|(c o cp)|(c o chest pain)|(c o sob)|(mental status)
seizure|seizures|seized|convulsion|convulsiones|convulsiono|palpitations|palpitaciones|tingly|tingling|hormiguean
somnolent|somnolienta|somnoliento|disoriented|desorientada|desorientado|aletargado|aletargada|mottled|(hard to wake)
(barely responding)|(not responding)|(no responde)|(yellow halos)|(todo amarillo)|(heart feels skippy)|(late raro)
[flag: bleeding]
bleeding|bleed|bleeds|blood|bruising|bruises|nosebleed|(black stool)|(black stools)|sangrado|sangrando|sangre|moretones|sangra
sangran|sangraron|sangro|sangraba|petechiae|petequias|(puntitos rojos)|hemorragia
[flag: fever]
fever|feverish|febrile|fiebre|calentura|febril|chills|rigors|escalofrios|escalofrio
(temp|temperature|temperatura|=t) ~3 #38-43
(temp|temperature|temperatura|=t) ~3 #100.4-108
#38-43 ~1 (c|degrees|grados)
#100.4-108 ~1 (f|degrees|grados)
[flag: heart failure]
(heart failure)|chf|hf|(insuficiencia cardiaca)|lasix|furosemide|furosemida|torsemide|bumex|bumetanide|(water pill)|diuretic
diuretico|swelling|swollen|edema|hinchado|hinchada|hinchados|hinchadas|hinchazon|(short of breath)|(falta el aire)|fluid|liquidos
icc|ccf|ortopnea|orthopnea|crepitantes|crackles|(insuficiencia cardiaca congestiva)
";

#[cfg(test)]
mod tests;
