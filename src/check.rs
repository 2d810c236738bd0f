//! `squatguard check`: find manifests, parse them, run the rules, collect findings; then
//! [`crate::finish`] turns them into the report.
//!
//! Discovery (`walk_tree`) is not the repository's to steer: in a git work tree, a file the
//! index tracks is read whatever ignore files, dot folders, folder names or `pyvenv.cfg` files
//! say (the configuration's `exclude` aside); those skip only untracked paths. Every skipped
//! directory, and every skipped file that would have been read, is returned with its
//! [`SkipReason`], for stderr and the JSON summary.

use crate::finding::{Finding, Rule, Severity};
use crate::finish::{finish, Finished, Hidden, Policy};
use crate::manifest::{self, Dependency, ManifestKind};
use crate::rules::{Engine, LookedUp};
use crate::source::{clean, display_path, in_folder_named, read_source, ReadError, SKIP_DIRS};
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What to check and which rules to report.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Files or directories; empty means the current directory.
    pub paths: Vec<PathBuf>,
    /// The configuration, whose files these are, and the rule choice: what [`finish`] applies.
    pub policy: Policy,
    /// The configuration's `exclude`, which directory walks honour.
    pub exclude: Option<crate::exclude::Exclude>,
    /// Files named in `paths` are excluded too (pre-commit passes file names).
    pub force_exclude: bool,
}

/// The outcome of a check.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Sorted by file and position, without duplicates.
    pub findings: Vec<Finding>,
    /// Manifests read (includes followed count once each).
    pub files: usize,
    /// Dependencies judged.
    pub dependencies: usize,
    /// Findings not reported, each with why (see [`crate::finish`]). Said on stderr, so that a
    /// configuration that silences the checks is seen.
    pub hidden: Vec<Hidden>,
    /// Files named on the command line that `exclude` skipped (`--force-exclude`).
    pub excluded: usize,
    /// What the directory walks left unread, and why: said on stderr and in the JSON summary,
    /// so that nothing is left out unseen.
    pub skipped: Vec<Skipped>,
    /// A directory walk passed Python code, which `scan` judges and `check` does not.
    pub python_code: bool,
    /// The report of `scan`, which read the code itself: its summary says what a warning there
    /// asks of the user.
    pub code_scanned: bool,
}

impl CheckReport {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }

    /// `skipped 3 paths: 2 virtualenv, 1 symlink not followed (...)`, when anything was.
    pub fn skipped_summary(&self) -> Option<String> {
        if self.skipped.is_empty() {
            return None;
        }
        let mut counts: Vec<(SkipReason, usize)> = Vec::new();
        for s in &self.skipped {
            match counts.iter_mut().find(|(r, _)| *r == s.reason) {
                Some((_, n)) => *n += 1,
                None => counts.push((s.reason, 1)),
            }
        }
        counts.sort_by_key(|(r, n)| (std::cmp::Reverse(*n), r.as_str()));
        let n = self.skipped.len();
        let reasons: Vec<String> = counts
            .iter()
            .map(|(r, n)| format!("{n} {}", r.as_str()))
            .collect();
        Some(format!(
            "skipped {n} {}: {} (`--format json` lists them)",
            if n == 1 { "path" } else { "paths" },
            reasons.join(", ")
        ))
    }
}

/// Why a check could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("`{path}`: {reason}")]
    Read { path: String, reason: ReadError },
    #[error("the data in use is corrupt: {0}; run `squatguard db update` or remove the cache")]
    Data(#[from] crate::store::StoreError),
    #[error("walking `{path}`: {message}")]
    Walk { path: String, message: String },
}

/// Version-control folders: never walked, never listed (nothing in them is a manifest).
const VCS_DIRS: &[&str] = &[".git", ".hg", ".svn"];

/// Folder names among [`SKIP_DIRS`] that hold an environment's installed packages.
const VENV_DIRS: &[&str] = &["venv", ".venv", "site-packages"];

/// Why a walk left a path unread. Ignore files and dot folders hide nothing: the repository
/// being checked writes them, and the `.git` around it may be one it brought. In a git work
/// tree only untracked paths are skipped (but for `exclude`): the repository could drop a
/// `pyvenv.cfg` anywhere, so it may not hide what the repository ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// A virtualenv: a folder holding `pyvenv.cfg`, or named `venv`, `.venv`, `site-packages`.
    Virtualenv,
    /// A tool's folder by name (`node_modules`, `__pycache__`, `.tox`, `.nox`).
    ToolFolder,
    /// Matched by the configuration's `exclude`.
    ExcludedByConfig,
    /// A symbolic link not followed (see `judge_link`); also an `invalid-manifest` finding.
    SymlinkNotFollowed,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Virtualenv => "virtualenv",
            SkipReason::ToolFolder => "tool folder",
            SkipReason::ExcludedByConfig => "excluded by config",
            SkipReason::SymlinkNotFollowed => "symlink not followed",
        }
    }
}

impl serde::Serialize for SkipReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A directory or file a walk did not read, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    /// As shown (a directory ends with `/`).
    pub path: String,
    pub reason: SkipReason,
}

/// The files git tracks in the work tree around a walk's root, canonical, with every directory
/// above one (submodules' files included).
/// Paths are kept as their bytes, which hash faster than `Path`'s components; both sides are
/// built by joining clean relative paths to a canonical directory.
#[derive(Default)]
struct Tracked {
    files: HashSet<OsString>,
    dirs: HashSet<OsString>,
}

/// The mode git records for a submodule.
const GITLINK_MODE: u32 = 0o160000;

impl Tracked {
    /// `None` outside a git work tree, when its index cannot be read, or when it tracks nothing
    /// under `root`: a tree git knows nothing of (an archive unpacked inside another work tree,
    /// or one that brings a `.git` of its own tracking none of its files) is walked as outside
    /// git, since the ignore files that would hide its untracked files are not the user's.
    fn around(root: &Path) -> Option<Tracked> {
        let repo = git2::Repository::discover(root).ok()?;
        let below = std::fs::canonicalize(root).ok()?;
        let mut tracked = Tracked::default();
        let read = tracked.add(&repo, &below, 0);
        (read && !tracked.files.is_empty()).then_some(tracked)
    }

    /// Adds what `repo`'s index holds under `below` (the walk's root, canonical); false when
    /// the index cannot be read.
    fn add(&mut self, repo: &git2::Repository, below: &Path, depth: usize) -> bool {
        let (Some(workdir), Ok(index)) = (repo.workdir(), repo.index()) else {
            return false;
        };
        let Ok(workdir) = std::fs::canonicalize(workdir) else {
            return false;
        };
        for entry in index.iter() {
            let Some(rel) = path_of_bytes(&entry.path) else {
                continue;
            };
            let path = workdir.join(rel);
            if !path.starts_with(below) {
                continue;
            }
            self.add_dirs_above(&path, &workdir);
            if entry.mode == GITLINK_MODE {
                self.dirs.insert(path.clone().into_os_string());
                if let Ok(sub) = git2::Repository::open(&path) {
                    if depth < 8 {
                        self.add(&sub, below, depth + 1);
                    }
                }
            } else {
                self.files.insert(path.into_os_string());
            }
        }
        true
    }

    fn add_dirs_above(&mut self, path: &Path, workdir: &Path) {
        let mut dir = path.parent();
        while let Some(d) = dir {
            if d == workdir || !self.dirs.insert(d.as_os_str().to_owned()) {
                break;
            }
            dir = d.parent();
        }
    }

    fn holds(&self, canonical: &Path, is_dir: bool) -> bool {
        if is_dir {
            self.dirs.contains(canonical.as_os_str())
        } else {
            self.files.contains(canonical.as_os_str())
        }
    }
}

#[cfg(unix)]
fn path_of_bytes(bytes: &[u8]) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    Some(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
}

#[cfg(not(unix))]
fn path_of_bytes(bytes: &[u8]) -> Option<PathBuf> {
    std::str::from_utf8(bytes).ok().map(PathBuf::from)
}

/// Decides, entry by entry, what a walk prunes, and records why.
struct Judge {
    root: PathBuf,
    canonical_root: Option<PathBuf>,
    skip_dirs: &'static [&'static str],
    tracked: Option<Tracked>,
    excluded: Box<dyn Fn(&ignore::DirEntry) -> bool + Send + Sync>,
    /// Directories walked only because they hold tracked files, with why they would have been
    /// skipped: their untracked entries are skipped for that reason.
    held: Mutex<HashMap<PathBuf, SkipReason>>,
    /// Skipped paths, and whether each is a directory.
    skipped: Mutex<Vec<(PathBuf, bool, SkipReason)>>,
    /// pip configuration files in folders skipped outside git ([`PIP_CONFIG_NAMES`]).
    pip_configs: Mutex<Vec<PathBuf>>,
}

/// The names pip reads its site configuration under, in the folder of the environment it runs
/// in (`sys.prefix`): any folder of a repository becomes one when it is made a virtualenv
/// (`python -m venv .venv` keeps what the folder holds).
const PIP_CONFIG_NAMES: &[&str] = &["pip.conf", "pip.ini"];

impl Judge {
    fn keeps(&self, e: &ignore::DirEntry) -> bool {
        if e.depth() == 0 {
            return true;
        }
        let is_dir = e.file_type().is_some_and(|t| t.is_dir());
        let name = e.file_name().to_string_lossy();
        if is_dir && VCS_DIRS.contains(&name.as_ref()) {
            return false;
        }
        match self.reason(e, is_dir, &name) {
            None => true,
            Some(reason) => {
                // outside git a skipped folder's files came with the rest: a pip configuration
                // in a `.venv` of an archive is read by the pip of the virtualenv made there
                if is_dir && self.tracked.is_none() {
                    let inside = std::fs::read_dir(e.path()).into_iter().flatten().flatten();
                    for child in inside {
                        let name = child.file_name().to_string_lossy().to_ascii_lowercase();
                        if PIP_CONFIG_NAMES.contains(&name.as_str()) && child.path().is_file() {
                            lock(&self.pip_configs).push(child.path());
                        }
                    }
                }
                lock(&self.skipped).push((e.path().to_path_buf(), is_dir, reason));
                false
            }
        }
    }

    fn reason(&self, e: &ignore::DirEntry, is_dir: bool, name: &str) -> Option<SkipReason> {
        if (self.excluded)(e) {
            return Some(SkipReason::ExcludedByConfig);
        }
        let path = e.path();
        let tracked = self.tracked.as_ref().map(|t| {
            let rel = path.strip_prefix(&self.root).unwrap_or(path);
            self.canonical_root
                .as_ref()
                .is_some_and(|r| t.holds(&r.join(rel), is_dir))
        });
        let inherited = path.parent().and_then(|p| lock(&self.held).get(p).copied());
        let reason = inherited.or_else(|| self.own_reason(path, is_dir, name, tracked.is_some()));
        if tracked == Some(true) {
            // walked for what it tracks; what else it holds is skipped for the same reason
            if let (Some(reason), true) = (reason, is_dir) {
                lock(&self.held).insert(path.to_path_buf(), reason);
            }
            return None;
        }
        reason
    }

    /// Why `path` is skipped were it untracked.
    fn own_reason(
        &self,
        path: &Path,
        is_dir: bool,
        name: &str,
        in_git: bool,
    ) -> Option<SkipReason> {
        if is_dir && self.skip_dirs.contains(&name) {
            return Some(if VENV_DIRS.contains(&name) {
                SkipReason::Virtualenv
            } else {
                SkipReason::ToolFolder
            });
        }
        // an untracked virtualenv of the user's; outside git a `pyvenv.cfg` proves nothing
        (is_dir && in_git && path.join("pyvenv.cfg").exists()).then_some(SkipReason::Virtualenv)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A walk's test for the configuration's `exclude`: true for an entry below `root` that a
/// pattern matches.
fn excluded_by(
    exclude: Option<&crate::exclude::Exclude>,
    root: &Path,
) -> impl Fn(&ignore::DirEntry) -> bool + Send + Sync + 'static {
    let canonical_root = exclude.and_then(|_| std::fs::canonicalize(root).ok());
    let exclude = exclude.cloned();
    let root = root.to_path_buf();
    move |e: &ignore::DirEntry| match (&exclude, &canonical_root) {
        (Some(x), Some(canonical_root)) if e.depth() > 0 => {
            let rel = e.path().strip_prefix(&root).unwrap_or(e.path());
            x.skips(
                &canonical_root.join(rel),
                e.file_type().is_some_and(|t| t.is_dir()),
            )
        }
        _ => false,
    }
}

/// Judges a symbolic link met by a walk of `root`: `Ok` when its target is a regular file
/// inside the repository around `root` (its git work tree), else `root` itself; otherwise why
/// it is not read. A link out of the boundary could name a secret file, and the report would
/// show its lines.
fn judge_link(link: &Path, root: &Path) -> Result<(), String> {
    let Ok(target) = std::fs::canonicalize(link) else {
        return Err("a symbolic link to nothing (its target does not exist)".into());
    };
    let boundary = crate::git::work_tree(root).or_else(|| std::fs::canonicalize(root).ok());
    if !boundary.is_some_and(|b| target.starts_with(b)) {
        return Err(format!(
            "a symbolic link to `{}`, outside the repository: not read, since the report would show its lines and it could be a secret file",
            display_path(&target)
        ));
    }
    if target.is_file() {
        Ok(())
    } else {
        Err(format!(
            "a symbolic link to `{}`, which is not a regular file",
            display_path(&target)
        ))
    }
}

/// The files a directory walk found, sorted by name, the symbolic links it did not follow,
/// each with why, and what it skipped.
#[derive(Default)]
pub(crate) struct Walked {
    pub files: Vec<PathBuf>,
    pub refused_links: Vec<(PathBuf, String)>,
    /// Directories, and files the walk wanted, left unread (refused links among them).
    pub skipped: Vec<Skipped>,
    /// pip configuration files the walk passed, or found in a folder it skipped outside git.
    pub pip_configs: Vec<PathBuf>,
}

impl Walked {
    /// The files, and at each link not followed the finding `refused(path, why)`.
    pub(crate) fn with_refused_findings(
        self,
        refused: impl Fn(&Path, &str) -> Finding,
    ) -> (Vec<PathBuf>, Vec<Finding>) {
        let refused = self
            .refused_links
            .into_iter()
            .map(|(path, why)| refused(&path, &why))
            .collect();
        (self.files, refused)
    }
}

/// The finding at a manifest (or a script with an inline metadata block) that a run does not
/// read since it is `why` (a symbolic link out of the repository, to nothing, ...), though pip
/// would: for the walk's links and for the links `check --staged` refuses alike.
pub fn refused_manifest(path: &Path, why: &str) -> Finding {
    Finding::new(
        Rule::InvalidManifest,
        display_path(&clean(path)),
        1,
        1,
        format!(
            "cannot check this file: it is {why}; pip (or `uv run`, for a script) would read it"
        ),
    )
}

fn walk_error(root: &Path, e: ignore::Error) -> CheckError {
    CheckError::Walk {
        path: display_path(root),
        message: e.to_string(),
    }
}

/// Walks `root` for the files `wanted` names. Ignore files and dot folders prune nothing (the
/// repository writes them). Untracked paths are pruned when they are directories of
/// `skip_dirs` or virtualenvs; in a git work tree a tracked file is never pruned but by
/// `exclude`, since the repository could drop a `pyvenv.cfg` into any folder. Outside git a
/// `pyvenv.cfg` prunes nothing (it came with the files); only `skip_dirs` and `exclude` do. What is pruned is
/// listed in [`Walked::skipped`]. A symbolic link is followed when [`judge_link`] allows it,
/// since the tools that read the file would follow it too; otherwise it is listed with the
/// reason.
pub(crate) fn walk_tree(
    root: &Path,
    skip_dirs: &'static [&'static str],
    exclude: Option<&crate::exclude::Exclude>,
    wanted: impl Fn(&Path) -> bool,
) -> Result<Walked, CheckError> {
    let tracked = Tracked::around(root);
    let judge = std::sync::Arc::new(Judge {
        root: root.to_path_buf(),
        canonical_root: std::fs::canonicalize(root).ok(),
        skip_dirs,
        tracked,
        excluded: Box::new(excluded_by(exclude, root)),
        held: Mutex::default(),
        skipped: Mutex::default(),
        pip_configs: Mutex::default(),
    });
    let judging = std::sync::Arc::clone(&judge);
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |e| judging.keeps(e))
        .build();
    let mut out = Walked::default();
    for entry in walker {
        let entry = entry.map_err(|e| walk_error(root, e))?;
        let Some(file_type) = entry.file_type() else {
            continue;
        };
        let name = entry
            .file_name()
            .to_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        // by any case: a case-insensitive file system (macOS, Windows) finds it
        if !file_type.is_dir() && PIP_CONFIG_NAMES.contains(&name.as_str()) {
            out.pip_configs.push(entry.path().to_path_buf());
        }
        if file_type.is_symlink() && entry.path().is_dir() {
            // a link to a folder is not walked: said, and refused where its name makes its files
            // manifests (`requirements/` linked to a folder of `.txt` files that `pip install
            // -r requirements/base.txt` reads; the folder itself, walked under its own name,
            // holds no manifest by that name)
            lock(&judge.skipped).push((
                entry.path().to_path_buf(),
                true,
                SkipReason::SymlinkNotFollowed,
            ));
            // its target is walked under its own name only inside the root and outside the
            // folders skipped by name; otherwise nothing in it is read at all
            let target_walked = std::fs::canonicalize(entry.path()).is_ok_and(|t| {
                judge.canonical_root.as_ref().is_some_and(|r| {
                    t.strip_prefix(r)
                        .is_ok_and(|rel| !in_folder_named(rel, skip_dirs))
                })
            });
            if !target_walked || wanted(&entry.path().join("x.txt")) {
                let target = std::fs::read_link(entry.path()).unwrap_or_default();
                out.refused_links.push((
                    entry.into_path(),
                    format!(
                        "a symbolic link to the folder `{}`, which is not walked, so the manifests in it are not read",
                        display_path(&target)
                    ),
                ));
            }
            continue;
        }
        if !wanted(entry.path()) {
            continue;
        }
        if file_type.is_file() {
            out.files.push(entry.into_path());
        } else if file_type.is_symlink() {
            match judge_link(entry.path(), root) {
                Ok(()) => out.files.push(entry.into_path()),
                Err(why) => {
                    lock(&judge.skipped).push((
                        entry.path().to_path_buf(),
                        false,
                        SkipReason::SymlinkNotFollowed,
                    ));
                    out.refused_links.push((entry.into_path(), why));
                }
            }
        }
    }
    out.pip_configs
        .extend(std::mem::take(&mut *lock(&judge.pip_configs)));
    out.pip_configs.sort();
    let mut skipped = std::mem::take(&mut *lock(&judge.skipped));
    skipped.sort_by(|a, b| a.0.cmp(&b.0));
    out.skipped = skipped
        .into_iter()
        .filter(|(path, is_dir, _)| *is_dir || wanted(path))
        .map(|(path, is_dir, reason)| {
            let mut path = display_path(&clean(&path));
            if is_dir {
                path.push('/');
            }
            Skipped { path, reason }
        })
        .collect();
    Ok(out)
}

/// What [`discover`] found under a directory.
#[derive(Debug, Default)]
pub struct Discovered {
    /// The manifests, sorted.
    pub files: Vec<PathBuf>,
    /// The other Python files (`.py`, `.pyw`), sorted: each is read for a PEP 723 script block
    /// ([`manifest::script`]), and is a manifest only when it holds one.
    pub scripts: Vec<PathBuf>,
    /// `invalid-manifest` at each manifest that is a symbolic link not followed (at a link to a
    /// folder of manifests, and at each Python file so linked whose target holds a script
    /// block), and `index-url` at each pip configuration file.
    pub refused: Vec<Finding>,
    /// What the walk left unread.
    pub skipped: Vec<Skipped>,
    /// The walk passed a Python file: code that `check` does not judge (`scan` does).
    pub python_code: bool,
}

/// Finds the manifests under `root` (see `walk_tree`), and the Python files that may hold
/// inline script metadata; a manifest that is a symbolic link not followed is an
/// `invalid-manifest` finding, since pip would read it.
pub fn discover(
    root: &Path,
    exclude: Option<&crate::exclude::Exclude>,
) -> Result<Discovered, CheckError> {
    let python_code = std::sync::atomic::AtomicBool::new(false);
    // by the path below the root: folders above it do not make a file a manifest
    let is_manifest =
        |p: &Path| ManifestKind::from_file_name(p.strip_prefix(root).unwrap_or(p)).is_some();
    let mut walked = walk_tree(root, SKIP_DIRS, exclude, |p| {
        let script = manifest::script::is_script_name(p);
        if script {
            python_code.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        script || is_manifest(p)
    })?;
    let skipped = std::mem::take(&mut walked.skipped);
    let pip_configs = std::mem::take(&mut walked.pip_configs);
    // a Python file linked from outside is a manifest only if its target holds a block; a link
    // to a folder was kept only where its name makes its files manifests
    walked.refused_links.retain(|(path, _)| {
        is_manifest(path)
            || path.is_dir()
            || std::fs::canonicalize(path)
                .ok()
                .and_then(|t| crate::source::read_regular(&t, crate::source::MAX_FILE_SIZE).ok())
                .is_some_and(|bytes| manifest::script::holds_block(&bytes))
    });
    let (files, mut refused) = walked.with_refused_findings(refused_manifest);
    refused.extend(pip_configs.iter().map(|path| {
        Finding::new(
            Rule::IndexUrl,
            display_path(&clean(path)),
            1,
            1,
            "a pip configuration file in the repository: pip reads it whenever this folder is the virtualenv it runs in (`python -m venv` keeps the file), and what it sets (`[install] requirement = ...`, an index, options) installs what no manifest shows; squatguard does not read it",
        )
        .with_severity(Severity::Error)
        .with_help("delete it, and never make a virtualenv in a folder that came with the repository")
    }));
    let (files, scripts) = files.into_iter().partition(|p| is_manifest(p));
    Ok(Discovered {
        files,
        scripts,
        refused,
        skipped,
        python_code: python_code.into_inner(),
    })
}

/// What a check read and judged, before [`finish`].
#[derive(Debug, Default)]
pub struct Collected {
    /// Judged, not yet finished.
    pub findings: Vec<Finding>,
    pub files: usize,
    pub dependencies: usize,
    pub excluded: usize,
    /// Some files were named on the command line: the run did not see the whole tree.
    pub explicit_files: bool,
    /// What the directory walks left unread, and why.
    pub skipped: Vec<Skipped>,
    /// A directory walk passed Python code, which `scan` judges and `check` does not.
    pub python_code: bool,
    /// The files read, as findings name them (includes with dependencies too): under
    /// `--since`, a dependency is old only if its file was read at the revision as well.
    pub read: HashSet<String>,
}

impl Collected {
    /// Shows skipped paths under `scratch` (a `--staged` run's copy of the tree) relative to it.
    pub fn skipped_below(&mut self, scratch: &Path) {
        let base = format!("{}/", display_path(scratch).trim_end_matches('/'));
        for s in &mut self.skipped {
            if let Some(rest) = s.path.strip_prefix(&base) {
                s.path = rest.to_owned();
            }
        }
    }

    /// The report, after `policy`. A run over some files only (pre-commit passes the changed
    /// ones) cannot tell that an allow entry for another file is unused, so it reports none.
    pub fn finish(self, policy: &Policy) -> CheckReport {
        let policy = Policy {
            report_unused_allows: policy.report_unused_allows && !self.explicit_files,
            ..policy.clone()
        };
        let Finished { findings, hidden } = finish(self.findings, &policy);
        CheckReport {
            findings,
            files: self.files,
            dependencies: self.dependencies,
            hidden,
            excluded: self.excluded,
            skipped: self.skipped,
            python_code: self.python_code,
            code_scanned: false,
        }
    }
}

/// Runs the check.
pub fn check(opts: &CheckOptions, engine: &Engine) -> Result<CheckReport, CheckError> {
    Ok(collect(opts, engine)?.finish(&opts.policy))
}

/// Finds, reads and judges the manifests, without finishing.
pub fn collect(opts: &CheckOptions, engine: &Engine) -> Result<Collected, CheckError> {
    let (mut report, deps, ahead) = read_with(opts, Some(engine))?;
    report
        .findings
        .extend(engine.check_all_with(&deps, ahead.as_ref())?);
    // where the pool is running, freed on it, beside the rest of the run: the dependencies
    // of a long file take about as long to free as to judge
    if ahead.is_some() || deps.len() > crate::rules::CHUNK {
        rayon::spawn(move || drop((deps, ahead)));
    }
    Ok(report)
}

/// Lines a requirements file must have before the names they appear to hold are looked up
/// beside its reader ([`Engine::look_ahead`]): below it, the pool is not started for them.
const LOOK_AHEAD_MIN: usize = 256;

/// Reads what [`collect`] judges: the run's files and their dependencies (unjudged), with the
/// findings of reading them.
pub fn read(opts: &CheckOptions) -> Result<(Collected, Vec<Dependency>), CheckError> {
    read_with(opts, None).map(|(report, deps, _)| (report, deps))
}

/// [`read`], with what `engine` found of the names the requirements files appear to hold,
/// looked up while they are read.
fn read_with(
    opts: &CheckOptions,
    engine: Option<&Engine>,
) -> Result<(Collected, Vec<Dependency>, Option<LookedUp>), CheckError> {
    // each file with the directory being checked, which its includes may not leave outside git
    let mut targets: Vec<(PathBuf, bool, PathBuf)> = Vec::new();
    let roots = if opts.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.paths.clone()
    };
    let mut report = Collected::default();
    let mut refused_links = Vec::new();
    // Python files met by the walks, read for inline script metadata
    let mut scripts: Vec<PathBuf> = Vec::new();
    for root in roots {
        let meta = std::fs::metadata(&root).map_err(|e| CheckError::Read {
            path: display_path(&root),
            reason: e.into(),
        })?;
        if meta.is_dir() {
            let found = discover(&root, opts.exclude.as_ref())?;
            targets.extend(
                found
                    .files
                    .into_iter()
                    .map(|p| (clean(&p), false, root.clone())),
            );
            scripts.extend(found.scripts.into_iter().map(|p| clean(&p)));
            report.skipped.extend(found.skipped);
            report.python_code |= found.python_code;
            report.files += found.refused.len();
            refused_links.extend(found.refused);
            continue;
        }
        report.explicit_files = true;
        if opts.force_exclude
            && opts
                .exclude
                .as_ref()
                .is_some_and(|x| x.excludes_file(&root))
        {
            report.excluded += 1;
        } else {
            let dir = root
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            targets.push((clean(&root), true, dir));
        }
    }
    let mut seen_files = HashSet::new();
    // the files read as they are named in findings, to count the includes besides them
    let mut read_names: HashSet<String> = HashSet::new();
    let mut deps: Vec<Dependency> = Vec::new();
    let mut findings = refused_links;
    // what each long requirements file appears to hold, looked up while its reader reads it
    let mut ahead: Option<LookedUp> = None;
    for (path, explicit, dir) in targets {
        if !seen_files.insert(path.clone()) {
            continue;
        }
        let src = match read_source(&path) {
            Ok(src) => src,
            Err(reason) if reason.is_content() => {
                findings.push(Finding::new(
                    Rule::InvalidManifest,
                    display_path(&path),
                    1,
                    1,
                    format!("cannot check this file: {reason}"),
                ));
                report.files += 1;
                continue;
            }
            Err(reason) => {
                return Err(CheckError::Read {
                    path: display_path(&path),
                    reason,
                })
            }
        };
        let kind = if explicit {
            ManifestKind::detect(&path, &src.text)
        } else {
            ManifestKind::from_file_name(&path).unwrap_or(ManifestKind::Requirements)
        };
        let parsed = match kind {
            ManifestKind::Requirements => match engine {
                // not for a few lines, where starting the pool's threads would cost more
                Some(engine) if src.line_count() >= LOOK_AHEAD_MIN => {
                    let (parsed, found) = rayon::join(
                        || manifest::requirements_txt::parse_within(&src, &dir),
                        || {
                            let names = manifest::requirements_txt::apparent_names(&src);
                            engine.look_ahead(vec![(src.shown(), names)])
                        },
                    );
                    ahead.get_or_insert_with(LookedUp::default).extend(found);
                    parsed
                }
                _ => manifest::requirements_txt::parse_within(&src, &dir),
            },
            _ => manifest::parse(&src, kind),
        };
        let parsed = crate::rules::judged(parsed);
        report.files += 1;
        read_names.insert(display_path(&path));
        // moved, not copied: a large manifest's dependencies are the bulk of `check`'s memory
        if deps.is_empty() {
            deps = parsed.dependencies;
        } else {
            deps.extend(parsed.dependencies);
        }
        findings.extend(parsed.findings);
    }
    // most Python files hold no script block: they are searched in parallel, and only those
    // that hold one (or cannot be searched) count as files read
    scripts.retain(|p| !seen_files.contains(p));
    scripts.dedup();
    let read = |p: PathBuf| {
        let read = manifest::script::read_file(&p);
        (p, read)
    };
    // without two files to share, the pool is not started for them (starting its threads
    // costs more than a short check's judging)
    let read_scripts: Vec<(PathBuf, manifest::script::Read)> = if scripts.len() < 2 {
        scripts.into_iter().map(read).collect()
    } else {
        use rayon::prelude::*;
        scripts.into_par_iter().map(read).collect()
    };
    for (path, read) in read_scripts {
        match read {
            manifest::script::Read::NoBlock => continue,
            manifest::script::Read::Refused(finding) => findings.push(*finding),
            manifest::script::Read::Manifest(parsed) => {
                let parsed = crate::rules::judged(parsed);
                deps.extend(parsed.dependencies);
                findings.extend(parsed.findings);
            }
        }
        report.files += 1;
        read_names.insert(display_path(&path));
    }
    // an include reached from two manifests yields its dependencies twice: the first of each
    // place is kept (found by sorting the places, which costs less than hashing their texts)
    let mut order: Vec<u32> = (0..deps.len() as u32).collect();
    let place = |i: u32| {
        let d = &deps[i as usize];
        (&*d.file, d.line, d.column, d.name.as_str())
    };
    order.sort_by(|&a, &b| place(a).cmp(&place(b)).then(a.cmp(&b)));
    let mut keep = vec![true; deps.len()];
    for pair in order.windows(2) {
        if place(pair[0]) == place(pair[1]) {
            keep[pair[1] as usize] = false;
        }
    }
    let mut keep = keep.into_iter();
    deps.retain(|_| keep.next().unwrap_or(false));
    // files reached by includes (`-r`, `file:`, dynamic files) count once each (a file's
    // dependencies come together: each run of them is looked up once)
    let mut included: HashSet<String> = HashSet::new();
    let mut last: Option<&str> = None;
    for d in &deps {
        let file = &*d.file;
        if last != Some(file) {
            last = Some(file);
            if !read_names.contains(file) {
                included.insert(file.to_owned());
            }
        }
    }
    report.files += included.len();
    read_names.extend(included);
    report.read = read_names;
    report.dependencies = deps.len();
    report.findings = findings;
    Ok((report, deps, ahead))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the requirements files appear to hold, looked up while they are read, changes no
    /// finding: a file long enough to be looked up ahead, whose lines' apparent names are right
    /// (names, squats, names PyPI lacks, repeats), wrong (continued lines, `${VAR}`, options,
    /// URLs, a name after an option, carriage returns and form feeds) or missing, and an include read twice, is judged as the
    /// same files judged without the look-ahead.
    #[test]
    fn looking_ahead_changes_no_finding() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::new();
        let names = [
            "requests",
            "reqeusts",
            "flask",
            "colourama",
            "numpy",
            "nmupy",
            "zzz-not-a-real-package-xq",
            "six",
            "pandas>=2",
            "djnago==4.0",
        ];
        for i in 0..40 {
            for n in names {
                text.push_str(n);
                text.push('\n');
            }
            text.push_str(&format!("# comment {i}\n"));
        }
        text.push_str("reque\\\nsts\n");
        text.push_str("--index-url https://pypi.org/simple reqeusts\n");
        text.push_str("req${SQUATGUARD_LOOK_AHEAD_TEST_UNSET}eusts\n");
        text.push_str("https://example.com/x/reqeusts-1.0.tar.gz\n");
        // line breaks that Python's splitlines takes and `str::lines` does not
        text.push_str("six\rreqeusts\n\x0cnmupy\n");
        text.push_str("-r more.txt\n-r more.txt\n");
        text.push_str("   numpyy ; python_version > '3'\n");
        std::fs::write(dir.path().join("requirements.txt"), &text).unwrap();
        std::fs::write(dir.path().join("more.txt"), "reqeusts\nboto3\n").unwrap();
        let opts = CheckOptions {
            paths: vec![dir.path().join("requirements.txt")],
            policy: Policy::default(),
            exclude: None,
            force_exclude: false,
        };
        let data = crate::data::Data::load(None, u64::MAX);
        let engine = Engine::new(&data, 15_000);
        let (read, deps, ahead) = read_with(&opts, Some(&engine)).unwrap();
        assert!(ahead.is_some(), "long enough to be looked up ahead");
        let with = engine.check_all_with(&deps, ahead.as_ref()).unwrap();
        let (plain, plain_deps) = read_with(&opts, None).map(|(r, d, _)| (r, d)).unwrap();
        let without = engine.check_all(&plain_deps).unwrap();
        let shown = |f: &[Finding]| {
            f.iter()
                .map(|f| {
                    format!(
                        "{}:{}:{} {} {}",
                        f.file,
                        f.line,
                        f.column,
                        f.rule.code(),
                        f.message
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(shown(&with), shown(&without));
        assert_eq!(shown(&read.findings), shown(&plain.findings));
        assert_eq!(deps.len(), plain_deps.len());
        // the squats are found, in the file and in the include (read once)
        assert!(with.iter().filter(|f| f.rule == Rule::Typosquat).count() >= 40 * 4);
        assert!(with.iter().any(|f| f.file.ends_with("more.txt")));
        assert!(with.iter().any(|f| f.rule == Rule::NotOnPypi));
    }
}
