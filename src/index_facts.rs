//! What a package index says of a project's history, for safe-pip: its PEP 691 JSON project
//! page (`Accept: application/vnd.pypi.simple.v1+json`), read for the PEP 700 facts, the
//! `upload-time` of every file and the `versions` list. From them: the first upload, the number
//! of releases, the newest version and the month of the newest upload, as a [`NameAge`], the
//! same facts the name snapshot keeps (the rules take them through
//! [`crate::rules::Known::age`]).
//!
//! The index may be hostile, so the page is bounded (size, time) and read strictly: a page that
//! is not PEP 691 JSON of major version 1, that names another project, or whose upload times
//! are not dates is an error, and the caller keeps the snapshot's verdict. Nothing here lowers a
//! check on its own; what the facts change is decided by the rules.

use crate::name::PackageName;
use crate::store::NameAge;
use serde::Deserialize;
use std::str::FromStr;
use std::time::Duration;

/// The media type of a PEP 691 JSON page.
pub const ACCEPT: &str = "application/vnd.pypi.simple.v1+json";

/// What one look-up may cost: a flagged name's page (PyPI's largest projects' pages are a few
/// MiB; a name that a name rule flags is never a popular one).
pub const LIMITS: crate::download::Limits = crate::download::Limits {
    max_bytes: 4 * 1024 * 1024,
    connect: Duration::from_secs(3),
    total: Some(Duration::from_secs(5)),
    // a project page is asked for at its normalised name, which needs no redirect
    redirects: 0,
};

#[derive(Debug, thiserror::Error)]
pub enum FactsError {
    #[error(transparent)]
    Download(#[from] crate::download::DownloadError),
    #[error("not a PEP 691 JSON project page: {0}")]
    NotJson(String),
    #[error("PEP 691 API version `{0}` is not 1.x")]
    Version(String),
    #[error("the page is about `{found}`, not `{asked}`")]
    OtherProject { asked: String, found: String },
    #[error("upload time `{0}` is not a date")]
    BadTime(String),
    #[error("no file has an upload time (PEP 700)")]
    NoTimes,
}

#[derive(Deserialize)]
struct Page {
    meta: Meta,
    name: String,
    #[serde(default)]
    files: Vec<File>,
    /// PEP 700 (API 1.1): every version the project has, files or not.
    versions: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(rename = "api-version")]
    api_version: String,
}

#[derive(Deserialize)]
struct File {
    #[serde(rename = "upload-time")]
    upload_time: Option<String>,
}

/// The URL of `name`'s project page under the simple index `index` (`https://pypi.org/simple/`).
pub fn project_url(index: &str, name: &PackageName) -> String {
    format!("{}/{}/", index.trim().trim_end_matches('/'), name.as_str())
}

/// Asks `index` about `name` within [`LIMITS`].
pub fn ask(index: &str, name: &PackageName) -> Result<NameAge, FactsError> {
    let body = crate::download::fetch_with(&project_url(index, name), ACCEPT, LIMITS, &mut |_| {})?;
    parse(&body, name)
}

/// The facts of a PEP 691 JSON project page about `name`.
pub fn parse(body: &[u8], name: &PackageName) -> Result<NameAge, FactsError> {
    let page: Page =
        serde_json::from_slice(body).map_err(|e| FactsError::NotJson(e.to_string()))?;
    let major = page.meta.api_version.split('.').next().unwrap_or_default();
    if major != "1" {
        return Err(FactsError::Version(
            page.meta.api_version.escape_debug().to_string(),
        ));
    }
    let found = crate::name::normalize(&page.name);
    if found != *name {
        return Err(FactsError::OtherProject {
            asked: name.to_string(),
            found: page.name.escape_debug().to_string(),
        });
    }
    let mut first: Option<&str> = None;
    let mut last: Option<&str> = None;
    for f in &page.files {
        let Some(t) = f.upload_time.as_deref() else {
            continue;
        };
        let day = t.get(..10).filter(|d| {
            crate::data::days_from_date(d).is_some() && crate::store::month_code(d).is_some()
        });
        let Some(day) = day else {
            return Err(FactsError::BadTime(t.chars().take(40).collect()));
        };
        // `YYYY-MM-DD` compares as text
        if first.is_none_or(|f| day < f) {
            first = Some(day);
        }
        if last.is_none_or(|l| day > l) {
            last = Some(day);
        }
    }
    let (Some(first), Some(last)) = (first, last) else {
        return Err(FactsError::NoTimes);
    };
    let versions = page.versions.unwrap_or_default();
    let latest_version = versions
        .iter()
        .filter_map(|v| pep440_rs::Version::from_str(v).ok().map(|p| (p, v)))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, v)| v.clone())
        .filter(|v| !v.chars().any(|c| c.is_whitespace() || c.is_control()));
    Ok(NameAge {
        latest_version,
        latest_month: Some(last[..7].to_owned()),
        first_seen: Some(first.to_owned()),
        releases: (!versions.is_empty()).then(|| u32::try_from(versions.len()).unwrap_or(u32::MAX)),
    })
}

/// The facts in words, for a finding's message: `first uploaded 2019-03-02, 14 releases, the
/// newest 2.3.1, last upload in 2026-10`.
pub fn describe(age: &NameAge) -> String {
    let mut parts = Vec::new();
    if let Some(d) = &age.first_seen {
        parts.push(format!("first uploaded {d}"));
    }
    match age.releases {
        Some(1) => parts.push("1 release".to_owned()),
        Some(n) => parts.push(format!("{n} releases")),
        None => {}
    }
    if let Some(v) = &age.latest_version {
        parts.push(format!("the newest {v}"));
    }
    if let Some(m) = &age.latest_month {
        parts.push(format!("last upload in {m}"));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> PackageName {
        crate::name::normalize(s)
    }

    #[test]
    fn facts_of_a_page() {
        let page = br#"{"meta": {"api-version": "1.1", "_last-serial": 3}, "name": "Old_Lib",
            "files": [
              {"filename": "old_lib-0.9.tar.gz", "url": "x", "hashes": {}, "upload-time": "2015-03-02T10:00:00.123456Z"},
              {"filename": "old_lib-2.3.1-py3-none-any.whl", "url": "y", "hashes": {}, "upload-time": "2026-10-30T23:59:59Z", "yanked": false},
              {"filename": "old_lib-1.0.tar.gz", "url": "z", "hashes": {}}
            ],
            "versions": ["0.9", "1.0", "2.3.1", "2.10.0rc1", "not a version"]}"#;
        let age = parse(page, &name("old-lib")).unwrap();
        assert_eq!(age.first_seen.as_deref(), Some("2015-03-02"));
        assert_eq!(age.latest_month.as_deref(), Some("2026-10"));
        assert_eq!(age.releases, Some(5));
        // PEP 440 order, not text order
        assert_eq!(age.latest_version.as_deref(), Some("2.10.0rc1"));
        assert_eq!(
            describe(&age),
            "first uploaded 2015-03-02, 5 releases, the newest 2.10.0rc1, last upload in 2026-10"
        );
    }

    #[test]
    fn pages_that_do_not_read_are_errors() {
        let n = name("x-lib");
        let cases: &[(&[u8], &str)] = &[
            (b"<html>x-lib</html>", "not a PEP 691"),
            (br#"{"meta": {"api-version": "2.0"}, "name": "x-lib", "files": []}"#, "not 1.x"),
            (br#"{"meta": {"api-version": "1.0"}, "name": "requests", "files": []}"#, "not `x-lib`"),
            (br#"{"meta": {"api-version": "1.0"}, "name": "x-lib", "files": [{"upload-time": "last week"}]}"#, "not a date"),
            (br#"{"meta": {"api-version": "1.0"}, "name": "x-lib", "files": [{"upload-time": "2026-13-40T00:00:00Z"}]}"#, "not a date"),
            (br#"{"meta": {"api-version": "1.0"}, "name": "x-lib", "files": [{"filename": "a"}]}"#, "no file has an upload time"),
            (br#"{"meta": {"api-version": "1.0"}, "name": "x-lib", "files": "many"}"#, "not a PEP 691"),
        ];
        for (body, says) in cases {
            let e = parse(body, &n).unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
        }
    }
}
