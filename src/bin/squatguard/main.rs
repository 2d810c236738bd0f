//! `squatguard`: parses the command line ([`args`]), runs the command in the library
//! ([`squatguard::commands`]) and turns its outcome into the exit status; only this file prints
//! an error that stopped a run.

mod args;

use args::{Cli, Command, DbCommand};
use clap::{CommandFactory, FromArgMatches};
use squatguard::commands::{self, Io, Status};
use squatguard::pip::{self, Context};
use std::ffi::OsString;
use std::io::IsTerminal;
use std::process::ExitCode;

/// The one line of `squatguard --help` that names `squatguard pip`, which clap does not see.
const PIP_HELP: &str =
    "`squatguard pip ARGS...` is safe-pip: pip, with every package checked before it is installed";

fn main() -> ExitCode {
    // `squatguard pip ARGS...` is safe-pip (the `safe-pip` command is a launcher that runs it),
    // dispatched before clap so that pip's arguments reach pip's own grammar untouched
    let mut argv = std::env::args_os().skip(1);
    if argv.next().is_some_and(|first| first == "pip") {
        return safe_pip(argv.collect());
    }
    let mut command = Cli::command().after_help(PIP_HELP);
    let mut matches = command.get_matches_mut();
    let cli =
        Cli::from_arg_matches_mut(&mut matches).unwrap_or_else(|e| e.format(&mut command).exit());
    let stdout = std::io::stdout();
    let stdout_is_terminal = stdout.is_terminal();
    let mut out = stdout.lock();
    let mut err = std::io::stderr();
    let stderr_is_terminal = err.is_terminal();
    let mut stdin = std::io::stdin();
    let io = Io {
        stdin: &mut stdin,
        stdout: &mut out,
        stderr: &mut err,
        stdout_is_terminal,
        stderr_is_terminal,
    };
    // a report cut short (`| head`) may have held the errors: those commands fail closed
    let judges = matches!(
        cli.command,
        Command::Check(_) | Command::Scan(_) | Command::Audit(_)
    );
    match run(cli.command, io) {
        Ok(status) => ExitCode::from(status as u8),
        Err(e) => {
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            {
                if !judges {
                    return ExitCode::from(Status::Clean as u8);
                }
                #[allow(clippy::print_stderr)]
                {
                    eprintln!("squatguard: error: standard output was closed before the whole report was written, so this run cannot pass");
                }
                return ExitCode::from(Status::Error as u8);
            }
            #[allow(clippy::print_stderr)]
            {
                eprintln!("squatguard: error: {e:#}");
            }
            ExitCode::from(Status::Error as u8)
        }
    }
}

/// Dispatches one command to the library.
fn run(command: Command, io: Io) -> anyhow::Result<Status> {
    match command {
        Command::Check(a) => commands::check::run(
            commands::check::CheckRequest {
                paths: a.paths,
                report: a.report.options(),
                staged: a.staged,
                since: a.since,
                fix: a.fix,
                diff: a.diff,
                fix_remove_malicious: a.fix_remove_malicious,
                force_exclude: a.force_exclude,
                trust_config: a.trust_config,
                // set by GitHub Actions for pull_request and pull_request_target events only
                pull_request_base: std::env::var("GITHUB_BASE_REF")
                    .ok()
                    .filter(|b| !b.is_empty()),
                data: a.data.options(),
            },
            io,
        ),
        Command::Scan(a) => commands::scan::run(
            commands::scan::ScanRequest {
                dir: a.dir,
                trusted: a.trusted,
                report: a.report.options(),
                data: a.data.options(),
            },
            io,
        ),
        Command::Audit(a) => commands::audit::run(
            commands::audit::AuditRequest {
                input: a.input,
                select: a.select,
                format: a.format.into(),
                data: a.data.options(),
            },
            io,
        ),
        Command::Rules => commands::info::rules(io),
        Command::Config { path, config } => {
            commands::info::config(path.as_deref(), config.as_deref(), io)
        }
        Command::Db(DbCommand::Update {
            osv,
            pypi_names,
            data,
        }) => commands::db::update(osv, pypi_names, &data.options(), io),
        Command::Db(DbCommand::Status { data }) => commands::db::status(&data.options(), io),
        Command::Trust {
            file,
            remove,
            data_dir,
        } => commands::trust::run(file, remove, data_dir, io),
    }
}

/// `squatguard pip ARGS...`, run by the `safe-pip` launcher: `pip`, with every package checked
/// before it is installed. See [`squatguard::pip`].
fn safe_pip(argv: Vec<OsString>) -> ExitCode {
    // safe-pip's options and statuses first; pip's help follows from pip itself
    let wants_help = argv.is_empty()
        || pip::args::parse(&argv)
            .is_ok_and(|a| a.has("--help") && a.subcommand.as_deref() != Some("help"));
    if wants_help {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        // a closed pipe (`safe-pip --help | head`) is not an error
        let _ = writeln!(out, "{}", pip::HELP).and_then(|()| out.flush());
    }
    if argv.len() == 1 && (argv[0] == "--version" || argv[0] == "-V") {
        // safe-pip's own version first; pip's follows from pip itself
        #[allow(clippy::print_stdout)]
        {
            println!("safe-pip {} (squatguard)", env!("CARGO_PKG_VERSION"));
        }
    }
    let mut stderr = std::io::stderr();
    let color = anstream::AutoStream::choice(&stderr) != anstream::ColorChoice::Never;
    let env = |name: &str| std::env::var_os(name);
    let mut ctx = Context {
        stderr: &mut stderr,
        color,
        env: &env,
    };
    ExitCode::from(pip::run(&argv, &mut ctx).exit_code())
}
