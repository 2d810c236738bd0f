//! The JSON report (schema version 1): a document of the findings, as [`Finding`] serialises
//! them, and a summary. It must agree with the README's table of fields, which users read as
//! the schema: a field added here is added there (the CLI cases in `tests/cmd` pin the output).

use crate::check::CheckReport;
use crate::finding::{Finding, Severity};
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    findings: &'a [Finding],
    summary: Summary<'a>,
}

#[derive(Serialize)]
struct Summary<'a> {
    files: usize,
    dependencies: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    /// Findings kept out of the report by the rule choice, the configuration or comments.
    hidden: usize,
    /// Directories and files the walks left unread, each with why.
    skipped: &'a [crate::check::Skipped],
}

pub fn write(report: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
    let doc = Document {
        version: 1,
        findings: &report.findings,
        summary: Summary {
            files: report.files,
            dependencies: report.dependencies,
            errors: report.count(Severity::Error),
            warnings: report.count(Severity::Warning),
            notes: report.count(Severity::Note),
            hidden: report.hidden.len(),
            skipped: &report.skipped,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
