//! Command-line interface of `squatguard`: arguments, and `run`, which does one command and
//! says which exit status it earned. `main` only prints errors and exits.

use crate::audit;
use crate::check::{self, CheckOptions};
use crate::config::{self, Config};
use crate::data::{self, Data};
use crate::db;
use crate::finding::Rule;
use crate::git;
use crate::report::{self, Format};
use crate::rules::Engine;
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
    /// lowered severities) for safe-pip, which applies such a file only once you have trusted
    /// it, and only while it stays unchanged: it may have come with the code being installed.
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
    #[arg(long)]
    pub fix_remove_malicious: bool,
    /// Apply the configuration's `exclude` to files named on the command line too (for hooks,
    /// which pass file names).
    #[arg(long)]
    pub force_exclude: bool,
    #[command(flatten)]
    pub data: DataArgs,
}

/// What to report and how, shared by `check` and `scan`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
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
    /// A configuration file to use instead of discovery ([tool.squatguard] in pyproject.toml,
    /// squatguard.toml or .squatguard.toml, found upward from the first path).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

impl ReportArgs {
    /// Prints `report` in the chosen format; returns the status it earns.
    fn print(
        &self,
        report: &check::CheckReport,
        out: &mut dyn Write,
        stdout_is_terminal: bool,
    ) -> std::io::Result<Status> {
        report::write(
            self.format,
            report,
            out,
            self.color.enabled(stdout_is_terminal),
        )?;
        Ok(if report.has_errors() {
            Status::Findings
        } else {
            Status::Clean
        })
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

impl DataArgs {
    fn load(&self, stderr: &mut dyn Write) -> std::io::Result<Data> {
        self.load_with_age(stderr, data::DEFAULT_MAX_AGE_DAYS)
    }

    fn load_with_age(&self, stderr: &mut dyn Write, default_age: u64) -> std::io::Result<Data> {
        let dir = data::data_dir(self.data_dir.as_deref());
        let data = Data::load(dir.as_deref(), self.max_data_age.unwrap_or(default_age));
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

impl ColorChoice {
    /// Whether to colour output going to a terminal or not.
    fn enabled(self, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
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
    pub stderr_is_terminal: bool,
}

/// Runs one command.
pub fn run(cli: Cli, io: Io) -> anyhow::Result<Status> {
    match cli.command {
        Command::Check(args) => run_check(args, io),
        Command::Scan(args) => run_scan(args, io),
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
        Command::Audit(args) => run_audit(args, io),
        Command::Config { path, config } => {
            let cfg = load_config(config.as_deref(), path.as_deref())?;
            write!(io.stdout, "{}", cfg.to_toml())?;
            Ok(Status::Clean)
        }
        Command::Db(DbCommand::Update {
            osv,
            pypi_names,
            data,
        }) => run_db_update(osv, pypi_names, &data, io),
        Command::Db(DbCommand::Status { data }) => run_db_status(&data, io),
        Command::Trust {
            file,
            remove,
            data_dir,
        } => run_trust(file, remove, data_dir, io),
    }
}

fn run_trust(
    file: Option<PathBuf>,
    remove: bool,
    data_dir: Option<PathBuf>,
    io: Io,
) -> anyhow::Result<Status> {
    let file = match file {
        Some(f) => f,
        None => config::find(std::path::Path::new(".")).ok_or_else(|| {
            anyhow::anyhow!("no squatguard configuration found from the current directory")
        })?,
    };
    let shown = crate::source::display_path(&file);
    let store = data::data_dir(data_dir.as_deref()).ok_or(db::DbError::NoDataDir)?;
    if remove {
        let was =
            crate::trust::revoke(&store, &file).map_err(|e| anyhow::anyhow!("`{shown}`: {e}"))?;
        let what = if was {
            "is no longer trusted"
        } else {
            "was not trusted"
        };
        writeln!(io.stderr, "squatguard: `{shown}` {what}")?;
        return Ok(Status::Clean);
    }
    // a file that does not load would not be applied anyway: say so now, not at install time
    let cfg = config::load(&file)?;
    crate::trust::trust(&store, &file).map_err(|e| anyhow::anyhow!("`{shown}`: {e}"))?;
    let relaxed = crate::pip::relaxations(&cfg);
    let what = if relaxed.is_empty() {
        "nothing in it weakens the checks, so safe-pip applied it already".to_owned()
    } else {
        format!(
            "safe-pip now applies its {}",
            config::Relaxation::list(&relaxed)
        )
    };
    writeln!(
        io.stderr,
        "squatguard: trusted `{shown}` as it is now: {what}; trust it again after each change"
    )?;
    Ok(Status::Clean)
}

fn run_audit(args: AuditArgs, io: Io) -> anyhow::Result<Status> {
    use anyhow::Context;
    let (file, text) = match args.input.as_deref() {
        None => ("<stdin>".to_owned(), read_stdin()?),
        Some(p) if p.as_os_str() == "-" => ("<stdin>".to_owned(), read_stdin()?),
        Some(p) => (
            crate::source::display_path(p),
            std::fs::read_to_string(p).with_context(|| format!("`{}`", p.display()))?,
        ),
    };
    let data = args.data.load(io.stderr)?;
    let mut engine = Engine::new(&data, crate::config::Config::default().popular_top_n);
    engine.only = if args.select.is_empty() {
        audit::RULES.to_vec()
    } else {
        args.select.clone()
    };
    let src = crate::source::SourceFile::new(file, text);
    let findings = audit::audit(&src, &engine, &args.select).map_err(check::CheckError::from)?;
    let mut out = std::io::BufWriter::new(io.stdout);
    for f in &findings {
        match args.format {
            AuditFormat::Text => writeln!(
                out,
                "{}: {}[{}]: {}",
                report::visible(f.package.as_deref().unwrap_or_default()),
                f.severity,
                f.rule,
                report::visible(&f.display_message())
            )?,
            AuditFormat::Json => {
                serde_json::to_writer(&mut out, f)?;
                writeln!(out)?;
            }
        }
    }
    out.flush()?;
    let errors = findings
        .iter()
        .any(|f| f.severity == crate::finding::Severity::Error);
    Ok(if errors {
        Status::Findings
    } else {
        Status::Clean
    })
}

fn read_stdin() -> anyhow::Result<String> {
    use std::io::Read;
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| anyhow::anyhow!("reading standard input: {e}"))?;
    Ok(s)
}

fn run_scan(args: ScanArgs, io: Io) -> anyhow::Result<Status> {
    // a configuration named with --config is the user's own choice; one merely found may be
    // the inspected repository's
    let cfg = if args.trusted || args.report.config.is_some() {
        load_config(args.report.config.as_deref(), Some(&args.dir))?
    } else {
        if let Some(found) = config::find(&args.dir) {
            writeln!(
                io.stderr,
                "squatguard: note: `{}` not applied: scan applies a configuration it finds only with --trusted, since a repository under inspection can carry one that switches checks off; pass --trusted if the repository is your own",
                crate::source::display_path(&found)
            )?;
        }
        Config::default()
    };
    let origin = if args.trusted {
        config::Origin::Own
    } else {
        config::Origin::Untrusted
    };
    let (select, ignore) = args.report.rules(&cfg);
    let data = args.data.load_with_age(io.stderr, cfg.max_data_age)?;
    let engine = Engine::new(&data, cfg.popular_top_n);
    let exclude = crate::exclude::Exclude::of(&cfg);
    let opts = crate::scan::ScanOptions {
        root: args.dir,
        policy: crate::finish::Policy {
            config: cfg,
            origin,
            select,
            ignore,
            allowed_names: Vec::new(),
            report_unused_allows: true,
        },
        exclude,
    };
    let report = crate::scan::scan(&opts, &engine)?;
    note_hidden(&report, io.stderr)?;
    Ok(args
        .report
        .print(&report, io.stdout, io.stdout_is_terminal)?)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn run_db_update(
    osv: Option<String>,
    pypi_names: Option<String>,
    args: &DataArgs,
    io: Io,
) -> anyhow::Result<Status> {
    let dir = data::data_dir(args.data_dir.as_deref()).ok_or(db::DbError::NoDataDir)?;
    let opts = db::UpdateOptions { osv, pypi_names };
    let stderr = io.stderr;
    let terminal = io.stderr_is_terminal;
    let mut on_event = |event: db::Event| {
        // progress is best effort: a closed stderr must not stop the update
        let _ = match event {
            db::Event::Fetching { what, source } => {
                writeln!(stderr, "squatguard: reading {what} from {source}")
            }
            db::Event::Download(p) if terminal => {
                let total = p
                    .total
                    .map(|t| format!(" / {}", mib(t)))
                    .unwrap_or_default();
                let pct = p
                    .total
                    .filter(|t| *t > 0)
                    .map(|t| format!(" ({}%)", p.done * 100 / t))
                    .unwrap_or_default();
                let end = if p.finished { "\n" } else { "" };
                write!(
                    stderr,
                    "\r\x1b[2K  downloaded {}{total}{pct}{end}",
                    mib(p.done)
                )
            }
            db::Event::Download(p) if p.finished => {
                writeln!(stderr, "  downloaded {}", mib(p.done))
            }
            db::Event::Download(_) => Ok(()),
        };
    };
    let results = db::update(&dir, &opts, &mut on_event);
    let mut failed = false;
    for result in results {
        match result {
            Ok(db::Updated::Names(meta)) => {
                writeln!(
                    stderr,
                    "squatguard: {} PyPI project names saved to {}",
                    meta.names,
                    dir.join(data::NAMES_FILE).display()
                )?;
            }
            Ok(db::Updated::Reports { meta, import }) => {
                for e in &import.errors {
                    writeln!(stderr, "squatguard: warning: skipped {e}")?;
                }
                writeln!(
                    stderr,
                    "squatguard: {} malicious-package reports on {} names saved to {} ({} withdrawn, {} not malicious, {} not PyPI skipped; {} files unreadable)",
                    meta.records,
                    meta.names,
                    dir.join(data::REPORTS_FILE).display(),
                    import.skipped.withdrawn,
                    import.skipped.not_malicious,
                    import.skipped.not_pypi,
                    import.errors.len()
                )?;
            }
            Err(e) => {
                failed = true;
                writeln!(
                    stderr,
                    "squatguard: error: {e}; the previous data is unchanged"
                )?;
            }
        }
    }
    Ok(if failed { Status::Error } else { Status::Clean })
}

fn run_db_status(args: &DataArgs, io: Io) -> anyhow::Result<Status> {
    let dir = data::data_dir(args.data_dir.as_deref());
    let s = db::status(
        dir.as_deref(),
        args.max_data_age.unwrap_or(data::DEFAULT_MAX_AGE_DAYS),
    );
    let out = io.stdout;
    let age = |created: &str| match (data::days_from_date(created), data::today_days()) {
        (Some(c), Some(t)) => format!("{} days old", t - c),
        _ => "age unknown".into(),
    };
    match &s.dir {
        Some(d) => writeln!(out, "data directory:  {}", d.display())?,
        None => writeln!(
            out,
            "data directory:  none (no cache directory on this platform)"
        )?,
    }
    let origin = match &s.names_origin {
        data::Origin::Embedded => "embedded snapshot".to_owned(),
        data::Origin::Cache(p) => format!("cache {}", p.display()),
    };
    writeln!(
        out,
        "PyPI names:      {} names ({origin}), from {}, taken {} ({})",
        s.names.names,
        s.names.source,
        s.names.created,
        age(&s.names.created)
    )?;
    match &s.reports {
        Some((meta, path)) => writeln!(
            out,
            "malicious feed:  {} reports on {} names (cache {}), from {}, taken {} ({})",
            meta.records,
            meta.names,
            path.display(),
            meta.source,
            meta.created,
            age(&meta.created)
        )?,
        None => writeln!(
            out,
            "malicious feed:  none imported; run `squatguard db update`"
        )?,
    }
    writeln!(
        out,
        "curated list:    {} reports (embedded, merged with the feed)",
        s.curated
    )?;
    for w in &s.warnings {
        writeln!(io.stderr, "squatguard: warning: {w}")?;
    }
    Ok(Status::Clean)
}

/// Says how many findings the rule choice, the configuration or suppression comments kept out
/// of the report, so that a configuration that silences the checks does not go unseen.
fn note_hidden(report: &check::CheckReport, stderr: &mut dyn Write) -> std::io::Result<()> {
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
    )
}

/// The configuration for a run: `--config`, else discovery upward from the first path.
fn load_config(
    explicit: Option<&std::path::Path>,
    first_path: Option<&std::path::Path>,
) -> anyhow::Result<Config> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => config::find(first_path.unwrap_or(std::path::Path::new("."))),
    };
    Ok(match path {
        Some(p) => config::load(&p)?,
        None => Config::default(),
    })
}

fn run_check(args: CheckArgs, io: Io) -> anyhow::Result<Status> {
    let cfg = load_config(
        args.report.config.as_deref(),
        args.paths.first().map(PathBuf::as_path),
    )?;
    let (select, ignore) = args.report.rules(&cfg);
    let data = args.data.load_with_age(io.stderr, cfg.max_data_age)?;
    let engine = Engine::new(&data, cfg.popular_top_n);
    let cwd = std::env::current_dir()?;
    let staged = if args.staged {
        Some(git::staged_tree(&cwd)?)
    } else {
        None
    };
    let named_any = !args.paths.is_empty();
    let paths = match &staged {
        None => args.paths,
        Some(tree) if args.paths.is_empty() => vec![tree.path_of(std::path::Path::new(""))],
        Some(tree) => args
            .paths
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
            .collect::<anyhow::Result<Vec<_>>>()?,
    };
    // every file named was a refused link: nothing else to read (no paths would mean `.`)
    let only_refused = paths.is_empty() && named_any;
    let mut exclude = crate::exclude::Exclude::of(&cfg);
    // a staged run walks a scratch copy of the tree: judged as the real one
    if let Some(tree) = &staged {
        exclude = exclude.map(|x| x.remapped(&tree.path_of(std::path::Path::new("")), &cwd));
    }
    let opts = CheckOptions {
        paths,
        policy: crate::finish::Policy {
            config: cfg,
            origin: config::Origin::Own,
            select,
            ignore,
            allowed_names: Vec::new(),
            report_unused_allows: true,
        },
        exclude,
        force_exclude: args.force_exclude,
        all_files: false,
    };
    let mut collected = if only_refused {
        check::Collected::default()
    } else {
        check::collect(&opts, &engine)?
    };
    if let Some(tree) = &staged {
        tree.map_back(&mut collected.findings);
        for link in &tree.refused_links {
            let Ok(rel) = link.strip_prefix(&tree.prefix) else {
                continue;
            };
            collected.files += 1;
            collected.findings.push(crate::finding::Finding::new(
                Rule::InvalidManifest,
                crate::source::display_path(rel),
                1,
                1,
                "cannot check this file: it is a symbolic link staged to lead out of the repository, or to nothing staged; pip would follow it",
            ));
        }
    }
    let policy = crate::finish::Policy {
        report_unused_allows: !collected.explicit_files,
        ..opts.policy.clone()
    };
    let mut report = collected.finish(&policy);
    if let Some(rev) = &args.since {
        let findings = std::mem::take(&mut report.findings);
        report.findings = git::only_since(&cwd, rev, staged.is_some(), findings)?;
    }
    if args.fix || args.diff || args.fix_remove_malicious {
        let changes = crate::fix::plan(&report.findings, args.fix_remove_malicious)?;
        if args.diff {
            for c in &changes {
                write!(io.stdout, "{}", crate::fix::unified_diff(c))?;
            }
            return Ok(if changes.is_empty() && !report.has_errors() {
                Status::Clean
            } else {
                Status::Findings
            });
        }
        for c in &changes {
            std::fs::write(&c.file, &c.after)
                .map_err(|e| anyhow::anyhow!("writing `{}`: {e}", c.file))?;
            for line in &c.summary {
                writeln!(io.stderr, "squatguard: fixed {line}")?;
            }
        }
        if !changes.is_empty() {
            report = check::check(&opts, &engine)?;
        }
    }
    note_hidden(&report, io.stderr)?;
    if report.files == 0 && report.excluded == 0 {
        writeln!(
            io.stderr,
            "squatguard: warning: no dependency manifests found (requirements*.txt, pyproject.toml, setup.py, setup.cfg, Pipfile, lock files)"
        )?;
    }
    Ok(args
        .report
        .print(&report, io.stdout, io.stdout_is_terminal)?)
}
