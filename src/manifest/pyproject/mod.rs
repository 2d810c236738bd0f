//! `pyproject.toml`: the PEP 621 project table, build requirements, PEP 735 dependency groups,
//! and the dependency tables of Poetry, PDM, uv, Hatch, Pixi and Flit.
//!
//! # What is read (and the `section` each dependency gets)
//!
//! PEP 508 requirement strings, in arrays:
//!
//! - `[project] dependencies` (`project.dependencies`);
//! - `[project.optional-dependencies] <extra> = [...]` (`project.optional-dependencies.<extra>`);
//! - `[build-system] requires` (`build-system.requires`);
//! - `[dependency-groups] <group> = [...]` (PEP 735, `dependency-groups.<group>`), whose entries
//!   are requirement strings or `{include-group = "<group>"}` tables (also written as
//!   `[[dependency-groups.<group>]]` headers, an array of such tables);
//! - `[tool.pdm.dev-dependencies] <group> = [...]` (`tool.pdm.dev-dependencies.<group>`) and
//!   `[tool.pdm] plugins` (`tool.pdm.plugins`), where an editable entry (`-e <url-or-path>`,
//!   `--editable <url-or-path>`) is a dependency only if it names its package (`-e name @ url`,
//!   or a `#egg=name` fragment);
//! - `[tool.uv]` `dev-dependencies`, `constraint-dependencies`, `override-dependencies` and
//!   `build-constraint-dependencies` (`tool.uv.<key>`), whose entries may also be tables
//!   `{ requirement = "<pep 508>", hashes = [...] }` (and, in `override-dependencies`, scoped
//!   overrides `{ package = {...}, dependencies = [...] }`); `[tool.uv]
//!   extra-build-dependencies = { <package> = [...] }`
//!   (`tool.uv.extra-build-dependencies.<package>`); the `requires-dist` of each
//!   `[[tool.uv.dependency-metadata]]` entry (`tool.uv.dependency-metadata`); the same two
//!   under `[tool.uv.pip]` (`tool.uv.pip.<key>`) (`uv`);
//! - Flit's older `[tool.flit.metadata]` `requires`, `dev-requires` and `requires-extra`
//!   (`flit`);
//! - Hatch's environments `[tool.hatch.envs.<env>]` `dependencies`, `extra-dependencies` and
//!   their overrides, `[tool.hatch.env] requires` and build target and hook `dependencies`
//!   (`hatch`; also a `hatch.toml` file).
//!
//! Pixi's `[tool.pixi.pypi-dependencies]` (also per feature and per target platform) is a table
//! of package name to a PEP 440 specifier string or a table (`pixi`; also a `pixi.toml` file).
//!
//! Poetry tables of package name to constraint: `[tool.poetry.dependencies]`,
//! `[tool.poetry.dev-dependencies]`, `[tool.poetry.group.<name>.dependencies]` and
//! `[tool.poetry.requires-plugins]` (sections named after the table). The key is the package
//! name (the key `python` is the interpreter, not a package). The value is a Poetry
//! constraint string (`^1.2`, `~1.2`, `1.2.*`, `>=1,<2`, `1 || 2`), a table (`version`,
//! `extras`, `markers`, `optional`, `python`, `source`, or `git`/`path`/`url` for a non-index
//! source), or an array of such tables (one dependency per element). Constraints are converted
//! to PEP 440 ([`poetry_constraint`]); a constraint with `||` has no PEP 440 equivalent and is
//! kept without specifiers.
//!
//! PDM's `[tool.pdm.resolution.overrides]` (`tool.pdm.resolution.overrides`) is a table of
//! package name to a PEP 440 specifier set, a bare version or a URL (`git+https://...`, which
//! sets the [`DependencySource`]) (`pdm`).
//!
//! `[tool.uv.sources]` is not a list of dependencies: it says where dependencies declared
//! elsewhere come from. Its `git`/`url`/`path` entries set the [`DependencySource`] of the
//! matching non-Poetry, non-PDM dependencies still read from the index (not those of
//! `dependency-metadata`, which are not the project's), `workspace = true` makes them the
//! project's own ([`DependencySource::Workspace`], as is a dependency on the project itself,
//! `name[extra]`, anywhere in the file), and an `index` entry naming a non-PyPI index marks
//! them `private_index` (as Poetry's `source = "<name>"` does).
//!
//! # What is not a dependency
//!
//! Everything else: `project.name` and other metadata, `project.scripts` and entry points,
//! extra and group names, `include-group` entries (they refer to another group, whose
//! dependencies are reported where they are written), `[tool.uv.sources]` and
//! `[tool.uv.index]` keys, `[tool.uv] exclude-dependencies` (they remove packages), the
//! `name` of a `dependency-metadata` entry and of a scoped override's `package` (a package
//! whose metadata is replaced, not one more to install), `[tool.pdm.resolution] excludes`,
//! `[tool.poetry.extras]`, `[[tool.poetry.source]]`, tox command lists and the tables of every
//! other tool.
//!
//! # Findings
//!
//! - `invalid-manifest`: a TOML syntax error (one finding, at the error); a value of the wrong
//!   type where a table, an array of requirements or (`dependency-metadata`) an array of
//!   tables is expected; an `include-group` of a group that does not exist; an include cycle
//!   (`a -> b -> a`); two groups with the same normalised name.
//! - `invalid-requirement`: a requirement string that is not PEP 508; a non-string element in a
//!   requirement array; any table in a dependency group other than `{include-group = "..."}`;
//!   a Poetry constraint, or a PDM override that is neither a URL nor a version, that cannot be
//!   read (the dependency is still recorded, so its name is still checked); a Poetry or PDM
//!   override key that is not a valid package name; a `dependency-metadata` entry that is not
//!   a table; a scoped override without `dependencies`.
//! - `unresolved-dependency`: `dynamic = ["dependencies"]` (or `"optional-dependencies"`) unless
//!   `[tool.setuptools.dynamic]` names their files (`setuptools` reads them), and PDM
//!   editable entries that do not name their package.
//!
//! # Index statements
//!
//! The package indexes of `[[tool.uv.index]]` (`default`, `explicit`), `[tool.uv]`
//! `index-url`/`extra-index-url`/`find-links`, `[[tool.poetry.source]]` (`priority`) and
//! `[[tool.pdm.source]]` (`verify_ssl`) are recorded with what each tool does with an index
//! that is not PyPI, and `[tool.uv.sources]` entries that name an index, for the `index-url`
//! rule (`src/rules/index_url.rs`), which judges them as it judges pip's index options.
//!
//! Dependencies and findings come out in file order. Every position is the byte where the
//! name (or the offending value) is written: the content of a string just after its opening
//! quote, a key where it stands. Strings with escapes and multi-line strings are mapped back
//! byte by byte, so positions stay exact there too.
//!
//! # Modules
//!
//! This module reads the standard tables (PEP 621 `[project]`, PEP 518 `[build-system]`,
//! PEP 735 `[dependency-groups]`) and dispatches `[tool.*]`: `poetry` (with the Poetry
//! constraint translation), `pdm`, `uv`, `hatch`, `pixi` and `flit` each read their
//! tool's tables. Positions come
//! from [`super::toml_span`].

mod flit;
mod hatch;
mod pdm;
mod pixi;
mod poetry;
mod setuptools;
mod uv;

pub use hatch::parse_hatch_toml;
pub use pixi::parse_pixi_toml;
pub use poetry::poetry_constraint;
pub use uv::parse_uv_toml;

use super::toml_span::{locate, with_article, Located};
use super::{
    finding_at, leading_name, parse_pep508, pep508_rs_would_panic, DependencySource, IndexRole,
    IndexUse, Manifest,
};
use crate::finding::{Finding, Rule};
use crate::name::normalize;
use crate::source::SourceFile;
use std::collections::HashMap;
use toml_edit::{Document, Formatted, Item, Key, TableLike, Value};

/// Reads `src` as a `pyproject.toml`.
pub fn parse(src: &SourceFile) -> Manifest {
    parse_with(src, |reader, root| reader.document(root)).0
}

/// Reads `src`, the TOML of a PEP 723 `script` block laid at the place it stands in its file
/// ([`crate::manifest::script`]): `dependencies` (`script.dependencies`) and `[tool.uv]`, which
/// `uv run` reads there as it reads it in `pyproject.toml`.
pub fn parse_script_metadata(src: &SourceFile) -> Manifest {
    parse_with(src, |reader, root| {
        if let Some((key, item)) = root.get_key_value("dependencies") {
            reader.requirements(key, item, "script.dependencies", Entries::Pep508);
        }
        let tool = root.get("tool").and_then(Item::as_table_like);
        if let Some(uv) = tool.and_then(|t| reader.subtable(t, "uv", "tool.uv")) {
            reader.uv(uv, "tool.uv.");
            reader.uv_indexes(uv, "tool.uv.");
        }
    })
    .0
}

/// One entry of a PEP 735 dependency group, in file order, where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupEntry {
    /// A requirement string (decoded from TOML), and the byte where its content starts.
    Requirement { text: String, offset: usize },
    /// `{include-group = "<group>"}`: the group named (as written), where the name is.
    Include { target: String, offset: usize },
    /// An entry PEP 735 does not allow (a number, another table): why, and where it is.
    Invalid { message: String, offset: usize },
}

/// One group of `[dependency-groups]`: its name as written, where the name is, its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyGroup {
    pub name: String,
    pub offset: usize,
    /// `None` when the group is not an array (nor `[[dependency-groups.<name>]]` tables).
    pub entries: Option<Vec<GroupEntry>>,
}

/// The message of a dependency-group include cycle found by a depth-first search: the groups
/// on its `path` (group index, next edge) from `back`, the group an include leads back to,
/// then `back` again, each named by `name`.
pub(crate) fn include_cycle<'g>(
    path: &[(usize, usize)],
    back: usize,
    name: impl Fn(usize) -> &'g str,
) -> String {
    let from = path.iter().position(|&(n, _)| n == back).unwrap_or(0);
    let mut chain: Vec<&str> = path[from..].iter().map(|&(n, _)| name(n)).collect();
    chain.push(name(back));
    format!("dependency group include cycle: {}", chain.join(" -> "))
}

/// A dependency group's name as pip compares it (the `dependency_groups` reader vendored in
/// pip): each run of `-`, `_` and `.` becomes one `-`, then the whole name is lower-cased as
/// Python's `str.lower()` does it (Unicode, with the final sigma). Unlike a project name
/// (PEP 503, [`normalize`]), nothing is trimmed: ` dev` and `-dev` are groups of their own.
pub fn group_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for ch in name.chars() {
        if matches!(ch, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            out.push(ch);
            in_run = false;
        }
    }
    out.to_lowercase()
}

/// Reads `src` as a `pyproject.toml` for its PEP 735 `[dependency-groups]`: the manifest (as
/// [`parse`] gives it: the groups' requirements as dependencies, in sections
/// `dependency-groups.<name>`) and the groups with their entries in file order, or `None`
/// when the file has no `[dependency-groups]` table (or it is not a table, or the file is not
/// TOML: the manifest's findings say so).
pub fn parse_dependency_groups(src: &SourceFile) -> (Manifest, Option<Vec<DependencyGroup>>) {
    parse_with(src, |reader, root| reader.document(root))
}

/// Reads `src` as TOML with `read` (a `pyproject.toml`, a tool's own file).
fn parse_with(
    src: &SourceFile,
    read: impl FnOnce(&mut Reader<'_>, &toml_edit::Table),
) -> (Manifest, Option<Vec<DependencyGroup>>) {
    let mut reader = Reader {
        src,
        m: Manifest::default(),
        groups: None,
        dynamic_notes: Vec::new(),
    };
    match Document::parse(src.text.as_str()) {
        Ok(doc) => read(&mut reader, doc.as_table()),
        Err(err) => {
            let offset = err.span().map(|s| s.start).unwrap_or(0);
            let message = err.message().lines().collect::<Vec<_>>().join(" ");
            reader.m.push_finding(
                src,
                Rule::InvalidManifest,
                offset,
                format!("invalid TOML: {message}"),
            );
        }
    }
    // File order, whatever order the tables were read in (both sorts are stable).
    reader.m.dependencies.sort_by_key(|d| d.name_span.start);
    reader.m.sort_by_position();
    (reader.m, reader.groups)
}

/// The project's own name: `[project] name` (PEP 621), else `[tool.poetry] name`.
fn own_name(root: &toml_edit::Table) -> Option<&str> {
    root.get("project")
        .and_then(|p| p.get("name"))
        .or_else(|| root.get("tool")?.get("poetry")?.get("name"))
        .and_then(Item::as_str)
}

/// What a project's `pyproject.toml` says of the name it installs as, for a local directory
/// requirement (`-e ./vendor/x`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeclaredName {
    /// `[project] name` (PEP 621, which every backend honours and none lets code change), or
    /// `[tool.poetry] name` under poetry-core.
    Name(String),
    /// The backend decides in a way not read here: an in-tree backend (`backend-path`), or a
    /// file that is not TOML.
    Unknown(String),
    /// Nothing: setuptools' setup.py and setup.cfg decide.
    Silent,
}

/// What `src`, a project's `pyproject.toml`, declares of its name ([`DeclaredName`]).
pub fn project_name(src: &SourceFile) -> DeclaredName {
    let Ok(doc) = Document::parse(src.text.as_str()) else {
        return DeclaredName::Unknown("its `pyproject.toml` is not valid TOML".into());
    };
    let root = doc.as_table();
    let build = root.get("build-system");
    if build.and_then(|b| b.get("backend-path")).is_some() {
        return DeclaredName::Unknown(
            "its `pyproject.toml` names a build backend inside the project (`backend-path`), whose code decides"
                .into(),
        );
    }
    let backend = build
        .and_then(|b| b.get("build-backend"))
        .and_then(Item::as_str)
        .unwrap_or("");
    let declared = root.get("project").and_then(|p| p.get("name")).or_else(|| {
        backend
            .starts_with("poetry.core")
            .then(|| root.get("tool")?.get("poetry")?.get("name"))
            .flatten()
    });
    match declared.map(|n| n.as_str()) {
        Some(Some(name)) => DeclaredName::Name(name.to_owned()),
        Some(None) => DeclaredName::Unknown(
            "its `pyproject.toml` declares a name that is not a string".into(),
        ),
        None => DeclaredName::Silent,
    }
}

struct Reader<'a> {
    src: &'a SourceFile,
    m: Manifest,
    /// `[dependency-groups]`, once read.
    groups: Option<Vec<DependencyGroup>>,
    /// The notes that a field is declared dynamic: the field, and the note's index in
    /// `m.findings` (dropped when `[tool.setuptools.dynamic]` names its files).
    dynamic_notes: Vec<(DynamicField, usize)>,
}

/// A `[project] dynamic` field that holds requirements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DynamicField {
    Dependencies,
    OptionalDependencies,
}

/// How the entries of a requirement array are read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Entries {
    /// PEP 508 strings only.
    Pep508,
    /// PEP 508 strings and PDM's `-e <url-or-path>`.
    PdmEditable,
    /// PEP 508 strings and uv's `{ requirement = "<pep 508>", hashes = [...] }` tables.
    UvTables,
    /// As `UvTables`, and uv's scoped overrides: `{ package = {...}, dependencies = [...] }`,
    /// whose `dependencies` are read as `UvTables` (a table with `package` but no
    /// `dependencies` is reported).
    UvOverrides,
}

/// One include-group entry: the group it names and where that name is written.
struct Include {
    target: String,
    offset: usize,
}

/// One PEP 735 group, for resolving includes.
struct Group {
    name: String,
    includes: Vec<Include>,
}

impl Reader<'_> {
    fn document(&mut self, root: &toml_edit::Table) {
        if let Some(project) = self.subtable(root, "project", "project") {
            self.project(project);
        }
        if let Some(build) = self.subtable(root, "build-system", "build-system") {
            if let Some((k, i)) = build.get_key_value("requires") {
                self.requirements(k, i, "build-system.requires", Entries::Pep508);
            }
        }
        if let Some(groups) = self.subtable(root, "dependency-groups", "dependency-groups") {
            self.dependency_groups(groups);
        }
        if let Some(tool) = self.subtable(root, "tool", "tool") {
            self.tool(tool);
        }
        self.setuptools_dynamic(root);
        // `name[extra]` in the project's own lists (`all = ["ultralytics[export]"]`) is the
        // project being built, not a package from an index
        let own = own_name(root).map(normalize);
        if let Some(own) = own {
            for dep in &mut self.m.dependencies {
                if dep.name == own && dep.source.is_registry() {
                    dep.source = DependencySource::Workspace;
                }
            }
        }
    }

    fn project(&mut self, project: &dyn TableLike) {
        if let Some((key, item)) = project.get_key_value("dependencies") {
            self.requirements(key, item, "project.dependencies", Entries::Pep508);
        }
        if let Some((key, item)) = project.get_key_value("optional-dependencies") {
            let label = "project.optional-dependencies";
            if let Some(extras) = self.table(key, item, label) {
                for (extra, deps) in entries(extras) {
                    let section = format!("{label}.{}", extra.get());
                    self.requirements(extra, deps, &section, Entries::Pep508);
                }
            }
        }
        if let Some(dynamic) = project.get("dynamic").and_then(Item::as_array) {
            for entry in dynamic.iter() {
                let Value::String(s) = entry else { continue };
                let (field, what) = match s.value().as_str() {
                    "dependencies" => (DynamicField::Dependencies, "dependencies"),
                    "optional-dependencies" => {
                        (DynamicField::OptionalDependencies, "optional dependencies")
                    }
                    _ => continue,
                };
                let offset = self.locate(s, 0).offset(0);
                self.dynamic_notes.push((field, self.m.findings.len()));
                self.m.push_finding(
                    self.src,
                    Rule::UnresolvedDependency,
                    offset,
                    format!(
                        "{what} are declared dynamic: the build backend computes them; \
                         squatguard cannot see them"
                    ),
                );
            }
        }
    }

    fn tool(&mut self, tool: &dyn TableLike) {
        if let Some(poetry) = self.subtable(tool, "poetry", "tool.poetry") {
            self.poetry(poetry);
        }
        if let Some(pdm) = self.subtable(tool, "pdm", "tool.pdm") {
            self.pdm(pdm);
        }
        if let Some(uv) = self.subtable(tool, "uv", "tool.uv") {
            self.uv(uv, "tool.uv.");
        }
        // after uv's: `[tool.uv.sources]` does not apply to these tools' tables
        if let Some(hatch) = self.subtable(tool, "hatch", "tool.hatch") {
            self.hatch(hatch, "tool.hatch.");
        }
        if let Some(pixi) = self.subtable(tool, "pixi", "tool.pixi") {
            self.pixi(pixi, "tool.pixi.");
        }
        if let Some(flit) = self.subtable(tool, "flit", "tool.flit") {
            self.flit(flit);
        }
        self.indexes(tool);
    }

    // ---- package indexes ----------------------------------------------------------------

    /// The package indexes uv, Poetry and PDM are told to use, with what each tool does with
    /// an index that is not PyPI, for the `index-url` rule.
    fn indexes(&mut self, tool: &dyn TableLike) {
        let sub = |name: &str| tool.get(name).and_then(Item::as_table_like);
        if let Some(uv) = sub("uv") {
            self.uv_indexes(uv, "tool.uv.");
        }
        if let Some(poetry) = sub("poetry") {
            self.poetry_sources(poetry);
        }
        if let Some(pdm) = sub("pdm") {
            self.pdm_sources(pdm);
        }
    }

    /// Records a string, or each string of an array, of index URLs under `key` (written as
    /// `label = URL`).
    fn index_strings(&mut self, table: &dyn TableLike, key: &str, label: &str, role: IndexRole) {
        let Some((k, item)) = table.get_key_value(key) else {
            return;
        };
        let values: Vec<&Value> = match item {
            Item::Value(Value::Array(a)) => a.iter().collect(),
            Item::Value(v) => vec![v],
            _ => Vec::new(),
        };
        for v in values {
            let Some(url) = v.as_str() else { continue };
            let offset = self.value_offset(v, k);
            let written = format!("{label} = {url}");
            self.m
                .push_index(self.src, offset, written, url, IndexUse::Url(role));
        }
    }

    // ---- requirement arrays -------------------------------------------------------------

    /// Reads `item` (the value of `key`) as an array of requirement strings.
    fn requirements(&mut self, key: &Key, item: &Item, section: &str, how: Entries) {
        let Some(array) = item.as_array() else {
            let offset = self.item_offset(item, key);
            self.m.push_finding(
                self.src,
                Rule::InvalidManifest,
                offset,
                format!(
                    "`{section}` must be an array of requirement strings, found {}",
                    with_article(item.type_name())
                ),
            );
            return;
        };
        for value in array.iter() {
            match value {
                Value::String(s) => {
                    let loc = self.locate(s, self.key_offset(key));
                    match how {
                        Entries::Pep508 | Entries::UvTables | Entries::UvOverrides => {
                            self.pep508(&loc, section)
                        }
                        Entries::PdmEditable => self.pdm_entry(&loc, section),
                    }
                }
                Value::InlineTable(t)
                    if how == Entries::UvOverrides
                        && (t.contains_key("package") || t.contains_key("dependencies")) =>
                {
                    match t.get_key_value("dependencies") {
                        Some((k, deps)) => self.requirements(k, deps, section, Entries::UvTables),
                        None => self.invalid_entry(
                            value,
                            key,
                            format!("`{section}` table without `dependencies`"),
                        ),
                    }
                }
                Value::InlineTable(t)
                    if matches!(how, Entries::UvTables | Entries::UvOverrides)
                        && t.get("requirement").is_some() =>
                {
                    match t.get_key_value("requirement") {
                        Some((k, Item::Value(Value::String(req)))) => {
                            let loc = self.locate(req, self.key_offset(k));
                            self.pep508(&loc, section);
                        }
                        _ => {
                            self.invalid_entry(
                                value,
                                key,
                                format!("`{section}` entry's `requirement` must be a string"),
                            );
                        }
                    }
                }
                other => {
                    let message = format!(
                        "`{section}` entries must be requirement strings, found {}",
                        with_article(other.type_name())
                    );
                    self.invalid_entry(other, key, message);
                }
            }
        }
    }

    /// Reports an entry of a requirement array (`value`, under `key`) that is not one.
    fn invalid_entry(&mut self, value: &Value, key: &Key, message: String) {
        let offset = self.value_offset(value, key);
        self.m
            .push_finding(self.src, Rule::InvalidRequirement, offset, message);
    }

    /// Records the PEP 508 requirement in `loc`, at the exact place it is written.
    fn pep508(&mut self, loc: &Located, section: &str) {
        if let Some((at, why)) = pep508_rs_would_panic(&loc.text) {
            let trimmed = loc.text.trim();
            let message = format!("invalid requirement `{trimmed}`: {why}");
            let mut finding =
                finding_at(self.src, Rule::InvalidRequirement, loc.offset(at), message);
            if let Some(name) = leading_name(trimmed) {
                finding = finding.with_package(normalize(name));
            }
            self.m.findings.push(finding);
            return;
        }
        if loc.is_verbatim() {
            self.m
                .push_pep508(self.src, &loc.text, loc.offset(0), section);
            return;
        }
        // Escapes or a multi-line string: parse the decoded text in a scratch file (after one
        // space, so a leading byte order mark is not dropped), then map positions back.
        let scratch = SourceFile::new(self.src.path.clone(), format!(" {}", loc.text));
        match parse_pep508(&scratch, &loc.text, 1, section) {
            Ok(mut dep) => {
                let start = loc.offset(dep.name_span.start.saturating_sub(1));
                let end = loc.offset(dep.name_span.end.saturating_sub(1)).max(start);
                let (line, column) = self.src.line_col(start);
                dep.line = line;
                dep.column = column;
                dep.name_span = start..end;
                dep.set_snippet(self.src.snippet_at(start));
                self.m.dependencies.push(dep);
            }
            Err(finding) => {
                let mut finding = *finding;
                let at = scratch_offset(&scratch, finding.line, finding.column).saturating_sub(1);
                self.place(&mut finding, loc.offset(at));
                self.m.findings.push(finding);
            }
        }
    }

    // ---- PEP 735 dependency groups ------------------------------------------------------

    fn dependency_groups(&mut self, table: &dyn TableLike) {
        let mut groups: Vec<Group> = Vec::new();
        let mut defs: Vec<DependencyGroup> = Vec::new();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for (key, item) in entries(table) {
            let name = key.get().to_owned();
            let section = format!("dependency-groups.{name}");
            let norm = group_name(&name);
            if let Some(&first) = by_name.get(norm.as_str()) {
                let offset = self.key_offset(key);
                let message = format!(
                    "dependency group `{name}` has the same normalised name as `{}`",
                    groups[first].name
                );
                self.m
                    .push_finding(self.src, Rule::InvalidManifest, offset, message);
            } else {
                by_name.insert(norm, groups.len());
            }
            let mut group = Group {
                name,
                includes: Vec::new(),
            };
            let mut def = DependencyGroup {
                name: group.name.clone(),
                offset: self.key_offset(key),
                entries: Some(Vec::new()),
            };
            let mut push = |entry: GroupEntry| def.entries.get_or_insert_with(Vec::new).push(entry);
            // `[[dependency-groups.name]]` headers: an array of tables, each an include
            if let Item::ArrayOfTables(tables) = item {
                for t in tables.iter() {
                    match (t.len(), t.get_key_value("include-group")) {
                        (1, Some((k, Item::Value(Value::String(target))))) => {
                            let offset = self.locate(target, self.key_offset(k)).offset(0);
                            group.includes.push(Include {
                                target: target.value().clone(),
                                offset,
                            });
                            push(GroupEntry::Include {
                                target: target.value().clone(),
                                offset,
                            });
                        }
                        _ => {
                            let offset = t.span().map_or_else(|| self.key_offset(key), |s| s.start);
                            let message = format!(
                                "unsupported table in `{section}`: only \
                                 {{include-group = \"<group>\"}} is allowed"
                            );
                            push(GroupEntry::Invalid {
                                message: message.clone(),
                                offset,
                            });
                            self.m.push_finding(
                                self.src,
                                Rule::InvalidRequirement,
                                offset,
                                message,
                            );
                        }
                    }
                }
                groups.push(group);
                defs.push(def);
                continue;
            }
            let Some(array) = item.as_array() else {
                let offset = self.item_offset(item, key);
                self.m.push_finding(
                    self.src,
                    Rule::InvalidManifest,
                    offset,
                    format!(
                        "`{section}` must be an array of requirement strings and \
                         {{include-group = \"...\"}} tables, found {}",
                        with_article(item.type_name())
                    ),
                );
                groups.push(group);
                def.entries = None;
                defs.push(def);
                continue;
            };
            for value in array.iter() {
                match value {
                    Value::String(s) => {
                        let loc = self.locate(s, self.key_offset(key));
                        push(GroupEntry::Requirement {
                            text: loc.text.clone(),
                            offset: loc.offset(0),
                        });
                        self.pep508(&loc, &section);
                    }
                    Value::InlineTable(t) => match (t.len(), t.get("include-group")) {
                        (1, Some(Value::String(target))) => {
                            let offset =
                                self.locate(target, self.value_offset(value, key)).offset(0);
                            group.includes.push(Include {
                                target: target.value().clone(),
                                offset,
                            });
                            push(GroupEntry::Include {
                                target: target.value().clone(),
                                offset,
                            });
                        }
                        _ => {
                            let message = format!(
                                "unsupported table in `{section}`: only \
                                 {{include-group = \"<group>\"}} is allowed"
                            );
                            push(GroupEntry::Invalid {
                                message: message.clone(),
                                offset: self.value_offset(value, key),
                            });
                            self.invalid_entry(value, key, message);
                        }
                    },
                    other => {
                        let message = format!(
                            "`{section}` entries must be requirement strings or \
                             {{include-group = \"...\"}} tables, found {}",
                            with_article(other.type_name())
                        );
                        push(GroupEntry::Invalid {
                            message: message.clone(),
                            offset: self.value_offset(other, key),
                        });
                        self.invalid_entry(other, key, message);
                    }
                }
            }
            groups.push(group);
            defs.push(def);
        }
        self.group_includes(&groups, &by_name);
        self.groups = Some(defs);
    }

    /// Reports includes of missing groups, then include cycles (each back edge once).
    fn group_includes(&mut self, groups: &[Group], by_name: &HashMap<String, usize>) {
        let target = |inc: &Include| by_name.get(group_name(&inc.target).as_str()).copied();
        for group in groups {
            for inc in &group.includes {
                if target(inc).is_none() {
                    let message = format!(
                        "dependency group `{}` includes `{}`, which is not a group in \
                         [dependency-groups]",
                        group.name, inc.target
                    );
                    self.m
                        .push_finding(self.src, Rule::InvalidManifest, inc.offset, message);
                }
            }
        }
        // Iterative depth-first search: 0 unvisited, 1 on the current path, 2 done.
        let mut state = vec![0u8; groups.len()];
        for start in 0..groups.len() {
            if state[start] != 0 {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            state[start] = 1;
            while let Some(top) = stack.last_mut() {
                let (node, edge) = *top;
                let Some(inc) = groups[node].includes.get(edge) else {
                    state[node] = 2;
                    stack.pop();
                    continue;
                };
                top.1 += 1;
                let Some(next) = target(inc) else { continue };
                match state[next] {
                    0 => {
                        state[next] = 1;
                        stack.push((next, 0));
                    }
                    1 => {
                        let message = include_cycle(&stack, next, |n| groups[n].name.as_str());
                        self.m
                            .push_finding(self.src, Rule::InvalidManifest, inc.offset, message);
                    }
                    _ => {}
                }
            }
        }
    }

    // ---- positions ----------------------------------------------------------------------

    /// The table under `name` in `parent`, if there is one; reports that `label` must be a
    /// table when it is something else.
    fn subtable<'i>(
        &mut self,
        parent: &'i dyn TableLike,
        name: &str,
        label: &str,
    ) -> Option<&'i dyn TableLike> {
        let (key, item) = parent.get_key_value(name)?;
        self.table(key, item, label)
    }

    /// The tables under `parent.name` (`label`), each with its own label (`label.<key>`);
    /// what is not a table is reported.
    fn named_tables<'i>(
        &mut self,
        parent: &'i dyn TableLike,
        name: &str,
        label: &str,
    ) -> Vec<(String, &'i dyn TableLike)> {
        let Some(tables) = self.subtable(parent, name, label) else {
            return Vec::new();
        };
        entries(tables)
            .into_iter()
            .filter_map(|(key, item)| {
                let label = format!("{label}.{}", key.get());
                self.table(key, item, &label).map(|t| (label, t))
            })
            .collect()
    }

    /// Returns `item` as a table, or reports that `label` must be one.
    fn table<'i>(&mut self, key: &Key, item: &'i Item, label: &str) -> Option<&'i dyn TableLike> {
        let table = item.as_table_like();
        if table.is_none() {
            let offset = self.item_offset(item, key);
            self.m.push_finding(
                self.src,
                Rule::InvalidManifest,
                offset,
                format!(
                    "`{label}` must be a table, found {}",
                    with_article(item.type_name())
                ),
            );
        }
        table
    }

    /// Where `item` starts, or its key when it has no span.
    fn item_offset(&self, item: &Item, key: &Key) -> usize {
        match item {
            Item::Value(v) => self.value_offset(v, key),
            other => other
                .span()
                .map(|s| s.start)
                .unwrap_or_else(|| self.key_offset(key)),
        }
    }

    /// Where `value` starts (a string's content, after its quote), or its key.
    fn value_offset(&self, value: &Value, key: &Key) -> usize {
        match value {
            Value::String(s) => self.locate(s, self.key_offset(key)).offset(0),
            other => other
                .span()
                .map(|s| s.start)
                .unwrap_or_else(|| self.key_offset(key)),
        }
    }

    /// Where the name of `key` starts (after its quote, when quoted).
    fn key_offset(&self, key: &Key) -> usize {
        self.locate_key(key).offset(0)
    }

    /// The dependency a table key names (`name = ...` in Pixi's and PDM's tables), its span the
    /// key as written (a quoted key may use escapes); None, with an `invalid-requirement`
    /// finding, when the key is not a package name.
    fn keyed_dependency(
        &mut self,
        key: &Key,
        section: &str,
    ) -> Option<crate::manifest::Dependency> {
        let name = self.locate_key(key);
        let offset = name.offset(0);
        if !crate::name::is_valid(&name.text) {
            let message = format!("invalid package name `{}` in `{section}`", name.text);
            self.m
                .push_finding(self.src, Rule::InvalidRequirement, offset, message);
            return None;
        }
        let mut dep = crate::manifest::Dependency::new(self.src, &name.text, offset, section);
        dep.name_span = offset..name.offset(name.text.len()).max(offset);
        Some(dep)
    }

    fn locate_key(&self, key: &Key) -> Located {
        match key.span() {
            Some(span) => locate(&self.src.text, span, key.get()),
            None => Located::at(key.get(), 0),
        }
    }

    fn locate(&self, s: &Formatted<String>, fallback: usize) -> Located {
        match s.span() {
            Some(span) => locate(&self.src.text, span, s.value()),
            None => Located::at(s.value(), fallback.min(self.src.text.len())),
        }
    }

    /// Where `key` is written in the header of `table` (`[[a.b.key]]`), when it has one.
    fn header_key_offset(&self, table: &toml_edit::Table, key: &Key) -> Option<usize> {
        let header = table.span()?;
        let key_span = key.span()?;
        let raw_key = self.src.text.get(key_span.clone())?;
        let in_header = self.src.text.get(header.clone())?.rfind(raw_key)?;
        let name_delta = self.key_offset(key).checked_sub(key_span.start)?;
        Some(header.start + in_header + name_delta)
    }

    /// Moves `finding` to byte `offset` of the file.
    fn place(&self, finding: &mut Finding, offset: usize) {
        let (line, column) = self.src.line_col(offset);
        finding.line = line;
        finding.column = column;
        finding.set_snippet(self.src.snippet_at(offset));
    }
}

/// The entries of a table with their keys, in document order.
fn entries(table: &dyn TableLike) -> Vec<(&Key, &Item)> {
    table
        .iter()
        .filter_map(|(name, _)| table.get_key_value(name))
        .collect()
}

/// The byte offset of 1-based `line`/`column` (in code points) of `src`.
fn scratch_offset(src: &SourceFile, line: u32, column: u32) -> usize {
    let start = src.line_start(line);
    let text = src.line_text(line);
    let col = (column as usize).saturating_sub(1);
    start
        + text
            .char_indices()
            .nth(col)
            .map(|(i, _)| i)
            .unwrap_or(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::names_itself;

    #[test]
    fn names_itself_needs_at() {
        assert!(names_itself("pkg @ file:///x"));
        assert!(names_itself("pkg[extra] @ file:///x"));
        assert!(!names_itself("git+https://github.com/a/b.git@main#egg=b"));
        assert!(!names_itself("./path"));
    }

    #[test]
    fn pep508_rs_panics_become_findings() {
        for (req, col) in [
            ("multi- >=1", 23),
            ("name-[x]", 22),
            ("a[x-]", 21),
            ("a[y, x_\tz]", 24),
            ("a ; python_version < '3' é", 43),
            ("a ; os_name == 'x'é", 36),
            ("a @ file:///x ; os_name == 'é'", 46),
        ] {
            let text = format!("[project]\ndependencies = [{req:?}]\n");
            let m = parse(&SourceFile::new("pyproject.toml", text));
            assert!(m.dependencies.is_empty(), "{req}");
            assert_eq!(m.findings.len(), 1, "{req}");
            assert_eq!(m.findings[0].rule, Rule::InvalidRequirement, "{req}");
            assert_eq!(
                (m.findings[0].line, m.findings[0].column),
                (2, col),
                "{req}"
            );
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "",
            "[project",
            "project = 1",
            "[project]\ndependencies = [1, \"\", \"\\u00e9\"]",
            "[dependency-groups]\na = [{include-group = \"a\"}]\n",
            "[tool.poetry.dependencies]\n\"\" = \"^\"\n",
            "\u{feff}[project]\ndependencies = [\"\u{feff}x\"]",
        ] {
            let _ = parse(&SourceFile::new("pyproject.toml", text));
        }
    }
}
