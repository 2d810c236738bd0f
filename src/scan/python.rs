//! Reads one Python file with tree-sitter (never running it) into its [`Facts`], which the code
//! rules judge: which calls it makes and what they can do (execute, spawn, connect, write,
//! decode), where they run (module level, inside an install command), which string literals it
//! holds (with what they decode to, [`crate::code_facts::blobs`], and the endpoints and credential paths in
//! them, [`crate::code_facts::indicators`]), which builtins it looks up by computed name, and, from the text
//! itself, code pushed off-screen and bidirectional controls. A `.pth` file is read as `site`
//! reads it: only its `import` lines run (CPython's `Lib/site.py`, `addpackage`).
//!
//! Names are resolved through the file's imports (`from subprocess import Popen as P`), through
//! assignments of sinks (`_run = exec`), `getattr`/builtins/`globals()`/`vars()` look-ups,
//! `functools.partial`, `__import__('os')`, and callables handed to `map`, `filter`,
//! `threading.Thread` and `atexit.register`. Data flow is followed one hop: a variable assigned
//! from a decoder, or a function of the same file whose body decodes, counts as decoded when it
//! reaches `exec` (or a process launch); a variable assigned what a network call returned counts
//! as downloaded. Module-level calls to the file's own functions carry what those functions do,
//! so a payload wrapped in `_init()` and called on import is still seen at the call.
//!
//! The text is the one [`super::source`] decoded; identifiers are compared after NFKC
//! normalisation, as Python compares them (the parse sees them rewritten, offsets are mapped back).
//!
//! tree-sitter recovers from syntax errors, so broken and obfuscated files are read as far as
//! they parse. The walk is iterative and stops [`MAX_DEPTH`] levels down, so no input can
//! exhaust the stack.

use super::source::{identifier, Normalised};
pub use crate::code_facts::MAX_DEPTH;
use crate::code_facts::{blobs, indicators};
use crate::code_facts::{kind, Call, Facts, Hiding, Literal, Lookup, Role};
use std::collections::HashMap;
use tree_sitter::{Node, Parser};

/// How many names, calls or parentheses deep an expression is followed to what it names.
const MAX_RESOLVE_DEPTH: usize = 8;
/// How many nodes one data-flow question may visit.
const MAX_SUBTREE_NODES: usize = 20_000;

const EXEC_NAMES: &[&str] = &[
    "exec",
    "eval",
    "compile",
    "__import__",
    "builtins.exec",
    "builtins.eval",
    "builtins.compile",
    "builtins.__import__",
    "marshal.loads",
    "execfile",
    "pickle.loads",
    "_pickle.loads",
    "cPickle.loads",
    "dill.loads",
    "cloudpickle.loads",
    "runpy.run_path",
    "runpy.run_module",
    // as `__import__`: only a decoded or downloaded module name counts
    "importlib.import_module",
];

/// The `exec`-like calls that deserialize: decoded data runs through them only when the file
/// carries it ([`Reader::carries_payload`]).
/// (`marshal.loads` is not among them: what it loads is code objects.)
const DESERIALIZERS: &[&str] = &[
    "pickle.loads",
    "_pickle.loads",
    "cPickle.loads",
    "dill.loads",
    "cloudpickle.loads",
];

/// The shortest string literal a deserializer's decoded input must come from to count as a
/// payload the file carries (a pickle of anything is longer).
const MIN_PAYLOAD: usize = 16;

/// Calls that run a callable they are given: (callee, the keyword naming it, its position).
const RUNNERS: &[(&str, &str, usize)] = &[
    ("map", "", 0),
    ("filter", "", 0),
    ("builtins.map", "", 0),
    ("builtins.filter", "", 0),
    ("threading.Thread", "target", 1),
    ("threading.Timer", "function", 1),
    ("multiprocessing.Process", "target", 1),
    ("atexit.register", "func", 0),
];

/// Callees that import a module named by a string (`__import__('os').system`).
const IMPORTERS: &[&str] = &[
    "__import__",
    "builtins.__import__",
    "importlib.import_module",
];

const COMMAND_BASES: &[&str] = &[
    "install",
    "develop",
    "egg_info",
    "build_py",
    "build_ext",
    "build",
    "sdist",
    "bdist_wheel",
    "bdist_egg",
    "install_lib",
    "install_scripts",
    "install_data",
    "build_clib",
    "_install",
    "_develop",
];

#[derive(Clone, Copy)]
struct Ctx<'t> {
    depth: usize,
    in_function: bool,
    main_guard: bool,
    /// Set for the children of a `def`: its body runs when called, its defaults and
    /// annotations when defined.
    pending_function: Option<Node<'t>>,
    /// Set for the children of an `if __name__ == "__main__":`: only its body is guarded.
    guard_if: bool,
    command_class: Option<Node<'t>>,
    function: Option<Node<'t>>,
}

impl Ctx<'_> {
    /// The innermost function (0: module level) and whether the code here runs as the module
    /// does: not inside a function, lambda or `if __name__ == "__main__":`.
    fn place(&self) -> (usize, bool) {
        (
            self.function.map_or(0, |f| f.id()),
            !self.in_function && !self.main_guard,
        )
    }
}

/// Lines with this many spaces or tabs before code hide it past the edge of an editor.
const HIDING_SPACES: usize = 150;

/// Reads one file's facts: for a `.pth` file, only the `import` lines `site` executes.
pub fn read(text: &str, role: Role) -> Facts {
    let mut facts = if role == Role::Pth {
        analyse_as(&pth_code(text), 0, role)
    } else {
        analyse_as(text, 0, role)
    };
    facts.role = role;
    facts.hiding = hiding(text);
    if role == Role::Pth {
        facts.pth_imports = pth_imports(text);
    }
    facts
}

/// A `.pth` file's text with every line blanked out but those `site` executes (`import ...`),
/// so offsets stay those of the file.
fn pth_code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if is_pth_import(line) {
            out.push_str(line);
        } else {
            for b in line.bytes() {
                out.push(if b == b'\n' { '\n' } else { ' ' });
            }
        }
    }
    out
}

fn is_pth_import(line: &str) -> bool {
    line.starts_with("import ") || line.starts_with("import\t")
}

/// The `import` lines of a `.pth` file, trailing whitespace excluded.
fn pth_imports(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        if is_pth_import(line) {
            out.push(start..start + line.trim_end().len());
        }
        start += line.len();
    }
    out
}

/// Text-level hiding, line by line: code after [`HIDING_SPACES`] spaces or tabs, and the first
/// bidirectional control character of a line before such code.
fn hiding(text: &str) -> Vec<Hiding> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let mut run = 0;
        let mut run_start = 0;
        let mut bidi_seen = false;
        for (i, c) in line.char_indices() {
            if c == ' ' || c == '\t' {
                if run == 0 {
                    run_start = i;
                }
                run += 1;
                continue;
            }
            if run >= HIDING_SPACES && !c.is_whitespace() {
                out.push(Hiding::OffScreen {
                    start: line_start + run_start,
                    spaces: run,
                    code: line_start + i,
                    line_end: line_start + line.len(),
                });
                break;
            }
            run = 0;
            if is_bidi_control(c) && !bidi_seen {
                bidi_seen = true;
                out.push(Hiding::Bidi {
                    at: line_start + i,
                    c,
                });
            }
        }
        line_start += line.len();
    }
    out
}

fn parse(text: &str) -> Option<tree_sitter::Tree> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .ok()?;
    parser.parse(text, None)
}

/// The byte ranges of the non-ASCII identifiers in `tree`, in order.
fn non_ascii_identifiers(text: &str, tree: &tree_sitter::Tree) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut cursor = tree.walk();
    loop {
        let node = cursor.node();
        if node.kind() == "identifier" {
            if text.get(node.byte_range()).is_some_and(|t| !t.is_ascii()) {
                out.push(node.byte_range());
            }
        } else if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return out;
            }
        }
    }
}

/// Parses `text` as Python reads it and gathers its facts; offsets are into `text` plus
/// `base`. Non-ASCII identifiers are NFKC-normalised first, as Python does
/// ([`super::source::Normalised`]); offsets are mapped back to `text`.
pub fn analyse(text: &str, base: usize) -> Facts {
    analyse_as(text, base, Role::Module)
}

/// [`analyse`] for a file of `role`. Large data literals are blanked out and their elements
/// read a piece at a time ([`super::data_literals`]), so memory does not grow with them.
fn analyse_as(text: &str, base: usize, role: Role) -> Facts {
    analyse_in_pieces(text, base, role, false)
}

/// [`analyse_as`]; `piece` for a data span's elements wrapped in its brackets.
fn analyse_in_pieces(text: &str, base: usize, role: Role, piece: bool) -> Facts {
    let Some((blanked, spans)) = super::data_literals::elide(text, piece) else {
        return analyse_whole(text, base, role);
    };
    let mut facts = analyse_whole(&blanked, base, role);
    drop(blanked);
    for span in &spans {
        let (open, close) = (&text[span.open..=span.open], &text[span.close..=span.close]);
        for piece in span.pieces() {
            // `[piece\n]` as an expression statement: offsets one byte before the piece's
            let wrapped = format!("{open}{}\n{close}", &text[piece.clone()]);
            let found = analyse_in_pieces(&wrapped, base + piece.start - 1, Role::Module, true);
            // data holds no calls; of its literals only those the rules look at are kept
            facts.literals.extend(
                found
                    .literals
                    .into_iter()
                    .filter(|l| l.blob.is_some() || !l.indicators.is_empty() || l.is_temp_path()),
            );
            if facts.too_deep.is_none() {
                facts.too_deep = found.too_deep;
            }
        }
    }
    facts.literals.sort_by_key(|l| l.start);
    facts
}

/// [`analyse_as`] of the whole text in one tree.
fn analyse_whole(text: &str, base: usize, role: Role) -> Facts {
    let Some(tree) = parse(text) else {
        return Facts::default();
    };
    if text.is_ascii() {
        return gather(text, &tree, base, role);
    }
    let idents = non_ascii_identifiers(text, &tree);
    let Some(norm) = Normalised::rewrite(text, &idents) else {
        return gather(text, &tree, base, role);
    };
    let Some(tree) = parse(&norm.text) else {
        return Facts::default();
    };
    let mut facts = gather(&norm.text, &tree, 0, role);
    let back = |o: usize| base + norm.original(o);
    for c in &mut facts.calls {
        c.start = back(c.start);
        c.end = back(c.end);
    }
    for l in &mut facts.literals {
        l.start = back(l.start);
    }
    for l in &mut facts.lookups {
        l.start = back(l.start);
        l.end = back(l.end);
    }
    for c in &mut facts.cmdclass {
        *c = back(*c);
    }
    if let Some(d) = &mut facts.too_deep {
        *d = back(*d);
    }
    for (r, _) in &mut facts.code_files {
        *r = back(r.start)..back(r.end);
    }
    facts
}

/// Every identifier of `text` with its 1-based line, NFKC-normalised: the names Python's
/// tokenizer reads, as this reader sees them.
pub fn identifiers(text: &str) -> Vec<(u32, String)> {
    let Some(tree) = parse(text) else {
        return Vec::new();
    };
    let idents = non_ascii_identifiers(text, &tree);
    let norm = Normalised::rewrite(text, &idents);
    let (seen, tree) = match &norm {
        Some(n) => match parse(&n.text) {
            Some(t) => (n.text.as_str(), t),
            None => return Vec::new(),
        },
        None => (text, tree),
    };
    let line_ends: Vec<usize> = text.match_indices('\n').map(|(i, _)| i).collect();
    let line_of = |o: usize| {
        let o = norm.as_ref().map_or(o, |n| n.original(o));
        line_ends.partition_point(|&e| e < o) as u32 + 1
    };
    let mut out = Vec::new();
    let mut cursor = tree.walk();
    'walk: loop {
        let node = cursor.node();
        if node.kind() == "identifier" {
            let name = seen.get(node.byte_range()).unwrap_or("");
            out.push((line_of(node.start_byte()), identifier(name).into_owned()));
        } else if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    out
}

fn gather(text: &str, tree: &tree_sitter::Tree, base: usize, role: Role) -> Facts {
    let mut r = Reader {
        src: text,
        base,
        aliases: HashMap::new(),
        bound: HashMap::new(),
        tainted: HashMap::new(),
        payload_names: std::collections::HashSet::new(),
        fetched: HashMap::new(),
        decoder_fns: HashMap::new(),
        paths: HashMap::new(),
        opened: HashMap::new(),
        bindings: HashMap::new(),
        argv: std::cell::OnceCell::new(),
    };
    let mut facts = Facts::default();
    let mut calls: Vec<(Node, Ctx)> = Vec::new();
    let mut assignments: Vec<(String, Node)> = Vec::new();
    let mut functions: Vec<Node> = Vec::new();
    // module-level `name = value`: the value's range and the name
    let mut module_names: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    // functions run without a call in this file: registered with `atexit`, autouse fixtures,
    // pytest hooks (the range of the name that runs, and the name)
    let mut auto_runs: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let root = Ctx {
        depth: 0,
        in_function: false,
        main_guard: false,
        pending_function: None,
        guard_if: false,
        command_class: None,
        function: None,
    };
    // One cursor walks the whole tree in source order; `ctxs` holds, for each ancestor, the
    // context its children get and its kind (`Node::parent` would search down from the root).
    let mut cursor = tree.walk();
    let mut ctxs: Vec<(Ctx, &'static str)> = Vec::new();
    loop {
        let node = cursor.node();
        let (ctx, parent) = ctxs.last().copied().unwrap_or((root, ""));
        let mut child_ctx = Ctx {
            depth: ctx.depth + 1,
            pending_function: None,
            guard_if: false,
            ..ctx
        };
        match node.kind() {
            "import_statement" | "import_from_statement" => {
                r.import(node);
                if !ctx.in_function && !ctx.main_guard {
                    facts.imports.push(r.import_fact(node));
                }
            }
            "call" => calls.push((node, ctx)),
            "exec_statement" => calls.push((node, ctx)),
            "function_definition" => {
                functions.push(node);
                child_ctx.pending_function = Some(node);
                // pytest calls a conftest's hooks itself (`pytest_configure`, ...)
                if role == Role::Conftest && !ctx.in_function && !ctx.main_guard {
                    if let Some(name) = node.child_by_field_name("name") {
                        if r.text(name).starts_with("pytest_") {
                            auto_runs.push((name.byte_range(), r.text(name).to_owned()));
                        }
                    }
                }
            }
            // a def's body runs when called; its defaults and annotations run now
            "block" if parent == "function_definition" => {
                child_ctx.in_function = true;
                child_ctx.function = ctx.pending_function;
            }
            // only the body of `if __name__ == "__main__":` is guarded, not its `else`
            "block" if parent == "if_statement" && ctx.guard_if => child_ctx.main_guard = true,
            "decorated_definition" => {
                if let Some(run) = r.auto_run(node, &ctx, role) {
                    auto_runs.push(run);
                }
            }
            "lambda" => child_ctx.in_function = true,
            "class_definition" => {
                let bases = node
                    .child_by_field_name("superclasses")
                    .map(|b| r.text(b))
                    .unwrap_or("");
                let is_command = bases
                    .split([',', '(', ')', ' ', '\n'])
                    .filter_map(|b| b.trim().rsplit('.').next())
                    .any(|b| COMMAND_BASES.contains(&b));
                if is_command {
                    child_ctx.command_class = Some(node);
                }
            }
            "if_statement" => {
                let cond = node
                    .child_by_field_name("condition")
                    .map(|c| r.text(c))
                    .unwrap_or("");
                // a script run by name is `__main__`: its main guard guards nothing
                if is_main_guard(cond) && role != Role::Script {
                    child_ctx.guard_if = true;
                }
            }
            "assignment" | "augmented_assignment" => {
                if let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) {
                    r.bind_all(left);
                    if left.kind() == "identifier" {
                        if ctx.place() == (0, true) {
                            module_names.push((right.byte_range(), r.text(left).to_owned()));
                        }
                        assignments.push((r.text(left).to_owned(), right));
                        r.note_path(r.text(left), right);
                    }
                }
            }
            // `with open(p) as f`
            "as_pattern" => {
                if let (Some(value), Some(alias)) =
                    (node.named_child(0), node.child_by_field_name("alias"))
                {
                    r.bind_all(alias);
                    if let Some(from) = r.opened_from(value) {
                        r.opened.insert(r.text(alias).trim().to_owned(), from);
                    }
                }
            }
            "parameters" | "lambda_parameters" | "global_statement" | "nonlocal_statement" => {
                r.bind_all(node)
            }
            "for_statement" | "for_in_clause" => {
                if let Some(left) = node.child_by_field_name("left") {
                    r.bind_all(left);
                }
            }
            "named_expression" => {
                if let Some(name) = node.child_by_field_name("name") {
                    r.bind_all(name);
                }
            }
            "keyword_argument"
                if node
                    .child_by_field_name("name")
                    .is_some_and(|n| r.text(n) == "cmdclass") =>
            {
                facts.cmdclass.push(base + node.start_byte());
            }
            // pieces of an implicit concatenation are read once, joined, at their parent
            "string" | "concatenated_string" if parent != "concatenated_string" => {
                if let Some(mut lit) = r.literal(node, parent) {
                    (lit.scope, lit.reached) = ctx.place();
                    facts.literals.push(lit);
                }
            }
            "subscript" => {
                if let Some(value) = node.child_by_field_name("value") {
                    if is_builtins(r.text(value), &r.aliases) {
                        let key = node.child_by_field_name("subscript");
                        let mut lookup = r.lookup(node, key);
                        (lookup.scope, lookup.reached) = ctx.place();
                        facts.lookups.push(lookup);
                    }
                }
            }
            _ => {}
        }
        if child_ctx.depth > MAX_DEPTH && node.child_count() > 0 {
            facts.too_deep.get_or_insert(base + node.start_byte());
        } else if cursor.goto_first_child() {
            ctxs.push((child_ctx, node.kind()));
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                break;
            }
            ctxs.pop();
        }
        if ctxs.is_empty() {
            break;
        }
    }

    // Data flow, one hop: functions whose body decodes, then variables assigned a decoded value
    // (repeated so `a = b64decode(x); b = a` reaches `b`).
    for f in &functions {
        if let (Some(name), Some(body)) =
            (f.child_by_field_name("name"), f.child_by_field_name("body"))
        {
            if let Some(dec) = r.decoded_by(body) {
                r.decoder_fns.insert(r.text(name).to_owned(), dec);
            }
        }
    }
    // a network call names its module somewhere in the text (an import, `__import__('...')`)
    let may_fetch = NETWORK_MODULES.iter().any(|m| text.contains(m));
    // `_run = exec`, `e = getattr(builtins, "eval")`, `p = partial(os.system, c)` (cheap: no
    // subtree is walked), to a fixed point so `a = exec; b = a` reaches `b`
    for _ in 0..4 {
        let mut changed = false;
        for (name, value) in &assignments {
            if !r.bound.contains_key(name) {
                if let Some(sink) = r.resolve(*value).filter(|s| is_sink(s)) {
                    r.bound.insert(name.clone(), sink);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    for _ in 0..4 {
        let mut changed = false;
        for (name, value) in &assignments {
            // one hop: a variable assigned what a network call returned
            if may_fetch && !r.fetched.contains_key(name) {
                if let Some(by) = r.fetched_directly(*value) {
                    r.fetched.insert(name.clone(), by);
                    changed = true;
                }
            }
            if !r.payload_names.contains(name) && r.carries_payload(*value) {
                r.payload_names.insert(name.clone());
                changed = true;
            }
            if r.tainted.contains_key(name) {
                continue;
            }
            if let Some(dec) = r.decoded_by(*value) {
                r.tainted.insert(name.clone(), dec);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }

    let mut enclosing: Vec<Option<String>> = Vec::new();
    for (node, ctx) in &calls {
        let call = r.call(*node, ctx, &mut facts);
        enclosing.push(
            ctx.function
                .and_then(|f| f.child_by_field_name("name"))
                .map(|n| r.text(n).to_owned()),
        );
        facts.calls.push(call);
    }
    // What each function of the file does, including through the file's other functions.
    let mut fn_kinds: HashMap<String, u16> = HashMap::new();
    for f in &functions {
        if let Some(n) = f.child_by_field_name("name") {
            fn_kinds.entry(r.text(n).to_owned()).or_insert(0);
        }
    }
    for _ in 0..4 {
        let mut changed = false;
        for (call, owner) in facts.calls.iter().zip(&enclosing) {
            let Some(owner) = owner else { continue };
            let through = fn_kinds.get(call.target()).copied().unwrap_or(0);
            let k = call.kinds | through;
            let entry = fn_kinds.entry(owner.clone()).or_insert(0);
            if *entry | k != *entry {
                *entry |= k;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for (range, name) in auto_runs {
        facts.calls.push(Call {
            start: base + range.start,
            end: base + range.end,
            callee: name,
            kinds: 0,
            local_kinds: 0,
            module_level: true,
            command_class: None,
            hidden: None,
            decoded_by: None,
            fetched_by: None,
            runs: None,
            scope: 0,
            reached: true,
        });
    }
    for call in &mut facts.calls {
        if let Some(k) = fn_kinds.get(call.target()) {
            call.local_kinds = *k;
        }
    }
    facts.functions = functions
        .iter()
        .filter_map(|f| Some((r.text(f.child_by_field_name("name")?).to_owned(), f.id())))
        .collect();
    // `C()` runs `C.__init__` (`__new__`, a dataclass's `__post_init__`): those methods are
    // found by the class's name too
    for f in &functions {
        let Some(name) = f.child_by_field_name("name").map(|n| r.text(n)) else {
            continue;
        };
        if !matches!(name, "__init__" | "__new__" | "__post_init__") {
            continue;
        }
        let class = f
            .parent()
            .filter(|b| b.kind() == "block")
            .and_then(|b| b.parent())
            .filter(|c| c.kind() == "class_definition")
            .and_then(|c| c.child_by_field_name("name"));
        if let Some(class) = class {
            facts.functions.push((r.text(class).to_owned(), f.id()));
        }
    }
    mark_reached(&mut facts, role);
    // module-level values do not overlap: in order of their start, each literal's is found by
    // a binary search
    module_names.sort_unstable_by_key(|(range, _)| range.start);
    mark_uses(&mut facts, &functions, &module_names, text, base);
    facts
}

/// How many names of one chained assignment (`A = B = "..."`) a literal is bound to, at most.
const MAX_CHAINED_NAMES: usize = 64;

/// Sets [`Literal::used_in`]: for each literal that shows a signal and is bound to a name at
/// module level, the functions whose body uses that name (as a word of their text, so an
/// attribute `self.NAME` counts too). Each function body is read once, for all such names.
fn mark_uses(
    facts: &mut Facts,
    functions: &[Node],
    names: &[(std::ops::Range<usize>, String)],
    text: &str,
    base: usize,
) {
    let mut wanted: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, lit) in facts.literals.iter().enumerate() {
        let signals = lit.blob.is_some() || !lit.indicators.is_empty() || lit.is_temp_path();
        if !signals || lit.scope != 0 || lit.start < base {
            continue;
        }
        let at = lit.start - base;
        // the values holding the literal: only a chained assignment (`A = B = "..."`) nests
        // them, so they are the last ones starting at or before it, one inside the next
        let after = names.partition_point(|(range, _)| range.start <= at);
        let holding = names[..after]
            .iter()
            .rev()
            .take(MAX_CHAINED_NAMES)
            .take_while(|(range, _)| range.contains(&at));
        for (_, name) in holding {
            wanted.entry(name.as_str()).or_default().push(i);
        }
    }
    if wanted.is_empty() {
        return;
    }
    for f in functions {
        let Some(body) = f.child_by_field_name("body") else {
            continue;
        };
        let Some(body_text) = text.get(body.byte_range()) else {
            continue;
        };
        let mut used: Vec<usize> = Vec::new();
        let words = body_text
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty());
        for word in words {
            if let Some(lits) = wanted.get(word) {
                used.extend(lits);
            }
        }
        used.sort_unstable();
        used.dedup();
        for i in used {
            facts.literals[i].used_in.push(f.id());
        }
    }
}

/// Sets `reached` on the calls, literals and look-ups that run without being called (see
/// [`Facts`]): the module level, and the functions that reached calls run, by name, to a fixed
/// point; everything, in a file a tool runs as a whole.
fn mark_reached(facts: &mut Facts, role: Role) {
    let whole = matches!(
        role,
        Role::Setup | Role::Conftest | Role::Startup | Role::Pth | Role::Script
    );
    if whole {
        for c in &mut facts.calls {
            c.reached = true;
        }
        for l in &mut facts.literals {
            l.reached = true;
        }
        for l in &mut facts.lookups {
            l.reached = true;
        }
    } else {
        reach_scopes(facts, vec![0]);
    }
}

/// Marks reached the functions named `names` (called from another file's code that runs
/// unasked: `utils.collect()` in a script the instructions run) and what they call, by name,
/// to a fixed point.
pub fn reach_from(facts: &mut Facts, names: &[String]) {
    let roots: Vec<usize> = facts
        .functions
        .iter()
        .filter(|(n, _)| names.contains(n))
        .map(|&(_, id)| id)
        .collect();
    if !roots.is_empty() {
        reach_scopes(facts, roots);
    }
}

/// Marks reached the scopes `roots` (0: the module level, already marked where it runs) and the
/// file's functions that their calls run, by name, to a fixed point (a worklist: each function
/// is visited once), and everything in them. A call `C()` of a class of the file runs its
/// `__init__`, `__new__` and `__post_init__`; `self.f()` and `cls.f()` run any function `f` of
/// the file.
fn reach_scopes(facts: &mut Facts, roots: Vec<usize>) {
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (n, id) in &facts.functions {
        by_name.entry(n.as_str()).or_default().push(*id);
    }
    let mut targets: HashMap<usize, Vec<&str>> = HashMap::new();
    for c in &facts.calls {
        // a method called on the object or class (`self.send()`): any function of that name
        let target = c.target();
        let target = target
            .strip_prefix("self.")
            .or_else(|| target.strip_prefix("cls."))
            .unwrap_or(target);
        // a call in a main guard or a lambda at module level runs only when asked
        if by_name.contains_key(target) && (c.reached || c.scope != 0) {
            targets.entry(c.scope).or_default().push(target);
        }
    }
    let mut reached: std::collections::HashSet<usize> = roots.iter().copied().collect();
    let mut queue = roots;
    while let Some(scope) = queue.pop() {
        for name in targets.get(&scope).into_iter().flatten() {
            for &id in by_name.get(name).into_iter().flatten() {
                if reached.insert(id) {
                    queue.push(id);
                }
            }
        }
    }
    reached.remove(&0);
    let runs = |scope: usize, here: bool| here || (scope != 0 && reached.contains(&scope));
    for c in &mut facts.calls {
        c.reached = runs(c.scope, c.reached);
    }
    for l in &mut facts.literals {
        l.reached = runs(l.scope, l.reached);
    }
    for l in &mut facts.lookups {
        l.reached = runs(l.scope, l.reached);
    }
}

/// `__name__ == "__main__"` (either way round, either quotes): only that guards a block; a
/// condition such as `__name__ != "__main__"` runs on import.
fn is_main_guard(cond: &str) -> bool {
    let c: String = cond.chars().filter(|c| !c.is_whitespace()).collect();
    let c = c.trim_start_matches('(').trim_end_matches(')');
    ["\"__main__\"", "'__main__'"]
        .iter()
        .any(|m| c == format!("__name__=={m}") || c == format!("{m}==__name__"))
}

/// Whether a `chmod` mode as written sets an execute bit: `stat.S_IXUSR`, `S_IEXEC`,
/// `S_IRWXU`, or a number (octal `0o755`, decimal `493`) with one of the bits `0o111`.
fn sets_exec_bit(mode: &str) -> bool {
    if ["S_IX", "S_IEXEC", "S_IRWX"]
        .iter()
        .any(|m| mode.contains(m))
    {
        return true;
    }
    let m = mode.trim();
    let value = if let Some(oct) = m.strip_prefix("0o").or_else(|| m.strip_prefix("0O")) {
        u32::from_str_radix(oct, 8).ok()
    } else {
        m.parse::<u32>().ok()
    };
    value.is_some_and(|v| v & 0o111 != 0)
}

/// Names worth following through an assignment: what runs code, launches, connects, decodes
/// or runs a callable.
fn is_sink(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or("");
    EXEC_NAMES.contains(&name)
        || is_spawn(name, last)
        || is_network(name, last)
        || RUNNERS.iter().any(|(r, _, _)| *r == name)
        || IMPORTERS.contains(&name)
        || is_decoder_name(name)
}

fn is_decoder_name(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or("");
    DECODERS.contains(&last)
        || matches!(name, "bytes.fromhex" | "bytearray.fromhex")
        || (last == "decompress"
            && ["zlib", "lzma", "bz2", "gzip"]
                .iter()
                .any(|m| name.starts_with(m)))
}

const DECODERS: &[&str] = &[
    "b64decode",
    "b32decode",
    "b32hexdecode",
    "b16decode",
    "b85decode",
    "a85decode",
    "urlsafe_b64decode",
    "standard_b64decode",
    "decodebytes",
    "decodestring",
    "unhexlify",
    "a2b_hex",
    "a2b_base64",
];

/// `__builtins__`, or the `builtins` module when imported under that name (botocore has a dict
/// called `builtins`).
fn is_builtins(s: &str, aliases: &HashMap<String, String>) -> bool {
    let imported = |name: &str| aliases.get(name).is_some_and(|m| m == "builtins");
    match s.split_once('.') {
        Some((head, "__dict__")) => head == "__builtins__" || imported(head),
        Some(_) => false,
        None => s == "__builtins__" || imported(s) || s.starts_with("vars(__builtins__"),
    }
}

struct Reader<'s> {
    src: &'s str,
    base: usize,
    /// Local name -> what it was imported as (`P` -> `subprocess.Popen`).
    aliases: HashMap<String, String>,
    /// Local name -> the sink assigned to it (`_run` -> `exec`, `s` -> `os.system`).
    bound: HashMap<String, String>,
    /// Variables assigned data read from the network, with the call that read it.
    fetched: HashMap<String, String>,
    /// Variables assigned a decoded value, with the decoder.
    tainted: HashMap<String, String>,
    /// Variables holding a string literal of [`MIN_PAYLOAD`] or more characters, or what was
    /// computed from one ([`Reader::carries_payload`]).
    payload_names: std::collections::HashSet<String>,
    /// Functions of this file whose body decodes, with the decoder.
    decoder_fns: HashMap<String, String>,
    /// Variables assigned a path (its last string literal: `p = join(here, "x.dat")`).
    paths: HashMap<String, String>,
    /// Variables bound to an opened file (`with open(p) as f`, `f = open(p)`), with what names
    /// its path.
    opened: HashMap<String, Opened>,
    /// How many times each name is bound anywhere in the file (assigned, a `with` or `for`
    /// target, a parameter, `:=`, declared `global`): `paths` and `opened` are followed only
    /// for a name bound once, so no rebinding, scope or order can make a stale entry stand
    /// for the file that runs.
    bindings: HashMap<String, u32>,
    /// What [`Reader::sys_argv`] found, once per file.
    argv: std::cell::OnceCell<Option<(usize, usize, bool)>>,
}

impl<'s> Reader<'s> {
    fn text(&self, node: Node) -> &'s str {
        self.src.get(node.byte_range()).unwrap_or("")
    }

    fn import(&mut self, node: Node) {
        let module = node
            .child_by_field_name("module_name")
            .map(|m| self.text(m).trim_start_matches('.').to_owned());
        let mut cursor = node.walk();
        for name in node.children_by_field_name("name", &mut cursor) {
            let (full, local) = if name.kind() == "aliased_import" {
                let full = name
                    .child_by_field_name("name")
                    .map(|n| self.text(n))
                    .unwrap_or("");
                let alias = name
                    .child_by_field_name("alias")
                    .map(|n| self.text(n))
                    .unwrap_or("");
                (full.to_owned(), alias.to_owned())
            } else {
                let full = self.text(name).to_owned();
                let local = if module.is_some() {
                    full.clone()
                } else {
                    full.split('.').next().unwrap_or("").to_owned()
                };
                (full, local)
            };
            let full = match &module {
                Some(m) if !m.is_empty() => format!("{m}.{full}"),
                _ if module.is_none() && name.kind() != "aliased_import" => local.clone(),
                _ => full,
            };
            if !local.is_empty() {
                self.aliases.insert(local, full);
            }
        }
    }

    /// The statement `node` as a [`crate::code_facts::Import`].
    fn import_fact(&self, node: Node) -> crate::code_facts::Import {
        let written = node
            .child_by_field_name("module_name")
            .map(|m| self.text(m))
            .unwrap_or("");
        let module = written.trim_start_matches('.');
        let mut cursor = node.walk();
        let names = node
            .children_by_field_name("name", &mut cursor)
            .map(|n| {
                let n = if n.kind() == "aliased_import" {
                    n.child_by_field_name("name").unwrap_or(n)
                } else {
                    n
                };
                self.text(n).to_owned()
            })
            .collect();
        crate::code_facts::Import {
            level: written.len() - module.len(),
            module: module.split_whitespace().collect(),
            names,
        }
    }

    /// `a.b.c` for a name or attribute chain, with the first part resolved through imports.
    fn dotted(&self, node: Node) -> Option<String> {
        self.dotted_at(node, 0)
    }

    /// [`Self::dotted`], `depth` imports deep (`__import__(...)` calls nest).
    fn dotted_at(&self, node: Node, depth: usize) -> Option<String> {
        if depth > MAX_RESOLVE_DEPTH {
            return None;
        }
        let mut parts = Vec::new();
        let mut n = node;
        loop {
            match n.kind() {
                "identifier" => {
                    parts.push(self.text(n));
                    break;
                }
                "attribute" => {
                    parts.push(self.text(n.child_by_field_name("attribute")?));
                    n = n.child_by_field_name("object")?;
                }
                // __import__('os').system, importlib.import_module('subprocess').run
                "call" if !parts.is_empty() => {
                    let f = self.dotted_at(n.child_by_field_name("function")?, depth + 1)?;
                    if !IMPORTERS.contains(&f.as_str()) {
                        return None;
                    }
                    let module =
                        self.string_value(self.positional(n.child_by_field_name("arguments"), 0)?)?;
                    parts.reverse();
                    return Some(format!("{module}.{}", parts.join(".")));
                }
                _ => return None,
            }
            if parts.len() > 16 {
                return None;
            }
        }
        parts.reverse();
        let first = parts[0];
        let head = self
            .aliases
            .get(first)
            .or_else(|| self.bound.get(first))
            .map(String::as_str)
            .unwrap_or(first);
        let mut out = head.to_owned();
        for p in &parts[1..] {
            out.push('.');
            out.push_str(p);
        }
        Some(out)
    }

    /// Raw text of a string literal without its quotes, or of joined pieces; `None` for
    /// f-strings with interpolation.
    fn string_value(&self, node: Node) -> Option<String> {
        match node.kind() {
            "string" => {
                let mut cursor = node.walk();
                let mut start = None;
                let mut end = None;
                for c in node.children(&mut cursor) {
                    match c.kind() {
                        "string_start" => start = Some(c.end_byte()),
                        "string_end" => end = Some(c.start_byte()),
                        "interpolation" => return None,
                        _ => {}
                    }
                }
                let (s, e) = (start?, end.unwrap_or(node.end_byte()));
                Some(self.src.get(s..e.max(s))?.to_owned())
            }
            "concatenated_string" => {
                let mut out = String::new();
                let mut cursor = node.walk();
                for c in node.named_children(&mut cursor) {
                    out.push_str(&self.string_value(c)?);
                }
                Some(out)
            }
            "binary_operator" => {
                let op = node.child_by_field_name("operator").map(|o| self.text(o));
                if op != Some("+") {
                    return None;
                }
                let l = self.string_value(node.child_by_field_name("left")?)?;
                let r = self.string_value(node.child_by_field_name("right")?)?;
                Some(l + &r)
            }
            "parenthesized_expression" => self.string_value(node.named_child(0)?),
            _ => None,
        }
    }

    fn literal(&self, node: Node, parent: &str) -> Option<Literal> {
        let text = self.string_value(node)?;
        let mut cursor = node.walk();
        let first = if node.kind() == "concatenated_string" {
            node.named_children(&mut cursor).next()?
        } else {
            node
        };
        let start = first
            .child(0)
            .filter(|c| c.kind() == "string_start")
            .map(|c| c.end_byte())
            .unwrap_or(first.start_byte());
        let docstring = parent == "expression_statement";
        Some(Literal {
            start: self.base + start,
            blob: blobs::inspect(&text),
            indicators: if docstring {
                Vec::new()
            } else {
                indicators::find(&text)
            },
            text,
            docstring,
            scope: 0,
            reached: true,
            used_in: Vec::new(),
        })
    }

    fn lookup(&self, node: Node, key: Option<Node>) -> Lookup {
        let name = key.and_then(|k| self.string_value(k));
        Lookup {
            start: self.base + node.start_byte(),
            end: self.base + node.end_byte(),
            exec_like: name.as_deref().is_some_and(|n| EXEC_NAMES.contains(&n)),
            dynamic: name.is_none() && !key.is_some_and(|k| self.scrambled(k)),
            name,
            computed: key.is_none_or(|k| k.kind() != "string"),
            scope: 0,
            reached: true,
        }
    }

    /// Whether `key` computes a name from string literals by code this reader does not
    /// evaluate (`''.join(chr(ord(c) - 3) for c in 'hafh')`, `codecs.decode('rkrp', 'rot13')`,
    /// `'cexe'[::-1]`): it holds a string literal, and every name it uses is bound inside it (a
    /// comprehension's variable), a builtin that transforms text, or a decoding module. A name
    /// from the caller's variables (`getattr(builtins, op_name)`) is how generic code picks a
    /// function, and is not scrambled.
    fn scrambled(&self, key: Node) -> bool {
        const TRANSFORMS: &[&str] = &[
            "chr",
            "ord",
            "str",
            "bytes",
            "bytearray",
            "reversed",
            "map",
            "list",
            "tuple",
            "sorted",
            "int",
            "codecs",
            "base64",
            "binascii",
            "zlib",
            "bz2",
            "lzma",
        ];
        if matches!(key.kind(), "string" | "concatenated_string" | "identifier") {
            return false;
        }
        let mut bound: Vec<&str> = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        let mut has_literal = false;
        let mut stack = vec![key];
        while let Some(n) = stack.pop() {
            match n.kind() {
                "string" => has_literal = true,
                "for_in_clause" => {
                    if let Some(left) = n.child_by_field_name("left") {
                        let mut c = left.walk();
                        if left.kind() == "identifier" {
                            bound.push(self.text(left));
                        }
                        for id in left.named_children(&mut c) {
                            if id.kind() == "identifier" {
                                bound.push(self.text(id));
                            }
                        }
                    }
                }
                "identifier" => names.push(self.text(n)),
                "keyword_argument" => {
                    // `name=` is not a use of `name`
                    if let Some(v) = n.child_by_field_name("value") {
                        stack.push(v);
                    }
                    continue;
                }
                "attribute" => {
                    // `x.join`: only the object is a use of a name
                    if let Some(o) = n.child_by_field_name("object") {
                        stack.push(o);
                    }
                    continue;
                }
                _ => {}
            }
            let mut c = n.walk();
            stack.extend(n.named_children(&mut c));
        }
        has_literal
            && names
                .iter()
                .all(|n| bound.contains(n) || TRANSFORMS.contains(n))
    }

    /// The names a launched command asks pip to install: a command line in one string (split
    /// on whitespace, as the shell does for plain words) or a list of arguments (an element
    /// that is not a literal, such as `sys.executable`, is a word this reader does not know).
    /// After a word naming pip (`pip`, `pip3`, `-m pip`) and `install`, each word up to a
    /// shell separator that is not an option (nor an option's value) is a requirement, whose
    /// name is read up to its first character that cannot be in a name; URLs, paths and
    /// archives are left to the rules that judge them elsewhere.
    ///
    /// `in_process`: `cmd` is the argument list of pip's own entry point called in the process
    /// (`pip.main([...])`, `pip._internal.cli.main.main([...])`), which holds no word naming pip.
    ///
    /// `argv`: `cmd` is a `sys.argv` that pip, run as a module in the process, reads from
    /// its second item (`runpy.run_module("pip")`).
    fn pip_installs(&self, cmd: Node, facts: &mut Facts, in_process: bool, argv: bool) {
        let mut words: Vec<Option<(usize, String)>> = Vec::new();
        if in_process {
            words.push(Some((cmd.start_byte(), "pip".to_owned())));
        }
        match cmd.kind() {
            "list" | "tuple" => {
                let mut c = cmd.walk();
                for e in cmd.named_children(&mut c).skip(usize::from(argv)) {
                    words.push(self.string_value(e).map(|t| (self.content_start(e), t)));
                }
            }
            _ => {
                let Some(text) = self.string_value(cmd) else {
                    return;
                };
                if !text.contains("install") {
                    return;
                }
                let base = self.content_start(cmd);
                let mut at = 0;
                for w in text.split_whitespace() {
                    let i = text[at..].find(w).map_or(at, |i| at + i);
                    at = i + w.len();
                    words.push(Some((base + i, w.to_owned())));
                }
            }
        }
        const VALUED: &[&str] = &[
            "-r",
            "--requirement",
            "-c",
            "--constraint",
            "-e",
            "--editable",
            "-i",
            "--index-url",
            "--extra-index-url",
            "-f",
            "--find-links",
            "-t",
            "--target",
            "--prefix",
            "--root",
            "--src",
            "--trusted-host",
            "--platform",
            "--python-version",
            "--implementation",
            "--abi",
            "--progress-bar",
            "--cache-dir",
            "--log",
            "--proxy",
            "--retries",
            "--timeout",
            "--exists-action",
            "--cert",
            "--client-cert",
            "--upgrade-strategy",
            "--only-binary",
            "--no-binary",
            "--global-option",
            "--config-settings",
            "-C",
        ];
        let is_pip = |w: &str| {
            let base = w.rsplit(['/', '\\']).next().unwrap_or(w);
            let base = base.strip_suffix(".exe").unwrap_or(base);
            base == "pip" || base.starts_with("pip3") || base == "pip2"
        };
        let mut i = 0;
        while i < words.len() {
            let here = words[i].as_ref().map(|(_, w)| w.as_str());
            let next = words
                .get(i + 1)
                .and_then(|w| w.as_ref())
                .map(|(_, w)| w.as_str());
            if !here.is_some_and(is_pip) {
                i += 1;
                continue;
            }
            // pip's general options may stand before the command (`pip -q install x`)
            let mut j = i + 1;
            let mut next = next;
            while let Some(opt) = next.filter(|w| w.starts_with('-')) {
                j += if VALUED.contains(&opt) { 2 } else { 1 };
                next = words
                    .get(j)
                    .and_then(|w| w.as_ref())
                    .map(|(_, w)| w.as_str());
            }
            if next != Some("install") {
                i += 1;
                continue;
            }
            i = j + 1;
            while let Some(word) = words.get(i) {
                i += 1;
                let Some((at, w)) = word else { continue };
                if matches!(w.as_str(), ";" | "&&" | "||" | "|" | "&") {
                    break;
                }
                if w.starts_with('-') {
                    if VALUED.contains(&w.as_str()) {
                        i += 1;
                    }
                    continue;
                }
                if w.contains("://") || w.contains('/') || w.contains('\\') || w.starts_with('.') {
                    continue;
                }
                let name: String = w
                    .trim_matches(['"', '\''])
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                    .collect();
                let lead = w.len() - w.trim_start_matches(['"', '\'']).len();
                if !name.is_empty()
                    && name
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphanumeric())
                {
                    facts.pip_installs.push((at + lead, name));
                }
            }
        }
    }

    /// Where the text of a string literal starts (after its prefix and quotes).
    fn content_start(&self, node: Node) -> usize {
        let mut cursor = node.walk();
        let first = if node.kind() == "concatenated_string" {
            node.named_children(&mut cursor).next().unwrap_or(node)
        } else {
            node
        };
        self.base
            + first
                .child(0)
                .filter(|c| c.kind() == "string_start")
                .map(|c| c.end_byte())
                .unwrap_or(first.start_byte())
    }

    fn positional<'t>(&self, args: Option<Node<'t>>, i: usize) -> Option<Node<'t>> {
        let args = args?;
        let mut cursor = args.walk();
        let found = args
            .named_children(&mut cursor)
            .filter(|c| !matches!(c.kind(), "keyword_argument" | "comment"))
            .nth(i);
        found
    }

    fn keyword<'t>(&self, args: Option<Node<'t>>, name: &str) -> Option<Node<'t>> {
        let args = args?;
        let mut cursor = args.walk();
        let found = args.named_children(&mut cursor).find(|c| {
            c.kind() == "keyword_argument"
                && c.child_by_field_name("name")
                    .is_some_and(|n| self.text(n) == name)
        });
        found.and_then(|k| k.child_by_field_name("value"))
    }

    /// The decoder a call is, if it is one (`base64.b64decode`, `codecs.decode(s, "rot13")`).
    fn decoder(&self, node: Node) -> Option<String> {
        let func = node.child_by_field_name("function")?;
        let args = node.child_by_field_name("arguments");
        let name = match self.dotted(func) {
            Some(n) => n,
            None if func.kind() == "attribute" => {
                format!("….{}", self.text(func.child_by_field_name("attribute")?))
            }
            None => return None,
        };
        let last = name.rsplit('.').next().unwrap_or("");
        // float.fromhex and numpy's are numbers, not bytes (only bytes' and bytearray's count)
        if is_decoder_name(&name) {
            return Some(name);
        }
        if self.decoder_fns.contains_key(&name) {
            return Some(format!(
                "{name}() (which calls {})",
                self.decoder_fns[&name]
            ));
        }
        // codecs.decode(s, "rot13"), s.decode("base64"), s.encode("rot_13")
        let codec_arg = if name == "codecs.decode" || name == "codecs.encode" {
            self.positional(args, 1)
                .or_else(|| self.keyword(args, "encoding"))
        } else if last == "decode" || last == "encode" {
            self.positional(args, 0)
        } else {
            None
        };
        let codec = codec_arg.and_then(|a| self.string_value(a))?;
        let codec = codec.to_ascii_lowercase().replace(['-', '_'], "");
        // encoding to hex or base64 hides nothing; ROT13 is its own inverse
        if (name == "codecs.encode" || last == "encode") && codec != "rot13" {
            return None;
        }
        const CODECS: &[&str] = &[
            "rot13",
            "base64",
            "hex",
            "zlib",
            "bz2",
            "uu",
            "base32",
            "hexcodec",
            "base64codec",
            "zlibcodec",
            "bz2codec",
        ];
        CODECS
            .contains(&codec.as_str())
            .then(|| format!("{name}(…, {codec:?})"))
    }

    /// Whether `node` holds a string literal of [`MIN_PAYLOAD`] or more characters, or a
    /// variable assigned one or what was computed from one.
    /// The arguments of other calls are not looked into: `os.environ.get("PYDEV_PYTEST_SKIP")`
    /// and `open(CACHE_PATH)` name where data comes from, they are not the data.
    fn carries_payload(&self, node: Node) -> bool {
        let mut stack = vec![node];
        let mut seen = 0;
        while let Some(n) = stack.pop() {
            seen += 1;
            if seen > MAX_SUBTREE_NODES {
                return false;
            }
            match n.kind() {
                "string" => {
                    if self
                        .string_value(n)
                        .is_some_and(|v| v.chars().count() >= MIN_PAYLOAD)
                    {
                        return true;
                    }
                    continue;
                }
                "identifier" if self.payload_names.contains(self.text(n)) => return true,
                "call" if self.decoder(n).is_none() && self.char_shift(n).is_none() => continue,
                "function_definition" | "lambda" | "class_definition" if n != node => continue,
                _ => {}
            }
            let mut cursor = n.walk();
            stack.extend(n.children(&mut cursor));
        }
        false
    }

    /// A character shift, `chr(ord(c) - 3)` (a Caesar cipher): `chr` of arithmetic on `ord`.
    /// Counted only where it feeds a sink ([`Self::decoded_by`]): generic code computes
    /// letters this way too.
    fn char_shift(&self, node: Node) -> Option<String> {
        let func = node.child_by_field_name("function")?;
        if self.resolve(func).as_deref() != Some("chr") {
            return None;
        }
        let arg = self.positional(node.child_by_field_name("arguments"), 0)?;
        if arg.kind() != "binary_operator" {
            return None;
        }
        let shifts_ord = self
            .find_in(arg, |n| {
                (n.kind() == "call"
                    && n.child_by_field_name("function")
                        .and_then(|f| self.resolve(f))
                        .as_deref()
                        == Some("ord"))
                .then(String::new)
            })
            .is_some();
        shifts_ord.then(|| format!("a character shift (`{}`)", self.text(node)))
    }

    /// Whether anything in `node` is decoded: a decoder call, a variable holding decoded data,
    /// a character shift ([`Self::char_shift`]) or XOR arithmetic.
    fn decoded_by(&self, node: Node) -> Option<String> {
        self.find_in(node, |n| match n.kind() {
            "call" => self.decoder(n).or_else(|| self.char_shift(n)),
            "identifier" => self
                .tainted
                .get(self.text(n))
                .map(|d| format!("`{}` (from {d})", self.text(n))),
            "binary_operator"
                if n.child_by_field_name("operator")
                    .is_some_and(|o| self.text(o) == "^") =>
            {
                Some("XOR".into())
            }
            _ => None,
        })
    }

    /// The first answer `found` gives for a node of `node`'s subtree, in the code that runs with
    /// it (not the bodies of functions, lambdas and classes it defines); `None` past
    /// [`MAX_SUBTREE_NODES`] nodes.
    fn find_in(&self, node: Node, found: impl Fn(Node) -> Option<String>) -> Option<String> {
        let mut stack = vec![node];
        let mut seen = 0;
        while let Some(n) = stack.pop() {
            seen += 1;
            if seen > MAX_SUBTREE_NODES {
                return None;
            }
            if let Some(answer) = found(n) {
                return Some(answer);
            }
            if n != node
                && matches!(
                    n.kind(),
                    "function_definition" | "lambda" | "class_definition"
                )
            {
                continue;
            }
            let mut cursor = n.walk();
            stack.extend(n.children(&mut cursor));
        }
        None
    }

    fn call(&self, node: Node, ctx: &Ctx, facts: &mut Facts) -> Call {
        let (scope, module_level) = ctx.place();
        let command_class = ctx
            .command_class
            .and_then(|c| c.child_by_field_name("name"))
            .map(|n| self.text(n).to_owned());
        let mut call = Call {
            start: self.base + node.start_byte(),
            end: self.base + node.end_byte(),
            callee: String::new(),
            kinds: 0,
            local_kinds: 0,
            module_level,
            command_class,
            hidden: None,
            decoded_by: None,
            fetched_by: None,
            runs: None,
            scope,
            reached: module_level,
        };
        if node.kind() == "exec_statement" {
            call.callee = "exec".into();
            let code = node.named_child(0);
            self.judge_exec(&mut call, code, facts);
            return call;
        }
        let Some(func) = node.child_by_field_name("function") else {
            return call;
        };
        let args = node.child_by_field_name("arguments");
        // getattr(__builtins__, 'ex' + 'ec')(...) and __builtins__['exec'](...)
        let mut via_lookup = None;
        if func.kind() == "call" || func.kind() == "subscript" {
            let inner = if func.kind() == "call" {
                let f = func.child_by_field_name("function");
                let a = func.child_by_field_name("arguments");
                (f.and_then(|f| self.dotted(f)).as_deref() == Some("getattr"))
                    .then(|| self.positional(a, 1))
                    .flatten()
                    .and_then(|k| self.string_value(k))
            } else {
                func.child_by_field_name("subscript")
                    .and_then(|k| self.string_value(k))
            };
            via_lookup = inner.map(|k| self.bound.get(&k).cloned().unwrap_or(k));
            // getattr(os, "system")(...), getattr(pip, "main")(...): the attribute of a module
            let of_module = func.kind() == "call"
                && self
                    .positional(func.child_by_field_name("arguments"), 0)
                    .is_some_and(|o| !is_builtins(self.text(o), &self.aliases));
            if of_module {
                if let Some(name) = self.resolve(func) {
                    via_lookup = Some(name);
                }
            }
        }
        let callee = match via_lookup {
            Some(name) => name,
            None => self.resolve(func).unwrap_or_default(),
        };
        if callee == "getattr" {
            if let Some(obj) = self.positional(args, 0) {
                if is_builtins(self.text(obj), &self.aliases) {
                    let key = self.positional(args, 1);
                    let mut lookup = self.lookup(node, key);
                    (lookup.scope, lookup.reached) = ctx.place();
                    facts.lookups.push(lookup);
                }
            }
        }
        call.callee = callee.clone();
        let last = callee.rsplit('.').next().unwrap_or("");
        // os.dup2(s.fileno(), 0): a socket made the standard streams, a reverse shell's set-up
        if callee == "os.dup2"
            && self
                .positional(args, 0)
                .is_some_and(|a| self.text(a).contains(".fileno()"))
        {
            call.kinds |= kind::SHELL;
        }
        if EXEC_NAMES.contains(&callee.as_str()) {
            let first = self.positional(args, 0);
            self.judge_exec(&mut call, first, facts);
        }
        // runpy.run_module("pip", run_name="__main__") runs pip in the process on `sys.argv`:
        // a pip launch, whose arguments are read where the file sets `sys.argv` once to a list
        if callee == "runpy.run_module"
            && self
                .positional(args, 0)
                .or_else(|| self.keyword(args, "mod_name"))
                .and_then(|m| self.string_value(m))
                .is_some_and(|m| m == "pip" || m.starts_with("pip."))
        {
            call.kinds |= kind::SPAWN;
            if let Some((argv, whole)) = self.sys_argv(node) {
                self.pip_installs(argv, facts, true, whole);
            }
        }
        // map(exec, codes), threading.Thread(target=f), atexit.register(f)
        if let Some((_, kw, pos)) = RUNNERS.iter().find(|(r, _, _)| *r == callee) {
            let given = (!kw.is_empty())
                .then(|| self.keyword(args, kw))
                .flatten()
                .or_else(|| self.positional(args, *pos));
            let data = if kw.is_empty() {
                self.positional(args, pos + 1)
            } else {
                self.keyword(args, "args")
                    .or_else(|| self.positional(args, pos + 2))
            };
            if let Some(given) = given {
                let inner = self.resolve(given).unwrap_or_default();
                let inner_last = inner.rsplit('.').next().unwrap_or("");
                if EXEC_NAMES.contains(&inner.as_str()) {
                    call.callee = inner.clone();
                    match data {
                        Some(d) => self.judge_exec(&mut call, Some(d), facts),
                        None => call.kinds |= kind::EXEC,
                    }
                } else if is_spawn(&inner, inner_last) {
                    call.kinds |= kind::SPAWN;
                } else if given.kind() == "identifier" {
                    call.runs = Some(inner);
                }
            }
        }
        if self.decoder(node).is_some() {
            call.kinds |= kind::DECODE;
            if args.is_some_and(|a| self.carries_payload(a) || self.fetched_by(a).is_some()) {
                call.kinds |= kind::CARRIED;
            }
        }
        if is_spawn(&callee, last) {
            call.kinds |= kind::SPAWN;
            // os.system(b64decode(...)), subprocess.run(requests.get(u).text, shell=True)
            if let Some(cmd) = self
                .positional(args, 0)
                .or_else(|| self.keyword(args, "args"))
            {
                call.decoded_by = self.decoded_by(cmd);
                // a command that is itself a download's text (`os.system(urlopen(u).read())`);
                // a URL passed as an argument is not
                call.fetched_by = self.fetched_directly(cmd);
                // pip run in the process (`pip.main([...])`) takes pip's arguments alone
                self.pip_installs(cmd, facts, is_pip_main(&callee), false);
                if call.decoded_by.is_some() {
                    call.kinds |= kind::DECODE;
                }
            }
            call.hidden = self.hidden_option(args);
            if call.hidden.is_some() {
                call.kinds |= kind::HIDE;
            }
        }
        if is_network(&callee, last) {
            call.kinds |= kind::NETWORK;
        }
        // `Path(p).chmod(...)`: a method of a call's result has no dotted name
        let method = match func.kind() {
            "attribute" => func
                .child_by_field_name("attribute")
                .map_or("", |a| self.text(a)),
            _ => last,
        };
        if method == "chmod" {
            let mode = self
                .positional(
                    args,
                    if func.kind() == "attribute" && !callee.starts_with("os.") {
                        0
                    } else {
                        1
                    },
                )
                .or_else(|| self.keyword(args, "mode"));
            if mode.is_some_and(|m| sets_exec_bit(self.text(m))) {
                call.kinds |= kind::MAKE_EXEC;
            }
        }
        if callee.starts_with("tempfile.") {
            call.kinds |= kind::TEMP;
        }
        if matches!(callee.as_str(), "os.getenv" | "os.environ.get") {
            let v = self
                .positional(args, 0)
                .and_then(|a| self.string_value(a))
                .unwrap_or_default();
            if matches!(
                v.as_str(),
                "TEMP" | "TMP" | "TMPDIR" | "APPDATA" | "LOCALAPPDATA"
            ) {
                call.kinds |= kind::TEMP;
            }
        }
        let writes = match callee.as_str() {
            "open" | "io.open" | "os.open" => {
                let mode = self
                    .positional(args, 1)
                    .or_else(|| self.keyword(args, "mode"))
                    .map(|m| self.text(m))
                    .unwrap_or("");
                mode.contains(['w', 'a', 'x']) || mode.contains("O_WRONLY")
            }
            _ => {
                matches!(last, "write_bytes" | "write_text" | "copyfile" | "copy2")
                    || (last == "write" && func.kind() == "attribute")
            }
        };
        if writes {
            call.kinds |= kind::WRITE;
        }
        call
    }

    /// A decorated function that runs without a call in this file: registered with
    /// `@atexit.register`, or an autouse fixture of a `conftest.py`; its name's range and name.
    fn auto_run(
        &self,
        node: Node,
        ctx: &Ctx,
        role: Role,
    ) -> Option<(std::ops::Range<usize>, String)> {
        if ctx.in_function || ctx.main_guard {
            return None;
        }
        let def = node.child_by_field_name("definition")?;
        let name = def.child_by_field_name("name")?;
        if def.kind() != "function_definition" {
            return None;
        }
        let mut cursor = node.walk();
        let runs = node.named_children(&mut cursor).any(|d| {
            if d.kind() != "decorator" {
                return false;
            }
            let Some(e) = d.named_child(0) else {
                return false;
            };
            let (f, call) = match e.kind() {
                "call" => (e.child_by_field_name("function"), true),
                _ => (Some(e), false),
            };
            let f = f.and_then(|f| self.resolve(f)).unwrap_or_default();
            f == "atexit.register"
                || (role == Role::Conftest
                    && call
                    && f.ends_with("fixture")
                    && self.text(e).replace(' ', "").contains("autouse=True"))
        });
        runs.then(|| (name.byte_range(), self.text(name).to_owned()))
    }

    /// What an expression names, followed through imports, assignments of sinks, `getattr`,
    /// builtins and `globals()`/`vars()` look-ups and `functools.partial`: `exec` for
    /// `getattr(builtins, "exec")`, `os.system` for `partial(os.system, cmd)`.
    fn resolve(&self, node: Node) -> Option<String> {
        self.resolve_at(node, 0)
    }

    fn resolve_at(&self, node: Node, depth: usize) -> Option<String> {
        if depth > MAX_RESOLVE_DEPTH {
            return None;
        }
        let resolve = |n: Node| self.resolve_at(n, depth + 1);
        match node.kind() {
            "identifier" | "attribute" => self.dotted(node),
            "parenthesized_expression" => resolve(node.named_child(0)?),
            "call" => {
                let f = self.dotted(node.child_by_field_name("function")?)?;
                let args = node.child_by_field_name("arguments");
                if f == "getattr" {
                    let obj = self.positional(args, 0)?;
                    let name = self.string_value(self.positional(args, 1)?)?;
                    if is_builtins(self.text(obj), &self.aliases) {
                        return Some(name);
                    }
                    let obj = resolve(obj)?;
                    return Some(format!("{obj}.{name}"));
                }
                if f == "functools.partial" || f == "partial" {
                    return resolve(self.positional(args, 0)?);
                }
                None
            }
            "subscript" => {
                let value = node.child_by_field_name("value")?;
                let key = self.string_value(node.child_by_field_name("subscript")?)?;
                let v = self.text(value);
                let scope = is_builtins(v, &self.aliases)
                    || matches!(v, "globals()" | "locals()" | "vars()")
                    || v.starts_with("vars(")
                    || v.ends_with("['__builtins__']")
                    || v.ends_with("[\"__builtins__\"]");
                if !scope {
                    return None;
                }
                Some(self.bound.get(&key).cloned().unwrap_or(key))
            }
            _ => None,
        }
    }

    /// Whether anything in `node` reads the network: a network call, or a variable holding
    /// what one returned.
    fn fetched_by(&self, node: Node) -> Option<String> {
        self.fetched_directly(node).or_else(|| {
            self.find_in(node, |n| {
                (n.kind() == "identifier")
                    .then(|| self.fetched.get(self.text(n)))
                    .flatten()
                    .map(|by| format!("{by} (through `{}`)", self.text(n)))
            })
        })
    }

    /// Whether `node` itself calls the network (no variables followed).
    fn fetched_directly(&self, node: Node) -> Option<String> {
        self.find_in(node, |n| {
            if n.kind() != "call" {
                return None;
            }
            let f = self.dotted(n.child_by_field_name("function")?)?;
            let last = f.rsplit('.').next().unwrap_or("");
            is_network(&f, last).then(|| format!("`{f}`"))
        })
    }

    /// Records what an assignment `name = value` binds: a path (`value`'s last string
    /// literal, for a short call or string built plainly), or a file opened from one
    /// (`open(...)`).
    fn note_path(&mut self, name: &str, value: Node) {
        if !matches!(
            value.kind(),
            "call" | "string" | "concatenated_string" | "binary_operator"
        ) || value.byte_range().len() > 4096
        {
            return;
        }
        if let Some(from) = self.opened_from(value) {
            self.opened.insert(name.to_owned(), from);
        } else if let Some(path) = self
            .plain_path(value)
            .then(|| self.last_string(value))
            .flatten()
        {
            self.paths.insert(name.to_owned(), path);
        }
    }

    /// Counts a binding of every identifier in `node` (a target, parameters): over-counting
    /// only makes a name ambiguous, which is safe.
    fn bind_all(&mut self, node: Node) {
        let names: Vec<String> = subtree(node)
            .filter(|n| n.kind() == "identifier")
            .map(|n| self.text(n).to_owned())
            .collect();
        for name in names {
            *self.bindings.entry(name).or_default() += 1;
        }
    }

    /// The list or tuple this file sets `sys.argv` to, when it sets it once and changes it
    /// nowhere else (no other assignment, no `sys.argv.append(...)` or other method call), and
    /// whether it is the whole `sys.argv` (`sys.argv = [...]`, whose first item is the program's
    /// name) or what follows its first item (`sys.argv[1:] = [...]`).
    /// Found once per file (a file may call `run_module` many times); a file too large to walk
    /// whole has no `sys.argv` read.
    fn sys_argv<'t>(&self, from: Node<'t>) -> Option<(Node<'t>, bool)> {
        let mut root = from;
        while let Some(p) = root.parent() {
            root = p;
        }
        let (start, end, whole) = (*self.argv.get_or_init(|| self.find_sys_argv(root)))?;
        let list = root.descendant_for_byte_range(start, end)?;
        matches!(list.kind(), "list" | "tuple").then_some((list, whole))
    }

    /// [`Self::sys_argv`]'s search of the whole file from `root`: the list's byte range.
    fn find_sys_argv(&self, root: Node) -> Option<(usize, usize, bool)> {
        let mut changes = 0;
        let mut found = None;
        let mut walked = 0;
        for n in subtree(root) {
            walked += 1;
            match n.kind() {
                "assignment" | "augmented_assignment" => {
                    let Some(left) = n.child_by_field_name("left") else {
                        continue;
                    };
                    let sliced = left.kind() == "subscript";
                    let target = if sliced {
                        left.child_by_field_name("value")
                    } else {
                        Some(left)
                    };
                    if target.and_then(|t| self.dotted(t)).as_deref() == Some("sys.argv") {
                        changes += 1;
                        let whole = !sliced;
                        found = n
                            .child_by_field_name("right")
                            .filter(|r| {
                                n.kind() == "assignment"
                                    && matches!(r.kind(), "list" | "tuple")
                                    && (whole || self.text(left).replace(' ', "").ends_with("[1:]"))
                            })
                            .map(|r| (r.start_byte(), r.end_byte(), whole));
                    }
                }
                "call" => {
                    let method = n
                        .child_by_field_name("function")
                        .and_then(|f| self.dotted(f))
                        .is_some_and(|f| f.starts_with("sys.argv."));
                    if method {
                        changes += 1;
                    }
                }
                _ => {}
            }
        }
        (changes == 1 && walked < MAX_SUBTREE_NODES)
            .then_some(found)
            .flatten()
    }

    /// Whether `name` is bound once in the whole file.
    fn bound_once(&self, name: &str) -> bool {
        self.bindings.get(name) == Some(&1)
    }

    /// What names the path `node` opens, when it is `open(...)` (or `io.open`, `codecs.open`):
    /// a path expression whose last string literal names the file (`join(here, "x.dat")`; no
    /// list, subscript, condition or f-string, which could pick another), or a variable. A
    /// variable is looked up only when the file is read ([`Reader::opened_path`]), once the
    /// whole file has been walked: a later rebinding then makes it unknown.
    fn opened_from(&self, node: Node) -> Option<Opened> {
        if node.kind() != "call" {
            return None;
        }
        let f = self.text(node.child_by_field_name("function")?);
        if !matches!(f, "open" | "io.open" | "codecs.open") {
            return None;
        }
        let arg = self.positional(node.child_by_field_name("arguments"), 0)?;
        if arg.kind() == "identifier" {
            return Some(Opened::Var(self.text(arg).to_owned()));
        }
        self.plain_path(arg)
            .then(|| self.last_string(arg))
            .flatten()
            .map(Opened::Path)
    }

    /// The path `from` names: a variable's only when it is bound once, to a path.
    fn opened_path(&self, from: &Opened) -> Option<String> {
        match from {
            Opened::Path(path) => Some(path.clone()),
            Opened::Var(name) => self
                .paths
                .get(name)
                .filter(|_| self.bound_once(name))
                .cloned(),
        }
    }

    /// Whether `node` is a path built plainly (literals, names, attribute calls, `/` and `+`):
    /// nothing in it chooses between strings.
    fn plain_path(&self, node: Node) -> bool {
        let mut nodes = 0;
        let choosing = subtree(node).any(|n| {
            nodes += 1;
            matches!(
                n.kind(),
                "list"
                    | "tuple"
                    | "set"
                    | "dictionary"
                    | "subscript"
                    | "slice"
                    | "conditional_expression"
                    | "boolean_operator"
                    | "lambda"
                    | "interpolation"
                    | "list_comprehension"
                    | "set_comprehension"
                    | "dictionary_comprehension"
                    | "generator_expression"
                    | "named_expression"
                    | "list_splat"
                    | "dictionary_splat"
            )
        });
        // a path too large to walk whole is not plain
        !choosing && nodes < MAX_SUBTREE_NODES
    }

    /// The file whose text `node` reads: `open(p).read()`, `f.read()` with `f` opened here.
    fn read_file(&self, node: Node) -> Option<String> {
        if node.kind() != "call" {
            return None;
        }
        let func = node.child_by_field_name("function")?;
        if func.kind() != "attribute"
            || func
                .child_by_field_name("attribute")
                .is_none_or(|a| self.text(a) != "read")
        {
            return None;
        }
        let object = func.child_by_field_name("object")?;
        match object.kind() {
            "identifier" => {
                let name = self.text(object);
                let from = self.opened.get(name).filter(|_| self.bound_once(name))?;
                self.opened_path(from)
            }
            _ => self.opened_path(&self.opened_from(object)?),
        }
    }

    /// The last string literal in `node`, in source order (`open(join(here, "x.dat"))`).
    fn last_string(&self, node: Node) -> Option<String> {
        let mut found: Option<(usize, String)> = None;
        let mut stack = vec![node];
        let mut seen = 0;
        while let Some(n) = stack.pop() {
            seen += 1;
            if seen > MAX_SUBTREE_NODES {
                break;
            }
            if n.kind() == "string" {
                if let Some(v) = self.string_value(n) {
                    if found.as_ref().is_none_or(|(at, _)| n.start_byte() > *at) {
                        found = Some((n.start_byte(), v));
                    }
                }
                continue;
            }
            let mut cursor = n.walk();
            stack.extend(n.children(&mut cursor));
        }
        found.map(|(_, v)| v)
    }

    /// Marks an `exec`-like call: executing a literal or a file's text (`exec(open(p).read())`,
    /// how setup.py files read a version) is ordinary; anything else can run anything.
    fn judge_exec(&self, call: &mut Call, first: Option<Node>, facts: &mut Facts) {
        let Some(first) = first else { return };
        if let Some(path) = self.string_value(first) {
            // runpy.run_path('LICENSE.txt') runs that file as Python: it is read as Python
            if call.callee == "runpy.run_path" && !path.ends_with(".py") {
                facts.code_files.push((call.start..call.end, path));
            }
            return;
        }
        // how setup.py files read a version; a file that is not Python is read as code,
        // whether opened in place or through a variable (`with open(p) as f: exec(f.read())`)
        if let Some(path) = self.read_file(first) {
            if !path.ends_with(".py") {
                facts.code_files.push((call.start..call.end, path));
            }
            return;
        }
        // a file squatguard cannot name (a path chosen at run time, a name bound twice): it can
        // run anything, as any other argument can
        call.decoded_by = self.decoded_by(first);
        // a deserializer fed decoded data is how caches and sessions are stored (Django's
        // `pickle.loads(zlib.decompress(f.read()))`); only a payload the file carries counts
        if DESERIALIZERS.contains(&call.callee.as_str()) && !self.carries_payload(first) {
            call.decoded_by = None;
        }
        call.fetched_by = self.fetched_by(first);
        if call.decoded_by.is_some() {
            call.kinds |= kind::DECODE | kind::EXEC;
        } else if call.fetched_by.is_some() {
            call.kinds |= kind::NETWORK | kind::EXEC;
        } else if !call.callee.ends_with("__import__") && call.callee != "importlib.import_module" {
            // a dynamic `__import__(name)` imports installed code, as plugin loaders do
            call.kinds |= kind::EXEC;
        }
    }

    fn hidden_option(&self, args: Option<Node>) -> Option<String> {
        if let Some(v) = self.keyword(args, "creationflags") {
            let t = self.text(v);
            for flag in [
                "DETACHED_PROCESS",
                "CREATE_NO_WINDOW",
                "CREATE_NEW_PROCESS_GROUP",
                "0x00000008",
                "0x08000000",
            ] {
                if t.contains(flag) {
                    return Some(format!("creationflags={flag}"));
                }
            }
        }
        if self
            .keyword(args, "start_new_session")
            .is_some_and(|v| self.text(v) == "True")
        {
            return Some("start_new_session=True".into());
        }
        if let Some(v) = self.keyword(args, "preexec_fn") {
            let t = self.text(v);
            if ["setpgrp", "setsid", "setpgid"]
                .iter()
                .any(|f| t.contains(f))
            {
                return Some(format!("preexec_fn={t}"));
            }
        }
        None
    }
}

/// What names the path of an opened file ([`Reader::opened_from`]).
enum Opened {
    /// The path, read from a literal.
    Path(String),
    /// A variable holding it.
    Var(String),
}

/// The named nodes of `node`'s subtree, `node` first, at most [`MAX_SUBTREE_NODES`] of them.
fn subtree(node: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    let mut stack = vec![node];
    let mut seen = 0;
    std::iter::from_fn(move || {
        if seen >= MAX_SUBTREE_NODES {
            return None;
        }
        let n = stack.pop()?;
        seen += 1;
        let mut cursor = n.walk();
        stack.extend(n.named_children(&mut cursor));
        Some(n)
    })
}

/// Whether `callee` (resolved through the imports) runs pip in the calling process: its entry
/// points, which take an argument list (`pip.main` before pip 10, `pip._internal.main`,
/// `pip._internal.main.main`, `pip._internal.cli.main.main`), and its command classes
/// (`pip._internal.commands.create_command`, `...install.InstallCommand`).
fn is_pip_main(callee: &str) -> bool {
    matches!(
        callee,
        "pip.main"
            | "pip._internal.main"
            | "pip._internal.main.main"
            | "pip._internal.cli.main.main"
    ) || callee.starts_with("pip._internal.commands")
}

fn is_spawn(callee: &str, last: &str) -> bool {
    const SUBPROCESS: &[&str] = &[
        "Popen",
        "run",
        "call",
        "check_call",
        "check_output",
        "getoutput",
        "getstatusoutput",
    ];
    (callee.starts_with("subprocess.") && SUBPROCESS.contains(&last))
        || (callee.starts_with("os.")
            && (matches!(last, "system" | "popen" | "startfile")
                || last.starts_with("exec")
                || last.starts_with("spawn")
                || last.starts_with("posix_spawn")))
        || matches!(
            callee,
            "pty.spawn"
                | "asyncio.create_subprocess_exec"
                | "asyncio.create_subprocess_shell"
                | "commands.getoutput"
        )
        // pip run in the process installs and runs packages as a launched pip does
        || is_pip_main(callee)
}

/// The modules whose calls [`is_network`] knows.
const NETWORK_MODULES: &[&str] = &[
    "urllib",
    "http",
    "socket",
    "requests",
    "httpx",
    "aiohttp",
    "ftplib",
    "smtplib",
    "telnetlib",
];

fn is_network(callee: &str, last: &str) -> bool {
    const HTTP: &[&str] = &[
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "request",
        "Session",
        "Client",
        "AsyncClient",
        "stream",
    ];
    let module = callee.split('.').next().unwrap_or("");
    matches!(
        callee,
        "urllib.request.urlopen"
            | "urllib.request.urlretrieve"
            | "urllib.request.Request"
            | "urllib.urlopen"
            | "urllib.urlretrieve"
            | "urllib2.urlopen"
            | "http.client.HTTPConnection"
            | "http.client.HTTPSConnection"
            | "httplib.HTTPConnection"
            | "httplib.HTTPSConnection"
            | "socket.socket"
            | "socket.create_connection"
            | "urllib3.PoolManager"
            | "aiohttp.ClientSession"
            | "ftplib.FTP"
            | "smtplib.SMTP"
            | "smtplib.SMTP_SSL"
            | "telnetlib.Telnet"
    ) || (matches!(module, "requests" | "httpx")
        && HTTP.contains(&last)
        && callee.matches('.').count() == 1)
}

/// Bidirectional control characters (Trojan Source, CVE-2021-42574).
fn is_bidi_control(c: char) -> bool {
    // embeddings, overrides and isolates reorder text; the marks (U+200E, U+200F, U+061C) only
    // attach direction to neutral characters, as right-to-left locale data needs
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(src: &str) -> Vec<Call> {
        analyse(src, 0).calls
    }

    #[test]
    fn decode_then_exec_through_a_variable() {
        let c = calls(
            "import base64 as b\ns = b.b64decode(x).decode()\nexec(compile(s, '', 'exec'))\n",
        );
        let exec = c.iter().find(|c| c.callee == "exec").unwrap();
        assert!(exec
            .decoded_by
            .as_deref()
            .unwrap()
            .contains("base64.b64decode"));
    }

    #[test]
    fn marshal_of_decompressed_data_is_decode_exec() {
        let c = calls("import marshal, zlib\nexec(marshal.loads(zlib.decompress(b)))\n");
        let m = c.iter().find(|c| c.callee == "marshal.loads").unwrap();
        assert_eq!(m.decoded_by.as_deref(), Some("zlib.decompress"));
    }

    #[test]
    fn decoder_functions_and_xor_count_as_decoding() {
        let src = "import base64\ndef unpack(s):\n    return base64.b64decode(s)\neval(unpack(x))\nexec(bytes(b ^ 7 for b in d))\n";
        let c = calls(src);
        let by = |name: &str| {
            c.iter()
                .find(|c| c.callee == name)
                .unwrap()
                .decoded_by
                .clone()
        };
        assert!(by("eval").unwrap().contains("unpack"));
        assert_eq!(by("exec").as_deref(), Some("XOR"));
    }

    #[test]
    fn literal_and_file_exec_and_dynamic_imports_are_not_exec() {
        let c = calls("exec('x = 1')\nexec(open('pkg/version.py').read())\n__import__(name)\n");
        assert!(c.iter().all(|c| c.kinds & kind::EXEC == 0), "{c:?}");
    }

    #[test]
    fn codecs_decode_of_text_is_not_decoding() {
        let c = calls("import codecs\ncodecs.decode(b, 'utf-8')\ncodecs.decode(s, 'rot13')\n");
        assert_eq!(c[0].kinds & kind::DECODE, 0);
        assert_ne!(c[1].kinds & kind::DECODE, 0);
    }

    #[test]
    fn methods_named_eval_are_not_eval() {
        let c = calls("model.eval()\nast.literal_eval(s)\n");
        assert!(c.iter().all(|c| c.kinds == 0));
    }

    #[test]
    fn module_level_call_to_a_local_function_carries_its_kinds() {
        let c = calls("import subprocess\ndef _init():\n    subprocess.Popen(['x'])\n_init()\n");
        let init = c.iter().find(|c| c.callee == "_init").unwrap();
        assert!(init.module_level);
        assert_ne!(init.local_kinds & kind::SPAWN, 0);
    }

    #[test]
    fn hidden_launch_options() {
        let c = calls("from subprocess import Popen\nPopen(c, preexec_fn=os.setpgrp)\n");
        assert_eq!(c[0].hidden.as_deref(), Some("preexec_fn=os.setpgrp"));
    }

    #[test]
    fn sinks_are_followed_through_aliases_and_look_ups() {
        for src in [
            "import base64\n_run = exec\n_run(base64.b64decode(x))\n",
            "import base64, builtins\ne = getattr(builtins, 'exec')\ne(base64.b64decode(x))\n",
            "import base64, functools\nf = functools.partial(exec)\nf(base64.b64decode(x))\n",
            "import base64\n_run = exec\nglobals()['_run'](base64.b64decode(x))\n",
            "import base64, builtins\nvars(builtins)['exec'](base64.b64decode(x))\n",
            "import base64\nlist(map(exec, [base64.b64decode(x)]))\n",
        ] {
            let c = calls(src);
            assert!(
                c.iter()
                    .any(|c| c.callee == "exec" && c.decoded_by.is_some()),
                "{src}: {c:?}"
            );
        }
        let c = calls("s = __import__('os').system\ns('id')\n");
        assert!(c
            .iter()
            .any(|c| c.callee == "os.system" && c.kinds & kind::SPAWN != 0));
    }

    #[test]
    fn chmod_modes_with_an_execute_bit() {
        for (mode, exec) in [
            ("0o755", true),
            ("0o644", false),
            ("493", true),
            ("420", false),
            ("stat.S_IXUSR | stat.S_IRUSR", true),
            ("st.st_mode | stat.S_IEXEC", true),
            ("0o600", false),
        ] {
            assert_eq!(sets_exec_bit(mode), exec, "{mode}");
        }
        let c = calls("import os, pathlib\nos.chmod(p, 0o755)\npathlib.Path(p).chmod(0o700)\nos.chmod(p, 0o644)\n");
        let made: Vec<bool> = c
            .iter()
            .filter(|c| c.callee.ends_with("chmod") || c.callee.is_empty())
            .map(|c| c.kinds & kind::MAKE_EXEC != 0)
            .collect();
        assert_eq!(made, [true, true, false]);
    }

    #[test]
    fn main_guards_cover_their_body_only() {
        let c = calls("import os\nif __name__ == '__main__':\n    os.system('a')\nelse:\n    os.system('b')\n");
        let levels: Vec<bool> = c.iter().map(|c| c.module_level).collect();
        assert_eq!(levels, [false, true]);
    }

    #[test]
    fn deep_call_chains_do_not_overflow() {
        let src = format!("x = f{}\ny = a{}\n", "()".repeat(5000), ".b()".repeat(5000));
        assert!(!calls(&src).is_empty());
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let src = format!("x = {}1{}\n", "(".repeat(5000), ")".repeat(5000));
        let facts = analyse(&src, 0);
        assert!(facts.too_deep.is_some());
    }
}
