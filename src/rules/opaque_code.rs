//! `opaque-code` (SG411): code Python can run that `scan` cannot read, so that nothing passes
//! unread: a native extension module (`.so`, `.pyd`), a Python file larger than the scan reads,
//! an archive Python imports from (`.zip`, `.egg`) whose members cannot be read, a notebook that
//! is not JSON. What can be read is read instead (archive members, notebook cells, scripts with
//! a Python shebang); the scan (`src/scan/`) decides which and places the finding at the file's start.
//!
//! Severity: an error where the file runs without anyone calling it: inside a package (a
//! folder holding `__init__.py`, which any import of the package may load) or beside `setup.py`
//! or `pyproject.toml` (the install runs there), unless, in a tree the user trusts (`scan
//! --trusted`), it is listed in the `RECORD` of an installed distribution beside the package
//! (pip's record of what a wheel installed, as in the user's own site-packages), which is a
//! warning; a warning elsewhere. A repository under inspection writes its `RECORD` as easily
//! as its modules, so there a `RECORD` relaxes nothing. A compiled `.pyc` without its source
//! outside `__pycache__` (which Python imports by its name) is reported here too where it runs
//! unasked, besides its `disguised-binary` finding.

use crate::finding::{Finding, Rule, Severity};

/// Where an unreadable file sits, which decides how far it reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// In a package or beside the install's `setup.py`/`pyproject.toml`: runs on import or
    /// install.
    RunsUnasked,
    /// Recorded as installed by a distribution's `RECORD`.
    Installed,
    /// Anywhere else: runs when something names it.
    Elsewhere,
}

/// The finding at the start of `shown`, which is `what` (a phrase: "a native extension
/// module").
pub fn finding(shown: &str, what: &str, reach: Reach) -> Finding {
    let (severity, where_) = match reach {
        Reach::RunsUnasked => (
            Severity::Error,
            "; it sits where Python loads code on import or install",
        ),
        Reach::Installed => (
            Severity::Warning,
            "; an installed distribution's RECORD lists it",
        ),
        Reach::Elsewhere => (Severity::Warning, ""),
    };
    Finding::new(
        Rule::OpaqueCode,
        shown,
        1,
        1,
        format!("not read: {what}, which Python can run but this scan cannot read{where_}; review where it came from before running this code"),
    )
    .with_severity(severity)
}
