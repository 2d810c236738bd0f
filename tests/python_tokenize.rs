//! Differential test of `scan`'s reading of Python source ([`squatguard::scan::source`] and the
//! identifiers [`squatguard::scan::python`] compares) against Python's own reader: generated
//! sources mixing line terminators (`\n`, `\r\n`, a lone `\r`, also after comments and inside
//! strings), coding cookies and non-ASCII identifiers are written to files; one `python3`
//! process reads them all as the interpreter does (`compile` must accept the bytes; line
//! terminators translated as the interpreter's tokenizer does first, the cookie by
//! `tokenize.detect_encoding`, then `tokenize`) and prints, per file, each non-keyword NAME
//! token NFKC-normalised with its line. squatguard must see the same names on the same lines.

#[allow(dead_code)] // why: this file needs only `python3`
mod common;

use squatguard::scan::{python, source};
use std::collections::BTreeMap;

const PY: &str = r#"
import io, json, keyword, sys, tokenize, unicodedata
out = {}
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        data = f.read()
    # as the interpreter's tokenizer does first (tokenizer.c, translate_newlines); tokenize's
    # own detect_encoding splits lines on \n only and so misses a cookie after a lone \r
    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    compile(data, path, "exec")
    enc, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(enc)
    if text.startswith("\ufeff"):
        text = text[1:]
    names = []
    for t in tokenize.generate_tokens(io.StringIO(text).readline):
        if t.type == tokenize.NAME and not keyword.iskeyword(t.string):
            names.append([t.start[0], unicodedata.normalize("NFKC", t.string)])
    out[path] = names
print(json.dumps(out))
"#;

/// Pieces of source, each ending where a line terminator goes (`{T}`).
const PIECES: &[&str] = &[
    "x = 1",
    "# a comment{T}exec(y)",
    "# c{T}import os{T}os.system(cmd)",
    "\u{1d41e}\u{1d431}\u{1d41e}\u{1d41c}(data)",
    "\u{ff50}\u{ff52}\u{ff49}\u{ff4e}\u{ff54}(value)",
    "\u{fb01}le = open_it(name)",
    "s = 'not # a comment'; t = u",
    "m = '''one{T}two # still a string{T}three'''",
    "def f(a, b):{T}    return a + b",
    "if ready:{T}    go()",
    "total = first + \\{T}    second",
    "call(arg,{T}     other)",
    "caf\u{e9} = r\u{e9}sum\u{e9}",
    "\u{1d42c}\u{1d42e}\u{1d41b}\u{1d429}\u{1d42b}\u{1d428}\u{1d41c}\u{1d41e}\u{1d42c}\u{1d42c}.run(cmd)",
    "@decorate{T}def g(): pass",
    "class K(Base):{T}    attr = value",
];

const TERMINATORS: &[&str] = &["\n", "\r\n", "\r"];

const HEADS: &[&[u8]] = &[
    b"",
    b"# -*- coding: utf-8 -*-\n",
    b"#!/usr/bin/env python\r# coding=latin-1\r",
    b"\xef\xbb\xbf",
    b"# vim: set fileencoding=ascii :\r\n",
];

/// A small deterministic generator (no dependency, reproducible failures).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

fn generate(seed: u64) -> Vec<u8> {
    let mut rng = Lcg(seed);
    let head = HEADS[rng.next(HEADS.len())];
    let latin1 = head.windows(7).any(|w| w == b"latin-1");
    let ascii = head.windows(5).any(|w| w == b"ascii");
    let mut text = String::new();
    for _ in 0..(3 + rng.next(8)) {
        let piece = PIECES[rng.next(PIECES.len())];
        let mut piece = piece.to_owned();
        while piece.contains("{T}") {
            piece = piece.replacen("{T}", TERMINATORS[rng.next(TERMINATORS.len())], 1);
        }
        if (latin1 || ascii) && !piece.is_ascii() {
            let fits = |c: char| {
                if ascii {
                    c.is_ascii()
                } else {
                    (c as u32) < 256
                }
            };
            if !piece.chars().all(fits) {
                continue;
            }
        }
        text.push_str(&piece);
        text.push_str(TERMINATORS[rng.next(TERMINATORS.len())]);
    }
    let mut bytes = head.to_vec();
    if latin1 {
        bytes.extend(text.chars().map(|c| c as u32 as u8));
    } else {
        bytes.extend(text.as_bytes());
    }
    bytes
}

#[test]
fn names_and_lines_agree_with_python_tokenize() {
    let Some(python3) = common::python3() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut files = BTreeMap::new();
    for seed in 0..300u64 {
        let path = dir.path().join(format!("gen{seed}.py"));
        let bytes = generate(seed);
        std::fs::write(&path, &bytes).unwrap();
        files.insert(path.display().to_string(), bytes);
    }
    let out = std::process::Command::new(python3)
        .arg("-c")
        .arg(PY)
        .args(files.keys())
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let python: BTreeMap<String, Vec<(u32, String)>> =
        serde_json::from_slice(&out.stdout).expect("python's JSON");
    assert_eq!(python.len(), files.len());
    let mut names = 0;
    for (path, bytes) in &files {
        let decoded = source::decode(bytes);
        let mut ours = python::identifiers(&decoded.text);
        let mut theirs = python[path].clone();
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs, "{path}: {:?}", String::from_utf8_lossy(bytes));
        assert!(decoded.foreign_cookie.is_none(), "{path}");
        names += theirs.len();
    }
    // the generator produced real work
    assert!(names > 1000, "{names}");
}
