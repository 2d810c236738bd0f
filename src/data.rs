//! The data a check uses: the newest available of the cache (`squatguard db update`) and the
//! snapshot embedded in the binary, plus the curated malicious list, which is always merged in.
//! Malicious-package reports come from the feed imported into the cache, on top of the feed's
//! facts embedded in the binary (the offline floor): a name the imported feed has reports on
//! is judged by those, any other name by the embedded ones.

use crate::advisory::{Advisory, Curated};
use crate::store::{Meta, NameSet, ReportStore, StoreError};
use std::path::{Path, PathBuf};

/// File names inside the data directory.
pub const NAMES_FILE: &str = "pypi-names.sgdb";
pub const REPORTS_FILE: &str = "osv-malicious.sgdb";

/// Environment variable that overrides the data directory.
pub const DATA_DIR_ENV: &str = "SQUATGUARD_DATA_DIR";

/// Default age, in days, after which the run warns that its data is old.
pub const DEFAULT_MAX_AGE_DAYS: u64 = 30;

/// The data directory: `--data-dir`, else `SQUATGUARD_DATA_DIR`, else the platform cache dir.
pub fn data_dir(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(p));
    }
    dirs::cache_dir().map(|d| d.join("squatguard"))
}

/// Where a data set in use came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Embedded,
    Cache(PathBuf),
}

/// Everything loaded for a run, with what should be said about it on stderr.
pub struct Data {
    pub names: NameSet,
    pub names_origin: Origin,
    pub reports: Option<(ReportStore, PathBuf)>,
    /// The feed's facts embedded in the binary, under `reports`.
    pub floor: ReportStore,
    pub curated: Curated,
    /// Things worth one line on stderr: an unusable cache, old data.
    pub warnings: Vec<String>,
    /// This binary's name engine, as the embedded name set's precomputed verdicts name it: a
    /// cached set's verdicts count only when the same engine computed them
    /// ([`crate::store::Verdicts`]).
    pub engine: Option<String>,
}

impl Data {
    /// Keeps this data, and the cache files it maps, until the process exits, instead of
    /// dropping it now: for a command that has written its report and is about to end (so once
    /// a process; each call keeps its data). Unmapping a cache file while the thread pool's
    /// threads run clears its pages from every core's view of memory, which cost `check` of
    /// 1,500 names 0.3-0.6 ms after `db update`; the exit unmaps it with the rest of the
    /// process, more cheaply.
    pub fn keep_until_exit(self) {
        std::mem::forget(self);
    }

    /// Loads the newest valid data. A cache file that cannot be used is skipped with a warning.
    pub fn load(dir: Option<&Path>, max_age_days: u64) -> Data {
        let mut warnings = Vec::new();
        let embedded = NameSet::embedded();
        let engine = embedded.verdicts_engine().map(str::to_owned);
        let mut names = (embedded, Origin::Embedded);
        let mut reports = None;
        if let Some(dir) = dir {
            let path = dir.join(NAMES_FILE);
            match NameSet::open(&path) {
                Ok(Some(cached)) if cached.meta.created >= names.0.meta.created => {
                    names = (cached, Origin::Cache(path));
                }
                Ok(_) => {}
                Err(e) => warnings.push(format!(
                    "ignoring `{}`: {e}; using the embedded name snapshot",
                    path.display()
                )),
            }
            let path = dir.join(REPORTS_FILE);
            match ReportStore::open(&path) {
                Ok(Some(store)) => reports = Some((store, path)),
                Ok(None) => {}
                Err(e) => warnings.push(format!(
                    "ignoring `{}`: {e}; only the embedded malicious-package list is used",
                    path.display()
                )),
            }
        }
        let mut data = Data {
            names: names.0,
            names_origin: names.1,
            reports,
            floor: ReportStore::embedded(),
            curated: Curated::embedded(),
            warnings,
            engine,
        };
        let today = today_days().unwrap_or(0);
        let names_warning = staleness("PyPI name snapshot", &data.names.meta, today, max_age_days);
        let reports_warning = data.reports.as_ref().and_then(|(store, _)| {
            staleness("malicious-package feed", &store.meta, today, max_age_days)
        });
        data.warnings.extend(names_warning);
        data.warnings.extend(reports_warning);
        data
    }

    /// The data of a name set just built (`db update`, before it is written), with the
    /// embedded feed and curated list: what the set's precomputed verdicts are computed over.
    pub fn of_names(names: NameSet, origin: Origin) -> Data {
        Data {
            names,
            names_origin: origin,
            reports: None,
            floor: ReportStore::embedded(),
            curated: Curated::embedded(),
            warnings: Vec::new(),
            engine: NameSet::embedded().verdicts_engine().map(str::to_owned),
        }
    }

    /// Whether the names' precomputed verdicts are this binary's engine's.
    pub fn verdicts_usable(&self) -> bool {
        self.engine.is_some() && self.names.verdicts_engine() == self.engine.as_deref()
    }

    /// Every report on a normalised name: the imported feed's plus curated ones it does not
    /// already carry; for a name the imported feed has none on, the curated ones plus the
    /// embedded feed's they do not already carry.
    pub fn advisories(&self, name: &str) -> Result<Vec<Advisory>, StoreError> {
        self.advisories_with(name, None)
    }

    /// [`Data::advisories`], told whether the feed has reports on `name` when that is known
    /// already ([`Data::feed_has_all`]).
    pub fn advisories_with(
        &self,
        name: &str,
        in_feed: Option<bool>,
    ) -> Result<Vec<Advisory>, StoreError> {
        let mut out = match &self.reports {
            Some((store, _)) if in_feed != Some(false) => store.get(name)?,
            _ => Vec::new(),
        };
        let curated = self.curated.get(name);
        if out.is_empty() && in_feed != Some(false) {
            // the embedded feed is under the curated list, which keeps its context: its reports
            // count where the curated list has not the same one (an entry without an id is the
            // feed's report seen earlier)
            let mut out = curated.to_vec();
            if !curated.iter().any(|c| c.id.is_none()) {
                for a in self.floor.get(name)? {
                    if !curated.iter().any(|c| c.id == a.id) {
                        out.push(a);
                    }
                }
            }
            return Ok(out);
        }
        let from_feed = !out.is_empty();
        for curated in curated {
            let same = out.iter().any(|a| a.id.is_some() && a.id == curated.id);
            // a curated entry without an id is the feed's report seen earlier
            if !(same || from_feed && curated.id.is_none()) {
                out.push(curated.clone());
            }
        }
        Ok(out)
    }

    /// Whether the cached feed or the embedded one has reports on each name.
    pub fn feed_has_all(&self, batch: &crate::store::NameBatch<'_>) -> Option<Vec<bool>> {
        let mut has = self.floor.has_reports_all(batch);
        if let Some((store, _)) = &self.reports {
            for (h, cached) in has.iter_mut().zip(store.has_reports_all(batch)) {
                *h |= cached;
            }
        }
        Some(has)
    }

    /// What the name snapshot knows of a normalised name's age (see [`crate::store::NameAge`]).
    pub fn age(&self, name: &str) -> Option<crate::store::NameAge> {
        self.names.age(name)
    }

    /// A short label for the name snapshot, for messages: `2026-11-26`.
    pub fn names_date(&self) -> &str {
        let c = &self.names.meta.created;
        &c[..c.len().min(10)]
    }
}

/// A warning when data created at `meta.created` is older than `max_age_days` on day `today`.
pub fn staleness(what: &str, meta: &Meta, today: i64, max_age_days: u64) -> Option<String> {
    let created = days_from_date(&meta.created)?;
    let age = today.saturating_sub(created);
    (age > max_age_days as i64).then(|| {
        format!(
            "the {what} is {age} days old (from {}); run `squatguard db update` to refresh it",
            &meta.created[..meta.created.len().min(10)]
        )
    })
}

/// Days since 1970-01-01 of a `YYYY-MM-DD...` date.
pub fn days_from_date(s: &str) -> Option<i64> {
    let y: i64 = s.get(0..4)?.parse().ok()?;
    let m: i64 = s.get(5..7)?.parse().ok()?;
    let d: i64 = s.get(8..10)?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // days from civil (Howard Hinnant's algorithm)
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Year, month and day of a day counted since 1970-01-01 (Howard Hinnant's civil from days).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `YYYY-MM-DD` of a day counted since 1970-01-01.
pub fn date_from_days(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Today, in days since 1970-01-01 (UTC).
pub fn today_days() -> Option<i64> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some((secs / 86_400) as i64)
}

/// The variable that sets the clock of [`now_rfc3339`] (evaluations).
pub const NOW_ENV: &str = "SQUATGUARD_NOW";

/// Now as an RFC 3339 UTC timestamp, for data files' `created` and the day `db update` first
/// sees a name: `SQUATGUARD_NOW` (seconds since 1970, between 2000 and 2100) when it is set to
/// such a number, so that an evaluation builds the same data whatever the day. Not the
/// reproducible-builds `SOURCE_DATE_EPOCH`: build shells (Nix) set that to 1980, which would date
/// a real update decades back.
pub fn now_rfc3339() -> String {
    let secs = std::env::var(NOW_ENV)
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .filter(|s| (946_684_800..4_102_444_800).contains(s))
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0) as i64
        });
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date_from_days(days),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(days_from_date("1970-01-01"), Some(0));
        assert_eq!(days_from_date("2026-11-26T10:00:00Z"), Some(20_783));
        assert_eq!(days_from_date("2000-03-01"), Some(11_017));
        assert_eq!(days_from_date("late 2026"), None);
        let now = now_rfc3339();
        assert_eq!(days_from_date(&now), today_days());
    }

    #[test]
    fn empty_cache_dir_uses_embedded_data() {
        let dir = tempfile::tempdir().unwrap();
        let data = Data::load(Some(dir.path()), 100_000);
        assert_eq!(data.names_origin, Origin::Embedded);
        assert!(data.reports.is_none());
        assert!(data.warnings.is_empty());
        assert_eq!(data.advisories("num2words").unwrap().len(), 1);
    }

    #[test]
    fn corrupt_cache_is_skipped_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(NAMES_FILE), b"garbage").unwrap();
        std::fs::write(dir.path().join(REPORTS_FILE), b"SGDB\x01").unwrap();
        let data = Data::load(Some(dir.path()), 100_000);
        assert_eq!(data.names_origin, Origin::Embedded);
        assert!(data.reports.is_none());
        assert_eq!(data.warnings.len(), 2, "{:?}", data.warnings);
        assert!(data.warnings[0].contains("not a squatguard data file"));
    }

    #[test]
    fn newer_cache_wins_and_old_data_warns() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = NameSet::build(["only-this"], "test", "2999-01-01T00:00:00Z");
        std::fs::write(dir.path().join(NAMES_FILE), bytes).unwrap();
        let data = Data::load(Some(dir.path()), 30);
        assert!(matches!(data.names_origin, Origin::Cache(_)));
        assert!(data.names.contains("only-this"));
        let old = NameSet::build(["x"], "test", "2001-01-01");
        std::fs::write(dir.path().join(NAMES_FILE), old).unwrap();
        let data = Data::load(Some(dir.path()), 30);
        assert_eq!(
            data.names_origin,
            Origin::Embedded,
            "an older cache loses to the embedded snapshot"
        );
    }

    #[test]
    fn staleness_warns_past_the_limit_only() {
        let meta = NameSet::embedded().meta;
        let created = days_from_date(&meta.created).unwrap();
        assert_eq!(staleness("x", &meta, created + 30, 30), None);
        let w = staleness("PyPI name snapshot", &meta, created + 31, 30).unwrap();
        assert!(
            w.starts_with("the PyPI name snapshot is 31 days old (from 2026-11-26)"),
            "{w}"
        );
    }
}
