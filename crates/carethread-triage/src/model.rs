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
use crate::safety::Lexicon;
use crate::text::tokenize;

const MAGIC: &[u8; 8] = b"CTTRIAGE";
const FORMAT: u32 = 1;
/// Six category outputs, then three urgency outputs.
pub const OUTPUTS: usize = 9;
const CATEGORIES: usize = 6;

/// Identifies the classifier in stored triage results.
pub const MODEL_ID: &str = "carethread-triage";
/// Version of the classifier's features and training recipe.
pub const MODEL_VERSION: &str = "1.1.0";

/// How the classifier is trained.
#[derive(Debug, Clone, Copy)]
pub struct TrainConfig {
    pub epochs: usize,
    pub learning_rate: f64,
    pub l2: f64,
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self { epochs: 24, learning_rate: 1.0, l2: 1e-6, seed: 0x00C0_FFEE }
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
}

/// A loaded classifier.
#[derive(Debug, Clone)]
pub struct Model {
    /// `key=value` lines describing what the model was trained on.
    pub header: String,
    weights: Vec<f32>,
}

/// Reads the features of a message.
#[must_use]
pub fn features_of(subject: &str, body: &str) -> Features {
    let (subject, body) = (tokenize(subject), tokenize(body));
    let safety = Lexicon::builtin().check_message_tokens(&subject, &body);
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
        Ok(Self { header, weights })
    }

    /// One value of the header (`id`, `version`, `lexicon`, `corpus`, `examples`).
    #[must_use]
    pub fn header_value(&self, key: &str) -> Option<&str> {
        self.header.lines().find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
    }

    /// Classifies a message's features.
    #[must_use]
    pub fn predict(&self, features: &Features) -> Prediction {
        let mut logits = [0f64; OUTPUTS];
        for bucket in &features.buckets {
            let row = &self.weights[*bucket as usize * OUTPUTS..][..OUTPUTS];
            for (logit, w) in logits.iter_mut().zip(row) {
                *logit += f64::from(*w) * features.value;
            }
        }
        let categories = softmax(&logits[..CATEGORIES]);
        let urgencies = softmax(&logits[CATEGORIES..]);
        let (c, category_probability) = argmax(&categories);
        let (u, urgency_probability) = argmax(&urgencies);
        let mut contributions: Vec<(f32, &String)> = features
            .names
            .iter()
            .zip(&features.buckets)
            .map(|(name, bucket)| (self.weights[*bucket as usize * OUTPUTS + c], name))
            .filter(|(w, name)| *w > 0.0 && features::describe(name).is_some())
            .collect();
        contributions.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        Prediction {
            category: Category::ALL[c],
            category_probability,
            urgency: Urgency::ALL[u],
            urgency_probability,
            top_features: contributions.iter().take(3).filter_map(|(_, name)| features::describe(name)).collect(),
        }
    }
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
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn shuffle(order: &mut [usize], rng: &mut SplitMix) {
    for i in (1..order.len()).rev() {
        let j = usize::try_from(rng.next() % (i as u64 + 1)).unwrap_or(0);
        order.swap(i, j);
    }
}

/// Weight of each class in the loss: rarer classes count more (inverse square
/// root of their frequency), so urgent and emergency messages are not drowned
/// out by routine ones.
fn class_weights(labels: impl Iterator<Item = usize>, classes: usize) -> Vec<f64> {
    let mut counts = vec![0usize; classes];
    for l in labels {
        counts[l] += 1;
    }
    let total: usize = counts.iter().sum();
    counts.iter().map(|c| if *c == 0 { 0.0 } else { ((total as f64) / (classes as f64 * *c as f64)).sqrt() }).collect()
}

/// FNV-1a of the training text, so a model names the corpus it came from.
fn corpus_digest(examples: &[Example]) -> String {
    let mut text = String::new();
    for e in examples {
        let _ = writeln!(text, "{}\t{}\t{}\t{}", e.subject, e.body, e.urgency.as_str(), e.category.as_str());
    }
    format!("{:016x}", features::hash(&text))
}

/// Trains a model and returns its file bytes.
#[must_use]
pub fn train(examples: &[Example], config: &TrainConfig) -> Vec<u8> {
    let data: Vec<(Features, usize, usize)> = examples
        .iter()
        .map(|e| {
            let c = Category::ALL.iter().position(|c| *c == e.category).unwrap_or(CATEGORIES - 1);
            let u = Urgency::ALL.iter().position(|u| *u == e.urgency).unwrap_or(2);
            (features_of(&e.subject, &e.body), c, u)
        })
        .collect();
    let category_weights = class_weights(data.iter().map(|d| d.1), CATEGORIES);
    let urgency_weights = class_weights(data.iter().map(|d| d.2), OUTPUTS - CATEGORIES);
    let mut weights = vec![0f64; BUCKETS * OUTPUTS];
    let mut rng = SplitMix(config.seed);
    let mut order: Vec<usize> = (0..data.len()).collect();
    for epoch in 0..config.epochs {
        shuffle(&mut order, &mut rng);
        let rate = config.learning_rate / (1.0 + epoch as f64 * 0.25);
        for &i in &order {
            let (features, c, u) = &data[i];
            for (range, label, class_weight) in
                [(0..CATEGORIES, *c, &category_weights), (CATEGORIES..OUTPUTS, *u, &urgency_weights)]
            {
                let mut logits = vec![0f64; range.len()];
                for b in &features.buckets {
                    let row = *b as usize * OUTPUTS;
                    for (k, logit) in range.clone().zip(logits.iter_mut()) {
                        *logit += weights[row + k] * features.value;
                    }
                }
                let p = softmax(&logits);
                let scale = class_weight[label];
                for b in &features.buckets {
                    let row = *b as usize * OUTPUTS;
                    for (j, k) in range.clone().enumerate() {
                        let target = if j == label { 1.0 } else { 0.0 };
                        let w = &mut weights[row + k];
                        *w -= rate * ((p[j] - target) * scale * features.value + config.l2 * *w);
                    }
                }
            }
        }
    }
    let header = format!(
        "id={MODEL_ID}\nversion={MODEL_VERSION}\nlexicon={}\ncorpus={}\nexamples={}\nepochs={}\n",
        Lexicon::builtin().version(),
        corpus_digest(examples),
        examples.len(),
        config.epochs
    );
    write(&header, &weights)
}

fn write(header: &str, weights: &[f64]) -> Vec<u8> {
    let max = |range: std::ops::Range<usize>| {
        weights.chunks(OUTPUTS).flat_map(|row| row[range.clone()].iter()).fold(0f64, |m, w| m.max(w.abs()))
    };
    #[allow(clippy::cast_possible_truncation)]
    let scales = [(max(0..CATEGORIES) / 32767.0) as f32, (max(CATEGORIES..OUTPUTS) / 32767.0) as f32];
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(&u32::try_from(header.len()).unwrap_or(0).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(&scales[0].to_le_bytes());
    out.extend_from_slice(&scales[1].to_le_bytes());
    out.extend_from_slice(&u32::try_from(BUCKETS).unwrap_or(0).to_le_bytes());
    let mut entries = Vec::new();
    for (bucket, row) in weights.chunks(OUTPUTS).enumerate() {
        #[allow(clippy::cast_possible_truncation)]
        let q: Vec<i16> = row
            .iter()
            .enumerate()
            .map(|(k, w)| {
                let scale = f64::from(if k < CATEGORIES { scales[0] } else { scales[1] });
                if scale == 0.0 { 0 } else { (w / scale).round().clamp(-32767.0, 32767.0) as i16 }
            })
            .collect();
        if q.iter().any(|v| *v != 0) {
            entries.push((bucket, q));
        }
    }
    out.extend_from_slice(&u32::try_from(entries.len()).unwrap_or(0).to_le_bytes());
    for (bucket, q) in entries {
        out.extend_from_slice(&u32::try_from(bucket).unwrap_or(0).to_le_bytes());
        for v in q {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(body: &str, urgency: Urgency, category: Category) -> Example {
        Example { subject: String::new(), body: body.to_owned(), urgency, category }
    }

    fn tiny() -> Vec<Example> {
        let mut v = Vec::new();
        for i in 0..5 {
            v.push(example(&format!("please refill my lisinopril {i}"), Urgency::Routine, Category::Medication));
            v.push(example(
                &format!("can I move my appointment to friday {i}"),
                Urgency::Routine,
                Category::Scheduling,
            ));
            v.push(example(&format!("fever and cough getting worse {i}"), Urgency::Urgent, Category::Clinical));
            v.push(example(
                &format!("question about my bill and insurance {i}"),
                Urgency::Routine,
                Category::Administrative,
            ));
        }
        v
    }

    #[test]
    fn own_exp_matches_the_platform_closely() {
        for x in [0.0, -0.5, -1.0, -3.3, -20.0, -100.0] {
            let ours = exp_nonpositive(x);
            assert!((ours - x.exp()).abs() <= 1e-12 * x.exp().max(1e-300), "{x}: {ours} vs {}", x.exp());
        }
        assert!(exp_nonpositive(-1000.0).abs() < f64::MIN_POSITIVE);
    }

    #[test]
    fn training_is_deterministic_and_learns_the_tiny_corpus() {
        let config = TrainConfig { epochs: 10, ..TrainConfig::default() };
        let a = train(&tiny(), &config);
        let b = train(&tiny(), &config);
        assert_eq!(a, b);
        let model = Model::load(&a).expect("fresh model loads");
        assert_eq!(model.header_value("id"), Some(MODEL_ID));
        assert_eq!(model.header_value("examples"), Some("20"));
        let p = model.predict(&features_of("", "refill my lisinopril please"));
        assert_eq!(p.category, Category::Medication);
        assert!(p.top_features.iter().any(|f| f.contains("refill")), "{:?}", p.top_features);
        let p = model.predict(&features_of("", "my cough and fever are getting worse"));
        assert_eq!((p.category, p.urgency), (Category::Clinical, Urgency::Urgent));
    }

    #[test]
    fn damaged_files_are_refused() {
        let bytes = train(&tiny(), &TrainConfig { epochs: 2, ..TrainConfig::default() });
        assert_eq!(Model::load(b"nonsense").unwrap_err(), ModelError::NotAModel);
        assert_eq!(Model::load(&bytes[..bytes.len() - 1]).unwrap_err(), ModelError::Damaged);
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(Model::load(&longer).unwrap_err(), ModelError::Damaged);
        let mut other = bytes;
        other[8] = 9;
        assert_eq!(Model::load(&other).unwrap_err(), ModelError::Format(9));
    }
}
