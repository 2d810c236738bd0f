//! `install-time-code` (SG403): code in `setup.py` that runs on `pip install` of a source
//! distribution: a call that executes code, launches a process or reaches the network inside a
//! setuptools command class (`install`, `develop`, `build_py`...) or at module level, and every
//! `cmdclass=` that replaces setuptools commands. From the facts: the file's role, each call's
//! kinds (with those of the file's own functions it calls), its command class and whether it
//! runs at module level, and the `cmdclass` keywords; placed over the call or the keyword.
//!
//! Severity: a call in a command class is an error when the file shows a threat or the
//! temporary directory, when the class is not a build step (its name has no `build`/`ext`), or
//! when the call connects or executes code, and a warning otherwise; a module-level call is a
//! warning alone and an error with a threat; `cmdclass` is a note.

use super::code::{describe, severity, via, CodeFile};
use crate::code_facts::{kind, Role};
use crate::finding::{Finding, Rule, Severity};

pub fn check(file: &CodeFile) -> Vec<Finding> {
    let facts = file.facts;
    if facts.role != Role::Setup {
        return Vec::new();
    }
    let threats = file.threats();
    let mut out = Vec::new();
    for call in &facts.calls {
        let does = call.kinds | call.local_kinds;
        let caps = does & kind::CAPABILITIES;
        if caps == 0 {
            continue;
        }
        let (via, what) = (via(call), describe(does));
        if let Some(class) = &call.command_class {
            let build_step = ["build", "Build", "ext", "Ext"]
                .iter()
                .any(|w| class.contains(w));
            let combined = threats != 0 || !build_step || caps & (kind::NETWORK | kind::EXEC) != 0;
            out.push(file.finding(
                Rule::InstallTimeCode,
                call.start,
                call.end,
                severity(combined, Severity::Warning),
                format!(
                    "{via} {what} inside setuptools command `{class}`: it runs on `pip install`, before any review"
                ),
            ));
        } else if call.module_level {
            out.push(file.finding(
                Rule::InstallTimeCode,
                call.start,
                call.end,
                severity(threats != 0, Severity::Warning),
                format!("{via} {what} at module level of install-time code (`setup.py`, a build backend or a module they import): it runs on `pip install`"),
            ));
        }
    }
    for &at in &facts.cmdclass {
        out.push(file.finding(
            Rule::InstallTimeCode,
            at,
            at + "cmdclass".len(),
            Severity::Note,
            "`cmdclass` replaces setuptools commands with code from this file: review what they run on install".into(),
        ));
    }
    out
}
