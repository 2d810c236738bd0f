//! The human report: one block per finding, then a summary line; nothing when clean.
//! It must say what the JSON report says: each finding's text is
//! [`Finding::display_message`] (the rule's message with its allowance or ignored-comment
//! note), and every text a checked file chose (snippets, names, file names) goes through
//! [`super::visible`]. Colour is anstyle's, decided by the caller (anstream's `NO_COLOR`,
//! `CLICOLOR`, `CLICOLOR_FORCE` and `TERM=dumb` handling).

use super::visible;
use crate::check::CheckReport;
use crate::finding::{Finding, Severity};
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};

const BOLD: Style = Style::new().bold();
const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const NOTE: Style = AnsiColor::Cyan.on_default().bold();
const GUTTER: Style = AnsiColor::Blue.on_default().bold();

/// Paints with anstyle's styles, or not at all.
struct Painter {
    on: bool,
}

impl Painter {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.on {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }

    fn severity(&self, s: Severity) -> String {
        let style = match s {
            Severity::Error => ERROR,
            Severity::Warning => WARNING,
            Severity::Note => NOTE,
        };
        self.paint(style, s.as_str())
    }
}

pub fn write(report: &CheckReport, out: &mut dyn Write, color: bool) -> io::Result<()> {
    if report.findings.is_empty() {
        return Ok(());
    }
    let style = Painter { on: color };
    for f in &report.findings {
        finding(f, out, &style)?;
    }
    let n =
        |count: usize, what: &str| format!("{count} {what}{}", if count == 1 { "" } else { "s" });
    let warnings = report.count(Severity::Warning);
    // a scan's warnings are code that can do harm, not proven to: the user must read it
    let advice = if report.code_scanned && warnings > 0 {
        ": read the code flagged by each warning before you install, import, test or run this repository"
    } else {
        ""
    };
    writeln!(
        out,
        "{}, {}, {} in {} ({} checked){advice}",
        n(report.count(Severity::Error), "error"),
        n(warnings, "warning"),
        n(report.count(Severity::Note), "note"),
        n(report.files, "file"),
        n(report.dependencies, "dependency").replace("dependencys", "dependencies"),
    )
}

fn finding(f: &Finding, out: &mut dyn Write, style: &Painter) -> io::Result<()> {
    writeln!(
        out,
        "{}:{}:{}: {}{}: {}",
        visible(&f.file),
        f.line,
        f.column,
        style.severity(f.severity),
        style.paint(BOLD, &format!("[{}]", f.rule)),
        visible(&f.display_message())
    )?;
    if let Some(snippet) = &f.snippet {
        let num = f.line.to_string();
        let pad = " ".repeat(num.len());
        let bar = style.paint(GUTTER, "|");
        // a window of a long line is marked as one
        let ellipsis = if f.snippet_skip > 0 { "..." } else { "" };
        let shown = visible(snippet).replace('\t', " ");
        writeln!(out, "{pad} {bar}")?;
        writeln!(out, "{} {bar} {ellipsis}{shown}", style.paint(GUTTER, &num))?;
        // the caret stands under the name as shown, escapes included
        let before: String = snippet
            .chars()
            .take(f.column.saturating_sub(1 + f.snippet_skip) as usize)
            .collect();
        let lead = " ".repeat(ellipsis.len() + visible(&before).chars().count());
        let carets = "^".repeat(f.span_len.max(1) as usize);
        writeln!(out, "{pad} {bar} {lead}{}", style.paint(ERROR, &carets))?;
    }
    if let Some(help) = &f.help {
        writeln!(out, "  = help: {}", visible(help))?;
    }
    if let Some(source) = &f.source {
        writeln!(out, "  = see: {}", visible(source))?;
    }
    writeln!(out)
}
