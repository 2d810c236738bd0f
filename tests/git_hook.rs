//! The plain git hook in `hooks/pre-commit`, in a real repository with the real git.

use std::path::Path;
use std::process::{Command, Output};

fn git(dir: &Path, args: &[&str]) -> Output {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_squatguard"))
        .parent()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .env("NO_COLOR", "1")
        .output()
        .expect("git runs")
}

/// A fresh repository with the plain hook installed.
fn repo_with_hook() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    assert!(git(dir.path(), &["init", "-q"]).status.success());
    let hook = Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/pre-commit");
    std::fs::copy(&hook, dir.path().join(".git/hooks/pre-commit")).unwrap();
    dir
}

/// Commits what is staged, through the hook, and asserts that the hook let it through.
#[track_caller]
fn commit_passes(repo: &Path, message: &str) {
    let ok = git(repo, &["commit", "-q", "-m", message]);
    assert!(
        ok.status.success(),
        "{message}: {}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

/// Commits what is staged, through the hook, and asserts that the hook refused it: git's
/// stderr, where a hook's output goes.
#[track_caller]
fn commit_refused(repo: &Path, message: &str) -> String {
    let refused = git(repo, &["commit", "-q", "-m", message]);
    assert!(!refused.status.success(), "{message}: accepted");
    String::from_utf8_lossy(&refused.stderr).into_owned()
}

/// `squatguard check --staged` over the whole index; its stdout.
fn check_staged(repo: &Path, data_dir: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_squatguard"))
        .args(["check", "--staged", "--trust-config"])
        .current_dir(repo)
        .env("SQUATGUARD_DATA_DIR", data_dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_BASE_REF")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn hook_refuses_a_staged_typosquat_and_passes_a_clean_commit() {
    let dir = repo_with_hook();
    let repo = dir.path();

    // A clean manifest commits.
    std::fs::write(repo.join("requirements.txt"), "requests==2.31.0\n").unwrap();
    git(repo, &["add", "requirements.txt"]);
    commit_passes(repo, "clean");

    // A staged typosquat is refused, and the message names file, line and column.
    std::fs::write(
        repo.join("requirements.txt"),
        "requests==2.31.0\nreqeusts==2.31.0\n",
    )
    .unwrap();
    git(repo, &["add", "requirements.txt"]);
    let out = commit_refused(repo, "squat");
    assert!(
        out.contains("requirements.txt:2:1: error[typosquat]"),
        "{out}"
    );

    // What is checked is the staged content: fixing only the working tree does not help.
    std::fs::write(repo.join("requirements.txt"), "requests==2.31.0\n").unwrap();
    let still = git(repo, &["commit", "-q", "-m", "squat"]);
    assert!(
        !still.status.success(),
        "the staged typosquat must still be refused"
    );
    std::fs::write(repo.join("requirements.txt"), "requests==2.31.0\nflask\n").unwrap();
    git(repo, &["add", "requirements.txt"]);
    commit_passes(repo, "fixed");

    // A commit that touches no manifest passes while the staged manifests are clean.
    std::fs::write(repo.join("notes.md"), "reqeusts\n").unwrap();
    git(repo, &["add", "notes.md"]);
    assert!(git(repo, &["commit", "-q", "-m", "docs"]).status.success());
}

/// A file that a manifest includes can have any name: a commit that changes only `deps.txt`
/// (`-r deps.txt` in requirements.txt) is checked, and a typosquat added there is refused.
#[test]
fn hook_checks_a_commit_that_changes_only_an_included_file() {
    let dir = repo_with_hook();
    let repo = dir.path();
    std::fs::write(repo.join("requirements.txt"), "-r deps.txt\n").unwrap();
    std::fs::write(repo.join("deps.txt"), "requests==2.31.0\n").unwrap();
    git(repo, &["add", "requirements.txt", "deps.txt"]);
    commit_passes(repo, "clean");

    std::fs::write(
        repo.join("deps.txt"),
        "requests==2.31.0\nreqeusts==2.31.0\n",
    )
    .unwrap();
    git(repo, &["add", "deps.txt"]);
    let out = commit_refused(repo, "squat in an included file");
    assert!(out.contains("deps.txt:2:1: error[typosquat]"), "{out}");

    // and a file no manifest includes is not read as one
    std::fs::write(repo.join("deps.txt"), "requests==2.31.0\n").unwrap();
    std::fs::write(repo.join("words.txt"), "reqeusts\n").unwrap();
    git(repo, &["add", "deps.txt", "words.txt"]);
    commit_passes(repo, "unrelated text");
}

/// Fixtures of known-bad manifests (a test suite's) are excluded in the configuration: the hook
/// walks the staged tree, and `--force-exclude` applies `exclude` to named files too.
#[test]
fn hook_skips_what_the_configuration_excludes() {
    let dir = repo_with_hook();
    let repo = dir.path();
    std::fs::write(
        repo.join("squatguard.toml"),
        "exclude = [\"tests/fixtures/\"]\n",
    )
    .unwrap();
    std::fs::create_dir_all(repo.join("tests/fixtures")).unwrap();
    std::fs::write(
        repo.join("tests/fixtures/requirements.txt"),
        "reqeusts==2.31.0\n",
    )
    .unwrap();
    git(
        repo,
        &["add", "squatguard.toml", "tests/fixtures/requirements.txt"],
    );
    commit_passes(repo, "fixtures");

    // the same content outside the excluded directory is refused
    std::fs::write(repo.join("requirements.txt"), "reqeusts==2.31.0\n").unwrap();
    git(repo, &["add", "requirements.txt"]);
    let out = commit_refused(repo, "squat");
    // the excluded fixture is named as skipped, not judged
    assert!(
        out.contains("requirements.txt:1:1: error[typosquat]")
            && !out.contains("tests/fixtures/requirements.txt:")
            && out.contains("tests/fixtures/: excluded by `exclude` in `squatguard.toml`"),
        "{out}"
    );

    // a whole staged tree is walked with the same exclusions
    let data_dir = tempfile::tempdir().unwrap();
    let out = check_staged(repo, data_dir.path());
    assert!(
        out.contains("requirements.txt:1:1: error[typosquat]") && !out.contains("tests/fixtures"),
        "{out}"
    );
    // without the configuration, the fixture is found
    std::fs::write(repo.join("squatguard.toml"), "").unwrap();
    git(repo, &["add", "squatguard.toml"]);
    let out = check_staged(repo, data_dir.path());
    assert!(out.contains("tests/fixtures/requirements.txt:1:1"), "{out}");
}
