//! pip requirements files (`requirements.txt`, `constraints.txt`, pip-tools `.in` files).
//!
//! The grammar pip reads, after it joins lines and drops comments:
//!
//! ```text
//! file        = (line '\n')* line?               ; '\n' or '\r\n'; a UTF-8 BOM is ignored
//! line        = physical ('\\' '\n' physical)*   ; a trailing backslash joins the next line
//! comment     = ('^' | whitespace+) '#' any*     ; so `url#egg=name` is not a comment
//! statement   = option+ | requirement req-option*
//! option      = ('-r' | '--requirement') file    ; included, relative to this file
//!             | ('-c' | '--constraint') file     ; included as constraints
//!             | ('-e' | '--editable') (path | url | pep508)
//!             | ('-i' | '--index-url') url | '--extra-index-url' url | '--no-index'
//!             | ('-f' | '--find-links') url | '--trusted-host' host
//!             | '--no-binary' v | '--only-binary' v | '--prefer-binary' | '--pre'
//!             | '--require-hashes' | '--use-feature' v
//! req-option  = '--hash' hash | '--config-settings' kv | '--global-option' v
//! requirement = pep508 | url | path              ; bare URLs and paths name the package
//!                                                ; by `#egg=` or their file name
//! ```
//!
//! Options take their value as `-rfile`, `-r file`, `--requirement=file` or
//! `--requirement file`. `${VAR}` references (upper case, digits, `_`) are expanded from the
//! environment, as pip does, only to parse the line: messages show the line as written, so a
//! token in a URL never reaches a report.
//!
//! Included files are read from disk. A missing or unreadable include, an include cycle
//! (reported with the whole chain), includes nested deeper than [`MAX_DEPTH`], and, inside a
//! git repository, an include that resolves outside it (its lines would reach the report; see
//! [`crate::source::work_tree`]) are `invalid-manifest` errors; a remote include (`-r https://...`) cannot be checked offline and
//! is an `unresolved-dependency` error. An option pip does not know is an
//! `invalid-requirement` error, as it is for pip.
//!
//! `--index-url`, `--extra-index-url`, `--find-links URL` and `--trusted-host` are recorded as
//! index statements (as written, and with variables expanded) for the `index-url` rule.

use super::{
    finding_at, leading_name, names_itself, parse_pep508, Dependency, DependencySource, IndexRole,
    IndexUse, Manifest,
};
use crate::finding::{Rule, Severity};
use crate::source::{display_path, read_source, SourceFile};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// The index URL helpers, which lived here; other modules use [`crate::index_url`].
pub use crate::index_url::{
    is_loopback, is_pypi_index, is_test_pypi_index, lookalike_of_pypi, url_host,
};

/// How deep `-r`/`-c` includes may nest before squatguard stops following them.
pub const MAX_DEPTH: usize = 32;

/// Parses a requirements file and everything it includes.
pub fn parse(src: &SourceFile) -> Manifest {
    let mut parser = Parser {
        manifest: Manifest::default(),
        chain: Vec::new(),
        replaces_pypi: false,
        repository: std::cell::OnceCell::new(),
    };
    parser.file(src, "requirements");
    if parser.replaces_pypi {
        for dep in &mut parser.manifest.dependencies {
            dep.private_index = true;
        }
    }
    parser.manifest
}

struct Parser {
    manifest: Manifest,
    /// Canonical paths of the files being read, outermost first, for cycle detection.
    chain: Vec<(PathBuf, String)>,
    /// An `--index-url` replaced PyPI for the whole set.
    replaces_pypi: bool,
    /// The git work tree of the first file, which includes may not leave; found at the first
    /// include.
    repository: std::cell::OnceCell<Option<PathBuf>>,
}

/// A logical line: the joined text and where each of its pieces starts in the file.
#[derive(Clone)]
struct Logical<'a> {
    /// Borrowed from the file unless continuations were joined.
    text: Cow<'a, str>,
    /// `(start in text, start in file)` of each piece, in order; a piece runs to the next one.
    pieces: Vec<(usize, usize)>,
}

impl<'a> Logical<'a> {
    /// The file offset of byte `i` of the text; past the end, one after its last byte.
    fn offset(&self, i: usize) -> usize {
        if i >= self.text.len() {
            return match self.text.len() {
                0 => 0,
                n => self.offset(n - 1) + 1,
            };
        }
        let piece = self.pieces.partition_point(|&(start, _)| start <= i) - 1;
        let (text_start, file_start) = self.pieces[piece];
        file_start + (i - text_start)
    }

    fn push(&mut self, piece: &'a str, file_start: usize) {
        self.pieces.push((self.text.len(), file_start));
        if self.text.is_empty() {
            self.text = Cow::Borrowed(piece);
        } else {
            self.text.to_mut().push_str(piece);
        }
    }
}

/// Joins `\` continuations as pip's `join_lines` does, keeping a map to the file, and hands
/// each logical line to `f` (one at a time: a large file's lines are never all held at once).
fn each_logical_line<'a>(text: &'a str, mut f: impl FnMut(&Logical<'a>)) {
    let mut cur: Option<Logical> = None;
    let mut pos = 0;
    for raw in text.split_inclusive('\n') {
        let start = pos;
        pos += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let is_comment = line.trim_start().starts_with('#');
        let acc = cur.get_or_insert_with(|| Logical {
            text: Cow::Borrowed(""),
            pieces: Vec::new(),
        });
        if line.ends_with('\\') && !is_comment {
            acc.push(line.trim_end_matches('\\'), start);
            continue;
        }
        if is_comment && !acc.text.is_empty() {
            // pip puts a space before a comment that ends a continuation, so it is dropped
            acc.push(" ", start);
        }
        acc.push(line, start);
        f(acc);
        cur = None;
    }
    if let Some(last) = cur {
        f(&last);
    }
}

/// Byte index where a comment starts: `#` at the start or after whitespace.
fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    (0..bytes.len()).find(|&i| bytes[i] == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()))
}

/// A whitespace-separated token with its byte range in the logical line; simple quotes removed.
#[derive(Debug, Clone)]
struct Token<'a> {
    text: Cow<'a, str>,
    start: usize,
}

fn tokenize(line: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut chars = line.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut end = line.len();
        // a token is copied only once a quote in it has to be removed
        let mut unquoted: Option<String> = None;
        let mut quote: Option<char> = None;
        while let Some(&(i, c)) = chars.peek() {
            match quote {
                Some(q) if c == q => quote = None,
                None if c == '"' || c == '\'' => {
                    unquoted.get_or_insert_with(|| line[start..i].to_owned());
                    quote = Some(c);
                }
                None if c.is_whitespace() => {
                    end = i;
                    break;
                }
                _ => {
                    if let Some(text) = unquoted.as_mut() {
                        text.push(c);
                    }
                }
            }
            chars.next();
        }
        let text = unquoted.map_or(Cow::Borrowed(&line[start..end]), Cow::Owned);
        tokens.push(Token { text, start });
    }
    tokens
}

/// Replaces `${NAME}` with the environment variable's value where it is set.
fn expand_env(text: &str) -> Cow<'_, str> {
    if !text.contains("${") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after.find('}');
        let valid = end.is_some_and(|e| {
            e > 0
                && after[..e]
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        });
        match (end, valid) {
            (Some(e), true) => {
                match std::env::var(&after[..e]) {
                    Ok(value) => out.push_str(&value),
                    Err(_) => out.push_str(&rest[i..i + 3 + e]),
                }
                rest = &after[e + 1..];
            }
            _ => {
                out.push_str("${");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Arity {
    Flag,
    Value,
}

/// pip's requirements-file options: (short, long, takes a value).
const GLOBAL_OPTIONS: &[(Option<&str>, &str, Arity)] = &[
    (Some("-r"), "--requirement", Arity::Value),
    (Some("-c"), "--constraint", Arity::Value),
    (Some("-e"), "--editable", Arity::Value),
    (Some("-i"), "--index-url", Arity::Value),
    (None, "--extra-index-url", Arity::Value),
    (None, "--no-index", Arity::Flag),
    (Some("-f"), "--find-links", Arity::Value),
    (None, "--trusted-host", Arity::Value),
    (None, "--no-binary", Arity::Value),
    (None, "--only-binary", Arity::Value),
    (None, "--prefer-binary", Arity::Flag),
    (None, "--pre", Arity::Flag),
    (None, "--require-hashes", Arity::Flag),
    (None, "--use-feature", Arity::Value),
];

const REQUIREMENT_OPTIONS: &[(Option<&str>, &str, Arity)] = &[
    (None, "--hash", Arity::Value),
    (None, "--config-settings", Arity::Value),
    (None, "--global-option", Arity::Value),
];

/// One option as written: its long name, its value and where each starts in the logical line.
struct Opt {
    long: &'static str,
    value: Option<String>,
    value_start: usize,
}

/// Reads options from `tokens`; stops at the first token that is not an option.
fn read_options(
    tokens: &[Token],
    table: &[(Option<&str>, &'static str, Arity)],
) -> Result<Vec<Opt>, (usize, String)> {
    let mut opts = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let tok = &tokens[i];
        let t = tok.text.as_ref();
        if !t.starts_with('-') {
            return Err((tok.start, format!("unexpected `{t}` after the options")));
        }
        let found = table.iter().find_map(|&(short, long, arity)| {
            if let Some(rest) = t.strip_prefix(long) {
                if rest.is_empty() {
                    return Some((long, arity, None));
                }
                if let Some(v) = rest.strip_prefix('=') {
                    return Some((long, arity, Some((v.to_owned(), long.len() + 1))));
                }
                return None;
            }
            let short = short?;
            let rest = t.strip_prefix(short)?;
            if rest.is_empty() {
                Some((long, arity, None))
            } else if arity == Arity::Value && !rest.starts_with('-') {
                let (v, skip) = match rest.strip_prefix('=') {
                    Some(v) => (v, short.len() + 1),
                    None => (rest, short.len()),
                };
                Some((long, arity, Some((v.to_owned(), skip))))
            } else {
                None
            }
        });
        let Some((long, arity, inline)) = found else {
            let name = t.split('=').next().unwrap_or(t);
            return Err((tok.start, format!("unknown pip option `{name}`")));
        };
        i += 1;
        match (arity, inline) {
            (Arity::Flag, None) => opts.push(Opt {
                long,
                value: None,
                value_start: tok.start,
            }),
            (Arity::Flag, Some(_)) => {
                return Err((tok.start, format!("option `{long}` takes no value")))
            }
            (Arity::Value, Some((v, skip))) => opts.push(Opt {
                long,
                value: Some(v),
                value_start: tok.start + skip,
            }),
            (Arity::Value, None) => {
                let Some(next) = tokens.get(i) else {
                    return Err((tok.start, format!("option `{long}` needs a value")));
                };
                i += 1;
                opts.push(Opt {
                    long,
                    value: Some(next.text.clone().into_owned()),
                    value_start: next.start,
                });
            }
        }
    }
    Ok(opts)
}

impl Parser {
    fn file(&mut self, src: &SourceFile, section: &str) {
        let key = std::fs::canonicalize(&src.path).unwrap_or_else(|_| src.path.clone());
        self.chain.push((key, src.display_path()));
        // at most a dependency a line: one allocation, instead of a large vector grown by copying
        self.manifest.dependencies.reserve(src.line_count());
        each_logical_line(&src.text, |logical| self.line(src, logical, section));
        self.chain.pop();
    }

    fn line(&mut self, src: &SourceFile, logical: &Logical, section: &str) {
        let text = match comment_start(&logical.text) {
            Some(i) => &logical.text[..i],
            None => &logical.text[..],
        };
        if text.trim().is_empty() {
            return;
        }
        let tokens = tokenize(text);
        if tokens.first().is_some_and(|t| t.text.starts_with('-')) {
            match read_options(&tokens, GLOBAL_OPTIONS) {
                Ok(opts) => {
                    for opt in opts {
                        self.global_option(src, logical, &opt, section);
                    }
                }
                Err((at, message)) => self.manifest.findings.push(finding_at(
                    src,
                    Rule::InvalidRequirement,
                    logical.offset(at),
                    message,
                )),
            }
            return;
        }
        // pip: the requirement is every token before the first one that starts with `-`
        let first_opt = tokens.iter().position(|t| t.text.starts_with('-'));
        if let Some(p) = first_opt {
            if let Err((at, message)) = read_options(&tokens[p..], REQUIREMENT_OPTIONS) {
                self.manifest.findings.push(finding_at(
                    src,
                    Rule::InvalidRequirement,
                    logical.offset(at),
                    message,
                ));
            }
        }
        let end = first_opt.map_or(text.len(), |p| tokens[p].start);
        let start = tokens[0].start;
        let req = text[start..end].trim_end();
        self.requirement(src, logical, req, start, section, false);
    }

    fn global_option(&mut self, src: &SourceFile, logical: &Logical, opt: &Opt, section: &str) {
        let at = logical.offset(opt.value_start);
        let value = opt.value.as_deref().unwrap_or("");
        match opt.long {
            "--requirement" => self.include(src, value, at, "requirements"),
            "--constraint" => self.include(src, value, at, "constraints"),
            "--editable" => {
                let section = format!("{section} (editable)");
                self.requirement(src, logical, value, opt.value_start, &section, true)
            }
            "--index-url" => {
                let url = expand_env(value);
                if !is_pypi_index(&url) {
                    self.replaces_pypi = true;
                }
                let written = format!("--index-url {value}");
                let usage = IndexUse::Url(IndexRole::Replaces);
                self.manifest.push_index(src, at, written, url, usage);
            }
            "--extra-index-url" => {
                let written = format!("--extra-index-url {value}");
                let usage = IndexUse::Url(IndexRole::Merged { tool: "pip" });
                self.manifest
                    .push_index(src, at, written, expand_env(value), usage);
            }
            "--find-links" => {
                let url = expand_env(value);
                if url.contains("://") {
                    let written = format!("--find-links {value}");
                    let usage = IndexUse::Url(IndexRole::Links);
                    self.manifest.push_index(src, at, written, url, usage);
                }
            }
            "--trusted-host" => {
                let written = format!("--trusted-host {value}");
                self.manifest
                    .push_index(src, at, written, value, IndexUse::TrustedHost);
            }
            _ => {}
        }
    }

    fn include(&mut self, src: &SourceFile, target: &str, at: usize, section: &str) {
        let option = if section == "constraints" { "-c" } else { "-r" };
        let target_expanded = expand_env(target);
        if target_expanded.contains("://") {
            self.manifest.findings.push(
                finding_at(
                    src,
                    Rule::UnresolvedDependency,
                    at,
                    format!("`{option} {target}` includes a remote file that squatguard cannot check offline"),
                )
                .with_severity(Severity::Error)
                .with_help("vendor the file into the repository and include it by path"),
            );
            return;
        }
        let base = src.path.parent().unwrap_or(Path::new(""));
        let path = base.join(target_expanded.as_ref());
        let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if let Some(pos) = self.chain.iter().position(|(k, _)| *k == key) {
            let mut names: Vec<&str> = self.chain[pos..].iter().map(|(_, n)| n.as_str()).collect();
            let shown = display_path(&path);
            names.push(&shown);
            self.manifest.findings.push(finding_at(
                src,
                Rule::InvalidManifest,
                at,
                format!("include cycle: {}", names.join(" -> ")),
            ));
            return;
        }
        let repository = self.repository.get_or_init(|| {
            self.chain
                .first()
                .and_then(|(first, _)| crate::source::work_tree(first))
        });
        if let (Some(root), Ok(real)) = (repository, std::fs::canonicalize(&path)) {
            if !real.starts_with(root) {
                self.manifest.findings.push(
                    finding_at(
                        src,
                        Rule::InvalidManifest,
                        at,
                        format!(
                            "`{option} {target}` points outside the repository (to `{}`): not read, since the report would show its lines and it could be a secret file; pip would read it",
                            display_path(&real)
                        ),
                    )
                    .with_help("move the file into the repository, or review it and check it by naming it"),
                );
                return;
            }
        }
        if self.chain.len() >= MAX_DEPTH {
            self.manifest.findings.push(finding_at(
                src,
                Rule::InvalidManifest,
                at,
                format!("`{option} {target}`: includes nest deeper than {MAX_DEPTH} files; not followed"),
            ));
            return;
        }
        match read_source(&path) {
            Ok(included) => self.file(&included, section),
            Err(reason) => self.manifest.findings.push(finding_at(
                src,
                Rule::InvalidManifest,
                at,
                format!(
                    "`{option} {target}`: cannot read `{}`: {reason}",
                    display_path(&path)
                ),
            )),
        }
    }

    /// A requirement: PEP 508, or a bare URL or path (`editable` for `-e`).
    fn requirement(
        &mut self,
        src: &SourceFile,
        logical: &Logical,
        written: &str,
        start: usize,
        section: &str,
        editable: bool,
    ) {
        let offset = logical.offset(start);
        let expanded = expand_env(written);
        if is_pep508_form(&expanded) && !editable || names_itself(&expanded) {
            match parse_pep508(src, &expanded, offset, section) {
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
        let source = DependencySource::classify(&expanded);
        match name_from_location(written) {
            Some((name_start, name)) => {
                let mut dep = Dependency::new(src, name, offset + name_start, section);
                dep.source = source;
                self.manifest.dependencies.push(dep);
            }
            None if source.is_project_local() => {}
            None => {
                let what = match source {
                    DependencySource::Vcs(_) => "version control URL",
                    DependencySource::Url(_) => "URL",
                    _ => "local path",
                };
                let mut f = finding_at(
                    src,
                    Rule::DirectUrl,
                    offset,
                    format!("`{written}` installs from a {what} that bypasses the package index; its package name cannot be known without {}", if what == "local path" { "building it" } else { "fetching it" }),
                )
                .with_help("add `#egg=NAME` or write it as `NAME @ URL` so the name can be checked");
                if matches!(source, DependencySource::Path(_)) {
                    f = f.with_severity(Severity::Note);
                }
                self.manifest.findings.push(f);
            }
        }
    }
}

/// True when the text reads as a PEP 508 requirement rather than a URL or path.
fn is_pep508_form(text: &str) -> bool {
    let t = text.trim();
    // pip reads `file:.` and `file:../pkg` as URLs too
    let file_url = t.get(..5).is_some_and(|s| s.eq_ignore_ascii_case("file:"));
    if t.contains("://") || file_url || t.starts_with(['.', '/', '~', '\\']) {
        return false;
    }
    let head = t
        .split([';', '[', '<', '>', '=', '!', '~', ' '])
        .next()
        .unwrap_or(t);
    if head.contains('/') || head.contains('\\') {
        return false;
    }
    let lower = head.to_ascii_lowercase();
    ![
        ".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar",
    ]
    .iter()
    .any(|ext| lower.ends_with(ext))
}

/// The package name a bare URL or path gives: `#egg=NAME`, else a wheel or sdist file name.
/// Returns the name's byte offset in `text` and the name.
fn name_from_location(text: &str) -> Option<(usize, &str)> {
    if let Some(i) = text.find("egg=") {
        let start = i + 4;
        let rest = &text[start..];
        let end = rest.find(['&', ' ', '[', '#']).unwrap_or(rest.len());
        let name = &rest[..end];
        return crate::name::is_valid(name).then_some((start, name));
    }
    let path = text
        .split(['#', '?'])
        .next()
        .unwrap_or(text)
        .trim_end_matches('/');
    let file_start = path.rfind(['/', '\\']).map_or(0, |i| i + 1);
    let file = &path[file_start..];
    let lower = file.to_ascii_lowercase();
    let stem_len = if lower.ends_with(".whl") {
        // wheel: {name}-{version}-...; names use `_` for separators
        file.find('-')?
    } else {
        let ext = [".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar"]
            .iter()
            .find(|ext| lower.ends_with(*ext))?;
        // sdist: {name}-{version}{ext}; the version starts after the last `-`
        file[..file.len() - ext.len()].rfind('-')?
    };
    let name = &file[..stem_len];
    crate::name::is_valid(name).then_some((file_start, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logical_lines(text: &str) -> Vec<Logical<'_>> {
        let mut out = Vec::new();
        each_logical_line(text, |l| out.push(l.clone()));
        out
    }

    #[test]
    fn joins_and_maps_continuations() {
        let lines = logical_lines("req\\\n  uests==1\nnext");
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text, "req  uests==1");
        assert_eq!(lines[0].offset(3), 5);
        assert_eq!(lines[1].text, "next");
    }

    #[test]
    fn every_byte_of_a_logical_line_maps_to_its_byte_in_the_file() {
        for text in [
            "req\\\n  uests==1\nnext",
            "a\\\r\n\\\n\\\nb # c\n",
            "x==1 \\\n# trailing comment\ny",
            "\\\n\\\n",
            "plain\n\nlines\n",
        ] {
            for line in logical_lines(text) {
                for (i, byte) in line.text.bytes().enumerate() {
                    let at = line.offset(i);
                    // the space pip inserts before a comment maps to the comment's line
                    if byte != b' ' || text.as_bytes()[at] == b' ' {
                        assert_eq!(text.as_bytes()[at], byte, "{text:?} byte {i}");
                    }
                }
                if !line.text.is_empty() {
                    assert_eq!(
                        line.offset(line.text.len()),
                        line.offset(line.text.len() - 1) + 1
                    );
                }
            }
        }
    }

    #[test]
    fn comments_need_leading_space() {
        assert_eq!(comment_start("a # b"), Some(2));
        assert_eq!(comment_start("x @ https://h/x#egg=x"), None);
        assert_eq!(comment_start("# all"), Some(0));
    }

    #[test]
    fn names_from_urls() {
        assert_eq!(
            name_from_location("git+https://h/x.git#egg=Foo_Bar"),
            Some((24, "Foo_Bar"))
        );
        assert_eq!(
            name_from_location("https://h/p/requests-2.31.0-py3-none-any.whl").map(|x| x.1),
            Some("requests")
        );
        assert_eq!(
            name_from_location("./dist/my-pkg-1.0.tar.gz").map(|x| x.1),
            Some("my-pkg")
        );
        assert_eq!(name_from_location("./src/pkg"), None);
    }

    #[test]
    fn env_expansion_only_for_set_upper_case_names() {
        std::env::set_var("SQUATGUARD_TEST_TOKEN", "s3cret");
        assert_eq!(expand_env("x${SQUATGUARD_TEST_TOKEN}y"), "xs3crety");
        assert_eq!(
            expand_env("${SQUATGUARD_UNSET_VAR_X}"),
            "${SQUATGUARD_UNSET_VAR_X}"
        );
        assert_eq!(expand_env("${lower}"), "${lower}");
    }
}
