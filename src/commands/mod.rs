//! What each command does, from options already parsed to a report on the writers of [`Io`] and
//! the [`Status`] it earned: the orchestration the binaries call. Argument parsing and the
//! process exit live in the binaries (`src/bin/`); printers in [`crate::report`]; the checks in
//! the modules they name ([`crate::check`], [`crate::scan`], [`crate::audit`], ...).
//!
//! Every command reads its input through [`Io`] (standard input included), writes the requested
//! report to `io.stdout` and diagnostics to `io.stderr`, and nothing else.

pub mod audit;
pub mod check;
pub mod db;
pub mod info;
pub mod scan;
pub mod trust;

use crate::check::CheckReport;
use crate::config::{self, Config};
use crate::data::{self, Data};
use crate::finding::Rule;
use crate::report::{self, Format};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// What a run earned, as documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// No error-level finding.
    Clean = 0,
    /// At least one error-level finding.
    Findings = 1,
    /// Usage, I/O or internal error: nothing could be checked (fail closed).
    Error = 2,
}

/// Where a run reads and writes: standard input, the report, the diagnostics, and whether each
/// output goes to a terminal.
pub struct Io<'a> {
    pub stdin: &'a mut dyn Read,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    pub stdout_is_terminal: bool,
    pub stderr_is_terminal: bool,
}

/// Where the data lives and how old it may be.
#[derive(Debug, Clone, Default)]
pub struct DataOptions {
    /// Directory of the data cache (`None`: `SQUATGUARD_DATA_DIR`, else the platform cache dir).
    pub data_dir: Option<PathBuf>,
    /// Warn when the data in use is older than this many days (`None`: the configuration's
    /// `max-data-age`, else 30).
    pub max_data_age: Option<u64>,
}

impl DataOptions {
    /// Loads the data, saying on `stderr` what is wrong with it.
    pub fn load(&self, stderr: &mut dyn Write, default_age: u64) -> std::io::Result<Data> {
        let dir = data::data_dir(self.data_dir.as_deref());
        let data = Data::load(dir.as_deref(), self.max_data_age.unwrap_or(default_age));
        for w in &data.warnings {
            writeln!(stderr, "squatguard: warning: {w}")?;
        }
        Ok(data)
    }
}

/// What to report and how, shared by `check` and `scan`.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    pub format: Format,
    /// Report only these rules (empty: the configuration's choice, else all).
    pub select: Vec<Rule>,
    /// Never report these rules (empty: the configuration's choice).
    pub ignore: Vec<Rule>,
    /// Colour the human report (decided by the binary from `--color`, the terminal and the
    /// environment).
    pub color: bool,
    /// A configuration file to use instead of discovery.
    pub config: Option<PathBuf>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            format: Format::Human,
            select: Vec::new(),
            ignore: Vec::new(),
            color: false,
            config: None,
        }
    }
}

impl ReportOptions {
    /// Prints `report` in the chosen format; returns the status it earns.
    fn print(&self, report: &CheckReport, out: &mut dyn Write) -> std::io::Result<Status> {
        report::write(self.format, report, out, self.color)?;
        Ok(status_of(report.has_errors()))
    }

    /// The command line's rule choice, else the configuration's.
    fn rules(&self, cfg: &Config) -> (Vec<Rule>, Vec<Rule>) {
        let pick = |cli: &[Rule], cfg: &[Rule]| {
            if cli.is_empty() {
                cfg.to_vec()
            } else {
                cli.to_vec()
            }
        };
        (
            pick(&self.select, &cfg.select),
            pick(&self.ignore, &cfg.ignore),
        )
    }
}

/// `Findings` when `errors`, else `Clean`.
fn status_of(errors: bool) -> Status {
    if errors {
        Status::Findings
    } else {
        Status::Clean
    }
}

/// Says how many findings the rule choice, the configuration or suppression comments kept out
/// of the report, then names those the configuration or a comment hid (by file, line, rule and
/// package, and the configuration file and entry that hid it; at most [`HIDDEN_LISTED`]), so
/// that nothing that silences a check goes unseen. What the command line's rule choice hid is
/// only counted: it is the choice of whoever runs squatguard.
fn note_hidden(
    report: &CheckReport,
    cfg: &Config,
    opts: &ReportOptions,
    stderr: &mut dyn Write,
) -> std::io::Result<()> {
    use crate::finish::HiddenBy;
    if report.hidden.is_empty() {
        return Ok(());
    }
    writeln!(
        stderr,
        "squatguard: note: {} not shown (rules turned off by --select/--ignore or the configuration, `private-packages`, or `squatguard: ignore` comments)",
        match report.hidden.len() {
            1 => "1 finding".to_owned(),
            n => format!("{n} findings"),
        }
    )?;
    let file = cfg
        .file
        .as_deref()
        .map(|f| format!(" in `{}`", crate::source::display_path(f)))
        .unwrap_or_default();
    // the command line alone would report the rule: the configuration turned it off
    let by_config = |rule: Rule| {
        (opts.select.is_empty() || opts.select.contains(&rule)) && !opts.ignore.contains(&rule)
    };
    let listed: Vec<(&crate::finish::Hidden, String)> = report
        .hidden
        .iter()
        .filter_map(|h| {
            let why = match h.by {
                HiddenBy::RuleChoice if by_config(h.rule) => {
                    let entry = if cfg.ignore.contains(&h.rule) {
                        format!("`ignore = [\"{}\"]`", h.rule)
                    } else {
                        "`select`".to_owned()
                    };
                    format!("{entry}{file}")
                }
                HiddenBy::RuleChoice => return None,
                HiddenBy::PrivatePackage => {
                    let pattern = h
                        .package
                        .as_deref()
                        .and_then(|p| cfg.private_pattern(p))
                        .map(|p| format!(" = \"{p}\""))
                        .unwrap_or_default();
                    format!("`private-packages`{pattern}{file}")
                }
                HiddenBy::InlineComment => h.by.describe().to_owned(),
            };
            Some((h, why))
        })
        .collect();
    for (h, why) in listed.iter().take(HIDDEN_LISTED) {
        let package = h
            .package
            .as_ref()
            .map(|p| format!(" `{p}`"))
            .unwrap_or_default();
        writeln!(
            stderr,
            "  {}:{}: {}{package}, hidden by {why}",
            report::visible(&h.file),
            h.line,
            h.rule,
        )?;
    }
    if listed.len() > HIDDEN_LISTED {
        writeln!(stderr, "  and {} more", listed.len() - HIDDEN_LISTED)?;
    }
    Ok(())
}

/// How many hidden findings [`note_hidden`] names one by one.
const HIDDEN_LISTED: usize = 20;

/// The configuration for a run: `explicit`, else discovery upward from `first_path` (the
/// current directory when `None`).
pub fn load_config(explicit: Option<&Path>, first_path: Option<&Path>) -> anyhow::Result<Config> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => config::find(first_path.unwrap_or(Path::new("."))),
    };
    Ok(match path {
        Some(p) => config::load(&p)?,
        None => Config::default(),
    })
}
