//! Training the classifier: a deterministic shuffle, class-weighted
//! stochastic gradient descent, the cross-validated emergency threshold, and
//! the file the model is written to.

use super::*;

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
    /// Whether it has symptom content (for an emergency: without the lexicon's red flags).
    symptoms: bool,
    category: usize,
    urgency: usize,
}

fn labelled(examples: &[Example]) -> Vec<Labelled> {
    examples
        .iter()
        .map(|e| {
            let (subject, body) = (tokenize(&e.subject), tokenize(&e.body));
            let safety = Lexicon::builtin().check_message(&e.subject, &e.body);
            Labelled {
                features: features::extract(&subject, &body, &safety),
                unflagged: (e.urgency == Urgency::Emergency)
                    .then(|| features::extract(&subject, &body, &SafetyCheck::default())),
                symptoms: crate::symptoms::named_in(
                    Lexicon::builtin(),
                    &e.subject,
                    &e.body,
                    e.urgency != Urgency::Emergency,
                ),
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
            let Labelled { features, unflagged, category, urgency, .. } = data[i];
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
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// The classifier calls a message an emergency when its emergency probability reaches this.
    pub threshold: f64,
    /// ... and, when the message names no symptom, this.
    pub without_symptoms: f64,
    /// Held-out other messages that name no symptom.
    pub naming_none: usize,
    /// What the chosen threshold would catch and raise without the symptom gate.
    pub ungated: (usize, usize),
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
pub(super) const REPORTED_SHARES: [f64; 6] = [0.05, 0.06, 0.07, 0.08, 0.10, 0.15];

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
    // (emergency probability, symptom content) of each held-out message.
    let mut emergencies: Vec<(f64, bool)> = Vec::new();
    let mut others: Vec<(f64, bool)> = Vec::new();
    for fold in 0..folds {
        let rest: Vec<&Labelled> = data.iter().enumerate().filter(|(i, _)| i % folds != fold).map(|(_, d)| d).collect();
        let weights = fit(&rest, config);
        for d in data.iter().skip(fold).step_by(folds) {
            match &d.unflagged {
                Some(unflagged) => emergencies.push((emergency_probability(&weights, unflagged), d.symptoms)),
                None => others.push((emergency_probability(&weights, &d.features), d.symptoms)),
            }
        }
    }
    if emergencies.is_empty() || others.is_empty() {
        return None;
    }
    // The symptom gate: a message naming no symptom is an emergency only at a
    // probability that no more than `config.confident_without_symptoms` of
    // the held-out other messages naming none reach. Below it, it can reach
    // no threshold at all.
    let mut plain: Vec<f64> = others.iter().filter(|(_, symptoms)| !symptoms).map(|(p, _)| *p).collect();
    plain.sort_by(|a, b| b.total_cmp(a));
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let allowed = (config.confident_without_symptoms * plain.len() as f64).floor() as usize;
    let without_symptoms = plain.get(allowed).map_or(0.0, |p| ((p * 1e6).floor() + 1.0) / 1e6).min(1.0);
    let gated = |(p, symptoms): &(f64, bool)| if *symptoms || *p >= without_symptoms { *p } else { 0.0 };
    let reaching = |list: &[(f64, bool)], t: f64| list.iter().filter(|(p, _)| *p >= t).count();
    let gated_emergencies: Vec<f64> = emergencies.iter().map(gated).collect();
    let mut gated_others: Vec<f64> = others.iter().map(gated).collect();
    gated_others.sort_by(|a, b| b.total_cmp(a));
    let chosen = threshold_for(config.emergency_false_alarms, &gated_emergencies, &gated_others);
    Some(Calibration {
        without_symptoms,
        naming_none: plain.len(),
        ungated: (reaching(&emergencies, chosen.threshold), reaching(&others, chosen.threshold)),
        threshold: chosen.threshold,
        emergencies: emergencies.len(),
        caught: chosen.caught,
        others: others.len(),
        false_alarms: chosen.false_alarms,
        alternatives: REPORTED_SHARES
            .iter()
            .map(|share| threshold_for(*share, &gated_emergencies, &gated_others))
            .collect(),
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
        let _ = writeln!(header, "emergency_threshold_without_symptoms={:.6}", c.without_symptoms);
        let _ = writeln!(header, "symptoms={}", crate::symptoms::version());
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
