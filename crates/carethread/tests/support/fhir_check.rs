//! Validates FHIR JSON with real FHIR tooling: Python's `fhir.resources`
//! 6.4 (the last release whose models are FHIR R4, 4.0.1; from 7.0 it has
//! R5 and R4B only), run on the files the tests received.

use std::process::Command;

use serde_json::Value;

/// Parses every file in the directory with the model of its `resourceType`;
/// prints one line per invalid resource and exits 1 if there was any.
const SCRIPT: &str = r#"
import json, pathlib, sys
import fhir.resources
from fhir.resources import get_fhir_model_class
assert fhir.resources.__fhir_version__ == '4.0.1', 'fhir.resources must be a release with R4 models (6.4)'
bad = []
files = sorted(pathlib.Path(sys.argv[1]).glob('*.json'))
for path in files:
    data = json.loads(path.read_text())
    try:
        get_fhir_model_class(data['resourceType']).parse_obj(data)
    except Exception as err:
        bad.append(f'{path.name} ({data.get("resourceType")}): {err}')
print(f'{len(files)} resources checked')
print('\n'.join(bad))
sys.exit(1 if bad else 0)
"#;

/// Writes each resource to a temporary directory and validates them all
/// with `python` (which must have `fhir.resources` 6.4); panics naming every
/// invalid one.
pub fn validate(python: &str, resources: &[Value]) {
    let dir = tempfile::tempdir().expect("temp dir");
    for (i, resource) in resources.iter().enumerate() {
        let bytes = serde_json::to_vec_pretty(resource).expect("json");
        std::fs::write(dir.path().join(format!("{i:04}.json")), bytes).expect("write resource");
    }
    let out = Command::new(python).arg("-c").arg(SCRIPT).arg(dir.path()).output().expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "fhir.resources refused resources:\n{stdout}\n{stderr}");
    assert!(stdout.contains(&format!("{} resources checked", resources.len())), "{stdout}\n{stderr}");
}
