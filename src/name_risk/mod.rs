//! Name risk: is a package name a typosquat of a popular one?
//!
//! For a name that is not itself popular, every popular name one typo away is found through
//! the [`index`], each near-miss is classified by how typos are made ([`edits`]) and scored
//! ([`model`]); the best-scoring target wins. Separately, look-alike characters (`rn`/`m`,
//! `1`/`l`) and reordered words (`dateutil-python`) are matched exactly, and two typos are
//! judged against the most popular long names only (against every popular name of 7+ letters
//! when the name is new: [`NEW_TWO_TYPOS_MIN_TARGET_LEN`]). Guards: names shorter than 4 letters are
//! not judged, nor targets shorter than 5 but for the two slips every typist makes (letters
//! swapped or doubled: `tmol`, `mypyy`) on popular 4-letter names; differences in digits only,
//! a version number appended (`httpx2`, or `geoalchemy` beside `geoalchemy2`), members of one
//! namespace family (`types-*`, `django-*`, ...) and one common word in place of another
//! (`jaraco-test`/`jaraco-text`; not `utils` for `util`) are legitimate; two typos that make a
//! name much more name-like than its target, or that append a short word to it
//! (`requests-rs`), do not count. Letters that sound alike (`y`/`i`, `c`/`s`) are scored as
//! neighbouring keys.

pub mod age;
pub mod edits;
pub mod index;
pub mod model;

use crate::finding::Severity;
use edits::{
    affix_pair, classify, digits_only_difference, one_word_apart, osa_within, skeleton,
    sorted_words, squash, swapped_or_doubled, version_family, Edit,
};
use index::{TwoTyposReach, TypoIndex, TAG_DELETE, TAG_HOMOGLYPH, TAG_WORDS};
use std::sync::OnceLock;

/// Targets shorter than this (without separators) are not judged: too many legitimate
/// neighbours. Except [`SHORT_TARGET_LEN`].
pub const MIN_TARGET_LEN: usize = 5;
/// Targets of this many letters within the top [`SHORT_TARGET_TOP`] are judged for two slips
/// only, two neighbouring letters swapped or one letter doubled (`tmol`, `mypyy`), when the slip
/// adds no separator and makes the name less name-like; always a warning. Other typos of a
/// 4-letter name are mostly other projects (`dask`/`dash`, `toml`/`tomli`). On the development
/// split this finds 5 of the 33 squats of short targets for 0.006% of the registry's long tail
/// (48 names, most of them typos of their target themselves: `nltkk`, `yarll`); the top 1,000
/// would find none, the top 5,000 no more.
pub const SHORT_TARGET_LEN: usize = 4;
pub const SHORT_TARGET_TOP: u32 = 3000;
/// Names shorter than this are not judged.
pub const MIN_NAME_LEN: usize = 4;
/// Names longer than this are not compared with the popular ones (none is near that long).
pub const MAX_COMPARED_LEN: usize = 128;
/// Two typos are judged only against names of the top this many, of at least
/// [`TWO_TYPOS_MIN_TARGET_LEN`] letters, whose first [`index::TWO_TYPOS_SHARED_PREFIX`] letters
/// the name keeps: squatters keep the start recognisable (`colaroma`, `reqeustx`), while
/// legitimate names two edits from a popular one mostly differ at the start (`ablate`/`tabulate`).
/// On the development split this finds about 7% of distance-2 squats for 0.02% of the registry.
pub const TWO_TYPOS_TOP: u32 = 100;
pub const TWO_TYPOS_MIN_TARGET_LEN: usize = 8;
/// Two typos count only when they do not make the name this much more name-like (bigram
/// log-probability) than its target: typos make names less likely, while a legitimate name
/// two edits from a popular one is often an ordinary word of its own (`starlite`/`starlette`).
/// On the development split this keeps 28 of the 30 two-typo squats and drops 24 of 198 alarms
/// (with the appended-word rule, 27 squats for 142 alarms remain).
pub const TWO_TYPOS_MAX_LOG_PROB_GAIN: f32 = 3.0;
/// A new name ([`age::AgeClass::New`]) with no other near-miss is judged for two typos against
/// every popular name of this many letters or more, when it keeps the target's first
/// [`index::TWO_TYPOS_SHARED_PREFIX`] letters: a warning ([`new_name_two_typos`]). A squat is
/// new when it attacks, while nearly every legitimate name two typos from a popular one has
/// been on PyPI for months. Under the attack-time protocol of `scripts/eval` this finds about a
/// fifth of the distance-2 squats of the development split that nothing else finds, for about
/// 0.03% of the registry's long tail (its new names); with 6 letters, 0.06%, which the alarm
/// budget does not hold; the bigram guard above would halve what it finds and spare a
/// third of the alarms, so it is not applied here.
pub const NEW_TWO_TYPOS_MIN_TARGET_LEN: usize = 7;

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
    /// The best score of another popular name one typo away kept only for [`assess_aged`] (under
    /// the warning threshold; `NEG_INFINITY` when none): an alternative when the name's age
    /// lifts it to a warning.
    pub weak_alternative: f32,
    /// The name's age class, when it was weighed ([`assess_aged`]); else `Unknown`.
    pub age: age::AgeClass,
}

impl Assessment {
    /// A verdict outside the model (look-alikes, reordered words, two typos, short targets): its
    /// score is the threshold of its severity.
    fn fixed(target: &'static str, rank: u32, edit: Edit, severity: Severity) -> Assessment {
        let score = match severity {
            Severity::Error => model::ERROR_AT,
            _ => model::WARNING_AT,
        };
        Assessment {
            target,
            rank,
            edit,
            score,
            severity,
            alternatives: 0,
            weak_alternative: f32::NEG_INFINITY,
            age: age::AgeClass::Unknown,
        }
    }
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

/// Judges a normalised name against the embedded popular list, on its name alone.
pub fn assess(name: &str) -> Verdict {
    assess_with(embedded(), name)
}

/// Judges a normalised name against `index`, on its name alone.
pub fn assess_with(index: &TypoIndex<'static>, name: &str) -> Verdict {
    assess_at(index, name, model::WARNING_AT)
}

/// Judges a normalised name against the embedded popular list with what is known of its age:
/// `age_of` is asked for the class of the name, given the best near-miss (whose target's
/// version it may compare), only when there is one ([`model::aged_severity`]); and, when that
/// flags nothing and `may_be_new` does not rule out that the name is new ([`age::may_be_new`],
/// for a caller that has the name's facts at hand: most names are not new), given a two-typo
/// near-miss that counts for a new name only ([`new_name_two_typos`]).
pub fn assess_aged(
    name: &str,
    may_be_new: impl FnOnce() -> bool,
    mut age_of: impl FnMut(&Assessment) -> age::AgeClass,
) -> Verdict {
    let floor = model::WARNING_AT - model::max_age_shift();
    match assess_at(embedded(), name, floor) {
        Verdict::Squat(mut a) => {
            let class = age_of(&a);
            match model::aged_severity(a.score, class) {
                Some(severity) => {
                    if a.weak_alternative + model::age_shift(class) >= model::WARNING_AT {
                        a.alternatives += 1;
                    }
                    a.severity = severity;
                    a.age = class;
                    Verdict::Squat(a)
                }
                None if may_be_new() => new_name_verdict(name, age_of),
                None => Verdict::Clear,
            }
        }
        Verdict::Clear if may_be_new() => new_name_verdict(name, age_of),
        v => v,
    }
}

/// The verdict of [`new_name_two_typos`] when the name is new, for a name nothing else flags.
fn new_name_verdict(name: &str, mut age_of: impl FnMut(&Assessment) -> age::AgeClass) -> Verdict {
    match new_name_two_typos(embedded(), name) {
        Some(mut a) if age_of(&a) == age::AgeClass::New => {
            a.age = age::AgeClass::New;
            Verdict::Squat(a)
        }
        _ => Verdict::Clear,
    }
}

/// The embedded popular list.
pub fn embedded_index() -> &'static TypoIndex<'static> {
    embedded()
}

/// Judges a normalised name against `index`, keeping near-misses the model scores at `floor`
/// or above (severity by the name alone; one under [`model::WARNING_AT`] is a note here, for a
/// caller that weighs more than the name to decide).
pub fn assess_at(index: &TypoIndex<'static>, name: &str, floor: f32) -> Verdict {
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
    // too short to judge; or longer than any popular name by more than the two edits the
    // index finds (the longest of the top 15,000 has 55 characters), where each deletion would
    // cost a hash of the whole name: a 100,000-character name would take minutes
    if sq.len() < MIN_NAME_LEN || sq.len() > MAX_COMPARED_LEN {
        return Verdict::Clear;
    }
    index::deletion_hashes(TAG_DELETE, &sq, |h| {
        index.probe_hash(h, |id| candidates.push(id))
    });
    candidates.sort_unstable();
    candidates.dedup();
    let near = Near::new(index, name, &sq);
    let mut best: Option<Assessment> = None;
    let mut others = 0usize;
    let mut weak_other = f32::NEG_INFINITY;
    let mut consider = |a: Assessment| match &best {
        Some(b) if b.target == a.target => {
            if a.score > b.score {
                best = Some(a);
            }
        }
        Some(b) => {
            // the other target: counted when the name alone would flag it
            let other = a.score.min(b.score);
            if other >= model::WARNING_AT {
                others += 1;
            } else {
                weak_other = weak_other.max(other);
            }
            if a.score > b.score {
                best = Some(a);
            }
        }
        None => best = Some(a),
    };
    for id in candidates {
        let (rank, target) = index.target(id);
        let tsq = squash(target);
        let log_prob_delta = || near.log_prob_gain(&tsq);
        if tsq.len() < MIN_TARGET_LEN {
            // `dds-py` beside `dspy`, `boot` beside `boto`: words of their own
            if tsq.len() == SHORT_TARGET_LEN
                && rank <= SHORT_TARGET_TOP
                && swapped_or_doubled(sq.as_bytes(), tsq.as_bytes())
                && name.len() - sq.len() == target.len() - tsq.len()
                && !near.legitimately(&tsq, target)
                && log_prob_delta() < 0.0
            {
                consider(Assessment::fixed(
                    target,
                    rank,
                    classify(&sq, &tsq),
                    Severity::Warning,
                ));
            }
            continue;
        }
        if osa_within(sq.as_bytes(), tsq.as_bytes(), 1).is_none() || near.legitimately(&tsq, target)
        {
            continue;
        }
        let edit = classify(&sq, &tsq);
        let Some(score) = model::score(edit, tsq.len(), rank, log_prob_delta()) else {
            continue;
        };
        if score >= floor {
            let severity = model::severity(score).unwrap_or(Severity::Note);
            consider(Assessment {
                target,
                rank,
                edit,
                score,
                severity,
                alternatives: 0,
                weak_alternative: f32::NEG_INFINITY,
                age: age::AgeClass::Unknown,
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
            consider(Assessment::fixed(
                target,
                rank,
                Edit::Homoglyph,
                Severity::Error,
            ));
        }
    });
    if let Some(words) = name.contains('-').then(|| sorted_words(name)).flatten() {
        index.probe(TAG_WORDS, words.as_bytes(), |id| {
            let (rank, target) = index.target(id);
            if target != name && sorted_words(target).as_deref() == Some(words.as_str()) {
                consider(Assessment::fixed(
                    target,
                    rank,
                    Edit::ReorderedWords,
                    Severity::Warning,
                ));
            }
        });
    }
    // the most popular target comes first (ids are in rank order within a prefix); a near-miss
    // kept only under the floor for a caller that weighs the name's age does not stand in the
    // way: the name-only verdict is the same at every floor
    let below_warning =
        |b: &Option<Assessment>| b.as_ref().is_some_and(|b| b.score < model::WARNING_AT);
    if (best.is_none() || below_warning(&best)) && sq.len() >= TWO_TYPOS_MIN_TARGET_LEN - 2 {
        for (rank, target) in near.two_typos(TwoTyposReach::Top) {
            if best.is_some() && !below_warning(&best) {
                others += 1;
                continue;
            }
            if let Some(b) = &best {
                weak_other = weak_other.max(b.score);
            }
            best = Some(Assessment::fixed(
                target,
                rank,
                Edit::TwoTypos,
                Severity::Warning,
            ));
        }
    }
    match best {
        Some(mut a) => {
            a.alternatives = others;
            a.weak_alternative = weak_other;
            Verdict::Squat(a)
        }
        None => Verdict::Clear,
    }
}

/// What is compared between a name and its popular near-names, worked out once per name.
struct Near<'n> {
    index: &'n TypoIndex<'static>,
    name: &'n str,
    /// The name without separators.
    sq: &'n str,
    /// The name's namespace family ([`edits::family_id`]); most names have no candidate, so
    /// it is found only when one does.
    family: std::cell::OnceCell<u8>,
    /// The name's bigram log-probability, likewise.
    log_prob: std::cell::OnceCell<f32>,
}

impl<'n> Near<'n> {
    fn new(index: &'n TypoIndex<'static>, name: &'n str, sq: &'n str) -> Near<'n> {
        Near {
            index,
            name,
            sq,
            family: std::cell::OnceCell::new(),
            log_prob: std::cell::OnceCell::new(),
        }
    }

    /// The guards: a version family (digits changed or a version appended), the same
    /// namespace family, or one ordinary word in place of another (not the same word with an
    /// affix: `utils`, `python3`).
    fn legitimately(&self, tsq: &str, target: &str) -> bool {
        digits_only_difference(self.sq, tsq)
            || version_family(self.sq, tsq)
            || match edits::family_id(target) {
                0 => false,
                f => f == self.family(),
            }
            || one_word_apart(self.name, target).is_some_and(|(w, t)| {
                !affix_pair(w, t) && self.index.is_common_word(w) && self.index.is_common_word(t)
            })
    }

    fn family(&self) -> u8 {
        *self.family.get_or_init(|| edits::family_id(self.name))
    }

    /// How much more name-like (bigram log-probability) the name is than `tsq`.
    fn log_prob_gain(&self, tsq: &str) -> f32 {
        *self.log_prob.get_or_init(|| self.index.log_prob(self.sq)) - self.index.log_prob(tsq)
    }

    /// The popular names of `reach` (rank, name) that the name is exactly two typos from,
    /// keeping their first letters, for no legitimate reason; most popular first. Names that
    /// append a short word to the target (`requests-rs`, `protobuf-py`) name a port or a
    /// plugin of it. Against the top names only, two typos that make the name much more
    /// name-like than the target do not count either ([`TWO_TYPOS_MAX_LOG_PROB_GAIN`]).
    fn two_typos(&self, reach: TwoTyposReach) -> impl Iterator<Item = (u32, &'static str)> + '_ {
        self.index
            .two_typo_targets(self.sq.as_bytes(), self.family(), reach)
            .into_iter()
            .map(|id| self.index.target(id))
            .filter(move |&(_, target)| {
                let tsq = squash(target);
                let word_appended = self
                    .name
                    .strip_prefix(target)
                    .is_some_and(|rest| rest.starts_with('-'));
                osa_within(self.sq.as_bytes(), tsq.as_bytes(), 2) == Some(2)
                    && !word_appended
                    && !self.legitimately(&tsq, target)
                    && (reach == TwoTyposReach::NewName
                        || self.log_prob_gain(&tsq) <= TWO_TYPOS_MAX_LOG_PROB_GAIN)
            })
    }
}

/// A near-miss that counts only because the name is new ([`age::AgeClass::New`]): two typos
/// from any popular name of [`NEW_TWO_TYPOS_MIN_TARGET_LEN`]+ letters that keep its first
/// letters; the most popular such name, with how many others there are. Always a warning.
pub fn new_name_two_typos(index: &TypoIndex<'static>, name: &str) -> Option<Assessment> {
    let sq = squash(name);
    if sq.len() < NEW_TWO_TYPOS_MIN_TARGET_LEN - 2 || sq.len() > MAX_COMPARED_LEN {
        return None;
    }
    let near = Near::new(index, name, &sq);
    let mut found = near.two_typos(TwoTyposReach::NewName);
    let (rank, target) = found.next()?;
    let mut a = Assessment::fixed(target, rank, Edit::TwoTypos, Severity::Warning);
    a.alternatives = found.count();
    Some(a)
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

    /// The age-aware verdict keeps near-misses under the warning threshold for the model to weigh;
    /// for a name whose age is not known it is the name-only verdict, and at every floor the
    /// name-only severity is unchanged (a weak near-miss never hides a two-typo finding). Over
    /// every one-letter deletion, doubling and swap of the 400 most popular names.
    #[test]
    fn unknown_age_is_the_name_only_verdict() {
        let index = embedded();
        let mut names = Vec::new();
        for id in 0..index.len() as u32 {
            let (rank, target) = index.target(id);
            if rank > 400 {
                continue;
            }
            let b = target.as_bytes();
            for i in 0..b.len() {
                let mut del = b.to_vec();
                del.remove(i);
                let mut dup = b.to_vec();
                dup.insert(i, b[i]);
                names.extend([del, dup]);
                if i + 1 < b.len() {
                    let mut swap = b.to_vec();
                    swap.swap(i, i + 1);
                    names.push(swap);
                }
            }
        }
        let low = model::WARNING_AT - model::max_age_shift();
        let (mut flagged, mut weak) = (0, 0);
        for name in names {
            let name = String::from_utf8(name).unwrap();
            let name_only = assess(&name);
            let aged = assess_aged(&name, || false, |_| age::AgeClass::Unknown);
            let facts = |v: &Verdict| match v {
                Verdict::Squat(a) => Some((a.target, a.edit, a.score, a.severity, a.alternatives)),
                _ => None,
            };
            assert_eq!(facts(&name_only), facts(&aged), "{name}");
            assert_eq!(
                matches!(name_only, Verdict::Popular(_)),
                matches!(aged, Verdict::Popular(_))
            );
            let floored = match assess_at(index, &name, low) {
                Verdict::Squat(a) if a.score < model::WARNING_AT => {
                    weak += 1;
                    Verdict::Clear
                }
                v => v,
            };
            let severity = |v: &Verdict| match v {
                Verdict::Squat(a) => Some((a.target, a.severity)),
                _ => None,
            };
            assert_eq!(severity(&name_only), severity(&floored), "{name}");
            flagged += usize::from(matches!(name_only, Verdict::Squat(_)));
        }
        // the set exercises both paths
        assert!(
            flagged > 1000 && weak > 10,
            "{flagged} flagged, {weak} weak"
        );
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

    /// Two typos count only against the most popular long names, and only when the start of
    /// the name is kept.
    #[test]
    fn two_typos_of_top_long_names() {
        let a = squat("setuptoolss2").unwrap();
        assert_eq!(
            (a.target, a.edit, a.severity),
            ("setuptools", Edit::TwoTypos, Severity::Warning)
        );
        // `beautifulsoop` (public write-ups of two-edit squats): rank 103, past the cut
        assert_eq!(assess("beautifulsoop"), Verdict::Clear);
        let a = squat("cryptogarphyy").unwrap();
        assert_eq!((a.target, a.edit), ("cryptography", Edit::TwoTypos));
        // the start changed: legitimate names two edits from a popular one mostly look so
        assert_eq!(assess("xcryptographyz"), Verdict::Clear);
        assert_eq!(assess("acryptograph"), Verdict::Clear);
        // a short target (under 8 letters) is judged at one typo only
        assert_eq!(assess("djanngoo"), Verdict::Clear);
        // one typo wins over two
        assert_eq!(squat("cryptographyy").unwrap().edit, Edit::Repeated);
    }

    /// A new name is judged for two typos against every popular name of 7+ letters that it
    /// keeps the start of, a warning; a name with any other history, or none known, is not.
    #[test]
    fn two_typos_count_against_more_names_for_a_new_name() {
        use age::AgeClass::*;
        let aged = |name: &str, class: age::AgeClass| assess_aged(name, || class == New, |_| class);
        // `selenium` is rank 489: past the top 100 that any name is judged against for two typos
        assert_eq!(assess("selenumm"), Verdict::Clear);
        let Verdict::Squat(a) = aged("selenumm", New) else {
            panic!("a new name two typos from `selenium`")
        };
        assert_eq!(
            (a.target, a.edit, a.severity, a.age),
            ("selenium", Edit::TwoTypos, Severity::Warning, New)
        );
        for class in [Active, Quiet, Dormant, Unknown] {
            assert_eq!(aged("selenumm", class), Verdict::Clear, "{class:?}");
        }
        // the start changed, a target under 7 letters, a word appended: nothing
        for name in ["xelenimu", "djanngoo", "selenium-rs"] {
            assert_eq!(aged(name, New), Verdict::Clear, "{name}");
        }
        // the age is asked with the two-typo target when the model flags nothing
        let mut asked = Vec::new();
        let _ = assess_aged(
            "selenumm",
            || true,
            |a| {
                asked.push(a.target);
                New
            },
        );
        assert_eq!(asked, ["selenium"]);
    }

    /// Letters that sound alike count as a typo: the name is said, then typed.
    #[test]
    fn sound_alike_letters() {
        let a = squat("scypy").unwrap();
        assert_eq!(
            (a.target, a.edit, a.severity),
            ("scipy", Edit::SubstitutedSound, Severity::Warning)
        );
        assert_eq!(squat("requects").unwrap().severity, Severity::Error);
        // scored as a neighbouring key, not above it
        let sound = model::score(Edit::SubstitutedSound, 8, 100, -2.0);
        assert_eq!(sound, model::score(Edit::SubstitutedAdjacent, 8, 100, -2.0));
    }

    /// Popular 4-letter names are judged for two slips only: letters swapped or doubled.
    #[test]
    fn slips_on_short_popular_names() {
        let a = squat("tmol").unwrap();
        assert_eq!(
            (a.target, a.edit, a.severity),
            ("toml", Edit::Swapped, Severity::Warning)
        );
        let a = squat("mypyy").unwrap();
        assert_eq!((a.target, a.edit), ("mypy", Edit::Repeated));
        // any other typo of a short name is as often another project
        assert_eq!(assess("tomk"), Verdict::Clear);
        // a separator added (`dds-py` beside `dspy`), or a name more name-like than its target
        assert_eq!(assess("dds-py"), Verdict::Clear);
        assert_eq!(assess("boot"), Verdict::Clear, "beside boto");
        // past the top names
        assert!(matches!(assess("mcap"), Verdict::Popular(r) if r > SHORT_TARGET_TOP));
        assert_eq!(assess("mcpa"), Verdict::Clear);
        // 3-letter targets are not judged at all
        assert!(matches!(assess("six"), Verdict::Popular(_)));
        assert_eq!(assess("sixx"), Verdict::Clear);
    }

    #[test]
    fn brand_names_that_are_not_packages() {
        for (name, brand) in [
            ("pyrhon", "python"),
            ("etherium", "ethereum"),
            ("opensae", "opensea"),
        ] {
            let a = squat(name).unwrap();
            assert_eq!((a.target, a.rank), (brand, index::BRAND_RANK), "{name}");
        }
        assert_eq!(assess("ethereum"), Verdict::Popular(index::BRAND_RANK));
    }

    #[test]
    fn popular_and_guarded_names_are_clear() {
        assert!(matches!(assess("requests"), Verdict::Popular(r) if r < 20));
        assert_eq!(assess("reqs"), Verdict::Clear, "short names");
        assert_eq!(assess("boto9"), Verdict::Clear, "digits only");
        // successors named with a version (depended on by openai, starlette, pluggy)
        for name in [
            "httpx2",
            "httpcore2",
            "py-cpuinfo2",
            "geoalchemy",
            "fastapi-cache",
        ] {
            assert_eq!(assess(name), Verdict::Clear, "{name}");
        }
        assert_eq!(assess("types-requestz"), Verdict::Clear, "namespace family");
        // real dependencies of well-known projects (setuptools, sentry-sdk)
        assert_eq!(assess("jaraco-test"), Verdict::Clear, "another common word");
        assert_eq!(assess("starlite"), Verdict::Clear, "a word of its own");
        // ports and plugins (pyqwest's and e2b's lock files, apache-superset)
        for name in ["protobuf-py", "sqlalchemy-d1", "requests-rs"] {
            assert_eq!(assess(name), Verdict::Clear, "{name}");
        }
        assert_eq!(assess("totally-unrelated-name"), Verdict::Clear);
    }
}
