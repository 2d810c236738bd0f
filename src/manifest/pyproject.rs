//! `pyproject.toml`: the PEP 621 project table, build requirements, PEP 735 dependency groups,
//! and the dependency tables of Poetry, PDM and uv.
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
//! - `[tool.pdm.dev-dependencies] <group> = [...]` (`tool.pdm.dev-dependencies.<group>`), where an
//!   editable entry (`-e <url-or-path>`, `--editable <url-or-path>`) is a dependency only if
//!   it names its package (`-e name @ url`, or a `#egg=name` fragment);
//! - `[tool.uv]` `dev-dependencies`, `constraint-dependencies`, `override-dependencies` and
//!   `build-constraint-dependencies` (`tool.uv.<key>`), whose entries may also be tables
//!   `{ requirement = "<pep 508>", hashes = [...] }`.
//!
//! Poetry tables of package name to constraint: `[tool.poetry.dependencies]`,
//! `[tool.poetry.dev-dependencies]` and `[tool.poetry.group.<name>.dependencies]` (sections named
//! after the table). The key is the package name (the key `python` is the interpreter, not a
//! package). The value is a Poetry constraint string (`^1.2`, `~1.2`, `1.2.*`, `>=1,<2`,
//! `1 || 2`), a table (`version`, `extras`, `markers`, `optional`, `python`, `source`, or
//! `git`/`path`/`url` for a non-index source), or an array of such tables (one dependency per
//! element). Constraints are converted to PEP 440 ([`poetry_constraint`]); a constraint with
//! `||` has no PEP 440 equivalent and is kept without specifiers.
//!
//! `[tool.uv.sources]` is not a list of dependencies: it says where dependencies declared
//! elsewhere come from. Its `git`/`url`/`path` entries set the [`DependencySource`] of the
//! matching non-Poetry, non-PDM dependencies still read from the index, `workspace = true`
//! makes them the project's own ([`DependencySource::Workspace`], as is a dependency on the
//! project itself, `name[extra]`, anywhere in the file), and an `index` entry naming a
//! non-PyPI index marks them `private_index` (as Poetry's `source = "<name>"` does).
//!
//! # What is not a dependency
//!
//! Everything else: `project.name` and other metadata, `project.scripts` and entry points,
//! extra and group names, `include-group` entries (they refer to another group, whose
//! dependencies are reported where they are written), `[tool.uv.sources]` and
//! `[tool.uv.index]` keys, `[tool.poetry.extras]`, `[[tool.poetry.source]]`, tox command lists
//! and the tables of every other tool.
//!
//! # Findings
//!
//! - `invalid-manifest`: a TOML syntax error (one finding, at the error); a value of the wrong
//!   type where a table or an array of requirements is expected; an `include-group` of a group
//!   that does not exist; an include cycle (`a -> b -> a`); two groups with the same normalised
//!   name.
//! - `invalid-requirement`: a requirement string that is not PEP 508; a non-string element in a
//!   requirement array; any table in a dependency group other than `{include-group = "..."}`;
//!   a Poetry constraint that cannot be read (the dependency is still recorded, so its name is
//!   still checked); a Poetry key that is not a valid package name.
//! - `unresolved-dependency`: `dynamic = ["dependencies"]` (or `"optional-dependencies"`), and
//!   PDM editable entries that do not name their package.
//! - `index-url`: the package indexes of `[[tool.uv.index]]` (`default`, `explicit`),
//!   `[tool.uv] index-url`/`extra-index-url`/`find-links`, `[[tool.poetry.source]]`
//!   (`priority`) and `[[tool.pdm.source]]` (`verify_ssl`), judged as pip's index options are,
//!   by what each tool does with an index that is not PyPI; a `[tool.uv.sources]` entry that
//!   takes a package from TestPyPI.
//!
//! Dependencies and findings come out in file order. Every position is the byte where the
//! name (or the offending value) is written: the content of a string just after its opening
//! quote, a key where it stands. Strings with escapes and multi-line strings are mapped back
//! byte by byte, so positions stay exact there too.

use super::toml_span::{locate, with_article, Located};
use super::{
    finding_at, leading_name, names_itself, parse_pep508, parse_specifiers, pep508_rs_would_panic,
    Dependency, DependencySource, IndexRole, IndexUse, Manifest,
};
use crate::finding::{Finding, Rule};
use crate::index_url::{is_pypi_index, is_test_pypi_index};
use crate::name::{is_valid, normalize};
use crate::source::SourceFile;
use pep440_rs::{Version, VersionSpecifiers};
use std::collections::HashMap;
use std::str::FromStr;
use toml_edit::{Document, Formatted, Item, Key, TableLike, Value};

/// Reads `src` as a `pyproject.toml`.
pub fn parse(src: &SourceFile) -> Manifest {
    let mut reader = Reader {
        src,
        m: Manifest::default(),
    };
    match Document::parse(src.text.as_str()) {
        Ok(doc) => reader.document(doc.as_table()),
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
    reader.m
}

/// The `[tool.uv]` keys that hold PEP 508 requirement arrays.
const UV_KEYS: &[&str] = &[
    "dev-dependencies",
    "constraint-dependencies",
    "override-dependencies",
    "build-constraint-dependencies",
];

struct Reader<'a> {
    src: &'a SourceFile,
    m: Manifest,
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
        if let Some((key, item)) = root.get_key_value("project") {
            if let Some(project) = self.table(key, item, "project") {
                self.project(project);
            }
        }
        if let Some((key, item)) = root.get_key_value("build-system") {
            if let Some(build) = self.table(key, item, "build-system") {
                if let Some((k, i)) = build.get_key_value("requires") {
                    self.requirements(k, i, "build-system.requires", Entries::Pep508);
                }
            }
        }
        if let Some((key, item)) = root.get_key_value("dependency-groups") {
            if let Some(groups) = self.table(key, item, "dependency-groups") {
                self.dependency_groups(groups);
            }
        }
        if let Some((key, item)) = root.get_key_value("tool") {
            if let Some(tool) = self.table(key, item, "tool") {
                self.tool(tool);
            }
        }
        // `name[extra]` in the project's own lists (`all = ["ultralytics[export]"]`) is the
        // project being built, not a package from an index
        let own = root
            .get("project")
            .and_then(|p| p.get("name"))
            .or_else(|| root.get("tool")?.get("poetry")?.get("name"))
            .and_then(Item::as_str)
            .map(normalize);
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
                let what = match s.value().as_str() {
                    "dependencies" => "dependencies",
                    "optional-dependencies" => "optional dependencies",
                    _ => continue,
                };
                let offset = self.locate(s, 0).offset(0);
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
        if let Some((key, item)) = tool.get_key_value("poetry") {
            if let Some(poetry) = self.table(key, item, "tool.poetry") {
                self.poetry(poetry);
            }
        }
        if let Some((key, item)) = tool.get_key_value("pdm") {
            if let Some(pdm) = self.table(key, item, "tool.pdm") {
                if let Some((key, item)) = pdm.get_key_value("dev-dependencies") {
                    let label = "tool.pdm.dev-dependencies";
                    if let Some(groups) = self.table(key, item, label) {
                        for (group, deps) in entries(groups) {
                            let section = format!("{label}.{}", group.get());
                            self.requirements(group, deps, &section, Entries::PdmEditable);
                        }
                    }
                }
            }
        }
        if let Some((key, item)) = tool.get_key_value("uv") {
            if let Some(uv) = self.table(key, item, "tool.uv") {
                for name in UV_KEYS {
                    if let Some((k, i)) = uv.get_key_value(name) {
                        self.requirements(k, i, &format!("tool.uv.{name}"), Entries::UvTables);
                    }
                }
                self.uv_sources(uv);
            }
        }
        self.indexes(tool);
    }

    // ---- package indexes ----------------------------------------------------------------

    /// The package indexes uv, Poetry and PDM are told to use, with what each tool does with
    /// an index that is not PyPI, for the `index-url` rule.
    fn indexes(&mut self, tool: &dyn TableLike) {
        let sub = |name: &str| tool.get(name).and_then(Item::as_table_like);
        if let Some(uv) = sub("uv") {
            for t in uv_index_tables(uv.get("index")) {
                let flag = |k: &str| t.get(k).and_then(Item::as_bool).unwrap_or(false);
                let role = if flag("explicit") {
                    IndexRole::Explicit
                } else if flag("default") {
                    IndexRole::Replaces
                } else {
                    IndexRole::First
                };
                self.index_strings(t, "url", "[[tool.uv.index]] url", role);
            }
            for (key, role) in [
                ("index-url", IndexRole::Replaces),
                ("extra-index-url", IndexRole::First),
                ("find-links", IndexRole::Links),
            ] {
                self.index_strings(uv, key, &format!("tool.uv.{key}"), role);
            }
        }
        if let Some(poetry) = sub("poetry") {
            for t in uv_index_tables(poetry.get("source")) {
                let role = match t.get("priority").and_then(Item::as_str) {
                    Some("explicit") => IndexRole::Explicit,
                    Some("supplemental" | "secondary") => IndexRole::Fallback { tool: "Poetry" },
                    _ => IndexRole::Replaces,
                };
                self.index_strings(t, "url", "[[tool.poetry.source]] url", role);
            }
        }
        if let Some(pdm) = sub("pdm") {
            for t in uv_index_tables(pdm.get("source")) {
                let overrides_pypi = t.get("name").and_then(Item::as_str) == Some("pypi");
                let role = if overrides_pypi {
                    IndexRole::Replaces
                } else {
                    IndexRole::Merged { tool: "PDM" }
                };
                self.index_strings(t, "url", "[[tool.pdm.source]] url", role);
                if let Some((key, item)) = t.get_key_value("verify_ssl") {
                    if item.as_bool() == Some(false) {
                        let offset = self.item_offset(item, key);
                        let usage = IndexUse::VerifySslOff;
                        self.m
                            .push_index(self.src, offset, "verify_ssl = false", "", usage);
                    }
                }
            }
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
                        Entries::Pep508 | Entries::UvTables => self.pep508(&loc, section),
                        Entries::PdmEditable => self.pdm_entry(&loc, section),
                    }
                }
                Value::InlineTable(t)
                    if how == Entries::UvTables && t.get("requirement").is_some() =>
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
                dep.snippet = self.src.line_text(line).to_owned();
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

    /// A PDM dev-dependency: PEP 508, or `-e <url-or-path>` that may or may not name a package.
    fn pdm_entry(&mut self, loc: &Located, section: &str) {
        let text = loc.text.as_str();
        let lead = text.len() - text.trim_start().len();
        let trimmed = text.trim();
        let flag_len = ["-e", "--editable"]
            .iter()
            .find(|f| {
                trimmed
                    .strip_prefix(**f)
                    .is_some_and(|rest| rest.starts_with(|c: char| c.is_whitespace() || c == '='))
            })
            .map(|f| f.len());
        let Some(flag_len) = flag_len else {
            self.pep508(loc, section);
            return;
        };
        let after_flag = &text[lead + flag_len..];
        let skip = after_flag.len() - after_flag.trim_start_matches([' ', '\t', '=']).len();
        let body_start = lead + flag_len + skip;
        let body = loc.slice(body_start..text.trim_end().len().max(body_start));
        if names_itself(&body.text) {
            self.pep508(&body, section);
            return;
        }
        if let Some(i) = body.text.find("#egg=") {
            let egg = &body.text[i + "#egg=".len()..];
            let egg = &egg[..egg.find('&').unwrap_or(egg.len())];
            if is_valid(egg) {
                let offset = body.offset(i + "#egg=".len());
                let mut dep = Dependency::new(self.src, egg, offset, section);
                dep.name_span = offset..body.offset(i + "#egg=".len() + egg.len());
                dep.source = DependencySource::classify(&body.text[..i]);
                self.m.dependencies.push(dep);
                return;
            }
        }
        self.m.push_finding(
            self.src,
            Rule::UnresolvedDependency,
            loc.offset(lead),
            format!(
                "editable requirement `{trimmed}` does not name its package \
                 (write `-e name @ url` or add `#egg=name`): squatguard cannot check it"
            ),
        );
    }

    // ---- PEP 735 dependency groups ------------------------------------------------------

    fn dependency_groups(&mut self, table: &dyn TableLike) {
        let mut groups: Vec<Group> = Vec::new();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for (key, item) in entries(table) {
            let name = key.get().to_owned();
            let section = format!("dependency-groups.{name}");
            let norm = normalize(&name);
            if let Some(&first) = by_name.get(&norm) {
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
                        }
                        _ => {
                            let offset = t.span().map_or_else(|| self.key_offset(key), |s| s.start);
                            let message = format!(
                                "unsupported table in `{section}`: only \
                                 {{include-group = \"<group>\"}} is allowed"
                            );
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
                continue;
            };
            for value in array.iter() {
                match value {
                    Value::String(s) => {
                        let loc = self.locate(s, self.key_offset(key));
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
                        }
                        _ => {
                            self.invalid_entry(
                                value,
                                key,
                                format!(
                                    "unsupported table in `{section}`: only \
                                     {{include-group = \"<group>\"}} is allowed"
                                ),
                            );
                        }
                    },
                    other => {
                        let message = format!(
                            "`{section}` entries must be requirement strings or \
                             {{include-group = \"...\"}} tables, found {}",
                            with_article(other.type_name())
                        );
                        self.invalid_entry(other, key, message);
                    }
                }
            }
            groups.push(group);
        }
        self.group_includes(&groups, &by_name);
    }

    /// Reports includes of missing groups, then include cycles (each back edge once).
    fn group_includes(&mut self, groups: &[Group], by_name: &HashMap<String, usize>) {
        let target = |inc: &Include| by_name.get(&normalize(&inc.target)).copied();
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
                        let from = stack.iter().position(|&(n, _)| n == next).unwrap_or(0);
                        let mut chain: Vec<&str> = stack[from..]
                            .iter()
                            .map(|&(n, _)| groups[n].name.as_str())
                            .collect();
                        chain.push(groups[next].name.as_str());
                        let message =
                            format!("dependency group include cycle: {}", chain.join(" -> "));
                        self.m
                            .push_finding(self.src, Rule::InvalidManifest, inc.offset, message);
                    }
                    _ => {}
                }
            }
        }
    }

    // ---- Poetry -------------------------------------------------------------------------

    fn poetry(&mut self, poetry: &dyn TableLike) {
        for name in ["dependencies", "dev-dependencies"] {
            if let Some((key, item)) = poetry.get_key_value(name) {
                self.poetry_table(key, item, &format!("tool.poetry.{name}"));
            }
        }
        if let Some((key, item)) = poetry.get_key_value("group") {
            if let Some(groups) = self.table(key, item, "tool.poetry.group") {
                for (group, body) in entries(groups) {
                    let label = format!("tool.poetry.group.{}", group.get());
                    let Some(body) = self.table(group, body, &label) else {
                        continue;
                    };
                    if let Some((key, item)) = body.get_key_value("dependencies") {
                        self.poetry_table(key, item, &format!("{label}.dependencies"));
                    }
                }
            }
        }
    }

    /// A Poetry table of package name to constraint.
    fn poetry_table(&mut self, key: &Key, item: &Item, section: &str) {
        let Some(table) = self.table(key, item, section) else {
            return;
        };
        for (key, value) in entries(table) {
            if normalize(key.get()) == "python" {
                continue;
            }
            let name = self.locate_key(key);
            let offset = name.offset(0);
            if !is_valid(&name.text) {
                self.m.push_finding(
                    self.src,
                    Rule::InvalidRequirement,
                    offset,
                    format!("invalid package name `{}` in `{section}`", name.text),
                );
                continue;
            }
            let src = self.src;
            // The name's length as written (a quoted key may use escapes).
            let written = name.offset(name.text.len()).saturating_sub(offset);
            let dep_at = |at: usize| {
                let mut dep = Dependency::new(src, &name.text, at, section);
                dep.name_span = at..at + written;
                dep
            };
            let new_dep = || dep_at(offset);
            match value {
                Item::Value(Value::String(s)) => {
                    let mut dep = new_dep();
                    dep.specifiers = self.poetry_version(s, &dep.name, offset);
                    self.m.dependencies.push(dep);
                }
                Item::Value(Value::Array(array)) => {
                    if array.is_empty() {
                        self.poetry_bad_value(value, key, &name.text, section);
                        self.m.dependencies.push(new_dep());
                    }
                    for element in array.iter() {
                        let mut dep = new_dep();
                        match element {
                            Value::InlineTable(t) => self.poetry_dep_table(&mut dep, t),
                            other => {
                                let at = self.value_offset(other, key);
                                let message = format!(
                                    "`{}` in `{section}`: each element of a multiple-constraints \
                                     array must be a table, found {}",
                                    name.text,
                                    with_article(other.type_name())
                                );
                                let finding =
                                    finding_at(src, Rule::InvalidRequirement, at, message)
                                        .with_package(&dep.name);
                                self.m.findings.push(finding);
                            }
                        }
                        self.m.dependencies.push(dep);
                    }
                }
                Item::ArrayOfTables(tables) => {
                    for t in tables.iter() {
                        // Each `[[...name]]` header writes the name again: point at that one.
                        let at = self.header_key_offset(t, key).unwrap_or(offset);
                        let mut dep = dep_at(at);
                        self.poetry_dep_table(&mut dep, t);
                        self.m.dependencies.push(dep);
                    }
                }
                other => match other.as_table_like() {
                    Some(t) => {
                        let mut dep = new_dep();
                        self.poetry_dep_table(&mut dep, t);
                        self.m.dependencies.push(dep);
                    }
                    None => {
                        self.poetry_bad_value(other, key, &name.text, section);
                        self.m.dependencies.push(new_dep());
                    }
                },
            }
        }
    }

    /// Fills `dep` from a Poetry dependency table.
    fn poetry_dep_table(&mut self, dep: &mut Dependency, table: &dyn TableLike) {
        let key_offset = dep.name_span.start;
        if let Some((k, item)) = table.get_key_value("version") {
            match item.as_value() {
                Some(Value::String(s)) => {
                    dep.specifiers = self.poetry_version(s, &dep.name, key_offset)
                }
                _ => self.poetry_field_type(dep, k, item, "version"),
            }
        }
        for (field, make) in [
            (
                "git",
                DependencySource::Vcs as fn(String) -> DependencySource,
            ),
            ("url", DependencySource::Url),
            ("path", DependencySource::Path),
        ] {
            if let Some((k, item)) = table.get_key_value(field) {
                match item.as_str() {
                    Some(s) if dep.source.is_registry() => dep.source = make(s.to_owned()),
                    Some(_) => {}
                    None => self.poetry_field_type(dep, k, item, field),
                }
            }
        }
        if let Some(source) = table.get("source").and_then(Item::as_str) {
            if !source.eq_ignore_ascii_case("pypi") {
                dep.private_index = true;
            }
        }
    }

    /// Converts a Poetry constraint string; an unreadable one is reported at the string.
    fn poetry_version(
        &mut self,
        s: &Formatted<String>,
        name: &str,
        fallback: usize,
    ) -> Option<VersionSpecifiers> {
        match poetry_constraint(s.value()) {
            Ok(specs) => specs,
            Err(err) => {
                let offset = self.locate(s, fallback).offset(0);
                let message = format!(
                    "invalid version constraint `{}` for `{name}`: {err}",
                    s.value().trim()
                );
                let finding = finding_at(self.src, Rule::InvalidRequirement, offset, message)
                    .with_package(name);
                self.m.findings.push(finding);
                None
            }
        }
    }

    fn poetry_field_type(&mut self, dep: &Dependency, key: &Key, item: &Item, field: &str) {
        let offset = self.item_offset(item, key);
        let message = format!(
            "`{field}` of `{}` in `{}` must be a string, found {}",
            dep.raw_name,
            dep.section,
            with_article(item.type_name())
        );
        let finding =
            finding_at(self.src, Rule::InvalidRequirement, offset, message).with_package(&dep.name);
        self.m.findings.push(finding);
    }

    fn poetry_bad_value(&mut self, item: &Item, key: &Key, name: &str, section: &str) {
        let offset = self.item_offset(item, key);
        let found = match item {
            Item::Value(Value::Array(array)) if array.is_empty() => "an empty array".to_owned(),
            other => with_article(other.type_name()),
        };

        let message = format!(
            "`{name}` in `{section}` must be a version constraint string, a table or an array \
             of tables, found {found}"
        );
        let finding = finding_at(self.src, Rule::InvalidRequirement, offset, message)
            .with_package(normalize(name));
        self.m.findings.push(finding);
    }

    // ---- uv sources ---------------------------------------------------------------------

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
                    && !dep.section.starts_with("tool.pdm.");
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

    // ---- positions ----------------------------------------------------------------------

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
        finding.snippet = Some(self.src.line_text(line).to_owned());
    }
}

/// The entries of a table with their keys, in document order.
fn entries(table: &dyn TableLike) -> Vec<(&Key, &Item)> {
    table
        .iter()
        .filter_map(|(name, _)| table.get_key_value(name))
        .collect()
}

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
fn uv_index_tables(item: Option<&Item>) -> Vec<&dyn TableLike> {
    item.map(source_tables).unwrap_or_default()
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

// ---- Poetry constraints ---------------------------------------------------------------------

/// Converts a Poetry version constraint to PEP 440 specifiers.
///
/// `Ok(None)` means "any version": `*`, an empty string, or a constraint with `||` (an OR of
/// ranges, which one PEP 440 specifier set cannot express). `Err` is a constraint that cannot
/// be read.
pub fn poetry_constraint(constraint: &str) -> Result<Option<VersionSpecifiers>, String> {
    match poetry_constraint_text(constraint)? {
        Some(text) => parse_specifiers(&text),
        None => Ok(None),
    }
}

/// [`poetry_constraint`] before parsing: the PEP 440 text (`^1.2.3` -> `>=1.2.3,<2.0.0`).
fn poetry_constraint_text(constraint: &str) -> Result<Option<String>, String> {
    let c = constraint.trim();
    if c.is_empty() || c == "*" || c.contains('|') {
        return Ok(None);
    }
    let mut parts = Vec::new();
    for and in c.split(',') {
        let tokens = and_tokens(and);
        if tokens.is_empty() {
            return Err("empty constraint between commas".to_owned());
        }
        for token in tokens {
            if let Some(part) = single_constraint(&token)? {
                parts.push(part);
            }
        }
    }
    Ok((!parts.is_empty()).then(|| parts.join(",")))
}

/// Splits a comma-free constraint into its space-separated ANDs, keeping an operator written
/// apart from its version (`>= 1.2 < 2`) with that version.
fn and_tokens(text: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    let mut pending = String::new();
    for word in text.split_whitespace() {
        pending.push_str(word);
        if !word
            .chars()
            .all(|c| matches!(c, '<' | '>' | '=' | '!' | '~' | '^'))
        {
            tokens.push(std::mem::take(&mut pending));
        }
    }
    if !pending.is_empty() {
        tokens.push(pending);
    }
    tokens
}

/// One Poetry constraint (`^1.2`, `~1.2`, `>=1.2`, `1.2.*`, `1.2`) as PEP 440 text.
fn single_constraint(c: &str) -> Result<Option<String>, String> {
    if c == "*" {
        return Ok(None);
    }
    if let Some(v) = c.strip_prefix('^') {
        return bounded(v, Bump::Caret).map(Some);
    }
    if c.starts_with("~=") {
        return Ok(Some(c.to_owned()));
    }
    if let Some(v) = c.strip_prefix('~') {
        return bounded(v, Bump::Tilde).map(Some);
    }
    for op in ["===", "==", "!=", ">=", "<=", ">", "<"] {
        if let Some(v) = c.strip_prefix(op) {
            let v = if matches!(op, "==" | "!=") {
                wildcard(v)
            } else {
                v.to_owned()
            };
            return Ok(Some(format!("{op}{v}")));
        }
    }
    let v = c.strip_prefix('=').unwrap_or(c);
    Ok(Some(format!("=={}", wildcard(v))))
}

/// `1.2.x` and `1.x.*` -> `1.2.*`, `1.*`: Poetry's wildcards in PEP 440 spelling.
fn wildcard(v: &str) -> String {
    let parts: Vec<&str> = v.split('.').collect();
    let is_wild = |p: &&str| matches!(*p, "*" | "x" | "X");
    match parts.iter().position(is_wild) {
        Some(first) if first > 0 && parts[first..].iter().all(is_wild) => {
            format!("{}.*", parts[..first].join("."))
        }
        _ => v.to_owned(),
    }
}

#[derive(Clone, Copy)]
enum Bump {
    /// `^`: the left-most non-zero component (of those written) is the one that may not change.
    Caret,
    /// `~`: the minor version may not change (the major one when only it is written).
    Tilde,
}

/// `>=v,<upper` for a caret or tilde constraint on version `v`.
fn bounded(v: &str, bump: Bump) -> Result<String, String> {
    let v = v.trim();
    let version = Version::from_str(v).map_err(|e| e.to_string())?;
    let release = version.release();
    let n = release.len();
    if n == 0 {
        return Err(format!("version `{v}` has no release number"));
    }
    let idx = match bump {
        Bump::Caret if release[0] > 0 || n == 1 => 0,
        Bump::Caret if release[1] > 0 || n == 2 => 1,
        Bump::Caret => 2,
        Bump::Tilde if n == 1 => 0,
        Bump::Tilde => 1,
    };
    let bumped = release[idx]
        .checked_add(1)
        .ok_or_else(|| format!("version `{v}` is too large"))?;
    let upper: Vec<String> = (0..n)
        .map(|i| match i.cmp(&idx) {
            std::cmp::Ordering::Less => release[i].to_string(),
            std::cmp::Ordering::Equal => bumped.to_string(),
            std::cmp::Ordering::Greater => "0".to_owned(),
        })
        .collect();
    let epoch = match version.epoch() {
        0 => String::new(),
        e => format!("{e}!"),
    };
    // PEP 440 allows no local version (`+cpu`) in `>=`; Poetry's `^2.1.0+cpu` starts at 2.1.0
    let lower = if version.local().is_empty() {
        v.to_owned()
    } else {
        version.clone().without_local().to_string()
    };
    Ok(format!(">={lower},<{epoch}{}", upper.join(".")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(c: &str) -> Option<String> {
        poetry_constraint_text(c).unwrap()
    }

    #[test]
    fn poetry_any_version() {
        assert_eq!(text("*"), None);
        assert_eq!(text(""), None);
        assert_eq!(text("  "), None);
        assert_eq!(poetry_constraint("*").unwrap(), None);
    }

    #[test]
    fn poetry_caret() {
        assert_eq!(text("^1.2.3").as_deref(), Some(">=1.2.3,<2.0.0"));
        // lm-format-enforcer: a local version (`+cpu`) is not allowed in a PEP 440 `>=`
        assert_eq!(text("^2.1.0+cpu").as_deref(), Some(">=2.1.0,<3.0.0"));
        assert!(poetry_constraint("^2.1.0+cpu").unwrap().is_some());
        assert_eq!(text("^0.2.3").as_deref(), Some(">=0.2.3,<0.3.0"));
        assert_eq!(text("^0.0.3").as_deref(), Some(">=0.0.3,<0.0.4"));
        assert_eq!(text("^1").as_deref(), Some(">=1,<2"));
        assert_eq!(text("^1.2").as_deref(), Some(">=1.2,<2.0"));
        assert_eq!(text("^0").as_deref(), Some(">=0,<1"));
        assert_eq!(text("^0.0").as_deref(), Some(">=0.0,<0.1"));
        assert_eq!(text("^ 2.0").as_deref(), Some(">=2.0,<3.0"));
        let specs = poetry_constraint("^1.2.3").unwrap().unwrap();
        assert_eq!(specs.to_string(), ">=1.2.3, <2.0.0");
    }

    #[test]
    fn poetry_tilde() {
        assert_eq!(text("~1.2.3").as_deref(), Some(">=1.2.3,<1.3.0"));
        assert_eq!(text("~1.2").as_deref(), Some(">=1.2,<1.3"));
        assert_eq!(text("~1").as_deref(), Some(">=1,<2"));
        assert_eq!(text("~=1.2").as_deref(), Some("~=1.2"));
    }

    #[test]
    fn poetry_exact_and_wildcards() {
        assert_eq!(text("1.2.3").as_deref(), Some("==1.2.3"));
        assert_eq!(text("=1.2.3").as_deref(), Some("==1.2.3"));
        assert_eq!(text("1.2.*").as_deref(), Some("==1.2.*"));
        assert_eq!(text("1.2.x").as_deref(), Some("==1.2.*"));
        assert_eq!(text("!=1.2.*").as_deref(), Some("!=1.2.*"));
        let specs = poetry_constraint("1.2.*").unwrap().unwrap();
        assert_eq!(specs.to_string(), "==1.2.*");
    }

    #[test]
    fn poetry_and_or() {
        assert_eq!(text(">=1.2,<2.0").as_deref(), Some(">=1.2,<2.0"));
        assert_eq!(text(">= 1.2, < 2.0").as_deref(), Some(">=1.2,<2.0"));
        assert_eq!(text(">=1.2 <2.0").as_deref(), Some(">=1.2,<2.0"));
        assert_eq!(text("^1.2,!=1.5.0").as_deref(), Some(">=1.2,<2.0,!=1.5.0"));
        assert_eq!(text("^1.0 || ^2.0"), None);
        assert_eq!(poetry_constraint("^1.0 || ^2.0").unwrap(), None);
        assert_eq!(
            poetry_constraint(">=1.2,<2.0")
                .unwrap()
                .unwrap()
                .to_string(),
            ">=1.2, <2.0"
        );
    }

    #[test]
    fn poetry_unreadable() {
        assert!(poetry_constraint("^banana").is_err());
        assert!(poetry_constraint(">=1.2,,<2").is_err());
        assert!(poetry_constraint(">=").is_err());
        assert!(poetry_constraint("latest").is_err());
        assert!(poetry_constraint("^99999999999999999999999").is_err());
    }

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
