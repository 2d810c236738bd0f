//! `obfuscation` (SG408): code written to be hard to read: builtins looked up by a computed
//! name (`getattr(__builtins__, 'ex' + 'ec')`), code pushed past the edge of an editor by a run
//! of spaces, bidirectional control characters (Trojan Source), and expressions nested too deep
//! to read. From the facts: the builtins lookups, the text-level hiding and where the tree was
//! too deep; placed over the lookup, the run of spaces, the character or the deep node.
//!
//! Severity: looking up an `exec`-like builtin by a computed name is an error, and so is a name
//! scrambled by code this reader does not evaluate (a Caesar shift of a literal, a reversal, a
//! decoding: `''.join(chr(ord(c) - 3) for c in 'hafh')`), which honest code never writes; an `exec`-like
//! name, or any name computed from literals, is a warning alone and an error when the file
//! decodes or carries a payload blob; a name from a variable (how generic code picks a
//! function) is a note; a literal, readable name is not reported. Off-screen code is an error
//! when the hidden code executes, spawns or connects, a warning alone otherwise and an error
//! when the file decodes or carries a payload blob; a bidi control is a warning; a too-deep
//! expression is a note.
//! A coding cookie naming an encoding other than UTF-8, ASCII or Latin-1 is an error
//! ([`foreign_encoding`]), except, with `--trusted`, in a module that an installed
//! distribution's `RECORD` lists and that nothing the scan sees runs unasked (no package's
//! `__init__.py`, `setup.py`, `conftest.py`, start-up file or instructed script imports it):
//! a warning there ([`foreign_encoding`]'s `unasked_only`; joblib's Big5 test fixture).
//! (`scan` also reports here the files it could not read, and symbolic links it refused.)

use super::code::{severity, CodeFile};
use crate::code_facts::MAX_DEPTH;
use crate::code_facts::{kind, Hiding};
use crate::finding::{Finding, Rule, Severity};

pub fn check(file: &CodeFile) -> Vec<Finding> {
    let facts = file.facts;
    let mut out = Vec::new();
    let mut push = |start: usize, len: usize, alone: Severity, with: u16, msg: String| {
        out.push(file.finding(
            Rule::Obfuscation,
            start,
            start + len,
            severity(with & file.kinds != 0, alone),
            msg,
        ));
    };
    for lookup in &facts.lookups {
        let name = lookup
            .name
            .as_deref()
            .map(|n| format!("`{n}`"))
            .unwrap_or_else(|| "a name held in a variable".into());
        let scrambled = lookup.name.is_none() && !lookup.dynamic;
        let (alone, with) = if (lookup.exec_like && lookup.computed) || scrambled {
            (Severity::Error, 0)
        } else if lookup.hides_exec() {
            (Severity::Warning, kind::DECODE | kind::BLOB)
        } else if lookup.dynamic {
            (Severity::Note, 0)
        } else {
            continue; // `getattr(builtins, "open")`: a plain, readable name
        };
        push(
            lookup.start,
            lookup.end - lookup.start,
            alone,
            with,
            format!(
                "looks up {name} in the builtins dynamically{}: a way to call `exec` and friends without writing their names",
                if scrambled {
                    " from a string scrambled by code (a Caesar shift, a reversal, a decoding)"
                } else if lookup.computed && !lookup.dynamic {
                    " from a computed string"
                } else {
                    ""
                }
            ),
        );
    }
    for hiding in &facts.hiding {
        match *hiding {
            Hiding::OffScreen {
                start,
                spaces,
                code,
                line_end,
            } => {
                let hidden = facts.kinds_in(code..line_end);
                push(
                    start,
                    spaces,
                    if hidden & kind::CAPABILITIES != 0 {
                        Severity::Error
                    } else {
                        Severity::Warning
                    },
                    kind::DECODE | kind::BLOB,
                    format!(
                        "code after {spaces} spaces, past the edge of any editor window: hidden from review"
                    ),
                );
            }
            Hiding::Bidi { at, c } => push(
                at,
                1,
                Severity::Warning,
                0,
                format!(
                    "bidirectional control character U+{:04X}: the code runs in a different order than it reads (Trojan Source)",
                    c as u32
                ),
            ),
        }
    }
    if let Some(at) = facts.too_deep {
        push(
            at,
            1,
            Severity::Note,
            0,
            format!("nested more than {MAX_DEPTH} levels deep; the rest of this expression was not read"),
        );
    }
    out
}

/// A PEP 263 cookie naming an encoding other than UTF-8, ASCII or Latin-1
/// (as `src/scan/source.rs` decodes it): an error, since Python then runs text that no editor shows (a
/// `utf-7` file hides `exec` as `+AGU-xec`). `line` is the cookie's byte range. `unasked_only`:
/// the file is a module of an installed distribution (its `RECORD` lists it, `--trusted` only)
/// that nothing the scan sees runs unasked: a warning, saying so.
pub fn foreign_encoding(
    sf: &crate::source::SourceFile,
    line: std::ops::Range<usize>,
    encoding: &str,
    unasked_only: bool,
) -> Finding {
    let (l, c) = sf.line_col(line.start);
    let (severity, why) = if unasked_only {
        (Severity::Warning, " (a warning: an installed distribution lists this module and nothing that runs unasked imports it)")
    } else {
        (Severity::Error, "")
    };
    Finding::new(
        Rule::Obfuscation,
        sf.display_path(),
        l,
        c,
        format!(
            "the coding cookie makes Python decode this file as `{encoding}`, which this scan does not decode as Python does (only UTF-8, ASCII and Latin-1): what runs was not checked (the bytes were read as UTF-8 here), and a cookie can make Python run text that an editor shows otherwise (`utf-7` turns `+AGU-xec` into `exec`); re-save the file as UTF-8 before trusting it{why}"
        ),
    )
    .with_severity(severity)
    .with_snippet(sf.line_text(l).chars().take(300).collect::<String>())
    .on_line_of(sf, l)
}
