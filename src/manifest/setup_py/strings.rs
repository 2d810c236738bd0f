//! Python's `str` rules that setuptools' readers rely on, and setuptools' own requirement-line
//! rules, shared by the `setup.py`, `setup.cfg` and `[tool.setuptools.dynamic]` readers.
//!
//! - [`is_space`]: `str.isspace()` and the `\s` of `re` on `str`, which `str.strip()`,
//!   configparser's indentation (`\S`) and comment tests use: Unicode's `White_Space` and the
//!   separators `\x1c`..`\x1f`.
//! - [`split_lines`]: `str.splitlines()`: `\n`, `\r\n`, `\r`, `\v`, `\f`, `\x1c`, `\x1d`, `\x1e`,
//!   `\x85`, U+2028 and U+2029.
//! - [`requirement_lines`]: what `setuptools._reqs.parse_strings` (vendored `jaraco.text`) makes
//!   of a list of strings before `packaging` parses each: `yield_lines` (each string split with
//!   `splitlines()`, each line stripped, blank lines and lines starting with `#` dropped), then
//!   `drop_comment` (everything from the first ` #`), then `join_continuation` (a line ending in
//!   `\` loses that backslash and the character before it, is stripped, and has the next line
//!   appended; a continuation with no next line ends the list there).
//!
//! The real readers these must agree with are CPython's `str` methods and setuptools'
//! `_reqs.parse_strings`; `tests/differential.rs` compares them over generated inputs.

use std::ops::Range;

/// Python's `str.isspace()` for one character.
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// `range` of `text` without the Python whitespace at either end.
pub(crate) fn strip_range(text: &str, range: Range<usize>) -> Range<usize> {
    let piece = &text[range.clone()];
    let start = range.start + (piece.len() - piece.trim_start_matches(is_space).len());
    let end = start + piece.trim_matches(is_space).len();
    start..end
}

/// Line ranges of `text` as Python's `str.splitlines()` cuts them.
pub(crate) fn split_lines(text: &str) -> Vec<(usize, usize)> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let breaks = matches!(
            c,
            '\n' | '\r'
                | '\x0b'
                | '\x0c'
                | '\x1c'
                | '\x1d'
                | '\x1e'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if !breaks {
            continue;
        }
        lines.push((start, i));
        let mut next = i + c.len_utf8();
        if c == '\r' && iter.peek().is_some_and(|&(_, n)| n == '\n') {
            iter.next();
            next += 1;
        }
        start = next;
    }
    if start < text.len() {
        lines.push((start, text.len()));
    }
    lines
}

/// One requirement as `setuptools._reqs.parse_strings` yields it: bytes `range` of the text,
/// or, when continuation lines were joined, the joined text (`range` then starts at its first
/// line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReqLine {
    pub(crate) range: Range<usize>,
    pub(crate) joined: Option<String>,
}

impl ReqLine {
    /// The requirement's text.
    pub(crate) fn text<'a>(&'a self, text: &'a str) -> &'a str {
        self.joined.as_deref().unwrap_or(&text[self.range.clone()])
    }
}

/// The requirements setuptools reads from the strings at `items` of `text`, and the line a
/// continuation left dangling at the end (setuptools drops it, and stops there).
pub(crate) fn requirement_lines(
    text: &str,
    items: impl IntoIterator<Item = Range<usize>>,
) -> (Vec<ReqLine>, Option<ReqLine>) {
    // yield_lines, then drop_comment
    let mut lines = Vec::new();
    for item in items {
        for (start, end) in split_lines(&text[item.clone()]) {
            let line = strip_range(text, item.start + start..item.start + end);
            let body = &text[line.clone()];
            if body.is_empty() || body.starts_with('#') {
                continue;
            }
            let end = body.find(" #").map_or(line.end, |p| line.start + p);
            lines.push(line.start..end);
        }
    }
    // join_continuation
    let mut out = Vec::new();
    let mut lines = lines.into_iter();
    while let Some(first) = lines.next() {
        let mut item = ReqLine {
            range: first,
            joined: None,
        };
        while item.text(text).ends_with('\\') {
            let current = item.text(text);
            let mut cut = current.len() - 1;
            if let Some(c) = current[..cut].chars().next_back() {
                cut -= c.len_utf8();
            }
            let kept = current[..cut].trim_matches(is_space).to_owned();
            let Some(next) = lines.next() else {
                return (out, Some(item));
            };
            item.range.end = next.end;
            item.joined = Some(kept + &text[next]);
        }
        out.push(item);
    }
    (out, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> (Vec<String>, Option<String>) {
        let (got, dangling) = requirement_lines(text, std::iter::once(0..text.len()));
        (
            got.iter().map(|l| l.text(text).to_owned()).collect(),
            dangling.map(|l| l.text(text).to_owned()),
        )
    }

    #[test]
    fn as_jaraco_text_reads_them() {
        assert_eq!(
            lines("a\x0bb\u{2028} # c\nd # e\r\nf\t#g"),
            (
                vec!["a".into(), "b".into(), "d".into(), "f\t#g".into()],
                None
            )
        );
        assert_eq!(
            lines("b>=1\\\n c\n x \\\n\\\n y\nz \\"),
            (vec!["b>=c".into(), "y".into()], Some("z \\".into()))
        );
        assert!(is_space('\x1f') && is_space('\u{3000}') && !is_space('\u{200b}'));
    }
}
