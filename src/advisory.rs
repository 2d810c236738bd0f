//! Malicious-package reports: which releases of which names are known bad, and how a
//! requirement's specifiers meet them.
//!
//! Reports come from the hand-curated list embedded in the binary (`data/known-malicious.toml`)
//! and, when present, from an imported OSV feed; both become [`Advisory`] values in one
//! [`AdvisoryDb`]. Versions follow PEP 440: `1.0rc1`, `2!1.0`, `1.0.post1` and local versions
//! compare as pip compares them.

use crate::name::normalize;
use pep440_rs::{Version, VersionSpecifiers};
use serde::Deserialize;
use std::collections::HashMap;
use std::str::FromStr;
use version_ranges::Ranges;

/// The releases a report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Affected {
    /// Every release: the name exists only as malware.
    All,
    /// These releases only, as a union of version intervals (a single version is an interval).
    Some(Ranges<Version>),
}

impl Affected {
    /// Builds from an explicit version list; `*` anywhere means every release.
    pub fn from_versions<S: AsRef<str>>(versions: &[S]) -> Result<Affected, String> {
        if versions.is_empty() || versions.iter().any(|v| v.as_ref().trim() == "*") {
            return Ok(Affected::All);
        }
        let mut ranges = Ranges::empty();
        for v in versions {
            let version = Version::from_str(v.as_ref().trim())
                .map_err(|e| format!("version `{}`: {e}", v.as_ref()))?;
            ranges = ranges.union(&Ranges::singleton(version));
        }
        Ok(Affected::Some(ranges))
    }

    /// True when `version` is affected.
    pub fn contains(&self, version: &Version) -> bool {
        match self {
            Affected::All => true,
            Affected::Some(r) => r.contains(version),
        }
    }

    /// Whether a requirement with these specifiers (None: any version) can resolve to an
    /// affected release.
    pub fn admitted_by(&self, specifiers: Option<&VersionSpecifiers>) -> bool {
        match (self, specifiers) {
            (Affected::All, _) | (_, None) => true,
            (Affected::Some(bad), Some(specs)) => {
                let wanted = Ranges::<Version>::from(specs.clone());
                !wanted.intersection(bad).is_empty()
            }
        }
    }

    /// Affected releases for a message: the explicit ones, or the intervals.
    pub fn describe(&self) -> String {
        match self {
            Affected::All => "every release".into(),
            Affected::Some(r) => {
                let parts: Vec<String> = r
                    .iter()
                    .map(|(lo, hi)| match (lo, hi) {
                        (std::ops::Bound::Included(a), std::ops::Bound::Included(b)) if a == b => {
                            a.to_string()
                        }
                        _ => format_bounds(lo, hi),
                    })
                    .collect();
                parts.join(", ")
            }
        }
    }
}

fn format_bounds(lo: &std::ops::Bound<Version>, hi: &std::ops::Bound<Version>) -> String {
    use std::ops::Bound::*;
    let lo = match lo {
        Included(v) => format!(">={v}"),
        Excluded(v) => format!(">{v}"),
        Unbounded => String::new(),
    };
    let hi = match hi {
        Included(v) => format!("<={v}"),
        Excluded(v) => format!("<{v}"),
        Unbounded => String::new(),
    };
    match (lo.is_empty(), hi.is_empty()) {
        (true, true) => "every release".into(),
        (false, true) => lo,
        (true, false) => hi,
        (false, false) => format!("{lo},{hi}"),
    }
}

/// One report that a package, or some of its releases, is malicious.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advisory {
    /// Normalised package name.
    pub name: String,
    /// OSV id (`MAL-2025-6794`) when there is one.
    pub id: Option<String>,
    pub affected: Affected,
    /// One line on what happened.
    pub summary: String,
    /// Where to read the report.
    pub source: String,
    /// When the report was published (`YYYY-MM-DD`), when known.
    pub published: Option<String>,
}

impl Advisory {
    /// The advisory's one line for a message: its summary, or, for a report kept as facts only
    /// (the embedded feed carries no report text), where and when it was reported.
    pub fn summary_text(&self) -> std::borrow::Cow<'_, str> {
        if !self.summary.is_empty() {
            return std::borrow::Cow::Borrowed(&self.summary);
        }
        let when = self
            .published
            .as_deref()
            .map(|d| format!(", published {d}"))
            .unwrap_or_default();
        std::borrow::Cow::Owned(format!(
            "reported in the OpenSSF Malicious Packages database{when}"
        ))
    }
}

/// Every known-malicious report, by normalised name.
#[derive(Debug, Default, Clone)]
pub struct AdvisoryDb {
    by_name: HashMap<String, Vec<Advisory>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CuratedFile {
    package: Vec<CuratedEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CuratedEntry {
    name: String,
    versions: Vec<String>,
    #[serde(default)]
    advisory: Option<String>,
    campaign: String,
    source: String,
}

/// The curated list compiled into the binary.
pub const CURATED: &str = include_str!("../data/known-malicious.toml");

impl AdvisoryDb {
    /// Parses a curated list in the format of `data/known-malicious.toml`.
    pub fn from_curated_toml(text: &str) -> Result<AdvisoryDb, String> {
        let file: CuratedFile = toml_edit::de::from_str(text).map_err(|e| e.to_string())?;
        let mut db = AdvisoryDb::default();
        for e in file.package {
            let affected =
                Affected::from_versions(&e.versions).map_err(|err| format!("{}: {err}", e.name))?;
            db.insert(Advisory {
                name: normalize(&e.name).into(),
                id: e.advisory,
                affected,
                summary: e.campaign,
                source: e.source,
                published: None,
            });
        }
        Ok(db)
    }

    /// The embedded curated list.
    pub fn embedded() -> AdvisoryDb {
        // The file is checked by tests; a broken build of it is a bug, not an input error.
        Self::from_curated_toml(CURATED).expect("data/known-malicious.toml is valid")
    }

    pub fn insert(&mut self, advisory: Advisory) {
        let list = self.by_name.entry(advisory.name.clone()).or_default();
        // the same report from two sources is kept once
        if !list.iter().any(|a| a.id.is_some() && a.id == advisory.id) {
            list.push(advisory);
        }
    }

    /// Adds every report of `other`.
    pub fn merge(&mut self, other: AdvisoryDb) {
        for (_, list) in other.by_name {
            for a in list {
                self.insert(a);
            }
        }
    }

    pub fn get(&self, name: &str) -> &[Advisory] {
        self.by_name.get(name).map_or(&[], Vec::as_slice)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// Number of reports.
    pub fn len(&self) -> usize {
        self.by_name.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// The embedded curated list, read per name on first need: a check parses only the entries
/// of the names its dependencies have (parsing the whole file is most of a small check's
/// start-up, and most checks meet none of its names).
#[derive(Debug)]
pub struct Curated {
    /// By name, sorted: the `[[package]]` blocks that name it, parsed when first asked for.
    /// Found by a line scan, which a test holds to what the TOML parser reads.
    entries: Vec<CuratedName>,
    /// A bit per name hash: most names asked about (a registry audit asks about all of them)
    /// are answered by one bit, not a search.
    filter: [u64; 64],
    db: std::sync::OnceLock<AdvisoryDb>,
}

#[derive(Debug)]
struct CuratedName {
    name: &'static str,
    blocks: Vec<&'static str>,
    parsed: std::sync::OnceLock<Vec<Advisory>>,
}

impl Curated {
    pub fn embedded() -> Curated {
        Self::from_static(CURATED)
    }

    /// Indexes a list in the format of `data/known-malicious.toml`, whose `[[package]]` tables
    /// each start a line.
    fn from_static(text: &'static str) -> Curated {
        let starts: Vec<usize> = text
            .match_indices("[[package]]")
            .map(|(i, _)| i)
            .filter(|&i| i == 0 || text.as_bytes()[i - 1] == b'\n')
            .chain([text.len()])
            .collect();
        let mut blocks: Vec<(&'static str, &'static str)> = starts
            .windows(2)
            .filter_map(|w| {
                let block = &text[w[0]..w[1]];
                block
                    .lines()
                    .find_map(curated_name)
                    .map(|name| (name, block))
            })
            .collect();
        // stable: a name's blocks stay in file order, as the full parse reads them
        blocks.sort_by_key(|&(name, _)| name);
        let mut entries: Vec<CuratedName> = Vec::new();
        for (name, block) in blocks {
            match entries.last_mut() {
                Some(e) if e.name == name => e.blocks.push(block),
                _ => entries.push(CuratedName {
                    name,
                    blocks: vec![block],
                    parsed: std::sync::OnceLock::new(),
                }),
            }
        }
        let mut filter = [0u64; 64];
        for e in &entries {
            let bit = filter_bit(e.name);
            filter[bit / 64] |= 1 << (bit % 64);
        }
        Curated {
            entries,
            filter,
            db: std::sync::OnceLock::new(),
        }
    }

    /// Reports on a normalised name.
    pub fn get(&self, name: &str) -> &[Advisory] {
        let bit = filter_bit(name);
        if self.filter[bit / 64] & (1 << (bit % 64)) == 0 {
            return &[];
        }
        let Ok(i) = self.entries.binary_search_by(|e| e.name.cmp(name)) else {
            return &[];
        };
        let entry = &self.entries[i];
        entry.parsed.get_or_init(|| {
            let text = entry.blocks.concat();
            // The file is checked by tests; a broken build of it is a bug, not an input error.
            let db =
                AdvisoryDb::from_curated_toml(&text).expect("data/known-malicious.toml is valid");
            db.get(name).to_vec()
        })
    }

    /// The whole list, parsed.
    pub fn db(&self) -> &AdvisoryDb {
        self.db.get_or_init(AdvisoryDb::embedded)
    }
}

/// Which of the filter's 4,096 bits stands for `name` (FNV-1a).
fn filter_bit(name: &str) -> usize {
    (crate::hash::fnv1a(name.as_bytes()) >> 52) as usize
}

/// The value of a `name = "..."` line of the curated file.
fn curated_name(line: &'static str) -> Option<&'static str> {
    let value = line.strip_prefix("name")?.trim_start().strip_prefix('=')?;
    value.trim().strip_prefix('"')?.strip_suffix('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The filter's bits are pinned: FNV-1a's top 12 bits.
    #[test]
    fn filter_bits_are_pinned() {
        let bits = ["num2words", "requests", "colourama", ""].map(filter_bit);
        assert_eq!(bits, [2781, 1814, 2563, 3263]);
    }

    fn specs(s: &str) -> VersionSpecifiers {
        VersionSpecifiers::from_str(s).unwrap()
    }

    #[test]
    fn reading_the_curated_list_per_name_gives_what_the_whole_parse_gives() {
        let curated = Curated::embedded();
        let db = AdvisoryDb::embedded();
        let mut parsed: Vec<&str> = db.names().collect();
        parsed.sort_unstable();
        let scanned: Vec<&str> = curated.entries.iter().map(|e| e.name).collect();
        assert_eq!(scanned, parsed);
        assert!(curated.get("requests").is_empty());
        for name in parsed {
            assert_eq!(curated.get(name), db.get(name), "{name}");
        }
        assert!(curated.db.get().is_none(), "no whole parse was needed");
        assert_eq!(curated.db().len(), db.len());
    }

    #[test]
    fn a_name_in_several_tables_gets_them_all_in_file_order() {
        const TEXT: &str = "[[package]]\nname = \"b\"\nversions = [\"1.0\"]\ncampaign = \"first\"\nsource = \"s\"\n\n# --- next\n[[package]]\nname = \"a\"\nversions = [\"*\"]\ncampaign = \"other\"\nsource = \"s\"\n[[package]]\nname = \"b\"\nversions = [\"2.0\"]\ncampaign = \"second\"\nsource = \"s\"\n";
        let curated = Curated::from_static(TEXT);
        let whole = AdvisoryDb::from_curated_toml(TEXT).unwrap();
        let summaries: Vec<&str> = curated
            .get("b")
            .iter()
            .map(|a| a.summary.as_str())
            .collect();
        assert_eq!(summaries, ["first", "second"]);
        assert_eq!(curated.get("b"), whole.get("b"));
        assert_eq!(curated.get("a"), whole.get("a"));
        assert!(curated.get("c").is_empty());
    }

    #[test]
    fn explicit_versions_with_pep440_semantics() {
        let a = Affected::from_versions(&["0.5.15", "2!1.0", "1.0.post1", "3.0rc1"]).unwrap();
        assert!(a.contains(&Version::from_str("0.5.15").unwrap()));
        assert!(
            a.contains(&Version::from_str("0.5.15.0").unwrap()),
            "0.5.15.0 == 0.5.15 in PEP 440"
        );
        assert!(!a.contains(&Version::from_str("0.5.14").unwrap()));
        assert!(a.contains(&Version::from_str("2!1.0").unwrap()));
        assert!(
            !a.contains(&Version::from_str("1.0").unwrap()),
            "epoch differs"
        );
        assert!(a.contains(&Version::from_str("1.0.post1").unwrap()));
        assert!(a.contains(&Version::from_str("3.0rc1").unwrap()));
        assert!(!a.contains(&Version::from_str("3.0").unwrap()));
    }

    #[test]
    fn specifiers_admitting_bad_releases() {
        let a = Affected::from_versions(&["8.3.41", "8.3.42", "8.3.45", "8.3.46"]).unwrap();
        assert!(a.admitted_by(Some(&specs(">=8.3.40,<8.4"))));
        assert!(a.admitted_by(None));
        assert!(!a.admitted_by(Some(&specs("==8.3.43"))));
        assert!(!a.admitted_by(Some(&specs(">=8.3.47"))));
        assert!(!a.admitted_by(Some(&specs("<8.3.41"))));
        assert!(a.admitted_by(Some(&specs("~=8.3.0"))));
        assert!(!a.admitted_by(Some(&specs(
            ">=8.3.40,<8.4,!=8.3.41,!=8.3.42,!=8.3.45,!=8.3.46"
        ))));
        assert!(Affected::All.admitted_by(Some(&specs("==1.0"))));
        assert_eq!(a.describe(), "8.3.41, 8.3.42, 8.3.45, 8.3.46");
    }

    #[test]
    fn embedded_list_is_valid_sorted_within_sections_and_normalised() {
        let db = AdvisoryDb::embedded();
        assert!(db.len() >= 40);
        for name in db.names() {
            assert_eq!(normalize(name), name);
        }
        let nums = db.get("num2words");
        assert_eq!(nums.len(), 1);
        assert!(nums[0]
            .affected
            .contains(&Version::from_str("0.5.15").unwrap()));
        assert!(!nums[0]
            .affected
            .contains(&Version::from_str("0.5.14").unwrap()));
    }
}
