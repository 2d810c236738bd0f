//! `hidden-process` (SG405): a process launched so that it outlives or hides from the program
//! (`creationflags=DETACHED_PROCESS`, `start_new_session=True`, `preexec_fn=os.setsid`), and a
//! launch staged the way droppers stage a payload: from a function (or the module body) that
//! writes a file and uses the temporary directory. From the facts: each call's `hidden` option
//! and kinds, and what the other calls of its function do; placed over the call.
//!
//! A download made executable (GuardDog's `download-executable`): a `chmod` that sets an execute
//! bit in a file that reaches the network; placed over the `chmod`.
//!
//! Severity: a download made executable and launched from the same function (or module body)
//! is an error, made executable alone a warning. A detached launch is a warning alone and an
//! error when it meets another threat (decoding, a payload blob, an endpoint, a credential path,
//! obfuscation); a staged launch is a note alone and an error when it meets a payload blob,
//! obfuscation or the decoding of a payload the file carries or downloads. They meet in the
//! same function, or when both run without being called ([`super::code::CodeFile::meets`]),
//! where any decoding and, for a detached launch, the temporary directory count too. A threat
//! only in another function that nothing calls unasked leaves the launch a warning (a note); so
//! do the temporary directory beside a detached launch in one function (ansible's `kinit` with
//! its credential cache) and decoding what the function is given beside a staged launch
//! (jupyter_console decoding an image from the kernel to show it in a viewer).

use super::code::{severity, CodeFile};
use crate::code_facts::kind;
use crate::finding::{Finding, Rule, Severity};
use std::collections::HashMap;

pub fn check(file: &CodeFile) -> Vec<Finding> {
    let calls = &file.facts.calls;
    // what each function (and the module body) does, for launches staged in the same place
    let mut scope_kinds: HashMap<usize, u16> = HashMap::new();
    for c in calls {
        *scope_kinds.entry(c.scope).or_default() |= c.kinds;
    }
    let literal_temp =
        file.kinds & kind::TEMP != 0 && calls.iter().all(|c| c.kinds & kind::TEMP == 0);
    let mut out = Vec::new();
    for call in calls {
        let name = &call.callee;
        if call.kinds & kind::MAKE_EXEC != 0 && file.kinds & kind::NETWORK != 0 {
            let here = scope_kinds.get(&call.scope).copied().unwrap_or(0);
            let runs = here & kind::NETWORK != 0 && here & kind::SPAWN != 0;
            out.push(file.finding(
                Rule::HiddenProcess,
                call.start,
                call.end,
                severity(runs, Severity::Warning),
                format!(
                    "`{name}` makes a file executable in code that downloads{}: how droppers install a second stage",
                    if runs { " and launches it" } else { "" }
                ),
            ));
        }
        if let Some(option) = &call.hidden {
            out.push(file.finding(
                Rule::HiddenProcess,
                call.start,
                call.end,
                severity(
                    file.in_scope(call.scope) & kind::THREATS & !kind::HIDE != 0
                        || (file.runs(call.reached)
                            && file.reached & (kind::THREATS | kind::TEMP) & !kind::HIDE != 0),
                    Severity::Warning,
                ),
                format!(
                    "`{name}` launches a process with {option}: it keeps running, detached, after this program exits"
                ),
            ));
        } else if call.kinds & kind::SPAWN != 0 && {
            let here = scope_kinds.get(&call.scope).copied().unwrap_or(0);
            (here & kind::TEMP != 0 || literal_temp) && here & kind::WRITE != 0
        } {
            out.push(file.finding(
                Rule::HiddenProcess,
                call.start,
                call.end,
                severity(
                    file.in_scope(call.scope) & (kind::CARRIED | kind::BLOB | kind::OBFUSCATE)
                        != 0
                        || (file.runs(call.reached)
                            && file.reached & (kind::DECODE | kind::BLOB | kind::OBFUSCATE) != 0),
                    Severity::Note,
                ),
                format!(
                    "`{name}` launches a process from a file that writes to the temporary directory: how droppers stage a payload"
                ),
            ));
        }
    }
    out
}
