//! Differential test of [`squatguard::python_text`] against the real `python3`: codec names
//! (every alias of UTF-8, ASCII and Latin-1 in `encodings.aliases`, other codecs' names, and
//! generated spellings of them: case, separators, dots, non-ASCII letters and digits, the
//! tokenizer's `utf-8-`/`latin-1-` prefixes) through `codecs.lookup`,
//! `encodings.normalize_encoding` and `tokenize._get_normal_name`; generated strings through
//! `str.splitlines`, `str.strip` and `str.isspace`; generated comment lines through
//! `tokenize.cookie_re`, `tokenize.blank_re` and pip's `coding[:=]\s*([-\w.]+)`. One `python3`
//! process answers for all of them; it must be 3.10 or later (before, `normalize_encoding` kept
//! non-ASCII letters), as for the other differential tests.

#[allow(dead_code)] // why: this file needs only `python3`
mod common;

use serde_json::{json, Value};
use squatguard::python_text::{
    coding_spec, is_space, lookup_codec, normalize_encoding, splitlines, strip, tokenizer_codec,
    tokenizer_cookie, tokenizer_reads_second_line, Codec,
};
use std::io::Write;

const PY: &str = r#"
import codecs, encodings, encodings.aliases, json, re, sys, tokenize
data = json.load(sys.stdin)
def codec(name):
    try:
        found = codecs.lookup(name).name
    except (LookupError, ValueError):
        return "other"
    return {"utf-8": "utf8", "ascii": "ascii", "iso8859-1": "latin1"}.get(found, "other")
PIP = re.compile(rb"coding[:=]\s*([-\w.]+)")
def span(m):
    if m is None:
        return None
    g = m.group(1)
    return [m.start(1), g if isinstance(g, str) else g.decode()]
assert sys.version_info >= (3, 10), "python3 3.10 or later is needed, not " + sys.version
out = {
    "aliases": sorted(k for k, v in encodings.aliases.aliases.items()
                      if v in ("utf_8", "ascii", "latin_1")),
    "names": [[codec(n), encodings.normalize_encoding(n), codec(tokenize._get_normal_name(n))]
              for n in data["names"]],
    "texts": [[t.splitlines(), t.strip()] for t in data["texts"]],
    "spaces": [c.isspace() for c in data["chars"]],
    "lines": [[span(tokenize.cookie_re.match(l)),
               tokenize.blank_re.match(l.encode()) is not None,
               span(PIP.search(l.encode()))]
              for l in data["lines"]],
}
print(json.dumps(out))
"#;

/// A small deterministic generator (no dependency, reproducible failures).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Names to start from: module names, aliases (spelt as written in `aliases.py`), other codecs.
const NAMES: &[&str] = &[
    "utf_8",
    "utf-8",
    "ascii",
    "latin_1",
    "latin-1",
    "u8",
    "utf",
    "utf8",
    "utf8_ucs2",
    "utf8_ucs4",
    "cp65001",
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
    "8859",
    "cp819",
    "csisolatin1",
    "ibm819",
    "iso8859",
    "iso8859_1",
    "iso_8859_1",
    "iso_8859_1_1987",
    "iso_ir_100",
    "l1",
    "latin",
    "latin1",
    "iso-latin-1",
    "utf-8-sig",
    "utf_7",
    "utf_16",
    "utf_32",
    "cp1252",
    "latin_9",
    "iso8859_15",
    "shift_jis",
    "rot13",
    "aliases",
    "unicode_escape",
];

/// Spellings Python accepts, or nearly does.
fn mutate(rng: &mut Lcg, name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        match (c, rng.below(8)) {
            ('_' | '-' | '.', 0) => out.push_str(rng.pick(&["-", "_", ".", " ", "--", ":", ""])),
            ('_' | '-', 1) => out.push_str(rng.pick(&["\u{e9}", "\u{df}", "\u{2003}", "\u{660}"])),
            (c, 2) if c.is_ascii_alphabetic() => out.push(c.to_ascii_uppercase()),
            (c, 3) if rng.below(6) == 0 => {
                out.push(c);
                out.push_str(rng.pick(&["\u{e9}", "\u{416}", "\u{b2}", "-", ".", "x"]));
            }
            (c, _) => out.push(c),
        }
    }
    match rng.below(10) {
        0 => format!("{}{out}", rng.pick(&["-", "_", ".", " ", "\u{e9}"])),
        1 => format!(
            "{out}{}",
            rng.pick(&["-", "_", ".", "-x", "-unix", "\u{e9}"])
        ),
        _ => out,
    }
}

fn codec_name(c: Codec) -> &'static str {
    match c {
        Codec::Utf8 => "utf8",
        Codec::Ascii => "ascii",
        Codec::Latin1 => "latin1",
        Codec::Other => "other",
    }
}

/// Characters for generated strings: every line break and `isspace` character of interest,
/// near misses, letters.
const CHARS: &[&str] = &[
    "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\u{85}", "\u{2028}",
    "\u{2029}", " ", "\t", "\u{a0}", "\u{1680}", "\u{2003}", "\u{200b}", "\u{3000}", "\u{feff}",
    "\u{180e}", "a", "b", "\u{e9}", "#", "\\",
];

/// Pieces of comment lines for the cookie grammars.
const LINE_PIECES: &[&str] = &[
    "#",
    " ",
    "\t",
    "\x0c",
    "\x0b",
    "\r",
    "coding",
    "coding:",
    "coding=",
    "codings",
    ": ",
    "=",
    "utf-8",
    "latin-1",
    "x",
    "-*-",
    "vim: set fileencoding",
    ".",
    "_",
    "1",
];

#[test]
fn python_text_agrees_with_python() {
    let Some(python3) = common::python3() else {
        return;
    };
    let mut rng = Lcg(7);
    let mut names: Vec<String> = NAMES.iter().map(|n| n.to_string()).collect();
    for _ in 0..3000 {
        let base = rng.pick(NAMES);
        let name = mutate(&mut rng, base);
        names.push(name);
    }
    names.extend(
        [
            "utf-8-x",
            "UTF_8_abcdefghij",
            "iso-latin-1-",
            "iso-8859-1-x",
            "latin-1-",
            "l\u{e9}1",
        ]
        .map(String::from),
    );
    let texts: Vec<String> = (0..2000)
        .map(|_| (0..rng.below(12)).map(|_| rng.pick(CHARS)).collect())
        .collect();
    let chars: Vec<char> = CHARS
        .iter()
        .flat_map(|s| s.chars())
        .chain('\0'..='\u{3000}')
        .collect();
    let lines: Vec<String> = (0..3000)
        .map(|_| {
            let lead = rng.pick(&["", "", "#", "# ", " #", "\x0c\t#", "x #"]);
            let rest: String = (0..rng.below(7)).map(|_| rng.pick(LINE_PIECES)).collect();
            format!("{lead}{rest}")
        })
        .collect();
    let input = json!({
        "names": names,
        "texts": texts,
        "chars": chars.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        "lines": lines,
    });
    let mut child = std::process::Command::new(python3)
        .arg("-c")
        .arg(PY)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run python3");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let python: Value = serde_json::from_slice(&out.stdout).expect("python's JSON");

    // the alias table is the one Python has
    let aliases: Vec<String> = serde_json::from_value(python["aliases"].clone()).unwrap();
    for alias in &aliases {
        assert_ne!(lookup_codec(alias), Codec::Other, "{alias}");
    }
    assert!(aliases.len() >= 30, "{aliases:?}");

    let mut found = [0usize; 4];
    for (name, theirs) in names.iter().zip(python["names"].as_array().unwrap()) {
        let ours = json!([
            codec_name(lookup_codec(name)),
            normalize_encoding(name),
            codec_name(tokenizer_codec(name)),
        ]);
        assert_eq!(&ours, theirs, "{name:?}");
        found[lookup_codec(name) as usize] += 1;
    }
    // the generator reached every class
    assert!(found.iter().all(|&n| n > 100), "{found:?}");

    for (text, theirs) in texts.iter().zip(python["texts"].as_array().unwrap()) {
        let lines: Vec<&str> = splitlines(text).map(|(r, _)| &text[r]).collect();
        assert_eq!(&json!([lines, strip(text)]), theirs, "{text:?}");
    }
    for (c, theirs) in chars.iter().zip(python["spaces"].as_array().unwrap()) {
        assert_eq!(&json!(is_space(*c)), theirs, "{c:?}");
    }

    let mut cookies = 0;
    for (line, theirs) in lines.iter().zip(python["lines"].as_array().unwrap()) {
        let span = |m: Option<(usize, &[u8])>| {
            m.map(|(at, name)| json!([at, String::from_utf8_lossy(name)]))
        };
        let bytes = line.as_bytes();
        let pip_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c');
        let ours = json!([
            span(tokenizer_cookie(bytes)),
            tokenizer_reads_second_line(bytes),
            span(coding_spec(bytes, pip_space)),
        ]);
        assert_eq!(&ours, theirs, "{line:?}");
        cookies += usize::from(tokenizer_cookie(bytes).is_some());
    }
    assert!(cookies > 50, "{cookies}");
}
