//! `direct-url`: requirements installed from a URL, a VCS or a local path.
//!
//! A local path is a note (the code is in the repository, reviewable with it), unless the
//! requirement takes the name of a popular package: then the repository installs its own copy
//! in place of the one everyone reviews on the index (a vendored `requests` with one line
//! added, a wheel `requests-99.0-py3-none-any.whl` in `./wheels`), the threat `--find-links
//! ./wheels` is a warning for, and so is this.

use super::at_dependency;
use crate::finding::{Finding, Rule, Severity};
use crate::manifest::{Dependency, DependencySource};

/// `popular`: the dependency's name is among the popular names the name rules protect.
pub fn check(dep: &Dependency, popular: bool) -> Option<Finding> {
    if let (DependencySource::Path(p), true) = (&dep.source, popular) {
        return Some(
            at_dependency(
                dep,
                Rule::DirectUrl,
                format!(
                    "`{}` is installed from a local path (`{p}`) in place of the popular `{}` from the package index: the repository's own copy, which may differ from the released one",
                    dep.raw_name, dep.name
                ),
            )
            .with_severity(Severity::Warning)
            .with_help("install the released package from the index, or review that copy against the release before you install it"),
        );
    }
    if dep.source.is_project_local() {
        return None;
    }
    let (what, location, severity) = match &dep.source {
        DependencySource::Registry | DependencySource::Workspace => return None,
        DependencySource::Url(u) => ("a URL", u, Severity::Warning),
        DependencySource::Vcs(u) => ("a version control URL", u, Severity::Warning),
        // a path inside the project is reviewable with the project itself
        DependencySource::Path(p) => ("a local path", p, Severity::Note),
    };
    Some(
        at_dependency(
            dep,
            Rule::DirectUrl,
            format!(
                "`{}` is installed from {what} (`{location}`), which bypasses the package index and its malware checks",
                dep.raw_name
            ),
        )
        .with_severity(severity)
        .with_help("prefer a released version from the index, pinned with --hash, or review the source at that exact revision"),
    )
}
