//! Differential test of the requirements-file reader against pip's own.
//!
//! A generator writes many requirements files (every line break Python's `str.splitlines()`
//! knows, comments ending in `\`, continuations, byte order marks and coding cookies, every
//! option spelling and optparse prefix, `-e`, URLs, `--hash`, `${VAR}`, includes by `-r` and
//! `-c`, quotes, Unicode whitespace) into a temporary directory. One Python process reads all
//! of them with pip's `parse_requirements` (`tests/pip_differential.py`), and each reading is
//! compared with what [`Reader`] yields, line by line: file, pip's line number, requirement,
//! editable, constraint, and the options in order with their values.
//!
//! squatguard must read every line as pip does, or refuse it (an error finding); where pip
//! stops with an error, squatguard must refuse at that line. Refusing what pip reads is
//! allowed; reading it otherwise is not.
//!
//! `SQUATGUARD_DIFF_CASES` sets the number of generated inputs (100,000 by default),
//! `SQUATGUARD_DIFF_SEED` the seed, `SQUATGUARD_PYTHON` the Python with pip (`python3`). Under
//! CI a missing Python or pip fails the test.

#[allow(dead_code)] // why: the helpers for the shared data are not needed here
mod common;

use serde::Deserialize;
use squatguard::manifest::requirements_txt::{Event, Reader, Statement};
use squatguard::source::read_source;
use std::path::Path;
use std::process::Command;

use common::XorShift as Rng;

const SEPARATORS: &[&str] = &[
    "\n", "\n", "\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\u{85}", "\u{2028}",
    "\u{2029}",
];

const SPACES: &[&str] = &[
    " ", " ", " ", "  ", "\t", " \t", "\u{a0}", "\u{3000}", "\x1f",
];

const REQUIREMENTS: &[&str] = &[
    "requests",
    "requests==2.31.0",
    "Django>=4.2,<5",
    "pkg[extra]>=1; python_version > '3.8'",
    "pkg @ https://h.example/p-1.0-py3-none-any.whl",
    "./local/dir",
    "../up",
    "https://h.example/p/x-1.0.tar.gz#egg=x",
    "git+https://h.example/x.git#egg=x",
    "file:helperlib",
    "helperlib @ file:helperlib",
    "a-b_c.d",
    "x#y",
    "colourama==0.1.0",
    "name ; os_name == 'nt'",
    "${SQGD_REQ}",
    "${SQGD_UNSET}",
    "${SQGD_EMPTY}requests",
    "${SQGD_DOLLAR}{SQGD_REQ} ${SQGD_REQ}",
    "${lower}",
    "'quoted'",
    "x\\y",
    "-",
];

/// Long options: pip's, and some it does not have.
const LONG: &[&str] = &[
    "--index-url",
    "--pypi-url",
    "--extra-index-url",
    "--no-index",
    "--constraint",
    "--requirement",
    "--editable",
    "--find-links",
    "--no-binary",
    "--only-binary",
    "--prefer-binary",
    "--require-hashes",
    "--pre",
    "--trusted-host",
    "--use-feature",
    "--global-option",
    "--hash",
    "--config-settings",
];

const SHORT: &[&str] = &["-i", "-c", "-r", "-e", "-f", "-C"];

/// Option values pip takes for most options.
const VALUES: &[&str] = &[
    "https://pypi.org/simple",
    "http://h.example/simple",
    "./wheels",
    ":all:",
    ":none:",
    "requests,six",
    "sha256:abc",
    "sha384:abc",
    "k=v",
    "fast-deps",
    "'quoted value'",
    "\"k=a b\"",
    "${SQGD_URL}",
    "./pkg[extra]",
    "git+https://h.example/x.git#egg=x",
];

/// Values that some options refuse, or that shlex or pip read in their own way.
const ODD_VALUES: &[&str] = &[
    "file:///tmp/w",
    "missing.txt",
    "-x",
    "--pre",
    "md5:abc",
    "sha512:x:y",
    "kv",
    "\"dq\\\"x\"",
    "'unclosed",
    "a\\",
    "a\\ b",
    "${SQGD_SPACE}",
    "\"\"",
    "c=${SQGD_EMPTY}",
];

fn value(rng: &mut Rng) -> &'static str {
    if rng.chance(12) {
        rng.pick(ODD_VALUES)
    } else {
        rng.pick(VALUES)
    }
}

const COOKIES: &[&str] = &[
    "# -*- coding: utf-8 -*-",
    "# coding=utf8",
    "#coding:ascii",
    "#coding: US-ASCII",
    "# vim: set fileencoding=utf-8 :",
    "# -*- coding: latin-1 -*-",
    "# coding: utf-7",
    "#coding:cp65001",
    "#!/usr/bin/env pip\n# coding: utf-7",
    " # coding: utf-7",
];

const COMMENTS: &[&str] = &[
    " # c",
    "  #c",
    " # c \\",
    "\t# pinned",
    " #",
    "# x",
    " # +AAo-colourama",
];

/// A value that fits `option` most of the time.
fn value_for(rng: &mut Rng, option: &str) -> &'static str {
    if rng.chance(20) {
        return value(rng);
    }
    match option {
        "--hash" => rng.pick(&["sha256:abc", "sha512:def", "sha384:0"]),
        "-C" | "--config-settings" => rng.pick(&["k=v", "\"k=a b\"", "k="]),
        "--use-feature" => rng.pick(&["fast-deps", "truststore"]),
        "-r" | "-c" | "--requirement" | "--constraint" => "missing.txt",
        _ => value(rng),
    }
}

fn option(rng: &mut Rng) -> String {
    if rng.chance(3) {
        return rng
            .pick(&["-x", "-ri", "--unknown", "--install-option=x", "-e", "--"])
            .to_owned();
    }
    if rng.chance(30) {
        let mut short = rng.pick(SHORT);
        if matches!(short, "-r" | "-c") && rng.chance(80) {
            short = "-i";
        }
        return match rng.below(8) {
            0..=3 => format!("{short}{}", value_for(rng, short)),
            4..=6 => format!("{short}{}{}", rng.pick(SPACES), value_for(rng, short)),
            _ => short.to_owned(),
        };
    }
    let mut long = rng.pick(LONG);
    // includes of files that exist come from `line`; here, most become another option
    if matches!(long, "--requirement" | "--constraint") && rng.chance(80) {
        long = "--pre";
    }
    // the full spelling, or a prefix of it (optparse takes an unambiguous one)
    let spelled = if rng.chance(25) {
        &long[..3 + rng.below(long.len() - 2)]
    } else {
        long
    };
    let flag = matches!(
        long,
        "--no-index" | "--prefer-binary" | "--require-hashes" | "--pre"
    );
    match rng.below(10) {
        0..=2 => format!("{spelled}={}", value_for(rng, long)),
        3..=6 if !flag => format!("{spelled} {}", value_for(rng, long)),
        7 => format!("{spelled} {}", value_for(rng, long)),
        _ => spelled.to_owned(),
    }
}

/// One physical line (before its separator).
fn line(rng: &mut Rng, includes: &mut Vec<String>, case: usize) -> String {
    let mut text = String::new();
    if rng.chance(10) {
        text.push_str(rng.pick(SPACES));
    }
    match rng.below(20) {
        0..=7 => {
            text.push_str(rng.pick(REQUIREMENTS));
            if rng.chance(30) {
                text.push(' ');
                text.push_str(&match rng.below(3) {
                    0 => "--hash=sha256:abc".to_owned(),
                    1 => "--hash sha512:def".to_owned(),
                    _ => option(rng),
                });
            }
        }
        8..=13 => {
            text.push_str(&option(rng));
            if rng.chance(20) {
                text.push_str(rng.pick(SPACES));
                text.push_str(&option(rng));
            }
        }
        14..=15 => {
            let name = format!("c{case}_{}.txt", includes.len());
            let spelled = rng.pick(&[
                "-r ",
                "-r",
                "--requirement=",
                "--requirem ",
                "-c ",
                "--constr ",
                "-c\t",
                "--requirement '",
            ]);
            let quote = if spelled.ends_with('\'') { "'" } else { "" };
            if rng.chance(10) {
                text.push_str(&format!("{spelled}missing.txt{quote}"));
            } else {
                text.push_str(&format!("{spelled}{name}{quote}"));
                includes.push(name);
            }
        }
        16 => text.push_str(rng.pick(&[
            "-e ./pkg",
            "--editable=git+https://h.example/x.git#egg=x",
            "-e .",
        ])),
        17 => text.push('#'),
        _ => {}
    }
    if rng.chance(15) {
        text.push_str(rng.pick(COMMENTS));
    }
    if rng.chance(4) && !text.is_empty() {
        // a stray character anywhere
        let mut at = rng.below(text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        text.insert_str(
            at,
            rng.pick(&["\"", "'", "\\", "#", " #", "$", "-", " ", "\t"]),
        );
    }
    if rng.chance(12) {
        text.push_str(rng.pick(&["\\", "\\", "\\\\", " \\"]));
    }
    text
}

/// A file's bytes: lines and separators, maybe a byte order mark or a coding cookie, maybe
/// bytes that are not UTF-8.
fn file(rng: &mut Rng, includes: &mut Vec<String>, case: usize, lines: usize) -> Vec<u8> {
    let mut text = String::new();
    if rng.chance(6) {
        text.push_str(rng.pick(COOKIES));
        text.push_str(rng.pick(SEPARATORS));
    }
    for _ in 0..lines {
        text.push_str(&line(rng, includes, case));
        text.push_str(rng.pick(SEPARATORS));
    }
    if rng.chance(30) {
        text.push_str(&line(rng, includes, case));
    }
    match rng.below(60) {
        0 => [b"\xef\xbb\xbf".to_vec(), text.into_bytes()].concat(),
        1 => {
            let mut bytes = b"\xff\xfe".to_vec();
            bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            bytes
        }
        2 => {
            let mut bytes = text.into_bytes();
            let at = rng.below(bytes.len() + 1);
            bytes.insert(at, 0xff);
            bytes
        }
        _ => text.into_bytes(),
    }
}

const ENV: &[(&str, &str)] = &[
    ("SQGD_REQ", "requests==1.0"),
    ("SQGD_URL", "https://u:p@h.example/simple"),
    ("SQGD_SPACE", "a -r x"),
    ("SQGD_EMPTY", ""),
    ("SQGD_DOLLAR", "$"),
];

fn env(name: &str) -> Option<String> {
    ENV.iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| (*v).to_owned())
}

/// One line as read: pip's fields.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Read {
    f: String,
    n: u32,
    a: String,
    e: Option<String>,
    c: bool,
    o: Vec<(String, Option<String>)>,
}

#[derive(Deserialize)]
struct PipReading {
    file: String,
    lines: Vec<Read>,
    err: Option<String>,
}

/// squatguard's reading of an input.
#[derive(Default)]
struct Ours {
    /// Each line read, by file and pip's line number; `None` for a line refused.
    lines: Vec<((String, u32), Option<Read>)>,
    /// The files read.
    files: Vec<String>,
    /// Whether anything was refused: a line, an include, the whole file.
    refused: bool,
    /// Why, in short (the start of each message).
    reasons: Vec<String>,
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A message without its particulars, to count refusals by kind.
fn short(message: &str) -> String {
    message
        .split([':', '('])
        .next()
        .unwrap_or(message)
        .trim()
        .chars()
        .take(70)
        .collect()
}

fn ours(path: &Path) -> Ours {
    let mut out = Ours::default();
    let src = match read_source(path) {
        Ok(src) => src,
        Err(e) => {
            out.refused = true;
            out.reasons.push(short(&e.to_string()));
            return out;
        }
    };
    let mut reader = Reader::with_env(&env);
    reader.read(&src, &mut |event| match event {
        Event::File { src, .. } => out.files.push(file_name(&src.path)),
        Event::Problem { message, .. } => {
            out.refused = true;
            out.reasons.push(short(&message));
        }
        Event::Line {
            src,
            constraint,
            line,
        } => {
            let key = (file_name(&src.path), line.number);
            let Some(statement) = line.statement.as_ref().filter(|_| line.problems.is_empty())
            else {
                out.refused = true;
                out.reasons
                    .extend(line.problems.iter().map(|p| short(&p.message)));
                out.lines.push((key, None));
                return;
            };
            let options = match statement {
                Statement::Requirement { options, .. } | Statement::Options(options) => options,
            };
            let (a, e) = match statement {
                Statement::Requirement {
                    requirement,
                    editable: false,
                    ..
                } => (requirement.clone(), None),
                Statement::Requirement { requirement, .. } => {
                    (String::new(), Some(requirement.clone()))
                }
                Statement::Options(_) => (String::new(), None),
            };
            let read = Read {
                f: key.0.clone(),
                n: line.number,
                a,
                e,
                c: constraint,
                o: options
                    .iter()
                    .map(|o| (o.option.long().to_owned(), o.value.clone()))
                    .collect(),
            };
            out.lines.push((key, Some(read)));
        }
    });
    out
}

/// Whether squatguard refused (`Ok(true)`), read as pip did (`Ok(false)`), or read otherwise
/// (`Err`, why): every line pip read is read the same or refused, or lies in a file squatguard
/// refused to read; every line squatguard read, pip read too unless pip stopped early; where
/// pip stopped with an error, squatguard refused.
fn judge(pip: &PipReading, ours: &Ours) -> Result<bool, String> {
    let mine: std::collections::HashMap<(&str, u32), &Option<Read>> = ours
        .lines
        .iter()
        .map(|((f, n), r)| ((f.as_str(), *n), r))
        .collect();
    for theirs in &pip.lines {
        match mine.get(&(theirs.f.as_str(), theirs.n)) {
            Some(Some(read)) if read != theirs => {
                return Err(format!("pip read {theirs:?}, squatguard {read:?}"))
            }
            Some(_) => {}
            None if ours.files.contains(&theirs.f) || !ours.refused => {
                return Err(format!("pip read {theirs:?}, squatguard did not"))
            }
            None => {}
        }
    }
    let theirs: std::collections::HashSet<(&str, u32)> =
        pip.lines.iter().map(|r| (r.f.as_str(), r.n)).collect();
    if pip.err.is_none() {
        if let Some((_, Some(read))) = ours
            .lines
            .iter()
            .find(|((f, n), _)| !theirs.contains(&(f.as_str(), *n)))
        {
            return Err(format!("squatguard read {read:?}, pip did not"));
        }
    }
    match &pip.err {
        Some(err) if !ours.refused => Err(format!("pip stopped ({err}), squatguard read on")),
        _ => Ok(ours.refused),
    }
}

fn python() -> String {
    std::env::var("SQUATGUARD_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Why pip cannot be run, if it cannot.
fn pip_missing() -> Option<String> {
    let out = Command::new(python())
        .args([
            "-c",
            "import pip._internal.req.req_file, pip._internal.network.session",
        ])
        .output();
    match out {
        Err(e) => Some(format!("`{}` cannot be run: {e}", python())),
        Ok(o) if !o.status.success() => Some(format!(
            "`{}` has no pip: {}",
            python(),
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Ok(_) => None,
    }
}

#[test]
#[allow(clippy::print_stderr)] // why: the figures of the run
fn the_reader_agrees_with_pip_or_refuses() {
    if !common::tool_present(pip_missing()) {
        return;
    }
    let cases: usize = std::env::var("SQUATGUARD_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let seed: u64 = std::env::var("SQUATGUARD_DIFF_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_1234_abcd);
    let started = std::time::Instant::now();
    // in memory where the system has it: writing and removing 100,000 files on disk takes
    // longer than reading them
    let shm = Path::new("/dev/shm");
    let tmp = if shm.is_dir() {
        tempfile::tempdir_in(shm).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    let dir = tmp.path().to_path_buf();
    let mut rng = Rng(seed | 1);
    let mut names = String::new();
    for case in 0..cases {
        let mut includes = Vec::new();
        let lines = 1 + rng.below(5);
        let main = file(&mut rng, &mut includes, case, lines);
        let name = format!("c{case}.txt");
        std::fs::write(dir.join(&name), main).unwrap();
        names.push_str(&name);
        names.push('\n');
        // included files, each included once (pip reads a file again each time it is named);
        // their own includes get the names that follow on
        let mut k = 0;
        while k < includes.len() {
            let name = includes[k].clone();
            let body = if k < 4 {
                let lines = 1 + rng.below(3);
                file(&mut rng, &mut includes, case, lines)
            } else {
                b"requests\n".to_vec()
            };
            std::fs::write(dir.join(name), body).unwrap();
            k += 1;
        }
    }
    let generated = started.elapsed();

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pip_differential.py");
    let out = common::run_fed(
        Command::new(python())
            .arg(&script)
            .arg(&dir)
            .env("PYTHONUTF8", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .envs(ENV.iter().copied()),
        names,
        "pip's reader",
    );
    let pip_time = started.elapsed() - generated;

    let mut refused = 0;
    let mut pip_stopped = 0;
    // lines pip read that squatguard read the same
    let mut agreed = 0;
    // why squatguard refused what pip read without an error
    let mut reasons = std::collections::BTreeMap::new();
    let mut compared = 0;
    let mut lines = 0;
    let mut failures = Vec::new();
    for json in String::from_utf8(out.stdout).unwrap().lines() {
        let pip: PipReading = serde_json::from_str(json).unwrap();
        let mine = ours(&dir.join(&pip.file));
        compared += 1;
        lines += pip.lines.len();
        pip_stopped += usize::from(pip.err.is_some());
        if pip.err.is_none() {
            for r in &mine.reasons {
                *reasons.entry(r.clone()).or_insert(0usize) += 1;
            }
        }
        agreed += pip
            .lines
            .iter()
            .filter(|theirs| mine.lines.iter().any(|(_, r)| r.as_ref() == Some(theirs)))
            .count();
        match judge(&pip, &mine) {
            Ok(true) => refused += 1,
            Ok(false) => {}
            Err(why) if failures.len() < 10 => {
                let bytes = std::fs::read(dir.join(&pip.file)).unwrap();
                failures.push(format!(
                    "{}: {why}\n  file: {:?}",
                    pip.file,
                    String::from_utf8_lossy(&bytes)
                ));
            }
            Err(_) => failures.push(String::new()),
        }
    }
    eprintln!(
        "{compared} generated inputs ({lines} lines read by pip, which stopped with an error on {pip_stopped}; {agreed} of them read the same by squatguard), {refused} inputs refused in part or whole by squatguard; generated in {:.1} s, pip read them in {:.1} s, all in {:.1} s",
        generated.as_secs_f64(),
        pip_time.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    let mut reasons: Vec<_> = reasons.into_iter().collect();
    reasons.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    for (why, n) in reasons.iter().take(12) {
        eprintln!("  refused where pip read on ({n}): {why}");
    }
    assert_eq!(compared, cases, "pip answered for every input");
    // `SQUATGUARD_DIFF_KEEP=1` keeps the generated files, to replay them
    if std::env::var_os("SQUATGUARD_DIFF_KEEP").is_some() {
        eprintln!("generated files kept in {}", tmp.keep().display());
    } else {
        drop(tmp);
        eprintln!("and removed in {:.1} s", started.elapsed().as_secs_f64());
    }
    assert!(
        failures.is_empty(),
        "{} inputs read otherwise than pip reads them:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // the generator must reach both outcomes, or it tests little
    assert!(
        refused > cases / 20 && refused < cases * 9 / 10,
        "{refused} refused"
    );
}
