//! `not-on-pypi`: a registry dependency whose name PyPI does not have.
//!
//! Such a name is a private package, one an AI assistant invented (attackers register those:
//! "slopsquatting"), or one PyPI removed, usually for malware. Requirements that come from an
//! index replacing PyPI (`--index-url` in the file, a Pipfile/Poetry/uv source) and direct URLs
//! are not judged. A name that is also close to a popular one is an error.
//!
//! When the index safe-pip asks has the name ([`crate::index_facts`]), the name is new since the
//! snapshot rather than missing: the finding says so with the index's facts, at the same
//! severity (a name registered since the snapshot is what a slopsquat is; the age-aware model
//! weighs the facts).

use super::at_dependency;
use crate::finding::{Finding, Rule, Severity};
use crate::manifest::Dependency;

pub fn check(
    dep: &Dependency,
    on_pypi: bool,
    snapshot_date: &str,
    imitates: Option<&str>,
    index_facts: Option<&crate::store::NameAge>,
) -> Option<Finding> {
    if !dep.source.is_registry() || dep.private_index || on_pypi {
        return None;
    }
    let mut message = match index_facts {
        Some(age) => format!(
            "`{}` is not in the name snapshot of {snapshot_date} but the index has it ({}): new since the snapshot, or removed from PyPI and registered again; a name an AI assistant invented is registered so",
            dep.raw_name,
            crate::index_facts::describe(age)
        ),
        None => format!(
            "`{}` is not on PyPI (name snapshot of {snapshot_date}): a private package, a name an AI assistant invented, or one PyPI removed (usually for malware)",
            dep.raw_name
        ),
    };
    let mut f = at_dependency(dep, Rule::NotOnPypi, String::new());
    if let Some(target) = imitates {
        message.push_str(&format!("; it is also close to the popular `{target}`"));
        f.severity = Severity::Error;
        f.similar_to = Some(target.to_owned());
    }
    f.message = message;
    Some(f.with_help(if index_facts.is_some() {
        "check the project's page and who published it before installing anything"
    } else {
        "if it is private, install it from your own index (--index-url); otherwise check the name on pypi.org before installing anything"
    }))
}
