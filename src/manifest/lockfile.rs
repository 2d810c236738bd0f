//! Lock files: `uv.lock`, `poetry.lock`, `pdm.lock`, `pylock.toml` (PEP 751) and
//! `Pipfile.lock`.
//!
//! A lock file names every package an install will fetch, transitive ones included, at an
//! exact version: what the known-malicious rule judges best, and where a squatted name hides
//! from a reviewer who reads only `pyproject.toml`.
//!
//! # What is read
//!
//! - TOML locks: each table of the `[[package]]` array (`[[packages]]` in `pylock.toml`; also
//!   written inline, as Poetry's `package = []` for a project without dependencies) is one
//!   dependency: `name` (a string, required), `version` (pinned as `==version`; a version that
//!   is not PEP 440 yields `invalid-requirement` and the dependency is judged without it), and
//!   where it comes from:
//!   - uv: `source = { registry | git | url | path | directory | editable | virtual = "..." }`;
//!   - Poetry: `[package.source]` with `type` `git`, `url`, `file`, `directory` or `legacy`
//!     (an index) and its `url`;
//!   - PDM: `git`, `url` or `path` keys in the package table;
//!   - PEP 751: `index`, or a `vcs`, `directory` or `archive` table (`url` or `path`).
//!
//!   A package from an index that is not PyPI is marked as coming from a private index. Other
//!   keys (hashes, files, dependencies, markers, metadata) are not needed and not read.
//! - `Pipfile.lock` (JSON): each key of the `default` and `develop` objects is a package, with
//!   `version` (`==1.0`), `index` (a name from `_meta.sources`), or `git`/`path`/`file`. A
//!   package is located at its key's first occurrence after its section's key.
//!
//! Dependencies from a lock file are never renamed by `--fix`: the lock records the hashes of
//! what it names, so the manifest is fixed and the lock regenerated instead. A file that is not
//! TOML (JSON for `Pipfile.lock`), or whose package list has the wrong shape, yields one
//! `invalid-manifest` finding.

use super::toml_span::{item_offset, type_name};
use super::{Dependency, DependencySource, Manifest};
use crate::finding::Rule;
use crate::index_url::is_pypi_index;
use crate::name::is_valid;
use crate::source::SourceFile;
use pep440_rs::{Version, VersionSpecifier, VersionSpecifiers};
use std::str::FromStr;
use toml_edit::{Item, TableLike, Value};

/// Which tool wrote a TOML lock file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TomlLock {
    Uv,
    Poetry,
    Pdm,
    Pylock,
}

impl TomlLock {
    /// The lock format a file name implies.
    pub fn from_file_name(lower: &str) -> Option<TomlLock> {
        match lower {
            "uv.lock" => Some(TomlLock::Uv),
            "poetry.lock" => Some(TomlLock::Poetry),
            "pdm.lock" => Some(TomlLock::Pdm),
            _ if lower == "pylock.toml"
                || (lower.starts_with("pylock.") && lower.ends_with(".toml")) =>
            {
                Some(TomlLock::Pylock)
            }
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            TomlLock::Uv => "uv.lock",
            TomlLock::Poetry => "poetry.lock",
            TomlLock::Pdm => "pdm.lock",
            TomlLock::Pylock => "pylock.toml",
        }
    }

    fn array_key(self) -> &'static str {
        match self {
            TomlLock::Pylock => "packages",
            _ => "package",
        }
    }
}

/// Parses a TOML lock file of the given format.
pub fn parse_toml(src: &SourceFile, format: TomlLock) -> Manifest {
    let mut out = Manifest::default();
    let Some(doc) = out.parse_toml(src) else {
        return out;
    };
    let key = format.array_key();
    let Some(item) = doc.get(key) else {
        return out;
    };
    // `[[package]]` tables, or an inline array of tables: Poetry writes `package = []` for a
    // project without dependencies
    let packages: Vec<(&dyn TableLike, usize)> = match item {
        Item::ArrayOfTables(tables) => tables
            .iter()
            .map(|t| (t as &dyn TableLike, t.span().map_or(0, |s| s.start)))
            .collect(),
        Item::Value(Value::Array(array)) if array.iter().all(Value::is_inline_table) => array
            .iter()
            .filter_map(Value::as_inline_table)
            .map(|t| (t as &dyn TableLike, t.span().map_or(0, |s| s.start)))
            .collect(),
        _ => {
            let at = item.span().map_or(0, |s| s.start);
            let message = format!(
                "`{key}` should be an array of tables (`[[{key}]]`), not {}",
                type_name(item)
            );
            out.push_finding(src, Rule::InvalidManifest, at, message);
            return out;
        }
    };
    for (table, at) in packages {
        read_package(src, format, table, at, &mut out);
    }
    out
}

fn read_package(
    src: &SourceFile,
    format: TomlLock,
    table: &dyn TableLike,
    table_at: usize,
    out: &mut Manifest,
) {
    let Some(name_item) = table.get("name") else {
        out.push_finding(
            src,
            Rule::InvalidManifest,
            table_at,
            format!("a `{}` entry without a `name`", format.array_key()),
        );
        return;
    };
    let name_at = item_offset(src, name_item);
    let Some(name) = name_item.as_str().filter(|n| is_valid(n)) else {
        out.push_finding(
            src,
            Rule::InvalidManifest,
            name_at,
            format!(
                "package `name` should be a project name, not {}",
                name_item
                    .as_str()
                    .map_or_else(|| type_name(name_item).to_owned(), |s| format!("`{s}`"))
            ),
        );
        return;
    };
    let mut dep = Dependency::new(src, name, name_at, format.label());
    dep.locked = true;
    if let Some(v) = table.get("version") {
        match v.as_str().map(pin) {
            Some(Ok(specs)) => dep.specifiers = Some(specs),
            Some(Err(why)) => out.push_finding(
                src,
                Rule::InvalidRequirement,
                item_offset(src, v),
                format!("`{name}`: {why}"),
            ),
            None => out.push_finding(
                src,
                Rule::InvalidRequirement,
                item_offset(src, v),
                format!(
                    "`{name}`: `version` should be a string, not {}",
                    type_name(v)
                ),
            ),
        }
    }
    let (source, private) = match format {
        TomlLock::Uv => uv_source(table),
        TomlLock::Poetry => poetry_source(table),
        TomlLock::Pdm => pdm_source(table),
        TomlLock::Pylock => pylock_source(table),
    };
    dep.source = source;
    dep.private_index = private;
    out.dependencies.push(dep);
}

/// `==version`, as the lock pins it.
fn pin(version: &str) -> Result<VersionSpecifiers, String> {
    let v = Version::from_str(version.trim())
        .map_err(|e| format!("version `{version}` is not a PEP 440 version: {e}"))?;
    Ok(VersionSpecifiers::from_iter([
        VersionSpecifier::equals_version(v),
    ]))
}

fn str_of<'a>(table: &'a dyn TableLike, key: &str) -> Option<&'a str> {
    table.get(key).and_then(Item::as_str)
}

fn vcs(url: &str) -> DependencySource {
    if url.starts_with("git+") {
        DependencySource::Vcs(url.to_owned())
    } else {
        DependencySource::Vcs(format!("git+{url}"))
    }
}

fn registry(index: Option<&str>) -> (DependencySource, bool) {
    (
        DependencySource::Registry,
        index.is_some_and(|url| !is_pypi_index(url)),
    )
}

fn uv_source(table: &dyn TableLike) -> (DependencySource, bool) {
    let Some(source) = table.get("source").and_then(Item::as_table_like) else {
        return registry(None);
    };
    if let Some(url) = str_of(source, "registry") {
        return registry(Some(url));
    }
    if let Some(url) = str_of(source, "git") {
        return (vcs(url), false);
    }
    if let Some(url) = str_of(source, "url") {
        return (DependencySource::Url(url.to_owned()), false);
    }
    for key in ["path", "directory", "editable", "virtual"] {
        if let Some(path) = str_of(source, key) {
            return (DependencySource::Path(path.to_owned()), false);
        }
    }
    registry(None)
}

fn poetry_source(table: &dyn TableLike) -> (DependencySource, bool) {
    let Some(source) = table.get("source").and_then(Item::as_table_like) else {
        return registry(None);
    };
    let url = str_of(source, "url").unwrap_or("");
    match str_of(source, "type").unwrap_or("") {
        "git" => (vcs(url), false),
        "url" => (DependencySource::Url(url.to_owned()), false),
        "file" | "directory" => (DependencySource::Path(url.to_owned()), false),
        // `legacy` (a PEP 503 index) and anything newer: an index, by its URL
        _ => registry(Some(url)),
    }
}

fn pdm_source(table: &dyn TableLike) -> (DependencySource, bool) {
    if let Some(url) = str_of(table, "git") {
        return (vcs(url), false);
    }
    if let Some(url) = str_of(table, "url") {
        return (DependencySource::Url(url.to_owned()), false);
    }
    if let Some(path) = str_of(table, "path") {
        return (DependencySource::Path(path.to_owned()), false);
    }
    registry(None)
}

fn pylock_source(table: &dyn TableLike) -> (DependencySource, bool) {
    let sub = |key: &str| table.get(key).and_then(Item::as_table_like);
    if let Some(v) = sub("vcs") {
        if let Some(url) = str_of(v, "url") {
            return (vcs(url), false);
        }
        return (
            DependencySource::Path(str_of(v, "path").unwrap_or("").to_owned()),
            false,
        );
    }
    if let Some(d) = sub("directory") {
        return (
            DependencySource::Path(str_of(d, "path").unwrap_or("").to_owned()),
            false,
        );
    }
    if let Some(a) = sub("archive") {
        if let Some(url) = str_of(a, "url") {
            return (DependencySource::Url(url.to_owned()), false);
        }
        return (
            DependencySource::Path(str_of(a, "path").unwrap_or("").to_owned()),
            false,
        );
    }
    registry(str_of(table, "index"))
}

/// Parses a `Pipfile.lock`.
pub fn parse_pipfile_lock(src: &SourceFile) -> Manifest {
    let mut out = Manifest::default();
    let doc: serde_json::Value = match serde_json::from_str(&src.text) {
        Ok(v) => v,
        Err(e) => {
            // serde_json counts lines from 1 and columns from 1, in bytes
            let at = (src.line_start(e.line() as u32) + e.column().saturating_sub(1))
                .min(src.text.len());
            out.push_finding(src, Rule::InvalidManifest, at, format!("invalid JSON: {e}"));
            return out;
        }
    };
    // `_meta.sources`: index names to whether they are PyPI
    let private_sources: Vec<(&str, bool)> = doc
        .pointer("/_meta/sources")
        .and_then(|s| s.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| {
                    let name = s.get("name")?.as_str()?;
                    let url = s.get("url")?.as_str()?;
                    Some((name, !is_pypi_index(url)))
                })
                .collect()
        })
        .unwrap_or_default();
    for section in ["default", "develop"] {
        let Some(value) = doc.get(section) else {
            continue;
        };
        let section_at = key_position(&src.text, section, 0).unwrap_or(0);
        let Some(packages) = value.as_object() else {
            out.push_finding(
                src,
                Rule::InvalidManifest,
                section_at,
                format!("`{section}` should be an object of packages"),
            );
            continue;
        };
        for (name, entry) in packages {
            let at = key_position(&src.text, name, section_at).unwrap_or(section_at);
            if !is_valid(name) {
                out.push_finding(
                    src,
                    Rule::InvalidManifest,
                    at,
                    format!("`{name}` is not a project name"),
                );
                continue;
            }
            let label = format!("Pipfile.lock {section}");
            let mut dep = Dependency::new(src, name, at, label);
            dep.locked = true;
            let field = |k: &str| entry.get(k).and_then(|v| v.as_str());
            if let Some(v) = field("version") {
                match super::parse_specifiers(v) {
                    Ok(specs) => dep.specifiers = specs,
                    Err(why) => out.push_finding(
                        src,
                        Rule::InvalidRequirement,
                        at,
                        format!("`{name}`: version `{v}`: {why}"),
                    ),
                }
            }
            if let Some(url) = field("git") {
                dep.source = vcs(url);
            } else if let Some(p) = field("path").or_else(|| field("file")) {
                dep.source = DependencySource::classify(p);
            } else if let Some(index) = field("index") {
                dep.private_index = private_sources
                    .iter()
                    .find(|(n, _)| *n == index)
                    .is_some_and(|(_, private)| *private);
            }
            out.dependencies.push(dep);
        }
    }
    out
}

/// Where `"key":` first occurs at or after byte `from` (the key's first character, inside its
/// quotes).
fn key_position(text: &str, key: &str, from: usize) -> Option<usize> {
    let quoted = format!("\"{key}\"");
    let mut at = from;
    while let Some(i) = text.get(at..)?.find(&quoted) {
        let start = at + i;
        let after = text[start + quoted.len()..].trim_start();
        if after.starts_with(':') {
            return Some(start + 1);
        }
        at = start + quoted.len();
    }
    None
}
