//! Discovery the checked repository cannot steer, end to end in real git repositories: a tracked
//! manifest is read whatever ignore files or `pyvenv.cfg` files say, what is skipped is said on
//! stderr and listed in the JSON summary, and every hostile case ends in findings and a non-zero
//! status, never in "no dependency manifests found".

use git2::{IndexAddOption, Repository, Signature};
use std::path::Path;
use std::process::{Command, Output};

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A repository on branch `main` whose first commit holds `files`.
fn repo_with(files: &[(&str, &str)]) -> (tempfile::TempDir, Repository) {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    repo.set_head("refs/heads/main").unwrap();
    for (rel, text) in files {
        write(dir.path(), rel, text);
    }
    commit_all(&repo, "init");
    (dir, repo)
}

/// Commits every file, ignored ones too (`git add -f`): tracked whatever `.gitignore` says.
fn commit_all(repo: &Repository, message: &str) {
    let mut index = repo.index().unwrap();
    index.add_all(["*"], IndexAddOption::FORCE, None).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::now("t", "t@example.invalid").unwrap();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .unwrap();
}

fn squatguard(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_squatguard"))
        .arg("check")
        .args(args)
        .current_dir(dir)
        .env("SQUATGUARD_MAX_DATA_AGE", "100000")
        .env("SQUATGUARD_DATA_DIR", dir.join(".git/no-cache"))
        .output()
        .unwrap()
}

/// `check --format json`: the status, the flagged `file:package` pairs and the summary's
/// `skipped` as `path reason`.
fn check_json(dir: &Path) -> (i32, Vec<String>, Vec<String>, String) {
    check_json_of(dir, &[])
}

/// [`check_json`] of the paths `named`.
fn check_json_of(dir: &Path, named: &[&str]) -> (i32, Vec<String>, Vec<String>, String) {
    let mut args = vec!["--format", "json", "--select", "typosquat"];
    args.extend(named);
    let out = squatguard(dir, &args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let flagged = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}:{}", f["file"].as_str().unwrap(), f["package"]))
        .collect();
    let skipped = doc["summary"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s["path"].as_str().unwrap(),
                s["reason"].as_str().unwrap()
            )
        })
        .collect();
    (out.status.code().unwrap(), flagged, skipped, stderr)
}

/// The README's CI run on a branch that made the change: findings, and a non-zero status.
fn assert_caught_since_main(dir: &Path) {
    let out = squatguard(dir, &["--since", "main", "--format", "github"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("::error") && stdout.contains("colourama"),
        "{stdout}"
    );
    assert!(
        !stderr.contains("no dependency manifests found"),
        "{stderr}"
    );
}

/// A clean `main`, then a branch commit adding a squat to a tracked manifest alongside
/// `hostile` (files written after, left untracked when `commit_hostile` is false).
fn pull_request(hostile: &[(&str, &str)], commit_hostile: bool) -> (tempfile::TempDir, Repository) {
    let (dir, repo) = repo_with(&[
        ("requirements.txt", "requests\n"),
        ("svc/requirements.txt", "flask\n"),
    ]);
    {
        let main = repo.head().unwrap().peel_to_commit().unwrap();
        repo.branch("feature", &main, false).unwrap();
    }
    repo.set_head("refs/heads/feature").unwrap();
    write(dir.path(), "svc/requirements.txt", "flask\ncolourama\n");
    if commit_hostile {
        for (rel, text) in hostile {
            write(dir.path(), rel, text);
        }
        commit_all(&repo, "change");
    } else {
        commit_all(&repo, "change");
        for (rel, text) in hostile {
            write(dir.path(), rel, text);
        }
    }
    (dir, repo)
}

/// Ignore files hide no manifest, tracked or not: the `.git` around a tree may be the one that
/// came with it (an archive with its own `.git` tracking one decoy file, its `.gitignore` or
/// `info/exclude` listing the real manifests), so its ignore rules are not the user's.
#[test]
fn an_ignore_file_hides_no_manifest_tracked_or_not() {
    let (dir, _repo) = repo_with(&[("svc/requirements.txt", "colourama\n")]);
    write(dir.path(), ".ignore", "*\n");
    write(dir.path(), "scratch/requirements.txt", "reqeusts\n");
    let (code, flagged, skipped, stderr) = check_json(dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        flagged,
        [
            "scratch/requirements.txt:\"reqeusts\"",
            "svc/requirements.txt:\"colourama\""
        ]
    );
    assert!(skipped.is_empty(), "{skipped:?}");
    let (dir, _repo) = pull_request(&[(".ignore", "*\n")], false);
    assert_caught_since_main(dir.path());
    // a decoy: one tracked file, since deleted, and the real manifest ignored
    let (dir, _repo) = repo_with(&[("decoy", "x\n")]);
    std::fs::remove_file(dir.path().join("decoy")).unwrap();
    write(dir.path(), ".gitignore", "requirements.txt\n.gitignore\n");
    write(dir.path(), ".git/info/exclude", "*\n");
    write(dir.path(), "requirements.txt", "reqeusts\n");
    let (code, flagged, _, stderr) = check_json(dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(flagged, ["requirements.txt:\"reqeusts\""]);
}

#[test]
fn a_gitignore_listing_tracked_manifests_hides_nothing() {
    let (dir, _repo) = repo_with(&[
        (".gitignore", "requirements.txt\nsvc/\n"),
        ("requirements.txt", "reqeusts\n"),
        ("svc/requirements.txt", "colourama\n"),
    ]);
    let (code, flagged, skipped, stderr) = check_json(dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        flagged,
        [
            "requirements.txt:\"reqeusts\"",
            "svc/requirements.txt:\"colourama\""
        ]
    );
    assert!(skipped.is_empty(), "{skipped:?}");
    // an untracked file in the ignored folder is read too
    write(dir.path(), "svc/extra/requirements.txt", "reqeusts\n");
    let (_, flagged, skipped, _) = check_json(dir.path());
    assert_eq!(flagged.len(), 3, "{flagged:?}");
    assert!(skipped.is_empty(), "{skipped:?}");
    let (code, flagged, skipped, _) = check_json_of(dir.path(), &["svc"]);
    assert_eq!(code, 1);
    assert_eq!(
        flagged,
        [
            "svc/extra/requirements.txt:\"reqeusts\"",
            "svc/requirements.txt:\"colourama\""
        ]
    );
    assert!(skipped.is_empty(), "{skipped:?}");
    let (dir, _repo) = pull_request(&[(".gitignore", "svc/\nrequirements.txt\n")], true);
    assert_caught_since_main(dir.path());
}

#[test]
fn a_pyvenv_cfg_in_a_tracked_folder_does_not_make_it_a_virtualenv() {
    let (dir, _repo) = repo_with(&[("svc/requirements.txt", "colourama\n")]);
    write(dir.path(), "svc/pyvenv.cfg", "home = /usr/bin\n");
    // a real, untracked virtualenv is still skipped, and said
    write(dir.path(), "env/pyvenv.cfg", "home = /usr/bin\n");
    write(dir.path(), "env/requirements.txt", "reqeusts\n");
    let (code, flagged, skipped, stderr) = check_json(dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(flagged, ["svc/requirements.txt:\"colourama\""]);
    assert_eq!(skipped, ["env/ virtualenv"]);
    // tracked, the pyvenv.cfg changes nothing either; untracked files beside it are skipped
    let (dir, repo) = repo_with(&[
        ("svc/requirements.txt", "colourama\n"),
        ("svc/pyvenv.cfg", "home = /usr/bin\n"),
    ]);
    drop(repo);
    write(dir.path(), "svc/requirements-local.txt", "reqeusts\n");
    let (code, flagged, skipped, _) = check_json(dir.path());
    assert_eq!(code, 1);
    assert_eq!(flagged, ["svc/requirements.txt:\"colourama\""]);
    assert_eq!(skipped, ["svc/requirements-local.txt virtualenv"]);
    let (dir, _repo) = pull_request(&[("svc/pyvenv.cfg", "home = /usr/bin\n")], false);
    assert_caught_since_main(dir.path());
    let (dir, _repo) = pull_request(&[("svc/pyvenv.cfg", "home = /usr/bin\n")], true);
    assert_caught_since_main(dir.path());
}

#[test]
fn hidden_tracked_folders_are_read_staged_or_not() {
    let (dir, _repo) = repo_with(&[(".ci/requirements.txt", "colourama\n")]);
    write(dir.path(), ".cache/requirements.txt", "reqeusts\n");
    let (code, flagged, skipped, _) = check_json(dir.path());
    assert_eq!(code, 1);
    assert_eq!(
        flagged,
        [
            ".cache/requirements.txt:\"reqeusts\"",
            ".ci/requirements.txt:\"colourama\""
        ]
    );
    assert!(skipped.is_empty(), "{skipped:?}");
    let out = squatguard(dir.path(), &["--staged", "--select", "typosquat"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains(".ci/requirements.txt:1:1"), "{stdout}");
}

/// Outside git nothing says which files are the project's: an ignore file, a dot folder or a
/// `pyvenv.cfg` that came with an archive hides nothing; tool folders by name still skip, said.
#[test]
fn outside_git_ignore_files_and_pyvenv_cfg_hide_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".ignore", "*\n");
    write(dir.path(), ".gitignore", "build/\n");
    write(dir.path(), "requirements.txt", "colourama\n");
    write(dir.path(), "build/requirements.txt", "reqeusts\n");
    write(dir.path(), "vendored/pyvenv.cfg", "home = /usr/bin\n");
    write(dir.path(), "vendored/requirements.txt", "reqeusts\n");
    write(dir.path(), ".ci/requirements.txt", "reqeusts\n");
    write(dir.path(), "venv/requirements.txt", "reqeusts\n");
    let (code, flagged, skipped, stderr) = check_json(dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        flagged,
        [
            ".ci/requirements.txt:\"reqeusts\"",
            "build/requirements.txt:\"reqeusts\"",
            "requirements.txt:\"colourama\"",
            "vendored/requirements.txt:\"reqeusts\"",
        ]
    );
    assert_eq!(skipped, ["venv/ virtualenv"]);
    assert!(stderr.contains("skipped 1 path: 1 virtualenv"), "{stderr}");
}

/// A pip configuration file in the repository is an error wherever it lies, tracked or in an
/// archive's skipped `.venv`: pip reads it as the site configuration of a virtualenv made in
/// that folder, and its `[install] requirement` adds what no manifest shows.
#[test]
fn a_pip_configuration_in_the_repository_is_an_error() {
    let files = [
        ("requirements.txt", "flask\n"),
        (
            ".venv/pip.conf",
            "[install]\nrequirement = .venv/extra.txt\n",
        ),
        (".venv/extra.txt", "reqeusts\n"),
        (
            "sub/pip.ini",
            "[global]\nindex-url = https://h.example/simple\n",
        ),
    ];
    let (repo_dir, _repo) = repo_with(&files);
    let plain = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        write(plain.path(), rel, text);
    }
    for dir in [repo_dir.path(), plain.path()] {
        let out = squatguard(dir, &[]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{stdout}");
        for config in [".venv/pip.conf", "sub/pip.ini"] {
            assert!(
                stdout.contains(&format!(
                    "{config}:1:1: error[index-url]: a pip configuration file in the repository"
                )),
                "{config}: {stdout}"
            );
        }
    }
}

/// A link to a folder is not walked: said on stderr, and an error where its name makes the files
/// in it manifests (`requirements/` linked to a folder of `.txt` files).
#[cfg(unix)]
#[test]
fn a_linked_requirements_folder_is_refused_not_passed() {
    let (dir, repo) = repo_with(&[
        ("requirements.txt", "flask\n"),
        ("data/base.txt", "reqeusts\n"),
    ]);
    std::os::unix::fs::symlink("data", dir.path().join("requirements")).unwrap();
    std::os::unix::fs::symlink("data", dir.path().join("other")).unwrap();
    commit_all(&repo, "links");
    let out = squatguard(dir.path(), &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("requirements:1:1: error[invalid-manifest]: cannot check this file: it is a symbolic link to the folder `data`"),
        "{stdout}"
    );
    assert!(!stdout.contains("other:"), "{stdout}");
    assert!(stderr.contains("2 symlink not followed"), "{stderr}");
}

/// A tree git tracks nothing of is walked as outside git: an archive unpacked inside another
/// work tree, or one that brings its own `.git` excluding everything, hides nothing by the
/// ignore files around it.
#[test]
fn a_tree_git_tracks_nothing_of_is_read_as_outside_git() {
    let (outer, _repo) = repo_with(&[("README.md", "x\n")]);
    write(outer.path(), "x/requirements.txt", "reqeusts\n");
    write(outer.path(), "x/.gitignore", "requirements.txt\n");
    let (status, flagged, _, stderr) = check_json(&outer.path().join("x"));
    assert_eq!(status, 1, "{stderr}");
    assert_eq!(flagged, ["requirements.txt:\"reqeusts\""], "{stderr}");

    let shipped = tempfile::tempdir().unwrap();
    Repository::init(shipped.path()).unwrap();
    write(shipped.path(), ".git/info/exclude", "*\n");
    write(shipped.path(), "requirements.txt", "reqeusts\n");
    let (status, flagged, _, stderr) = check_json(shipped.path());
    assert_eq!(status, 1, "{stderr}");
    assert_eq!(flagged, ["requirements.txt:\"reqeusts\""], "{stderr}");
}

/// PEP 723 inline script metadata: a Python file whose bytes hold `# /// script` is read as a
/// manifest (also staged, and under `--since`), one without is not counted, and one that cannot
/// be read as `uv run` reads it is an error, never silence.
#[test]
fn python_files_with_script_blocks_are_read() {
    let script = "# /// script\n# dependencies = [\"colourama\"]\n# ///\nimport colorama\n";
    let (dir, repo) = repo_with(&[
        ("requirements.txt", "requests\n"),
        ("tools/util.py", "x = 1\n"),
    ]);
    write(dir.path(), "tools/run.py", script);
    let (code, flagged, _, stderr) = check_json(dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(flagged, ["tools/run.py:\"colourama\""]);
    let out = squatguard(dir.path(), &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("in 2 files"), "{stdout}");
    // staged: the index's version is read
    let mut index = repo.index().unwrap();
    index.add_path(Path::new("tools/run.py")).unwrap();
    index.write().unwrap();
    let out = squatguard(dir.path(), &["--staged", "--format", "github"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("tools/run.py") && stdout.contains("colourama"),
        "{stdout}"
    );
    // a branch that adds the block to a tracked script is caught by the CI run
    let (dir, repo) = repo_with(&[("requirements.txt", "requests\n"), ("run.py", "x = 1\n")]);
    {
        let main = repo.head().unwrap().peel_to_commit().unwrap();
        repo.branch("feature", &main, false).unwrap();
    }
    repo.set_head("refs/heads/feature").unwrap();
    write(dir.path(), "run.py", script);
    commit_all(&repo, "change");
    assert_caught_since_main(dir.path());
    // not UTF-8, or too large to read whole: refused, exit 1
    let (dir, _repo) = repo_with(&[("requirements.txt", "requests\n")]);
    std::fs::write(
        dir.path().join("latin.py"),
        b"# /// script\n# dependencies = [\"caf\xe9\"]\n# ///\n",
    )
    .unwrap();
    let out = squatguard(dir.path(), &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("latin.py:1:1: error[invalid-manifest]")
            && stdout.contains("not valid UTF-8"),
        "{stdout}"
    );
    std::fs::remove_file(dir.path().join("latin.py")).unwrap();
    let mut big = vec![b'#'; 65 * 1024 * 1024];
    big[0] = b'\n';
    let at = big.len() - 100;
    big[at..at + 13].copy_from_slice(b"\n# /// script");
    std::fs::write(dir.path().join("big.py"), &big).unwrap();
    let out = squatguard(dir.path(), &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("big.py:1:1: error[invalid-manifest]"),
        "{stdout}"
    );
    // the same size without the marker is not a manifest
    big[at..at + 13].copy_from_slice(b"\n# ////script");
    std::fs::write(dir.path().join("big.py"), &big).unwrap();
    let out = squatguard(dir.path(), &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A link to a folder the walk does not reach (in `node_modules`, or outside the tree) is an
/// error whatever its name: nothing in it is read, and `pip install -r deps/requirements.txt`
/// reads through it. A pip configuration file is found in any case of its name.
#[cfg(unix)]
#[test]
fn a_link_to_a_folder_not_walked_is_an_error_and_pip_config_names_fold_case() {
    let (dir, repo) = repo_with(&[
        ("requirements.txt", "flask\n"),
        ("node_modules/x/requirements.txt", "reqeusts\n"),
        ("sub/PIP.CONF", "[global]\n"),
    ]);
    std::os::unix::fs::symlink("node_modules/x", dir.path().join("deps")).unwrap();
    commit_all(&repo, "link");
    let out = squatguard(dir.path(), &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("deps:1:1: error[invalid-manifest]: cannot check this file: it is a symbolic link to the folder `node_modules/x`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("sub/PIP.CONF:1:1: error[index-url]: a pip configuration file"),
        "{stdout}"
    );
}
