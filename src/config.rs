//! Project configuration: `[tool.squatguard]` in `pyproject.toml`, or `squatguard.toml` /
//! `.squatguard.toml` (keys at the top level), found upward from the checked path; `--config`
//! names a file explicitly. Unknown keys and wrong types are errors naming file, line and column.
//!
//! ```toml
//! select = ["typosquat", "known-malicious"]   # only these rules (default: all)
//! ignore = ["direct-url"]                      # never these
//! popular-top-n = 15000                        # typosquat targets: names ranked this high or better
//! private-packages = ["acme-*", "internal-utils"]  # never judged by name (typosquat, not-on-pypi, import-name)
//! max-data-age = 30                            # days before old data is mentioned
//! exclude = ["tests/fixtures/"]                # gitignore patterns the directory walks skip
//!
//! [severity]                                   # per-rule severity: error, warning or note
//! direct-url = "error"
//!
//! [[allow]]                                    # a reviewed finding: kept as a note
//! package = "reqeusts-mock"
//! rule = "typosquat"                           # optional: every rule when absent
//! reason = "our own test double, reviewed 2026-11"   # required
//! ```

use crate::finding::{Rule, Severity};
use crate::name::normalize;
use crate::source::{display_path, read_source, SourceFile};
use serde::Deserialize;
use serde_spanned::Spanned;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use toml_edit::Document;

/// File names searched in each directory, in order.
pub const FILE_NAMES: &[&str] = &["squatguard.toml", ".squatguard.toml", "pyproject.toml"];

/// One `[[allow]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allow {
    pub package: crate::name::PackageName,
    /// None: every rule.
    pub rule: Option<Rule>,
    pub reason: String,
    /// Where it is written, for the unused-allow note.
    pub line: u32,
    pub column: u32,
}

/// Who wrote the checked files, which decides whether their `squatguard: ignore` comments count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Origin {
    /// The user's own project: a comment suppresses the findings on its line.
    Own,
    /// A repository under inspection (`scan` without `--trusted`, safe-pip, a list `audit`
    /// screens): whoever wrote it wrote the comments too, so they suppress nothing, and the
    /// finding says that one tried. The default, so that a caller that forgets to decide
    /// relaxes nothing.
    #[default]
    Untrusted,
}

/// A way a configuration weakens the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relaxation {
    Allow,
    PrivatePackages,
    LoweredSeverities,
    RulesOff,
    FewerTargets,
    Exclude,
    /// A `max-data-age` above the default: older data passes without the warning.
    OlderData,
}

impl Relaxation {
    pub fn describe(self) -> &'static str {
        match self {
            Relaxation::Allow => "allow entries",
            Relaxation::PrivatePackages => "private packages",
            Relaxation::LoweredSeverities => "lowered severities",
            Relaxation::RulesOff => "rules turned off",
            Relaxation::FewerTargets => "fewer typosquat targets",
            Relaxation::Exclude => "excluded paths",
            Relaxation::OlderData => "a longer max-data-age",
        }
    }

    /// The descriptions, comma-separated.
    pub fn list(all: &[Relaxation]) -> String {
        all.iter()
            .map(|r| r.describe())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The effective configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The file it came from, if any.
    pub file: Option<PathBuf>,
    pub select: Vec<Rule>,
    pub ignore: Vec<Rule>,
    pub severity: BTreeMap<Rule, Severity>,
    /// Rules whose override in `severity` may only raise a finding's severity: an untrusted
    /// configuration's (see [`Config::without_relaxations`]). A rule reports some findings
    /// above its default (`unresolved-dependency`'s remote include is an error, its default a
    /// note), so an override to the default or above may still lower one of them.
    pub severity_raises_only: BTreeSet<Rule>,
    pub popular_top_n: u32,
    pub private_packages: Vec<String>,
    pub allow: Vec<Allow>,
    pub max_data_age: u64,
    /// Paths the directory walks skip: gitignore patterns, relative to the configuration
    /// file's directory (see [`crate::exclude`]).
    pub exclude: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            file: None,
            select: Vec::new(),
            ignore: Vec::new(),
            severity: BTreeMap::new(),
            severity_raises_only: BTreeSet::new(),
            popular_top_n: 15_000,
            private_packages: Vec::new(),
            allow: Vec::new(),
            max_data_age: crate::data::DEFAULT_MAX_AGE_DAYS,
            exclude: Vec::new(),
        }
    }
}

/// A configuration file that cannot be used: the run stops (fail closed).
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// The configuration file for a run: `explicit`, else the nearest one upward from `start`.
/// A `pyproject.toml` without `[tool.squatguard]` does not count.
pub fn find(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let dir = if start.is_dir() {
        start.as_path()
    } else {
        start.parent()?
    };
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|d| std::fs::canonicalize(d).ok());
    for d in dir.ancestors() {
        for name in FILE_NAMES {
            let abs = d.join(name);
            // shown relative to the working directory where it is below it
            let p = match cwd.as_deref().and_then(|c| abs.strip_prefix(c).ok()) {
                Some(rel) => rel.to_path_buf(),
                None => abs,
            };
            if !p.is_file() {
                continue;
            }
            if *name != "pyproject.toml" {
                return Some(p);
            }
            let text = read_source(&p).map(|src| src.text).unwrap_or_default();
            if text
                .lines()
                .any(|l| l.trim_start().starts_with("[tool.squatguard"))
            {
                return Some(p);
            }
        }
    }
    None
}

/// Loads `path` (a `pyproject.toml` or a squatguard file).
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    // read as a manifest is: bounded, and a device or a binary file is refused
    let src = read_source(path).map_err(|e| ConfigError {
        file: display_path(path),
        line: 1,
        column: 1,
        message: format!("cannot read: {e}"),
    })?;
    parse(&src)
}

/// The file's keys as serde reads them: unknown keys and wrong types are refused by the
/// decoder, with the span of the offending key or value; [`parse`] then validates values.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    select: Vec<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    popular_top_n: Option<Spanned<i64>>,
    max_data_age: Option<Spanned<i64>>,
    #[serde(default)]
    private_packages: Vec<String>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    allow: Vec<Spanned<RawAllow>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAllow {
    package: Option<String>,
    rule: Option<Spanned<String>>,
    reason: Option<String>,
}

/// `pyproject.toml`: only `[tool.squatguard]` is read; every other key is the project's.
#[derive(Debug, Deserialize)]
struct Pyproject {
    tool: Option<Tool>,
}

#[derive(Debug, Deserialize)]
struct Tool {
    squatguard: Option<RawConfig>,
}

/// Parses configuration text: a squatguard file (keys at the top level) or a `pyproject.toml`
/// (`[tool.squatguard]`), decoded by serde from `toml_edit`, every error placed at its key or
/// value.
pub fn parse(src: &SourceFile) -> Result<Config, ConfigError> {
    let err = |offset: usize, message: String| {
        let (line, column) = src.line_col(offset);
        ConfigError {
            file: src.display_path(),
            line,
            column,
            message,
        }
    };
    let de_err = |e: toml_edit::de::Error| {
        let at = e.span().map_or(0, |s| s.start);
        err(at, e.message().trim().to_owned())
    };
    // the syntax first, for its own message
    let doc = Document::parse(src.text.as_str()).map_err(|e| {
        let at = e.span().map_or(0, |s| s.start);
        err(at, format!("invalid TOML: {}", e.message()))
    })?;
    let is_pyproject = src.path.file_name().is_some_and(|n| n == "pyproject.toml");
    // a `tool` that is not a table holds no `[tool.squatguard]`: the project's business
    if is_pyproject && !doc.get("tool").is_some_and(|t| t.is_table_like()) {
        return Ok(Config {
            file: Some(src.path.clone()),
            ..Config::default()
        });
    }
    let raw = if is_pyproject {
        let p: Pyproject = toml_edit::de::from_str(&src.text).map_err(de_err)?;
        p.tool.and_then(|t| t.squatguard).unwrap_or_default()
    } else {
        toml_edit::de::from_str(&src.text).map_err(de_err)?
    };
    let rule = |s: &Spanned<String>| {
        s.get_ref()
            .parse::<Rule>()
            .map_err(|e: String| err(s.span().start, e))
    };
    let rules = |list: &[Spanned<String>]| list.iter().map(rule).collect::<Result<Vec<_>, _>>();
    let mut cfg = Config {
        file: Some(src.path.clone()),
        select: rules(&raw.select)?,
        ignore: rules(&raw.ignore)?,
        private_packages: raw
            .private_packages
            .iter()
            .map(|p| normalize_glob(p))
            .collect(),
        ..Config::default()
    };
    if let Some(n) = raw.popular_top_n {
        if !(1..=15_000).contains(n.get_ref()) {
            return Err(err(
                n.span().start,
                "`popular-top-n` must be between 1 and 15000".into(),
            ));
        }
        cfg.popular_top_n = *n.get_ref() as u32;
    }
    if let Some(n) = raw.max_data_age {
        if *n.get_ref() < 0 {
            return Err(err(
                n.span().start,
                "`max-data-age` is a number of days, 0 or more".into(),
            ));
        }
        cfg.max_data_age = *n.get_ref() as u64;
    }
    for (r, sev) in &raw.severity {
        let sev = match sev.get_ref().as_str() {
            "error" => Severity::Error,
            "warning" => Severity::Warning,
            "note" => Severity::Note,
            _ => {
                return Err(err(
                    sev.span().start,
                    "severity must be \"error\", \"warning\" or \"note\"".into(),
                ))
            }
        };
        cfg.severity.insert(rule(r)?, sev);
    }
    for entry in &raw.allow {
        let at = entry.span().start;
        let a = entry.get_ref();
        let package = a
            .package
            .as_deref()
            .map(normalize)
            .ok_or_else(|| err(at, "an allow entry needs `package`".into()))?;
        let reason = a
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                err(
                    at,
                    format!("the allow entry for `{package}` needs a `reason`: say why it was judged safe"),
                )
            })?;
        let (line, column) = src.line_col(at);
        cfg.allow.push(Allow {
            package,
            rule: a.rule.as_ref().map(rule).transpose()?,
            reason: reason.to_owned(),
            line,
            column,
        });
    }
    for pattern in &raw.exclude {
        crate::exclude::validate(pattern.get_ref()).map_err(|e| err(pattern.span().start, e))?;
        cfg.exclude.push(pattern.get_ref().clone());
    }
    Ok(cfg)
}

/// Private-package patterns are normalised like names (lower case, runs of `-_.` as one `-`,
/// kept next to a `*` wildcard).
fn normalize_glob(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut sep = false;
    for c in pattern.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
            continue;
        }
        if sep {
            out.push('-');
            sep = false;
        }
        out.extend(c.to_lowercase());
    }
    if sep {
        out.push('-');
    }
    out
}

/// Matches a normalised name against a pattern with `*` wildcards.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let mut rest = name;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(pos) = rest.find(part) else {
                return false;
            };
            rest = &rest[pos + part.len()..];
        }
    }
    true
}

impl Config {
    /// What in this configuration weakens the checks, for a caller that must not let an
    /// unreviewed file do so (safe-pip, before installing code that may have come with it).
    pub fn relaxations(&self) -> Vec<Relaxation> {
        let mut out = Vec::new();
        if !self.allow.is_empty() {
            out.push(Relaxation::Allow);
        }
        if !self.private_packages.is_empty() {
            out.push(Relaxation::PrivatePackages);
        }
        if self.severity.iter().any(|(r, s)| *s < r.default_severity()) {
            out.push(Relaxation::LoweredSeverities);
        }
        if !self.select.is_empty() || !self.ignore.is_empty() {
            out.push(Relaxation::RulesOff);
        }
        if self.popular_top_n < Config::default().popular_top_n {
            out.push(Relaxation::FewerTargets);
        }
        if !self.exclude.is_empty() {
            out.push(Relaxation::Exclude);
        }
        if self.max_data_age > Config::default().max_data_age {
            out.push(Relaxation::OlderData);
        }
        out
    }

    /// What `check --since REV` applies: this configuration's tightenings, and the relaxations
    /// of `base`, the configuration as it was at REV (default when it had none), so that a
    /// change cannot allow what it adds.
    pub fn with_relaxations_of(&self, base: &Config) -> Config {
        let mut c = self.without_relaxations();
        c.allow = base.allow.clone();
        c.private_packages = base.private_packages.clone();
        for (rule, sev) in &base.severity {
            if *sev < rule.default_severity() && !c.severity.contains_key(rule) {
                c.severity.insert(*rule, *sev);
            }
        }
        c.select = base.select.clone();
        c.ignore = base.ignore.clone();
        c.popular_top_n = c.popular_top_n.min(base.popular_top_n);
        c.max_data_age = c.max_data_age.max(base.max_data_age);
        c.exclude = base.exclude.clone();
        c
    }

    /// This configuration without what weakens the checks: what an untrusted file may still do.
    pub fn without_relaxations(&self) -> Config {
        let default = Config::default();
        let severity: BTreeMap<Rule, Severity> = self
            .severity
            .iter()
            .filter(|(r, s)| **s >= r.default_severity())
            .map(|(r, s)| (*r, *s))
            .collect();
        Config {
            allow: Vec::new(),
            private_packages: Vec::new(),
            // what is kept may still lower a finding the rule reports above its default
            severity_raises_only: severity.keys().copied().collect(),
            severity,
            select: Vec::new(),
            ignore: Vec::new(),
            popular_top_n: self.popular_top_n.max(default.popular_top_n),
            exclude: Vec::new(),
            max_data_age: self.max_data_age.min(default.max_data_age),
            ..self.clone()
        }
    }

    /// The `exclude` patterns, anchored at the configuration file's directory; `None` without a
    /// file or patterns.
    pub fn exclude(&self) -> Option<crate::exclude::Exclude> {
        crate::exclude::Exclude::new(self.file.as_deref()?, &self.exclude)
    }

    pub fn is_private(&self, package: &str) -> bool {
        self.private_pattern(package).is_some()
    }

    /// The first `private-packages` pattern that matches `package`.
    pub fn private_pattern(&self, package: &str) -> Option<&str> {
        self.private_packages
            .iter()
            .find(|p| glob_match(p, package))
            .map(String::as_str)
    }

    /// The effective configuration as TOML, for `squatguard config`.
    pub fn to_toml(&self) -> String {
        // quoted and escaped (`{:?}` escapes as TOML basic strings need for these values)
        fn list<T: std::fmt::Display>(items: &[T]) -> String {
            items
                .iter()
                .map(|x| format!("{:?}", x.to_string()))
                .collect::<Vec<_>>()
                .join(", ")
        }
        let mut out = String::new();
        out.push_str(&format!(
            "# from {}\n",
            self.file
                .as_deref()
                .map(display_path)
                .unwrap_or_else(|| "defaults (no configuration file)".into())
        ));
        out.push_str(&format!("select = [{}]\n", list(&self.select)));
        out.push_str(&format!("ignore = [{}]\n", list(&self.ignore)));
        out.push_str(&format!("popular-top-n = {}\n", self.popular_top_n));
        out.push_str(&format!(
            "private-packages = [{}]\n",
            list(&self.private_packages)
        ));
        out.push_str(&format!("max-data-age = {}\n", self.max_data_age));
        out.push_str(&format!("exclude = [{}]\n", list(&self.exclude)));
        out.push_str("\n[severity]\n");
        for rule in Rule::ALL {
            let sev = self
                .severity
                .get(rule)
                .copied()
                .unwrap_or(rule.default_severity());
            out.push_str(&format!("{rule} = \"{sev}\"\n"));
        }
        for a in &self.allow {
            out.push_str("\n[[allow]]\n");
            out.push_str(&format!("package = \"{}\"\n", a.package));
            if let Some(r) = a.rule {
                out.push_str(&format!("rule = \"{r}\"\n"));
            }
            out.push_str(&format!("reason = {:?}\n", a.reason));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(path: &str, text: &str) -> Result<Config, ConfigError> {
        parse(&SourceFile::new(path, text))
    }

    #[test]
    fn every_key() {
        let c = cfg(
            "squatguard.toml",
            "select = [\"typosquat\", \"SG101\"]\nignore = [\"direct-url\"]\npopular-top-n = 5000\nprivate-packages = [\"Acme_*\", \"internal.utils\"]\nmax-data-age = 7\n[severity]\nindex-url = \"error\"\n[[allow]]\npackage = \"Reqeusts\"\nrule = \"typosquat\"\nreason = \"test double\"\n",
        )
        .unwrap();
        assert_eq!(c.select, [Rule::Typosquat, Rule::KnownMalicious]);
        assert_eq!(c.ignore, [Rule::DirectUrl]);
        assert_eq!(c.popular_top_n, 5000);
        assert_eq!(c.private_packages, ["acme-*", "internal-utils"]);
        assert_eq!(c.max_data_age, 7);
        assert_eq!(c.severity.get(&Rule::IndexUrl), Some(&Severity::Error));
        assert_eq!(c.allow[0].package, "reqeusts");
        assert_eq!((c.allow[0].line, c.allow[0].column), (8, 1));
        assert!(
            c.is_private("acme-billing") && c.is_private("internal-utils") && !c.is_private("acme")
        );
    }

    /// A `tool` key that is not a table holds no configuration: not an error that a repository
    /// could use to stop every run in its directory.
    #[test]
    fn a_tool_that_is_not_a_table_is_no_configuration() {
        let c = cfg(
            "pyproject.toml",
            "tool = \"\"\"\n[tool.squatguard]\nignore = [\"typosquat\"]\n\"\"\"\n",
        )
        .unwrap();
        assert!(c.ignore.is_empty() && c.relaxations().is_empty());
        assert!(
            cfg("pyproject.toml", "[tool]\nsquatguard = 1\n").is_err(),
            "a squatguard key that is not a table is"
        );
    }

    #[test]
    fn pyproject_section_and_errors_with_positions() {
        let c = cfg(
            "pyproject.toml",
            "[project]\nname = \"x\"\n\n[tool.squatguard]\nignore = [\"index-url\"]\n",
        )
        .unwrap();
        assert_eq!(c.ignore, [Rule::IndexUrl]);
        let e = cfg(
            "pyproject.toml",
            "[tool.squatguard]\nselct = [\"typosquat\"]\n",
        )
        .unwrap_err();
        assert_eq!((e.line, e.column), (2, 1));
        assert!(
            e.message
                .starts_with("unknown field `selct`, expected one of `select`"),
            "{e}"
        );
        let e = cfg("squatguard.toml", "[[allow]]\npackage = \"x\"\n").unwrap_err();
        assert!(e.message.contains("needs a `reason`"), "{e}");
        let e = cfg("squatguard.toml", "select = [\"nope\"]\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 11));
        let e = cfg("squatguard.toml", "[severity]\ntyposquat = \"fatal\"\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(cfg("squatguard.toml", "popular-top-n = 0\n").is_err());
        assert!(cfg("squatguard.toml", "select = \n").is_err());
    }

    #[test]
    fn globs() {
        assert!(glob_match("acme-*", "acme-x"));
        assert!(glob_match("*-internal", "billing-internal"));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
        assert!(glob_match("exact", "exact") && !glob_match("exact", "exact2"));
    }

    #[test]
    fn relaxations_are_named_and_tightening_is_not_one() {
        assert!(Config::default().relaxations().is_empty());
        // a longer max-data-age silences the stale-data warning: a relaxation, dropped
        let c = cfg("squatguard.toml", "max-data-age = 99999\n").unwrap();
        assert_eq!(c.relaxations(), [Relaxation::OlderData]);
        assert_eq!(
            c.without_relaxations().max_data_age,
            Config::default().max_data_age
        );
        let c = cfg("squatguard.toml", "max-data-age = 7\n").unwrap();
        assert!(c.relaxations().is_empty());
        assert_eq!(c.without_relaxations().max_data_age, 7);
        let c = cfg(
            "squatguard.toml",
            "popular-top-n = 15000\n[severity]\ndirect-url = \"error\"\n",
        )
        .unwrap();
        assert!(c.relaxations().is_empty(), "{:?}", c.relaxations());
        let c = cfg(
            "squatguard.toml",
            "private-packages = [\"acme-*\"]\npopular-top-n = 100\n[severity]\nknown-malicious = \"note\"\n[[allow]]\npackage = \"x\"\nreason = \"r\"\n",
        )
        .unwrap();
        assert_eq!(
            c.relaxations(),
            [
                Relaxation::Allow,
                Relaxation::PrivatePackages,
                Relaxation::LoweredSeverities,
                Relaxation::FewerTargets
            ]
        );
        assert_eq!(
            Relaxation::list(&c.relaxations()),
            "allow entries, private packages, lowered severities, fewer typosquat targets"
        );
        let strict = c.without_relaxations();
        assert!(strict.relaxations().is_empty());
        assert_eq!(strict.file, c.file);
        let c = cfg(
            "squatguard.toml",
            "[severity]\ndirect-url = \"error\"\nknown-malicious = \"note\"\n",
        )
        .unwrap();
        assert_eq!(
            c.without_relaxations().severity,
            BTreeMap::from([(Rule::DirectUrl, Severity::Error)]),
            "tightening stays"
        );
        assert_eq!(
            cfg("squatguard.toml", "ignore = [\"direct-url\"]\n")
                .unwrap()
                .relaxations(),
            [Relaxation::RulesOff]
        );
    }
}
