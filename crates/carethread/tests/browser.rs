//! The web portal in Debian's Chromium: runs every `tests/browser/*.test.mjs`
//! (playwright-core and axe-core from npm, `harness.mjs` shared) against the real binary's demo
//! clinic when `CARETHREAD_TEST_BROWSER` is set. `.ci/run` installs Chromium
//! and the npm packages and sets it; without it the test is reported as ignored.

use std::path::Path;
use std::process::Command;

#[carethread_test_services::needs(browser)]
#[test]
fn the_portal_works_in_a_real_browser() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files: Vec<String> = std::fs::read_dir(root.join("tests/browser"))
        .expect("tests/browser is readable")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".test.mjs"))
        .map(|name| format!("tests/browser/{name}"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no browser test files found");
    let out = Command::new("node")
        .args(["--test", "--test-concurrency=1"])
        .args(&files)
        .current_dir(&root)
        .env("CARETHREAD_BIN", env!("CARGO_BIN_EXE_carethread"))
        .output()
        .expect("node runs");
    let report = String::from_utf8_lossy(&out.stdout);
    println!("{report}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "browser tests failed:\n{report}");
    // A browser test that skipped itself did not run: say so rather than pass.
    // The summary lines: `# skipped 0` (TAP, when piped) or `ℹ skipped 0`.
    for line in report.lines().map(|l| l.trim_start_matches(['#', 'ℹ', ' '])) {
        if let Some(count) = line.strip_prefix("skipped ").or_else(|| line.strip_prefix("todo ")) {
            assert_eq!(count.trim(), "0", "browser tests were skipped or left to do:\n{report}");
        }
    }
}
