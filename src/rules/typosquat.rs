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
use std::collections::HashMap;
use std::sync::OnceLock;

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

/// Popular names prepared for near-miss lookups: each separator-free name and every string one
/// deletion away from it, so that candidates one edit away are found by hashing instead of by
/// comparing against every popular name (symmetric-delete search).
struct Index {
    /// (rank, name, name without separators), in rank order.
    targets: Vec<(u32, &'static str, String)>,
    /// A separator-free name or one of its single deletions -> indices into `targets`.
    deletes: HashMap<String, Vec<u32>>,
    /// The same with up to two deletions, for the names that may be two edits away
    /// (rank <= [`DELETES2_TOP`], length >= [`DELETES2_MIN_LEN`]).
    deletes2: HashMap<String, Vec<u32>>,
}

const DELETES2_TOP: u32 = 1000;
const DELETES2_MIN_LEN: usize = 10;

impl Index {
    fn build(popular: &Popular) -> Index {
        let targets: Vec<(u32, &'static str, String)> = popular
            .top(u32::MAX)
            .map(|(rank, name)| (rank, name, squash(name)))
            .collect();
        let mut deletes: HashMap<String, Vec<u32>> = HashMap::with_capacity(targets.len() * 12);
        for (i, (_, _, sq)) in targets.iter().enumerate() {
            for variant in deletion_variants(sq) {
                let ids = deletes.entry(variant).or_default();
                if ids.last() != Some(&(i as u32)) {
                    ids.push(i as u32);
                }
            }
        }
        let mut deletes2: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, (rank, _, sq)) in targets.iter().enumerate() {
            if *rank > DELETES2_TOP || sq.len() < DELETES2_MIN_LEN {
                continue;
            }
            for variant in deletion_variants_2(sq) {
                let ids = deletes2.entry(variant).or_default();
                if ids.last() != Some(&(i as u32)) {
                    ids.push(i as u32);
                }
            }
        }
        Index {
            targets,
            deletes,
            deletes2,
        }
    }

    fn embedded() -> &'static Index {
        static INDEX: OnceLock<Index> = OnceLock::new();
        INDEX.get_or_init(|| Index::build(Popular::embedded()))
    }
}

/// The string itself and every string one character shorter.
fn deletion_variants(s: &str) -> Vec<String> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut out = Vec::with_capacity(chars.len() + 1);
    out.push(s.to_owned());
    for &(i, c) in &chars {
        let mut v = String::with_capacity(s.len());
        v.push_str(&s[..i]);
        v.push_str(&s[i + c.len_utf8()..]);
        out.push(v);
    }
    out
}

/// The string, its single deletions and its double deletions.
fn deletion_variants_2(s: &str) -> Vec<String> {
    let mut out = deletion_variants(s);
    for one in out.clone().iter().skip(1) {
        out.extend(deletion_variants(one).into_iter().skip(1));
    }
    out.sort_unstable();
    out.dedup();
    out
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
    let index = if std::ptr::eq(popular, Popular::embedded()) {
        Index::embedded()
    } else {
        // other lists (tests, audits) build their own index
        return find_in(name, &squashed, &Index::build(popular), opts);
    };
    find_in(name, &squashed, index, opts)
}

fn find_in(name: &str, squashed: &str, index: &Index, opts: &Options) -> Option<Match> {
    let name_family = family(name);
    let mut candidates: Vec<u32> = deletion_variants(squashed)
        .iter()
        .filter_map(|v| index.deletes.get(v))
        .flatten()
        .copied()
        .collect();
    // two edits away: only long, very popular names
    if opts.top_n_distance_2 <= DELETES2_TOP && opts.min_len_distance_2 >= DELETES2_MIN_LEN {
        if squashed.len() + 2 >= opts.min_len_distance_2 {
            candidates.extend(
                deletion_variants_2(squashed)
                    .iter()
                    .filter_map(|v| index.deletes2.get(v))
                    .flatten()
                    .copied(),
            );
        }
    } else {
        candidates.extend(
            index
                .targets
                .iter()
                .enumerate()
                .take_while(|(_, (rank, _, _))| *rank <= opts.top_n_distance_2)
                .filter(|(_, (_, _, t))| {
                    t.len() >= opts.min_len_distance_2 && t.len().abs_diff(squashed.len()) <= 2
                })
                .map(|(i, _)| i as u32),
        );
    }
    candidates.sort_unstable();
    candidates.dedup();
    let mut best: Option<(usize, Match)> = None;
    for i in candidates {
        let (rank, target, ref t_squashed) = index.targets[i as usize];
        if rank > opts.top_n {
            continue;
        }
        let len = t_squashed.len();
        if len < opts.min_len_distance_1 {
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
            let d = strsim::osa_distance(squashed, t_squashed);
            if d > max {
                continue;
            }
            (d, classify(squashed, t_squashed))
        };
        if digits_only_difference(squashed, t_squashed) && distance > 0 {
            continue;
        }
        if name_family.is_some() && name_family == family(target) {
            continue;
        }
        let better = match &best {
            None => true,
            Some((d, m)) => distance < *d || (distance == *d && rank < m.rank),
        };
        if better {
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
