//! Text as Python reads it: the `str` methods, codec names and PEP 263 coding cookies that
//! several readers must see exactly as Python does. One implementation of each, shared by the
//! requirements reader (pip), the `setup.py`, `setup.cfg` and `[tool.setuptools.dynamic]`
//! readers (setuptools) and the code scan (CPython's tokenizer).
//!
//! Grammar, and the reader each piece must agree with (CPython 3.10 and later; for the ASCII
//! names a cookie can hold, 3.8 and 3.9 too: every cookie grammar takes ASCII names only):
//!
//! - **`str` methods** (`Objects/unicodeobject.c`): [`is_space`] is `str.isspace()`, which is
//!   also what `\s` matches in a `str` regular expression; [`strip`] and [`strip_range`] are
//!   `str.strip()` with no argument; [`splitlines`] and [`line_starts`] are `str.splitlines()`,
//!   which ends a line at `\n`, `\r\n`, `\r`, `\v`, `\f`, `\x1c`, `\x1d`, `\x1e`, `\x85`, U+2028
//!   and U+2029 ([`is_line_break`]). [`universal_newlines`] is a file read in text mode
//!   (`\n`, `\r\n` and a lone `\r` end a line), kept byte for byte; [`KEYWORDS`] is
//!   `keyword.kwlist`.
//! - **Codec names**: [`lookup_codec`] is `codecs.lookup(name)` (what `bytes.decode(name)` and
//!   `open(..., encoding=name)` use) for the codecs squatguard reads: `Python/codecs.c`'s
//!   `normalizestring` (`_Py_normalize_encoding`: ASCII lower case, every byte other than an
//!   ASCII letter, digit or `.` a separator, each run of separators one `_`, none first; 3.8
//!   only lower-cased, the same for an ASCII name once the next step has run), then
//!   `encodings.search_function` (`Lib/encodings/__init__.py`): [`normalize_encoding`], the
//!   alias table of `Lib/encodings/aliases.py` (the name, then the name with `.` made `_`), else
//!   the name itself as the codec module's (never one holding a `.`). It answers a [`Codec`]:
//!   UTF-8 (`utf_8`), ASCII (`ascii`), Latin-1 (`latin_1`) or another (any other codec, or
//!   none: `LookupError`).
//! - **PEP 263 cookies**: [`coding_spec`] is the part every reader shares,
//!   `coding[:=]<space>*([-\w.]+)` (`\w` of ASCII) at its first match; which bytes count as
//!   `<space>`, which lines are read and what a line must start with are the caller's.
//!   [`tokenizer_cookie`], [`tokenizer_reads_second_line`] and [`tokenizer_codec`] are CPython's
//!   tokenizer (`Parser/tokenizer.c`, `get_coding_spec`, `check_coding_spec` and
//!   `get_normal_name`; `Parser/tokenizer/helpers.c` since 3.13) and its mirror
//!   `Lib/tokenize.py` (`cookie_re`, `blank_re`, `_get_normal_name`).
//!
//! What stays with a caller, because the readers it agrees with differ:
//!
//! - pip's `auto_decode` (`pip/_internal/utils/encoding.py`, in
//!   [`crate::manifest::requirements_txt`]) has its own regular expression: a line split at `\n`
//!   only that starts with `#`, `coding[:=]\s*([-\w.]+)` anywhere in it (`\s` of bytes, so line
//!   breaks too), on either of the first two lines; and it looks the name up directly
//!   ([`lookup_codec`]), without the tokenizer's `get_normal_name`, so `utf-8-sig` is a codec of
//!   its own there.
//! - How the first two lines are cut: the interpreter reading a file (the code scan,
//!   [`crate::scan::source`]) ends them at `\n`, `\r\n` and a lone `\r`; `tokenize.open`, which
//!   setuptools uses for `setup.py` ([`crate::manifest::setup_py`]), at `\n` only.
//!
//! `tests/python_text.rs` compares these functions with the real `python3`.

use regex::Regex;
use std::ops::Range;
use std::sync::OnceLock;

/// Python's `str.isspace()`: Unicode `White_Space`, and the information separators
/// `\x1c`-`\x1f`, which Python counts as whitespace (bidirectional class B or S) and Rust does not.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Python's `str.strip()`: [`is_space`] characters removed from both ends.
pub fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// `range` of `text` as `str.strip()` leaves it: without the [`is_space`] characters at either
/// end.
pub fn strip_range(text: &str, range: Range<usize>) -> Range<usize> {
    let piece = &text[range.clone()];
    let start = range.start + (piece.len() - piece.trim_start_matches(is_space).len());
    let end = start + strip(piece).len();
    start..end
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
        match next_line_break(text.as_bytes(), start) {
            Some((at, len)) => {
                pos = at + len;
                Some((start..at, pos))
            }
            None => {
                pos = text.len();
                Some((start..text.len(), text.len()))
            }
        }
    })
}

/// The first line ending of `text` (UTF-8) at or after byte `from`: where it starts and its
/// length in bytes (`\r\n` is one ending of two).
///
/// Read byte by byte: in UTF-8, U+0085 is always the bytes C2 85 and U+2028/U+2029 always
/// E2 80 A8/A9, and no other line ending has a byte at or above 0x80; a test holds this to
/// [`is_line_break`] over decoded characters.
fn next_line_break(b: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut i = from;
    while i < b.len() {
        let len = match b[i] {
            b'\r' if b.get(i + 1) == Some(&b'\n') => 2,
            b'\n' | b'\r' | 0x0b | 0x0c | 0x1c..=0x1e => 1,
            0xc2 if b.get(i + 1) == Some(&0x85) => 2,
            0xe2 if b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0xa8 | 0xa9)) => 3,
            _ => {
                i += 1;
                continue;
            }
        };
        return Some((i, len));
    }
    None
}

/// Byte offset where each line starts, as `str.splitlines()` splits them: line `n` (1-based)
/// starts at `line_starts(text)[n - 1]`. Like [`crate::source::SourceFile`]'s own count, a
/// text ending with a line ending has an empty last line after it.
pub fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    let mut at = 0;
    while let Some((start, len)) = next_line_break(text.as_bytes(), at) {
        at = start + len;
        starts.push(at);
    }
    starts
}

/// [`splitlines`] as Python's definition of a line ending gives it, each character decoded:
/// what the byte scan must agree with.
#[cfg(test)]
fn splitlines_by_chars(text: &str) -> Vec<(Range<usize>, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let start = pos;
        match text[start..]
            .char_indices()
            .find(|&(_, c)| is_line_break(c))
        {
            Some((i, c)) => {
                let mut next = start + i + c.len_utf8();
                if c == '\r' && text.as_bytes().get(next) == Some(&b'\n') {
                    next += 1;
                }
                pos = next;
                out.push((start..start + i, next));
            }
            None => {
                pos = text.len();
                out.push((start..text.len(), text.len()));
            }
        }
    }
    out
}

/// [`line_starts`] from [`splitlines_by_chars`].
#[cfg(test)]
fn line_starts_by_chars(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(
        splitlines_by_chars(text)
            .into_iter()
            .map(|(_, next)| next)
            .filter(|&n| n < text.len() || text[..n].ends_with(is_line_break)),
    );
    starts.dedup();
    starts
}

/// `text` as a file opened in text mode reads it (universal newlines: `\n`, `\r\n` and a lone
/// `\r` each end a line), kept byte for byte so that no offset moves: each lone `\r` made
/// `\n`, a `\r\n` left as it is. `None` when `text` has no lone `\r`.
pub fn universal_newlines(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let lone = |i: usize| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n');
    if !(0..bytes.len()).any(lone) {
        return None;
    }
    let mut out = bytes.to_vec();
    for (i, b) in out.iter_mut().enumerate() {
        if lone(i) {
            *b = b'\n';
        }
    }
    // one ASCII byte replaced by another: still UTF-8
    String::from_utf8(out).ok()
}

/// Python's keywords (`keyword.kwlist`): a name whose NFKC form is one stays a name to Python
/// (`𝐢𝐦𝐩𝐨𝐫𝐭 = 1` binds `import`, `𝐍𝐨𝐧𝐞` is not the constant).
pub const KEYWORDS: [&str; 35] = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// The codecs squatguard tells apart (the module of `Lib/encodings/` a name finds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// `utf_8`.
    Utf8,
    /// `ascii`.
    Ascii,
    /// `latin_1` (ISO-8859-1).
    Latin1,
    /// Any other codec, or none (`LookupError`).
    Other,
}

/// The keys of `Lib/encodings/aliases.py` for the three codecs of [`Codec`], with the module
/// each names.
const ALIASES: &[(&str, Codec)] = &[
    ("cp65001", Codec::Utf8),
    ("u8", Codec::Utf8),
    ("utf", Codec::Utf8),
    ("utf8", Codec::Utf8),
    ("utf8_ucs2", Codec::Utf8),
    ("utf8_ucs4", Codec::Utf8),
    ("646", Codec::Ascii),
    ("ansi_x3.4_1968", Codec::Ascii),
    ("ansi_x3.4_1986", Codec::Ascii),
    ("ansi_x3_4_1968", Codec::Ascii),
    ("cp367", Codec::Ascii),
    ("csascii", Codec::Ascii),
    ("ibm367", Codec::Ascii),
    ("iso646_us", Codec::Ascii),
    ("iso_646.irv_1991", Codec::Ascii),
    ("iso_ir_6", Codec::Ascii),
    ("us", Codec::Ascii),
    ("us_ascii", Codec::Ascii),
    ("8859", Codec::Latin1),
    ("cp819", Codec::Latin1),
    ("csisolatin1", Codec::Latin1),
    ("ibm819", Codec::Latin1),
    ("iso8859", Codec::Latin1),
    ("iso8859_1", Codec::Latin1),
    ("iso_8859_1", Codec::Latin1),
    ("iso_8859_1_1987", Codec::Latin1),
    ("iso_ir_100", Codec::Latin1),
    ("l1", Codec::Latin1),
    ("latin", Codec::Latin1),
    ("latin1", Codec::Latin1),
];

/// Python's `str.isalnum()` for one character: a letter (`L*`) or a number (`N*`). (Python also
/// counts the characters with a numeric value in another category: CJK ideographs, letters
/// anyway.)
fn is_alnum(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    static ALNUM: OnceLock<Option<Regex>> = OnceLock::new();
    ALNUM
        .get_or_init(|| Regex::new(r"^[\p{L}\p{N}]$").ok())
        .as_ref()
        .map_or_else(
            || c.is_alphanumeric(),
            |re| re.is_match(c.encode_utf8(&mut [0; 4])),
        )
}

/// `encodings.normalize_encoding(name)` (`Lib/encodings/__init__.py`, 3.10 and later): each run
/// of characters other than letters, digits (`str.isalnum`) and `.` becomes one `_`, dropped at
/// the start and the end; case is kept. A non-ASCII letter or digit is dropped, but still
/// separates runs: `utf-é-8` is `utf__8` (3.9 and earlier kept it: `utf_é_8`). [`lookup_codec`]
/// never hands it a non-ASCII character, so its answer is the same from 3.9 on.
pub fn normalize_encoding(name: &str) -> String {
    let mut out = String::new();
    let mut punct = false;
    for c in name.chars() {
        if is_alnum(c) || c == '.' {
            if punct && !out.is_empty() {
                out.push('_');
            }
            if c.is_ascii() {
                out.push(c);
            }
            punct = false;
        } else {
            punct = true;
        }
    }
    out
}

/// The codec `codecs.lookup(name)` finds (see the module documentation for the steps).
pub fn lookup_codec(name: &str) -> Codec {
    // normalizestring (Python/codecs.c): byte-wise, so a non-ASCII character separates
    let mut key = String::new();
    let mut punct = false;
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b == b'.' {
            if punct && !key.is_empty() {
                key.push('_');
            }
            key.push(char::from(b.to_ascii_lowercase()));
            punct = false;
        } else if b == 0 {
            // a NUL in the name: ValueError
            return Codec::Other;
        } else {
            punct = true;
        }
    }
    // encodings.search_function
    let norm = normalize_encoding(&key);
    let alias = |k: &str| ALIASES.iter().find(|(a, _)| *a == k).map(|&(_, c)| c);
    if let Some(codec) = alias(&norm).or_else(|| alias(&norm.replace('.', "_"))) {
        return codec;
    }
    match norm.as_str() {
        "utf_8" => Codec::Utf8,
        "ascii" => Codec::Ascii,
        "latin_1" => Codec::Latin1,
        _ => Codec::Other,
    }
}

/// The codec CPython's tokenizer decodes a source file with when its cookie names `name`:
/// `get_normal_name` first (the first 12 characters, lower case, `_` as `-`: `utf-8` or a
/// name starting `utf-8-` is UTF-8; `latin-1`, `iso-8859-1`, `iso-latin-1` or a name starting
/// with one of them and `-` is Latin-1), then [`lookup_codec`].
pub fn tokenizer_codec(name: &str) -> Codec {
    let head: String = name
        .chars()
        .take(12)
        .collect::<String>()
        .to_lowercase()
        .replace('_', "-");
    if head == "utf-8" || head.starts_with("utf-8-") {
        return Codec::Utf8;
    }
    if ["latin-1", "iso-8859-1", "iso-latin-1"]
        .iter()
        .any(|l| head == *l || head.strip_prefix(l).is_some_and(|r| r.starts_with('-')))
    {
        return Codec::Latin1;
    }
    lookup_codec(name)
}

/// The first match in `line` of `coding[:=]`, any number of bytes `space` accepts, and a name
/// `[-\w.]+` (`\w` of ASCII): the offset of the name in `line`, and the name.
pub fn coding_spec(line: &[u8], space: impl Fn(u8) -> bool) -> Option<(usize, &[u8])> {
    let is_name = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    let mut from = 0;
    while let Some(i) = find(&line[from..], b"coding").map(|i| i + from) {
        from = i + 1;
        let mut j = i + b"coding".len();
        if !matches!(line.get(j), Some(b':' | b'=')) {
            continue;
        }
        j += 1;
        while line.get(j).is_some_and(|&b| space(b)) {
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

/// The cookie CPython's tokenizer reads on one of the first two lines (`cookie_re`):
/// `^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)`. The offset of the name in `line`, and the name.
pub fn tokenizer_cookie(line: &[u8]) -> Option<(usize, &[u8])> {
    let start = line
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\x0c'))?;
    if line[start] != b'#' {
        return None;
    }
    let (at, name) = coding_spec(&line[start..], |b| matches!(b, b' ' | b'\t'))?;
    Some((start + at, name))
}

/// The PEP 263 coding cookie of `text`, a Python file read as UTF-8, when it makes Python
/// decode the file otherwise: where its name is, and what it declares (`the encoding `utf-7`
/// (a PEP 263 coding cookie), an encoding other than UTF-8`). Latin-1 and ASCII decode a file
/// that is all ASCII as UTF-8 does.
pub fn foreign_cookie(text: &str) -> Option<(usize, String)> {
    let mut start = 0;
    for line in text.split_inclusive('\n').take(2) {
        if let Some((at, name)) = tokenizer_cookie(line.as_bytes()) {
            // the name is ASCII
            let name = line.get(at..at + name.len())?;
            let what = match tokenizer_codec(name) {
                Codec::Utf8 => return None,
                Codec::Ascii | Codec::Latin1 if text.is_ascii() => return None,
                Codec::Ascii | Codec::Latin1 => {
                    "an encoding in which its non-ASCII characters read differently than in UTF-8"
                }
                Codec::Other => "an encoding other than UTF-8",
            };
            return Some((
                start + at,
                format!("the encoding `{name}` (a PEP 263 coding cookie), {what}"),
            ));
        }
        // a line 1 holding code ends the search
        if !tokenizer_reads_second_line(line.as_bytes()) {
            return None;
        }
        start += line.len();
    }
    None
}

/// Whether CPython's tokenizer, finding no cookie on the first line, looks for one on the
/// second: the first line is blank or only a comment (`blank_re`, `^[ \t\f]*(?:[#\r\n]|$)`).
pub fn tokenizer_reads_second_line(first: &[u8]) -> bool {
    matches!(
        first.iter().find(|b| !matches!(b, b' ' | b'\t' | b'\x0c')),
        None | Some(b'#' | b'\r' | b'\n')
    )
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
        assert_eq!(lines("\n\r"), ["", ""]);
        assert_eq!(lines(""), Vec::<&str>::new());
        assert_eq!(lines("a\x1fb\u{a0}c"), ["a\x1fb\u{a0}c"]);
    }

    #[test]
    fn lone_carriage_returns_end_lines() {
        assert_eq!(universal_newlines("a\r\nb"), None);
        assert_eq!(universal_newlines("a\rb\r").as_deref(), Some("a\nb\n"));
        assert_eq!(universal_newlines("a\r\r\nb").as_deref(), Some("a\n\r\nb"));
        assert_eq!(universal_newlines("\u{e9}\r").as_deref(), Some("\u{e9}\n"));
    }

    #[test]
    fn lines_read_by_bytes_as_by_characters() {
        // every line ending, its parts and its neighbours in UTF-8, in many orders
        let pieces = [
            "\n",
            "\r",
            "\r\n",
            "\x0b",
            "\x0c",
            "\x1c",
            "\x1d",
            "\x1e",
            "\x1f",
            "\u{85}",
            "\u{2028}",
            "\u{2029}",
            "\u{2027}",
            "\u{202a}",
            "\u{84}",
            "\u{86}",
            "\u{c5}",
            "\u{2000}",
            "\u{e085}",
            "\u{8a8}",
            "a",
            "é",
            " ",
            "\t",
            "\u{10085}",
        ];
        let mut state = 15u64;
        for len in 0..2_000 {
            let mut text = String::new();
            for _ in 0..len % 23 {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                text.push_str(pieces[(state >> 33) as usize % pieces.len()]);
            }
            assert_eq!(line_starts(&text), line_starts_by_chars(&text), "{text:?}");
            let lines: Vec<_> = splitlines(&text).collect();
            assert_eq!(lines, splitlines_by_chars(&text), "{text:?}");
        }
        for text in ["", "\r", "\n\r", "a\r\r\n", "\u{2028}\u{2029}\u{85}"] {
            assert_eq!(line_starts(text), line_starts_by_chars(text), "{text:?}");
            let lines: Vec<_> = splitlines(text).collect();
            assert_eq!(lines, splitlines_by_chars(text), "{text:?}");
        }
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
        assert!(is_space('\u{85}') && is_space('\u{a0}'));
        assert!(!is_space('\u{200b}') && !is_space('x') && !is_space('\u{feff}'));
        assert_eq!(strip("\x1c a b\u{a0}\t"), "a b");
        let text = "xx\u{2003} a b\x1f yy";
        assert_eq!(&text[strip_range(text, 2..text.len() - 2)], "a b");
        assert_eq!(strip_range(" \t", 0..2), 2..2);
    }

    #[test]
    fn normalize_encoding_as_python() {
        assert_eq!(normalize_encoding("UTF-8"), "UTF_8");
        assert_eq!(normalize_encoding("  -;#utf--8 ;"), "utf_8");
        assert_eq!(normalize_encoding("ISO_646.IRV:1991"), "ISO_646.IRV_1991");
        assert_eq!(normalize_encoding("utf.8"), "utf.8");
        // a non-ASCII letter is dropped, yet separates as a letter does
        assert_eq!(normalize_encoding("utf\u{e9}8"), "utf8");
        assert_eq!(normalize_encoding("utf-\u{e9}-8"), "utf__8");
        assert_eq!(normalize_encoding("\u{e9}-utf8"), "utf8");
        assert_eq!(normalize_encoding("utf-\u{660}"), "utf_");
        assert_eq!(normalize_encoding("utf\u{2003}8"), "utf_8");
        assert_eq!(normalize_encoding("\u{b2}"), "");
    }

    #[test]
    fn codec_aliases_as_python_looks_them_up() {
        for n in [
            "utf-8",
            "UTF-8",
            "UTF8",
            "utf_8",
            "Utf_8",
            "u8",
            "U8",
            "utf",
            "cp65001",
            "utf8_ucs2",
            "utf8.ucs4",
            "--utf--8--",
            "utf 8",
            // normalizestring makes a non-ASCII character a separator
            "utf-\u{e9}-8",
            "utf\u{e9}8",
        ] {
            assert_eq!(lookup_codec(n), Codec::Utf8, "{n}");
        }
        for n in [
            "ascii",
            "ASCII",
            "us-ascii",
            "US_ASCII",
            "us.ascii",
            "646",
            "us",
            "ANSI_X3.4-1968",
            "ansi_x3.4.1968",
            "iso_646.irv-1991",
            "iso646-us",
            "cp367",
        ] {
            assert_eq!(lookup_codec(n), Codec::Ascii, "{n}");
        }
        for n in [
            "latin-1",
            "latin_1",
            "Latin1",
            "latin",
            "iso-8859-1",
            "ISO8859-1",
            "iso8859.1",
            "L1",
            "l1",
            "8859",
            "cp819",
            "iso-ir-100",
        ] {
            assert_eq!(lookup_codec(n), Codec::Latin1, "{n}");
        }
        for n in [
            "utf-7",
            "utf-8-sig",
            "utf-16",
            "cp1252",
            "latin-9",
            "iso-latin-1",
            // `.` is kept, and a module name never holds one
            "utf.8",
            "latin.1",
            "u.t.f.8",
            ".utf8",
            "utf8.",
            "utf8x",
            "l\u{e9}1",
            "aliases",
            "",
            "\u{b2}",
            "utf\u{0}8",
        ] {
            assert_eq!(lookup_codec(n), Codec::Other, "{n}");
        }
    }

    #[test]
    fn the_tokenizer_normalises_utf8_and_latin1_first() {
        for (n, codec) in [
            ("utf-8", Codec::Utf8),
            ("UTF_8", Codec::Utf8),
            ("utf-8-sig", Codec::Utf8),
            ("UTF-8-whatever", Codec::Utf8),
            ("utf8", Codec::Utf8),
            ("cp65001", Codec::Utf8),
            ("latin-1", Codec::Latin1),
            ("ISO-8859-1", Codec::Latin1),
            ("iso_latin_1", Codec::Latin1),
            ("iso-latin-1-x", Codec::Latin1),
            ("latin-1-unix", Codec::Latin1),
            ("l1", Codec::Latin1),
            ("us-ascii", Codec::Ascii),
            ("646", Codec::Ascii),
            ("latin-1x", Codec::Other),
            ("iso-latin-1x", Codec::Other),
            ("utf-8x", Codec::Other),
            ("utf-7", Codec::Other),
            ("rot13", Codec::Other),
        ] {
            assert_eq!(tokenizer_codec(n), codec, "{n}");
        }
        // only the first 12 characters are compared
        assert_eq!(tokenizer_codec("iso-latin-1-"), Codec::Latin1);
        assert_eq!(tokenizer_codec("utf-8-abcdefghijk"), Codec::Utf8);
    }

    #[test]
    fn cookies() {
        let spec = |l: &str| {
            coding_spec(l.as_bytes(), |b| b == b' ')
                .map(|(at, n)| (at, String::from_utf8_lossy(n).into_owned()))
        };
        assert_eq!(spec("# coding:  utf-7 x"), Some((11, "utf-7".into())));
        assert_eq!(spec("codings: x coding=ascii"), Some((18, "ascii".into())));
        assert_eq!(spec("coding:\tx"), None);
        assert_eq!(spec("coding utf-8"), None);
        assert_eq!(spec("coding: \u{e9}"), None);
        let t = |l: &[u8]| tokenizer_cookie(l).map(|(at, n)| (at, n.to_vec()));
        assert_eq!(t(b"# -*- coding: utf-7 -*-"), Some((14, b"utf-7".to_vec())));
        assert_eq!(
            t(b" \x0c\t#vim: set fileencoding=latin-1 :"),
            Some((26, b"latin-1".to_vec()))
        );
        assert_eq!(t(b"x = 1 # coding: utf-7"), None);
        assert_eq!(t(b"# coding:\x0butf-7"), None);
        assert!(tokenizer_reads_second_line(b""));
        assert!(tokenizer_reads_second_line(b" \t#!python"));
        assert!(tokenizer_reads_second_line(b"\x0c\r\n"));
        assert!(!tokenizer_reads_second_line(b"  x = 1"));
        assert!(!tokenizer_reads_second_line(b"\x0b"));
    }
}
