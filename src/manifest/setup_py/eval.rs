//! The static Python evaluator behind the `setup()` reader: what a name, a literal, a
//! concatenation, a call of `list()`/`dict()`/`sorted()`... evaluates to, reading the
//! statements before the `setup()` call in source order (assignments, augmented assignments,
//! `append`/`extend`/`update`/... on a name, bindings by imports, loops and parameters), as
//! the module docs of [`super`] list.
//!
//! It must agree with Python's semantics (the language reference's name resolution: enclosing
//! function scopes, then the module) on what it resolves, and say "unresolved" everywhere else;
//! a branch that may not run adds to a name instead of replacing it, so nothing that might be
//! installed is left out. Values are [`super::value::Val`].

use super::value::*;
use super::*;
use crate::python_text::{is_space, splitlines};
use std::ops::Range;

/// Where each name is bound anywhere in the file, to tell "bound only after the call" from
/// "never bound".
pub(super) fn binding_sites(root: Node<'_>, text: &str) -> HashMap<String, Vec<usize>> {
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
/// The plain positional arguments among a call's arguments: not `name=value`, `*x` or `**x`.
fn positional<'t>(args: &[Node<'t>]) -> Vec<Node<'t>> {
    args.iter()
        .copied()
        .filter(|a| {
            !matches!(
                a.kind(),
                "keyword_argument" | "list_splat" | "dictionary_splat"
            )
        })
        .collect()
}

pub(super) fn kids(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|n| !n.is_extra())
        .collect()
}

/// The variables of one scope, as bound before the `setup()` call.
pub(super) type Env = HashMap<String, Val>;

pub(super) struct Reader<'t> {
    pub(super) text: &'t str,
    pub(super) root: Node<'t>,
    /// Where each name is bound anywhere in the file.
    pub(super) sites: HashMap<String, Vec<usize>>,
    /// Where the file changes names in ways this evaluator does not follow.
    pub(super) escapes: super::escapes::Escapes,
    /// Where the `setup()` call being read starts.
    pub(super) call_at: usize,
    /// Whether that call is inside a function: it reads the module's names when the function is
    /// called, which may be after they are bound again.
    pub(super) call_in_function: bool,
    /// Where blocks first nested deeper than [`MAX_DEPTH`].
    pub(super) depth_limit_at: Option<usize>,
    /// The directory of setup.py, which `open("requirements.txt")` reads from (pip runs
    /// setup.py there).
    pub(super) dir: PathBuf,
    /// The files `open()` read, by the name written, or why one was not read.
    pub(super) files: RefCell<HashMap<String, Result<Rc<SourceFile>, String>>>,
    /// The calls `with ... as NAME` bound each name to (`with open("r.txt") as f`).
    pub(super) handles: RefCell<HashMap<String, Node<'t>>>,
}

/// How the lines of a file read by `open()` are cut.
#[derive(Clone, Copy)]
enum Lines {
    /// `f.readlines()`, `for line in f`, `f.read().split("\n")`: at `\n` (the file is read
    /// with universal newlines).
    Newlines,
    /// `f.read().splitlines()`: `str.splitlines()`.
    SplitLines,
}

/// Where an in-place change lands: a variable, or one key of a dict variable.
pub(super) enum Place<'t> {
    Name(Node<'t>),
    Item(Node<'t>, Option<String>, Option<Note>),
}

impl<'t> Reader<'t> {
    pub(super) fn src(&self, node: Node<'_>) -> &'t str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    /// The text from `start` to `end`, on one line and shortened, to quote in a message.
    pub(super) fn snippet_range(&self, start: usize, end: usize) -> String {
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

    pub(super) fn snippet(&self, node: Node<'_>) -> String {
        self.snippet_range(node.start_byte(), node.end_byte())
    }

    /// The variables visible at `call`, innermost scope last.
    pub(super) fn environment(&mut self, call: Node<'t>) -> Vec<Env> {
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

    pub(super) fn bind_parameters(&self, func: Node<'t>, envs: &mut [Env]) {
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

    pub(super) fn binding_note(&self, ident: Node<'_>, predicate: String) -> Val {
        Val::unknown(Note {
            offset: ident.start_byte(),
            predicate,
            name: Some(self.src(ident).to_owned()),
            via: None,
            shape: false,
        })
    }

    /// Binds every identifier in `target` to a note saying how it was bound.
    pub(super) fn bind_opaque(&self, target: Node<'t>, how: &str, envs: &mut [Env], cond: bool) {
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
    pub(super) fn exec_block(
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

    pub(super) fn exec_stmt(
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
    pub(super) fn bind_headers(&self, stmt: Node<'t>, envs: &mut [Env], cond: bool) {
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
                    // `with open("requirements.txt") as f`: what `f.read()` reads
                    for pattern in descendants_of_kind(clause, "as_pattern") {
                        let value = kids(pattern).into_iter().next();
                        let alias = pattern
                            .child_by_field_name("alias")
                            .map(identifiers_in)
                            .unwrap_or_default();
                        if let (Some(value), [ident]) = (value, alias.as_slice()) {
                            if value.kind() == "call" {
                                self.handles
                                    .borrow_mut()
                                    .insert(self.src(*ident).to_owned(), value);
                            }
                        }
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

    pub(super) fn exec_assignment(&self, assignment: Node<'t>, envs: &mut [Env], cond: bool) {
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

    pub(super) fn exec_augmented(&self, node: Node<'t>, envs: &mut [Env]) {
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
    pub(super) fn exec_method_call(&self, call: Node<'t>, envs: &mut [Env], cond: bool) {
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
        let positional = positional(&args);
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

    pub(super) fn exec_dict_method(
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
    pub(super) fn item_place(&self, subscript: Node<'t>, envs: &[Env]) -> Option<Place<'t>> {
        let value = subscript.child_by_field_name("value")?;
        if value.kind() != "identifier" {
            return None;
        }
        let key = subscript.child_by_field_name("subscript")?;
        let (key, note) = self.dict_key(key, envs);
        Some(Place::Item(value, key, note))
    }

    /// A dict key as a string, or a note saying it is not one.
    pub(super) fn dict_key(&self, key: Node<'t>, envs: &[Env]) -> (Option<String>, Option<Note>) {
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
    pub(super) fn modify(
        &self,
        place: Place<'t>,
        envs: &mut [Env],
        change: impl FnOnce(Reqs) -> Reqs,
    ) {
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

    pub(super) fn eval(&self, node: Node<'t>, envs: &[Env], depth: usize) -> Val {
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
            "list_comprehension" | "set_comprehension" | "generator_expression" => {
                self.eval_comprehension(node, envs, depth)
            }
            _ => self.opaque(node),
        }
    }

    /// `[r for r in ITEMS if COND]` (also a set comprehension or a generator): one `for`
    /// over a resolved list, binding one name, yielding it as it is or stripped (the same
    /// requirements: setuptools strips every line), kept where every `if` holds
    /// ([`Reader::condition`]). An element whose condition squatguard cannot evaluate is kept,
    /// with a note: nothing that may be installed is left out.
    pub(super) fn eval_comprehension(&self, node: Node<'t>, envs: &[Env], depth: usize) -> Val {
        let clauses: Vec<Node<'t>> = kids(node)
            .into_iter()
            .filter(|k| matches!(k.kind(), "for_in_clause" | "if_clause"))
            .collect();
        let (Some(body), Some((first, conditions))) =
            (node.child_by_field_name("body"), clauses.split_first())
        else {
            return self.opaque(node);
        };
        let (Some(var), Some(items)) = (
            first.child_by_field_name("left"),
            first.child_by_field_name("right"),
        ) else {
            return self.opaque(node);
        };
        let var_name = self.src(var);
        if first.kind() != "for_in_clause"
            || var.kind() != "identifier"
            || conditions.iter().any(|c| c.kind() != "if_clause")
            || !self.yields_itself(body, var_name)
        {
            return self.opaque(node);
        }
        let conditions: Vec<Node<'t>> = conditions
            .iter()
            .filter_map(|c| kids(*c).into_iter().next())
            .collect();
        self.filtered(node, self.eval(items, envs, depth), |s| {
            conditions.iter().try_fold(true, |all, c| {
                Some(all && self.condition(*c, var_name, &s.text)?)
            })
        })
    }

    /// `items`' requirements kept where `keep` says (`None`: not known, kept with a note).
    fn filtered(&self, node: Node<'t>, items: Val, keep: impl Fn(&Str) -> Option<bool>) -> Val {
        let mut reqs = match items {
            Val::Seq(reqs, _) => reqs,
            Val::None | Val::Str(_) | Val::Dict(..) => return self.opaque(node),
            Val::Unknown(notes) => return Val::Unknown(notes),
        };
        let mut unknown = false;
        reqs.strs.retain(|s| match keep(s) {
            Some(kept) => kept,
            None => {
                unknown = true;
                true
            }
        });
        if unknown {
            add_notes(
                &mut reqs.notes,
                vec![Note::new(
                    node.start_byte(),
                    format!(
                        "is filtered by a condition squatguard does not evaluate (`{}`); it \
                         checks every element, so some may not be installed",
                        self.snippet(node)
                    ),
                )],
            );
        }
        Val::Seq(reqs, node.start_byte())
    }

    /// Whether `expr` evaluates to the string bound to `var` itself, or stripped:
    /// `var`, `var.strip()`, `var.rstrip()`, `var.lstrip()`.
    fn yields_itself(&self, expr: Node<'t>, var: &str) -> bool {
        match expr.kind() {
            "identifier" => self.src(expr) == var,
            "parenthesized_expression" => kids(expr)
                .into_iter()
                .next()
                .is_some_and(|inner| self.yields_itself(inner, var)),
            "call" => self
                .method_call(expr)
                .is_some_and(|(object, method, args)| {
                    args.is_empty()
                        && matches!(method, "strip" | "rstrip" | "lstrip")
                        && self.yields_itself(object, var)
                }),
            _ => false,
        }
    }

    /// `object.method(args)`: the object, the method's name and the arguments.
    fn method_call(&self, call: Node<'t>) -> Option<(Node<'t>, &'t str, Vec<Node<'t>>)> {
        let func = call
            .child_by_field_name("function")
            .filter(|f| f.kind() == "attribute")?;
        let args = call
            .child_by_field_name("arguments")
            .filter(|a| a.kind() == "argument_list")?;
        Some((
            func.child_by_field_name("object")?,
            self.src(func.child_by_field_name("attribute")?),
            kids(args),
        ))
    }

    /// The truth of `expr` for one element `text` bound to `var`, when squatguard can tell:
    /// `var` and `var.strip()` (and its kin) as truth values, `var.startswith(...)` and
    /// `var.endswith(...)` with string literals, `not`, `and`, `or` and parentheses.
    fn condition(&self, expr: Node<'t>, var: &str, text: &str) -> Option<bool> {
        let value = |object: Node<'t>| -> Option<String> {
            if !self.yields_itself(object, var) {
                return None;
            }
            let src = self.src(object);
            Some(if src.ends_with(".strip()") {
                text.trim_matches(is_space).to_owned()
            } else if src.ends_with(".lstrip()") {
                text.trim_start_matches(is_space).to_owned()
            } else if src.ends_with(".rstrip()") {
                text.trim_end_matches(is_space).to_owned()
            } else {
                text.to_owned()
            })
        };
        match expr.kind() {
            "identifier" | "call" if self.yields_itself(expr, var) => {
                value(expr).map(|v| !v.is_empty())
            }
            "parenthesized_expression" => self.condition(kids(expr).into_iter().next()?, var, text),
            "not_operator" => self
                .condition(expr.child_by_field_name("argument")?, var, text)
                .map(|b| !b),
            "boolean_operator" => {
                let left = self.condition(expr.child_by_field_name("left")?, var, text)?;
                let right = self.condition(expr.child_by_field_name("right")?, var, text)?;
                match self.src(expr.child_by_field_name("operator")?) {
                    "and" => Some(left && right),
                    "or" => Some(left || right),
                    _ => None,
                }
            }
            "call" => {
                let (object, method, args) = self.method_call(expr)?;
                let [arg] = args.as_slice() else {
                    return None;
                };
                let subject = value(object)?;
                let affixes: Vec<String> = match arg.kind() {
                    "string" => vec![self.literal(*arg)?],
                    "tuple" => kids(*arg)
                        .into_iter()
                        .map(|a| self.literal(a))
                        .collect::<Option<_>>()?,
                    _ => return None,
                };
                match method {
                    "startswith" => Some(affixes.iter().any(|a| subject.starts_with(a.as_str()))),
                    "endswith" => Some(affixes.iter().any(|a| subject.ends_with(a.as_str()))),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The value of a plain string literal.
    fn literal(&self, node: Node<'t>) -> Option<String> {
        match (node.kind(), self.eval_string(node)) {
            ("string", Val::Str(s)) => Some(s.text.clone()),
            _ => None,
        }
    }

    /// A file read by the forms setup.py files use to list their requirements in another file:
    /// `open(P)` iterated, `open(P).readlines()`, `open(P).read()`, `open(P).read().splitlines()`,
    /// `open(P).read().split("\n")`, and `Path(P).read_text()` for the last three, with `P` a
    /// string literal naming a file inside the directory of setup.py (`open()` reads it as
    /// text, with universal newlines). `None` when `node` is none of these.
    fn file_read(&self, node: Node<'t>, envs: &[Env]) -> Option<Val> {
        let builtin = |n: &str| !envs.iter().any(|env| env.contains_key(n));
        // the `open(...)` or `Path(...)` call at the bottom of the chain, and the methods on it
        let mut methods: Vec<(&str, Vec<Node<'t>>)> = Vec::new();
        let mut at = node;
        while let Some((object, method, args)) = self.method_call(at) {
            let handle = object.kind() == "identifier"
                && self.handles.borrow().contains_key(self.src(object));
            if object.kind() != "call" && !handle {
                break; // `io.open(...)`, `pathlib.Path(...)`: the call itself
            }
            methods.push((method, args));
            at = object;
        }
        methods.reverse();
        // `f.read()` of `with open(...) as f`, while `f` holds that binding
        if at.kind() == "identifier" && !methods.is_empty() {
            let name = self.src(at);
            let bound_by_with = envs.iter().rev().find_map(|env| env.get(name)).is_some_and(
                |v| matches!(v, Val::Unknown(notes) if notes.iter().all(|n| n.predicate.contains("bound by `with"))),
            );
            if !bound_by_with {
                return None;
            }
            at = *self.handles.borrow().get(name)?;
        }
        let func = at.child_by_field_name("function")?;
        let args = kids(
            at.child_by_field_name("arguments")
                .filter(|a| a.kind() == "argument_list")?,
        );
        let opener = match self.src(func) {
            "open" if builtin("open") => "open",
            // imported names: bound by the import, so not checked like `open`
            "io.open" => "open",
            "Path" | "pathlib.Path" => "Path",
            _ => return None,
        };
        let positional = positional(&args);
        let literal = |n: Option<&Node<'t>>| n.and_then(|n| self.literal(*n));
        let name = match self.eval(*positional.first()?, envs, 0) {
            Val::Str(s) if s.file.is_none() => s.text.clone(),
            _ => return None,
        };
        let text_mode = match positional.get(1) {
            None => true,
            Some(mode) => matches!(
                literal(Some(mode)).as_deref(),
                Some("r" | "rt" | "U" | "rU")
            ),
        };
        let plain_keywords = args.iter().all(|a| {
            a.kind() != "keyword_argument"
                || a.child_by_field_name("name")
                    .is_some_and(|k| matches!(self.src(k), "encoding" | "errors"))
        });
        if !text_mode || !plain_keywords || args.iter().any(|a| a.kind() == "list_splat") {
            return None;
        }
        let method_names: Vec<&str> = methods.iter().map(|(m, _)| *m).collect();
        let split_newline =
            |args: &[Node<'t>]| matches!(args, [a] if literal(Some(a)).as_deref() == Some("\n"));
        let how = match (opener, method_names.as_slice()) {
            ("open", []) | ("open", ["readlines"]) => Some(Lines::Newlines),
            ("open", ["read", "splitlines"]) | ("Path", ["read_text", "splitlines"]) => {
                Some(Lines::SplitLines)
            }
            ("open", ["read", "split"]) | ("Path", ["read_text", "split"])
                if split_newline(&methods[1].1) =>
            {
                Some(Lines::Newlines)
            }
            ("open", ["read"]) | ("Path", ["read_text"]) => None,
            _ => return None,
        };
        let file = match self.read_file(&name) {
            Ok(file) => file,
            Err(why) => {
                return Some(Val::unknown(Note::new(
                    node.start_byte(),
                    format!(
                        "is read from `{name}` (`{}`), {why}; check that file, or declare the \
                         dependencies literally",
                        self.snippet(node)
                    ),
                )))
            }
        };
        let whole = 0..file.text.len();
        let ranges: Vec<Range<usize>> = match how {
            None => return Some(Val::Str(Rc::new(file_str(&file, whole)))),
            Some(Lines::SplitLines) => splitlines(&file.text).map(|(line, _)| line).collect(),
            Some(Lines::Newlines) => {
                let mut start = 0;
                let mut lines = Vec::new();
                for line in file.text.split_inclusive('\n') {
                    lines.push(start..start + line.len());
                    start += line.len();
                }
                lines
            }
        };
        let mut reqs = Reqs::default();
        reqs.extend(Reqs {
            strs: ranges
                .into_iter()
                .map(|r| Rc::new(file_str(&file, r)))
                .collect(),
            notes: Vec::new(),
        });
        Some(Val::Seq(reqs, node.start_byte()))
    }

    /// The paths setup.py files build to name a file beside them, as a path relative to
    /// setup.py's directory (pip runs setup.py there, so `.` is that directory):
    /// `os.path.dirname(__file__)` (also of `os.path.abspath(__file__)` or `realpath`) is `.`;
    /// `os.path.abspath`, `realpath` and `normpath` of a relative path are that path;
    /// `os.path.join(...)` of resolved strings joins them as Python does. `None` for any other
    /// call.
    fn os_path(&self, node: Node<'t>, envs: &[Env], depth: usize) -> Option<Val> {
        let func = node.child_by_field_name("function")?;
        let args = kids(
            node.child_by_field_name("arguments")
                .filter(|a| a.kind() == "argument_list")?,
        );
        // `os` as `import os` binds it, not another value of that name
        let os_module = match envs.iter().rev().find_map(|env| env.get("os")) {
            None => true,
            Some(Val::Unknown(notes)) => notes.iter().any(|n| n.predicate.contains("imported by")),
            Some(_) => false,
        };
        if !os_module || positional(&args).len() != args.len() {
            return None;
        }
        let is_file = |n: &Node<'t>| {
            n.kind() == "identifier"
                && self.src(*n) == "__file__"
                && !envs.iter().any(|env| env.contains_key("__file__"))
        };
        let string = |n: &Node<'t>| match self.eval(*n, envs, depth) {
            Val::Str(s) if s.file.is_none() => Some(s.text.clone()),
            _ => None,
        };
        let text = match (self.src(func), args.as_slice()) {
            ("os.path.dirname", [arg]) => {
                let of_file = is_file(arg)
                    || (arg.kind() == "call"
                        && matches!(
                            arg.child_by_field_name("function").map(|f| self.src(f)),
                            Some("os.path.abspath" | "os.path.realpath")
                        )
                        && kids(arg.child_by_field_name("arguments")?)
                            .first()
                            .is_some_and(is_file));
                if of_file {
                    ".".to_owned()
                } else {
                    let path = string(arg)?;
                    match path.rsplit_once('/') {
                        Some((dir, _)) if !dir.is_empty() => dir.to_owned(),
                        _ => return None,
                    }
                }
            }
            ("os.path.abspath" | "os.path.realpath" | "os.path.normpath", [arg]) => {
                let path = string(arg)?;
                if path.starts_with('/') {
                    return None;
                }
                path
            }
            ("os.path.join", [first, rest @ ..]) => {
                let mut path = string(first)?;
                for part in rest {
                    let part = string(part)?;
                    if part.starts_with('/') {
                        path = part;
                    } else if path.is_empty() || path.ends_with('/') {
                        path.push_str(&part);
                    } else {
                        path = format!("{path}/{part}");
                    }
                }
                path
            }
            _ => return None,
        };
        let mut s = decode("", node.start_byte(), true, false, false);
        for c in text.chars() {
            s.push(c, node.start_byte());
        }
        Some(Val::Str(Rc::new(s)))
    }

    /// The file `name` (relative to setup.py's directory and inside it), read once.
    fn read_file(&self, name: &str) -> Result<Rc<SourceFile>, String> {
        if let Some(known) = self.files.borrow().get(name) {
            return known.clone();
        }
        let path = self.dir.join(name);
        let inside = match (
            std::fs::canonicalize(&self.dir),
            std::fs::canonicalize(&path),
        ) {
            (Ok(dir), Ok(real)) => {
                if real.starts_with(dir) {
                    Ok(())
                } else {
                    Err(
                        "which is outside the directory of setup.py: squatguard does not read \
                         it, since the report would show its lines"
                            .to_owned(),
                    )
                }
            }
            _ => Err("which is not there: setup.py would fail".to_owned()),
        };
        let read = inside.and_then(|()| {
            crate::source::read_source(&path)
                .map(|file| {
                    // opened in text mode: a lone `\r` ends a line
                    let file = super::source::text_mode(&file).unwrap_or(file);
                    Rc::new(file)
                })
                .map_err(|e| format!("which cannot be read: {e}"))
        });
        self.files
            .borrow_mut()
            .insert(name.to_owned(), read.clone());
        read
    }

    /// `map(F, items)` where `F` leaves each string as it is or strips it (`str.strip`,
    /// `lambda r: r.strip()`), and `filter(F, items)` where `F` is a truth test squatguard can
    /// evaluate (`None`, `bool`, `str.strip`, `lambda r: <condition>`).
    fn eval_map_filter(
        &self,
        node: Node<'t>,
        name: &str,
        args: &[Node<'t>],
        envs: &[Env],
        depth: usize,
    ) -> Val {
        let [func, items] = args else {
            return self.opaque(node);
        };
        let builtin = |n: &str| !envs.iter().any(|env| env.contains_key(n));
        let src = self.src(*func);
        let stripping = matches!(src, "str.strip" | "str.rstrip" | "str.lstrip") && builtin("str");
        let lambda = (func.kind() == "lambda")
            .then(|| {
                let params = func.child_by_field_name("parameters")?;
                let params = kids(params);
                let [param] = params.as_slice() else {
                    return None;
                };
                (param.kind() == "identifier")
                    .then(|| (self.src(*param), func.child_by_field_name("body")))
            })
            .flatten();
        let items = self.eval(*items, envs, depth);
        if name == "map" {
            let identity = stripping
                || lambda.is_some_and(|(param, body)| {
                    body.is_some_and(|b| self.yields_itself(b, param))
                });
            if identity {
                return self.filtered(node, items, |_| Some(true));
            }
            return self.opaque(node);
        }
        let truthy =
            (src == "None" || (src == "bool" && builtin("bool")) || stripping).then_some(src);
        match (truthy, lambda) {
            (Some(how), _) => self.filtered(node, items, |s| {
                Some(match how {
                    "str.strip" => !s.text.trim_matches(is_space).is_empty(),
                    "str.lstrip" | "str.rstrip" => !s.text.trim_matches(is_space).is_empty(),
                    _ => !s.text.is_empty(),
                })
            }),
            (None, Some((param, Some(body)))) => {
                self.filtered(node, items, |s| self.condition(body, param, &s.text))
            }
            _ => self.filtered(node, items, |_| None),
        }
    }

    pub(super) fn eval_string(&self, node: Node<'t>) -> Val {
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

    pub(super) fn eval_binary(&self, node: Node<'t>, envs: &[Env], depth: usize) -> Val {
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

    pub(super) fn eval_dict(&self, node: Node<'t>, envs: &[Env], depth: usize) -> Val {
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
    pub(super) fn eval_call(&self, node: Node<'t>, envs: &[Env], depth: usize) -> Val {
        if let Some(val) = self.file_read(node, envs) {
            return val;
        }
        if let Some(path) = self.os_path(node, envs, depth) {
            return path;
        }
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
        if func.kind() != "identifier"
            || !matches!(args.kind(), "argument_list" | "generator_expression")
        {
            return self.opaque(node);
        }
        let name = self.src(func);
        if envs.iter().any(|env| env.contains_key(name)) {
            return self.opaque(node); // a builtin shadowed by setup.py itself
        }
        if args.kind() == "generator_expression" {
            // `list(r for r in ...)`: the generator is the only argument
            return match name {
                "list" | "tuple" | "set" | "frozenset" | "sorted" => {
                    Val::Seq(self.eval(args, envs, depth).into_reqs(), node.start_byte())
                }
                _ => self.opaque(node),
            };
        }
        let args = kids(args);
        let positional = positional(&args);
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
            "map" | "filter" if !splats && !keywords && positional.len() == 2 => {
                self.eval_map_filter(node, name, &positional, envs, depth)
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
    pub(super) fn eval_subscript(&self, node: Node<'t>, envs: &[Env], depth: usize) -> Val {
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
    pub(super) fn lookup(&self, name: &str, node: Node<'_>, envs: &[Env]) -> Val {
        let plain = self.lookup_bound(name, node, envs);
        let rebound_later = self.call_in_function
            && self
                .sites
                .get(name)
                .is_some_and(|sites| sites.len() > 1 && sites.iter().any(|&at| at > self.call_at));
        let how = match self.escapes.of(name, self.call_at) {
            Some(at) => {
                let line = self.text[..at.min(self.text.len())].matches('\n').count() + 1;
                let end = self.text[at..]
                    .find('\n')
                    .map_or(self.text.len(), |e| at + e);
                format!(
                    "is also changed where squatguard does not follow it (line {line}: `{}`)",
                    self.snippet_range(at, end)
                )
            }
            None if rebound_later => "is bound more than once, once after the function holding \
                 the setup() call, which reads it whenever that function is called"
                .to_owned(),
            None => return plain,
        };
        // what the modelled statements give is still judged; the note says it may not be all
        let note = Note {
            offset: node.start_byte(),
            predicate: format!(
                "uses a name (`{name}`) that {how}, so what is checked may not be what Python \
                 passes; declare the dependencies literally"
            ),
            name: Some(name.to_owned()),
            via: None,
            shape: false,
        };
        match plain {
            Val::Dict(entries, mut notes, offset) => {
                notes.push(note);
                Val::Dict(entries, notes, offset)
            }
            Val::Unknown(mut notes) => {
                notes.push(note);
                Val::Unknown(notes)
            }
            other => concat(other, Val::unknown(note)),
        }
    }

    /// The value `name` is bound to before the call, or a note saying it is not bound.
    fn lookup_bound(&self, name: &str, node: Node<'_>, envs: &[Env]) -> Val {
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
    pub(super) fn opaque(&self, node: Node<'t>) -> Val {
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
    pub(super) fn call_advice(&self, call: Node<'t>) -> String {
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
pub(super) fn looks_like_file(s: &str) -> bool {
    let exts = [
        ".txt", ".in", ".cfg", ".toml", ".json", ".py", ".yaml", ".yml", ".lock", ".pip",
    ];
    !s.is_empty()
        && s.len() < 200
        && !s.chars().any(char::is_whitespace)
        && (exts.iter().any(|e| s.to_ascii_lowercase().ends_with(e)) || s.contains('/'))
}

/// The blocks of a compound statement, each with whether it runs only on some paths.
pub(super) fn blocks_of(stmt: Node<'_>) -> Vec<(Node<'_>, bool)> {
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
pub(super) fn identifiers_in(target: Node<'_>) -> Vec<Node<'_>> {
    descendants_of_kind(target, "identifier")
}

/// Descendants of `node` (itself included) of one kind, in source order, at most 1000.
pub(super) fn descendants_of_kind<'t>(node: Node<'t>, kind: &str) -> Vec<Node<'t>> {
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
pub(super) fn set(envs: &mut [Env], name: &str, val: Val, cond: bool) {
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
pub(super) fn modify_name(
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

/// Bytes `range` of a file setup.py reads, as a string of it.
fn file_str(file: &Rc<SourceFile>, range: Range<usize>) -> Str {
    let text = file.text[range.clone()].to_owned();
    Str {
        map: range.clone().collect(),
        origin: range.start,
        text,
        file: Some(file.clone()),
    }
}
