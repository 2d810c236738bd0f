//! Data files: the PyPI name snapshot and the imported malicious-package reports, as they are
//! embedded in the binary and as `squatguard db update` caches them.
//!
//! Both use one container, read without parsing its bulk, so a check's start-up does not grow
//! with the data:
//!
//! ```text
//! file   = magic meta-len meta index-len index blob
//! magic  = "SGDB" 0x01
//! meta   = JSON (u32 little-endian length first): kind, source, created, counts, and for
//!          names `verdicts` (below)
//! index  = names: the name dictionary ([`dict`]: each name found with its rank, its place in
//!          byte order); reports: an fst map (name -> byte offset into blob); u64 length first
//! blob   = names: the age column ([`AgeColumn`]), then the precomputed verdicts where the
//!          metadata has `verdicts` (below); reports: one JSON line per package name, a list
//!          of reports
//! ```
//!
//! A name set may carry the name engine's verdict on every name it lists ([`Verdicts`]): one
//! bit per name in rank order, set where the engine finds the name clear (no near-miss of any
//! popular name, with the name's own age facts), and the engine's identity. `check` takes a
//! set bit instead of searching the typo index for the name (most names are far from every
//! popular one, and the search is most of the cost of judging them); a binary whose engine is
//! another, or a file without them, searches every name.
//!
//! A name's age facts ([`NameAge`]) are one u64: 0 none; `1 << 40 | day` (days since
//! 1970-01-01) for a name `db update` first saw that day; otherwise `version << 10 | month`,
//! `version` the byte offset plus one of the latest version in the version table (0: not
//! known), `month` the month of that release as months since 2000-01 plus one (0: not known).
//! The age column keeps them varint-coded in rank order, in blocks of 32 names.
//!
//! Name sets written before the dictionary kept their names as an fst (7.3 MB for 886,323
//! names, 8.6 MB with each name's rank as its value, against 4.7 MB for the dictionary), with
//! facts in the fst's values or in a column found through it. Such a file, a cache of an older
//! binary, is refused ([`StoreError::OldFormat`]): `check` warns and uses the embedded
//! snapshot, and `db update` writes the cache anew.
//!
//! A name lookup reads the dictionary in place; for reports, the fst is walked in place and
//! only the matched package's line is parsed.

pub mod dict;

use crate::advisory::{Advisory, AdvisoryDb, Affected};
use fst::{Map, MapBuilder};
use pep440_rs::Version;
use serde::{Deserialize, Serialize};
use std::ops::Bound;
use std::str::FromStr;
use version_ranges::Ranges;

const MAGIC: &[u8; 5] = b"SGDB\x01";

/// What a data file says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// `pypi-names` or `osv-malicious`.
    pub kind: String,
    /// Where the data came from (a URL, a path, or the embedded snapshot's provenance).
    pub source: String,
    /// When the data was taken, RFC 3339 (UTC) or a date.
    pub created: String,
    /// Names in the set, or package names with reports.
    pub names: u64,
    /// Reports (OSV records) behind the data; 0 for name sets.
    #[serde(default)]
    pub records: u64,
    /// Name sets: the typosquat verdicts precomputed for every name ([`Verdicts`]), kept at the
    /// end of the blob. None in files from before them, and where the set was written without.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdicts: Option<Verdicts>,
}

/// What a name set's precomputed verdicts are: one bit per name in rank order, set where the
/// name engine finds the name clear with its own age facts (no near-miss of any popular name
/// that the engine reports at any severity; [`crate::rules::Engine::clear_bits`]), so that
/// `check` need not search the typo index for it. They hold only for the engine that computed
/// them: `engine` names it ([`crate::rules::engine_id`]), and a run whose engine is another
/// (a binary of another version, a cache written by one) judges every name itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdicts {
    /// The engine's identity, 16 hex digits.
    pub engine: String,
    /// The bits' length in bytes: one bit per name, rounded up.
    pub len: u64,
    /// Where in the blob they start: the end of the age column, and the blob ends where they
    /// do, so that a file cut short or grown is refused instead of read with shifted bits.
    pub at: u64,
}

/// Why a data file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not a squatguard data file (bad header)")]
    BadHeader,
    #[error("truncated data file")]
    Truncated,
    #[error("bad metadata: {0}")]
    Meta(String),
    #[error("expected a `{expected}` data file, found `{found}`")]
    Kind {
        expected: &'static str,
        found: String,
    },
    #[error("corrupt index: {0}")]
    Fst(#[from] fst::Error),
    #[error("corrupt name dictionary: {0}")]
    Dict(String),
    #[error("a name set in an older format (an fst); `squatguard db update` writes it anew")]
    OldFormat,
    #[error("cannot read: {0}")]
    Io(String),
    #[error("corrupt report for `{name}`: {message}")]
    Record { name: String, message: String },
}

/// A data file's bytes: in the binary, read into memory, or a cache file mapped ([`map_cache`]).
enum Buffer {
    Static(&'static [u8]),
    Read(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl std::ops::Deref for Buffer {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Buffer::Static(b) => b,
            Buffer::Read(v) => v,
            Buffer::Mapped(m) => m,
        }
    }
}

/// A cache file of the data directory (`squatguard db update`'s name set or feed), mapped
/// instead of read: a check reads the few pages its lookups touch of a file of megabytes. None
/// when there is no file. The crate's one `unsafe` block.
fn map_cache(path: &std::path::Path) -> Result<Option<Buffer>, StoreError> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::Io(e.to_string())),
    };
    // SAFETY: a mapped file must not change while it is mapped, or the bytes behind the
    // `&[u8]` read from it change under it. This file is a cache `squatguard db update`
    // writes: always whole to a temporary file, synced, then renamed over this path, never
    // written in place (`db::write_atomic`), so an update replaces the directory entry while
    // this map keeps the old, unchanged file alive. The data directory is the user's own
    // (`--data-dir`, `SQUATGUARD_DATA_DIR` or the platform cache), never taken from a checked
    // repository. What this cannot rule out is another program with the user's rights
    // writing into or truncating the file while a check runs: reading a page past a
    // truncation raises SIGBUS and the process dies (no answer rather than a wrong one);
    // bytes rewritten in place break the promise of an unchanging `&[u8]` (undefined
    // behaviour in Rust's terms; in practice wrong answers or a panic), which that program
    // could as well cause by replacing the cache outright. That is the bargain ripgrep makes
    // for the files it maps. Mapping changes how the bytes are read, not what is trusted:
    // callers check them (header, metadata, kind, lengths, the index's own header) exactly as
    // bytes read whole, since a file at rest can be cut, corrupt or of another format.
    #[allow(unsafe_code)]
    let map = unsafe { memmap2::Mmap::map(&file) };
    map.map(|m| Some(Buffer::Mapped(m)))
        .map_err(|e| StoreError::Io(e.to_string()))
}

/// A byte range of a file's bytes, shared without copying: the index and the blob of a data
/// file both point into the one buffer.
#[derive(Clone)]
pub struct Section {
    buf: std::sync::Arc<Buffer>,
    range: std::ops::Range<usize>,
}

impl AsRef<[u8]> for Section {
    fn as_ref(&self) -> &[u8] {
        &self.buf[self.range.clone()]
    }
}

impl Section {
    /// The section of `buf` that `part` (a sub-slice of it) covers.
    fn of(buf: &std::sync::Arc<Buffer>, part: &[u8]) -> Section {
        let start = part.as_ptr() as usize - buf.as_ptr() as usize;
        Section {
            buf: buf.clone(),
            range: start..start + part.len(),
        }
    }
}

/// The pieces of a container.
struct Parts<'a> {
    meta: Meta,
    /// The names' dictionary, or the reports' fst.
    index: &'a [u8],
    blob: &'a [u8],
}

fn split<'a>(bytes: &'a [u8], expected: &'static str) -> Result<Parts<'a>, StoreError> {
    let rest = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or(StoreError::BadHeader)?;
    let (len, rest) = take_len::<4>(rest)?;
    let meta_bytes = rest.get(..len).ok_or(StoreError::Truncated)?;
    let meta: Meta =
        serde_json::from_slice(meta_bytes).map_err(|e| StoreError::Meta(e.to_string()))?;
    if meta.kind != expected {
        return Err(StoreError::Kind {
            expected,
            found: meta.kind,
        });
    }
    let (len, rest) = take_len::<8>(&rest[len..])?;
    let index = rest.get(..len).ok_or(StoreError::Truncated)?;
    Ok(Parts {
        meta,
        index,
        blob: &rest[len..],
    })
}

fn take_len<const N: usize>(bytes: &[u8]) -> Result<(usize, &[u8]), StoreError> {
    let head = bytes.get(..N).ok_or(StoreError::Truncated)?;
    let mut buf = [0u8; 8];
    buf[..N].copy_from_slice(head);
    let len = usize::try_from(u64::from_le_bytes(buf)).map_err(|_| StoreError::Truncated)?;
    Ok((len, &bytes[N..]))
}

fn join(meta: &Meta, index: &[u8], blob: &[u8]) -> Vec<u8> {
    let meta = serde_json::to_vec(meta).expect("metadata serialises");
    let mut out = Vec::with_capacity(MAGIC.len() + 12 + meta.len() + index.len() + blob.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(meta.len() as u32).to_le_bytes());
    out.extend_from_slice(&meta);
    out.extend_from_slice(&(index.len() as u64).to_le_bytes());
    out.extend_from_slice(index);
    out.extend_from_slice(blob);
    out
}

/// Many names to look up at once. Fewer than `SORTED_MIN` are looked up one by one; more
/// are looked up in byte order: in the reports' fst each walk starts where the previous
/// name's path parts from it (the shared prefix is not walked again), and in the names'
/// dictionary one cursor moves forward ([`dict::Dict::get_sorted`]), so a sorted registry
/// listing costs about one step per name, and a batch of names from all over the set lands
/// each lookup where the previous one was, in cache. The order is found by sorting each
/// name's first eight bytes as one number, then the names that share them by their text: a
/// sorted batch is one run (linear time), and a shuffled million sorts in a fraction of what
/// comparing their texts costs. A large batch is walked in parallel parts of that order.
/// (A merge with the set's stream, which this replaced, streamed every key between the first
/// and last name, and streaming every key once into a hash table of the names cost more than
/// walking a sorted registry listing.)
pub struct NameBatch<'a> {
    names: &'a [&'a str],
    /// Indices of `names` in byte order of the names.
    order: Vec<u32>,
    /// The names in that order, copied together a part at a time, so that each walk reads
    /// them in sequence (names picked from all over a large input are each a cache miss).
    parts: Vec<Part>,
}

/// Names of a batch in byte order, one after another, and where each ends.
struct Part {
    text: Vec<u8>,
    ends: Vec<usize>,
}

impl Part {
    fn names(&self) -> impl Iterator<Item = &[u8]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(self.ends.iter()).map(|(a, &b)| &self.text[a..b])
    }
}

/// Names per part of a parallel walk: below this a batch is walked on one thread.
const WALK_PART: usize = 32_768;

/// Names below which a batch is looked up name by name, unsorted: sorting pays only where
/// many names are neighbours in the set, as in a registry listing (1,500 names of a
/// requirements file, in parts of 64, took half as long again sorted; 20,000 names drawn at
/// random, a quarter as long again).
const SORTED_MIN: usize = 4_096;

impl<'a> NameBatch<'a> {
    pub fn new(names: &'a [&'a str]) -> NameBatch<'a> {
        if names.len() < SORTED_MIN {
            return NameBatch {
                names,
                order: Vec::new(),
                parts: Vec::new(),
            };
        }
        Self::sorted(names)
    }

    /// A batch walked in byte order, whatever its size.
    fn sorted(names: &'a [&'a str]) -> NameBatch<'a> {
        use rayon::prelude::*;
        let order = byte_order(names);
        let part = |order: &[u32]| {
            let mut text = Vec::new();
            let mut ends = Vec::with_capacity(order.len());
            for &i in order {
                text.extend_from_slice(names[i as usize].as_bytes());
                ends.push(text.len());
            }
            Part { text, ends }
        };
        let parts = if order.len() <= WALK_PART {
            vec![part(&order)]
        } else {
            order.par_chunks(WALK_PART).map(part).collect()
        };
        NameBatch {
            names,
            order,
            parts,
        }
    }

    /// For each name, whether `fst` holds it as a key.
    fn contains<D: AsRef<[u8]> + Sync>(&self, fst: &fst::raw::Fst<D>) -> Vec<bool> {
        self.lookup(fst).iter().map(Option::is_some).collect()
    }

    /// For each name, whether `fst` holds it as a key, and if so its value.
    fn lookup<D: AsRef<[u8]> + Sync>(&self, fst: &fst::raw::Fst<D>) -> Vec<Option<u64>> {
        use rayon::prelude::*;
        if self.parts.is_empty() {
            // a small batch, unsorted
            return self
                .names
                .iter()
                .map(|name| walk_one(fst, name.as_bytes()))
                .collect();
        }
        self.in_input_order(if self.parts.len() == 1 {
            vec![walk(fst, &self.parts[0])]
        } else {
            self.parts.par_iter().map(|p| walk(fst, p)).collect()
        })
    }

    /// For each name, its rank in `dict`, if it holds it: a small batch a name at a time, a
    /// large one by a cursor moving forward through each sorted part.
    fn ranks<B: AsRef<[u8]> + Sync>(&self, dict: &dict::Dict<B>) -> Vec<Option<u64>> {
        use rayon::prelude::*;
        if self.parts.is_empty() {
            return self.names.iter().map(|n| dict.get(n.as_bytes())).collect();
        }
        self.in_input_order(if self.parts.len() == 1 {
            vec![dict.get_sorted(self.parts[0].names())]
        } else {
            self.parts
                .par_iter()
                .map(|p| dict.get_sorted(p.names()))
                .collect()
        })
    }

    /// What was found for the sorted parts, in turn, put back in the names' order.
    fn in_input_order(&self, found: Vec<Vec<Option<u64>>>) -> Vec<Option<u64>> {
        let mut out = vec![None; self.names.len()];
        for (&i, found) in self.order.iter().zip(found.into_iter().flatten()) {
            out[i as usize] = found;
        }
        out
    }
}

/// Whether `fst` holds `name`, and if so its value (the outputs on its path, summed as
/// [`walk`] sums them).
fn walk_one<D: AsRef<[u8]>>(fst: &fst::raw::Fst<D>, name: &[u8]) -> Option<u64> {
    let mut node = fst.root();
    let mut sum = 0u64;
    for &b in name {
        let t = node.transition(node.find_input(b)?);
        sum = sum.wrapping_add(t.out.value());
        node = fst.node(t.addr);
    }
    node.is_final()
        .then(|| sum.wrapping_add(node.final_output().value()))
}

/// Whether `fst` holds each name of `part`, and if so its value (the outputs on its path).
fn walk<D: AsRef<[u8]>>(fst: &fst::raw::Fst<D>, part: &Part) -> Vec<Option<u64>> {
    let mut out = Vec::with_capacity(part.ends.len());
    // path[k]: the address of the node reached after the first k bytes of `prev`, and the
    // output summed to it (addresses, not nodes: a decoded node is ten times the size, and
    // copying them made the walk slower than a lookup of each name)
    let mut path = vec![(fst.root().addr(), 0u64)];
    let mut prev: &[u8] = &[];
    for name in part.names() {
        let shared = dict::common(prev, name).min(path.len() - 1);
        path.truncate(shared + 1);
        let (addr, mut sum) = path[shared];
        let mut node = fst.node(addr);
        let mut whole = true;
        for &b in &name[shared..] {
            match node.find_input(b) {
                Some(i) => {
                    let t = node.transition(i);
                    sum = sum.wrapping_add(t.out.value());
                    node = fst.node(t.addr);
                    path.push((t.addr, sum));
                }
                None => {
                    whole = false;
                    break;
                }
            }
        }
        out.push((whole && node.is_final()).then(|| sum.wrapping_add(node.final_output().value())));
        prev = name;
    }
    out
}

/// The indices of `names` in byte order of the names: sorted on their first eight bytes as a
/// big-endian number (zero-padded, which orders as the bytes do, ties included), then each run
/// of equal numbers by the whole text.
fn byte_order(names: &[&str]) -> Vec<u32> {
    use rayon::prelude::*;
    let mut keyed: Vec<(u64, u32)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (dict::prefix(n.as_bytes()), i as u32))
        .collect();
    if keyed.len() > WALK_PART {
        keyed.par_sort_unstable();
    } else {
        keyed.sort_unstable();
    }
    let mut at = 0;
    while at < keyed.len() {
        let k = keyed[at].0;
        let end = at + keyed[at..].iter().take_while(|e| e.0 == k).count();
        if end - at > 1 {
            keyed[at..end].sort_unstable_by(|a, b| {
                names[a.1 as usize]
                    .cmp(names[b.1 as usize])
                    .then(a.1.cmp(&b.1))
            });
        }
        at = end;
    }
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// What the name snapshot knows of how old and how active a project is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameAge {
    /// The newest version in the listing, as the project wrote it.
    pub latest_version: Option<String>,
    /// The month of that release, `YYYY-MM`.
    pub latest_month: Option<String>,
    /// The day the name first appeared, `YYYY-MM-DD`: the day of the `db update` that added it
    /// to the listing it had, or its first upload where a caller knows it (`audit` input, the
    /// index safe-pip asks).
    pub first_seen: Option<String>,
    /// How many releases the project has, where a caller knows it (the index safe-pip asks,
    /// PEP 700 `versions`); never stored in a name set.
    pub releases: Option<u32>,
}

const FIRST_SEEN: u64 = 1 << 40;
const MONTH_BITS: u32 = 10;

/// The years month codes cover.
const MONTH_YEARS: std::ops::Range<u64> = 2000..2085;

/// The month codes [`month_code`] gives (2000-01 to 2084-12).
const MONTH_CODES: std::ops::RangeInclusive<u64> = 1..=(MONTH_YEARS.end - MONTH_YEARS.start) * 12;

/// Month `m` of year `y` as months since 2000-01 plus one, if a code covers it.
fn code_of_month(y: u64, m: u64) -> Option<u64> {
    ((1..=12).contains(&m) && MONTH_YEARS.contains(&y)).then(|| (y - MONTH_YEARS.start) * 12 + m)
}

/// `YYYY-MM` (or the month of a longer date) as months since 2000-01 plus one.
pub fn month_code(s: &str) -> Option<u64> {
    let y: u64 = s.get(0..4)?.parse().ok()?;
    let m: u64 = s.get(5..7)?.parse().ok()?;
    let valid = s.as_bytes().get(4) == Some(&b'-')
        && (s.len() == 7 || crate::data::days_from_date(s).is_some());
    code_of_month(y, m).filter(|_| valid)
}

/// [`month_code`] of the month a day (counted since 1970-01-01) falls in, without writing the
/// date out.
pub fn month_code_of_day(days: i64) -> Option<u64> {
    let (y, m, _) = crate::data::civil_from_days(days);
    code_of_month(u64::try_from(y).ok()?, u64::try_from(m).ok()?)
}

fn month_text(code: u64) -> String {
    format!("{:04}-{:02}", 2000 + (code - 1) / 12, (code - 1) % 12 + 1)
}

/// A name's age facts as [`crate::name_risk::age`] weighs them, read in place: what a
/// [`NameAge`] says, or what a name set keeps of a name, without its strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AgeFacts<'a> {
    /// The day the name was first seen, in days since 1970-01-01.
    pub first_seen: Option<i64>,
    /// The month of its latest release ([`month_code`]).
    pub month: Option<u64>,
    /// Its latest version.
    pub version: Option<&'a str>,
}

/// Where a name set keeps a name's age facts (its rank, None for a name it does not have), as
/// the lookup that finds the name learns it ([`NameSet::listing_all`]); read with
/// [`NameSet::listed_facts`] and [`NameSet::listed_age`] when they are wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListedAge(Option<u64>);

impl ListedAge {
    /// The listing of the name of rank `rank` (its place in the set's byte order).
    pub fn of_rank(rank: u64) -> ListedAge {
        ListedAge(Some(rank))
    }
}

impl NameAge {
    /// The facts as [`AgeFacts`]; those that do not read are not known.
    pub fn facts(&self) -> AgeFacts<'_> {
        AgeFacts {
            first_seen: self
                .first_seen
                .as_deref()
                .and_then(crate::data::days_from_date),
            month: self.latest_month.as_deref().and_then(month_code),
            version: self.latest_version.as_deref(),
        }
    }

    /// The facts of a packed value read in place, as [`NameAge::unpack`] and
    /// [`NameAge::facts`] of its result give them.
    fn packed_facts(value: u64, versions: &[u8]) -> Option<AgeFacts<'_>> {
        if value == 0 {
            return None;
        }
        if value & FIRST_SEEN != 0 {
            return Some(AgeFacts {
                first_seen: Some((value & (FIRST_SEEN - 1)) as i64),
                ..AgeFacts::default()
            });
        }
        let month = value & ((1 << MONTH_BITS) - 1);
        Some(AgeFacts {
            first_seen: None,
            month: Some(month).filter(|m| MONTH_CODES.contains(m)),
            version: packed_version(value >> MONTH_BITS, versions),
        })
    }

    /// Whether the first fields of a TSV's first row are its header (`name<TAB>latest_version`,
    /// `name<TAB>version`), not a name.
    pub fn is_header(name: &str, version: &str) -> bool {
        name.trim() == "name" && version.trim().ends_with("version")
    }

    /// Reads the facts of a row `name<TAB>version<TAB>when`: `version` as the project wrote
    /// it (empty: not known), `when` a month `YYYY-MM` (of the latest release) or a day
    /// `YYYY-MM-DD` (of the first upload; a longer RFC 3339 time is cut to its day), empty: not
    /// known.
    pub fn parse(version: &str, when: &str) -> Result<NameAge, String> {
        let (version, when) = (version.trim(), when.trim());
        if version.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!(
                "version `{}` has a space or control character",
                version.escape_debug()
            ));
        }
        let mut age = NameAge {
            latest_version: (!version.is_empty()).then(|| version.to_owned()),
            ..NameAge::default()
        };
        if when.len() == 7 && month_code(when).is_some() {
            age.latest_month = Some(when.to_owned());
        } else if when.len() >= 10 && month_code(when).is_some() {
            age.first_seen = Some(when[..10].to_owned());
        } else if !when.is_empty() {
            return Err(format!(
                "`{}` is neither a month (YYYY-MM) nor a day (YYYY-MM-DD) from 2000 on",
                when.escape_debug()
            ));
        }
        Ok(age)
    }

    /// The facts as one value ([`NameAge`]'s packing), with `version_at` the version's offset
    /// plus one in the version table (0: none).
    fn pack(&self, version_at: u64) -> u64 {
        if let Some(day) = self
            .first_seen
            .as_deref()
            .and_then(crate::data::days_from_date)
        {
            return FIRST_SEEN | day.max(0) as u64;
        }
        let month = self
            .latest_month
            .as_deref()
            .and_then(month_code)
            .unwrap_or(0);
        version_at << MONTH_BITS | month
    }

    fn unpack(value: u64, versions: &[u8]) -> Option<NameAge> {
        if value == 0 {
            return None;
        }
        if value & FIRST_SEEN != 0 {
            let day = (value & (FIRST_SEEN - 1)) as i64;
            return Some(NameAge {
                first_seen: Some(crate::data::date_from_days(day)),
                ..NameAge::default()
            });
        }
        let month = value & ((1 << MONTH_BITS) - 1);
        Some(NameAge {
            latest_version: packed_version(value >> MONTH_BITS, versions).map(str::to_owned),
            latest_month: (month > 0).then(|| month_text(month)),
            first_seen: None,
            releases: None,
        })
    }
}

/// The version at byte offset `at - 1` of the version table (`at` 0: none).
fn packed_version(at: u64, versions: &[u8]) -> Option<&str> {
    let rest = versions.get(usize::try_from(at.checked_sub(1)?).ok()?..)?;
    let end = rest.iter().position(|&b| b == b'\n')?;
    std::str::from_utf8(&rest[..end]).ok()
}

/// Every PyPI project name, normalised, with what the listing says of its age.
pub struct NameSet {
    /// The names, each found with its rank (its place in byte order).
    names: dict::Dict<Bytes>,
    ages: AgeColumn,
    /// The precomputed verdicts' bits, when the file has them (see [`Verdicts`]).
    clear: Option<Bytes>,
    pub meta: Meta,
}

/// What the lookup that finds a name in a name set learns of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// Whether the set has the name.
    pub listed: bool,
    /// Where its age facts are (its rank; none for a name the set does not have).
    pub age: ListedAge,
}

/// The age facts of every name, in the names' byte order (rank order):
///
/// ```text
/// column   = magic every blocks max-month versions        (magic "\0ages\x02", then u32s)
///            block-offsets version-offsets               (u32s: blocks, versions)
///            col-len col version-table                   (u32 length)
/// col      = one entry per name in rank order; block i (ranks from `i * every`) starts at
///            block-offsets[i]
/// entry    = varint 0                                     no facts
///          | varint 1, varint day                         first seen that day
///          | varint (2 + m), varint v                     m 0: month not known, else
///                                                         max-month + 1 - month; v 0: no
///                                                         version, else version-offsets[v - 1]
/// ```
///
/// A name's entry is decoded from its block's start, the entries before it skipped.
struct AgeColumn {
    bytes: Bytes,
    every: usize,
    blocks: usize,
    max_month: u64,
    block_offsets: usize,
    version_offsets: usize,
    versions_count: usize,
    col: std::ops::Range<usize>,
    versions: std::ops::Range<usize>,
}

/// The column's magic (`\x01` was a column with a sampled index of names, for name sets kept
/// as fsts).
const AGES_MAGIC: &[u8; 6] = b"\0ages\x02";
/// Entries per block of the column: an age costs decoding at most this many entries.
const AGES_EVERY: usize = 32;

fn u32_at(bytes: &[u8], at: usize) -> Option<usize> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
}

fn varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*at)?;
        *at += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

impl AgeColumn {
    /// Reads the column's header; an error when it is not one, or cut or inconsistent.
    fn parse(bytes: Bytes) -> Result<AgeColumn, StoreError> {
        let b = bytes.as_ref();
        let Some(rest) = b.strip_prefix(AGES_MAGIC.as_slice()) else {
            return Err(StoreError::Meta("no age column".into()));
        };
        let start = b.len() - rest.len();
        let field = |i: usize| u32_at(b, start + 4 * i).ok_or(StoreError::Truncated);
        let (every, blocks, max_month, versions_count) =
            (field(0)?, field(1)?, field(2)?, field(3)?);
        let block_offsets = start + 16;
        let version_offsets = block_offsets + 4 * blocks;
        let col_len_at = version_offsets + 4 * versions_count;
        let col_len = u32_at(b, col_len_at).ok_or(StoreError::Truncated)?;
        let col = col_len_at + 4..col_len_at + 4 + col_len;
        if col.end > b.len() || every == 0 {
            return Err(StoreError::Truncated);
        }
        let versions = col.end..b.len();
        Ok(AgeColumn {
            bytes,
            every,
            blocks,
            max_month: max_month as u64,
            block_offsets,
            version_offsets,
            versions_count,
            col,
            versions,
        })
    }

    fn versions(&self) -> &[u8] {
        &self.bytes.as_ref()[self.versions.clone()]
    }

    /// Decodes the entry at `at` in the column into the value it stands for.
    fn entry(&self, at: &mut usize) -> Option<u64> {
        let col = &self.bytes.as_ref()[self.col.clone()];
        match varint(col, at)? {
            0 => Some(0),
            1 => Some(FIRST_SEEN | varint(col, at)?),
            tag => {
                let m = tag - 2;
                let month = if m == 0 {
                    0
                } else {
                    (self.max_month + 1).checked_sub(m)?
                };
                let v = varint(col, at)?;
                let version_at = if v == 0 {
                    0
                } else {
                    let i = usize::try_from(v - 1)
                        .ok()
                        .filter(|&i| i < self.versions_count)?;
                    u32_at(self.bytes.as_ref(), self.version_offsets + 4 * i)? as u64
                };
                Some(version_at << MONTH_BITS | month)
            }
        }
    }

    /// The value of the name of rank `rank`.
    fn value_at(&self, rank: u64) -> Option<u64> {
        let rank = usize::try_from(rank).ok()?;
        let block = rank / self.every;
        if block >= self.blocks {
            return None;
        }
        let mut at = u32_at(self.bytes.as_ref(), self.block_offsets + 4 * block)?;
        let col = &self.bytes.as_ref()[self.col.clone()];
        for _ in 0..rank % self.every {
            // an entry is its tag, then one varint more unless the tag is 0
            if varint(col, &mut at)? != 0 {
                varint(col, &mut at)?;
            }
        }
        self.entry(&mut at)
    }

    /// Builds the column for `values` (one per name, in the names' byte order) and the version
    /// table `table` (versions ended by '\n'; a value's version is its byte offset plus one).
    fn build(values: &[u64], table: &[u8]) -> Vec<u8> {
        // the version table's offsets (plus one), by index
        let mut version_offsets = Vec::new();
        let mut index_of = std::collections::HashMap::new();
        let mut at = 0;
        for version in table.split_inclusive(|&b| b == b'\n') {
            index_of.insert(at as u64 + 1, version_offsets.len() as u64 + 1);
            version_offsets.push(at as u32 + 1);
            at += version.len();
        }
        let max_month = values
            .iter()
            .filter(|&&v| v & FIRST_SEEN == 0)
            .map(|v| v & ((1 << MONTH_BITS) - 1))
            .max()
            .unwrap_or(0);
        let mut block_offsets = Vec::new();
        let mut col = Vec::new();
        for (rank, &value) in values.iter().enumerate() {
            if rank % AGES_EVERY == 0 {
                block_offsets.push(col.len() as u32);
            }
            if value == 0 {
                put_varint(&mut col, 0);
            } else if value & FIRST_SEEN != 0 {
                put_varint(&mut col, 1);
                put_varint(&mut col, value & (FIRST_SEEN - 1));
            } else {
                let month = value & ((1 << MONTH_BITS) - 1);
                put_varint(
                    &mut col,
                    2 + if month == 0 { 0 } else { max_month + 1 - month },
                );
                let version = value >> MONTH_BITS;
                put_varint(&mut col, if version == 0 { 0 } else { index_of[&version] });
            }
        }
        let mut out = AGES_MAGIC.to_vec();
        for n in [
            AGES_EVERY,
            block_offsets.len(),
            max_month as usize,
            version_offsets.len(),
        ] {
            out.extend_from_slice(&(n as u32).to_le_bytes());
        }
        for n in block_offsets.iter().chain(&version_offsets) {
            out.extend_from_slice(&n.to_le_bytes());
        }
        out.extend_from_slice(&(col.len() as u32).to_le_bytes());
        out.extend_from_slice(&col);
        out.extend_from_slice(table);
        out
    }
}

/// Where a name set's bytes live: in the binary, or in a file's bytes (read or mapped).
#[derive(Clone)]
enum Bytes {
    Static(&'static [u8]),
    File(Section),
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        match self {
            Bytes::Static(b) => b,
            Bytes::File(s) => s.as_ref(),
        }
    }
}

/// A name set's blob split into the age column and the precomputed verdicts' bits at its end
/// (see [`Verdicts`]), checked against the metadata.
fn verdict_bits<'b>(
    meta: &Meta,
    blob: &'b [u8],
) -> Result<(&'b [u8], Option<&'b [u8]>), StoreError> {
    let Some(v) = &meta.verdicts else {
        return Ok((blob, None));
    };
    let len = verdicts_len(v.len, meta.names)?;
    let at = usize::try_from(v.at).map_err(|_| StoreError::Truncated)?;
    if at.checked_add(len) != Some(blob.len()) {
        return Err(StoreError::Truncated);
    }
    Ok((&blob[..at], Some(&blob[at..])))
}

/// `len` bytes of verdicts, refused unless they are one bit per name of `names`.
fn verdicts_len(len: u64, names: u64) -> Result<usize, StoreError> {
    if len != names.div_ceil(8) {
        return Err(StoreError::Meta(format!(
            "{len} bytes of verdicts for {names} names"
        )));
    }
    usize::try_from(len).map_err(|_| StoreError::Truncated)
}

/// The snapshot compiled into the binary (see `data/README.md`).
const EMBEDDED_NAMES: &[u8] = include_bytes!("../data/pypi-names.sgdb");

impl NameSet {
    pub const KIND: &'static str = "pypi-names";

    /// The embedded snapshot: no copy, no parsing.
    pub fn embedded() -> NameSet {
        Self::from_static(EMBEDDED_NAMES).expect("data/pypi-names.sgdb is valid")
    }

    fn from_static(bytes: &'static [u8]) -> Result<NameSet, StoreError> {
        let parts = split(bytes, Self::KIND)?;
        let (blob, clear) = verdict_bits(&parts.meta, parts.blob)?;
        Self::of_parts(
            Bytes::Static(parts.index),
            Bytes::Static(blob),
            clear.map(Bytes::Static),
            parts.meta,
        )
    }

    /// A name set read from a file's bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<NameSet, StoreError> {
        Self::from_vec(bytes.to_vec())
    }

    /// A name set over a file's contents, without copying them.
    pub fn from_vec(bytes: Vec<u8>) -> Result<NameSet, StoreError> {
        Self::from_buffer(Buffer::Read(bytes))
    }

    /// Opens a cached name set in place: the file is mapped, not read, so only the pages a
    /// lookup reads are ever loaded (a check reads a few pages of a file of megabytes). It is
    /// checked as [`NameSet::from_vec`] checks bytes read whole. None when there is no file.
    pub fn open(path: &std::path::Path) -> Result<Option<NameSet>, StoreError> {
        map_cache(path)?.map(Self::from_buffer).transpose()
    }

    fn from_buffer(bytes: Buffer) -> Result<NameSet, StoreError> {
        let buf = std::sync::Arc::new(bytes);
        let parts = split(&buf, Self::KIND)?;
        let (blob, clear) = verdict_bits(&parts.meta, parts.blob)?;
        Self::of_parts(
            Bytes::File(Section::of(&buf, parts.index)),
            Bytes::File(Section::of(&buf, blob)),
            clear.map(|c| Bytes::File(Section::of(&buf, c))),
            parts.meta,
        )
    }

    fn of_parts(
        index: Bytes,
        column: Bytes,
        clear: Option<Bytes>,
        meta: Meta,
    ) -> Result<NameSet, StoreError> {
        if !index.as_ref().starts_with(dict::MAGIC) {
            // an fst: a set written before the dictionary
            return Err(StoreError::OldFormat);
        }
        let names = dict::Dict::new(index).map_err(StoreError::Dict)?;
        if names.len() as u64 != meta.names {
            return Err(StoreError::Meta(format!(
                "{} names, but the index has {}",
                meta.names,
                names.len()
            )));
        }
        Ok(NameSet {
            names,
            ages: AgeColumn::parse(column)?,
            clear,
            meta,
        })
    }

    /// Builds the file for `names` (normalised, deduplicated and sorted here), without ages.
    pub fn build<I, S>(names: I, source: &str, created: &str) -> Vec<u8>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Self::build_with_ages(names.into_iter().map(|n| (n, None)), source, created)
    }

    /// Builds the file for names with their age facts (normalised, deduplicated and sorted
    /// here; of a name given twice, the facts with the later month are kept).
    pub fn build_with_ages<I, S>(rows: I, source: &str, created: &str) -> Vec<u8>
    where
        I: IntoIterator<Item = (S, Option<NameAge>)>,
        S: AsRef<str>,
    {
        let mut all: Vec<(String, Option<NameAge>)> = rows
            .into_iter()
            .map(|(n, age)| (String::from(crate::name::normalize(n.as_ref())), age))
            .filter(|(n, _)| !n.is_empty())
            .collect();
        let month = |a: &Option<NameAge>| a.as_ref().and_then(|a| a.latest_month.clone());
        all.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| month(&b.1).cmp(&month(&a.1))));
        all.dedup_by(|a, b| a.0 == b.0);
        // the version table, most used first so that common versions pack into small values
        let mut uses: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for v in all
            .iter()
            .filter_map(|(_, a)| a.as_ref()?.latest_version.as_deref())
        {
            if !v.is_empty() && !v.contains('\n') {
                *uses.entry(v).or_default() += 1;
            }
        }
        let mut table: Vec<(&str, usize)> = uses.into_iter().collect();
        table.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let mut blob = Vec::new();
        let mut at: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
        for (v, _) in &table {
            at.insert(v, blob.len() as u64 + 1);
            blob.extend_from_slice(v.as_bytes());
            blob.push(b'\n');
        }
        let values: Vec<u64> = all
            .iter()
            .map(|(_, age)| {
                age.as_ref().map_or(0, |a| {
                    let version = a.latest_version.as_deref().and_then(|v| at.get(v));
                    a.pack(version.copied().unwrap_or(0))
                })
            })
            .collect();
        let keys: Vec<&[u8]> = all.iter().map(|(n, _)| n.as_bytes()).collect();
        // sorted and unique above; a listing of billions of names is what could not be built
        let index = dict::build(&keys, dict::EVERY).expect("a name dictionary of the listing");
        let blob = AgeColumn::build(&values, &blob);
        let meta = Meta {
            kind: Self::KIND.into(),
            source: source.into(),
            created: created.into(),
            names: all.len() as u64,
            records: 0,
            verdicts: None,
        };
        join(&meta, &index, &blob)
    }

    /// What the listing says of a name's age; None for a name it does not have, or has
    /// without facts.
    pub fn age(&self, normalised: &str) -> Option<NameAge> {
        let rank = self.names.get(normalised.as_bytes())?;
        self.listed_age(ListedAge(Some(rank)))
    }

    /// [`NameSet::age`] of many names at once (`db update` asks about every name of a
    /// listing).
    pub fn ages_all(&self, names: &[&str]) -> Vec<Option<NameAge>> {
        self.listing_all(&NameBatch::new(names))
            .into_iter()
            .map(|l| self.listed_age(l.age))
            .collect()
    }

    pub fn contains(&self, normalised: &str) -> bool {
        self.names.get(normalised.as_bytes()).is_some()
    }

    /// Membership of many names at once (see [`NameBatch`]).
    pub fn contains_all(&self, batch: &NameBatch<'_>) -> Vec<bool> {
        batch
            .ranks(&self.names)
            .iter()
            .map(Option::is_some)
            .collect()
    }

    /// Membership of many names at once, with where their age facts are (their ranks).
    pub fn listing_all(&self, batch: &NameBatch<'_>) -> Vec<Listing> {
        batch
            .ranks(&self.names)
            .into_iter()
            .map(|rank| Listing {
                listed: rank.is_some(),
                age: ListedAge(rank),
            })
            .collect()
    }

    /// The facts of a name's [`ListedAge`], read in place.
    pub fn listed_facts(&self, age: ListedAge) -> Option<AgeFacts<'_>> {
        let value = self.ages.value_at(age.0?)?;
        NameAge::packed_facts(value, self.ages.versions())
    }

    /// A name's [`ListedAge`] as [`NameSet::age`] gives it.
    pub fn listed_age(&self, age: ListedAge) -> Option<NameAge> {
        let value = self.ages.value_at(age.0?)?;
        NameAge::unpack(value, self.ages.versions())
    }

    /// Whether the precomputed verdicts say the name of `age` (a listed name) is clear; false
    /// where the file has none. Whose engine computed them is [`NameSet::verdicts_engine`].
    pub fn listed_clear(&self, age: ListedAge) -> bool {
        let (Some(bits), Some(rank)) = (&self.clear, age.0) else {
            return false;
        };
        let Ok(rank) = usize::try_from(rank) else {
            return false;
        };
        bits.as_ref()
            .get(rank / 8)
            .is_some_and(|b| b & (1 << (rank % 8)) != 0)
    }

    /// The engine that computed the file's precomputed verdicts, when it has them.
    pub fn verdicts_engine(&self) -> Option<&str> {
        self.clear.as_ref()?;
        self.meta.verdicts.as_ref().map(|v| v.engine.as_str())
    }

    /// The file `bytes` (a name set's) with `bits` as its precomputed verdicts, computed by the
    /// engine `engine` (replacing any it had).
    pub fn with_verdicts(bytes: &[u8], bits: &[u8], engine: &str) -> Result<Vec<u8>, StoreError> {
        let parts = split(bytes, Self::KIND)?;
        let (column, _) = verdict_bits(&parts.meta, parts.blob)?;
        let mut meta = parts.meta.clone();
        verdicts_len(bits.len() as u64, meta.names)?;
        meta.verdicts = Some(Verdicts {
            engine: engine.to_owned(),
            len: bits.len() as u64,
            at: column.len() as u64,
        });
        let mut blob = column.to_vec();
        blob.extend_from_slice(bits);
        Ok(join(&meta, parts.index, &blob))
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Iterates the names in byte order (for audits and tests).
    pub fn for_each(&self, mut f: impl FnMut(&str)) {
        self.names.for_each(|key| {
            if let Ok(s) = std::str::from_utf8(key) {
                f(s);
            }
        });
    }
}

/// Imported reports: an index by name, parsed per name on demand.
pub struct ReportStore {
    map: Map<Section>,
    blob: Blob,
    pub meta: Meta,
}

/// The reports' lines, one per name with reports (in memory, embedded or mapped).
struct Blob(Section);

impl Blob {
    /// The line that starts `offset` bytes into the blob.
    fn line(&self, offset: u64) -> Result<&[u8], String> {
        let rest = usize::try_from(offset)
            .ok()
            .and_then(|o| self.0.as_ref().get(o..))
            .ok_or_else(|| "offset out of range".to_owned())?;
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        Ok(&rest[..end])
    }
}

/// One report as stored: bounds written as `[1.0` (included), `(1.0` (excluded), `` (none).
/// An empty or absent `summary` is a report kept as facts only; an empty or absent `source`
/// is the report's page on osv.dev ([`osv_page`]), which most reports' source is. The two
/// fields nearly every report has are written under one-letter keys, `r` and `p` (files
/// written before 2026-12-05 spelled them out, and still read: 0.09 MB of the embedded feed's
/// 0.74 MB was those two keys).
#[derive(Serialize, Deserialize)]
struct Stored {
    id: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    summary: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    source: String,
    /// None (or absent): every version.
    #[serde(
        rename = "r",
        alias = "ranges",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    ranges: Option<Vec<(String, String)>>,
    /// The day the report was published, `YYYY-MM-DD`.
    #[serde(
        rename = "p",
        alias = "published",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    published: Option<String>,
}

/// A report's page on osv.dev.
pub fn osv_page(id: &str) -> String {
    format!("https://osv.dev/vulnerability/{id}")
}

fn bound_to_str(b: Bound<&Version>) -> String {
    match b {
        Bound::Included(v) => format!("[{v}"),
        Bound::Excluded(v) => format!("({v}"),
        Bound::Unbounded => String::new(),
    }
}

fn bound_from_str(s: &str) -> Result<Bound<Version>, String> {
    let parse = |v: &str| Version::from_str(v).map_err(|e| e.to_string());
    match s.chars().next() {
        None => Ok(Bound::Unbounded),
        Some('[') => parse(&s[1..]).map(Bound::Included),
        Some('(') => parse(&s[1..]).map(Bound::Excluded),
        Some(_) => Err(format!("bad bound `{s}`")),
    }
}

/// The malicious feed's facts compiled into the binary (see `data/README.md`).
const EMBEDDED_REPORTS: &[u8] = include_bytes!("../data/osv-malicious.sgdb");

impl ReportStore {
    pub const KIND: &'static str = "osv-malicious";

    /// Builds the file for `db` (its reports; `records` is the number of OSV records read).
    pub fn build(db: &AdvisoryDb, records: u64, source: &str, created: &str) -> Vec<u8> {
        let mut names: Vec<&str> = db.names().collect();
        names.sort_unstable();
        let mut blob = Vec::new();
        let mut builder = MapBuilder::memory();
        for name in &names {
            let stored: Vec<Stored> = db
                .get(name)
                .iter()
                .map(|a| Stored {
                    id: a.id.clone(),
                    summary: a.summary.clone(),
                    source: match &a.id {
                        Some(id) if a.source == osv_page(id) => String::new(),
                        _ => a.source.clone(),
                    },
                    published: a.published.clone(),
                    ranges: match &a.affected {
                        Affected::All => None,
                        Affected::Some(r) => Some(
                            r.iter()
                                .map(|(lo, hi)| {
                                    (bound_to_str(lo.as_ref()), bound_to_str(hi.as_ref()))
                                })
                                .collect(),
                        ),
                    },
                })
                .collect();
            builder
                .insert(name, blob.len() as u64)
                .expect("sorted, unique names");
            serde_json::to_writer(&mut blob, &stored).expect("reports serialise");
            blob.push(b'\n');
        }
        let fst = builder.into_inner().expect("in-memory fst");
        let meta = Meta {
            kind: Self::KIND.into(),
            source: source.into(),
            created: created.into(),
            names: names.len() as u64,
            records,
            verdicts: None,
        };
        join(&meta, &fst, &blob)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<ReportStore, StoreError> {
        Self::from_vec(bytes.to_vec())
    }

    /// Reports over a file's contents, without copying them.
    pub fn from_vec(bytes: Vec<u8>) -> Result<ReportStore, StoreError> {
        Self::from_buffer(Buffer::Read(bytes))
    }

    /// The feed's facts compiled into the binary (`data/osv-malicious.sgdb`, see
    /// `data/README.md`): the offline floor under an imported feed. No copy, no parsing.
    pub fn embedded() -> ReportStore {
        Self::from_buffer(Buffer::Static(EMBEDDED_REPORTS))
            .expect("data/osv-malicious.sgdb is valid")
    }

    fn from_buffer(bytes: Buffer) -> Result<ReportStore, StoreError> {
        let buf = std::sync::Arc::new(bytes);
        let parts = split(&buf, Self::KIND)?;
        let (fst, blob) = (
            Section::of(&buf, parts.index),
            Section::of(&buf, parts.blob),
        );
        Ok(ReportStore {
            map: Map::new(fst)?,
            blob: Blob(blob),
            meta: parts.meta,
        })
    }

    /// Opens a cached reports file, mapped (`map_cache`): a check reads the pages of the
    /// name index its lookups touch and the reports of the few names that have some, of a file
    /// of megabytes. Checked as [`ReportStore::from_vec`] checks bytes read whole. None when
    /// there is no file.
    pub fn open(path: &std::path::Path) -> Result<Option<ReportStore>, StoreError> {
        map_cache(path)?.map(Self::from_buffer).transpose()
    }

    /// Whether each name has reports (see [`NameBatch`]).
    pub fn has_reports_all(&self, batch: &NameBatch<'_>) -> Vec<bool> {
        batch.contains(self.map.as_fst())
    }

    /// The reports on one normalised name.
    pub fn get(&self, name: &str) -> Result<Vec<Advisory>, StoreError> {
        let Some(offset) = self.map.get(name) else {
            return Ok(Vec::new());
        };
        let err = |message: String| StoreError::Record {
            name: name.into(),
            message,
        };
        let line = self.blob.line(offset).map_err(err)?;
        let stored: Vec<Stored> = serde_json::from_slice(line).map_err(|e| err(e.to_string()))?;
        stored
            .into_iter()
            .map(|s| {
                let affected = match s.ranges {
                    None => Affected::All,
                    Some(ranges) => {
                        let mut all = Ranges::empty();
                        for (lo, hi) in ranges {
                            let lo = bound_from_str(&lo).map_err(err)?;
                            let hi = bound_from_str(&hi).map_err(err)?;
                            all = all.union(&Ranges::from_range_bounds((lo, hi)));
                        }
                        Affected::Some(all)
                    }
                };
                let source = match &s.id {
                    Some(id) if s.source.is_empty() => osv_page(id),
                    _ => s.source,
                };
                Ok(Advisory {
                    name: name.into(),
                    id: s.id,
                    affected,
                    summary: s.summary,
                    source,
                    published: s.published,
                })
            })
            .collect()
    }

    /// Every report, loaded (for status and tests).
    pub fn load_all(&self) -> Result<AdvisoryDb, StoreError> {
        use fst::Streamer;
        let mut db = AdvisoryDb::default();
        let mut stream = self.map.keys();
        while let Some(key) = stream.next() {
            let name = String::from_utf8_lossy(key).into_owned();
            for a in self.get(&name)? {
                db.insert(a);
            }
        }
        Ok(db)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_of_a_day_is_the_month_of_its_date() {
        // from 1990 (before the codes start) to 2090 (after they end), every day
        for day in 7_305..43_830 {
            let date = crate::data::date_from_days(day);
            assert_eq!(month_code_of_day(day), month_code(&date), "{date}");
        }
    }

    #[test]
    fn names_round_trip() {
        let bytes = NameSet::build(
            ["Requests", "flask", "Foo.Bar_baz", "flask"],
            "test",
            "2026-01-01",
        );
        let set = NameSet::from_bytes(&bytes).unwrap();
        assert_eq!(set.len(), 3);
        assert!(set.contains("foo-bar-baz"));
        assert!(set.contains("requests"));
        assert!(!set.contains("reqeusts"));
        assert_eq!(set.meta.names, 3);
        assert!(matches!(
            ReportStore::from_bytes(&bytes),
            Err(StoreError::Kind { .. })
        ));
    }

    /// The batched lookup agrees with one lookup per name, in input order, whether the input
    /// is sorted, shuffled, repeated or holds names outside the set.
    #[test]
    fn batched_lookups_match_single_lookups() {
        let set: Vec<String> = (0..400).map(|i| format!("pkg-{i:03}")).collect();
        let names = NameSet::from_vec(NameSet::build(&set, "t", "d")).unwrap();
        let mut query: Vec<String> = (0..300)
            .map(|i| format!("pkg-{:03}", (i * 7) % 450))
            .collect();
        query.extend(["", "a", "zzz", "pkg-", "pkg-0000", "pkg-001"].map(String::from));
        let refs: Vec<&str> = query.iter().map(String::as_str).collect();
        let single: Vec<bool> = refs.iter().map(|n| names.contains(n)).collect();
        assert_eq!(names.contains_all(&NameBatch::new(&refs)), single);
        assert!(single.iter().any(|&b| b) && single.iter().any(|&b| !b));
        let mut sorted = refs.clone();
        sorted.sort_unstable();
        let single: Vec<bool> = sorted.iter().map(|n| names.contains(n)).collect();
        assert_eq!(names.contains_all(&NameBatch::new(&sorted)), single);
        assert_eq!(names.contains_all(&NameBatch::new(&[])), Vec::<bool>::new());
        // few names: one lookup each
        let few = ["pkg-001", "nope"];
        assert_eq!(names.contains_all(&NameBatch::new(&few)), [true, false]);
        // many names, repeated: walked in parallel parts
        let many: Vec<String> = (0..70_000)
            .map(|i| format!("pkg-{:03}", (i * 13) % 997))
            .collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let single: Vec<bool> = many.iter().map(|n| names.contains(n)).collect();
        assert_eq!(names.contains_all(&NameBatch::new(&many)), single);
        // the report store answers the same way
        let db = AdvisoryDb::from_curated_toml(crate::advisory::CURATED).unwrap();
        let store = ReportStore::from_vec(ReportStore::build(&db, 1, "t", "d")).unwrap();
        let mut query: Vec<&str> = db.names().collect();
        query.extend(["requests", "zzz", ""]);
        let expected: Vec<bool> = query
            .iter()
            .map(|n| !store.get(n).unwrap().is_empty())
            .collect();
        assert_eq!(store.has_reports_all(&NameBatch::new(&query)), expected);
        assert!(expected.iter().any(|&b| b) && expected.iter().any(|&b| !b));
    }

    /// A cache file opened in place (mapped, its reports read where they lie) answers as the same
    /// bytes read whole; a cut file is an error, a missing one is None.
    #[test]
    fn reports_opened_from_a_file_read_lines_in_place() {
        let mut db = AdvisoryDb::from_curated_toml(crate::advisory::CURATED).unwrap();
        db.insert(Advisory {
            name: "long-report".into(),
            id: Some("MAL-0".into()),
            affected: Affected::All,
            summary: "x".repeat(10_000),
            source: "test".into(),
            published: None,
        });
        let bytes = ReportStore::build(&db, 2, "t", "d");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reports.sgdb");
        std::fs::write(&path, &bytes).unwrap();
        let opened = ReportStore::open(&path).unwrap().unwrap();
        let whole = ReportStore::from_bytes(&bytes).unwrap();
        assert_eq!(opened.meta, whole.meta);
        let names: Vec<&str> = db.names().collect();
        assert!(names.len() > 2);
        for name in names {
            let (a, b) = (opened.get(name).unwrap(), whole.get(name).unwrap());
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{name}");
            assert!(!a.is_empty());
        }
        assert_eq!(opened.get("long-report").unwrap()[0].summary.len(), 10_000);
        assert!(opened.get("not-reported").unwrap().is_empty());
        for cut in [3, 12, 40] {
            std::fs::write(&path, &bytes[..cut]).unwrap();
            assert!(ReportStore::open(&path).is_err(), "cut at {cut}");
        }
        // cut inside the reports: the index opens, the lost lines are errors when read
        std::fs::write(&path, &bytes[..bytes.len() - 100]).unwrap();
        let cut = ReportStore::open(&path).unwrap().unwrap();
        assert!(db.names().any(|n| cut.get(n).is_err()));
        assert!(ReportStore::open(&dir.path().join("absent"))
            .unwrap()
            .is_none());
    }

    /// Every word of up to 5 letters over `a`, `b`, `-` (words that are prefixes of others,
    /// names that stop inside a shared path), half of them in the set: the batch answers as
    /// one lookup per name and orders them as their bytes, for the words in order, reversed and
    /// shuffled, with repeated names, and the empty batch.
    #[test]
    fn batched_lookups_match_single_lookups_on_shared_prefixes() {
        let mut words = vec![String::new()];
        for len in 1..=5 {
            let start = words.len() - 3usize.pow(len - 1);
            for i in start..words.len() {
                for c in ['a', 'b', '-'] {
                    words.push(format!("{}{c}", words[i]));
                }
            }
        }
        assert_eq!(words.len(), 1 + 3 + 9 + 27 + 81 + 243);
        // a fixed pseudo-random half (splitmix64 of the index)
        let keep = |i: usize| {
            let mut z = (i as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            (z ^ (z >> 31)) & 1 == 0
        };
        let members: Vec<&str> = (0..words.len())
            .filter(|&i| keep(i))
            .map(|i| words[i].as_str())
            .collect();
        // each with a value, as a ranked name set or the feed's offsets have
        let mut set = MapBuilder::memory();
        let mut sorted = members.clone();
        sorted.sort_unstable();
        for (i, m) in sorted.iter().enumerate() {
            set.insert(m, (i as u64 * 7) % 23).unwrap();
        }
        let set = Map::new(set.into_inner().unwrap()).unwrap();
        let mut query: Vec<&str> = words.iter().map(String::as_str).collect();
        let check = |query: &[&str]| {
            let single: Vec<Option<u64>> = query.iter().map(|n| set.get(n)).collect();
            // name by name, as a small batch is looked up
            assert_eq!(NameBatch::new(query).lookup(set.as_fst()), single);
            let batch = NameBatch::sorted(query);
            assert_eq!(batch.lookup(set.as_fst()), single);
            let sorted: Vec<&str> = batch.order.iter().map(|&i| query[i as usize]).collect();
            assert!(sorted.windows(2).all(|w| w[0] <= w[1]), "{sorted:?}");
        };
        check(&query);
        query.reverse();
        check(&query);
        let mut shuffled = Vec::new();
        for i in 0..query.len() {
            shuffled.push(query[(i * 7919) % query.len()]);
        }
        // repeated names, and names whose walk fails early followed by longer ones
        shuffled.extend([
            "ab", "ab", "zz", "aaaaaa", "ac", "aca", "acab", "a-c", "a-ca",
        ]);
        check(&shuffled);
        check(&[]);
    }

    /// A cache file opened in place (mapped) answers as the same bytes read whole and is
    /// checked as they are: a cut, empty or foreign file is an error, a missing one is None.
    #[test]
    fn names_opened_from_a_file_match_the_bytes_read_whole() {
        let set: Vec<String> = (0..2_000).map(|i| format!("pkg-{i:04}")).collect();
        let bytes = NameSet::build(&set, "t", "2026-01-01");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("names.sgdb");
        std::fs::write(&path, &bytes).unwrap();
        let opened = NameSet::open(&path).unwrap().unwrap();
        let whole = NameSet::from_bytes(&bytes).unwrap();
        assert_eq!(opened.meta, whole.meta);
        assert_eq!(opened.len(), 2_000);
        let mut query: Vec<&str> = set.iter().map(String::as_str).step_by(3).collect();
        query.extend(["pkg-2000", "pkg-", "", "zzz"]);
        for name in &query {
            assert_eq!(opened.contains(name), whole.contains(name), "{name}");
        }
        let batch = NameBatch::new(&query);
        assert_eq!(opened.contains_all(&batch), whole.contains_all(&batch));
        // renamed over while mapped, as `db update` replaces it: the open set keeps its data
        let tmp = dir.path().join("new.sgdb");
        std::fs::write(&tmp, NameSet::build(["other"], "t", "2026-01-02")).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        assert!(opened.contains("pkg-1999") && !opened.contains("other"));
        assert!(NameSet::open(&path).unwrap().unwrap().contains("other"));
        for cut in [0, 3, 12, 40, bytes.len() - 3] {
            std::fs::write(&path, &bytes[..cut]).unwrap();
            assert!(NameSet::open(&path).is_err(), "cut at {cut}");
        }
        let reports = ReportStore::build(&AdvisoryDb::default(), 0, "t", "d");
        std::fs::write(&path, reports).unwrap();
        assert!(matches!(NameSet::open(&path), Err(StoreError::Kind { .. })));
        assert!(NameSet::open(&dir.path().join("absent")).unwrap().is_none());
    }

    #[test]
    fn corrupt_files_are_errors() {
        let bytes = NameSet::build(["a", "b"], "t", "d");
        assert!(matches!(
            NameSet::from_bytes(b"nope"),
            Err(StoreError::BadHeader)
        ));
        for cut in [6, 10, bytes.len() - 3] {
            assert!(NameSet::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }

    /// A name file damaged at any byte opens as an error or answers every question without
    /// panicking: membership, the batch lookup with ranks (name by name and sorted), ages by
    /// rank and by lookup. The dictionary's decode tables (16 KB) are damaged at every 61st
    /// byte, the rest at every byte.
    #[test]
    fn a_damaged_name_file_never_panics() {
        let age = |v: &str, w: &str| Some(NameAge::parse(v, w).unwrap());
        let rows: Vec<(String, Option<NameAge>)> = (0..80)
            .map(|i| {
                (
                    format!("n{i:03}x"),
                    age(&format!("0.{i}"), &format!("2026-0{}", 1 + i % 9)),
                )
            })
            .collect();
        let bytes = NameSet::build_with_ages(rows, "t", "d");
        let asked = ["n000x", "n041x", "n079x", "n5", "", "zzz"];
        let batch = NameBatch::new(&asked);
        let sorted = NameBatch::sorted(&asked);
        let tables = {
            let parts = split(&bytes, NameSet::KIND).unwrap();
            let start = parts.index.as_ptr() as usize - bytes.as_ptr() as usize;
            start + 20..start + 20 + 4 * 4096
        };
        for at in (0..bytes.len()).filter(|at| !tables.contains(at) || at % 61 == 0) {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut damaged = bytes.clone();
                damaged[at] ^= flip;
                let Ok(set) = NameSet::from_vec(damaged) else {
                    continue;
                };
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    for b in [&batch, &sorted] {
                        for l in set.listing_all(b) {
                            let _ = (set.listed_facts(l.age), set.listed_age(l.age));
                        }
                    }
                    for n in asked {
                        let _ = (set.contains(n), set.age(n));
                    }
                }));
                assert!(result.is_ok(), "byte {at} ^ {flip:#x}");
            }
        }
    }

    /// A reports file written before the one-letter keys reads as one written with them.
    #[test]
    fn reports_with_the_keys_spelled_out_still_read() {
        let line = br#"[{"id":"MAL-1","ranges":[["[1.0","(2.0"]],"published":"2024-01-02"}]"#;
        let short = br#"[{"id":"MAL-1","r":[["[1.0","(2.0"]],"p":"2024-01-02"}]"#;
        let old: Vec<Stored> = serde_json::from_slice(line).unwrap();
        let new: Vec<Stored> = serde_json::from_slice(short).unwrap();
        assert_eq!(serde_json::to_vec(&old).unwrap(), short.to_vec());
        assert_eq!(serde_json::to_vec(&new).unwrap(), short.to_vec());
        assert_eq!(old[0].published.as_deref(), Some("2024-01-02"));
        assert_eq!(old[0].ranges.as_ref().map(Vec::len), Some(1));
    }

    #[test]
    fn reports_round_trip() {
        let mut db = AdvisoryDb::from_curated_toml(crate::advisory::CURATED).unwrap();
        db.insert(Advisory {
            name: "ranged".into(),
            id: Some("MAL-0000-1".into()),
            affected: Affected::Some(Ranges::from_range_bounds((
                Bound::Included(Version::from_str("1.0rc1").unwrap()),
                Bound::Excluded(Version::from_str("2!1.0").unwrap()),
            ))),
            summary: "s".into(),
            source: "u".into(),
            published: Some("2024-01-02".into()),
        });
        let bytes = ReportStore::build(&db, 99, "test", "2026-01-01");
        let store = ReportStore::from_bytes(&bytes).unwrap();
        assert_eq!(store.meta.records, 99);
        assert_eq!(store.get("num2words").unwrap(), db.get("num2words"));
        assert_eq!(store.get("ranged").unwrap(), db.get("ranged"));
        assert_eq!(store.get("vmconnect").unwrap(), db.get("vmconnect"));
        assert!(store.get("requests").unwrap().is_empty());
        assert_eq!(store.load_all().unwrap().len(), db.len());
    }

    /// Age facts round-trip through the file: versions, months, first-seen days, names without
    /// facts; bad facts are errors naming what is wrong.
    #[test]
    fn ages_round_trip() {
        let age = |v: &str, w: &str| Some(NameAge::parse(v, w).unwrap());
        let rows = vec![
            ("Old-Lib", age("1.0.0", "2015-03")),
            ("new-lib", age("", "2026-12-03T10:00:00Z")),
            ("plain", None),
            ("no-month", age("0.0.1", "")),
            ("also-1-0", age("1.0.0", "2026-11")),
        ];
        let bytes = NameSet::build_with_ages(rows, "t", "d");
        let set = NameSet::from_bytes(&bytes).unwrap();
        assert_eq!(set.len(), 5);
        let old = set.age("old-lib").unwrap();
        assert_eq!(old.latest_version.as_deref(), Some("1.0.0"));
        assert_eq!(old.latest_month.as_deref(), Some("2015-03"));
        assert_eq!(old.first_seen, None);
        assert_eq!(
            set.age("also-1-0").unwrap().latest_month.as_deref(),
            Some("2026-11")
        );
        let new = set.age("new-lib").unwrap();
        assert_eq!(
            (new.latest_version, new.first_seen.as_deref()),
            (None, Some("2026-12-03"))
        );
        assert_eq!(set.age("plain"), None);
        assert_eq!(set.age("absent"), None);
        assert_eq!(set.age("no-month").unwrap().latest_month, None);
        assert!(set.contains("plain") && set.contains("old-lib"));
        // a set built without ages answers None for every name
        let bare = NameSet::from_vec(NameSet::build(["a"], "t", "d")).unwrap();
        assert!(bare.contains("a") && bare.age("a").is_none());
        for (v, w) in [
            ("1.0", "2026-13"),
            ("1.0", "1999-12"),
            ("1.0", "soon"),
            ("1 0", "2020-01"),
            ("1.0", "2020-02-32"),
        ] {
            assert!(NameAge::parse(v, w).is_err(), "{v} {w}");
        }
    }

    /// Names at the column's block edges and between them are found with their facts;
    /// `ages_all` (a name at a time, and sorted for a large batch) and `listing_all` answer as
    /// `age` does.
    #[test]
    fn ages_in_the_column_are_found_by_rank() {
        let names: Vec<String> = (0..1000).map(|i| format!("n{i:04}")).collect();
        let age = |i: usize| match i % 5 {
            0 => None,
            1 => Some(NameAge::parse("1.0", "2015-03").unwrap()),
            2 => Some(NameAge::parse("", "2026-12-03").unwrap()),
            3 => Some(NameAge::parse(&format!("0.{i}"), "").unwrap()),
            _ => Some(NameAge::parse(&format!("2.{}", i % 7), "2024-01").unwrap()),
        };
        let rows: Vec<(&str, Option<NameAge>)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), age(i)))
            .collect();
        let column = NameSet::from_vec(NameSet::build_with_ages(rows, "t", "d")).unwrap();
        let mut asked: Vec<&str> = names.iter().map(String::as_str).collect();
        asked.extend(["absent", "n0000x", "", "n9999", "a"]);
        asked.reverse();
        for (i, n) in names.iter().enumerate() {
            assert_eq!(column.age(n), age(i), "{n}");
        }
        let all = column.ages_all(&asked);
        for (n, a) in asked.iter().zip(&all) {
            assert_eq!(column.age(n), *a, "{n}");
        }
        // past SORTED_MIN: the sorted batch's cursor
        let many: Vec<&str> = asked.iter().cycle().take(3 * SORTED_MIN).copied().collect();
        let expected: Vec<Option<NameAge>> = all.iter().cycle().take(many.len()).cloned().collect();
        assert_eq!(column.ages_all(&many), expected);
        assert_eq!(column.age("absent"), None);
        let batch = NameBatch::new(&asked);
        let listed = column.listing_all(&batch);
        for ((n, l), a) in asked.iter().zip(&listed).zip(&all) {
            assert_eq!(l.listed, column.contains(n), "{n}");
            let listed = l.age;
            assert_eq!(column.listed_age(listed).as_ref(), a.as_ref(), "{n}");
            assert_eq!(
                column.listed_facts(listed),
                a.as_ref().map(NameAge::facts),
                "{n}"
            );
        }
    }

    /// A name set whose names are an fst (as written before the dictionary) is refused with
    /// an error that says `db update` writes it anew, never read as a dictionary.
    #[test]
    fn a_name_set_of_the_fst_format_is_refused() {
        let meta = Meta {
            kind: NameSet::KIND.into(),
            source: "t".into(),
            created: "d".into(),
            names: 2,
            records: 0,
            verdicts: None,
        };
        let fst = MapBuilder::memory();
        let mut fst = fst;
        fst.insert("a", 0).unwrap();
        fst.insert("b", 1).unwrap();
        let fst = fst.into_inner().unwrap();
        let column = AgeColumn::build(&[0, 0], b"");
        let err = NameSet::from_vec(join(&meta, &fst, &column)).err().unwrap();
        assert!(matches!(err, StoreError::OldFormat));
        assert!(err.to_string().contains("db update"), "{err}");
        // and a count that the dictionary does not hold is refused too
        let bytes = NameSet::build(["a", "b"], "t", "d");
        let parts = split(&bytes, NameSet::KIND).unwrap();
        let mut three = parts.meta.clone();
        three.names = 3;
        assert!(NameSet::from_vec(join(&three, parts.index, parts.blob)).is_err());
    }

    /// The embedded snapshot carries `shared/data/pypi-latest.tsv`'s facts.
    #[test]
    fn embedded_snapshot_knows_ages() {
        let names = NameSet::embedded();
        let zero = names.age("0").unwrap();
        assert_eq!(zero.latest_version.as_deref(), Some("0.0.0"));
        assert_eq!(zero.latest_month.as_deref(), Some("2017-08"));
        assert!(names.age("requests").unwrap().latest_month.is_some());
        assert_eq!(names.age("reqeusts"), None);
    }

    #[test]
    fn embedded_snapshot_loads() {
        let names = NameSet::embedded();
        assert!(names.len() > 800_000);
        assert!(names.contains("requests"));
        assert!(!names.contains("reqeusts"));
    }
}
