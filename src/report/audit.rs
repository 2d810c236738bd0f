//! `squatguard audit`'s printers: a line per finding (`package: severity[rule]: message`), or a
//! JSON object per line: the finding as the JSON report writes it (`crate::report::json`), and
//! for a TSV line the line's age facts after the finding's own fields (`latest_version`,
//! `latest_month`, `first_upload`, each only when known). Text from the list is written through
//! [`super::visible`], as every printer writes text a hostile file chose.

use super::visible;
use crate::audit::Audited;
use crate::finding::Finding;
use crate::store::NameAge;
use serde::Serialize;
use std::io::{self, Write};

/// How `audit` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuditFormat {
    /// `package: severity[rule]: message`, a line per finding.
    #[default]
    Text,
    /// A JSON finding object per line.
    Json,
}

/// One JSON line: the finding, then its line's age facts.
#[derive(Serialize)]
struct Line<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    #[serde(skip_serializing_if = "Option::is_none")]
    latest_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    latest_month: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_upload: Option<&'a str>,
}

/// Writes `audited`'s findings in `format`.
pub fn write(audited: &Audited, format: AuditFormat, out: &mut dyn Write) -> io::Result<()> {
    for f in &audited.findings {
        match format {
            AuditFormat::Text => writeln!(
                out,
                "{}: {}[{}]: {}",
                visible(f.package.as_deref().unwrap_or_default()),
                f.severity,
                f.rule,
                visible(&f.display_message())
            )?,
            AuditFormat::Json => {
                let age = audited.ages.get(&f.line);
                let fact =
                    |pick: fn(&NameAge) -> &Option<String>| age.and_then(|a| pick(a).as_deref());
                let line = Line {
                    finding: f,
                    latest_version: fact(|a| &a.latest_version),
                    latest_month: fact(|a| &a.latest_month),
                    first_upload: fact(|a| &a.first_seen),
                };
                serde_json::to_writer(&mut *out, &line)?;
                writeln!(out)?;
            }
        }
    }
    Ok(())
}
