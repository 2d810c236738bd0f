//! `safe-pip` end to end: the machine's pip, real virtualenvs, wheels and sdists built here,
//! and `--no-index --find-links DIR` everywhere, so nothing reaches the network.
//!
//! Each test makes its own virtualenv (`python3 -m venv --without-pip
//! --system-site-packages`: the base interpreter's pip drives it, and installs land in the
//! virtualenv), with the machine's `PIP_*` variables removed and pip's configuration files
//! switched off. The attack, build and failure tests also run with the oldest pip safe-pip
//! supports (22.2) and with the newest, each installed from its wheel (fetched once into the
//! test target directory) into a virtualenv of its own, and run as from a user's shell: no
//! `PIP_*` variable at all, a fresh home. When `python3 -m venv` does not work the tests say
//! why and pass, except under CI (`CI` set), where that fails.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_safe-pip");
const SQUATGUARD: &str = env!("CARGO_BIN_EXE_squatguard");

struct Env {
    root: tempfile::TempDir,
    python: PathBuf,
    /// Run as from a user's shell: no `PIP_*` variable at all (not even `PIP_CONFIG_FILE`), a
    /// fresh home and XDG directories (the machine's global pip configuration still applies).
    bare: bool,
}

/// The newest pip's wheel, fetched by the first test that asks (the others wait for it).
static NEWEST_PIP: std::sync::Mutex<Option<(PathBuf, String)>> = std::sync::Mutex::new(None);

impl Env {
    /// A fresh virtualenv and an empty package directory, or `None` (with the reason printed)
    /// when this machine cannot make one. Under CI (`CI` set) that is a failure, not a skip.
    fn new() -> Option<Env> {
        Env::prepared(|_| {})
    }

    /// As [`Env::new`], with `prepare` run on the root before the virtualenv is made.
    fn prepared(prepare: impl FnOnce(&Path)) -> Option<Env> {
        Env::made(prepare, None)
    }

    /// A fresh virtualenv of its own (without the system's packages) whose pip is `version`,
    /// installed from its wheel, fetched once into the test target directory by the machine's
    /// pip (PyPI, or the index the machine's pip configuration names).
    fn with_pip(version: &str) -> Option<Env> {
        let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pip-wheels");
        let wheel = cache.join(format!("pip-{version}-py3-none-any.whl"));
        if !wheel.is_file() {
            let o = Command::new("python3")
                .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
                .args(["--disable-pip-version-check", "--quiet", "--dest"])
                .arg(&cache)
                .arg(format!("pip=={version}"))
                .output();
            match o {
                Ok(o) if o.status.success() && wheel.is_file() => {}
                Ok(o) => return skip(&format!("cannot fetch pip {version}: {}", show(&o))),
                Err(e) => return skip(&format!("no python3: {e}")),
            }
        }
        Env::made(|_| {}, Some((wheel, version)))
    }

    /// As [`Env::with_pip`], with the newest pip ([`common::newest_pip_wheel`]).
    fn with_newest_pip() -> Option<Env> {
        let mut newest = NEWEST_PIP.lock().unwrap_or_else(|e| e.into_inner());
        if newest.is_none() {
            match common::newest_pip_wheel() {
                Ok(f) => *newest = Some(f),
                Err(why) => return skip(&why),
            }
        }
        let (wheel, version) = newest.clone().expect("fetched above");
        drop(newest);
        Env::made(|_| {}, Some((wheel, &version)))
    }

    fn made(prepare: impl FnOnce(&Path), pip: Option<(PathBuf, &str)>) -> Option<Env> {
        let root = tempfile::tempdir().unwrap();
        prepare(root.path());
        let venv = root.path().join("venv");
        let venv_args: &[&str] = match pip {
            None => &["-m", "venv", "--without-pip", "--system-site-packages"],
            Some(_) => &["-m", "venv", "--without-pip"],
        };
        let made = Command::new("python3").args(venv_args).arg(&venv).output();
        match made {
            Ok(o) if o.status.success() => {}
            Ok(o) => {
                return skip(&format!(
                    "`python3 -m venv` failed: {}",
                    String::from_utf8_lossy(&o.stderr)
                ));
            }
            Err(e) => {
                return skip(&format!("no python3: {e}"));
            }
        }
        let python = venv.join("bin").join("python");
        if let Some((wheel, version)) = &pip {
            // pip runs from its own wheel to install itself
            let o = Command::new(&python)
                .arg(wheel.join("pip"))
                .args([
                    "install",
                    "--no-index",
                    "--disable-pip-version-check",
                    "--quiet",
                ])
                .arg(wheel)
                .env("PIP_CONFIG_FILE", "/dev/null")
                .output()
                .unwrap();
            assert!(o.status.success(), "pip {version}: {}", show(&o));
            let o = Command::new(&python)
                .args(["-m", "pip", "--version"])
                .output()
                .unwrap();
            let says = String::from_utf8_lossy(&o.stdout).into_owned();
            assert!(says.starts_with(&format!("pip {version} ")), "{says}");
        }
        let pip_ok = Command::new(&python)
            .args(["-m", "pip", "--version"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !pip_ok {
            return skip("the machine's python3 has no pip");
        }
        std::fs::create_dir(root.path().join("pkgs")).unwrap();
        std::fs::create_dir(root.path().join("data")).unwrap();
        Some(Env {
            root,
            python,
            bare: pip.is_some(),
        })
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    fn pkgs(&self) -> PathBuf {
        self.path("pkgs")
    }

    /// A pure-Python wheel `name-version` in the package directory.
    fn wheel(&self, name: &str, version: &str, requires: &[&str]) {
        self.wheel_with(&self.pkgs(), name, version, requires, &[]);
    }

    /// A wheel `name-version` in `dir`, with `extra` files (path, text) beside its module.
    fn wheel_with(
        &self,
        dir: &Path,
        name: &str,
        version: &str,
        requires: &[&str],
        extra: &[(&str, &str)],
    ) -> PathBuf {
        let module = name.replace('-', "_");
        let file = dir.join(format!("{module}-{version}-py3-none-any.whl"));
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&file).unwrap());
        let opts = zip::write::SimpleFileOptions::default();
        let info = format!("{module}-{version}.dist-info");
        let mut metadata = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
        for r in requires {
            metadata.push_str(&format!("Requires-Dist: {r}\n"));
        }
        let mut files = vec![
            (
                format!("{module}/__init__.py"),
                format!("VERSION = {version:?}\n"),
            ),
            (format!("{info}/METADATA"), metadata),
            (
                format!("{info}/WHEEL"),
                "Wheel-Version: 1.0\nGenerator: safe-pip-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n".to_owned(),
            ),
        ];
        files.extend(extra.iter().map(|(p, t)| (p.to_string(), t.to_string())));
        let mut record = String::new();
        for (path, text) in &files {
            zip.start_file(path.as_str(), opts).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
            record.push_str(&format!("{path},,\n"));
        }
        record.push_str(&format!("{info}/RECORD,,\n"));
        zip.start_file(format!("{info}/RECORD"), opts).unwrap();
        zip.write_all(record.as_bytes()).unwrap();
        zip.finish().unwrap();
        file
    }

    /// An sdist whose `setup.py` writes `marker` when run.
    fn sdist_with_marker(&self, name: &str, version: &str, marker: &Path) {
        let script = r#"
import io, sys, tarfile
name, version, marker, out = sys.argv[1:]
setup = f"open({marker!r}, 'w').write('ran')\nfrom setuptools import setup\nsetup(name={name!r}, version={version!r}, py_modules=[])\n"
pkg_info = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
with tarfile.open(out, "w:gz") as t:
    for path, text in [("setup.py", setup), ("PKG-INFO", pkg_info)]:
        data = text.encode()
        info = tarfile.TarInfo(f"{name}-{version}/{path}")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
"#;
        let out = self.pkgs().join(format!("{name}-{version}.tar.gz"));
        let st = Command::new("python3")
            .arg("-c")
            .arg(script)
            .args([name, version])
            .arg(marker)
            .arg(&out)
            .status()
            .unwrap();
        assert!(st.success());
    }

    fn command(&self, program: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(args).current_dir(self.root.path());
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy().into_owned();
            if k.starts_with("PIP_") || k.starts_with("SAFE_PIP_") || k == "VIRTUAL_ENV" {
                cmd.env_remove(&k);
            }
        }
        if self.bare {
            cmd.env("HOME", self.path("home"))
                .env("XDG_CONFIG_HOME", self.path("home/.config"))
                .env("XDG_CONFIG_DIRS", self.path("etc-xdg"))
                .env("XDG_CACHE_HOME", self.path("home/.cache"));
        } else {
            cmd.env("PIP_CONFIG_FILE", "/dev/null")
                .env("PIP_DISABLE_PIP_VERSION_CHECK", "1");
        }
        cmd.env("SAFE_PIP_PYTHON", &self.python)
            .env("SQUATGUARD_DATA_DIR", self.path("data"))
            .env("NO_COLOR", "1");
        cmd
    }

    /// `safe-pip ARGS` as a user with pip configuration would run it: pip's configuration
    /// files are read (a fresh home and XDG directories), and `vars` are set.
    fn safe_pip_configured(&self, args: &[&str], vars: &[(&str, &str)]) -> Output {
        let mut cmd = self.command(Path::new(BIN), args);
        cmd.env_remove("PIP_CONFIG_FILE")
            .env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("home/.config"))
            .env("XDG_CONFIG_DIRS", self.path("etc-xdg"));
        for (k, v) in vars {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    /// `safe-pip ARGS`.
    fn safe_pip(&self, args: &[&str]) -> Output {
        self.command(Path::new(BIN), args).output().unwrap()
    }

    /// `safe-pip install --no-index --find-links PKGS ARGS`.
    fn install(&self, args: &[&str]) -> Output {
        let pkgs = self.pkgs();
        let mut all = vec![
            "install",
            "--no-index",
            "--find-links",
            pkgs.to_str().unwrap(),
        ];
        all.extend(args);
        self.safe_pip(&all)
    }

    /// Whether `import module` works in the virtualenv.
    fn imports(&self, module: &str) -> bool {
        self.command(&self.python, &["-c", &format!("import {module}")])
            .output()
            .unwrap()
            .status
            .success()
    }
}

#[allow(clippy::print_stderr)] // why: a skipped test says why
fn skip(why: &str) -> Option<Env> {
    assert!(
        !common::in_ci(),
        "safe-pip tests need python3 with venv and pip under CI: {why}"
    );
    eprintln!("skipped: {why}");
    None
}

/// Runs `scenario` in `env`, when it could be made (else the test is skipped, saying why).
fn run_in(env: Option<Env>, scenario: fn(&Env)) {
    if let Some(env) = env {
        scenario(&env);
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn show(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        stderr(o)
    )
}

#[test]
fn clean_package_with_clean_dependency_installs() {
    let Some(env) = Env::new() else { return };
    env.wheel("sgtest-app", "1.0", &["sgtest-lib>=1"]);
    env.wheel("sgtest-lib", "1.2", &[]);
    let o = env.install(&["sgtest-app"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(
        stderr(&o).contains("safe-pip: checked 2 packages (1 transitive)"),
        "{}",
        show(&o)
    );
    assert!(env.imports("sgtest_app") && env.imports("sgtest_lib"));
    // again: everything is already installed, nothing to do
    let o = env.install(&["sgtest-app"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(
        stderr(&o).contains("checked 0 packages (0 transitive); nothing to install"),
        "{}",
        show(&o)
    );
}

#[test]
fn typosquatted_dependency_is_blocked_and_nothing_installed() {
    let Some(env) = Env::new() else { return };
    env.wheel("sgtest-shiny", "1.0", &["reqeusts"]);
    env.wheel("reqeusts", "2.0", &[]);
    let o = env.install(&["sgtest-shiny"]);
    assert_eq!(o.status.code(), Some(65), "{}", show(&o));
    let err = stderr(&o);
    assert!(
        err.contains("reqeusts") && err.contains("typosquat"),
        "{err}"
    );
    assert!(
        err.contains("pulled in by sgtest-shiny -> reqeusts"),
        "{err}"
    );
    assert!(!env.imports("sgtest_shiny") && !env.imports("reqeusts"));

    // allowed for this run: printed as a note, and installed
    let o = env.install(&["sgtest-shiny", "--squatguard-allow", "reqeusts"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(
        stderr(&o).contains("allowed by --squatguard-allow"),
        "{}",
        show(&o)
    );
    assert!(env.imports("reqeusts"));
}

#[test]
fn typosquat_on_the_command_line_is_blocked_before_resolution() {
    let Some(env) = Env::new() else { return };
    env.wheel("reqeusts", "2.0", &[]);
    let o = env.install(&["reqeusts"]);
    assert_eq!(o.status.code(), Some(65), "{}", show(&o));
    assert!(stderr(&o).contains("before asking pip"), "{}", show(&o));
    assert!(!env.imports("reqeusts"));
}

#[test]
fn known_malicious_release_is_blocked_good_release_installs() {
    let Some(env) = Env::new() else { return };
    env.wheel("num2words", "0.5.14", &[]);
    env.wheel("num2words", "0.5.15", &[]);
    // unpinned: pip picks 0.5.15, a malicious release
    let o = env.install(&["num2words"]);
    assert_eq!(o.status.code(), Some(65), "{}", show(&o));
    assert!(stderr(&o).contains("num2words==0.5.15"), "{}", show(&o));
    assert!(!env.imports("num2words"));
    let o = env.install(&["num2words==0.5.15"]);
    assert_eq!(o.status.code(), Some(65), "{}", show(&o));
    assert!(!env.imports("num2words"));
    let o = env.install(&["num2words==0.5.14"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(env.imports("num2words"));
}

/// A known malicious release is judged at its version however pip gets it: from a path on
/// the command line, or from a URL a dependency names (`Requires-Dist: name @ URL`), not as
/// an unpinned requirement that merely admits it.
#[test]
fn known_malicious_release_from_a_url_or_path_is_blocked() {
    let Some(env) = Env::new() else { return };
    let elsewhere = env.path("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let bad = env.wheel_with(&elsewhere, "num2words", "0.5.15", &[], &[]);
    let url = format!("num2words @ file://{}", bad.to_str().unwrap());
    env.wheel("sgtest-app", "1.0", &[&url]);
    for args in [&["sgtest-app"][..], &[bad.to_str().unwrap()]] {
        let o = env.install(args);
        assert_eq!(o.status.code(), Some(65), "{args:?}: {}", show(&o));
        assert!(
            stderr(&o).contains("known-malicious"),
            "{args:?}: {}",
            show(&o)
        );
        assert!(!env.imports("num2words"), "{args:?}: {}", show(&o));
    }
}

#[test]
fn sdist_code_never_runs_without_allow_build() {
    let Some(env) = Env::new() else { return };
    let marker = env.path("MARKER");
    env.sdist_with_marker("sgtest-built", "1.0", &marker);
    // a name whose only release is an sdist: pip, resolving from wheels only, finds nothing,
    // and says so itself; safe-pip does not guess a build from pip's text (67 is for builds
    // the requirements themselves call for)
    let o = env.install(&["--no-build-isolation", "sgtest-built"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        stderr(&o).contains("No matching distribution found for sgtest-built"),
        "{}",
        show(&o)
    );
    assert!(!marker.exists(), "setup.py ran without --allow-build");

    // a local project is built (its setup.py run) to learn its dependencies
    let proj_marker = env.path("PROJ_MARKER");
    std::fs::create_dir(env.path("proj")).unwrap();
    std::fs::write(
        env.path("proj/setup.py"),
        format!(
            "open({:?}, 'w').write('ran')\nfrom setuptools import setup\nsetup(name='sgtest-proj', version='1.0')\n",
            proj_marker.to_str().unwrap()
        ),
    )
    .unwrap();
    // the advice is --allow-build only where it would build
    for (args, says) in [
        (&["./proj"][..], "re-run with --allow-build"),
        (&["-e", "proj"], "--allow-build would not build it either"),
    ] {
        let mut all = vec!["--no-build-isolation"];
        all.extend(args);
        let o = env.install(&all);
        assert_eq!(o.status.code(), Some(67), "{args:?}: {}", show(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", show(&o));
        assert!(!proj_marker.exists(), "{args:?}: setup.py ran");
    }

    // packages from an index are never built, even with --allow-build: pip resolves from
    // wheels only and says it found none
    let o = env.install(&["--no-build-isolation", "--allow-build", "sgtest-built"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        stderr(&o).contains("No matching distribution found for sgtest-built"),
        "{}",
        show(&o)
    );
    assert!(!marker.exists(), "an index sdist was built: {}", show(&o));
}

/// A source archive named like a wheel but for the case of its suffix (`.WHL`): pip's
/// `Link.is_wheel` compares case-sensitively, so pip takes it for an archive and runs its
/// build backend to learn its metadata, in the dry run already. It is not a local wheel: it
/// needs --allow-build, and nothing of it runs without.
#[test]
fn an_archive_named_like_a_wheel_is_not_taken_for_one() {
    let Some(env) = Env::new() else { return };
    let marker = env.path("MARKER");
    let backend = format!(
        "open({:?}, 'a').write('ran')\ndef get_requires_for_build_wheel(c=None): return []\ndef prepare_metadata_for_build_wheel(d, c=None):\n    import os; os.makedirs(os.path.join(d, 'sgtest_upper-1.0.dist-info'))\n    open(os.path.join(d, 'sgtest_upper-1.0.dist-info', 'METADATA'), 'w').write('Metadata-Version: 2.1\\nName: sgtest-upper\\nVersion: 1.0\\n')\n    return 'sgtest_upper-1.0.dist-info'\n",
        marker.to_str().unwrap()
    );
    std::fs::create_dir(env.path("dist")).unwrap();
    let archive =
        std::fs::File::create(env.path("dist/sgtest_upper-1.0-py3-none-any.WHL")).unwrap();
    let mut zip = zip::ZipWriter::new(archive);
    let opts = zip::write::SimpleFileOptions::default();
    for (path, text) in [
        (
            "sgtest_upper-1.0/pyproject.toml",
            "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n",
        ),
        ("sgtest_upper-1.0/backend.py", backend.as_str()),
    ] {
        zip.start_file(path, opts).unwrap();
        std::io::Write::write_all(&mut zip, text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    let o = env.install(&["./dist/sgtest_upper-1.0-py3-none-any.WHL"]);
    assert!(!marker.exists(), "its build backend ran: {}", show(&o));
    assert_eq!(o.status.code(), Some(67), "{}", show(&o));
    assert!(stderr(&o).contains("must be built"), "{}", show(&o));
}

/// A PEP 517 backend (module `sgtest_backend.api` of the wheel `sgtest-backend`) that builds
/// the project described by `name.txt` (`NAME VERSION`), whose wheel requires the lines of
/// `requires.txt`; it asks for the lines of `extra.txt` through
/// `get_requires_for_build_wheel`. The built module records whether the build could import
/// setuptools (`SEES_SETUPTOOLS`), which the base Python has.
const TEST_BACKEND: &str = r#"
import importlib.util, os, zipfile

def _lines(path):
    return open(path).read().split() if os.path.exists(path) else []

def get_requires_for_build_wheel(config_settings=None):
    return _lines("extra.txt")

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name, version = _lines("name.txt")
    mod = name.replace("-", "_")
    info = f"{mod}-{version}.dist-info"
    sees = importlib.util.find_spec("setuptools") is not None
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in _lines("requires.txt"))
    files = {
        f"{mod}/__init__.py": f"SEES_SETUPTOOLS = {sees!r}\n",
        f"{info}/METADATA": meta,
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: sgtest\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    out = f"{mod}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, out), "w") as z:
        for path, text in files.items():
            z.writestr(path, text)
        z.writestr(f"{info}/RECORD", "".join(f"{p},,\n" for p in files) + f"{info}/RECORD,,\n")
    return out
"#;

impl Env {
    /// A project directory `dir` built by [`TEST_BACKEND`] (`build-system.requires` as
    /// given), with the files `extra` (path, text).
    fn project(&self, dir: &str, requires: &str, backend: &str, extra: &[(&str, &str)]) {
        let root = self.path(dir);
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(
            root.join("pyproject.toml"),
            format!("[build-system]\nrequires = {requires}\nbuild-backend = \"{backend}\"\n"),
        )
        .unwrap();
        for (path, text) in extra {
            std::fs::write(root.join(path), text).unwrap();
        }
    }
}

/// `--allow-build` builds only what the user typed (a local project or source archive), in an
/// environment made of its checked build requirements only.
#[test]
fn builds_use_checked_build_requirements_only() {
    let Some(env) = Env::new() else { return };
    // the virtualenv running safe-pip sees the base Python's setuptools; the build must not
    assert!(
        env.imports("setuptools"),
        "the test needs setuptools in the base Python"
    );
    builds_from_checked_inputs(&env);
}

/// The same with the oldest pip safe-pip supports resolving, fetching and making the build
/// environment.
#[test]
fn builds_use_checked_build_requirements_only_with_the_oldest_pip() {
    run_in(Env::with_pip("22.2"), builds_from_checked_inputs);
}

/// The same with the newest pip.
#[test]
fn builds_use_checked_build_requirements_only_with_the_newest_pip() {
    run_in(Env::with_newest_pip(), builds_from_checked_inputs);
}

fn builds_from_checked_inputs(env: &Env) {
    let marker = env.path("MARKER");
    let pkgs = env.pkgs();
    env.wheel_with(
        &pkgs,
        "sgtest-backend",
        "1.0",
        &[],
        &[("sgtest_backend/api.py", TEST_BACKEND)],
    );
    env.wheel("sgtest-lib", "1.0", &[]);
    // a build requirement that squats setuptools, whose backend would write the marker
    env.wheel_with(
        &pkgs,
        "setuptoolz",
        "70.0",
        &[],
        &[(
            "setuptoolz/build_meta.py",
            &format!("open({:?}, 'w').write('ran')\n", marker.to_str().unwrap()),
        )],
    );
    env.project(
        "squat",
        "[\"setuptoolz>=1\"]",
        "setuptoolz.build_meta",
        &[("name.txt", "sgtest-squat 1.0")],
    );
    let o = env.install(&["--allow-build", "./squat"]);
    assert_eq!(o.status.code(), Some(65), "{}", show(&o));
    let err = stderr(&o);
    assert!(
        err.contains("setuptoolz") && err.contains("squat/pyproject.toml:2"),
        "{}",
        show(&o)
    );
    assert!(err.contains("before building `./squat`"), "{}", show(&o));
    assert!(!marker.exists(), "the squatted backend ran");
    assert!(!env.imports("sgtest_squat") && !env.imports("setuptoolz"));

    // a squat pulled in by a build requirement: found in the build requirements' resolution,
    // before the build
    env.wheel_with(
        &pkgs,
        "sgtest-backend-two",
        "1.0",
        &["reqeusts"],
        &[(
            "sgtest_backend_two/api.py",
            &format!("open({:?}, 'w').write('ran')\n", marker.to_str().unwrap()),
        )],
    );
    env.wheel("reqeusts", "2.0", &[]);
    env.project(
        "deep",
        "[\"sgtest-backend-two\"]",
        "sgtest_backend_two.api",
        &[("name.txt", "sgtest-deep 1.0")],
    );
    let o = env.install(&["--allow-build", "./deep"]);
    assert_eq!(o.status.code(), Some(65), "{}", show(&o));
    let err = stderr(&o);
    assert!(
        err.contains("<build requirements of ./deep, resolved by pip>")
            && err.contains("pulled in by sgtest-backend-two -> reqeusts")
            && err.contains("before building `./deep`"),
        "{}",
        show(&o)
    );
    assert!(!marker.exists(), "the build backend ran");
    assert!(!env.imports("sgtest_deep") && !env.imports("reqeusts"));

    // a build requirement the index does not have: pip's failure passes through, with what
    // safe-pip could not do and pip's status
    env.project(
        "missing",
        "[\"sgtest-no-such-backend\"]",
        "sgtest_no_such_backend.api",
        &[("name.txt", "sgtest-missing 1.0")],
    );
    let o = env.install(&["--allow-build", "./missing"]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let err = stderr(&o);
    assert!(
        err.contains("No matching distribution found for sgtest-no-such-backend")
            && err.contains("safe-pip: could not resolve the build requirements of `./missing` (status 1); nothing was installed"),
        "{}",
        show(&o)
    );
    assert!(!env.imports("sgtest_missing"));

    // a clean project: built from the checked backend wheel, then checked and installed as a
    // local wheel with its dependency from the index
    env.project(
        "clean",
        "[\"sgtest-backend\"]",
        "sgtest_backend.api",
        &[
            ("name.txt", "sgtest-proj 1.0"),
            ("requires.txt", "sgtest-lib"),
        ],
    );
    let o = env.install(&["--allow-build", "./clean"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let err = stderr(&o);
    assert!(
        err.contains("building `./clean` with sgtest_backend.api in an environment of its checked build requirements only (sgtest-backend==1.0)"),
        "{}",
        show(&o)
    );
    assert!(
        err.contains("checked 2 packages (1 transitive)"),
        "{}",
        show(&o)
    );
    assert!(env.imports("sgtest_proj") && env.imports("sgtest_lib"));
    // the build saw the checked wheels only
    let sees = env
        .command(
            &env.python,
            &[
                "-c",
                "import sgtest_proj; print(sgtest_proj.SEES_SETUPTOOLS)",
            ],
        )
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&sees.stdout).trim(), "False");
    // the build backend is not installed where the project is
    assert!(!env.imports("sgtest_backend"));

    // the same project as a source archive
    std::fs::write(env.path("clean/name.txt"), "sgtest-arch 1.0").unwrap();
    let st = Command::new("python3")
        .args(["-c", "import sys, tarfile; t = tarfile.open(sys.argv[1], 'w:gz'); t.add(sys.argv[2], 'sgtest-arch-1.0'); t.close()"])
        .arg(env.path("sgtest-arch-1.0.tar.gz"))
        .arg(env.path("clean"))
        .status()
        .unwrap();
    assert!(st.success());
    let o = env.install(&["--allow-build", "sgtest-arch-1.0.tar.gz"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(env.imports("sgtest_arch"), "{}", show(&o));

    // what the backend asks for beyond its checked requirements is never fetched: the build
    // stops, though the index has it
    env.wheel_with(
        &pkgs,
        "sgtest-extra",
        "1.0",
        &[],
        &[("sgtest_extra.pth", &pth_payload(&marker))],
    );
    env.project(
        "asks",
        "[\"sgtest-backend\"]",
        "sgtest_backend.api",
        &[
            ("name.txt", "sgtest-asks 1.0"),
            ("extra.txt", "sgtest-extra>=1"),
        ],
    );
    let o = env.install(&["--allow-build", "./asks"]);
    assert_eq!(o.status.code(), Some(65), "{}", show(&o));
    let err = stderr(&o);
    assert!(
        err.contains(
            "asks for `sgtest-extra>=1`, which its checked build requirements do not provide"
        ),
        "{}",
        show(&o)
    );
    assert!(!marker.exists(), "sgtest-extra was installed somewhere");
    assert!(!env.imports("sgtest_asks") && !env.imports("sgtest_extra"));

    // what safe-pip does not build is refused with --allow-build too, before anything runs
    for (args, names) in [
        (&["--allow-build", "-e", "./clean"][..], "editables"),
        (
            &["--allow-build", "git+https://127.0.0.1:9/x"],
            "local project",
        ),
    ] {
        let o = env.install(args);
        assert_eq!(o.status.code(), Some(66), "{args:?}: {}", show(&o));
        assert!(stderr(&o).contains(names), "{args:?}: {}", show(&o));
    }
}

/// An attack case: the files it writes (path, text), safe-pip's arguments, the exit status and
/// what the message must name.
type Attack<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str], i32, &'a str);

/// Each way a repository's files could make pip build (run) its code, or take packages from
/// where the repository says: pip never reads those files, safe-pip refuses what it would not
/// pass on, and the payload's marker is never written.
#[test]
fn what_the_repositorys_files_ask_for_never_reaches_pip_unread() {
    run_in(Env::new(), attacks_never_reach_pip);
}

/// The same attacks, with the oldest pip safe-pip supports (22.2, the first with
/// `install --dry-run --report`), in a virtualenv of its own.
#[test]
fn what_the_repositorys_files_ask_for_never_reaches_the_oldest_pip_unread() {
    run_in(Env::with_pip("22.2"), attacks_never_reach_pip);
}

/// The same attacks, with the newest pip (which reads `--group` itself, if it is given the
/// option: it is not).
#[test]
fn what_the_repositorys_files_ask_for_never_reaches_the_newest_pip_unread() {
    run_in(Env::with_newest_pip(), attacks_never_reach_pip);
}

fn attacks_never_reach_pip(env: &Env) {
    env.wheel("sgtest-alpha", "1.0", &[]);
    let marker = env.path("MARKER");
    std::fs::create_dir(env.path("helperlib")).unwrap();
    std::fs::write(
        env.path("helperlib/setup.py"),
        format!(
            "open({:?}, 'w').write('ran')\nfrom setuptools import setup\nsetup(name='helperlib', version='1.0')\n",
            marker.to_str().unwrap()
        ),
    )
    .unwrap();
    std::fs::create_dir(env.path("wheels")).unwrap();
    // the issue's `--group dev`: a vendored project whose setup.py is the payload
    std::fs::create_dir_all(env.path("vendor")).unwrap();
    std::fs::create_dir(env.path("vendor/helperlib")).unwrap();
    std::fs::copy(
        env.path("helperlib/setup.py"),
        env.path("vendor/helperlib/setup.py"),
    )
    .unwrap();
    std::fs::write(
        env.path("pyproject.toml"),
        "[dependency-groups]\ndev = [\"sgtest-alpha\", \"helperlib @ file:./vendor/helperlib\"]\nall = [{include-group = \"Dev\"}]\nsquat = [\"reqeusts\"]\nloop = [{include-group = \"loop\"}]\n",
    )
    .unwrap();
    std::fs::create_dir(env.path("sub")).unwrap();
    std::fs::write(
        env.path("sub/pyproject.toml"),
        "[dependency-groups]\nlocal = [\"./helperlib\"]\n",
    )
    .unwrap();
    std::fs::write(env.path("extra.txt"), "./helperlib\n").unwrap();
    // (files to write, arguments, status, what the message names)
    let cases: &[Attack] = &[
        (&[], &["file:helperlib"], 67, "`file:helperlib`"),
        (
            &[],
            &["helperlib @ file:helperlib"],
            67,
            "`helperlib @ file:helperlib`",
        ),
        (
            &[("r.txt", "file:helperlib\n")],
            &["-r", "r.txt"],
            65,
            "file:helperlib",
        ),
        (
            &[("r.txt", "helperlib @ file:helperlib\n")],
            &["-r", "r.txt"],
            65,
            "helperlib @ file:helperlib",
        ),
        (
            &[("r.txt", "# a comment \\\n./helperlib\n")],
            &["-r", "r.txt"],
            65,
            "./helperlib",
        ),
        (
            &[("r.txt", "sgtest-alpha==1.0  # pinned\r./helperlib\n")],
            &["-r", "r.txt"],
            65,
            "./helperlib",
        ),
        (
            &[(
                "r.txt",
                "# -*- coding: utf-7 -*-\nsgtest-alpha  # x+AAo-./helperlib\n",
            )],
            &["-r", "r.txt"],
            65,
            "utf-7",
        ),
        (
            &[("r.txt", "helperlib-1.0.tbz\n")],
            &["-r", "r.txt"],
            65,
            "helperlib-1.0.tbz",
        ),
        (
            &[("r.txt", "helperlib-1.0.tar.lzma\n")],
            &["-r", "r.txt"],
            65,
            "helperlib-1.0.tar.lzma",
        ),
        (
            &[("c.txt", "./helperlib\n")],
            &["-c", "c.txt", "sgtest-alpha"],
            65,
            "./helperlib",
        ),
        (
            &[("c.txt", "helperlib @ file:./helperlib\n")],
            &["-c", "c.txt", "sgtest-alpha"],
            65,
            "helperlib @ file:./helperlib",
        ),
        (
            &[],
            &["--group", "dev"],
            65,
            "pyproject.toml:2:25: error[direct-url]: `helperlib @ file:./vendor/helperlib` in dependency group `dev`",
        ),
        (&[], &["--group=all"], 65, "helperlib @ file:./vendor/helperlib"),
        (&[], &["--group", "squat"], 65, "pyproject.toml:4:11"),
        (&[], &["--group", "loop"], 65, "include cycle: loop -> loop"),
        (&[], &["--group", "nope"], 65, "no dependency group `nope`"),
        (
            &[],
            &["--group", "sub/pyproject.toml:local"],
            65,
            "sub/pyproject.toml:2:11",
        ),
        (
            &[],
            &["--group", "sub/setup.cfg:local"],
            66,
            "group paths use 'pyproject.toml' filenames",
        ),
        (
            &[("r.txt", "--no-binary sgtest-alpha\nsgtest-alpha\n")],
            &["-r", "r.txt"],
            65,
            "--no-binary",
        ),
        (
            &[("r.txt", "--requirem extra.txt\n")],
            &["-r", "r.txt"],
            65,
            "./helperlib",
        ),
        (
            &[("r.txt", "--edit ./helperlib\n")],
            &["-r", "r.txt"],
            65,
            "-e ./helperlib",
        ),
        (
            &[("r.txt", "--find-links ./wheels\nsgtest-alpha\n")],
            &["-r", "r.txt"],
            65,
            "--find-links ./wheels",
        ),
        (
            &[("r.txt", "-i http://127.0.0.1:9/simple\nsgtest-alpha\n")],
            &["-r", "r.txt"],
            65,
            "--index-url http://127.0.0.1:9/simple",
        ),
    ];
    for (files, args, status, names) in cases {
        for (path, text) in *files {
            std::fs::write(env.path(path), text).unwrap();
        }
        let mut all = vec!["--no-build-isolation"];
        all.extend(*args);
        let o = env.install(&all);
        assert_eq!(
            o.status.code(),
            Some(*status),
            "{args:?} {files:?}: {}",
            show(&o)
        );
        assert!(
            stderr(&o).contains(names),
            "{args:?} {files:?}: {}",
            show(&o)
        );
        assert!(
            !marker.exists(),
            "{args:?} {files:?}: helperlib's setup.py ran"
        );
        assert!(
            !env.imports("sgtest_alpha"),
            "{args:?} {files:?}: installed"
        );
    }
    // what the files hold that safe-pip reads and passes on installs
    std::fs::write(
        env.path("r.txt"),
        "--pre\nSGTest_Alpha >= 1.0 ; python_version >= '3'  # a comment\n",
    )
    .unwrap();
    let o = env.install(&["-r", "r.txt"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(env.imports("sgtest_alpha"));
    // a clean dependency group installs, includes followed (whatever the pip: it never
    // reads the group)
    env.wheel("sgtest-beta", "1.0", &[]);
    std::fs::write(
        env.path("pyproject.toml"),
        "[dependency-groups]\nTest = [\"SGTest_Beta >= 1.0\", {include-group = \"base\"}]\nbase = [\"sgtest-alpha\"]\n",
    )
    .unwrap();
    let o = env.install(&["--group", "test"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(env.imports("sgtest_beta"));
    assert!(!marker.exists());
}

#[test]
fn a_command_line_file_name_is_read_as_given() {
    let Some(env) = Env::new() else { return };
    env.wheel("sgtest-gamma", "1.0", &[]);
    env.wheel("reqeusts", "2.0", &[]);
    // what a requirements file's line would read otherwise: a comment, a variable, quotes
    let name = "req #1 ${HOME}'s \"x\".txt";
    std::fs::write(env.path(name), "sgtest-gamma\n").unwrap();
    let o = env.install(&["-r", name]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(env.imports("sgtest_gamma"));
    std::fs::write(env.path(name), "reqeusts\n").unwrap();
    let o = env.install(&[&format!("--requirement={name}")]);
    assert_eq!(o.status.code(), Some(65), "{}", show(&o));
    assert!(stderr(&o).contains(&format!("{name}:1:1")), "{}", show(&o));
    assert!(!env.imports("reqeusts"));
}

#[test]
fn requirements_file_with_include_and_constraints_and_global_options_first() {
    let Some(env) = Env::new() else { return };
    env.wheel("sgtest-alpha", "1.0", &["sgtest-beta"]);
    env.wheel("sgtest-beta", "1.0", &[]);
    env.wheel("sgtest-beta", "2.0", &[]);
    env.wheel("sgtest-gamma", "1.0", &[]);
    std::fs::write(
        env.path("requirements.txt"),
        "sgtest-alpha\n-r more.txt\n-c constraints.txt\n",
    )
    .unwrap();
    std::fs::write(env.path("more.txt"), "sgtest-gamma\n").unwrap();
    std::fs::write(env.path("constraints.txt"), "sgtest-beta<2\n").unwrap();
    let o = env.install(&["-rrequirements.txt"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(
        stderr(&o).contains("checked 3 packages (1 transitive)"),
        "{}",
        show(&o)
    );
    let v = env
        .command(
            &env.python,
            &["-c", "import sgtest_beta; print(sgtest_beta.VERSION)"],
        )
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&v.stdout).trim(), "1.0");
    assert!(env.imports("sgtest_gamma"));

    // a squat in an included file, with pip options before the subcommand
    env.wheel("reqeusts", "2.0", &[]);
    std::fs::write(env.path("more.txt"), "reqeusts\n").unwrap();
    let pkgs = env.pkgs();
    let o = env.safe_pip(&[
        "--isolated",
        "--no-cache-dir",
        "-q",
        "install",
        "--no-index",
        "-f",
        pkgs.to_str().unwrap(),
        "--requirement=requirements.txt",
    ]);
    assert_eq!(o.status.code(), Some(65), "{}", show(&o));
    assert!(stderr(&o).contains("more.txt:1:1"), "{}", show(&o));
    assert!(!env.imports("reqeusts"));
}

/// pip's own failures pass through with pip's status and pip's message, safe-pip's warnings
/// first, and no advice to allow builds.
#[test]
fn pip_failure_status_passes_through() {
    run_in(Env::new(), honest_failures);
}

#[test]
fn pip_failure_status_passes_through_the_oldest_pip() {
    run_in(Env::with_pip("22.2"), honest_failures);
}

#[test]
fn pip_failure_status_passes_through_the_newest_pip() {
    run_in(Env::with_newest_pip(), honest_failures);
}

fn honest_failures(env: &Env) {
    let passed_through = |o: &Output, says: &str| {
        assert_eq!(o.status.code(), Some(1), "{}", show(o));
        let err = stderr(o);
        assert!(err.contains(says), "{}", show(o));
        assert!(
            err.contains(
                "safe-pip: pip could not resolve the requirements (status 1); nothing was installed"
            ),
            "{}",
            show(o)
        );
        assert!(!err.contains("--allow-build"), "{}", show(o));
        assert!(!err.contains("source distribution"), "{}", show(o));
    };
    // a name that does not exist (an extra index, which pip never asks under --no-index, is
    // worth a warning, and safe-pip's warnings are printed when pip fails too)
    let o = env.install(&[
        "--extra-index-url",
        "https://mirror.example/simple",
        "sgtest-does-not-exist",
    ]);
    passed_through(
        &o,
        "No matching distribution found for sgtest-does-not-exist",
    );
    assert!(stderr(&o).contains("warning[index-url]"), "{}", show(&o));
    // the same name from a requirements file
    std::fs::write(env.path("r.txt"), "sgtest-does-not-exist\n").unwrap();
    let o = env.install(&["-r", "r.txt"]);
    passed_through(
        &o,
        "No matching distribution found for sgtest-does-not-exist",
    );
    // a version that does not exist of a package that has wheels
    env.wheel("requests", "2.32.3", &[]);
    let o = env.install(&["requests==99.0"]);
    passed_through(
        &o,
        "Could not find a version that satisfies the requirement requests==99.0",
    );
    // packages with wheels whose requirements conflict: pip's explanation
    env.wheel("sgtest-needs-old", "1.0", &["sgtest-dep<1"]);
    env.wheel("sgtest-dep", "0.5", &[]);
    env.wheel("sgtest-dep", "2.0", &[]);
    let o = env.install(&["sgtest-needs-old", "sgtest-dep>=2"]);
    passed_through(&o, "conflicting dependencies");
    assert!(!env.imports("sgtest_dep"));
    // a release that only has a source distribution, beside one with a wheel: pip, resolving
    // from wheels only, finds none; nothing is built, and nothing advises building
    let marker = env.path("MARKER");
    env.wheel("sgtest-mixed", "1.0", &[]);
    env.sdist_with_marker("sgtest-mixed", "2.0", &marker);
    let o = env.install(&["sgtest-mixed==2.0"]);
    passed_through(
        &o,
        "Could not find a version that satisfies the requirement sgtest-mixed==2.0",
    );
    assert!(!marker.exists(), "sgtest-mixed 2.0's setup.py ran");
    assert!(!env.imports("sgtest_mixed"));
}

#[test]
fn help_shows_safe_pips_options_and_statuses_then_pips() {
    let Some(env) = Env::new() else { return };
    for args in [&["--help"][..], &["install", "--help"], &["install", "-h"]] {
        let o = env.safe_pip(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", show(&o));
        let out = String::from_utf8_lossy(&o.stdout);
        let ours = out.find("--squatguard-allow").expect("safe-pip's options");
        assert!(out.contains("--allow-build") && out.contains("67"), "{out}");
        let pips = out.find("Usage:").expect("pip's help");
        assert!(ours < pips, "{out}");
    }
}

#[test]
fn list_passes_through() {
    let Some(env) = Env::new() else { return };
    env.wheel("sgtest-listed", "3.1", &[]);
    let o = env.install(&["sgtest-listed"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let ours = env.safe_pip(&["list", "--format=freeze"]);
    let theirs = env
        .command(&env.python, &["-m", "pip", "list", "--format=freeze"])
        .output()
        .unwrap();
    assert_eq!(ours.status.code(), theirs.status.code());
    assert_eq!(ours.stdout, theirs.stdout);
    assert!(String::from_utf8_lossy(&ours.stdout).contains("sgtest-listed==3.1"));
    assert!(ours.stderr.is_empty(), "{}", show(&ours));
}

#[test]
fn refuses_to_run_itself_and_unknown_options() {
    let Some(env) = Env::new() else { return };
    let o = env
        .command(Path::new(BIN), &["install", "x"])
        .env("SAFE_PIP_ACTIVE", "1")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(66), "{}", show(&o));
    let o = env
        .command(Path::new(BIN), &["install", "x"])
        .env("SAFE_PIP_PYTHON", BIN)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(66), "{}", show(&o));
    let o = env.safe_pip(&["install", "--no-such-option", "x"]);
    assert_eq!(o.status.code(), Some(66), "{}", show(&o));
}

#[test]
fn download_and_wheel_are_checked_too() {
    let Some(env) = Env::new() else { return };
    env.wheel("sgtest-dl", "1.0", &["reqeusts"]);
    env.wheel("reqeusts", "2.0", &[]);
    env.wheel("sgtest-fine", "1.0", &[]);
    env.wheel_with(
        &env.pkgs(),
        "sgtest-startup",
        "1.0",
        &[],
        &[("sgtest_startup.pth", "import os\n")],
    );
    let pkgs = env.pkgs();
    let pkgs = pkgs.to_str().unwrap();
    for sub in ["download", "wheel"] {
        let dest = if sub == "download" { "-d" } else { "-w" };
        let o = env.safe_pip(&[sub, "--no-index", "-f", pkgs, dest, "out", "sgtest-dl"]);
        assert_eq!(o.status.code(), Some(65), "{sub}: {}", show(&o));
        assert!(!env.path("out").exists(), "{sub}: something was fetched");
        let o = env.safe_pip(&[sub, "--no-index", "-f", pkgs, dest, "out", "sgtest-fine"]);
        assert_eq!(o.status.code(), Some(0), "{sub}: {}", show(&o));
        assert!(env.path("out/sgtest_fine-1.0-py3-none-any.whl").exists());
        // exactly the checked file, and nothing else
        assert_eq!(std::fs::read_dir(env.path("out")).unwrap().count(), 1);
        std::fs::remove_dir_all(env.path("out")).unwrap();
        // the wheel is looked inside before it is handed over, as for install
        let o = env.safe_pip(&[sub, "--no-index", "-f", pkgs, dest, "out", "sgtest-startup"]);
        assert_eq!(o.status.code(), Some(65), "{sub}: {}", show(&o));
        assert!(
            stderr(&o).contains("sgtest_startup.pth"),
            "{sub}: {}",
            show(&o)
        );
        assert!(!env.path("out").exists(), "{sub}: something was fetched");
    }
}

#[test]
fn project_config_allowlist_applies_once_trusted() {
    let Some(env) = Env::new() else { return };
    env.wheel("sgtest-shiny", "1.0", &["reqeusts"]);
    env.wheel("reqeusts", "2.0", &[]);
    // the working directory's configuration, as `squatguard check` would find it
    let config = env.root.path().join("squatguard.toml");
    let allow =
        "[[allow]]\npackage = \"reqeusts\"\nreason = \"our own package on the private mirror\"\n";
    std::fs::write(&config, allow).unwrap();
    // it may have come with the code being installed: not applied until trusted
    let o = env.install(&["sgtest-shiny"]);
    assert_eq!(o.status.code(), Some(65), "{}", show(&o));
    assert!(
        stderr(&o)
            .contains("`squatguard.toml` weakens the checks (allow entries) but is not trusted")
            && stderr(&o).contains("squatguard trust squatguard.toml"),
        "{}",
        show(&o)
    );
    assert!(!env.imports("reqeusts"));
    let trust = env
        .command(Path::new(SQUATGUARD), &["trust"])
        .output()
        .unwrap();
    assert_eq!(trust.status.code(), Some(0), "{}", show(&trust));
    assert!(
        stderr(&trust).contains("trusted `squatguard.toml`"),
        "{}",
        show(&trust)
    );
    let o = env.install(&["sgtest-shiny"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(
        stderr(&o).contains("allowed: our own package on the private mirror"),
        "{}",
        show(&o)
    );
    assert!(env.imports("reqeusts"));
    // changed after it was trusted: reviewed again before it counts
    std::fs::write(&config, format!("{allow}# edited\n")).unwrap();
    let o = env.install(&["--force-reinstall", "sgtest-shiny"]);
    assert_eq!(o.status.code(), Some(65), "{}", show(&o));
    // a configuration that only tightens the checks needs no trust
    std::fs::write(&config, "[severity]\ndirect-url = \"error\"\n").unwrap();
    let o = env.install(&[
        "--force-reinstall",
        "sgtest-shiny",
        "--squatguard-allow",
        "reqeusts",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(!stderr(&o).contains("not trusted"), "{}", show(&o));
    // a broken configuration fails closed
    std::fs::write(&config, "allwo = []\n").unwrap();
    let o = env.install(&["sgtest-shiny"]);
    assert_eq!(o.status.code(), Some(66), "{}", show(&o));
}

/// A requirements file that came with the code cannot hide its own findings: its
/// `squatguard: ignore` comment is reported, not honoured (the user allows with
/// --squatguard-allow).
#[test]
fn an_ignore_comment_in_the_repository_does_not_silence_safe_pip() {
    let Some(env) = Env::new() else { return };
    env.wheel("reqeusts", "2.0", &[]);
    std::fs::write(
        env.path("requirements.txt"),
        "reqeusts==2.0  # squatguard: ignore\n",
    )
    .unwrap();
    let o = env.install(&["-r", "requirements.txt"]);
    assert_eq!(o.status.code(), Some(65), "{}", show(&o));
    assert!(
        stderr(&o).contains("carries a `squatguard: ignore` comment, not honoured"),
        "{}",
        show(&o)
    );
    assert!(!env.imports("reqeusts"));
    let o = env.install(&["-r", "requirements.txt", "--squatguard-allow", "reqeusts"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(env.imports("reqeusts"));
}

/// A `.pth` line that writes `marker` whenever Python starts.
fn pth_payload(marker: &Path) -> String {
    format!(
        "import os; open({:?}, 'w').write('ran')\n",
        marker.to_str().unwrap()
    )
}

/// A `pip.conf` that the repository ships inside its virtualenv (`python -m venv .venv` keeps
/// it) is pip's site configuration: safe-pip reports it and never applies it, so its
/// find-links directory's fake `requests` with a `.pth` payload is not installed.
#[test]
fn pip_conf_shipped_in_the_repositorys_virtualenv_is_not_applied() {
    let Some(env) = Env::prepared(|root| {
        std::fs::create_dir_all(root.join("venv")).unwrap();
        std::fs::write(
            root.join("venv/pip.conf"),
            "[global]\nno-index = true\nfind-links = wheels\n",
        )
        .unwrap();
    }) else {
        return;
    };
    let marker = env.path("MARKER");
    std::fs::create_dir(env.path("wheels")).unwrap();
    env.wheel_with(
        &env.path("wheels"),
        "requests",
        "99.0.0",
        &[],
        &[("requests_init.pth", &pth_payload(&marker))],
    );
    let o = env.safe_pip_configured(&["install", "requests"], &[]);
    assert_eq!(o.status.code(), Some(65), "{}", show(&o));
    let err = stderr(&o);
    assert!(
        err.contains("venv/pip.conf") && err.contains("came with the repository"),
        "{}",
        show(&o)
    );
    assert!(!env.imports("requests_init"));
    assert!(!marker.exists(), "the .pth payload ran");
}

/// The user's own configuration still applies: pip does not read it, safe-pip passes it on.
#[test]
fn users_pip_configuration_is_judged_and_passed_on() {
    let Some(env) = Env::new() else { return };
    env.wheel("sgtest-conf", "1.0", &[]);
    let pkgs = env.pkgs();
    std::fs::create_dir_all(env.path("home/.config/pip")).unwrap();
    std::fs::write(
        env.path("home/.config/pip/pip.conf"),
        format!(
            "[global]\nno-index = yes\n[install]\nfind-links = {}\nrequirement = more.txt\n",
            pkgs.display()
        ),
    )
    .unwrap();
    let o = env.safe_pip_configured(&["install", "sgtest-conf"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(env.imports("sgtest_conf"));
    // a requirements file named by the configuration would escape the checks: not applied
    assert!(
        stderr(&o).contains("`requirement` from") && stderr(&o).contains("is not applied"),
        "{}",
        show(&o)
    );

    // a virtualenv's own pip.conf written after the virtualenv was made is the user's
    std::fs::remove_dir_all(env.path("home/.config")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(
        env.path("venv/pip.conf"),
        format!("[install]\nno-index = 1\nfind-links = {}\n", pkgs.display()),
    )
    .unwrap();
    env.wheel("sgtest-conf-two", "1.0", &[]);
    let o = env.safe_pip_configured(&["install", "sgtest-conf-two"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(env.imports("sgtest_conf_two"));
    std::fs::remove_file(env.path("venv/pip.conf")).unwrap();

    // the environment's index is judged like a command line's: a lookalike of PyPI blocks
    let o = env.safe_pip_configured(
        &["install", "sgtest-conf"],
        &[("PIP_INDEX_URL", "https://pypl.org/simple")],
    );
    assert_eq!(o.status.code(), Some(65), "{}", show(&o));
    assert!(
        stderr(&o).contains("$PIP_INDEX_URL") && stderr(&o).contains("imitates"),
        "{}",
        show(&o)
    );
}

/// A loopback HTTP server: `/links/` is a find-links page, whose body `page(n)` gives for its
/// n-th request (0-based); `/files/NAME` serves `dir/NAME`. Returns its base URL.
fn serve(dir: PathBuf, page: impl Fn(usize) -> String + Send + 'static) -> String {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut pages = 0;
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).map_or(true, |n| n == 0) || header == "\r\n" {
                    break;
                }
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
            let (status, body, kind) = if path.starts_with("/links") {
                pages += 1;
                ("200 OK", page(pages - 1).into_bytes(), "text/html")
            } else if let Some(name) = path.strip_prefix("/files/") {
                match std::fs::read(dir.join(name)) {
                    Ok(b) => ("200 OK", b, "application/octet-stream"),
                    Err(_) => ("404 Not Found", Vec::new(), "text/plain"),
                }
            } else {
                ("404 Not Found", Vec::new(), "text/plain")
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    base
}

/// A find-links server that answers the resolution with a clean wheel and any later request
/// with a same-version build-tag wheel that depends on a typosquat: safe-pip installs the
/// checked file from its wheelhouse, so the typosquat (a `.pth` payload) never arrives.
#[test]
fn a_server_that_changes_its_answer_gets_no_second_resolution() {
    let Some(env) = Env::new() else { return };
    let marker = env.path("MARKER");
    let files = env.path("served");
    std::fs::create_dir(&files).unwrap();
    let tagged = env.wheel_with(&files, "sgtest-swap", "1.0", &["reqeusts"], &[]);
    let tagged_name = "sgtest_swap-1.0-1-py3-none-any.whl";
    std::fs::rename(&tagged, files.join(tagged_name)).unwrap();
    env.wheel_with(&files, "sgtest-swap", "1.0", &[], &[]);
    env.wheel_with(
        &files,
        "reqeusts",
        "2.0",
        &[],
        &[("reqeusts_init.pth", &pth_payload(&marker))],
    );
    let link = |f: &str| format!("<a href=\"/files/{f}\">{f}</a><br>\n");
    let clean = link("sgtest_swap-1.0-py3-none-any.whl");
    let swapped = format!(
        "{}{}",
        link(tagged_name),
        link("reqeusts-2.0-py3-none-any.whl")
    );
    let page = move |n: usize| {
        format!(
            "<html><body>\n{}</body></html>\n",
            if n == 0 { &clean } else { &swapped }
        )
    };
    // fetched by safe-pip's own client, then (a keyring setting, which only pip's client
    // has) by `pip download --require-hashes`
    for extra in [None, Some("--keyring-provider=disabled")] {
        let base = serve(files.clone(), page.clone());
        let links = format!("{base}/links/");
        let mut args = vec![
            "install",
            "--force-reinstall",
            "--no-index",
            "--no-cache-dir",
            "--find-links",
            &links,
            "sgtest-swap",
        ];
        args.extend(extra);
        let o = env.safe_pip(&args);
        assert_eq!(o.status.code(), Some(0), "{extra:?}: {}", show(&o));
        assert!(env.imports("sgtest_swap"), "{extra:?}: {}", show(&o));
        assert!(!env.imports("reqeusts"), "{extra:?}: {}", show(&o));
        assert!(!marker.exists(), "the typosquat's .pth ran: {}", show(&o));
    }
}

/// Each wheel is looked at before pip installs it, whether it comes from an index, a
/// find-links directory or a path on the command line.
#[test]
fn wheels_that_run_at_start_up_or_shadow_others_are_blocked() {
    let Some(env) = Env::new() else { return };
    let marker = env.path("MARKER");
    let payload = pth_payload(&marker);
    std::fs::create_dir(env.path("dist")).unwrap();
    // a local wheel given by path, carrying a .pth
    let local = env.wheel_with(
        &env.path("dist"),
        "sgtest-local",
        "1.0",
        &[],
        &[("sgtest_local_init.pth", &payload)],
    );
    let local = local.to_str().unwrap().to_owned();
    // from find-links: a fake `requests` with a .pth, a wheel that installs `requests/`, and
    // one whose script is called `git`
    env.wheel_with(
        &env.pkgs(),
        "requests",
        "99.0.0",
        &[],
        &[("requests_init.pth", &payload)],
    );
    env.wheel_with(
        &env.pkgs(),
        "sgtest-shadow",
        "1.0",
        &[],
        &[("requests/__init__.py", "")],
    );
    env.wheel_with(
        &env.pkgs(),
        "sgtest-script",
        "1.0",
        &[],
        &[(
            "sgtest_script-1.0.data/scripts/git",
            "#!/bin/sh\necho pwned\n",
        )],
    );
    for (args, cause) in [
        (vec![local.as_str()], "sgtest_local_init.pth"),
        (vec!["requests==99.0.0"], "requests_init.pth"),
        (vec!["sgtest-shadow"], "top-level name `requests`"),
        (vec!["sgtest-script"], "command named `git`"),
    ] {
        let o = env.install(&args);
        assert_eq!(o.status.code(), Some(65), "{args:?}: {}", show(&o));
        let err = stderr(&o);
        assert!(err.contains(cause), "{args:?}: {}", show(&o));
        assert!(
            err.contains("after pip's resolution"),
            "{args:?}: {}",
            show(&o)
        );
    }
    assert!(!env.imports("sgtest_local") && !env.imports("sgtest_shadow"));
    assert!(!env.path("venv/bin/git").exists());
    assert!(!marker.exists(), "a .pth payload ran");
    // a clean local wheel given by path installs, from the wheelhouse
    let ok = env.wheel_with(&env.path("dist"), "sgtest-okwheel", "1.0", &[], &[]);
    let o = env.install(&[ok.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(env.imports("sgtest_okwheel"));
    // the user can still allow it, by name
    let o = env.install(&["sgtest-script", "--squatguard-allow", "sgtest-script"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(env.path("venv/bin/git").exists());
}

/// What the attack review of the canonical set found, each now refused: the repository's own
/// `pip/` folder, a requirement pip would take for a file once written back, a build option
/// smuggled in a `--hash` value, a file named `<command line>`, a `${VAR}` value in a message,
/// a `#` in a command-line path, an include leaving the checked folder outside git.
#[test]
fn the_repository_cannot_steer_the_pip_that_safe_pip_runs() {
    let Some(env) = Env::new() else { return };
    env.wheel("sgtest-alpha", "1.0", &[]);
    let marker = env.path("MARKER");
    let payload = format!("open({:?}, 'w').write('ran')\n", marker.to_str().unwrap());
    // `python -m pip` would import this `pip/` instead of pip
    std::fs::create_dir(env.path("pip")).unwrap();
    std::fs::write(env.path("pip/__init__.py"), &payload).unwrap();
    std::fs::write(env.path("pip/__main__.py"), &payload).unwrap();
    let o = env.install(&["sgtest-alpha"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(env.imports("sgtest_alpha"));
    assert!(!marker.exists(), "the repository's pip/ ran");
    let o = env.safe_pip(&["list"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(
        !marker.exists(),
        "the repository's pip/ ran for a passed-through command"
    );

    std::fs::write(env.path("sgtest-alpha==1.0+x.zip"), "not an archive").unwrap();
    std::fs::create_dir(env.path("sub")).unwrap();
    std::fs::write(env.path("sub/outside.txt"), "sgtest-alpha\n").unwrap();
    std::fs::write(env.path("<command line>"), "./helperlib\n").unwrap();
    let token = "hunter2-not-a-real-token";
    let cases: &[(&str, i32, &str)] = &[
        (
            "sgtest-alpha==1.0+x-zip\n",
            65,
            "pip would take it for a file",
        ),
        (
            "sgtest-alpha==1.0 --hash 'sha256:abcd --global-option=x'\n",
            65,
            "--hash=",
        ),
        // the command line's own name: never read as a file, and never skipped unread
        ("-r '<command line>'\n", 65, "r.txt:1:4: error"),
        (
            "--extra-index-url https://u:${SG_TEST_TOKEN}@127.0.0.1/simple\nsgtest-alpha\n",
            65,
            "${SG_TEST_TOKEN}",
        ),
    ];
    for (text, status, names) in cases {
        std::fs::write(env.path("r.txt"), text).unwrap();
        let o = env
            .command(
                Path::new(BIN),
                &[
                    "install",
                    "--no-index",
                    "--find-links",
                    env.pkgs().to_str().unwrap(),
                    "-r",
                    "r.txt",
                ],
            )
            .env("SG_TEST_TOKEN", token)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(*status), "{text}: {}", show(&o));
        assert!(stderr(&o).contains(names), "{text}: {}", show(&o));
        assert!(
            !stderr(&o).contains(token),
            "{text}: a ${{VAR}} value was shown"
        );
    }

    // a `#` in a path on the command line is part of the path, as pip's argument parser gives
    // it (no comment rule applies to an argument): the file is read, not refused or misread
    std::fs::write(env.path("reqs #dev.txt"), "sgtest-alpha\n").unwrap();
    let o = env.install(&["-r", "reqs #dev.txt"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(
        stderr(&o).contains("(1 dependency checked)"),
        "{}",
        show(&o)
    );

    // outside git, an include may not leave the folder of the command line's files
    std::fs::write(env.path("sub/r.txt"), "-r ../sub2.txt\n").unwrap();
    std::fs::write(env.path("sub2.txt"), "sgtest-alpha\n").unwrap();
    let o = env
        .command(
            Path::new(BIN),
            &[
                "install",
                "--no-index",
                "--find-links",
                env.pkgs().to_str().unwrap(),
                "-r",
                "r.txt",
            ],
        )
        .current_dir(env.path("sub"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(65), "{}", show(&o));
    assert!(stderr(&o).contains("points outside"), "{}", show(&o));
    assert!(!marker.exists());
}

/// Start-up code that wheel inspection must see wherever the wheel puts it: a `.pth` in the
/// `data` scheme's site-packages, a `.pth` whose lines end in `\r` only, `sitecustomize`.
#[test]
fn start_up_code_is_found_in_every_place_a_wheel_can_put_it() {
    let Some(env) = Env::new() else { return };
    let marker = env.path("MARKER");
    let code = format!(
        "import os; open({:?}, 'w').write('ran')",
        marker.to_str().unwrap()
    );
    let cr = format!("# paths\r{code}\r");
    let line = format!("{code}\n");
    let wheels: &[(&str, &str, &str)] = &[
        (
            "sgtest-datapth",
            "sgtest_datapth-1.0.data/data/lib/python3.11/site-packages/zz.pth",
            &line,
        ),
        ("sgtest-crpth", "zz_cr.pth", &cr),
        ("sgtest-sitecust", "sitecustomize.py", &line),
        ("sgtest-usercust", "usercustomize/__init__.py", &line),
    ];
    for (name, path, text) in wheels {
        env.wheel_with(&env.pkgs(), name, "1.0", &[], &[(path, text)]);
        let o = env.install(&[name]);
        assert_eq!(o.status.code(), Some(65), "{name}: {}", show(&o));
        assert!(stderr(&o).contains("start-up"), "{name}: {}", show(&o));
        env.command(&env.python, &["-c", "pass"]).output().unwrap();
        assert!(!marker.exists(), "{name}: start-up code was installed");
    }
}

/// A repository's `.git` that sets `core.worktree` elsewhere does not make its virtualenv's
/// `pip.conf` the user's; a `pip.conf` that is a FIFO fails the run instead of hanging it.
#[test]
fn git_config_and_special_files_do_not_move_the_repositorys_bounds() {
    let elsewhere = tempfile::tempdir().unwrap();
    let Some(env) = Env::prepared(|root| {
        std::fs::create_dir_all(root.join("venv")).unwrap();
        std::fs::write(
            root.join("venv/pip.conf"),
            "[global]\nno-index = true\nfind-links = wheels\n",
        )
        .unwrap();
        let git = |args: &[&str]| {
            let st = Command::new("git")
                .args(args)
                .current_dir(root)
                .output()
                .unwrap();
            assert!(st.status.success(), "{st:?}");
        };
        git(&["init", "-q"]);
        git(&[
            "config",
            "core.worktree",
            elsewhere.path().to_str().unwrap(),
        ]);
    }) else {
        return;
    };
    std::fs::create_dir(env.path("wheels")).unwrap();
    env.wheel_with(&env.path("wheels"), "sgtest-gamma", "1.0", &[], &[]);
    let o = env.safe_pip_configured(&["install", "sgtest-gamma"], &[]);
    assert_eq!(o.status.code(), Some(65), "{}", show(&o));
    assert!(
        stderr(&o).contains("came with the repository"),
        "{}",
        show(&o)
    );
    assert!(!env.imports("sgtest_gamma"));

    std::fs::remove_file(env.path("venv/pip.conf")).unwrap();
    let st = Command::new("mkfifo")
        .arg(env.path("venv/pip.conf"))
        .status()
        .unwrap();
    assert!(st.success());
    let mut child = env
        .command(Path::new(BIN), &["install", "sgtest-gamma"])
        .env_remove("PIP_CONFIG_FILE")
        .env("HOME", env.path("home"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("safe-pip hung on a FIFO pip.conf");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(65), "{}", show(&o));
    assert!(stderr(&o).contains("not a regular file"), "{}", show(&o));
}

/// A real build backend: setuptools, as a wheel made from the base Python's own setuptools
/// (its installed files, as its RECORD lists them), is the default build requirement of a
/// project with only a `setup.py`. setuptools older than 70.1 asks for `wheel` through
/// `get_requires_for_build_wheel`: that is not among the checked build requirements, so the
/// build stops; a newer one needs nothing more, and the project builds and installs.
#[test]
fn a_setuptools_project_builds_from_checked_setuptools_or_stops() {
    let Some(env) = Env::new() else { return };
    let script = r#"
import importlib.metadata as md, os, sys, zipfile
d = md.distribution("setuptools")
print(d.version)
out = os.path.join(sys.argv[1], f"setuptools-{d.version}-py3-none-any.whl")
with zipfile.ZipFile(out, "w") as z:
    for f in d.files:
        p = f.locate()
        if f.parts[0] == ".." or "__pycache__" in f.parts or not os.path.isfile(p):
            continue
        z.write(p, str(f))
"#;
    let o = Command::new("python3")
        .args(["-c", script])
        .arg(env.pkgs())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", show(&o));
    let version = String::from_utf8_lossy(&o.stdout).trim().to_owned();
    let new_enough = {
        let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) >= (70, 1)
    };
    std::fs::create_dir(env.path("legacy")).unwrap();
    std::fs::write(
        env.path("legacy/setup.py"),
        "from setuptools import setup\nsetup(name='sgtest-legacy', version='1.0', py_modules=['sgtest_legacy'])\n",
    )
    .unwrap();
    std::fs::write(env.path("legacy/sgtest_legacy.py"), "X = 1\n").unwrap();
    let o = env.install(&["--allow-build", "./legacy"]);
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "building `./legacy` with setuptools.build_meta:__legacy__ in an environment of its checked build requirements only (setuptools=={version})"
        )),
        "{}",
        show(&o)
    );
    if new_enough {
        assert_eq!(o.status.code(), Some(0), "{}", show(&o));
        assert!(env.imports("sgtest_legacy"));
    } else {
        assert_eq!(o.status.code(), Some(65), "{}", show(&o));
        assert!(err.contains("asks for `wheel`"), "{}", show(&o));
        assert!(!env.imports("sgtest_legacy"));
    }
}

/// A loopback HTTP server whose answer to a request for `path` is `answer(path)`: status line,
/// body, content type, and how long to wait before answering. Returns its base URL.
fn serve_answers(
    answer: impl Fn(&str) -> (&'static str, Vec<u8>, &'static str, u64) + Send + 'static,
) -> String {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).map_or(true, |n| n == 0) || header == "\r\n" {
                    break;
                }
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
            let (status, body, kind, delay) = answer(&path);
            std::thread::sleep(std::time::Duration::from_secs(delay));
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    base
}

fn sha256(path: &Path) -> String {
    let o = Command::new("python3")
        .args([
            "-c",
            "import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest())",
        ])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8(o.stdout).unwrap().trim().to_owned()
}

/// A PEP 691 JSON project page (PEP 700: upload times and versions) for one wheel served at
/// `base/files/FILE`.
fn project_page(
    base: &str,
    name: &str,
    wheel: &Path,
    uploaded: &str,
    versions: &[&str],
) -> Vec<u8> {
    let file = wheel.file_name().unwrap().to_str().unwrap();
    serde_json::json!({
        "meta": {"api-version": "1.1"},
        "name": name,
        "files": [{
            "filename": file,
            "url": format!("{base}/files/{file}"),
            "hashes": {"sha256": sha256(wheel)},
            "upload-time": uploaded,
        }],
        "versions": versions,
    })
    .to_string()
    .into_bytes()
}

/// Issue 19, item 3: a package a name rule flags is looked up on the index pip uses (PEP 691
/// JSON on loopback), and judged with what the index says; when the index does not answer, the
/// snapshot's verdict stands and stderr says so.
#[test]
fn flagged_names_are_judged_with_the_index_facts() {
    let Some(env) = Env::new() else { return };
    let files = env.path("served");
    std::fs::create_dir(&files).unwrap();
    let fresh = env.wheel_with(&files, "scypy", "1.0", &[], &[]);
    let squat = env.wheel_with(&files, "reqeusts", "2.0", &[], &[]);
    let two_typos = env.wheel_with(&files, "selenumm", "0.1.0", &[], &[]);
    let base = std::sync::Arc::new(std::sync::OnceLock::<String>::new());
    let served = base.clone();
    // whether the index says `scypy` was first uploaded this week or ten years ago
    let scypy_new = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let scypy_when = scypy_new.clone();
    let dir = files.clone();
    let url = serve_answers(move |path| {
        let base = served.get().unwrap();
        let json = "application/vnd.pypi.simple.v1+json";
        match path {
            "/simple/scypy/" => (
                "200 OK",
                if scypy_when.load(std::sync::atomic::Ordering::SeqCst) {
                    project_page(
                        base,
                        "scypy",
                        &fresh,
                        "2026-12-01T09:30:00.000000Z",
                        &["1.0"],
                    )
                } else {
                    project_page(
                        base,
                        "scypy",
                        &fresh,
                        "2016-05-10T09:30:00.000000Z",
                        &["0.3", "0.9", "1.0"],
                    )
                },
                json,
                0,
            ),
            "/simple/reqeusts/" => (
                "200 OK",
                project_page(
                    base,
                    "reqeusts",
                    &squat,
                    "2015-03-02T10:00:00Z",
                    &["0.1", "1.0", "2.0"],
                ),
                json,
                0,
            ),
            "/simple/selenumm/" => (
                "200 OK",
                project_page(
                    base,
                    "selenumm",
                    &two_typos,
                    "2026-12-02T08:00:00Z",
                    &["0.1.0"],
                ),
                json,
                0,
            ),
            _ => match path
                .strip_prefix("/files/")
                .map(|f| std::fs::read(dir.join(f)))
            {
                Some(Ok(b)) => ("200 OK", b, "application/octet-stream", 0),
                _ => ("404 Not Found", Vec::new(), "text/plain", 0),
            },
        }
    });
    base.set(url.clone()).unwrap();
    let index = format!("{url}/simple/");

    // `scypy` (letters that sound alike, a warning on the name alone), which the index says
    // was first uploaded this week: a new name near a popular one, an error; nothing installed
    // (an index that replaces PyPI is not judged by `not-on-pypi`;
    // `rules::tests::index_facts_reach_the_verdict` covers that)
    let o = env.safe_pip(&["install", "--no-cache-dir", "--index-url", &index, "scypy"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(65), "{}", show(&o));
    assert!(
        err.contains("error[typosquat]: `scypy` looks like a typo of `scipy`")
            && err.contains("the name is new on PyPI")
            && err.contains(
                "; the index (127.0.0.1) says: first uploaded 2026-12-01, 1 release, the newest 1.0, last upload in 2026-12"
            ),
        "{}",
        show(&o)
    );
    assert!(!err.contains("judged by the name snapshot"), "{}", show(&o));
    assert!(!env.imports("scypy"), "{}", show(&o));

    // the same name, which the index says has had no upload for ten years: a dormant project
    // with a near name, a note; pip resolves it from that index and it installs
    scypy_new.store(false, std::sync::atomic::Ordering::SeqCst);
    let o = env.safe_pip(&["install", "--no-cache-dir", "--index-url", &index, "scypy"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(
        err.contains("note[typosquat]: `scypy` looks like a typo of `scipy`")
            && err.contains("no release for over three years")
            && err.contains("; the index (127.0.0.1) says: first uploaded 2016-05-10, 3 releases"),
        "{}",
        show(&o)
    );
    assert!(env.imports("scypy"), "{}", show(&o));

    // a typosquat the index says is years old: the facts are in the verdict; overwhelming name
    // evidence (two letters of a top-10 name swapped) still blocks it
    let o = env.safe_pip(&["install", "--index-url", &index, "reqeusts"]);
    assert_eq!(o.status.code(), Some(65), "{}", show(&o));
    assert!(
        stderr(&o).contains(
            "the index (127.0.0.1) says: first uploaded 2015-03-02, 3 releases, the newest 2.0"
        ),
        "{}",
        show(&o)
    );
    assert!(!env.imports("reqeusts"));

    // `selenumm`, two typos from rank-489 `selenium`: nothing on the snapshot's facts (the
    // name is not in it), so the index is asked; first uploaded this week, a new name, whose two
    // typos count: a warning, and it installs
    let o = env.safe_pip(&[
        "install",
        "--no-cache-dir",
        "--index-url",
        &index,
        "selenumm",
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(
        err.contains("warning[typosquat]: `selenumm` looks like a typo of `selenium` (rank 489): two typos; the name is new on PyPI; the index (127.0.0.1) says: first uploaded 2026-12-02"),
        "{}",
        show(&o)
    );
    assert!(env.imports("selenumm"), "{}", show(&o));

    // an index that does not answer usably, or not in time: the snapshot's verdict, said so
    let big = serve_answers(|_| {
        (
            "200 OK",
            vec![b' '; 5 << 20],
            "application/vnd.pypi.simple.v1+json",
            0,
        )
    });
    let html = serve_answers(|_| ("200 OK", b"<html></html>".to_vec(), "text/html", 0));
    let gone = serve_answers(|_| ("404 Not Found", Vec::new(), "text/plain", 0));
    let slow = serve_answers(|_| ("200 OK", b"{}".to_vec(), "application/json", 30));
    for (server, why) in [
        (big, "larger than the 4 MiB limit"),
        (html, "not a PEP 691 JSON project page"),
        (gone, "404"),
        (slow, "timeout"),
    ] {
        let started = std::time::Instant::now();
        let o = env.safe_pip(&[
            "install",
            "--index-url",
            &format!("{server}/simple/"),
            "reqeusts",
        ]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(65), "{why}: {}", show(&o));
        assert!(
            err.contains("safe-pip: note: `reqeusts` judged by the name snapshot's facts: the index did not answer usably")
                && err.to_lowercase().contains(&why.to_lowercase()),
            "{why}: {}",
            show(&o)
        );
        assert!(!err.contains("the index (127.0.0.1) says"), "{}", show(&o));
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{why}: bounded time"
        );
    }
}
