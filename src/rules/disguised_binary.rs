//! `disguised-binary` (SG409): files that pass for Python but cannot be reviewed as source: a
//! `.py` file that is an executable (PE, ELF or Mach-O header) or holds NUL bytes, and a
//! compiled `.pyc` without its source. From the facts: the file's bytes, and for a `.pyc`
//! whether its `.py` exists (which `scan` answers from the walk and the file system); placed
//! at the file's start.
//!
//! safe-pip's look inside a wheel reports here a command the wheel installs under the name of
//! a common one ([`installed_command`], an error) and native code under a name near a popular
//! package's ([`installed_native`], a warning).
//!
//! Severity: an executable header is an error; NUL bytes are a warning; a `.pyc` beside the
//! package, which Python imports on its own, is a warning; a stale `__pycache__` entry, which
//! Python ignores without the source, is a note.

use crate::finding::{Finding, Rule, Severity};
use crate::name::normalize;
use crate::popular::Popular;
use std::path::{Path, PathBuf};

/// Executable headers a `.py` file must not start with.
const EXECUTABLE_MAGIC: &[(&[u8], &str)] = &[
    (b"MZ", "a Windows executable (PE)"),
    (b"\x7fELF", "a Linux executable (ELF)"),
    (b"\xcf\xfa\xed\xfe", "a macOS executable (Mach-O)"),
    (b"\xca\xfe\xba\xbe", "a macOS executable (Mach-O)"),
];

fn at_start(shown: &str, severity: Severity, msg: String) -> Finding {
    Finding::new(Rule::DisguisedBinary, shown, 1, 1, msg).with_severity(severity)
}

/// A Python file (`shown` in findings) whose `bytes` are not source.
pub fn source(shown: &str, bytes: &[u8]) -> Option<Finding> {
    for (magic, what) in EXECUTABLE_MAGIC {
        if bytes.starts_with(magic) {
            return Some(at_start(
                shown,
                Severity::Error,
                format!(
                    "this file is {what}, not Python: a binary named to pass as source, waiting for something to launch it"
                ),
            ));
        }
    }
    bytes.contains(&0).then(|| {
        at_start(
            shown,
            Severity::Warning,
            "this file holds NUL bytes: binary data, not Python source that can be reviewed".into(),
        )
    })
}

/// A `.pyc` at `path` without its `.py`: importable on its own next to the package (a
/// warning), or a stale cache entry in `__pycache__` that Python ignores without the source
/// (a note).
pub fn compiled(shown: &str, path: &Path, has_source: impl Fn(&Path) -> bool) -> Option<Finding> {
    let dir = path.parent()?;
    let stem = path.file_name()?.to_str()?.strip_suffix(".pyc")?;
    let has_source = |p: PathBuf| has_source(&p);
    if dir.file_name().is_some_and(|n| n == "__pycache__") {
        let module = stem.split('.').next().unwrap_or(stem);
        let pkg = dir.parent().unwrap_or(Path::new(""));
        if has_source(pkg.join(format!("{module}.py")))
            || has_source(pkg.join(format!("{module}.pyw")))
        {
            return None;
        }
        Some(at_start(
            shown,
            Severity::Note,
            format!("compiled `{module}` without its source `{module}.py`: what it does cannot be reviewed"),
        ))
    } else {
        if has_source(dir.join(format!("{stem}.py"))) {
            return None;
        }
        Some(at_start(
            shown,
            Severity::Warning,
            format!("compiled module `{stem}` without its source: Python imports it as `{stem}`, and what it does cannot be reviewed"),
        ))
    }
}

/// Commands a script must not take the name of (a version suffix counts: `python3.12`).
pub const SHADOWED_COMMANDS: &[&str] = &[
    "python",
    "pip",
    "pipx",
    "uv",
    "git",
    "sudo",
    "su",
    "doas",
    "ls",
    "cd",
    "cp",
    "mv",
    "rm",
    "cat",
    "sh",
    "bash",
    "zsh",
    "fish",
    "dash",
    "env",
    "ssh",
    "scp",
    "sftp",
    "curl",
    "wget",
    "make",
    "gcc",
    "cc",
    "clang",
    "ld",
    "node",
    "npm",
    "npx",
    "docker",
    "kubectl",
    "apt",
    "apt-get",
    "dpkg",
    "yum",
    "dnf",
    "brew",
    "passwd",
    "chmod",
    "chown",
    "openssl",
    "gpg",
    "which",
    "ps",
    "kill",
    "grep",
    "find",
    "tar",
    "unzip",
    "xargs",
    "awk",
    "sed",
    "vim",
    "vi",
    "nano",
    "less",
    "more",
    "login",
    "id",
    "whoami",
    "crontab",
    "systemctl",
    "code",
    "conda",
    "poetry",
    "pytest",
    "ruff",
    "black",
    "virtualenv",
    "safe-pip",
    "squatguard",
];

/// How many popular names a package's name is compared with for "near a popular name".
pub const NEAR_TOP_N: u32 = 1000;

/// A command `script` (a console or GUI script, or a `*.data/scripts` file, placed at `place`)
/// that the wheel of the distribution `own` (normalised) installs: named like a common command
/// ([`SHADOWED_COMMANDS`], a version suffix counts) that is not the distribution's own, an
/// error. Judged for safe-pip's look inside a wheel (`src/pip/inspect.rs`).
pub fn installed_command(script: &str, own: &str, place: String) -> Option<Finding> {
    let command = shadowed_command(script, own)?;
    Some(at_start(
        &place,
        Severity::Error,
        format!("installs a command named `{script}`, which stands in for `{command}` wherever the environment's scripts come first on PATH (an activated virtualenv)"),
    ))
}

/// A native file `native` that the wheel of the distribution `own` (normalised), placed at
/// `shown`, installs: compiled code under a name that is not popular but within two edits of
/// one of the [`NEAR_TOP_N`] most popular, a warning.
pub fn installed_native(own: &str, native: &str, shown: &str) -> Option<Finding> {
    let popular = Popular::embedded();
    if popular.rank(own).is_some() {
        return None;
    }
    let near = near_popular(own, popular)?;
    Some(at_start(
        shown,
        Severity::Warning,
        format!("ships compiled code (`{native}`) that cannot be reviewed, under a name close to the popular `{near}`"),
    ))
}

/// The command `script` stands in for, unless it is the distribution's own (`pip` of pip).
fn shadowed_command(script: &str, own: &str) -> Option<&'static str> {
    let lower = script.to_ascii_lowercase();
    let base = lower
        .strip_suffix(".exe")
        .unwrap_or(&lower)
        .trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    let command = SHADOWED_COMMANDS.iter().find(|c| **c == base)?;
    (normalize(command).as_str() != own).then_some(*command)
}

/// A popular name (among the most popular) within two edits of `own`, which is not popular.
fn near_popular(own: &str, popular: &Popular) -> Option<&'static str> {
    popular
        .top(NEAR_TOP_N)
        .map(|(_, p)| p)
        .find(|p| *p != own && strsim::damerau_levenshtein(own, p) <= 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pips_own_commands_are_pips() {
        assert_eq!(shadowed_command("pip3.11", "pip"), None);
        assert_eq!(shadowed_command("pip3", "sgs"), Some("pip"));
    }
}
