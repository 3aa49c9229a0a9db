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
pub const MODEL_VERSION: &str = "1.7.1";

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
    pub emergency_false_alarms: f64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self { epochs: 24, learning_rate: 1.0, l2: 1e-6, seed: 0x00C0_FFEE, folds: 5, emergency_false_alarms: 0.10 }
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
    /// Emergency when the emergency probability reaches this, even if another urgency is likelier.
    emergency_threshold: Option<f64>,
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
        let emergency_threshold = header_value(&header, "emergency_threshold")
            .map(|v| v.parse::<f64>().ok().filter(|t| (0.0..=1.0).contains(t)).ok_or(ModelError::Damaged))
            .transpose()?;
        Ok(Self { header, weights, emergency_threshold })
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

/// One training message as the classifier sees it: its features, and its
/// category and urgency as output indices.
struct Labelled {
    features: Features,
    /// For an emergency: its features as if the red-flag lexicon knew none of its words.
    unflagged: Option<Features>,
    category: usize,
    urgency: usize,
}

fn labelled(examples: &[Example]) -> Vec<Labelled> {
    examples
        .iter()
        .map(|e| {
            let (subject, body) = (tokenize(&e.subject), tokenize(&e.body));
            let safety = Lexicon::builtin().check_message_tokens(&subject, &body);
            Labelled {
                features: features::extract(&subject, &body, &safety),
                unflagged: (e.urgency == Urgency::Emergency)
                    .then(|| features::extract(&subject, &body, &SafetyCheck::default())),
                category: Category::ALL.iter().position(|c| *c == e.category).unwrap_or(CATEGORIES - 1),
                urgency: Urgency::ALL.iter().position(|u| *u == e.urgency).unwrap_or(2),
            }
        })
        .collect()
}

/// Plain SGD over both heads; the same data and config give the same weights.
/// Each emergency also trains the urgency head once more without its red-flag
/// features.
fn fit(data: &[&Labelled], config: &TrainConfig) -> Vec<f64> {
    let category_weights = class_weights(data.iter().map(|d| d.category), CATEGORIES);
    let urgency_weights = class_weights(data.iter().map(|d| d.urgency), OUTPUTS - CATEGORIES);
    let mut weights = vec![0f64; BUCKETS * OUTPUTS];
    let mut rng = SplitMix(config.seed);
    let mut order: Vec<usize> = (0..data.len()).collect();
    for epoch in 0..config.epochs {
        shuffle(&mut order, &mut rng);
        let rate = config.learning_rate / (1.0 + epoch as f64 * 0.25);
        for &i in &order {
            let Labelled { features, unflagged, category, urgency } = data[i];
            let category_step = (features, 0..CATEGORIES, *category, &category_weights);
            let urgency_step = (features, CATEGORIES..OUTPUTS, *urgency, &urgency_weights);
            // An emergency is learned a second time from its words alone, so
            // the classifier also knows emergencies the lexicon has no pattern for.
            let unflagged_step = unflagged.as_ref().map(|u| (u, CATEGORIES..OUTPUTS, *urgency, &urgency_weights));
            for (features, range, label, class_weight) in
                [category_step, urgency_step].into_iter().chain(unflagged_step)
            {
                let mut logits = vec![0f64; range.len()];
                add_logits(&weights, features, range.clone(), &mut logits);
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
    weights
}

/// Adds a message's logits for `outputs` to `logits`, from weights laid out
/// as one row of [`OUTPUTS`] per bucket (quantised in a loaded model, full
/// precision in training).
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
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// The classifier calls a message an emergency when its emergency probability reaches this.
    pub threshold: f64,
    /// Held-out emergencies, read without their red-flag features (as if the lexicon missed them).
    pub emergencies: usize,
    /// How many of those reach the threshold.
    pub caught: usize,
    /// Held-out messages that are not emergencies.
    pub others: usize,
    /// How many of those reach the threshold (false alarms).
    pub false_alarms: usize,
    /// Other thresholds the same cross-validation could have chosen, one per
    /// share of false alarms allowed, for whoever weighs missed emergencies
    /// against false alarms.
    pub alternatives: Vec<OperatingPoint>,
}

/// One threshold the cross-validation could have chosen, and what it catches.
#[derive(Debug, Clone, PartialEq)]
pub struct OperatingPoint {
    /// Share of held-out messages that are not emergencies allowed to reach it.
    pub allowed: f64,
    pub threshold: f64,
    pub caught: usize,
    pub false_alarms: usize,
}

/// Shares of false alarms `triage train` reports operating points for.
const REPORTED_SHARES: [f64; 4] = [0.05, 0.08, 0.10, 0.15];

/// The lowest threshold (at most 0.5) that no more than `share` of `others`
/// (sorted, highest first) reach, rounded up to what the model file keeps.
fn threshold_for(share: f64, emergencies: &[f64], others: &[f64]) -> OperatingPoint {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let allowed = (share * others.len() as f64).floor() as usize;
    // Just above the first message past the allowance.
    let threshold = others.get(allowed).map_or(0.0, |p| ((p * 1e6).floor() + 1.0) / 1e6).min(0.5);
    OperatingPoint {
        allowed: share,
        threshold,
        caught: emergencies.iter().filter(|p| **p >= threshold).count(),
        false_alarms: others.iter().filter(|p| **p >= threshold).count(),
    }
}

/// Chooses the emergency threshold: the lowest (at most 0.5) that, in
/// cross-validation, no more than `config.emergency_false_alarms` of the
/// held-out messages that are not emergencies reach.
fn calibrate(data: &[Labelled], config: &TrainConfig) -> Option<Calibration> {
    let folds = config.folds.max(2);
    let mut emergencies = Vec::new();
    let mut others = Vec::new();
    for fold in 0..folds {
        let rest: Vec<&Labelled> = data.iter().enumerate().filter(|(i, _)| i % folds != fold).map(|(_, d)| d).collect();
        let weights = fit(&rest, config);
        for d in data.iter().skip(fold).step_by(folds) {
            match &d.unflagged {
                Some(unflagged) => emergencies.push(emergency_probability(&weights, unflagged)),
                None => others.push(emergency_probability(&weights, &d.features)),
            }
        }
    }
    if emergencies.is_empty() || others.is_empty() {
        return None;
    }
    others.sort_by(|a, b| b.total_cmp(a));
    let chosen = threshold_for(config.emergency_false_alarms, &emergencies, &others);
    Some(Calibration {
        threshold: chosen.threshold,
        emergencies: emergencies.len(),
        caught: chosen.caught,
        others: others.len(),
        false_alarms: chosen.false_alarms,
        alternatives: REPORTED_SHARES.iter().map(|share| threshold_for(*share, &emergencies, &others)).collect(),
    })
}

/// A trained model.
#[derive(Debug, Clone)]
pub struct Trained {
    /// The model file.
    pub bytes: Vec<u8>,
    /// How its emergency threshold was chosen (none when `folds` is 0).
    pub calibration: Option<Calibration>,
}

/// Trains a model: the emergency threshold by cross-validation, then the
/// weights on every example.
#[must_use]
pub fn train(examples: &[Example], config: &TrainConfig) -> Trained {
    let data = labelled(examples);
    let calibration = if config.folds > 0 { calibrate(&data, config) } else { None };
    let weights = fit(&data.iter().collect::<Vec<_>>(), config);
    let mut header = format!(
        "id={MODEL_ID}\nversion={MODEL_VERSION}\nlexicon={}\nconcepts={}\ncorpus={}\nexamples={}\nepochs={}\n",
        Lexicon::builtin().version(),
        features::concepts_version(),
        corpus_digest(examples),
        examples.len(),
        config.epochs
    );
    if let Some(c) = &calibration {
        let _ = writeln!(header, "emergency_threshold={:.6}", c.threshold);
    }
    Trained { bytes: write(&header, &weights), calibration }
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
        let config = TrainConfig { epochs: 10, folds: 0, ..TrainConfig::default() };
        let a = train(&tiny(), &config).bytes;
        let b = train(&tiny(), &config).bytes;
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

    /// The tiny corpus with a few emergencies, some of them in words the lexicon has no pattern for.
    fn with_emergencies() -> Vec<Example> {
        let mut v = tiny();
        for (i, body) in [
            "crushing pressure in my chest and sweating",
            "my chest is tight and my left arm is numb",
            "he collapsed and is not waking up",
            "she went grey and slumped over at the table",
            "his lips are turning blue and he is gasping",
            "she slumped over grey and is gasping for air",
        ]
        .iter()
        .enumerate()
        {
            v.push(example(&format!("{body} {i}"), Urgency::Emergency, Category::Clinical));
        }
        v
    }

    #[test]
    fn the_emergency_threshold_is_cross_validated_and_kept_in_the_file() {
        let config = TrainConfig { epochs: 10, folds: 3, ..TrainConfig::default() };
        let trained = train(&with_emergencies(), &config);
        let c = trained.calibration.expect("a corpus with emergencies is calibrated");
        assert_eq!((c.emergencies, c.others), (6, 20));
        assert!(c.threshold > 0.0 && c.threshold <= 0.5, "{c:?}");
        assert!(c.false_alarms <= 2, "a 10% allowance of 20 messages is two: {c:?}");
        // The other thresholds it could have chosen: more false alarms allowed, a lower threshold, no fewer caught.
        assert_eq!(c.alternatives.len(), REPORTED_SHARES.len());
        for pair in c.alternatives.windows(2) {
            assert!(pair[1].threshold <= pair[0].threshold && pair[1].caught >= pair[0].caught, "{c:?}");
        }
        let same = c.alternatives.iter().find(|p| (p.allowed - config.emergency_false_alarms).abs() < 1e-9);
        assert_eq!(same.map(|p| (p.threshold, p.caught)), Some((c.threshold, c.caught)), "{c:?}");
        let model = Model::load(&trained.bytes).expect("loads");
        let kept = model.emergency_threshold().expect("the threshold is in the file");
        assert!((kept - c.threshold).abs() < 1e-9, "{kept} vs {c:?}");
        assert_eq!(train(&with_emergencies(), &config).bytes, trained.bytes, "deterministic");
        let p = model.predict(&features_of("", "refill my lisinopril please"));
        assert_eq!(p.urgency, Urgency::Routine);
    }

    #[test]
    fn emergencies_reaching_the_threshold_are_emergencies() {
        let trained = train(&with_emergencies(), &TrainConfig { epochs: 10, folds: 0, ..TrainConfig::default() });
        assert!(trained.calibration.is_none());
        let plain = Model::load(&trained.bytes).expect("loads");
        assert_eq!(plain.emergency_threshold(), None);
        let features = features_of("", "slumped over and gasping, fever getting worse");
        let p = plain.predict(&features);
        // The same weights with a threshold at or below the emergency probability call it an emergency.
        let mut strict = plain.clone();
        strict.emergency_threshold = Some(0.0);
        let raised = strict.predict(&features);
        assert_eq!(raised.urgency, Urgency::Emergency);
        assert!(raised.urgency_probability <= 1.0 && raised.category == p.category);
        strict.emergency_threshold = Some(1.0);
        assert_eq!(strict.predict(&features).urgency, p.urgency, "a threshold out of reach changes nothing");
    }

    #[test]
    fn an_unreadable_threshold_is_refused() {
        let bytes = train(&tiny(), &TrainConfig { epochs: 2, folds: 0, ..TrainConfig::default() }).bytes;
        let header = "id=carethread-triage\n";
        let at = bytes.windows(header.len()).position(|w| w == header.as_bytes()).expect("header");
        for bad in ["emergency_threshold=x\n", "emergency_threshold=2.5\n"] {
            let mut other = bytes[..at].to_vec();
            let len_at = at - 4;
            let old_len = u32::from_le_bytes(bytes[len_at..at].try_into().expect("4 bytes")) as usize;
            other.truncate(len_at);
            other.extend_from_slice(&u32::try_from(old_len + bad.len()).expect("small").to_le_bytes());
            other.extend_from_slice(&bytes[at..at + old_len]);
            other.extend_from_slice(bad.as_bytes());
            other.extend_from_slice(&bytes[at + old_len..]);
            assert_eq!(Model::load(&other).unwrap_err(), ModelError::Damaged, "{bad}");
        }
    }

    #[test]
    fn damaged_files_are_refused() {
        let bytes = train(&tiny(), &TrainConfig { epochs: 2, folds: 0, ..TrainConfig::default() }).bytes;
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
