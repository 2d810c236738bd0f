//! pip requirements files (`requirements.txt`, `constraints.txt`, pip-tools `.in` files), read
//! as pip reads them: `parse_requirements` in `pip/_internal/req/req_file.py` (written from
//! pip 23.2's source), which `tests/pip_differential.rs` runs against this reader over
//! 100,000 generated files, with the pip of the test's Python.
//!
//! What is matched, step by step (each step is pip's function of the same name):
//!
//! ```text
//! auto_decode     UTF-8 byte order mark dropped; a PEP 263 cookie (`coding[:=]\s*([-\w.]+)`
//!                 in one of the first two `\n`-lines, the line starting with `#`) naming
//!                 UTF-8 or ASCII or an alias; else UTF-8 (a UTF-8 locale)
//! splitlines      lines end at \n \r\n \r \v \f \x1c \x1d \x1e \x85 U+2028 U+2029;
//!                 pip's line numbers count these lines, and so do findings
//! join_lines      a line ending in `\` is joined to the next, `\` stripped from both ends;
//!                 a line matching COMMENT_RE `(^|\s+)#` at its start is never continued, and
//!                 ends a continuation as ` ` + itself; the joined line has the first number
//! ignore_comments cut at the first `#` at the start or after whitespace (`str.isspace`),
//!                 then `str.strip()`; empty lines dropped
//! expand_env_variables
//!                 every `${NAME}` (`[A-Z0-9_]+`) replaced by the variable's value when that
//!                 is set and not empty
//! break_args_options
//!                 split at single spaces: the tokens before the first starting with `-` are
//!                 the requirement (`args`), the rest the options
//! shlex.split     the options, POSIX rules (quotes, `\`), whitespace ` \t\r\n`
//! optparse        pip's option table (below), long options by unambiguous prefix
//!                 (`--requirem x`, `--edit ./p`, `--index=URL`), `--opt=v`, `--opt v`,
//!                 `-rfile`, `-r file` (`-r=file` names `=file`, as for pip)
//! ParsedLine      args -> a requirement; else the first `-e` -> an editable requirement;
//!                 else an option line; `-r`/`-c` on an option line are followed (the first
//!                 `-r`, else the first `-c`), relative to the including file
//! ```
//!
//! A requirement that is a directory of the project (`-e ./vendor/x`, `./libs/y`) is named as
//! pip's build backend would name it, from the directory's own metadata read without building
//! ([`super::local_project`]); a name that cannot be read so is recorded as an unnamed source.
//!
//! pip's options in a file (`SUPPORTED_OPTIONS`, `SUPPORTED_OPTIONS_REQ`):
//! `-i/--index-url/--pypi-url`, `--extra-index-url`, `--no-index`, `-c/--constraint`,
//! `-r/--requirement`, `-e/--editable`, `-f/--find-links`, `--no-binary`, `--only-binary`,
//! `--prefer-binary`, `--require-hashes`, `--pre`, `--trusted-host`, `--use-feature`, and for
//! the requirement on the line `--global-option`, `--hash` (sha256, sha384, sha512 only),
//! `-C/--config-settings` (`KEY=VAL`); `--use-feature` takes pip's choices (`fast-deps`,
//! `truststore`, `no-binary-enable-wheel-cache`).
//!
//! Where pip stops with an error (an unknown or ambiguous option, a missing value, an
//! unclosed quote, a bad `--hash`), or silently ignores part of a line (options after a
//! requirement that do not belong to it, a second `-r` on a line, arguments after the
//! options), the line is refused with an `invalid-requirement` error: squatguard never reads
//! a line otherwise than pip. So is a coding cookie for any other codec than UTF-8 or ASCII
//! (`invalid-manifest`; the file is not read further), and a UTF-16 or UTF-32 byte order mark
//! in an included file (a file checked by name is decoded by its caller, which refuses NUL
//! bytes and what is not UTF-8). A foreign cookie after a UTF-8 byte order mark is refused too,
//! as the caller has dropped the mark (pip would ignore the cookie). A `${VAR}` value that
//! holds or completes another `${VAR}` (pip replaces them one after the other) refuses the
//! line. On a line pip stops on, the requirement before the options is still judged (older
//! pips read options newer ones refuse).
//!
//! Messages show the line as written: `${VAR}` values are used only to read the line, so a
//! token in a URL never reaches a report.
//!
//! Included files are read from disk, each once per run (by canonical path; a second include
//! of a file adds nothing, as its requirements are already there). A missing or unreadable
//! include, an include cycle (reported with the whole chain), includes nested deeper than
//! [`MAX_DEPTH`], and an include that resolves outside the boundary (the git work tree of
//! the first file; outside git, the directory being checked, see [`parse_within`]) are
//! `invalid-manifest` errors: their lines would reach the report, and the file could be a
//! secret one. A remote include (`-r https://...`, `file:`) cannot be checked offline and is
//! an `unresolved-dependency` error.
//!
//! `--index-url`, `--extra-index-url`, `--find-links` (a URL, or in a file a local directory),
//! `--no-index` (in a file) and `--trusted-host` are recorded as index statements for the
//! `index-url` rule. A URL or path that names no package, and a project directory whose name
//! its metadata does not give, are recorded as unnamed sources for the `direct-url` rule.
//!
//! [`Reader`] is the reading itself, without findings: per logical line, pip's line number,
//! the requirement or options with their spans ([`PipLine`], [`Statement`]); [`parse`]
//! builds a [`Manifest`] from it. Statements another parser has read already (safe-pip's
//! command line: an option and its value, a requirement) are read as a file's lines without
//! any text being parsed for them ([`GivenLines`], [`Reader::read_given`], [`build_given`]):
//! each value is taken exactly as given, and what includes it names is read as above.

mod encoding;
mod lines;
mod options;

pub(crate) use lines::comment_start;

use super::{
    finding_at, leading_name, names_itself, parse_pep508, Dependency, DependencySource, IndexRole,
    IndexUse, Manifest, Unnamed,
};
use crate::finding::{Rule, Severity};
use crate::source::{display_path, read_regular, SourceFile, MAX_FILE_SIZE};
use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The index URL helpers, which lived here; other modules use [`crate::index_url`].
pub use crate::index_url::{
    is_loopback, is_pypi_index, is_test_pypi_index, lookalike_of_pypi, url_host,
};

/// How deep `-r`/`-c` includes may nest before squatguard stops following them.
pub const MAX_DEPTH: usize = 32;

/// An option pip accepts in a requirements file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PipOption {
    IndexUrl,
    ExtraIndexUrl,
    NoIndex,
    Constraint,
    Requirement,
    Editable,
    FindLinks,
    NoBinary,
    OnlyBinary,
    PreferBinary,
    RequireHashes,
    Pre,
    TrustedHost,
    UseFeature,
    GlobalOption,
    Hash,
    ConfigSettings,
}

/// One option of a line, as optparse read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineOption {
    pub option: PipOption,
    /// As written (`--requirem`, `-r`), without a value.
    pub spelled: String,
    /// The value after `shlex` (quotes removed) and `${VAR}` expansion.
    pub value: Option<String>,
    /// The option's token in the line text ([`PipLine::text`]).
    pub span: Range<usize>,
    /// The value's bytes in the line text (the option's token for a flag).
    pub value_span: Range<usize>,
}

/// What a line says, as pip's `ParsedLine` reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Statement {
    /// A requirement: pip's `args` string, or the value of the first `-e` (`editable`);
    /// `options` are all the line's options (those pip applies to it are
    /// [`PipOption::for_requirement`]).
    Requirement {
        requirement: String,
        span: Range<usize>,
        editable: bool,
        options: Vec<LineOption>,
    },
    /// A line of options only.
    Options(Vec<LineOption>),
}

impl Statement {
    /// The include pip follows on this line: the first `-r`, else the first `-c`.
    pub fn include(&self) -> Option<&LineOption> {
        let Statement::Options(opts) = self else {
            return None;
        };
        opts.iter()
            .find(|o| o.option == PipOption::Requirement)
            .or_else(|| opts.iter().find(|o| o.option == PipOption::Constraint))
    }
}

/// Why a line is refused: where (a byte of the line text) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: usize,
    pub message: String,
}

/// One logical line as pip reads it.
#[derive(Debug, Clone)]
pub struct PipLine<'a> {
    /// pip's line number (that of the first physical line of a joined line).
    pub number: u32,
    /// The line as pip parses it: joined, comment removed, stripped, `${VAR}` expanded.
    pub text: Cow<'a, str>,
    /// What the line says; `None` when pip stops with an error on it.
    pub statement: Option<Statement>,
    /// Why the line is refused, when it is: pip's error, or what pip would ignore.
    pub problems: Vec<Problem>,
    /// Whether `${VAR}` expansion changed the line.
    pub expanded: bool,
    /// pip's expansion could not be mapped back to the file (the spans are approximate).
    expansion_refused: bool,
    map: lines::SpanMap,
}

impl PipLine<'_> {
    /// The file offset of byte `i` of [`PipLine::text`].
    pub fn offset(&self, i: usize) -> usize {
        self.map.offset(i)
    }

    /// The file bytes that bytes `r` of [`PipLine::text`] were read from.
    pub fn file_range(&self, r: Range<usize>) -> Range<usize> {
        self.map.range(r)
    }

    /// Bytes `r` of the line as written in `file` (the file's text), `${VAR}` unexpanded;
    /// `read` where they cannot be told apart.
    pub fn written<'t>(&self, file: &'t str, r: Range<usize>, read: &'t str) -> &'t str {
        match self.expansion_refused {
            true => read,
            false => file.get(self.file_range(r)).unwrap_or(read),
        }
    }
}

/// Reads the lines of one file's text as pip does, handing each to `f`; `env` answers
/// `os.getenv`. Decoding is the caller's (`encoding::decode_pip`).
pub fn read_lines<'a>(
    text: &'a str,
    env: &dyn Fn(&str) -> Option<String>,
    mut f: impl FnMut(PipLine<'a>),
) {
    lines::preprocess(text, env, |pre| {
        let (statement, mut problems) = options::parse_line(&pre.text);
        if let Some(why) = &pre.expansion_refused {
            problems.insert(
                0,
                Problem {
                    at: 0,
                    message: why.clone(),
                },
            );
        }
        f(PipLine {
            number: pre.number,
            text: pre.text,
            statement,
            problems,
            expanded: pre.expanded,
            expansion_refused: pre.expansion_refused.is_some(),
            map: pre.map,
        })
    });
}

/// A statement already read by another parser (pip's own command line, read by
/// [`crate::pip::args`]): no line of text is parsed for it.
#[derive(Debug, Clone, Copy)]
pub enum Given<'v> {
    /// An option with its value as pip receives it; `spelled` is how its line shows it.
    Option {
        option: PipOption,
        spelled: &'v str,
        value: &'v str,
    },
    /// A requirement as pip receives it (a positional).
    Requirement(&'v str),
}

/// [`Given`] statements as the lines a [`Reader`] reads ([`Reader::read_given`]), and a source
/// that shows each as a line of its own (`-r VALUE`, `REQUIREMENT`), only to place findings
/// and show snippets: it is never read.
pub struct GivenLines {
    pub src: SourceFile,
    lines: Vec<PipLine<'static>>,
}

impl GivenLines {
    /// The lines of `given`, shown in a source named `path`. A value holding a control
    /// character, a line or paragraph separator or a byte order mark, which the source could
    /// not show as one line, is the error.
    pub fn new<'v>(path: &str, given: &[Given<'v>]) -> Result<GivenLines, &'v str> {
        let mut text = String::new();
        let mut lines = Vec::new();
        for (number, g) in (1u32..).zip(given) {
            let value = match *g {
                Given::Option { value, .. } | Given::Requirement(value) => value,
            };
            let unshowable =
                |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}');
            if value.contains(unshowable) {
                return Err(value);
            }
            let (line, statement) = match *g {
                Given::Option {
                    option,
                    spelled,
                    value,
                } => {
                    let line = format!("{spelled} {value}");
                    let at = spelled.len() + 1;
                    let opt = LineOption {
                        option,
                        spelled: spelled.to_owned(),
                        value: Some(value.to_owned()),
                        span: 0..spelled.len(),
                        value_span: at..line.len(),
                    };
                    let statement = match option {
                        PipOption::Editable => Statement::Requirement {
                            requirement: value.to_owned(),
                            span: opt.value_span.clone(),
                            editable: true,
                            options: vec![opt],
                        },
                        _ => Statement::Options(vec![opt]),
                    };
                    (line, statement)
                }
                Given::Requirement(requirement) => {
                    let statement = Statement::Requirement {
                        requirement: requirement.to_owned(),
                        span: 0..requirement.len(),
                        editable: false,
                        options: Vec::new(),
                    };
                    (requirement.to_owned(), statement)
                }
            };
            lines.push(PipLine {
                number,
                map: lines::SpanMap::literal(text.len(), line.len()),
                text: Cow::Owned(line.clone()),
                statement: Some(statement),
                problems: Vec::new(),
                expanded: false,
                expansion_refused: false,
            });
            text.push_str(&line);
            text.push('\n');
        }
        Ok(GivenLines {
            src: SourceFile::shown_arguments(path, text),
            lines,
        })
    }
}

/// Why an include was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeProblem {
    /// `http:`, `https:` or `file:`: pip would fetch it.
    Remote,
    /// The file includes itself through the chain.
    Cycle,
    /// Outside the repository (or the checked directory).
    Outside,
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// Missing, unreadable, binary, too large, or not decodable as pip would.
    Unreadable,
}

/// What [`Reader::read`] meets, in reading order.
pub enum Event<'e, 'a> {
    /// A file is about to be read (the first one too); `constraint` when included by `-c`.
    File {
        src: &'e SourceFile,
        constraint: bool,
    },
    /// A line of `src`.
    Line {
        src: &'e SourceFile,
        constraint: bool,
        line: &'e PipLine<'a>,
    },
    /// An include that was not followed, or a file not read: at byte `at` of `src`.
    Problem {
        src: &'e SourceFile,
        at: usize,
        kind: IncludeProblem,
        message: String,
    },
}

/// pip's reading of a requirements file and the files it includes, each file read once.
pub struct Reader<'x> {
    env: &'x dyn Fn(&str) -> Option<String>,
    /// Outside git, the directory includes may not leave.
    within: Option<PathBuf>,
    /// Canonical paths of the files being read, outermost first, for cycle detection.
    chain: Vec<(PathBuf, String)>,
    /// Files already read (canonical path, read as constraints).
    seen: HashSet<(PathBuf, bool)>,
    /// The git work tree of the first file, found at the first include.
    repository: std::cell::OnceCell<Option<PathBuf>>,
    files_read: usize,
}

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl Default for Reader<'static> {
    fn default() -> Self {
        Reader::with_env(&process_env)
    }
}

impl<'x> Reader<'x> {
    /// A reader whose `${VAR}` values come from `env` (the process environment by default).
    pub fn with_env(env: &'x dyn Fn(&str) -> Option<String>) -> Self {
        Reader {
            env,
            within: None,
            chain: Vec::new(),
            seen: HashSet::new(),
            repository: std::cell::OnceCell::new(),
            files_read: 0,
        }
    }

    /// Outside a git repository, includes may not leave `dir`.
    pub fn within(mut self, dir: &Path) -> Self {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        self.within = Some(std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf()));
        self
    }

    /// How many files were read (the first one included).
    pub fn files_read(&self) -> usize {
        self.files_read
    }

    /// Reads `src` and what it includes, handing each event to `visit`. `src` is re-read with
    /// pip's line numbering; its coding cookie, if any, is judged first.
    pub fn read(&mut self, src: &SourceFile, visit: &mut dyn FnMut(Event<'_, '_>)) {
        let src = SourceFile::with_python_lines(src.path.clone(), src.text.as_str());
        if let Some(cookie) = encoding::pip_coding_cookie(src.text.as_bytes()) {
            let refused = encoding::cookie_refusal(&cookie.name, src.text.is_ascii());
            if let Some(message) = refused {
                self.files_read += 1;
                visit(Event::Problem {
                    src: &src,
                    at: cookie.at,
                    kind: IncludeProblem::Unreadable,
                    message: format!("cannot check this file as pip reads it: {message}"),
                });
                return;
            }
        }
        self.file(&src, false, visit);
    }

    /// Reads statements already read ([`Given`]) as the lines of a file, and what they
    /// include: each value as given, no quoting, comment or `${VAR}` rule applied.
    pub fn read_given(&mut self, given: &GivenLines, visit: &mut dyn FnMut(Event<'_, '_>)) {
        self.enter(&given.src, false, visit);
        for line in &given.lines {
            self.line(&given.src, false, line, visit);
        }
        self.chain.pop();
    }

    fn file(&mut self, src: &SourceFile, constraint: bool, visit: &mut dyn FnMut(Event<'_, '_>)) {
        self.enter(src, constraint, visit);
        let env = self.env;
        read_lines(&src.text, env, |line| {
            self.line(src, constraint, &line, visit)
        });
        self.chain.pop();
    }

    /// A file is being read: its key joins the chain (popped by the caller when it is read).
    fn enter(&mut self, src: &SourceFile, constraint: bool, visit: &mut dyn FnMut(Event<'_, '_>)) {
        let key = std::fs::canonicalize(&src.path).unwrap_or_else(|_| src.path.clone());
        self.seen.insert((key.clone(), constraint));
        self.chain.push((key, src.display_path()));
        self.files_read += 1;
        visit(Event::File { src, constraint });
    }

    /// A line of `src`, then the file it includes, if any.
    fn line(
        &mut self,
        src: &SourceFile,
        constraint: bool,
        line: &PipLine<'_>,
        visit: &mut dyn FnMut(Event<'_, '_>),
    ) {
        visit(Event::Line {
            src,
            constraint,
            line,
        });
        if let Some(include) = line.statement.as_ref().and_then(Statement::include) {
            let at = line.offset(include.value_span.start);
            let nested = include.option == PipOption::Constraint;
            let target = include.value.as_deref().unwrap_or("");
            let written = line.written(&src.text, include.value_span.clone(), target);
            self.include(src, target, written, at, nested, visit);
        }
    }

    fn include(
        &mut self,
        src: &SourceFile,
        target: &str,
        written: &str,
        at: usize,
        constraint: bool,
        visit: &mut dyn FnMut(Event<'_, '_>),
    ) {
        let option = if constraint { "-c" } else { "-r" };
        let mut problem = |kind, message: String| {
            visit(Event::Problem {
                src,
                at,
                kind,
                message,
            })
        };
        // pip's SCHEME_RE: `^(http|https|file):`, any case
        let scheme = target.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        if matches!(scheme.as_deref(), Some("http" | "https" | "file")) || target.contains("://") {
            problem(
                IncludeProblem::Remote,
                format!("`{option} {written}` includes a remote file that squatguard cannot check offline"),
            );
            return;
        }
        let base = src.path.parent().unwrap_or(Path::new(""));
        let path = base.join(target);
        let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if let Some(pos) = self.chain.iter().position(|(k, _)| *k == key) {
            let mut names: Vec<&str> = self.chain[pos..].iter().map(|(_, n)| n.as_str()).collect();
            let shown = display_path(&path);
            names.push(&shown);
            let message = format!("include cycle: {}", names.join(" -> "));
            problem(IncludeProblem::Cycle, message);
            return;
        }
        if self.seen.contains(&(key.clone(), constraint)) {
            return;
        }
        let repository = self.repository.get_or_init(|| {
            self.chain
                .first()
                .and_then(|(first, _)| crate::source::work_tree(first))
        });
        let boundary = repository.as_ref().or(self.within.as_ref());
        if let Some(root) = boundary {
            let real = std::fs::canonicalize(&path);
            let outside = match &real {
                Ok(real) => !real.starts_with(root),
                // a path that does not resolve is judged as written, made absolute
                Err(_) => {
                    !crate::source::clean(&std::path::absolute(&path).unwrap_or(path.clone()))
                        .starts_with(root)
                }
            };
            if outside {
                let what = if repository.is_some() {
                    "the repository"
                } else {
                    "the checked directory"
                };
                let shown = real
                    .as_ref()
                    .map_or_else(|_| display_path(&path), |r| display_path(r));
                problem(
                    IncludeProblem::Outside,
                    format!("`{option} {written}` points outside {what} (to `{shown}`): not read, since the report would show its lines and it could be a secret file; pip would read it"),
                );
                return;
            }
        }
        if self.chain.len() >= MAX_DEPTH {
            problem(
                IncludeProblem::TooDeep,
                format!("`{option} {written}`: includes nest deeper than {MAX_DEPTH} files; not followed"),
            );
            return;
        }
        match read_included(&path) {
            Ok(included) => self.file(&included, constraint, visit),
            Err(reason) => problem(
                IncludeProblem::Unreadable,
                format!(
                    "`{option} {written}`: cannot read `{}`: {reason}",
                    display_path(&path)
                ),
            ),
        }
    }
}

/// An included file, decoded as pip's `auto_decode` would (or refused).
fn read_included(path: &Path) -> Result<SourceFile, String> {
    let bytes = read_regular(path, MAX_FILE_SIZE).map_err(|e| e.to_string())?;
    if bytes.contains(&0) && !bytes.starts_with(b"\xff\xfe") && !bytes.starts_with(b"\xfe\xff") {
        return Err("it is a binary file (it contains NUL bytes)".into());
    }
    let text = encoding::decode_pip(bytes).map_err(|e| e.reason)?;
    Ok(SourceFile::with_python_lines(path, text))
}

/// Parses a requirements file and everything it includes. Outside a git repository,
/// includes are not bounded; `check` uses [`parse_within`].
pub fn parse(src: &SourceFile) -> Manifest {
    build(src, Reader::default())
}

/// [`parse`], where outside a git repository an include may not leave `dir` (the directory
/// being checked, or the file's own directory when a file is checked by name).
pub fn parse_within(src: &SourceFile, dir: &Path) -> Manifest {
    build(src, Reader::default().within(dir))
}

/// [`parse`] of statements already read ([`Reader::read_given`]), with a reader set up by the
/// caller (its boundary).
pub fn build_given(given: &GivenLines, mut reader: Reader<'_>) -> Manifest {
    let mut builder = Builder::new(&reader);
    reader.read_given(given, &mut |event| builder.event(event));
    builder.finish()
}

fn build(src: &SourceFile, mut reader: Reader<'_>) -> Manifest {
    let mut builder = Builder::new(&reader);
    reader.read(src, &mut |event| builder.event(event));
    builder.finish()
}

impl Builder {
    fn new(reader: &Reader<'_>) -> Self {
        Builder {
            manifest: Manifest::default(),
            replaces_pypi: false,
            top: None,
            root: std::cell::OnceCell::new(),
            within: reader.within.clone(),
        }
    }

    fn finish(mut self) -> Manifest {
        if self.replaces_pypi {
            for dep in &mut self.manifest.dependencies {
                dep.private_index = true;
            }
        }
        self.manifest
    }
}

/// Builds a [`Manifest`] from the reader's events.
struct Builder {
    manifest: Manifest,
    /// An `--index-url` replaced PyPI for the whole set.
    replaces_pypi: bool,
    /// The directory of the first file read (the one given to pip).
    top: Option<PathBuf>,
    /// The project's root: the repository's work tree, else `top`, canonical.
    root: std::cell::OnceCell<Option<PathBuf>>,
    /// The directory being checked, when the reader is bounded by one.
    within: Option<PathBuf>,
}

impl Builder {
    fn event(&mut self, event: Event<'_, '_>) {
        match event {
            Event::File { src, .. } => {
                if self.top.is_none() {
                    self.top = Some(crate::source::parent_dir(&src.path).to_path_buf());
                }
                // at most a dependency a line: one allocation, instead of a vector grown by copying
                self.manifest.dependencies.reserve(src.line_count());
            }
            Event::Line {
                src,
                constraint,
                line,
            } => self.line(
                src,
                line,
                if constraint {
                    "constraints"
                } else {
                    "requirements"
                },
            ),
            Event::Problem {
                src,
                at,
                kind,
                message,
            } => {
                let finding = match kind {
                    IncludeProblem::Remote => {
                        finding_at(src, Rule::UnresolvedDependency, at, message)
                            .with_severity(Severity::Error)
                            .with_help("vendor the file into the repository and include it by path")
                    }
                    IncludeProblem::Outside => finding_at(src, Rule::InvalidManifest, at, message)
                        .with_help(
                        "move the file into the repository, or review it and check it by naming it",
                    ),
                    _ => finding_at(src, Rule::InvalidManifest, at, message),
                };
                self.manifest.findings.push(finding);
            }
        }
    }

    fn line(&mut self, src: &SourceFile, line: &PipLine, section: &str) {
        for p in &line.problems {
            let at = line.offset(p.at);
            self.manifest.findings.push(finding_at(
                src,
                Rule::InvalidRequirement,
                at,
                p.message.clone(),
            ));
        }
        match &line.statement {
            // pip stops on this line; the requirement it holds is judged all the same (older
            // pips read options that newer ones refuse)
            None => {
                let args = options::args_end(&line.text);
                if args > 0 {
                    self.requirement(src, line, &line.text[..args], 0..args, section, false);
                }
            }
            Some(Statement::Options(opts)) => {
                for opt in opts {
                    self.global_option(src, line, opt);
                }
            }
            Some(Statement::Requirement {
                requirement,
                span,
                editable,
                ..
            }) => {
                let section = if *editable {
                    Cow::Owned(format!("{section} (editable)"))
                } else {
                    Cow::Borrowed(section)
                };
                self.requirement(src, line, requirement, span.clone(), &section, *editable);
            }
        }
    }

    fn global_option(&mut self, src: &SourceFile, line: &PipLine, opt: &LineOption) {
        /// Code points of `written` before its first line break (a `\` continuation), at
        /// least one: how much of it a caret underlines.
        fn first_line_width(written: &str) -> u32 {
            let first = written.split(['\n', '\r']).next().unwrap_or("");
            let first = first.strip_suffix('\\').unwrap_or(first);
            (first.chars().count() as u32).max(1)
        }
        let at = line.offset(opt.value_span.start);
        let url = opt.value.as_deref().unwrap_or("");
        let written = || {
            line.written(&src.text, opt.value_span.clone(), url)
                .to_owned()
        };
        match opt.option {
            PipOption::IndexUrl => {
                if !is_pypi_index(url) {
                    self.replaces_pypi = true;
                }
                let written = format!("--index-url {}", written());
                let usage = IndexUse::Url(IndexRole::Replaces);
                self.manifest.push_index(src, at, written, url, usage);
            }
            PipOption::ExtraIndexUrl => {
                let written = format!("--extra-index-url {}", written());
                let usage = IndexUse::Url(IndexRole::Merged { tool: "pip" });
                self.manifest.push_index(src, at, written, url, usage);
            }
            PipOption::FindLinks => {
                if url.contains("://") && !url.to_ascii_lowercase().starts_with("file:") {
                    let written = format!("--find-links {}", written());
                    let usage = IndexUse::Url(IndexRole::Links);
                    self.manifest.push_index(src, at, written, url, usage);
                } else if src.path.is_file() {
                    // in a file (safe-pip reads its own command line as a file that is not
                    // one: there the user chose the directory)
                    let written = written();
                    let usage = IndexUse::LocalLinks;
                    let statement = format!("--find-links {written}");
                    let s = self.manifest.push_index(src, at, statement, url, usage);
                    // the directory underlined, on its first line (at least one column)
                    s.span_len = first_line_width(&written);
                }
            }
            PipOption::NoIndex if src.path.is_file() => {
                let at = line.offset(opt.span.start);
                let usage = IndexUse::NoIndex { tool: "pip" };
                let s = self.manifest.push_index(src, at, "--no-index", "", usage);
                // the option as written underlined, on its first line
                s.span_len =
                    first_line_width(line.written(&src.text, opt.span.clone(), "--no-index"));
            }
            PipOption::TrustedHost => {
                let written = format!("--trusted-host {}", written());
                self.manifest
                    .push_index(src, at, written, url, IndexUse::TrustedHost);
            }
            _ => {}
        }
    }

    /// A requirement: PEP 508, or a bare URL or path (`editable` for `-e`).
    fn requirement(
        &mut self,
        src: &SourceFile,
        line: &PipLine,
        expanded: &str,
        span: Range<usize>,
        section: &str,
        editable: bool,
    ) {
        let span_copy = span.clone();
        let offset = line.file_range(span).start.min(src.text.len());
        // as written: the file's bytes when `${VAR}` expansion changed the line
        let written = match line.expanded {
            true => line.written(&src.text, span_copy, expanded),
            false => expanded,
        };
        if is_pep508_form(expanded) && !editable || names_itself(expanded) {
            match parse_pep508(src, expanded, offset, section) {
                Ok(mut dep) => {
                    // the span was measured on the expanded text; re-measure it on the file
                    if written != expanded {
                        if let Some(name) = leading_name(written) {
                            dep.name_span = offset..offset + name.len();
                            dep.raw_name = name.to_owned();
                        }
                    }
                    self.manifest.dependencies.push(dep);
                }
                Err(mut finding) => {
                    if written != expanded {
                        finding.message = format!("invalid requirement `{written}`");
                    }
                    self.manifest.findings.push(*finding);
                }
            }
            return;
        }
        // A bare URL or path: pip names the package by `#egg=` or the archive's file name.
        let source = DependencySource::classify(expanded);
        // pip takes a path that is a directory as a project before it reads a name from an
        // archive suffix or `#egg=` (`./vendor/x-1.0.tar.gz/` is a directory)
        if let DependencySource::Path(path) = &source {
            let (dirs, outside) = self.local_dirs(src, path);
            if !dirs.is_empty() {
                self.local_directory(src, offset, written, section, &source, dirs);
                return;
            }
            // a project outside what is checked: pip builds and installs it, with whatever it
            // depends on, none of which is read here
            if outside {
                let f = finding_at(
                    src,
                    Rule::UnresolvedDependency,
                    offset,
                    format!(
                        "`{written}` installs a project outside what is checked (outside the checked directory and repository, or in a folder the walk skips, such as `node_modules`): its dependencies are not read, so they are not checked"
                    ),
                )
                .with_severity(Severity::Error)
                .with_help("check from a directory that holds both, or install that project from its own checked source");
                self.manifest.findings.push(f);
                return;
            }
        }
        // named as pip names the line it reads: after `${VAR}` expansion (placed at the line's
        // start when expansion moved the name), the marker cut off first (at `; ` on a URL, at
        // `;` on a path)
        let location = if pip_is_url(expanded) {
            expanded.split_once("; ").map_or(expanded, |(l, _)| l)
        } else {
            expanded.split_once(';').map_or(expanded, |(l, _)| l)
        }
        .trim_end();
        match name_from_location(location) {
            Some((name_start, name)) => {
                let at = if written == expanded { name_start } else { 0 };
                let mut dep = Dependency::new(src, &name, offset + at, section);
                dep.source = source;
                self.manifest.dependencies.push(dep);
            }
            // a directory of the project: named by its own metadata, which pip asks its build
            // backend for; read without building ([`super::local_project`])
            None if source.is_project_local() => {
                self.local_directory(src, offset, written, section, &source, Vec::new())
            }
            None => {
                let why = Unnamed::NotWritten;
                self.manifest
                    .push_unnamed(src, offset, written, source, why)
            }
        }
    }
}

impl Builder {
    /// The directories a path requirement can name, as `(directory as written, directory)`:
    /// pip resolves the path from its working directory, which squatguard does not know, so
    /// from the directory of the file given to pip (the first file read) and from the checked
    /// directory (`check`'s, where a nested `requirements/dev.txt` is run from); only
    /// directories that exist and stay inside the repository (else the checked directory; a
    /// link may lead out) count. The path is tried whole (a
    /// directory may be named `x#egg=y`) and without its extras, fragment and marker. Also
    /// whether a directory it names lies outside what is checked (out of that bound, or in a
    /// folder the walk skips by name), whose dependencies are then read nowhere.
    fn local_dirs(&mut self, src: &SourceFile, path: &str) -> (Vec<(String, PathBuf)>, bool) {
        if path
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case("file:"))
        {
            return (Vec::new(), false);
        }
        // the first file's directory, set when it was read
        let top = self
            .top
            .clone()
            .unwrap_or_else(|| crate::source::parent_dir(&src.path).to_path_buf());
        let within = self.within.clone();
        // what a directory must stay inside: the repository, else the checked directory
        let root = self
            .root
            .get_or_init(|| {
                crate::source::work_tree(&top)
                    .or_else(|| within.as_ref().and_then(|w| std::fs::canonicalize(w).ok()))
                    .or_else(|| std::fs::canonicalize(&top).ok())
            })
            .clone();
        let mut outside = false;
        let mut bases = vec![top];
        bases.extend(within);
        let whole = path.split(';').next().unwrap_or(path).trim();
        let bare = path.split(['[', '#', ';']).next().unwrap_or(path).trim();
        let mut out: Vec<(String, PathBuf)> = Vec::new();
        let mut seen = Vec::new();
        for rel in [whole, bare] {
            for base in &bases {
                let Ok(real) = std::fs::canonicalize(base.join(rel)) else {
                    continue;
                };
                let inside = match &root {
                    Some(root) => real.starts_with(root),
                    None => std::fs::canonicalize(base).is_ok_and(|b| real.starts_with(b)),
                };
                // a folder the walk skips by name is not read either (`./node_modules/x`)
                let skipped_folder = root.as_ref().is_some_and(|r| {
                    real.strip_prefix(r).is_ok_and(|rel| {
                        crate::source::in_folder_named(rel, crate::source::SKIP_DIRS)
                    })
                });
                let inside = inside && !skipped_folder;
                outside |= real.is_dir() && !inside;
                if real.is_dir() && inside && !seen.contains(&real) {
                    seen.push(real.clone());
                    out.push((rel.to_owned(), real));
                }
            }
        }
        (out, outside)
    }

    /// A requirement naming a directory of the project (`-e ./vendor/x`, `./libs/y`): a
    /// dependency named as the directory's metadata names it, placed at the path, for each
    /// directory it can name ([`Builder::local_dirs`]); an unnamed source when a name cannot be
    /// read without building the project, or no such directory exists.
    fn local_directory(
        &mut self,
        src: &SourceFile,
        offset: usize,
        written: &str,
        section: &str,
        source: &DependencySource,
        dirs: Vec<(String, PathBuf)>,
    ) {
        let DependencySource::Path(path) = source else {
            return;
        };
        let names: Vec<(String, super::local_project::LocalName)> = if dirs.is_empty() {
            let rel = path.split(['[', '#', ';']).next().unwrap_or(path).trim();
            vec![(
                rel.to_owned(),
                super::local_project::LocalName::Unknown(
                    "there is no such directory inside the project".into(),
                ),
            )]
        } else {
            dirs.into_iter()
                .map(|(rel, dir)| (rel, super::local_project::read(&dir)))
                .collect()
        };
        let mut named = Vec::new();
        for (rel, name) in names {
            match name {
                super::local_project::LocalName::Known { name, .. }
                    if crate::name::is_valid(&name) =>
                {
                    if named.contains(&name) {
                        continue;
                    }
                    let mut dep = Dependency::new(src, &name, offset, section);
                    // the name is not written here: the span is the path's, which no fix rewrites
                    dep.raw_name = name.clone();
                    dep.name_span = offset..offset + written.len().min(src.text.len() - offset);
                    dep.source = source.clone();
                    dep.named_by_metadata = true;
                    self.manifest.dependencies.push(dep);
                    named.push(name);
                }
                super::local_project::LocalName::Known { name, file } => {
                    let why = Unnamed::InvalidName {
                        dir: rel,
                        file,
                        name,
                    };
                    let source = source.clone();
                    self.manifest
                        .push_unnamed(src, offset, written, source, why);
                }
                super::local_project::LocalName::Unknown(why) => {
                    let why = Unnamed::Unreadable { dir: rel, why };
                    let source = source.clone();
                    self.manifest
                        .push_unnamed(src, offset, written, source, why);
                }
            }
        }
    }
}

/// A file's apparent names, by line number ([`apparent_names`]), in the order of their lines,
/// for the rules' engine to look up ahead of judging (`Engine::look_ahead`): the names written one after another into one text, each line
/// with where its name ends (a long file's names cost one allocation, not one each).
#[derive(Debug, Default)]
pub struct ApparentNames {
    lines: Vec<(u32, u32)>,
    text: String,
}

impl ApparentNames {
    /// Adds `name` as the apparent name of `line`, which comes after every line added before.
    pub fn push(&mut self, line: u32, name: &str) {
        self.text.push_str(name);
        // a text past 4 GiB is not looked up ahead (its lines are looked up when judged)
        if let Ok(end) = u32::try_from(self.text.len()) {
            self.lines.push((line, end));
        }
    }

    /// How many lines have an apparent name.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether no line has one.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The line and apparent name of the `at`th line that has one.
    pub fn get(&self, at: usize) -> (u32, &str) {
        let start = if at == 0 { 0 } else { self.lines[at - 1].1 };
        let (line, end) = self.lines[at];
        (line, &self.text[start as usize..end as usize])
    }

    /// Where `line` is among the lines that have an apparent name: where every line has a
    /// name, line n is the nth; else searched for (a line listed out of order is not found,
    /// and is looked up when judged).
    pub fn position(&self, line: u32) -> Option<usize> {
        match (line as usize).checked_sub(1) {
            Some(at) if self.lines.get(at).is_some_and(|(l, _)| *l == line) => Some(at),
            _ => self.lines.binary_search_by_key(&line, |(l, _)| *l).ok(),
        }
    }

    /// Each line that has an apparent name, with that name, in order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &str)> {
        (0..self.lines.len()).map(|at| self.get(at))
    }
}

/// The name each line of a requirements file appears to start with, normalised, with its line
/// number (the file's lines as [`SourceFile`] numbers them; lines without one are left out): a
/// guess from the text alone (no joined lines, options, includes or `${VAR}`), for looking
/// names up while the file is read (the rules' `Engine::look_ahead`), never for judging.
pub fn apparent_names(src: &SourceFile) -> ApparentNames {
    let mut names = ApparentNames::default();
    for line in 1..=src.line_count() as u32 {
        if let Some(name) = super::leading_name(src.line_text(line).trim_start()) {
            names.push(line, &crate::name::normalized(name));
        }
    }
    names
}

/// True when the text reads as a PEP 508 requirement rather than a URL or path.
fn is_pep508_form(text: &str) -> bool {
    let t = text.trim();
    // a URL by pip's `is_url`, `file:.` and `file:../pkg` too; not a line with `://` elsewhere
    // (`reqeusts; "://" != "x"` is a PyPI requirement with a marker)
    if pip_is_url(t) || t.starts_with(['.', '/', '~', '\\']) {
        return false;
    }
    let head = &t[..t
        .bytes()
        .position(|b| matches!(b, b';' | b'[' | b'<' | b'>' | b'=' | b'!' | b'~' | b' '))
        .unwrap_or(t.len())];
    if head.contains('/') || head.contains('\\') {
        return false;
    }
    let head = head.as_bytes();
    ![
        ".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar",
    ]
    .iter()
    .any(|ext| {
        head.len() >= ext.len()
            && head[head.len() - ext.len()..].eq_ignore_ascii_case(ext.as_bytes())
    })
}

/// pip's `is_url`: the text up to its first `:`, lowercased, is a scheme pip fetches from
/// (`http`, `https`, `file`, `ftp`, or a version control scheme such as `git+https`).
pub(crate) fn pip_is_url(text: &str) -> bool {
    const VCS: &[&str] = &[
        "bzr+file",
        "bzr+ftp",
        "bzr+http",
        "bzr+https",
        "bzr+lp",
        "bzr+sftp",
        "bzr+ssh",
        "git+file",
        "git+git",
        "git+http",
        "git+https",
        "git+ssh",
        "hg+file",
        "hg+http",
        "hg+https",
        "hg+ssh",
        "hg+static-http",
        "svn+file",
        "svn+http",
        "svn+https",
        "svn+ssh",
        "svn+svn",
    ];
    let Some((scheme, _)) = text.split_once(':') else {
        return false;
    };
    let scheme = scheme.to_lowercase();
    matches!(scheme.as_str(), "http" | "https" | "file" | "ftp") || VCS.contains(&scheme.as_str())
}

/// The package name pip gives a bare URL or path, with the byte offset in `text` where it is
/// written, as pip's `parse_req_from_line` names it:
/// - a wheel by its file name (`{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`; pip
///   refuses another shape), the file name as pip's `Link.filename` reads it: the URL's path
///   (before `?` and `#`) percent-decoded, its last segment decoded again, so
///   `.../x.whl%2Freqeusts-1.0-py3-none-any.whl` is `reqeusts`;
/// - else the value of the first `#egg=` or `&egg=` (pip's `[#&]egg=([^&]*)`: `?xegg=` is not one),
///   up to the end of its name;
/// - else, for a source archive, its file name up to the version: pip learns the real name only
///   by building it, so this is the name the file claims.
fn name_from_location(text: &str) -> Option<(usize, Cow<'_, str>)> {
    use percent_encoding::percent_decode_str;
    // Python's urlsplit drops tabs and line breaks anywhere in a URL
    if pip_is_url(text) && text.contains(['\t', '\r', '\n']) {
        let clean: String = text
            .chars()
            .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
            .collect();
        return name_from_location(&clean).map(|(_, n)| (0, Cow::Owned(n.into_owned())));
    }
    let decode = |s: &str| -> String { percent_decode_str(s).decode_utf8_lossy().into_owned() };
    let (path_start, path) = if pip_is_url(text) {
        // urlsplit: after the scheme, `//host` up to the path; the path up to `?` or `#`
        let mut start = text.find(':').map_or(0, |i| i + 1);
        if text[start..].starts_with("//") {
            start += 2;
            start += text[start..]
                .find(['/', '?', '#'])
                .unwrap_or(text.len() - start);
        }
        let end = start + text[start..].find(['?', '#']).unwrap_or(text.len() - start);
        let decoded = decode(&text[start..end]);
        let trimmed = decoded.trim_end_matches('/');
        let file = decode(&trimmed[trimmed.rfind('/').map_or(0, |i| i + 1)..]);
        let raw = text[start..end].trim_end_matches('/');
        (start + raw.rfind('/').map_or(0, |i| i + 1), file)
    } else {
        let path = text
            .split(['#', '?'])
            .next()
            .unwrap_or(text)
            .trim_end_matches('/');
        let file_start = path.rfind(['/', '\\']).map_or(0, |i| i + 1);
        (file_start, path[file_start..].to_owned())
    };
    let name_at = |name: &str| -> Cow<'_, str> {
        match text.get(path_start..path_start + name.len()) {
            Some(written) if written == name => Cow::Borrowed(written),
            _ => Cow::Owned(name.to_owned()),
        }
    };
    if let Some(stem) = path.strip_suffix(".whl") {
        let parts: Vec<&str> = stem.split('-').collect();
        let shape = matches!(parts.len(), 5 | 6)
            && parts.iter().all(|p| !p.chars().any(char::is_whitespace))
            && parts
                .iter()
                .enumerate()
                .all(|(i, p)| i == 1 || !p.is_empty())
            && (parts.len() == 5 || parts[2].starts_with(|c: char| c.is_ascii_digit()));
        if !shape {
            return None;
        }
        return crate::name::is_valid(parts[0]).then(|| (path_start, name_at(parts[0])));
    }
    let egg = [text.find("#egg="), text.find("&egg=")]
        .into_iter()
        .flatten()
        .min();
    if let Some(i) = egg {
        let start = i + 5;
        let value = &text[start..];
        let value = &value[..value.find('&').unwrap_or(value.len())];
        // the value is read as a requirement, which may start with spaces
        let skipped = value.len() - value.trim_start().len();
        return leading_name(value.trim_start()).map(|n| (start + skipped, Cow::Borrowed(n)));
    }
    let lower = path.to_ascii_lowercase();
    let ext = [".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar"]
        .iter()
        .find(|ext| lower.ends_with(*ext))?;
    // sdist: {name}-{version}{ext}; the version starts after the last `-`
    let stem_len = path[..path.len() - ext.len()].rfind('-')?;
    let name = &path[..stem_len];
    crate::name::is_valid(name).then(|| (path_start, name_at(name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A local `--find-links`, `--no-index` and requirements without a name are facts: index
    /// statements and unnamed sources, not findings; not recorded from a pseudo-file (safe-pip's
    /// command line).
    #[test]
    fn local_links_no_index_and_unnamed_sources_are_recorded_not_judged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("requirements.txt");
        let text = "--no-index\n--find-links ./wheels\ngit+https://h/x.git\n./missing\n";
        std::fs::write(&path, text).unwrap();
        let m = parse(&SourceFile::new(&path, text));
        assert!(m.findings.is_empty(), "{:?}", m.findings);
        let indexes: Vec<_> = m
            .indexes
            .iter()
            .map(|s| (s.line, s.column, s.span_len, s.written.as_str(), &s.usage))
            .collect();
        assert_eq!(
            indexes,
            [
                (1, 1, 10, "--no-index", &IndexUse::NoIndex { tool: "pip" }),
                (2, 14, 8, "--find-links ./wheels", &IndexUse::LocalLinks),
            ]
        );
        let unnamed: Vec<_> = m
            .unnamed
            .iter()
            .map(|u| (u.line, u.written.as_str(), &u.why, u.indexes_before))
            .collect();
        assert_eq!(
            unnamed,
            [
                (3, "git+https://h/x.git", &Unnamed::NotWritten, 2),
                (
                    4,
                    "./missing",
                    &Unnamed::Unreadable {
                        dir: "./missing".into(),
                        why: "there is no such directory inside the project".into()
                    },
                    2
                ),
            ]
        );
        // not a file: the user's own command line
        let m = parse(&SourceFile::new(dir.path().join("nope"), text));
        assert!(m.indexes.is_empty(), "{:?}", m.indexes);
    }

    #[test]
    fn given_values_are_read_as_given() {
        // inside this repository, which bounds the includes of a source that is no file
        let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
        std::fs::create_dir_all(&target).unwrap();
        let dir = tempfile::tempdir_in(target).unwrap();
        let file = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path.to_str().unwrap().to_owned()
        };
        // names a file would read otherwise: a comment, a variable, quotes, a backslash
        let hash = file("req #1.txt", "reqeusts==1.0\n");
        let dollar = file("${HOME}'s \"q\"\\.txt", "-c c#2.txt\n");
        file("c#2.txt", "urllib4<2\n");
        let home = |_: &str| Some("elsewhere".to_owned());
        let given = [
            Given::Option {
                option: PipOption::Requirement,
                spelled: "-r",
                value: &hash,
            },
            Given::Option {
                option: PipOption::Requirement,
                spelled: "-r",
                value: &dollar,
            },
            Given::Option {
                option: PipOption::IndexUrl,
                spelled: "--index-url",
                value: "https://x/${HOME}/#",
            },
            Given::Requirement("foo @ https://x/foo-1.0.tar.gz #x"),
        ];
        let lines = GivenLines::new("<command line>", &given).unwrap();
        assert_eq!(
            lines.src.text,
            format!(
                "-r {hash}\n-r {dollar}\n--index-url https://x/${{HOME}}/#\nfoo @ https://x/foo-1.0.tar.gz #x\n"
            )
        );
        let m = build_given(&lines, Reader::with_env(&home).within(dir.path()));
        let read: Vec<(&str, &str, u32, u32)> = m
            .dependencies
            .iter()
            .map(|d| (&*d.name, &*d.file, d.line, d.column))
            .collect();
        let shown = |p: &str| display_path(Path::new(p));
        let (hash, c2) = (shown(&hash), shown(&file("c#2.txt", "urllib4<2\n")));
        assert_eq!(
            read,
            [
                ("reqeusts", hash.as_str(), 1, 1),
                ("urllib4", c2.as_str(), 1, 1),
            ]
        );
        // the requirement as given: PEP 508 reads ` #x` as more than its URL
        assert_eq!(m.findings.len(), 1, "{:?}", m.findings);
        assert_eq!(m.findings[0].rule, Rule::InvalidRequirement);
        assert_eq!((m.findings[0].line, m.findings[0].column), (4, 32));
        assert_eq!(m.indexes.len(), 1);
        assert_eq!(m.indexes[0].url, "https://x/${HOME}/#");
        assert_eq!(m.indexes[0].line, 3);
        assert!(m.dependencies.iter().all(|d| d.private_index));
    }

    /// A command line has no comments: an argument holding `# squatguard: ignore` is not one,
    /// as the same line in a file would be.
    #[test]
    fn given_values_hold_no_ignore_comment() {
        let given = [Given::Requirement("reqeusts  # squatguard: ignore")];
        let lines = GivenLines::new("<command line>", &given).unwrap();
        assert_eq!(lines.src.inline_ignore(1), None);
        let file = SourceFile::with_python_lines("r.txt", lines.src.text.as_str());
        assert!(file.inline_ignore(1).is_some());
        let none = |_: &str| None;
        let m = build_given(&lines, Reader::with_env(&none));
        assert!(m.findings.iter().all(|f| f.inline_ignore.is_none()));
        assert_eq!(m.findings.len(), 1, "{:?}", m.findings);
    }

    #[test]
    fn given_values_that_a_line_cannot_show_are_refused() {
        for value in ["a\nb", "a\rb", "a\u{2028}b", "\u{feff}a", "a\tb"] {
            let given = [Given::Requirement("x"), Given::Requirement(value)];
            assert_eq!(GivenLines::new("<c>", &given).err(), Some(value));
        }
    }

    #[test]
    fn names_from_urls() {
        let name = |t: &str| name_from_location(t).map(|(at, n)| (at, n.into_owned()));
        assert_eq!(
            name("git+https://h/x.git#egg=Foo_Bar"),
            Some((24, "Foo_Bar".into()))
        );
        assert_eq!(
            name("https://h/p/requests-2.31.0-py3-none-any.whl"),
            Some((12, "requests".into()))
        );
        assert_eq!(
            name("./dist/my-pkg-1.0.tar.gz").map(|x| x.1),
            Some("my-pkg".into())
        );
        assert_eq!(name("./src/pkg"), None);
        // as pip's Link reads them: `[#&]egg=`, the wheel's file name before `#egg=`, the path
        // percent-decoded twice
        for (text, expected) in [
            (
                "https://example.com/a?xegg=requests&egg=reqeusts",
                "reqeusts",
            ),
            (
                "https://example.com/reqeusts-1.0-py3-none-any.whl#egg=requests",
                "reqeusts",
            ),
            (
                "https://example.com/requests-1.0-py3-none-any.whl%2Freqeusts-1.0-py3-none-any.whl",
                "reqeusts",
            ),
            (
                "https://example.com/re%71eusts-1.0-py3-none-any.whl",
                "reqeusts",
            ),
            (
                "https://example.com/egg=requests/x.tar.gz#egg=reqeusts",
                "reqeusts",
            ),
            (
                "git+https://example.com/r.git?xegg=requests&egg=reqeusts",
                "reqeusts",
            ),
            ("https://h/x.tar.gz#egg=reqeusts==1.0", "reqeusts"),
        ] {
            assert_eq!(name(text).map(|x| x.1).as_deref(), Some(expected), "{text}");
        }
        // a wheel file name pip refuses names nothing
        assert_eq!(name("https://h/reqeusts.whl#egg=requests"), None);
    }

    fn env(name: &str) -> Option<String> {
        (name == "SQG_TOKEN").then(|| "s3cret".to_owned())
    }

    fn read(text: &str) -> Vec<(u32, Option<Statement>, usize)> {
        let mut out = Vec::new();
        read_lines(text, &env, |l| {
            out.push((l.number, l.statement, l.problems.len()))
        });
        out
    }

    #[test]
    fn hidden_lines_are_lines() {
        for sep in [
            "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\u{85}", "\u{2028}", "\u{2029}",
        ] {
            let text = format!("requests==2.32.3  # pinned{sep}colourama==0.1.0");
            let got = read(&text);
            assert_eq!(got.len(), 2, "{sep:?}");
            assert_eq!(got[1].0, 2);
            match &got[1].1 {
                Some(Statement::Requirement { requirement, .. }) => {
                    assert_eq!(requirement, "colourama==0.1.0")
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn spans_map_through_expansion() {
        let text = "--index-url https://${SQG_TOKEN}@h/simple\n";
        let mut seen = false;
        read_lines(text, &env, |l| {
            let Some(Statement::Options(o)) = &l.statement else {
                panic!()
            };
            assert_eq!(o[0].value.as_deref(), Some("https://s3cret@h/simple"));
            assert_eq!(
                &text[l.file_range(o[0].value_span.clone())],
                "https://${SQG_TOKEN}@h/simple"
            );
            seen = true;
        });
        assert!(seen);
    }

    #[test]
    fn line_numbers_are_pips() {
        let src = SourceFile::new("r.txt", "a==1\rbad line -x\nreqeusts\n");
        let m = parse(&src);
        assert_eq!(m.findings[0].line, 2);
        assert_eq!(m.dependencies[1].line, 3);
        assert_eq!(&src.text[m.dependencies[1].name_span.clone()], "reqeusts");
    }

    #[test]
    fn a_foreign_cookie_stops_the_reading() {
        let src = SourceFile::new("r.txt", "# -*- coding: utf-7 -*-\nrequests\n");
        let m = parse(&src);
        assert!(m.dependencies.is_empty());
        assert_eq!(m.findings.len(), 1);
        assert_eq!(m.findings[0].severity, Severity::Error);
        assert!(
            m.findings[0].message.contains("utf-7"),
            "{}",
            m.findings[0].message
        );
    }
}
