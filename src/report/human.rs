//! The human report: one block per finding, then a summary line; nothing when clean.

use super::visible;
use crate::check::CheckReport;
use crate::finding::{Finding, Severity};
use std::io::{self, Write};

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn severity(&self, s: Severity) -> String {
        let code = match s {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Note => "1;36",
        };
        self.paint(code, s.as_str())
    }
}

pub fn write(report: &CheckReport, out: &mut dyn Write, color: bool) -> io::Result<()> {
    if report.findings.is_empty() {
        return Ok(());
    }
    let style = Style { on: color };
    for f in &report.findings {
        finding(f, out, &style)?;
    }
    let n =
        |count: usize, what: &str| format!("{count} {what}{}", if count == 1 { "" } else { "s" });
    writeln!(
        out,
        "{}, {}, {} in {} ({} checked)",
        n(report.count(Severity::Error), "error"),
        n(report.count(Severity::Warning), "warning"),
        n(report.count(Severity::Note), "note"),
        n(report.files, "file"),
        n(report.dependencies, "dependency").replace("dependencys", "dependencies"),
    )
}

fn finding(f: &Finding, out: &mut dyn Write, style: &Style) -> io::Result<()> {
    writeln!(
        out,
        "{}:{}:{}: {}{}: {}",
        visible(&f.file),
        f.line,
        f.column,
        style.severity(f.severity),
        style.paint("1", &format!("[{}]", f.rule)),
        visible(&f.display_message())
    )?;
    if let Some(snippet) = &f.snippet {
        let num = f.line.to_string();
        let pad = " ".repeat(num.len());
        let bar = style.paint("1;34", "|");
        let shown = visible(snippet).replace('\t', " ");
        writeln!(out, "{pad} {bar}")?;
        writeln!(out, "{} {bar} {shown}", style.paint("1;34", &num))?;
        // the caret stands under the name as shown, escapes included
        let before: String = snippet
            .chars()
            .take(f.column.saturating_sub(1) as usize)
            .collect();
        let lead = " ".repeat(visible(&before).chars().count());
        let carets = "^".repeat(f.span_len.max(1) as usize);
        writeln!(out, "{pad} {bar} {lead}{}", style.paint("1;31", &carets))?;
    }
    if let Some(help) = &f.help {
        writeln!(out, "  = help: {}", visible(help))?;
    }
    if let Some(source) = &f.source {
        writeln!(out, "  = see: {}", visible(source))?;
    }
    writeln!(out)
}
