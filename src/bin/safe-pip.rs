//! `safe-pip`: a launcher that runs `squatguard pip ARGS...` (`pip`, with every package checked
//! before it is installed; see `squatguard::pip`), as `uvx` runs `uv tool run`.
//!
//! The checks and their data (every PyPI name, the typo index, the malware reports) live in
//! the `squatguard` binary alone, so this one does not link the library: installing both
//! commands costs one copy of the data, not two.
//!
//! Which `squatguard`: the one installed beside this launcher, in the directory of
//! [`std::env::current_exe`] with symbolic links resolved (`cargo install`, the wheel, pipx and
//! uv put both commands in one directory). Never one found on `PATH`: whatever comes first there
//! (a project's virtualenv, a directory someone added, an unrelated program of that name) would
//! be trusted to decide what gets installed, and a launcher that went looking for it could be
//! sent anywhere. When `squatguard` is not beside it, the launcher fails closed: it says where it
//! looked and exits 66 (safe-pip's "could not check, nothing was run").
//!
//! The arguments pass through untouched (as `OsString`s). On Unix the launcher `exec`s
//! `squatguard`, which takes its place: same process, terminal, signals and exit status.
//! Elsewhere it waits for `squatguard` and exits with its status.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

/// safe-pip's exit status when it could not check, so ran nothing: the value of
/// `squatguard::pip::EXIT_CANNOT_CHECK`, written here so that the launcher links no library.
const EXIT_CANNOT_CHECK: u8 = 66;

fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().skip(1).collect();
    match squatguard_beside_me() {
        Ok(squatguard) => run(squatguard, argv),
        Err(why) => fail(&why),
    }
}

/// The `squatguard` executable in this launcher's own directory, or why there is none.
fn squatguard_beside_me() -> Result<PathBuf, String> {
    let me = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| format!("cannot tell where safe-pip is installed ({e}), so cannot find the squatguard installed beside it"))?;
    let name = format!("squatguard{}", std::env::consts::EXE_SUFFIX);
    let squatguard = me.with_file_name(name);
    if squatguard.is_file() {
        Ok(squatguard)
    } else {
        Err(format!(
            "`{}` not found: safe-pip runs the squatguard installed beside it, and only that one; reinstall squatguard, which installs both commands",
            squatguard.display()
        ))
    }
}

#[cfg(unix)]
fn run(squatguard: PathBuf, argv: Vec<OsString>) -> ExitCode {
    use std::os::unix::process::CommandExt;
    // returns only when the exec failed
    let e = Command::new(&squatguard).arg("pip").args(argv).exec();
    fail(&format!("cannot run `{}`: {e}", squatguard.display()))
}

#[cfg(not(unix))]
fn run(squatguard: PathBuf, argv: Vec<OsString>) -> ExitCode {
    match Command::new(&squatguard).arg("pip").args(argv).status() {
        // the whole status (Windows statuses are 32 bits; ExitCode holds 8)
        Ok(status) => std::process::exit(status.code().unwrap_or(1)),
        Err(e) => fail(&format!("cannot run `{}`: {e}", squatguard.display())),
    }
}

fn fail(why: &str) -> ExitCode {
    #[allow(clippy::print_stderr)]
    {
        eprintln!("safe-pip: error: {why}; nothing was installed");
    }
    ExitCode::from(EXIT_CANNOT_CHECK)
}
