//! `typosquat`: a name that is not itself popular and is one typo away from a popular one.
//! The judgement is [`crate::name_risk`]'s; this module turns it into a finding. `check` and
//! `audit` share its message, and the precomputed verdicts in the name set must agree with the
//! judgement they stand for (`tests/data.rs` recomputes them).

use super::at_dependency;
use crate::finding::{Finding, Fix, Rule};
use crate::manifest::Dependency;
use crate::name_risk::{Assessment, Verdict};

/// The message for a squat of `target`, shared by `check` and `audit`.
pub fn message(raw_name: &str, a: &Assessment) -> String {
    use crate::name_risk::index::{BRANDS, BRAND_RANK};
    let brand = BRANDS.iter().find(|(b, _)| *b == a.target);
    let what = if let (BRAND_RANK, Some((_, what))) = (a.rank, brand) {
        format!("{what}, not a package")
    } else {
        format!("rank {}", a.rank)
    };
    use crate::name_risk::age::AgeClass;
    let age = match a.age {
        AgeClass::New => "; the name is new on PyPI",
        AgeClass::Active => "; the project had a release within the last year",
        AgeClass::Quiet => "; the project's last release is one to three years old",
        AgeClass::Dormant => "; the project has had no release for over three years",
        AgeClass::Unknown => "",
    };
    format!(
        "`{raw_name}` looks like a typo of `{}` ({what}): {}{age}",
        a.target,
        a.edit.describe()
    )
}

pub fn check(dep: &Dependency, verdict: &Verdict) -> Option<Finding> {
    let Verdict::Squat(a) = verdict else {
        return None;
    };
    let brand = a.rank == crate::name_risk::index::BRAND_RANK;
    let help = if brand {
        format!(
            "`{}` is not a package to install: remove this dependency",
            a.target
        )
    } else if dep.locked {
        format!(
            "did you mean `{}`? A lock file records what a manifest asked for: correct the name there and lock again",
            a.target
        )
    } else {
        format!("did you mean `{}`?", a.target)
    };
    let mut f = at_dependency(dep, Rule::Typosquat, message(&dep.raw_name, a))
        .with_severity(a.severity)
        .with_help(help);
    f.similar_to = Some(a.target.to_owned());
    // only an unambiguous package is written into the file, and never into a lock file,
    // whose hashes belong to the name it records
    if a.alternatives == 0
        && !brand
        && !dep.locked
        && super::fixable(dep)
        && dep.source.is_registry()
    {
        f.fix = Some(Fix::Replace {
            span: dep.name_span.clone(),
            expected: dep.raw_name.clone(),
            with: a.target.to_owned(),
        });
    }
    Some(f)
}
