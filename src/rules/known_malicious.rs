//! `known-malicious`: names and releases reported as malware.
//!
//! A report on every release is an error whatever the specifiers. A report on some releases:
//! a pin (`==`) to a bad release is an error, specifiers that admit one (or none at all) are
//! a warning, specifiers that exclude them all are clean. A name PyPI no longer has, after a
//! report on some of its releases, existed only as malware: every release is treated as bad,
//! since a later upload under the same name is just as bad. A name screened by `audit` without a
//! version stands for the project, not a requirement: some bad releases alone are not a finding
//! there. The project itself and members of
//! its workspace are built from the code under review, not taken from an index: not judged.
//!
//! After safe-pip's resolution a range warning is superseded: the name is judged again at the
//! exact release pip chose ([`superseded_by_resolution`]).

use super::at_dependency;
use crate::advisory::{Advisory, Affected};
use crate::finding::{Finding, Fix, Rule, Severity};
use crate::manifest::{Dependency, DependencySource};
use crate::name::PackageName;
use std::collections::HashSet;

pub fn check(dep: &Dependency, advisories: &[Advisory], on_pypi: bool) -> Vec<Finding> {
    if dep.source == DependencySource::Workspace {
        return Vec::new();
    }
    advisories
        .iter()
        .filter_map(|adv| judge(dep, adv, on_pypi))
        .collect()
}

/// Drops from `findings` the range warnings (specifiers that admit a malicious release: the
/// only warnings this rule gives) about the names in `resolved`, which a resolution chose an
/// exact release of: that release is judged instead (an error when it is a malicious one,
/// nothing otherwise), so the range no longer says what would be installed.
pub fn superseded_by_resolution(findings: &mut Vec<Finding>, resolved: &HashSet<PackageName>) {
    findings.retain(|f| {
        !(f.rule == Rule::KnownMalicious
            && f.severity == Severity::Warning
            && f.package.as_ref().is_some_and(|p| resolved.contains(p)))
    });
}

fn judge(dep: &Dependency, adv: &Advisory, on_pypi: bool) -> Option<Finding> {
    let id = adv
        .id
        .as_deref()
        .map(|id| format!(" ({id})"))
        .unwrap_or_default();
    let every_release = match adv.affected {
        Affected::All => true,
        Affected::Some(_) => !on_pypi,
    };
    let (severity, message) = match &adv.affected {
        some @ Affected::Some(_) if every_release => (
            Severity::Error,
            format!(
                "`{}` is a known malicious package{id}: {} (reported releases: {}; PyPI removed the project, so every release is treated as malicious)",
                dep.name,
                adv.summary_text(),
                some.describe()
            ),
        ),
        Affected::All => (
            Severity::Error,
            format!(
                "`{}` is a known malicious package{id}: {}",
                dep.name, adv.summary_text()
            ),
        ),
        some => {
            if let Some(pin) = dep.pinned_version() {
                if !some.contains(&pin) {
                    return None;
                }
                (
                    Severity::Error,
                    format!(
                        "`{}=={pin}` is a known malicious release{id}: {}",
                        dep.name, adv.summary_text()
                    ),
                )
            } else if !dep.listed
                && (some.admitted_by(dep.specifiers.as_ref()) || !dep.source.is_registry())
            {
                let constraint = dep
                    .specifiers
                    .as_ref()
                    .map(|s| format!("`{}{s}`", dep.name))
                    .unwrap_or_else(|| format!("unpinned `{}`", dep.name));
                (
                    Severity::Warning,
                    format!(
                        "{constraint} admits malicious releases ({}){id}: {}",
                        some.describe(),
                        adv.summary_text()
                    ),
                )
            } else {
                return None;
            }
        }
    };
    let mut f = at_dependency(dep, Rule::KnownMalicious, message).with_severity(severity);
    // removal is offered (behind --fix-remove-malicious) where a line is the whole requirement
    if severity == Severity::Error
        && (dep.section.starts_with("requirements") || dep.section.starts_with("constraints"))
        && super::fixable(dep)
    {
        f.fix = Some(Fix::RemoveLine {
            line: dep.line,
            span: dep.name_span.clone(),
            expected: dep.raw_name.clone(),
        });
    }
    f.advisory = adv.id.clone();
    f.source = Some(adv.source.clone());
    f.help = Some(match &adv.affected {
        _ if every_release => format!("remove `{}`; if it was ever installed, treat the machine and its credentials as compromised", dep.name),
        some => format!("pin `{}` to a release outside {} and check installed environments", dep.name, some.describe()),
    });
    Some(f)
}
