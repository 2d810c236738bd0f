//! `typosquat`: a name that is not itself popular and is one typo away from a popular one.
//!
//! First version: bounded optimal-string-alignment distance (Damerau-Levenshtein without
//! repeated edits of one substring) against the most popular names, on names compared with and
//! without their separators, with guards against the known false-positive families:
//! - short names (too many legitimate neighbours),
//! - differences in digits only (`cuda11x`/`cuda12x`, `boto2`/`boto3`),
//! - namespace families whose members differ after a shared prefix (`types-*`, `django-*`, ...).

use super::at_dependency;
use crate::finding::{Finding, Rule};
use crate::manifest::Dependency;
use crate::popular::Popular;

/// Tunable limits.
#[derive(Debug, Clone)]
pub struct Options {
    /// Only names ranked this high or better are typosquat targets.
    pub top_n: u32,
    /// Targets this long or longer may be one edit away.
    pub min_len_distance_1: usize,
    /// Targets this long or longer, ranked within `top_n_distance_2`, may be two edits away.
    pub min_len_distance_2: usize,
    pub top_n_distance_2: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            top_n: 5000,
            min_len_distance_1: 5,
            min_len_distance_2: 10,
            top_n_distance_2: 1000,
        }
    }
}

/// Namespace prefixes whose members legitimately differ by a character or two.
const FAMILIES: &[&str] = &[
    "types-",
    "django-",
    "flask-",
    "pytest-",
    "flake8-",
    "sphinx-",
    "sphinxcontrib-",
    "mypy-boto3-",
    "google-cloud-",
    "azure-",
    "aws-cdk-",
    "jupyterlab-",
    "opentelemetry-",
    "apache-airflow-providers-",
    "dbt-",
    "pyobjc-framework-",
    "llama-index-",
    "langchain-",
    "backports-",
    "oslo-",
    "types-aiobotocore-",
    "botocore-",
    "napari-",
    "plone-",
    "zope-",
    "collective-",
    "odoo-",
    "ckanext-",
    "nvidia-",
];

/// How a name was mistyped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypoKind {
    Swapped,
    Omitted,
    Repeated,
    Inserted,
    Substituted,
    Separator,
    TwoEdits,
}

impl TypoKind {
    pub fn describe(self) -> &'static str {
        match self {
            TypoKind::Swapped => "two adjacent characters swapped",
            TypoKind::Omitted => "a character left out",
            TypoKind::Repeated => "a character doubled",
            TypoKind::Inserted => "a character added",
            TypoKind::Substituted => "a character replaced",
            TypoKind::Separator => "separators changed",
            TypoKind::TwoEdits => "two characters changed",
        }
    }
}

/// A popular name that `name` imitates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub target: &'static str,
    pub rank: u32,
    pub kind: TypoKind,
}

fn squash(name: &str) -> String {
    name.chars().filter(|c| *c != '-').collect()
}

fn family(name: &str) -> Option<&'static str> {
    FAMILIES
        .iter()
        .copied()
        .find(|f| name.starts_with(f) && name.len() > f.len())
}

/// True when two equal-length names differ only where both have digits.
fn digits_only_difference(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .all(|(x, y)| x == y || (x.is_ascii_digit() && y.is_ascii_digit()))
}

fn classify(name: &str, target: &str) -> TypoKind {
    let (a, b): (Vec<char>, Vec<char>) = (name.chars().collect(), target.chars().collect());
    if a.len() == b.len() {
        let diffs: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
        match diffs.as_slice() {
            [i, j] if *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i] => TypoKind::Swapped,
            [_] => TypoKind::Substituted,
            _ => TypoKind::TwoEdits,
        }
    } else if a.len() + 1 == b.len() {
        TypoKind::Omitted
    } else if a.len() == b.len() + 1 {
        let i = (0..b.len()).find(|&i| a[i] != b[i]).unwrap_or(b.len());
        let doubled = (i > 0 && a[i] == a[i - 1]) || (i + 1 < a.len() && a[i] == a[i + 1]);
        if doubled {
            TypoKind::Repeated
        } else {
            TypoKind::Inserted
        }
    } else {
        TypoKind::TwoEdits
    }
}

/// The popular name `name` (normalised) most likely imitates, if any.
pub fn find(name: &str, popular: &Popular, opts: &Options) -> Option<Match> {
    if popular.rank(name).is_some() {
        return None;
    }
    let squashed = squash(name);
    if squashed.len() < 4 {
        return None;
    }
    let name_family = family(name);
    let mut best: Option<(usize, Match)> = None;
    for (rank, target) in popular.top(opts.top_n) {
        let t_squashed = squash(target);
        let len = t_squashed.len();
        if len < opts.min_len_distance_1 || len.abs_diff(squashed.len()) > 2 {
            continue;
        }
        let (distance, kind) = if squashed == t_squashed {
            (0, TypoKind::Separator)
        } else {
            let max = if len >= opts.min_len_distance_2 && rank <= opts.top_n_distance_2 {
                2
            } else {
                1
            };
            if len.abs_diff(squashed.len()) > max {
                continue;
            }
            let d = strsim::osa_distance(&squashed, &t_squashed);
            if d > max {
                continue;
            }
            (d, classify(&squashed, &t_squashed))
        };
        if digits_only_difference(&squashed, &t_squashed) && distance > 0 {
            continue;
        }
        if name_family.is_some() && name_family == family(target) {
            continue;
        }
        if best.as_ref().is_none_or(|(d, _)| distance < *d) {
            best = Some((distance, Match { target, rank, kind }));
        }
    }
    best.map(|(_, m)| m)
}

pub fn check(dep: &Dependency, popular: &Popular, opts: &Options) -> Option<Finding> {
    let m = find(&dep.name, popular, opts)?;
    let mut f = at_dependency(
        dep,
        Rule::Typosquat,
        format!(
            "`{}` looks like a typo of `{}` (rank {}): {}",
            dep.raw_name,
            m.target,
            m.rank,
            m.kind.describe()
        ),
    )
    .with_help(format!("did you mean `{}`?", m.target));
    f.similar_to = Some(m.target.to_owned());
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find_default(name: &str) -> Option<Match> {
        find(name, Popular::embedded(), &Options::default())
    }

    #[test]
    fn classic_typos_are_found() {
        let m = find_default("reqeusts").unwrap();
        assert_eq!((m.target, m.kind), ("requests", TypoKind::Swapped));
        assert_eq!(find_default("requets").unwrap().kind, TypoKind::Omitted);
        assert_eq!(find_default("requestss").unwrap().kind, TypoKind::Repeated);
        assert_eq!(
            find_default("colourama").map(|m| m.target),
            Some("colorama")
        );
        assert_eq!(
            find_default("python-dateutils").map(|m| m.target),
            Some("python-dateutil")
        );
        assert_eq!(
            find_default("pythondateutil").unwrap().kind,
            TypoKind::Separator
        );
    }

    #[test]
    fn guards_hold() {
        assert_eq!(
            find_default("requests"),
            None,
            "popular names are not squats"
        );
        assert_eq!(find_default("reqs"), None, "short names are skipped");
        assert_eq!(
            find_default("boto9"),
            None,
            "digit-only differences are skipped"
        );
        assert_eq!(
            find_default("types-requestz"),
            None,
            "family members are skipped"
        );
        assert_eq!(find_default("totally-unrelated-name"), None);
    }
}
