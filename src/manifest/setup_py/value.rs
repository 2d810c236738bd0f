//! The values the `setup.py` evaluator computes: decoded string literals with the file offset
//! of every byte ([`Str`], split into requirement lines as setuptools' `pkg_resources.yield_lines`
//! does), requirement lists ([`Reqs`]), `extras_require` dicts ([`Entry`]), the notes for
//! what could not be resolved ([`Note`]), and how they combine (`+`, `|`, merges of branches).
//!
//! String literals are decoded as Python 3 decodes them (prefixes `r`, `u`, `b`, `f`; every
//! escape; `\r\n` read as `\n`); requirement lines must agree with `pkg_resources.yield_lines`.

use super::strings::{requirement_lines, ReqLine};
use super::*;

/// One decoded string: its text and, for every byte of it, the offset in the file of the
/// source character it came from.
#[derive(Clone, Debug)]
pub(super) struct Str {
    pub(super) text: String,
    pub(super) map: Vec<usize>,
    /// Where the string's content starts in the file.
    pub(super) origin: usize,
    /// The file the text comes from, when it is not setup.py: a requirements file setup.py
    /// reads (`open("requirements.txt").read().splitlines()`).
    pub(super) file: Option<Rc<SourceFile>>,
}

impl Str {
    pub(super) fn push(&mut self, c: char, offset: usize) {
        self.text.push(c);
        self.map.extend(std::iter::repeat_n(offset, c.len_utf8()));
    }

    /// `self + other`, or `None` when the result would be unreasonably long.
    pub(super) fn join(mut self, other: &Str) -> Option<Str> {
        if self.text.len() + other.text.len() > MAX_STR_LEN || !same_file(&self.file, &other.file) {
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
    pub(super) fn name_head(&self, placeholder: Option<char>) -> Option<Str> {
        let end = placeholder
            .and_then(|p| self.text.find(p))
            .unwrap_or(self.text.len());
        let head = &self.text[..end];
        let lead = head.len() - head.trim_start().len();
        let body = &head[lead..];
        let name = crate::manifest::leading_name(body)?;
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
            file: self.file.clone(),
        })
    }

    /// The requirements in the string, as setuptools' `_reqs.parse_strings` reads them
    /// ([`requirement_lines`]), and a continuation left dangling at its end (setuptools drops
    /// it).
    pub(super) fn requirements(&self) -> (Vec<ReqLine>, Option<ReqLine>) {
        requirement_lines(&self.text, std::iter::once(0..self.text.len()))
    }

    /// A requirement's text and the file offset of its first character.
    pub(super) fn located(&self, line: &ReqLine) -> (String, usize) {
        let offset = self
            .map
            .get(line.range.start)
            .copied()
            .unwrap_or(self.origin);
        (line.text(&self.text).to_owned(), offset)
    }
}

/// Decodes the content of a string literal that starts at `base` in the file.
pub(super) fn decode(content: &str, base: usize, raw: bool, fstring: bool, bytes: bool) -> Str {
    let mut s = Str {
        text: String::with_capacity(content.len()),
        map: Vec::with_capacity(content.len()),
        origin: base,
        file: None,
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
pub(super) struct Note {
    pub(super) offset: usize,
    /// What the value does, to follow "`install_requires` ...".
    pub(super) predicate: String,
    /// The variable the predicate itself names, if any.
    pub(super) name: Option<String>,
    /// The variable through which the keyword reached this expression.
    pub(super) via: Option<String>,
    /// Whether it is about the value's shape (a key, its type) rather than part of its content.
    pub(super) shape: bool,
}

impl Note {
    pub(super) fn new(offset: usize, predicate: impl Into<String>) -> Note {
        Note {
            offset,
            predicate: predicate.into(),
            name: None,
            via: None,
            shape: false,
        }
    }

    pub(super) fn shape(offset: usize, predicate: impl Into<String>) -> Note {
        Note {
            shape: true,
            ..Note::new(offset, predicate)
        }
    }
}

/// Requirement strings and notes: what a list-like value holds.
#[derive(Clone, Debug, Default)]
pub(super) struct Reqs {
    /// Shared, as variables are copied at every use.
    pub(super) strs: Vec<Rc<Str>>,
    pub(super) notes: Vec<Note>,
}

impl Reqs {
    pub(super) fn extend(&mut self, other: Reqs) {
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
    pub(super) fn union(mut self, other: Reqs) -> Reqs {
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
pub(super) const TOO_MANY_STRS: &str =
    "holds more than 10000 requirement strings; squatguard stops reading there";

/// Adds notes that are not there yet, up to [`MAX_NOTES`].
pub(super) fn add_notes(notes: &mut Vec<Note>, more: Vec<Note>) {
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
pub(super) struct Entry {
    pub(super) key: Option<String>,
    pub(super) reqs: Reqs,
}

/// What an expression evaluates to, as far as squatguard can tell.
#[derive(Clone, Debug)]
pub(super) enum Val {
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
    pub(super) fn unknown(note: Note) -> Val {
        Val::Unknown(vec![note])
    }

    pub(super) fn offset(&self) -> usize {
        match self {
            Val::None => 0,
            Val::Str(s) => s.origin,
            Val::Seq(_, offset) | Val::Dict(_, _, offset) => *offset,
            Val::Unknown(notes) => notes.first().map_or(0, |n| n.offset),
        }
    }

    /// The value read where a list of requirements is expected.
    pub(super) fn into_reqs(self) -> Reqs {
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
    pub(super) fn into_dict(self) -> (Vec<Entry>, Vec<Note>) {
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
    pub(super) fn set_via(&mut self, name: &str) {
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
pub(super) fn concat(a: Val, b: Val) -> Val {
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

pub(super) fn too_long(offset: usize) -> Val {
    Val::unknown(Note::new(
        offset,
        "is a string longer than 64 KiB; squatguard stops reading it",
    ))
}

/// What a name may hold after a binding that may or may not run.
pub(super) fn union(a: Val, b: Val) -> Val {
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
pub(super) fn merge(entries: &mut Vec<Entry>, more: Vec<Entry>, keep_both: bool) {
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
