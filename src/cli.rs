//! Command-line interface of `squatguard`: arguments, and `run`, which does one command and
//! says which exit status it earned. `main` only prints errors and exits.

use crate::check::{self, CheckOptions};
use crate::data::{self, Data};
use crate::finding::Rule;
use crate::popular::Popular;
use crate::report::{self, Format};
use crate::rules::{typosquat, Engine};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

/// Stops malicious, typosquatted and unknown Python dependencies before they run.
#[derive(Debug, Parser)]
#[command(name = "squatguard", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check dependency manifests (requirements files, pyproject.toml, setup.py, setup.cfg, Pipfile).
    Check(CheckArgs),
    /// List the rules with their codes, default severities and descriptions.
    Rules,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or directories to check [default: the current directory, searched for manifests].
    /// Files named explicitly are checked whatever their name.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Report only these rules (names or codes, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<Rule>,
    /// Never report these rules (names or codes, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<Rule>,
    /// When to colour the human report.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(flatten)]
    pub data: DataArgs,
}

/// Where the data lives and how old it may be.
#[derive(Debug, Clone, clap::Args)]
pub struct DataArgs {
    /// Directory of the data cache [env: SQUATGUARD_DATA_DIR; default: the platform cache dir].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Warn when the data in use is older than this many days.
    #[arg(long, value_name = "DAYS", env = "SQUATGUARD_MAX_DATA_AGE", default_value_t = data::DEFAULT_MAX_AGE_DAYS)]
    pub max_data_age: u64,
}

impl DataArgs {
    fn load(&self, stderr: &mut dyn Write) -> std::io::Result<Data> {
        let dir = data::data_dir(self.data_dir.as_deref());
        let data = Data::load(dir.as_deref(), self.max_data_age);
        for w in &data.warnings {
            writeln!(stderr, "squatguard: warning: {w}")?;
        }
        Ok(data)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    Always,
    Never,
}

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

/// Where a run writes: the report and the diagnostics, and whether stdout is a terminal.
pub struct Io<'a> {
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    pub stdout_is_terminal: bool,
}

/// Runs one command.
pub fn run(cli: Cli, io: Io) -> anyhow::Result<Status> {
    match cli.command {
        Command::Check(args) => run_check(args, io),
        Command::Rules => {
            for rule in Rule::ALL {
                writeln!(
                    io.stdout,
                    "{}  {:<22} {:<8} {}",
                    rule.code(),
                    rule.name(),
                    rule.default_severity(),
                    rule.description()
                )?;
            }
            Ok(Status::Clean)
        }
    }
}

fn run_check(args: CheckArgs, io: Io) -> anyhow::Result<Status> {
    let data = args.data.load(io.stderr)?;
    let engine = Engine {
        popular: Popular::embedded(),
        data: &data,
        typosquat: typosquat::Options::default(),
    };
    let opts = CheckOptions {
        paths: args.paths,
        select: args.select,
        ignore: args.ignore,
    };
    let report = check::check(&opts, &engine)?;
    if report.files == 0 {
        writeln!(
            io.stderr,
            "squatguard: warning: no dependency manifests found (requirements*.txt, pyproject.toml, setup.py, setup.cfg, Pipfile)"
        )?;
    }
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            io.stdout_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    report::write(args.format, &report, io.stdout, color)?;
    Ok(if report.has_errors() {
        Status::Findings
    } else {
        Status::Clean
    })
}
