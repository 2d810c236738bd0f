//! `direct-url`: requirements installed from a URL, a VCS or a local path.
//!
//! A local path is a note (the code is in the repository, reviewable with it), unless the
//! requirement takes the name of a popular package: then the repository installs its own copy
//! in place of the one everyone reviews on the index (a vendored `requests` with one line
//! added, a wheel `requests-99.0-py3-none-any.whl` in `./wheels`), the threat `--find-links
//! ./wheels` is a warning for, and so is this.
//!
//! A requirement whose package name cannot be known ([`UnnamedSource`]: a URL or path that
//! names none, a project directory whose metadata names an invalid name or cannot be read) is
//! judged by [`unnamed`]: a warning for a URL, a note for a path.

use super::at_dependency;
use crate::finding::{Finding, Rule, Severity};
use crate::manifest::{Dependency, DependencySource, Unnamed, UnnamedSource};

/// The finding about a requirement whose package name is not known.
pub fn unnamed(s: &UnnamedSource) -> Finding {
    let written = &s.written;
    let mut f = Finding::new(Rule::DirectUrl, &*s.file, s.line, s.column, "")
        .with_snippet(s.snippet.clone());
    f.snippet_skip = s.snippet_skip;
    f.line_identity = Some(s.since_identity());
    f.inline_ignore = s.inline_ignore.clone();
    match &s.why {
        Unnamed::NotWritten => {
            let (what, without) = match s.source {
                DependencySource::Vcs(_) => ("version control URL", "fetching it"),
                DependencySource::Url(_) => ("URL", "fetching it"),
                _ => ("local path", "building it"),
            };
            f.message = format!("`{written}` installs from a {what} that bypasses the package index; its package name cannot be known without {without}");
            f = f.with_help(
                "add `#egg=NAME` or write it as `NAME @ URL` so the name can be checked",
            );
            if matches!(s.source, DependencySource::Path(_)) {
                f = f.with_severity(Severity::Note);
            }
        }
        Unnamed::InvalidName { dir, file, name } => {
            f.message = format!("`{written}` installs the project in `{dir}`, whose `{file}` declares the name `{name}`, which is not a valid package name");
            f = f.with_severity(Severity::Note);
        }
        Unnamed::Unreadable { dir, why } => {
            f.message = format!("`{written}` installs the project in `{dir}`, whose package name squatguard cannot read: {why}");
            f = f
                .with_severity(Severity::Note)
                .with_help("if it takes the name of a popular package, it replaces that package with the repository's own copy: read its metadata before installing");
        }
    }
    f
}

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
