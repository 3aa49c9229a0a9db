//! The category and urgency classifier: multinomial logistic regression over
//! hashed features, trained in-repo, stored as a small binary file.
//!
//! Training is deterministic: the same corpus gives the same bytes on every
//! run (a fixed shuffle seed, a fixed feature order, and an `exp` of our own
//! rather than the platform's). Weights are stored quantised to 16 bits, and
//! only buckets that carry weight are written.

use std::fmt::Write as _;

use carethread_core::thread::{Category, Urgency};

use crate::features::{self, BUCKETS, Features};
use crate::safety::{Lexicon, SafetyCheck};
use crate::text::tokenize;

const MAGIC: &[u8; 8] = b"CTTRIAGE";
const FORMAT: u32 = 1;
/// Six category outputs, then three urgency outputs.
pub const OUTPUTS: usize = 9;
const CATEGORIES: usize = 6;

/// Identifies the classifier in stored triage results.
pub const MODEL_ID: &str = "carethread-triage";
/// Version of the classifier's features and training recipe.
pub const MODEL_VERSION: &str = "1.11.1";

/// How the classifier is trained.
#[derive(Debug, Clone, Copy)]
pub struct TrainConfig {
    pub epochs: usize,
    pub learning_rate: f64,
    pub l2: f64,
    pub seed: u64,
    /// Cross-validation folds for choosing the emergency threshold (0: keep the plain argmax).
    pub folds: usize,
    /// Share of held-out messages that are not emergencies the emergency
    /// threshold may call emergencies. The red-flag lexicon catches only
    /// 61 – 80% of emergencies phrased in ways it has not seen (measured on
    /// each new corpus batch before its patterns were written), so the
    /// classifier must catch about 19 in 20 of the rest for emergency recall to
    /// stay near 0.98 on new phrasing: at 5% it caught 91% in cross-validation,
    /// at 10% 95% (see docs/triage.md for what the extra false alarms cost).
    /// With the symptom gate (since model 1.10.0) 8% catches more held-out
    /// emergencies (96%) than 10% did without it.
    pub emergency_false_alarms: f64,
    /// Share of held-out messages that name no symptom and are not
    /// emergencies that the classifier may still call emergencies: the
    /// symptom gate lets only its surest calls through.
    pub confident_without_symptoms: f64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 24,
            learning_rate: 1.0,
            l2: 1e-6,
            seed: 0x00C0_FFEE,
            folds: 5,
            emergency_false_alarms: 0.08,
            confident_without_symptoms: 0.01,
        }
    }
}

/// A labelled message.
#[derive(Debug, Clone)]
pub struct Example {
    pub subject: String,
    pub body: String,
    pub urgency: Urgency,
    pub category: Category,
}

/// A model file that could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ModelError {
    #[error("not a CareThread triage model")]
    NotAModel,
    #[error("triage model format {0} is not supported")]
    Format(u32),
    #[error("the triage model file is truncated or damaged")]
    Damaged,
}

/// The classifier's answer for one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub category: Category,
    pub category_probability: f64,
    pub urgency: Urgency,
    pub urgency_probability: f64,
    /// Readable features that pushed hardest toward the predicted category.
    pub top_features: Vec<String>,
    /// Readable features that pushed hardest toward the predicted urgency.
    pub urgency_features: Vec<String>,
}

/// A loaded classifier.
#[derive(Debug, Clone)]
pub struct Model {
    /// `key=value` lines describing what the model was trained on.
    pub header: String,
    weights: Vec<f32>,
    /// Emergency when the emergency probability reaches this, even if another urgency is likelier.
    emergency_threshold: Option<f64>,
    /// The emergency probability a message naming no symptom must reach (the symptom gate).
    without_symptoms: Option<f64>,
}

/// Reads the features of a message.
#[must_use]
pub fn features_of(subject_text: &str, body_text: &str) -> Features {
    let (subject, body) = (tokenize(subject_text), tokenize(body_text));
    // The red flags as triage finds them, clinical shorthand read as its words.
    let safety = Lexicon::builtin().check_message(subject_text, body_text);
    features::extract(&subject, &body, &safety)
}

impl Model {
    /// Loads a model from the bytes `train` wrote.
    pub fn load(bytes: &[u8]) -> Result<Self, ModelError> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(8)? != MAGIC {
            return Err(ModelError::NotAModel);
        }
        let format = r.u32()?;
        if format != FORMAT {
            return Err(ModelError::Format(format));
        }
        let header_len = r.u32()? as usize;
        let header = std::str::from_utf8(r.take(header_len)?).map_err(|_| ModelError::Damaged)?.to_owned();
        let scales = [r.f32()?, r.f32()?];
        if r.u32()? as usize != BUCKETS {
            return Err(ModelError::Damaged);
        }
        let entries = r.u32()? as usize;
        let mut weights = vec![0f32; BUCKETS * OUTPUTS];
        for _ in 0..entries {
            let bucket = r.u32()? as usize;
            if bucket >= BUCKETS {
                return Err(ModelError::Damaged);
            }
            for k in 0..OUTPUTS {
                let scale = if k < CATEGORIES { scales[0] } else { scales[1] };
                weights[bucket * OUTPUTS + k] = f32::from(r.i16()?) * scale;
            }
        }
        if r.at != bytes.len() {
            return Err(ModelError::Damaged);
        }
        let emergency_threshold = header_value(&header, "emergency_threshold")
            .map(|v| v.parse::<f64>().ok().filter(|t| (0.0..=1.0).contains(t)).ok_or(ModelError::Damaged))
            .transpose()?;
        let without_symptoms = header_value(&header, "emergency_threshold_without_symptoms")
            .map(|v| v.parse::<f64>().ok().filter(|t| (0.0..=1.0).contains(t)).ok_or(ModelError::Damaged))
            .transpose()?;
        Ok(Self { header, weights, emergency_threshold, without_symptoms })
    }

    /// One value of the header (`id`, `version`, `lexicon`, `corpus`, `examples`).
    #[must_use]
    pub fn header_value(&self, key: &str) -> Option<&str> {
        header_value(&self.header, key)
    }

    /// The emergency probability at which the classifier calls a message an
    /// emergency (chosen by cross-validation when the model was trained), if any.
    #[must_use]
    pub fn emergency_threshold(&self) -> Option<f64> {
        self.emergency_threshold
    }

    /// The emergency probability a message with no symptom content must reach
    /// for the classifier to call it an emergency on its own (chosen by
    /// cross-validation); `None` for a model trained without the symptom gate.
    #[must_use]
    pub fn emergency_threshold_without_symptoms(&self) -> Option<f64> {
        self.without_symptoms
    }

    /// Classifies a message's features.
    #[must_use]
    pub fn predict(&self, features: &Features) -> Prediction {
        let mut logits = [0f64; OUTPUTS];
        add_logits(&self.weights, features, 0..OUTPUTS, &mut logits);
        let categories = softmax(&logits[..CATEGORIES]);
        let urgencies = softmax(&logits[CATEGORIES..]);
        let (c, category_probability) = argmax(&categories);
        let (mut u, mut urgency_probability) = argmax(&urgencies);
        if self.emergency_threshold.is_some_and(|t| urgencies[0] >= t) {
            (u, urgency_probability) = (0, urgencies[0]);
        }
        Prediction {
            category: Category::ALL[c],
            category_probability,
            urgency: Urgency::ALL[u],
            urgency_probability,
            top_features: self.top_features(features, c),
            urgency_features: self.top_features(features, CATEGORIES + u),
        }
    }

    /// The readable features that pushed hardest toward `output`, at most three.
    fn top_features(&self, features: &Features, output: usize) -> Vec<String> {
        let mut contributions: Vec<(f32, &String)> = features
            .names
            .iter()
            .zip(&features.buckets)
            .map(|(name, bucket)| (self.weights[*bucket as usize * OUTPUTS + output], name))
            .filter(|(w, _)| *w > 0.0)
            .collect();
        let stronger = |a: &(f32, &String), b: &(f32, &String)| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1));
        // Described strongest first, until three say something: the strongest
        // are picked one at a time, since the first few nearly always do.
        let mut described = Vec::with_capacity(3);
        let mut rest = contributions.as_mut_slice();
        while described.len() < 3 && !rest.is_empty() {
            let strongest = rest.iter().enumerate().min_by(|a, b| stronger(a.1, b.1)).map_or(0, |(i, _)| i);
            rest.swap(0, strongest);
            if let Some(text) = features::describe(rest[0].1) {
                described.push(text);
            }
            rest = &mut rest[1..];
        }
        described
    }
}

fn header_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    header.lines().find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        let slice = self.bytes.get(self.at..self.at + n).ok_or(ModelError::Damaged)?;
        self.at += n;
        Ok(slice)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], ModelError> {
        self.take(N)?.try_into().map_err(|_| ModelError::Damaged)
    }
    fn u32(&mut self) -> Result<u32, ModelError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn f32(&mut self) -> Result<f32, ModelError> {
        Ok(f32::from_le_bytes(self.array()?))
    }
    fn i16(&mut self) -> Result<i16, ModelError> {
        Ok(i16::from_le_bytes(self.array()?))
    }
}

fn argmax(p: &[f64]) -> (usize, f64) {
    p.iter().enumerate().fold((0, f64::MIN), |best, (i, v)| if *v > best.1 { (i, *v) } else { best })
}

/// `e^x` for `x <= 0`, computed the same way on every platform.
fn exp_nonpositive(x: f64) -> f64 {
    if x < -700.0 {
        return 0.0;
    }
    let k = (x / std::f64::consts::LN_2).round();
    let r = x - k * std::f64::consts::LN_2;
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 1..=14 {
        term *= r / f64::from(n);
        sum += term;
    }
    // x >= -700, so k is in -1010..=0 and 2^k is a normal number, built exactly.
    #[allow(clippy::cast_possible_truncation)]
    let biased = (k as i64 + 1023).clamp(1, 2046);
    sum * f64::from_bits(u64::try_from(biased).unwrap_or(1) << 52)
}

fn softmax(logits: &[f64]) -> Vec<f64> {
    let max = logits.iter().copied().fold(f64::MIN, f64::max);
    let exps: Vec<f64> = logits.iter().map(|z| exp_nonpositive(z - max)).collect();
    let sum: f64 = exps.iter().sum();
    exps.iter().map(|e| e / sum).collect()
}

/// splitmix64: a tiny deterministic generator for the training shuffle.
fn add_logits<W: Copy + Into<f64>>(
    weights: &[W],
    features: &Features,
    outputs: std::ops::Range<usize>,
    logits: &mut [f64],
) {
    for b in &features.buckets {
        let row = &weights[*b as usize * OUTPUTS..][outputs.clone()];
        for (logit, w) in logits.iter_mut().zip(row) {
            *logit += (*w).into() * features.value;
        }
    }
}

/// The emergency probability a model with `weights` gives a message.
fn emergency_probability(weights: &[f64], features: &Features) -> f64 {
    let mut logits = [0f64; OUTPUTS - CATEGORIES];
    add_logits(weights, features, CATEGORIES..OUTPUTS, &mut logits);
    softmax(&logits)[0]
}

/// How the emergency threshold was chosen: cross-validation on the training
/// split, each fold's messages read by a model trained on the other folds.
mod train;

pub use train::{Calibration, OperatingPoint, Trained, train};

#[cfg(test)]
mod tests;
