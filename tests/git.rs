//! `--staged` and `--since` in real repositories made with git2.

use git2::{IndexAddOption, Repository, Signature};
use std::path::Path;
use std::process::Command;

fn commit_all(repo: &Repository, message: &str) {
    let mut index = repo.index().unwrap();
    index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
    index.update_all(["*"], None).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::now("t", "t@example.invalid").unwrap();
    let parents: Vec<git2::Commit> = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .into_iter()
        .collect();
    let parents: Vec<&git2::Commit> = parents.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .unwrap();
}

fn stage(repo: &Repository, path: &str) {
    let mut index = repo.index().unwrap();
    index.add_path(Path::new(path)).unwrap();
    index.write().unwrap();
}

/// Runs `squatguard check --select typosquat ARGS` in `dir`; returns (status, flagged packages).
fn squats(dir: &Path, args: &[&str]) -> (i32, Vec<String>) {
    let out = run_check(dir, args);
    let code = out.status.code().unwrap();
    if code == 2 {
        return (
            code,
            vec![String::from_utf8_lossy(&out.stderr).into_owned()],
        );
    }
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["file"].as_str().unwrap(),
                f["package"].as_str().unwrap()
            )
        })
        .collect();
    (code, names)
}

#[test]
fn staged_versions_are_checked_not_the_working_tree() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    std::fs::create_dir(dir.path().join("svc")).unwrap();
    std::fs::write(dir.path().join("svc/base.txt"), "flask\n").unwrap();
    std::fs::write(
        dir.path().join("svc/requirements.txt"),
        "-r base.txt\nrequests\n",
    )
    .unwrap();
    commit_all(&repo, "init");
    // stage a squat in the include, then fix the working tree only
    std::fs::write(dir.path().join("svc/base.txt"), "flask\ncolourama\n").unwrap();
    stage(&repo, "svc/base.txt");
    std::fs::write(dir.path().join("svc/base.txt"), "flask\n").unwrap();
    assert_eq!(squats(dir.path(), &[]), (0, vec![]));
    assert_eq!(
        squats(dir.path(), &["--staged"]),
        (1, vec!["svc/base.txt:colourama".to_owned()])
    );
    // explicit paths, relative to a subdirectory, follow the staged include
    let sub = dir.path().join("svc");
    assert_eq!(
        squats(&sub, &["--staged", "requirements.txt"]),
        (1, vec!["base.txt:colourama".to_owned()])
    );
    let (code, err) = squats(&sub, &["--staged", "unstaged.txt"]);
    assert_eq!(code, 2);
    assert!(
        err[0].contains("`unstaged.txt` is not in the git index"),
        "{err:?}"
    );
}

#[test]
fn since_reports_only_new_dependencies() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    std::fs::write(dir.path().join("requirements.txt"), "colourama\nrequests\n").unwrap();
    std::fs::write(dir.path().join("old-requirements.txt"), "pythondateutil\n").unwrap();
    std::fs::write(dir.path().join("gone-requirements.txt"), "reqeusts\n").unwrap();
    commit_all(&repo, "base");
    let base = repo.head().unwrap().peel_to_commit().unwrap();
    repo.branch("main-base", &base, true).unwrap();

    // a branch adds one squat (one no malicious-package report names, which would be judged
    // known-malicious first), renames a manifest (its old squat stays old), deletes another
    std::fs::write(
        dir.path().join("requirements.txt"),
        "colourama\nrequests\ndjnago\n",
    )
    .unwrap();
    std::fs::rename(
        dir.path().join("old-requirements.txt"),
        dir.path().join("renamed-requirements.txt"),
    )
    .unwrap();
    std::fs::remove_file(dir.path().join("gone-requirements.txt")).unwrap();
    commit_all(&repo, "branch");

    let (code, all) = squats(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(all.len(), 3, "{all:?}");
    assert_eq!(
        squats(dir.path(), &["--since", "main-base"]),
        (1, vec!["requirements.txt:djnago".to_owned()])
    );
    // a changed line counts as new
    std::fs::write(
        dir.path().join("requirements.txt"),
        "colourama==1.0\nrequests\ndjnago\n",
    )
    .unwrap();
    let (_, changed) = squats(dir.path(), &["--since", "main-base"]);
    assert_eq!(
        changed,
        ["requirements.txt:colourama", "requirements.txt:djnago"]
    );
    // nothing new: clean
    assert_eq!(
        squats(dir.path(), &["--since", "HEAD", "renamed-requirements.txt"]),
        (0, vec![])
    );
    let (code, err) = squats(dir.path(), &["--since", "no-such-branch"]);
    assert_eq!(code, 2);
    assert!(
        err[0].contains("revision `no-such-branch` is not in this repository"),
        "{err:?}"
    );
}

/// A staged symbolic link is checked as the staged content of what it points to; one that
/// leads out of the repository is reported, not followed.
#[cfg(unix)]
#[test]
fn staged_symbolic_links_are_followed_inside_the_repository() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let repo = Repository::init(root).unwrap();
    std::fs::create_dir_all(root.join("shared")).unwrap();
    std::fs::write(root.join("shared/deps.dat"), "colourama==0.4.6\n").unwrap();
    symlink("shared/deps.dat", root.join("requirements.txt")).unwrap();
    symlink("../../etc/hostname", root.join("requirements-dev.txt")).unwrap();
    // not a manifest: copied only in case something includes it, never reported
    symlink("../../etc/hostname", root.join("notes.txt")).unwrap();
    for p in [
        "shared/deps.dat",
        "requirements.txt",
        "requirements-dev.txt",
        "notes.txt",
    ] {
        stage(&repo, p);
    }
    // the working tree's target changes after staging: the staged content counts
    std::fs::write(root.join("shared/deps.dat"), "flask\n").unwrap();
    let (status, flagged) = squats(root, &["--staged"]);
    assert_eq!(status, 1);
    assert_eq!(flagged, ["requirements.txt:colourama"]);
    let out = Command::new(env!("CARGO_BIN_EXE_squatguard"))
        .args(["check", "--staged", "--select", "invalid-manifest"])
        .current_dir(root)
        .env("SQUATGUARD_DATA_DIR", root.join(".git/no-cache"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("requirements-dev.txt:1:1") && !stdout.contains("notes.txt"),
        "{stdout}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_squatguard"))
        .args(["check", "--staged", "requirements-dev.txt"])
        .current_dir(root)
        .env("SQUATGUARD_DATA_DIR", root.join(".git/no-cache"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("requirements-dev.txt:1:1: error[invalid-manifest]: cannot check this file: it is a symbolic link staged to lead out of the repository"),
        "{stdout}"
    );
}

/// A change cannot allow what it adds: under `--since`, the allow list is the one at REV, even
/// with `--trust-config`. An entry that was there before the change still applies.
#[test]
fn since_takes_relaxations_from_the_revision_not_the_change() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    std::fs::write(dir.path().join("requirements.txt"), "flask\n").unwrap();
    std::fs::write(
        dir.path().join("squatguard.toml"),
        "[[allow]]\npackage = \"reqeusts\"\nreason = \"reviewed before\"\n",
    )
    .unwrap();
    commit_all(&repo, "init");
    // the change adds two typosquats and an allow entry for one of them
    std::fs::write(
        dir.path().join("requirements.txt"),
        "flask\ncolourama\nreqeusts\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("squatguard.toml"),
        "[[allow]]\npackage = \"reqeusts\"\nreason = \"reviewed before\"\n\n[[allow]]\npackage = \"colourama\"\nreason = \"trust me\"\n",
    )
    .unwrap();
    let (code, flagged) = squats(dir.path(), &["--trust-config", "--since", "HEAD"]);
    assert_eq!(code, 1, "{flagged:?}");
    assert_eq!(
        flagged,
        ["requirements.txt:colourama", "requirements.txt:reqeusts"]
    );
    let doc = json(dir.path(), &["--trust-config", "--since", "HEAD"]);
    let severities: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["severity"].as_str().unwrap())
        .collect();
    // colourama stays an error; reqeusts was allowed before the change: a note
    assert_eq!(severities, ["error", "note"]);
    // the same tree judged whole with --trust-config applies the file as it is now
    assert_eq!(squats(dir.path(), &["--trust-config"]).0, 0);
}

/// Without `--trust-config` (or `squatguard trust`), a repository's own configuration and
/// comments switch nothing off; once trusted, they do, until the file changes.
#[test]
fn a_repository_relaxes_nothing_until_trusted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("requirements.txt"),
        "colourama\nreqeusts  # squatguard: ignore\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("squatguard.toml"),
        "private-packages = [\"*\"]\nexclude = [\"requirements.txt\"]\n",
    )
    .unwrap();
    let (code, flagged) = squats(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        flagged,
        ["requirements.txt:colourama", "requirements.txt:reqeusts"]
    );
    assert_eq!(squats(dir.path(), &["--trust-config"]), (0, vec![]));
    let trust = Command::new(env!("CARGO_BIN_EXE_squatguard"))
        .args(["trust", "squatguard.toml"])
        .current_dir(dir.path())
        .env("SQUATGUARD_DATA_DIR", dir.path().join(".git/no-cache"))
        .output()
        .unwrap();
    assert!(trust.status.success(), "{trust:?}");
    assert_eq!(squats(dir.path(), &[]), (0, vec![]));
    // changed after it was trusted: untrusted again
    std::fs::write(
        dir.path().join("squatguard.toml"),
        "private-packages = [\"*\"]\n",
    )
    .unwrap();
    assert_eq!(squats(dir.path(), &[]).0, 1);
}

fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_slice(&run_check(dir, args).stdout).unwrap()
}

/// `squatguard check --format json --select typosquat ARGS` in `dir`, with its own data dir
/// (and outside any pull-request run, whatever the environment running the tests).
fn run_check(dir: &Path, args: &[&str]) -> std::process::Output {
    run_check_in(dir, args, None)
}

/// [`run_check`], as GitHub Actions runs it for a pull request into `base` when given.
fn run_check_in(dir: &Path, args: &[&str], base: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_squatguard"));
    cmd.args(["check", "--format", "json", "--select", "typosquat"])
        .args(args)
        .current_dir(dir)
        .env("SQUATGUARD_MAX_DATA_AGE", "100000")
        .env("SQUATGUARD_DATA_DIR", dir.join(".git/no-cache"))
        .env_remove("GITHUB_BASE_REF");
    if let Some(base) = base {
        cmd.env("GITHUB_BASE_REF", base);
    }
    cmd.output().unwrap()
}

/// The README's CI snippet runs `check --trust-config` on pull requests, where the checked-out
/// configuration and comments are the pull request's own: a pull request that adds a typosquat
/// with an allow entry and an ignore comment for it must still fail. The relaxations come from
/// the base branch (`origin/BASE`), or none when it was not fetched.
#[test]
fn a_pull_request_run_takes_relaxations_from_the_base_branch() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    std::fs::write(dir.path().join("requirements.txt"), "flask\npytset\n").unwrap();
    std::fs::write(
        dir.path().join("squatguard.toml"),
        "[[allow]]\npackage = \"pytset\"\nreason = \"reviewed before\"\n",
    )
    .unwrap();
    commit_all(&repo, "init");
    let base = repo.head().unwrap().peel_to_commit().unwrap().id();
    repo.reference("refs/remotes/origin/main", base, false, "fetched base")
        .unwrap();
    std::fs::write(
        dir.path().join("requirements.txt"),
        "flask\npytset\ncolourama\nreqeusts  # squatguard: ignore\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("squatguard.toml"),
        "[[allow]]\npackage = \"pytset\"\nreason = \"reviewed before\"\n\n[[allow]]\npackage = \"colourama\"\nreason = \"trust me\"\n",
    )
    .unwrap();
    commit_all(&repo, "the pull request");
    let severities = |base: Option<&str>| -> (i32, Vec<String>) {
        let out = run_check_in(dir.path(), &["--trust-config"], base);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let found = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} {}",
                    f["package"].as_str().unwrap(),
                    f["severity"].as_str().unwrap()
                )
            })
            .collect();
        (out.status.code().unwrap(), found)
    };
    // outside a pull-request run the repository is the user's own: everything applies
    assert_eq!(
        severities(None),
        (
            0,
            vec!["pytset note".to_owned(), "colourama note".to_owned()]
        )
    );
    // judging the pull request: the base's allow entry applies, the change's own does not, and
    // comments do not count
    assert_eq!(
        severities(Some("main")),
        (
            1,
            vec![
                "pytset note".to_owned(),
                "colourama error".to_owned(),
                "reqeusts error".to_owned()
            ]
        )
    );
    // the base branch was not fetched: nothing is relaxed, and stderr says how to fix it
    assert_eq!(
        severities(Some("develop")),
        (
            1,
            vec![
                "pytset error".to_owned(),
                "colourama error".to_owned(),
                "reqeusts error".to_owned()
            ]
        )
    );
    let out = run_check_in(dir.path(), &["--trust-config"], Some("develop"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("git fetch --depth=1 origin develop"),
        "{stderr}"
    );
    // an empty GITHUB_BASE_REF (a push run) is no pull request
    assert_eq!(severities(Some("")).0, 0);
}

/// A change that points a manifest at a file already in the repository (`-r notes/list.txt`,
/// `install_requires = file: notes/other.txt`) adds that file's dependencies, though none of
/// their lines changed: `--since` reports them. An include that was already read at REV stays
/// old, renamed or not.
#[test]
fn since_reports_what_a_change_newly_includes() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("notes/list.txt", "colourama\n");
    write("notes/other.txt", "djnago\n");
    write("old.txt", "reqeusts\n");
    write("requirements.txt", "flask\n-r old.txt\n");
    write(
        "setup.cfg",
        "[metadata]\nname = x\n[options]\ninstall_requires = flask\n",
    );
    commit_all(&repo, "init");
    assert_eq!(squats(dir.path(), &["--since", "HEAD"]), (0, vec![]));
    write("requirements.txt", "flask\n-r old.txt\n-r notes/list.txt\n");
    write(
        "setup.cfg",
        "[metadata]\nname = x\n[options]\ninstall_requires = file: notes/other.txt\n",
    );
    let (code, flagged) = squats(dir.path(), &["--since", "HEAD"]);
    assert_eq!(code, 1, "{flagged:?}");
    assert_eq!(
        flagged,
        ["notes/list.txt:colourama", "notes/other.txt:djnago"]
    );
    // committed, they are old
    commit_all(&repo, "the change");
    assert_eq!(squats(dir.path(), &["--since", "HEAD"]), (0, vec![]));
    // an old include renamed is still old
    std::fs::rename(dir.path().join("old.txt"), dir.path().join("older.txt")).unwrap();
    write(
        "requirements.txt",
        "flask\n-r older.txt\n-r notes/list.txt\n",
    );
    assert_eq!(squats(dir.path(), &["--since", "HEAD"]), (0, vec![]));
}

/// `--since REV --fix` fixes what is new, and the check after the fix still reports only what
/// is new: the revision's own squats stay out of it.
#[test]
fn since_with_fix_reports_only_new_dependencies_after_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    let path = dir.path().join("requirements.txt");
    std::fs::write(&path, "colourama\n").unwrap();
    commit_all(&repo, "base");
    std::fs::write(&path, "colourama\ndjnago\nreqeusts-oauthlib\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_squatguard"))
        .args(["check", "--since", "HEAD", "--fix"])
        .current_dir(dir.path())
        .env("SQUATGUARD_MAX_DATA_AGE", "100000")
        .env("SQUATGUARD_DATA_DIR", dir.path().join(".git/no-cache"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "colourama\ndjango\nrequests-oauthlib\n",
        "the new squats are fixed, the old one left: {stdout}"
    );
    assert!(!stdout.contains("colourama"), "{stdout}");
    assert_eq!(out.status.code(), Some(0), "{stdout}");
}

/// Under `--since`, a line is the same only when all of it is: a change past the part of a long
/// line a finding shows (a marker, a URL at its far end) makes its dependency new.
#[test]
fn since_sees_a_change_past_the_shown_window_of_a_long_line() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    let path = dir.path().join("requirements.txt");
    let line = |last: &str| {
        let markers = vec!["python_version >= \"3.0\""; 15].join(" or ");
        format!("colourama==1.0 ; {markers} or python_version >= \"{last}\"\n")
    };
    assert!(line("3.0").len() > 300);
    std::fs::write(&path, format!("requests\n{}", line("3.0"))).unwrap();
    commit_all(&repo, "base");
    assert_eq!(squats(dir.path(), &["--since", "HEAD"]), (0, vec![]));
    std::fs::write(&path, format!("requests\n{}", line("3.1"))).unwrap();
    assert_eq!(
        squats(dir.path(), &["--since", "HEAD"]),
        (1, vec!["requirements.txt:colourama".to_owned()])
    );
}

/// Under `--since`, a requirement or index statement that pip's `\` continues onto the next line
/// (or a TOML multi-line string, or Python's implicit concatenation) is changed when that line
/// is, though the line its finding stands on is not: a URL swapped on the second line is new.
/// So is a dependency whose source a table elsewhere swaps (`[tool.uv.sources]`).
#[test]
fn since_sees_a_change_on_a_continuation_line() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    let write = |host: &str| {
        let req = format!(
            "requests @ \\\n    https://{host}/requests-2.0-py3-none-any.whl\n\
             --extra-index-url https://\\\n{host}/simple\n\
             -e \\\ngit+https://{host}/x\n"
        );
        std::fs::write(dir.path().join("requirements.txt"), req).unwrap();
        let pyproject = format!(
            "[project]\nname = \"x\"\nversion = \"1\"\ndependencies = [\n  \"\"\"urllib3 @ \\\n     https://{host}/urllib3-2.0-py3-none-any.whl\"\"\",\n  \"idna\",\n]\n\
             [tool.uv.sources]\nidna = {{ url = \"https://{host}/idna-3.0-py3-none-any.whl\" }}\n"
        );
        std::fs::write(dir.path().join("pyproject.toml"), pyproject).unwrap();
    };
    let found = || {
        let out = Command::new(env!("CARGO_BIN_EXE_squatguard"))
            .args([
                "check",
                "--format",
                "json",
                "--select",
                "direct-url,index-url",
            ])
            .args(["--since", "HEAD"])
            .current_dir(dir.path())
            .env("SQUATGUARD_MAX_DATA_AGE", "100000")
            .env("SQUATGUARD_DATA_DIR", dir.path().join(".git/no-cache"))
            .env_remove("GITHUB_BASE_REF")
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut found: Vec<String> = (doc["findings"].as_array().unwrap().iter())
            .map(|f| {
                format!(
                    "{}:{}:{}",
                    f["file"].as_str().unwrap(),
                    f["line"],
                    f["rule"].as_str().unwrap()
                )
            })
            .collect();
        found.sort();
        found.dedup();
        found
    };
    write("files.example");
    commit_all(&repo, "base");
    assert_eq!(found(), Vec::<String>::new(), "nothing changed");
    write("evil.example");
    assert_eq!(
        found(),
        [
            "pyproject.toml:5:direct-url",
            "pyproject.toml:7:direct-url",
            "requirements.txt:1:direct-url",
            "requirements.txt:3:index-url",
            "requirements.txt:6:direct-url",
        ]
    );
}
