//! `squatguard db update` and `squatguard db status`: refresh and describe the data cache.
//!
//! Each data set is validated whole in memory, written to a temporary file in the data
//! directory and renamed over the old file, so a failed, partial or corrupt update leaves the
//! previous data in place.

use crate::data::{self, Data, Origin, NAMES_FILE, REPORTS_FILE};
use crate::download::{self, DownloadError, Progress};
use crate::osv::{self, Import, OsvError};
use crate::store::{Meta, NameAge, NameSet, ReportStore};
use std::path::{Path, PathBuf};

/// The OSV database's export of every PyPI record (malicious-package reports are the `MAL-` ones).
pub const DEFAULT_OSV_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip";
/// PyPI's simple index, asked for in its JSON form (PEP 691).
pub const DEFAULT_PYPI_NAMES_URL: &str = "https://pypi.org/simple/";
const PEP_691_ACCEPT: &str = "application/vnd.pypi.simple.v1+json, text/html;q=0.1";

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Download(#[from] DownloadError),
    #[error(transparent)]
    Osv(#[from] OsvError),
    #[error("`{source_name}`: {message}")]
    Names {
        source_name: String,
        message: String,
    },
    #[error("`{path}`: {message}")]
    Write { path: String, message: String },
    #[error("`{0}` holds no PyPI malicious-package (MAL-) reports; nothing was replaced")]
    NoReports(String),
    #[error("no data directory: set --data-dir or SQUATGUARD_DATA_DIR")]
    NoDataDir,
}

/// What to refresh, and from where (a path or a URL). Both `None`: both, from the defaults.
#[derive(Debug, Clone, Default)]
pub struct UpdateOptions {
    pub osv: Option<String>,
    pub pypi_names: Option<String>,
}

/// Progress events for the caller to show.
pub enum Event<'a> {
    Fetching {
        what: &'a str,
        source: &'a str,
    },
    Download(Progress),
    /// Something the update could not use, said once (the update goes on).
    Warning(String),
}

/// What one data set's update produced.
pub enum Updated {
    Names(Meta),
    Reports { meta: Meta, import: Box<Import> },
}

fn is_url(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.starts_with("https://") || l.starts_with("http://")
}

/// Runs the update. Each data set is independent: one that fails leaves its old file and the
/// other is still refreshed; the result holds each outcome in order (reports, then names).
pub fn update(
    dir: &Path,
    opts: &UpdateOptions,
    events: &mut dyn FnMut(Event),
) -> Vec<Result<Updated, DbError>> {
    let both = opts.osv.is_none() && opts.pypi_names.is_none();
    let mut out = Vec::new();
    if let Some(source) = opts
        .osv
        .clone()
        .or_else(|| both.then(|| DEFAULT_OSV_URL.to_owned()))
    {
        out.push(update_reports(dir, &source, events));
    }
    if let Some(source) = opts
        .pypi_names
        .clone()
        .or_else(|| both.then(|| DEFAULT_PYPI_NAMES_URL.to_owned()))
    {
        out.push(update_names(dir, &source, events));
    }
    out
}

fn update_reports(
    dir: &Path,
    source: &str,
    events: &mut dyn FnMut(Event),
) -> Result<Updated, DbError> {
    events(Event::Fetching {
        what: "malicious-package reports",
        source,
    });
    let import = if is_url(source) {
        let bytes = download::fetch(source, "application/zip", &mut |p| {
            events(Event::Download(p))
        })?;
        osv::import_zip_bytes(&bytes, source)?
    } else {
        let path = Path::new(source);
        if path.is_dir() {
            osv::import_dir(path)?
        } else {
            osv::import_zip_file(path)?
        }
    };
    if import.records == 0 {
        return Err(DbError::NoReports(source.into()));
    }
    let bytes = ReportStore::build(
        &import.db,
        import.records as u64,
        source,
        &data::now_rfc3339(),
    );
    // read it back before it replaces anything
    let store = ReportStore::from_bytes(&bytes).map_err(|e| DbError::Write {
        path: REPORTS_FILE.into(),
        message: format!("the new data does not read back: {e}"),
    })?;
    write_atomic(&dir.join(REPORTS_FILE), &bytes)?;
    Ok(Updated::Reports {
        meta: store.meta,
        import: Box::new(import),
    })
}

fn update_names(
    dir: &Path,
    source: &str,
    events: &mut dyn FnMut(Event),
) -> Result<Updated, DbError> {
    events(Event::Fetching {
        what: "PyPI project names",
        source,
    });
    let bytes = if is_url(source) {
        download::fetch(source, PEP_691_ACCEPT, &mut |p| events(Event::Download(p)))?
    } else {
        std::fs::read(source).map_err(|e| DbError::Names {
            source_name: source.into(),
            message: e.to_string(),
        })?
    };
    let rows = parse_name_rows(&bytes).map_err(|message| DbError::Names {
        source_name: source.into(),
        message,
    })?;
    let now = data::now_rfc3339();
    let rows = with_first_seen(dir, rows, &now[..10], events);
    let file = NameSet::build_with_ages(rows, source, &now);
    // the verdicts this binary's engine finds for every name, so that `check` need not search
    // for them (a binary whose engine is another ignores them: `store::Verdicts`)
    let file = match NameSet::embedded().verdicts_engine() {
        Some(engine) => {
            crate::rules::with_clear_bits(&file, Some(engine)).map_err(|e| DbError::Write {
                path: NAMES_FILE.into(),
                message: format!("the new data's verdicts: {e}"),
            })?
        }
        None => file,
    };
    let set = NameSet::from_bytes(&file).map_err(|e| DbError::Write {
        path: NAMES_FILE.into(),
        message: format!("the new data does not read back: {e}"),
    })?;
    write_atomic(&dir.join(NAMES_FILE), &file)?;
    Ok(Updated::Names(set.meta))
}

/// The age facts of the new listing: a row's own facts where it has them; else, for a name the
/// data in use already has, the facts it has there; else (a name this update adds) `today` as
/// the day it was first seen.
fn with_first_seen(
    dir: &Path,
    rows: Vec<(String, Option<NameAge>)>,
    today: &str,
    events: &mut dyn FnMut(Event),
) -> Vec<(String, Option<NameAge>)> {
    // a cache that cannot be read (damaged, or of the format before the name dictionary) is
    // replaced without what it recorded: said, not passed over
    let cached = dir.join(NAMES_FILE);
    if let Err(e) = NameSet::open(&cached) {
        events(Event::Warning(format!(
            "the cached name set `{}` cannot be read ({e}): the versions, months and first-seen \
             days it recorded are not carried over, and the names only it had count as first \
             seen today",
            cached.display()
        )));
    }
    let before = Data::load(Some(dir), u64::MAX).names;
    let keys: Vec<String> = rows
        .iter()
        .map(|(name, _)| crate::name::normalize(name).to_string())
        .collect();
    // the facts the data in use has, asked for every name at once (one pass over the set)
    let asked: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut had = before.ages_all(&asked).into_iter();
    rows.into_iter()
        .zip(keys)
        .map(|((name, age), key)| {
            let had = had.next().flatten();
            let known = age.filter(|a| a.latest_month.is_some() || a.first_seen.is_some());
            let age = match known {
                Some(a) => Some(a),
                None if before.contains(key.as_str()) => had,
                None => Some(NameAge {
                    first_seen: Some(today.to_owned()),
                    ..NameAge::default()
                }),
            };
            (name, age)
        })
        .collect()
}

/// Reads project names from a PEP 691 JSON index (`{"projects": [{"name": ...}]}`), a PEP 503
/// HTML index (`<a ...>name</a>`), or a plain list (one name per line, `#` comments).
pub fn parse_name_list(bytes: &[u8]) -> Result<Vec<String>, String> {
    Ok(parse_name_rows(bytes)?
        .into_iter()
        .map(|(n, _)| n)
        .collect())
}

/// [`parse_name_list`], where a plain list may also be a TSV of `name<TAB>version<TAB>when`
/// rows (the format of `shared/data/pypi-latest.tsv`, whose header line `name<TAB>latest_version
/// ...` is skipped): each name with its age facts ([`NameAge::parse`]). A bad row is an error
/// naming its line.
pub fn parse_name_rows(bytes: &[u8]) -> Result<Vec<(String, Option<NameAge>)>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let names: Vec<(String, Option<NameAge>)> = if trimmed.starts_with('{') {
        #[derive(serde::Deserialize)]
        struct Index {
            projects: Vec<Project>,
        }
        #[derive(serde::Deserialize)]
        struct Project {
            name: String,
        }
        let index: Index =
            serde_json::from_str(trimmed).map_err(|e| format!("not a PEP 691 JSON index: {e}"))?;
        index.projects.into_iter().map(|p| (p.name, None)).collect()
    } else if trimmed.starts_with('<') {
        let anchor = regex::Regex::new(r"(?is)<a\b[^>]*>([^<]*)</a>").expect("valid regex");
        anchor
            .captures_iter(trimmed)
            .map(|c| (c[1].trim().to_owned(), None))
            .collect()
    } else {
        let mut names = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim().trim_start_matches('\u{feff}');
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split('\t');
            let name = fields.next().unwrap_or_default().trim();
            let version = fields.next();
            if names.is_empty() && version.is_some_and(|v| NameAge::is_header(name, v)) {
                continue;
            }
            if !crate::name::is_valid(name) {
                return Err(format!(
                    "line {}: `{name}` is not a valid project name",
                    i + 1
                ));
            }
            let age = match version {
                None => None,
                Some(v) => Some(
                    NameAge::parse(v, fields.next().unwrap_or_default())
                        .map_err(|e| format!("line {}: {e}", i + 1))?,
                ),
            };
            names.push((name.to_owned(), age));
        }
        names
    };
    if let Some((bad, _)) = names.iter().find(|(n, _)| !crate::name::is_valid(n)) {
        return Err(format!("`{bad}` is not a valid project name"));
    }
    if names.is_empty() {
        return Err("no project names in it".into());
    }
    Ok(names)
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), DbError> {
    let err = |message: String| DbError::Write {
        path: path.display().to_string(),
        message,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("data"),
        std::process::id()
    ));
    let write = || -> std::io::Result<()> {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(e.to_string())
    })
}

/// What `db status` reports.
pub struct StatusReport {
    pub dir: Option<PathBuf>,
    pub names: Meta,
    pub names_origin: Origin,
    pub reports: Option<(Meta, PathBuf)>,
    /// The feed's facts embedded in the binary, under the imported feed.
    pub floor: Meta,
    pub curated: usize,
    pub warnings: Vec<String>,
}

pub fn status(dir: Option<&Path>, max_age_days: u64) -> StatusReport {
    let data = Data::load(dir, max_age_days);
    StatusReport {
        dir: dir.map(Path::to_path_buf),
        names: data.names.meta.clone(),
        names_origin: data.names_origin.clone(),
        reports: data
            .reports
            .as_ref()
            .map(|(s, p)| (s.meta.clone(), p.clone())),
        floor: data.floor.meta.clone(),
        curated: data.curated.db().len(),
        warnings: data.warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_lists_in_three_forms() {
        let json = br#"{"meta": {"api-version": "1.1"}, "projects": [{"name": "Requests"}, {"name": "flask"}]}"#;
        assert_eq!(parse_name_list(json).unwrap(), ["Requests", "flask"]);
        let html = b"<!DOCTYPE html><html><body><a href=\"/simple/requests/\">requests</a>\n<a href='/simple/six/'>six</a></body></html>";
        assert_eq!(parse_name_list(html).unwrap(), ["requests", "six"]);
        assert_eq!(
            parse_name_list(b"# list\nrequests\n\nsix\n").unwrap(),
            ["requests", "six"]
        );
        assert_eq!(
            parse_name_list(b"requests\nnot a name\n").unwrap_err(),
            "line 2: `not a name` is not a valid project name"
        );
        assert!(parse_name_list(b"").is_err());
        assert!(parse_name_list(b"{\"projects\": [").is_err());
        assert!(parse_name_list(b"\xff\xfe").is_err());
    }

    /// An update records the verdicts this binary's engine finds for the new names, and a
    /// check over the cache judges as one without them: the squat the update adds is flagged,
    /// the names the verdicts find clear are clear.
    #[test]
    fn updated_names_carry_this_engines_verdicts() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("names.txt");
        std::fs::write(&list, "requests\nreqeusts\nzzz-unrelated-tool\nsix\n").unwrap();
        let opts = UpdateOptions {
            pypi_names: Some(list.display().to_string()),
            osv: None,
        };
        let results = update(dir.path(), &opts, &mut |_| {});
        assert!(matches!(results.as_slice(), [Ok(Updated::Names(_))]));
        let data = Data::load(Some(dir.path()), u64::MAX);
        assert!(matches!(data.names_origin, data::Origin::Cache(_)));
        let engine = NameSet::embedded().verdicts_engine().map(str::to_owned);
        assert!(engine.is_some(), "the embedded names carry verdicts");
        assert_eq!(data.names.verdicts_engine(), engine.as_deref());
        assert!(data.verdicts_usable());
        let judged = crate::rules::Engine::new(&data, 15_000);
        assert!(judged.precomputed);
        let mut fresh = crate::rules::Engine::new(&data, 15_000);
        fresh.precomputed = false;
        let src = crate::source::SourceFile::new(
            "requirements.txt",
            "requests\nreqeusts\nzzz-unrelated-tool\nsix\n",
        );
        let deps = crate::manifest::requirements_txt::parse(&src).dependencies;
        assert_eq!(deps.len(), 4);
        let codes = |e: &crate::rules::Engine| {
            let found = e.check_all(&deps).unwrap();
            found
                .iter()
                .map(|f| (f.line, f.rule.code()))
                .collect::<Vec<_>>()
        };
        assert_eq!(codes(&judged), codes(&fresh));
        assert!(codes(&judged).contains(&(2, crate::finding::Rule::Typosquat.code())));
        // the shortcut is taken: the unrelated name is clear by its bit
        let batch = crate::store::NameBatch::new(&["zzz-unrelated-tool"]);
        let listing = data.names.listing_all(&batch).remove(0);
        assert!(data.names.listed_clear(listing.age));
    }

    #[test]
    fn failed_update_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("names.txt");
        std::fs::write(&list, "requests\nsix\n").unwrap();
        let opts = UpdateOptions {
            pypi_names: Some(list.display().to_string()),
            osv: None,
        };
        let results = update(dir.path(), &opts, &mut |_| {});
        assert!(matches!(results.as_slice(), [Ok(Updated::Names(m))] if m.names == 2));
        let before = std::fs::read(dir.path().join(NAMES_FILE)).unwrap();
        std::fs::write(&list, "requests\nbad name\n").unwrap();
        let results = update(dir.path(), &opts, &mut |_| {});
        assert!(matches!(results.as_slice(), [Err(DbError::Names { .. })]));
        assert_eq!(std::fs::read(dir.path().join(NAMES_FILE)).unwrap(), before);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }
}
