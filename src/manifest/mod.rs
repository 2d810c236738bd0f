//! Dependency manifests: the formats squatguard reads and the [`Dependency`] each yields.
//!
//! Every parser takes a [`SourceFile`] and returns a [`Manifest`]: the dependencies it found,
//! each with its file, line, column and the byte span of its name, plus findings for what it
//! could not read (`invalid-requirement`, `invalid-manifest`) or could not resolve statically
//! (`unresolved-dependency`). A parser never drops a line it does not understand silently.
//!
//! Statements about package indexes (`--index-url`, `[[tool.uv.index]]`, a Pipfile
//! `[[source]]`, `--trusted-host`, ...) are facts, recorded as [`IndexStatement`]s; the
//! `index-url` rule ([`crate::rules::index_url`]) judges them. So are requirements whose package
//! name cannot be known without fetching or building them ([`UnnamedSource`]), which the
//! `direct-url` rule ([`crate::rules::direct_url`]) judges; [`crate::rules::judged`] puts the
//! findings of both where a reader meets each.

pub mod local_project;
pub mod lockfile;
pub mod pipfile;
pub mod pyproject;
pub mod requirements_txt;
pub mod script;
pub mod setup_cfg;
pub mod setup_py;
pub mod toml_span;

use crate::finding::{Finding, Rule};
use crate::name::normalize;
use crate::source::SourceFile;
use pep440_rs::VersionSpecifiers;
use pep508_rs::{Requirement, VerbatimUrl, VersionOrUrl};
use std::ops::Range;
use std::path::Path;
use std::str::FromStr;

/// Where a dependency is installed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DependencySource {
    /// The package index (PyPI unless the manifest says otherwise).
    Registry,
    /// An archive URL (`name @ https://...`).
    Url(String),
    /// A version control URL (`git+https://...`, Poetry `git = ...`).
    Vcs(String),
    /// A local path (`./pkg`, `file:///...`, Poetry `path = ...`).
    Path(String),
    /// The project itself (`name[extra]` in its own pyproject.toml) or a member of its
    /// workspace (uv `{ workspace = true }`): built from the project's tree.
    Workspace,
}

impl DependencySource {
    /// Classifies a URL or path as pip does by its scheme.
    pub fn classify(url: &str) -> DependencySource {
        let lower = url.to_ascii_lowercase();
        let vcs = ["git+", "hg+", "svn+", "bzr+", "git://"];
        if vcs.iter().any(|p| lower.starts_with(p)) {
            DependencySource::Vcs(url.to_owned())
        } else if lower.starts_with("http://")
            || lower.starts_with("https://")
            || lower.starts_with("ftp://")
        {
            DependencySource::Url(url.to_owned())
        } else {
            DependencySource::Path(url.to_owned())
        }
    }

    pub fn is_registry(&self) -> bool {
        matches!(self, DependencySource::Registry)
    }

    /// A workspace member, or a relative path to a directory that stays inside the project (`.`, `./libs/x`,
    /// `.[extra]`): its source is part of what is being reviewed, so it bypasses nothing.
    /// Archives (`.whl`, `.tar.gz`, ...) are not: their contents are not reviewed with the code.
    pub fn is_project_local(&self) -> bool {
        let p = match self {
            DependencySource::Path(p) => p,
            DependencySource::Workspace => return true,
            _ => return false,
        };
        let p = p.split(['[', '#']).next().unwrap_or(p).trim();
        !(p.is_empty()
            || p.starts_with(['/', '\\', '~', '$'])
            || p.contains(':')
            || p.split(['/', '\\']).any(|c| c == "..")
            || [
                ".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar",
            ]
            .iter()
            .any(|ext| p.to_ascii_lowercase().ends_with(ext)))
    }
}

/// The suffixes pip takes for an archive (`ARCHIVE_EXTENSIONS` of
/// `pip/_internal/utils/filetypes.py`).
pub(crate) const ARCHIVE_SUFFIXES: &[&str] = &[
    ".zip",
    ".whl",
    ".tar.bz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tlz",
    ".tar.lz",
    ".tar.lzma",
    ".tar.gz",
    ".tgz",
    ".tar",
];

/// One dependency as a manifest declares it.
#[derive(Debug, Clone)]
pub struct Dependency {
    /// PEP 503 normalised name.
    pub name: crate::name::PackageName,
    /// The name exactly as written.
    pub raw_name: String,
    /// Version constraints, when the manifest gives PEP 440 ones.
    pub specifiers: Option<VersionSpecifiers>,
    pub source: DependencySource,
    /// Which part of the manifest declared it (`project.dependencies`, `install_requires`, ...).
    pub section: String,
    /// The file, for display (shared by every dependency of the file).
    pub file: std::sync::Arc<str>,
    pub line: u32,
    pub column: u32,
    /// Byte range of the name in the file, for autofix.
    pub name_span: Range<usize>,
    /// The line the name stands on, or a window of it when it is long
    /// ([`crate::source::SNIPPET_MAX`]): a dependency costs memory in proportion to itself.
    pub snippet: String,
    /// Code points of the line before `snippet` (0 unless the line was windowed).
    pub snippet_skip: u32,
    /// [`crate::source::line_identity`] of the whole line the name stands on, which `--since`
    /// compares (a hash: a long line is not copied).
    pub line_identity: u64,
    /// The `squatguard: ignore` directive in the comment of that line
    /// ([`SourceFile::inline_ignore`]).
    pub inline_ignore: Option<crate::inline_ignore::InlineIgnore>,
    /// True when the manifest sends this package to an index other than PyPI.
    pub private_index: bool,
    /// Pinned by a lock file, which is regenerated, not edited: `--fix` leaves it alone.
    pub locked: bool,
    /// A name from a list being screened (`audit`), not a requirement: without a version it
    /// stands for the project, and a project with some malicious releases is not a finding
    /// until a version says which release is meant.
    pub listed: bool,
    /// A directory of the project named by its own metadata (`-e ./vendor/x`), not a name
    /// written in the manifest: no name there is mistyped or fetched from an index, so only
    /// `direct-url` judges it ([`crate::manifest::local_project`]).
    pub named_by_metadata: bool,
}

impl Dependency {
    /// A registry dependency named `raw_name`, whose name starts at byte `name_offset` of `src`.
    pub fn new(
        src: &SourceFile,
        raw_name: &str,
        name_offset: usize,
        section: impl Into<String>,
    ) -> Self {
        let ((line, column), snippet) = src.place(name_offset);
        let mut dep = Dependency {
            name: normalize(raw_name),
            raw_name: raw_name.to_owned(),
            specifiers: None,
            source: DependencySource::Registry,
            section: section.into(),
            file: src.shown(),
            line,
            column,
            name_span: name_offset..name_offset + raw_name.len(),
            snippet: String::new(),
            snippet_skip: 0,
            line_identity: 0,
            inline_ignore: None,
            private_index: false,
            locked: false,
            listed: false,
            named_by_metadata: false,
        };
        dep.set_snippet(snippet);
        dep
    }

    /// Sets what a finding about it shows: `snippet`, of the line its name stands on.
    pub fn set_snippet(&mut self, snippet: crate::source::Snippet) {
        self.snippet = snippet.text;
        self.snippet_skip = snippet.skip;
        self.line_identity = snippet.line_identity;
        self.inline_ignore = snippet.inline_ignore;
    }

    /// What `--since` compares for a finding about it: the identity of the line its name
    /// stands on with what the requirement itself says (its source and specifiers; not what
    /// the file that reads it decides, as its section or index), so that a requirement
    /// continued onto other lines (pip's `\`, a TOML multi-line string, Python's implicit
    /// concatenation) whose URL or version changed on a later line is changed, though the line
    /// of its name is not.
    pub fn since_identity(&self) -> u64 {
        let specs = (self.specifiers.as_ref()).map_or(String::new(), |s| s.to_string());
        since_identity(self.line_identity, &[&format!("{:?}", self.source), &specs])
    }

    /// The version pinned with `==` (or `===`), if the specifiers pin exactly one version.
    pub fn pinned_version(&self) -> Option<pep440_rs::Version> {
        let specs = self.specifiers.as_ref()?;
        specs.iter().find_map(|s| {
            matches!(
                s.operator(),
                pep440_rs::Operator::Equal | pep440_rs::Operator::ExactEqual
            )
            .then(|| s.version().clone())
        })
    }
}

/// How a manifest uses a package index, which decides what is risky about one that is not
/// PyPI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexRole {
    /// Every package comes from it (`--index-url`, a uv `default` index, a Poetry `primary`
    /// source).
    Replaces,
    /// Searched beside PyPI, the highest version winning (`--extra-index-url`, PDM sources):
    /// dependency confusion.
    Merged { tool: &'static str },
    /// Used only for what PyPI lacks (Poetry `supplemental` sources): a public package of the
    /// same name wins, dependency confusion again.
    Fallback { tool: &'static str },
    /// Searched before PyPI, a package found there taken from it alone (uv's indexes).
    First,
    /// Used only by the packages that name it (uv and Poetry `explicit`).
    Explicit,
    /// A page of archive links (`--find-links`).
    Links,
}

/// What an [`IndexStatement`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexUse {
    /// An index or find-links URL, used as the role says (pip's options, uv, Poetry, PDM).
    Url(IndexRole),
    /// `--trusted-host HOST`: TLS verification off for that host (`url` is the host).
    TrustedHost,
    /// PDM's `verify_ssl = false` on a source: TLS verification off for it.
    VerifySslOff,
    /// A Pipenv `[[source]]` (its `name`, and whether `verify_ssl` is left on).
    PipenvSource {
        name: Option<String>,
        verify_ssl: bool,
    },
    /// A `[tool.uv.sources]` entry that takes `package` from the `[[tool.uv.index]]` named
    /// `index` (`url` is that index's URL; TestPyPI's when one of that name is TestPyPI).
    PackageFrom { package: String, index: String },
    /// pip's `--find-links DIR` in a file: a local directory of archives (`url` is the
    /// directory, `written` the option with the directory as written).
    LocalLinks,
    /// `--no-index` (pip), `no-index = true` (uv, `tool`): packages from the find-links
    /// locations only (`url` is empty).
    NoIndex { tool: &'static str },
}

impl IndexUse {
    /// Whether the statement's snippet is a window of a long line, as a reading finding's is
    /// (the others keep the whole line).
    pub(crate) fn windowed(&self) -> bool {
        matches!(self, IndexUse::LocalLinks | IndexUse::NoIndex { .. })
    }
}

/// A statement that sends packages to an index, or changes how one is reached, where it is
/// written.
#[derive(Debug, Clone)]
pub struct IndexStatement {
    /// The file, for display.
    pub file: std::sync::Arc<str>,
    pub line: u32,
    pub column: u32,
    /// The line the statement stands on (a window of it, see `IndexUse::windowed`).
    pub snippet: String,
    /// Code points of the line before `snippet`.
    pub snippet_skip: u32,
    /// How many code points its findings underline from `column` (1 unless a reader says).
    pub span_len: u32,
    /// [`crate::source::line_identity`] of the whole line.
    pub line_identity: u64,
    /// The `squatguard: ignore` directive in the comment of that line.
    pub inline_ignore: Option<crate::inline_ignore::InlineIgnore>,
    /// The statement as written, variables unexpanded (`--index-url URL`,
    /// `[[tool.uv.index]] url = URL`).
    pub written: String,
    /// The URL with variables expanded (the host for `--trusted-host`).
    pub url: String,
    pub usage: IndexUse,
    /// How many of the manifest's `findings` come before it in reading order, so that its
    /// findings can be put where a reader meets it.
    pub order: usize,
}

/// Why the package name of an [`UnnamedSource`] is not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unnamed {
    /// A URL, version control URL or path that names no package (no `#egg=`, no archive
    /// name): pip learns the name by fetching or building it.
    NotWritten,
    /// A directory of the project, `dir` as written, whose metadata `file` declares `name`,
    /// which is not a valid package name.
    InvalidName {
        dir: String,
        file: &'static str,
        name: String,
    },
    /// A directory of the project, `dir` as written, whose name is not read, because `why`.
    Unreadable { dir: String, why: String },
}

/// A requirement installed from a URL, a version control URL or a path whose package name
/// cannot be known, where it is written.
#[derive(Debug, Clone)]
pub struct UnnamedSource {
    /// The file, for display.
    pub file: std::sync::Arc<str>,
    pub line: u32,
    pub column: u32,
    /// The line it stands on, or a window of a long one.
    pub snippet: String,
    /// Code points of the line before `snippet`.
    pub snippet_skip: u32,
    /// [`crate::source::line_identity`] of the whole line.
    pub line_identity: u64,
    /// The `squatguard: ignore` directive in the comment of that line.
    pub inline_ignore: Option<crate::inline_ignore::InlineIgnore>,
    /// The requirement as written, variables unexpanded.
    pub written: String,
    pub source: DependencySource,
    pub why: Unnamed,
    /// How many of the manifest's `findings`, and how many of its `indexes`, come before it
    /// in reading order.
    pub order: usize,
    pub indexes_before: usize,
}

/// A line's identity with what a statement on it says in full (which may go on past the line):
/// what `--since` compares for findings about dependencies, index statements and unnamed
/// sources ([`Dependency::since_identity`]).
fn since_identity(line_identity: u64, said: &[&str]) -> u64 {
    let mut h = crate::hash::Fnv1a::new().write(&line_identity.to_le_bytes());
    for part in said {
        h = h.write(part.as_bytes()).write(&[0]);
    }
    h.finish()
}

impl IndexStatement {
    /// What `--since` compares for its findings: its line's identity with the statement in
    /// full, which pip's `\` may continue onto the next line.
    pub fn since_identity(&self) -> u64 {
        since_identity(self.line_identity, &[&self.written, &self.url])
    }
}

impl UnnamedSource {
    /// What `--since` compares for its findings: its line's identity with the requirement in
    /// full, which pip's `\` may continue onto the next line.
    pub fn since_identity(&self) -> u64 {
        since_identity(
            self.line_identity,
            &[&self.written, &format!("{:?}", self.source)],
        )
    }
}

/// What a parser read from one file.
#[derive(Debug, Default)]
pub struct Manifest {
    pub dependencies: Vec<Dependency>,
    /// Problems found while reading: unparsable lines, dynamic parts.
    pub findings: Vec<Finding>,
    /// What the file says about package indexes, in reading order, for the `index-url` rule.
    pub indexes: Vec<IndexStatement>,
    /// Requirements whose package name is not known, in reading order, for the `direct-url`
    /// rule.
    pub unnamed: Vec<UnnamedSource>,
}

impl Manifest {
    /// Records an index statement written at byte `at` of `src`; the statement, for what a
    /// reader adds (its `span_len`).
    pub fn push_index(
        &mut self,
        src: &SourceFile,
        at: usize,
        written: impl Into<String>,
        url: impl Into<String>,
        usage: IndexUse,
    ) -> &mut IndexStatement {
        let ((line, column), snippet) = src.place(at);
        let crate::source::Snippet {
            text,
            skip,
            line_identity,
            inline_ignore,
        } = snippet;
        let (snippet, snippet_skip) = match usage.windowed() {
            true => (text, skip),
            false => (src.line_text(line).to_owned(), 0),
        };
        self.indexes.push(IndexStatement {
            file: src.shown(),
            line,
            column,
            snippet,
            snippet_skip,
            span_len: 1,
            line_identity,
            inline_ignore,
            written: written.into(),
            url: url.into(),
            usage,
            order: self.findings.len(),
        });
        let last = self.indexes.len() - 1;
        &mut self.indexes[last]
    }

    /// Records a requirement written at byte `at` of `src` (as `written`) whose package name
    /// is not known, because `why`.
    pub fn push_unnamed(
        &mut self,
        src: &SourceFile,
        at: usize,
        written: impl Into<String>,
        source: DependencySource,
        why: Unnamed,
    ) {
        let ((line, column), snippet) = src.place(at);
        self.unnamed.push(UnnamedSource {
            file: src.shown(),
            line,
            column,
            line_identity: snippet.line_identity,
            inline_ignore: snippet.inline_ignore,
            snippet: snippet.text,
            snippet_skip: snippet.skip,
            written: written.into(),
            source,
            why,
            order: self.findings.len(),
            indexes_before: self.indexes.len(),
        });
    }

    /// Puts findings and index statements in file order, for readers that visit tables out
    /// of order (a stable sort by line and column).
    pub(crate) fn sort_by_position(&mut self) {
        self.findings.sort_by_key(|f| (f.line, f.column));
        self.indexes.sort_by_key(|s| (s.line, s.column));
        self.unnamed.sort_by_key(|s| (s.line, s.column));
        for s in &mut self.indexes {
            s.order = self
                .findings
                .partition_point(|f| (f.line, f.column) <= (s.line, s.column));
        }
        for s in &mut self.unnamed {
            let at = (s.line, s.column);
            s.order = self.findings.partition_point(|f| (f.line, f.column) <= at);
            s.indexes_before = self.indexes.partition_point(|i| (i.line, i.column) <= at);
        }
    }

    /// Parses `src` as TOML, or records where the TOML parser stopped as `invalid-manifest`.
    pub fn parse_toml<'s>(&mut self, src: &'s SourceFile) -> Option<toml_edit::Document<&'s str>> {
        match toml_edit::Document::parse(src.text.as_str()) {
            Ok(doc) => Some(doc),
            Err(err) => {
                let at = err.span().map_or(0, |s| s.start);
                let message = format!("invalid TOML: {}", err.message().trim());
                self.push_finding(src, Rule::InvalidManifest, at, message);
                None
            }
        }
    }

    /// Parses `text` as a PEP 508 requirement that starts at byte `offset` of `src`, and records
    /// either the dependency or an `invalid-requirement` finding.
    pub fn push_pep508(&mut self, src: &SourceFile, text: &str, offset: usize, section: &str) {
        match parse_pep508(src, text, offset, section) {
            Ok(dep) => self.dependencies.push(dep),
            Err(finding) => self.findings.push(*finding),
        }
    }

    /// Records a finding of `rule` at byte `offset` of `src`.
    pub fn push_finding(
        &mut self,
        src: &SourceFile,
        rule: Rule,
        offset: usize,
        message: impl Into<String>,
    ) {
        self.findings.push(finding_at(src, rule, offset, message));
    }
}

/// A finding of `rule` at byte `offset` of `src`, with the line as its snippet.
pub fn finding_at(
    src: &SourceFile,
    rule: Rule,
    offset: usize,
    message: impl Into<String>,
) -> Finding {
    let (line, column) = src.line_col(offset);
    Finding::new(rule, src.display_path(), line, column, message).with_snippet_at(src, offset)
}

/// The plain `name` or `name<op>version,...` form, which most lines of a large manifest take,
/// read without the full PEP 508 parser: the name, and the specifiers if any. Anything else,
/// and anything this reading rejects, is left to the full parser, so that messages and spans
/// stay the parser's; a property test holds the two readings equal where this one answers.
fn simple_requirement(trimmed: &str) -> Option<(&str, Option<VersionSpecifiers>)> {
    // a name followed by `-`, `_` or `.` leaves them in `rest`, which then reads as no operator
    let name = leading_name(trimmed)?;
    let rest = trimmed[name.len()..].trim_start();
    if rest.is_empty() {
        return Some((name, None));
    }
    let plain = rest.starts_with(['<', '>', '=', '!', '~'])
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b" .*+!=<>~,".contains(&b));
    if !plain {
        return None;
    }
    VersionSpecifiers::from_str(rest)
        .ok()
        .map(|specs| (name, Some(specs)))
}

/// Parses one PEP 508 requirement string found at byte `offset` of `src`.
pub fn parse_pep508(
    src: &SourceFile,
    text: &str,
    offset: usize,
    section: &str,
) -> Result<Dependency, Box<Finding>> {
    let lead = text.len() - text.trim_start().len();
    let trimmed = text.trim();
    if let Some((raw_name, specifiers)) = simple_requirement(trimmed) {
        let mut dep = Dependency::new(src, raw_name, offset + lead, section);
        dep.specifiers = specifiers;
        return Ok(dep);
    }
    let base = src.path.parent().unwrap_or(Path::new("."));
    if let Some((at, why)) = pep508_rs_would_panic(trimmed) {
        let message = format!("invalid requirement `{trimmed}`: {why}");
        return Err(Box::new(finding_at(
            src,
            Rule::InvalidRequirement,
            offset + lead + at,
            message,
        )));
    }
    let parsed = std::panic::catch_unwind(|| Requirement::<VerbatimUrl>::parse(trimmed, base));
    let Ok(parsed) = parsed else {
        let message = format!("invalid requirement `{trimmed}`: the PEP 508 parser failed on it");
        return Err(Box::new(finding_at(
            src,
            Rule::InvalidRequirement,
            offset + lead,
            message,
        )));
    };
    match parsed {
        Ok(req) => {
            let raw_len = trimmed
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
                .unwrap_or(trimmed.len());
            let raw_name = &trimmed[..raw_len];
            let mut dep = Dependency::new(src, raw_name, offset + lead, section);
            dep.name = crate::name::normalize(req.name.as_ref());
            match req.version_or_url {
                Some(VersionOrUrl::VersionSpecifier(specs)) => dep.specifiers = Some(specs),
                Some(VersionOrUrl::Url(url)) => {
                    let shown = url
                        .given()
                        .map(str::to_owned)
                        .unwrap_or_else(|| url.to_string());
                    dep.source = DependencySource::classify(&shown);
                }
                None => {}
            }
            Ok(dep)
        }
        Err(err) => {
            if let Some(fixed) = trailing_comma_dropped(trimmed) {
                return parse_pep508(src, &fixed, offset + lead, section);
            }
            // pep508_rs reports a byte offset into the text it was given
            let mut column = err.start.min(trimmed.len());
            while !trimmed.is_char_boundary(column) {
                column -= 1;
            }
            let message = format!("invalid requirement `{trimmed}`: {}", err.message);
            let mut finding = finding_at(
                src,
                Rule::InvalidRequirement,
                offset + lead + column,
                message,
            );
            if let Some(name) = leading_name(trimmed) {
                finding = finding.with_package(normalize(name));
            }
            Err(Box::new(finding))
        }
    }
}

/// `name>=1,` and `name>=1, ; marker` without the comma that ends the specifiers: packaging
/// (what pip and setuptools parse with) accepts it, pep508_rs does not (marshmallow-dataclass).
fn trailing_comma_dropped(text: &str) -> Option<String> {
    let (specs, marker) = match text.find(';') {
        Some(at) => text.split_at(at),
        None => (text, ""),
    };
    let kept = specs.trim_end().strip_suffix(',')?;
    let has_specifier = kept.contains(['<', '>', '=', '!', '~']);
    (has_specifier && !kept.trim_end().ends_with(',')).then(|| format!("{kept}{marker}"))
}

/// Requirements that make pep508_rs 0.9 panic instead of returning an error, with the byte
/// offset (in `text`) and the reason to report instead:
///
/// - a name ending in `-`, `_` or `.` followed by more text (`name-[x]`, `name- >=1`): its
///   name parser accepts what `PackageName::new` rejects, and unwraps;
/// - a non-ASCII character in the environment marker: it slices the input by a character
///   count. PEP 508 markers are ASCII anyway (`python_str_c`).
///
/// Every caller of `parse_pep508` is exposed to both; this guard belongs there.
/// How deep parentheses may nest in a requirement (its marker) before it is refused.
const MAX_MARKER_DEPTH: usize = 64;

pub(crate) fn pep508_rs_would_panic(text: &str) -> Option<(usize, String)> {
    let lead = text.len() - text.trim_start().len();
    let trimmed = text.trim();
    // the marker parser recurses per parenthesis: thousands of them overflow the stack, which
    // no `catch_unwind` catches
    let mut depth = 0usize;
    for (i, c) in trimmed.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > MAX_MARKER_DEPTH {
            return Some((
                lead + i,
                format!("parentheses nest deeper than {MAX_MARKER_DEPTH}"),
            ));
        }
    }
    if !trimmed.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    let name_end = trimmed
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(trimmed.len());
    if name_end < trimmed.len() {
        if let Some(sep @ ('-' | '_' | '.')) = trimmed[..name_end].chars().next_back() {
            let why = format!("Package name must end with an alphanumeric character, not '{sep}'");
            return Some((lead + name_end - 1, why));
        }
    }
    // Extras: `name[a-, b]` (the same unwrap, in its extra-name parser).
    let rest = trimmed[name_end..].trim_start();
    if let Some(extras) = rest.strip_prefix('[') {
        let base = trimmed.len() - extras.len();
        let extras = &extras[..extras.find(']').unwrap_or(extras.len())];
        let mut at = 0;
        for extra in extras.split(',') {
            let ws = extra.len() - extra.trim_start().len();
            let word = extra.trim_start();
            let end = word
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
                .unwrap_or(word.len());
            let ends_clean = word[end..].chars().next().is_none_or(char::is_whitespace);
            if word.starts_with(|c: char| c.is_ascii_alphanumeric()) && ends_clean {
                if let Some(sep @ ('-' | '_' | '.')) = word[..end].chars().next_back() {
                    let why =
                        format!("Extra name must end with an alphanumeric character, not '{sep}'");
                    return Some((lead + base + at + ws + end - 1, why));
                }
            }
            at += extra.len() + 1;
        }
    }
    // The marker starts at the first `;`; after a URL, at the first `;` after whitespace (a
    // URL itself may contain `;`).
    let marker = if names_itself(trimmed) {
        let url_start = trimmed.find('@')? + 1;
        let url = trimmed[url_start..].trim_start();
        let url_end = trimmed.len() - url.len() + url.find(char::is_whitespace)?;
        url_end + trimmed[url_end..].find(';')?
    } else {
        trimmed.find(';')?
    };
    let (i, c) = trimmed[marker..]
        .char_indices()
        .find(|(_, c)| !c.is_ascii())?;
    Some((
        lead + marker + i,
        format!("environment markers must be ASCII, found `{c}`"),
    ))
}

/// True when a requirement-like string starts with `name [extras] @`.
pub fn names_itself(text: &str) -> bool {
    let text = text.trim_start();
    // by bytes: a character outside ASCII is not a name's, and its first byte is not either
    let end = text
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
        .unwrap_or(text.len());
    if leading_name(text).is_none() {
        return false;
    }
    let mut rest = text[end..].trim_start();
    if let Some(extras) = rest.strip_prefix('[') {
        match extras.find(']') {
            Some(close) => rest = extras[close + 1..].trim_start(),
            None => return false,
        }
    }
    rest.starts_with('@')
}

/// The name at the start of a requirement-like string, if it starts with one.
pub fn leading_name(text: &str) -> Option<&str> {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(text.len());
    let name = text[..end].trim_end_matches(['-', '_', '.']);
    crate::name::is_valid(name).then_some(name)
}

/// Parses a PEP 440 specifier set, as Pipfile and Poetry tables write them.
pub fn parse_specifiers(text: &str) -> Result<Option<VersionSpecifiers>, String> {
    let t = text.trim();
    if t.is_empty() || t == "*" {
        return Ok(None);
    }
    VersionSpecifiers::from_str(t)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// Parses `src` as `kind`. Requirements files read the files they include from disk.
pub fn parse(src: &SourceFile, kind: ManifestKind) -> Manifest {
    src.read_as(kind.comments());
    match kind {
        ManifestKind::Requirements => requirements_txt::parse(src),
        ManifestKind::Pyproject => pyproject::parse(src),
        ManifestKind::SetupPy => setup_py::parse(src),
        ManifestKind::SetupCfg => setup_cfg::parse(src),
        ManifestKind::Pipfile => pipfile::parse(src),
        ManifestKind::TomlLock(format) => lockfile::parse_toml(src, format),
        ManifestKind::PipfileLock => lockfile::parse_pipfile_lock(src),
        ManifestKind::HatchToml => pyproject::parse_hatch_toml(src),
        ManifestKind::PixiToml => pyproject::parse_pixi_toml(src),
        ManifestKind::UvToml => pyproject::parse_uv_toml(src),
        ManifestKind::Script => script::parse(src),
    }
}

impl Manifest {
    /// A stable text rendering of everything parsed, one line per dependency or finding,
    /// for snapshot tests.
    pub fn render_snapshot(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        for d in &self.dependencies {
            let specs = d
                .specifiers
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default();
            let source = match &d.source {
                DependencySource::Registry => String::new(),
                DependencySource::Url(u) => format!(" url={u}"),
                DependencySource::Vcs(u) => format!(" vcs={u}"),
                DependencySource::Path(u) => format!(" path={u}"),
                DependencySource::Workspace => " workspace".to_owned(),
            };
            let private = if d.private_index {
                " private-index"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "{}:{}:{} dep {} (as `{}`) [{}] `{}`{}{}",
                d.file, d.line, d.column, d.name, d.raw_name, d.section, specs, source, private
            );
        }
        for f in &self.findings {
            let _ = writeln!(
                out,
                "{}:{}:{} {}[{}] {}",
                f.file, f.line, f.column, f.severity, f.rule, f.message
            );
        }
        out
    }
}

/// The formats squatguard reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestKind {
    Requirements,
    Pyproject,
    SetupPy,
    SetupCfg,
    Pipfile,
    /// `uv.lock`, `poetry.lock`, `pdm.lock`, `pylock.toml`.
    TomlLock(lockfile::TomlLock),
    PipfileLock,
    /// Hatch's own configuration file: the `[tool.hatch]` tables at the top level.
    HatchToml,
    /// Pixi's manifest: its PyPI tables.
    PixiToml,
    /// uv's configuration file: the `[tool.uv]` keys at the top level.
    UvToml,
    /// A Python file's PEP 723 inline script metadata (`# /// script`). Never chosen by name
    /// alone: discovery reads a `.py` file only when its bytes hold a block
    /// ([`script::read_file`]).
    Script,
}

impl ManifestKind {
    /// How the format writes comments, where a `squatguard: ignore` may stand.
    pub fn comments(self) -> crate::inline_ignore::Comments {
        use crate::inline_ignore::Comments;
        match self {
            ManifestKind::Requirements => Comments::Pip,
            ManifestKind::SetupPy => Comments::Python,
            ManifestKind::SetupCfg => Comments::SetupCfg,
            ManifestKind::Script => Comments::Script,
            ManifestKind::PipfileLock => Comments::None,
            ManifestKind::Pyproject
            | ManifestKind::Pipfile
            | ManifestKind::TomlLock(_)
            | ManifestKind::HatchToml
            | ManifestKind::PixiToml
            | ManifestKind::UvToml => Comments::Toml,
        }
    }

    /// The format implied by a file name alone, for discovery. `path` is taken relative to
    /// where the search starts (a walk's root, the repository's root): its folders count.
    pub fn from_file_name(path: &Path) -> Option<ManifestKind> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        match name.as_str() {
            "pyproject.toml" => return Some(ManifestKind::Pyproject),
            "setup.py" => return Some(ManifestKind::SetupPy),
            "setup.cfg" => return Some(ManifestKind::SetupCfg),
            "pipfile" => return Some(ManifestKind::Pipfile),
            "pipfile.lock" => return Some(ManifestKind::PipfileLock),
            "hatch.toml" => return Some(ManifestKind::HatchToml),
            "pixi.toml" => return Some(ManifestKind::PixiToml),
            "uv.toml" => return Some(ManifestKind::UvToml),
            _ => {}
        }
        if let Some(lock) = lockfile::TomlLock::from_file_name(&name) {
            return Some(ManifestKind::TomlLock(lock));
        }
        if is_requirements_name(&name, path) {
            return Some(ManifestKind::Requirements);
        }
        None
    }

    /// The format of a file named explicitly: by name when it says, else by content.
    pub fn detect(path: &Path, text: &str) -> ManifestKind {
        if let Some(kind) = Self::from_file_name(path) {
            return kind;
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if script::is_script_name(path) && script::holds_block(text.as_bytes()) {
            return ManifestKind::Script;
        }
        if ext.eq_ignore_ascii_case("py") {
            return ManifestKind::SetupPy;
        }
        // one pass over the lines (a requirements file named otherwise may be long): the table
        // headers met, by the prefix that marks them (`[project` also matches `[project.urls]`)
        const TABLES: [&str; 7] = [
            "[project]",
            "[tool.poetry]",
            "[build-system]",
            "[packages]",
            "[dev-packages]",
            "[options]",
            "[metadata]",
        ];
        let mut seen = [false; TABLES.len()];
        for line in text.lines() {
            let l = line.trim();
            if l.starts_with('[') && l.ends_with(']') {
                for (t, seen) in TABLES.iter().zip(seen.iter_mut()) {
                    *seen |= l.starts_with(&t[..t.len() - 1]);
                }
            }
        }
        let has_table = |t: &str| TABLES.iter().position(|x| *x == t).is_some_and(|i| seen[i]);
        if ext.eq_ignore_ascii_case("toml")
            || has_table("[project]")
            || has_table("[tool.poetry]")
            || has_table("[build-system]")
        {
            if has_table("[packages]") || has_table("[dev-packages]") {
                return ManifestKind::Pipfile;
            }
            return ManifestKind::Pyproject;
        }
        if has_table("[packages]") || has_table("[dev-packages]") {
            return ManifestKind::Pipfile;
        }
        if ext.eq_ignore_ascii_case("cfg") || has_table("[options]") || has_table("[metadata]") {
            return ManifestKind::SetupCfg;
        }
        ManifestKind::Requirements
    }
}

/// Requirements files by name, as projects name them: `requirements*.txt`, `constraints*.txt`,
/// `*requirements.txt`, `*requirements.in`, `requirements*.in`, `requirements*.pip`, Rye's
/// `requirements*.lock` (pip's format), and every `.txt`, `.in` or `.pip` file at any depth under
/// a folder named `requirements*`, `constraints*`, `reqs` or `req`
/// (`requirements/docs/user.txt`). Any other `.txt` is read only when a `-r`/`-c` names it.
fn is_requirements_name(lower_name: &str, path: &Path) -> bool {
    let ext = lower_name.rsplit_once('.').map_or("", |(_, e)| e);
    let pip_ext = matches!(ext, "txt" | "in" | "pip");
    let named = (lower_name.starts_with("requirements") || lower_name.starts_with("constraints"))
        && (pip_ext || ext == "lock");
    let suffixed =
        lower_name.ends_with("requirements.txt") || lower_name.ends_with("requirements.in");
    let in_requirements_dir = || {
        path.parent().is_some_and(|dir| {
            dir.components().any(|c| {
                let std::path::Component::Normal(c) = c else {
                    return false;
                };
                let c = c.to_string_lossy().to_ascii_lowercase();
                c.starts_with("requirements")
                    || c.starts_with("constraints")
                    || c == "reqs"
                    || c == "req"
            })
        })
    };
    named || suffixed || (pip_ext && in_requirements_dir())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What the full parser reads: the normalised name and the specifiers.
    fn full(text: &str) -> Option<(crate::name::PackageName, Option<VersionSpecifiers>)> {
        let req = Requirement::<VerbatimUrl>::parse(text, Path::new(".")).ok()?;
        match req.version_or_url {
            None => Some((normalize(req.name.as_ref()), None)),
            Some(VersionOrUrl::VersionSpecifier(specs)) => {
                Some((normalize(req.name.as_ref()), Some(specs)))
            }
            Some(VersionOrUrl::Url(_)) => None,
        }
    }

    /// Whether `name` ends in one of pip's archive suffixes, as pep508_rs checks them.
    fn looks_like_archive(name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        ARCHIVE_SUFFIXES.iter().any(|e| name.ends_with(e))
    }

    #[test]
    fn archive_like_names_are_names_to_the_simple_reading() {
        for text in ["a.tlz", "x.whl", "a.tar.gz"] {
            let (name, _) = simple_requirement(text).expect(text);
            assert!(looks_like_archive(name), "{text}");
            assert!(full(text).is_none(), "pep508_rs reads {text} as unnamed");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn the_simple_reading_agrees_with_the_pep508_parser(
            text in "[A-Za-z0-9][A-Za-z0-9._-]{0,8}[ ]{0,2}(([<>=!~]{1,3}|===)[ ]{0,1}[0-9a-z.*+!]{0,7}[ ,]{0,2}){0,3}"
        ) {
            if let Some((name, specs)) = simple_requirement(&text) {
                // a name that looks like an archive (`a.zip`, `a.tar.gz`) pep508_rs takes for
                // an unnamed requirement, as uv does; PEP 508 and packaging (what pip reads
                // metadata with) read a name, as the simple reading does
                prop_assume!(!looks_like_archive(name));
                let expected = full(&text);
                prop_assert!(expected.is_some(), "accepted what the parser rejects: {text:?}");
                prop_assert_eq!(Some((normalize(name), specs)), expected, "{:?}", text);
            }
        }
    }

    #[test]
    fn the_simple_reading_takes_the_common_forms_and_leaves_the_rest() {
        for text in [
            "requests",
            "Django>=4.2,<5",
            "numpy == 1.26.4",
            "a.b_c~=1.0",
            "x===1.0",
        ] {
            let (name, specs) = simple_requirement(text).expect(text);
            assert_eq!(Some((normalize(name), specs)), full(text), "{text}");
        }
        for text in [
            "requests[socks]>=2",
            "pkg @ https://h/p.whl",
            "x>=1; python_version<'3.8'",
            "name-==1",
            "x (>=1.0)",
            "x>=1.0 # comment",
            "x 1.0",
        ] {
            assert!(simple_requirement(text).is_none(), "{text}");
        }
    }

    #[test]
    fn kinds_by_name() {
        let k = |p: &str| ManifestKind::from_file_name(Path::new(p));
        assert_eq!(k("a/requirements.txt"), Some(ManifestKind::Requirements));
        assert_eq!(k("requirements-dev.txt"), Some(ManifestKind::Requirements));
        assert_eq!(k("requirements/base.txt"), Some(ManifestKind::Requirements));
        assert_eq!(k("dev-requirements.txt"), Some(ManifestKind::Requirements));
        assert_eq!(k("constraints.txt"), Some(ManifestKind::Requirements));
        assert_eq!(k("x/pyproject.toml"), Some(ManifestKind::Pyproject));
        assert_eq!(k("Pipfile"), Some(ManifestKind::Pipfile));
        assert_eq!(k("x/pixi.toml"), Some(ManifestKind::PixiToml));
        assert_eq!(k("hatch.toml"), Some(ManifestKind::HatchToml));
        assert_eq!(k("a/uv.toml"), Some(ManifestKind::UvToml));
        assert_eq!(k("main.py"), None);
        assert_eq!(k("notes.txt"), None);
        // nested requirement folders, at any depth, and the names real projects use
        for p in [
            "requirements/docs/user.txt",
            "requirements/ci/py312/tests.in",
            "ci/requirements/lint.txt",
            "reqs/dev.txt",
            "req/base.in",
            "requirements.d/extra.txt",
            "constraints/pins.txt",
            "test_requirements.in",
            "requirements.lock",
            "requirements-dev.lock",
            "requirements.pip",
            "requirements/base.pip",
        ] {
            assert_eq!(k(p), Some(ManifestKind::Requirements), "{p}");
        }
        // false positives stay out
        for p in [
            "docs/notes.txt",
            "CMakeLists.txt",
            "LICENSE.txt",
            "requirements/README.md",
            "requirements/data.json",
            "reqsomething/a.txt",
            "requirement_analysis/spec.txt",
            "src/MANIFEST.in",
            "poetry.lock.txt.bak",
            "something.lock",
        ] {
            assert_eq!(k(p), None, "{p}");
        }
    }

    #[test]
    fn kinds_by_content() {
        let d = |p: &str, t: &str| ManifestKind::detect(Path::new(p), t);
        assert_eq!(d("deps.toml", "[project]\n"), ManifestKind::Pyproject);
        assert_eq!(
            d("deps", "[packages]\nrequests = \"*\"\n"),
            ManifestKind::Pipfile
        );
        assert_eq!(
            d("deps", "[options]\ninstall_requires = a\n"),
            ManifestKind::SetupCfg
        );
        assert_eq!(d("deps.list", "requests\n"), ManifestKind::Requirements);
        let script = "# /// script\n# dependencies = [\"a\"]\n# ///\n";
        assert_eq!(d("main.py", script), ManifestKind::Script);
        assert_eq!(d("setup.py", script), ManifestKind::SetupPy);
        assert_eq!(d("tool.py", "import os\n"), ManifestKind::SetupPy);
    }

    #[test]
    fn pep508_spans_and_errors() {
        let src = SourceFile::new(
            "r.txt",
            "  Reqeusts[socks]>=2.0 ; python_version > '3'\nfoo==\n",
        );
        let dep = parse_pep508(&src, src.line_text(1), 0, "requirements").unwrap();
        assert_eq!(dep.name, "reqeusts");
        assert_eq!(dep.raw_name, "Reqeusts");
        assert_eq!((dep.line, dep.column), (1, 3));
        assert_eq!(&src.text[dep.name_span.clone()], "Reqeusts");
        let off = src.line_start(2);
        let err = parse_pep508(&src, "foo==", off, "requirements").unwrap_err();
        assert_eq!(err.rule, Rule::InvalidRequirement);
        assert_eq!(err.line, 2);
        assert_eq!(err.package.as_deref(), Some("foo"));
    }

    #[test]
    fn project_local_paths() {
        let local = |p: &str| DependencySource::Path(p.into()).is_project_local();
        assert!(local("."));
        assert!(local(".[socks]"));
        assert!(local("./libs/inner"));
        assert!(local("libs/inner"));
        assert!(!local("../sibling"));
        assert!(!local("/abs/path"));
        assert!(!local("~/x"));
        assert!(!local("file:///x"));
        assert!(!local("./vendor/pkg-1.0.tar.gz"));
        assert!(!DependencySource::Url("https://x/y".into()).is_project_local());
    }

    #[test]
    fn pinned_versions() {
        let src = SourceFile::new("r.txt", "num2words==0.5.15\n");
        let dep = parse_pep508(&src, "num2words==0.5.15", 0, "r").unwrap();
        assert_eq!(dep.pinned_version().unwrap().to_string(), "0.5.15");
    }
}
