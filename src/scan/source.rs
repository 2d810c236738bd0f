//! A Python source file's bytes turned into the text Python reads, before anything looks at it.
//!
//! Grammar read, and the reader it must agree with: CPython's tokenizer (`Parser/tokenizer.c`,
//! and `Lib/tokenize.py`'s `detect_encoding`, which mirrors it):
//!
//! - **Encoding** (PEP 263, PEP 3120): a UTF-8 byte order mark, then a coding cookie
//!   `^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)` on the first line, or on the second when the first
//!   is blank or a comment (lines ended as the interpreter ends them, a lone `\r` too). The
//!   default is UTF-8. Names are matched as CPython does (`get_normal_name`, then the codec's
//!   aliases): [`crate::python_text`] holds the cookie grammar and the look-up the `setup.py`
//!   reader shares. UTF-8, ASCII and Latin-1 (with their aliases) are decoded; any other cookie
//!   (`utf-7`, `utf-16`, `rot13`, legacy code pages) makes Python read text that is not what an
//!   editor shows, so it is reported (`obfuscation`, an error) and the file is still read as
//!   UTF-8, so nothing in it passes unread.
//! - **Lines**: `\n`, `\r\n` and a lone `\r` each end a line (Python reads source files with
//!   universal newlines). A lone `\r` is replaced by `\n` here, byte for byte, so offsets do not
//!   move and `# c\rexec(x)` is two lines to tree-sitter and to the reported line numbers, as it
//!   is to Python.
//! - **Identifiers** (PEP 3131): Python NFKC-normalises every non-ASCII identifier, so
//!   `𝐞𝐱𝐞𝐜` is `exec`. [`Normalised`] holds the text with such identifiers rewritten and an
//!   offset map back to [`PySource::text`]; [`crate::scan::python`] finds the identifiers (it
//!   has the syntax tree) and parses the rewritten text.
//!
//! `src/manifest/setup_py/` has a reader of its own for `setup.py` as a manifest; this one serves
//! the code scan (each module keeps to its own consumer).

use crate::python_text::{
    tokenizer_codec, tokenizer_cookie, tokenizer_reads_second_line, universal_newlines, Codec,
    KEYWORDS,
};
use std::borrow::Cow;
use std::ops::Range;
use unicode_normalization::UnicodeNormalization;

/// A Python file's text as Python reads it.
#[derive(Debug, Clone)]
pub struct PySource {
    /// Decoded by its cookie, byte order mark dropped, every lone `\r` made a `\n`.
    pub text: String,
    /// A cookie naming an encoding other than UTF-8, ASCII or Latin-1: where it is in `text`
    /// (its line) and the encoding it names.
    pub foreign_cookie: Option<(Range<usize>, String)>,
}

/// How an encoding named by a cookie is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Latin1,
    /// Anything else: Python decodes with a codec whose output an editor would not show.
    Foreign,
}

/// Decodes `bytes` as Python would read them from a file.
pub fn decode(bytes: &[u8]) -> PySource {
    let (bom, body) = match bytes.strip_prefix(b"\xef\xbb\xbf") {
        Some(rest) => (true, rest),
        None => (false, bytes),
    };
    let cookie = find_cookie(body);
    let encoding = match &cookie {
        Some((_, name)) => classify(name),
        None => Encoding::Utf8,
    };
    // a byte order mark with another cookie is a SyntaxError in Python: read as UTF-8
    let encoding = if bom && encoding == Encoding::Latin1 {
        Encoding::Foreign
    } else {
        encoding
    };
    let text = match encoding {
        Encoding::Latin1 => body.iter().map(|&b| char::from(b)).collect(),
        Encoding::Utf8 | Encoding::Foreign => String::from_utf8_lossy(body).into_owned(),
    };
    let text = universal_newlines(&text).unwrap_or(text);
    let foreign_cookie = match (encoding, cookie) {
        (Encoding::Foreign, Some((line, name))) => {
            let range = nth_line(&text, line);
            Some((range, name))
        }
        _ => None,
    };
    PySource {
        text,
        foreign_cookie,
    }
}

/// The byte range of line `n` (0-based) of `text`, without its terminator.
fn nth_line(text: &str, n: usize) -> Range<usize> {
    let mut start = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i == n {
            return start..start + line.trim_end_matches(['\r', '\n']).len();
        }
        start += line.len();
    }
    start..start
}

/// The first two lines of `body` (universal newlines), as bytes.
fn first_lines(body: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = body;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .unwrap_or(rest.len());
        let line = &rest[..end];
        let skip = match (rest.get(end), rest.get(end + 1)) {
            (Some(b'\r'), Some(b'\n')) => 2,
            (Some(_), _) => 1,
            (None, _) => 0,
        };
        rest = &rest[end + skip..];
        Some(line)
    })
    .take(2)
}

/// The coding cookie: its line (0 or 1) and the encoding it names.
fn find_cookie(body: &[u8]) -> Option<(usize, String)> {
    for (i, line) in first_lines(body).enumerate() {
        if let Some((_, name)) = tokenizer_cookie(line) {
            return Some((i, String::from_utf8_lossy(name).into_owned()));
        }
        // the second line counts only after a blank or comment-only first line
        if !tokenizer_reads_second_line(line) {
            return None;
        }
    }
    None
}

/// How Python reads the encoding `name` (the tokenizer's `get_normal_name`, then
/// `codecs.lookup`): ASCII is read as UTF-8, which decodes ASCII the same.
fn classify(name: &str) -> Encoding {
    match tokenizer_codec(name) {
        Codec::Utf8 | Codec::Ascii => Encoding::Utf8,
        Codec::Latin1 => Encoding::Latin1,
        Codec::Other => Encoding::Foreign,
    }
}

/// An identifier as Python compares it: NFKC-normalised when it is not ASCII.
pub fn identifier(name: &str) -> Cow<'_, str> {
    if name.is_ascii() {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(name.nfkc().collect())
    }
}

/// Text with its non-ASCII identifiers NFKC-normalised, and the way back to the original
/// offsets.
#[derive(Debug, Clone, Default)]
pub struct Normalised {
    pub text: String,
    /// Rewritten spans, in order: (range in `text`, range in the original).
    spans: Vec<(Range<usize>, Range<usize>)>,
}

impl Normalised {
    /// Rewrites the identifiers at `ranges` (sorted, disjoint, into `original`) to their NFKC
    /// form; `None` when none changes.
    pub fn rewrite(original: &str, ranges: &[Range<usize>]) -> Option<Normalised> {
        let mut out = Normalised {
            text: String::with_capacity(original.len()),
            spans: Vec::new(),
        };
        let mut copied = 0;
        for r in ranges {
            let Some(name) = original.get(r.clone()) else {
                continue;
            };
            let norm = identifier(name);
            if norm == name || KEYWORDS.contains(&norm.as_ref()) || r.start < copied {
                continue;
            }
            out.text.push_str(&original[copied..r.start]);
            let at = out.text.len();
            out.text.push_str(&norm);
            out.spans.push((at..out.text.len(), r.clone()));
            copied = r.end;
        }
        if out.spans.is_empty() {
            return None;
        }
        out.text.push_str(&original[copied..]);
        Some(out)
    }

    /// The original offset of `offset` in [`Self::text`]: inside a rewritten identifier, its
    /// start (or as far in as the original goes).
    pub fn original(&self, offset: usize) -> usize {
        let i = self.spans.partition_point(|(new, _)| new.start <= offset);
        let Some((new, old)) = i.checked_sub(1).map(|i| &self.spans[i]) else {
            return offset;
        };
        if offset < new.end {
            old.start + (offset - new.start).min(old.len())
        } else {
            offset - new.end + old.end
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_decide_the_encoding() {
        let latin = decode(b"# -*- coding: latin-1 -*-\nx = '\xe9'\n");
        assert_eq!(latin.text, "# -*- coding: latin-1 -*-\nx = '\u{e9}'\n");
        assert!(latin.foreign_cookie.is_none());
        // second line after a comment; an alias Python knows
        let ascii = decode(b"#!/usr/bin/env python\n# vim: set fileencoding=US-ASCII :\n");
        assert!(ascii.foreign_cookie.is_none());
        let utf7 = decode(b"#!/usr/bin/env python\n# -*- coding: utf-7 -*-\n+AGU-xec\n");
        let (range, name) = utf7.foreign_cookie.unwrap();
        assert_eq!(name, "utf-7");
        assert_eq!(&utf7.text[range], "# -*- coding: utf-7 -*-");
        // code on the first line: a cookie on the second does not count
        assert!(decode(b"x = 1\n# coding: utf-16\n")
            .foreign_cookie
            .is_none());
        // a cookie must be in a comment
        assert!(decode(b"s = 'coding: cp1252'\n").foreign_cookie.is_none());
        assert!(decode(b"\xef\xbb\xbf# coding: cp1252\n")
            .foreign_cookie
            .is_some());
        assert!(decode(b"# coding=utf_8_sig\n").foreign_cookie.is_none());
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        let s = decode(b"# c\rexec(x)\r\ny = 1\r");
        assert_eq!(s.text, "# c\nexec(x)\r\ny = 1\n");
        // a cookie after a lone \r is on the second line
        assert!(decode(b"#!python\r# coding: rot13\r")
            .foreign_cookie
            .is_some());
    }

    #[test]
    fn identifiers_are_nfkc_normalised_with_a_map_back() {
        let original = "𝐞𝐱𝐞𝐜(x); 𝐢𝐦𝐩𝐨𝐫𝐭 = 1";
        let exec = 0.."𝐞𝐱𝐞𝐜".len();
        let imp_start = original.find('𝐢').unwrap();
        let imp = imp_start..imp_start + "𝐢𝐦𝐩𝐨𝐫𝐭".len();
        let n = Normalised::rewrite(original, &[exec, imp]).unwrap();
        // a keyword stays the name it is to Python
        assert_eq!(n.text, "exec(x); 𝐢𝐦𝐩𝐨𝐫𝐭 = 1");
        assert_eq!(n.original(0), 0);
        assert_eq!(n.original(4), "𝐞𝐱𝐞𝐜".len());
        assert_eq!(n.original(n.text.find('𝐢').unwrap()), imp_start);
        let ascii = vec![std::ops::Range { start: 0, end: 4 }];
        assert!(Normalised::rewrite("exec(x)", &ascii).is_none());
    }
}
