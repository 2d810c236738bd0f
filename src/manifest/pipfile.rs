//! `Pipfile`: Pipenv's TOML manifest.
//!
//! # What is read
//!
//! - Package categories: `[packages]`, `[dev-packages]` and every other top-level table except
//!   `[[source]]`, `[requires]`, `[scripts]`, `[pipenv]` and `[pipfile]` (Pipenv's custom
//!   categories). The section label is the table's name.
//! - In a category, each key is a package name and its value is either a version specifier
//!   string (`"*"`, `">=1.0"`, `"==2.31.0"`) or a table:
//!   `{ version = "...", extras = [...], markers = "...", index = "name" }`,
//!   `{ git = "url", ref = "..." }` (also `hg`, `svn`, `bzr`; recorded as the VCS URL pip is
//!   given, `git+url@ref`), `{ path = "..." }` and `{ file = "..." }` (a path or a URL by
//!   scheme), with `editable = true` allowed. Other keys (`sys_platform`, ...) are markers
//!   and are ignored; known keys of the wrong type yield `invalid-requirement`.
//! - `index = "name"` sends the package to that `[[source]]`; when its URL is not PyPI the
//!   dependency is marked as coming from a private index.
//! - `[[source]]`: each source with a string `url` is recorded at its URL, with its `name` and
//!   `verify_ssl`, as an index statement; the `index-url` rule reports one that is not PyPI,
//!   is plain `http://`, or has `verify_ssl = false`.
//!
//! Packages are located at their key; a package whose version cannot be parsed is still
//! reported as a dependency, alongside an `invalid-requirement` finding at the value. A key
//! that is not a valid project name yields only the finding. A file that is not TOML yields
//! one `invalid-manifest` finding where the TOML parser stopped.

use super::toml_span::{item_offset, key_offset, type_name};
use super::{finding_at, parse_specifiers, Dependency, DependencySource, IndexUse, Manifest};
use crate::finding::Rule;
use crate::index_url::is_pypi_index;
use crate::name::{is_valid, normalize};
use crate::source::SourceFile;
use toml_edit::{Item, Key, TableLike, Value};

/// Top-level tables that are not package categories.
const RESERVED: [&str; 5] = ["source", "requires", "scripts", "pipenv", "pipfile"];

/// Keys of a package table that name a version control URL.
const VCS_KEYS: [&str; 4] = ["git", "hg", "svn", "bzr"];

/// Parses a `Pipfile`.
pub fn parse(src: &SourceFile) -> Manifest {
    let mut out = Manifest::default();
    let Some(doc) = out.parse_toml(src) else {
        return out;
    };
    let root = doc.as_table();

    let sources = match root.get("source") {
        Some(item) => read_sources(src, root.key("source"), item, &mut out),
        None => Vec::new(),
    };

    for (category, item) in root.iter() {
        if RESERVED.contains(&category) {
            continue;
        }
        let key = root.key(category);
        match item.as_table_like() {
            Some(table) => read_category(src, category, table, &sources, &mut out),
            None => {
                let at = key
                    .and_then(|k| key_offset(src, k))
                    .or_else(|| item.span().map(|s| s.start));
                out.push_finding(
                    src,
                    Rule::InvalidManifest,
                    at.unwrap_or(0),
                    format!(
                        "`{category}` should be a table of packages, not {}",
                        type_name(item)
                    ),
                );
            }
        }
    }
    out.sort_by_position();
    out
}

/// One `[[source]]` entry.
struct Source {
    name: Option<String>,
    /// The URL is not PyPI's.
    private: bool,
}

fn read_sources(
    src: &SourceFile,
    key: Option<&Key>,
    item: &Item,
    out: &mut Manifest,
) -> Vec<Source> {
    // Each table with where it starts (a `[[source]]` header, or an inline table's brace).
    let tables: Vec<(&dyn TableLike, Option<usize>)> = match item {
        Item::ArrayOfTables(array) => array
            .iter()
            .map(|t| (t as &dyn TableLike, t.span().map(|s| s.start)))
            .collect(),
        Item::Value(Value::Array(array)) if array.iter().all(|v| v.is_inline_table()) => array
            .iter()
            .filter_map(|v| {
                v.as_inline_table()
                    .map(|t| (t as &dyn TableLike, v.span().map(|s| s.start)))
            })
            .collect(),
        _ => {
            let at = key
                .and_then(|k| key_offset(src, k))
                .or_else(|| item.span().map(|s| s.start));
            out.push_finding(
                src,
                Rule::InvalidManifest,
                at.unwrap_or(0),
                format!(
                    "`source` should be an array of tables (`[[source]]`), not {}",
                    type_name(item)
                ),
            );
            return Vec::new();
        }
    };
    let fallback = item.span().map(|s| s.start);
    tables
        .into_iter()
        .map(|(table, at)| read_source(src, table, at.or(fallback), out))
        .collect()
}

fn read_source(
    src: &SourceFile,
    table: &dyn TableLike,
    table_at: Option<usize>,
    out: &mut Manifest,
) -> Source {
    let name = match table.get("name") {
        None => None,
        Some(item) => match item.as_str() {
            Some(name) => Some(name.to_owned()),
            None => {
                let at = item_offset(src, item);
                out.push_finding(
                    src,
                    Rule::InvalidManifest,
                    at,
                    format!("source `name` should be a string, not {}", type_name(item)),
                );
                None
            }
        },
    };
    let verify_ssl = match table.get("verify_ssl") {
        None => true,
        Some(item) => match item.as_bool() {
            Some(verify) => verify,
            None => {
                let at = item_offset(src, item);
                out.push_finding(
                    src,
                    Rule::InvalidManifest,
                    at,
                    format!(
                        "source `verify_ssl` should be `true` or `false`, not {}",
                        type_name(item)
                    ),
                );
                true
            }
        },
    };
    let Some(url_item) = table.get("url") else {
        let shown = name
            .as_deref()
            .map(|n| format!(" `{n}`"))
            .unwrap_or_default();
        out.push_finding(
            src,
            Rule::InvalidManifest,
            table_at.unwrap_or(0),
            format!("source{shown} has no `url`"),
        );
        return Source {
            name,
            private: false,
        };
    };
    let at = item_offset(src, url_item);
    let Some(url) = url_item.as_str() else {
        out.push_finding(
            src,
            Rule::InvalidManifest,
            at,
            format!(
                "source `url` should be a string, not {}",
                type_name(url_item)
            ),
        );
        return Source {
            name,
            private: false,
        };
    };

    let private = !is_pypi_index(url);
    let usage = IndexUse::PipenvSource {
        name: name.clone(),
        verify_ssl,
    };
    out.push_index(src, at, url, url, usage);
    Source { name, private }
}

fn read_category(
    src: &SourceFile,
    category: &str,
    table: &dyn TableLike,
    sources: &[Source],
    out: &mut Manifest,
) {
    for (name, item) in table.iter() {
        let offset = table
            .key(name)
            .and_then(|k| key_offset(src, k))
            .or_else(|| item.span().map(|s| s.start))
            .unwrap_or(0);
        if !is_valid(name) {
            out.push_finding(
                src,
                Rule::InvalidRequirement,
                offset,
                format!("`{name}` in `[{category}]` is not a valid package name"),
            );
            continue;
        }
        let mut dep = Dependency::new(src, name, offset, category);
        read_package(src, name, item, sources, &mut dep, out);
        out.dependencies.push(dep);
    }
}

/// Reads a package's value (a version string or a table) into `dep`.
fn read_package(
    src: &SourceFile,
    name: &str,
    item: &Item,
    sources: &[Source],
    dep: &mut Dependency,
    out: &mut Manifest,
) {
    let pkg = Package {
        src,
        name,
        package: normalize(name).into(),
    };
    if let Some(spec) = item.as_str() {
        pkg.version(spec, item_offset(src, item), dep, out);
        return;
    }
    let Some(table) = item.as_table_like() else {
        pkg.problem(
            out,
            item_offset(src, item),
            format!(
                "`{name}` should be a version string such as `\"*\"` or a table such as \
                 `{{ version = \"*\" }}`, not {}",
                type_name(item)
            ),
        );
        return;
    };

    if let Some((spec, at)) = pkg.string(table, "version", out) {
        pkg.version(spec, at, dep, out);
    }
    let vcs: Vec<_> = VCS_KEYS
        .iter()
        .filter_map(|&k| pkg.string(table, k, out).map(|(url, _)| (k, url)))
        .collect();
    let reference = pkg.string(table, "ref", out);
    let file = pkg.string(table, "file", out);
    let path = pkg.string(table, "path", out);
    if let Some(&(kind, url)) = vcs.first() {
        dep.source = DependencySource::Vcs(vcs_url(kind, url, reference.map(|(r, _)| r)));
    } else if let Some((location, _)) = file.or(path) {
        dep.source = DependencySource::classify(location);
    }
    for field in ["markers", "subdirectory"] {
        pkg.string(table, field, out);
    }
    if let Some((index, at)) = pkg.string(table, "index", out) {
        match sources.iter().find(|s| s.name.as_deref() == Some(index)) {
            Some(source) => dep.private_index = source.private,
            None => pkg.problem(
                out,
                at,
                format!("`{name}` names index `{index}`, which no `[[source]]` declares"),
            ),
        }
    }
    if let Some(item) = table.get("extras") {
        let ok = item
            .as_array()
            .is_some_and(|a| a.iter().all(|v| v.as_str().is_some()));
        if !ok {
            let message = format!(
                "`extras` of `{name}` should be an array of strings, not {}",
                type_name(item)
            );
            pkg.problem(out, item_offset(src, item), message);
        }
    }
    if let Some(item) = table.get("editable") {
        if item.as_bool().is_none() {
            let message = format!(
                "`editable` of `{name}` should be `true` or `false`, not {}",
                type_name(item)
            );
            pkg.problem(out, item_offset(src, item), message);
        }
    }
}

/// The URL pip is given for a Pipfile VCS entry: `git = "https://host/r.git", ref = "v1"` is
/// `git+https://host/r.git@v1`.
fn vcs_url(kind: &str, url: &str, reference: Option<&str>) -> String {
    let lower = url.to_ascii_lowercase();
    let mut full =
        if lower.starts_with(&format!("{kind}+")) || lower.starts_with(&format!("{kind}://")) {
            url.to_owned()
        } else {
            format!("{kind}+{url}")
        };
    if let Some(reference) = reference.filter(|r| !r.is_empty()) {
        full.push('@');
        full.push_str(reference);
    }
    full
}

/// The package being read, for its findings.
struct Package<'a> {
    src: &'a SourceFile,
    name: &'a str,
    /// The normalised name.
    package: String,
}

impl Package<'_> {
    fn problem(&self, out: &mut Manifest, at: usize, message: String) {
        let finding = finding_at(self.src, Rule::InvalidRequirement, at, message)
            .with_package(self.package.clone());
        out.findings.push(finding);
    }

    /// The string `field` of the package's table and where it starts, or a finding if it is
    /// not a string.
    fn string<'t>(
        &self,
        table: &'t dyn TableLike,
        field: &str,
        out: &mut Manifest,
    ) -> Option<(&'t str, usize)> {
        let item = table.get(field)?;
        let at = item_offset(self.src, item);
        match item.as_str() {
            Some(s) => Some((s, at)),
            None => {
                let message = format!(
                    "`{field}` of `{}` should be a string, not {}",
                    self.name,
                    type_name(item)
                );
                self.problem(out, at, message);
                None
            }
        }
    }

    fn version(&self, spec: &str, at: usize, dep: &mut Dependency, out: &mut Manifest) {
        match parse_specifiers(spec) {
            Ok(specs) => dep.specifiers = specs,
            Err(err) => {
                // The parser's message ends with the specifier and a caret line: keep the first line.
                let err = err.lines().next().unwrap_or_default().trim_end_matches(':');
                let message = format!(
                    "invalid version specifier `{spec}` for `{}`: {err}",
                    self.name
                );
                self.problem(out, at, message);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_keys_point_inside_quotes() {
        let text = "[packages]\n\"zope.interface\" = \"*\"\n'Foo' = {version = \">=1\"}\n";
        let m = parse(&SourceFile::new("Pipfile", text));
        let names: Vec<_> = m
            .dependencies
            .iter()
            .map(|d| &text[d.name_span.clone()])
            .collect();
        assert_eq!(names, ["zope.interface", "Foo"]);
        assert!(m.findings.is_empty(), "{:?}", m.findings);
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "",
            "[",
            "packages = 1",
            "[[packages]]\na = 1",
            "source = 3",
            "source = [1]",
            "[[source]]\n",
            "[packages]\na = {version = 1, extras = \"x\", index = 2, git = 3}",
            "[packages]\n\"\" = \"*\"",
            "[packages.a]\nversion = \"*\"",
        ] {
            let _ = parse(&SourceFile::new("Pipfile", text));
        }
    }
}
