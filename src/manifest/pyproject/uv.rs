//! uv's tables, in `pyproject.toml` under `[tool.uv]`, in a `uv.toml` file (the same keys at the
//! top level; sections and statements then lack the `tool.uv.` prefix) and in a script's
//! inline metadata (`[tool.uv]` of a PEP 723 block, [`crate::manifest::script`]):
//!
//! - the requirement arrays `dev-dependencies`, `constraint-dependencies`,
//!   `override-dependencies` and `build-constraint-dependencies`, whose entries may be
//!   `{ requirement = "...", hashes = [...] }` tables; an `override-dependencies` entry may
//!   also be a scoped override, `{ package = { name = "...", version = "..." }, dependencies =
//!   [...] }`, whose `dependencies` are read as the entries are, also when the scoped overrides
//!   are written as `[[tool.uv.override-dependencies]]` headers;
//! - `extra-build-dependencies = { <package> = [...] }`
//!   (`tool.uv.extra-build-dependencies.<package>`): installed into the build environment of
//!   `<package>`; entries are requirement strings or `{ requirement = "...", match-runtime =
//!   true }` tables;
//! - `[[tool.uv.dependency-metadata]]` (`tool.uv.dependency-metadata`): static metadata uv
//!   uses in place of the registry's for the package `name`, so every `requires-dist` entry
//!   (PEP 508) is installed with it; `name`, `version`, `requires-python` and
//!   `provides-extras` name no package to install. `[tool.uv.sources]` does not apply to these
//!   (they are not the project's own dependencies);
//! - the same `dependency-metadata` and `extra-build-dependencies` under `[tool.uv.pip]`
//!   (sections `tool.uv.pip.<key>`), which `uv pip` commands apply;
//! - `[tool.uv.sources]` (where a dependency declared elsewhere comes from: `git`, `url`,
//!   `path`, `workspace`, `index`);
//! - the indexes: `[[tool.uv.index]]` (`name`, `url`, `default`, `explicit`), `index-url`,
//!   `extra-index-url`, `find-links` and `no-index`, and the same settings of the uv pip
//!   interface, `[tool.uv.pip]` (`[[tool.uv.pip.index]]` too), which `uv pip install` uses;
//!   `index-strategy = "unsafe-best-match"` in either table makes the indexes searched before
//!   PyPI merged with it (each package from whichever has the highest version).
//!
//! Must agree with uv's reader (`uv-workspace`'s `ToolUv`, `ExtraBuildDependency` and
//! `Sources`, `uv-settings`' `Options` and `PipOptions`, `uv-distribution-types`'
//! `StaticMetadata`, documented under "Settings" and "Dependency sources"): a source entry may
//! be one table or an array of tables with markers; uv searches its indexes before PyPI
//! (`first-index`), a `default` index (or `index-url`) replaces PyPI, an `explicit` one serves
//! only the packages that name it, and `no-index` leaves only the `find-links` locations. uv
//! refuses `sources`, `dev-dependencies` and the other project-only keys in a `uv.toml`
//! (`PyprojectOnlyField`); they are read there all the same, as they would be in `[tool.uv]`:
//! a reading of more than uv takes, never less. A project's `uv.toml` takes precedence over its
//! `[tool.uv]` settings; both files are read, each judged on its own.

use super::{entries, parse_with, Entries, Reader};
use crate::finding::Rule;
use crate::index_url::{is_pypi_index, is_test_pypi_index};
use crate::manifest::toml_span::with_article;
use crate::manifest::{DependencySource, IndexRole, IndexUse, Manifest};
use crate::name::normalize;
use crate::source::SourceFile;
use toml_edit::{Item, Key, TableLike, Value};

/// Reads `src` as a `uv.toml`: uv's settings at the top level.
pub fn parse_uv_toml(src: &SourceFile) -> Manifest {
    parse_with(src, |reader, root| {
        reader.uv(root, "");
        reader.uv_indexes(root, "");
    })
    .0
}

/// The `[tool.uv]` keys that hold PEP 508 requirement arrays (`override-dependencies` is read
/// apart, for its scoped overrides).
const UV_KEYS: &[&str] = &[
    "dev-dependencies",
    "constraint-dependencies",
    "build-constraint-dependencies",
];

/// The section of `[[tool.uv.dependency-metadata]]` `requires-dist` entries (after
/// `tool.uv.` or `tool.uv.pip.`): `[tool.uv.sources]` does not apply to them.
const METADATA_KEY: &str = "dependency-metadata";

/// The tables of a `[tool.uv.sources]` entry: one table, or an array of them (with markers).
fn source_tables(item: &Item) -> Vec<&dyn TableLike> {
    match item {
        Item::Value(Value::Array(array)) => array
            .iter()
            .filter_map(|v| v.as_inline_table().map(|t| t as &dyn TableLike))
            .collect(),
        Item::ArrayOfTables(tables) => tables.iter().map(|t| t as &dyn TableLike).collect(),
        other => other.as_table_like().into_iter().collect(),
    }
}

/// The `[[tool.uv.index]]` tables.
pub(super) fn uv_index_tables(item: Option<&Item>) -> Vec<&dyn TableLike> {
    item.map(source_tables).unwrap_or_default()
}

impl Reader<'_> {
    /// `[tool.uv]` (or a `uv.toml`'s top level): its requirement arrays, extra build
    /// dependencies, dependency metadata (also under `pip`) and `[tool.uv.sources]`; `prefix`
    /// starts every section (`tool.uv.` or nothing).
    pub(super) fn uv(&mut self, uv: &dyn TableLike, prefix: &str) {
        for name in UV_KEYS {
            if let Some((k, i)) = uv.get_key_value(name) {
                self.requirements(k, i, &format!("{prefix}{name}"), Entries::UvTables);
            }
        }
        if let Some((k, i)) = uv.get_key_value("override-dependencies") {
            self.uv_overrides(k, i, &format!("{prefix}override-dependencies"));
        }
        self.uv_build_and_metadata(uv, prefix);
        let pip = format!("{prefix}pip");
        if let Some(table) = self.subtable(uv, "pip", &pip) {
            self.uv_build_and_metadata(table, &format!("{pip}."));
        }
        self.uv_sources(uv);
    }

    /// `override-dependencies`: requirement strings, `{ requirement = ... }` tables and scoped
    /// overrides (`{ package = {...}, dependencies = [...] }`, also as `[[...]]` headers).
    fn uv_overrides(&mut self, key: &Key, item: &Item, section: &str) {
        let Item::ArrayOfTables(tables) = item else {
            self.requirements(key, item, section, Entries::UvOverrides);
            return;
        };
        for t in tables.iter() {
            match t.get_key_value("dependencies") {
                Some((k, i)) => self.requirements(k, i, section, Entries::UvTables),
                None => {
                    let offset = t.span().map_or_else(|| self.key_offset(key), |s| s.start);
                    self.m.push_finding(
                        self.src,
                        Rule::InvalidRequirement,
                        offset,
                        format!("`{section}` table without `dependencies`"),
                    );
                }
            }
        }
    }

    /// `extra-build-dependencies` and `dependency-metadata` of `table` (`[tool.uv]` or
    /// `[tool.uv.pip]`, whose sections start with `prefix`: `tool.uv.`, `tool.uv.pip.`, or
    /// nothing in a `uv.toml`).
    fn uv_build_and_metadata(&mut self, table: &dyn TableLike, prefix: &str) {
        let build = format!("{prefix}extra-build-dependencies");
        if let Some(packages) = self.subtable(table, "extra-build-dependencies", &build) {
            for (package, deps) in entries(packages) {
                let section = format!("{build}.{}", package.get());
                self.requirements(package, deps, &section, Entries::UvTables);
            }
        }
        if let Some((key, item)) = table.get_key_value(METADATA_KEY) {
            self.uv_dependency_metadata(key, item, &format!("{prefix}{METADATA_KEY}"));
        }
    }

    /// `[[tool.uv.dependency-metadata]]`: each entry's `requires-dist`.
    fn uv_dependency_metadata(&mut self, key: &Key, item: &Item, section: &str) {
        let tables: Vec<&dyn TableLike> = match item {
            Item::ArrayOfTables(tables) => tables.iter().map(|t| t as &dyn TableLike).collect(),
            Item::Value(Value::Array(array)) => {
                let mut tables = Vec::new();
                for value in array.iter() {
                    match value.as_inline_table() {
                        Some(t) => tables.push(t as &dyn TableLike),
                        None => {
                            let message = format!(
                                "`{section}` entries must be tables, found {}",
                                with_article(value.type_name())
                            );
                            self.invalid_entry(value, key, message);
                        }
                    }
                }
                tables
            }
            other => {
                let offset = self.item_offset(other, key);
                self.m.push_finding(
                    self.src,
                    Rule::InvalidManifest,
                    offset,
                    format!(
                        "`{section}` must be an array of tables, found {}",
                        with_article(other.type_name())
                    ),
                );
                return;
            }
        };
        for t in tables {
            if let Some((k, i)) = t.get_key_value("requires-dist") {
                self.requirements(k, i, section, Entries::Pep508);
            }
        }
    }

    /// Applies `[tool.uv.sources]` to the dependencies uv installs (not Poetry's or PDM's).
    fn uv_sources(&mut self, uv: &dyn TableLike) {
        let Some(sources) = uv.get("sources").and_then(Item::as_table_like) else {
            return;
        };
        let index_names = |pred: fn(&str) -> bool| -> Vec<String> {
            uv_index_tables(uv.get("index"))
                .into_iter()
                .filter(|t| t.get("url").and_then(Item::as_str).is_some_and(pred))
                .filter_map(|t| t.get("name").and_then(Item::as_str).map(str::to_owned))
                .collect()
        };
        let pypi_indexes = index_names(is_pypi_index);
        // the URL of the index a source names; of two of that name, TestPyPI's
        let urls_named = |index: &str| -> Vec<&str> {
            uv_index_tables(uv.get("index"))
                .into_iter()
                .filter(|t| t.get("name").and_then(Item::as_str) == Some(index))
                .filter_map(|t| t.get("url").and_then(Item::as_str))
                .collect()
        };
        for (name, item) in sources.iter() {
            let norm = normalize(name);
            let mut source = None;
            let mut private = false;
            for t in source_tables(item) {
                let index = t
                    .get_key_value("index")
                    .and_then(|(k, i)| Some((k, i, i.as_str()?)));
                if let Some((k, index_item, index)) = index {
                    private |= !pypi_indexes.iter().any(|p| p == index);
                    let urls = urls_named(index);
                    let url = urls.iter().find(|u| is_test_pypi_index(u)).or(urls.first());
                    if let Some(url) = url {
                        let offset = self.item_offset(index_item, k);
                        let usage = IndexUse::PackageFrom {
                            package: name.to_owned(),
                            index: index.to_owned(),
                        };
                        self.m.push_index(self.src, offset, "", *url, usage);
                    }
                }
                if source.is_none() && t.get("workspace").and_then(Item::as_bool) == Some(true) {
                    source = Some(DependencySource::Workspace);
                }
                for (field, make) in [
                    (
                        "git",
                        DependencySource::Vcs as fn(String) -> DependencySource,
                    ),
                    ("url", DependencySource::Url),
                    ("path", DependencySource::Path),
                ] {
                    if source.is_none() {
                        source = t
                            .get(field)
                            .and_then(Item::as_str)
                            .map(|s| make(s.to_owned()));
                    }
                }
            }
            for dep in &mut self.m.dependencies {
                let uv_reads = !dep.section.starts_with("tool.poetry.")
                    && !dep.section.starts_with("tool.pdm.")
                    && !dep.section.ends_with(METADATA_KEY);
                if dep.name != norm || !uv_reads || !dep.source.is_registry() {
                    continue;
                }
                if let Some(source) = &source {
                    dep.source = source.clone();
                } else if private {
                    dep.private_index = true;
                }
            }
        }
    }

    /// `[[tool.uv.index]]`, `[tool.uv]` `index-url`/`extra-index-url`/`find-links`/`no-index`
    /// and the same settings of `[tool.uv.pip]`: each URL with what uv does with it. `prefix`
    /// starts every statement as written (`tool.uv.` or nothing, for a `uv.toml`).
    pub(super) fn uv_indexes(&mut self, uv: &dyn TableLike, prefix: &str) {
        let pip = uv.get("pip").and_then(Item::as_table_like);
        // `unsafe-best-match`: every index searched, the highest version taken
        let merged = std::iter::once(uv)
            .chain(pip)
            .any(|t| t.get("index-strategy").and_then(Item::as_str) == Some("unsafe-best-match"));
        self.uv_index_settings(uv, prefix, merged);
        if let Some(pip) = pip {
            self.uv_index_settings(pip, &format!("{prefix}pip."), merged);
        }
    }

    /// The index settings of one table (`[tool.uv]`, `[tool.uv.pip]`), written `prefix<key>`.
    fn uv_index_settings(&mut self, table: &dyn TableLike, prefix: &str, merged: bool) {
        let first = if merged {
            IndexRole::Merged { tool: "uv" }
        } else {
            IndexRole::First
        };
        for t in uv_index_tables(table.get("index")) {
            let flag = |k: &str| t.get(k).and_then(Item::as_bool).unwrap_or(false);
            let role = if flag("explicit") {
                IndexRole::Explicit
            } else if flag("default") {
                IndexRole::Replaces
            } else {
                first
            };
            self.index_strings(t, "url", &format!("[[{prefix}index]] url"), role);
        }
        for (key, role) in [
            ("index-url", IndexRole::Replaces),
            ("extra-index-url", first),
            ("find-links", IndexRole::Links),
        ] {
            self.index_strings(table, key, &format!("{prefix}{key}"), role);
        }
        if let Some((k, item)) = table.get_key_value("no-index") {
            if item.as_bool() == Some(true) {
                let offset = self.item_offset(item, k);
                let written = format!("{prefix}no-index = true");
                let usage = IndexUse::NoIndex { tool: "uv" };
                self.m.push_index(self.src, offset, written, "", usage);
            }
        }
    }
}
