//! `squatguard check`: the configuration, the data, `--staged` (the git index's manifests, read
//! from a scratch tree and reported at their real paths), the check itself, `--since` (only what
//! is new since a revision), `--fix`/`--diff`, and the report.

use super::{load_config, note_hidden, DataOptions, Io, ReportOptions, Status};
use crate::check::{self, CheckOptions, CheckReport};
use crate::finding::{Finding, Rule};
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
    pub data: DataOptions,
}

/// Runs `squatguard check`.
pub fn run(req: CheckRequest, io: Io) -> anyhow::Result<Status> {
    let cfg = load_config(
        req.report.config.as_deref(),
        req.paths.first().map(PathBuf::as_path),
    )?;
    let (select, ignore) = req.report.rules(&cfg);
    let data = req.data.load(io.stderr, cfg.max_data_age)?;
    let engine = Engine::new(&data, cfg.popular_top_n);
    let cwd = std::env::current_dir()?;
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
    // the repository being checked is the user's own (issue-tracked: relaxations from it are to
    // need trust too)
    let trust = Trust {
        config: true,
        files: true,
    };
    let (policy, _) = Policy::new(cfg, trust);
    let opts = CheckOptions {
        paths,
        policy: Policy {
            select,
            ignore,
            ..policy
        },
        exclude,
        force_exclude: req.force_exclude,
        // the index holds only tracked files: its scratch copy hides none
        all_files: staged.is_some(),
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
            collected.findings.push(Finding::new(
                Rule::InvalidManifest,
                crate::source::display_path(rel),
                1,
                1,
                "cannot check this file: it is a symbolic link staged to lead out of the repository, or to nothing staged; pip would follow it",
            ));
        }
    }
    let mut report = collected.finish(&opts.policy);
    if let Some(rev) = &req.since {
        let findings = std::mem::take(&mut report.findings);
        report.findings = git::only_since(&cwd, rev, staged.is_some(), findings)?;
    }
    if req.fix || req.diff || req.fix_remove_malicious {
        match fix(&req, &report, io.stdout, io.stderr)? {
            Fixed::Diffed(status) => return Ok(status),
            Fixed::Written(0) => {}
            Fixed::Written(_) => report = check::check(&opts, &engine)?,
        }
    }
    note_hidden(&report, io.stderr)?;
    if let Some(line) = report.skipped_summary() {
        writeln!(io.stderr, "squatguard: {line}")?;
    }
    if report.files == 0 && report.excluded == 0 {
        writeln!(
            io.stderr,
            "squatguard: warning: no dependency manifests found (requirements*.txt, pyproject.toml, setup.py, setup.cfg, Pipfile, lock files)"
        )?;
    }
    Ok(req.report.print(&report, io.stdout)?)
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
    let changes = crate::fix::plan(&report.findings, req.fix_remove_malicious)?;
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
