//! `safe-pip`: `pip`, with every package checked before it is installed. See [`squatguard::pip`].

use squatguard::pip::{self, Context};
use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if argv.len() == 1 && (argv[0] == "--version" || argv[0] == "-V") {
        // safe-pip's own version first; pip's follows from pip itself
        #[allow(clippy::print_stdout)]
        {
            println!("safe-pip {} (squatguard)", env!("CARGO_PKG_VERSION"));
        }
    }
    let mut stderr = std::io::stderr();
    let color = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let env = |name: &str| std::env::var_os(name);
    let mut ctx = Context {
        stderr: &mut stderr,
        color,
        env: &env,
    };
    ExitCode::from(pip::run(&argv, &mut ctx).exit_code())
}
