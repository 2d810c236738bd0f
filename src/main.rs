use clap::Parser;
use squatguard::cli::{self, Cli, Io, Status};
use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let stdout_is_terminal = stdout.is_terminal();
    let mut out = stdout.lock();
    let mut err = std::io::stderr();
    let stderr_is_terminal = err.is_terminal();
    let io = Io {
        stdout: &mut out,
        stderr: &mut err,
        stdout_is_terminal,
        stderr_is_terminal,
    };
    match cli::run(cli, io) {
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
