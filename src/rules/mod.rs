//! Rules that judge one dependency. Parsers report what they could not read; these modules
//! report what is risky about what they read.

pub mod direct_url;
pub mod known_malicious;
pub mod typosquat;

use crate::advisory::AdvisoryDb;
use crate::finding::{Finding, Rule, Severity};
use crate::manifest::Dependency;
use crate::popular::Popular;

/// Everything the rules need to know, built once per run.
pub struct Engine<'a> {
    pub popular: &'a Popular,
    pub advisories: &'a AdvisoryDb,
    pub typosquat: typosquat::Options,
}

impl Engine<'_> {
    /// All findings about one dependency.
    pub fn check(&self, dep: &Dependency) -> Vec<Finding> {
        let mut out = known_malicious::check(dep, self.advisories);
        let proven_bad = out.iter().any(|f| f.severity == Severity::Error);
        if !proven_bad {
            out.extend(typosquat::check(dep, self.popular, &self.typosquat));
        }
        out.extend(direct_url::check(dep));
        out
    }
}

/// A finding about `dep`, placed at its name.
pub(crate) fn at_dependency(dep: &Dependency, rule: Rule, message: impl Into<String>) -> Finding {
    let mut f = Finding::new(rule, dep.file.clone(), dep.line, dep.column, message)
        .with_package(dep.name.clone())
        .with_snippet(dep.snippet.clone());
    f.span_len = dep.raw_name.chars().count().max(1) as u32;
    f
}
