//! `setup.py` as Python's tokenizer reads it, before tree-sitter parses it.
//!
//! pip runs `setup.py` through setuptools, which opens it with `tokenize.open` (PEP 263
//! encoding detection, then universal newlines) and `exec`s the text. So, as CPython's
//! tokenizer (`Parser/tokenizer.c`) and `tokenize.detect_encoding` read a file:
//!
//! - **Line terminators** are `\n`, `\r\n` and a lone `\r` (universal newlines). tree-sitter's
//!   Python grammar ends a line (and a `#` comment) only at `\n`, so `# note\rinstall_requires=`
//!   would be one comment to it and code to Python: a lone `\r` is handed to tree-sitter as
//!   `\n` (one byte for one, so every offset stays that of the file). Other characters that
//!   `str.splitlines()` breaks at (`\v`, `\f`, `\x1c`..`\x1e`, `\x85`, U+2028, U+2029) do not
//!   end a line or a comment for Python, nor for tree-sitter. A `\f` at the start of a line
//!   resets the indentation count in both.
//! - **The encoding cookie** (PEP 263): `^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)` on line 1, or
//!   on line 2 when line 1 is blank or a comment (the first two lines as
//!   `tokenize.detect_encoding` reads them: ended at `\n` only). Its name is normalised as
//!   `tokenize._get_normal_name` and `codecs.lookup` do ([`crate::python_text::tokenizer_codec`],
//!   and [`crate::python_text::tokenizer_cookie`] for the cookie itself). squatguard reads UTF-8
//!   only, so a cookie naming anything other than UTF-8 (or ASCII or Latin-1 for a file that is
//!   all ASCII, which those decode identically) is an `invalid-manifest` error at the cookie:
//!   Python would decode the file differently (UTF-7's `+AAo-` is a newline to it), and no
//!   honest manifest needs that.
//! - **Identifiers** are NFKC-normalised (the language reference, "Identifiers and keywords"):
//!   `𝐢𝐧𝐬𝐭𝐚𝐥𝐥_𝐫𝐞𝐪𝐮𝐢𝐫𝐞𝐬=` is the keyword argument `install_requires`. Each identifier with
//!   non-ASCII characters is rewritten to its NFKC form, padded with spaces to its byte length
//!   (offsets stay those of the file). One whose normal form is a Python keyword stays as
//!   written (Python reads `𝐍𝐨𝐧𝐞` as the name `None`, not the constant), and one whose normal
//!   form is longer than it is (`ŉ`) is an `invalid-manifest` error, as squatguard cannot
//!   keep its offsets.
//!
//! The real reader this must agree with is CPython's (`ast.parse` of the text
//! `tokenize.open` returns); `tests/differential.rs` compares the two.

use crate::python_text::{universal_newlines, KEYWORDS};
use crate::source::SourceFile;
use std::borrow::Cow;
use tree_sitter::{Node, Parser, Tree};
use unicode_normalization::UnicodeNormalization;

/// A problem with the file as Python would read it: where, and what.
pub(super) struct SourceError {
    pub(super) offset: usize,
    pub(super) message: String,
}

/// The text to parse for `src`, as Python's tokenizer sees it.
pub(super) struct Prepared {
    /// `src` with every lone `\r` made `\n`, when it has one: line numbers count those lines.
    pub(super) lines: Option<SourceFile>,
    /// The code tree-sitter parses: [`Prepared::lines`]' text with identifiers NFKC-normalised.
    pub(super) code: String,
    /// [`Prepared::code`] parsed (`None` if tree-sitter gave up).
    pub(super) tree: Option<Tree>,
    pub(super) errors: Vec<SourceError>,
}

impl Prepared {
    /// The file findings are located in.
    pub(super) fn src<'a>(&'a self, original: &'a SourceFile) -> &'a SourceFile {
        self.lines.as_ref().unwrap_or(original)
    }
}

/// Reads `src` as Python's tokenizer would: its lines, its encoding cookie, its identifiers.
pub(super) fn prepare(src: &SourceFile) -> Prepared {
    let lines = text_mode(src);
    let text = lines
        .as_ref()
        .map_or(src.text.as_str(), |s| s.text.as_str());
    let mut errors = Vec::new();
    // `tokenize.detect_encoding` reads the first two lines in binary: they end at `\n` only
    if let Some(error) = cookie_error(&src.text) {
        errors.push(error);
    }
    let mut tree = parse_python(text);
    let code = match tree
        .as_ref()
        .map(|t| normalize_identifiers(text, t, &mut errors))
    {
        Some(Cow::Owned(code)) => {
            tree = parse_python(&code);
            code
        }
        _ => text.to_owned(),
    };
    Prepared {
        lines,
        code,
        tree,
        errors,
    }
}

/// `text` parsed by tree-sitter's Python grammar.
fn parse_python(text: &str) -> Option<Tree> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .ok()
        .and_then(|()| parser.parse(text, None))
}

/// `src` as a file read in text mode sees it: with each lone `\r` made `\n` (same offsets),
/// when it has one; `None` when it has none.
pub(crate) fn text_mode(src: &SourceFile) -> Option<SourceFile> {
    universal_newlines(&src.text).map(|t| SourceFile::new(src.path.clone(), t))
}

/// An error for a cookie on the first two lines that makes Python read the file differently.
fn cookie_error(text: &str) -> Option<SourceError> {
    let (offset, what) = crate::python_text::foreign_cookie(text)?;
    Some(SourceError {
        offset,
        message: format!(
            "setup.py declares {what}: Python would read other code than squatguard does; \
             save the file as UTF-8 and remove the cookie"
        ),
    })
}

/// `text` with every non-ASCII identifier NFKC-normalised and padded to its length.
fn normalize_identifiers<'a>(
    text: &'a str,
    tree: &Tree,
    errors: &mut Vec<SourceError>,
) -> Cow<'a, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    let mut out: Option<String> = None;
    // where the last rewrite ended: an error-recovered tree may overlap identifiers
    let mut done = 0;
    let mut cursor = tree.root_node().walk();
    'walk: loop {
        let node: Node<'_> = cursor.node();
        if node.kind() == "identifier" && node.start_byte() >= done {
            let range = node.byte_range();
            if let Some(ident) = text.get(range.clone()).filter(|i| !i.is_ascii()) {
                let normal: String = ident.nfkc().collect();
                if normal.len() > ident.len() {
                    errors.push(SourceError {
                        offset: range.start,
                        message: format!(
                            "the identifier `{ident}` is `{normal}` to Python (NFKC), which is \
                             longer than it is written; squatguard cannot read it in place, so \
                             spell it `{normal}`"
                        ),
                    });
                } else if normal != ident && !KEYWORDS.contains(&normal.as_str()) {
                    let out = out.get_or_insert_with(|| text.to_owned());
                    let padded = normal.clone() + &" ".repeat(ident.len() - normal.len());
                    done = range.end;
                    out.replace_range(range, &padded);
                }
            }
        }
        if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    out.map_or(Cow::Borrowed(text), Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_as_tokenize_reads_them() {
        assert_eq!(cookie("# -*- coding: utf-7 -*-\n"), Some((14, "utf-7")));
        assert_eq!(
            cookie("  #vim: set fileencoding=latin-1 :\n"),
            Some((25, "latin-1"))
        );
        assert_eq!(cookie("x = 1 # coding: utf-7\n"), None);
        assert_eq!(cookie("# coding utf-7\n"), None);
        assert_eq!(cookie("# codings: x coding=ascii\n"), Some((20, "ascii")));
    }

    /// The encoding a PEP 263 cookie on one line names, with the offset of the name.
    fn cookie(line: &str) -> Option<(usize, &str)> {
        let (at, name) = crate::python_text::tokenizer_cookie(line.as_bytes())?;
        Some((at, line.get(at..at + name.len())?))
    }

    #[test]
    fn cookie_errors() {
        let e = cookie_error("# -*- coding: utf-7 -*-\nsetup()\n").unwrap();
        assert_eq!(e.offset, 14);
        let e = cookie_error("#!/usr/bin/env python\n# coding=utf-16\n").unwrap();
        assert_eq!(e.offset, 22 + 9);
        assert!(cookie_error("import x\n# coding=utf-16\n").is_none());
        assert!(cookie_error("\n\n# coding=utf-16\n").is_none());
        assert!(cookie_error("# coding: latin-1\nx = 'a'\n").is_none());
        assert!(cookie_error("# coding: latin-1\nx = 'é'\n").is_some());
        assert!(cookie_error("# coding: utf-8\nx = 'é'\n").is_none());
    }

    #[test]
    fn identifiers_are_nfkc_normalised_in_place() {
        let text = "𝐬𝐞𝐭𝐮𝐩(𝐢𝐧𝐬𝐭𝐚𝐥𝐥_𝐫𝐞𝐪𝐮𝐢𝐫𝐞𝐬=['é'], x=𝐍𝐨𝐧𝐞)";
        let mut errors = Vec::new();
        let code = normalize_identifiers(text, &parse_python(text).unwrap(), &mut errors);
        assert_eq!(code.len(), text.len());
        assert!(code.starts_with(&format!("setup{}(install_requires", " ".repeat(15))));
        assert!(code.contains("['é']"));
        assert!(code.contains("x=𝐍𝐨𝐧𝐞"));
        assert!(errors.is_empty());
        let mut errors = Vec::new();
        let _ = normalize_identifiers("ŉ = 1\n", &parse_python("ŉ = 1\n").unwrap(), &mut errors);
        assert_eq!(errors.len(), 1);
    }
}
