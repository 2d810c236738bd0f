//! PDM's tables in `pyproject.toml`:
//!
//! - `[tool.pdm.dev-dependencies] <group> = [...]` and `[tool.pdm] plugins = [...]` (the
//!   plugins `pdm install --plugins` installs into `.pdm-plugins` and PDM loads), whose entries
//!   are PEP 508 strings or editable entries (`-e <url-or-path>`, `--editable ...`);
//! - `[tool.pdm.resolution.overrides] <package> = "<value>"`
//!   (`tool.pdm.resolution.overrides`): the requirement PDM installs `<package>` by whenever
//!   the resolution asks for it. The key is the package; a value with a URL scheme
//!   (`git+https://...`, `file:///...`) is where it is fetched from (`<package> @ <value>`),
//!   any other value is a PEP 440 specifier set (`>=1.0`, or empty for any version) or a bare
//!   version (`2.31.0`, read as `==2.31.0`);
//! - `[[tool.pdm.source]]` (`url`, `name`, `verify_ssl`).
//!
//! Must agree with PDM's reader: `pdm.models.requirements.parse_requirement` for the entries
//! (an editable entry names its package by `name @ url` or `#egg=name`), the resolver
//! provider's `overrides` for the overrides, and PDM's source settings (a source named `pypi`
//! replaces PyPI; the others are searched beside it).

use super::{entries, uv::uv_index_tables, Entries, Reader};
use crate::finding::Rule;
use crate::manifest::toml_span::{with_article, Located};
use crate::manifest::{
    finding_at, names_itself, parse_specifiers, Dependency, DependencySource, IndexRole, IndexUse,
};
use crate::name::is_valid;
use toml_edit::{Item, Key, TableLike, Value};

impl Reader<'_> {
    /// `[tool.pdm]`: the dev-dependency groups, the project's plugins and the resolution
    /// overrides.
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
        if let Some((key, item)) = pdm.get_key_value("plugins") {
            self.requirements(key, item, "tool.pdm.plugins", Entries::PdmEditable);
        }
        if let Some(resolution) = self.subtable(pdm, "resolution", "tool.pdm.resolution") {
            let label = "tool.pdm.resolution.overrides";
            if let Some(overrides) = self.subtable(resolution, "overrides", label) {
                for (key, value) in entries(overrides) {
                    self.pdm_override(key, value, label);
                }
            }
        }
    }

    /// One `[tool.pdm.resolution.overrides]` entry: the package named by `key`, fetched from
    /// the URL or pinned to the specifiers `value` gives.
    fn pdm_override(&mut self, key: &Key, value: &Item, section: &str) {
        let Some(mut dep) = self.keyed_dependency(key, section) else {
            return;
        };
        let offset = dep.name_span.start;
        let Some(Value::String(s)) = value.as_value() else {
            let at = self.item_offset(value, key);
            let message = format!(
                "`{}` in `{section}` must be a version specifier or URL string, found {}",
                dep.raw_name,
                with_article(value.type_name())
            );
            let finding =
                finding_at(self.src, Rule::InvalidRequirement, at, message).with_package(&dep.name);
            self.m.findings.push(finding);
            self.m.dependencies.push(dep);
            return;
        };
        let text = s.value().trim();
        if has_url_scheme(text) {
            dep.source = DependencySource::classify(text);
        } else {
            match parse_specifiers(text).or_else(|_| parse_specifiers(&format!("=={text}"))) {
                Ok(specs) => dep.specifiers = specs,
                Err(err) => {
                    let at = self.locate(s, offset).offset(0);
                    // the parser's first line (the others draw the input underlined)
                    let why = err.lines().next().unwrap_or_default().trim_end_matches(':');
                    let message = format!(
                        "invalid version `{text}` for `{}` in `{section}`: {why}",
                        dep.raw_name
                    );
                    let finding = finding_at(self.src, Rule::InvalidRequirement, at, message)
                        .with_package(&dep.name);
                    self.m.findings.push(finding);
                }
            }
        }
        self.m.dependencies.push(dep);
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

/// Whether `text` starts with a URL scheme as Python's `urllib.parse.urlparse` finds one (a
/// letter, then letters, digits, `+`, `-` or `.`, then `:`), which is PDM's `is_url`.
fn has_url_scheme(text: &str) -> bool {
    let Some((scheme, _)) = text.split_once(':') else {
        return false;
    };
    scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::has_url_scheme;

    #[test]
    fn url_schemes_as_pdm_finds_them() {
        assert!(has_url_scheme("git+https://github.com/a/b"));
        assert!(has_url_scheme("file:///${PROJECT_ROOT}/x"));
        assert!(has_url_scheme("https://example.com/x.whl"));
        assert!(!has_url_scheme(">=1.0"));
        assert!(!has_url_scheme("2.31.0"));
        assert!(!has_url_scheme(""));
        assert!(!has_url_scheme("==1.0; python_version < '3'"));
    }
}
