//! setuptools' own requirement-line rules, shared by the `setup.py`, `setup.cfg` and
//! `[tool.setuptools.dynamic]` readers. The `str` rules they rely on (`str.isspace()`, which
//! `str.strip()` and configparser's indentation (`\S`) and comment tests use, and
//! `str.splitlines()`) are [`crate::python_text`]'s.
//!
//! - [`requirement_lines`]: what `setuptools._reqs.parse_strings` (vendored `jaraco.text`) makes
//!   of a list of strings before `packaging` parses each: `yield_lines` (each string split with
//!   `splitlines()`, each line stripped, blank lines and lines starting with `#` dropped), then
//!   `drop_comment` (everything from the first ` #`), then `join_continuation` (a line ending in
//!   `\` loses that backslash and the character before it, is stripped, and has the next line
//!   appended; a continuation with no next line ends the list there).
//!
//! The real reader this must agree with is setuptools' `_reqs.parse_strings`;
//! `tests/differential.rs` compares them over generated inputs.

use crate::python_text::{is_space, splitlines, strip_range};
use std::ops::Range;

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
        for (line, _) in splitlines(&text[item.clone()]) {
            let line = strip_range(text, item.start + line.start..item.start + line.end);
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
    }
}
