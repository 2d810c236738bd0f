//! The rule layer: one module per rule, named after it (`typosquat.rs` is SG102). Readers and
//! scanners produce facts (a [`Dependency`], an index statement, the facts of a Python file) and
//! report only what they could not read; these modules judge the facts.
//!
//! - Dependency rules (SG101-SG104, SG201) judge one dependency, through [`Engine`], for
//!   `check`, `scan`, `audit` and safe-pip alike.
//! - [`index_url`] (SG202) judges the index statements of a manifest, and [`direct_url`]
//!   (SG201) its requirements whose package name is not known; [`judged`] puts their findings
//!   among the reader's.
//! - Code rules (SG401-SG410) judge the facts of one file ([`code`] holds what they share);
//!   `scan` calls them in a fixed order.

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
pub mod index_url;
pub mod install_time_code;
pub mod known_malicious;
pub mod not_on_pypi;
pub mod obfuscation;
pub mod opaque_code;
pub mod typosquat;
pub mod vendored_package;

use crate::data::Data;
use crate::finding::{Finding, Rule, Severity};
use crate::manifest::requirements_txt::ApparentNames;
use crate::manifest::{Dependency, DependencySource, Manifest};
use crate::name_risk::{self, Assessment, Verdict};
use crate::store::{ListedAge, NameAge, NameBatch, StoreError};
use std::collections::HashMap;
use std::sync::Arc;

/// `manifest` with the findings of the facts its reader recorded beside its dependencies (index
/// statements, [`index_url`]; requirements whose package name is not known, [`direct_url`])
/// put among its findings, each where the reader met the fact.
pub fn judged(mut manifest: Manifest) -> Manifest {
    if manifest.indexes.is_empty() && manifest.unnamed.is_empty() {
        return manifest;
    }
    // each fact's place in reading order: the reading findings before it, then the index
    // statements before it (an unnamed source comes before the statement recorded after it)
    let mut placed: Vec<((usize, usize, bool), Vec<Finding>)> =
        Vec::with_capacity(manifest.indexes.len() + manifest.unnamed.len());
    for (i, s) in manifest.indexes.iter().enumerate() {
        placed.push(((s.order, i, true), index_url::check(s)));
    }
    for u in &manifest.unnamed {
        let place = (u.order, u.indexes_before, false);
        placed.push((place, vec![direct_url::unnamed(u)]));
    }
    placed.sort_by_key(|(place, _)| *place);
    let read = std::mem::take(&mut manifest.findings);
    let mut out = Vec::with_capacity(read.len() + placed.len());
    let mut read = read.into_iter();
    let mut taken = 0;
    for ((order, ..), findings) in placed {
        let before = order.saturating_sub(taken);
        out.extend(read.by_ref().take(before));
        taken += before;
        out.extend(findings);
    }
    out.extend(read);
    manifest.findings = out;
    manifest
}

/// Everything the rules need to know, built once per run.
pub struct Engine<'a> {
    pub data: &'a Data,
    /// Typosquat targets: names ranked this high or better.
    pub popular_top_n: u32,
    /// Only these rules are judged (empty: all). A run that reports only some rules (`audit
    /// --select`) saves their lookups; [`crate::finish`] still applies the rule choice.
    pub only: Vec<Rule>,
    /// The day the name set was made (days since 1970-01-01), from which names' ages count.
    data_day: i64,
    /// Whether a listed name the name set's precomputed verdicts find clear is taken as clear
    /// without the search ([`crate::store::Verdicts`]): where this binary's engine computed
    /// them. `audit`, whose work is judging names, turns it off.
    pub precomputed: bool,
}

/// Facts about a name that a caller already looked up for a whole batch (`audit`), so that
/// [`Engine::judge`] does not look them up one by one. `None`: not known, look it up.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// Whether PyPI has the name.
    pub on_pypi: Option<bool>,
    /// Whether the imported feed has reports on the name.
    pub in_feed: Option<bool>,
    /// The name engine's verdict, as [`Engine::may_flag`] found it.
    pub verdict: Option<Verdict>,
    /// The name's age facts, when they are at hand (None: looked up in the name set, after
    /// the search).
    pub age: Option<KnownAge>,
}

/// Dependencies judged on one thread at a time ([`Engine::check_all_with`]): small enough that
/// both cores get work on a file of a few hundred lines. A run with no more than this judges
/// on the calling thread, without starting the pool.
pub const CHUNK: usize = 128;

/// Names looked up ahead of judging ([`Engine::look_ahead`]): for each file, the apparent name
/// of each line that has one (by line number) with what was found of it.
#[derive(Default)]
pub struct LookedUp {
    files: HashMap<Arc<str>, FileNames>,
}

/// One file's apparent names (in the order of their lines) and, beside each, what was found
/// of it: two vectors written once each, not a map built entry by entry (a long file's map
/// cost more in fresh memory than its lookups).
struct FileNames {
    lines: ApparentNames,
    known: Vec<Known>,
}

impl FileNames {
    /// What was found of `dep`'s name, when its line was looked up under that name.
    fn get(&self, dep: &Dependency) -> Option<&Known> {
        let at = self.lines.position(dep.line)?;
        (self.lines.get(at).1 == dep.name.as_str()).then(|| &self.known[at])
    }
}

impl LookedUp {
    /// What was found of each of `deps`' names, where its line was looked up under that name.
    fn get_all<'s>(&'s self, deps: &[Dependency]) -> Vec<Option<&'s Known>> {
        // a file's dependencies come one after another, sharing its name: found once for them
        let mut last: Option<(&Arc<str>, Option<&FileNames>)> = None;
        deps.iter()
            .map(|dep| {
                let file = match last {
                    Some((name, file)) if Arc::ptr_eq(name, &dep.file) => file,
                    _ => {
                        let file = self.files.get(&dep.file);
                        last = Some((&dep.file, file));
                        file
                    }
                };
                file?.get(dep)
            })
            .collect()
    }

    /// Adds what `other` found (of a file both have, what this one has: what was found
    /// depends only on the name, which `FileNames::get` compares).
    pub fn extend(&mut self, other: LookedUp) {
        for (file, lines) in other.files {
            self.files.entry(file).or_insert(lines);
        }
    }
}

/// A name's age facts at hand, by where they come from. Facts given whole are boxed: the set's,
/// which most names have, are a rank, and a long file's names are held all at once
/// ([`LookedUp`]).
#[derive(Debug, Clone)]
pub enum KnownAge {
    /// Given with the name (an `audit` TSV line); judged instead of the name set's.
    Given(Box<NameAge>),
    /// What the index pip installs from says of the name ([`crate::index_facts`], safe-pip),
    /// so the name is on that index; judged instead of the name set's. A name the set lacks
    /// whose facts show uploads is judged as new on the index, not as missing from it.
    Index(Box<NameAge>),
    /// The name set's, found by the batch walk with the name
    /// ([`crate::store::NameSet::listing_all`]).
    Listed(ListedAge),
}

impl<'a> Engine<'a> {
    /// An engine that judges every rule.
    pub fn new(data: &'a Data, popular_top_n: u32) -> Self {
        Engine {
            data,
            popular_top_n,
            only: Vec::new(),
            data_day: crate::data::days_from_date(&data.names.meta.created).unwrap_or(0),
            precomputed: data.verdicts_usable(),
        }
    }

    /// All findings about each dependency, in order. The dependencies are judged on every core,
    /// a chunk at a time, and the name set and the feed are asked about a chunk's names at once
    /// ([`NameBatch`]).
    pub fn check_all(&self, deps: &[Dependency]) -> Result<Vec<Finding>, StoreError> {
        self.check_all_with(deps, None)
    }

    /// [`Engine::check_all`], with what was looked up of some names ahead
    /// ([`Engine::look_ahead`]): those are not looked up again.
    pub fn check_all_with(
        &self,
        deps: &[Dependency],
        ahead: Option<&LookedUp>,
    ) -> Result<Vec<Finding>, StoreError> {
        use rayon::prelude::*;
        // one chunk is judged on this thread: starting the pool's threads costs more than they
        // would save (0.17 ms of a 1.6 ms `check` of a short file), and most projects have
        // fewer dependencies than this
        if deps.len() <= CHUNK {
            return self.check_chunk(deps, ahead);
        }
        let judged: Vec<Result<Vec<Finding>, StoreError>> = deps
            .par_chunks(CHUNK)
            .map(|chunk| self.check_chunk(chunk, ahead))
            .collect();
        let mut out = Vec::new();
        for found in judged {
            out.extend(found?);
        }
        Ok(out)
    }

    fn check_chunk(
        &self,
        deps: &[Dependency],
        ahead: Option<&LookedUp>,
    ) -> Result<Vec<Finding>, StoreError> {
        let known = match ahead {
            Some(ahead) => self.known_all_with(deps, ahead),
            None => {
                let names: Vec<&str> = deps.iter().map(|d| d.name.as_str()).collect();
                self.known_all(&names)
            }
        };
        let mut out = Vec::new();
        for (dep, known) in deps.iter().zip(known) {
            out.extend(self.judge(dep, known)?);
        }
        Ok(out)
    }

    /// What the name set and the feed say of each of `names`, asked for all at once
    /// ([`NameBatch`]): the lookups that a judged rule makes of every name (`not-on-pypi` of the
    /// name set, `known-malicious` of the feed, and `typosquat` of the names' ages, whose place
    /// the lookup finds with the names). The batch, which costs a sort, is built only when one of
    /// them is judged; other rules look up the few names they match themselves.
    pub fn known_all(&self, names: &[&str]) -> Vec<Known> {
        let ages_asked = self.judges(Rule::Typosquat);
        let names_asked = self.judges(Rule::NotOnPypi) || ages_asked;
        let feed_asked = self.judges(Rule::KnownMalicious);
        let batch = (names_asked || feed_asked).then(|| NameBatch::new(names));
        let listings = batch
            .as_ref()
            .filter(|_| names_asked)
            .map(|b| self.data.names.listing_all(b));
        let mut listings = listings.map(Vec::into_iter);
        let in_feed = batch
            .as_ref()
            .filter(|_| feed_asked)
            .and_then(|b| self.data.feed_has_all(b));
        (0..names.len())
            .map(|i| {
                let listing = listings.as_mut().and_then(Iterator::next);
                Known {
                    on_pypi: listing.as_ref().map(|l| l.listed),
                    in_feed: in_feed.as_ref().map(|m| m[i]),
                    verdict: None,
                    age: listing.map(|l| KnownAge::Listed(l.age)),
                }
            })
            .collect()
    }

    /// What the name set, the feed and the name engine say of the names that the lines of
    /// some files appear to start with (`files`: each file as dependencies name it, and the
    /// apparent name of each of its lines that has one, normalised, by line number), found
    /// before the files are read to the end:
    /// `check` asks it of its requirements files while their reader reads them, so that these
    /// lookups run beside the reader instead of after it. A dependency whose line and name
    /// are not among them is looked up when it is judged, so what this finds or misses
    /// changes no judgement.
    pub fn look_ahead(&self, files: Vec<(Arc<str>, ApparentNames)>) -> LookedUp {
        use rayon::prelude::*;
        let asked: Vec<&str> = files
            .iter()
            .flat_map(|(_, lines)| lines.iter().map(|(_, name)| name))
            .collect();
        // in parts, so that the thread that finishes reading first takes the rest; each part
        // written in place
        let mut known = vec![Known::default(); asked.len()];
        known
            .par_chunks_mut(64)
            .zip(asked.par_chunks(64))
            .for_each(|(out, part)| {
                for ((slot, name), mut found) in out.iter_mut().zip(part).zip(self.known_all(part))
                {
                    found.verdict = Some(self.verdict(name, &found));
                    *slot = found;
                }
            });
        drop(asked);
        let mut looked = HashMap::with_capacity(files.len());
        // from the last file, so that the first takes what is left without a copy
        for (at, (file, lines)) in files.into_iter().enumerate().rev() {
            let mine = if at == 0 {
                std::mem::take(&mut known)
            } else {
                known.split_off(known.len() - lines.len())
            };
            // of two files shown alike, the first: what was found depends only on the name,
            // which `FileNames::get` compares
            looked.insert(file, FileNames { lines, known: mine });
        }
        LookedUp { files: looked }
    }

    /// What `ahead` has of each of `deps`, the rest looked up ([`Engine::known_all`]).
    fn known_all_with(&self, deps: &[Dependency], ahead: &LookedUp) -> Vec<Known> {
        let mut out: Vec<Option<Known>> = ahead
            .get_all(deps)
            .into_iter()
            .map(|k| k.cloned())
            .collect();
        let missing: Vec<&str> = deps
            .iter()
            .zip(&out)
            .filter(|(_, k)| k.is_none())
            .map(|(d, _)| d.name.as_str())
            .collect();
        let mut rest = if missing.is_empty() {
            Vec::new()
        } else {
            self.known_all(&missing)
        }
        .into_iter();
        for k in out.iter_mut().filter(|k| k.is_none()) {
            *k = rest.next();
        }
        out.into_iter().map(Option::unwrap_or_default).collect()
    }

    /// Whether `rule` is judged.
    pub fn judges(&self, rule: Rule) -> bool {
        self.only.is_empty() || self.only.contains(&rule)
    }

    /// All findings about one dependency. Fails only when the data itself is corrupt.
    pub fn check(&self, dep: &Dependency) -> Result<Vec<Finding>, StoreError> {
        self.judge(dep, Known::default())
    }

    /// [`Engine::check`], with what the caller already knows about the name.
    pub fn judge(&self, dep: &Dependency, known: Known) -> Result<Vec<Finding>, StoreError> {
        let advisories = if self.judges(Rule::KnownMalicious) {
            self.data.advisories_with(&dep.name, known.in_feed)?
        } else {
            Vec::new()
        };
        let verdict = match known.verdict {
            Some(v) => v,
            None => self.verdict(&dep.name, &known),
        };
        // the name set is consulted only when a rule needs it: it is the costliest lookup, and
        // popular names are on PyPI
        let on_pypi = std::cell::OnceCell::new();
        let on_pypi = || {
            *on_pypi.get_or_init(|| {
                matches!(verdict, Verdict::Popular(_))
                    || known
                        .on_pypi
                        .unwrap_or_else(|| self.data.names.contains(&dep.name))
            })
        };
        let mut out = if advisories.is_empty() {
            Vec::new()
        } else {
            known_malicious::check(dep, &advisories, on_pypi())
        };
        let proven_bad = out.iter().any(|f| f.severity == Severity::Error);
        // a directory of the project (`-e ./libs/x`) is named by its own metadata and never
        // fetched from an index: no name is mistyped there, and `direct-url` judges a popular one
        if !proven_bad && !dep.named_by_metadata {
            let squat = if self.judges(Rule::Typosquat) {
                typosquat::check(dep, &verdict)
            } else {
                None
            };
            let target = match &verdict {
                Verdict::Squat(a) => Some(a.target),
                _ => None,
            };
            out.extend(squat);
            if self.judges(Rule::NotOnPypi) {
                let date = self.data.names_date();
                let on_pypi = on_pypi();
                out.extend(not_on_pypi::check(
                    dep,
                    on_pypi,
                    date,
                    target,
                    match &known.age {
                        Some(KnownAge::Index(age)) if !on_pypi => Some(&**age),
                        _ => None,
                    },
                ));
            }
            if self.judges(Rule::ImportName) && import_name::lookup(&dep.name).is_some() {
                out.extend(import_name::check(dep, on_pypi()));
            }
        }
        if self.judges(Rule::DirectUrl) {
            let popular = !matches!(dep.source, DependencySource::Registry)
                && crate::popular::Popular::embedded()
                    .rank(&dep.name)
                    .is_some_and(|r| r <= self.popular_top_n);
            out.extend(direct_url::check(dep, popular));
        }
        Ok(out)
    }

    /// Whether any judged rule could flag a registry dependency named `name` (normalised): the
    /// cheap half of [`Engine::judge`], for a caller screening many names that builds a
    /// [`Dependency`] only for the few that need judging (`audit`). Never false where `judge`
    /// would find something. Keeps the name engine's verdict in `known`, for `judge`.
    pub fn may_flag(&self, name: &str, known: &mut Known) -> Result<bool, StoreError> {
        if self.judges(Rule::KnownMalicious)
            && !self.data.advisories_with(name, known.in_feed)?.is_empty()
        {
            return Ok(true);
        }
        if self.judges(Rule::ImportName) && import_name::lookup(name).is_some() {
            return Ok(true);
        }
        let verdict = self.verdict(name, known);
        let flag = (self.judges(Rule::Typosquat) && matches!(verdict, Verdict::Squat(_)))
            || (self.judges(Rule::NotOnPypi)
                && !matches!(verdict, Verdict::Popular(_))
                && !known
                    .on_pypi
                    .unwrap_or_else(|| self.data.names.contains(name)));
        known.verdict = Some(verdict);
        Ok(flag)
    }

    /// Whether `typosquat` would flag `name` (normalised) were the name new, where its facts
    /// say otherwise or nothing: two typos from a popular name
    /// ([`name_risk::new_name_two_typos`]). For safe-pip, which asks the index about such names
    /// as it does about flagged ones.
    pub fn flags_if_new(&self, name: &str) -> bool {
        self.judges(Rule::Typosquat)
            && !matches!(name_risk::assess(name), Verdict::Popular(_))
            && name_risk::new_name_two_typos(name_risk::embedded_index(), name)
                .is_some_and(|a| a.rank <= self.popular_top_n)
    }

    /// The name engine's verdict, when a rule that needs it is judged: `typosquat`, and
    /// `not-on-pypi`, which grades a missing name close to a popular one as an error.
    fn verdict(&self, name: &str, known: &Known) -> Verdict {
        let needed = self.judges(Rule::Typosquat)
            || (self.judges(Rule::NotOnPypi) && known.on_pypi != Some(true));
        if !needed {
            return Verdict::Clear;
        }
        if let Some(KnownAge::Listed(listed)) = &known.age {
            if self.precomputed && self.data.names.listed_clear(*listed) {
                return Verdict::Clear;
            }
        }
        match self.assess(name, known) {
            Verdict::Squat(a) if a.rank > self.popular_top_n => Verdict::Clear,
            v => v,
        }
    }

    /// For every name of the name set, in rank order, one bit: whether the name engine finds
    /// it clear with its own age facts, at every severity and against every popular name
    /// (what [`crate::store::Verdicts`] keep). Computed on every core.
    pub fn clear_bits(&self) -> Vec<u8> {
        use rayon::prelude::*;
        let mut names: Vec<String> = Vec::with_capacity(self.data.names.len());
        self.data.names.for_each(|n| names.push(n.to_owned()));
        let clear: Vec<Vec<bool>> = names
            .par_chunks(4096)
            .map(|chunk| {
                let asked: Vec<&str> = chunk.iter().map(String::as_str).collect();
                let known = self.known_all(&asked);
                asked
                    .iter()
                    .zip(known)
                    .map(|(name, known)| matches!(self.assess(name, &known), Verdict::Clear))
                    .collect()
            })
            .collect();
        let mut bits = vec![0u8; names.len().div_ceil(8)];
        for (rank, clear) in clear.into_iter().flatten().enumerate() {
            if clear {
                bits[rank / 8] |= 1 << (rank % 8);
            }
        }
        bits
    }

    /// The name engine's verdict on `name` against every popular name, with its age facts.
    fn assess(&self, name: &str, known: &Known) -> Verdict {
        // the age is looked up only for a name near a popular one, once
        let age = std::cell::OnceCell::new();
        let age = || {
            age.get_or_init(|| match &known.age {
                Some(KnownAge::Given(a) | KnownAge::Index(a)) => Some(NameAge::clone(a)),
                Some(KnownAge::Listed(listed)) => self.data.names.listed_age(*listed),
                None => self.data.age(name),
            })
        };
        // with facts at hand (an `audit` TSV line, the index's page, the name set's batch
        // lookup) the class is asked first; else after the search, which costs less than
        // looking the name up again for its facts
        let may_be_new = || match &known.age {
            Some(KnownAge::Given(a) | KnownAge::Index(a)) => {
                name_risk::age::may_be_new(Some(&**a), self.data_day)
            }
            Some(KnownAge::Listed(listed)) => {
                let facts = self.data.names.listed_facts(*listed);
                name_risk::age::may_be_new_facts(facts, self.data_day)
            }
            None => true,
        };
        let age_of = |a: &Assessment| {
            let target_version = || self.data.age(a.target).and_then(|t| t.latest_version);
            name_risk::age::classify(age().as_ref(), self.data_day, target_version)
        };
        name_risk::assess_aged(name, may_be_new, age_of)
    }
}

/// The name set file `file` with the verdicts this binary's engine finds for its names
/// ([`Engine::clear_bits`] over the set's own age facts and day), recorded as computed by the
/// engine `id`: this binary's (`db update`), or, when None, the identity of these verdicts
/// themselves ([`engine_id`]: the embedded set's, `examples/gen-verdicts.rs`).
pub fn with_clear_bits(file: &[u8], id: Option<&str>) -> Result<Vec<u8>, StoreError> {
    let set = crate::store::NameSet::from_bytes(file)?;
    let data = Data::of_names(set, crate::data::Origin::Embedded);
    let mut engine = Engine::new(&data, u32::MAX);
    engine.precomputed = false;
    // the search asks nothing of the feed: its lookups are not made
    engine.only = vec![Rule::Typosquat];
    let bits = engine.clear_bits();
    let id = id.map_or_else(|| engine_id(&bits), str::to_owned);
    crate::store::NameSet::with_verdicts(file, &bits, &id)
}

/// The identity of a name engine: the hash of [`ENGINE_VERSION`], squatguard's version, its typo
/// index and the verdicts it finds for every name of the embedded set (`bits`), so that an
/// engine that judges any of them otherwise is another (FNV-1a, 16 hex digits). Recorded with the embedded set's verdicts by
/// `examples/gen-verdicts.rs`; `tests/data.rs` checks it.
pub fn engine_id(bits: &[u8]) -> String {
    crate::hash::Fnv1a::new()
        .write(ENGINE_VERSION.as_bytes())
        .write(env!("CARGO_PKG_VERSION").as_bytes())
        .write(name_risk::index::embedded_bytes())
        .write(bits)
        .hex()
}

/// The name engine's version, part of its identity ([`engine_id`]) with the crate's: bump it
/// with any change to how names are judged that the embedded set's verdicts may not show
/// (the embedded names have no first-seen days, which only `db update` records, so a change to
/// how a recently first-seen name is judged leaves them as they were), so that a cache's
/// verdicts computed before the change are not taken after it.
pub const ENGINE_VERSION: &str = "1";

/// Whether a fix may be written at `dep`'s name: the bytes there are the name that was judged.
/// Not so where `${VAR}` expansion made the name (`req${X}` judged as `reqeusts` with
/// `X=eusts`: the bytes are `req`, and renaming them would write `requests${X}`).
///
/// Nor where the manifest sends the package to an index of its own (a Poetry `source`, a
/// Pipfile `index`, a uv source): the new name would be fetched from there.
pub(crate) fn fixable(dep: &Dependency) -> bool {
    crate::name::normalized(&dep.raw_name) == dep.name.as_str() && !dep.private_index
}

/// A finding about `dep`, placed at its name.
pub(crate) fn at_dependency(dep: &Dependency, rule: Rule, message: impl Into<String>) -> Finding {
    let mut f = Finding::new(rule, &*dep.file, dep.line, dep.column, message)
        .with_snippet(dep.snippet.clone());
    f.snippet_skip = dep.snippet_skip;
    f.line_identity = Some(dep.since_identity());
    f.inline_ignore = dep.inline_ignore.clone();
    f.package = Some(dep.name.clone());
    f.span_len = dep.raw_name.chars().count().max(1) as u32;
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    /// The findings of index statements and unnamed sources stand where the reader met each,
    /// among its own findings, with the rules' words.
    #[test]
    fn judged_puts_the_facts_findings_in_reading_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("requirements.txt");
        let text =
            "--bogus\n--no-index\ngit+https://h/x.git\n--find-links ./wheels\n./missing\n--bogus\n";
        std::fs::write(&path, text).unwrap();
        let m = judged(crate::manifest::requirements_txt::parse(&SourceFile::new(
            &path, text,
        )));
        let got: Vec<_> = m
            .findings
            .iter()
            .map(|f| {
                let help = f.help.as_deref().unwrap_or("");
                let shown = format!(
                    "{}:{} {} {} {}",
                    f.line, f.column, f.severity, f.rule, f.message
                );
                (shown, help, f.span_len, f.snippet.as_deref().unwrap_or(""))
            })
            .collect();
        let pip_help = "add `#egg=NAME` or write it as `NAME @ URL` so the name can be checked";
        let want = [
            ("1:1 error invalid-requirement unknown pip option `--bogus`", "", 1, "--bogus"),
            (
                "2:1 warning index-url `--no-index` makes pip take every package from the `--find-links` locations only, never from PyPI",
                "remove `--no-index`, or make sure the find-links locations are your own",
                10,
                "--no-index",
            ),
            (
                "3:1 warning direct-url `git+https://h/x.git` installs from a version control URL that bypasses the package index; its package name cannot be known without fetching it",
                pip_help,
                1,
                "git+https://h/x.git",
            ),
            (
                "4:14 warning index-url `--find-links ./wheels` makes pip look for packages in a local directory, where a wheel of any name, `requests` included, can stand in for the real one",
                "install from an index; if the directory holds your own builds, check what is in it",
                8,
                "--find-links ./wheels",
            ),
            (
                "5:1 note direct-url `./missing` installs the project in `./missing`, whose package name squatguard cannot read: there is no such directory inside the project",
                "if it takes the name of a popular package, it replaces that package with the repository's own copy: read its metadata before installing",
                1,
                "./missing",
            ),
            ("6:1 error invalid-requirement unknown pip option `--bogus`", "", 1, "--bogus"),
        ];
        let want: Vec<_> = want
            .iter()
            .map(|&(shown, help, len, snippet)| (shown.to_owned(), help, len, snippet))
            .collect();
        assert_eq!(got, want);
    }

    /// The name set's precomputed verdicts change no verdict: on a sample of the embedded set
    /// (every 97th name, and every name near a popular one among the first 20,000), `verdict`
    /// as `check` asks it (the walk's facts at hand) agrees with and without them, and they
    /// are taken for most names.
    #[test]
    fn precomputed_verdicts_change_no_verdict() {
        let data = Data::load(None, u64::MAX);
        let with = Engine::new(&data, 15_000);
        assert!(
            with.precomputed,
            "the embedded set carries this engine's verdicts"
        );
        let mut without = Engine::new(&data, 15_000);
        without.precomputed = false;
        let mut names: Vec<String> = Vec::new();
        data.names.for_each(|n| names.push(n.to_owned()));
        let sample: Vec<&str> = names
            .iter()
            .enumerate()
            .filter(|(k, n)| k % 97 == 0 || *k < 20_000 && name_risk::assess(n) != Verdict::Clear)
            .map(|(_, n)| n.as_str())
            .collect();
        let known = with.known_all(&sample);
        let (mut taken, mut squats) = (0, 0);
        for (name, known) in sample.iter().zip(&known) {
            let verdict = with.verdict(name, known);
            assert_eq!(verdict, without.verdict(name, known), "{name}");
            if let Some(KnownAge::Listed(l)) = &known.age {
                taken += usize::from(data.names.listed_clear(*l));
            }
            squats += usize::from(matches!(verdict, Verdict::Squat(_)));
        }
        assert!(taken > sample.len() / 2, "{taken} of {}", sample.len());
        assert!(squats > 50, "{squats}");
    }

    /// A name set's verdicts count only where this binary's engine computed them: a cache
    /// whose verdicts call every name clear flags its squat when another engine wrote them.
    #[test]
    fn verdicts_of_another_engine_are_not_taken() {
        let file =
            crate::store::NameSet::build(["requests", "reqeusts", "six"], "test", "2026-11-26");
        let deps = crate::manifest::requirements_txt::parse(&SourceFile::new(
            "requirements.txt",
            "reqeusts\n",
        ))
        .dependencies;
        let ours = Data::load(None, u64::MAX)
            .engine
            .expect("embedded verdicts");
        let flags = |engine_id: &str| {
            let forged = crate::store::NameSet::with_verdicts(&file, &[0xff], engine_id).unwrap();
            let set = crate::store::NameSet::from_vec(forged).unwrap();
            let data = Data::of_names(set, crate::data::Origin::Embedded);
            let engine = Engine::new(&data, 15_000);
            let found = engine.check_all(&deps).unwrap();
            (
                engine.precomputed,
                found.iter().any(|f| f.rule == Rule::Typosquat),
            )
        };
        assert_eq!(flags("0123456789abcdef"), (false, true));
        // the same bits under this engine's name are taken: what makes computing them pay
        assert_eq!(flags(&ours), (true, false));
    }

    /// The age facts the name set's batch lookup finds with a name, asked first, give
    /// the verdict that looking the facts up after the search gives: on every name of the
    /// embedded set that could be new (the only ones the order changes) and a sample of the rest.
    #[test]
    fn ages_found_by_the_walk_judge_as_ages_looked_up() {
        let data = Data::load(None, u64::MAX);
        let engine = Engine::new(&data, 15_000);
        let mut names: Vec<String> = Vec::new();
        data.names.for_each(|n| names.push(n.to_owned()));
        let all: Vec<&str> = names.iter().map(String::as_str).collect();
        let listings = data.names.listing_all(&NameBatch::new(&all));
        let (mut new, mut squats) = (0, 0);
        for (k, (name, listing)) in all.iter().zip(&listings).enumerate() {
            let listed = listing.age;
            let facts = data.names.listed_facts(listed);
            let could_be_new = name_risk::age::may_be_new_facts(facts, engine.data_day);
            if !could_be_new && k % 211 != 0 {
                continue;
            }
            new += usize::from(could_be_new);
            assert_eq!(data.names.listed_age(listed), data.age(name), "{name}");
            let walked = Known {
                age: Some(KnownAge::Listed(listed)),
                ..Known::default()
            };
            let verdict = engine.verdict(name, &walked);
            assert_eq!(verdict, engine.verdict(name, &Known::default()), "{name}");
            squats += usize::from(matches!(verdict, Verdict::Squat(_)));
        }
        // the check reached the names it is about
        assert!(
            new > 10_000 && squats > 50,
            "{new} could be new, {squats} flagged"
        );
    }

    /// `may_flag` is the screen `audit` trusts to skip a name: it must never say no where
    /// `judge` finds something, whatever the rule choice and whatever is known already, and
    /// the verdict it hands on must judge the same.
    #[test]
    fn may_flag_never_skips_what_judge_would_find() {
        let data = Data::load(None, u64::MAX);
        let mut names: Vec<String> = vec![
            "num2words".into(),
            "pycolourama".into(),
            "cv2".into(),
            "attr".into(),
            "sklearn".into(),
            "surely-not-a-real-project-name-xyz".into(),
        ];
        for (_, n) in crate::popular::Popular::embedded().top(400) {
            let b = n.as_bytes();
            names.push(n.to_owned());
            names.push(format!("{n}s"));
            names.push(format!("py{n}"));
            if b.len() > 3 {
                let mut swapped = b.to_vec();
                swapped.swap(1, 2);
                names.push(String::from_utf8_lossy(&swapped).into_owned());
                names.push(format!("{}{}", &n[..2], &n[3..]));
            }
        }
        let choices: [&[Rule]; 4] = [
            &[],
            &[Rule::Typosquat],
            &[Rule::NotOnPypi],
            &[Rule::KnownMalicious, Rule::ImportName],
        ];
        let mut flagged = 0;
        for only in choices {
            let engine = Engine {
                only: only.to_vec(),
                ..Engine::new(&data, 15_000)
            };
            for name in &names {
                let name = crate::name::normalize(name);
                if !crate::name::is_valid(&name) {
                    continue;
                }
                let src = SourceFile::new("names.txt", name.clone());
                let dep = Dependency::new(&src, &name, 0, "names");
                for known in [
                    Known::default(),
                    Known {
                        on_pypi: Some(data.names.contains(&name)),
                        ..Known::default()
                    },
                ] {
                    let found = engine.judge(&dep, known.clone()).unwrap();
                    let mut screened = known;
                    let may = engine.may_flag(&name, &mut screened).unwrap();
                    if !found.is_empty() {
                        flagged += 1;
                        assert!(may, "{name} under {only:?}: {found:?}");
                        // the verdict the screen keeps changes nothing in the judgement
                        assert_eq!(engine.judge(&dep, screened).unwrap(), found);
                    }
                }
            }
        }
        assert!(flagged > 100, "the names exercise the rules: {flagged}");
    }

    /// The seam for an index's age facts (safe-pip): a name the snapshot lacks is judged with
    /// what the index says of it, instead of as missing, at the same severity.
    #[test]
    fn index_facts_reach_the_verdict() {
        let data = Data::load(None, u64::MAX);
        let engine = Engine::new(&data, 15_000);
        let name = "reqeusts";
        assert!(!data.names.contains(name), "the snapshot lacks it");
        let src = SourceFile::new("requirements.txt", name.to_owned());
        let dep = Dependency::new(&src, name, 0, "requirements");
        let missing = engine.check(&dep).unwrap();
        let years_old = NameAge {
            first_seen: Some("2015-03-02".into()),
            latest_version: Some("2.3.1".into()),
            latest_month: Some("2026-10".into()),
            releases: Some(40),
        };
        let aged = engine
            .judge(
                &dep,
                Known {
                    age: Some(KnownAge::Index(Box::new(years_old))),
                    ..Known::default()
                },
            )
            .unwrap();
        let of = |found: &[Finding], rule| {
            found
                .iter()
                .find(|f| f.rule == rule)
                .cloned()
                .unwrap_or_else(|| panic!("{rule:?} in {found:?}"))
        };
        let (before, after) = (of(&missing, Rule::NotOnPypi), of(&aged, Rule::NotOnPypi));
        assert!(
            before.message.contains("is not on PyPI"),
            "{}",
            before.message
        );
        assert!(
            after.message.contains("but the index has it (first uploaded 2015-03-02, 40 releases, the newest 2.3.1, last upload in 2026-10)"),
            "{}",
            after.message
        );
        // nothing an index says lowers a verdict on its own
        assert_eq!(before.severity, after.severity);
        assert_eq!(
            of(&missing, Rule::Typosquat).severity,
            of(&aged, Rule::Typosquat).severity
        );
        // a name the snapshot has is not touched by facts about it
        let src = SourceFile::new("requirements.txt", "requests".to_owned());
        let popular = Dependency::new(&src, "requests", 0, "requirements");
        let known = Known {
            age: Some(KnownAge::Given(Box::default())),
            ..Known::default()
        };
        assert!(engine.judge(&popular, known).unwrap().is_empty());
    }

    /// Many small requirements files, some shown alike: each dependency finds its own file's
    /// lines in [`LookedUp`] (a map by file, not a scan of every file per dependency, which
    /// made 20,000 one-line files cost 200 million path comparisons in review), and judging
    /// with what was looked up ahead finds what judging without it finds.
    #[test]
    fn many_files_looked_up_ahead_judge_as_without() {
        let data = Data::load(None, u64::MAX);
        let engine = Engine::new(&data, 15_000);
        let n = 2_000;
        let names = ["six", "reqeusts", "zzz-not-listed-qx", "numpy"];
        let srcs: Vec<SourceFile> = (0..n)
            .map(|i| {
                // every 100th file shown as another's
                let k = if i % 100 == 0 { i + 1 } else { i };
                SourceFile::new(
                    format!("deep/dir/requirements-{k:06}.txt"),
                    format!("{}\n", names[i % names.len()]),
                )
            })
            .collect();
        let mut deps = Vec::new();
        for src in &srcs {
            deps.extend(crate::manifest::requirements_txt::parse(src).dependencies);
        }
        assert_eq!(deps.len(), n);
        let files = srcs
            .iter()
            .map(|s| {
                (
                    s.shown(),
                    crate::manifest::requirements_txt::apparent_names(s),
                )
            })
            .collect();
        let ahead = engine.look_ahead(files);
        let shown = |found: Vec<Finding>| {
            found
                .iter()
                .map(|f| format!("{}:{} {}", f.file, f.line, f.rule.code()))
                .collect::<Vec<_>>()
        };
        let plain = shown(engine.check_all(&deps).unwrap());
        let with = shown(engine.check_all_with(&deps, Some(&ahead)).unwrap());
        assert_eq!(plain, with);
        assert!(plain.len() >= n / 2, "{}", plain.len());
    }

    /// A cached name set cut short (a copy or restore that stopped early, a full disk) must not
    /// read as one whose verdicts call a squat clear: the bits are found as the last
    /// `Verdicts::len` bytes of whatever blob is left, so a file two bytes short reads a byte
    /// of the version table as the first names' bits (here `1` of `2.32.3\n`, 0x31: rank 0,
    /// `reqeusts`, clear), shifting every name's bit.
    #[test]
    fn a_truncated_cache_does_not_make_a_squat_clear() {
        let age = |v: &str, m: &str| Some(crate::store::NameAge::parse(v, m).unwrap());
        let rows = vec![
            ("requests", age("2.32.3", "2026-10")),
            ("reqeusts", None),
            ("six", age("1.17.0", "2025-01")),
        ];
        let file = crate::store::NameSet::build_with_ages(rows, "test", "2026-11-26");
        let ours = Data::load(None, u64::MAX)
            .engine
            .expect("embedded verdicts");
        let whole = with_clear_bits(&file, Some(&ours)).unwrap();
        let deps = crate::manifest::requirements_txt::parse(&SourceFile::new(
            "requirements.txt",
            "reqeusts\n",
        ))
        .dependencies;
        let flags = |bytes: &[u8]| {
            let Ok(set) = crate::store::NameSet::from_vec(bytes.to_vec()) else {
                return None;
            };
            let data = Data::of_names(set, crate::data::Origin::Embedded);
            let engine = Engine::new(&data, 15_000);
            assert!(engine.precomputed);
            let found = engine.check_all(&deps).unwrap();
            Some(found.iter().any(|f| f.rule == Rule::Typosquat))
        };
        assert_eq!(flags(&whole), Some(true));
        let cut = &whole[..whole.len() - 2];
        assert_ne!(
            flags(cut),
            Some(false),
            "a cache two bytes short is read, and its verdicts call `reqeusts` clear"
        );
    }
}
