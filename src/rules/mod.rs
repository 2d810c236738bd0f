//! Rules that judge one dependency. Parsers report what they could not read; these modules
//! report what is risky about what they read.

pub mod code;
pub mod credential_access;
pub mod decode_exec;
pub mod direct_url;
pub mod disguised_binary;
pub mod encoded_blob;
pub mod exfil_endpoint;
pub mod hidden_process;
pub mod import_name;
pub mod import_time_code;
pub mod install_time_code;
pub mod known_malicious;
pub mod not_on_pypi;
pub mod obfuscation;
pub mod typosquat;
pub mod vendored_package;

use crate::data::Data;
use crate::finding::{Finding, Rule, Severity};
use crate::manifest::Dependency;
use crate::name_risk::{self, Verdict};
use crate::store::StoreError;

/// Everything the rules need to know, built once per run.
pub struct Engine<'a> {
    pub data: &'a Data,
    /// Typosquat targets: names ranked this high or better.
    pub popular_top_n: u32,
}

impl Engine<'_> {
    /// All findings about one dependency. Fails only when the data itself is corrupt.
    pub fn check(&self, dep: &Dependency) -> Result<Vec<Finding>, StoreError> {
        let advisories = self.data.advisories(&dep.name)?;
        let verdict = match name_risk::assess(&dep.name) {
            Verdict::Squat(a) if a.rank > self.popular_top_n => Verdict::Clear,
            v => v,
        };
        // popular names are on PyPI: the name set (the costlier lookup) is not needed for them
        let on_pypi = matches!(verdict, Verdict::Popular(_)) || self.data.names.contains(&dep.name);
        let mut out = known_malicious::check(dep, &advisories, on_pypi);
        let proven_bad = out.iter().any(|f| f.severity == Severity::Error);
        if !proven_bad {
            let squat = typosquat::check(dep, &verdict);
            let target = squat.as_ref().and_then(|f| f.similar_to.clone());
            out.extend(squat);
            let date = self.data.names_date();
            out.extend(not_on_pypi::check(dep, on_pypi, date, target.as_deref()));
            out.extend(import_name::check(dep, on_pypi));
        }
        out.extend(direct_url::check(dep));
        Ok(out)
    }
}

/// A finding about `dep`, placed at its name.
pub(crate) fn at_dependency(dep: &Dependency, rule: Rule, message: impl Into<String>) -> Finding {
    let mut f = Finding::new(rule, &*dep.file, dep.line, dep.column, message)
        .with_package(dep.name.clone())
        .with_snippet(dep.snippet.clone());
    f.span_len = dep.raw_name.chars().count().max(1) as u32;
    f
}
