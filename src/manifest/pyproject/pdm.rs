//! PDM's tables in `pyproject.toml`: `[tool.pdm.dev-dependencies] <group> = [...]`, whose
//! entries are PEP 508 strings or editable entries (`-e <url-or-path>`, `--editable ...`),
//! and `[[tool.pdm.source]]` (`url`, `name`, `verify_ssl`).
//!
//! Must agree with PDM's reader: `pdm.models.requirements.parse_requirement` for the entries
//! (an editable entry names its package by `name @ url` or `#egg=name`) and PDM's source
//! settings (a source named `pypi` replaces PyPI; the others are searched beside it).

use super::{entries, uv::uv_index_tables, Entries, Reader};
use crate::finding::Rule;
use crate::manifest::toml_span::Located;
use crate::manifest::{names_itself, Dependency, DependencySource, IndexRole, IndexUse};
use crate::name::is_valid;
use toml_edit::{Item, TableLike};

impl Reader<'_> {
    /// `[tool.pdm]`: the dev-dependency groups.
    pub(super) fn pdm(&mut self, pdm: &dyn TableLike) {
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

    /// A PDM dev-dependency: PEP 508, or `-e <url-or-path>` that may or may not name a package.
    pub(super) fn pdm_entry(&mut self, loc: &Located, section: &str) {
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

    /// `[[tool.pdm.source]]`: each source URL, and `verify_ssl = false`.
    pub(super) fn pdm_sources(&mut self, pdm: &dyn TableLike) {
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
