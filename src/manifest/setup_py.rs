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
//! Everything else is an `unresolved-dependency` note at the expression squatguard stopped at,
//! naming what it is: function calls (`parse_requirements("requirements.txt")`,
//! `open(...).read().splitlines()`), comprehensions, attributes, subscripts it cannot resolve,
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

use super::Manifest;
use crate::finding::Rule;
use crate::source::SourceFile;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use tree_sitter::{Node, Parser};

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
pub fn parse(src: &SourceFile) -> Manifest {
    let mut out = Out {
        src,
        manifest: Manifest::default(),
        deps_seen: HashSet::new(),
        notes_seen: HashSet::new(),
    };
    let text = src.text.as_str();
    let mut parser = Parser::new();
    let tree = parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .ok()
        .and_then(|()| parser.parse(text, None));
    let Some(tree) = tree else {
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
        call_at: 0,
        depth_limit_at: None,
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

/// One `setup(...)` call: where it starts and its arguments.
struct SetupCall<'t> {
    /// The call, or the `setup` name of a call tree-sitter could only recover in pieces.
    node: Node<'t>,
    args: Vec<Node<'t>>,
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

/// Where each name is bound anywhere in the file, to tell "bound only after the call" from
/// "never bound".
fn binding_sites(root: Node<'_>, text: &str) -> HashMap<String, Vec<usize>> {
    let mut sites: HashMap<String, Vec<usize>> = HashMap::new();
    let mut cursor = root.walk();
    'walk: loop {
        let node = cursor.node();
        let target = match node.kind() {
            "assignment" | "augmented_assignment" | "for_statement" => {
                node.child_by_field_name("left")
            }
            "function_definition" | "class_definition" => node.child_by_field_name("name"),
            "aliased_import" => node.child_by_field_name("alias"),
            "as_pattern_target" => Some(node),
            _ => None,
        };
        if let Some(target) = target {
            for ident in identifiers_in(target) {
                if let Some(name) = text.get(ident.byte_range()) {
                    sites
                        .entry(name.to_owned())
                        .or_default()
                        .push(ident.start_byte());
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
    sites
}

/// Named children that are not comments or line continuations.
fn kids(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|n| !n.is_extra())
        .collect()
}

/// One decoded string: its text and, for every byte of it, the offset in the file of the
/// source character it came from.
#[derive(Clone, Debug)]
struct Str {
    text: String,
    map: Vec<usize>,
    /// Where the string's content starts in the file.
    origin: usize,
}

impl Str {
    fn push(&mut self, c: char, offset: usize) {
        self.text.push(c);
        self.map.extend(std::iter::repeat_n(offset, c.len_utf8()));
    }

    /// `self + other`, or `None` when the result would be unreasonably long.
    fn join(mut self, other: &Str) -> Option<Str> {
        if self.text.len() + other.text.len() > MAX_STR_LEN {
            return None;
        }
        self.text.push_str(&other.text);
        self.map.extend_from_slice(&other.map);
        Some(self)
    }

    /// The requirement name at the start of the literal text before the first `placeholder`
    /// (all of it without one) that a formatting operation continues (`"numpy>=%s" % v`), when
    /// that text holds the whole name: a one-line string, the name followed by what may follow
    /// a name (a version operator, `[`, `;`, `@`, a space). The rest, computed at run time, is
    /// left out.
    fn name_head(&self, placeholder: Option<char>) -> Option<Str> {
        let end = placeholder
            .and_then(|p| self.text.find(p))
            .unwrap_or(self.text.len());
        let head = &self.text[..end];
        let lead = head.len() - head.trim_start().len();
        let body = &head[lead..];
        let name = super::leading_name(body)?;
        let next = body[name.len()..].chars().next()?;
        // several lines are several requirements, some of them after the placeholder
        if self.text.contains('\n')
            || !matches!(next, ' ' | '<' | '>' | '=' | '!' | '~' | '[' | ';' | '@')
        {
            return None;
        }
        Some(Str {
            text: name.to_owned(),
            map: self.map.get(lead..lead + name.len())?.to_vec(),
            origin: self.map.get(lead).copied().unwrap_or(self.origin),
        })
    }

    /// The requirements in the string, each with the file offset of its first character, split
    /// into lines as `pkg_resources.yield_lines` does.
    fn requirements(&self) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = Vec::new();
        let mut pending: Option<(String, usize)> = None;
        for (start, end) in split_lines(&self.text) {
            let line = &self.text[start..end];
            let stripped = line.trim();
            if stripped.is_empty() || stripped.starts_with('#') {
                continue;
            }
            let lead = line.len() - line.trim_start().len();
            let offset = self.map.get(start + lead).copied().unwrap_or(self.origin);
            let req = match stripped.find(" #") {
                Some(p) => stripped[..p].trim_end(),
                None => stripped,
            };
            let (mut text, offset) = match pending.take() {
                Some((mut prev, prev_offset)) => {
                    prev.push_str(req);
                    (prev, prev_offset)
                }
                None => (req.to_owned(), offset),
            };
            if let Some(cut) = text.strip_suffix('\\') {
                text = cut.trim_end().to_owned();
                pending = Some((text, offset));
                continue;
            }
            out.push((text, offset));
        }
        if let Some(last) = pending {
            out.push(last);
        }
        out
    }
}

/// Line ranges of `text` as Python's `str.splitlines()` cuts them.
fn split_lines(text: &str) -> Vec<(usize, usize)> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let breaks = matches!(
            c,
            '\n' | '\r'
                | '\x0b'
                | '\x0c'
                | '\x1c'
                | '\x1d'
                | '\x1e'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if !breaks {
            continue;
        }
        lines.push((start, i));
        let mut next = i + c.len_utf8();
        if c == '\r' && iter.peek().is_some_and(|&(_, n)| n == '\n') {
            iter.next();
            next += 1;
        }
        start = next;
    }
    if start < text.len() {
        lines.push((start, text.len()));
    }
    lines
}

/// Decodes the content of a string literal that starts at `base` in the file.
fn decode(content: &str, base: usize, raw: bool, fstring: bool, bytes: bool) -> Str {
    let mut s = Str {
        text: String::with_capacity(content.len()),
        map: Vec::with_capacity(content.len()),
        origin: base,
    };
    let mut i = 0;
    while let Some(c) = content[i..].chars().next() {
        let offset = base + i;
        let rest = &content[i + c.len_utf8()..];
        if c == '\r' {
            s.push('\n', offset);
            i += if rest.starts_with('\n') { 2 } else { 1 };
            continue;
        }
        if fstring && (c == '{' || c == '}') && rest.starts_with(c) {
            s.push(c, offset);
            i += 2;
            continue;
        }
        if c != '\\' || raw {
            s.push(c, offset);
            i += c.len_utf8();
            continue;
        }
        let Some(e) = rest.chars().next() else {
            s.push('\\', offset);
            i += 1;
            continue;
        };
        let simple = match e {
            '\n' => Some(None),
            '\r' => {
                i += usize::from(rest[1..].starts_with('\n'));
                Some(None)
            }
            '\\' | '\'' | '"' => Some(Some(e)),
            'a' => Some(Some('\x07')),
            'b' => Some(Some('\x08')),
            'f' => Some(Some('\x0c')),
            'n' => Some(Some('\n')),
            'r' => Some(Some('\r')),
            't' => Some(Some('\t')),
            'v' => Some(Some('\x0b')),
            _ => None,
        };
        if let Some(decoded) = simple {
            if let Some(d) = decoded {
                s.push(d, offset);
            }
            i += 1 + e.len_utf8();
            continue;
        }
        let numeric = |digits: &str, radix: u32, min: usize, max: usize| -> Option<(char, usize)> {
            let len = digits
                .chars()
                .take(max)
                .take_while(|c| c.is_digit(radix))
                .count();
            if len < min {
                return None;
            }
            let value = u32::from_str_radix(&digits[..len], radix).ok()?;
            Some((char::from_u32(value).unwrap_or('\u{fffd}'), len))
        };
        let escape = match e {
            '0'..='7' => numeric(rest, 8, 1, 3).map(|(c, n)| (c, n + 1)),
            'x' => numeric(&rest[1..], 16, 2, 2).map(|(c, n)| (c, n + 2)),
            'u' if !bytes => numeric(&rest[1..], 16, 4, 4).map(|(c, n)| (c, n + 2)),
            'U' if !bytes => numeric(&rest[1..], 16, 8, 8).map(|(c, n)| (c, n + 2)),
            _ => None,
        };
        match escape {
            Some((d, len)) => {
                s.push(d, offset);
                i += len;
            }
            None => {
                // Not an escape Python knows: the backslash stays, as Python keeps it.
                s.push('\\', offset);
                i += 1;
            }
        }
    }
    s
}

/// Something squatguard could not resolve, at the expression it stopped at.
#[derive(Clone, Debug)]
struct Note {
    offset: usize,
    /// What the value does, to follow "`install_requires` ...".
    predicate: String,
    /// The variable the predicate itself names, if any.
    name: Option<String>,
    /// The variable through which the keyword reached this expression.
    via: Option<String>,
    /// Whether it is about the value's shape (a key, its type) rather than part of its content.
    shape: bool,
}

impl Note {
    fn new(offset: usize, predicate: impl Into<String>) -> Note {
        Note {
            offset,
            predicate: predicate.into(),
            name: None,
            via: None,
            shape: false,
        }
    }

    fn shape(offset: usize, predicate: impl Into<String>) -> Note {
        Note {
            shape: true,
            ..Note::new(offset, predicate)
        }
    }
}

/// Requirement strings and notes: what a list-like value holds.
#[derive(Clone, Debug, Default)]
struct Reqs {
    /// Shared, as variables are copied at every use.
    strs: Vec<Rc<Str>>,
    notes: Vec<Note>,
}

impl Reqs {
    fn extend(&mut self, other: Reqs) {
        let room = MAX_STRS.saturating_sub(self.strs.len());
        let mut strs = other.strs.into_iter();
        self.strs.extend(strs.by_ref().take(room));
        if let Some(first_dropped) = strs.next() {
            add_notes(
                &mut self.notes,
                vec![Note::new(first_dropped.origin, TOO_MANY_STRS)],
            );
        }
        add_notes(&mut self.notes, other.notes);
    }

    /// `self ∪ other`, without repeating what both hold.
    fn union(mut self, other: Reqs) -> Reqs {
        let have: HashSet<*const Str> = self.strs.iter().map(Rc::as_ptr).collect();
        let strs = other
            .strs
            .into_iter()
            .filter(|s| !have.contains(&Rc::as_ptr(s)))
            .collect();
        self.extend(Reqs {
            strs,
            notes: other.notes,
        });
        self
    }
}

/// The note for a value cut at [`MAX_STRS`] (the number is spelled out: keep them in step).
const TOO_MANY_STRS: &str =
    "holds more than 10000 requirement strings; squatguard stops reading there";

/// Adds notes that are not there yet, up to [`MAX_NOTES`].
fn add_notes(notes: &mut Vec<Note>, more: Vec<Note>) {
    for note in more {
        let repeated = notes.iter().any(|n| {
            n.predicate == note.predicate
                && (n.offset == note.offset || note.predicate == TOO_MANY_STRS)
        });
        if repeated {
            continue;
        }
        match notes.len() {
            n if n + 1 < MAX_NOTES => notes.push(note),
            n if n + 1 == MAX_NOTES => notes.push(Note::new(
                note.offset,
                format!(
                    "has more than {MAX_NOTES} parts squatguard cannot resolve; it stops listing \
                     them here"
                ),
            )),
            _ => return,
        }
    }
}

/// One `extras_require` entry; `key` is `None` when it is not a string literal.
#[derive(Clone, Debug)]
struct Entry {
    key: Option<String>,
    reqs: Reqs,
}

/// What an expression evaluates to, as far as squatguard can tell.
#[derive(Clone, Debug)]
enum Val {
    /// Python `None`: declares nothing.
    None,
    Str(Rc<Str>),
    /// A list, tuple or set, with the offset of the expression that built it.
    Seq(Reqs, usize),
    /// A dict, with notes about it and the offset of the expression that built it.
    Dict(Vec<Entry>, Vec<Note>, usize),
    /// Nothing known but why.
    Unknown(Vec<Note>),
}

impl Val {
    fn unknown(note: Note) -> Val {
        Val::Unknown(vec![note])
    }

    fn offset(&self) -> usize {
        match self {
            Val::None => 0,
            Val::Str(s) => s.origin,
            Val::Seq(_, offset) | Val::Dict(_, _, offset) => *offset,
            Val::Unknown(notes) => notes.first().map_or(0, |n| n.offset),
        }
    }

    /// The value read where a list of requirements is expected.
    fn into_reqs(self) -> Reqs {
        match self {
            Val::None => Reqs::default(),
            Val::Str(s) => Reqs {
                strs: vec![s],
                notes: Vec::new(),
            },
            Val::Seq(reqs, _) => reqs,
            Val::Dict(entries, notes, offset) => {
                let mut reqs = Reqs {
                    strs: Vec::new(),
                    notes,
                };
                for entry in entries {
                    reqs.extend(entry.reqs);
                }
                reqs.notes.push(Note::shape(offset, DICT_AS_LIST));
                reqs
            }
            Val::Unknown(notes) => Reqs {
                strs: Vec::new(),
                notes,
            },
        }
    }

    /// The value read where a dict of extras is expected.
    fn into_dict(self) -> (Vec<Entry>, Vec<Note>) {
        match self {
            Val::Dict(entries, notes, _) => (entries, notes),
            Val::None => (Vec::new(), Vec::new()),
            Val::Unknown(notes) => (Vec::new(), notes),
            other @ (Val::Str(_) | Val::Seq(..)) => {
                let note = Note::shape(
                    other.offset(),
                    "is not a dict of extras; squatguard checks its requirements without an \
                     extra name",
                );
                let entry = Entry {
                    key: None,
                    reqs: other.into_reqs(),
                };
                (vec![entry], vec![note])
            }
        }
    }

    /// Marks every note as reached through the variable `name`.
    fn set_via(&mut self, name: &str) {
        let mark = |notes: &mut Vec<Note>| {
            for note in notes.iter_mut().filter(|n| n.name.as_deref() != Some(name)) {
                note.via = Some(name.to_owned());
            }
        };
        match self {
            Val::None | Val::Str(_) => {}
            Val::Seq(reqs, _) => mark(&mut reqs.notes),
            Val::Dict(entries, notes, _) => {
                mark(notes);
                for entry in entries {
                    mark(&mut entry.reqs.notes);
                }
            }
            Val::Unknown(notes) => mark(notes),
        }
    }
}

/// `a + b` (and what `+=`, `append` and `extend` add).
fn concat(a: Val, b: Val) -> Val {
    match (a, b) {
        (Val::None, x) | (x, Val::None) => x,
        (Val::Str(x), Val::Str(y)) => {
            let offset = x.origin;
            match Rc::unwrap_or_clone(x).join(&y) {
                Some(s) => Val::Str(Rc::new(s)),
                None => too_long(offset),
            }
        }
        (Val::Unknown(mut x), Val::Unknown(y)) => {
            add_notes(&mut x, y);
            Val::Unknown(x)
        }
        (a, b) => {
            let offset = a.offset();
            let mut reqs = a.into_reqs();
            reqs.extend(b.into_reqs());
            Val::Seq(reqs, offset)
        }
    }
}

fn too_long(offset: usize) -> Val {
    Val::unknown(Note::new(
        offset,
        "is a string longer than 64 KiB; squatguard stops reading it",
    ))
}

/// What a name may hold after a binding that may or may not run.
fn union(a: Val, b: Val) -> Val {
    match (a, b) {
        (Val::None, x) | (x, Val::None) => x,
        (Val::Dict(mut entries, mut notes, offset), Val::Dict(more, more_notes, _)) => {
            add_notes(&mut notes, more_notes);
            merge(&mut entries, more, true);
            Val::Dict(entries, notes, offset)
        }
        (a, b) => {
            let offset = a.offset();
            Val::Seq(a.into_reqs().union(b.into_reqs()), offset)
        }
    }
}

/// Adds `more` to a dict's entries: a key already present is replaced, or with `keep_both`
/// (a binding that may not run) extended.
fn merge(entries: &mut Vec<Entry>, more: Vec<Entry>, keep_both: bool) {
    for entry in more {
        let existing = entry
            .key
            .as_ref()
            .and_then(|k| entries.iter_mut().find(|e| e.key.as_ref() == Some(k)));
        match existing {
            Some(e) if keep_both => {
                let old = std::mem::take(&mut e.reqs);
                e.reqs = old.union(entry.reqs);
            }
            Some(e) => e.reqs = entry.reqs,
            None => entries.push(entry),
        }
    }
}

/// The variables of one scope, as bound before the `setup()` call.
type Env = HashMap<String, Val>;

struct Reader<'t> {
    text: &'t str,
    root: Node<'t>,
    /// Where each name is bound anywhere in the file.
    sites: HashMap<String, Vec<usize>>,
    /// Where the `setup()` call being read starts.
    call_at: usize,
    /// Where blocks first nested deeper than [`MAX_DEPTH`].
    depth_limit_at: Option<usize>,
}

/// Where an in-place change lands: a variable, or one key of a dict variable.
enum Place<'t> {
    Name(Node<'t>),
    Item(Node<'t>, Option<String>, Option<Note>),
}

impl<'t> Reader<'t> {
    fn src(&self, node: Node<'_>) -> &'t str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    /// The text from `start` to `end`, on one line and shortened, to quote in a message.
    fn snippet_range(&self, start: usize, end: usize) -> String {
        let mut end = end.min(start + 4 * SNIPPET_CHARS).min(self.text.len());
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let raw = self.text.get(start..end).unwrap_or("");
        let flat = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if flat.chars().count() > SNIPPET_CHARS {
            let cut: String = flat.chars().take(SNIPPET_CHARS - 3).collect();
            format!("{}...", cut.trim_end())
        } else {
            flat
        }
    }

    fn snippet(&self, node: Node<'_>) -> String {
        self.snippet_range(node.start_byte(), node.end_byte())
    }

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

    /// The variables visible at `call`, innermost scope last.
    fn environment(&mut self, call: Node<'t>) -> Vec<Env> {
        let pos = call.start_byte();
        let mut scopes = Vec::new();
        let mut node = call.parent();
        while let Some(n) = node {
            if matches!(n.kind(), "function_definition" | "class_definition") {
                scopes.push(n);
            }
            node = n.parent();
        }
        let mut envs = vec![Env::new()];
        // A call inside a function runs when the function is called, usually once the whole
        // module has run (`if __name__ == "__main__": main()` at the end): it sees the module's
        // names as the whole module leaves them.
        let module_until = if scopes.is_empty() { pos } else { usize::MAX };
        self.exec_block(self.root, module_until, &mut envs, false, 0);
        for scope in scopes.into_iter().rev() {
            envs.push(Env::new());
            if scope.kind() == "function_definition" {
                self.bind_parameters(scope, &mut envs);
            }
            if let Some(body) = scope.child_by_field_name("body") {
                self.exec_block(body, pos, &mut envs, false, 0);
            }
        }
        envs
    }

    fn bind_parameters(&self, func: Node<'t>, envs: &mut [Env]) {
        let Some(params) = func.child_by_field_name("parameters") else {
            return;
        };
        let func_name = func
            .child_by_field_name("name")
            .map(|n| self.src(n))
            .unwrap_or("?");
        for param in kids(params) {
            let (ident, default) = match param.kind() {
                "identifier" => (Some(param), None),
                "default_parameter" | "typed_default_parameter" => (
                    param.child_by_field_name("name"),
                    param.child_by_field_name("value"),
                ),
                "typed_parameter" | "list_splat_pattern" | "dictionary_splat_pattern" => {
                    let inner = kids(param).into_iter().next();
                    let ident = match inner {
                        Some(n) if n.kind() == "identifier" => Some(n),
                        Some(n) => kids(n).into_iter().find(|k| k.kind() == "identifier"),
                        None => None,
                    };
                    (ident, None)
                }
                _ => (None, None),
            };
            let Some(ident) = ident.filter(|i| i.kind() == "identifier") else {
                continue;
            };
            let name = self.src(ident);
            let opaque = self.binding_note(
                ident,
                format!(
                    "uses `{name}`, a parameter of `{func_name}()` whose value squatguard does \
                     not know; declare the dependencies literally"
                ),
            );
            let val = match default {
                Some(d) => concat(self.eval(d, envs, 0), opaque),
                None => opaque,
            };
            set(envs, name, val, false);
        }
    }

    fn binding_note(&self, ident: Node<'_>, predicate: String) -> Val {
        Val::unknown(Note {
            offset: ident.start_byte(),
            predicate,
            name: Some(self.src(ident).to_owned()),
            via: None,
            shape: false,
        })
    }

    /// Binds every identifier in `target` to a note saying how it was bound.
    fn bind_opaque(&self, target: Node<'t>, how: &str, envs: &mut [Env], cond: bool) {
        for ident in identifiers_in(target) {
            let name = self.src(ident);
            let val = self.binding_note(
                ident,
                format!(
                    "uses `{name}`, {how}, which squatguard does not evaluate; declare the \
                     dependencies literally"
                ),
            );
            set(envs, name, val, cond);
        }
    }

    /// Runs the statements of `block` that come before `pos`.
    fn exec_block(
        &mut self,
        block: Node<'t>,
        pos: usize,
        envs: &mut [Env],
        cond: bool,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            self.depth_limit_at.get_or_insert(block.start_byte());
            return;
        }
        for stmt in kids(block) {
            if stmt.start_byte() >= pos {
                break;
            }
            let before = stmt.end_byte() <= pos;
            self.exec_stmt(stmt, pos, before, envs, cond, depth + 1);
        }
    }

    fn exec_stmt(
        &mut self,
        stmt: Node<'t>,
        pos: usize,
        before: bool,
        envs: &mut [Env],
        cond: bool,
        depth: usize,
    ) {
        match stmt.kind() {
            "expression_statement" if before => {
                for expr in kids(stmt) {
                    match expr.kind() {
                        "assignment" => self.exec_assignment(expr, envs, cond),
                        "augmented_assignment" => self.exec_augmented(expr, envs),
                        "call" => self.exec_method_call(expr, envs, cond),
                        _ => {}
                    }
                }
            }
            "import_statement" | "import_from_statement" | "future_import_statement" if before => {
                let how = format!("imported by `{}`", self.snippet(stmt));
                let mut cursor = stmt.walk();
                let names: Vec<Node<'t>> =
                    stmt.children_by_field_name("name", &mut cursor).collect();
                for name in names {
                    let ident = match name.kind() {
                        "aliased_import" => name.child_by_field_name("alias"),
                        "dotted_name" => kids(name).into_iter().next(),
                        _ => None,
                    };
                    if let Some(ident) = ident {
                        let name = self.src(ident);
                        let val = self.binding_note(
                            ident,
                            format!(
                                "uses `{name}`, {how}; squatguard does not read other modules, so \
                                 check that one, or declare the dependencies literally"
                            ),
                        );
                        set(envs, name, val, cond);
                    }
                }
            }
            "function_definition" | "class_definition" if before => {
                if let Some(name) = stmt.child_by_field_name("name") {
                    let what = if stmt.kind() == "class_definition" {
                        "class"
                    } else {
                        "function"
                    };
                    self.bind_opaque(name, &format!("a {what} defined in setup.py"), envs, cond);
                }
            }
            "decorated_definition" if before => {
                if let Some(def) = stmt.child_by_field_name("definition") {
                    self.exec_stmt(def, pos, before, envs, cond, depth);
                }
            }
            "if_statement" | "for_statement" | "while_statement" | "try_statement"
            | "with_statement" | "match_statement" | "case_clause" => {
                self.bind_headers(stmt, envs, cond);
                for (block, branch) in blocks_of(stmt) {
                    let contains = block.start_byte() <= pos && pos < block.end_byte();
                    self.exec_block(block, pos, envs, cond || (branch && !contains), depth);
                }
            }
            _ => {}
        }
    }

    /// Binds the names a compound statement's header introduces (`for x in`, `with ... as f`,
    /// `except E as e`) to notes.
    fn bind_headers(&self, stmt: Node<'t>, envs: &mut [Env], cond: bool) {
        match stmt.kind() {
            "for_statement" => {
                if let (Some(left), Some(right)) = (
                    stmt.child_by_field_name("left"),
                    stmt.child_by_field_name("right"),
                ) {
                    let how = format!(
                        "the loop variable of `{}`",
                        self.snippet_range(stmt.start_byte(), right.end_byte())
                    );
                    self.bind_opaque(left, &how, envs, true);
                }
            }
            "with_statement" => {
                for clause in kids(stmt).into_iter().filter(|k| k.kind() == "with_clause") {
                    let how = format!("bound by `with {}`", self.snippet(clause));
                    for target in descendants_of_kind(clause, "as_pattern_target") {
                        self.bind_opaque(target, &how, envs, cond);
                    }
                }
            }
            "try_statement" => {
                for clause in kids(stmt) {
                    if !matches!(clause.kind(), "except_clause" | "except_group_clause") {
                        continue;
                    }
                    let header_end = kids(clause)
                        .into_iter()
                        .find(|k| k.kind() == "block")
                        .map_or(clause.end_byte(), |b| b.start_byte());
                    let how = format!(
                        "bound by `{}`",
                        self.snippet_range(clause.start_byte(), header_end)
                    );
                    if let Some(alias) = clause.child_by_field_name("alias") {
                        self.bind_opaque(alias, &how, envs, true);
                    }
                    for k in kids(clause).into_iter().filter(|k| k.kind() != "block") {
                        for target in descendants_of_kind(k, "as_pattern_target") {
                            self.bind_opaque(target, &how, envs, true);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn exec_assignment(&self, assignment: Node<'t>, envs: &mut [Env], cond: bool) {
        let mut targets = Vec::new();
        let mut current = assignment;
        let rhs = loop {
            if let Some(left) = current.child_by_field_name("left") {
                targets.push(left);
            }
            match current.child_by_field_name("right") {
                Some(right) if right.kind() == "assignment" => current = right,
                other => break other,
            }
        };
        let Some(rhs) = rhs else {
            return; // `NAME: type` without a value binds nothing
        };
        let val = self.eval(rhs, envs, 0);
        for target in targets {
            match target.kind() {
                "identifier" => set(envs, self.src(target), val.clone(), cond),
                "subscript" => {
                    if let Some(place) = self.item_place(target, envs) {
                        let new = val.clone();
                        self.modify(place, envs, |old| {
                            if cond {
                                old.union(new.into_reqs())
                            } else {
                                new.into_reqs()
                            }
                        });
                    }
                }
                "pattern_list" | "tuple_pattern" | "list_pattern" => {
                    let how = format!("bound by unpacking (`{}`)", self.snippet(assignment));
                    self.bind_opaque(target, &how, envs, cond);
                }
                _ => {}
            }
        }
    }

    fn exec_augmented(&self, node: Node<'t>, envs: &mut [Env]) {
        let (Some(left), Some(op), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("operator"),
            node.child_by_field_name("right"),
        ) else {
            return;
        };
        let val = self.eval(right, envs, 0);
        let place = match left.kind() {
            "identifier" => Place::Name(left),
            "subscript" => match self.item_place(left, envs) {
                Some(place) => place,
                None => return,
            },
            _ => return,
        };
        match (op.kind(), place) {
            ("+=", Place::Name(ident)) => modify_name(self, ident, envs, |old| concat(old, val)),
            ("|=", Place::Name(ident)) => modify_name(self, ident, envs, |old| {
                let offset = old.offset();
                let (mut entries, mut notes) = old.into_dict();
                let (more, more_notes) = val.into_dict();
                add_notes(&mut notes, more_notes);
                merge(&mut entries, more, false);
                Val::Dict(entries, notes, offset)
            }),
            ("+=", place @ Place::Item(..)) => self.modify(place, envs, |mut old| {
                old.extend(val.into_reqs());
                old
            }),
            _ => {}
        }
    }

    /// `NAME.append(x)`, `NAME["key"].extend(xs)`, `NAME.update({...})` and their kin.
    fn exec_method_call(&self, call: Node<'t>, envs: &mut [Env], cond: bool) {
        let Some(func) = call
            .child_by_field_name("function")
            .filter(|f| f.kind() == "attribute")
        else {
            return;
        };
        let (Some(object), Some(method), Some(args)) = (
            func.child_by_field_name("object"),
            func.child_by_field_name("attribute"),
            call.child_by_field_name("arguments")
                .filter(|a| a.kind() == "argument_list"),
        ) else {
            return;
        };
        let args = kids(args);
        let positional: Vec<Node<'t>> = args
            .iter()
            .copied()
            .filter(|a| {
                !matches!(
                    a.kind(),
                    "keyword_argument" | "list_splat" | "dictionary_splat"
                )
            })
            .collect();
        let place = match object.kind() {
            "identifier" => Place::Name(object),
            "subscript" => match self.item_place(object, envs) {
                Some(place) => place,
                None => return,
            },
            _ => return,
        };
        let added = match self.src(method) {
            "append" | "add" | "extend" => positional.first(),
            "insert" => positional.get(1),
            "update" | "setdefault" => {
                if let Place::Name(ident) = place {
                    self.exec_dict_method(ident, self.src(method), &args, &positional, envs, cond);
                }
                return;
            }
            _ => return,
        };
        let Some(&added) = added else {
            return;
        };
        let val = self.eval(added, envs, 0);
        match place {
            Place::Name(ident) => modify_name(self, ident, envs, |old| {
                concat(old, Val::Seq(val.into_reqs(), added.start_byte()))
            }),
            place @ Place::Item(..) => self.modify(place, envs, |mut old| {
                old.extend(val.into_reqs());
                old
            }),
        }
    }

    fn exec_dict_method(
        &self,
        ident: Node<'t>,
        method: &str,
        args: &[Node<'t>],
        positional: &[Node<'t>],
        envs: &mut [Env],
        cond: bool,
    ) {
        if method == "setdefault" {
            let (Some(&key), Some(&value)) = (positional.first(), positional.get(1)) else {
                return;
            };
            let (key, key_note) = self.dict_key(key, envs);
            let reqs = self.eval(value, envs, 0).into_reqs();
            modify_name(self, ident, envs, |old| {
                let offset = old.offset();
                let (mut entries, mut notes) = old.into_dict();
                add_notes(&mut notes, key_note.into_iter().collect());
                let present = key.is_some() && entries.iter().any(|e| e.key == key);
                if !present {
                    entries.push(Entry { key, reqs });
                }
                Val::Dict(entries, notes, offset)
            });
            return;
        }
        let mut update: Option<Val> = None;
        if let Some(&first) = positional.first() {
            update = Some(self.eval(first, envs, 0));
        }
        let mut entries = Vec::new();
        let mut notes = Vec::new();
        for arg in args {
            match arg.kind() {
                "keyword_argument" => {
                    if let (Some(k), Some(v)) = (
                        arg.child_by_field_name("name"),
                        arg.child_by_field_name("value"),
                    ) {
                        entries.push(Entry {
                            key: Some(self.src(k).to_owned()),
                            reqs: self.eval(v, envs, 0).into_reqs(),
                        });
                    }
                }
                "dictionary_splat" => {
                    if let Some(inner) = kids(*arg).into_iter().next() {
                        let (more, more_notes) = self.eval(inner, envs, 0).into_dict();
                        add_notes(&mut notes, more_notes);
                        merge(&mut entries, more, false);
                    }
                }
                _ => {}
            }
        }
        modify_name(self, ident, envs, |old| {
            if let Val::Seq(..) | Val::Str(_) = old {
                // `set.update(iterable)`
                let more = update.map(Val::into_reqs).unwrap_or_default();
                return concat(old, Val::Seq(more, ident.start_byte()));
            }
            let offset = old.offset();
            let (mut all, mut all_notes) = old.into_dict();
            if let Some(update) = update {
                let (more, more_notes) = update.into_dict();
                add_notes(&mut all_notes, more_notes);
                merge(&mut all, more, cond);
            }
            add_notes(&mut all_notes, notes);
            merge(&mut all, entries, cond);
            Val::Dict(all, all_notes, offset)
        });
    }

    /// `NAME["key"]` as a place to change, when the subscripted value is a variable.
    fn item_place(&self, subscript: Node<'t>, envs: &[Env]) -> Option<Place<'t>> {
        let value = subscript.child_by_field_name("value")?;
        if value.kind() != "identifier" {
            return None;
        }
        let key = subscript.child_by_field_name("subscript")?;
        let (key, note) = self.dict_key(key, envs);
        Some(Place::Item(value, key, note))
    }

    /// A dict key as a string, or a note saying it is not one.
    fn dict_key(&self, key: Node<'t>, envs: &[Env]) -> (Option<String>, Option<Note>) {
        match self.eval(key, envs, 0) {
            Val::Str(s) => (Some(s.text.clone()), None),
            _ => (
                None,
                Some(Note::shape(
                    key.start_byte(),
                    format!(
                        "has a key that is not a string literal (`{}`); squatguard checks its \
                         requirements without an extra name",
                        self.snippet(key)
                    ),
                )),
            ),
        }
    }

    /// Changes one key of a dict variable with `change`, which gets the requirements the key
    /// held (none if absent).
    fn modify(&self, place: Place<'t>, envs: &mut [Env], change: impl FnOnce(Reqs) -> Reqs) {
        let Place::Item(ident, key, key_note) = place else {
            return;
        };
        modify_name(self, ident, envs, |old| {
            let offset = old.offset();
            if let Val::Seq(..) | Val::Str(_) = old {
                // `LIST[i] = x`: the new item may be installed; the old one is kept too.
                let mut reqs = old.into_reqs();
                reqs.extend(change(Reqs::default()));
                return Val::Seq(reqs, offset);
            }
            let (mut entries, mut notes) = old.into_dict();
            add_notes(&mut notes, key_note.into_iter().collect());
            let existing = key
                .as_ref()
                .and_then(|k| entries.iter_mut().find(|e| e.key.as_ref() == Some(k)));
            match existing {
                Some(entry) => {
                    let old = std::mem::take(&mut entry.reqs);
                    entry.reqs = change(old);
                }
                None => entries.push(Entry {
                    key,
                    reqs: change(Reqs::default()),
                }),
            }
            Val::Dict(entries, notes, offset)
        });
    }

    fn eval(&self, node: Node<'t>, envs: &[Env], depth: usize) -> Val {
        if depth >= MAX_DEPTH {
            return Val::unknown(Note::new(
                node.start_byte(),
                format!(
                    "is nested more than {MAX_DEPTH} levels deep; squatguard stops reading there"
                ),
            ));
        }
        let depth = depth + 1;
        match node.kind() {
            "string" => self.eval_string(node),
            "concatenated_string" => {
                let mut acc: Option<Str> = None;
                for piece in kids(node).into_iter().filter(|k| k.kind() == "string") {
                    let s = match self.eval_string(piece) {
                        Val::Str(s) => Rc::unwrap_or_clone(s),
                        other => return other,
                    };
                    acc = match acc {
                        None => Some(s),
                        Some(a) => match a.join(&s) {
                            Some(joined) => Some(joined),
                            None => return too_long(node.start_byte()),
                        },
                    };
                }
                acc.map_or(Val::None, |s| Val::Str(Rc::new(s)))
            }
            "list" | "tuple" | "set" | "expression_list" => {
                let mut reqs = Reqs::default();
                for item in kids(node) {
                    let val = match item.kind() {
                        "list_splat" | "parenthesized_list_splat" => {
                            match kids(item).into_iter().next() {
                                Some(inner) => self.eval(inner, envs, depth),
                                None => self.opaque(item),
                            }
                        }
                        _ => self.eval(item, envs, depth),
                    };
                    reqs.extend(val.into_reqs());
                }
                Val::Seq(reqs, node.start_byte())
            }
            // either branch may run: both count, as for `if` statements
            // (of two strings, one is a requirement or a piece of one: not known which)
            "conditional_expression" => match kids(node).as_slice() {
                [then, _, otherwise] => {
                    match (
                        self.eval(*then, envs, depth),
                        self.eval(*otherwise, envs, depth),
                    ) {
                        (Val::Str(_), _) | (_, Val::Str(_)) => self.opaque(node),
                        (a, b) => union(a, b),
                    }
                }
                _ => self.opaque(node),
            },
            "parenthesized_expression" => match kids(node).into_iter().next() {
                Some(inner) => self.eval(inner, envs, depth),
                None => self.opaque(node),
            },
            "none" => Val::None,
            "identifier" => self.lookup(self.src(node), node, envs),
            "binary_operator" => self.eval_binary(node, envs, depth),
            "dictionary" => self.eval_dict(node, envs, depth),
            "call" => self.eval_call(node, envs, depth),
            "subscript" => self.eval_subscript(node, envs, depth),
            _ => self.opaque(node),
        }
    }

    fn eval_string(&self, node: Node<'t>) -> Val {
        let mut start = node.start_byte();
        let mut end = node.end_byte();
        let mut prefix = "";
        let mut interpolated = false;
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            match child.kind() {
                "string_start" => {
                    start = child.end_byte();
                    prefix = self.src(child);
                }
                "string_end" if !child.is_missing() => end = child.start_byte(),
                "interpolation" => interpolated = true,
                _ => {}
            }
        }
        let flags = prefix.trim_end_matches(['"', '\'']).to_ascii_lowercase();
        let Some(content) = self.text.get(start..end.max(start)) else {
            return self.opaque(node);
        };
        let decoded = decode(
            content,
            start,
            flags.contains('r'),
            flags.contains('f') || flags.contains('t'),
            flags.contains('b'),
        );
        if !interpolated {
            return Val::Str(Rc::new(decoded));
        }
        // the name written before the first interpolation (`f"numpy>={v}"`)
        if let Some(name) = decoded.name_head(Some('{')) {
            return Val::Str(Rc::new(name));
        }
        Val::unknown(Note::new(
            node.start_byte(),
            format!(
                "is built by an f-string with interpolation (`{}`) that squatguard does not \
                 evaluate; declare the requirement literally",
                self.snippet(node)
            ),
        ))
    }

    fn eval_binary(&self, node: Node<'t>, envs: &[Env], depth: usize) -> Val {
        let (Some(left), Some(op), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("operator"),
            node.child_by_field_name("right"),
        ) else {
            return self.opaque(node);
        };
        match op.kind() {
            "+" => {
                let a = self.eval(left, envs, depth);
                let b = self.eval(right, envs, depth);
                match (&a, &b) {
                    (Val::Str(_), Val::Unknown(_)) | (Val::Unknown(_), Val::Str(_)) => {
                        if let Val::Str(name) = &a {
                            if let Some(name) = name.name_head(None) {
                                return Val::Str(Rc::new(name));
                            }
                        }
                        Val::unknown(Note::new(
                            node.start_byte(),
                            format!(
                                "is a string built at run time (`{}`) that squatguard cannot \
                             complete; declare the requirement literally",
                                self.snippet(node)
                            ),
                        ))
                    }
                    _ => concat(a, b),
                }
            }
            "%" => match self.eval(left, envs, depth) {
                Val::Str(s) => match s.name_head(Some('%')) {
                    Some(name) => Val::Str(Rc::new(name)),
                    None => self.opaque(node),
                },
                _ => self.opaque(node),
            },
            "|" => {
                let a = self.eval(left, envs, depth);
                let b = self.eval(right, envs, depth);
                match (a, b) {
                    (Val::Dict(mut entries, mut notes, offset), Val::Dict(more, more_notes, _)) => {
                        add_notes(&mut notes, more_notes);
                        merge(&mut entries, more, false);
                        Val::Dict(entries, notes, offset)
                    }
                    _ => self.opaque(node),
                }
            }
            _ => self.opaque(node),
        }
    }

    fn eval_dict(&self, node: Node<'t>, envs: &[Env], depth: usize) -> Val {
        let mut entries = Vec::new();
        let mut notes = Vec::new();
        for item in kids(node) {
            match item.kind() {
                "pair" => {
                    let (Some(key), Some(value)) = (
                        item.child_by_field_name("key"),
                        item.child_by_field_name("value"),
                    ) else {
                        continue;
                    };
                    let (key, note) = self.dict_key(key, envs);
                    add_notes(&mut notes, note.into_iter().collect());
                    let reqs = self.eval(value, envs, depth).into_reqs();
                    merge(&mut entries, vec![Entry { key, reqs }], false);
                }
                "dictionary_splat" => {
                    let val = match kids(item).into_iter().next() {
                        Some(inner) => self.eval(inner, envs, depth),
                        None => self.opaque(item),
                    };
                    let (more, more_notes) = val.into_dict();
                    add_notes(&mut notes, more_notes);
                    merge(&mut entries, more, false);
                }
                _ => {
                    if let Val::Unknown(more) = self.opaque(item) {
                        add_notes(&mut notes, more);
                    }
                }
            }
        }
        Val::Dict(entries, notes, node.start_byte())
    }

    /// `list(...)`, `tuple(...)`, `set(...)`, `frozenset(...)`, `sorted(...)` and
    /// `dict(...)` of resolvable values; any other call is unresolved.
    fn eval_call(&self, node: Node<'t>, envs: &[Env], depth: usize) -> Val {
        let (Some(func), Some(args)) = (
            node.child_by_field_name("function"),
            node.child_by_field_name("arguments"),
        ) else {
            return self.opaque(node);
        };
        if func.kind() == "attribute" && args.kind() == "argument_list" {
            let object = func.child_by_field_name("object");
            let method = func.child_by_field_name("attribute").map(|a| self.src(a));
            if let (Some(object), Some("format")) = (object, method) {
                if matches!(object.kind(), "string" | "concatenated_string") {
                    if let Val::Str(s) = self.eval(object, envs, depth) {
                        if let Some(name) = s.name_head(Some('{')) {
                            return Val::Str(Rc::new(name));
                        }
                    }
                }
            }
        }
        if func.kind() != "identifier" || args.kind() != "argument_list" {
            return self.opaque(node);
        }
        let name = self.src(func);
        if envs.iter().any(|env| env.contains_key(name)) {
            return self.opaque(node); // a builtin shadowed by setup.py itself
        }
        let args = kids(args);
        let positional: Vec<Node<'t>> = args
            .iter()
            .copied()
            .filter(|a| {
                !matches!(
                    a.kind(),
                    "keyword_argument" | "list_splat" | "dictionary_splat"
                )
            })
            .collect();
        let splats = args.iter().any(|a| a.kind() == "list_splat");
        let keywords = args.iter().any(|a| a.kind() == "keyword_argument");
        match name {
            "list" | "tuple" | "set" | "frozenset" | "sorted"
                if !splats
                    && positional.len() <= 1
                    && (name == "sorted" || !keywords)
                    && args.iter().all(|a| a.kind() != "dictionary_splat") =>
            {
                let reqs = match positional.first() {
                    Some(&arg) => self.eval(arg, envs, depth).into_reqs(),
                    None => Reqs::default(),
                };
                Val::Seq(reqs, node.start_byte())
            }
            "dict" if !splats && positional.len() <= 1 => {
                let (mut entries, mut notes) = match positional.first() {
                    Some(&arg) => self.eval(arg, envs, depth).into_dict(),
                    None => (Vec::new(), Vec::new()),
                };
                for arg in args {
                    match arg.kind() {
                        "keyword_argument" => {
                            if let (Some(k), Some(v)) = (
                                arg.child_by_field_name("name"),
                                arg.child_by_field_name("value"),
                            ) {
                                let reqs = self.eval(v, envs, depth).into_reqs();
                                merge(
                                    &mut entries,
                                    vec![Entry {
                                        key: Some(self.src(k).to_owned()),
                                        reqs,
                                    }],
                                    false,
                                );
                            }
                        }
                        "dictionary_splat" => {
                            if let Some(inner) = kids(arg).into_iter().next() {
                                let (more, more_notes) = self.eval(inner, envs, depth).into_dict();
                                add_notes(&mut notes, more_notes);
                                merge(&mut entries, more, false);
                            }
                        }
                        _ => {}
                    }
                }
                Val::Dict(entries, notes, node.start_byte())
            }
            _ => self.opaque(node),
        }
    }

    /// `NAME["key"]` of a resolved dict.
    fn eval_subscript(&self, node: Node<'t>, envs: &[Env], depth: usize) -> Val {
        let (Some(value), Some(key)) = (
            node.child_by_field_name("value"),
            node.child_by_field_name("subscript"),
        ) else {
            return self.opaque(node);
        };
        if let (Val::Dict(entries, _, _), Val::Str(key)) =
            (self.eval(value, envs, depth), self.eval(key, envs, depth))
        {
            if let Some(entry) = entries
                .into_iter()
                .find(|e| e.key.as_deref() == Some(key.text.as_str()))
            {
                return Val::Seq(entry.reqs, node.start_byte());
            }
        }
        self.opaque(node)
    }

    /// The value of `name` where it is used at `node`.
    fn lookup(&self, name: &str, node: Node<'_>, envs: &[Env]) -> Val {
        if let Some(val) = envs.iter().rev().find_map(|env| env.get(name)) {
            let mut val = val.clone();
            val.set_via(name);
            return val;
        }
        let later = self
            .sites
            .get(name)
            .is_some_and(|sites| sites.iter().any(|&at| at > self.call_at));
        let predicate = if later {
            format!(
                "uses a name (`{name}`) that is bound only after the setup() call; squatguard \
                 reads the statements before the call, so bind it earlier or declare the \
                 dependencies literally"
            )
        } else {
            format!(
                "uses a name (`{name}`) that is not bound before the setup() call; declare the \
                 dependencies literally"
            )
        };
        Val::unknown(Note {
            offset: node.start_byte(),
            predicate,
            name: Some(name.to_owned()),
            via: None,
            shape: false,
        })
    }

    /// A note saying what `node` is and that squatguard does not evaluate it.
    fn opaque(&self, node: Node<'t>) -> Val {
        let snippet = self.snippet(node);
        let predicate = match node.kind() {
            "call" => format!(
                "is computed by a function call (`{snippet}`) that squatguard does not run; {}, or \
                 declare the dependencies literally",
                self.call_advice(node)
            ),
            "list_comprehension"
            | "set_comprehension"
            | "dictionary_comprehension"
            | "generator_expression" => format!(
                "is computed by a comprehension (`{snippet}`) that squatguard does not evaluate; \
                 declare the dependencies literally"
            ),
            "attribute" => format!(
                "is read from an attribute (`{snippet}`) that squatguard does not resolve; declare \
                 the dependencies literally"
            ),
            "subscript" => format!(
                "is read from a subscript (`{snippet}`) that squatguard does not resolve; declare \
                 the dependencies literally"
            ),
            "conditional_expression" => format!(
                "is chosen by a conditional expression (`{snippet}`) that squatguard does not \
                 evaluate; declare the dependencies literally"
            ),
            "ERROR" => format!(
                "is an expression squatguard could not parse (`{snippet}`); fix the syntax error"
            ),
            _ => format!(
                "is computed by an expression (`{snippet}`) that squatguard does not evaluate; \
                 declare the dependencies literally"
            ),
        };
        Val::unknown(Note::new(node.start_byte(), predicate))
    }

    /// What to look at instead of a call's result: the file it names, if it names one.
    fn call_advice(&self, call: Node<'t>) -> String {
        let file = descendants_of_kind(call, "string")
            .into_iter()
            .find_map(|s| match self.eval_string(s) {
                Val::Str(s) if looks_like_file(&s.text) => Some(s.text.clone()),
                _ => None,
            });
        let source = self.src(call);
        match file {
            Some(file) => format!("check the file it reads (`{file}`)"),
            None if source.contains("open(") || source.contains("read") => {
                "check the file it reads".to_owned()
            }
            None => "check what it returns".to_owned(),
        }
    }
}

/// Whether a string names a file (`requirements.txt`, `reqs/base.in`).
fn looks_like_file(s: &str) -> bool {
    let exts = [
        ".txt", ".in", ".cfg", ".toml", ".json", ".py", ".yaml", ".yml", ".lock", ".pip",
    ];
    !s.is_empty()
        && s.len() < 200
        && !s.chars().any(char::is_whitespace)
        && (exts.iter().any(|e| s.to_ascii_lowercase().ends_with(e)) || s.contains('/'))
}

/// The blocks of a compound statement, each with whether it runs only on some paths.
fn blocks_of(stmt: Node<'_>) -> Vec<(Node<'_>, bool)> {
    let branch = matches!(
        stmt.kind(),
        "if_statement" | "for_statement" | "while_statement" | "case_clause"
    );
    let mut blocks = Vec::new();
    for child in kids(stmt) {
        match child.kind() {
            "block" => blocks.push((child, branch)),
            "elif_clause"
            | "else_clause"
            | "except_clause"
            | "except_group_clause"
            | "finally_clause" => {
                let conditional = child.kind() != "finally_clause";
                blocks.extend(
                    kids(child)
                        .into_iter()
                        .filter(|k| k.kind() == "block")
                        .map(|b| (b, conditional)),
                );
            }
            _ => {}
        }
    }
    blocks
}

/// The identifiers in a binding target (`x`, `a, (b, c)`), without recursion.
fn identifiers_in(target: Node<'_>) -> Vec<Node<'_>> {
    descendants_of_kind(target, "identifier")
}

/// Descendants of `node` (itself included) of one kind, in source order, at most 1000.
fn descendants_of_kind<'t>(node: Node<'t>, kind: &str) -> Vec<Node<'t>> {
    let mut found = Vec::new();
    let mut stack = vec![node];
    let mut visited = 0;
    while let Some(n) = stack.pop() {
        visited += 1;
        if visited > 10_000 || found.len() >= 1000 {
            break;
        }
        if n.kind() == kind {
            found.push(n);
            continue;
        }
        let children = kids(n);
        stack.extend(children.into_iter().rev());
    }
    found
}

/// Binds `name` in the innermost scope; a binding that may not run adds to what it held.
fn set(envs: &mut [Env], name: &str, val: Val, cond: bool) {
    let Some(env) = envs.last_mut() else {
        return;
    };
    let new = match env.remove(name) {
        Some(old) if cond => union(old, val),
        _ => val,
    };
    env.insert(name.to_owned(), new);
}

/// Changes the variable `ident` names in place, in the scope that binds it.
fn modify_name(
    reader: &Reader<'_>,
    ident: Node<'_>,
    envs: &mut [Env],
    change: impl FnOnce(Val) -> Val,
) {
    let name = reader.src(ident);
    let scope = envs.iter().rposition(|env| env.contains_key(name));
    let (index, old) = match scope {
        Some(i) => (i, envs[i].remove(name).unwrap_or(Val::None)),
        None => (
            envs.len().saturating_sub(1),
            reader.lookup(name, ident, &[]),
        ),
    };
    if let Some(env) = envs.get_mut(index) {
        env.insert(name.to_owned(), change(old));
    }
}

/// The manifest being built, without repeating a dependency or note.
struct Out<'s> {
    src: &'s SourceFile,
    manifest: Manifest,
    deps_seen: HashSet<(usize, String, String)>,
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
        for s in &reqs.strs {
            for (text, offset) in s.requirements() {
                if self
                    .deps_seen
                    .insert((offset, section.to_owned(), text.clone()))
                {
                    self.manifest.push_pep508(self.src, &text, offset, section);
                }
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
