//! The requirements-file reader over real files: each include read once, includes kept
//! inside the checked directory outside git, every `-r`/`-c` target read whatever its name.

use squatguard::manifest::requirements_txt::{self, Reader};
use squatguard::source::read_source;
use std::path::Path;
use std::process::{Command, Output};

fn squatguard(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_squatguard"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run squatguard")
}

/// 30 files, each naming the next twice (`-r` and `-c`, twice each): without a memory of the
/// files already read, that is 4^29 reads. Each file is read once as requirements and once as
/// constraints, never more.
#[test]
fn each_include_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let n = 30;
    for i in 0..n {
        let mut text = format!("pkg{i}==1.0\n");
        if i + 1 < n {
            let next = format!("f{}.txt", i + 1);
            text.push_str(&format!(
                "-r {next}\n-r ./{next}\n-c {next}\n--constraint={next}\n"
            ));
        }
        std::fs::write(dir.path().join(format!("f{i}.txt")), text).unwrap();
    }
    let src = read_source(&dir.path().join("f0.txt")).unwrap();
    let mut reader = Reader::default();
    let mut lines = 0;
    reader.read(&src, &mut |event| {
        if let requirements_txt::Event::Line { .. } = event {
            lines += 1;
        }
    });
    // f0 once, then f1..f29 once as requirements and once as constraints
    assert_eq!(reader.files_read(), 1 + 2 * (n - 1));
    let manifest = requirements_txt::parse(&src);
    assert!(manifest.findings.is_empty(), "{:?}", manifest.findings);
    assert_eq!(manifest.dependencies.len(), 1 + 2 * (n - 1));
    let names: std::collections::HashSet<_> = manifest
        .dependencies
        .iter()
        .map(|d| d.name.to_string())
        .collect();
    assert_eq!(names.len(), n);
    assert!(lines < 10 * n, "{lines} lines read");
}

/// Outside a git repository, `-r ../x` may not leave the directory being checked: the report
/// would show the lines of whatever file it names.
#[test]
fn outside_git_includes_stay_in_the_checked_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("secret.txt"), "SECRET-TOKEN==1.0\n").unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir_all(project.join("requirements")).unwrap();
    std::fs::write(project.join("requirements/base.txt"), "reqeusts==1.0\n").unwrap();
    std::fs::write(
        project.join("requirements/dev.txt"),
        "-r base.txt\n-r ../../secret.txt\n",
    )
    .unwrap();
    // checking the directory: `requirements/dev.txt` may include `requirements/base.txt`
    let out = squatguard(dir.path(), &["check", "project"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(!stdout.contains("SECRET-TOKEN"), "{stdout}");
    assert!(stdout.contains("dev.txt:2:4: error[invalid-manifest]: `-r ../../secret.txt` points outside the checked directory"), "{stdout}");
    assert!(
        stdout.contains("base.txt:1:1: error[typosquat]"),
        "{stdout}"
    );
    // checking a file by name: its own directory is the boundary
    let out = squatguard(&project, &["check", "requirements/dev.txt"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("SECRET-TOKEN"), "{stdout}");
    assert!(
        stdout.contains("points outside the checked directory"),
        "{stdout}"
    );
    assert!(
        stdout.contains("base.txt:1:1: error[typosquat]"),
        "{stdout}"
    );
}

/// A file named only by `-r` (not by a known pattern) is read, and a typosquat in it found.
#[test]
fn every_include_is_read_whatever_its_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("requirements.txt"), "-r deps.txt\n").unwrap();
    std::fs::write(dir.path().join("deps.txt"), "reqeusts==2.31.0\n").unwrap();
    let out = squatguard(dir.path(), &["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("deps.txt:1:1: error[typosquat]"),
        "{stdout}"
    );
}

/// Lines that pip reads and a `\n`-only reader would hide: each is checked, with pip's line
/// number.
#[test]
fn hidden_lines_are_checked_with_pips_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("requirements.txt"),
        "requests==2.32.3  # pinned\rreqeusts==0.1.0\n",
    )
    .unwrap();
    let out = squatguard(dir.path(), &["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("requirements.txt:2:1: error[typosquat]"),
        "{stdout}"
    );
}

/// A UTF-7 cookie: pip would read `+AAo-` as a line break. The file is refused, not read as
/// if it were UTF-8.
#[test]
fn a_utf7_cookie_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("requirements.txt"),
        "# -*- coding: utf-7 -*-\nrequests  # +AAo-reqeusts\n",
    )
    .unwrap();
    let out = squatguard(dir.path(), &["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("requirements.txt:1:15: error[invalid-manifest]"),
        "{stdout}"
    );
    assert!(stdout.contains("utf-7"), "{stdout}");
}

/// An included file in UTF-16 (pip decodes it by its byte order mark) is refused by name,
/// not read as UTF-8 nor passed over.
#[test]
fn a_utf16_include_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("requirements.txt"), "-r wide.txt\n").unwrap();
    let mut wide = b"\xff\xfe".to_vec();
    wide.extend("reqeusts==1.0\n".encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(dir.path().join("wide.txt"), wide).unwrap();
    let src = read_source(&dir.path().join("requirements.txt")).unwrap();
    let manifest = requirements_txt::parse(&src);
    assert!(manifest.dependencies.is_empty());
    assert_eq!(manifest.findings.len(), 1, "{:?}", manifest.findings);
    let message = &manifest.findings[0].message;
    assert!(
        message.starts_with("`-r wide.txt`: cannot read"),
        "{message}"
    );
    assert!(message.contains("UTF-16"), "{message}");
}

/// A line is a URL by pip's `is_url` (its scheme), not by a `://` anywhere in it: a PyPI
/// requirement whose marker holds `://` is judged as the requirement pip installs.
#[test]
fn a_marker_holding_a_url_scheme_is_still_a_pypi_requirement() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("requirements.txt"),
        "reqeusts; \"://\" != \"x\"\nflask ; \"git+https://h\" != \"y\"\n",
    )
    .unwrap();
    let out = squatguard(dir.path(), &["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("error[typosquat]: `reqeusts` looks like a typo of `requests`"),
        "{stdout}"
    );
    assert!(!stdout.contains("direct-url"), "{stdout}");
    assert!(stdout.contains("(2 dependencies checked)"), "{stdout}");
}

/// A URL's package is named as pip's `Link` names it: a wheel by its file name (decoded as pip
/// decodes the path), else the first `#egg=` or `&egg=` (`?xegg=` is not one).
#[test]
fn urls_are_named_as_pip_names_them() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("requirements.txt"),
        "https://example.com/a?xegg=requests&egg=reqeusts\n\
         https://example.com/reqeusts-1.0-py3-none-any.whl#egg=requests\n\
         https://example.com/requests-1.0-py3-none-any.whl%2Freqeusts-1.0-py3-none-any.whl\n\
         https://example.com/egg=requests/x.tar.gz#egg=reqeusts\n         https://x.example/reqeusts-1.0-py3-none-any.whl; python_version>\"0\"\n         https://x.example/a.tar.gz#egg= reqeusts\n         https://x.example/reqeusts-1.0-py3-none-\tany.whl\n",
    )
    .unwrap();
    let out = squatguard(dir.path(), &["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert_eq!(
        stdout
            .matches("error[typosquat]: `reqeusts` looks like a typo of `requests`")
            .count(),
        7,
        "{stdout}"
    );
}

/// A local project outside the checked directory is an error, not a note: pip builds it and
/// installs what it depends on, which is not read.
#[test]
fn a_local_project_outside_the_checked_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("lib")).unwrap();
    std::fs::create_dir_all(dir.path().join("proj")).unwrap();
    std::fs::write(
        dir.path().join("lib/pyproject.toml"),
        "[project]\nname = \"lib\"\nversion = \"0.1\"\ndependencies = [\"reqeusts\"]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("proj/requirements.txt"), "-e ../lib\n").unwrap();
    let out = squatguard(&dir.path().join("proj"), &["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "error[unresolved-dependency]: `../lib` installs a project outside what is checked"
        ),
        "{stdout}"
    );
    // checked from where both are, the project is read and its dependency judged
    let out = squatguard(dir.path(), &["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("`reqeusts` looks like a typo"), "{stdout}");
    assert!(
        !stdout.contains("outside the checked directory"),
        "{stdout}"
    );
}

/// A local project in a folder the walk skips by name (`node_modules`) is an error: its
/// dependencies are read nowhere else.
#[test]
fn a_local_project_in_a_skipped_folder_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("node_modules/proj")).unwrap();
    std::fs::write(
        dir.path().join("node_modules/proj/pyproject.toml"),
        "[project]\nname = \"proj\"\nversion = \"0.1\"\ndependencies = [\"reqeusts\"]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("requirements.txt"), "./node_modules/proj\n").unwrap();
    let out = squatguard(dir.path(), &["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("error[unresolved-dependency]: `./node_modules/proj` installs a project outside what is checked"),
        "{stdout}"
    );
}
