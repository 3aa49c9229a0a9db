//! The command-line contract, run through the real binary.

use std::io::Write as _;
use std::process::{Child, Command, Output, Stdio};

/// Starts the binary with its standard streams piped.
fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_carethread"))
        .args(args)
        .env("CARETHREAD_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run carethread")
}

fn carethread(args: &[&str], stdin: &str) -> Output {
    let mut child = spawn(args);
    // A command that refuses its arguments exits without reading its input; its status and stderr tell.
    if let Err(e) = child.stdin.take().expect("stdin").write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
    }
    child.wait_with_output().expect("wait")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn users_are_added_listed_and_disabled_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("data/ct.db").display());
    let migrate = carethread(&["migrate", "--database-url", &url], "");
    assert!(migrate.status.success(), "{}", text(&migrate.stderr));

    let add = carethread(
        &[
            "user",
            "add",
            "--database-url",
            &url,
            "--username",
            "rn.new",
            "--display-name",
            "New Nurse",
            "--role",
            "nurse",
        ],
        "a long enough passphrase\n",
    );
    assert!(add.status.success(), "{}", text(&add.stderr));
    let short = carethread(
        &[
            "user",
            "add",
            "--database-url",
            &url,
            "--username",
            "rn.short",
            "--display-name",
            "Short",
            "--role",
            "nurse",
        ],
        "short\n",
    );
    assert!(!short.status.success(), "a short password is refused");
    let no_dob = carethread(
        &["user", "add", "--database-url", &url, "--username", "pt.x", "--display-name", "P", "--role", "patient"],
        "a long enough passphrase\n",
    );
    assert!(text(&no_dob.stderr).contains("date_of_birth"), "{}", text(&no_dob.stderr));

    let list = carethread(&["user", "list", "--database-url", &url], "");
    let listed = text(&list.stdout);
    assert!(listed.contains("rn.new") && listed.contains("nurse") && listed.contains("active"), "{listed}");
    assert!(!listed.contains("rn.short"));

    let disable = carethread(&["user", "disable", "--database-url", &url, "rn.new"], "");
    assert!(disable.status.success());
    assert!(text(&carethread(&["user", "list", "--database-url", &url], "").stdout).contains("disabled"));
    assert!(!carethread(&["user", "disable", "--database-url", &url, "nobody"], "").status.success());
}

#[test]
fn unknown_database_urls_are_refused_without_creating_anything() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("oops.db");
    let out = carethread(&["migrate", "--database-url", path.to_str().expect("utf-8 path")], "");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("unsupported database URL"), "{}", text(&out.stderr));
    assert!(!path.exists());
}

#[test]
fn config_example_prints_every_section() {
    let out = carethread(&["config", "example"], "");
    assert!(out.status.success());
    let example = text(&out.stdout);
    for key in ["[server]", "[database]", "[clinic]", "message_max_chars = 5000", "session_idle_minutes = 15"] {
        assert!(example.contains(key), "missing {key}");
    }
}

#[test]
fn triage_classify_reads_and_writes_json_lines() {
    let input = concat!(
        r#"{"id":"a","subject":"Refill","body":"Please refill my metformin"}"#,
        "\n",
        r#"{"id":7,"subject":"","body":"my chest feels tight and I can't breathe"}"#,
        "\n"
    );
    let out = carethread(&["triage", "classify"], input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> =
        text(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], "a");
    assert_eq!(lines[0]["category"], "medication");
    assert_eq!(lines[0]["pool"], "pharmacy-refills");
    assert_eq!(lines[1]["id"], 7);
    assert_eq!(lines[1]["urgency"], "emergency");
    for key in ["confidence", "needs_review", "reasons"] {
        assert!(lines[1].get(key).is_some(), "missing {key}");
    }
    assert!(lines[0].get("interpreter").is_none(), "English needs no interpreter");
}

#[test]
fn triage_classify_names_the_language_it_cannot_read() {
    let input = concat!(
        r#"{"id":"vi","subject":"Lịch hẹn","body":"Tôi bị đau bụng dữ dội từ tối hôm qua và không ăn uống được gì. Tôi có cần đến gặp bác sĩ không?"}"#,
        "\n"
    );
    let out = carethread(&["triage", "classify"], input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let row: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).expect("json line");
    assert_eq!(row["needs_review"], true, "{row}");
    assert!(row["interpreter"].as_str().is_some_and(|l| l.contains("Vietnamese")), "{row}");
}

#[test]
fn triage_eval_prints_scores_and_emergency_recall() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("labelled.jsonl");
    std::fs::write(
        &file,
        concat!(
            r#"{"id":1,"subject":"Refill","body":"Please refill my metformin","urgency":"routine","category":"medication"}"#,
            "\n",
            r#"{"id":2,"subject":"","body":"crushing chest pain right now","urgency":"emergency","category":"clinical"}"#,
            "\n"
        ),
    )
    .expect("write");
    let out = carethread(&["triage", "eval", file.to_str().expect("utf-8")], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    for needle in ["messages: 2", "emergency recall: 1.000", "under-triaged", "precision", "confusion", "macro-F1"] {
        assert!(report.contains(needle), "missing {needle} in:\n{report}");
    }
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"subject\":\"x\"}\n").expect("write");
    assert!(!carethread(&["triage", "eval", bad.to_str().expect("utf-8")], "").status.success());
}

#[test]
fn a_lexicon_edit_can_be_scored_before_it_is_built_in() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lexicon = dir.path().join("red_flags.txt");
    std::fs::write(&lexicon, "version 9.9.9-draft\n\n[flag: sky falling]\nsky ~2 falling\n\n[negation]\nno|not\n")
        .expect("write");
    let lexicon = lexicon.to_str().expect("utf-8");
    let input = concat!(
        r#"{"id":"a","subject":"","body":"the sky is falling on my house"}"#,
        "\n",
        r#"{"id":"b","subject":"","body":"the sky is not falling, just a question about my bill"}"#,
        "\n"
    );
    let out = carethread(&["triage", "classify", "--lexicon", lexicon], input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> =
        text(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
    assert_eq!(lines[0]["urgency"], "emergency", "{}", lines[0]);
    assert!(lines[0]["reasons"][0].as_str().is_some_and(|r| r.contains("sky falling")), "{}", lines[0]);
    assert!(lines[1]["reasons"].to_string().contains("not counted: sky falling (negated)"), "{}", lines[1]);

    // The built-in lexicon knows nothing of it.
    let plain = carethread(&["triage", "classify"], input);
    assert!(!text(&plain.stdout).contains("sky falling"));

    let file = dir.path().join("labelled.jsonl");
    std::fs::write(
        &file,
        r#"{"id":1,"subject":"","body":"the sky is falling","urgency":"emergency","category":"clinical"}"#,
    )
    .expect("write");
    let out = carethread(&["triage", "eval", "--rules-only", "--lexicon", lexicon, file.to_str().expect("utf-8")], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains("lexicon: 9.9.9-draft (from "), "{report}");
    assert!(report.contains("emergency recall: 1.000"), "{report}");

    // A malformed lexicon is refused with its line, before anything is read.
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "version 1\n[flag: x]\nfoo && \n").expect("write");
    let out = carethread(&["triage", "classify", "--lexicon", bad.to_str().expect("utf-8")], input);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("line 3"), "{}", text(&out.stderr));
}

#[test]
fn a_retrained_model_can_be_read_before_it_is_built_in() {
    let dir = tempfile::tempdir().expect("temp dir");
    let corpus = dir.path().join("corpus.jsonl");
    let mut lines = String::new();
    for n in 0..8 {
        for (body, category) in
            [("zorblax form for my employer", "administrative"), ("quelpify my appointment", "scheduling")]
        {
            let row = serde_json::json!({
                "id": format!("{category}-{n}"), "lang": "en", "subject": "", "body": format!("{body} {n}"),
                "urgency": "routine", "category": category,
            });
            lines.push_str(&row.to_string());
            lines.push('\n');
        }
    }
    std::fs::write(&corpus, lines).expect("write");
    let model = dir.path().join("small.model");
    let (corpus, model) = (corpus.to_str().expect("utf-8"), model.to_str().expect("utf-8"));
    let out = carethread(&["triage", "train", "--corpus", corpus, "--out", model], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("identical to the built-in model: no"), "{}", text(&out.stdout));

    let input = "{\"id\":\"a\",\"subject\":\"\",\"body\":\"quelpify\"}\n";
    let out = carethread(&["triage", "classify", "--model", model], input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let row: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).expect("json line");
    assert_eq!(row["category"], "scheduling", "{row}");
    assert!(row["reasons"].to_string().contains("quelpify"), "{row}");
    // The red-flag rules stay on whatever the model.
    let out =
        carethread(&["triage", "classify", "--model", model], "{\"id\":\"b\",\"body\":\"crushing chest pain now\"}\n");
    assert!(text(&out.stdout).contains("\"urgency\":\"emergency\""), "{}", text(&out.stdout));

    // A file that is not a model is refused, naming it.
    let out = carethread(&["triage", "classify", "--model", corpus], input);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("corpus.jsonl"), "{}", text(&out.stderr));
}

#[test]
fn training_on_the_frozen_test_split_or_near_copies_of_it_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = dir.path().join("never.model");
    let model = model.to_str().expect("utf-8");
    let test_split = concat!(env!("CARGO_MANIFEST_DIR"), "/../carethread-triage/corpus/test.jsonl");
    let out = carethread(&["triage", "train", "--corpus", test_split, "--out", model], "");
    assert!(!out.status.success(), "trained on the test split: {}", text(&out.stdout));
    assert!(text(&out.stderr).contains("frozen test split"), "{}", text(&out.stderr));
    assert!(!std::path::Path::new(model).exists(), "no model is written");

    // One test message with other case and punctuation, among training lines.
    let first: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(test_split).expect("read").lines().next().expect("a first line"))
            .expect("json");
    let reworded = serde_json::json!({
        "subject": first["subject"].as_str().unwrap_or_default().to_uppercase(),
        "body": format!("{}!!", first["body"].as_str().unwrap_or_default().to_lowercase()),
        "urgency": first["urgency"], "category": first["category"],
    });
    let train =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../carethread-triage/corpus/train.jsonl"))
            .expect("read");
    let corpus = dir.path().join("corpus.jsonl");
    std::fs::write(&corpus, format!("{}\n{reworded}\n", train.lines().take(50).collect::<Vec<_>>().join("\n")))
        .expect("write");
    let out = carethread(&["triage", "train", "--corpus", corpus.to_str().expect("utf-8"), "--out", model], "");
    assert!(!out.status.success(), "trained on a near copy: {}", text(&out.stdout));
    assert!(text(&out.stderr).contains("lines 51"), "{}", text(&out.stderr));
}

#[test]
fn audit_verify_passes_on_an_intact_log_and_names_the_first_altered_entry() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let data_arg = data.to_str().expect("utf-8 path");
    let url = format!("sqlite://{}", data.join("carethread.db").display());
    for name in ["rn.one", "rn.two", "rn.three"] {
        let add = carethread(
            &["user", "add", "--database-url", &url, "--username", name, "--display-name", "Nurse", "--role", "nurse"],
            "violet tram seventeen\n",
        );
        assert!(add.status.success(), "{}", text(&add.stderr));
    }
    // The master key was created beside the database, readable by its owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(data.join("master.key")).expect("master.key").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let intact = carethread(&["audit", "verify", "--data-dir", data_arg], "");
    assert!(intact.status.success(), "{}{}", text(&intact.stdout), text(&intact.stderr));
    assert!(text(&intact.stdout).contains("intact: 3 entries"), "{}", text(&intact.stdout));

    // Rotating keys (with a new master key) keeps everything readable and the chain intact.
    let new_key = dir.path().join("next.key");
    let rotate = carethread(
        &["keys", "rotate", "--data-dir", data_arg, "--new-master-key-file", new_key.to_str().expect("utf-8")],
        "",
    );
    assert!(rotate.status.success(), "{}", text(&rotate.stderr));
    assert!(text(&rotate.stdout).contains("data key 2 is now active"), "{}", text(&rotate.stdout));
    let old_key = carethread(&["audit", "verify", "--data-dir", data_arg], "");
    assert!(!old_key.status.success(), "the old master key no longer opens the database");
    std::fs::rename(&new_key, data.join("master.key")).expect("install the new key");
    let listed = carethread(&["audit", "verify", "--data-dir", data_arg], "");
    assert!(listed.status.success(), "{}", text(&listed.stderr));

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let pool = sqlx::SqlitePool::connect(&url).await.expect("connect");
        sqlx::query("DROP TRIGGER audit_log_no_delete").execute(&pool).await.expect("drop guard");
        sqlx::query("DELETE FROM audit_log WHERE seq = 2").execute(&pool).await.expect("remove an entry");
    });
    let broken = carethread(&["audit", "verify", "--data-dir", data_arg], "");
    assert!(!broken.status.success());
    let report = text(&broken.stdout);
    assert!(report.contains("entry 2 is missing"), "{report}");
}

#[test]
fn a_reader_that_stops_reading_ends_the_command_quietly() {
    // `carethread triage eval … | head -1`: the reader closes the pipe before the report is written.
    let mut child = spawn(&[
        "triage",
        "eval",
        "--rules-only",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../carethread-triage/corpus/test.jsonl"),
    ]);
    drop(child.stdin.take());
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A migrated data directory in `dir` with the demo clinic and a
/// conversation Alice started (written with the key the command made):
/// the directory, the thread, and Alice's id.
fn demo_with_a_thread(dir: &std::path::Path) -> (std::path::PathBuf, String, String) {
    let data = dir.join("data");
    let url = format!("sqlite://{}", data.join("carethread.db").display());
    let migrate = carethread(&["migrate", "--database-url", &url], "");
    assert!(migrate.status.success(), "{}", text(&migrate.stderr));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let (thread, alice) = runtime.block_on(async {
        let master = carethread_store::MasterKey::load_or_create(&data.join("master.key")).expect("key");
        let store = carethread_store::open(&url, master).await.expect("open");
        let clinic = carethread::demo::seed(&store, "demo", false).await.expect("seed");
        let app = carethread_app::App::new(store.clone(), carethread_core::clinic::ClinicSettings::default());
        let alice = carethread_app::Caller { user: clinic.user("patient.alice").expect("alice").clone(), client: None };
        let start = carethread_app::threads::StartThread {
            subject: "Knee pain".to_owned(),
            body: "My knee hurts on the stairs.".to_owned(),
            ..carethread_app::threads::StartThread::default()
        };
        let started = carethread_app::threads::start_thread(&app, &alice, start).await.expect("thread");
        (started.thread_id.to_string(), alice.user.id.to_string())
    });
    (data, thread, alice)
}

#[test]
fn visits_from_the_practices_schedule_are_imported_and_bad_lines_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (data, thread, _) = demo_with_a_thread(dir.path());
    let yesterday = (chrono::Utc::now() - chrono::TimeDelta::days(2)).date_naive();
    let file = dir.path().join("visits.csv");
    let csv = format!("thread_id,visited_on\n{thread},{yesterday}\n{thread},not-a-date\nnobody,{yesterday}\n");
    std::fs::write(&file, csv).expect("write csv");
    let data_arg = data.to_str().expect("utf-8 path");
    let file_arg = file.to_str().expect("utf-8 path");
    let imported = carethread(&["billing", "import-visits", "--data-dir", data_arg, "--file", file_arg], "");
    let out = text(&imported.stdout);
    assert!(!imported.status.success(), "a refused line makes the exit status 1: {out}");
    assert!(out.contains("1 visits imported, 2 lines refused"), "{out}");
    assert!(out.contains("line 3: visited_on must be a date") && out.contains("line 4: no such conversation"), "{out}");
    let good = format!("thread_id,visited_on\n{thread},{yesterday}\n");
    std::fs::write(&file, good).expect("write csv");
    let again = carethread(&["billing", "import-visits", "--data-dir", data_arg, "--file", file_arg], "");
    assert!(again.status.success(), "{}", text(&again.stdout));
    let missing = carethread(&["billing", "import-visits", "--data-dir", data_arg, "--file", "/nonexistent.csv"], "");
    assert!(!missing.status.success() && text(&missing.stderr).contains("nonexistent.csv"));
}

#[test]
fn a_patients_record_is_exported_as_she_downloads_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (data, _, alice) = demo_with_a_thread(dir.path());
    let data_arg = data.to_str().expect("utf-8 path");
    let html = carethread(&["export", "--data-dir", data_arg, "--patient", &alice], "");
    assert!(html.status.success(), "{}", text(&html.stderr));
    assert!(text(&html.stdout).contains("My knee hurts on the stairs."), "the document goes to standard output");
    let file = dir.path().join("alice.json");
    let file_arg = file.to_str().expect("utf-8 path");
    let fhir =
        carethread(&["export", "--data-dir", data_arg, "--patient", &alice, "--format", "fhir", "--out", file_arg], "");
    assert!(fhir.status.success(), "{}", text(&fhir.stderr));
    let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).expect("written")).expect("json");
    assert_eq!(bundle["type"], "collection");
    assert!(bundle.to_string().contains("My knee hurts on the stairs."));
    let nobody =
        carethread(&["export", "--data-dir", data_arg, "--patient", "0190b4d0-0000-7000-8000-000000000000"], "");
    assert!(!nobody.status.success() && text(&nobody.stderr).contains("no record to export"));
    let audit = carethread(&["audit", "verify", "--data-dir", data_arg], "");
    assert!(audit.status.success(), "each export is in an intact audit log: {}", text(&audit.stdout));
}

#[test]
fn a_clinics_people_are_imported_from_its_ehr_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let url = format!("sqlite://{}", data.join("carethread.db").display());
    let migrate = carethread(&["migrate", "--database-url", &url], "");
    assert!(migrate.status.success(), "{}", text(&migrate.stderr));
    let data_arg = data.to_str().expect("utf-8 path");
    let bundle = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/onboarding-bundle.json");
    let first = carethread(&["fhir", "import", "--data-dir", data_arg, bundle], "");
    assert!(first.status.success(), "{}{}", text(&first.stdout), text(&first.stderr));
    assert!(
        text(&first.stdout).contains("5 added, 0 brought up to date, 0 entries refused"),
        "{}",
        text(&first.stdout)
    );
    let again = carethread(&["fhir", "import", "--data-dir", data_arg, bundle], "");
    assert!(
        text(&again.stdout).contains("0 added, 4 brought up to date, 0 entries refused"),
        "{}",
        text(&again.stdout)
    );
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"resourceType": "Bundle", "type": "batch", "entry": [{"resource": {"resourceType": "Patient"}}]}"#,
    )
    .expect("write");
    let refused = carethread(&["fhir", "import", "--data-dir", data_arg, bad.to_str().expect("utf-8")], "");
    assert!(!refused.status.success() && text(&refused.stdout).contains("entry 0: entry[0].resource.identifier"));
    let audit = carethread(&["audit", "verify", "--data-dir", data_arg], "");
    assert!(audit.status.success(), "{}", text(&audit.stdout));
}
