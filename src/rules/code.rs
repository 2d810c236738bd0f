//! What the code rules (SG401-SG408, one module each beside this one) share: the file they
//! judge, what it shows as a whole, and how a finding is placed in it.
//!
//! The rules combine signals the way GuardDog's newer rules do: a capability (executing code,
//! launching a process, reaching the network) is what an attack needs, a threat (decoding,
//! hiding, secrets, exfiltration endpoints) is what it looks like. Honest code has plenty of
//! either, often in the same file (an SSH client names `~/.ssh` in one method and connects in
//! another). So a threat and a capability *meet* ([`CodeFile::meets`]) only where they run
//! together: in the same function (or the same module body), or both in code that runs without
//! being called (*reached*, see [`crate::code_facts::Facts`]: the module level, the functions
//! it calls, and the whole of `setup.py`, a build backend, `conftest.py`, start-up files and
//! scripts the project's instructions run). Where they meet, the rules that combine them raise
//! an error; a threat and a capability only in different functions that nothing calls unasked
//! stay a warning or a note.
//!
//! The facts ([`crate::code_facts`]) come from the scan's reader (`src/scan/python.rs`), which
//! runs these rules (`src/scan/signals.rs`); rules never call into the scan.

use crate::code_facts::indicators::Indicator;
use crate::code_facts::{kind, Call, Facts, Literal};
use crate::finding::{Finding, Rule, Severity};
use crate::source::SourceFile;
use std::collections::HashMap;

/// One file under judgement: its text (for positions), its facts, and what it shows as a whole.
pub struct CodeFile<'a> {
    pub sf: &'a SourceFile,
    pub facts: &'a Facts,
    /// Every [`kind`] bit the file shows: its calls, its literals, its lookups, its hiding.
    pub kinds: u16,
    /// The [`kind`] bits of the code that runs without being called (reached).
    pub reached: u16,
    /// The [`kind`] bits each function shows (0: the module body), with what the file's own
    /// functions it calls do.
    scopes: HashMap<usize, u16>,
    /// Bits that count everywhere in the file: text that hides code (off-screen code, bidi
    /// controls) is not placed in a function.
    everywhere: u16,
    /// Signals are combined where they meet (see the module doc): only for a module that an
    /// installed distribution lists, with `--trusted`. Everywhere else the file is one place:
    /// a threat and a capability anywhere in it meet, since which function runs which cannot be
    /// followed through every indirection a hostile author can write (a dict of callbacks, a
    /// lambda, `getattr`), while a file-wide rule cannot be evaded that way.
    pub fine: bool,
    path: String,
}

impl<'a> CodeFile<'a> {
    /// `fine`: combine signals where they meet (an installed distribution's module, with
    /// `--trusted`); otherwise anywhere in the file.
    pub fn new(sf: &'a SourceFile, facts: &'a Facts, fine: bool) -> Self {
        let kinds = shown(facts);
        let (reached, scopes, everywhere) = if fine {
            placed(facts)
        } else {
            (kinds, HashMap::new(), kinds)
        };
        CodeFile {
            sf,
            facts,
            kinds,
            reached,
            scopes,
            everywhere,
            fine,
            path: sf.display_path(),
        }
    }

    /// The [`kind`] bits shown by the function `scope` (0: the module body); the whole file's
    /// unless signals are combined where they meet.
    pub fn in_scope(&self, scope: usize) -> u16 {
        self.scopes.get(&scope).copied().unwrap_or(0) | self.everywhere
    }

    /// Whether a site that runs without being called (`reached`) counts as such: every site
    /// does unless signals are combined where they meet.
    pub fn runs(&self, reached: bool) -> bool {
        reached || !self.fine
    }

    /// Whether a signal at a site in function `scope` (reached or not) meets any of the `with`
    /// bits: in the same function, or, when the site runs without being called, anywhere in
    /// the code that does too.
    pub fn meets(&self, scope: usize, reached: bool, with: u16) -> bool {
        self.in_scope(scope) & with != 0 || (self.runs(reached) && self.reached & with != 0)
    }

    /// [`Self::meets`] for a literal, which also meets what the functions that use the name it
    /// is bound to do (`CREDS = "~/.aws/credentials"` read by a function that posts).
    pub fn literal_meets(&self, lit: &Literal, with: u16) -> bool {
        self.meets(lit.scope, lit.reached, with)
            || lit.used_in.iter().any(|&s| self.in_scope(s) & with != 0)
    }

    /// The functions where a literal's signal counts: its own and those that use its name.
    pub fn literal_scopes<'l>(&self, lit: &'l Literal) -> impl Iterator<Item = usize> + 'l {
        std::iter::once(lit.scope).chain(lit.used_in.iter().copied())
    }

    /// The threats the file shows, with the temporary directory.
    pub fn threats(&self) -> u16 {
        self.kinds & (kind::THREATS | kind::TEMP)
    }

    /// A finding over the bytes `start..end`, with the first 300 characters of its line.
    pub fn finding(
        &self,
        rule: Rule,
        start: usize,
        end: usize,
        severity: Severity,
        msg: String,
    ) -> Finding {
        let (line, column) = self.sf.line_col(start);
        let (end_line, end_col) = self.sf.line_col(end.max(start));
        let span = if end_line == line {
            end_col.saturating_sub(column).max(1)
        } else {
            1
        };
        let snippet: String = self.sf.line_text(line).chars().take(300).collect();
        let mut f = Finding::new(rule, self.path.clone(), line, column, msg)
            .with_severity(severity)
            .with_snippet(snippet)
            .on_line_of(self.sf, line);
        f.span_len = span;
        f
    }
}

/// An error when a signal comes `combined` with its counterpart in the file, else `alone`.
pub fn severity(combined: bool, alone: Severity) -> Severity {
    if combined {
        Severity::Error
    } else {
        alone
    }
}

/// The bits a literal shows.
fn literal_kinds(lit: &Literal) -> u16 {
    let mut kinds = 0;
    if lit.is_temp_path() {
        kinds |= kind::TEMP;
    }
    if lit.blob.as_ref().is_some_and(|b| b.content.is_payload()) {
        kinds |= kind::BLOB;
    }
    for ind in &lit.indicators {
        kinds |= match ind {
            Indicator::Endpoint { strong: true, .. } => kind::ENDPOINT,
            Indicator::Endpoint { strong: false, .. } => kind::ENDPOINT_LOCAL,
            Indicator::Credential { .. } => kind::SECRET,
            Indicator::Shell { .. } => kind::SHELL,
        };
    }
    kinds
}

/// Where a file's signals are: the bits of its reached code, those of each function, and
/// those that count everywhere.
fn placed(facts: &Facts) -> (u16, HashMap<usize, u16>, u16) {
    let mut reached = 0;
    let mut scopes: HashMap<usize, u16> = HashMap::new();
    let mut add = |scope: usize, here: bool, k: u16| {
        if k == 0 {
            return;
        }
        if here {
            reached |= k;
        }
        *scopes.entry(scope).or_default() |= k;
    };
    for c in &facts.calls {
        add(c.scope, c.reached, c.kinds | c.local_kinds);
    }
    for lit in &facts.literals {
        let k = literal_kinds(lit);
        add(lit.scope, lit.reached, k);
        // a constant counts in the functions that use it
        for &scope in &lit.used_in {
            add(scope, false, k);
        }
    }
    for l in facts.lookups.iter().filter(|l| l.hides_exec()) {
        add(l.scope, l.reached, kind::OBFUSCATE);
    }
    let everywhere = if facts.hiding.is_empty() {
        0
    } else {
        kind::OBFUSCATE
    };
    (reached | everywhere, scopes, everywhere)
}

/// Every [`kind`] bit a file shows.
fn shown(facts: &Facts) -> u16 {
    let mut kinds: u16 = facts.calls.iter().fold(0, |k, c| k | c.kinds);
    for lit in &facts.literals {
        kinds |= literal_kinds(lit);
    }
    // off-screen code and bidi controls hide code whatever they hold
    if facts.lookups.iter().any(|l| l.hides_exec()) || !facts.hiding.is_empty() {
        kinds |= kind::OBFUSCATE;
    }
    kinds
}

/// Names a set of [`kind`] bits for messages.
pub fn describe(kinds: u16) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for (bit, word) in [
        (kind::EXEC, "executes code"),
        (kind::SPAWN, "launches a process"),
        (kind::NETWORK, "connects to the network"),
        (kind::DECODE, "decodes data"),
    ] {
        if kinds & bit != 0 {
            parts.push(word);
        }
    }
    match parts.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => parts.join(""),
    }
}

/// How a message names the call: `name`, or `name()`, defined in this file, when what it does
/// comes only from the file's own function.
pub fn via(call: &Call) -> String {
    let name = &call.callee;
    if call.local_kinds & kind::CAPABILITIES != 0 && call.kinds & kind::CAPABILITIES == 0 {
        format!("`{name}()`, defined in this file,")
    } else {
        format!("`{name}`")
    }
}
