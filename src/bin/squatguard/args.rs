//! `squatguard`'s command line: the arguments (clap derive), each command's help, and their
//! translation into the library's requests ([`squatguard::commands`]).

use clap::{Parser, Subcommand, ValueEnum};
use squatguard::commands::{self, DataOptions, ReportOptions};
use squatguard::finding::Rule;
use squatguard::report::Format;
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
    /// Check dependency manifests (requirements files, pyproject.toml, setup.py, setup.cfg,
    /// Pipfile) and lock files (uv.lock, poetry.lock, pdm.lock, pylock.toml, Pipfile.lock).
    Check(CheckArgs),
    /// Look inside a repository before running it: check its manifests and statically analyse
    /// every Python file for hidden payloads, install- and import-time code, exfiltration and
    /// obfuscation. Nothing is executed.
    Scan(ScanArgs),
    /// Screen a list of package names (one per line, optionally `name==version`), e.g. a whole
    /// registry or a mirror's new names; prints one line per flagged name.
    Audit(AuditArgs),
    /// List the rules with their codes, default severities and descriptions.
    Rules,
    /// Print the effective configuration (after discovery from PATH or the current directory).
    Config {
        /// Where to start looking for the configuration.
        path: Option<PathBuf>,
        /// A configuration file to use instead of discovery.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Refresh or describe the data: PyPI's project names and the malicious-package feed.
    #[command(subcommand)]
    Db(DbCommand),
    /// Trust a configuration file that weakens the checks (allow entries, private packages,
    /// lowered severities, `exclude`) for `check` and safe-pip, which apply such a file only
    /// once you have trusted it (or `check --trust-config`), and only while it stays unchanged:
    /// it may have come with the code being checked or installed.
    Trust {
        /// The file [default: the configuration found from the current directory].
        file: Option<PathBuf>,
        /// Forget the file instead.
        #[arg(long)]
        remove: bool,
        /// Where trust is kept: the data directory [env: SQUATGUARD_DATA_DIR; default: the
        /// platform cache dir].
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Download (or read) fresh data, validate it, and replace the cache atomically.
    /// With neither option, both data sets are refreshed from their default URLs.
    Update {
        /// OSV malicious-package reports: a URL to a zip, a zip file, or a directory of JSON
        /// files [default URL: the OSV database's PyPI export].
        #[arg(long, value_name = "PATH|URL")]
        osv: Option<String>,
        /// PyPI project names: a URL or file holding a PEP 691 JSON index, or a plain list
        /// (one name per line) [default URL: PyPI's simple index].
        #[arg(long, value_name = "PATH|URL")]
        pypi_names: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Show which data is in use, where it came from, how much of it there is and how old it is.
    Status {
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or directories to check [default: the current directory, searched for manifests].
    /// Files named explicitly are checked whatever their name.
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Check the manifests as they are in the git index (what will be committed), not the
    /// working tree.
    #[arg(long)]
    pub staged: bool,
    /// Report only dependencies added or changed since REV (a branch, tag or commit).
    #[arg(long, value_name = "REV")]
    pub since: Option<String>,
    /// Rewrite typosquatted names to the package they imitate, where that is unambiguous.
    #[arg(long, conflicts_with = "staged")]
    pub fix: bool,
    /// Show what --fix would change, as a unified diff, without writing.
    #[arg(long, conflicts_with = "staged")]
    pub diff: bool,
    /// With --fix or --diff: also remove known-malicious requirements (requirements files).
    #[arg(long, conflicts_with = "staged")]
    pub fix_remove_malicious: bool,
    /// Apply the configuration's `exclude` to files named on the command line too (for hooks,
    /// which pass file names).
    #[arg(long)]
    pub force_exclude: bool,
    /// This repository is your own: apply what its configuration relaxes (allow entries,
    /// private packages, lowered severities, rules turned off, `exclude`) and honour its
    /// `squatguard: ignore` comments. Without it (or `squatguard trust FILE`), a repository's
    /// own file cannot switch its checks off. The pre-commit hooks pass it. In a GitHub Actions
    /// pull-request run (GITHUB_BASE_REF set) the configuration comes with the changes, so the
    /// relaxations are taken from `origin/BASE` (as with --since) and comments do not count.
    #[arg(long)]
    pub trust_config: bool,
    #[command(flatten)]
    pub data: DataArgs,
}

/// What to report and how, shared by `check` and `scan`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// Report only these rules (names or codes, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<Rule>,
    /// Never report these rules (names or codes, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<Rule>,
    /// When to colour the human report.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// A configuration file to use instead of discovery ([tool.squatguard] in pyproject.toml,
    /// squatguard.toml or .squatguard.toml, found upward from the first path).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// The repository to scan (or one file).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The repository is your own: apply the squatguard configuration found for it (as
    /// `check` does) and its `squatguard: ignore` comments. Without it neither counts, since
    /// whoever wrote a repository under inspection could use them to switch the checks off.
    #[arg(long)]
    pub trusted: bool,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub data: DataArgs,
}

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// File of names, or `-` for standard input [default: -].
    pub input: Option<PathBuf>,
    /// Run only these rules (typosquat, known-malicious, not-on-pypi, import-name;
    /// comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<Rule>,
    /// Output format: a line per flagged name, or a JSON object per line.
    #[arg(long, value_enum, default_value_t = AuditFormat::Text)]
    pub format: AuditFormat,
    #[command(flatten)]
    pub data: DataArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Text,
    Json,
}

/// Where the data lives and how old it may be.
#[derive(Debug, Clone, clap::Args)]
pub struct DataArgs {
    /// Directory of the data cache [env: SQUATGUARD_DATA_DIR; default: the platform cache dir].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Warn when the data in use is older than this many days [default: 30, or the configuration's
    /// `max-data-age`].
    #[arg(long, value_name = "DAYS", env = "SQUATGUARD_MAX_DATA_AGE")]
    pub max_data_age: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal that supports it, unless NO_COLOR or CLICOLOR=0 is set or TERM=dumb;
    /// CLICOLOR_FORCE forces it.
    Auto,
    Always,
    Never,
}

/// Output formats of `check` and `scan` (see [`Format`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// `path:line:col: severity[rule]: message`, with the line and a hint.
    Human,
    /// One JSON document: `{"version": 1, "findings": [...], "summary": {...}}`.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...,line=...::...`): annotations.
    Github,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Human => Format::Human,
            FormatArg::Json => Format::Json,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Github => Format::Github,
        }
    }
}

impl ColorChoice {
    /// Whether to colour the human report on standard output: `auto` asks anstream, which
    /// honours the terminal, `NO_COLOR`, `CLICOLOR`, `CLICOLOR_FORCE` and `TERM=dumb`.
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
            }
        }
    }
}

impl ReportArgs {
    pub fn options(&self) -> ReportOptions {
        ReportOptions {
            format: self.format.into(),
            select: self.select.clone(),
            ignore: self.ignore.clone(),
            color: self.color.enabled(),
            config: self.config.clone(),
        }
    }
}

impl DataArgs {
    pub fn options(&self) -> DataOptions {
        DataOptions {
            data_dir: self.data_dir.clone(),
            max_data_age: self.max_data_age,
        }
    }
}

impl From<AuditFormat> for commands::audit::AuditFormat {
    fn from(f: AuditFormat) -> Self {
        match f {
            AuditFormat::Text => commands::audit::AuditFormat::Text,
            AuditFormat::Json => commands::audit::AuditFormat::Json,
        }
    }
}
