//! Printers: one finding type, many formats. Each writes the requested report to the writer it
//! is given (stdout in the binary) and nothing else.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use crate::check::CheckReport;
use std::io::{self, Write};

/// Output formats of `squatguard check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
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
