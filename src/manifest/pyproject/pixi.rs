//! Pixi's PyPI tables, in `pyproject.toml` under `[tool.pixi]` and in a `pixi.toml` file (the
//! same tables at the top level; sections then lack the `tool.pixi.` prefix). Pixi's conda
//! tables (`[dependencies]`, `[host-dependencies]`, ...) name conda packages, not PyPI ones,
//! and are not read.
//!
//! - `[tool.pixi.pypi-dependencies]`, `[tool.pixi.feature.<feature>.pypi-dependencies]`, and
//!   both per platform (`[tool.pixi.target.<platform>.pypi-dependencies]`,
//!   `[tool.pixi.feature.<feature>.target.<platform>.pypi-dependencies]`): a table of package
//!   name to a PEP 440 specifier string (`">=1.2"`, `"*"` for any version) or a table with
//!   `version`, `extras`, `path`, `git` (with `branch`/`tag`/`rev`), `url`, `editable` and
//!   `index` (the index URL this package alone comes from, which makes it `private_index`
//!   unless it is PyPI's). The key is the name; `path`/`git`/`url` set its
//!   [`DependencySource`], as Poetry's tables do.
//! - `[tool.pixi.pypi-options]` (also per feature): `index-url` replaces PyPI,
//!   `extra-index-urls` are searched first (pixi resolves with uv's first-index strategy),
//!   `find-links` entries (`{ url = ... }` or `{ path = ... }`) are link pages; recorded for the
//!   `index-url` rule. Its `dependency-overrides` table (package name to a specifier string or
//!   a table, as in `pypi-dependencies`) names packages pixi installs at that version whatever
//!   asks for them: read as dependencies.
//!
//! Must agree with pixi's reader: `pixi_manifest`'s `PyPiRequirement` (a version string or a
//! table, `*` meaning any version, specifiers read as PEP 440) and `PypiOptions`.

use super::{entries, parse_with, Reader};
use crate::finding::Rule;
use crate::index_url::is_pypi_index;
use crate::manifest::toml_span::with_article;
use crate::manifest::{
    finding_at, parse_specifiers, Dependency, DependencySource, IndexRole, IndexUse, Manifest,
};
use crate::source::SourceFile;
use toml_edit::{Item, Key, TableLike, Value};

/// Reads `src` as a `pixi.toml`.
pub fn parse_pixi_toml(src: &SourceFile) -> Manifest {
    parse_with(src, |reader, root| reader.pixi(root, "")).0
}

impl Reader<'_> {
    /// Pixi's tables in `pixi` (`[tool.pixi]`, or a `pixi.toml`'s top level); `prefix` starts
    /// every section (`tool.pixi.` or nothing).
    pub(super) fn pixi(&mut self, pixi: &dyn TableLike, prefix: &str) {
        self.pixi_scope(pixi, prefix);
        for (label, feature) in self.named_tables(pixi, "feature", &format!("{prefix}feature")) {
            self.pixi_scope(feature, &format!("{label}."));
        }
    }

    /// A scope's PyPI tables (the manifest's, a feature's), and each of its platforms'.
    fn pixi_scope(&mut self, scope: &dyn TableLike, prefix: &str) {
        self.pixi_tables(scope, prefix);
        for (label, target) in self.named_tables(scope, "target", &format!("{prefix}target")) {
            self.pixi_tables(target, &format!("{label}."));
        }
    }

    fn pixi_tables(&mut self, scope: &dyn TableLike, prefix: &str) {
        let section = format!("{prefix}pypi-dependencies");
        if let Some(table) = self.subtable(scope, "pypi-dependencies", &section) {
            for (key, value) in entries(table) {
                self.pixi_dependency(key, value, &section);
            }
        }
        let label = format!("[{prefix}pypi-options]");
        let label = label.replace(".]", "]");
        if let Some(options) = self.subtable(scope, "pypi-options", &label) {
            self.index_strings(
                options,
                "index-url",
                &format!("{label} index-url"),
                IndexRole::Replaces,
            );
            self.index_strings(
                options,
                "extra-index-urls",
                &format!("{label} extra-index-urls"),
                IndexRole::First,
            );
            if let Some(links) = options.get("find-links").and_then(Item::as_array) {
                for link in links.iter().filter_map(Value::as_inline_table) {
                    let written = format!("{label} find-links url");
                    self.index_strings(link, "url", &written, IndexRole::Links);
                }
            }
            // packages pixi installs at the version given, whatever asks for them
            let section = format!("{prefix}pypi-options.dependency-overrides");
            if let Some(table) = self.subtable(options, "dependency-overrides", &section) {
                for (key, value) in entries(table) {
                    self.pixi_dependency(key, value, &section);
                }
            }
        }
    }

    /// One `name = "<specifiers>"` or `name = { ... }` entry.
    fn pixi_dependency(&mut self, key: &Key, value: &Item, section: &str) {
        let Some(mut dep) = self.keyed_dependency(key, section) else {
            return;
        };
        let offset = dep.name_span.start;
        match (value, value.as_table_like()) {
            (Item::Value(Value::String(s)), _) => {
                dep.specifiers = self.pixi_version(s, &dep, offset);
            }
            (_, Some(table)) => self.pixi_table(&mut dep, table),
            (other, None) => {
                let message = format!(
                    "`{}` in `{section}` must be a version string or a table, found {}",
                    dep.raw_name,
                    with_article(other.type_name())
                );
                self.pixi_finding(&dep, self.item_offset(other, key), message);
            }
        }
        self.m.dependencies.push(dep);
    }

    /// Fills `dep` from a pixi dependency table.
    fn pixi_table(&mut self, dep: &mut Dependency, table: &dyn TableLike) {
        for (key, item) in entries(table) {
            let field = key.get();
            if !matches!(field, "version" | "git" | "url" | "path" | "index") {
                continue;
            }
            let Some(Value::String(s)) = item.as_value() else {
                let message = format!(
                    "`{field}` of `{}` in `{}` must be a string, found {}",
                    dep.raw_name,
                    dep.section,
                    with_article(item.type_name())
                );
                self.pixi_finding(dep, self.item_offset(item, key), message);
                continue;
            };
            let text = s.value().clone();
            match field {
                "version" => dep.specifiers = self.pixi_version(s, dep, dep.name_span.start),
                "git" | "url" | "path" if dep.source.is_registry() => {
                    dep.source = match field {
                        "git" => DependencySource::Vcs(text),
                        "url" => DependencySource::Url(text),
                        _ => DependencySource::Path(text),
                    };
                }
                "index" => {
                    dep.private_index |= !is_pypi_index(&text);
                    let at = self.item_offset(item, key);
                    let written = format!("{} = {{ index = {text} }}", dep.raw_name);
                    let usage = IndexUse::Url(IndexRole::Explicit);
                    self.m.push_index(self.src, at, written, &text, usage);
                    let usage = IndexUse::PackageFrom {
                        package: dep.raw_name.clone(),
                        index: text.clone(),
                    };
                    self.m.push_index(self.src, at, "", &text, usage);
                }
                _ => {}
            }
        }
    }

    /// A PEP 440 specifier set (`*`: any version); an unreadable one is reported at the string.
    fn pixi_version(
        &mut self,
        s: &toml_edit::Formatted<String>,
        dep: &Dependency,
        fallback: usize,
    ) -> Option<pep440_rs::VersionSpecifiers> {
        match parse_specifiers(s.value()) {
            Ok(specs) => specs,
            Err(err) => {
                let at = self.locate(s, fallback).offset(0);
                let message = format!(
                    "invalid version specifier `{}` for `{}`: {}",
                    s.value().trim(),
                    dep.raw_name,
                    err.lines().next().unwrap_or("").trim_end_matches(':')
                );
                self.pixi_finding(dep, at, message);
                None
            }
        }
    }

    fn pixi_finding(&mut self, dep: &Dependency, at: usize, message: String) {
        let finding =
            finding_at(self.src, Rule::InvalidRequirement, at, message).with_package(&dep.name);
        self.m.findings.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_tables_are_findings_not_panics() {
        for (text, findings) in [
            ("pypi-dependencies = 1\n", 1),
            ("[pypi-dependencies]\nx = { version = 1, git = [] }\n", 2),
            ("[feature]\ndev = 1\n", 1),
            ("[target.linux-64]\npypi-dependencies = []\n", 1),
            ("[pypi-dependencies]\n\"\" = \"*\"\n", 1),
            ("[pypi-options]\nfind-links = [1, {}]\nindex-url = 3\n", 0),
        ] {
            let m = parse_pixi_toml(&SourceFile::new("pixi.toml", text));
            assert_eq!(m.findings.len(), findings, "{text}: {:?}", m.findings);
        }
        let m = parse_pixi_toml(&SourceFile::new(
            "pixi.toml",
            "[pypi-dependencies]\nx = { version = \">=1\", path = \"../x\", git = \"g\" }\n",
        ));
        assert_eq!(
            m.dependencies[0].source,
            DependencySource::Path("../x".into())
        );
        assert_eq!(
            m.dependencies[0].specifiers.as_ref().unwrap().to_string(),
            ">=1"
        );
    }

    #[test]
    fn hatch_context_fields_keep_the_name_checked() {
        let m = super::super::parse_hatch_toml(&SourceFile::new(
            "hatch.toml",
            "[envs.a]\ndependencies = [\"a @ {root:uri}/a\", \"b @ {env:B_URL}\", \"c[x] @ {root:parent:uri}/c ; os_name == 'nt'\"]\n",
        ));
        let got: Vec<_> = m
            .dependencies
            .iter()
            .map(|d| (d.name.to_string(), d.source.is_project_local()))
            .collect();
        assert_eq!(
            got,
            [("a".into(), true), ("b".into(), false), ("c".into(), false)]
        );
        assert!(m.findings.is_empty(), "{:?}", m.findings);
    }
}
