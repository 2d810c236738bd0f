//! Hatch's tables, in `pyproject.toml` under `[tool.hatch]` and in a `hatch.toml` file (the
//! same tables at the top level; sections then lack the `tool.hatch.` prefix):
//!
//! - `[tool.hatch.envs.<env>]` `dependencies` and `extra-dependencies`
//!   (`tool.hatch.envs.<env>.<key>`): what Hatch installs into the environment;
//! - their overrides, `[tool.hatch.envs.<env>.overrides] <source>.<name>.<option>` with option
//!   `dependencies`, `extra-dependencies`, `set-dependencies` or `set-extra-dependencies`, whose
//!   entries are strings or `{ value = "...", if = [...], platform = [...], env = [...] }`
//!   tables (`tool.hatch.envs.<env>.overrides.<source>.<name>.<option>`);
//! - `[tool.hatch.env] requires`: environment plugins, installed into Hatch's own environment;
//! - `dependencies` of `[tool.hatch.build]`, of each `[tool.hatch.build.targets.<target>]`, and
//!   of each build hook (`[tool.hatch.build.hooks.<hook>]`,
//!   `[tool.hatch.build.targets.<target>.hooks.<hook>]`): installed into the build
//!   environment.
//!
//! Every entry is a PEP 508 requirement string (a lone string, or a `{ value = ... }` table,
//! is read as one entry). Hatch formats context fields (`{root:uri}`, `{env:NAME}`) before
//! installing: in a `name @ URL` requirement, `{root:uri}` and `{root:parent:uri}` are read as
//! the project's root and its parent (so `pkg @ {root:uri}/pkg` is a path inside the
//! project), and a URL holding any other field is kept as written; the name is checked either
//! way.
//!
//! Must agree with Hatch's reader: `hatch.env.plugin.interface.EnvironmentInterface`
//! (`dependencies`, `extra-dependencies`), `hatch.env.utils`/`hatch.project.config` for the
//! overrides, and `hatchling.builders.config` / `hatchling.builders.hooks` for the build
//! `dependencies`.

use super::{entries, parse_with, Entries, Reader};
use crate::manifest::toml_span::{with_article, Located};
use crate::manifest::{leading_name, names_itself, Dependency, DependencySource, Manifest};
use crate::source::SourceFile;
use toml_edit::{Item, Key, TableLike, Value};

/// The environment keys that hold requirement arrays.
const ENV_KEYS: &[&str] = &["dependencies", "extra-dependencies"];

/// The override options that add to or replace an environment's requirements.
const OVERRIDE_KEYS: &[&str] = &[
    "dependencies",
    "extra-dependencies",
    "set-dependencies",
    "set-extra-dependencies",
];

/// Reads `src` as a `hatch.toml`.
pub fn parse_hatch_toml(src: &SourceFile) -> Manifest {
    parse_with(src, |reader, root| reader.hatch(root, "")).0
}

impl Reader<'_> {
    /// Hatch's tables in `hatch` (`[tool.hatch]`, or a `hatch.toml`'s top level); `prefix`
    /// starts every section (`tool.hatch.` or nothing).
    pub(super) fn hatch(&mut self, hatch: &dyn TableLike, prefix: &str) {
        for (label, env) in self.named_tables(hatch, "envs", &format!("{prefix}envs")) {
            self.requirement_keys(env, ENV_KEYS, &label);
            let label = format!("{label}.overrides");
            if let Some(overrides) = self.subtable(env, "overrides", &label) {
                self.hatch_overrides(overrides, &label);
            }
        }
        if let Some(env) = self.subtable(hatch, "env", &format!("{prefix}env")) {
            self.requirement_keys(env, &["requires"], &format!("{prefix}env"));
        }
        let label = format!("{prefix}build");
        if let Some(build) = self.subtable(hatch, "build", &label) {
            self.hatch_build(build, &label);
            for (label, target) in self.named_tables(build, "targets", &format!("{label}.targets"))
            {
                self.hatch_build(target, &label);
            }
        }
    }

    /// The requirement arrays under `keys` of `table` (`label.<key>`).
    fn requirement_keys(&mut self, table: &dyn TableLike, keys: &[&str], label: &str) {
        for name in keys {
            if let Some((key, item)) = table.get_key_value(name) {
                self.hatch_array(key, item, &format!("{label}.{name}"));
            }
        }
    }

    /// A build table's `dependencies`, and its hooks'.
    fn hatch_build(&mut self, build: &dyn TableLike, label: &str) {
        self.requirement_keys(build, &["dependencies"], label);
        for (label, hook) in self.named_tables(build, "hooks", &format!("{label}.hooks")) {
            self.requirement_keys(hook, &["dependencies"], &label);
        }
    }

    /// `overrides.<source>.<name>.<option>`: requirement strings, or `{ value = "..." }`
    /// tables with conditions.
    fn hatch_overrides(&mut self, overrides: &dyn TableLike, label: &str) {
        for (source, by_name) in entries(overrides) {
            let Some(by_name) = by_name.as_table_like() else {
                continue;
            };
            for (name, options) in entries(by_name) {
                let Some(options) = options.as_table_like() else {
                    continue;
                };
                for option in OVERRIDE_KEYS {
                    if let Some((key, item)) = options.get_key_value(option) {
                        let section = format!("{label}.{}.{}.{option}", source.get(), name.get());
                        self.hatch_array(key, item, &section);
                    }
                }
            }
        }
    }

    /// An array of requirements (a lone string or table read as one).
    fn hatch_array(&mut self, key: &Key, item: &Item, section: &str) {
        let Some(array) = item.as_array() else {
            // a single string or table is one entry
            match item.as_value() {
                Some(value) => self.hatch_override_entry(key, value, section),
                None => self.requirements(key, item, section, Entries::Pep508),
            }
            return;
        };
        for value in array.iter() {
            self.hatch_override_entry(key, value, section);
        }
    }

    fn hatch_override_entry(&mut self, key: &Key, value: &Value, section: &str) {
        let requirement = match value {
            Value::InlineTable(t) => t.get("value"),
            other => Some(other),
        };
        match requirement {
            Some(Value::String(s)) => {
                let loc = self.locate(s, self.key_offset(key));
                self.hatch_requirement(&loc, section);
            }
            _ => {
                let message = format!(
                    "`{section}` entries must be requirement strings or {{ value = \"...\" }} \
                     tables, found {}",
                    with_article(value.type_name())
                );
                self.invalid_entry(value, key, message);
            }
        }
    }

    /// A requirement string, whose URL may hold context fields: `{root:uri}` (the project's
    /// root) and `{root:parent:uri}` are read as `.` and `..`; with any other field left, the
    /// URL is not known, and the dependency is recorded with it as written.
    fn hatch_requirement(&mut self, loc: &Located, section: &str) {
        let text = loc.text.as_str();
        let Some(at) = text
            .find('@')
            .filter(|_| text.contains('{') && names_itself(text))
        else {
            self.pep508(loc, section);
            return;
        };
        let lead = text.len() - text.trim_start().len();
        let Some(name) = leading_name(&text[lead..]) else {
            self.pep508(loc, section);
            return;
        };
        let offset = loc.offset(lead);
        let mut dep = Dependency::new(self.src, name, offset, section);
        dep.name_span = offset..loc.offset(lead + name.len()).max(offset);
        let url = text[at + 1..].split(';').next().unwrap_or("").trim();
        let url = url
            .replace("{root:parent:uri}", "..")
            .replace("{root:uri}", ".")
            .replace("{root}", ".");
        dep.source = DependencySource::classify(&url);
        self.m.dependencies.push(dep);
    }
}
