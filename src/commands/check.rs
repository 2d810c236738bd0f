//! `squatguard check`: the configuration, the data, `--staged` (the git index's manifests, read
//! from a scratch tree and reported at their real paths), the check itself, `--since` (only what
//! is new since a revision), `--fix`/`--diff`, and the report.

use super::{load_config, note_hidden, DataOptions, Io, ReportOptions, Status};
use crate::check::{self, CheckOptions, CheckReport};
use crate::finish::{Policy, Trust};
use crate::git;
use crate::rules::Engine;
use std::path::{Path, PathBuf};

/// What `squatguard check` was asked.
#[derive(Debug, Clone, Default)]
pub struct CheckRequest {
    /// Files or directories (empty: the current directory).
    pub paths: Vec<PathBuf>,
    pub report: ReportOptions,
    /// Check the manifests as they are in the git index.
    pub staged: bool,
    /// Report only what was added or changed since this revision.
    pub since: Option<String>,
    /// Rewrite what can be fixed.
    pub fix: bool,
    /// Print what `fix` would change, without writing.
    pub diff: bool,
    /// With `fix` or `diff`: also remove known-malicious requirements.
    pub fix_remove_malicious: bool,
    /// Apply `exclude` to files named on the command line too.
    pub force_exclude: bool,
    /// The person running squatguard vouches for the repository: its configuration's
    /// relaxations and its `squatguard: ignore` comments count (`--trust-config`).
    pub trust_config: bool,
    /// The branch a pull request targets, when this run judges one (GitHub Actions sets
    /// `GITHUB_BASE_REF`): the checked-out configuration is then part of the changes, so
    /// `trust_config` takes the relaxations from `origin/BASE`, as `since` does.
    pub pull_request_base: Option<String>,
    pub data: DataOptions,
}

/// Runs `squatguard check`.
pub fn run(req: CheckRequest, io: Io) -> anyhow::Result<Status> {
    let cfg = load_config(
        req.report.config.as_deref(),
        req.paths.first().map(PathBuf::as_path),
    )?;
    let cwd = std::env::current_dir()?;
    let (cfg, trust) = decide_trust(&req, cfg, &cwd, io.stderr)?;
    // what applies of the configuration, decided once; all below reads only this
    let (policy, _) = Policy::new(cfg, trust);
    let cfg = &policy.config;
    let (select, ignore) = req.report.rules(cfg);
    let data = req.data.load(io.stderr, cfg.max_data_age)?;
    let engine = Engine::new(&data, cfg.popular_top_n);
    let staged = if req.staged {
        Some(git::staged_tree(&cwd)?)
    } else {
        None
    };
    let named_any = !req.paths.is_empty();
    let paths = match &staged {
        None => req.paths.clone(),
        Some(tree) => staged_paths(tree, &req.paths)?,
    };
    // every file named was a refused link: nothing else to read (no paths would mean `.`)
    let only_refused = paths.is_empty() && named_any;
    let mut exclude = cfg.exclude();
    // a staged run walks a scratch copy of the tree: judged as the real one
    if let Some(tree) = &staged {
        exclude = exclude.map(|x| x.remapped(&tree.path_of(Path::new("")), &cwd));
    }
    let opts = CheckOptions {
        paths,
        policy: Policy {
            select,
            ignore,
            // under --since, what is new is judged, not the allow list
            report_unused_allows: policy.report_unused_allows && req.since.is_none(),
            ..policy
        },
        exclude,
        force_exclude: req.force_exclude,
    };
    let mut collected = if only_refused {
        check::Collected::default()
    } else {
        check::collect(&opts, &engine)?
    };
    if let Some(tree) = &staged {
        tree.map_back(&mut collected.findings);
        collected.skipped_below(&tree.path_of(Path::new("")));
        for link in &tree.refused_links {
            let Ok(rel) = link.strip_prefix(&tree.prefix) else {
                continue;
            };
            collected.files += 1;
            collected.findings.push(check::refused_manifest(
                rel,
                "a symbolic link staged to lead out of the repository, or to nothing staged",
            ));
        }
    }
    let mut report = collected.finish(&opts.policy);
    // under --since, what the revision had is not reported: also in the check after --fix
    let read_then = match &req.since {
        Some(rev) => Some((rev, read_at(&req, &opts, &cwd, rev)?)),
        None => None,
    };
    let only_since = |report: &mut CheckReport| -> anyhow::Result<()> {
        if let Some((rev, read_then)) = &read_then {
            let findings = std::mem::take(&mut report.findings);
            report.findings = git::only_since(&cwd, rev, staged.is_some(), findings, read_then)?;
        }
        Ok(())
    };
    only_since(&mut report)?;
    if req.fix || req.diff || req.fix_remove_malicious {
        // the staged copy's lines are not the working tree's, which is what would be written
        anyhow::ensure!(
            staged.is_none(),
            "--fix, --diff and --fix-remove-malicious change the working tree: not with --staged"
        );
        match fix(&req, &report, io.stdout, io.stderr)? {
            Fixed::Diffed(status) => return Ok(status),
            Fixed::Written(0) => {}
            Fixed::Written(_) => {
                report = check::check(&opts, &engine)?;
                only_since(&mut report)?;
            }
        }
    }
    note_hidden(&report, &opts.policy.config, &req.report, io.stderr)?;
    let unhonoured = report
        .findings
        .iter()
        .filter(|f| f.suppression_ignored)
        .count();
    if unhonoured > 0 {
        writeln!(
            io.stderr,
            "squatguard: note: {unhonoured} `squatguard: ignore` comment{} not honoured: a repository's comments count only with --trust-config, or once its configuration is trusted (`squatguard trust`){}",
            if unhonoured == 1 { " was" } else { "s were" },
            if req.since.is_some() {
                "; under --since never, since they are part of the changes"
            } else if req.trust_config && req.pull_request_base.is_some() {
                "; in a pull-request run (GITHUB_BASE_REF set) never, since they may be part of the changes"
            } else {
                ""
            }
        )?;
    }
    if let Some(line) = report.skipped_summary() {
        writeln!(io.stderr, "squatguard: {line}")?;
    }
    note_excluded(&report, &opts.policy.config, io.stderr)?;
    if report.findings.is_empty() && report.files > 0 {
        let count =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        writeln!(
            io.stderr,
            "squatguard: checked {} in {}: no problems found",
            count(report.dependencies, "dependency", "dependencies"),
            count(report.files, "file", "files")
        )?;
    }
    if report.python_code {
        writeln!(
            io.stderr,
            "squatguard: note: this tree holds Python code, of which `check` reads only inline script metadata (`# /// script`); if someone sent you this repository, run `squatguard scan` before running anything in it"
        )?;
    }
    if report.files == 0 && report.excluded == 0 {
        writeln!(
            io.stderr,
            "squatguard: warning: no dependency manifests found (requirements*.txt, pyproject.toml, setup.py, setup.cfg, Pipfile, lock files)"
        )?;
    }
    let printed = req.report.print(&report, io.stdout);
    data.keep_until_exit();
    Ok(printed?)
}

/// Names the paths the configuration's `exclude` kept out of the walk (the first 20), with the
/// file that excluded them: `exclude` is a relaxation, so what it hid is listed, not only
/// counted.
fn note_excluded(
    report: &check::CheckReport,
    cfg: &crate::config::Config,
    stderr: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    const LISTED: usize = 20;
    let excluded: Vec<_> = report
        .skipped
        .iter()
        .filter(|s| s.reason == check::SkipReason::ExcludedByConfig)
        .collect();
    let file = cfg
        .file
        .as_deref()
        .map(|f| format!(" in `{}`", crate::source::display_path(f)))
        .unwrap_or_default();
    for s in excluded.iter().take(LISTED) {
        writeln!(stderr, "  {}: excluded by `exclude`{file}", s.path)?;
    }
    if excluded.len() > LISTED {
        writeln!(stderr, "  and {} more", excluded.len() - LISTED)?;
    }
    Ok(())
}

/// What the run may relax, decided once: the configuration's relaxations and the checked
/// files' `squatguard: ignore` comments come with the repository, so they count only when the
/// person running squatguard vouches for it: `--trust-config`, `squatguard trust FILE` (while
/// the file stays as it was trusted), or a configuration they name with `--config` (its
/// relaxations only). Under `--since REV`, the relaxations are those of the configuration as it
/// was at REV, and comments never count: they are part of the changes being judged. What is
/// not applied is said on stderr.
fn decide_trust(
    req: &CheckRequest,
    cfg: crate::config::Config,
    cwd: &Path,
    stderr: &mut dyn std::io::Write,
) -> anyhow::Result<(crate::config::Config, Trust)> {
    let stored = cfg.file.as_deref().is_some_and(|file| {
        crate::data::data_dir(req.data.data_dir.as_deref())
            .is_some_and(|dir| crate::trust::is_trusted(&dir, file))
    });
    let vouched = req.trust_config || stored;
    let config_trusted = vouched || req.report.config.is_some();
    // a pull-request run without --since judges the whole tree, but its configuration and
    // comments come with the changes: relaxations as they were on the base branch, no comments
    let pr_base = match (&req.since, req.trust_config, &req.pull_request_base) {
        (None, true, Some(base)) => Some(base.clone()),
        _ => None,
    };
    let base_rev = req
        .since
        .clone()
        .or_else(|| pr_base.as_ref().map(|b| format!("origin/{b}")));
    let mut trust = Trust {
        config: config_trusted,
        files: vouched && base_rev.is_none(),
    };
    let mut cfg = cfg;
    if let (Some(rev), true, Some(file)) = (&base_rev, config_trusted, cfg.file.clone()) {
        let shown = crate::source::display_path(&file);
        let at = match (git::file_at(cwd, rev, &file), &pr_base) {
            (Ok(text), _) => Some(text),
            (Err(_), Some(base)) => {
                writeln!(
                    stderr,
                    "squatguard: warning: this run judges a pull request (GITHUB_BASE_REF={base}), whose changes may include `{shown}`, so --trust-config takes its relaxations from {rev}, which is not in this clone: none is applied. Fetch the base branch first (`git fetch --depth=1 origin {base}`), or pass --since {rev}"
                )?;
                None
            }
            (Err(e), None) => return Err(e.into()),
        };
        let unread = at.is_none();
        let base = match at.flatten() {
            Some(text) => crate::config::parse(&crate::source::SourceFile::new(file.clone(), text))
                .unwrap_or_default(),
            None => crate::config::Config::default(),
        };
        let at_rev = cfg.with_relaxations_of(&base);
        let added = cfg
            .relaxations()
            .into_iter()
            .filter(|r| !base.relaxations().contains(r))
            .collect::<Vec<_>>();
        if cfg != at_rev && !added.is_empty() && !unread {
            let under = if pr_base.is_some() {
                "in a pull-request run"
            } else {
                "under --since"
            };
            writeln!(
                stderr,
                "squatguard: note: `{shown}` relaxes the checks in ways it did not at {rev} ({}); {under} those are taken from {rev}, not from the changes being judged",
                crate::config::Relaxation::list(&added)
            )?;
        }
        cfg = at_rev;
        trust.config = true;
    }
    if !trust.config {
        let relaxed = cfg.relaxations();
        if let (Some(file), false) = (&cfg.file, relaxed.is_empty()) {
            let shown = crate::source::display_path(file);
            writeln!(
                stderr,
                "squatguard: warning: `{shown}` weakens the checks ({}), and a repository can carry such a file for its own packages, so that part of it is not applied. If this repository is your own, pass --trust-config, or run `squatguard trust {shown}` (again after each change).",
                crate::config::Relaxation::list(&relaxed)
            )?;
        }
    }
    Ok((cfg, trust))
}

/// The files `check` read at `rev` (as findings name them, relative to `cwd`): the same walk
/// and includes over the tree as it was there, so that `--since` can tell a dependency whose
/// line is old but which a change newly points to (`-r notes.txt`, `file: other.txt`) from
/// one that was read before. A path named as absolute is not looked up there (all it holds is
/// judged new).
fn read_at(
    req: &CheckRequest,
    opts: &CheckOptions,
    cwd: &Path,
    rev: &str,
) -> anyhow::Result<std::collections::HashSet<String>> {
    let tree = git::tree_at(cwd, rev)?;
    let root = tree.path_of(Path::new(""));
    let paths: Vec<PathBuf> = if req.paths.is_empty() {
        vec![root.clone()]
    } else {
        req.paths
            .iter()
            .filter(|p| p.is_relative())
            .map(|p| {
                tree.path_of(
                    &p.components()
                        .filter(|c| *c != std::path::Component::CurDir)
                        .collect::<PathBuf>(),
                )
            })
            .filter(|p| p.exists())
            .collect()
    };
    if paths.is_empty() {
        return Ok(Default::default());
    }
    let rev_opts = CheckOptions {
        paths,
        policy: opts.policy.clone(),
        exclude: opts.policy.config.exclude().map(|x| x.remapped(&root, cwd)),
        force_exclude: req.force_exclude,
    };
    let (read, _) = check::read(&rev_opts)?;
    Ok(read.read.iter().map(|f| tree.shown(f)).collect())
}

/// The paths of a staged run: the scratch tree's root, or each named path's copy in it (a staged
/// link that was not written is reported, not read).
fn staged_paths(tree: &git::StagedTree, named: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    if named.is_empty() {
        return Ok(vec![tree.path_of(Path::new(""))]);
    }
    named
        .iter()
        .filter(|p| !tree.refuses(p))
        .map(|p| {
            let staged_path = tree.path_of(p);
            if staged_path.exists() {
                Ok(staged_path)
            } else {
                Err(anyhow::anyhow!("`{}` is not in the git index", p.display()))
            }
        })
        .collect()
}

/// Where `--fix` may write: the work tree of each path checked, or the directory itself (a
/// file's directory) outside git, canonical; the readers do not leave them either. A path is
/// taken up to its first symbolic link (`d/requirements.txt` with `d` a link out of the
/// repository gives the repository, not where `d` leads).
fn fix_roots(paths: &[PathBuf]) -> Vec<PathBuf> {
    let dot = [PathBuf::from(".")];
    let paths = if paths.is_empty() { &dot[..] } else { paths };
    paths
        .iter()
        .filter_map(|p| {
            let mut base = PathBuf::new();
            for c in p.components() {
                let next = base.join(c);
                let link =
                    std::fs::symlink_metadata(&next).map_or(true, |m| m.file_type().is_symlink());
                if link {
                    break;
                }
                base = next;
            }
            if base.as_os_str().is_empty() {
                base = PathBuf::from(".");
            }
            crate::source::work_tree(&base).or_else(|| {
                let dir = if base.is_dir() {
                    base.as_path()
                } else {
                    crate::source::parent_dir(&base)
                };
                std::fs::canonicalize(dir).ok()
            })
        })
        .collect()
}

enum Fixed {
    /// `--diff`: printed, with the status it earns.
    Diffed(Status),
    /// `--fix`: how many files were rewritten.
    Written(usize),
}

/// `--fix` and `--diff`: plans the fixes the findings carry, then prints or writes them.
fn fix(
    req: &CheckRequest,
    report: &CheckReport,
    stdout: &mut dyn std::io::Write,
    stderr: &mut dyn std::io::Write,
) -> anyhow::Result<Fixed> {
    let roots = fix_roots(&req.paths);
    let crate::fix::Plan { changes, refused } =
        crate::fix::plan(&report.findings, req.fix_remove_malicious, &roots)?;
    for why in &refused {
        writeln!(stderr, "squatguard: {why}")?;
    }
    if req.diff {
        for c in &changes {
            write!(stdout, "{}", crate::fix::unified_diff(c))?;
        }
        return Ok(Fixed::Diffed(super::status_of(
            !changes.is_empty() || report.has_errors(),
        )));
    }
    for c in &changes {
        std::fs::write(&c.file, &c.after)
            .map_err(|e| anyhow::anyhow!("writing `{}`: {e}", c.file))?;
        for line in &c.summary {
            writeln!(stderr, "squatguard: fixed {line}")?;
        }
    }
    Ok(Fixed::Written(changes.len()))
}
