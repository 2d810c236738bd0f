//! GitHub Actions workflow commands: `::error file=F,line=L,col=C,title=T::message`, which the
//! runner turns into annotations on the pull request.

use crate::check::CheckReport;
use crate::finding::Severity;
use std::io::{self, Write};

/// Escapes a property value (`%`, CR, LF, `:` and `,`) as the runner expects.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Escapes a message (`%`, CR, LF) as the runner expects; other control characters are shown,
/// not sent, since the log viewer obeys colour and cursor sequences.
fn escape_data(s: &str) -> String {
    let escaped = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    super::visible(&escaped).into_owned()
}

pub fn write(report: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let title = format!("{} {}", f.code, f.rule);
        let mut message = f.display_message().into_owned();
        if let Some(help) = &f.help {
            message.push_str(&format!(" ({help})"));
        }
        writeln!(
            out,
            "::{command} file={},line={},col={},title={}::{}",
            escape_property(&f.file),
            f.line,
            f.column,
            escape_property(&title),
            escape_data(&message)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape_data("50%\nx"), "50%25%0Ax");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
        assert_eq!(escape_data("x\x1b[2K\r\n"), "x\\u{1b}[2K%0D%0A");
    }
}
