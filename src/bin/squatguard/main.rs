//! `squatguard`: parses the command line ([`args`]), runs the command in the library
//! ([`squatguard::commands`]) and turns its outcome into the exit status; only this file prints
//! an error that stopped a run.

mod args;

use args::{Cli, Command, DbCommand};
use clap::Parser;
use squatguard::commands::{self, Io, Status};
use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
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
    match run(cli.command, io) {
        Ok(status) => ExitCode::from(status as u8),
        Err(e) => {
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::from(Status::Clean as u8);
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
