//! `scripts/eval` on a slice of the development set in `../shared`: the script runs, and the
//! engine stays within the targets it was tuned to. Fails under CI when the set is missing.

mod common;

use std::process::Command;

fn percent(table: &str, row: &str) -> f64 {
    let line = table
        .lines()
        .find(|l| l.contains(row))
        .unwrap_or_else(|| panic!("no `{row}` row:\n{table}"));
    let cell = line.split('|').nth(2).unwrap().trim();
    cell.split('%').next().unwrap().parse().unwrap()
}

#[test]
fn eval_script_on_a_slice() {
    // the files scripts/eval reads (it exits 77 without them, which is a failure here)
    let Some(shared) = common::shared_dir(&[
        "data/pypi-all-names.txt",
        "data/pypi-top-15000.tsv",
        "eval/typosquats-dev.tsv",
        "eval/legit-near-pairs.tsv",
    ]) else {
        return;
    };
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("python3")
        .arg(format!("{root}/scripts/eval"))
        .args(["--slice", "20", "--no-build", "--bin"])
        .arg(env!("CARGO_BIN_EXE_squatguard"))
        .arg("--shared")
        .arg(&shared)
        .output()
        .expect("python3 runs scripts/eval");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{table}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        percent(&table, "recall, distance 1, target >= 5 chars") >= 80.0,
        "{table}"
    );
    assert!(percent(&table, "alarms on the registry") <= 0.5, "{table}");
    let pairs = table
        .lines()
        .find(|l| l.contains("legit-near-pairs"))
        .unwrap();
    assert_eq!(pairs.split('|').nth(2).unwrap().trim(), "0", "{table}");
}
