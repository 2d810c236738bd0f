//! `--fix` round trips on every manifest format: only the typosquatted name changes, every other
//! byte (specifiers, extras, markers, comments, formatting) stays; module names PyPI does not
//! have become their project's; known-malicious names are never renamed, and removed only when
//! asked.

use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str]) -> Output {
    run_env(dir, args, &[])
}

/// A scratch directory holding `text` as the file `name`, and that file's path.
fn written(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// Writes `text` as `name`, runs `--fix`, and checks the file became `text` with each
/// `(typo, fixed)` replaced once and nothing else.
fn round_trip(name: &str, text: &str, renames: &[(&str, &str)]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let diff = run(dir.path(), &["--diff", name]);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text,
        "--diff does not write"
    );
    let diff = String::from_utf8_lossy(&diff.stdout).into_owned();
    let out = run(dir.path(), &["--fix", "--select", "typosquat", name]);
    let mut expected = text.to_owned();
    for (typo, fixed) in renames {
        let removed = diff
            .lines()
            .any(|l| l.starts_with('-') && !l.starts_with("---") && l.contains(typo));
        let added = diff
            .lines()
            .any(|l| l.starts_with('+') && !l.starts_with("+++") && l.contains(fixed));
        assert!(removed && added, "the diff shows the change:\n{diff}");
        expected = expected.replacen(typo, fixed, 1);
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected, "{name}");
    assert_eq!(
        out.status.code(),
        Some(0),
        "nothing left to report: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    for (typo, fixed) in renames {
        assert!(
            stderr.contains(&format!("`{typo}` -> `{fixed}`")),
            "{stderr}"
        );
    }
}

#[test]
fn requirements_txt() {
    round_trip(
        "requirements.txt",
        "# deps\r\nflask>=3.0\r\nreqeusts[socks] >= 2.31 ; python_version >= \"3.9\"  # http\r\ncolourama==0.4.6 \\\r\n    --hash=sha256:00\r\n",
        &[("reqeusts", "requests"), ("colourama", "colorama")],
    );
}

#[test]
fn pyproject_toml() {
    round_trip(
        "pyproject.toml",
        "[project]\nname = \"demo\"  # the app\ndependencies = [\n    \"flask>=3\",\n    'reqeusts[socks]>=2.31; python_version>\"3.8\"',  # comment kept\n]\n\n[tool.poetry.dependencies]\npython = \"^3.9\"\ncolourama = { version = \"^0.4\", optional = true }\n",
        &[("reqeusts", "requests"), ("colourama", "colorama")],
    );
}

#[test]
fn setup_cfg() {
    round_trip(
        "setup.cfg",
        "[metadata]\nname = demo\n\n[options]\ninstall_requires =\n\tflask>=3\n\treqeusts>=2.31  # http\n",
        &[("reqeusts", "requests")],
    );
}

#[test]
fn setup_py_plain_literals() {
    round_trip(
        "setup.py",
        "from setuptools import setup\n\nREQS = [\"flask\", \"reqeusts>=2.31\"]\n\nsetup(name=\"demo\", install_requires=REQS)\n",
        &[("reqeusts", "requests")],
    );
}

#[test]
fn pipfile() {
    round_trip(
        "Pipfile",
        "[packages]\nflask = \"*\"\nreqeusts = {version = \">=2.31\", extras = [\"socks\"]}\n",
        &[("reqeusts", "requests")],
    );
}

/// A module name PyPI does not have is renamed to the project that provides the module; one PyPI
/// has (`attr`, an unrelated project) is left to the user, who may mean it.
#[test]
fn module_names_become_the_projects_that_provide_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("requirements.txt");
    std::fs::write(
        &path,
        "cv2>=4.8  # vision
PIL[avif]
attr
",
    )
    .unwrap();
    let out = run(dir.path(), &["--fix", "--select", "import-name"]);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "opencv-python>=4.8  # vision
pillow[avif]
attr
"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("`attr` is the name of a module") && !stdout.contains("cv2"),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(0), "warnings only");
}

/// With every rule judged, a module name is also not on PyPI: the two findings are one, which
/// keeps the rename; a typosquat that is not on PyPI either keeps its own.
#[test]
fn renames_survive_the_merge_of_findings_about_one_name() {
    let (dir, path) = written(
        "requirements.txt",
        "cv2==4.0\nPIL[avif]\nreqeusts==2.31.0\nflask\n",
    );
    let diff = run(dir.path(), &["--diff"]);
    let diff = String::from_utf8_lossy(&diff.stdout);
    assert!(
        diff.contains("-cv2==4.0\n-PIL[avif]\n")
            && diff.contains("+opencv-python==4.0\n+pillow[avif]\n"),
        "{diff}"
    );
    let out = run(dir.path(), &["--fix"]);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "opencv-python==4.0\npillow[avif]\nrequests==2.31.0\nflask\n",
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn malicious_names_are_never_renamed_and_removed_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("requirements.txt");
    let text = "flask\nrequest-plus==2.31.0\nnum2words==0.5.15 \\\n    --hash=sha256:00\nclick\n";
    std::fs::write(&path, text).unwrap();
    let out = run(dir.path(), &["--fix"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text,
        "--fix alone leaves malware to the user"
    );
    let out = run(dir.path(), &["--fix-remove-malicious"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "flask\nclick\n");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Runs `check ARGS` in `dir` with extra environment variables.
fn run_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_squatguard"))
        .arg("check")
        .args(args)
        .current_dir(dir)
        .env("SQUATGUARD_MAX_DATA_AGE", "100000")
        .env("SQUATGUARD_DATA_DIR", dir.join(".no-cache"))
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@t"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A file named `..\..\..\outside\marker.txt` is a file of the repository on this system: the
/// fix is written to it, never to the file `../../../outside/marker.txt` its name looks like.
#[cfg(unix)]
#[test]
fn a_backslash_in_a_file_name_never_leads_a_fix_out_of_the_repository() {
    let root = tempfile::tempdir().unwrap();
    let outside = root.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    let marker = outside.join("marker.txt");
    let marker_text = "# x\nkeep2\ncv2==4.0\n";
    std::fs::write(&marker, marker_text).unwrap();
    let repo = root.path().join("w1/w2/repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    std::fs::write(
        repo.join("requirements.txt"),
        "-r '..\\..\\..\\outside\\marker.txt'\n",
    )
    .unwrap();
    let inside = repo.join("..\\..\\..\\outside\\marker.txt");
    std::fs::write(&inside, "# x\nrequest-plus==2.31.0\ncv2==4.0\n").unwrap();
    git(&repo, &["add", "-A"]);
    let diff = run(&repo, &["--diff", "--fix-remove-malicious"]);
    let diff = String::from_utf8_lossy(&diff.stdout);
    assert!(
        diff.contains("--- \"a/..\\\\..\\\\..\\\\outside\\\\marker.txt\""),
        "{diff}"
    );
    let out = run(&repo, &["--fix-remove-malicious"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("fixed ..\\..\\..\\outside\\marker.txt:2: removed"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), marker_text);
    // the repository's own file got the fixes
    assert_eq!(
        std::fs::read_to_string(&inside).unwrap(),
        "# x\nopencv-python==4.0\n"
    );
}

/// Removal takes the requirement's own line, where pip's lines and a plain line count agree,
/// and only in a requirements file; elsewhere it is refused, said, and the file stays.
#[test]
fn malicious_lines_are_removed_only_where_the_line_is_certain() {
    for (name, text, why) in [
        // a form feed ends a line for pip (`splitlines`), not for a count of `\n`
        (
            "requirements.txt",
            "flask\x0cclick\nrequest-plus==2.31.0\nurllib3>=2.2.2  # security pin\n",
            "breaks lines where pip does",
        ),
        (
            "requirements.txt",
            "flask\rclick\nrequest-plus==2.31.0\nurllib3>=2.2.2\n",
            "breaks lines where pip does",
        ),
        // the name is on a line that a `\` above joins to `-e`
        (
            "requirements.txt",
            "flask\n-e \\\ngit+https://example.invalid/x.git#egg=request-plus\nurllib3>=2.2.2\n",
            "continues a line above it",
        ),
        // a Pipfile category named like a requirements file is still TOML
        (
            "Pipfile",
            "[requirements]\nrequest-plus = \"*\"  # see C:\\\nurllib3 = \">=2.2.2\"\n",
            "only a requirements file's lines",
        ),
    ] {
        let (dir, path) = written(name, text);
        let out = run(dir.path(), &["--fix-remove-malicious"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "{stderr}");
        assert!(
            stderr.contains("not removed") && stderr.contains(why),
            "{text:?}: {stderr}"
        );
        assert_eq!(out.status.code(), Some(1), "the malware is still reported");
    }
}

/// `--staged` reads the index's copy, whose lines are not the working tree's: no fix with it.
#[test]
fn no_fix_of_the_working_tree_from_the_index() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    let path = dir.path().join("requirements.txt");
    std::fs::write(&path, "flask\nrequest-plus==2.31.0\nclick\n").unwrap();
    git(dir.path(), &["add", "-A"]);
    let worktree = "precious-first\nflask\nrequest-plus==2.31.0\nclick\n";
    std::fs::write(&path, worktree).unwrap();
    for flag in ["--fix-remove-malicious", "--fix", "--diff"] {
        let out = run(dir.path(), &["--staged", flag]);
        assert_eq!(out.status.code(), Some(2), "{flag}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), worktree);
    }
}

/// A name made by `${VAR}` expansion is judged expanded, but the bytes at its place are not
/// the name: renaming them would write another name (`requests${SG_T}`).
#[test]
fn no_rename_where_expansion_made_the_name() {
    let (dir, path) = written("requirements.txt", "req${SG_T}==2.31\n");
    let out = run_env(dir.path(), &["--fix"], &[("SG_T", "eusts")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("typosquat"), "judged: {stdout}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "req${SG_T}==2.31\n"
    );
}

/// A name in a URL, a path or `name @ URL` is not renamed: the rename would fetch another file,
/// or name other code `requests`.
#[test]
fn no_rename_of_what_comes_from_a_url_or_a_path() {
    let text = "https://example.invalid/colourama-0.4.6-py3-none-any.whl\n./vendor/reqeusts-1.0.tar.gz\nreqeusts @ https://example.invalid/x.whl\ngit+https://example.invalid/x.git#egg=reqeusts\n";
    let (dir, path) = written("requirements.txt", text);
    let diff = run(dir.path(), &["--diff"]);
    assert_eq!(String::from_utf8_lossy(&diff.stdout), "");
    run(dir.path(), &["--fix"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

/// A rename to a name the file already has (here a key of the same table, which would make the
/// TOML invalid) leaves the file as it was, and says so.
#[test]
fn no_rename_into_a_duplicate_toml_key() {
    let text = "[tool.poetry]\nname = \"x\"\n\n[tool.poetry.dependencies]\npython = \"^3.9\"\ncolorama = \"^0.4\"\ncolourama = \"^0.3\"\n";
    let (dir, path) = written("pyproject.toml", text);
    let out = run(dir.path(), &["--fix"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "{stderr}");
    assert!(
        stderr
            .contains("not renamed to `colorama`: the file already has a dependency of that name"),
        "{stderr}"
    );
}

/// A manifest that is a symbolic link is read (as pip would), but a fix is not written through
/// it into the file it leads to.
#[cfg(unix)]
#[test]
fn no_fix_through_a_symbolic_link() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("deploy.sh");
    std::fs::write(&target, "cv2==4.0\n").unwrap();
    std::os::unix::fs::symlink("deploy.sh", dir.path().join("requirements.txt")).unwrap();
    let out = run(dir.path(), &["--fix", "requirements.txt"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "cv2==4.0\n");
    assert!(stderr.contains("symbolic link"), "{stderr}");
}

/// A rename must not hand the new name to a source the file sets up for it: a uv source, a
/// requirements file's `--find-links` or other index.
#[test]
fn no_rename_into_a_name_the_file_routes_elsewhere() {
    let uv = "[project]\nname = \"x\"\nversion = \"1\"\ndependencies = [\"reqeusts>=2\"]\n\n[tool.uv.sources]\nrequests = { git = \"https://example.invalid/evil.git\" }\n";
    let elsewhere = "takes packages from elsewhere than PyPI";
    for (name, text, why) in [
        ("pyproject.toml", uv, "names it elsewhere"),
        (
            "requirements.txt",
            "--find-links ./wheels\ncv2==4.0\n",
            elsewhere,
        ),
        // pip's spellings: a short option with its value attached, an abbreviated long option
        ("requirements.txt", "-f./wheels\ncv2==4.0\n", elsewhere),
        ("requirements.txt", "--find=./wheels\ncv2==4.0\n", elsewhere),
        // an option of an included file applies to the whole run
        ("requirements.txt", "-r base.txt\ncv2==4.0\n", elsewhere),
        ("requirements.txt", "--extra https://example.invalid/simple\ncv2==4.0\n", elsewhere),
        ("requirements.txt", "--ind\\\nex-url=https://example.invalid/simple\nreqeusts\n", ""),
        // the new name joined across a continuation, from a URL
        ("requirements.txt", "reqeusts\nreque\\\nsts @ git+https://example.invalid/r.git\n", "already has a dependency"),
        // the entry's own source goes with its key
        (
            "pyproject.toml",
            "[tool.poetry]\nname = \"x\"\n[tool.poetry.dependencies]\nreqeusts = { version = \"*\", source = \"evil\" }\n[[tool.poetry.source]]\nname = \"evil\"\nurl = \"https://example.invalid/simple\"\npriority = \"explicit\"\n",
            "",
        ),
        (
            "Pipfile",
            "[[source]]\nname = \"evil\"\nurl = \"https://example.invalid/simple\"\nverify_ssl = true\n[packages]\nreqeusts = { version = \"*\", index = \"evil\" }\n",
            "",
        ),
        // a key spelled with an escape
        (
            "pyproject.toml",
            "[project]\nname = \"x\"\nversion = \"1\"\ndependencies = [\"reqeusts>=2\"]\n[tool.uv.sources]\n\"\\u0072equests\" = { git = \"https://example.invalid/r.git\" }\n",
            "escapes",
        ),
    ] {
        let (dir, path) = written(name, text);
        std::fs::write(dir.path().join("base.txt"), "--find-links ./w\n").unwrap();
        let out = run(dir.path(), &["--fix"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "{stderr}");
        // an entry sent to an index of its own is offered no rename at all (nothing to say)
        assert!(
            why.is_empty() || (stderr.contains("not renamed") && stderr.contains(why)),
            "{text}: {stderr}"
        );
    }
}

/// A file that starts with a byte order mark is fixed at the right bytes.
#[test]
fn a_byte_order_mark_does_not_move_the_fix() {
    let (dir, path) = written(
        "requirements.txt",
        "\u{feff}flask\r\nrequest-plus==2.31.0\r\ncv2==4.0\r\nclick\r\n",
    );
    let out = run(dir.path(), &["--fix-remove-malicious"]);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "\u{feff}flask\r\nopencv-python==4.0\r\nclick\r\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0));
}

/// One file reached under two names (a setup.cfg `file:` through `sub/..`) gets the fixes of
/// both, written once: two plans from one text would each overwrite the other.
#[test]
fn one_file_under_two_names_is_fixed_once() {
    let (dir, path) = written("requirements.txt", "request-plus==2.31.0\nreqeusts\n");
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(
        dir.path().join("setup.cfg"),
        "[options]\ninstall_requires = file: sub/../requirements.txt\n",
    )
    .unwrap();
    let out = run(dir.path(), &["--fix-remove-malicious"]);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "requests\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What `--fix` says on stderr shows a hostile file name's control characters escaped, as the
/// report does: a name cannot forge a line of its own.
#[cfg(unix)]
#[test]
fn fix_messages_escape_file_names() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("real.txt"), "reqeusts\n").unwrap();
    let name = "requirements\nsquatguard: fixed requirements.txt:1: removed `evil`\x1b[8m.txt";
    std::os::unix::fs::symlink("real.txt", dir.path().join(name)).unwrap();
    let out = run(dir.path(), &["--fix"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.lines().any(|l| l.starts_with("squatguard: fixed")) && !stderr.contains('\x1b'),
        "{stderr}"
    );
    assert!(stderr.contains("requirements\\u{a}squatguard"), "{stderr}");
}

/// A path named through a symbolic link to a directory outside the repository is not a way
/// out: the repository that holds the link is where fixes may go.
#[cfg(unix)]
#[test]
fn a_named_path_through_a_link_does_not_move_the_root() {
    let root = tempfile::tempdir().unwrap();
    let outside = root.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    let marker = outside.join("requirements.txt");
    std::fs::write(&marker, "reqeusts\n").unwrap();
    let repo = root.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    std::os::unix::fs::symlink(&outside, repo.join("d")).unwrap();
    for path in ["d", "d/requirements.txt"] {
        let out = run(&repo, &["--fix", path]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            std::fs::read_to_string(&marker).unwrap(),
            "reqeusts\n",
            "{stderr}"
        );
    }
}

/// Outside git the re-read of a file for its routing follows its includes as far as the checked
/// directory, as `check` does: an option in `../base.txt` counts.
#[test]
fn routing_in_an_include_above_the_file_counts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let path = dir.path().join("sub/requirements.txt");
    let text = "-r ../base.txt\ncv2==4.0\n";
    std::fs::write(&path, text).unwrap();
    std::fs::write(dir.path().join("base.txt"), "--find-links ./w\n").unwrap();
    let out = run(dir.path(), &["--fix"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "{stderr}");
    assert!(stderr.contains("takes packages from elsewhere"), "{stderr}");
}
