//! `squatguard: ignore[rule, ...]` comments: where a file's format puts the comment of a line,
//! and what a comment that holds the directive suppresses.
//!
//! A line's comment is found as the file's own reader finds it, on the whole line (never on the
//! window of a long line that a finding shows), when the finding is made and its file is at
//! hand ([`crate::source::SourceFile::inline_ignore`]); the finding carries the result
//! ([`crate::finding::Finding::inline_ignore`]) and [`crate::finish`] decides whether to honour
//! it. Text inside a string, a URL or a requirement is never a comment:
//!
//! - requirements files: pip's `COMMENT_RE` `(^|\s+)#.*$`, a `#` at the line's start or after
//!   whitespace (`pkg @ https://h/x.whl#squatguard: ignore` has no comment);
//! - TOML (`pyproject.toml`, `Pipfile`, other `.toml` files): a `#` outside any string, multi-line
//!   strings followed from line to line;
//! - Python (`setup.py`, code): a `#` outside any string literal, as CPython's tokenizer reads
//!   one; in inline script metadata (TOML in Python comments), the TOML comment of that line
//!   within the Python comment;
//! - `setup.cfg`: what setuptools drops from a requirement line, from its first ` #`
//!   (`_reqs.parse_strings`); `configparser` itself has no inline comments.
//!
//! Other formats (JSON, lock files) have no comments here: nothing on their lines suppresses.

use crate::finding::Rule;
use std::ops::Range;
use std::path::Path;

/// The directive, in a comment.
pub const DIRECTIVE: &str = "squatguard: ignore";

/// How a file's format writes a comment: which part of a line is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comments {
    /// No comments known (JSON, a list, a format not read here).
    None,
    /// pip's requirements files.
    Pip,
    /// TOML.
    Toml,
    /// Python source.
    Python,
    /// Inline script metadata: TOML in Python comments, so the TOML comment within a Python
    /// comment.
    Script,
    /// A requirement line of `setup.cfg`.
    SetupCfg,
}

impl Comments {
    /// The grammar a file's name implies, for files no reader has named one for: `.py` is
    /// Python, `.toml` and `Pipfile` TOML, `.cfg` setup.cfg's; anything else none.
    pub fn for_path(path: &Path) -> Comments {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext.eq_ignore_ascii_case("py") || ext.eq_ignore_ascii_case("pyw") {
            Comments::Python
        } else if ext.eq_ignore_ascii_case("toml") || name == "Pipfile" {
            Comments::Toml
        } else if ext.eq_ignore_ascii_case("cfg") {
            Comments::SetupCfg
        } else {
            Comments::None
        }
    }

    /// Byte ranges of the comments of `text`, in order; `lines` are its lines (start offset and
    /// text without the line ending), which the line-based grammars read.
    pub fn spans<'a>(
        self,
        text: &str,
        lines: impl Iterator<Item = (usize, &'a str)>,
    ) -> Vec<Range<usize>> {
        let in_line = |find: fn(&str) -> Option<usize>| {
            lines
                .filter_map(|(start, line)| find(line).map(|at| start + at..start + line.len()))
                .collect()
        };
        match self {
            Comments::None => Vec::new(),
            Comments::Pip => in_line(crate::manifest::requirements_txt::comment_start),
            Comments::SetupCfg => in_line(|line| line.find(" #").map(|at| at + 1)),
            Comments::Toml => lexed(text, true),
            Comments::Python => lexed(text, false),
            Comments::Script => (lexed(text, false).into_iter())
                .flat_map(|py| {
                    let body = py.start + 1;
                    let inner = lexed(&text[body..py.end], true);
                    inner.into_iter().map(move |r| body + r.start..body + r.end)
                })
                .collect(),
        }
    }
}

/// The comments of TOML (`toml`) or Python source: each `#` outside a string, to the end of its
/// line. Strings are `"`/`'`, or tripled, which go on across lines; a backslash escapes the next
/// byte except in TOML's `'` strings. A single-quoted string ends at the line's end, closed or
/// not (an error either reader reports; what follows is read as code again).
fn lexed(text: &str, toml: bool) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let eol = |i: usize| -> usize {
        b[i..]
            .iter()
            .position(|&c| c == b'\n' || c == b'\r')
            .map_or(b.len(), |p| i + p)
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let q = b[i];
        if q == b'#' {
            let end = eol(i);
            out.push(i..end);
            i = end;
            continue;
        }
        if q != b'"' && q != b'\'' {
            i += 1;
            continue;
        }
        let escapes = !(toml && q == b'\'');
        let triple = b[i..].starts_with(&[q, q, q]);
        i += if triple { 3 } else { 1 };
        while i < b.len() {
            let c = b[i];
            if c == b'\\' && escapes {
                // a backslash before `\r\n` continues the string as one before `\n` does
                // (Python reads the file with universal newlines)
                i += if b[i + 1..].starts_with(b"\r\n") {
                    3
                } else {
                    2
                };
            } else if triple && b[i..].starts_with(&[q, q, q]) {
                i += 3;
                // TOML: up to two more quotes belong to the string (`"""a""""`)
                let mut extra = 0;
                while toml && extra < 2 && b.get(i) == Some(&q) {
                    i += 1;
                    extra += 1;
                }
                break;
            } else if !triple && c == q {
                i += 1;
                break;
            } else if !triple && (c == b'\n' || c == b'\r') {
                break;
            } else {
                i += 1;
            }
        }
    }
    out
}

/// What a `squatguard: ignore` comment suppresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InlineIgnore {
    /// `squatguard: ignore`: every rule on the line.
    All,
    /// `squatguard: ignore[typosquat, SG103]`: the rules named (names or codes; an unknown one
    /// names nothing).
    Rules(Box<[Rule]>),
}

impl InlineIgnore {
    /// The directive in `comment` (the comment's text), if it holds one.
    pub fn parse(comment: &str) -> Option<InlineIgnore> {
        let at = comment.find(DIRECTIVE)?;
        let rest = &comment[at + DIRECTIVE.len()..];
        Some(match rest.strip_prefix('[') {
            Some(list) => InlineIgnore::Rules(
                (list.split(']').next().unwrap_or("").split(','))
                    .filter_map(|r| r.trim().parse::<Rule>().ok())
                    .collect(),
            ),
            None => InlineIgnore::All,
        })
    }

    /// The directive in the comment of `line` (one line's text), as `comments` finds it.
    pub fn in_line(comments: Comments, line: &str) -> Option<InlineIgnore> {
        let spans = comments.spans(line, std::iter::once((0, line)));
        InlineIgnore::parse(&line[spans.first()?.clone()])
    }

    /// Whether it suppresses `rule`.
    pub fn covers(&self, rule: Rule) -> bool {
        match self {
            InlineIgnore::All => true,
            InlineIgnore::Rules(rules) => rules.contains(&rule),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comments(grammar: Comments, text: &str) -> Vec<&str> {
        let mut start = 0;
        let lines = text.split('\n').map(|l| {
            let at = start;
            start += l.len() + 1;
            (at, l)
        });
        let spans = grammar.spans(text, lines.collect::<Vec<_>>().into_iter());
        spans.into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn a_comment_is_what_the_format_calls_one() {
        let pip = "a  # one\nb @ https://h/x.whl#two\n# three\nc\t#four";
        assert_eq!(comments(Comments::Pip, pip), ["# one", "# three", "#four"]);
        let cfg = "a  # one\nb @ https://h/x.whl#two\n\tc\t#three";
        assert_eq!(comments(Comments::SetupCfg, cfg), ["# one"]);
        let toml =
            "a = [\"x # no\", 'y\\' # one\n\"\"\"\n# no\n\"\"\"\" # two\n'''\\''' # three\n]";
        assert_eq!(
            comments(Comments::Toml, toml),
            ["# one", "# two", "# three"]
        );
        let py =
            "x = ['a # no', \"b\\\" # no\"]  # one\ns = '''\n# no\n''' # two\nr'\\' # no' # three";
        assert_eq!(
            comments(Comments::Python, py),
            ["# one", "# two", "# three"]
        );
        let script =
            "# /// script\n# dependencies = [\"x @ https://h/x.whl#no\", # one\n#   'y', # two\n";
        assert_eq!(comments(Comments::Script, script), ["# one", "# two"]);
        assert!(comments(Comments::None, "a # b").is_empty());
    }

    /// Each reader finds the comment on the whole line, however far past the window a finding
    /// shows, and never in a string or a URL.
    #[test]
    fn each_reader_finds_the_comment_of_the_whole_line() {
        use crate::manifest::{parse, ManifestKind};
        use crate::source::{SourceFile, SNIPPET_MAX};
        let long = format!(
            "colourama ; {}python_version >= '3'",
            "platform_system != 'x' and ".repeat(12)
        );
        let cases = [
            (
                ManifestKind::Requirements,
                "requirements.txt",
                format!("{long}  # squatguard: ignore\nreqeusts @ https://h/x.whl#squatguard: ignore\n"),
            ),
            (
                ManifestKind::Pyproject,
                "pyproject.toml",
                format!("[project]\nname = \"d\"\ndependencies = [\n  \"{long}\",  # squatguard: ignore\n  \"reqeusts ; python_version >= '3' # squatguard: ignore\",\n]\n"),
            ),
            (
                ManifestKind::SetupPy,
                "setup.py",
                format!("from setuptools import setup\nsetup(install_requires=[\"{long}\",  # squatguard: ignore\n    \"reqeusts\", \"#squatguard: ignore\"])\n"),
            ),
            (
                ManifestKind::SetupCfg,
                "setup.cfg",
                format!("[options]\ninstall_requires =\n    {long}  # squatguard: ignore\n    reqeusts @ https://h/x.whl#squatguard: ignore\n"),
            ),
        ];
        for (kind, name, text) in cases {
            let src = SourceFile::new(name, text);
            let m = parse(&src, kind);
            let colourama = m
                .dependencies
                .iter()
                .find(|d| d.name.as_str() == "colourama");
            let colourama = colourama.unwrap_or_else(|| panic!("{name}: {m:#?}"));
            assert!(
                src.line_text(colourama.line).len() > SNIPPET_MAX + 60,
                "{name}"
            );
            assert!(
                !colourama.snippet.contains("squatguard"),
                "{name}: past the window"
            );
            assert_eq!(colourama.inline_ignore, Some(InlineIgnore::All), "{name}");
            let line = colourama.line + 1;
            let on_line = m.dependencies.iter().filter(|d| d.line == line).count()
                + m.findings.iter().filter(|f| f.line == line).count();
            assert!(on_line > 0, "{name}: {m:#?}");
            for d in m.dependencies.iter().filter(|d| d.line == line) {
                assert_eq!(d.inline_ignore, None, "{name}: {d:?}");
            }
            for f in m.findings.iter().filter(|f| f.line == line) {
                assert_eq!(f.inline_ignore, None, "{name}: {f:?}");
            }
            let judged = crate::rules::at_dependency(colourama, Rule::Typosquat, "m");
            assert_eq!(judged.inline_ignore, Some(InlineIgnore::All), "{name}");
        }
    }

    /// Text a reader takes as part of a string is no comment, however the lines around it are
    /// written: a Python string continued by a backslash before `\r\n`, and the TOML of a
    /// script block, whose multi-line string goes on from one `# ` line to the next.
    #[test]
    fn a_string_continued_onto_the_next_line_holds_no_comment() {
        let py = "s = ['x\\\r\n# squatguard: ignore', 'reqeusts']  # one\r\n";
        assert_eq!(comments(Comments::Python, py), ["# one"]);
        use crate::manifest::{parse, ManifestKind};
        use crate::source::SourceFile;
        let text = "# /// script\n# dependencies = [\"\"\"x @ https://h/x.whl\\\n# #squatguard: ignore\"\"\", \"reqeusts\"]  # squatguard: ignore[direct-url]\n# ///\n";
        let m = parse(&SourceFile::new("main.py", text), ManifestKind::Script);
        let dep = |name: &str| m.dependencies.iter().find(|d| d.name.as_str() == name);
        let reqeusts = dep("reqeusts").unwrap_or_else(|| panic!("{m:#?}"));
        let ignore = reqeusts
            .inline_ignore
            .as_ref()
            .unwrap_or_else(|| panic!("{m:#?}"));
        assert!(
            !ignore.covers(Rule::Typosquat),
            "{ignore:?}: a string's text"
        );
        assert!(ignore.covers(Rule::DirectUrl), "the line's comment");
        let x = dep("x").unwrap_or_else(|| panic!("{m:#?}"));
        assert_eq!(x.inline_ignore, None);
    }

    #[test]
    fn the_directive_names_its_rules() {
        let named = InlineIgnore::parse("# squatguard: ignore[typosquat, SG103] test double");
        let named = named.unwrap();
        assert!(named.covers(Rule::Typosquat) && named.covers(Rule::NotOnPypi));
        assert!(!named.covers(Rule::KnownMalicious), "only the rules named");
        assert_eq!(
            InlineIgnore::parse("# squatguard: ignore"),
            Some(InlineIgnore::All)
        );
        assert!(!InlineIgnore::parse("# squatguard: ignore[nonsense]")
            .unwrap()
            .covers(Rule::Typosquat));
        assert_eq!(InlineIgnore::parse("# noqa"), None);
    }
}
