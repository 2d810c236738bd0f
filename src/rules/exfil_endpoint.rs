//! `exfil-endpoint` (SG406): a string literal naming where stolen data is sent or a second
//! stage fetched: a Discord webhook, a Telegram bot, a paste site, a raw IP URL or a URL hidden
//! with ROT13. From the facts: each literal's endpoint indicators ([`crate::scan::indicators`];
//! docstrings have none), placed over the literal.
//!
//! Severity: a public endpoint is a warning alone and an error when the file also executes
//! code, launches a process or reaches the network; a loopback or private address (how tests
//! reach local services) stays a note.

use super::code::{severity, CodeFile};
use crate::finding::{Finding, Rule, Severity};
use crate::scan::facts::kind;
use crate::scan::indicators::Indicator;

pub fn check(file: &CodeFile) -> Vec<Finding> {
    let mut out = Vec::new();
    for lit in &file.facts.literals {
        for ind in &lit.indicators {
            let Indicator::Endpoint { what, strong } = ind else {
                continue;
            };
            let (alone, with) = if *strong {
                (Severity::Warning, kind::CAPABILITIES)
            } else {
                (Severity::Note, 0)
            };
            out.push(file.finding(
                Rule::ExfilEndpoint,
                lit.start,
                lit.start + lit.text.chars().count(),
                severity(with & file.kinds != 0, alone),
                format!("{what}: where stolen data and second-stage payloads are sent and fetched"),
            ));
        }
    }
    out
}
