//! `squatguard scan`: which configuration applies (a repository under inspection brings its own,
//! which counts only with `--trusted`), the data, the scan, and the report.

use super::{load_config, note_hidden, DataOptions, Io, ReportOptions, Status};
use crate::config::{self, Config};
use crate::finish::{Policy, Trust};
use crate::rules::Engine;
use std::path::PathBuf;

/// What `squatguard scan` was asked.
#[derive(Debug, Clone, Default)]
pub struct ScanRequest {
    /// The repository to scan (or one file).
    pub dir: PathBuf,
    /// The repository is the user's own: its configuration and comments count.
    pub trusted: bool,
    pub report: ReportOptions,
    pub data: DataOptions,
}

/// Runs `squatguard scan`.
pub fn run(req: ScanRequest, io: Io) -> anyhow::Result<Status> {
    // a configuration named with --config is the user's own choice; one merely found may be
    // the inspected repository's
    let explicit = req.report.config.is_some();
    let cfg = if req.trusted || explicit {
        load_config(req.report.config.as_deref(), Some(&req.dir))?
    } else {
        if let Some(found) = config::find(&req.dir) {
            writeln!(
                io.stderr,
                "squatguard: note: `{}` not applied: scan applies a configuration it finds only with --trusted, since a repository under inspection can carry one that switches checks off; pass --trusted if the repository is your own",
                crate::source::display_path(&found)
            )?;
        }
        Config::default()
    };
    let (select, ignore) = req.report.rules(&cfg);
    let data = req.data.load(io.stderr, cfg.max_data_age)?;
    let engine = Engine::new(&data, cfg.popular_top_n);
    let exclude = cfg.exclude();
    let trust = Trust {
        config: req.trusted || explicit,
        files: req.trusted,
    };
    let (policy, _) = Policy::new(cfg, trust);
    let opts = crate::scan::ScanOptions {
        root: req.dir.clone(),
        policy: Policy {
            select,
            ignore,
            ..policy
        },
        exclude,
    };
    let report = crate::scan::scan(&opts, &engine)?;
    note_hidden(&report, &opts.policy.config, &req.report, io.stderr)?;
    if let Some(line) = report.skipped_summary() {
        writeln!(io.stderr, "squatguard: {line}")?;
    }
    Ok(req.report.print(&report, io.stdout)?)
}
