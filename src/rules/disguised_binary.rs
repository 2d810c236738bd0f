//! `disguised-binary` (SG409): files that pass for Python but cannot be reviewed as source: a
//! `.py` file that is an executable (PE, ELF or Mach-O header) or holds NUL bytes, and a
//! compiled `.pyc` without its source. From the facts: the file's bytes, and for a `.pyc`
//! whether its `.py` exists (which `scan` answers from the walk and the file system); placed
//! at the file's start.
//!
//! Severity: an executable header is an error; NUL bytes are a warning; a `.pyc` beside the
//! package, which Python imports on its own, is a warning; a stale `__pycache__` entry, which
//! Python ignores without the source, is a note.

use crate::finding::{Finding, Rule, Severity};
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
