//! End-to-end CLI tests as data: each `tests/cmd/*.toml` pins args, stdout, stderr and exit
//! status; a sibling `NAME.in/` directory is the working directory. `TRYCMD=overwrite cargo test
//! --test cli` rewrites expectations after a deliberate change; review the diff.

#[test]
fn cli_cases() {
    // An empty data directory: the embedded data, never a developer's own cache; and no
    // staleness warning as the embedded snapshot ages.
    let data_dir = tempfile::tempdir().unwrap();
    trycmd::TestCases::new()
        .env("SQUATGUARD_DATA_DIR", data_dir.path().display().to_string())
        .env("SQUATGUARD_MAX_DATA_AGE", "100000")
        // not a pull-request run, even when the tests run in one (empty is unset to squatguard)
        .env("GITHUB_BASE_REF", "")
        .case("tests/cmd/*.toml");
}
