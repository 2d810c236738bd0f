//! `not-on-pypi`: a registry dependency whose name PyPI does not have.
//!
//! Such a name is a private package, one an AI assistant invented (attackers register those:
//! "slopsquatting"), or one PyPI removed, usually for malware. Requirements that come from an
//! index replacing PyPI (`--index-url` in the file, a Pipfile/Poetry/uv source) and direct URLs
//! are not judged. A name that is also close to a popular one is an error.

use super::at_dependency;
use crate::finding::{Finding, Rule, Severity};
use crate::manifest::Dependency;

pub fn check(
    dep: &Dependency,
    on_pypi: bool,
    snapshot_date: &str,
    imitates: Option<&str>,
) -> Option<Finding> {
    if !dep.source.is_registry() || dep.private_index || on_pypi {
        return None;
    }
    let mut message = format!(
        "`{}` is not on PyPI (name snapshot of {snapshot_date}): a private package, a name an AI assistant invented, or one PyPI removed (usually for malware)",
        dep.raw_name
    );
    let mut f = at_dependency(dep, Rule::NotOnPypi, String::new());
    if let Some(target) = imitates {
        message.push_str(&format!("; it is also close to the popular `{target}`"));
        f.severity = Severity::Error;
        f.similar_to = Some(target.to_owned());
    }
    f.message = message;
    Some(f.with_help(
        "if it is private, install it from your own index (--index-url); otherwise check the name on pypi.org before installing anything",
    ))
}
