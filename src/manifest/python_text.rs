//! Text as Python reads it: the helpers that let a reader of a Python tool's file format
//! (pip's requirements files, and any other reader that must agree with CPython) see the same
//! characters and lines as that tool.
//!
//! Each function names the Python behaviour it matches (CPython 3.8 and later; checked against
//! the real one by `tests/pip_differential.rs` for pip's requirements files):
//!
//! - [`is_space`]: `str.isspace()`, which is also what `\s` matches in a `str` regular
//!   expression and what `str.strip()` removes;
//! - [`strip`]: `str.strip()` with no argument;
//! - [`splitlines`] and [`line_starts`]: `str.splitlines()`, which ends a line at `\n`, `\r\n`,
//!   `\r`, `\v`, `\f`, `\x1c`, `\x1d`, `\x1e`, `\x85`, U+2028 and U+2029;
//! - [`pip_coding_cookie`]: the PEP 263 look-up of pip's `auto_decode`
//!   (`pip/_internal/utils/encoding.py`): the first two `\n`-separated lines, a line starting
//!   with `#`, the regular expression `coding[:=]\s*([-\w.]+)`;
//! - [`codec_of`]: how `bytes.decode(name)` finds a codec (`codecs.lookup`: lower case, then
//!   `encodings.normalize_encoding` and the alias table), for the two codecs squatguard reads,
//!   UTF-8 and ASCII;
//! - [`decode_pip`]: pip's `auto_decode` as a whole, refusing what it would decode with any
//!   other codec than UTF-8 or ASCII (UTF-16 and UTF-32 byte order marks, any other cookie), and
//!   what Python would fail to decode.

use std::ops::Range;

/// Python's `str.isspace()`: Unicode `White_Space`, and the information separators
/// `\x1c`-`\x1f`, which Python counts as whitespace (bidirectional class B or S) and Rust does not.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Python's `str.strip()`: [`is_space`] characters removed from both ends.
pub fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// Whether `c` ends a line for Python's `str.splitlines()` (`\r\n` counts as one ending).
pub fn is_line_break(c: char) -> bool {
    matches!(
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
    )
}

/// Python's `str.splitlines()`: each line as the byte range of its text (without the line
/// ending) and the offset where the next line starts. No empty last line after a final line
/// ending, as in Python.
pub fn splitlines(text: &str) -> impl Iterator<Item = (Range<usize>, usize)> + '_ {
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos >= text.len() {
            return None;
        }
        let start = pos;
        let rest = &text[start..];
        match rest.char_indices().find(|&(_, c)| is_line_break(c)) {
            Some((i, c)) => {
                let mut next = start + i + c.len_utf8();
                if c == '\r' && text.as_bytes().get(next) == Some(&b'\n') {
                    next += 1;
                }
                pos = next;
                Some((start..start + i, next))
            }
            None => {
                pos = text.len();
                Some((start..text.len(), text.len()))
            }
        }
    })
}

/// Byte offset where each line starts, as `str.splitlines()` splits them: line `n` (1-based)
/// starts at `line_starts(text)[n - 1]`. Like [`crate::source::SourceFile`]'s own count, a
/// text ending with a line ending has an empty last line after it.
pub fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(
        splitlines(text)
            .map(|(_, next)| next)
            .filter(|&n| n < text.len() || text[..n].ends_with(is_line_break)),
    );
    starts.dedup();
    starts
}

/// A PEP 263 coding cookie as pip's `auto_decode` finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cookie {
    /// The encoding name as written.
    pub name: String,
    /// Byte offset of the name in the data.
    pub at: usize,
}

/// pip's cookie look-up (`auto_decode`, after the byte order marks): in each of the first two
/// lines split at `\n` only, a line starting with `#` in which `coding[:=]\s*([-\w.]+)` is
/// found anywhere (`\s` and `\w` of a bytes pattern: ASCII).
pub fn pip_coding_cookie(data: &[u8]) -> Option<Cookie> {
    let mut start = 0;
    for line in data.split(|&b| b == b'\n').take(2) {
        if line.first() == Some(&b'#') {
            if let Some((i, name)) = find_coding(line) {
                return Some(Cookie {
                    name: String::from_utf8_lossy(name).into_owned(),
                    at: start + i,
                });
            }
        }
        start += line.len() + 1;
    }
    None
}

/// The first match of `coding[:=]\s*([-\w.]+)` in `line`: where the name starts, and the name.
fn find_coding(line: &[u8]) -> Option<(usize, &[u8])> {
    let is_name = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    let mut from = 0;
    while let Some(i) = find(&line[from..], b"coding").map(|i| i + from) {
        from = i + 1;
        let mut j = i + b"coding".len();
        if !matches!(line.get(j), Some(b':' | b'=')) {
            continue;
        }
        j += 1;
        while line
            .get(j)
            .is_some_and(|&b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c'))
        {
            j += 1;
        }
        let end = j + line[j..].iter().take_while(|&&b| is_name(b)).count();
        if end > j {
            return Some((j, &line[j..end]));
        }
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The codecs squatguard decodes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Utf8,
    Ascii,
}

/// The codec Python's `bytes.decode(name)` would use, when it is UTF-8 or ASCII; `None` for
/// every other name (another codec, or none). The name is lower-cased, then normalised as
/// `encodings.normalize_encoding` does (runs of characters other than letters, digits and `.`
/// become one `_`, dropped at the ends), then looked up with and without `.` made `_` in the
/// aliases of `encodings.aliases` for `utf_8` and `ascii`.
pub fn codec_of(name: &str) -> Option<Codec> {
    let lower = name.to_ascii_lowercase();
    let mut norm = String::new();
    let mut punct = false;
    for c in lower.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            if punct && !norm.is_empty() {
                norm.push('_');
            }
            norm.push(c);
            punct = false;
        } else if c.is_alphanumeric() {
            // Python keeps the word boundary but drops a non-ASCII letter
            if punct && !norm.is_empty() {
                norm.push('_');
            }
            punct = false;
        } else {
            punct = true;
        }
    }
    const UTF8: &[&str] = &[
        "utf_8",
        "u8",
        "utf",
        "utf8",
        "utf8_ucs2",
        "utf8_ucs4",
        "cp65001",
    ];
    const ASCII: &[&str] = &[
        "ascii",
        "646",
        "ansi_x3.4_1968",
        "ansi_x3_4_1968",
        "ansi_x3.4_1986",
        "cp367",
        "csascii",
        "ibm367",
        "iso646_us",
        "iso_646.irv_1991",
        "iso_ir_6",
        "us",
        "us_ascii",
    ];
    let underscored = norm.replace('.', "_");
    let is =
        |names: &[&str]| names.contains(&norm.as_str()) || names.contains(&underscored.as_str());
    if is(UTF8) {
        Some(Codec::Utf8)
    } else if is(ASCII) {
        Some(Codec::Ascii)
    } else {
        None
    }
}

/// Why bytes were not decoded as pip would decode them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecodable {
    /// Byte offset in the data the reason is about.
    pub at: usize,
    pub reason: String,
}

/// pip's `auto_decode` for a file squatguard reads: a UTF-8 byte order mark is dropped; a
/// UTF-16 or UTF-32 one, or a PEP 263 cookie ([`pip_coding_cookie`]) naming anything but
/// UTF-8 or ASCII, is refused (pip would decode with that codec, and no honest manifest needs
/// it: in UTF-7, `+AAo-` is a line break); without either, UTF-8, as pip decodes with a UTF-8
/// locale. Bytes the codec rejects are refused, as Python raises `UnicodeDecodeError`.
pub fn decode_pip(data: Vec<u8>) -> Result<String, Undecodable> {
    const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";
    // pip's order: UTF-8, then UTF-16 (native order, so `\xff\xfe` before UTF-32's
    // `\xff\xfe\0\0`), UTF-16 BE, UTF-16 LE, UTF-32 ...
    if data.starts_with(UTF8_BOM) {
        let text = utf8(data[UTF8_BOM.len()..].to_vec(), UTF8_BOM.len())?;
        return Ok(text);
    }
    for bom in [
        &b"\xff\xfe"[..],
        b"\xfe\xff",
        b"\x00\x00\xfe\xff",
        b"\xfe\xff\x00\x00",
    ] {
        if data.starts_with(bom) {
            return Err(Undecodable {
                at: 0,
                reason: "it starts with a UTF-16 or UTF-32 byte order mark; squatguard reads requirements files in UTF-8 only".into(),
            });
        }
    }
    if let Some(cookie) = pip_coding_cookie(&data) {
        match codec_of(&cookie.name) {
            Some(Codec::Utf8) => {}
            Some(Codec::Ascii) => {
                if let Some(i) = data.iter().position(|b| !b.is_ascii()) {
                    return Err(Undecodable {
                        at: i,
                        reason: format!(
                            "it declares `coding: {}` but holds a byte that is not ASCII (pip would fail to read it)",
                            cookie.name
                        ),
                    });
                }
            }
            None => {
                return Err(Undecodable {
                    at: cookie.at,
                    reason: format!(
                        "it declares `coding: {}`, which pip honours: read in that encoding its lines may differ from what they show (in UTF-7, `+AAo-` is a line break). squatguard reads only UTF-8 and ASCII",
                        cookie.name
                    ),
                });
            }
        }
    }
    utf8(data, 0)
}

fn utf8(data: Vec<u8>, base: usize) -> Result<String, Undecodable> {
    String::from_utf8(data).map_err(|e| Undecodable {
        at: base + e.utf8_error().valid_up_to(),
        reason: format!(
            "it is not valid UTF-8 (invalid byte at offset {})",
            base + e.utf8_error().valid_up_to()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_as_python_splitlines() {
        fn lines(t: &str) -> Vec<&str> {
            splitlines(t).map(|(r, _)| &t[r]).collect()
        }
        assert_eq!(
            lines("a\nb\r\nc\rd\x0be\x0cf"),
            ["a", "b", "c", "d", "e", "f"]
        );
        assert_eq!(
            lines("a\x1cb\x1dc\x1ed\u{85}e\u{2028}f\u{2029}g"),
            ["a", "b", "c", "d", "e", "f", "g"]
        );
        assert_eq!(lines("a\n\nb\n"), ["a", "", "b"]);
        assert_eq!(lines("\r\r\n"), ["", ""]);
        assert_eq!(lines(""), Vec::<&str>::new());
        assert_eq!(lines("a\x1fb\u{a0}c"), ["a\x1fb\u{a0}c"]);
    }

    #[test]
    fn line_starts_count_a_final_empty_line() {
        assert_eq!(line_starts("a\rb"), [0, 2]);
        assert_eq!(line_starts("a\r\nb\u{2028}"), [0, 3, 7]);
        assert_eq!(line_starts(""), [0]);
    }

    #[test]
    fn whitespace_and_strip_as_python() {
        assert!(is_space('\x1f') && is_space('\u{3000}') && is_space('\x0b'));
        assert!(!is_space('\u{200b}') && !is_space('x'));
        assert_eq!(strip("\x1c a b\u{a0}\t"), "a b");
    }

    #[test]
    fn cookies_as_pip_finds_them() {
        let c = |t: &str| pip_coding_cookie(t.as_bytes()).map(|c| c.name);
        assert_eq!(c("# -*- coding: utf-7 -*-\nx"), Some("utf-7".into()));
        assert_eq!(c("x\n#vim:fileencoding=latin-1\n"), Some("latin-1".into()));
        assert_eq!(c("x\ny\n# coding: utf-7\n"), None);
        assert_eq!(c(" # coding: utf-7\n"), None);
        assert_eq!(c("#coding:\t  utf-7"), Some("utf-7".into()));
        assert_eq!(c("#coding utf-7 coding=ascii"), Some("ascii".into()));
        assert_eq!(c("#coding: \n"), None);
        // a lone \r does not end a line here
        assert_eq!(c("x\ry\n# coding: utf-7"), Some("utf-7".into()));
    }

    #[test]
    fn codec_names_as_python_looks_them_up() {
        for n in [
            "utf-8",
            "UTF8",
            "utf_8",
            "U8",
            "utf",
            "--utf--8--",
            "cp65001",
        ] {
            assert_eq!(codec_of(n), Some(Codec::Utf8), "{n}");
        }
        for n in [
            "ascii",
            "US-ASCII",
            "646",
            "ANSI_X3.4-1968",
            "iso_646.irv-1991",
        ] {
            assert_eq!(codec_of(n), Some(Codec::Ascii), "{n}");
        }
        for n in [
            "utf-7",
            "latin-1",
            "utf-8-sig",
            "utf-16",
            "u.t.f.8",
            "utf8x",
        ] {
            assert_eq!(codec_of(n), None, "{n}");
        }
    }

    #[test]
    fn decodes_or_refuses() {
        assert_eq!(decode_pip(b"\xef\xbb\xbfa\n".to_vec()).unwrap(), "a\n");
        assert!(decode_pip(b"\xff\xfea\0".to_vec()).is_err());
        let utf7 = decode_pip(b"# -*- coding: utf-7 -*-\nx".to_vec()).unwrap_err();
        assert_eq!(utf7.at, 14);
        assert!(decode_pip(b"# coding: ascii\n\xc3\xa9".to_vec()).is_err());
        assert_eq!(
            decode_pip("# coding: utf-8\né".as_bytes().to_vec()).unwrap(),
            "# coding: utf-8\né"
        );
        assert!(decode_pip(b"a\xff".to_vec()).is_err());
    }
}
