//! `encoded-blob` (SG402): a long base64 or hex string literal, decoded (never run) and named
//! for what it holds. From the facts: each literal's `blob` ([`crate::code_facts::blobs`]), placed at
//! the literal's first character.
//!
//! Severity: Python source or an executable is a warning alone and an error when the file also
//! executes code, launches a process or reaches the network; compressed data is a note alone
//! and an error when the file executes code; images, text and other data stay notes.

use super::code::{severity, CodeFile};
use crate::code_facts::blobs::Content;
use crate::code_facts::kind;
use crate::finding::{Finding, Rule, Severity};

pub fn check(file: &CodeFile) -> Vec<Finding> {
    let mut out = Vec::new();
    for lit in &file.facts.literals {
        let Some(blob) = &lit.blob else { continue };
        let (alone, with, what) = match &blob.content {
            Content::Python(first) => (
                Severity::Warning,
                kind::CAPABILITIES,
                format!("Python source (`{first}`…)"),
            ),
            Content::Executable(what) => {
                (Severity::Warning, kind::CAPABILITIES, (*what).to_owned())
            }
            Content::Compressed(what) => (
                Severity::Note,
                kind::EXEC,
                format!("{what}-compressed data"),
            ),
            Content::Media(what) => (Severity::Note, 0, (*what).to_owned()),
            Content::Text => (Severity::Note, 0, "text".to_owned()),
            Content::Data => (Severity::Note, 0, "binary data".to_owned()),
        };
        let msg = format!(
            "a {}-character {} literal decodes to {what}{}",
            blob.encoded_len,
            blob.encoding.as_str(),
            if blob.content.is_payload() {
                ": a payload carried in the source, invisible to review"
            } else {
                ""
            }
        );
        out.push(file.finding(
            Rule::EncodedBlob,
            lit.start,
            lit.start + 1,
            severity(with & file.kinds != 0, alone),
            msg,
        ));
    }
    out
}
