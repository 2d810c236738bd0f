//! `--fix` round trips on every manifest format: only the typosquatted name changes, every other
//! byte (specifiers, extras, markers, comments, formatting) stays; module names PyPI does not
//! have become their project's; known-malicious names are never renamed, and removed only when
//! asked.

use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_squatguard"))
        .arg("check")
        .args(args)
        .current_dir(dir)
        .env("SQUATGUARD_MAX_DATA_AGE", "100000")
        .env("SQUATGUARD_DATA_DIR", dir.join(".no-cache"))
        .output()
        .unwrap()
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
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("requirements.txt");
    std::fs::write(&path, "cv2==4.0\nPIL[avif]\nreqeusts==2.31.0\nflask\n").unwrap();
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
