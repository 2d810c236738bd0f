//! What the project's own instructions run: a lure's README says `make setup` or
//! `python scripts/bootstrap.py`, and its pre-commit configuration runs a `repo: local` hook on
//! every commit. Read from the scanned root:
//!
//! - **Instructions**: `README*`, `INSTALL*` and `CONTRIBUTING*` files. Each line is split at
//!   backticks and at `&&`, `||`, `;` and `|`, and each piece is read as a command line (after
//!   a `$` or `>` prompt, `sudo`, `env` or `VAR=value`): `make [TARGET...]`, a Python interpreter (`python`, `python3.12`,
//!   `py`, `pypy3`, `.venv/bin/python`, `$(PYTHON)`) with a script or `-m module`, a shell
//!   (`sh`, `bash`, `zsh`, `dash`, `source`, `.`) with a script, or `./script`. The lines
//!   themselves are not judged: a README that shows a `curl ... | sh` the reader runs in the
//!   open hides nothing.
//! - **`Makefile`** (`GNUmakefile`, `makefile`, `Makefile`): the recipes of the targets the
//!   instructions name (the first target for a bare `make`) and of their prerequisites. A rule
//!   is `targets: prerequisites [; recipe]` outside a variable assignment; recipe lines start
//!   with a tab; a trailing `\` continues a line. Variables are not expanded.
//! - **`.pre-commit-config.yaml`** (or `.yml`): every hook `entry` (`repo: local` hooks run
//!   what the repository says, on every `git commit` once `pre-commit install` ran), in block
//!   or flow style, quoted or not, or as a folded (`>`) or literal (`|`) block.
//! - **Shell scripts** those run (`.sh`, or a shell shebang), each line as a command, up to
//!   [`MAX_DEPTH`] scripts deep.
//!
//! A command in a recipe, hook or shell script that carries a threat sign (a download piped to
//! a shell, a reverse shell, an exfiltration endpoint, a credential path, decoding what it
//! runs) is an `import-time-code` error; a pre-commit hook's command is a warning otherwise (it
//! runs unasked), a recipe's or script's line is not reported (the user runs it knowingly).
//! The Python scripts any of them run are returned, to be read as [`Role::Script`] code (whole
//! top level, the main guard's body included).
//!
//! [`Role::Script`]: crate::code_facts::Role::Script

use crate::finding::{Finding, Severity};
use crate::rules::{import_time_code, opaque_code};
use crate::source::{read_regular, ReadError, SourceFile};
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

/// How many shell scripts deep a run is followed (a script that runs a script ...).
pub const MAX_DEPTH: usize = 4;

/// How many `Makefile` targets and shell scripts one scan follows at most.
const MAX_FOLLOWED: usize = 512;

/// What the instructions run.
#[derive(Debug, Default)]
pub struct Instructed {
    pub findings: Vec<Finding>,
    /// Python scripts run by the instructions, as the walk names them.
    pub scripts: HashSet<PathBuf>,
}

/// Something a command line runs.
#[derive(Debug, PartialEq)]
enum Run {
    /// `make` with these targets (none: the default target).
    Make(Vec<String>),
    Python(PathBuf),
    Shell(PathBuf),
}

/// Reads the instructions under `root` (see the module doc).
pub fn read(root: &Path) -> Instructed {
    let mut out = Instructed::default();
    let Ok(entries) = std::fs::read_dir(root) else {
        return out;
    };
    let mut docs: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy().to_ascii_lowercase();
            ["readme", "install", "contributing"]
                .iter()
                .any(|p| n.starts_with(p))
                && e.file_type().is_ok_and(|t| t.is_file())
        })
        .map(|e| e.path())
        .collect();
    docs.sort();
    let mut shells: Vec<(PathBuf, String, usize)> = Vec::new();
    let mut make: Vec<(String, String)> = Vec::new();
    for doc in &docs {
        let Some(sf) = read_text(doc, &mut out) else {
            continue;
        };
        let shown = sf.display_path();
        for line in sf.text.lines() {
            for run in runs_in_line(root, line, false) {
                match run {
                    Run::Make(targets) if targets.is_empty() => {
                        make.push((String::new(), shown.clone()))
                    }
                    Run::Make(targets) => {
                        make.extend(targets.into_iter().map(|t| (t, shown.clone())))
                    }
                    Run::Python(p) => {
                        out.scripts.insert(p);
                    }
                    Run::Shell(p) => shells.push((p, format!("run as {shown} says"), 0)),
                }
            }
        }
    }
    if !make.is_empty() {
        makefile(root, &make, &mut out, &mut shells);
    }
    pre_commit(root, &mut out, &mut shells);
    shell_scripts(root, shells, &mut out);
    out
}

/// Reads `path` as text (lossy UTF-8); a file too large is an `opaque-code` error (what it runs
/// is not known), one that cannot be read is skipped.
fn read_text(path: &Path, out: &mut Instructed) -> Option<SourceFile> {
    match read_regular(path, super::MAX_SCAN_SIZE) {
        Ok(bytes) => Some(SourceFile::new(
            crate::source::clean(path),
            String::from_utf8_lossy(&bytes).into_owned(),
        )),
        Err(ReadError::TooLarge(_)) => {
            out.findings.push(opaque_code::finding(
                &crate::source::display_path(&crate::source::clean(path)),
                "a file of instructions or commands larger than 8 MiB",
                opaque_code::Reach::RunsUnasked,
            ));
            None
        }
        Err(_) => None,
    }
}

/// The pieces of a line that are command lines, and what each runs.
fn runs_in_line(root: &Path, line: &str, commands: bool) -> Vec<Run> {
    let mut out = Vec::new();
    for piece in line.split(['`', ';', '|', '&']) {
        let words: Vec<&str> = piece
            .split_whitespace()
            .map(|w| w.trim_matches(|c| matches!(c, '"' | '\'' | '(' | ')')))
            .skip_while(|w| matches!(*w, "$" | ">" | "%" | "#"))
            .collect();
        if let Some(run) = runs(root, &words, commands) {
            out.push(run);
        }
    }
    out
}

/// What the command line `words` runs; `commands` when it is a command line for sure (a
/// recipe, a hook, a shell script), so that its first word may name a script by its path.
fn runs(root: &Path, words: &[&str], commands: bool) -> Option<Run> {
    for (i, word) in words.iter().enumerate() {
        let name = word.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
        let rest = &words[i + 1..];
        if name == "make" || name == "gmake" {
            let mut targets = Vec::new();
            let mut skip = false;
            for w in rest {
                if skip {
                    skip = false;
                } else if matches!(*w, "-f" | "-C" | "-I" | "-j" | "-o" | "-W") {
                    skip = true;
                } else if !w.starts_with('-') && !w.contains('=') {
                    targets.push((*w).to_owned());
                }
            }
            return Some(Run::Make(targets));
        }
        if is_python(&name) {
            let mut j = 0;
            while let Some(w) = rest.get(j) {
                match *w {
                    "-m" => return rest.get(j + 1).and_then(|m| module(root, m)),
                    "-c" => return None,
                    "-X" | "-W" | "-Q" => j += 2,
                    _ if w.starts_with('-') => j += 1,
                    _ => return file(root, w).map(Run::Python),
                }
            }
            return None;
        }
        if matches!(
            name.as_str(),
            "sh" | "bash" | "zsh" | "dash" | "ksh" | "source" | "."
        ) {
            let script = rest.iter().find(|w| !w.starts_with('-'))?;
            return file(root, script).and_then(|p| classify(p, Kind::Shell));
        }
        if word.starts_with("./") || (commands && i == 0 && word.contains('/')) {
            return file(root, word).and_then(|p| classify(p, Kind::Unknown));
        }
        // only a prompt, `sudo`, `env` and `VAR=value` stand before a command's name
        if !(matches!(*word, "sudo" | "env" | "exec" | "time" | "nohup") || word.contains('=')) {
            return None;
        }
    }
    None
}

/// `python`, `python3`, `python3.12`, `py`, `pypy3`, `$(PYTHON)`, `${PYTHON}`.
fn is_python(name: &str) -> bool {
    let name = name
        .trim_start_matches(['$', '(', '{'])
        .trim_end_matches([')', '}']);
    name == "py"
        || name.strip_prefix("python").is_some_and(|v| {
            v.chars().all(|c| c.is_ascii_digit() || c == '.') || v == ".exe" || v == "w"
        })
        || name
            .strip_prefix("pypy")
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

#[derive(PartialEq)]
enum Kind {
    Shell,
    Unknown,
}

/// A Python script or a shell script, by its extension or shebang; `Kind::Shell` when a shell
/// was named to run it.
fn classify(path: PathBuf, kind: Kind) -> Option<Run> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if matches!(ext, "py" | "pyw") {
        return Some(if kind == Kind::Shell {
            Run::Shell(path)
        } else {
            Run::Python(path)
        });
    }
    let head = first_line(&path);
    if kind == Kind::Unknown && head.contains("python") {
        return Some(Run::Python(path));
    }
    if kind == Kind::Shell || ext == "sh" || head.starts_with("#!") {
        return Some(Run::Shell(path));
    }
    None
}

fn first_line(path: &Path) -> String {
    use std::io::Read;
    let mut head = [0u8; 128];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let head = String::from_utf8_lossy(&head[..n]).into_owned();
    head.lines().next().unwrap_or("").to_owned()
}

/// The regular file `rel` names inside `root`: relative, no `..`, existing.
fn file(root: &Path, rel: &str) -> Option<PathBuf> {
    let rel = Path::new(rel.trim_end_matches([',', '.', ':']));
    if rel.as_os_str().is_empty()
        || rel
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return None;
    }
    let p = root.join(rel);
    std::fs::symlink_metadata(&p)
        .is_ok_and(|m| m.is_file())
        .then(|| crate::source::clean(&clean_dots(&p)))
}

/// `a/./b` as `a/b`, so paths compare with the walk's.
fn clean_dots(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for (i, c) in p.components().enumerate() {
        if i > 0 && c == Component::CurDir {
            continue;
        }
        out.push(c);
    }
    out
}

/// The file `python -m name` runs: `name.py`, or a package's `__main__.py`.
fn module(root: &Path, name: &str) -> Option<Run> {
    let rel: PathBuf = name.split('.').collect();
    let as_file = rel.with_extension("py");
    let as_pkg = rel.join("__main__.py");
    [as_file, as_pkg]
        .iter()
        .find_map(|p| file(root, p.to_str()?))
        .map(Run::Python)
}

/// One rule of a `Makefile`: its prerequisites and recipe lines (byte offset, command).
#[derive(Default)]
struct Rule {
    prereqs: Vec<String>,
    recipe: Vec<(usize, String)>,
}

/// Reads the recipes of the `targets` (each with the file that names it) from the root's
/// `Makefile`.
fn makefile(
    root: &Path,
    targets: &[(String, String)],
    out: &mut Instructed,
    shells: &mut Vec<(PathBuf, String, usize)>,
) {
    let Some(path) = ["GNUmakefile", "makefile", "Makefile"]
        .iter()
        .map(|n| root.join(n))
        .find(|p| p.is_file())
    else {
        return;
    };
    let Some(sf) = read_text(&path, out) else {
        return;
    };
    let (rules, default) = parse_makefile(&sf.text);
    let mut seen: HashSet<&str> = HashSet::new();
    let mut queue: Vec<(&str, &str)> = targets
        .iter()
        .map(|(t, doc)| {
            let t = if t.is_empty() { default.as_str() } else { t };
            (t, doc.as_str())
        })
        .collect();
    queue.reverse();
    while let Some((target, doc)) = queue.pop() {
        if seen.len() >= MAX_FOLLOWED || !seen.insert(target) {
            continue;
        }
        let Some(rule) = rules.get(target) else {
            continue;
        };
        let how = format!("`make {target}` (named in {doc} or needed by a target it names)");
        for (offset, command) in &rule.recipe {
            let command = command.trim_start_matches(['@', '-', '+', ' ', '\t']);
            out.findings.extend(import_time_code::instructed(
                &sf, *offset, command, &how, None,
            ));
            for run in runs_in_line(root, command, true) {
                follow(run, &format!("run by `make {target}`"), 1, out, shells);
            }
        }
        queue.extend(rule.prereqs.iter().rev().map(|p| (p.as_str(), doc)));
    }
}

/// The rules of a `Makefile` and its default target (the first whose name does not start
/// with `.`).
fn parse_makefile(text: &str) -> (HashMap<String, Rule>, String) {
    let mut rules: HashMap<String, Rule> = HashMap::new();
    let mut default = String::new();
    let mut current: Vec<String> = Vec::new();
    for (offset, line) in logical_lines(text) {
        if let Some(cmd) = line.strip_prefix('\t') {
            for t in &current {
                rules
                    .entry(t.clone())
                    .or_default()
                    .recipe
                    .push((offset + 1, cmd.to_owned()));
            }
            continue;
        }
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some(colon) = line.find(':') else {
            current.clear();
            continue;
        };
        let (head, tail) = line.split_at(colon);
        if head.contains('=') || tail[1..].starts_with('=') || tail.starts_with(":=") {
            current.clear();
            continue;
        }
        let tail = tail.trim_start_matches(':');
        let (prereqs, inline) = match tail.split_once(';') {
            Some((p, r)) => (p, Some(r)),
            None => (tail, None),
        };
        current = head.split_whitespace().map(str::to_owned).collect();
        for t in &current {
            if default.is_empty() && !t.starts_with('.') && !t.contains('%') {
                default = t.clone();
            }
            let rule = rules.entry(t.clone()).or_default();
            rule.prereqs
                .extend(prereqs.split_whitespace().map(str::to_owned));
            if let Some(r) = inline {
                let at = offset + colon + 1 + tail.len() - r.len();
                rule.recipe.push((at, r.to_owned()));
            }
        }
    }
    (rules, default)
}

/// Lines joined where one ends with `\`, each with the byte offset where it starts.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut open = false;
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let line = raw.trim_end_matches(['\n', '\r']);
        let (body, continues) = match line.strip_suffix('\\') {
            Some(b) => (b, true),
            None => (line, false),
        };
        match out.last_mut() {
            Some((_, last)) if open => {
                last.push(' ');
                last.push_str(body.trim_start());
            }
            _ => out.push((offset, body.to_owned())),
        }
        open = continues;
        offset += raw.len();
    }
    out
}

/// Reads every hook `entry` of the root's pre-commit configuration.
fn pre_commit(root: &Path, out: &mut Instructed, shells: &mut Vec<(PathBuf, String, usize)>) {
    for name in [".pre-commit-config.yaml", ".pre-commit-config.yml"] {
        let path = root.join(name);
        if !path.is_file() {
            continue;
        }
        let Some(sf) = read_text(&path, out) else {
            continue;
        };
        for (offset, entry) in entries(&sf.text) {
            out.findings.extend(import_time_code::instructed(
                &sf,
                offset,
                &entry,
                "this pre-commit hook (run on every `git commit` once `pre-commit install` ran)",
                Some(Severity::Warning),
            ));
            for run in runs_in_line(root, &entry, true) {
                follow(run, "run by a pre-commit hook", 1, out, shells);
            }
        }
    }
}

/// The `entry` values of a pre-commit configuration, with the offset of each key.
fn entries(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let lines: Vec<(usize, &str)> = text
        .split_inclusive('\n')
        .scan(0, |at, l| {
            let start = *at;
            *at += l.len();
            Some((start, l.trim_end_matches(['\n', '\r'])))
        })
        .collect();
    for (n, (start, line)) in lines.iter().enumerate() {
        for key in ["entry:", "\"entry\":", "'entry':"] {
            for (i, _) in line.match_indices(key) {
                let before = line[..i].chars().next_back();
                if before.is_some_and(|c| !matches!(c, ' ' | '\t' | '-' | '{' | ',' | '?')) {
                    continue;
                }
                let value = line[i + key.len()..].trim();
                let flow = line[..i].contains('{');
                let value =
                    if let Some(q) = value.chars().next().filter(|c| *c == '"' || *c == '\'') {
                        value[1..].split(q).next().unwrap_or("").to_owned()
                    } else if value.starts_with('>') || value.starts_with('|') {
                        let indent = line.len() - line.trim_start().len();
                        lines[n + 1..]
                            .iter()
                            .take_while(|(_, l)| {
                                l.trim().is_empty() || l.len() - l.trim_start().len() > indent
                            })
                            .map(|(_, l)| l.trim())
                            .collect::<Vec<_>>()
                            .join(" ")
                    } else if flow {
                        value
                            .split([',', '}'])
                            .next()
                            .unwrap_or("")
                            .trim()
                            .to_owned()
                    } else {
                        value.split(" #").next().unwrap_or("").trim().to_owned()
                    };
                if !value.is_empty() {
                    out.push((start + i, value));
                }
            }
        }
    }
    out
}

/// Queues what `run` runs.
fn follow(
    run: Run,
    how: &str,
    depth: usize,
    out: &mut Instructed,
    shells: &mut Vec<(PathBuf, String, usize)>,
) {
    match run {
        Run::Python(p) => {
            out.scripts.insert(p);
        }
        Run::Shell(p) => shells.push((p, how.to_owned(), depth)),
        // `make` run by a recipe or script: the targets are not followed twice
        Run::Make(_) => {}
    }
}

/// Reads the shell scripts run, and those they run, each line as a command.
fn shell_scripts(root: &Path, mut queue: Vec<(PathBuf, String, usize)>, out: &mut Instructed) {
    let mut seen: HashSet<PathBuf> = HashSet::new();
    queue.reverse();
    while let Some((path, how, depth)) = queue.pop() {
        if depth > MAX_DEPTH || seen.len() >= MAX_FOLLOWED || !seen.insert(path.clone()) {
            continue;
        }
        let Some(sf) = read_text(&path, out) else {
            continue;
        };
        let shown = sf.display_path();
        let what = format!("`{shown}` ({how})");
        let mut offset = 0;
        let mut more = Vec::new();
        for raw in sf.text.split_inclusive('\n') {
            let line = raw.trim();
            if !line.is_empty() && !line.starts_with('#') {
                out.findings
                    .extend(import_time_code::instructed(&sf, offset, line, &what, None));
                for run in runs_in_line(root, line, true) {
                    follow(run, &format!("run by {shown}"), depth + 1, out, &mut more);
                }
            }
            offset += raw.len();
        }
        queue.extend(more.into_iter().rev());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makefile_rules_and_recipes() {
        let (rules, default) = parse_makefile(
            "PY ?= python3\n.PHONY: all\nall: setup\n\nsetup: deps ; echo inline\n\t@$(PY) tools/a.py \\\n\t  --x\n# c\n\techo two\nx := 1\n",
        );
        assert_eq!(default, "all");
        assert_eq!(rules["all"].prereqs, ["setup"]);
        let recipe: Vec<&str> = rules["setup"].recipe.iter().map(|r| r.1.as_str()).collect();
        assert_eq!(
            recipe,
            [" echo inline", "@$(PY) tools/a.py  --x", "echo two"]
        );
    }

    #[test]
    fn hook_entries_in_every_style() {
        let text = "repos:\n- repo: local\n  hooks:\n  - id: a\n    entry: sh -c 'x' # c\n  - {id: b, entry: run-b, language: system}\n  - id: c\n    \"entry\": \"quoted c\"\n  - id: d\n    entry: >\n      folded\n      d\n    language: system\n";
        let got: Vec<String> = entries(text).into_iter().map(|e| e.1).collect();
        assert_eq!(got, ["sh -c 'x'", "run-b", "quoted c", "folded d"]);
    }

    #[test]
    fn interpreters() {
        for n in [
            "python",
            "python3",
            "python3.12",
            "py",
            "pypy3",
            "$(python)",
            "${python}",
        ] {
            assert!(is_python(n), "{n}");
        }
        for n in ["pythonic", "pytest", "pip"] {
            assert!(!is_python(n), "{n}");
        }
    }
}
