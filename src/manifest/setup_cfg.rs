//! `setup.cfg`: setuptools' declarative configuration, read without running anything.
//!
//! # The file format
//!
//! setuptools (`setuptools/dist.py`, `Distribution._parse_config_files`) reads `setup.cfg`
//! with Python's `configparser.ConfigParser()` at its defaults but `optionxform = str`, from a
//! file opened in text mode, and this module reads it by hand the same way, keeping the byte
//! offset of every value:
//!
//! - Lines end at `\n`, `\r\n` or a lone `\r` (universal newlines); no other character ends
//!   one. "Whitespace" is Python's (`str.strip()`, `re`'s `\s`): Unicode `White_Space` and
//!   `\x1c`..`\x1f`.
//! - `[name]` starts a section: the name is everything between the first `[` and the last `]`.
//!   `[DEFAULT]` holds defaults every other section inherits. A section that appears twice is
//!   merged (and reported: configparser's `strict` mode rejects the file); `[DEFAULT]` may
//!   appear twice.
//! - `key = value` or `key: value` sets an option; the key ends at the first `=` or `:`. The
//!   same key twice in a section is reported (configparser rejects the file); keys that differ
//!   only in case or in `-`/`_` are two options to configparser. A section's keys shadow
//!   `[DEFAULT]`'s only when written the same way (`Install_Requires` does not hide
//!   `[DEFAULT]`'s `install_requires`).
//! - A line indented deeper (each whitespace character counts as one column) than the line
//!   of its key continues the value. Blank lines inside a value are kept (and skipped as
//!   requirements).
//! - A line whose first non-blank character is `#` or `;` is a comment, also between the lines
//!   of a value. There are no inline comments at this level (`inline_comment_prefixes` is off).
//! - `%(name)s` is replaced by the value of the key written exactly `name` (`optionxform =
//!   str`) in the section being read, else in `[DEFAULT]`, recursively up to 10 levels (the
//!   nested references too are looked up from the section being read: configparser's
//!   `BasicInterpolation`); `%%` is a literal `%`. Where setuptools before 53.1 (which
//!   lower-cased keys) would take another option, or one where configparser finds none
//!   (`%(Deps)s` and only `deps`), the file is refused (`invalid-manifest`).
//! - Any other line, and any line before the first section header, is an error
//!   (`invalid-manifest`): configparser rejects the file.
//!
//! # What is read
//!
//! - `[options]`: `install_requires`, `setup_requires` and `tests_require`, labelled
//!   `options.install_requires` and so on; `-` counts as `_` (`install-requires`), as
//!   setuptools' `warn_dash_deprecation` makes it (setuptools 78.0 rejected it instead).
//! - `[options.extras_require]`: every key as written, labelled
//!   `options.extras_require.<extra>`.
//!
//! Both sections also inherit `[DEFAULT]`'s keys, as configparser hands them to setuptools
//! (every `[DEFAULT]` key is an extra of `[options.extras_require]`).
//!
//! Setuptools versions differ in what they take from these sections, so where they could
//! differ squatguard reads every candidate (the union: whatever some version installs is
//! checked) and refuses the file with an `invalid-manifest` error at the section header or
//! key:
//!
//! - Which section a name denotes: `ConfigOptionsHandler` drops `options` from the name,
//!   `name.replace('options', '').strip('.')` in setuptools 65 and older,
//!   `name.partition('options')` then `lstrip('.')` in newer ones (names that do not start
//!   with `options` are not its), and of several sections that come to the same name only
//!   the last counts. So `[options.]`, `[options..]`, `[optionsoptions]` (65) are
//!   `[options]`, `[options.extras_require.]` (65) and `[options..extras_require]` are
//!   `[options.extras_require]`: read as those, and refused. Section names are
//!   case-sensitive: `[Options]`, `[ options ]`, `[options.extras-require]` are no
//!   setuptools' sections, but look like them: read, and refused too. Other `[options.*]`
//!   sections (`[options.packages.find]`) are not read.
//! - Keys of an options section: one that differs from a requirement key only in case
//!   (`Install_Requires`) is ignored by setuptools 53.1 and newer and read by older ones;
//!   two keys that set the same list (`install-requires` and `install_requires`, one of them
//!   perhaps `[DEFAULT]`'s) leave one of them, which one depending on the version and the
//!   order of the keys.
//!
//! A value is a list as `setuptools/config/setupcfg.py` reads it (`_parse_requirements_list`):
//! a value of several lines is split with `str.splitlines()`, a value on one line at `;` (so
//! `bar; python_version < "3.9"` on one line is two requirements, the second invalid, which is
//! reported with a hint); each part is stripped, empty parts and parts starting with `#` are
//! dropped. Commas never split: `a>=1,<2` is one requirement. Then, as setuptools does when it
//! finalises `install_requires` (`_reqs.parse_strings`, see
//! `super::setup_py::strings::requirement_lines`): each part is split again with
//! `str.splitlines()` (so `a  # x\x0bb` on one line is `a` and `b`), a ` #` starts a comment (a
//! `#` after a tab, or as in `#egg=`, does not), and a line ending in `\` is joined with the
//! next, the backslash and the character before it removed (`pytest-black; \` +
//! `python_implementation != "PyPy"`). A continuation with no line after it is reported:
//! setuptools drops it.
//!
//! The real reader this must agree with is setuptools' (`Distribution.parse_config_files`,
//! then `install_requires`, `setup_requires`, `tests_require` and `extras_require`, over
//! `configparser`); `tests/differential.rs` (`setup_cfg_reads_as_setuptools_does`, with
//! `tests/differential/setup_cfg.py`) compares the two over generated files: where squatguard
//! does not refuse a file, it must read the same names in the same lists as setuptools 65.
//!
//! A `file:` value (`install_requires = file: deps/base.txt, deps/extra.txt`, also in
//! `[options.extras_require]`) is read as setuptools' `_parse_file` and `expand.read_files` read
//! it (`push_requirement_files`): the paths split at `,`, each relative to the directory of
//! setup.cfg and inside it (a path that leaves it, or a symbolic link that leads out, is an
//! `invalid-manifest` error and is not read; a missing file is a note, as setuptools skips it),
//! the contents joined with `\n` and read as a value is; each requirement is reported at its
//! own file and line. An `attr:` value (computed at build time) yields an
//! `unresolved-dependency` note, as does a `%(name)s` reference to an option that is not
//! defined.
//!
//! Every requirement is located at its first character in the file. When interpolation
//! supplied it, that is where the interpolated text is written (the referenced option's
//! value); if a name is put together from several pieces, its span covers the first piece's
//! position and is approximate.

use super::setup_py::source::text_mode;
use super::setup_py::strings::requirement_lines;
use super::{leading_name, parse_pep508, Dependency, Manifest};
use crate::finding::Rule;
use crate::python_text::{is_space, splitlines, strip_range};
use crate::source::{display_path, read_source, SourceFile};
use pep508_rs::{Requirement, VerbatimUrl};
use std::ops::Range;
use std::path::Path;

/// configparser's `MAX_INTERPOLATION_DEPTH`.
const MAX_INTERPOLATION_DEPTH: usize = 10;

/// The `[options]` keys that hold requirement lists.
const REQUIREMENT_KEYS: [&str; 3] = ["install_requires", "setup_requires", "tests_require"];

/// Parses a `setup.cfg`.
pub fn parse(src: &SourceFile) -> Manifest {
    // a lone `\r` ends a line: located as one (offsets are unchanged)
    let lines = text_mode(src);
    let src = lines.as_ref().unwrap_or(src);
    let mut out = Manifest::default();
    let mut findings = Vec::new();
    let ini = read_ini(src, &mut findings);

    for (index, section) in ini.sections.iter().enumerate() {
        let at = SectionRef::Named(index);
        let Some((kind, refusal)) = section_kind(&section.name) else {
            continue;
        };
        if let Some(message) = refusal {
            findings.push(pending(Rule::InvalidManifest, section.at, message));
        }
        match kind {
            SectionKind::Options => {
                // the keys setuptools takes, each with the entries that set it
                let mut set: Vec<(&str, &Entry)> = Vec::new();
                for entry in ini.effective_entries(at) {
                    let Some(known) = requirement_key(entry, &section.name, &mut findings) else {
                        continue;
                    };
                    if let Some((_, first)) = set.iter().find(|(k, _)| *k == known) {
                        findings.push(pending(
                            Rule::InvalidManifest,
                            first.at.max(entry.at),
                            twice_message(&ini, first, entry, known, &section.name),
                        ));
                    }
                    set.push((known, entry));
                    let label = format!("options.{known}");
                    read_requirements(src, &ini, at, entry, &label, known, &mut out, &mut findings);
                }
            }
            SectionKind::Extras => {
                for entry in ini.effective_entries(at) {
                    let label = format!("options.extras_require.{}", entry.key);
                    let shown = format!("extras_require[{}]", entry.key);
                    read_requirements(
                        src,
                        &ini,
                        at,
                        entry,
                        &label,
                        &shown,
                        &mut out,
                        &mut findings,
                    );
                }
            }
        }
    }

    // The same `[DEFAULT]` text can be interpolated into several values: report it once.
    let mut seen = std::collections::HashSet::new();
    findings.retain(|f: &Pending| seen.insert((f.rule, f.offset)));
    for f in findings {
        out.push_finding(src, f.rule, f.offset, f.message);
    }
    out.findings.sort_by_key(|f| (f.line, f.column));
    out
}

/// A finding waiting to be deduplicated and ordered.
struct Pending {
    rule: Rule,
    offset: usize,
    message: String,
}

/// The project name `[metadata] name` gives, as configparser hands it to setuptools; `None`
/// when the file does not read, has no such key, or the value needs interpolation. What a
/// local directory requirement (`-e ./vendor/x`) installs as.
pub fn project_name(src: &SourceFile) -> Option<String> {
    let lines = text_mode(src);
    let src = lines.as_ref().unwrap_or(src);
    let mut findings = Vec::new();
    let ini = read_ini(src, &mut findings);
    if !findings.is_empty() {
        return None;
    }
    let index = ini.sections.iter().position(|s| s.name == "metadata")?;
    // setuptools lower-cases the keys of `[metadata]` and turns `-` into `_`
    let entry = [&ini.sections[index], &ini.default]
        .into_iter()
        .find_map(|s| s.entries.iter().rev().find(|e| e.norm == "name"))?;
    let value = raw_value(src, entry).text;
    let value = value.trim_matches(is_space);
    (!value.is_empty() && !value.contains('%')).then(|| value.to_owned())
}

fn pending(rule: Rule, offset: usize, message: impl Into<String>) -> Pending {
    Pending {
        rule,
        offset,
        message: message.into(),
    }
}

/// One `key = value` option.
struct Entry {
    /// The key as written.
    key: String,
    /// Where the key starts in the file.
    at: usize,
    /// The key lower-cased, with `-` as `_`.
    norm: String,
    /// The value's lines, each trimmed, as byte ranges of the file: the rest of the key line
    /// first (possibly empty), then each continuation line (empty for a blank line).
    pieces: Vec<Range<usize>>,
}

struct Section {
    name: String,
    /// Where its (first) `[name]` header starts in the file.
    at: usize,
    entries: Vec<Entry>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SectionRef {
    Default,
    Named(usize),
}

struct Ini {
    default: Section,
    sections: Vec<Section>,
}

impl Ini {
    fn section(&self, at: SectionRef) -> &Section {
        match at {
            SectionRef::Default => &self.default,
            SectionRef::Named(i) => &self.sections[i],
        }
    }

    fn section_mut(&mut self, at: SectionRef) -> &mut Section {
        match at {
            SectionRef::Default => &mut self.default,
            SectionRef::Named(i) => &mut self.sections[i],
        }
    }

    /// A section's own options, then the `[DEFAULT]` options it does not override (a key
    /// overrides the same key written the same way: `optionxform = str`), as
    /// `ConfigParser.options` lists them.
    fn effective_entries(&self, at: SectionRef) -> Vec<&Entry> {
        let own = &self.section(at).entries;
        let mut all: Vec<&Entry> = own.iter().collect();
        if at != SectionRef::Default {
            all.extend(
                self.default
                    .entries
                    .iter()
                    .filter(|d| !own.iter().any(|e| e.key == d.key)),
            );
        }
        all
    }

    /// The option `name` as `%(name)s` sees it from section `at` (`optionxform = str`): the
    /// section's key written exactly so, else `[DEFAULT]`'s.
    fn lookup<'a>(&'a self, at: SectionRef, name: &str) -> Option<&'a Entry> {
        let find = |s: &'a Section| s.entries.iter().rev().find(|e| e.key == name);
        find(self.section(at)).or_else(|| find(&self.default))
    }

    /// The options `%(name)s` could name from section `at` where keys are lower-cased (the
    /// default `optionxform`, setuptools before 53.1): the section's, else `[DEFAULT]`'s.
    fn lookup_folded<'a>(&'a self, at: SectionRef, name: &str) -> Vec<&'a Entry> {
        let name = name.to_lowercase();
        let find = |s: &'a Section| -> Vec<&'a Entry> {
            s.entries
                .iter()
                .filter(|e| e.key.to_lowercase() == name)
                .collect()
        };
        let own = find(self.section(at));
        if own.is_empty() {
            find(&self.default)
        } else {
            own
        }
    }
}

/// What setuptools makes of a section that holds requirements.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SectionKind {
    /// `[options]`: `install_requires`, `setup_requires`, `tests_require`.
    Options,
    /// `[options.extras_require]`: every key an extra.
    Extras,
}

/// The name of the section a handler name belongs to, written as setuptools documents it.
fn plain_section(kind: SectionKind) -> &'static str {
    match kind {
        SectionKind::Options => "options",
        SectionKind::Extras => "options.extras_require",
    }
}

/// The kind of the `[options...]` section that `ConfigOptionsHandler` hands a section named
/// `name` to, in setuptools 65 and older (`name.replace('options', '').strip('.')`) and in
/// newer versions (`name.partition('options')`, the rest `lstrip('.')`).
fn handler_kinds(name: &str) -> [Option<SectionKind>; 2] {
    let Some(rest) = name.strip_prefix("options") else {
        return [None, None];
    };
    let kind = |handler: &str| match handler {
        "" => Some(SectionKind::Options),
        "extras_require" => Some(SectionKind::Extras),
        _ => None,
    };
    [
        kind(name.replace("options", "").trim_matches('.')),
        kind(rest.trim_start_matches('.')),
    ]
}

/// How section `name` is read: its kind, and the refusal (an `invalid-manifest` message) when
/// setuptools versions read it differently, or it is a lookalike of a section setuptools reads.
fn section_kind(name: &str) -> Option<(SectionKind, Option<String>)> {
    match name {
        "options" => return Some((SectionKind::Options, None)),
        "options.extras_require" => return Some((SectionKind::Extras, None)),
        _ => {}
    }
    let [old, new] = handler_kinds(name);
    if let Some(kind) = old.or(new) {
        let plain = plain_section(kind);
        let which = match (old, new) {
            (Some(_), Some(_)) => format!("every setuptools version reads it as `[{plain}]`"),
            (Some(_), None) => format!(
                "setuptools 65 and older read it as `[{plain}]` (they drop every `options` from \
                 a section name, then the dots around what is left), newer versions reject it"
            ),
            _ => format!(
                "newer setuptools read it as `[{plain}]` (they drop the leading `options`, then \
                 the dots after it), setuptools 65 and older reject it"
            ),
        };
        return Some((
            kind,
            Some(format!(
                "section `[{name}]`: {which}, and of several sections read as `[{plain}]` only \
                 the last counts; squatguard reads each and refuses the file rather than guess \
                 which version installs what: name it `[{plain}]`"
            )),
        ));
    }
    // `[Options]`, `[ options ]`, `[options.extras-require]`: no setuptools reads these
    let folded = normalize_key(name.trim_matches(is_space));
    let [old, new] = handler_kinds(&folded);
    let kind = old.or(new)?;
    let plain = plain_section(kind);
    Some((
        kind,
        Some(format!(
            "section `[{name}]` is not `[{plain}]`: setuptools reads section names as written \
             and ignores it; squatguard reads it as `[{plain}]` and refuses the file, as it \
             could be meant either way: name it `[{plain}]`, or another name"
        )),
    ))
}

/// The requirement key of `[options]` (`install_requires`, ...) that `entry` of an options
/// section sets, as setuptools 65 reads it (`warn_dash_deprecation`: `-` is `_`). A key that
/// differs from one only in case (`Install_Requires`) is ignored by setuptools 53.1 and newer
/// but read by older versions (which lower-cased keys): it is read, and refused.
fn requirement_key(
    entry: &Entry,
    section: &str,
    findings: &mut Vec<Pending>,
) -> Option<&'static str> {
    let dashed = entry.key.replace('-', "_");
    if let Some(known) = REQUIREMENT_KEYS.iter().find(|k| **k == dashed) {
        return Some(known);
    }
    let known = REQUIREMENT_KEYS.iter().find(|k| **k == entry.norm)?;
    findings.push(pending(
        Rule::InvalidManifest,
        entry.at,
        format!(
            "`{}` in `[{section}]` is not `{known}`: setuptools 53.1 and newer read keys as \
             written and ignore it, older versions lower-cased them and read it; squatguard reads \
             it and refuses the file: write `{known}`",
            entry.key
        ),
    ));
    Some(known)
}

/// Why two keys of an options section that both set `known` are refused.
fn twice_message(ini: &Ini, first: &Entry, second: &Entry, known: &str, section: &str) -> String {
    let inherited = [first, second]
        .iter()
        .any(|e| ini.default.entries.iter().any(|d| std::ptr::eq(d, *e)));
    let note = if inherited {
        " (one of them `[DEFAULT]`'s, whose keys are in every section)"
    } else {
        ""
    };
    format!(
        "`{}` and `{}` both set `{known}` in `[{section}]`{note}: setuptools keeps one of them, \
         which one depends on its version and on the order of the keys; squatguard reads both \
         and refuses the file: set `{known}` once",
        first.key, second.key
    )
}

fn normalize_key(key: &str) -> String {
    key.to_lowercase().replace('-', "_")
}

/// The name inside a `[name]` header line (already trimmed), as configparser's `\[(.+)\]`.
fn section_header(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('[')?;
    let close = rest.rfind(']')?;
    (close > 0).then(|| &rest[..close])
}

/// The lines of a file read in text mode with universal newlines, without their terminators.
fn universal_lines(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                lines.push((start, i));
                start = i + 1;
            }
            b'\r' => {
                lines.push((start, i));
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < bytes.len() {
        lines.push((start, bytes.len()));
    }
    lines
}

/// Reads the file into sections, as `configparser.ConfigParser._read` does.
fn read_ini(src: &SourceFile, findings: &mut Vec<Pending>) -> Ini {
    let text = src.text.as_str();
    let mut ini = Ini {
        default: Section {
            name: "DEFAULT".to_owned(),
            at: 0,
            entries: Vec::new(),
        },
        sections: Vec::new(),
    };
    let mut seen_headers: Vec<String> = Vec::new();
    let mut current: Option<SectionRef> = None;
    let mut option: Option<usize> = None;
    let mut indent_level = 0usize;

    // the file is opened in text mode: universal newlines (`\n`, `\r\n`, a lone `\r`)
    for (start, end) in universal_lines(text) {
        let line = &text[start..end];
        let span = strip_range(text, start..end);
        let trimmed = &text[span.clone()];
        let lead = span.start - start;
        let first = span.start;

        if trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if trimmed.is_empty() {
            if let (Some(at), Some(i)) = (current, option) {
                ini.section_mut(at).entries[i].pieces.push(first..first);
            }
            continue;
        }
        // configparser's `\S`: the first character that is not Python whitespace
        let indent = line[..lead].chars().count();
        if let (Some(at), Some(i), true) = (current, option, indent > indent_level) {
            ini.section_mut(at).entries[i].pieces.push(span);
            continue;
        }
        indent_level = indent;

        if let Some(name) = section_header(trimmed) {
            if name != "DEFAULT" && seen_headers.iter().any(|h| h == name) {
                findings.push(pending(
                    Rule::InvalidManifest,
                    first,
                    format!("section `[{name}]` appears twice; configparser rejects the file"),
                ));
            } else {
                seen_headers.push(name.to_owned());
            }
            current = Some(if name == "DEFAULT" {
                SectionRef::Default
            } else if let Some(i) = ini.sections.iter().position(|s| s.name == name) {
                SectionRef::Named(i)
            } else {
                ini.sections.push(Section {
                    name: name.to_owned(),
                    at: first,
                    entries: Vec::new(),
                });
                SectionRef::Named(ini.sections.len() - 1)
            });
            option = None;
            continue;
        }

        let Some(at) = current else {
            findings.push(pending(
                Rule::InvalidManifest,
                first,
                format!("`{trimmed}` comes before any `[section]` header; configparser rejects the file"),
            ));
            continue;
        };

        let Some(delimiter) = trimmed.find(['=', ':']) else {
            findings.push(pending(
                Rule::InvalidManifest,
                first,
                format!(
                    "`{trimmed}` is not a `[section]` header, a `key = value` option, a comment or an \
                     indented continuation line; configparser rejects the file"
                ),
            ));
            continue;
        };
        let key = trimmed[..delimiter].trim_end_matches(is_space);
        if key.is_empty() {
            findings.push(pending(
                Rule::InvalidManifest,
                first,
                format!(
                    "`{trimmed}` has no key before `{}`",
                    &trimmed[delimiter..delimiter + 1]
                ),
            ));
            option = None;
            continue;
        }
        let value = trimmed[delimiter + 1..].trim_start_matches(is_space);
        let value_start = span.end - value.len();
        let norm = normalize_key(key);
        let section = ini.section_mut(at);
        // `optionxform = str`: keys that differ in case or in `-`/`_` are two options to
        // configparser (what setuptools makes of them is decided in `parse`)
        if section.entries.iter().any(|e| e.key == key) {
            let name = section.name.clone();
            findings.push(pending(
                Rule::InvalidManifest,
                first,
                format!(
                    "option `{key}` appears twice in `[{name}]`; configparser rejects the file"
                ),
            ));
        }
        section.entries.push(Entry {
            key: key.to_owned(),
            at: first,
            norm,
            pieces: std::iter::once(value_start..span.end).collect(),
        });
        option = Some(section.entries.len() - 1);
    }
    ini
}

/// Text with the byte offset in the file that each of its bytes came from.
#[derive(Default)]
struct Mapped {
    text: String,
    origin: Vec<usize>,
}

impl Mapped {
    /// Appends `text`, which stands at byte `at` of the file.
    fn push_literal(&mut self, text: &str, at: usize) {
        self.text.push_str(text);
        self.origin.extend(at..at + text.len());
    }

    /// Appends bytes `range` of `other`.
    fn push_from(&mut self, other: &Mapped, range: Range<usize>) {
        self.text.push_str(&other.text[range.clone()]);
        self.origin.extend_from_slice(&other.origin[range]);
    }

    /// Where byte `i` came from; the end of the text maps past its last byte.
    fn origin_at(&self, i: usize) -> usize {
        match self.origin.get(i) {
            Some(&o) => o,
            None => self.origin.last().map_or(0, |&o| o + 1),
        }
    }
}

/// An option's raw value as configparser stores it: lines joined with `\n`, trailing blank
/// lines dropped.
fn raw_value(src: &SourceFile, entry: &Entry) -> Mapped {
    let mut value = Mapped::default();
    for (i, piece) in entry.pieces.iter().enumerate() {
        if i > 0 {
            // The separator stands for the line break before this piece.
            value.text.push('\n');
            value.origin.push(piece.start.saturating_sub(1));
        }
        value.push_literal(&src.text[piece.clone()], piece.start);
    }
    let keep = value.text.trim_end_matches(is_space).len();
    value.text.truncate(keep);
    value.origin.truncate(keep);
    value
}

/// Expands `%(name)s` references the way configparser's `BasicInterpolation` does.
struct Interpolator<'a> {
    src: &'a SourceFile,
    ini: &'a Ini,
    at: SectionRef,
    /// Output ranges that stand for references that could not be resolved.
    unresolved: Vec<Range<usize>>,
    /// Set when a reference nested too deeply.
    too_deep: bool,
    findings: &'a mut Vec<Pending>,
}

impl Interpolator<'_> {
    fn expand(&mut self, raw: &Mapped, depth: usize, out: &mut Mapped) {
        let s = raw.text.as_str();
        let mut i = 0;
        while i < s.len() {
            let Some(p) = s[i..].find('%').map(|p| i + p) else {
                out.push_from(raw, i..s.len());
                break;
            };
            out.push_from(raw, i..p);
            let rest = &s[p + 1..];
            if rest.starts_with('%') {
                out.push_literal("%", raw.origin[p]);
                i = p + 2;
                continue;
            }
            if let Some(inner) = rest.strip_prefix('(') {
                if let Some(close) = inner
                    .find(')')
                    .filter(|&c| c > 0 && inner[c + 1..].starts_with('s'))
                {
                    let name = &inner[..close];
                    let end = p + 2 + close + 2;
                    self.reference(raw, p..end, name, depth, out);
                    i = end;
                    continue;
                }
            }
            self.findings.push(pending(
                Rule::InvalidManifest,
                raw.origin[p],
                "`%` starts an interpolation in setup.cfg and must be followed by `(name)s` or `%`; \
                 write a literal `%` as `%%`",
            ));
            out.push_from(raw, p..p + 1);
            i = p + 1;
        }
    }

    /// Expands the reference `%(name)s` at bytes `range` of `raw`.
    fn reference(
        &mut self,
        raw: &Mapped,
        range: Range<usize>,
        name: &str,
        depth: usize,
        out: &mut Mapped,
    ) {
        let at = raw.origin[range.start];
        let found = self.ini.lookup(self.at, name);
        let folded = self.ini.lookup_folded(self.at, name);
        if !folded
            .iter()
            .any(|e| found.is_some_and(|f| std::ptr::eq(*e, f)))
        {
            if let Some(other) = folded.first() {
                let section = self.ini.section(self.at);
                let taken = match found {
                    Some(f) if section.entries.iter().any(|e| std::ptr::eq(e, f)) => {
                        format!("`{}` of `[{}]`", f.key, section.name)
                    }
                    Some(f) => format!("`{}` of `[DEFAULT]`", f.key),
                    None => "no option (configparser rejects the file)".to_owned(),
                };
                self.findings.push(pending(
                    Rule::InvalidManifest,
                    at,
                    format!(
                        "`%({name})s` names {taken} to setuptools 53.1 and newer, which look \
                         names up as written, but `{}` to older versions, which lower-cased \
                         keys; squatguard refuses the file: write the name as the option is \
                         written",
                        other.key
                    ),
                ));
            }
        }
        let resolved = match found {
            None => {
                let section = &self.ini.section(self.at).name;
                self.findings.push(pending(
                    Rule::UnresolvedDependency,
                    at,
                    format!(
                        "`%({name})s` is not defined in `[{section}]` or `[DEFAULT]`; \
                         the requirement that uses it cannot be read"
                    ),
                ));
                false
            }
            Some(entry) => {
                let value = raw_value(self.src, entry);
                if !value.text.contains('%') {
                    out.push_from(&value, 0..value.text.len());
                    true
                } else if depth < MAX_INTERPOLATION_DEPTH {
                    // configparser fails the whole value when nesting is too deep: drop what
                    // this reference expanded to, and treat it as unresolved.
                    let (len, holes) = (out.text.len(), self.unresolved.len());
                    let outer = std::mem::replace(&mut self.too_deep, false);
                    self.expand(&value, depth + 1, out);
                    let failed = self.too_deep;
                    self.too_deep = outer || failed;
                    if failed {
                        out.text.truncate(len);
                        out.origin.truncate(len);
                        self.unresolved.truncate(holes);
                    }
                    !failed
                } else {
                    self.too_deep = true;
                    self.findings.push(pending(
                        Rule::InvalidManifest,
                        at,
                        format!(
                            "`%({name})s` nests more than {MAX_INTERPOLATION_DEPTH} interpolations \
                             (a reference cycle?); configparser rejects it"
                        ),
                    ));
                    false
                }
            }
        };
        if !resolved {
            let start = out.text.len();
            out.push_from(raw, range);
            self.unresolved.push(start..out.text.len());
        }
    }
}

/// Reads the requirement list in option `entry` of section `at`.
#[allow(clippy::too_many_arguments)]
fn read_requirements(
    src: &SourceFile,
    ini: &Ini,
    at: SectionRef,
    entry: &Entry,
    label: &str,
    shown: &str,
    out: &mut Manifest,
    findings: &mut Vec<Pending>,
) {
    let raw = raw_value(src, entry);
    let mut value = Mapped::default();
    let mut interp = Interpolator {
        src,
        ini,
        at,
        unresolved: Vec::new(),
        too_deep: false,
        findings,
    };
    interp.expand(&raw, 1, &mut value);
    let unresolved = interp.unresolved;

    let text = value.text.as_str();
    let body = text.trim_start();
    let body_start = text.len() - body.len();
    if let Some(spec) = body.strip_prefix("file:") {
        // `_parse_file`: the paths are split at `,` and stripped
        let spec_start = body_start + "file:".len();
        let mut files = Vec::new();
        let mut at = spec_start;
        for part in spec.split(',') {
            let name = strip_range(text, at..at + part.len());
            if !name.is_empty() {
                files.push((text[name.clone()].to_owned(), value.origin_at(name.start)));
            }
            at += part.len() + 1;
        }
        push_requirement_files(src, &files, label, None, out);
        return;
    }
    if body.starts_with("attr:") {
        findings.push(pending(
            Rule::UnresolvedDependency,
            value.origin_at(body_start),
            format!("`{shown}` is `{}`, computed when the package is built; squatguard cannot read it statically", body.trim_end()),
        ));
        return;
    }

    let multiline = text.contains('\n');
    push_list(src, &value, &unresolved, label, multiline, out, findings);
}

/// Records the requirements of a list value (`value`, interpolated, with the references in
/// `unresolved` left unknown) as setuptools reads it: `_parse_list_semicolon` (the value's
/// lines by `str.splitlines()` when it has several, else its `;`-separated parts; each
/// stripped, empty ones dropped), the `#` filter of `_parse_requirements_list`, then
/// `_reqs.parse_strings` ([`requirement_lines`]).
fn push_list(
    src: &SourceFile,
    value: &Mapped,
    unresolved: &[Range<usize>],
    label: &str,
    multiline: bool,
    out: &mut Manifest,
    findings: &mut Vec<Pending>,
) {
    let text = value.text.as_str();
    let parts: Vec<Range<usize>> = if multiline {
        splitlines(text).map(|(line, _)| line).collect()
    } else {
        let mut parts = Vec::new();
        let mut start = 0;
        for part in text.split(';') {
            parts.push(start..start + part.len());
            start += part.len() + 1;
        }
        parts
    };
    let mut items: Vec<Range<usize>> = parts
        .into_iter()
        .map(|part| strip_range(text, part))
        .filter(|item| !item.is_empty() && !text[item.clone()].starts_with('#'))
        .collect();

    // `bar; python_version < "3.9"` on one line: setuptools reads two requirements.
    if !multiline
        && items.len() == 2
        && is_requirement_with_marker(
            src,
            &format!("{};{}", &text[items[0].clone()], &text[items[1].clone()]),
        )
    {
        let (first, second) = (&text[items[0].clone()], &text[items[1].clone()]);
        findings.push(pending(
            Rule::InvalidRequirement,
            value.origin_at(items[1].start),
            format!(
                "`{second}` is read as a second requirement, not as the environment marker of `{first}`: \
                 setuptools splits a one-line value at `;`; put `{first}; {second}` on its own indented line"
            ),
        ));
        items.truncate(1);
    }

    let (lines, dangling) = requirement_lines(text, items);
    for line in lines {
        match &line.joined {
            Some(joined) => push_joined(
                src,
                value,
                line.range.clone(),
                joined,
                unresolved,
                label,
                out,
            ),
            None => push_requirement(src, value, line.range.clone(), unresolved, label, out),
        }
    }
    if let Some(line) = dangling {
        findings.push(pending(
            Rule::InvalidRequirement,
            value.origin_at(line.range.start),
            format!(
                "`{}` ends in a line continuation (`\\`) with no line after it: setuptools \
                 drops this requirement; remove the `\\` or add the line it continues to",
                line.text(text)
            ),
        ));
    }
}

/// Reads the requirement files a manifest names (`file:` in setup.cfg, `{file = [...]}` in
/// `[tool.setuptools.dynamic]`): `files` holds each name and where it is written in `src`.
/// As setuptools' `expand.read_files` does: relative to the manifest's directory, which no
/// file may leave (`_assert_local`; squatguard also follows symbolic links, and refuses one
/// that leads out: its lines would reach the report), a missing file skipped (setuptools
/// warns), the contents joined with `\n`. The requirements are then read as [`push_list`]
/// does, with `multiline` (`None`: whether the joined text has several lines, as
/// `_parse_list` decides) and reported at their own file and line, under `label`.
pub(crate) fn push_requirement_files(
    src: &SourceFile,
    files: &[(String, usize)],
    label: &str,
    multiline: Option<bool>,
    out: &mut Manifest,
) {
    let root = crate::source::parent_dir(&src.path);
    let mut read = Vec::new();
    for (name, at) in files {
        let at = *at;
        let escapes = Path::new(name).is_absolute()
            || Path::new(name)
                .components()
                .try_fold(0usize, |depth, c| match c {
                    std::path::Component::Normal(_) => Some(depth + 1),
                    std::path::Component::CurDir => Some(depth),
                    std::path::Component::ParentDir => depth.checked_sub(1),
                    _ => None,
                })
                .is_none_or(|depth| depth == 0);
        if escapes {
            out.push_finding(
                src,
                Rule::InvalidManifest,
                at,
                format!(
                    "`{label}` reads `{name}`, which is not a file inside the directory of {}: \
                     setuptools refuses it, and squatguard does not read it",
                    display_path(&src.path)
                ),
            );
            continue;
        }
        let path = root.join(name);
        if !path.exists() {
            out.push_finding(
                src,
                Rule::UnresolvedDependency,
                at,
                format!(
                    "`{label}` reads `{name}`, which is not there (`{}`): setuptools skips it with \
                     a warning, so none of its requirements would be installed",
                    display_path(&path)
                ),
            );
            continue;
        }
        let inside = match (std::fs::canonicalize(root), std::fs::canonicalize(&path)) {
            (Ok(root), Ok(real)) => real.starts_with(root),
            _ => false,
        };
        if !inside {
            out.push_finding(
                src,
                Rule::InvalidManifest,
                at,
                format!(
                    "`{label}` reads `{name}`, which leads outside the directory of {} (a \
                     symbolic link?): not read, since the report would show its lines and it could \
                     be a secret file; setuptools would read it",
                    display_path(&src.path)
                ),
            );
            continue;
        }
        match read_source(&path) {
            Ok(file) => {
                // opened in text mode: a lone `\r` ends a line
                let file = text_mode(&file).unwrap_or(file);
                read.push(file);
            }
            Err(reason) => out.push_finding(
                src,
                Rule::InvalidManifest,
                at,
                format!(
                    "`{label}` reads `{name}`, which cannot be read: {reason}; setuptools would \
                     fail"
                ),
            ),
        }
    }
    let multiline =
        multiline.unwrap_or_else(|| read.len() > 1 || read.iter().any(|f| f.text.contains('\n')));
    for file in &read {
        let mut value = Mapped::default();
        value.push_literal(&file.text, 0);
        let mut findings = Vec::new();
        push_list(file, &value, &[], label, multiline, out, &mut findings);
        for f in findings {
            out.push_finding(file, f.rule, f.offset, f.message);
        }
    }
}

/// Records a requirement joined from several lines (`text`), which spans bytes `item` of the
/// interpolated `value`.
fn push_joined(
    src: &SourceFile,
    value: &Mapped,
    item: Range<usize>,
    text: &str,
    unresolved: &[Range<usize>],
    label: &str,
    out: &mut Manifest,
) {
    if unresolved
        .iter()
        .any(|u| u.start < item.end && item.start < u.end)
    {
        // the name, if written out in full, is read as for a single line
        push_requirement(src, value, item, unresolved, label, out);
        return;
    }
    match parse_pep508(src, text, value.origin_at(item.start), label) {
        Ok(dep) => out.dependencies.push(dep),
        Err(finding) => out.findings.push(*finding),
    }
}

fn is_requirement_with_marker(src: &SourceFile, text: &str) -> bool {
    if crate::manifest::pep508_rs_would_panic(text).is_some() {
        return false;
    }
    let base = src.path.parent().unwrap_or(Path::new("."));
    std::panic::catch_unwind(|| Requirement::<VerbatimUrl>::parse(text, base))
        .is_ok_and(|r| r.is_ok_and(|r| !r.marker.is_true()))
}

/// Records the requirement at bytes `item` of the interpolated `value`.
fn push_requirement(
    src: &SourceFile,
    value: &Mapped,
    item: Range<usize>,
    unresolved: &[Range<usize>],
    label: &str,
    out: &mut Manifest,
) {
    let text = &value.text[item.clone()];
    let offset = value.origin_at(item.start);
    let hole = unresolved
        .iter()
        .filter(|u| u.start < item.end && item.start < u.end)
        .map(|u| u.start.max(item.start))
        .min();
    let Some(hole) = hole else {
        match parse_pep508(src, text, offset, label) {
            Ok(dep) => out.dependencies.push(dep),
            Err(finding) => out.findings.push(*finding),
        }
        return;
    };
    // Part of the requirement is an unknown `%(name)s` (already reported): keep the name when
    // it is written out in full before the reference.
    let prefix = &value.text[item.start..hole];
    let run = prefix
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(prefix.len());
    if run < prefix.len() {
        if let Some(name) = leading_name(&prefix[..run]).filter(|n| n.len() == run) {
            out.dependencies
                .push(Dependency::new(src, name, offset, label));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Manifest {
        parse(&SourceFile::new("setup.cfg", text))
    }

    #[test]
    fn spans_point_at_names() {
        let text = "[options]\ninstall_requires =\n    requests>=2\n\tflask # web\n";
        let m = parse_str(text);
        let names: Vec<_> = m
            .dependencies
            .iter()
            .map(|d| &text[d.name_span.clone()])
            .collect();
        assert_eq!(names, ["requests", "flask"]);
        assert!(m.findings.is_empty());
    }

    #[test]
    fn interpolated_names_point_at_their_definition() {
        let text = "[DEFAULT]\nweb = flask\n[options]\ninstall_requires =\n    %(web)s>=2\n";
        let m = parse_str(text);
        assert_eq!(m.dependencies.len(), 1);
        let d = &m.dependencies[0];
        assert_eq!(&text[d.name_span.clone()], "flask");
        assert_eq!(d.section, "options.install_requires");
    }

    #[test]
    fn cycles_do_not_hang() {
        let m = parse_str("[options]\na = %(b)s\nb = %(a)s\ninstall_requires = %(a)s\n");
        assert!(m.dependencies.is_empty());
        assert!(m.findings.iter().any(|f| f.rule == Rule::InvalidManifest));
    }

    #[test]
    fn single_line_values_split_at_semicolons() {
        let m = parse_str("[options]\ninstall_requires = a; b\n");
        let names: Vec<_> = m.dependencies.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        let m = parse_str("[options]\ninstall_requires = a>=1,<2\n");
        assert_eq!(m.dependencies.len(), 1);
    }

    fn names(m: &Manifest) -> Vec<&str> {
        m.dependencies.iter().map(|d| d.name.as_str()).collect()
    }

    /// The file is read with universal newlines, values split with `str.splitlines()`.
    #[test]
    fn line_breaks_as_setuptools_reads_them() {
        // a lone `\r` ends the comment line: the option is read
        let m = parse_str("[options]\n# pinned\rinstall_requires = colourama\n");
        assert_eq!(names(&m), ["colourama"]);
        let m = parse_str("[options]\rinstall_requires =\r  a # x\r  b\r");
        assert_eq!(names(&m), ["a", "b"]);
        assert_eq!((m.dependencies[1].line, m.dependencies[1].column), (4, 3));
        // `\v`, `\x1c`, U+2028 split a requirement string in `yield_lines`
        for sep in [
            "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\u{85}", "\u{2028}", "\u{2029}",
        ] {
            let text = format!("[options]\ninstall_requires = requests  # pinned{sep}colourama\n");
            assert_eq!(
                names(&parse_str(&text)),
                ["requests", "colourama"],
                "{sep:?}"
            );
        }
        // `\x1f` is Python whitespace: stripped, and indentation for configparser
        let m = parse_str("[options]\ninstall_requires =\n\x1fa\x1f\n");
        assert_eq!(names(&m), ["a"]);
    }

    #[test]
    fn duplicates_as_configparser_has_them() {
        // `optionxform = str`: two options, both read (setuptools 53.1 and newer ignore the
        // second, older ones lower-cased keys and read it): refused
        let m = parse_str("[options]\ninstall_requires = a\nInstall_Requires = b\n");
        assert_eq!(names(&m), ["a", "b"]);
        assert_eq!(refusals(&m), [3], "{:?}", m.findings);
        let m = parse_str("[options]\ninstall_requires = a\ninstall_requires = b\n");
        assert_eq!(m.findings.len(), 1);
        assert_eq!(m.findings[0].rule, Rule::InvalidManifest);
        let m = parse_str("[DEFAULT]\nx = 1\n[DEFAULT]\ny = 2\n");
        assert!(m.findings.is_empty(), "{:?}", m.findings);
    }

    /// The lines of the `invalid-manifest` findings: where squatguard refuses the file.
    fn refusals(m: &Manifest) -> Vec<u32> {
        m.findings
            .iter()
            .filter(|f| f.rule == Rule::InvalidManifest)
            .map(|f| f.line)
            .collect()
    }

    /// `ConfigOptionsHandler` hands a section to the handler its name gives once `options` is
    /// dropped: `name.replace('options', '').strip('.')` in setuptools 65 and older, the rest
    /// after the leading `options`, `lstrip('.')`, in newer ones. Only the plain names are read
    /// without a refusal; every other name some version reads as options or extras is read
    /// too (the union), and refused.
    #[test]
    fn section_names_as_setuptools_maps_them() {
        for (text, refused) in [
            ("[options.]\ninstall_requires = reqeusts\n", vec![1]),
            ("[optionsoptions]\ninstall_requires = reqeusts\n", vec![1]),
            ("[options.options]\ninstall_requires = reqeusts\n", vec![1]),
            (
                "[options]\ninstall_requires = requests\n[options..]\ninstall_requires = reqeusts\n",
                vec![3],
            ),
            // no setuptools reads these, but they look like `[options]`
            ("[Options]\ninstall_requires = reqeusts\n", vec![1]),
            ("[ options ]\ninstall_requires = reqeusts\n", vec![1]),
        ] {
            let m = parse_str(text);
            assert!(names(&m).contains(&"reqeusts"), "{text:?}");
            assert_eq!(refusals(&m), refused, "{text:?}: {:?}", m.findings);
            let dep = m.dependencies.iter().find(|d| d.name == "reqeusts").unwrap();
            assert_eq!(dep.section, "options.install_requires");
        }
        for text in [
            "[options.extras_require.]\nfoo = reqeusts\n",
            "[options..extras_require]\nfoo = reqeusts\n",
            "[options.extras_requireoptions]\nfoo = reqeusts\n",
            "[options.extras-require]\nfoo = reqeusts\n",
        ] {
            let m = parse_str(text);
            assert_eq!(names(&m), ["reqeusts"], "{text:?}");
            assert_eq!(m.dependencies[0].section, "options.extras_require.foo");
            assert_eq!(refusals(&m), [1], "{text:?}: {:?}", m.findings);
        }
        // other `[options.*]` sections are not read, and not refused
        for text in [
            "[options.packages.find]\ninstall_requires = reqeusts\n",
            "[options.entry_points]\nfoo = reqeusts\n",
            "[metadata]\ninstall_requires = reqeusts\n",
            "[xoptions]\ninstall_requires = reqeusts\n",
        ] {
            let m = parse_str(text);
            assert!(m.dependencies.is_empty(), "{text:?}");
            assert!(m.findings.is_empty(), "{text:?}: {:?}", m.findings);
        }
    }

    /// configparser keeps keys as written (`optionxform = str`), `[DEFAULT]`'s keys are in
    /// every section unless the section has the same key written the same way, and setuptools
    /// turns `-` into `_` in `[options]`: two keys that set the same requirement list, and a
    /// key that differs from one only in case, are read and refused.
    #[test]
    fn keys_as_setuptools_reads_them() {
        let m = parse_str(
            "[DEFAULT]\ninstall_requires = reqeusts\n[options]\nInstall_Requires = requests\n",
        );
        assert_eq!(names(&m), ["requests", "reqeusts"]);
        assert_eq!(refusals(&m), [4], "{:?}", m.findings);
        let m = parse_str(
            "[DEFAULT]\ninstall_requires = reqeusts\n[options]\ninstall-requires = requests\n",
        );
        assert_eq!(names(&m), ["requests", "reqeusts"]);
        assert_eq!(refusals(&m), [4], "{:?}", m.findings);
        let m = parse_str("[options]\ninstall-requires = a\ninstall_requires = b\n");
        assert_eq!(names(&m), ["a", "b"]);
        assert_eq!(refusals(&m), [3], "{:?}", m.findings);
        let m = parse_str("[options]\nTESTS-REQUIRE = a\n");
        assert_eq!(names(&m), ["a"]);
        assert_eq!(m.dependencies[0].section, "options.tests_require");
        assert_eq!(refusals(&m), [2], "{:?}", m.findings);
        // what every version reads alike stays as it was: `-` alone, `[DEFAULT]` alone
        let m = parse_str("[options]\ninstall-requires = a\n");
        assert_eq!(names(&m), ["a"]);
        assert_eq!(m.dependencies[0].section, "options.install_requires");
        assert!(m.findings.is_empty(), "{:?}", m.findings);
        let m = parse_str("[DEFAULT]\ninstall_requires = a\n[options]\nzip_safe = false\n");
        assert_eq!(names(&m), ["a"]);
        assert!(m.findings.is_empty(), "{:?}", m.findings);
        // extras keep their keys, both read, as setuptools 65 does
        let m = parse_str("[options.extras_require]\nDev = a\ndev = b\nd-ev = c\n");
        let got: Vec<_> = m.dependencies.iter().map(|d| d.section.as_str()).collect();
        assert_eq!(
            got,
            [
                "options.extras_require.Dev",
                "options.extras_require.dev",
                "options.extras_require.d-ev"
            ]
        );
        assert!(m.findings.is_empty(), "{:?}", m.findings);
    }

    /// `%(name)s` looks the name up as written (`optionxform = str`), in the section, then in
    /// `[DEFAULT]`; where setuptools before 53.1 (keys lower-cased) would take another option,
    /// the file is refused.
    #[test]
    fn interpolation_names_as_configparser_looks_them_up() {
        let m =
            parse_str("[options]\ndeps = reqeusts\nDEPS = requests\ninstall_requires = %(deps)s\n");
        assert_eq!(names(&m), ["reqeusts"]);
        assert!(m.findings.is_empty(), "{:?}", m.findings);
        let m =
            parse_str("[options]\nDEPS = requests\ndeps = reqeusts\ninstall_requires = %(deps)s\n");
        assert_eq!(names(&m), ["reqeusts"]);
        let m =
            parse_str("[options]\ndeps = reqeusts\nDEPS = requests\ninstall_requires = %(DEPS)s\n");
        assert_eq!(names(&m), ["requests"]);
        // configparser finds no `Deps`; older setuptools took `deps`
        let m = parse_str("[options]\ndeps = reqeusts\ninstall_requires = %(Deps)s\n");
        assert_eq!(refusals(&m), [3], "{:?}", m.findings);
        // configparser takes `[DEFAULT]`'s `deps`; older setuptools the section's `Deps`
        let m = parse_str(
            "[DEFAULT]\ndeps = reqeusts\n[options]\nDeps = requests\ninstall_requires = %(deps)s\n",
        );
        assert_eq!(names(&m), ["reqeusts"]);
        assert_eq!(refusals(&m), [5], "{:?}", m.findings);
    }

    /// `file:` values are read as setuptools reads them, inside the directory of setup.cfg.
    #[test]
    fn file_references_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("deps")).unwrap();
        std::fs::write(
            root.join("deps/base.txt"),
            "# base\nrequests==2.32.3  # pinned\x0bcolourama\n\nflask \\\n  >=2\n",
        )
        .unwrap();
        std::fs::write(root.join("deps/one.txt"), "a;b").unwrap();
        let text = "[options]\ninstall_requires = file: deps/base.txt, missing.txt\n\
                    [options.extras_require]\nx = file: deps/one.txt\ny = file: ../outside-sg-test.txt\n";
        let cfg = root.join("setup.cfg");
        std::fs::write(&cfg, text).unwrap();
        let m = parse(&SourceFile::new(&cfg, text));
        let got: Vec<(String, u32, u32, &str)> = m
            .dependencies
            .iter()
            .map(|d| {
                let file = d.file.rsplit('/').next().unwrap().to_owned();
                (file, d.line, d.column, d.name.as_str())
            })
            .collect();
        assert_eq!(
            got,
            [
                ("base.txt".to_owned(), 2, 1, "requests"),
                ("base.txt".to_owned(), 2, 28, "colourama"),
                ("base.txt".to_owned(), 4, 1, "flask"),
                ("one.txt".to_owned(), 1, 1, "a"),
                ("one.txt".to_owned(), 1, 3, "b"),
            ]
        );
        assert_eq!(
            m.dependencies[2].specifiers.as_ref().unwrap().to_string(),
            ">=2"
        );
        let findings: Vec<(Rule, u32)> = m.findings.iter().map(|f| (f.rule, f.line)).collect();
        assert_eq!(
            findings,
            [(Rule::UnresolvedDependency, 2), (Rule::InvalidManifest, 5)],
            "{:?}",
            m.findings
        );
        // a symbolic link that leads out is not followed
        #[cfg(unix)]
        {
            let outside = tempfile::tempdir().unwrap();
            std::fs::write(outside.path().join("secret.txt"), "colourama\n").unwrap();
            std::os::unix::fs::symlink(outside.path().join("secret.txt"), root.join("link.txt"))
                .unwrap();
            let text = "[options]\ninstall_requires = file: link.txt\n";
            let m = parse(&SourceFile::new(&cfg, text));
            assert!(m.dependencies.is_empty());
            assert_eq!(m.findings.len(), 1);
            assert_eq!(m.findings[0].rule, Rule::InvalidManifest);
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "",
            "[",
            "[]",
            "=",
            "[o]\n=\n  x",
            "%(",
            "[options]\ninstall_requires = %(",
            "[options]\ninstall_requires = %",
            "\u{feff}[x]\r\n a\r\n",
            "[options]\ninstall_requires=é%(é)s",
        ] {
            let _ = parse_str(text);
        }
    }
}
