//! Where a setup.py changes a name in ways the evaluator ([`super::eval`]) does not follow:
//! such a name's value is unresolved, never the value the modelled statements alone give.
//!
//! The evaluator reads assignments, augmented assignments and a few list and dict methods on a
//! name, in source order, before the `setup()` call. Python can also change a list through
//! another name bound to it (`B = A; B.append(x)` changes `A`), inside a function that runs
//! later (`def f(): A.append(x)` then `f()`), by `global` in a function, by `:=`, by a `case`
//! capture, by any method or any function the list is handed to (`A.__iadd__(x)`,
//! `mutate(A)`), or through `globals()`, `exec` and the like. Each of those is found here, over
//! the whole file: a name it touches is still judged by what the modelled statements give, with
//! a note naming the place, so that a value squatguard shows is never presented as the whole of
//! what Python would compute.

use super::eval::{identifiers_in, kids};
use std::collections::HashMap;
use std::ops::Range;
use tree_sitter::Node;

/// Methods the evaluator applies to a name (see `Reader::exec_method_call`).
const MODELED_METHODS: &[&str] = &["append", "add", "extend", "insert", "update", "setdefault"];

/// Methods that do not change the object they are called on (of `str`, `list`, `dict` and file
/// objects), or only take from it (`remove`, `sort`: the evaluator keeps what they take, which
/// adds nothing Python would not install), and whose arguments they do not change.
const PURE_METHODS: &[&str] = &[
    "remove",
    "pop",
    "sort",
    "reverse",
    "clear",
    "discard",
    "popitem",
    "copy",
    "get",
    "keys",
    "values",
    "items",
    "split",
    "rsplit",
    "strip",
    "lstrip",
    "rstrip",
    "splitlines",
    "read",
    "readlines",
    "readline",
    "format",
    "join",
    "startswith",
    "endswith",
    "lower",
    "upper",
    "replace",
    "count",
    "index",
    "find",
    "rfind",
    "encode",
    "decode",
    "partition",
    "rpartition",
    "casefold",
    "title",
    "close",
    "exists",
    "isfile",
    "isdir",
    "dirname",
    "abspath",
    "realpath",
    "basename",
];

/// Builtins that do not change their arguments and return nothing through which they could be
/// changed later (`getattr(A, "append")`, `map(...)` and `iter(A)` hand `A` on).
const PURE_FUNCTIONS: &[&str] = &[
    "list",
    "tuple",
    "sorted",
    "set",
    "frozenset",
    "dict",
    "str",
    "len",
    "print",
    "isinstance",
    "any",
    "all",
    "min",
    "max",
    "sum",
    "repr",
    "bool",
    "int",
    "float",
    "range",
    "setup",
];

/// Calls that reach any name by its text: after one, no name's value is known.
const DYNAMIC: &[&str] = &[
    "globals",
    "locals",
    "vars",
    "exec",
    "eval",
    "setattr",
    "delattr",
    "__import__",
    "compile",
    "execfile",
    "__setattr__",
    "__dict__",
];

/// What [`find`] found.
#[derive(Debug, Default)]
pub(super) struct Escapes {
    /// Names changed where the evaluator does not follow, each with the first place.
    pub(super) names: HashMap<String, usize>,
    /// A call that reaches names by their text (`globals()`, `exec`), if any.
    pub(super) everything: Option<usize>,
    /// Names changed in place inside a function or lambda, with the place and the function's
    /// range: unresolved unless the `setup()` call is in that same function (whose statements
    /// before the call the evaluator reads).
    pub(super) in_functions: Vec<(String, usize, Range<usize>)>,
}

impl Escapes {
    /// Where `name` escapes the evaluator, for a `setup()` call at `call_at`.
    pub(super) fn of(&self, name: &str, call_at: usize) -> Option<usize> {
        if let Some(at) = self.everything {
            return Some(at);
        }
        if let Some(&at) = self.names.get(name) {
            return Some(at);
        }
        self.in_functions
            .iter()
            .find(|(n, _, f)| n == name && !f.contains(&call_at))
            .map(|(_, at, _)| *at)
    }
}

/// Walks the whole tree once. `setup_calls` are the byte ranges of the file's `setup()` calls
/// (the reader's own `scan`): what stands inside them is evaluated there, only read.
pub(super) fn find(root: Node<'_>, text: &str, setup_calls: &[Range<usize>]) -> Escapes {
    let src = |n: Node<'_>| text.get(n.byte_range()).unwrap_or("");
    let mut out = Escapes::default();
    // names changed in place at module level (modelled there), and names bound to another name
    let mut mutated: HashMap<String, usize> = HashMap::new();
    let mut aliases: Vec<(String, String, usize)> = Vec::new();
    // the functions, lambdas and classes around the node walked (pre-order: an enclosing one
    // ends after it starts)
    let mut scopes: Vec<Range<usize>> = Vec::new();
    let mut cursor = root.walk();
    'walk: loop {
        let node = cursor.node();
        let at = node.start_byte();
        let in_setup_call = setup_calls.iter().any(|r| r.contains(&at));
        while scopes.last().is_some_and(|r| r.end <= at) {
            scopes.pop();
        }
        let scope = scopes.last().cloned();
        if matches!(
            node.kind(),
            "function_definition" | "lambda" | "class_definition"
        ) {
            scopes.push(node.byte_range());
        }
        match node.kind() {
            "named_expression" => {
                if let Some(name) = node.child_by_field_name("name") {
                    taint(&mut out, src(name), at);
                }
            }
            "global_statement" | "nonlocal_statement" => {
                for ident in identifiers_in(node) {
                    taint(&mut out, src(ident), at);
                }
            }
            "case_pattern" => {
                for ident in identifiers_in(node) {
                    taint(&mut out, src(ident), at);
                }
            }
            "call" => {
                let func = node.child_by_field_name("function");
                let args = node
                    .child_by_field_name("arguments")
                    .map(kids)
                    .unwrap_or_default();
                // whether the call may change the names it is given
                let mut hands_over = true;
                match func {
                    Some(f) if f.kind() == "identifier" => {
                        let name = src(f);
                        // `exec(code, about)` runs in the dict it is given (handed over below)
                        let own_globals =
                            matches!(name, "exec" | "eval" | "execfile") && args.len() >= 2;
                        if DYNAMIC.contains(&name) && !own_globals {
                            out.everything.get_or_insert(at);
                        }
                        hands_over = !PURE_FUNCTIONS.contains(&name);
                    }
                    Some(f) if f.kind() == "attribute" => {
                        let method = f.child_by_field_name("attribute").map(src).unwrap_or("");
                        if DYNAMIC.contains(&method) {
                            out.everything.get_or_insert(at);
                        }
                        let object = f.child_by_field_name("object");
                        // `(A).append(x)`: the evaluator follows only a plain name
                        let wrapped = object
                            .filter(|o| o.kind() == "parenthesized_expression")
                            .map(identifiers_in)
                            .unwrap_or_default();
                        for ident in wrapped {
                            taint(&mut out, src(ident), at);
                        }
                        if let Some(object) = object.filter(|o| o.kind() == "identifier") {
                            let receiver = src(object);
                            // followed only as a statement of its own (`A.append(x)`), not
                            // inside an expression (`_ = A.append(x)`, a comprehension)
                            let statement = node
                                .parent()
                                .is_some_and(|p| p.kind() == "expression_statement");
                            if MODELED_METHODS.contains(&method) && statement {
                                note_mutation(&mut out, &mut mutated, scope.clone(), receiver, at);
                            } else if !PURE_METHODS.contains(&method) && method != "setup" {
                                taint(&mut out, receiver, at);
                            }
                        }
                        // `list.append(A, x)` changes its first argument
                        hands_over = !(PURE_METHODS.contains(&method) || method == "setup");
                    }
                    _ => {}
                }
                // inside setup()'s own arguments a call is evaluated where it stands
                if hands_over && !in_setup_call {
                    for arg in args {
                        let value = match arg.kind() {
                            "keyword_argument" => arg.child_by_field_name("value"),
                            "list_splat" | "dictionary_splat" => kids(arg).into_iter().next(),
                            _ => Some(arg),
                        };
                        if let Some(v) = value.filter(|v| v.kind() == "identifier") {
                            taint(&mut out, src(v), at);
                        }
                    }
                }
            }
            "attribute" => {
                let object = node.child_by_field_name("object");
                let attr = node.child_by_field_name("attribute").map(src).unwrap_or("");
                if object.is_some_and(|o| src(o) == "sys") && attr == "modules" {
                    out.everything.get_or_insert(at);
                }
                // `f = A.append`, `map(A.append, ...)`: a method taken to be called elsewhere
                let called = node.parent().is_some_and(|p| {
                    p.kind() == "call" && p.child_by_field_name("function") == Some(node)
                });
                if let Some(o) = object.filter(|o| o.kind() == "identifier") {
                    if !called && !PURE_METHODS.contains(&attr) && !in_setup_call {
                        taint(&mut out, src(o), at);
                    }
                }
            }
            // a name held in a container can be changed through it (`C = [A]`,
            // `C[0].append(x)`); inside setup()'s own arguments it is only read
            "list" | "tuple" | "set" | "expression_list" | "pair" if !in_setup_call => {
                let values = if node.kind() == "pair" {
                    node.child_by_field_name("value").into_iter().collect()
                } else {
                    kids(node)
                };
                for v in values.into_iter().filter(|v| v.kind() == "identifier") {
                    taint(&mut out, src(v), at);
                }
            }
            "augmented_assignment" => {
                if let Some(left) = node
                    .child_by_field_name("left")
                    .filter(|l| l.kind() == "identifier")
                {
                    note_mutation(&mut out, &mut mutated, scope.clone(), src(left), at);
                }
            }
            "assignment" | "delete_statement" => {
                let targets = if node.kind() == "assignment" {
                    node.child_by_field_name("left").into_iter().collect()
                } else {
                    kids(node)
                };
                for target in targets {
                    // `A[i] = x`, `A[:] = x`, `del A[i]`: a change in place of `A`
                    if matches!(target.kind(), "subscript" | "attribute") {
                        let object = target
                            .child_by_field_name("value")
                            .or_else(|| target.child_by_field_name("object"));
                        if let Some(o) = object.filter(|o| o.kind() == "identifier") {
                            note_mutation(&mut out, &mut mutated, scope.clone(), src(o), at);
                        }
                    }
                }
                if node.kind() == "assignment" {
                    // `A = B = [...]`: one list under two names
                    let chained = node
                        .child_by_field_name("right")
                        .filter(|r| r.kind() == "assignment");
                    if let Some(inner) = chained {
                        for n in [node, inner] {
                            if let Some(l) = n
                                .child_by_field_name("left")
                                .filter(|l| l.kind() == "identifier")
                            {
                                taint(&mut out, src(l), at);
                            }
                        }
                    }
                    if let (Some(left), Some(right)) = (
                        node.child_by_field_name("left")
                            .filter(|l| l.kind() == "identifier"),
                        node.child_by_field_name("right")
                            .filter(|r| r.kind() == "identifier"),
                    ) {
                        aliases.push((src(left).to_owned(), src(right).to_owned(), at));
                    }
                }
            }
            _ => {}
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
    // `B = A` makes one list of two names: a change through either is a change of both, which
    // the evaluator (one value per name) does not follow
    for (left, right, at) in aliases {
        let changed =
            |n: &str| mutated.contains_key(n) || out.in_functions.iter().any(|(m, _, _)| m == n);
        if changed(&left) || changed(&right) {
            taint(&mut out, &left, at);
            taint(&mut out, &right, at);
        }
    }
    out
}

fn taint(out: &mut Escapes, name: &str, at: usize) {
    out.names.entry(name.to_owned()).or_insert(at);
}

/// A change in place of `name` at `at`, inside `scope` (the innermost function, lambda or class
/// around it): there it runs when that is called, which the evaluator does not follow; at
/// module level it is modelled.
fn note_mutation(
    out: &mut Escapes,
    mutated: &mut HashMap<String, usize>,
    scope: Option<Range<usize>>,
    name: &str,
    at: usize,
) {
    mutated.entry(name.to_owned()).or_insert(at);
    if let Some(scope) = scope {
        out.in_functions.push((name.to_owned(), at, scope));
    }
}
