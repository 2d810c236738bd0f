//! `squatguard check`: find manifests, parse them, run the rules, collect findings; then
//! [`crate::finish`] turns them into the report.

use crate::finding::{Finding, Rule, Severity};
use crate::finish::{finish, Finished, Hidden, Policy};
use crate::manifest::{self, Dependency, ManifestKind};
use crate::rules::Engine;
use crate::source::{display_path, read_source, ReadError};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

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
    /// Walk every file, as `scan` does: `.gitignore`/`.ignore` files and hidden directories
    /// are not honoured, since a repository under inspection writes its own.
    pub all_files: bool,
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

/// Directory names never searched for manifests.
const SKIP_DIRS: &[&str] = &[
    "node_modules",
    "site-packages",
    "__pycache__",
    ".tox",
    ".nox",
    "venv",
    ".venv",
    ".git",
    ".hg",
    ".svn",
];

/// True for a directory below the walk's root that is named in `names` or is a virtualenv.
pub(crate) fn is_skipped_dir(e: &ignore::DirEntry, names: &[&str]) -> bool {
    if e.depth() == 0 || !e.file_type().is_some_and(|t| t.is_dir()) {
        return false;
    }
    let name = e.file_name().to_string_lossy();
    names.contains(&name.as_ref()) || e.path().join("pyvenv.cfg").exists()
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

/// The files a directory walk found, sorted by name, and the symbolic links it did not follow,
/// each with why.
#[derive(Default)]
pub(crate) struct Walked {
    pub files: Vec<PathBuf>,
    pub refused_links: Vec<(PathBuf, String)>,
}

impl Walked {
    /// The files, and at each link not followed a `rule` finding saying `message(why)`.
    pub(crate) fn with_refused_findings(
        self,
        rule: Rule,
        message: impl Fn(&str) -> String,
    ) -> (Vec<PathBuf>, Vec<Finding>) {
        let refused = self
            .refused_links
            .into_iter()
            .map(|(path, why)| Finding::new(rule, display_path(&clean(&path)), 1, 1, message(&why)))
            .collect();
        (self.files, refused)
    }
}

/// Walks `root` for the files `wanted` names, pruning the directories of `skip_dirs`,
/// virtualenvs and what `exclude` matches, and, unless `all_files`, what ignore files and
/// hidden directories hide (`scan` reads everything: a hostile repository writes its own
/// ignore files). A symbolic link is followed when [`judge_link`] allows it, since the tools
/// that read the file would follow it too; otherwise it is listed with the reason.
pub(crate) fn walk_tree(
    root: &Path,
    skip_dirs: &'static [&'static str],
    all_files: bool,
    exclude: Option<&crate::exclude::Exclude>,
    wanted: impl Fn(&Path) -> bool,
) -> Result<Walked, CheckError> {
    let excluded = excluded_by(exclude, root);
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(!all_files)
        .require_git(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |e| !is_skipped_dir(e, skip_dirs) && !excluded(e))
        .build();
    let mut out = Walked::default();
    for entry in walker {
        let entry = entry.map_err(|e| CheckError::Walk {
            path: display_path(root),
            message: e.to_string(),
        })?;
        let Some(file_type) = entry.file_type() else {
            continue;
        };
        if !wanted(entry.path()) {
            continue;
        }
        if file_type.is_file() {
            out.files.push(entry.into_path());
        } else if file_type.is_symlink() {
            match judge_link(entry.path(), root) {
                Ok(()) => out.files.push(entry.into_path()),
                Err(why) => out.refused_links.push((entry.into_path(), why)),
            }
        }
    }
    Ok(out)
}

/// Finds the manifests under `root` (see [`walk_tree`]); a manifest that is a symbolic link
/// not followed is an `invalid-manifest` finding, since pip would read it.
pub fn discover(
    root: &Path,
    exclude: Option<&crate::exclude::Exclude>,
    all_files: bool,
) -> Result<(Vec<PathBuf>, Vec<Finding>), CheckError> {
    let walked = walk_tree(root, SKIP_DIRS, all_files, exclude, |p| {
        ManifestKind::from_file_name(p).is_some()
    })?;
    Ok(walked.with_refused_findings(Rule::InvalidManifest, |why| {
        format!("cannot check this file: it is {why}; pip would read it")
    }))
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
}

impl Collected {
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
        }
    }
}

/// Runs the check.
pub fn check(opts: &CheckOptions, engine: &Engine) -> Result<CheckReport, CheckError> {
    Ok(collect(opts, engine)?.finish(&opts.policy))
}

/// Finds, reads and judges the manifests, without finishing.
pub fn collect(opts: &CheckOptions, engine: &Engine) -> Result<Collected, CheckError> {
    // each file with the directory being checked, which its includes may not leave outside git
    let mut targets: Vec<(PathBuf, bool, PathBuf)> = Vec::new();
    let roots = if opts.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.paths.clone()
    };
    let mut report = Collected::default();
    let mut refused_links = Vec::new();
    for root in roots {
        let meta = std::fs::metadata(&root).map_err(|e| CheckError::Read {
            path: display_path(&root),
            reason: e.into(),
        })?;
        if meta.is_dir() {
            let (found, refused) = discover(&root, opts.exclude.as_ref(), opts.all_files)?;
            targets.extend(found.into_iter().map(|p| (clean(&p), false, root.clone())));
            report.files += refused.len();
            refused_links.extend(refused);
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
    let mut deps: Vec<Dependency> = Vec::new();
    let mut findings = refused_links;
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
            ManifestKind::Requirements => manifest::requirements_txt::parse_within(&src, &dir),
            _ => manifest::parse(&src, kind),
        };
        let parsed = crate::rules::index_url::judged(parsed);
        report.files += 1;
        // moved, not copied: a large manifest's dependencies are the bulk of `check`'s memory
        if deps.is_empty() {
            deps = parsed.dependencies;
        } else {
            deps.extend(parsed.dependencies);
        }
        findings.extend(parsed.findings);
    }
    // an include reached from two manifests yields its dependencies twice
    let mut seen_deps = HashSet::with_capacity(deps.len());
    let keep: Vec<bool> = deps
        .iter()
        .map(|d| seen_deps.insert((&*d.file, d.line, d.column, d.name.as_str())))
        .collect();
    let mut keep = keep.into_iter();
    deps.retain(|_| keep.next().unwrap_or(false));
    report.dependencies = deps.len();
    findings.extend(engine.check_all(&deps)?);
    report.findings = findings;
    Ok(report)
}

/// Drops a leading `./` so paths print as users wrote them.
pub(crate) fn clean(path: &Path) -> PathBuf {
    path.strip_prefix(".")
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}
