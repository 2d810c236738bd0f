//! `direct-url`: requirements installed from a URL, a VCS or a local path.

use super::at_dependency;
use crate::finding::{Finding, Rule, Severity};
use crate::manifest::{Dependency, DependencySource};

pub fn check(dep: &Dependency) -> Option<Finding> {
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
