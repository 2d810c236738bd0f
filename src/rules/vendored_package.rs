//! `vendored-package` (SG410): a folder named like one of the [`VENDORED_TOP`] most popular
//! PyPI packages, kept in the repository instead of installed: where the VMConnect "coding
//! test" lure hid its payload (modified `Pyperclip/` and `Pyrebase/` folders). From the facts:
//! the packages among the walked files (folders holding an `__init__.py`), whether a folder's
//! parent is an install target (which `scan` answers from the file system), and the findings
//! inside each copy; placed at the copy's `__init__.py`.
//!
//! A subpackage of another package (`django/test`) is not a copy, unless its parent is a
//! vendor folder (`_vendor`, `third_party`...); names shorter than four characters are not
//! judged. Severity: the worst warning or error found inside the copy, else a note.

use crate::finding::{Finding, Rule, Severity};
use crate::popular::Popular;
use crate::source::display_path;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Folders named like one of this many most popular packages count as vendored copies.
pub const VENDORED_TOP: u32 = 5_000;

/// Parent folders that hold vendored packages on purpose.
const VENDOR_DIRS: &[&str] = &[
    "_vendor",
    "vendor",
    "vendored",
    "_vendored",
    "third_party",
    "thirdparty",
    "extern",
    "_extern",
    "lib",
    "libs",
];

/// The vendored copies among `files` (scanned from `root`), given the `findings` in them;
/// `is_installed` tells whether a folder is an install target (site-packages).
pub fn check(
    root: &Path,
    files: &[PathBuf],
    findings: &[Finding],
    is_installed: impl Fn(&Path) -> bool,
) -> Vec<Finding> {
    let popular = Popular::embedded();
    let packages: HashSet<&Path> = files
        .iter()
        .filter(|f| f.file_name().is_some_and(|n| n == "__init__.py"))
        .filter_map(|f| f.parent())
        .collect();
    let mut out = Vec::new();
    let mut dirs: Vec<&Path> = packages.iter().copied().collect();
    dirs.sort();
    for dir in dirs {
        if dir == root || dir.as_os_str().is_empty() {
            continue;
        }
        let Some(folder) = dir.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let name = crate::name::normalize(folder);
        if name.len() < 4 {
            continue;
        }
        let Some(rank) = popular.rank(&name).filter(|r| *r <= VENDORED_TOP) else {
            continue;
        };
        let parent = dir.parent().unwrap_or(Path::new(""));
        let parent_name = parent.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if packages.contains(parent) && !VENDOR_DIRS.contains(&parent_name) {
            continue; // a subpackage (`django/test`), not a copy
        }
        if is_installed(parent) {
            continue;
        }
        let prefix = format!("{}/", display_path(dir));
        let inner: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.file.starts_with(&prefix) && f.severity > Severity::Note)
            .collect();
        let max = inner.iter().map(|f| f.severity).max();
        let (severity, tail) = match max {
            Some(s) => (
                s,
                format!(
                    "; {} finding{} inside it: compare it with the released package",
                    inner.len(),
                    if inner.len() == 1 { "" } else { "s" }
                ),
            ),
            None => (
                Severity::Note,
                "; install the package from PyPI instead, or compare the copy with its release"
                    .into(),
            ),
        };
        out.push(
            Finding::new(
                Rule::VendoredPackage,
                format!("{prefix}__init__.py"),
                1,
                1,
                format!(
                    "`{folder}/` is a copy of the popular package `{name}` (rank {rank}) kept in the repository{tail}"
                ),
            )
            .with_package(name)
            .with_severity(severity),
        );
    }
    out
}
