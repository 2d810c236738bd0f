//! `setup.py`, read statically with tree-sitter; it is never executed.
//!
//! # What is read
//!
//! Every call to `setup(...)`, to a name `setup` is imported as (`from setuptools import setup
//! as _setup`), or to `<anything>.setup(...)` (`setuptools.setup`, `distutils.core.setup`;
//! `self.setup()` and `cls.setup()` are methods and do not count), anywhere in the file: at
//! module level, inside `if __name__ == "__main__":`, inside a function body. Of its keyword
//! arguments, `install_requires`, `setup_requires` and `tests_require` (section: the keyword)
//! and `extras_require` (section: `extras_require.<extra>`, the extra being the key up to any
//! `:marker`) are read. Other keywords are not dependencies and are ignored.
//!
//! # What is resolved
//!
//! A value is resolved when it is built only from:
//! - string literals, with any prefix (`r`, `u`, `b`, `f` without interpolation), single or
//!   triple quoted, with implicit concatenation (`"a" "b"`, read as one string at the first
//!   piece) and `+` between strings. Escapes are decoded for the requirement text and `\r\n`
//!   reads as `\n`, as Python reads them. Each string is split into lines as setuptools does
//!   (`pkg_resources.yield_lines`): blank lines and lines starting with `#` are skipped, ` #`
//!   starts a comment, a trailing `\` joins the next line. Each requirement points at its first
//!   character in the file (the start of its name), so columns stay exact after escapes, in
//!   indented triple-quoted strings and with `\r\n` line endings;
//! - list, tuple and set literals (nested ones and `*splats` flattened), `+` between them, and
//!   `list()`, `tuple()`, `set()`, `frozenset()`, `sorted()` of a resolved value;
//! - a list, set or generator comprehension with one `for` over a resolved list, yielding the
//!   element as it is or stripped (`[r.strip() for r in R if ...]`), `filter(F, R)` and
//!   `map(F, R)` where `F` is `None`, `bool`, `str.strip` (or `rstrip`, `lstrip`) or such a
//!   `lambda`: conditions are evaluated when they test the element's truth, its stripped
//!   truth, or `startswith`/`endswith` of string literals, joined by `not`, `and`, `or`; an
//!   element whose condition is anything else is kept, with a note, so nothing that may be
//!   installed is left out;
//! - a requirements file read by `open("requirements.txt")` (iterated, `.readlines()`,
//!   `.read()`, `.read().splitlines()`, `.read().split("\n")`; also `io.open`, and the same
//!   methods on `f` of `with open(...) as f`) or `Path("requirements.txt").read_text()`, the
//!   name a string, or built by `os.path.join` from `os.path.dirname(__file__)` (or of its
//!   `abspath`/`realpath`), which is setup.py's directory: the file, relative to
//!   setup.py's directory and inside it, is read as text (universal newlines), and each of its
//!   requirements is reported at its own file and line. setuptools reads them as it reads any
//!   string (no pip options: `-r other.txt` is an invalid requirement to it);
//! - for `extras_require`: dict literals, `dict(key=...)`, `**splats` and `|` of resolved dicts,
//!   with string-literal keys (or names bound to one), and `d["key"]` of a resolved dict;
//! - `None`, which declares nothing;
//! - conditional expressions (`a if cond else b`) of lists, dicts or `None`: both branches, as
//!   either may run (a string branch may be a piece of a requirement: a note);
//! - a requirement formatted at run time (`"numpy>=%s" % v`, `f"numpy>={v}"`, `"numpy>=" + v`,
//!   `"numpy>={}".format(v)`) when the literal text before the first placeholder holds the
//!   whole name, followed by a version operator, `[`, `;`, `@` or a space: the name is checked
//!   and the computed rest left out, which reads as any version of it;
//! - names, looked up as Python does (the enclosing function scopes, then the module), using the
//!   statements that come before the `setup()` call in source order, including those inside
//!   `if`/`for`/`while`/`try`/`with`/`match` blocks; statements after the call are ignored. For
//!   a call inside a function, all module-level statements count, as the function runs once the
//!   module has (`if __name__ == "__main__": main()` at the end). The statements followed are
//!   `NAME = value` (also chained and annotated), `NAME += value`, `NAME |= dict`,
//!   `NAME.append(x)`, `NAME.add(x)`, `NAME.extend(xs)`, `NAME.insert(i, x)`, `NAME.update(...)`,
//!   `NAME.setdefault(key, value)`, `NAME["key"] = value`, `NAME["key"] += value` and
//!   `NAME["key"].append/extend/insert(...)`; `LIST[i] = x` adds `x` and keeps what it replaced.
//!   As squatguard cannot tell which branch runs, a re-binding inside a branch that does not
//!   contain the call adds to what the name held instead of replacing it, so no requirement that
//!   might be installed is left out. Methods that only remove or reorder (`remove`, `pop`,
//!   `sort`, ...) are ignored: their requirements stay.
//!
//! # What is reported as unresolved
//!
//! A name the file also changes where this reader does not follow it (`escapes`: another
//! name bound to the same list, a function that runs later, `global`, `:=`, a `case` capture,
//! `globals()`/`exec`, a method or a function the list is handed to) is judged by what is
//! read, with a note at the name naming that place.
//!
//! Everything else is an `unresolved-dependency` note at the expression squatguard stopped at,
//! naming what it is: function calls (`parse_requirements("requirements.txt")`, `open()` of a
//! computed path such as `os.path.join(here, "requirements.txt")`, a file that is missing or
//! outside setup.py's directory), other comprehensions, attributes, subscripts it cannot resolve,
//! f-strings with interpolation, strings joined with run-time values,
//! names not bound before the call (or bound only after it), names bound by an import, a loop,
//! `with ... as`, `except ... as` or unpacking (the note points at the binding), function
//! parameters (a parameter's literal default is resolved as well), dict keys that are not
//! string literals (their requirements are still checked, under `extras_require`), and
//! `**kwargs` spread into `setup()` unless it resolves to a dict whose keys are all known (then
//! its dependency keywords are read like the others, extras without their names). A value that
//! is partly resolvable (`["a"] + get_more()`) yields the resolved requirements and a note for
//! the rest. Nothing is guessed and nothing is dropped silently.
//!
//! A file without any `setup()` call gets one note at line 1 (an empty file gets none). A file
//! with a Python syntax error is still read as far as tree-sitter recovers (including a
//! `setup(` whose call it could only recover in pieces), with one `invalid-manifest` finding at
//! the first error (an ERROR node, or a token tree-sitter had to assume missing).
//!
//! # Limits
//!
//! No input can panic or exhaust the stack: the tree is walked without recursion, expressions
//! and blocks are read [`MAX_DEPTH`] levels deep at most, and values, strings and notes are
//! capped in size; each limit reached is reported as a note where it was reached.
//!
//! # Modules
//!
//! The file is first read as Python's tokenizer reads it (`source`: every line terminator
//! including a lone `\r`, the PEP 263 encoding cookie, NFKC-normalised identifiers); the real
//! reader all of this must agree with is CPython (`ast.parse` of what `tokenize.open` returns,
//! which is what setuptools `exec`s), and `tests/differential.rs` checks that it does.
//!
//! This module finds the `setup()` calls and reads their keywords into the manifest; the
//! static evaluator that resolves what a keyword's expression evaluates to is `eval`, over
//! the values of `value` (decoded strings, requirement lists, dicts, notes).

mod escapes;
mod eval;
pub(crate) mod source;
pub(crate) mod strings;
mod value;

use eval::*;
use value::*;

use super::Manifest;
use crate::finding::Rule;
use crate::source::SourceFile;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::rc::Rc;
use tree_sitter::Node;

/// How deep expressions and blocks are read; deeper ones get a note.
pub const MAX_DEPTH: usize = 100;
/// How many requirement strings one value may hold (bounds pathological `x = x + x` chains).
const MAX_STRS: usize = 10_000;
/// How many `setup()` calls are read.
const MAX_CALLS: usize = 100;
/// How long one string built by `+` may grow.
const MAX_STR_LEN: usize = 1 << 16;
/// How many notes one value may carry.
const MAX_NOTES: usize = 100;
/// The note on a dict used where a list of requirements belongs.
const DICT_AS_LIST: &str =
    "is a dict, not a list of requirements; squatguard checks the requirements in its values";
/// How many characters of an expression a message quotes.
const SNIPPET_CHARS: usize = 60;
/// The keywords whose value is a list of requirements.
const LIST_KEYWORDS: [&str; 3] = ["install_requires", "setup_requires", "tests_require"];
const EXTRAS_KEYWORD: &str = "extras_require";

/// Reads the dependencies that `setup()` calls in `src` declare, without running anything.
pub fn parse(original: &SourceFile) -> Manifest {
    let prepared = source::prepare(original);
    let src = prepared.src(original);
    let mut out = Out {
        src,
        manifest: Manifest::default(),
        deps_seen: HashSet::new(),
        notes_seen: HashSet::new(),
    };
    for error in &prepared.errors {
        out.manifest.push_finding(
            src,
            Rule::InvalidManifest,
            error.offset,
            error.message.clone(),
        );
    }
    let text = prepared.code.as_str();
    let Some(tree) = &prepared.tree else {
        out.manifest.push_finding(
            src,
            Rule::InvalidManifest,
            0,
            "setup.py could not be parsed as Python; no dependencies were read",
        );
        return out.manifest;
    };
    let root = tree.root_node();
    let (calls, first_error) = scan(root, text);
    let mut reader = Reader {
        text,
        root,
        sites: binding_sites(root, text),
        escapes: escapes::find(root, text, &call_ranges(&calls)),
        call_at: 0,
        call_in_function: false,
        depth_limit_at: None,
        dir: crate::source::parent_dir(&src.path).to_path_buf(),
        files: RefCell::default(),
        handles: RefCell::default(),
    };
    for call in calls.iter().take(MAX_CALLS) {
        reader.read_call(call, &mut out);
    }
    if let Some(call) = calls.get(MAX_CALLS) {
        out.note(
            call.node.start_byte(),
            format!(
                "setup.py calls setup() more than {MAX_CALLS} times; squatguard reads the first \
                 {MAX_CALLS} and stops here"
            ),
        );
    }
    if calls.is_empty() && !text.trim().is_empty() {
        out.manifest.push_finding(
            src,
            Rule::UnresolvedDependency,
            0,
            "no setup() call was found; squatguard reads dependencies only from the keyword \
             arguments of setup(), so none were checked",
        );
    }
    if let Some(offset) = reader.depth_limit_at {
        out.note(
            offset,
            format!(
                "setup.py nests blocks more than {MAX_DEPTH} levels deep; squatguard stops \
                 reading there, so dependencies bound inside are not checked"
            ),
        );
    }
    if let Some(offset) = first_error {
        out.manifest.push_finding(
            src,
            Rule::InvalidManifest,
            offset,
            "setup.py has a Python syntax error here; dependencies after it may be missed",
        );
    }
    out.manifest.findings.sort_by_key(|f| (f.line, f.column));
    out.manifest
}

/// The project name setup.py passes to setup(), for what a local directory requirement
/// (`-e ./vendor/x`) installs as: `Some(Some(name))` when its one `setup()` call passes
/// `name=` as a string literal; `Some(None)` when it may pass one squatguard does not read
/// (an expression or a variable, which code may rebind in ways a static reader misses;
/// `**kwargs`; more than one `setup()` call, of which any may be the one that runs; a file
/// that does not read); `None` when it passes none (setup.cfg's then stands).
pub fn project_name(original: &SourceFile) -> Option<Option<String>> {
    let prepared = source::prepare(original);
    let Some(tree) = prepared
        .tree
        .as_ref()
        .filter(|_| prepared.errors.is_empty())
    else {
        return Some(None);
    };
    let text = prepared.code.as_str();
    let root = tree.root_node();
    let (calls, first_error) = scan(root, text);
    let [call] = calls.as_slice() else {
        return Some(None);
    };
    if first_error.is_some() {
        return Some(None);
    }
    let src = |n: Node<'_>| text.get(n.byte_range()).unwrap_or("");
    let value = call.args.iter().find_map(|arg| {
        (arg.kind() == "keyword_argument"
            && arg.child_by_field_name("name").map(src) == Some("name"))
        .then(|| arg.child_by_field_name("value"))
        .flatten()
    });
    let Some(value) = value else {
        let splat = call.args.iter().any(|a| a.kind() == "dictionary_splat");
        return splat.then_some(None);
    };
    Some(string_literal(value, text))
}

/// The value of a plain string literal node (no prefix but `r`/`u`, no escape sequence, no
/// implicit concatenation), else `None`.
fn string_literal(node: Node<'_>, text: &str) -> Option<String> {
    if node.kind() != "string" {
        return None;
    }
    let raw = text.get(node.byte_range())?;
    let body = raw.trim_start_matches(['r', 'R', 'u', 'U']);
    let quote = ["\"\"\"", "'''", "\"", "'"]
        .into_iter()
        .find(|q| body.starts_with(q) && body.ends_with(q) && body.len() >= 2 * q.len())?;
    let inner = &body[quote.len()..body.len() - quote.len()];
    (!inner.contains('\\') && !inner.contains(['\n', '\r'])).then(|| inner.to_owned())
}

/// One `setup(...)` call: where it starts and its arguments.
struct SetupCall<'t> {
    /// The call, or the `setup` name of a call tree-sitter could only recover in pieces.
    node: Node<'t>,
    args: Vec<Node<'t>>,
}

/// Where each call stands, its arguments included (a recovered call's pieces may lie apart).
fn call_ranges(calls: &[SetupCall<'_>]) -> Vec<std::ops::Range<usize>> {
    calls
        .iter()
        .map(|c| {
            let start = c
                .args
                .iter()
                .map(|a| a.start_byte())
                .fold(c.node.start_byte(), usize::min);
            let end = c
                .args
                .iter()
                .map(|a| a.end_byte())
                .fold(c.node.end_byte(), usize::max);
            start..end
        })
        .collect()
}

/// Walks the whole tree without recursion: the `setup()` calls in source order, and the offset
/// of the first syntax error.
fn scan<'t>(root: Node<'t>, text: &str) -> (Vec<SetupCall<'t>>, Option<usize>) {
    let names = setup_names(root, text);
    let names = &names;
    let mut calls = Vec::new();
    let mut first_error = None;
    let mut cursor = root.walk();
    'walk: loop {
        let node = cursor.node();
        if first_error.is_none() && (node.is_error() || node.is_missing()) {
            first_error = Some(node.start_byte());
        }
        if node.kind() == "call" {
            let args = node
                .child_by_field_name("arguments")
                .filter(|a| a.kind() == "argument_list");
            let method = node
                .child_by_field_name("function")
                .and_then(|f| f.child_by_field_name("object"))
                .is_some_and(|o| matches!(text.get(o.byte_range()), Some("self" | "cls")));
            let named_setup = !method
                && args
                    .and_then(|a| a.prev_sibling())
                    .is_some_and(|prev| ends_with_setup(prev, text, names));
            if let Some(args) = args.filter(|_| named_setup) {
                calls.push(SetupCall {
                    node,
                    args: kids(args),
                });
            }
        }
        if node.is_error() {
            recover_calls(node, text, names, &mut calls);
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
    calls.sort_by_key(|c| c.node.start_byte());
    (calls, first_error)
}

/// `setup` and the names it is imported as (`from setuptools import setup as _setup`).
fn setup_names(root: Node<'_>, text: &str) -> HashSet<String> {
    let mut names = HashSet::from(["setup".to_owned()]);
    for import in descendants_of_kind(root, "import_from_statement") {
        let from = import
            .child_by_field_name("module_name")
            .and_then(|m| text.get(m.byte_range()))
            .unwrap_or("");
        if !(from.starts_with("setuptools") || from.starts_with("distutils")) {
            continue;
        }
        let mut cursor = import.walk();
        for name in import.children_by_field_name("name", &mut cursor) {
            let original = name
                .child_by_field_name("name")
                .and_then(|n| text.get(n.byte_range()));
            let alias = name
                .child_by_field_name("alias")
                .and_then(|n| text.get(n.byte_range()));
            if let (Some("setup"), Some(alias)) = (original, alias) {
                names.insert(alias.to_owned());
            }
        }
    }
    names
}

/// Whether `node` ends with a name of `setup`: `setup`, `setuptools.setup`, or an error node
/// whose last token is `setup` (how tree-sitter recovers `setup(` after a syntax error).
fn ends_with_setup(node: Node<'_>, text: &str, names: &HashSet<String>) -> bool {
    let mut leaf = node;
    for _ in 0..MAX_DEPTH {
        match leaf
            .child_count()
            .checked_sub(1)
            .and_then(|last| leaf.child(last))
        {
            Some(child) => leaf = child,
            None => break,
        }
    }
    leaf.kind() == "identifier"
        && text
            .get(leaf.byte_range())
            .is_some_and(|n| names.contains(n))
}

/// In a syntax error tree-sitter could not make a call of, `setup` followed by keyword
/// arguments: they are read as that call's arguments.
fn recover_calls<'t>(
    error: Node<'t>,
    text: &str,
    names: &HashSet<String>,
    calls: &mut Vec<SetupCall<'t>>,
) {
    let items = kids(error);
    let is_setup = |n: &Node<'_>| {
        matches!(n.kind(), "identifier" | "attribute") && ends_with_setup(*n, text, names)
    };
    for (i, item) in items.iter().enumerate() {
        if !is_setup(item) {
            continue;
        }
        let mut args = Vec::new();
        for next in &items[i + 1..] {
            match next.kind() {
                "keyword_argument" | "dictionary_splat" => args.push(*next),
                "argument_list" if args.is_empty() => args.extend(kids(*next)),
                _ if is_setup(next) => break,
                _ => {}
            }
        }
        calls.push(SetupCall { node: *item, args });
    }
}

impl<'t> Reader<'t> {
    /// Reads one `setup()` call's dependency keywords.
    fn read_call(&mut self, call: &SetupCall<'t>, out: &mut Out<'_>) {
        let wanted = |arg: &Node<'_>| match arg.kind() {
            "keyword_argument" => arg
                .child_by_field_name("name")
                .map(|n| self.src(n))
                .is_some_and(|n| LIST_KEYWORDS.contains(&n) || n == EXTRAS_KEYWORD),
            "dictionary_splat" => true,
            _ => false,
        };
        let args: Vec<Node<'t>> = call.args.iter().copied().filter(wanted).collect();
        if args.is_empty() {
            return;
        }
        self.call_at = call.node.start_byte();
        self.call_in_function = {
            let mut up = call.node.parent();
            while up.is_some_and(|p| p.kind() != "function_definition") {
                up = up.and_then(|p| p.parent());
            }
            up.is_some()
        };
        let envs = self.environment(call.node);
        for arg in args {
            if arg.kind() == "dictionary_splat" {
                if let Some(Val::Dict(entries, notes, _)) = kids(arg)
                    .into_iter()
                    .next()
                    .map(|inner| self.eval(inner, &envs, 0))
                {
                    // a key squatguard could not read may be a dependency keyword
                    if notes.is_empty() && entries.iter().all(|e| e.key.is_some()) {
                        for entry in entries {
                            let Some(key) = entry.key.as_deref() else {
                                continue;
                            };
                            if LIST_KEYWORDS.contains(&key) {
                                out.reqs(entry.reqs, key);
                            } else if key == EXTRAS_KEYWORD {
                                // the extras' names were flattened away with the dict
                                let mut reqs = entry.reqs;
                                reqs.notes.retain(|n| n.predicate != DICT_AS_LIST);
                                out.reqs(reqs, key);
                            }
                        }
                        continue;
                    }
                }
                out.note(
                    arg.start_byte(),
                    format!(
                        "setup() receives `{}`, whose keys squatguard does not resolve; any \
                         `install_requires` or `extras_require` passed through it is not \
                         checked, so pass them as literal keyword arguments",
                        self.snippet(arg)
                    ),
                );
                continue;
            }
            let (Some(name), Some(value)) = (
                arg.child_by_field_name("name"),
                arg.child_by_field_name("value"),
            ) else {
                continue;
            };
            let keyword = self.src(name);
            let val = self.eval(value, &envs, 0);
            if keyword == EXTRAS_KEYWORD {
                out.extras(val, keyword);
            } else {
                out.reqs(val.into_reqs(), keyword);
            }
        }
    }
}

fn same_file(a: &Option<Rc<SourceFile>>, b: &Option<Rc<SourceFile>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => Rc::ptr_eq(a, b),
        _ => false,
    }
}

/// Strings of one file read as one, a line break between each, and where each but the first
/// starts in it.
fn joined(strs: &[Rc<Str>]) -> (Rc<Str>, Vec<usize>) {
    if let [one] = strs {
        return (one.clone(), Vec::new());
    }
    let mut starts = Vec::new();
    let mut all = Str {
        text: String::new(),
        map: Vec::new(),
        origin: strs.first().map_or(0, |s| s.origin),
        file: strs.first().and_then(|s| s.file.clone()),
    };
    for (i, s) in strs.iter().enumerate() {
        if i > 0 {
            let at = all.map.last().copied().unwrap_or(s.origin);
            all.push('\n', at);
            starts.push(all.text.len());
        }
        all.text.push_str(&s.text);
        all.map.extend_from_slice(&s.map);
    }
    (Rc::new(all), starts)
}

/// The manifest being built, without repeating a dependency or note.
struct Out<'s> {
    src: &'s SourceFile,
    manifest: Manifest,
    deps_seen: HashSet<(usize, String, String, std::sync::Arc<str>)>,
    notes_seen: HashSet<(usize, String)>,
}

impl Out<'_> {
    fn note(&mut self, offset: usize, message: String) {
        if self.notes_seen.insert((offset, message.clone())) {
            self.manifest
                .push_finding(self.src, Rule::UnresolvedDependency, offset, message);
        }
    }

    /// Records the requirements of one section, and its notes.
    fn reqs(&mut self, mut reqs: Reqs, section: &str) {
        let mut seen = HashSet::new();
        reqs.notes
            .retain(|n| seen.insert((n.offset, n.predicate.clone())));
        let whole = reqs.strs.is_empty() && reqs.notes.len() == 1;
        reqs.strs.sort_by_key(|s| s.origin);
        // setuptools reads the strings of a list as one run of lines (`_reqs.parse_strings`):
        // a continuation at the end of one joins the next; strings of one file are read so
        let mut strs: &[Rc<Str>] = &reqs.strs;
        while let Some(first) = strs.first() {
            let run = strs
                .iter()
                .take_while(|s| same_file(&s.file, &first.file))
                .count();
            let (s, starts) = joined(&strs[..run]);
            strs = &strs[run..];
            // a requirement read from another file is reported there
            let src = s.file.as_deref().unwrap_or(self.src);
            let (lines, dangling) = s.requirements();
            for line in lines {
                let (text, offset) = s.located(&line);
                if self
                    .deps_seen
                    .insert((offset, section.to_owned(), text.clone(), src.shown()))
                {
                    self.manifest.push_pep508(src, &text, offset, section);
                }
                // joined across strings: in the list's order, which sorted() or a set changes
                if line.joined.is_some()
                    && starts
                        .iter()
                        .any(|&b| line.range.start < b && b < line.range.end)
                {
                    self.manifest.push_finding(
                        src,
                        Rule::InvalidRequirement,
                        offset,
                        format!(
                            "`{text}` is joined from two strings of the list by a line \
                             continuation (`\\`) at the end of the first: setuptools joins them \
                             in the list's order, which squatguard cannot be sure of; remove the \
                             `\\`"
                        ),
                    );
                }
            }
            if let Some(line) = dangling {
                let (text, offset) = s.located(&line);
                self.manifest.push_finding(
                    src,
                    Rule::InvalidRequirement,
                    offset,
                    format!(
                        "`{text}` ends in a line continuation (`\\`) with no line after it: \
                         setuptools drops it and every requirement after it; remove the `\\`"
                    ),
                );
            }
        }
        self.notes(reqs.notes, section, whole);
    }

    fn notes(&mut self, notes: Vec<Note>, section: &str, whole: bool) {
        for note in notes {
            let subject = if whole || note.shape {
                format!("`{section}`")
            } else {
                format!("part of `{section}`")
            };
            let via = note
                .via
                .map(|v| format!(" (via `{v}`)"))
                .unwrap_or_default();
            self.note(note.offset, format!("{subject}{via} {}", note.predicate));
        }
    }

    /// Records `extras_require`, one section per extra.
    fn extras(&mut self, val: Val, keyword: &str) {
        let (entries, notes) = val.into_dict();
        let whole = entries.is_empty() && notes.len() == 1;
        self.notes(notes, keyword, whole);
        for entry in entries {
            let extra = entry
                .key
                .as_deref()
                .map(|k| k.split(':').next().unwrap_or("").trim())
                .filter(|k| !k.is_empty());
            let section = match extra {
                Some(extra) => format!("{keyword}.{extra}"),
                None => keyword.to_owned(),
            };
            self.reqs(entry.reqs, &section);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Manifest {
        parse(&SourceFile::new("setup.py", text))
    }

    fn deps(m: &Manifest) -> Vec<(String, u32, u32, String)> {
        m.dependencies
            .iter()
            .map(|d| (d.raw_name.clone(), d.line, d.column, d.section.clone()))
            .collect()
    }

    fn dep(name: &str, line: u32, column: u32, section: &str) -> (String, u32, u32, String) {
        (name.to_owned(), line, column, section.to_owned())
    }

    fn names(text: &str) -> Vec<String> {
        read(text)
            .dependencies
            .into_iter()
            .map(|d| d.raw_name)
            .collect()
    }

    #[test]
    fn empty_files_have_no_findings() {
        assert!(read("").findings.is_empty());
        assert!(read("\n  \n").findings.is_empty());
        let m = read("# nothing here\n");
        assert_eq!(m.findings.len(), 1);
        assert_eq!(m.findings[0].rule, Rule::UnresolvedDependency);
        assert_eq!((m.findings[0].line, m.findings[0].column), (1, 1));
    }

    #[test]
    fn escapes_keep_offsets_exact() {
        let m = read("setup(install_requires=['\\x72ich', \"\\tclick\", 'a\\\\b'])\n");
        assert_eq!(
            deps(&m),
            [
                dep("rich", 1, 26, "install_requires"),
                dep("click", 1, 39, "install_requires")
            ]
        );
        // `a\b` is not a requirement: reported, not dropped.
        assert_eq!(m.findings.len(), 1);
        assert_eq!(m.findings[0].rule, Rule::InvalidRequirement);
    }

    #[test]
    fn multi_line_strings_split_like_pkg_resources() {
        let text = "setup(install_requires='''\r\n  a  # why\r\n\r\n# skipped\r\nb>=1 \\\r\n  ; python_version>'3'\r\n''')\r\n";
        let m = read(text);
        assert_eq!(
            deps(&m),
            [
                dep("a", 2, 3, "install_requires"),
                dep("b", 5, 1, "install_requires")
            ]
        );
        assert!(m.dependencies[1].specifiers.is_some());
        assert!(m.findings.is_empty(), "{:?}", m.findings);
    }

    /// Python's tokenizer ends a line, and a comment, at a lone `\r`; tree-sitter alone does not.
    #[test]
    fn lone_carriage_returns_end_comments() {
        let m = read("setup(\n    # pinned\rinstall_requires=['colourama'],\r)\r");
        assert_eq!(deps(&m), [dep("colourama", 3, 20, "install_requires")]);
        assert!(m.findings.is_empty(), "{:?}", m.findings);
        let m = read("R = ['a'] # x\rR.append('b')\r\nsetup(install_requires=R)\n");
        assert_eq!(names_of(&m), ["a", "b"]);
    }

    #[test]
    fn foreign_encoding_cookies_are_errors() {
        let m = read("# -*- coding: utf-7 -*-\nsetup(install_requires=['a'])\n");
        assert_eq!(names_of(&m), ["a"]);
        assert_eq!(m.findings.len(), 1);
        let f = &m.findings[0];
        assert_eq!((f.rule, f.line, f.column), (Rule::InvalidManifest, 1, 15));
        assert!(f.message.contains("`utf-7`"), "{}", f.message);
        for fine in [
            "# -*- coding: utf-8 -*-\nx = 'é'\nsetup(install_requires=['a'])\n",
            "#!/usr/bin/env python\n# coding=latin-1\nsetup(install_requires=['a'])\n",
            "setup(install_requires=['a'])\n# coding: utf-7\n",
        ] {
            assert!(read(fine).findings.is_empty(), "{fine}");
        }
    }

    #[test]
    fn identifiers_read_as_python_normalises_them() {
        let m = read("𝐑 = ['a']\n𝐬𝐞𝐭𝐮𝐩(𝐢𝐧𝐬𝐭𝐚𝐥𝐥_𝐫𝐞𝐪𝐮𝐢𝐫𝐞𝐬=R + ['b'])\n");
        assert_eq!(names_of(&m), ["a", "b"]);
        assert_eq!(m.dependencies[1].column, 30);
        assert!(m.findings.is_empty(), "{:?}", m.findings);
        // `𝐍𝐨𝐧𝐞` is a name to Python, not the constant
        let m = read("setup(install_requires=𝐍𝐨𝐧𝐞)\n");
        assert_eq!(m.findings.len(), 1);
        assert_eq!(m.findings[0].rule, Rule::UnresolvedDependency);
    }

    /// Lists passed through a comprehension, `filter` or `map` are read where the result is
    /// certain; where a condition is not, every element is checked, with a note.
    #[test]
    fn comprehensions_filter_and_map_over_literal_lists() {
        for text in [
            "R = ['a', ' b ', '', '#c']\nsetup(install_requires=[r.strip() for r in R if r and not r.startswith('#')])\n",
            "setup(install_requires=list(filter(None, map(str.strip, ['a', ' b ', '', '#c']))))\n",
            "setup(install_requires=sorted({r for r in ['a', 'b'] + ['#c'] if not r.startswith(('#', '-'))}))\n",
            "setup(install_requires=list(r.strip() for r in ['a', 'b']))\n",
            "setup(install_requires=list(filter(lambda r: r.strip() and not r.startswith('#'), ['a', 'b', '#c'])))\n",
        ] {
            let m = read(text);
            let mut names = names_of(&m);
            names.sort();
            assert_eq!(names, ["a", "b"], "{text}");
            assert!(m.findings.is_empty(), "{text}: {:?}", m.findings);
        }
        let m = read("setup(install_requires=[r for r in ['a', 'b'] if ok(r)])\n");
        assert_eq!(names_of(&m), ["a", "b"]);
        assert_eq!(m.findings.len(), 1);
        assert!(
            m.findings[0].message.contains("filtered by a condition"),
            "{}",
            m.findings[0].message
        );
        for opaque in [
            "setup(install_requires=[r + '>=1' for r in ['a']])\n",
            "setup(install_requires=[r for r in open('requirements.txt')])\n",
            "setup(install_requires=list(map(fix, ['a'])))\n",
            "setup(install_requires=[r for x in ['a'] for r in x])\n",
        ] {
            let m = read(opaque);
            assert!(m.dependencies.is_empty(), "{opaque}");
            assert_eq!(m.findings.len(), 1, "{opaque}");
            assert_eq!(m.findings[0].rule, Rule::UnresolvedDependency);
        }
    }

    /// `open("requirements.txt").read().splitlines()` and its kin read the file, inside the
    /// directory of setup.py; its requirements are reported where they are written.
    #[test]
    fn requirement_files_setup_py_reads() {
        // setup.py one level down, so that what lies above it is the test's own too
        let dir = tempfile::tempdir().unwrap();
        let root = &dir.path().join("project");
        std::fs::create_dir(root).unwrap();
        std::fs::write(dir.path().join("above.txt"), "requests\n").unwrap();
        std::fs::write(
            root.join("requirements.txt"),
            "# deps\nrequests>=2\n\ncolourama  # x\n",
        )
        .unwrap();
        std::fs::write(root.join("dev.txt"), "-r requirements.txt\npytest\n").unwrap();
        let setup = root.join("setup.py");
        let read_in = |text: &str| parse(&SourceFile::new(&setup, text));
        for text in [
            "setup(install_requires=open('requirements.txt').read().splitlines())\n",
            "with open('x') as f: pass\nsetup(install_requires=open('requirements.txt').readlines())\n",
            "setup(install_requires=[l.strip() for l in open('requirements.txt') if l.strip() and not l.startswith('#')])\n",
            "import io\nsetup(install_requires=io.open('requirements.txt', encoding='utf-8').read())\n",
            "from pathlib import Path\nsetup(install_requires=Path('requirements.txt').read_text().split('\\n'))\n",
            "R = open('requirements.txt').read().splitlines()\nsetup(install_requires=list(filter(None, R)))\n",
            "with open('requirements.txt', 'r') as fh:\n    R = fh.read().splitlines()\nsetup(install_requires=R)\n",
            "import os\nhere = os.path.abspath(os.path.dirname(__file__))\n\
             with open(os.path.join(here, 'requirements.txt')) as f:\n    pass\n\
             setup(install_requires=open(os.path.join(here, 'requirements.txt')).read().splitlines())\n",
            "import os\nREQS = os.path.join(os.path.dirname(os.path.realpath(__file__)), 'requirements.txt')\n\
             setup(install_requires=[r for r in open(REQS, encoding='utf-8').readlines() if not r.startswith('#')])\n",
        ] {
            let m = read_in(text);
            let got: Vec<(&str, u32, u32)> = m
                .dependencies
                .iter()
                .map(|d| (d.name.as_str(), d.line, d.column))
                .collect();
            assert_eq!(got, [("requests", 2, 1), ("colourama", 4, 1)], "{text}");
            assert!(m.dependencies.iter().all(|d| d.file.ends_with("requirements.txt")));
            assert!(m.findings.is_empty(), "{text}: {:?}", m.findings);
        }
        // setuptools does not read pip's options: `-r x` is an invalid requirement there
        let m = read_in("setup(install_requires=open('dev.txt').read().splitlines())\n");
        assert_eq!(names_of(&m), ["pytest"]);
        assert_eq!(m.findings.len(), 1);
        assert_eq!(m.findings[0].rule, Rule::InvalidRequirement);
        for (text, why) in [
            (
                "setup(install_requires=open('missing.txt').read().splitlines())\n",
                "not there",
            ),
            (
                "setup(install_requires=open('../x.txt').read().splitlines())\n",
                "not there",
            ),
            (
                "setup(install_requires=open('../above.txt').read().splitlines())\n",
                "outside",
            ),
            (
                &format!(
                    "setup(install_requires=open({:?}).read().splitlines())\n",
                    dir.path().join("above.txt")
                ),
                "outside",
            ),
        ] {
            let m = read_in(text);
            assert!(m.dependencies.is_empty(), "{text}");
            assert_eq!(m.findings.len(), 1, "{text}");
            assert!(
                m.findings[0].message.contains(why),
                "{}",
                m.findings[0].message
            );
        }
    }

    fn names_of(m: &Manifest) -> Vec<&str> {
        m.dependencies.iter().map(|d| d.raw_name.as_str()).collect()
    }

    #[test]
    fn the_example_message() {
        let m = read("setup(install_requires=parse_requirements(\"requirements.txt\"))\n");
        assert!(m.dependencies.is_empty());
        assert_eq!(m.findings.len(), 1);
        let f = &m.findings[0];
        assert_eq!(
            (f.rule, f.line, f.column),
            (Rule::UnresolvedDependency, 1, 24)
        );
        assert!(
            f.message.starts_with(
                "`install_requires` is computed by a function call \
                 (`parse_requirements(\"requirements.txt\")`) that squatguard does not run; check \
                 the file it reads"
            ),
            "{}",
            f.message
        );
    }

    /// pyspark, jax and others format the version at run time; the name is written out.
    #[test]
    fn formatted_versions_keep_the_literal_name() {
        let m = read(
            "v = get_version()\nsetup(install_requires=[\"numpy>=%s\" % v, f\"reqeusts>={v}\", \
             \"pandas>=\" + v, \"torch=={}\".format(v), 'six; python_version<\"%s\"' % v])\n",
        );
        assert_eq!(
            deps(&m),
            [
                dep("numpy", 2, 26, "install_requires"),
                dep("reqeusts", 2, 44, "install_requires"),
                dep("pandas", 2, 61, "install_requires"),
                dep("torch", 2, 77, "install_requires"),
                dep("six", 2, 100, "install_requires"),
            ]
        );
        assert!(m.findings.is_empty(), "{:?}", m.findings);
        // the name itself is computed: nothing to check, so a note
        for text in [
            "setup(install_requires=['%s>=1' % name])\n",
            "setup(install_requires=[f'{name}>=1'])\n",
            "setup(install_requires=['numpy' + suffix])\n",
            "setup(install_requires=['num{}'.format(x)])\n",
            "setup(install_requires=[prefix + '>=1'])\n",
            "setup(install_requires=['a>=%s\\nb' % v])\n",
            "setup(install_requires=[f'a>={v}\\nb'])\n",
        ] {
            let m = read(text);
            assert!(m.dependencies.is_empty(), "{text}");
            assert_eq!(m.findings.len(), 1, "{text}");
        }
    }

    #[test]
    fn partial_values_yield_requirements_and_a_note() {
        let m = read("setup(install_requires=['a'] + get_more() + ['b'])\n");
        assert_eq!(
            deps(&m),
            [
                dep("a", 1, 26, "install_requires"),
                dep("b", 1, 47, "install_requires")
            ]
        );
        assert_eq!(m.findings.len(), 1);
        assert!(m.findings[0].message.starts_with(
            "part of `install_requires` is computed by a function call (`get_more()`)"
        ));
        assert_eq!(m.findings[0].column, 32);
    }

    #[test]
    fn branches_add_instead_of_replacing() {
        let text = "import sys\nR = ['a']\nif sys.platform == 'win32':\n    R = ['b']\nelse:\n    R = R + ['c']\nsetup(install_requires=R)\n";
        assert_eq!(names(text), ["a", "b", "c"]);
    }

    #[test]
    fn only_statements_before_the_call_count() {
        let text = "R = ['a']\nsetup(install_requires=R)\nR.append('b')\nR = ['c']\n";
        assert_eq!(names(text), ["a"]);
    }

    #[test]
    fn calls_in_functions_see_the_whole_module() {
        let text = "def main():\n    setup(install_requires=R)\nR = ['a']\nR.append('b')\nmain()\n";
        assert_eq!(names(text), ["a", "b"]);
    }

    /// What Python changes in ways the evaluator does not follow is said (a note at the name),
    /// beside what the modelled statements give (`requests` here; Python passes `reqeusts`):
    /// aliases, functions run later, `global`, `:=`, `case` captures, `globals()`, unmodelled
    /// methods, a function handed the list.
    #[test]
    fn changes_the_evaluator_does_not_follow_are_said() {
        for body in [
            "A = ['requests']\nB = A\nB.append('reqeusts')\nsetup(install_requires=A)\n",
            "def main():\n    setup(install_requires=DEPS)\nDEPS = ['reqeusts']\nmain()\nDEPS = ['requests']\n",
            "A = ['requests']\ndef f():\n    global A\n    A = ['reqeusts']\nf()\nsetup(install_requires=A)\n",
            "A = ['requests']\nif (A := ['reqeusts']): pass\nsetup(install_requires=A)\n",
            "A = ['requests']\nmatch ['reqeusts']:\n    case A:\n        pass\nsetup(install_requires=A)\n",
            "A = ['requests']\nglobals()['A'] = ['reqeusts']\nsetup(install_requires=A)\n",
            "A = ['requests']\nA.__init__(['reqeusts'])\nsetup(install_requires=A)\n",
            "A = ['requests']\nA.__iadd__(['reqeusts'])\nsetup(install_requires=A)\n",
            "A = ['requests']\ndef f():\n    A.append('reqeusts')\nf()\nsetup(install_requires=A)\n",
            "A = ['requests']\ndef f(x):\n    x.append('reqeusts')\nf(A)\nsetup(install_requires=A)\n",
            "A = ['requests']\nB = A\nB += ['reqeusts']\nsetup(install_requires=A)\n",
            "A = ['requests']\nB = A\nB[:] = ['reqeusts']\nsetup(install_requires=A)\n",
            // a second round of attacks
            "A = ['requests']\nlist.append(A, 'reqeusts')\nsetup(install_requires=A)\n",
            "A = ['requests']\ngetattr(A, 'append')('reqeusts')\nsetup(install_requires=A)\n",
            "A = ['requests']\nlist(map(A.append, ['reqeusts']))\nsetup(install_requires=A)\n",
            "A = ['requests']\nf = A.append\nf('reqeusts')\nsetup(install_requires=A)\n",
            "A = ['requests']\nclass K:\n    A.append('reqeusts')\nsetup(install_requires=A)\n",
            "A = ['requests']\n[A.append(x) for x in ['reqeusts']]\nsetup(install_requires=A)\n",
            "A = ['requests']\n_ = A.append('reqeusts')\nsetup(install_requires=A)\n",
            "A = ['requests']\n(A).append('reqeusts')\nsetup(install_requires=A)\n",
            "A = B = ['requests']\nB.append('reqeusts')\nsetup(install_requires=A)\n",
            "A = ['requests']\nC = [A]\nC[0].append('reqeusts')\nsetup(install_requires=A)\n",
            "A = ['requests']\nfor L in [A]:\n    L.append('reqeusts')\nsetup(install_requires=A)\n",
            "A = ['requests']\nB, *C = 1, A\nC[0].append('reqeusts')\nsetup(install_requires=A)\n",
            "import sys\nA = ['requests']\nsys.modules[__name__].A = ['reqeusts']\nsetup(install_requires=A)\n",
        ] {
            let m = read(body);
            assert!(
                m.findings.iter().any(|f| f.rule == Rule::UnresolvedDependency
                    && f.message.contains("so what is checked may not be what Python passes")),
                "{body}: {:?}",
                m.findings
            );
        }
        // `exec` with a dict of its own changes that dict only (requests' setup.py)
        let text = "about = {}\nexec(code, about)\nR = ['a']\nsetup(install_requires=R)\n";
        assert_eq!(names(text), ["a"]);
        assert!(read(text).findings.is_empty());
        // what it does follow still reads
        let text = "A = ['requests', 'flask']\nB = ['x'] + A\nA.append('y')\nsetup(install_requires=B + sorted(A))\n";
        assert_eq!(names(text), ["requests", "flask", "x", "y"]);
        assert!(read(text).findings.is_empty());
    }

    /// tornado, setuptools, great-expectations and ipython build setup()'s arguments in a dict.
    #[test]
    fn kwargs_spread_is_read_when_its_keys_are_known() {
        let text = "opts = dict(install_requires=['a'], name='x')\n\
                    opts['extras_require'] = {'fast': ['b'], 'all': ['c']}\n\
                    opts['long_description'] = open('README').read()\n\
                    setup(**opts)\n";
        let m = read(text);
        assert_eq!(
            deps(&m),
            [
                dep("a", 1, 32, "install_requires"),
                dep("b", 2, 37, "extras_require"),
                dep("c", 2, 51, "extras_require"),
            ]
        );
        assert!(m.findings.is_empty(), "{:?}", m.findings);
        // a dependency keyword inside is read as if written out, notes included
        let m = read("kw = {'install_requires': get_reqs()}\nsetup(**kw)\n");
        assert_eq!(m.findings.len(), 1);
        assert!(m.findings[0]
            .message
            .starts_with("`install_requires` (via `kw`) is computed by a function call"));
    }

    #[test]
    fn conditional_expressions_count_both_branches() {
        let text = "deps = ['a'] if sys.version_info < (3, 8) else ['b']\n\
                    kw = {} if NO_EXT else {'ext_modules': []}\n\
                    setup(install_requires=deps + (['c'] if win else None), **kw)\n";
        let m = read(text);
        assert_eq!(names(text), ["a", "b", "c"]);
        assert!(m.findings.is_empty(), "{:?}", m.findings);
        // python3-openid: a piece of a requirement, not one
        let text = "setup(install_requires=['defusedxml' + ('<=0.4.1' if old else '')])\n";
        let m = read(text);
        assert!(m.dependencies.is_empty());
        assert_eq!(m.findings.len(), 1);
        assert_eq!(m.findings[0].rule, Rule::UnresolvedDependency);
    }

    #[test]
    fn kwargs_spread_is_noted_when_unknown() {
        for text in [
            "setup(name='x', **opts)\n",
            "opts = load()\nsetup(name='x', **opts)\n",
            "opts = {key: ['a']}\nsetup(name='x', **opts)\n",
            "opts = {**base}\nsetup(name='x', **opts)\n",
        ] {
            let m = read(text);
            assert!(m.dependencies.is_empty(), "{text}");
            assert!(
                m.findings.iter().any(|f| f.message.contains("`**opts`")),
                "{text}: {:?}",
                m.findings
            );
        }
    }

    #[test]
    fn deep_nesting_is_refused_with_a_note() {
        let n = 10_000;
        let noted = |text: &str, what: &str| {
            let m = read(text);
            assert!(
                m.findings.iter().any(|f| f.message.contains(what)),
                "{:?}",
                m.findings
            );
        };
        noted(
            &format!(
                "setup(install_requires={}'a'{})\n",
                "[".repeat(n),
                "]".repeat(n)
            ),
            "nested more than",
        );
        noted(
            &format!("setup(install_requires={}'a')\n", "['a'] + ".repeat(n)),
            "nested more than",
        );
        let mut blocks = String::from("R = []\n");
        for depth in 0..300 {
            blocks.push_str(&format!("{}if x:\n", " ".repeat(depth)));
        }
        blocks.push_str(&format!(
            "{}R.append('a')\nsetup(install_requires=R)\n",
            " ".repeat(300)
        ));
        noted(&blocks, "levels deep");
        for text in [
            format!("setup(install_requires={}", "[".repeat(n)),
            format!(
                "x = {}{}\nsetup(install_requires=x)\n",
                "(".repeat(n),
                ")".repeat(n)
            ),
            format!("setup(extras_require={}\n", "{'a': ".repeat(n)),
            "[".repeat(n),
            format!(
                "{}setup(install_requires=['a'])",
                "def f():\n ".repeat(1000)
            ),
        ] {
            let _ = read(&text);
        }
    }

    /// A small deterministic generator, so that a failure reproduces.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }
    }

    #[test]
    fn random_input_does_not_panic() {
        let mut rng = Lcg(0x5eed);
        for _ in 0..40 {
            let len = (rng.next() % 2000) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            let _ = read(&String::from_utf8_lossy(&bytes));
        }
        let tokens = [
            "setup",
            "setuptools.setup",
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            "install_requires",
            "extras_require",
            "tests_require",
            "=",
            "'a'",
            "\"b>=1\"",
            "r'c'",
            "f'{x}'",
            "'''d\ne'''",
            ",",
            ":",
            "+",
            "+=",
            "|",
            "\n",
            "\r\n",
            "    ",
            "x",
            "y",
            ".append",
            ".extend",
            ".update",
            ".insert",
            "if",
            "else",
            "elif",
            "for",
            "in",
            "def",
            "class",
            "with",
            "as",
            "try",
            "except",
            "import",
            "from",
            "**",
            "*",
            "\\",
            "#",
            "None",
            "dict",
            "list",
            "lambda",
            "'\\x7",
            "'\\u12'",
            "\"",
            "'",
            "\u{2028}",
            "é",
        ];
        for _ in 0..500 {
            let n = (rng.next() % 120) as usize;
            let text: Vec<&str> = (0..n)
                .map(|_| tokens[(rng.next() as usize) % tokens.len()])
                .collect();
            let _ = read(&text.join(" "));
            let _ = read(&text.concat());
        }
    }
}
