//! `decode-exec` (SG401): `exec`, `eval`, `compile`, `marshal.loads`, `pickle.loads`, `runpy`
//! and friends, and process launches (`os.system`, `subprocess`), running data that was decoded
//! (base64, hex, compression, ROT13, XOR) or read from the network (`requests.get(u).text`,
//! `urlopen(u).read()`), directly, through a variable or through a function of the same file. From the facts: each call's `decoded_by`, placed over
//! the call; one finding per line, so `exec(compile(...))` is reported once.
//!
//! Severity: always an error: the code that runs is hidden from review.

use super::code::CodeFile;
use crate::finding::{Finding, Rule, Severity};
use std::collections::HashSet;

pub fn check(file: &CodeFile) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut lines = HashSet::new();
    for call in &file.facts.calls {
        let msg = match (&call.decoded_by, &call.fetched_by) {
            (Some(dec), _) => format!(
                "`{}` runs data decoded by {dec}: the code that runs is hidden from anyone reading this file",
                call.callee
            ),
            (None, Some(by)) => format!(
                "`{}` runs data read from the network by {by}: what runs is whatever the server sends, unseen by anyone reading this file",
                call.callee
            ),
            (None, None) => continue,
        };
        let (line, _) = file.sf.line_col(call.start);
        if lines.insert(line) {
            out.push(file.finding(Rule::DecodeExec, call.start, call.end, Severity::Error, msg));
        }
    }
    out
}
