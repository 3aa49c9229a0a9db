//! `carethread triage`: classifying, scoring, training and timing triage offline.

use std::io::{BufRead as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;

#[derive(Subcommand)]
pub(super) enum TriageAction {
    /// Read JSON Lines {"id","subject","body"} on stdin; write triage results as JSON Lines.
    Classify {
        /// Classify with another model file instead of the built-in one.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Check red flags against another lexicon file instead of the built-in one.
        #[arg(long)]
        lexicon: Option<PathBuf>,
    },
    /// Score triage against labelled JSON Lines (also carrying "urgency" and "category").
    Eval {
        file: PathBuf,
        /// Score the safety rules and keywords alone, as when a clinic switches the classifier off.
        #[arg(long)]
        rules_only: bool,
        /// Score another model file instead of the built-in one.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Check red flags against another lexicon file instead of the built-in one.
        #[arg(long)]
        lexicon: Option<PathBuf>,
    },
    /// Train the classifier from a labelled corpus; the built-in model is reproduced byte for byte.
    Train {
        #[arg(long, default_value = "crates/carethread-triage/corpus/train.jsonl")]
        corpus: PathBuf,
        #[arg(long, default_value = "crates/carethread-triage/model/triage.model")]
        out: PathBuf,
    },
    /// Time model loading and classification on one core; print throughput and latency percentiles.
    Bench {
        /// Labelled or unlabelled JSON Lines to classify (default: the built-in test split).
        file: Option<PathBuf>,
        /// Times over the messages.
        #[arg(long, default_value_t = 20)]
        rounds: usize,
    },
}

fn read_corpus(file: &std::path::Path) -> anyhow::Result<Vec<carethread_triage::Example>> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    carethread_triage::corpus::parse(&text).with_context(|| format!("reading {}", file.display()))
}

/// A triager with another model or lexicon file, or none when both are the built-in ones.
fn other_triager(
    model: Option<&std::path::Path>,
    lexicon: Option<&std::path::Path>,
) -> anyhow::Result<Option<carethread_triage::Triage>> {
    if model.is_none() && lexicon.is_none() {
        return Ok(None);
    }
    let model = match model {
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            carethread_triage::Model::load(&bytes).with_context(|| format!("loading {}", path.display()))?
        }
        None => carethread_triage::Triage::builtin().model().clone(),
    };
    let mut triage = carethread_triage::Triage::with_model(model);
    if let Some(path) = lexicon {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let parsed =
            carethread_triage::safety::Lexicon::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        triage = triage.with_lexicon(parsed);
    }
    Ok(Some(triage))
}

pub(super) fn triage_eval(
    file: &std::path::Path,
    rules_only: bool,
    model: Option<&std::path::Path>,
    lexicon: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let rows = carethread_triage::corpus::parse_rows(&text).with_context(|| format!("reading {}", file.display()))?;
    let other = other_triager(model, lexicon)?;
    let triage = other.as_ref().unwrap_or_else(|| carethread_triage::Triage::builtin());
    let routing = carethread_triage::RoutingRules::default();
    let mut judged = Vec::with_capacity(rows.len());
    for row in &rows {
        let e = &row.example;
        let t = triage.classify(&e.subject, &e.body, !rules_only, &routing);
        judged.push(carethread_triage::eval::Judged {
            expected_urgency: e.urgency,
            predicted_urgency: t.urgency,
            expected_category: e.category,
            predicted_category: t.category,
        });
    }
    if rules_only {
        say!("triage: safety rules and keywords only (classifier off)");
    } else {
        say!("triage: {} {}", carethread_triage::MODEL_ID, carethread_triage::MODEL_VERSION);
    }
    match lexicon {
        Some(path) => say!("lexicon: {} (from {})", triage.lexicon().version(), path.display()),
        None => say!("lexicon: {}", triage.lexicon().version()),
    }
    say_part!("{}", carethread_triage::eval::Evaluation::new(&judged).report());
    // The same figures per register (rows without one count as `patient`) and per language.
    let registers = groups(&rows, &judged, |row| row.register.to_owned());
    if registers.len() > 1 || rows.iter().any(|r| r.register != "patient") {
        say_part!("{}", carethread_triage::eval::groups_report("register", &registers));
    }
    say_part!(
        "{}",
        carethread_triage::eval::groups_report("language", &groups(&rows, &judged, |row| row.language.clone()))
    );
    Ok(ExitCode::SUCCESS)
}

/// The evaluation of each group of rows `key` names, in the order groups first appear
/// (registers in their catalogue order).
fn groups(
    rows: &[carethread_triage::corpus::LabelledRow],
    judged: &[carethread_triage::eval::Judged],
    key: impl Fn(&carethread_triage::corpus::LabelledRow) -> String,
) -> Vec<(String, carethread_triage::eval::Evaluation)> {
    let mut names: Vec<String> = Vec::new();
    for row in rows {
        let name = key(row);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let order =
        |name: &String| carethread_triage::corpus::REGISTERS.iter().position(|r| r == name).unwrap_or(usize::MAX);
    names.sort_by_key(|name| order(name));
    names
        .into_iter()
        .map(|name| {
            let part: Vec<_> = rows.iter().zip(judged).filter(|(row, _)| key(row) == name).map(|(_, j)| *j).collect();
            let evaluation = carethread_triage::eval::Evaluation::new(&part);
            (name, evaluation)
        })
        .collect()
}

pub(super) fn triage_train(corpus: &std::path::Path, out: &std::path::Path) -> anyhow::Result<ExitCode> {
    let examples = read_corpus(corpus)?;
    let frozen = carethread_triage::corpus::parse(carethread_triage::TEST_SPLIT)?;
    let copies = carethread_triage::corpus::near_duplicates(&examples, &frozen);
    if !copies.is_empty() {
        let mut lines: Vec<usize> = copies.iter().map(|(i, _)| i + 1).collect();
        lines.dedup();
        let shown: Vec<String> = lines.iter().take(20).map(ToString::to_string).collect();
        anyhow::bail!(
            "{} of {} training messages are the frozen test split's messages or near copies of them \
             (lines {}{}); a model trained on them would be scored on what it learned. Remove them and train again.",
            lines.len(),
            examples.len(),
            shown.join(", "),
            if lines.len() > shown.len() { ", …" } else { "" },
        );
    }
    let started = std::time::Instant::now();
    let trained = carethread_triage::model::train(&examples, &carethread_triage::TrainConfig::default());
    let bytes = trained.bytes;
    std::fs::write(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    let digest = format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(&bytes));
    say!(
        "trained on {} messages in {:.1} s; wrote {} ({} bytes, sha256 {digest})",
        examples.len(),
        started.elapsed().as_secs_f64(),
        out.display(),
        bytes.len(),
    );
    if let Some(c) = trained.calibration {
        say!(
            "emergency threshold {:.4} (cross-validated): catches {}/{} held-out emergencies read without their red flags; {}/{} other messages reach it",
            c.threshold,
            c.caught,
            c.emergencies,
            c.false_alarms,
            c.others
        );
        say!(
            "symptom gate: a message naming no symptom is the classifier's emergency only at {:.4} or above (1% of the {} held-out other messages naming none reach it); without the gate the same threshold would catch {}/{} and raise {}/{}",
            c.without_symptoms,
            c.naming_none,
            c.ungated.0,
            c.emergencies,
            c.ungated.1,
            c.others
        );
        say!("other thresholds the cross-validation could have chosen:");
        for p in &c.alternatives {
            say!(
                "  {:>4.1}% false alarms allowed: threshold {:.4}, catches {}/{}, {}/{} other messages reach it",
                p.allowed * 100.0,
                p.threshold,
                p.caught,
                c.emergencies,
                p.false_alarms,
                c.others
            );
        }
    }
    let same = bytes == carethread_triage::BUILTIN_MODEL;
    say!("identical to the built-in model: {}", if same { "yes" } else { "no (rebuild to ship it)" });
    Ok(ExitCode::SUCCESS)
}

pub(super) fn triage_bench(file: Option<&std::path::Path>, rounds: usize) -> anyhow::Result<ExitCode> {
    let examples = match file {
        Some(file) => read_corpus(file)?,
        None => carethread_triage::corpus::parse(carethread_triage::TEST_SPLIT)?,
    };
    anyhow::ensure!(!examples.is_empty(), "no messages to classify");
    let loads = 20;
    let started = std::time::Instant::now();
    for _ in 0..loads {
        std::hint::black_box(carethread_triage::Model::load(carethread_triage::BUILTIN_MODEL)?);
    }
    let load = started.elapsed() / loads;
    let triage = carethread_triage::Triage::builtin();
    let routing = carethread_triage::RoutingRules::default();
    let mut micros = Vec::with_capacity(examples.len() * rounds.max(1));
    let started = std::time::Instant::now();
    for _ in 0..rounds.max(1) {
        for e in &examples {
            let one = std::time::Instant::now();
            std::hint::black_box(triage.classify(&e.subject, &e.body, true, &routing));
            micros.push(one.elapsed().as_secs_f64() * 1e6);
        }
    }
    let total = started.elapsed().as_secs_f64();
    micros.sort_by(f64::total_cmp);
    let pct = |percent: usize| micros[(micros.len() - 1) * percent / 100];
    say!("model load: {:.1} ms ({} bytes)", load.as_secs_f64() * 1e3, carethread_triage::BUILTIN_MODEL.len());
    say!(
        "classify: {} messages on one thread, {:.0} messages/s; per message mean {:.1} µs, p50 {:.1} µs, p95 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        micros.len(),
        micros.len() as f64 / total,
        micros.iter().sum::<f64>() / micros.len() as f64,
        pct(50),
        pct(95),
        pct(99),
        micros[micros.len() - 1]
    );
    Ok(ExitCode::SUCCESS)
}

pub(super) fn triage_classify(
    model: Option<&std::path::Path>,
    lexicon: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    #[derive(serde::Deserialize)]
    struct Input {
        id: serde_json::Value,
        #[serde(default)]
        subject: String,
        #[serde(default)]
        body: String,
    }
    let other = other_triager(model, lexicon)?;
    let triage = other.as_ref().unwrap_or_else(|| carethread_triage::Triage::builtin());
    let routing = carethread_triage::RoutingRules::default();
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (n, line) in stdin.lock().lines().enumerate() {
        let line = line.context("reading standard input")?;
        if line.trim().is_empty() {
            continue;
        }
        let input: Input =
            serde_json::from_str(&line).with_context(|| format!("line {} is not a JSON object with an id", n + 1))?;
        let t = triage.classify(&input.subject, &input.body, true, &routing);
        let mut row = serde_json::json!({
            "id": input.id, "urgency": t.urgency, "category": t.category, "pool": t.pool,
            "confidence": t.confidence, "needs_review": t.needs_review, "reasons": t.reasons,
        });
        // The language a message is in when triage cannot read it (an interpreter is needed).
        if let (Some(language), Some(fields)) = (&t.interpreter, row.as_object_mut()) {
            fields.insert("interpreter".to_owned(), serde_json::Value::String(language.clone()));
        }
        writeln!(out, "{row}")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
