//! Data files: the PyPI name snapshot and the imported malicious-package reports, as they are
//! embedded in the binary and as `squatguard db update` caches them.
//!
//! Both use one container, read without parsing its bulk, so a check's start-up does not grow
//! with the data:
//!
//! ```text
//! file   = magic meta-len meta fst-len fst blob
//! magic  = "SGDB" 0x01
//! meta   = JSON (u32 little-endian length first): kind, source, created, counts
//! fst    = names: an fst map (name -> age facts, 0 when none); reports: an fst map
//!          (name -> byte offset into blob); u64 length first
//! blob   = names: the version table, each version ended by '\n' (may be empty);
//!          reports: one JSON line per package name, a list of reports
//! ```
//!
//! A name's age facts ([`NameAge`]) are one u64: 0 none; `1 << 40 | day` (days since
//! 1970-01-01) for a name `db update` first saw that day; otherwise `version << 10 | month`,
//! `version` the byte offset plus one of the latest version in the version table (0: not
//! known), `month` the month of that release as months since 2000-01 plus one (0: not known).
//! A name set without ages (older files) has every value 0.
//!
//! A lookup walks the fst in place; for reports, only the matched package's line is parsed.

use crate::advisory::{Advisory, AdvisoryDb, Affected};
use fst::{Map, MapBuilder, Set};
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
    #[error("cannot read: {0}")]
    Io(String),
    #[error("corrupt report for `{name}`: {message}")]
    Record { name: String, message: String },
}

/// A data file's bytes: read into memory, or the cached name set mapped ([`NameSet::open`]).
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

/// A byte range of a file's bytes, shared without copying: the fst and the blob of a data
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
    fst: &'a [u8],
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
    let fst = rest.get(..len).ok_or(StoreError::Truncated)?;
    Ok(Parts {
        meta,
        fst,
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

fn join(meta: &Meta, fst: &[u8], blob: &[u8]) -> Vec<u8> {
    let meta = serde_json::to_vec(meta).expect("metadata serialises");
    let mut out = Vec::with_capacity(MAGIC.len() + 12 + meta.len() + fst.len() + blob.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(meta.len() as u32).to_le_bytes());
    out.extend_from_slice(&meta);
    out.extend_from_slice(&(fst.len() as u64).to_le_bytes());
    out.extend_from_slice(fst);
    out.extend_from_slice(blob);
    out
}

/// Many names to look up at once. They are walked in byte order, each from where the previous
/// name's path through the fst parts from it: the shared prefix is not walked again, so a
/// sorted registry listing costs about one step per name (what a merge with the set's stream
/// cost) and a shuffled one no more than a lookup per name. (The merge it replaces streamed
/// every key between the first and last name: a chunk of shuffled names spans nearly the whole
/// set, so a shuffled whole-registry audit streamed the set once per chunk, 3.2x slower.)
pub struct NameBatch<'a> {
    names: &'a [&'a str],
    /// Indices of `names` in byte order of the names.
    order: Vec<usize>,
}

impl<'a> NameBatch<'a> {
    pub fn new(names: &'a [&'a str]) -> NameBatch<'a> {
        let mut order: Vec<usize> = (0..names.len()).collect();
        // stable sort: a sorted input (a registry listing) is one run, sorted in linear time
        order.sort_by(|&a, &b| names[a].cmp(names[b]));
        NameBatch { names, order }
    }

    /// For each name, whether `fst` holds it as a key.
    fn lookup<D: AsRef<[u8]>>(&self, fst: &fst::raw::Fst<D>) -> Vec<bool> {
        let mut out = vec![false; self.names.len()];
        // path[k]: the node reached after the first k bytes of `prev`
        let mut path = vec![fst.root()];
        let mut prev: &[u8] = &[];
        for &i in &self.order {
            let name = self.names[i].as_bytes();
            let shared = prev
                .iter()
                .zip(name)
                .take_while(|(a, b)| a == b)
                .count()
                .min(path.len() - 1);
            path.truncate(shared + 1);
            for &b in &name[shared..] {
                let node = path[path.len() - 1];
                match node.find_input(b) {
                    Some(t) => path.push(fst.node(node.transition_addr(t))),
                    None => break,
                }
            }
            out[i] = path.len() == name.len() + 1 && path[name.len()].is_final();
            prev = name;
        }
        out
    }
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

/// `YYYY-MM` (or the month of a longer date) as months since 2000-01 plus one.
pub fn month_code(s: &str) -> Option<u64> {
    let y: u64 = s.get(0..4)?.parse().ok()?;
    let m: u64 = s.get(5..7)?.parse().ok()?;
    let valid = s.as_bytes().get(4) == Some(&b'-')
        && (1..=12).contains(&m)
        && (2000..2085).contains(&y)
        && (s.len() == 7 || crate::data::days_from_date(s).is_some());
    valid.then(|| (y - 2000) * 12 + m)
}

fn month_text(code: u64) -> String {
    format!("{:04}-{:02}", 2000 + (code - 1) / 12, (code - 1) % 12 + 1)
}

impl NameAge {
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

    /// The facts as one fst value, with `version_at` the version's offset plus one in the
    /// version table (0: none).
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
        let at = value >> MONTH_BITS;
        let latest_version = (at > 0)
            .then(|| {
                let rest = versions.get(usize::try_from(at - 1).ok()?..)?;
                let end = rest.iter().position(|&b| b == b'\n')?;
                std::str::from_utf8(&rest[..end]).ok().map(str::to_owned)
            })
            .flatten();
        Some(NameAge {
            latest_version,
            latest_month: (month > 0).then(|| month_text(month)),
            first_seen: None,
            releases: None,
        })
    }
}

/// Every PyPI project name, normalised, with what the listing says of its age.
pub struct NameSet {
    set: Set<Bytes>,
    /// The version table ([`NameAge`]).
    versions: Bytes,
    pub meta: Meta,
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
        Ok(NameSet {
            set: Set::new(Bytes::Static(parts.fst))?,
            versions: Bytes::Static(parts.blob),
            meta: parts.meta,
        })
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
    /// lookup walks are ever loaded (a check reads a few pages of a file of megabytes). It is
    /// checked as [`NameSet::from_vec`] checks bytes read whole. None when there is no file.
    pub fn open(path: &std::path::Path) -> Result<Option<NameSet>, StoreError> {
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StoreError::Io(e.to_string())),
        };
        // SAFETY: a mapped file must not change while it is mapped, or the bytes behind the
        // fst's `&[u8]` change under it. This file is the cache `squatguard db update` writes:
        // always whole to a temporary file, synced, then renamed over this path, never written
        // in place, so an update replaces the directory entry while this map keeps the old,
        // unchanged file alive. The data directory is the user's own (`--data-dir`,
        // `SQUATGUARD_DATA_DIR` or the platform cache), never taken from a checked repository.
        // What this cannot rule out is another program with the user's rights writing into or
        // truncating the file while a check runs: reading a page past a truncation raises SIGBUS
        // and the process dies (no answer rather than a wrong one); bytes rewritten in place
        // break the promise of an unchanging `&[u8]` (undefined behaviour in Rust's terms; in
        // practice wrong answers or a panic), which that program could as well cause by
        // replacing the cache outright. That is the bargain ripgrep makes for the files it maps. Mapping changes how the bytes are
        // read, not what is trusted: they are still checked below (header, metadata, kind,
        // lengths, the fst's own header) exactly as bytes read whole, since a file at rest can
        // be cut, corrupt or of another format.
        #[allow(unsafe_code)]
        let map = unsafe { memmap2::Mmap::map(&file) };
        let map = map.map_err(|e| StoreError::Io(e.to_string()))?;
        Self::from_buffer(Buffer::Mapped(map)).map(Some)
    }

    fn from_buffer(bytes: Buffer) -> Result<NameSet, StoreError> {
        let buf = std::sync::Arc::new(bytes);
        let parts = split(&buf, Self::KIND)?;
        let fst = Section::of(&buf, parts.fst);
        let versions = Section::of(&buf, parts.blob);
        Ok(NameSet {
            set: Set::new(Bytes::File(fst))?,
            versions: Bytes::File(versions),
            meta: parts.meta,
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
        let mut builder = MapBuilder::memory();
        for (n, age) in &all {
            let value = age.as_ref().map_or(0, |a| {
                let version = a.latest_version.as_deref().and_then(|v| at.get(v));
                a.pack(version.copied().unwrap_or(0))
            });
            builder.insert(n, value).expect("sorted, unique input");
        }
        let fst = builder.into_inner().expect("in-memory fst");
        let meta = Meta {
            kind: Self::KIND.into(),
            source: source.into(),
            created: created.into(),
            names: all.len() as u64,
            records: 0,
        };
        join(&meta, &fst, &blob)
    }

    /// What the listing says of a name's age; None for a name it does not have, or has
    /// without facts.
    pub fn age(&self, normalised: &str) -> Option<NameAge> {
        let value = self.set.as_fst().get(normalised)?.value();
        NameAge::unpack(value, self.versions.as_ref())
    }

    pub fn contains(&self, normalised: &str) -> bool {
        self.set.contains(normalised)
    }

    /// Membership of many names at once (see [`NameBatch`]).
    pub fn contains_all(&self, batch: &NameBatch<'_>) -> Vec<bool> {
        batch.lookup(self.set.as_fst())
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// Iterates the names in byte order (for audits and tests).
    pub fn for_each(&self, mut f: impl FnMut(&str)) {
        use fst::Streamer;
        let mut stream = self.set.stream();
        while let Some(key) = stream.next() {
            if let Ok(s) = std::str::from_utf8(key) {
                f(s);
            }
        }
    }
}

/// Imported reports: an index by name, parsed per name on demand.
pub struct ReportStore {
    map: Map<Section>,
    blob: Blob,
    pub meta: Meta,
}

/// Where the reports' lines are: in memory, or still in the cache file.
enum Blob {
    Memory(Section),
    File {
        file: std::sync::Mutex<std::fs::File>,
        /// Where the blob starts in the file, and its length.
        start: u64,
        len: u64,
    },
}

impl Blob {
    /// The line that starts `offset` bytes into the blob.
    fn line(&self, offset: u64) -> Result<std::borrow::Cow<'_, [u8]>, String> {
        use std::io::{Read, Seek};
        let out_of_range = || "offset out of range".to_owned();
        match self {
            Blob::Memory(section) => {
                let rest = usize::try_from(offset)
                    .ok()
                    .and_then(|o| section.as_ref().get(o..))
                    .ok_or_else(out_of_range)?;
                let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
                Ok(std::borrow::Cow::Borrowed(&rest[..end]))
            }
            Blob::File { file, start, len } => {
                if offset >= *len {
                    return Err(out_of_range());
                }
                let mut file = file.lock().map_err(|_| "a reader panicked".to_owned())?;
                file.seek(std::io::SeekFrom::Start(start + offset))
                    .map_err(|e| e.to_string())?;
                let mut reader = std::io::Read::by_ref(&mut *file).take(len - offset);
                let mut line = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = reader.read(&mut chunk).map_err(|e| e.to_string())?;
                    match chunk[..n].iter().position(|&b| b == b'\n') {
                        Some(end) => {
                            line.extend_from_slice(&chunk[..end]);
                            break;
                        }
                        None if n == 0 => break,
                        None => line.extend_from_slice(&chunk[..n]),
                    }
                }
                Ok(std::borrow::Cow::Owned(line))
            }
        }
    }
}

/// One report as stored: bounds written as `[1.0` (included), `(1.0` (excluded), `` (none).
/// An empty or absent `summary` is a report kept as facts only; an empty or absent `source`
/// is the report's page on osv.dev ([`osv_page`]), which most reports' source is.
#[derive(Serialize, Deserialize)]
struct Stored {
    id: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    summary: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    source: String,
    /// None (or absent): every version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ranges: Option<Vec<(String, String)>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
        let (fst, blob) = (Section::of(&buf, parts.fst), Section::of(&buf, parts.blob));
        Ok(ReportStore {
            map: Map::new(fst)?,
            blob: Blob::Memory(blob),
            meta: parts.meta,
        })
    }

    /// Opens a cached reports file: the header and the name index are read, the reports
    /// themselves a line at a time when a name has some (a check reads a few lines of a file of
    /// megabytes). None when there is no file.
    pub fn open(path: &std::path::Path) -> Result<Option<ReportStore>, StoreError> {
        use std::io::Read;
        let mut file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StoreError::Io(e.to_string())),
        };
        let size = file
            .metadata()
            .map_err(|e| StoreError::Io(e.to_string()))?
            .len();
        // the head (magic, metadata, index), read piece by piece: each length is checked
        // against the file's size before anything that large is read
        let mut head = Vec::new();
        let mut read = |n: u64, head: &mut Vec<u8>| -> Result<(), StoreError> {
            if head.len() as u64 + n > size {
                return Err(StoreError::Truncated);
            }
            let at = head.len();
            head.resize(at + n as usize, 0);
            file.read_exact(&mut head[at..])
                .map_err(|e| StoreError::Io(e.to_string()))
        };
        read(MAGIC.len() as u64 + 4, &mut head)?;
        let at = MAGIC.len();
        let meta_len = u32::from_le_bytes(head[at..at + 4].try_into().expect("4 bytes"));
        read(u64::from(meta_len) + 8, &mut head)?;
        let at = head.len() - 8;
        let fst_len = u64::from_le_bytes(head[at..].try_into().expect("8 bytes"));
        read(fst_len, &mut head)?;
        let start = head.len() as u64;
        let buf = std::sync::Arc::new(Buffer::Read(head));
        let parts = split(&buf, Self::KIND)?;
        Ok(Some(ReportStore {
            map: Map::new(Section::of(&buf, parts.fst))?,
            blob: Blob::File {
                file: std::sync::Mutex::new(file),
                start,
                len: size - start,
            },
            meta: parts.meta,
        }))
    }

    /// Whether each name has reports (see [`NameBatch`]).
    pub fn has_reports_all(&self, batch: &NameBatch<'_>) -> Vec<bool> {
        batch.lookup(self.map.as_fst())
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
        let stored: Vec<Stored> = serde_json::from_slice(&line).map_err(|e| err(e.to_string()))?;
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
    use fst::SetBuilder;

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

    /// A cache file opened in place (its reports read a line at a time) answers as the same
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
    /// one lookup per name, for the words in order, reversed and shuffled, and the empty batch.
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
        let mut set = SetBuilder::memory();
        let mut sorted = members.clone();
        sorted.sort_unstable();
        for m in &sorted {
            set.insert(m).unwrap();
        }
        let set = Set::new(set.into_inner().unwrap()).unwrap();
        let mut query: Vec<&str> = words.iter().map(String::as_str).collect();
        let check = |query: &[&str]| {
            let single: Vec<bool> = query.iter().map(|n| set.contains(n)).collect();
            assert_eq!(NameBatch::new(query).lookup(set.as_fst()), single);
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
