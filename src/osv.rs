//! Imports OSV malicious-package reports (the OpenSSF Malicious Packages database, as served
//! by osv.dev) into an [`AdvisoryDb`].
//!
//! Sources: one OSV JSON document ([`parse_record`]), a directory tree of them ([`import_dir`],
//! e.g. a checkout of `osv/malicious/pypi`), or the OSV database's per-ecosystem `all.zip`
//! export ([`import_zip_bytes`], [`import_zip_file`]): every `*.json` file or entry is a record.
//!
//! What of the OSV schema (1.x) is read:
//! - `id`: only `MAL-*` ids are imported; others (`GHSA-`, `PYSEC-`, ...) are vulnerabilities,
//!   not malware, and are counted in [`Skipped::not_malicious`];
//! - `withdrawn`: a record that has one (any value but `null`) is skipped;
//! - `affected[]`: entries whose `package.ecosystem` is exactly `PyPI`; the package name is
//!   normalised as PEP 503 says. The affected releases of a package are the union of its
//!   `versions` list and its `ranges[]` of type `ECOSYSTEM` (and `SEMVER`, read as PEP 440
//!   where it parses), with `introduced` (`"0"`: from the beginning), `fixed` (exclusive) and
//!   `last_affected` (inclusive) events; events are evaluated in version order, as the schema
//!   says. An entry with neither versions nor such ranges covers every release (the OSV
//!   convention for malicious packages), and so does an unbounded range from `"0"`;
//! - `summary`, `details`: the advisory's one-line summary. The database's summaries are
//!   almost all the generic "Malicious code in NAME (PyPI)", so for those the first paragraph
//!   of `details` is used, without the database's boilerplate (the `---` rule, the "Per source
//!   details" marker and `## Source: ...` headings);
//! - `references[]`: the first `REPORT`, `ADVISORY` or `WEB` url, in the record's order, is the
//!   advisory's source; without one, the record's page on osv.dev.
//!
//! - `published`: its day (`YYYY-MM-DD`), when it is a valid date.
//!
//! Ignored: `GIT` ranges and `limit` events, `aliases`, `related`, `severity`, `credits`,
//! `modified`, `schema_version`, `ecosystem_specific` and `database_specific`
//! (including the per-source origins), and every field this list does not name.
//!
//! A malformed record becomes a [`RecordError`] in [`Import::errors`], an unparseable version
//! in an otherwise good one a [`RecordError`] in [`Import::warnings`]; both name the file, and
//! the rest of the source is still imported. Only a source that cannot be read as a whole (a
//! missing directory, a corrupt zip) or that holds no JSON file at all is an [`OsvError`].

use crate::advisory::{Advisory, AdvisoryDb, Affected};
use crate::name::normalize;
use pep440_rs::Version;
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::borrow::Cow;
use std::io::{Cursor, Read};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use version_ranges::Ranges;

/// Largest record read from a zip; an OSV report is a few kilobytes.
const MAX_RECORD_BYTES: u64 = 16 << 20;

/// Longest summary kept, in characters.
const MAX_SUMMARY_CHARS: usize = 200;

/// A source that could not be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum OsvError {
    #[error("cannot read {}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{origin}: not a readable zip archive: {message}")]
    Zip { origin: String, message: String },
    #[error("{origin}: zip entry `{entry}` is corrupt: {message}")]
    ZipEntry {
        origin: String,
        entry: String,
        message: String,
    },
    #[error("{origin}: no OSV records (*.json files) found")]
    Empty { origin: String },
    /// A single document given to [`parse_record`] is not an OSV record.
    #[error(transparent)]
    Record(#[from] RecordError),
}

/// A problem with one file of a source; the other files are still imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct RecordError {
    /// The path, or the zip entry's name.
    pub file: String,
    pub message: String,
}

/// Records read but not imported, by reason.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Skipped {
    /// Records with a `withdrawn` time.
    pub withdrawn: usize,
    /// Ids not starting with `MAL-`.
    pub not_malicious: usize,
    /// `MAL-` records with no `PyPI` package.
    pub not_pypi: usize,
}

/// The result of importing a directory or a zip.
#[derive(Debug, Default)]
pub struct Import {
    pub db: AdvisoryDb,
    /// `MAL-` records imported (one record may name several packages).
    pub records: usize,
    pub skipped: Skipped,
    /// Files that could not be imported (malformed JSON, not an OSV record, unreadable).
    pub errors: Vec<RecordError>,
    /// Parts of imported records that were left out (a version or range bound that is not
    /// PEP 440, such as the pre-PEP 440 `v_05` PyPI once accepted), each naming its file.
    pub warnings: Vec<RecordError>,
}

/// Parses one OSV JSON document. `origin` names it in errors.
///
/// Returns one advisory per PyPI package the record names, or none when the record is
/// withdrawn, not a `MAL-` report, or names no PyPI package. Unparseable versions are left
/// out (the directory and zip importers report them in [`Import::warnings`]).
pub fn parse_record(json: &[u8], origin: &str) -> Result<Vec<Advisory>, OsvError> {
    let mut notes = Vec::new();
    match parse(json, origin, &mut notes)? {
        Parsed::Advisories(list) => Ok(list),
        Parsed::Withdrawn | Parsed::NotMalicious | Parsed::NotPypi => Ok(Vec::new()),
    }
}

/// Imports every `*.json` file under `dir`, recursively (symbolic links to directories are
/// not followed).
pub fn import_dir(dir: &Path) -> Result<Import, OsvError> {
    let mut files = Vec::new();
    collect_json(dir, &mut files)?;
    files.sort();
    let mut importer = Importer::default();
    for path in &files {
        let file = path.display().to_string();
        match std::fs::read(path) {
            Ok(bytes) => importer.add(&file, &bytes),
            Err(e) => {
                importer.files += 1;
                importer.import.errors.push(RecordError {
                    file,
                    message: format!("cannot read: {e}"),
                });
            }
        }
    }
    importer.finish(&dir.display().to_string())
}

fn collect_json(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), OsvError> {
    let io_err = |source| OsvError::Io {
        path: dir.to_path_buf(),
        error: source,
    };
    for entry in std::fs::read_dir(dir).map_err(io_err)? {
        let entry = entry.map_err(io_err)?;
        let kind = entry.file_type().map_err(io_err)?;
        let path = entry.path();
        if kind.is_dir() {
            collect_json(&path, out)?;
        } else if is_json_name(&entry.file_name().to_string_lossy()) {
            out.push(path);
        }
    }
    Ok(())
}

fn is_json_name(name: &str) -> bool {
    name.len() > ".json".len() && name.as_bytes()[name.len() - 5..].eq_ignore_ascii_case(b".json")
}

/// Imports an OSV `all.zip` export held in memory. `origin` names it in errors.
///
/// Every `*.json` entry is a record, at any depth. A zip that cannot be read, or an entry
/// that cannot be decompressed, fails the whole import.
pub fn import_zip_bytes(bytes: &[u8], origin: &str) -> Result<Import, OsvError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| OsvError::Zip {
        origin: origin.to_owned(),
        message: e.to_string(),
    })?;
    let mut importer = Importer::default();
    let mut name = String::new();
    let mut buf = Vec::new();
    for index in 0..archive.len() {
        match archive.name_for_index(index) {
            Some(n) if is_json_name(n) && !n.ends_with('/') => {
                name.clear();
                name.push_str(n);
            }
            _ => continue,
        }
        let corrupt = |message: String| OsvError::ZipEntry {
            origin: origin.to_owned(),
            entry: name.clone(),
            message,
        };
        let mut entry = archive
            .by_index(index)
            .map_err(|e| corrupt(e.to_string()))?;
        if entry.is_dir() {
            continue;
        }
        buf.clear();
        let declared = entry.size();
        if declared <= MAX_RECORD_BYTES {
            buf.reserve(declared as usize);
            (&mut entry)
                .take(MAX_RECORD_BYTES + 1)
                .read_to_end(&mut buf)
                .map_err(|e| corrupt(e.to_string()))?;
        }
        drop(entry);
        if declared > MAX_RECORD_BYTES || buf.len() as u64 > MAX_RECORD_BYTES {
            importer.files += 1;
            importer.import.errors.push(RecordError {
                file: name.clone(),
                message: format!("larger than {MAX_RECORD_BYTES} bytes; not read"),
            });
            continue;
        }
        importer.add(&name, &buf);
    }
    importer.finish(origin)
}

/// Imports an OSV `all.zip` export from a file.
pub fn import_zip_file(path: &Path) -> Result<Import, OsvError> {
    let bytes = std::fs::read(path).map_err(|source| OsvError::Io {
        path: path.to_path_buf(),
        error: source,
    })?;
    import_zip_bytes(&bytes, &path.display().to_string())
}

#[derive(Default)]
struct Importer {
    import: Import,
    /// JSON files seen, good or bad.
    files: usize,
}

impl Importer {
    fn add(&mut self, file: &str, json: &[u8]) {
        self.files += 1;
        let import = &mut self.import;
        match parse(json, file, &mut import.warnings) {
            Ok(Parsed::Advisories(list)) => {
                import.records += 1;
                for advisory in list {
                    import.db.insert(advisory);
                }
            }
            Ok(Parsed::Withdrawn) => import.skipped.withdrawn += 1,
            Ok(Parsed::NotMalicious) => import.skipped.not_malicious += 1,
            Ok(Parsed::NotPypi) => import.skipped.not_pypi += 1,
            Err(e) => import.errors.push(e),
        }
    }

    fn finish(self, origin: &str) -> Result<Import, OsvError> {
        if self.files == 0 {
            return Err(OsvError::Empty {
                origin: origin.to_owned(),
            });
        }
        Ok(self.import)
    }
}

/// Where the embedded feed (`data/osv-malicious.sgdb`) comes from, as its metadata says.
pub const EMBEDDED_SOURCE: &str = "OpenSSF Malicious Packages (Apache-2.0), facts only: shared/data/osv-pypi-malicious.zip and the name-only rows of shared/data/pypi-malicious.tsv";
/// The date of the zip the embedded feed is built from.
pub const EMBEDDED_CREATED: &str = "2026-11-26";

/// Builds the embedded feed's file (`data/osv-malicious.sgdb`, regenerated by `scripts/gen-data`)
/// from an OSV zip export of PyPI malicious-package reports and the rows of a
/// `pypi-malicious.tsv` (`name id versions published summary`, one header line; see
/// `shared/data/README.md`). Facts only: each report's package name, affected releases, id and
/// day of publication; no summary, details or reference text. The zip is read as `db update
/// --osv` reads it ([`import_zip_bytes`]); a TSV row with empty `versions` (a name-only report)
/// whose name the zip has no report on is added as a report on every release. A zip with bad
/// records, or a malformed row, is an error: the embedded data is built whole or not at all.
pub fn build_embedded(zip: &[u8], tsv: &str) -> Result<Vec<u8>, String> {
    let import = import_zip_bytes(zip, "osv-pypi-malicious.zip").map_err(|e| e.to_string())?;
    if let Some(e) = import.errors.first() {
        return Err(e.to_string());
    }
    let mut db = AdvisoryDb::default();
    for name in import.db.names() {
        for a in import.db.get(name) {
            db.insert(Advisory {
                summary: String::new(),
                source: a
                    .id
                    .as_deref()
                    .map(crate::store::osv_page)
                    .unwrap_or_default(),
                ..a.clone()
            });
        }
    }
    let mut records = import.records as u64;
    for (i, row) in tsv.lines().enumerate().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        let [name, id, versions, published, ..] = cols.as_slice() else {
            return Err(format!(
                "pypi-malicious.tsv:{}: fewer than 4 columns",
                i + 1
            ));
        };
        let name: String = normalize(name).into();
        if !versions.is_empty() || name.is_empty() || !import.db.get(&name).is_empty() {
            continue;
        }
        if !id.starts_with("MAL-") {
            return Err(format!(
                "pypi-malicious.tsv:{}: id `{id}` is not MAL-",
                i + 1
            ));
        }
        records += 1;
        db.insert(Advisory {
            name,
            id: Some((*id).to_owned()),
            affected: Affected::All,
            summary: String::new(),
            source: crate::store::osv_page(id),
            published: published
                .get(..10)
                .filter(|d| crate::data::days_from_date(d).is_some())
                .map(str::to_owned),
        });
    }
    Ok(crate::store::ReportStore::build(
        &db,
        records,
        EMBEDDED_SOURCE,
        EMBEDDED_CREATED,
    ))
}

/// A JSON string, borrowed from the document unless it has escapes.
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow)]
    id: Text<'a>,
    #[serde(default, borrow)]
    summary: Option<Text<'a>>,
    #[serde(default, borrow)]
    details: Option<Text<'a>>,
    #[serde(default)]
    withdrawn: Option<IgnoredAny>,
    #[serde(default, borrow)]
    published: Option<Text<'a>>,
    #[serde(default, borrow)]
    affected: Vec<AffectedEntry<'a>>,
    #[serde(default, borrow)]
    references: Vec<Reference<'a>>,
}

#[derive(Deserialize)]
struct AffectedEntry<'a> {
    #[serde(default, borrow)]
    package: Option<Package<'a>>,
    #[serde(default, borrow)]
    ranges: Vec<Range<'a>>,
    #[serde(default, borrow)]
    versions: Vec<Text<'a>>,
}

#[derive(Deserialize)]
struct Package<'a> {
    #[serde(borrow)]
    ecosystem: Text<'a>,
    #[serde(borrow)]
    name: Text<'a>,
}

#[derive(Deserialize)]
struct Range<'a> {
    #[serde(rename = "type", borrow)]
    kind: Text<'a>,
    #[serde(default, borrow)]
    events: Vec<Event<'a>>,
}

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(default, borrow)]
    introduced: Option<Text<'a>>,
    #[serde(default, borrow)]
    fixed: Option<Text<'a>>,
    #[serde(default, borrow)]
    last_affected: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct Reference<'a> {
    #[serde(rename = "type", borrow)]
    kind: Text<'a>,
    #[serde(borrow)]
    url: Text<'a>,
}

enum Parsed {
    Withdrawn,
    NotMalicious,
    NotPypi,
    Advisories(Vec<Advisory>),
}

/// One package's affected releases while a record is read.
struct Releases {
    name: String,
    all: bool,
    ranges: Ranges<Version>,
}

fn parse(json: &[u8], file: &str, notes: &mut Vec<RecordError>) -> Result<Parsed, RecordError> {
    let record: Record = serde_json::from_slice(json).map_err(|e| RecordError {
        file: file.to_owned(),
        message: format!("not a valid OSV record: {e}"),
    })?;
    if record.withdrawn.is_some() {
        return Ok(Parsed::Withdrawn);
    }
    if !record.id.starts_with("MAL-") {
        return Ok(Parsed::NotMalicious);
    }
    let mut note = |message: String| {
        notes.push(RecordError {
            file: file.to_owned(),
            message: format!("{}: {message}", &*record.id),
        })
    };
    let mut packages: Vec<Releases> = Vec::new();
    for entry in &record.affected {
        let Some(package) = &entry.package else {
            continue;
        };
        if &*package.ecosystem != "PyPI" {
            continue;
        }
        let name: String = normalize(&package.name).into();
        if name.is_empty() {
            note("a PyPI package with an empty name; ignored".into());
            continue;
        }
        let (all, ranges) = entry_releases(entry, &name, &mut note);
        match packages.iter_mut().find(|p| p.name == name) {
            Some(p) => {
                p.all |= all;
                if !p.all {
                    p.ranges = p.ranges.union(&ranges);
                }
            }
            None => packages.push(Releases { name, all, ranges }),
        }
    }
    if packages.is_empty() {
        return Ok(Parsed::NotPypi);
    }
    let summary = summary(&record);
    let source = record
        .references
        .iter()
        .find(|r| matches!(&*r.kind, "REPORT" | "ADVISORY" | "WEB") && !r.url.trim().is_empty())
        .map_or_else(
            || format!("https://osv.dev/vulnerability/{}", &*record.id),
            |r| r.url.trim().to_owned(),
        );
    // the day: `2023-02-10T20:48:05Z` is kept as `2023-02-10`
    let published = record
        .published
        .as_deref()
        .and_then(|p| p.trim().get(..10))
        .filter(|d| crate::data::days_from_date(d).is_some())
        .map(str::to_owned);
    let list = packages
        .into_iter()
        .map(|p| Advisory {
            name: p.name,
            id: Some(record.id.to_string()),
            affected: if p.all || p.ranges == Ranges::full() {
                Affected::All
            } else {
                Affected::Some(p.ranges)
            },
            summary: summary.clone(),
            source: source.clone(),
            published: published.clone(),
        })
        .collect();
    Ok(Parsed::Advisories(list))
}

/// The releases one `affected[]` entry covers: (every release, or these ranges).
fn entry_releases(
    entry: &AffectedEntry,
    name: &str,
    note: &mut impl FnMut(String),
) -> (bool, Ranges<Version>) {
    let mut ranges = Ranges::empty();
    let mut stated = !entry.versions.is_empty();
    let mut usable = false;
    for v in &entry.versions {
        match Version::from_str(v.trim()) {
            Ok(version) => {
                ranges = ranges.union(&Ranges::singleton(version));
                usable = true;
            }
            Err(e) => note(format!("{name}: version `{}` skipped: {e}", &**v)),
        }
    }
    for range in &entry.ranges {
        if !matches!(&*range.kind, "ECOSYSTEM" | "SEMVER") {
            continue;
        }
        stated = true;
        match range_releases(&range.events) {
            Ok(r) => {
                ranges = ranges.union(&r);
                usable = true;
            }
            Err(e) => note(format!("{name}: {} range skipped: {e}", &*range.kind)),
        }
    }
    if !stated {
        return (true, Ranges::empty());
    }
    if !usable {
        note(format!(
            "{name}: no usable version or range; treated as every release"
        ));
        return (true, Ranges::empty());
    }
    (false, ranges)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EventKind {
    Introduced,
    Fixed,
    LastAffected,
}

/// The releases an OSV range covers. Events are taken in version order (the schema does not
/// require them sorted); `None` is `introduced: "0"`, before every release.
fn range_releases(events: &[Event]) -> Result<Ranges<Version>, String> {
    let mut points: Vec<(EventKind, Option<Version>)> = Vec::with_capacity(events.len());
    for event in events {
        let fields = [
            (EventKind::Introduced, &event.introduced),
            (EventKind::Fixed, &event.fixed),
            (EventKind::LastAffected, &event.last_affected),
        ];
        for (kind, value) in fields {
            let Some(value) = value else { continue };
            let value = value.trim();
            if kind == EventKind::Introduced && value == "0" {
                points.push((kind, None));
                continue;
            }
            let version =
                Version::from_str(value).map_err(|e| format!("version `{value}`: {e}"))?;
            points.push((kind, Some(version)));
        }
    }
    // stable: equal versions keep the record's order; `None` sorts first
    points.sort_by(|a, b| a.1.cmp(&b.1));
    let mut out = Ranges::empty();
    let mut open: Option<Bound<Version>> = None;
    for (kind, version) in points {
        match kind {
            EventKind::Introduced => {
                if open.is_none() {
                    open = Some(version.map_or(Bound::Unbounded, Bound::Included));
                }
            }
            EventKind::Fixed | EventKind::LastAffected => {
                let (Some(lo), Some(v)) = (open.take(), version) else {
                    continue;
                };
                let hi = if kind == EventKind::Fixed {
                    Bound::Excluded(v)
                } else {
                    Bound::Included(v)
                };
                out = out.union(&Ranges::from_range_bounds((lo, hi)));
            }
        }
    }
    if let Some(lo) = open {
        out = out.union(&Ranges::from_range_bounds((lo, Bound::Unbounded)));
    }
    Ok(out)
}

/// The record's summary, or the first paragraph of its details when the summary is the
/// generic "Malicious code in NAME (PyPI)".
fn summary(record: &Record) -> String {
    let own = record.summary.as_deref().map(str::trim).unwrap_or("");
    let generic =
        own.is_empty() || (own.starts_with("Malicious code in ") && own.ends_with("(PyPI)"));
    if generic {
        if let Some(paragraph) = record.details.as_deref().and_then(first_paragraph) {
            return paragraph;
        }
    }
    if own.is_empty() {
        return format!("reported as malicious ({})", &*record.id);
    }
    one_line(own.split_whitespace())
}

/// The first paragraph of `details` that is not the database's boilerplate, on one line.
fn first_paragraph(details: &str) -> Option<String> {
    let mut words: Vec<&str> = Vec::new();
    for line in details.lines() {
        let line = line.trim();
        let boilerplate =
            line == "---" || line.contains("Per source details") || line.starts_with("## Source:");
        if line.is_empty() || boilerplate {
            if !words.is_empty() {
                break;
            }
            continue;
        }
        words.extend(line.split_whitespace());
    }
    (!words.is_empty()).then(|| one_line(words.into_iter()))
}

/// Joins words with single spaces, capped at [`MAX_SUMMARY_CHARS`] (an ellipsis marks a cut).
fn one_line<'a>(words: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for word in words {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        if out.len() > MAX_SUMMARY_CHARS * 4 {
            break;
        }
    }
    if out.chars().count() > MAX_SUMMARY_CHARS {
        let cut: String = out.chars().take(MAX_SUMMARY_CHARS - 1).collect();
        out = format!("{}…", cut.trim_end());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::from_str(s).unwrap()
    }

    #[test]
    fn unsorted_events_are_evaluated_in_version_order() {
        let json = br#"{"id":"MAL-1","affected":[{"package":{"ecosystem":"PyPI","name":"X"},
            "ranges":[{"type":"ECOSYSTEM","events":[{"fixed":"2.0"},{"introduced":"1.0"}]}]}]}"#;
        let list = parse_record(json, "t.json").unwrap();
        assert_eq!(list.len(), 1);
        assert!(list[0].affected.contains(&v("1.5")));
        assert!(!list[0].affected.contains(&v("2.0")));
        assert!(!list[0].affected.contains(&v("0.9")));
    }

    #[test]
    fn summary_from_details() {
        let json = br#"{"id":"MAL-2","summary":"Malicious code in x (PyPI)",
            "details":"\n---\n_-= Per source details. Do not edit below this line.=-_\n\n## Source: s (abc)\nFirst line\nsecond   line.\n\nLater.",
            "affected":[{"package":{"ecosystem":"PyPI","name":"x"}}]}"#;
        let list = parse_record(json, "t.json").unwrap();
        assert_eq!(list[0].summary, "First line second line.");
        assert_eq!(list[0].source, "https://osv.dev/vulnerability/MAL-2");
        assert_eq!(list[0].affected, Affected::All);
    }

    #[test]
    fn long_summary_is_capped() {
        let long = "word ".repeat(100);
        assert_eq!(one_line(long.split_whitespace()).chars().count(), 200);
        assert!(one_line(long.split_whitespace()).ends_with('…'));
        assert_eq!(one_line("a  b".split_whitespace()), "a b");
    }
}
