//! `typosquat`: a name that is not itself popular and is one typo away from a popular one.
//! The judgement is [`crate::name_risk`]'s; this module turns it into a finding.

use super::at_dependency;
use crate::finding::{Finding, Fix, Rule};
use crate::manifest::Dependency;
use crate::name_risk::{Assessment, Verdict};

/// The message for a squat of `target`, shared by `check` and `audit`.
pub fn message(raw_name: &str, a: &Assessment) -> String {
    let what = if a.rank == crate::name_risk::index::BRAND_RANK {
        "the language's name, not a package".to_owned()
    } else {
        format!("rank {}", a.rank)
    };
    format!(
        "`{raw_name}` looks like a typo of `{}` ({what}): {}",
        a.target,
        a.edit.describe()
    )
}

pub fn check(dep: &Dependency, verdict: &Verdict) -> Option<Finding> {
    let Verdict::Squat(a) = verdict else {
        return None;
    };
    let mut f = at_dependency(dep, Rule::Typosquat, message(&dep.raw_name, a))
        .with_severity(a.severity)
        .with_help(format!("did you mean `{}`?", a.target));
    f.similar_to = Some(a.target.to_owned());
    // only an unambiguous target is written into the file
    if a.alternatives == 0 {
        f.fix = Some(Fix::Replace {
            span: dep.name_span.clone(),
            expected: dep.raw_name.clone(),
            with: a.target.to_owned(),
        });
    }
    Some(f)
}
