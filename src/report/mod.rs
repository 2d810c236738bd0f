//! Printers: one finding type, many formats. Each writes the requested report to the writer it
//! is given (stdout in the binary) and nothing else.

pub mod audit;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use crate::check::CheckReport;
use std::io::{self, Write};

/// Output formats of `squatguard check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `path:line:col: severity[rule]: message`, with the line and a hint.
    Human,
    /// One JSON document: `{"version": 1, "findings": [...], "summary": {...}}`.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...,line=...::...`): annotations.
    Github,
}

/// Writes `report` in `format`.
pub fn write(
    format: Format,
    report: &CheckReport,
    out: &mut dyn Write,
    color: bool,
) -> io::Result<()> {
    match format {
        Format::Human => human::write(report, out, color),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Github => github::write(report, out),
    }
}

/// `text` as it may go to a terminal: control characters (escape sequences could move the
/// cursor and erase the finding above them) and bidirectional overrides (which reorder what is
/// shown) are written as `\u{..}` escapes. Text from the checked files reaches reports in
/// snippets, messages and file names, and a hostile file chooses it.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| {
        (c.is_control() && c != '\t')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_are_shown_not_obeyed() {
        assert_eq!(visible("reqeusts==1.0"), "reqeusts==1.0");
        assert!(matches!(
            visible("plain\ttext"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(visible("x\x1b[1A\x1b[2Ky"), "x\\u{1b}[1A\\u{1b}[2Ky");
        assert_eq!(visible("a\u{202e}b\rc"), "a\\u{202e}b\\u{d}c");
    }
}
