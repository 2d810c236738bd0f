//! PEP 723 inline script metadata: the `# /// script` block of a Python file, whose
//! `dependencies` `uv run script.py`, `pipx run script.py` and `hatch run script.py` install
//! before running it.
//!
//! # Grammar
//!
//! The packaging specification ("Inline script metadata") gives the block as the regular
//! expression
//!
//! ```text
//! (?m)^# /// (?P<type>[a-zA-Z0-9-]+)$\s(?P<content>(^#(| .*)$\s)+)^# ///$
//! ```
//!
//! read here line by line: a line that is exactly `# /// script` opens a block; the lines after
//! it that are `#` alone or start with `# ` are its comment run, which the first other line
//! ends; the last line of that run that is exactly `# ///` closes the block (a run with none
//! leaves the block unclosed, which no reader takes). The content is each line between, its
//! first two characters (`# `) or its one (`#`) taken away; it is TOML, of which this reader
//! takes `dependencies` (an array of PEP 508 strings, section `script.dependencies`, each
//! located where it is written in the file) and `[tool.uv]` (requirement arrays, sources and
//! indexes, as in `pyproject.toml`: [`super::pyproject`]). `requires-python` and other tools'
//! tables install nothing and are not read.
//!
//! Must agree with the real readers: the specification's reference implementation (Python's
//! `re` over the decoded text, then `str.splitlines`; pipx and Hatch) and uv's
//! (`uv-scripts`' `ScriptTag::parse`: the first `# /// script` at a line start, lines split at
//! `\n` with a `\r` before it dropped). Where they differ, this reader takes the larger
//! reading, or refuses:
//!
//! - a line ending `\r\n` is read as uv reads it (the reference's `$` would not match it);
//! - every `script` block is read, also one after a `# /// script` that does not start a line
//!   (which makes uv read nothing) and one inside a block of another type (which the
//!   reference's block swallows); the blocks do not overlap;
//! - more than one `script` block is an `invalid-manifest` error (the reference refuses the
//!   file; uv reads the first): every block's dependencies are still judged;
//! - a block holding a character that `str.splitlines` breaks at but uv does not (a lone `\r`,
//!   `\v`, `\f`, `\x1c`-`\x1e`, `\x85`, U+2028, U+2029) is an `invalid-manifest` error, not
//!   read: the two readers take different TOML from it.
//!
//! # Encoding
//!
//! uv reads the block as UTF-8; a Python reader decodes the file first (by its PEP 263 coding
//! cookie, or by the locale). A file that holds a block and is not UTF-8 is refused with an
//! `invalid-manifest` error ([`read_file`]), and so is a cookie naming another encoding (the
//! same test as `setup.py`'s, [`crate::python_text::foreign_cookie`]), whose block is still read
//! as UTF-8. A UTF-8 byte order mark is allowed before a block on the first line.
//!
//! # Discovery
//!
//! `check` walks every `.py` and `.pyw` file ([`is_script_name`]) and reads it only when its
//! bytes hold `# /// script` at a line start ([`holds_block`], one scan with a literal
//! prefilter, so a tree of thousands of Python files stays fast); a file larger than the size
//! limit is searched in pieces, and refused (`invalid-manifest`) when it holds the marker.

use super::{pyproject, Manifest};
use crate::finding::{Finding, Rule};
use crate::source::{SourceFile, MAX_FILE_SIZE};
use std::path::Path;
use std::sync::OnceLock;

/// The line that opens a block, as bytes at a line start (after a byte order mark on line 1).
fn marker() -> &'static regex::bytes::Regex {
    static RE: OnceLock<regex::bytes::Regex> = OnceLock::new();
    RE.get_or_init(|| {
        regex::bytes::Regex::new(r"(?m-u)^(?:\xEF\xBB\xBF)?# /// script\r?$").expect("valid")
    })
}

/// Whether `bytes` hold a line `# /// script`: a script block may follow.
pub fn holds_block(bytes: &[u8]) -> bool {
    marker().is_match(bytes)
}

/// Python files by name: what `uv run`, `pipx run` and `hatch run` take as scripts
/// (`setup.py` is read as itself).
pub fn is_script_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("py") || e.eq_ignore_ascii_case("pyw"))
}

/// What reading a Python file for its script block gave.
#[derive(Debug)]
pub enum Read {
    /// No `# /// script` line: not a manifest.
    NoBlock,
    /// The file, as read.
    Manifest(Manifest),
    /// The file holds (or may hold) a block that cannot be read: an `invalid-manifest` error.
    Refused(Box<Finding>),
}

/// Reads the Python file `path` for its script block.
pub fn read_file(path: &Path) -> Read {
    let shown = crate::source::display_path(path);
    let refuse = |why: String| {
        Read::Refused(Box::new(Finding::new(
            Rule::InvalidManifest,
            shown.clone(),
            1,
            1,
            format!("cannot check this file's inline script metadata (`# /// script`, PEP 723): {why}; `uv run` would install its dependencies"),
        )))
    };
    let bytes = match crate::source::read_regular(path, MAX_FILE_SIZE) {
        Ok(bytes) => bytes,
        Err(crate::source::ReadError::TooLarge(max)) => {
            return match large_file_holds_marker(path) {
                Ok(false) => Read::NoBlock,
                Ok(true) => refuse(format!(
                    "it is larger than {} MiB and holds a `# /// script` line",
                    max / (1024 * 1024)
                )),
                Err(e) => refuse(format!(
                    "it is larger than {} MiB and could not be searched ({e})",
                    max / (1024 * 1024)
                )),
            };
        }
        Err(e) => return refuse(format!("it could not be read ({e})")),
    };
    if !holds_block(&bytes) {
        return Read::NoBlock;
    }
    match String::from_utf8(bytes) {
        Ok(text) => Read::Manifest(parse(&SourceFile::new(path, text))),
        Err(e) => refuse(format!(
            "it holds a `# /// script` line but is not valid UTF-8 (invalid byte at offset {}), and readers would decode it differently",
            e.utf8_error().valid_up_to()
        )),
    }
}

/// Whether a file too large to read whole holds `# /// script` anywhere, searched in pieces.
fn large_file_holds_marker(path: &Path) -> std::io::Result<bool> {
    use std::io::Read as _;
    const NEEDLE: &[u8] = b"# /// script";
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 8 * 1024 * 1024];
    let mut kept = 0;
    loop {
        let n = file.read(&mut buf[kept..])?;
        if n == 0 {
            return Ok(false);
        }
        let end = kept + n;
        if buf[..end].windows(NEEDLE.len()).any(|w| w == NEEDLE) {
            return Ok(true);
        }
        // the tail, in case the marker straddles two pieces
        kept = (NEEDLE.len() - 1).min(end);
        buf.copy_within(end - kept..end, 0);
    }
}

/// One closed `script` block: the byte ranges of its lines.
struct Block {
    /// Where the `# /// script` line starts.
    header: usize,
    /// The content lines: each line's start (at its `#`) and end (before its line ending).
    lines: Vec<(usize, usize)>,
}

/// The lines of `text` as uv splits them: each line's start and its end before `\n` (and a
/// `\r` just before it).
fn lines(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            let end = if i > start && text.as_bytes()[i - 1] == b'\r' {
                i - 1
            } else {
                i
            };
            out.push((start, end));
            start = i + 1;
        }
    }
    if start < text.len() {
        out.push((start, text.len()));
    }
    out
}

/// The closed `script` blocks of `text`, in order, not overlapping.
fn blocks(text: &str) -> Vec<Block> {
    let lines = lines(text);
    let line = |i: usize| &text[lines[i].0..lines[i].1];
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if line(i) != "# /// script" {
            i += 1;
            continue;
        }
        let run_end = (i + 1..lines.len())
            .find(|&j| {
                let l = line(j);
                !(l == "#" || l.starts_with("# "))
            })
            .unwrap_or(lines.len());
        match (i + 1..run_end).rev().find(|&j| line(j) == "# ///") {
            Some(close) => {
                out.push(Block {
                    header: lines[i].0,
                    lines: lines[i + 1..close].to_vec(),
                });
                i = close + 1;
            }
            // unclosed: no reader takes it
            None => i += 1,
        }
    }
    out
}

/// Characters at which Python's `str.splitlines` breaks a line and uv does not (a `\r` not
/// before `\n` is found by the caller).
fn python_only_break(c: char) -> bool {
    matches!(
        c,
        '\x0b' | '\x0c' | '\x1c' | '\x1d' | '\x1e' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Reads the script blocks of `src`, a Python file.
pub fn parse(src: &SourceFile) -> Manifest {
    src.read_as(crate::inline_ignore::Comments::Script);
    let text = src.text.as_str();
    let mut out = Manifest::default();
    let found = blocks(text);
    if found.is_empty() {
        return out;
    }
    if let Some((at, message)) = crate::python_text::foreign_cookie(text) {
        out.push_finding(
            src,
            Rule::InvalidManifest,
            at,
            format!("{message}: a Python reader of its inline script metadata (pipx, Hatch) would read other dependencies than uv and squatguard do; save the file as UTF-8 and remove the cookie"),
        );
    }
    for (n, block) in found.iter().enumerate() {
        if n == 1 {
            out.push_finding(
                src,
                Rule::InvalidManifest,
                block.header,
                "a second `# /// script` block: readers of inline script metadata (PEP 723) refuse a file with more than one, and uv reads only the first; every block's dependencies are judged",
            );
        }
        let odd = block.lines.iter().find_map(|&(start, end)| {
            let line = &text[start..end];
            line.char_indices()
                .find(|&(_, c)| c == '\r' || python_only_break(c))
                .map(|(i, c)| (start + i, c))
        });
        if let Some((at, c)) = odd {
            out.push_finding(
                src,
                Rule::InvalidManifest,
                at,
                format!(
                    "the `# /// script` block holds the line break {c:?}, at which Python's reader of inline script metadata splits a line and uv does not: they would read different dependencies; not read"
                ),
            );
            continue;
        }
        let read = read_block(src, block);
        out.dependencies.extend(read.dependencies);
        out.findings.extend(read.findings);
        out.indexes.extend(read.indexes);
        out.unnamed.extend(read.unnamed);
    }
    out.dependencies.sort_by_key(|d| d.name_span.start);
    out.sort_by_position();
    out
}

/// Reads one block: its TOML is laid out at the very bytes it stands on in the file (each
/// line's `# ` blanked, everything before the block blanked but its line endings, nothing
/// after it), so that every position the TOML reader gives is the file's; the lines shown
/// are then the file's own.
fn read_block(src: &SourceFile, block: &Block) -> Manifest {
    let text = src.text.as_bytes();
    let end = block.lines.last().map_or(block.header, |&(_, e)| e);
    let mut laid: Vec<u8> = text[..end]
        .iter()
        .map(|&b| if b == b'\n' { b'\n' } else { b' ' })
        .collect();
    for &(start, end) in &block.lines {
        let skip = if text.get(start + 1) == Some(&b' ') {
            2
        } else {
            1
        };
        let from = (start + skip).min(end);
        laid[from..end].copy_from_slice(&text[from..end]);
    }
    laid.push(b'\n');
    // spaces, line endings and whole lines of valid UTF-8 cut at ASCII bytes
    let laid = String::from_utf8(laid).unwrap_or_default();
    let scratch = SourceFile::new(src.path.clone(), laid);
    // the comments are the TOML's, found in the block's TOML as a whole (a multi-line string
    // goes on from one `# ` line to the next), on the lines the file and the scratch share
    scratch.read_as(crate::inline_ignore::Comments::Toml);
    let mut read = pyproject::parse_script_metadata(&scratch);
    for dep in &mut read.dependencies {
        dep.set_snippet(src.snippet_at(dep.name_span.start));
        dep.inline_ignore = scratch.inline_ignore(dep.line);
    }
    for f in &mut read.findings {
        if f.snippet.is_some() {
            f.set_snippet(src.snippet_at(offset_of(&scratch, f.line, f.column)));
            f.inline_ignore = scratch.inline_ignore(f.line);
        }
    }
    for s in &mut read.indexes {
        if s.usage.windowed() {
            let snippet = src.snippet_at(offset_of(&scratch, s.line, s.column));
            s.snippet = snippet.text;
            s.snippet_skip = snippet.skip;
        } else {
            s.snippet = src.line_text(s.line).to_owned();
        }
        s.line_identity = src.line_identity(s.line);
        s.inline_ignore = scratch.inline_ignore(s.line);
    }
    for s in &mut read.unnamed {
        let snippet = src.snippet_at(offset_of(&scratch, s.line, s.column));
        s.snippet = snippet.text;
        s.snippet_skip = snippet.skip;
        s.line_identity = snippet.line_identity;
        s.inline_ignore = scratch.inline_ignore(s.line);
    }
    read
}

/// The byte offset of 1-based `line` and `column` (code points) in `src`.
fn offset_of(src: &SourceFile, line: u32, column: u32) -> usize {
    let start = src.line_start(line);
    let text = src.line_text(line);
    start
        + text
            .char_indices()
            .nth((column as usize).saturating_sub(1))
            .map_or(text.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deps(text: &str) -> Vec<(String, u32, u32)> {
        parse(&SourceFile::new("main.py", text))
            .dependencies
            .iter()
            .map(|d| (d.name.to_string(), d.line, d.column))
            .collect()
    }

    #[test]
    fn the_specification_examples() {
        let text = "#!/usr/bin/env python3\n# /// script\n# requires-python = \">=3.11\"\n# dependencies = [\n#   \"requests<3\",\n#   \"rich\",\n# ]\n# ///\n\nimport requests\n";
        assert_eq!(
            deps(text),
            [("requests".into(), 5, 6), ("rich".into(), 6, 6)]
        );
        // comment lines after the closing line are not content
        let text = "# /// script\n# dependencies = [\"a\"]\n# ///\n#\n#\nx = 1\n";
        assert_eq!(deps(text), [("a".into(), 2, 20)]);
        // the last `# ///` of the comment run closes the block: the first is content, and
        // not TOML
        let text = "# /// script\n# dependencies = [\"a\"]\n# ///\n#\n# ///\nx = 1\n";
        let m = parse(&SourceFile::new("main.py", text));
        assert!(m.dependencies.is_empty());
        assert_eq!(m.findings[0].rule, Rule::InvalidManifest);
        assert_eq!(m.findings[0].line, 3);
    }

    #[test]
    fn what_is_not_a_block() {
        for text in [
            "pass # /// script\n# dependencies = [\"a\"]\n# ///\n",
            "# /// script \n# dependencies = [\"a\"]\n# ///\n",
            "# /// script\n#dependencies = [\"a\"]\n# ///\n",
            "# /// script\n# dependencies = [\"a\"]\n",
            "# /// script\n# dependencies = [\"a\"]\nx = 1\n# ///\n",
            "  # /// script\n# dependencies = [\"a\"]\n# ///\n",
        ] {
            let m = parse(&SourceFile::new("main.py", text));
            assert!(m.dependencies.is_empty(), "{text:?}");
            assert!(m.findings.is_empty(), "{text:?}: {:?}", m.findings);
        }
    }

    #[test]
    fn crlf_and_a_byte_order_mark_are_read_as_uv_reads_them() {
        let text = "\u{feff}# /// script\r\n# dependencies = [\"a\"]\r\n# ///\r\n";
        assert!(holds_block(text.as_bytes()));
        assert_eq!(deps(text), [("a".into(), 2, 20)]);
    }

    #[test]
    fn a_block_inside_a_block_of_another_type_is_read() {
        let text = "# /// other\n# /// script\n# dependencies = [\"a\"]\n# ///\n";
        assert_eq!(deps(text), [("a".into(), 3, 20)]);
    }

    #[test]
    fn two_blocks_are_an_error_and_both_are_judged() {
        let text = "# /// script\n# dependencies = [\"a\"]\n# ///\nx = 1\n# /// script\n# dependencies = [\"b\"]\n# ///\n";
        let m = parse(&SourceFile::new("main.py", text));
        assert_eq!(m.dependencies.len(), 2);
        assert_eq!(m.findings.len(), 1);
        assert_eq!(m.findings[0].rule, Rule::InvalidManifest);
        assert_eq!(m.findings[0].line, 5);
    }

    #[test]
    fn line_breaks_the_readers_disagree_on_are_refused() {
        for brk in ["\r", "\x0c", "\u{2028}"] {
            let text = format!("# /// script\n# dependencies = [\"a\"]{brk}b = 1\n# ///\n");
            let m = parse(&SourceFile::new("main.py", text));
            assert!(m.dependencies.is_empty(), "{brk:?}");
            assert_eq!(m.findings.len(), 1, "{brk:?}");
            assert_eq!(m.findings[0].rule, Rule::InvalidManifest);
        }
    }

    #[test]
    fn errors_point_into_the_file() {
        let text = "import os\n# /// script\n# dependencies = [\"reqeusts==\", 3]\n# ///\n";
        let m = parse(&SourceFile::new("main.py", text));
        let got: Vec<_> = m
            .findings
            .iter()
            .map(|f| (f.line, f.column, f.snippet.clone().unwrap_or_default()))
            .collect();
        let line = "# dependencies = [\"reqeusts==\", 3]".to_owned();
        assert_eq!(got, [(3, 28, line.clone()), (3, 33, line)]);
        let m = parse(&SourceFile::new(
            "main.py",
            "# /// script\n# dependencies = [\n# ///\n",
        ));
        assert_eq!(m.findings.len(), 1);
        assert_eq!(m.findings[0].rule, Rule::InvalidManifest);
        assert_eq!(m.findings[0].line, 2);
    }

    #[test]
    fn a_foreign_cookie_is_an_error() {
        let text = "# -*- coding: utf-7 -*-\n# /// script\n# dependencies = [\"a\"]\n# ///\n";
        let m = parse(&SourceFile::new("main.py", text));
        assert_eq!(m.dependencies.len(), 1);
        assert_eq!(m.findings.len(), 1);
        assert_eq!((m.findings[0].line, m.findings[0].column), (1, 15));
    }
}
