//! `--format sarif` in a real git repository: valid against the SARIF 2.1.0 JSON schema, with
//! what GitHub code scanning requires beyond it checked field by field, URIs relative to the
//! repository root, and fingerprints stable across runs.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn sarif(dir: &Path, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_squatguard"))
        .args(["check", "--format", "sarif"])
        .args(args)
        .current_dir(dir)
        .env("SQUATGUARD_MAX_DATA_AGE", "100000")
        .env("SQUATGUARD_DATA_DIR", dir.join(".no-cache"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    serde_json::from_slice(&out.stdout).expect("SARIF is JSON")
}

/// Validates against the SARIF 2.1.0 schema shipped in `tests/sarif/` (see its LICENSE.md).
fn assert_schema_valid(log: &Value) {
    let schema: Value =
        serde_json::from_str(include_str!("sarif/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}",
        errors.join("\n")
    );
}

fn str_at<'a>(v: &'a Value, path: &str) -> &'a str {
    v.pointer(path)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("missing string at {path}: {v:#}"))
}

#[test]
fn sarif_log_has_what_code_scanning_requires() {
    let repo = tempfile::tempdir().unwrap();
    assert!(Command::new("git")
        .args(["init", "-q"])
        .current_dir(repo.path())
        .status()
        .unwrap()
        .success());
    let sub = repo.path().join("svc");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("requirements.txt"), "flask\nreqeusts==2.31.0\n").unwrap();
    let log = sarif(&sub, &[]);
    assert_schema_valid(&log);
    // the validator does reject what is not SARIF
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = Value::String("fatal".into());
    let schema: Value =
        serde_json::from_str(include_str!("sarif/sarif-schema-2.1.0.json")).unwrap();
    assert!(!jsonschema::validator_for(&schema)
        .unwrap()
        .is_valid(&broken));

    assert_eq!(str_at(&log, "/version"), "2.1.0");
    assert!(str_at(&log, "/$schema").contains("sarif-2.1.0"));
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(str_at(run, "/tool/driver/name"), "squatguard");
    assert_eq!(str_at(run, "/columnKind"), "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| str_at(r, "/id")).collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "one descriptor per rule");
    for r in rules {
        assert!(!str_at(r, "/shortDescription/text").is_empty());
        assert!(!str_at(r, "/help/text").is_empty());
        assert!(["error", "warning", "note"].contains(&str_at(r, "/defaultConfiguration/level")));
    }
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for res in results {
        let id = str_at(res, "/ruleId");
        let index = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(ids[index], id, "ruleIndex points at the rule");
        assert!(["error", "warning", "note", "none"].contains(&str_at(res, "/level")));
        assert!(!str_at(res, "/message/text").is_empty());
        let loc = &res["locations"][0]["physicalLocation"];
        assert_eq!(
            str_at(loc, "/artifactLocation/uri"),
            "svc/requirements.txt",
            "relative to the repository root"
        );
        assert_eq!(loc["region"]["startLine"], 2);
        assert_eq!(loc["region"]["startColumn"], 1);
        assert_eq!(loc["region"]["endColumn"], 9);
        let fp = res["partialFingerprints"].as_object().unwrap();
        assert!(
            !fp.is_empty()
                && fp
                    .values()
                    .all(|v| v.as_str().is_some_and(|s| s.len() == 16))
        );
    }
    // Fingerprints do not move when unrelated lines are added above.
    let before: Vec<Value> = results
        .iter()
        .map(|r| r["partialFingerprints"].clone())
        .collect();
    std::fs::write(
        sub.join("requirements.txt"),
        "# pinned\nclick\nflask\nreqeusts==2.31.0\n",
    )
    .unwrap();
    let after = sarif(&sub, &[]);
    assert_schema_valid(&after);
    let after: Vec<Value> = after["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["partialFingerprints"].clone())
        .collect();
    assert_eq!(before, after);
}
