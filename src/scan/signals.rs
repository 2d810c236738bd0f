//! Turns one file's facts into findings, combining signals the way GuardDog's newer rules do: a
//! capability (executing code, launching a process, reaching the network) is what an attack
//! needs, a threat (decoding, hiding, secrets, exfiltration endpoints) is what it looks like.
//! Honest code has plenty of either; together in one file they are an error, and alone they are
//! a note or a warning.
//!
//! Where code runs matters as much: calls at module level of an auto-loaded file (`__init__.py`,
//! `conftest.py`, `sitecustomize.py`, `.pth` import lines) and inside setuptools command classes
//! in `setup.py` run without anyone asking for them.

use super::blobs::{self, Content};
use super::indicators::{self, Indicator};
use super::python::{self, Facts};
use crate::finding::{Finding, Rule, Severity};
use crate::source::SourceFile;
use std::collections::HashSet;

/// What a call or literal shows, as bits so a file's signals combine with `|`.
pub mod kind {
    /// Capability: runs code that is not a literal (`exec`, `eval`, `marshal.loads`...).
    pub const EXEC: u16 = 1;
    /// Capability: launches a process.
    pub const SPAWN: u16 = 1 << 1;
    /// Capability: reaches the network.
    pub const NETWORK: u16 = 1 << 2;
    /// Writes a file.
    pub const WRITE: u16 = 1 << 3;
    /// Threat: decodes base64, hex, compressed, ROT13 or XOR-ed data.
    pub const DECODE: u16 = 1 << 4;
    /// Threat: a blob that decodes to code, an executable or compressed data.
    pub const BLOB: u16 = 1 << 5;
    /// Threat: a process launched detached or hidden.
    pub const HIDE: u16 = 1 << 6;
    /// Threat: a Discord, Telegram, paste-site, public raw IP or ROT13 URL.
    pub const ENDPOINT: u16 = 1 << 7;
    /// Threat: a path to credentials or wallets.
    pub const SECRET: u16 = 1 << 8;
    /// Threat: builtins looked up by computed name, code pushed off-screen, bidi controls.
    pub const OBFUSCATE: u16 = 1 << 9;
    /// Uses the temporary directory.
    pub const TEMP: u16 = 1 << 10;
    /// A raw IP URL to a local address: only suspicious from code that runs on import.
    pub const ENDPOINT_LOCAL: u16 = 1 << 11;

    pub const CAPABILITIES: u16 = EXEC | SPAWN | NETWORK;
    pub const THREATS: u16 = DECODE | BLOB | HIDE | ENDPOINT | SECRET | OBFUSCATE;
}

/// Why a file runs without being asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// An ordinary module: runs when imported by name.
    Module,
    /// A package `__init__.py`: runs when anything in the package is imported.
    PackageInit,
    /// `conftest.py`: runs when pytest collects the directory.
    Conftest,
    /// `sitecustomize.py` / `usercustomize.py`: runs at every interpreter start.
    Startup,
    /// `setup.py`: runs on `pip install` of a source distribution.
    Setup,
    /// A `.pth` file: its `import` lines run at every interpreter start.
    Pth,
}

impl Role {
    fn when(self) -> &'static str {
        match self {
            Role::Module => "when the module is imported",
            Role::PackageInit => "as soon as anything in the package is imported",
            Role::Conftest => "as soon as pytest collects tests here",
            Role::Startup | Role::Pth => "at every Python start-up",
            Role::Setup => "on `pip install`",
        }
    }
}

/// Lines with this many spaces or tabs before code hide it past the edge of an editor.
const HIDING_SPACES: usize = 150;

struct Judge<'a> {
    sf: &'a SourceFile,
    path: String,
    out: Vec<Finding>,
}

impl Judge<'_> {
    fn push(&mut self, rule: Rule, start: usize, end: usize, severity: Severity, msg: String) {
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
        self.out.push(f);
    }
}

fn sev(combined: bool, alone: Severity) -> Severity {
    if combined {
        Severity::Error
    } else {
        alone
    }
}

/// Judges one Python (or `.pth`) file.
pub fn judge(sf: &SourceFile, facts: &Facts, role: Role) -> Vec<Finding> {
    let mut j = Judge {
        sf,
        path: sf.display_path(),
        out: Vec::new(),
    };
    let mut kinds: u16 = facts.calls.iter().fold(0, |k, c| k | c.kinds);

    // Literals: blobs and indicators, gathered first because they are threats for the calls.
    struct Pending {
        rule: Rule,
        start: usize,
        len: usize,
        alone: Severity,
        escalate_with: u16,
        msg: String,
    }
    let mut pending: Vec<Pending> = Vec::new();
    for lit in &facts.literals {
        if lit.text.starts_with("/tmp/") || lit.text.contains("%TEMP%") || lit.text == "/tmp" {
            kinds |= kind::TEMP;
        }
        if let Some(blob) = blobs::inspect(&lit.text) {
            let enc = blob.encoding.as_str();
            let n = blob.encoded_len;
            let (alone, with, what, bit) = match &blob.content {
                Content::Python(first) => (
                    Severity::Warning,
                    kind::CAPABILITIES,
                    format!("Python source (`{first}`…)"),
                    kind::BLOB,
                ),
                Content::Executable(what) => (
                    Severity::Warning,
                    kind::CAPABILITIES,
                    (*what).to_owned(),
                    kind::BLOB,
                ),
                Content::Compressed(what) => (
                    Severity::Note,
                    kind::EXEC,
                    format!("{what}-compressed data"),
                    kind::BLOB,
                ),
                Content::Media(what) => (Severity::Note, 0, (*what).to_owned(), 0),
                Content::Text => (Severity::Note, 0, "text".to_owned(), 0),
                Content::Data => (Severity::Note, 0, "binary data".to_owned(), 0),
            };
            kinds |= bit;
            pending.push(Pending {
                rule: Rule::EncodedBlob,
                start: lit.start,
                len: 1,
                alone,
                escalate_with: with,
                msg: format!(
                    "a {n}-character {enc} literal decodes to {what}{}",
                    if bit != 0 {
                        ": a payload carried in the source, invisible to review"
                    } else {
                        ""
                    }
                ),
            });
        }
        let indicators = if lit.docstring {
            Vec::new()
        } else {
            indicators::find(&lit.text)
        };
        for ind in indicators {
            match ind {
                Indicator::Endpoint { what, strong } => {
                    kinds |= if strong {
                        kind::ENDPOINT
                    } else {
                        kind::ENDPOINT_LOCAL
                    };
                    pending.push(Pending {
                        rule: Rule::ExfilEndpoint,
                        start: lit.start,
                        len: lit.text.chars().count(),
                        alone: if strong {
                            Severity::Warning
                        } else {
                            Severity::Note
                        },
                        escalate_with: if strong { kind::CAPABILITIES } else { 0 },
                        msg: format!(
                            "{what}: where stolen data and second-stage payloads are sent and fetched"
                        ),
                    });
                }
                Indicator::Credential { what } => {
                    kinds |= kind::SECRET;
                    pending.push(Pending {
                        rule: Rule::CredentialAccess,
                        start: lit.start,
                        len: lit.text.chars().count(),
                        alone: Severity::Warning,
                        escalate_with: kind::NETWORK,
                        msg: format!("a path to {what}: what credential stealers read"),
                    });
                }
            }
        }
    }
    for lookup in &facts.lookups {
        let exec_like = lookup.name.as_deref().is_some_and(python::is_exec_name);
        let name = lookup
            .name
            .as_deref()
            .map(|n| format!("`{n}`"))
            .unwrap_or_else(|| "a name held in a variable".into());
        let (alone, with) = if exec_like && lookup.computed {
            (Severity::Error, 0)
        } else if exec_like || (lookup.computed && !lookup.dynamic) {
            (Severity::Warning, kind::DECODE | kind::BLOB)
        } else if lookup.dynamic {
            (Severity::Note, 0)
        } else {
            continue; // `getattr(builtins, "open")`: a plain, readable name
        };
        if alone > Severity::Note {
            kinds |= kind::OBFUSCATE;
        }
        pending.push(Pending {
            rule: Rule::Obfuscation,
            start: lookup.start,
            len: lookup.end - lookup.start,
            alone,
            escalate_with: with,
            msg: format!(
                "looks up {name} in the builtins dynamically{}: a way to call `exec` and friends without writing their names",
                if lookup.computed && !lookup.dynamic { " from a computed string" } else { "" }
            ),
        });
    }
    // Text-level hiding: off-screen code and Trojan Source characters.
    let mut bidi_lines = HashSet::new();
    let mut line_start = 0;
    for line in sf.text.split_inclusive('\n') {
        let mut run = 0;
        let mut run_start = 0;
        for (i, c) in line.char_indices() {
            if c == ' ' || c == '\t' {
                if run == 0 {
                    run_start = i;
                }
                run += 1;
                continue;
            }
            if run >= HIDING_SPACES && !c.is_whitespace() {
                kinds |= kind::OBFUSCATE;
                let at = line_start + i;
                let hidden_kinds = facts
                    .calls
                    .iter()
                    .filter(|c| c.start >= at && c.start < line_start + line.len())
                    .fold(0, |k, c| k | c.kinds | c.local_kinds);
                pending.push(Pending {
                    rule: Rule::Obfuscation,
                    start: line_start + run_start,
                    len: run,
                    alone: if hidden_kinds & kind::CAPABILITIES != 0 {
                        Severity::Error
                    } else {
                        Severity::Warning
                    },
                    escalate_with: kind::DECODE | kind::BLOB,
                    msg: format!(
                        "code after {run} spaces, past the edge of any editor window: hidden from review"
                    ),
                });
                break;
            }
            run = 0;
            if python::is_bidi_control(c) && bidi_lines.insert(line_start) {
                kinds |= kind::OBFUSCATE;
                pending.push(Pending {
                    rule: Rule::Obfuscation,
                    start: line_start + i,
                    len: 1,
                    alone: Severity::Warning,
                    escalate_with: 0,
                    msg: format!(
                        "bidirectional control character U+{:04X}: the code runs in a different order than it reads (Trojan Source)",
                        c as u32
                    ),
                });
            }
        }
        line_start += line.len();
    }
    if let Some(at) = facts.too_deep {
        pending.push(Pending {
            rule: Rule::Obfuscation,
            start: at,
            len: 1,
            alone: Severity::Note,
            escalate_with: 0,
            msg: format!(
                "nested more than {} levels deep; the rest of this expression was not read",
                python::MAX_DEPTH
            ),
        });
    }

    for p in pending {
        let combined = p.escalate_with & kinds != 0;
        j.push(
            p.rule,
            p.start,
            p.start + p.len,
            sev(combined, p.alone),
            p.msg,
        );
    }

    let threats = kinds & (kind::THREATS | kind::TEMP);
    // what each function (and the module body) does, for launches staged in the same place
    let mut scope_kinds: std::collections::HashMap<usize, u16> = Default::default();
    for c in &facts.calls {
        *scope_kinds.entry(c.scope).or_default() |= c.kinds;
    }
    let literal_temp =
        kinds & kind::TEMP != 0 && facts.calls.iter().all(|c| c.kinds & kind::TEMP == 0);
    let mut exec_lines = HashSet::new();
    for call in &facts.calls {
        let (line, _) = sf.line_col(call.start);
        let name = call.callee.as_str();
        if let Some(dec) = &call.decoded_by {
            if exec_lines.insert(line) {
                j.push(
                    Rule::DecodeExec,
                    call.start,
                    call.end,
                    Severity::Error,
                    format!(
                        "`{name}` runs data decoded by {dec}: the code that runs is hidden from anyone reading this file"
                    ),
                );
            }
        }
        if let Some(option) = &call.hidden {
            j.push(
                Rule::HiddenProcess,
                call.start,
                call.end,
                sev(
                    threats & !kind::HIDE != 0,
                    Severity::Warning,
                ),
                format!(
                    "`{name}` launches a process with {option}: it keeps running, detached, after this program exits"
                ),
            );
        } else if call.kinds & kind::SPAWN != 0 && {
            let here = scope_kinds.get(&call.scope).copied().unwrap_or(0);
            (here & kind::TEMP != 0 || literal_temp) && here & kind::WRITE != 0
        } {
            j.push(
                Rule::HiddenProcess,
                call.start,
                call.end,
                sev(
                    kinds & (kind::DECODE | kind::BLOB | kind::OBFUSCATE) != 0,
                    Severity::Note,
                ),
                format!(
                    "`{name}` launches a process from a file that writes to the temporary directory: how droppers stage a payload"
                ),
            );
        }
        let does = call.kinds | call.local_kinds;
        let caps = does & kind::CAPABILITIES;
        if caps == 0 {
            continue;
        }
        let what = python::describe(does);
        let via =
            if call.local_kinds & kind::CAPABILITIES != 0 && call.kinds & kind::CAPABILITIES == 0 {
                format!("`{name}()`, defined in this file,")
            } else {
                format!("`{name}`")
            };
        match role {
            Role::PackageInit | Role::Conftest | Role::Startup if call.module_level => {
                let with = threats | (kinds & kind::ENDPOINT_LOCAL);
                j.push(
                    Rule::ImportTimeCode,
                    call.start,
                    call.end,
                    sev(with != 0, Severity::Warning),
                    format!("{via} {what} {}, without being called", role.when()),
                );
            }
            Role::Setup if call.command_class.is_some() => {
                let class = call.command_class.as_deref().unwrap_or("");
                let build_step = ["build", "Build", "ext", "Ext"]
                    .iter()
                    .any(|w| class.contains(w));
                let combined =
                    threats != 0 || !build_step || caps & (kind::NETWORK | kind::EXEC) != 0;
                j.push(
                    Rule::InstallTimeCode,
                    call.start,
                    call.end,
                    sev(combined, Severity::Warning),
                    format!(
                        "{via} {what} inside setuptools command `{class}`: it runs on `pip install`, before any review"
                    ),
                );
            }
            Role::Setup if call.module_level => {
                j.push(
                    Rule::InstallTimeCode,
                    call.start,
                    call.end,
                    sev(threats != 0, Severity::Warning),
                    format!("{via} {what} at module level of setup.py: it runs on `pip install`"),
                );
            }
            _ => {}
        }
    }
    if role == Role::Setup {
        for &at in &facts.cmdclass {
            j.push(
                Rule::InstallTimeCode,
                at,
                at + "cmdclass".len(),
                Severity::Note,
                "`cmdclass` replaces setuptools commands with code from this file: review what they run on install".into(),
            );
        }
    }
    if role == Role::Pth {
        let mut start = 0;
        for line in sf.text.split_inclusive('\n') {
            let end = start + line.trim_end().len();
            if line.starts_with("import ") || line.starts_with("import\t") {
                let does = facts
                    .calls
                    .iter()
                    .filter(|c| c.start >= start && c.start < end)
                    .fold(0, |k, c| k | c.kinds | c.local_kinds);
                let bad = does & (kind::CAPABILITIES | kind::DECODE) != 0;
                let msg = if bad {
                    format!(
                        "this .pth line runs at every Python start-up and {}",
                        python::describe(does)
                    )
                } else {
                    "this .pth line imports code at every Python start-up; only paths belong in .pth files, unless a tool you installed put it there".into()
                };
                j.push(
                    Rule::ImportTimeCode,
                    start,
                    end,
                    if bad {
                        Severity::Error
                    } else {
                        Severity::Warning
                    },
                    msg,
                );
            }
            start += line.len();
        }
    }
    j.out
}
