//! `credential-access` (SG407): a string literal holding a path to secrets: SSH keys, cloud and
//! registry credentials, browser profiles, crypto wallets. From the facts: each literal's
//! credential indicators ([`crate::code_facts::indicators`]; docstrings have none), placed over the
//! literal.
//!
//! Severity: a warning alone; an error when it meets a network call
//! ([`super::code::CodeFile::meets`]): in the same function (a stealer that reads `~/.ssh/id_rsa`
//! and posts it, called or not, also through a constant the function uses), or both in code that
//! runs without being called. A path in one
//! function or constant and a connection in another that nothing calls unasked (an SSH client's
//! `known_hosts` loader and its `connect`) stay a warning.

use super::code::{severity, CodeFile};
use crate::code_facts::indicators::Indicator;
use crate::code_facts::kind;
use crate::finding::{Finding, Rule, Severity};

pub fn check(file: &CodeFile) -> Vec<Finding> {
    let mut out = Vec::new();
    for lit in &file.facts.literals {
        for ind in &lit.indicators {
            let Indicator::Credential { what } = ind else {
                continue;
            };
            out.push(file.finding(
                Rule::CredentialAccess,
                lit.start,
                lit.start + lit.text.chars().count(),
                severity(file.literal_meets(lit, kind::NETWORK), Severity::Warning),
                format!("a path to {what}: what credential stealers read"),
            ));
        }
    }
    out
}
