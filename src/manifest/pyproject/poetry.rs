//! Poetry's tables in `pyproject.toml`: `[tool.poetry.dependencies]`,
//! `[tool.poetry.dev-dependencies]`, `[tool.poetry.group.<name>.dependencies]` and
//! `[tool.poetry.requires-plugins]` (the plugins Poetry 2 installs into its own environment
//! and loads, before it runs any command in the project) (package name to a constraint string,
//! a table or an array of tables), `[[tool.poetry.source]]` (`url`, `priority`), and Poetry's
//! version constraints (`^1.2`, `~1.2`, `1.2.*`, `>=1,<2`, `1 || 2`) translated to PEP 440.
//!
//! Must agree with Poetry's reader: poetry-core's `Factory.create_dependency` for the tables
//! (Poetry's `PluginManager` reads `requires-plugins` with it too) and
//! `poetry.core.constraints.version.parse_constraint` for the constraints; the source
//! priorities are Poetry's (`primary` by default, `supplemental`, `explicit`, the older
//! `secondary`).

use super::{entries, uv::uv_index_tables, Reader};
use crate::finding::Rule;
use crate::manifest::toml_span::with_article;
use crate::manifest::{finding_at, parse_specifiers, Dependency, DependencySource, IndexRole};
use crate::name::{is_valid, normalize};
use pep440_rs::{Version, VersionSpecifiers};
use std::str::FromStr;
use toml_edit::{Formatted, Item, Key, TableLike, Value};

impl Reader<'_> {
    pub(super) fn poetry(&mut self, poetry: &dyn TableLike) {
        for name in ["dependencies", "dev-dependencies", "requires-plugins"] {
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

    /// `[[tool.poetry.source]]`: each source URL with what its `priority` makes of it.
    pub(super) fn poetry_sources(&mut self, poetry: &dyn TableLike) {
        for t in uv_index_tables(poetry.get("source")) {
            let role = match t.get("priority").and_then(Item::as_str) {
                Some("explicit") => IndexRole::Explicit,
                Some("supplemental" | "secondary") => IndexRole::Fallback { tool: "Poetry" },
                _ => IndexRole::Replaces,
            };
            self.index_strings(t, "url", "[[tool.poetry.source]] url", role);
        }
    }
}

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
}
