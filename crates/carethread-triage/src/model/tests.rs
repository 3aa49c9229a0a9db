//! The classifier's training and file format.

use super::train::REPORTED_SHARES;
use super::*;

fn example(body: &str, urgency: Urgency, category: Category) -> Example {
    Example { subject: String::new(), body: body.to_owned(), urgency, category }
}

fn tiny() -> Vec<Example> {
    let mut v = Vec::new();
    for i in 0..5 {
        v.push(example(&format!("please refill my lisinopril {i}"), Urgency::Routine, Category::Medication));
        v.push(example(&format!("can I move my appointment to friday {i}"), Urgency::Routine, Category::Scheduling));
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
