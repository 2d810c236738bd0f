//! Differential test of `safe-pip install --group` (`src/pip/groups.rs`) against pip's own
//! reader of PEP 735 dependency groups.
//!
//! A generator writes many `pyproject.toml` files (`[dependency-groups]` written every way TOML
//! allows: bare, quoted and escaped keys, dotted keys, inline tables, `[[dependency-groups.x]]`
//! headers; include chains, diamonds and cycles; names that normalise alike (`Dev`, `d_e-v`,
//! `ΑΣ`/`ας`, ` dev`); includes of missing groups; values that are not arrays; entries that are
//! not strings or are tables other than `{include-group = "..."}`; requirement strings with
//! extras, markers, URLs and paths (`x @ file:./vendor/x`), odd spacing and Unicode; invalid
//! TOML, byte order marks, bytes that are not UTF-8) and asks for one to three groups of each,
//! several times per file. For every request, squatguard's `groups::read` is compared with pip
//! (`tests/group_differential.py`, one Python process for all of them, running the newest pip
//! from its wheel in a virtualenv of its own):
//!
//! - squatguard may refuse (an error, or a finding that blocks) whatever it likes: that fails
//!   closed;
//! - where squatguard accepts, pip must accept too, and the requirements must be the same,
//!   as pip installs them: squatguard's strings read as pip reads a line of the file safe-pip
//!   writes, pip's made into install requirements as pip's `install` makes them, compared by
//!   canonical name, extras, specifiers, URL and the marker's value in 54 environments, in
//!   order, a requirement repeated counted once (pip lists a group included twice twice).
//!
//! `SQUATGUARD_GROUP_DIFF_CASES` sets the number of generated files (10,000 by default),
//! `SQUATGUARD_GROUP_DIFF_SEED` the seed, `SQUATGUARD_GROUP_DIFF_PYTHON` a Python whose pip
//! reads groups (25.1 or newer) instead of the newest pip, fetched once into the test target
//! directory (`pip-wheels/newest/`, `tests/common`). Under CI a missing Python or
//! pip fails the test.

#[allow(dead_code)] // why: the helpers for the shared data are not needed here
mod common;

use serde::Deserialize;
use serde_json::Value;
use squatguard::finding::Severity;
use squatguard::pip::groups;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A small deterministic generator (xorshift64*), so a failure can be replayed by its seed.
/// `clean` is set while a file is generated that pip should read: registry requirements only,
/// includes without cycles, nothing damaged (so that both outcomes are well represented).
struct Rng {
    state: common::XorShift,
    clean: bool,
}

impl std::ops::Deref for Rng {
    type Target = common::XorShift;
    fn deref(&self) -> &common::XorShift {
        &self.state
    }
}

impl std::ops::DerefMut for Rng {
    fn deref_mut(&mut self) -> &mut common::XorShift {
        &mut self.state
    }
}

/// Group names: plain ones, ones that normalise alike, and Unicode whose lower case differs
/// between a character-by-character mapping and Python's `str.lower()`.
const NAMES: &[&str] = &[
    "dev",
    "Dev",
    "DEV",
    "d_e-v",
    "d.e.v",
    "test",
    "Test_Suite",
    "test-suite",
    "test..suite",
    "lint",
    "docs",
    "all",
    "a",
    "b",
    "c",
    "typing",
    " dev",
    "dev ",
    "-dev",
    "dev_",
    "",
    "x y",
    "é",
    "É",
    "ΑΣ",
    "ας",
    "ασ",
    "\u{212a}",
    "k",
    "ǅ",
    "İ",
    "i\u{307}",
    "ｄｅｖ",
];

/// Requirement strings: registry requirements of every shape, and what is not one.
const REQUIREMENTS: &[&str] = &[
    "requests",
    "requests>=2.0",
    "Requests[Socks]>=2,<3",
    "Django>=4.2,<5",
    "pkg[extra]>=1; python_version > '3.8'",
    "x @ file:./vendor/x",
    "helperlib @ file:./vendor/helperlib",
    "x @ https://h.example/x-1.0.tar.gz",
    "x @ git+https://h.example/x.git",
    "./local",
    "x-1.0.tar.gz",
    "file:helperlib",
    "name ; os_name == 'nt'",
    "numpy==1.26.*",
    "a~=1.4.2",
    "a~=1",
    "a===1.0foo",
    "a==1.0+local",
    "a==1.0+local.*",
    "a<1.0.*",
    "a!=1.0",
    "a>1.0.dev0",
    "a<=2.0rc1",
    "a (>=1.0)",
    "a[b,c] (==1.0) ; extra == 'test'",
    "zope.interface",
    "Foo_Bar.baz>=1.0.post1",
    "a ; python_version >= '3.8' and (sys_platform == 'linux' or os_name == 'nt')",
    "a; platform_machine == 'x86_64'",
    "a ; implementation_name == 'cpython'",
    "a; '3.8' <= python_version",
    "a ; python_version ~= '3.8'",
    "a ; python_full_version == '3.11.*'",
    "a ; extra == 'Foo_Bar'",
    "a; sys_platform in 'linux win32'",
    "a ; 'linux' not in sys_platform",
    "a ; python_version > '3.8' and python_version < '3.8'",
    "a ; python_version >= '3' and python_version < '4'",
    "a ; platform_release >= '5.0'",
    "a; os.name == 'nt'",
    "a; python_implementation == 'CPython'",
    "a ; extra == 'x' and extra == 'y'",
    "a; platform_version == '#1 SMP'",
    "a==1.0.0",
    "a== 1.0",
    "a >=1.0 , <2.0",
    "a==v1.0",
    "a==1.0-1",
    "A_B-c==1.0",
    "a[extra-with.dots]",
    "a[]",
    "",
    " ",
    "a b",
    "-e .",
    "a==",
    "a>=1.0;",
    "a[",
    "a ;python_version>'3.8' or",
    "naïve==1",
    "ａ",
    "a==1.0 # comment",
    "a==1.0\n",
    "a\t==1.0",
    "a\u{a0}==1.0",
    "  padded  ",
    "a;sys_platform=='ü'",
    "a==1.0$",
    "a\\b",
    "a>=1.0,",
    "a,b",
    "a==1.0 ; (python_version < '3')",
    "a ; python_version < \"3.10\" and python_version >= \"3.8\"",
    "a>=1.0a1",
    "a @ https://h.example/simple/a/",
    "a==1.0; python_version not in '2.7 3.6'",
    "a ; sys_platform == 'win32' or sys_platform == 'darwin'",
];

/// Registry requirements that pip's parser reads.
const GOOD: &[&str] = &[
    "requests",
    "requests>=2.0",
    "Requests[Socks]>=2,<3",
    "Django>=4.2,<5",
    "pkg[extra]>=1; python_version > '3.8'",
    "name ; os_name == 'nt'",
    "numpy==1.26.*",
    "a~=1.4.2",
    "a==1.0+local",
    "a!=1.0",
    "a>1.0.dev0",
    "a (>=1.0)",
    "a[b,c] (==1.0) ; extra == 'test'",
    "zope.interface",
    "Foo_Bar.baz>=1.0.post1",
    "a ; python_version >= '3.8' and (sys_platform == 'linux' or os_name == 'nt')",
    "a; platform_machine == 'x86_64'",
    "a; '3.8' <= python_version",
    "a ; python_full_version == '3.11.*'",
    "a ; extra == 'Foo_Bar'",
    "a; sys_platform in 'linux win32'",
    "a ; python_version > '3.8' and python_version < '3.8'",
    "a== 1.0",
    "a >=1.0 , <2.0",
    "A_B-c==1.0",
    "a[extra-with.dots]",
    "a\t==1.0",
    "  padded  ",
    "a>=1.0,",
    "a==1.0 ; (python_version < '3')",
    "a ; python_version < \"3.10\" and python_version >= \"3.8\"",
    "a==1.0; python_version not in '2.7 3.6'",
];

/// A name spelled another way that normalises alike (most of the time).
fn respell(rng: &mut Rng, name: &str) -> String {
    let mut out = String::new();
    for ch in name.chars() {
        if matches!(ch, '-' | '_' | '.') && rng.chance(50) {
            out.push_str(rng.pick(&["-", "_", ".", "--", "_.", "-_-"]));
        } else if ch.is_ascii_alphabetic() && rng.chance(40) {
            out.push(if ch.is_ascii_lowercase() {
                ch.to_ascii_uppercase()
            } else {
                ch.to_ascii_lowercase()
            });
        } else {
            out.push(ch);
        }
    }
    out
}

/// A name that is a group of `defined` in some spelling, or one that is not.
fn some_name(rng: &mut Rng, defined: &[String]) -> String {
    if defined.is_empty() || (!rng.clean && rng.chance(12)) {
        return if rng.chance(50) {
            rng.pick(NAMES).to_owned()
        } else {
            rng.pick(&["nope", "missing", "dev2"]).to_owned()
        };
    }
    let name = defined[rng.below(defined.len())].clone();
    if rng.chance(30) {
        respell(rng, &name)
    } else {
        name
    }
}

/// `s` as a TOML basic string, sometimes with escapes that need not be.
fn basic(rng: &mut Rng, s: &str) -> String {
    let mut out = String::from("\"");
    let escape_all = rng.chance(10);
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str(if rng.chance(50) { "\\t" } else { "\t" }),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c if escape_all || (!c.is_ascii() && rng.chance(30)) => {
                if (c as u32) > 0xffff || rng.chance(20) {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                } else {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `s` as a TOML string of some kind that holds it.
fn string(rng: &mut Rng, s: &str) -> String {
    let plain = !s.contains(['\'', '\n', '\r', '\x7f'])
        && !s.chars().any(|c| (c as u32) < 0x20 && c != '\t');
    match rng.below(10) {
        0..=3 if plain => format!("'{s}'"),
        4 if plain && !s.contains("'''") => {
            let nl = if rng.chance(50) { "\n" } else { "" };
            format!("'''{nl}{s}'''")
        }
        5 if !s.contains(['"', '\\'])
            && !s
                .chars()
                .any(|c| (c as u32) < 0x20 && c != '\t' && c != '\n') =>
        {
            // a multi-line basic string, maybe with a line-ending backslash inside
            let mut body = s.to_owned();
            if rng.chance(50) && body.len() > 1 && body.is_char_boundary(1) {
                body.insert_str(1, "\\\n   ");
            }
            let nl = if rng.chance(50) { "\n" } else { "" };
            format!("\"\"\"{nl}{body}\"\"\"")
        }
        _ => basic(rng, s),
    }
}

/// `name` as a TOML key.
fn key(rng: &mut Rng, name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if bare && rng.chance(70) {
        name.to_owned()
    } else if rng.chance(30) && !name.contains(['\'', '\n']) {
        format!("'{name}'")
    } else {
        basic(rng, name)
    }
}

/// One entry of a group's array.
fn entry(rng: &mut Rng, defined: &[String]) -> String {
    let odd = if rng.clean { 100 } else { 80 };
    match rng.below(100) {
        n if n < 55 || (rng.clean && defined.is_empty()) => {
            let r = if rng.clean || rng.chance(40) {
                rng.pick(GOOD)
            } else {
                rng.pick(REQUIREMENTS)
            };
            string(rng, r)
        }
        n if n < odd => {
            let target = some_name(rng, defined);
            let target = string(rng, &target);
            match rng.below(10) {
                0 => format!("{{\"include-group\" = {target}}}"),
                1 => format!("{{ include-group={target} }}"),
                _ => format!("{{include-group = {target}}}"),
            }
        }
        _ => {
            let target = some_name(rng, defined);
            let target = string(rng, &target);
            match rng.below(14) {
                0 => "3".into(),
                1 => "true".into(),
                2 => "1.5".into(),
                3 => "1979-05-27".into(),
                4 => "[\"requests\"]".into(),
                5 => "{}".into(),
                6 => "{include-group = 3}".into(),
                7 => format!("{{include-group = {target}, x = 1}}"),
                8 => format!("{{include_group = {target}}}"),
                9 => format!("{{include-group = [{target}]}}"),
                10 => format!("{{include-group = {{name = {target}}}}}"),
                11 => "{requirement = \"requests\"}".into(),
                12 => format!("{{x = 1, include-group = {target}}}"),
                _ => "[]".into(),
            }
        }
    }
}

/// A group's value: mostly an array of entries.
fn group_value(rng: &mut Rng, defined: &[String]) -> String {
    match if rng.clean { 99 } else { rng.below(100) } {
        0..=3 => string(rng, "requests"),
        4..=5 => "3".into(),
        6..=8 => {
            let target = some_name(rng, defined);
            let target = string(rng, &target);
            format!("{{include-group = {target}}}")
        }
        9 => "{}".into(),
        _ => {
            let n = rng.below(6);
            let items: Vec<String> = (0..n).map(|_| entry(rng, defined)).collect();
            if rng.chance(30) {
                let mut s = String::from("[\n");
                for item in items {
                    s.push_str("  ");
                    s.push_str(&item);
                    s.push_str(if rng.chance(20) { ", # why\n" } else { ",\n" });
                }
                s.push(']');
                s
            } else {
                let trailing = if n > 0 && rng.chance(20) { "," } else { "" };
                format!("[{}{trailing}]", items.join(", "))
            }
        }
    }
}

/// Tables of a file that are not `[dependency-groups]`.
const OTHER: &[&str] = &[
    "[project]\nname = \"demo\"\nversion = \"1.0\"\ndependencies = [\"requests\"]\n",
    "[build-system]\nrequires = [\"setuptools\"]\n",
    "[tool.demo]\nx = 1\n",
    "[project]\nname = \"dev\"\noptional-dependencies = { dev = [\"pytest\"] }\n",
];

/// One generated `pyproject.toml`: its bytes and the group names it defines (as written).
fn pyproject(rng: &mut Rng) -> (Vec<u8>, Vec<String>) {
    rng.clean = rng.chance(45);
    let count = rng.below(7);
    let mut names: Vec<String> = Vec::new();
    for _ in 0..count {
        let name = if rng.chance(70) {
            rng.pick(&[
                "dev", "test", "lint", "docs", "all", "a", "b", "c", "typing",
            ])
            .to_owned()
        } else {
            rng.pick(NAMES).to_owned()
        };
        // the same key twice is not TOML; mostly avoid it
        if names.contains(&name) && rng.chance(90) {
            continue;
        }
        names.push(name);
    }
    let mut text = String::new();
    if rng.chance(20) {
        text.push_str(rng.pick(OTHER));
    }
    // in a clean file, a group includes only the groups after it
    let after = |names: &[String], i: usize, clean: bool| -> Vec<String> {
        if clean {
            names[i + 1..].to_vec()
        } else {
            names.to_vec()
        }
    };
    let shape = if rng.clean {
        rng.below(88)
    } else {
        rng.below(100)
    };
    match shape {
        // `[dependency-groups]`, maybe with `[[dependency-groups.x]]` and
        // `[dependency-groups.x]` tables after it
        0..=71 => {
            text.push_str(if rng.chance(5) {
                "[ dependency-groups ]\n"
            } else if rng.chance(3) {
                "[\"dependency-groups\"]\n"
            } else {
                "[dependency-groups]\n"
            });
            let mut headers = Vec::new();
            for (i, name) in names.iter().enumerate() {
                if rng.chance(6) {
                    headers.push(i);
                    continue;
                }
                let k = key(rng, name);
                let v = group_value(rng, &after(&names, i, rng.clean));
                text.push_str(&format!("{k} = {v}\n"));
            }
            for i in headers {
                let k = key(rng, &names[i]);
                let targets = after(&names, i, rng.clean);
                if targets.is_empty() {
                    text.push_str(&format!("[dependency-groups.{k}]\n"));
                    continue;
                }
                if !rng.clean && rng.chance(20) {
                    text.push_str(&format!("[dependency-groups.{k}]\nx = 1\n"));
                    continue;
                }
                for _ in 0..1 + rng.below(3) {
                    let target = some_name(rng, &targets);
                    let target = string(rng, &target);
                    text.push_str(&format!(
                        "[[dependency-groups.{k}]]\ninclude-group = {target}\n"
                    ));
                    if !rng.clean && rng.chance(15) {
                        text.push_str("x = 1\n");
                    }
                }
            }
        }
        // dotted keys at the top
        72..=79 => {
            let mut top = String::new();
            for (i, name) in names.iter().enumerate() {
                let k = key(rng, name);
                let v = group_value(rng, &after(&names, i, rng.clean));
                top.push_str(&format!("dependency-groups.{k} = {v}\n"));
            }
            text.insert_str(0, &top);
        }
        // an inline table
        80..=87 => {
            let items: Vec<String> = names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let k = key(rng, name);
                    let v = group_value(rng, &after(&names, i, rng.clean))
                        .replace('\n', " ")
                        .replace("# why", "");
                    format!("{k} = {v}")
                })
                .collect();
            text.insert_str(
                0,
                &format!("dependency-groups = {{ {} }}\n", items.join(", ")),
            );
        }
        88..=90 => text.insert_str(0, "dependency-groups = 3\n"),
        91..=92 => text.insert_str(0, "dependency-groups = [\"dev\"]\n"),
        93..=94 => text.insert_str(0, "dependency-groups = {}\n"),
        // no table at all
        _ => {}
    }
    if rng.chance(15) {
        text.push_str(rng.pick(OTHER));
    }
    // damage
    match if rng.clean { 99 } else { rng.below(100) } {
        0 => text.push_str("dev = [\"unterminated\n"),
        1 => text.push_str("[dependency-groups]\nx = []\n"),
        2 => text.push_str("= 1\n"),
        3 => text = text.replace('\n', "\r\n"),
        4 => text = text.replace('\n', "\r"),
        5 => text.insert(0, '\u{feff}'),
        6 => text.push_str("x = \"a\u{1}b\"\n"),
        7 => text.push_str("[tool.x]\ny = 1979-05-27T07:32:00\nz = 0x_1\n"),
        8 => text.push_str("[tool.x]\ny = nan\nz = inf\nw = +1_000\n"),
        9 => {
            let mut bytes = text.into_bytes();
            let at = rng.below(bytes.len() + 1);
            bytes.insert(at, 0xff);
            return (bytes, names);
        }
        10 => text.push_str("[tool.x]\ny = 1979-05-27 07:32:00Z\nz = 07:32:00\n"),
        11 => text.push_str("[tool.x]\ny = \"\\e\"\n"),
        12 => text.push_str("[tool.x]\ny = { a = 1, }\n"),
        13 => text.push_str("[tool.x]\ny = {\n a = 1 }\n"),
        14 => text.push_str("[tool.x]\ny = \"\\x41\"\n"),
        _ => {}
    }
    (text.into_bytes(), names)
}

/// pip's answer for one request (see `tests/group_differential.py`).
#[derive(Deserialize)]
struct PipAnswer {
    file: String,
    groups: Vec<String>,
    pip: Option<Vec<(String, Value)>>,
    err: Option<String>,
    ours: Option<Vec<(String, Value)>>,
    ours_err: Option<String>,
}

/// squatguard's reading of one request.
struct Ours {
    /// The requirements safe-pip would give pip; `None` when it refused.
    requirements: Option<Vec<String>>,
    /// Why it refused, in short.
    reasons: Vec<String>,
}

/// A message without its particulars, to count refusals by kind.
fn short(message: &str) -> String {
    let message = message.split_once(": ").map_or(message, |(_, m)| m);
    message
        .split(['`', '(', ':'])
        .filter(|part| !part.trim().is_empty())
        .nth(1)
        .unwrap_or(message)
        .trim()
        .chars()
        .take(70)
        .collect()
}

fn ours(file: &Path, groups: &[String]) -> Ours {
    let values: Vec<String> = groups
        .iter()
        .map(|g| format!("{}:{g}", file.display()))
        .collect();
    match groups::read(values.iter().map(String::as_str)) {
        Err(e) => Ours {
            requirements: None,
            reasons: vec![short(&e.to_string())],
        },
        Ok(read) => {
            let blocking: Vec<String> = read
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .map(|f| short(&f.message))
                .collect();
            if blocking.is_empty() {
                Ours {
                    requirements: Some(read.requirements),
                    reasons: Vec::new(),
                }
            } else {
                Ours {
                    requirements: None,
                    reasons: blocking,
                }
            }
        }
    }
}

/// The keys of `reqs` in order, each once.
fn keys(reqs: &[(String, Value)]) -> Vec<&Value> {
    let mut out: Vec<&Value> = Vec::new();
    for (_, key) in reqs {
        if !out.contains(&key) {
            out.push(key);
        }
    }
    out
}

/// Whether squatguard refused (`Ok(true)`), read the groups as pip did (`Ok(false)`), or read
/// them otherwise (`Err`, why).
fn judge(answer: &PipAnswer, refused: bool) -> Result<bool, String> {
    if refused {
        return Ok(true);
    }
    let mine = answer.ours.as_deref().unwrap_or_default();
    if let Some(err) = &answer.ours_err {
        return Err(format!("pip cannot read what squatguard wrote: {err}"));
    }
    let Some(theirs) = &answer.pip else {
        return Err(format!(
            "pip stopped ({}), squatguard read {:?}",
            answer.err.as_deref().unwrap_or(""),
            mine.iter().map(|(s, _)| s).collect::<Vec<_>>()
        ));
    };
    if keys(mine) != keys(theirs) {
        return Err(format!(
            "pip read {:?}, squatguard {:?}\n  pip's keys {:?}\n  squatguard's {:?}",
            theirs.iter().map(|(s, _)| s).collect::<Vec<_>>(),
            mine.iter().map(|(s, _)| s).collect::<Vec<_>>(),
            keys(theirs),
            keys(mine)
        ));
    }
    Ok(false)
}

fn show(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A Python whose pip reads `--group` (and the virtualenv it lives in, kept while it is
/// used), or why there is none.
fn pip_python() -> Result<(PathBuf, Option<tempfile::TempDir>), String> {
    if let Some(python) = std::env::var_os("SQUATGUARD_GROUP_DIFF_PYTHON") {
        return Ok((PathBuf::from(python), None));
    }
    let (wheel, _) = common::newest_pip_wheel()?;
    let root = tempfile::tempdir().map_err(|e| e.to_string())?;
    let venv = root.path().join("venv");
    let o = Command::new("python3")
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .output()
        .map_err(|e| format!("no python3: {e}"))?;
    if !o.status.success() {
        return Err(format!("`python3 -m venv` failed: {}", show(&o)));
    }
    let python = venv.join("bin").join("python");
    // pip runs from its own wheel to install itself
    let o = Command::new(&python)
        .arg(wheel.join("pip"))
        .args([
            "install",
            "--no-index",
            "--disable-pip-version-check",
            "--quiet",
        ])
        .arg(&wheel)
        .env("PIP_CONFIG_FILE", "/dev/null")
        .output()
        .map_err(|e| e.to_string())?;
    if !o.status.success() {
        return Err(format!("installing {}: {}", wheel.display(), show(&o)));
    }
    Ok((python, Some(root)))
}

#[test]
#[allow(clippy::print_stderr)] // why: the figures of the run
fn group_reading_agrees_with_pip_or_refuses() {
    let python = match pip_python() {
        Ok(p) => Some(p),
        Err(why) => {
            assert!(common::tool_present(Some(why)));
            None
        }
    };
    let Some((python, _venv)) = python else {
        return;
    };
    let o = Command::new(&python)
        .args([
            "-c",
            "import pip, pip._internal.req.req_dependency_group; print(pip.__version__)",
        ])
        .output()
        .expect("the virtualenv's python runs");
    assert!(
        o.status.success(),
        "{} has no pip that reads --group (25.1 or newer): {}",
        python.display(),
        show(&o)
    );
    let pip_version = String::from_utf8_lossy(&o.stdout).trim().to_owned();

    let cases: usize = std::env::var("SQUATGUARD_GROUP_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let seed: u64 = std::env::var("SQUATGUARD_GROUP_DIFF_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x735_0735_abcd);
    let started = std::time::Instant::now();
    let shm = Path::new("/dev/shm");
    let tmp = if shm.is_dir() {
        tempfile::tempdir_in(shm).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    let mut rng = Rng {
        state: common::XorShift(seed | 1),
        clean: false,
    };
    let mut requests: Vec<(PathBuf, Vec<String>)> = Vec::new();
    for case in 0..cases {
        let (bytes, names) = pyproject(&mut rng);
        let dir = tmp.path().join(format!("c{case}"));
        std::fs::create_dir(&dir).unwrap();
        let file = dir.join("pyproject.toml");
        std::fs::write(&file, bytes).unwrap();
        for _ in 0..1 + rng.below(3) {
            let groups = (0..1 + rng.below(3))
                .map(|_| some_name(&mut rng, &names))
                .filter(|g| !g.contains(':'))
                .collect();
            requests.push((file.clone(), groups));
        }
    }

    // squatguard's readings, then pip's (which also reads squatguard's strings)
    let mut mine = Vec::with_capacity(requests.len());
    let mut input = String::new();
    for (file, groups) in &requests {
        let read = ours(file, groups);
        let ask = serde_json::json!({
            "file": file.to_str().unwrap(),
            "groups": groups,
            "ours": read.requirements,
        });
        input.push_str(&ask.to_string());
        input.push('\n');
        mine.push(read);
    }
    let ours_time = started.elapsed();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/group_differential.py");
    let out = common::run_fed(
        Command::new(&python)
            .arg(&script)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PIP_CONFIG_FILE", "/dev/null"),
        input,
        "pip's reader",
    );
    let pip_time = started.elapsed() - ours_time;

    let mut compared = 0;
    let mut pip_accepted = 0;
    let mut agreed = 0;
    let mut refused_both = 0;
    let mut refused_only_ours = 0;
    // why squatguard refused what pip read: how often, and the first request refused so
    let mut reasons: BTreeMap<String, (usize, String)> = BTreeMap::new();
    // `SQUATGUARD_GROUP_DIFF_SHOW` failures are shown in full (12 by default)
    let show_at_most: usize = std::env::var("SQUATGUARD_GROUP_DIFF_SHOW")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let mut failures = Vec::new();
    for (json, read) in String::from_utf8(out.stdout).unwrap().lines().zip(&mine) {
        let answer: PipAnswer = serde_json::from_str(json).unwrap();
        let (file, groups) = &requests[compared];
        assert_eq!(
            (Path::new(&answer.file), &answer.groups),
            (file.as_path(), groups),
            "answers in order"
        );
        compared += 1;
        let refused = read.requirements.is_none();
        pip_accepted += usize::from(answer.pip.is_some());
        match (refused, answer.pip.is_some()) {
            (true, true) => {
                refused_only_ours += 1;
                for r in &read.reasons {
                    let seen = reasons.entry(r.clone()).or_insert_with(|| {
                        let bytes = std::fs::read(file).unwrap_or_default();
                        let text: String =
                            String::from_utf8_lossy(&bytes).chars().take(400).collect();
                        (0, format!("--group {groups:?} of {text:?}"))
                    });
                    seen.0 += 1;
                }
            }
            (true, false) => refused_both += 1,
            _ => {}
        }
        match judge(&answer, refused) {
            Ok(_) => agreed += usize::from(!refused),
            Err(why) if failures.len() < show_at_most => {
                let bytes = std::fs::read(file).unwrap();
                failures.push(format!(
                    "{} --group {groups:?}: {why}\n  file: {:?}",
                    file.display(),
                    String::from_utf8_lossy(&bytes)
                ));
            }
            Err(_) => failures.push(String::new()),
        }
    }
    eprintln!(
        "pip {pip_version}: {cases} generated pyproject.toml files, {compared} --group requests: pip accepted {pip_accepted}, squatguard read {agreed} of them alike and refused {refused_only_ours}; both refused {refused_both}. squatguard in {:.1} s, pip in {:.1} s, all in {:.1} s",
        ours_time.as_secs_f64(),
        pip_time.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    let mut reasons: Vec<_> = reasons.into_iter().collect();
    reasons.sort_by_key(|(_, (n, _))| std::cmp::Reverse(*n));
    for (why, (n, example)) in reasons.iter().take(12) {
        eprintln!("  refused where pip read on ({n}): {why}");
        if std::env::var_os("SQUATGUARD_GROUP_DIFF_SHOW").is_some() {
            eprintln!("    e.g. {example}");
        }
    }
    assert_eq!(compared, requests.len(), "pip answered for every request");
    if std::env::var_os("SQUATGUARD_DIFF_KEEP").is_some() {
        eprintln!("generated files kept in {}", tmp.keep().display());
    }
    assert!(
        failures.is_empty(),
        "{} requests read otherwise than pip reads them:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // the generator must reach every outcome, or it tests little
    assert!(agreed > compared / 5, "{agreed} read alike");
    assert!(
        refused_both > compared / 10,
        "{refused_both} refused by both"
    );
}
