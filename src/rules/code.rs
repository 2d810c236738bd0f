//! What the code rules (SG401-SG408, one module each beside this one) share: the file they
//! judge, what it shows as a whole, and how a finding is placed in it.
//!
//! The rules combine signals the way GuardDog's newer rules do: a capability (executing code,
//! launching a process, reaching the network) is what an attack needs, a threat (decoding,
//! hiding, secrets, exfiltration endpoints) is what it looks like. Honest code has plenty of
//! either; together in one file they are an error, and alone they are a note or a warning.
//! Where code runs matters as much: calls at module level of an auto-loaded file
//! (`__init__.py`, `conftest.py`, `sitecustomize.py`, `.pth` import lines) and inside setuptools
//! command classes in `setup.py` run without anyone asking for them.
//!
//! The facts come from [`crate::scan::python`]; [`crate::scan::signals::judge`] runs the rules.

use crate::finding::{Finding, Rule, Severity};
use crate::scan::facts::{kind, Call, Facts};
use crate::scan::indicators::Indicator;
use crate::source::SourceFile;

/// One file under judgement: its text (for positions), its facts, and what it shows as a whole.
pub struct CodeFile<'a> {
    pub sf: &'a SourceFile,
    pub facts: &'a Facts,
    /// Every [`kind`] bit the file shows: its calls, its literals, its lookups, its hiding.
    pub kinds: u16,
    path: String,
}

impl<'a> CodeFile<'a> {
    pub fn new(sf: &'a SourceFile, facts: &'a Facts) -> Self {
        CodeFile {
            sf,
            facts,
            kinds: shown(facts),
            path: sf.display_path(),
        }
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
            .with_snippet(snippet);
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

/// Every [`kind`] bit a file shows.
fn shown(facts: &Facts) -> u16 {
    let mut kinds: u16 = facts.calls.iter().fold(0, |k, c| k | c.kinds);
    for lit in &facts.literals {
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
