//! Name risk: is a package name a typosquat of a popular one?
//!
//! For a name that is not itself popular, every popular name one typo away is found through
//! the [`index`], each near-miss is classified by how typos are made ([`edits`]) and scored
//! ([`model`]); the best-scoring target wins. Separately, look-alike characters (`rn`/`m`,
//! `1`/`l`) and reordered words (`dateutil-python`) are matched exactly. Guards: names shorter
//! than 4 letters are not judged, nor targets shorter than 5; differences in digits only and
//! members of one namespace family (`types-*`, `django-*`, ...) are legitimate.

pub mod edits;
pub mod index;
pub mod model;

use crate::finding::Severity;
use edits::{
    classify, digits_only_difference, family, osa_within, skeleton, sorted_words, squash, Edit,
};
use index::{TypoIndex, TAG_DELETE, TAG_HOMOGLYPH, TAG_WORDS};
use std::sync::OnceLock;

/// Targets shorter than this (without separators) are not judged: too many legitimate neighbours.
pub const MIN_TARGET_LEN: usize = 5;
/// Names shorter than this are not judged.
pub const MIN_NAME_LEN: usize = 4;

/// A popular name that a name imitates, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub target: &'static str,
    pub rank: u32,
    pub edit: Edit,
    /// The model's score (higher is more likely a squat); fixed values outside the model.
    pub score: f32,
    pub severity: Severity,
    /// Other popular names the name is also one typo from: when there are any, the intended
    /// package is ambiguous and autofix leaves the name alone.
    pub alternatives: usize,
}

/// What a name is, relative to the popular list.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The name is itself popular, at this rank.
    Popular(u32),
    /// The name imitates a popular one.
    Squat(Assessment),
    /// Nothing to report.
    Clear,
}

fn embedded() -> &'static TypoIndex<'static> {
    static INDEX: OnceLock<TypoIndex<'static>> = OnceLock::new();
    INDEX.get_or_init(TypoIndex::embedded)
}

/// Judges a normalised name against the embedded popular list.
pub fn assess(name: &str) -> Verdict {
    assess_with(embedded(), name)
}

/// Judges a normalised name against `index`.
pub fn assess_with(index: &TypoIndex<'static>, name: &str) -> Verdict {
    let sq = squash(name);
    // every popular name shares its own squashed form as a key: exact matches come first
    let mut popular_rank = None;
    let mut candidates: Vec<u32> = Vec::new();
    index.probe(TAG_DELETE, sq.as_bytes(), |id| candidates.push(id));
    for &id in &candidates {
        let (rank, target) = index.target(id);
        if target == name {
            popular_rank = Some(rank);
        }
    }
    if let Some(rank) = popular_rank {
        return Verdict::Popular(rank);
    }
    if sq.len() < MIN_NAME_LEN {
        return Verdict::Clear;
    }
    let mut buf = String::with_capacity(sq.len());
    for (i, c) in sq.char_indices() {
        buf.clear();
        buf.push_str(&sq[..i]);
        buf.push_str(&sq[i + c.len_utf8()..]);
        index.probe(TAG_DELETE, buf.as_bytes(), |id| candidates.push(id));
    }
    candidates.sort_unstable();
    candidates.dedup();
    let name_family = family(name);
    let name_log_prob = std::cell::OnceCell::new();
    let mut best: Option<Assessment> = None;
    let mut others = 0usize;
    let mut consider = |a: Assessment| match &best {
        Some(b) if b.target == a.target => {
            if a.score > b.score {
                best = Some(a);
            }
        }
        Some(b) => {
            others += 1;
            if a.score > b.score {
                best = Some(a);
            }
        }
        None => best = Some(a),
    };
    for id in candidates {
        let (rank, target) = index.target(id);
        let tsq = squash(target);
        if tsq.len() < MIN_TARGET_LEN || osa_within(sq.as_bytes(), tsq.as_bytes(), 1).is_none() {
            continue;
        }
        if digits_only_difference(&sq, &tsq)
            || (name_family.is_some() && name_family == family(target))
        {
            continue;
        }
        let edit = classify(&sq, &tsq);
        let delta = *name_log_prob.get_or_init(|| index.log_prob(&sq)) - index.log_prob(&tsq);
        let Some(score) = model::score(edit, tsq.len(), rank, delta) else {
            continue;
        };
        if let Some(severity) = model::severity(score) {
            consider(Assessment {
                target,
                rank,
                edit,
                score,
                severity,
                alternatives: 0,
            });
        }
    }
    // look-alike letters: the skeletons collide although the names differ
    let skel = skeleton(&sq);
    index.probe(TAG_HOMOGLYPH, skel.as_bytes(), |id| {
        let (rank, target) = index.target(id);
        let tsq = squash(target);
        if tsq != sq
            && tsq.len() >= MIN_TARGET_LEN
            && skeleton(&tsq) == skel
            && !digits_only_difference(&sq, &tsq)
        {
            consider(Assessment {
                target,
                rank,
                edit: Edit::Homoglyph,
                score: model::ERROR_AT,
                severity: Severity::Error,
                alternatives: 0,
            });
        }
    });
    if let Some(words) = name.contains('-').then(|| sorted_words(name)).flatten() {
        index.probe(TAG_WORDS, words.as_bytes(), |id| {
            let (rank, target) = index.target(id);
            if target != name && sorted_words(target).as_deref() == Some(words.as_str()) {
                consider(Assessment {
                    target,
                    rank,
                    edit: Edit::ReorderedWords,
                    score: model::WARNING_AT,
                    severity: Severity::Warning,
                    alternatives: 0,
                });
            }
        });
    }
    match best {
        Some(mut a) => {
            a.alternatives = others;
            Verdict::Squat(a)
        }
        None => Verdict::Clear,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn squat(name: &str) -> Option<Assessment> {
        match assess(name) {
            Verdict::Squat(a) => Some(a),
            _ => None,
        }
    }

    // Real typosquats from public reports (PyPI blog, Checkmarx, Phylum, ReversingLabs).
    #[test]
    fn reported_squats_are_caught() {
        let a = squat("reqeusts").unwrap();
        assert_eq!(
            (a.target, a.edit, a.severity),
            ("requests", Edit::Swapped, Severity::Error)
        );
        assert_eq!(squat("colourama").unwrap().target, "colorama");
        assert_eq!(squat("python3-dateutil").unwrap().target, "python-dateutil");
        assert_eq!(squat("jeilyfish").unwrap().target, "jellyfish");
        assert_eq!(squat("beautifulsup4").unwrap().target, "beautifulsoup4");
        assert_eq!(squat("urllib33").unwrap().target, "urllib3");
        assert_eq!(squat("djnago").unwrap().target, "django");
        assert_eq!(squat("tensroflow").unwrap().target, "tensorflow");
    }

    #[test]
    fn look_alikes_and_reordered_words() {
        let a = squat("rnatplotlib").unwrap();
        assert_eq!((a.target, a.edit), ("matplotlib", Edit::Homoglyph));
        let a = squat("dateutil-python").unwrap();
        assert_eq!(
            (a.target, a.edit),
            ("python-dateutil", Edit::ReorderedWords)
        );
    }

    #[test]
    fn popular_and_guarded_names_are_clear() {
        assert!(matches!(assess("requests"), Verdict::Popular(r) if r < 20));
        assert_eq!(assess("reqs"), Verdict::Clear, "short names");
        assert_eq!(assess("boto9"), Verdict::Clear, "digits only");
        assert_eq!(assess("types-requestz"), Verdict::Clear, "namespace family");
        assert_eq!(assess("totally-unrelated-name"), Verdict::Clear);
    }
}
