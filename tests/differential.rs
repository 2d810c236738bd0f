//! Differential tests: squatguard's `setup.py`, `setup.cfg` and `pyproject.toml` readers against
//! the real ones, run by `python3` over generated files.
//!
//! Each test generates many files from a fixed seed (the generator is here, so a failure
//! reproduces), writes them as JSON lines, and has Python (one process per core, at most four,
//! each over its share) read them with the real reader (`tests/differential/*.py`: CPython executing `setup.py` as setuptools'
//! `build_meta` does; setuptools' `Distribution.parse_config_files`; `tomllib`),
//! printing the requirement names it finds per section. For every file the real reader
//! accepts, squatguard must read the same names in the same sections, or refuse the file with
//! an error finding, or (for `setup.py`) read a part of them and say with a note that the rest
//! is not read. A different reading fails the test. Files the real reader refuses (a syntax
//! error, an invalid requirement) install nothing and are only counted.
//!
//! `SQUATGUARD_DIFF_INPUTS` sets how many files each test generates (default 100,000);
//! `SQUATGUARD_DIFF_KEEP=<dir>` keeps the generated inputs there (`<script>.jsonl`). The
//! tests need `python3` (3.11 or later, for `tomllib`) with `setuptools`: under CI (`CI` set)
//! they fail without it, elsewhere they skip and say why.

#[allow(dead_code)] // why: only the CI check of the helpers is used here
mod common;

use rayon::prelude::*;
use squatguard::finding::{Rule, Severity};
use squatguard::manifest::{pyproject, setup_cfg, setup_py, Manifest};
use squatguard::source::SourceFile;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const DEFAULT_INPUTS: usize = 100_000;

fn count() -> usize {
    std::env::var("SQUATGUARD_DIFF_INPUTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_INPUTS)
}

/// A small deterministic generator, so that a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// `python3` with setuptools and tomllib, or `None` (outside CI) to skip.
#[allow(clippy::print_stderr)] // why: a skipped test says why
fn python3() -> Option<PathBuf> {
    let probe = Command::new("python3")
        .args(["-c", "import setuptools, tomllib"])
        .output();
    match probe {
        Ok(out) if out.status.success() => Some(PathBuf::from("python3")),
        other => {
            let why = match other {
                Ok(out) => String::from_utf8_lossy(&out.stderr).trim().to_owned(),
                Err(e) => e.to_string(),
            };
            assert!(
                !common::in_ci(),
                "the differential tests need python3 (3.11+) with setuptools under CI: {why}"
            );
            eprintln!("skipping: python3 with setuptools and tomllib is not available: {why}");
            None
        }
    }
}

type Names = Vec<(String, String)>;

/// Runs `tests/differential/<script>` over `inputs`: per input, the names the real reader
/// finds, or `None` where it refuses the input. The inputs are shared out among one Python
/// process per core (at most four), each reading its share in order.
fn real(python: &Path, script: &str, inputs: &[String]) -> Vec<Option<Names>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential");
    if let Some(keep) = std::env::var_os("SQUATGUARD_DIFF_KEEP") {
        // to rerun the real reader by hand: python3 tests/differential/<script> < <file>
        let mut all = Vec::new();
        for input in inputs {
            serde_json::to_writer(&mut all, input).unwrap();
            all.push(b'\n');
        }
        std::fs::write(Path::new(&keep).join(format!("{script}.jsonl")), all).unwrap();
    }
    let processes = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let share = inputs.len().div_ceil(processes).max(1);
    let children: Vec<_> = inputs
        .chunks(share)
        .map(|chunk| {
            let mut file = tempfile::NamedTempFile::new().unwrap();
            for input in chunk {
                serde_json::to_writer(&mut file, input).unwrap();
                file.write_all(b"\n").unwrap();
            }
            file.flush().unwrap();
            let child = Command::new(python)
                .arg(dir.join(script))
                .current_dir(&dir)
                .stdin(Stdio::from(file.reopen().unwrap()))
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap();
            (file, child)
        })
        .collect();
    let mut results: Vec<Option<Names>> = Vec::with_capacity(inputs.len());
    for (_file, child) in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{script} failed");
        results.extend(
            out.stdout
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .map(|l| {
                    let v: Option<Vec<(String, String)>> = serde_json::from_slice(l).unwrap();
                    v.map(|mut names| {
                        names.sort();
                        names
                    })
                }),
        );
    }
    assert_eq!(results.len(), inputs.len(), "{script} answered every input");
    results
}

/// What squatguard made of one input.
struct Ours {
    names: Names,
    refused: bool,
    noted: bool,
}

fn ours(m: &Manifest, sections: impl Fn(&str) -> bool) -> Ours {
    let mut names: Names = m
        .dependencies
        .iter()
        .filter(|d| sections(&d.section))
        .map(|d| (d.section.clone(), d.name.as_str().to_owned()))
        .collect();
    names.sort();
    Ours {
        names,
        refused: m.findings.iter().any(|f| f.severity == Severity::Error),
        noted: m
            .findings
            .iter()
            .any(|f| f.rule == Rule::UnresolvedDependency),
    }
}

/// Whether every name of `part` is in `whole` (as multisets).
fn within(part: &Names, whole: &Names) -> bool {
    let mut left: HashMap<&(String, String), usize> = HashMap::new();
    for n in whole {
        *left.entry(n).or_default() += 1;
    }
    part.iter().all(|n| match left.get_mut(n) {
        Some(c) if *c > 0 => {
            *c -= 1;
            true
        }
        _ => false,
    })
}

/// Compares squatguard with the real reader over `inputs`; panics on any different reading.
#[allow(clippy::print_stderr)] // why: the tallies are the test's report
fn differential(
    what: &str,
    script: &str,
    inputs: Vec<String>,
    read: impl Fn(&str) -> Ours + Sync,
    notes_allowed: bool,
) {
    let Some(python) = python3() else { return };
    let started = Instant::now();
    let truth = std::thread::scope(|s| {
        let python = &python;
        let inputs = &inputs;
        let real = s.spawn(move || {
            let started = Instant::now();
            (real(python, script, inputs), started.elapsed())
        });
        let mine: Vec<Ours> = inputs.par_iter().map(|i| read(i)).collect();
        let ours_took = started.elapsed();
        (real.join().unwrap(), mine, ours_took)
    });
    let ((real, real_took), mine, ours_took) = truth;
    let (mut agreed, mut refused, mut noted, mut real_refused) = (0, 0, 0, 0);
    let mut differences = Vec::new();
    for ((input, real), mine) in inputs.iter().zip(&real).zip(&mine) {
        let Some(real) = real else {
            real_refused += 1;
            continue;
        };
        if mine.names == *real {
            agreed += 1;
        } else if mine.refused {
            refused += 1;
        } else if notes_allowed && mine.noted && within(&mine.names, real) {
            noted += 1;
        } else {
            differences.push(format!(
                "{input:?}\n  real reader: {real:?}\n  squatguard:  {:?}",
                mine.names
            ));
        }
    }
    eprintln!(
        "{what}: {} inputs in {:.1?} (squatguard {ours_took:.1?}, the real reader \
         {real_took:.1?}, side by side): {agreed} read alike, {refused} refused by squatguard \
         with an error, {noted} read in part with a note, {real_refused} refused by the real \
         reader",
        inputs.len(),
        started.elapsed()
    );
    assert!(
        differences.is_empty(),
        "{} of {} inputs read differently, the first ones:\n{}",
        differences.len(),
        inputs.len(),
        differences
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        agreed * 2 > inputs.len(),
        "most inputs should be read alike ({agreed})"
    );
}

// ---- requirement texts shared by the generators ------------------------------------------

const NAMES: [&str; 10] = [
    "requests",
    "colourama",
    "Flask",
    "numpy",
    "six",
    "a_b.c",
    "reqeusts",
    "PyYAML",
    "x",
    "zope.interface",
];

/// One requirement: a name, maybe extras, a version and a marker.
fn requirement(rng: &mut Rng) -> String {
    let mut r = rng.pick(&NAMES).to_owned();
    if rng.chance(10) {
        r.push_str("[socks]");
    }
    if rng.chance(40) {
        r.push_str(rng.pick(&[">=1.0", "==2.32.3", " >= 1, <2", "~=0.4", "!=3"]));
    }
    if rng.chance(10) {
        r.push_str(rng.pick(&["; python_version >= '3.8'", " ; sys_platform == \"win32\""]));
    }
    r
}

/// What may stand between two requirements in one string: line breaks of every kind, a
/// comment, a continuation, blank lines.
const SEPARATORS: [&str; 16] = [
    "\n",
    "\r\n",
    "\r",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1d",
    "\x1e",
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "  # note\n",
    " # c\x0b",
    "\n\n",
    "\n# skipped\n",
    "\t#x\n",
];

/// A requirement list's text: one or more requirements, maybe with comments and
/// continuations.
fn requirement_text(rng: &mut Rng) -> String {
    let mut text = requirement(rng);
    for _ in 0..rng.below(3) {
        text.push_str(rng.pick(&SEPARATORS));
        text.push_str(&requirement(rng));
    }
    if rng.chance(10) {
        text.push_str(rng.pick(&["  # trailing", " \\", "\n", " #", "#x"]));
    }
    text
}

// ---- setup.py ------------------------------------------------------------------------------

/// A Python string literal whose value is `value`, in one of the many ways to write one.
fn py_string(rng: &mut Rng, value: &str) -> String {
    let quote = rng.pick(&["'", "\"", "'''", "\"\"\""]);
    let triple = quote.len() == 3;
    let raw_ok = value
        .chars()
        .all(|c| !matches!(c, '\\' | '\'' | '"') && (triple || !matches!(c, '\n' | '\r')))
        && !value.ends_with('\\');
    let raw = raw_ok && rng.chance(25);
    let prefix = if raw {
        rng.pick(&["r", "R"])
    } else {
        rng.pick(&["", "", "u", "U"])
    };
    let mut body = String::new();
    for c in value.chars() {
        if raw {
            body.push(c);
            continue;
        }
        match c {
            '\\' => body.push_str("\\\\"),
            '\'' | '"' => {
                body.push('\\');
                body.push(c);
            }
            '\n' if triple && rng.chance(50) => body.push('\n'),
            '\n' => body.push_str(rng.pick(&["\\n", "\\x0a", "\\012", "\\u000a"])),
            '\r' => body.push_str(rng.pick(&["\\r", "\\x0d"])),
            '\x0b' => body.push_str(rng.pick(&["\\v", "\\x0b", "\x0b"])),
            '\x0c' => body.push_str(rng.pick(&["\\f", "\\x0c", "\x0c"])),
            '\t' => body.push_str(rng.pick(&["\\t", "\t"])),
            c if (c as u32) < 0x20 || c == '\u{85}' => {
                body.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if !c.is_ascii() => match rng.below(3) {
                0 => body.push_str(&format!("\\u{:04x}", c as u32)),
                1 => body.push_str(&format!("\\U{:08x}", c as u32)),
                _ => body.push(c),
            },
            'r' if rng.chance(5) => {
                body.push_str(rng.pick(&["\\x72", "\\162", "\\u0072", "\\N{LATIN SMALL LETTER R}"]))
            }
            c => body.push(c),
        }
    }
    let literal = format!("{prefix}{quote}{body}{quote}");
    // implicit concatenation of two pieces, split between characters
    if !raw && rng.chance(10) && body.len() > 2 && body.is_ascii() && !body.contains('\\') {
        let cut = 1 + rng.below(body.len() - 1);
        return format!(
            "{quote}{}{quote} {quote}{}{quote}",
            &body[..cut],
            &body[cut..]
        );
    }
    literal
}

/// A list expression whose value is `items`.
fn py_list(rng: &mut Rng, items: &[String]) -> String {
    let literals: Vec<String> = items.iter().map(|i| py_string(rng, i)).collect();
    let joined = literals.join(rng.pick(&[", ", ",\n    ", ", # c\n ", ",\x0c "]));
    match rng.below(12) {
        0 => format!("({joined},)"),
        1 => format!("list([{joined}])"),
        2 => format!("sorted([{joined}])"),
        3 if literals.len() > 1 => format!("[{}] + [{}]", literals[0], literals[1..].join(", ")),
        4 => format!("[r for r in [{joined}]]"),
        5 => format!("list(filter(None, [{joined}]))"),
        6 => format!("[r.strip() for r in [{joined}] if r]"),
        7 => format!("list(map(str.strip, [{joined}]))"),
        8 => rng
            .pick(&[
                "open('reqs.txt').read().splitlines()",
                "[r.strip() for r in open('reqs.txt') if r.strip() and not r.startswith('#')]",
                "open('reqs.txt').readlines()",
                "list(filter(None, open('reqs.txt').read().split('\\n')))",
                "open(os.path.join(os.path.dirname(__file__), 'reqs.txt')).read().splitlines()",
            ])
            .to_owned(),
        _ => format!("[{joined}]"),
    }
}

fn setup_py_input(rng: &mut Rng) -> String {
    let nl = |rng: &mut Rng| rng.pick(&["\n", "\n", "\n", "\r\n", "\r"]);
    let mut t = String::new();
    if rng.chance(10) {
        t.push_str("#!/usr/bin/env python");
        t.push_str(nl(rng));
    }
    if rng.chance(15) {
        t.push_str(rng.pick(&[
            "# -*- coding: utf-8 -*-",
            "# coding=utf8",
            "# vim: set fileencoding=latin-1 :",
            "# -*- coding: ascii -*-",
            "# coding: utf-7",
            "# coding: cp1252",
            "# coding: UTF-8-SIG",
            "# coding: rot13",
        ]));
        t.push_str(nl(rng));
    }
    let (import, call) = match rng.below(5) {
        0 => ("import setuptools", "setuptools.setup"),
        1 => ("from setuptools import setup as _s", "_s"),
        2 => ("from distutils.core import setup", "setup"),
        3 => (
            "from setuptools import setup",
            "\u{1d42c}\u{1d41e}\u{1d42d}\u{1d42e}\u{1d429}",
        ),
        _ => ("from setuptools import setup", "setup"),
    };
    t.push_str(import);
    t.push_str(nl(rng));
    t.push_str("import os");
    t.push_str(nl(rng));
    let items = |rng: &mut Rng| -> Vec<String> {
        (0..1 + rng.below(3))
            .map(|_| requirement_text(rng))
            .collect()
    };
    let mut install = None;
    if rng.chance(40) {
        let var = rng.pick(&["R", "REQS", "\u{ff32}"]);
        let list = items(rng);
        let expr = py_list(rng, &list);
        if rng.chance(10) {
            t.push('\x0c');
        }
        t.push_str(&format!("{var} = {expr}"));
        t.push_str(nl(rng));
        if rng.chance(40) {
            let more = requirement(rng);
            let lit = py_string(rng, &more);
            t.push_str(&match rng.below(3) {
                0 => format!("{var}.append({lit})"),
                1 => format!("{var} += [{lit}]"),
                _ => format!("{var}.extend([{lit}])"),
            });
            t.push_str(nl(rng));
        }
        install = Some(if var == "\u{ff32}" {
            "R".to_owned()
        } else {
            var.to_owned()
        });
    }
    t.push_str(call);
    t.push('(');
    t.push_str(nl(rng));
    t.push_str("    name='demo',");
    t.push_str(nl(rng));
    // a comment that hides a line from some readers
    if rng.chance(30) {
        t.push_str("    # pinned");
        t.push_str(rng.pick(&["\r", "\x0b", "\x0c", "\x1c", "\u{2028}", "\u{85}", "\r\n"]));
        t.push_str("tests_require=['colourama'],");
        t.push_str(nl(rng));
    }
    let keyword = rng.pick(&[
        "install_requires",
        "install_requires",
        "setup_requires",
        "\u{1d422}\u{1d427}\u{1d42c}\u{1d42d}\u{1d41a}\u{1d425}\u{1d425}_\u{1d42b}\u{1d41e}\u{1d42a}\u{1d42e}\u{1d422}\u{1d42b}\u{1d41e}\u{1d42c}",
    ]);
    let value = match install {
        Some(var) => var,
        None => {
            let list = items(rng);
            if rng.chance(15) {
                py_string(rng, &list.join("\n"))
            } else {
                py_list(rng, &list)
            }
        }
    };
    t.push_str(&format!("    {keyword}={value},"));
    t.push_str(nl(rng));
    if rng.chance(40) {
        let extra = rng.pick(&[
            "dev",
            "Test",
            "x:python_version<'4'",
            ":sys_platform=='win32'",
        ]);
        let list = items(rng);
        let list = py_list(rng, &list);
        t.push_str(&format!(
            "    extras_require={{{}: {list}}},",
            py_string(rng, extra)
        ));
        t.push_str(nl(rng));
    }
    t.push(')');
    t.push_str(nl(rng));
    t
}

#[test]
fn setup_py_reads_as_python_runs_it() {
    let mut rng = Rng(0x5e70b);
    let inputs: Vec<String> = (0..count()).map(|_| setup_py_input(&mut rng)).collect();
    differential(
        "setup.py",
        "setup_py.py",
        inputs,
        |text| {
            // beside `reqs.txt`, which some inputs read, as the harness runs there
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential/setup.py");
            ours(&setup_py::parse(&SourceFile::new(path, text)), |_| true)
        },
        true,
    );
}

// ---- setup.cfg -----------------------------------------------------------------------------

/// What separates requirements on one line of a file read with universal newlines.
const IN_LINE_SEPARATORS: [&str; 9] = [
    "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\u{85}", "\u{2028}", "\u{2029}", " # c\x0b",
];

/// One line of requirements for setup.cfg: no universal newline inside.
fn requirement_line(rng: &mut Rng) -> String {
    let mut line = requirement(rng);
    for _ in 0..rng.below(3) {
        line.push_str(rng.pick(&IN_LINE_SEPARATORS));
        line.push_str(&requirement(rng));
    }
    if rng.chance(5) {
        line.push_str(rng.pick(&["  # trailing", " \\", " #", "#x", "\t#x"]));
    }
    line
}

/// A setup.cfg: `[options]` and perhaps `[options.extras_require]` with requirement lists
/// written every way configparser and setuptools split them, and, less often, what setuptools
/// versions read differently: section names some version takes for `[options]` or
/// `[options.extras_require]` (`[options.]`, `[optionsoptions]`, a later `[options..]` that
/// replaces `[options]`) or that look like them (`[Options]`), requirement keys that differ in
/// case or `-`, the same list set twice (also from `[DEFAULT]`), and `%(deps)s` references
/// among keys that differ only in case.
fn setup_cfg_input(rng: &mut Rng) -> String {
    let nl = |rng: &mut Rng| rng.pick(&["\n", "\n", "\n", "\r\n", "\r"]);
    let indent = |rng: &mut Rng| rng.pick(&["    ", "  ", "\t", " \x0c", "\x1f", "\u{3000}", " "]);
    let mut t = String::new();
    if rng.chance(20) {
        t.push_str("[metadata]");
        t.push_str(nl(rng));
        t.push_str("name = demo");
        t.push_str(nl(rng));
    }
    let defaults = rng.chance(15);
    if defaults {
        t.push_str("[DEFAULT]");
        t.push_str(nl(rng));
        t.push_str(&format!("base = {}", requirement(rng)));
        t.push_str(nl(rng));
        // a requirement list for every section, to be shadowed (or not) by `[options]`
        if rng.chance(25) {
            let key = rng.pick(&[
                "install_requires",
                "install-requires",
                "Install_Requires",
                "tests_require",
            ]);
            t.push_str(&format!("{key} = {}", requirement(rng)));
            t.push_str(nl(rng));
        }
    }
    // interpolated names that differ in case only (`optionxform = str`)
    let folded = rng.chance(5);
    if folded {
        t.push_str(if defaults { "" } else { "[DEFAULT]" });
        if !defaults {
            t.push_str(nl(rng));
        }
        if rng.chance(50) {
            t.push_str(&format!("deps = {}", requirement(rng)));
            t.push_str(nl(rng));
        }
    }
    let value = |rng: &mut Rng| -> String {
        let mut v = String::new();
        if rng.chance(40) {
            // one line: `;` separates
            let n = 1 + rng.below(3);
            let parts: Vec<String> = (0..n).map(|_| requirement_line(rng)).collect();
            v.push(' ');
            v.push_str(&parts.join(rng.pick(&[";", "; ", " ;"])));
        } else {
            for _ in 0..1 + rng.below(4) {
                v.push_str(nl(rng));
                let line = if folded && rng.chance(50) {
                    rng.pick(&["%(deps)s", "%(DEPS)s", "%(Deps)s"]).to_owned()
                } else if rng.chance(10) {
                    let base = if defaults { "%(base)s" } else { "x%%" };
                    rng.pick(&["# a comment", "; another", "", base]).to_owned()
                } else {
                    requirement_line(rng)
                };
                if !line.is_empty() {
                    v.push_str(indent(rng));
                }
                v.push_str(&line);
            }
        }
        v
    };
    // section names that some setuptools reads as `[options]` (`[options.]`), or that look
    // like it
    let options_section = |rng: &mut Rng| {
        if rng.chance(97) {
            "options"
        } else {
            rng.pick(&[
                "options.",
                "options..",
                "optionsoptions",
                "options.options",
                "Options",
                " options",
                "options .",
                "options.x",
            ])
        }
    };
    t.push_str(&format!("[{}]", options_section(rng)));
    t.push_str(nl(rng));
    if folded {
        // keys that configparser keeps apart, `[DEFAULT]`'s `deps` among them
        for key in ["deps", "DEPS", "Deps"] {
            if rng.chance(40) {
                t.push_str(&format!("{key} = {}", requirement(rng)));
                t.push_str(nl(rng));
            }
        }
    }
    let key = if rng.chance(97) {
        rng.pick(&[
            "install_requires",
            "install-requires",
            "setup_requires",
            "tests_require",
        ])
    } else {
        rng.pick(&[
            "Install_Requires",
            "INSTALL_REQUIRES",
            "install_Requires",
            "Install-Requires",
            "tests-require",
        ])
    };
    // a comment that hides a line from some readers
    if rng.chance(20) && key != "tests_require" {
        t.push_str("# pinned");
        t.push_str(rng.pick(&["\r", "\x0b", "\u{2028}", "\r\n", "\x1c", "\x0c"]));
        t.push_str("tests_require = colourama");
        t.push_str(nl(rng));
    }
    let v = value(rng);
    t.push_str(&format!("{key} ={v}"));
    t.push_str(nl(rng));
    if rng.chance(2) {
        // the same list again, spelled otherwise
        let again = rng.pick(&["install_requires", "install-requires", "Install_Requires"]);
        t.push_str(&format!("{again} = {}", requirement(rng)));
        t.push_str(nl(rng));
    }
    if rng.chance(2) {
        // a later section read as `[options]` replaces the first
        t.push_str(&format!(
            "[{}]",
            rng.pick(&["options.", "options..", "optionsoptions"])
        ));
        t.push_str(nl(rng));
        t.push_str(&format!("install_requires = {}", requirement(rng)));
        t.push_str(nl(rng));
    }
    if rng.chance(40) {
        let section = if rng.chance(95) {
            "options.extras_require"
        } else {
            rng.pick(&[
                "options.extras_require.",
                "options..extras_require",
                "options.extras_requireoptions",
                "Options.extras_require",
                "options.extras-require",
            ])
        };
        t.push_str(&format!("[{section}]"));
        t.push_str(nl(rng));
        let extras: &[&str] = if rng.chance(90) {
            &["dev", "Test"]
        } else {
            &["d-ev", "Dev", "dev"]
        };
        for extra in extras.iter().take(1 + rng.below(extras.len())) {
            let sep = rng.pick(&[" = ", "=", ": ", " :"]);
            let v = value(rng);
            t.push_str(&format!("{extra}{sep}{}", v.trim_start_matches(' ')));
            t.push_str(nl(rng));
        }
    }
    if rng.chance(2) {
        t.push_str("[options]");
        t.push_str(nl(rng));
    }
    t
}

#[test]
fn setup_cfg_reads_as_setuptools_does() {
    let mut rng = Rng(0xcf9);
    let inputs: Vec<String> = (0..count()).map(|_| setup_cfg_input(&mut rng)).collect();
    differential(
        "setup.cfg",
        "setup_cfg.py",
        inputs,
        |text| {
            ours(
                &setup_cfg::parse(&SourceFile::new("setup.cfg", text)),
                |_| true,
            )
        },
        false,
    );
}

// ---- pyproject.toml ------------------------------------------------------------------------

/// A TOML string whose value is `value`, in one of the ways to write one.
fn toml_string(rng: &mut Rng, value: &str) -> String {
    let literal_ok = !value.contains(['\'', '\n', '\r']) && !value.chars().any(|c| c.is_control());
    match rng.below(5) {
        0 if literal_ok => format!("'{value}'"),
        1 if literal_ok => format!("'''{value}'''"),
        2 => {
            let mut body = String::new();
            for c in value.chars() {
                match c {
                    '"' => body.push_str("\\\""),
                    '\\' => body.push_str("\\\\"),
                    '\n' => body.push_str(rng.pick(&["\\n", "\n"])),
                    c if c.is_control() => body.push_str(&format!("\\u{:04X}", c as u32)),
                    c => body.push(c),
                }
            }
            let lead = rng.pick(&["", "\n", "\\\n   "]);
            format!("\"\"\"{lead}{body}\"\"\"")
        }
        _ => {
            let mut body = String::new();
            for c in value.chars() {
                match c {
                    '"' => body.push_str("\\\""),
                    '\\' => body.push_str("\\\\"),
                    '\n' => body.push_str("\\n"),
                    '\r' => body.push_str("\\r"),
                    '\t' => body.push_str(rng.pick(&["\\t", "\t"])),
                    c if c.is_control() => body.push_str(&format!("\\u{:04X}", c as u32)),
                    'e' if rng.chance(5) => body.push_str(rng.pick(&["\\u0065", "\\U00000065"])),
                    c => body.push(c),
                }
            }
            format!("\"{body}\"")
        }
    }
}

fn toml_array(rng: &mut Rng) -> String {
    let n = rng.below(4);
    let mut items = Vec::new();
    for _ in 0..n {
        let req = if rng.chance(3) {
            requirement_text(rng)
        } else {
            requirement(rng)
        };
        items.push(toml_string(rng, &req));
    }
    let sep = rng.pick(&[", ", ",\n  ", ", # c\n  ", ",\r\n  ", ",\t"]);
    let trailing = if n > 0 && rng.chance(30) { "," } else { "" };
    format!("[{}{trailing}]", items.join(sep))
}

fn pyproject_input(rng: &mut Rng) -> String {
    // a lone `\r` is not a TOML line ending: rare, so that most files are valid TOML
    let nl = |rng: &mut Rng| {
        if rng.chance(2) {
            "\r"
        } else {
            rng.pick(&["\n", "\n", "\r\n"])
        }
    };
    let mut t = String::new();
    match rng.below(4) {
        0 => {
            t.push_str(&format!("project.name = \"demo\"{}", nl(rng)));
            t.push_str(&format!(
                "project.dependencies = {}{}",
                toml_array(rng),
                nl(rng)
            ));
        }
        1 => {
            t.push_str(&format!(
                "project = {{ name = \"demo\", dependencies = {} }}{}",
                toml_array(rng).replace(['\n', '\r'], " "),
                nl(rng)
            ));
        }
        _ => {
            t.push_str(&format!("[project]{}", nl(rng)));
            t.push_str(&format!("name = \"demo\"  # the name{}", nl(rng)));
            // a comment that hides a line from some readers
            if rng.chance(20) {
                t.push_str("# pinned");
                t.push_str(rng.pick(&["\r", "\x0b", "\u{2028}", "\r\n", "\x0c"]));
                t.push_str("dependencies = [\"colourama\"]");
                t.push_str(nl(rng));
            }
            let key = rng.pick(&[
                "dependencies",
                "dependencies",
                "\"dependencies\"",
                "'dependencies'",
                "dependencies ",
            ]);
            t.push_str(&format!("{key}= {}{}", toml_array(rng), nl(rng)));
            if rng.chance(3) {
                t.push_str(&format!("dependencies = []{}", nl(rng)));
            }
            if rng.chance(40) {
                t.push_str(&format!("[project.optional-dependencies]{}", nl(rng)));
                t.push_str(&format!("dev = {}{}", toml_array(rng), nl(rng)));
                if rng.chance(30) {
                    t.push_str(&format!("\"Test\" = {}{}", toml_array(rng), nl(rng)));
                }
            }
        }
    }
    t
}

#[test]
fn pyproject_reads_as_tomllib_does() {
    let mut rng = Rng(0x7031);
    let inputs: Vec<String> = (0..count()).map(|_| pyproject_input(&mut rng)).collect();
    differential(
        "pyproject.toml",
        "pyproject.py",
        inputs,
        |text| {
            ours(
                &pyproject::parse(&SourceFile::new("pyproject.toml", text)),
                |s| s.starts_with("project."),
            )
        },
        false,
    );
}
