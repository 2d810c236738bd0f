//! `safe-pip`: a drop-in for `pip` that checks what `install`, `download` and `wheel` would
//! install before pip installs it.
//!
//! 1. Static phase (no network, no package code): the command line is read with pip's own
//!    grammar ([`args`]); the requirements it names, and the requirements and constraint files
//!    it gives (`-r`, `-c`, followed recursively), and the dependency groups `--group` names
//!    ([`groups`]), are checked with the rules of `squatguard check`. An error here stops the
//!    run before pip is asked anything.
//! 2. Builds ([`build`]), only with `--allow-build`, only of the local projects and source
//!    archives the user typed: each one's build requirements are read statically, checked,
//!    resolved from wheels only, checked again at their exact versions, fetched by hash into
//!    the wheelhouse and inspected; the project is built in a private virtualenv of those
//!    wheels only, and the built wheel takes its place on the command line.
//! 3. Resolution phase: `python -m pip install --dry-run --report FILE` of one
//!    [`CanonicalSet`] (what safe-pip read from the command line and its files,
//!    [`canonical`]), always with `--only-binary=:all:`: pip builds nothing. Every package in
//!    the report ([`report`]), requested or pulled in, is checked at its exact version.
//! 4. Fetch phase ([`wheelhouse`]): every artifact the report names (URL and sha256) is
//!    fetched into a private wheelhouse (`file:` URLs copied; `http(s):` ones by safe-pip's
//!    own client, or by `pip download --no-deps --require-hashes` when the user's pip settings
//!    need pip's), and each wheel is looked inside ([`inspect`]): what it would install is
//!    judged before it is installed.
//! 5. Nothing at error level: pip runs the user's subcommand from the wheelhouse only
//!    (`--no-index --find-links WHEELHOUSE --no-deps --require-hashes`, one `name==version
//!    --hash` line per checked artifact), with the user's install options (target, user,
//!    upgrade, verbosity, ...); its status is safe-pip's. No second resolution happens.
//!
//! pip reads no configuration of its own for these: every pip started for a checked command
//! runs with `--isolated`, `PIP_CONFIG_FILE` at the null device and no `PIP_*` variable;
//! [`config`] reads the user's configuration files and variables, the index rules judge their
//! index settings, and what is applied is passed to pip as explicit options. A `pip.conf` that
//! came with the repository is reported and never applied.
//!
//! Other subcommands (`list`, `show`, `uninstall`, ...) go straight to pip, unchanged.

pub mod args;
pub mod build;
pub mod canonical;
pub mod config;
pub mod facts;
pub mod groups;
pub mod inspect;
pub mod report;
pub mod wheelhouse;

use crate::check::CheckReport;
use crate::data::{self, Data};
use crate::finding::{Finding, Severity};
use crate::manifest::{finding_at, parse_pep508, requirements_txt, Dependency, DependencySource};
use crate::name::normalize;
use crate::rules::{judged, Engine};
use crate::source::SourceFile;
use canonical::CanonicalSet;
use pep440_rs::{Version, VersionSpecifier};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;

/// Exit status when a finding at error level blocked the install (pip never exits 65).
pub const EXIT_BLOCKED: u8 = 65;
/// Exit status when safe-pip could not check, so ran nothing (fail closed).
pub const EXIT_CANNOT_CHECK: u8 = 66;
/// Exit status when the requirements themselves call for a build (a local project, a source
/// archive, a VCS URL, an editable) and builds were not allowed (`--allow-build` or
/// `SAFE_PIP_ALLOW_BUILD=1`). Decided from the requirements, never from pip's messages: when
/// pip's resolution fails, its own status and message pass through.
pub const EXIT_NEEDS_BUILD: u8 = 67;

/// safe-pip's own help, shown before pip's for `safe-pip --help` and `safe-pip SUBCOMMAND
/// --help`.
pub const HELP: &str = "\
safe-pip: pip, with every package checked before it is installed (squatguard)

`install`, `download` and `wheel` are checked: the requirements are checked by name, pip
resolves them from wheels only (a dry run that reads no pip configuration of its own), every
resolved release is checked, the exact files are fetched into a private wheelhouse and looked
inside (start-up .pth code, shadowed packages and commands, code rules), and pip then installs
those files only (--no-index --no-deps --require-hashes). pip never builds anything: a package
from an index without a wheel is not installed. Other subcommands run pip unchanged.

safe-pip options (taken out before pip sees the arguments):
  --squatguard-allow NAME   allow a package a finding blocks, for this run (repeatable)
  --allow-build             build the local project directories and source archives (.tar.gz,
                            .tgz, .tar, .zip) given on the command line, which runs their build
                            backend and setup.py (also SAFE_PIP_ALLOW_BUILD=1). First their
                            [build-system] requires are checked, resolved from wheels, checked,
                            fetched and inspected; the build runs in a private virtualenv of
                            those wheels only, and stops (65) if the backend asks for more. The
                            built wheel is then checked and installed like any other. Editables
                            and URLs are not built (66)

Environment:
  SAFE_PIP_PYTHON           the Python whose pip runs (default: the active virtualenv's, else
                            python3 on PATH)
  PIP_* and pip.conf        read by safe-pip, judged, and passed to pip as options; a pip.conf
                            that came with the repository is never applied

Exit status:
  65                        a finding at error level blocked the run (or a build backend asked
                            for what was not checked); nothing was installed
  66                        safe-pip could not check, or was asked to build what it does not
                            build (an editable, a URL), so ran nothing
  67                        a requirement needs a build (a local project, an archive, a VCS URL,
                            an editable) and builds were not allowed; nothing ran
  other                     pip's own status, with pip's own message (a failed build: the
                            failing step's status and output)

pip's help follows.
";

/// The Python whose pip is used, when set.
pub const PYTHON_ENV: &str = "SAFE_PIP_PYTHON";
/// Set for every pip that safe-pip starts; safe-pip refuses to run when it is set.
pub const ACTIVE_ENV: &str = "SAFE_PIP_ACTIVE";
/// `1` (or `true`, `yes`) allows pip to build source distributions, as `--allow-build` does.
pub const ALLOW_BUILD_ENV: &str = "SAFE_PIP_ALLOW_BUILD";

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// pip ran (after the checks, or straight through); its exit status.
    Pip(i32),
    /// Error-level findings: nothing was run.
    Blocked,
    /// The requirements call for a build that was not allowed: nothing was run.
    NeedsBuild,
    /// safe-pip could not check: nothing was run.
    CannotCheck,
}

impl Outcome {
    /// The process exit status.
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Pip(code) => u8::try_from(code).unwrap_or(1),
            Outcome::Blocked => EXIT_BLOCKED,
            Outcome::NeedsBuild => EXIT_NEEDS_BUILD,
            Outcome::CannotCheck => EXIT_CANNOT_CHECK,
        }
    }
}

/// Why safe-pip could not check.
#[derive(Debug, thiserror::Error)]
pub enum PipError {
    #[error(transparent)]
    Args(#[from] args::ArgsError),
    #[error("safe-pip was started by safe-pip ({ACTIVE_ENV} is set): `pip` or `python -m pip` resolves to safe-pip itself; set {PYTHON_ENV} to a real Python")]
    Recursion,
    #[error("`{0}` is safe-pip itself, not a Python; set {PYTHON_ENV} to a real Python")]
    PythonIsSelf(String),
    #[error("cannot start `{python} -m pip`: {source}")]
    Spawn {
        python: String,
        source: std::io::Error,
    },
    #[error("pip's report: {0}")]
    Report(String),
    #[error("the data in use is corrupt: {0}; run `squatguard db update` or remove the cache")]
    Data(#[from] crate::store::StoreError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// An argument safe-pip cannot read exactly as pip would.
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Where the run's diagnostics go, and the environment it reads.
pub struct Context<'a> {
    pub stderr: &'a mut dyn Write,
    pub color: bool,
    /// Lookup of environment variables (the process environment in the binary).
    pub env: &'a dyn Fn(&str) -> Option<OsString>,
}

/// The Python whose pip safe-pip drives: `SAFE_PIP_PYTHON`, else the active virtualenv's,
/// else `python3` on `PATH`.
pub fn python(env: &dyn Fn(&str) -> Option<OsString>) -> PathBuf {
    if let Some(p) = env(PYTHON_ENV).filter(|v| !v.is_empty()) {
        return PathBuf::from(p);
    }
    if let Some(venv) = env("VIRTUAL_ENV").filter(|v| !v.is_empty()) {
        let venv = PathBuf::from(venv);
        let candidates = [
            venv.join("bin").join("python"),
            venv.join("Scripts").join("python.exe"),
        ];
        if let Some(p) = candidates.into_iter().find(|p| p.exists()) {
            return p;
        }
    }
    PathBuf::from(if cfg!(windows) { "python" } else { "python3" })
}

fn truthy(v: Option<OsString>) -> bool {
    v.is_some_and(|v| {
        matches!(
            v.to_string_lossy().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        )
    })
}

/// Runs safe-pip with pip's arguments (without the program name).
pub fn run(argv: &[OsString], ctx: &mut Context) -> Outcome {
    match run_inner(argv, ctx) {
        Ok(outcome) => outcome,
        Err(e) => {
            let _ = writeln!(ctx.stderr, "safe-pip: error: {e}; nothing was installed");
            Outcome::CannotCheck
        }
    }
}

fn run_inner(argv: &[OsString], ctx: &mut Context) -> Result<Outcome, PipError> {
    if (ctx.env)(ACTIVE_ENV).is_some_and(|v| !v.is_empty()) {
        return Err(PipError::Recursion);
    }
    let parsed = args::parse(argv)?;
    let python = python(ctx.env);
    if is_self(&python) {
        return Err(PipError::PythonIsSelf(python.display().to_string()));
    }
    if !parsed.is_checked() {
        return pip(&python, &parsed.passthrough);
    }
    let allow_build = parsed.allow_build || truthy((ctx.env)(ALLOW_BUILD_ENV));
    let max_age = (ctx.env)("SQUATGUARD_MAX_DATA_AGE")
        .and_then(|v| v.to_str().and_then(|s| s.parse().ok()))
        .unwrap_or(data::DEFAULT_MAX_AGE_DAYS);
    let data_dir = data::data_dir(None);
    let data = Data::load(data_dir.as_deref(), max_age);
    for w in &data.warnings {
        writeln!(ctx.stderr, "safe-pip: warning: {w}")?;
    }
    // the project's configuration, as `squatguard check` finds it from here; what in it weakens
    // the checks counts only once trusted, since the file may have come with the code about to
    // be installed. The comments of files that came with it never count here: the user's way to
    // allow something is --squatguard-allow.
    let (cfg, config_trusted) = match crate::config::find(std::path::Path::new(".")) {
        Some(path) => {
            let cfg = crate::config::load(&path)?;
            let trusted = data_dir
                .as_deref()
                .is_some_and(|d| crate::trust::is_trusted(d, &path));
            let relaxed = relaxations(&cfg);
            if !trusted && !relaxed.is_empty() {
                let shown = crate::source::display_path(&path);
                writeln!(
                    ctx.stderr,
                    "safe-pip: warning: `{shown}` weakens the checks ({}) but is not trusted, so that part of it is not applied: it may have come with the code being installed. If it is your own, run `squatguard trust {shown}` (again after each change).",
                    crate::config::Relaxation::list(&relaxed)
                )?;
            }
            (cfg, trusted)
        }
        None => (crate::config::Config::default(), true),
    };
    let trust = crate::finish::Trust {
        config: config_trusted,
        files: false,
    };
    let (mut policy, _) = crate::finish::Policy::new(cfg, trust);
    // what the user allowed on the command line; the unused allow entries of a project's
    // configuration are not news here
    policy.allowed_names = parsed.allow.iter().map(|a| normalize(a)).collect();
    policy.report_unused_allows = false;
    let engine = Engine::new(&data, policy.config.popular_top_n);
    // pip's configuration, read here and passed on explicitly: pip itself reads none of it
    let sub = parsed
        .subcommand
        .clone()
        .unwrap_or_else(|| "install".into());
    let pip_config = config::read(
        &sub,
        &config::Where {
            env: ctx.env,
            home: dirs::home_dir(),
            prefix: sys_prefix(&python),
            cwd: std::env::current_dir()?,
            isolated: parsed.has("--isolated"),
        },
    );
    for (key, origin) in pip_config.not_applied() {
        writeln!(
            ctx.stderr,
            "safe-pip: note: `{key}` from {} is not applied: safe-pip chooses it, or it names requirements (give those on the command line)",
            origin.shown()
        )?;
    }
    let effective = with_config(&parsed, &pip_config)?;
    let private = replaces_pypi(&effective);

    // the index pip is given, asked about the packages a name rule flags
    let mut asker = if effective.has("--no-index") {
        facts::IndexFacts::none("`--no-index`")
    } else {
        facts::IndexFacts::new(
            effective
                .values("--index-url")
                .last()
                .unwrap_or(facts::PYPI_SIMPLE),
        )
    };
    let pip_config_findings = config_findings(&pip_config);
    if stops_asking(&pip_config_findings) {
        asker.stop("the index is judged an error");
    }

    // 1. static phase
    let (mut findings, mut files, mut static_deps) =
        static_phase(&parsed, &engine, private, &mut asker)?;
    // dependency groups, read here as pip would read them (pip never sees the file)
    let groups = groups::read(effective.values("--group"))?;
    files += groups.files;
    static_deps += groups.dependencies.len();
    for mut dep in groups.dependencies {
        dep.private_index |= private;
        let found = engine.check(&dep)?;
        findings.extend(asker.judge(&engine, &dep, found)?);
    }
    // what pip is given: only what safe-pip read and understood; the rest blocks
    let mut set = CanonicalSet::build(
        &effective,
        &command_line_source(&effective)?,
        &mut command_line_reader(&effective),
    );
    set.requirements.extend(groups.requirements);
    set.findings.extend(groups.findings);
    findings.extend(set.findings.iter().cloned());
    findings.extend(pip_config_findings);
    write_notes(ctx, &mut asker)?;
    let first = crate::finish::finish(findings.clone(), &policy);
    if first.findings.iter().any(|f| f.severity == Severity::Error) {
        let report = CheckReport {
            findings: first.findings,
            files,
            dependencies: static_deps,
            hidden: first.hidden,
            excluded: 0,
            skipped: Vec::new(),
            python_code: false,
            code_scanned: false,
        };
        return blocked(ctx, &report, "before asking pip to resolve anything");
    }

    if !allow_build && !set.needs_build.is_empty() {
        let direct = &set.needs_build;
        let one = direct.len() == 1;
        // advice only for what --allow-build would build
        let advice = match build::targets(direct) {
            Ok(_) => format!(
                "If you trust {}, re-run with --allow-build or set {ALLOW_BUILD_ENV}=1: safe-pip then checks {} build requirements first and builds from them only.",
                if one { "it" } else { "them" },
                if one { "its" } else { "their" },
            ),
            Err(why) => format!("--allow-build would not build it either: {why}."),
        };
        writeln!(
            ctx.stderr,
            "safe-pip: {} must be built to be installed, which runs {} code. Nothing was run. {advice}",
            direct.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", "),
            if one { "its" } else { "their" },
        )?;
        return Ok(Outcome::NeedsBuild);
    }

    let tmp = TempFiles::new()?;
    if !set.needs_build.is_empty() {
        // what the user asked to build, built from checked build requirements only; then a
        // local wheel like any other
        let cx = Checker {
            python: &python,
            effective: &effective,
            engine: &engine,
            private,
            policy: &policy,
            tmp: &tmp,
        };
        if let Some(outcome) = build_checked(ctx, &cx, &mut set, &mut findings, files, &mut asker)?
        {
            return Ok(outcome);
        }
    }

    // 2. resolution phase
    let sub_name = effective.subcommand.as_deref().unwrap_or("install");
    let resolved = match resolve(&python, &set, sub_name, &tmp)? {
        Resolution::Report(r) => r,
        Resolution::Failed { status, output } => {
            let so_far = crate::finish::finish(findings, &policy);
            let failed = "pip could not resolve the requirements";
            pip_failed(ctx, so_far, files, static_deps, &output, failed, status)?;
            return Ok(Outcome::Pip(status));
        }
    };
    let (report_findings, transitive) =
        check_resolved(&resolved, &engine, private, "<resolved by pip>", &mut asker)?;
    write_notes(ctx, &mut asker)?;
    let total = resolved.install.len();
    // a range that admits a malicious release was resolved to an exact one, judged above
    let resolved_names: std::collections::HashSet<_> = resolved
        .install
        .iter()
        .map(|i| normalize(&i.metadata.name))
        .collect();
    crate::rules::known_malicious::superseded_by_resolution(&mut findings, &resolved_names);
    findings.extend(report_findings);
    // the exact files the resolution chose, fetched into the wheelhouse
    let fetched = match fetch(&python, &effective, &resolved, &tmp)? {
        Fetched::Files(artifacts) => artifacts,
        Fetched::Failed { status, output } => {
            let so_far = crate::finish::finish(findings, &policy);
            let failed = "pip could not fetch the checked files";
            let deps = static_deps + total;
            pip_failed(ctx, so_far, files + 1, deps, &output, failed, status)?;
            return Ok(Outcome::Pip(status));
        }
    };
    // what each wheel would install, looked at before pip installs it
    for a in fetched.iter().filter(|a| a.is_wheel()) {
        let path = tmp.wheelhouse.join(&a.filename);
        findings.extend(inspect::wheel(&path, &a.name, &a.version, &a.filename));
    }
    let done = crate::finish::finish(findings, &policy);
    let report = CheckReport {
        findings: done.findings,
        files: files + 1,
        dependencies: static_deps + total,
        hidden: done.hidden,
        excluded: 0,
        skipped: Vec::new(),
        python_code: false,
        code_scanned: false,
    };
    if report.has_errors() {
        return blocked(ctx, &report, "after pip's resolution");
    }
    let shown = write_warnings(ctx, report)?;
    writeln!(
        ctx.stderr,
        "safe-pip: checked {total} package{} ({transitive} transitive){}; {}",
        if total == 1 { "" } else { "s" },
        if shown == 0 {
            String::new()
        } else {
            format!(", {shown} warning(s) or note(s) above")
        },
        if total == 0 {
            "nothing to install: every requirement is already satisfied".to_owned()
        } else {
            format!("running pip {sub}")
        }
    )?;

    // 3. the real pip, installing exactly what was checked
    install_checked(&python, &effective, &fetched, &tmp)
}

/// How fetching the report's artifacts went.
enum Fetched {
    /// Every artifact is in the wheelhouse.
    Files(Vec<wheelhouse::Artifact>),
    /// pip could not fetch them: its status and messages.
    Failed { status: i32, output: String },
}

/// pip network settings that only pip's own client honours.
const PIP_ONLY_NETWORK: &[&str] = &["--cert", "--client-cert", "--proxy", "--keyring-provider"];

/// Options of the user's (and the configuration's) that reach `pip download` of the checked
/// artifacts: the network settings and the indexes (whose credentials pip reuses).
const FETCH_OPTIONS: &[&str] = &[
    "--cert",
    "--client-cert",
    "--proxy",
    "--timeout",
    "--retries",
    "--resume-retries",
    "--trusted-host",
    "--keyring-provider",
    "--cache-dir",
    "--no-cache-dir",
    "--index-url",
    "--extra-index-url",
    "--no-input",
];

/// Options of the user's (and the configuration's) that reach the install from the
/// wheelhouse: where and how to install, and what to print; never where packages come from or
/// how they are built.
const INSTALL_OPTIONS: &[&str] = &[
    "--debug",
    "--require-virtualenv",
    "--python",
    "--verbose",
    "--quiet",
    "--log",
    "--no-input",
    "--exists-action",
    "--cache-dir",
    "--no-cache-dir",
    "--disable-pip-version-check",
    "--no-color",
    "--no-python-version-warning",
    "--use-feature",
    "--use-deprecated",
    "--dry-run",
    "--target",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--user",
    "--no-user",
    "--root",
    "--prefix",
    "--upgrade",
    "--force-reinstall",
    "--ignore-installed",
    "--ignore-requires-python",
    "--break-system-packages",
    "--compile",
    "--no-compile",
    "--no-warn-script-location",
    "--no-warn-conflicts",
    "--progress-bar",
    "--root-user-action",
    "--report",
    "--no-clean",
    "--dest",
    "--wheel-dir",
    "--no-verify",
];

/// `a`'s options named in `keep`, spelled for pip.
fn kept_options(a: &args::PipArgs, keep: &[&str]) -> Vec<OsString> {
    a.options
        .iter()
        .filter(|o| keep.contains(&o.long))
        .map(args::Opt::spelled)
        .collect()
}

/// Fetches every artifact of the report into the wheelhouse: `file:` ones copied, the others
/// by `pip download --no-deps --require-hashes` of their URLs.
fn fetch(
    python: &Path,
    a: &args::PipArgs,
    resolved: &report::InstallReport,
    tmp: &TempFiles,
) -> Result<Fetched, PipError> {
    let artifacts = match wheelhouse::artifacts(resolved) {
        Ok(artifacts) => {
            // pip resolves from wheels only; a build by pip is never what safe-pip asked for
            if let Some(a) = artifacts.iter().find(|a| !a.is_wheel()) {
                return Err(PipError::Report(format!(
                    "pip's resolution chose `{}`, which is not a wheel; safe-pip builds only what it built itself",
                    a.filename
                )));
            }
            artifacts
        }
        Err(wheelhouse::NotFetchable::Built(names)) => {
            return Err(PipError::Report(format!(
                "pip resolved {} to a local directory or VCS checkout, which would be built by pip; safe-pip builds only what it built itself",
                names.join(", ")
            )))
        }
        Err(wheelhouse::NotFetchable::NoHash(name)) => {
            return Err(PipError::Report(format!(
                "pip's report gives no sha256 for `{name}`, so what is installed could not be held to what was checked"
            )))
        }
    };
    std::fs::create_dir_all(&tmp.wheelhouse)?;
    let mut remote = wheelhouse::copy_local(&artifacts, &tmp.wheelhouse)?;
    // pip's network settings that safe-pip's own client does not have: pip fetches then
    if !PIP_ONLY_NETWORK.iter().any(|o| a.has(o)) {
        remote = wheelhouse::fetch_direct(remote, &tmp.wheelhouse);
    }
    if !remote.is_empty() {
        std::fs::write(&tmp.fetch, wheelhouse::fetch_requirements(&remote))?;
        let out = isolated_pip(python)
            .arg("download")
            .args(kept_options(a, FETCH_OPTIONS))
            .args([
                "--no-deps",
                "--require-hashes",
                "--disable-pip-version-check",
                "--no-input",
                "--progress-bar=off",
                "--quiet",
            ])
            .arg("--dest")
            .arg(&tmp.wheelhouse)
            .arg("--requirement")
            .arg(&tmp.fetch)
            .stdin(Stdio::null())
            .output()
            .map_err(|source| PipError::Spawn {
                python: python.display().to_string(),
                source,
            })?;
        if !out.status.success() {
            return Ok(Fetched::Failed {
                status: exit_status(out.status),
                output: String::from_utf8_lossy(&out.stderr).into_owned(),
            });
        }
    }
    wheelhouse::files(&artifacts, &tmp.wheelhouse).map_err(PipError::Report)?;
    Ok(Fetched::Files(artifacts))
}

/// The user's subcommand, from the wheelhouse only: `--no-index --find-links WHEELHOUSE
/// --no-deps --require-hashes`, one `name==version --hash` per checked artifact.
fn install_checked(
    python: &Path,
    a: &args::PipArgs,
    artifacts: &[wheelhouse::Artifact],
    tmp: &TempFiles,
) -> Result<Outcome, PipError> {
    if artifacts.is_empty() {
        // pip would say "You must give at least one requirement"; there is nothing to do
        return Ok(Outcome::Pip(0));
    }
    std::fs::write(&tmp.install, wheelhouse::install_requirements(artifacts))?;
    let mut cmd = isolated_pip(python);
    cmd.arg(a.subcommand.as_deref().unwrap_or("install"))
        .args(kept_options(a, INSTALL_OPTIONS))
        .args([
            "--no-index",
            "--no-deps",
            "--require-hashes",
            "--only-binary=:all:",
        ])
        .arg(format!("--find-links={}", tmp.wheelhouse.display()))
        .arg("--requirement")
        .arg(&tmp.install);
    status_of(python, cmd)
}

/// What the build steps share with the rest of the run.
struct Checker<'a> {
    python: &'a Path,
    effective: &'a args::PipArgs,
    engine: &'a Engine<'a>,
    private: bool,
    policy: &'a crate::finish::Policy,
    tmp: &'a TempFiles,
}

/// The user's options that reach the resolution of build requirements: where packages come
/// from and how they are fetched; never where or how anything is installed.
const BUILD_RESOLUTION_OPTIONS: &[&str] = &[
    "--index-url",
    "--extra-index-url",
    "--no-index",
    "--find-links",
    "--trusted-host",
    "--pre",
    "--prefer-binary",
    "--cert",
    "--client-cert",
    "--proxy",
    "--timeout",
    "--retries",
    "--resume-retries",
    "--keyring-provider",
    "--cache-dir",
    "--no-cache-dir",
];

/// Builds each target of `set` ([`build`]) from checked inputs only and puts the built wheel
/// in its place among `set.direct`; returns how the run ends when it ends here (blocked, a
/// failure), else `None`.
fn build_checked(
    ctx: &mut Context,
    cx: &Checker,
    set: &mut CanonicalSet,
    findings: &mut Vec<Finding>,
    files: usize,
    asker: &mut facts::IndexFacts,
) -> Result<Option<Outcome>, PipError> {
    let givens = match build::targets(&set.needs_build) {
        Ok(g) => g,
        Err(why) => {
            writeln!(ctx.stderr, "safe-pip: {why}. Nothing was run.")?;
            return Ok(Some(Outcome::CannotCheck));
        }
    };
    std::fs::create_dir_all(&cx.tmp.build)?;
    std::fs::write(&cx.tmp.hooks, build::HOOKS)?;
    'targets: for (i, given) in givens.iter().enumerate() {
        let work = cx.tmp.build.join(i.to_string());
        let written = &given.written;
        let (root, shown) = match &given.target {
            build::Target::Dir(p) => (p.clone(), written.trim_end_matches('/').to_owned()),
            build::Target::Archive(a) => {
                let dest = work.join("src");
                match build::unpack(a, &dest) {
                    Ok(root) => {
                        let rel = root
                            .strip_prefix(&dest)
                            .map(|r| r.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        let shown = if rel.is_empty() {
                            written.clone()
                        } else {
                            format!("{written}/{rel}")
                        };
                        (root, shown)
                    }
                    Err(why) => {
                        writeln!(
                            ctx.stderr,
                            "safe-pip: cannot unpack {why}; nothing was built or installed"
                        )?;
                        return Ok(Some(Outcome::CannotCheck));
                    }
                }
            }
        };
        // 1. the build requirements, read, never run
        let (system, refused) = build::build_system(&root, &shown);
        findings.extend(refused);
        let mut requirements = Vec::new();
        if let Some(system) = &system {
            for (text, at) in &system.requires {
                match canonical::registry_requirement(text) {
                    Ok(req) => {
                        requirements.push(req);
                        match parse_pep508(&system.src, text, *at, "build-system.requires") {
                            Ok(mut dep) => {
                                dep.private_index |= cx.private;
                                findings.extend(cx.engine.check(&dep)?);
                            }
                            Err(f) => findings.push(*f),
                        }
                    }
                    Err(why) => findings.push(build::url_requirement(&system.src, *at, text, &why)),
                }
            }
        }
        let when = format!("before building `{written}`");
        if let Some(o) = block_on_errors(ctx, cx, findings, files, &when)? {
            return Ok(Some(o));
        }
        let Some(system) = system else {
            return Ok(Some(Outcome::CannotCheck));
        };
        // 2. resolved from wheels only, every release checked, fetched by hash, inspected
        let build_set = CanonicalSet {
            requirements,
            options: set
                .options
                .iter()
                .filter(|o| BUILD_RESOLUTION_OPTIONS.contains(&o.long))
                .cloned()
                .collect(),
            ..CanonicalSet::default()
        };
        let (status, output, what) = 'ran: {
            let report = match resolve(cx.python, &build_set, "download", cx.tmp)? {
                Resolution::Report(r) => r,
                Resolution::Failed { status, output } => {
                    break 'ran (status, output, "resolve the build requirements of");
                }
            };
            let label = format!("<build requirements of {shown}, resolved by pip>");
            findings.extend(check_resolved(&report, cx.engine, cx.private, &label, asker)?.0);
            write_notes(ctx, asker)?;
            let artifacts = match fetch(cx.python, cx.effective, &report, cx.tmp)? {
                Fetched::Files(a) => a,
                Fetched::Failed { status, output } => {
                    break 'ran (status, output, "fetch the checked build requirements of");
                }
            };
            for a in artifacts.iter().filter(|a| a.is_wheel()) {
                let path = cx.tmp.wheelhouse.join(&a.filename);
                findings.extend(inspect::wheel(&path, &a.name, &a.version, &a.filename));
            }
            if let Some(o) = block_on_errors(ctx, cx, findings, files, &when)? {
                return Ok(Some(o));
            }
            // 3. a build environment of the checked wheels only
            let env_python = match build_env(cx, &work.join("env"), &artifacts)? {
                Ok(p) => p,
                Err((status, output)) => {
                    break 'ran (status, output, "make the build environment of");
                }
            };
            let installed: Vec<(String, String)> = report
                .install
                .iter()
                .map(|i| (i.metadata.name.clone(), i.metadata.version.clone()))
                .collect();
            writeln!(
                ctx.stderr,
                "safe-pip: building `{written}` with {} in an environment of its checked build requirements only ({})",
                system.backend,
                if installed.is_empty() {
                    "none".to_owned()
                } else {
                    installed
                        .iter()
                        .map(|(n, v)| format!("{n}=={v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            )?;
            // 4. what the backend asks for must be there already; then the wheel
            let wheel_dir = work.join("wheel");
            std::fs::create_dir_all(&wheel_dir)?;
            let asked = match run_hook(cx, &env_python, "requires", &root, &system, &wheel_dir)? {
                Ok(v) => v,
                Err((status, output)) => {
                    break 'ran (status, output, "ask the build backend what it needs for");
                }
            };
            let asked: Vec<String> = asked
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                        .collect()
                })
                .unwrap_or_else(|| vec![asked.to_string()]);
            let env = build::marker_environment(&report.environment);
            let unmet = build::unmet(&asked, &installed, env.as_ref());
            if !unmet.is_empty() {
                let listed = unmet
                    .iter()
                    .map(|u| format!("`{u}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                writeln!(
                    ctx.stderr,
                    "safe-pip: blocked: the build backend of `{written}` ({}) asks for {listed}, which its checked build requirements do not provide; safe-pip fetches nothing a build backend asks for, so nothing was built or installed (exit status {EXIT_BLOCKED}). If the project is yours, add {} to [build-system] requires in {shown}/pyproject.toml, where it is checked.",
                    system.backend,
                    if unmet.len() == 1 { "it" } else { "them" },
                )?;
                return Ok(Some(Outcome::Blocked));
            }
            let built = match run_hook(cx, &env_python, "build", &root, &system, &wheel_dir)? {
                Ok(v) => v,
                Err((status, output)) => break 'ran (status, output, "build"),
            };
            let name = built.as_str().unwrap_or("");
            let wheel = wheel_dir.join(name);
            if name.is_empty()
                || name.contains(['/', '\\'])
                || !name.to_ascii_lowercase().ends_with(".whl")
                || !wheel.is_file()
            {
                return Err(PipError::Report(format!(
                    "the build backend of `{written}` answered `{built}`, which is not a wheel it wrote"
                )));
            }
            let wheel = wheel.to_string_lossy().into_owned();
            for d in set.direct.iter_mut().filter(|d| *d == written) {
                *d = wheel.clone();
            }
            continue 'targets;
        };
        let so_far = crate::finish::finish(findings.clone(), cx.policy);
        let failed = format!("could not {what} `{written}`");
        pip_failed(ctx, so_far, files, 0, &output, &failed, status)?;
        return Ok(Some(Outcome::Pip(if status == 0 { 1 } else { status })));
    }
    set.needs_build.clear();
    Ok(None)
}

/// Blocks the run when `findings` hold an error after the policy; says `when`.
fn block_on_errors(
    ctx: &mut Context,
    cx: &Checker,
    findings: &[Finding],
    files: usize,
    when: &str,
) -> Result<Option<Outcome>, PipError> {
    let done = crate::finish::finish(findings.to_vec(), cx.policy);
    if !done.findings.iter().any(|f| f.severity == Severity::Error) {
        return Ok(None);
    }
    let report = CheckReport {
        findings: done.findings,
        files,
        hidden: done.hidden,
        ..CheckReport::default()
    };
    blocked(ctx, &report, when).map(Some)
}

/// A failed step: its status and what it printed.
type Failure = (i32, String);

/// A private virtualenv at `dir` (no pip, no system packages) holding `artifacts`, installed
/// from the wheelhouse with their hashes; its Python.
fn build_env(
    cx: &Checker,
    dir: &Path,
    artifacts: &[wheelhouse::Artifact],
) -> Result<Result<PathBuf, Failure>, PipError> {
    let spawn = |source| PipError::Spawn {
        python: cx.python.display().to_string(),
        source,
    };
    let failed = |out: std::process::Output| {
        let mut text = String::from_utf8_lossy(&out.stderr).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stdout));
        Ok(Err((exit_status(out.status), text)))
    };
    let out = Command::new(cx.python)
        .args(["-I", "-m", "venv", "--without-pip"])
        .arg(dir)
        .env(ACTIVE_ENV, "1")
        .stdin(Stdio::null())
        .output()
        .map_err(spawn)?;
    if !out.status.success() {
        return failed(out);
    }
    let Some(env_python) = [
        dir.join("bin").join("python"),
        dir.join("Scripts").join("python.exe"),
    ]
    .into_iter()
    .find(|p| p.exists()) else {
        return Err(PipError::Report(format!(
            "`{} -m venv` made no Python in {}",
            cx.python.display(),
            dir.display()
        )));
    };
    let out = Command::new(&env_python)
        .args([
            "-I",
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(spawn)?;
    let purelib = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if !out.status.success() || purelib.is_empty() {
        return failed(out);
    }
    if artifacts.is_empty() {
        return Ok(Ok(env_python));
    }
    std::fs::write(
        &cx.tmp.build_install,
        wheelhouse::install_requirements(artifacts),
    )?;
    let out = isolated_pip(cx.python)
        .arg("install")
        .args([
            "--no-index",
            "--no-deps",
            "--require-hashes",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "--no-input",
            "--progress-bar=off",
            "--quiet",
        ])
        .arg(format!("--find-links={}", cx.tmp.wheelhouse.display()))
        .arg("--target")
        .arg(&purelib)
        .arg("--requirement")
        .arg(&cx.tmp.build_install)
        .stdin(Stdio::null())
        .output()
        .map_err(spawn)?;
    if !out.status.success() {
        return failed(out);
    }
    Ok(Ok(env_python))
}

/// Calls `hook` ([`build::HOOKS`]) of `system`'s backend for the project at `root`, in the
/// build environment of `env_python`; the hook's answer.
fn run_hook(
    cx: &Checker,
    env_python: &Path,
    hook: &str,
    root: &Path,
    system: &build::BuildSystem,
    wheel_dir: &Path,
) -> Result<Result<serde_json::Value, Failure>, PipError> {
    let result = cx.tmp.build.join("hook-result.json");
    let _ = std::fs::remove_file(&result);
    let root = root.canonicalize()?;
    let mut cmd = Command::new(env_python);
    cmd.arg("-I")
        .arg(&cx.tmp.hooks)
        .arg(hook)
        .arg(&root)
        .arg(&system.backend)
        .arg(serde_json::to_string(&system.backend_path).unwrap_or_else(|_| "[]".into()))
        .arg(wheel_dir)
        .arg(&result)
        .current_dir(&root)
        .stdin(Stdio::null());
    for var in config::pip_variables() {
        cmd.env_remove(var);
    }
    // the environment's own commands first, as in pip's build environments
    if let Some(bin) = env_python.parent() {
        let mut path = vec![bin.to_path_buf()];
        path.extend(
            std::env::var_os("PATH")
                .map_or_else(Vec::new, |p| std::env::split_paths(&p).collect::<Vec<_>>()),
        );
        if let Ok(joined) = std::env::join_paths(path) {
            cmd.env("PATH", joined);
        }
    }
    cmd.env(
        "PIP_CONFIG_FILE",
        if cfg!(windows) { "nul" } else { "/dev/null" },
    )
    .env("PYTHONNOUSERSITE", "1")
    .env(ACTIVE_ENV, "1");
    let out = cmd.output().map_err(|source| PipError::Spawn {
        python: env_python.display().to_string(),
        source,
    })?;
    let mut text = String::from_utf8_lossy(&out.stderr).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stdout));
    if !out.status.success() {
        return Ok(Err((exit_status(out.status), text)));
    }
    let answer = std::fs::read_to_string(&result)
        .map_err(|e| PipError::Report(format!("the build backend gave no answer: {e}")))?;
    serde_json::from_str(&answer)
        .map(Ok)
        .map_err(|e| PipError::Report(format!("the build backend's answer: {e}")))
}

/// Writes the warnings of `report`, what the user allowed, the notes of a name near a popular
/// one (a project the index says is dormant is installed, and the user is told of the near
/// name), and what was hidden; returns how many findings it showed.
fn write_warnings(ctx: &mut Context, report: CheckReport) -> Result<usize, PipError> {
    let shown = CheckReport {
        findings: report
            .findings
            .into_iter()
            .filter(|f| {
                f.severity == Severity::Warning
                    || f.allowed.is_some()
                    || f.rule == crate::finding::Rule::Typosquat
            })
            .collect(),
        ..report
    };
    if !shown.findings.is_empty() || !shown.hidden.is_empty() {
        crate::report::human::write(&shown, ctx.stderr, ctx.color)?;
    }
    Ok(shown.findings.len())
}

/// Says that a step failed before anything was installed: safe-pip's own warnings so far
/// (`so_far`, over `files` and `dependencies`) first, then pip's messages (`output`) as pip gave
/// them, then what `failed` and pip's `status`.
fn pip_failed(
    ctx: &mut Context,
    so_far: crate::finish::Finished,
    files: usize,
    dependencies: usize,
    output: &str,
    failed: &str,
    status: i32,
) -> Result<(), PipError> {
    write_warnings(
        ctx,
        CheckReport {
            findings: so_far.findings,
            files,
            dependencies,
            hidden: so_far.hidden,
            ..CheckReport::default()
        },
    )?;
    ctx.stderr.write_all(output.as_bytes())?;
    writeln!(
        ctx.stderr,
        "safe-pip: {failed} (status {status}); nothing was installed"
    )?;
    Ok(())
}

/// What in `cfg` would weaken safe-pip's checks. safe-pip has no rule choice, so `select` and
/// `ignore` do not count: they do not apply here at all.
pub fn relaxations(cfg: &crate::config::Config) -> Vec<crate::config::Relaxation> {
    let mut out = cfg.relaxations();
    out.retain(|r| *r != crate::config::Relaxation::RulesOff);
    out
}

fn blocked(ctx: &mut Context, report: &CheckReport, when: &str) -> Result<Outcome, PipError> {
    crate::report::human::write(report, ctx.stderr, ctx.color)?;
    writeln!(
        ctx.stderr,
        "safe-pip: blocked {when}: nothing was installed (exit status {EXIT_BLOCKED}). If a finding is wrong, re-run with --squatguard-allow NAME."
    )?;
    Ok(Outcome::Blocked)
}

/// True when an index other than PyPI replaces it (`--index-url`, `--no-index`): names
/// absent from PyPI are then expected, and `not-on-pypi` does not apply.
fn replaces_pypi(a: &args::PipArgs) -> bool {
    a.has("--no-index")
        || a.values("--index-url")
            .any(|u| !crate::index_url::is_pypi_index(u))
}

/// The user's command line with the user's pip configuration ([`config`]) put in as explicit
/// options right after the subcommand, where the command line's own options still win.
fn with_config(parsed: &args::PipArgs, cfg: &config::PipConfig) -> Result<args::PipArgs, PipError> {
    let mut argv = parsed.passthrough.clone();
    let at = parsed.subcommand_at.map_or(argv.len(), |i| i + 1);
    argv.splice(at..at, cfg.arguments(parsed));
    let mut effective = args::parse(&argv)?;
    effective.allow = parsed.allow.clone();
    effective.allow_build = parsed.allow_build;
    Ok(effective)
}

/// The findings about the user's pip configuration: files that came with the repository
/// (never applied), and the index settings judged by the index rules.
fn config_findings(cfg: &config::PipConfig) -> Vec<Finding> {
    let mut out: Vec<Finding> = cfg
        .repository_files
        .iter()
        .map(|f| {
            Finding::new(
                crate::finding::Rule::IndexUrl,
                crate::source::display_path(&f.path),
                1,
                1,
                format!(
                    "pip would read this configuration file, but it came with the repository ({}): what it sets (indexes, find-links, options) is the repository's choice, not yours; safe-pip does not apply it",
                    f.why
                ),
            )
            .with_severity(Severity::Error)
            .with_help("delete the file (pip reads it on every run in this virtualenv), or recreate the virtualenv")
        })
        .collect();
    out.extend(cfg.unreadable.iter().map(|(path, why)| {
        Finding::new(
            crate::finding::Rule::InvalidManifest,
            crate::source::display_path(path),
            1,
            1,
            format!("pip would read this configuration file, but safe-pip cannot: {why}; what pip would make of it is unknown"),
        )
        .with_severity(Severity::Error)
        .with_help("remove or repair the file, or run with PIP_CONFIG_FILE=/dev/null")
    }));
    for src in cfg.index_sources() {
        out.extend(judged(requirements_txt::parse(&src)).findings);
    }
    out
}

/// `sys.prefix` of `python`, whose `pip.conf` is pip's site configuration.
fn sys_prefix(python: &Path) -> Option<PathBuf> {
    let out = Command::new(python)
        .args(["-I", "-c", "import sys; print(sys.prefix)"])
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let p = text.trim();
    (out.status.success() && !p.is_empty()).then(|| PathBuf::from(p))
}

/// `python -m pip --isolated`, with `PIP_CONFIG_FILE` at the null device and every other
/// `PIP_*` variable removed: pip reads no configuration, safe-pip passes what it applies.
fn isolated_pip(python: &Path) -> Command {
    let mut cmd = pip_of(python);
    cmd.arg("--isolated");
    for var in config::pip_variables() {
        cmd.env_remove(var);
    }
    cmd.env(
        "PIP_CONFIG_FILE",
        if cfg!(windows) { "nul" } else { "/dev/null" },
    )
    .env(ACTIVE_ENV, "1");
    cmd
}

/// The command line's requirement options and positionals, as pip's argument parser gave
/// them ([`args`]), as the lines of a requirements file that the reader reads as they are
/// (`-r FILE`, `--index-url URL`, `REQUIREMENT`): the same rules as `squatguard check`
/// applies to a file, each value exactly as pip receives it (no quoting, comment or `${VAR}`
/// rule applies, as none does on a command line). A value holding a control character (a line
/// break among them), which the shown lines could not hold, is refused.
fn command_line_source(a: &args::PipArgs) -> Result<requirements_txt::GivenLines, PipError> {
    use requirements_txt::{Given, PipOption};
    let mut given = Vec::new();
    for o in &a.options {
        let (option, spelled) = match o.long {
            "--requirement" => (PipOption::Requirement, "-r"),
            "--constraint" => (PipOption::Constraint, "-c"),
            "--editable" => (PipOption::Editable, "-e"),
            "--index-url" => (PipOption::IndexUrl, o.long),
            "--extra-index-url" => (PipOption::ExtraIndexUrl, o.long),
            "--find-links" => (PipOption::FindLinks, o.long),
            "--trusted-host" => (PipOption::TrustedHost, o.long),
            _ => continue,
        };
        if let Some(value) = &o.value {
            given.push(Given::Option {
                option,
                spelled,
                value,
            });
        }
    }
    given.extend(a.positionals.iter().map(|p| Given::Requirement(p)));
    requirements_txt::GivenLines::new("<command line>", &given).map_err(|v| {
        PipError::Refused(format!(
            "`{}`: a control character (a line break, say) in a value of the command line is not checked; remove it",
            v.escape_debug()
        ))
    })
}

/// The reader of the command line's files: outside git, their includes stay within the
/// nearest folder holding the working directory and every file the command line names.
fn command_line_reader(a: &args::PipArgs) -> requirements_txt::Reader<'static> {
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|c| c.canonicalize().ok())
        .unwrap_or_else(|| PathBuf::from("."));
    let mut within = cwd.clone();
    for f in a.values("--requirement").chain(a.values("--constraint")) {
        let dir = cwd
            .join(f)
            .canonicalize()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf));
        if let Some(dir) = dir {
            while !dir.starts_with(&within) {
                match within.parent() {
                    Some(up) => within = up.to_path_buf(),
                    None => break,
                }
            }
        }
    }
    requirements_txt::Reader::default().within(&within)
}

/// Whether `findings` judge an index an error: then it is not asked about any name.
fn stops_asking(findings: &[Finding]) -> bool {
    findings
        .iter()
        .any(|f| f.rule == crate::finding::Rule::IndexUrl && f.severity == Severity::Error)
}

/// The index asker's notes, on stderr.
fn write_notes(ctx: &mut Context, asker: &mut facts::IndexFacts) -> Result<(), PipError> {
    for note in std::mem::take(&mut asker.notes) {
        writeln!(ctx.stderr, "safe-pip: note: {note}")?;
    }
    Ok(())
}

fn static_phase(
    a: &args::PipArgs,
    engine: &Engine,
    private: bool,
    asker: &mut facts::IndexFacts,
) -> Result<(Vec<Finding>, usize, usize), PipError> {
    let given = command_line_source(a)?;
    let mut manifest = judged(requirements_txt::build_given(
        &given,
        command_line_reader(a),
    ));
    let mut findings = std::mem::take(&mut manifest.findings);
    if stops_asking(&findings) {
        asker.stop("the index is judged an error");
    }
    let files = 1 + a.values("--requirement").count() + a.values("--constraint").count();
    for dep in &mut manifest.dependencies {
        dep.private_index |= private;
        let found = engine.check(dep)?;
        findings.extend(asker.judge(engine, dep, found)?);
    }
    Ok((findings, files, manifest.dependencies.len()))
}

/// Checks every package in the report at its exact version; returns the findings and how
/// many packages were pulled in rather than requested.
///
/// Each dependency is built from the report's fields ([`resolved_dependency`]), never from a
/// text written for it. `label` is a source made only for display: a line per package,
/// `name==version` (`name @ URL` for a direct one) and how it came in, where findings are
/// placed and from which their snippets are taken.
fn check_resolved(
    r: &report::InstallReport,
    engine: &Engine,
    private: bool,
    label: &str,
    asker: &mut facts::IndexFacts,
) -> Result<(Vec<Finding>, usize), PipError> {
    let mut text = String::new();
    let mut starts = Vec::new();
    for item in &r.install {
        let m = &item.metadata;
        starts.push(text.len());
        text.push_str(&shown_item(item));
        match r.pulled_in_by(&m.name) {
            None => text.push_str("  # requested"),
            Some(chain) if chain.len() > 1 => {
                text.push_str(&format!("  # pulled in by {}", chain.join(" -> ")))
            }
            Some(_) => text.push_str("  # pulled in"),
        }
        text.push('\n');
    }
    let src = SourceFile::new(label, text);
    let mut findings = Vec::new();
    let mut transitive = 0;
    for (item, start) in r.install.iter().zip(starts) {
        if !item.requested {
            transitive += 1;
        }
        let section = if item.requested {
            "requested"
        } else {
            "transitive"
        };
        match resolved_dependency(&src, item, start, section) {
            Ok(mut dep) => {
                dep.private_index |= private;
                let found = engine.check(&dep)?;
                findings.extend(asker.judge(engine, &dep, found)?);
            }
            Err(f) => findings.push(*f),
        }
    }
    Ok((findings, transitive))
}

/// How a report item is shown: `name @ URL` when pip installs it from a URL or path the
/// user gave, else `name==version`.
fn shown_item(item: &report::Item) -> String {
    let m = &item.metadata;
    match item.download_info.as_ref().filter(|_| item.is_direct) {
        Some(d) => format!("{} @ {}", m.name, d.url),
        None => format!("{}=={}", m.name, m.version),
    }
}

/// The dependency a report item stands for, shown at byte `start` of `src`: named by the
/// item's name, which must be a project name, pinned with `==` to its version, which must be
/// a PEP 440 one; a direct one (`is_direct` with a `download_info`) from its URL too,
/// classified as a requirements file's `name @ URL` is ([`DependencySource::classify`]).
///
/// A name or version that is not one is an `invalid-requirement` finding, worded as the
/// PEP 508 parser refuses the item as shown, the message squatguard gives that line in a
/// requirements file. Where the shown text would read as another requirement (a name
/// `x[extra]`, a version `1.0,<2` or `1.0 ; marker`), the field itself is named.
fn resolved_dependency(
    src: &SourceFile,
    item: &report::Item,
    start: usize,
    section: &str,
) -> Result<Dependency, Box<Finding>> {
    let m = &item.metadata;
    let direct = item.download_info.as_ref().filter(|_| item.is_direct);
    let refused = |at: usize, why: String| {
        let shown = shown_item(item);
        parse_pep508(src, &shown, start, section)
            .err()
            .unwrap_or_else(|| {
                let message = format!("invalid requirement `{shown}`: {why}");
                let mut f = finding_at(
                    src,
                    crate::finding::Rule::InvalidRequirement,
                    start + at,
                    message,
                );
                if crate::name::is_valid(&m.name) {
                    f = f.with_package(normalize(&m.name));
                }
                Box::new(f)
            })
    };
    if !crate::name::is_valid(&m.name) {
        return Err(refused(
            0,
            format!(
                "pip's report names the package `{}`, which is not a valid package name",
                m.name
            ),
        ));
    }
    let mut dep = Dependency::new(src, &m.name, start, section);
    // the release pip installs, direct or not: a direct one is judged at its version too (a
    // known malicious release from a URL or path is no less one than from the index)
    match Version::from_str(&m.version) {
        Ok(v) => dep.specifiers = Some(VersionSpecifier::equals_version(v).into()),
        Err(e) => {
            let why = format!(
                "pip's report gives the version `{}`, which is not a PEP 440 version: {e}",
                m.version
            );
            let at = if direct.is_some() { 0 } else { m.name.len() };
            return Err(refused(at, why));
        }
    }
    if let Some(d) = direct {
        dep.source = DependencySource::classify(&d.url);
    }
    Ok(dep)
}

enum Resolution {
    Report(report::InstallReport),
    /// pip's status and its messages (stderr), passed through as they are: why a resolution
    /// failed is pip's to say, never guessed from its text.
    Failed {
        status: i32,
        output: String,
    },
}

/// Options dropped from the dry run: output, verbosity, and what only `download`/`wheel` have.
const NOT_FOR_DRY_RUN: &[&str] = &[
    "--dry-run",
    "--report",
    "--quiet",
    "--verbose",
    "--progress-bar",
    "--dest",
    "--wheel-dir",
    "--no-verify",
    "--build-option",
    "--log",
];

/// The canonical set's requirements and constraints as files safe-pip wrote, as pip options.
fn set_files(set: &CanonicalSet, tmp: &TempFiles) -> Result<Vec<OsString>, PipError> {
    let mut out = Vec::new();
    if !set.requirements.is_empty() {
        std::fs::write(&tmp.requirements, canonical::file_text(&set.requirements))?;
        out.push("--requirement".into());
        out.push(tmp.requirements.clone().into_os_string());
    }
    if !set.constraints.is_empty() {
        std::fs::write(&tmp.constraints, canonical::file_text(&set.constraints))?;
        out.push("--constraint".into());
        out.push(tmp.constraints.clone().into_os_string());
    }
    Ok(out)
}

/// `pip install --dry-run --report` of `set`, from wheels only; `--ignore-installed` for
/// `download` and `wheel`, which fetch what is installed too.
fn dry_run(
    python: &Path,
    set: &CanonicalSet,
    subcommand: &str,
    tmp: &TempFiles,
) -> Result<std::process::Output, PipError> {
    let mut cmd: Vec<OsString> = vec!["install".into()];
    cmd.extend(
        set.options
            .iter()
            .filter(|o| !NOT_FOR_DRY_RUN.contains(&o.long))
            .map(args::Opt::spelled),
    );
    cmd.extend(
        [
            "--dry-run",
            "--disable-pip-version-check",
            "--no-input",
            "--progress-bar=off",
        ]
        .map(OsString::from),
    );
    cmd.push("--report".into());
    cmd.push(tmp.report.clone().into_os_string());
    if subcommand != "install" {
        cmd.push("--ignore-installed".into());
    }
    // after the user's options, so that it wins over a `--no-binary` among them
    cmd.push("--only-binary=:all:".into());
    cmd.extend(set_files(set, tmp)?);
    for e in &set.editables {
        cmd.push("--editable".into());
        cmd.push(e.into());
    }
    if set.direct.iter().any(|p| p.starts_with('-')) {
        cmd.push("--".into());
    }
    cmd.extend(set.direct.iter().map(OsString::from));
    isolated_pip(python)
        .args(&cmd)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| PipError::Spawn {
            python: python.display().to_string(),
            source,
        })
}

fn resolve(
    python: &Path,
    set: &CanonicalSet,
    sub: &str,
    tmp: &TempFiles,
) -> Result<Resolution, PipError> {
    let out = dry_run(python, set, sub, tmp)?;
    let report_path = &tmp.report;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        if stderr.contains("no such option: --report")
            || stderr.contains("no such option: --dry-run")
        {
            return Err(PipError::Report(
                "this pip has no `install --dry-run --report` (pip 22.2 or newer is needed); upgrade it with `python -m pip install --upgrade pip`".into(),
            ));
        }
        return Ok(Resolution::Failed {
            status: out.status.code().unwrap_or(1),
            // pip's warnings and errors; its log went to stdout
            output: stderr.into_owned(),
        });
    }
    let text = std::fs::read_to_string(report_path)
        .map_err(|e| PipError::Report(format!("pip wrote no report: {e}")))?;
    let report =
        report::InstallReport::from_json(&text).map_err(|e| PipError::Report(e.to_string()))?;
    match report.version.as_deref() {
        // "0": pip 22.2 and 22.3, whose experimental report already has every field read here
        Some("0" | "1") => Ok(Resolution::Report(report)),
        other => Err(PipError::Report(format!(
            "unsupported report version {other:?} (safe-pip reads versions \"0\" and \"1\")"
        ))),
    }
}

/// How `python` runs its pip: as `python -m pip` would, but with the working directory taken
/// off `sys.path` before `pip` is imported. `-m` (and `-c`) put the working directory first, so a
/// `pip/` folder in the repository being installed would be imported instead of pip (Python
/// 3.11's `-P` does the same, and older Pythons have no such flag).
const RUN_PIP: &str = "import sys; sys.path[:] = [p for p in sys.path if p != '']; import runpy; runpy.run_module('pip', run_name='__main__', alter_sys=True)";

/// `python` running its pip ([`RUN_PIP`]); the arguments follow.
fn pip_of(python: &Path) -> Command {
    let mut cmd = Command::new(python);
    cmd.args(["-c", RUN_PIP]);
    cmd
}

/// Runs `python -m pip ARGS` with the terminal, and returns its status.
fn pip(python: &Path, args: &[OsString]) -> Result<Outcome, PipError> {
    let mut cmd = pip_of(python);
    cmd.args(args).env(ACTIVE_ENV, "1");
    status_of(python, cmd)
}

/// Runs `cmd` (a pip of `python`) with the terminal, and returns its status.
fn status_of(python: &Path, mut cmd: Command) -> Result<Outcome, PipError> {
    let status = cmd.status().map_err(|source| PipError::Spawn {
        python: python.display().to_string(),
        source,
    })?;
    Ok(Outcome::Pip(exit_status(status)))
}

fn exit_status(status: std::process::ExitStatus) -> i32 {
    if let Some(code) = status.code() {
        return code;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return 128 + sig;
        }
    }
    1
}

/// True when `python` is this very executable, or the `safe-pip` launcher beside it that runs
/// it (an alias or symlink gone round in a circle).
fn is_self(python: &Path) -> bool {
    let resolved = if python.components().count() > 1 {
        Some(python.to_path_buf())
    } else {
        find_on_path(python)
    };
    let (Some(p), Ok(me)) = (resolved, std::env::current_exe()) else {
        return false;
    };
    let launcher = me.with_file_name(format!("safe-pip{}", std::env::consts::EXE_SUFFIX));
    let Ok(p) = p.canonicalize() else {
        return false;
    };
    [me, launcher]
        .iter()
        .any(|exe| exe.canonicalize().is_ok_and(|exe| exe == p))
}

fn find_on_path(name: &Path) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The files of one run (report, requirements, the wheelhouse), in a private temporary
/// directory removed when the run ends.
struct TempFiles {
    _dir: tempfile::TempDir,
    report: PathBuf,
    /// The canonical set's requirements and constraints, as safe-pip wrote them.
    requirements: PathBuf,
    constraints: PathBuf,
    /// Build work: per target, its unpacked source, build environment and wheel.
    build: PathBuf,
    /// The PEP 517 hook caller ([`build::HOOKS`]).
    hooks: PathBuf,
    /// The build environment's requirements: the checked build artifacts with their hashes.
    build_install: PathBuf,
    /// `pip download` requirements of the remote artifacts.
    fetch: PathBuf,
    /// The install's requirements: the checked artifacts with their hashes.
    install: PathBuf,
    /// The checked artifacts, and only them.
    wheelhouse: PathBuf,
}

impl TempFiles {
    fn new() -> std::io::Result<Self> {
        let dir = tempfile::Builder::new().prefix("safe-pip-").tempdir()?;
        let p = dir.path();
        Ok(TempFiles {
            report: p.join("report.json"),
            requirements: p.join("requirements.txt"),
            constraints: p.join("constraints.txt"),
            build: p.join("build"),
            hooks: p.join("pep517_hooks.py"),
            build_install: p.join("build-install.txt"),
            fetch: p.join("fetch.txt"),
            install: p.join("install.txt"),
            wheelhouse: p.join("wheelhouse"),
            _dir: dir,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_as_requirements() {
        let a = args::parse(
            &[
                "install",
                "-rreq.txt",
                "--index-url=https://x/simple",
                "foo>=1",
            ]
            .map(OsString::from),
        )
        .unwrap();
        let given = command_line_source(&a).unwrap();
        assert_eq!(
            given.src.text,
            "-r req.txt\n--index-url https://x/simple\nfoo>=1\n"
        );
        assert!(replaces_pypi(&a));
    }

    #[test]
    fn command_line_values_are_taken_as_given() {
        let a =
            args::parse(&["install", "-r", "req #1 ${X}'\\.txt", "foo  # x"].map(OsString::from))
                .unwrap();
        let given = command_line_source(&a).unwrap();
        assert_eq!(given.src.text, "-r req #1 ${X}'\\.txt\nfoo  # x\n");
        for line_break in ["-rreq\n.txt", "foo\r"] {
            let a = args::parse(&["install", line_break].map(OsString::from)).unwrap();
            assert!(matches!(command_line_source(&a), Err(PipError::Refused(_))));
        }
    }

    /// One report item per `(name, version, direct URL)`, each shown as `check_resolved`
    /// shows it, with the dependency or finding built for it and the parser's reading of the
    /// shown text.
    fn resolved(items: &[(&str, &str, Option<&str>)]) -> Vec<(String, String, String)> {
        let install: Vec<serde_json::Value> = items
            .iter()
            .map(|(name, version, url)| {
                serde_json::json!({
                    "metadata": {"name": name, "version": version},
                    "requested": true,
                    "is_direct": url.is_some(),
                    "download_info": url.map(|u| serde_json::json!({"url": u})),
                })
            })
            .collect();
        let json = serde_json::json!({"version": "1", "install": install}).to_string();
        let r = report::InstallReport::from_json(&json).unwrap();
        r.install
            .iter()
            .map(|item| {
                let shown = shown_item(item);
                let src =
                    SourceFile::new("<resolved by pip>", format!("x\n{shown}  # requested\n"));
                let built = resolved_dependency(&src, item, 2, "requested");
                let parsed = parse_pep508(&src, &shown, 2, "requested");
                (shown, format!("{built:?}"), format!("{parsed:?}"))
            })
            .collect()
    }

    #[test]
    fn report_items_are_built_from_their_fields() {
        // where the shown line is the requirement the fields give, built as it reads (refused
        // as the parser refuses it); where it would read as another one, refused all the same
        let found = resolved(&[
            ("Foo.Bar_baz", "1.0", None),
            ("foo", "1.0-1", None),
            ("foo", "v2!1.0+local.7", None),
            ("foo", "1.0abc", None),
            ("foo", "1.0 x", None),
            ("foo", "", None),
            ("foo_", "1.0", None),
            ("fo o", "1.0", None),
            ("-foo", "1", None),
            // the last 5: read as another requirement
            ("foo", "1.0,<2", None),
            ("foo", "1.0 ; python_version < '0'", None),
            ("foo", "1.*", None),
            ("foo[x]", "1.0", None),
            ("foo @ https://x/y.whl#", "1.0", None),
        ]);
        let (same, other) = found.split_at(found.len() - 5);
        for (shown, built, parsed) in same {
            assert_eq!(built, parsed, "{shown}");
        }
        for (shown, built, parsed) in other {
            assert!(parsed.starts_with("Ok("), "{shown}: {parsed}");
            assert!(built.starts_with("Err("), "{shown}: {built}");
            assert!(built.contains("InvalidRequirement"), "{built}");
            assert!(built.contains("pip's report"), "{built}");
        }
    }

    /// A direct item is judged at the release it installs, as one from the index is: a known
    /// malicious release from a URL or path (a transitive `name @ URL`, say) is a pin to it,
    /// not an unpinned requirement that only admits it.
    #[test]
    fn direct_report_items_are_pinned_to_their_version() {
        let item = |version: &str, url: &str| {
            let json = serde_json::json!({"version": "1", "install": [{
                "metadata": {"name": "num2words", "version": version},
                "requested": false,
                "is_direct": true,
                "download_info": {"url": url},
            }]});
            report::InstallReport::from_json(&json.to_string()).unwrap()
        };
        let src = SourceFile::new("<resolved by pip>", "x\n".repeat(4));
        for (url, source) in [
            (
                "https://x/num2words-0.5.15-py3-none-any.whl",
                DependencySource::Url("https://x/num2words-0.5.15-py3-none-any.whl".into()),
            ),
            (
                "git+https://x/n@v1",
                DependencySource::Vcs("git+https://x/n@v1".into()),
            ),
            (
                "file:///tmp/num2words-0.5.15-py3-none-any.whl",
                DependencySource::Path("file:///tmp/num2words-0.5.15-py3-none-any.whl".into()),
            ),
        ] {
            let r = item("0.5.15", url);
            let dep = resolved_dependency(&src, &r.install[0], 2, "transitive").unwrap();
            assert_eq!(dep.source, source, "{url}");
            assert_eq!(dep.pinned_version().unwrap().to_string(), "0.5.15", "{url}");
            // judged as the pin it is: the malicious release is an error, not a range warning
            let data = crate::data::Data::load(None, u64::MAX);
            let engine = crate::rules::Engine::new(&data, 5000);
            let found = engine.check(&dep).unwrap();
            assert!(
                found
                    .iter()
                    .any(|f| f.rule == crate::finding::Rule::KnownMalicious
                        && f.severity == Severity::Error),
                "{url}: {found:?}"
            );
        }
        let r = item("1.0 x", "https://x/n.whl");
        let refused = resolved_dependency(&src, &r.install[0], 2, "transitive").unwrap_err();
        assert_eq!(refused.rule, crate::finding::Rule::InvalidRequirement);
        assert!(
            refused.message.contains("pip's report"),
            "{}",
            refused.message
        );
    }

    #[test]
    fn exit_codes() {
        assert_eq!(Outcome::Blocked.exit_code(), 65);
        assert_eq!(Outcome::CannotCheck.exit_code(), 66);
        assert_eq!(Outcome::NeedsBuild.exit_code(), 67);
        assert_eq!(Outcome::Pip(23).exit_code(), 23);
    }
}
