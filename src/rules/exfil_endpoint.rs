//! `exfil-endpoint` (SG406): a string literal naming where stolen data is sent or a second
//! stage fetched: a Discord webhook, a Telegram bot, a paste site, a raw IP URL or a URL hidden
//! with ROT13. From the facts: each literal's endpoint indicators ([`crate::code_facts::indicators`];
//! docstrings have none), placed over the literal.
//!
//! Severity: a public endpoint is a warning alone. It is an error when it runs without being
//! called beside code, also run unasked, that executes, launches or connects
//! ([`super::code::CodeFile::meets`]), and when the function holding or using it also executes code or
//! launches a process (a second stage fetched and run) or connects and shows another threat (a
//! credential path, decoding, a payload, hiding). A function that only talks to the service it
//! names, when called (tqdm's Telegram writer, IPython's `%pastebin`), stays a warning: that is
//! what any client of the service does, and what makes it a stealer is what it sends or runs,
//! or that it runs unasked. A loopback or private address (how tests reach local services)
//! stays a note.

use super::code::{severity, CodeFile};
use crate::code_facts::indicators::Indicator;
use crate::code_facts::kind;
use crate::finding::{Finding, Rule, Severity};

pub fn check(file: &CodeFile) -> Vec<Finding> {
    let mut out = Vec::new();
    for lit in &file.facts.literals {
        for ind in &lit.indicators {
            let Indicator::Endpoint { what, strong } = ind else {
                continue;
            };
            let combined = *strong
                && (file.literal_meets(lit, kind::EXEC | kind::SPAWN)
                    || (file.runs(lit.reached) && file.reached & kind::NETWORK != 0)
                    || file.literal_scopes(lit).any(|s| {
                        let here = file.in_scope(s);
                        here & kind::NETWORK != 0 && here & kind::THREATS & !kind::ENDPOINT != 0
                    }));
            let alone = if *strong {
                Severity::Warning
            } else {
                Severity::Note
            };
            out.push(file.finding(
                Rule::ExfilEndpoint,
                lit.start,
                lit.start + lit.text.chars().count(),
                severity(combined, alone),
                format!("{what}: where stolen data and second-stage payloads are sent and fetched"),
            ));
        }
    }
    out
}
