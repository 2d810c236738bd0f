//! `squatguard audit`: reads the list (a file, or standard input through [`Io`]), screens it
//! with [`crate::audit`], and prints a line (or a JSON object) per finding; in JSON, a finding
//! about a TSV line carries the line's age facts (`latest_version`, `latest_month`,
//! `first_upload`).

use super::{DataOptions, Io, Status};
use crate::finding::{Rule, Severity};
use crate::report::visible;
use crate::rules::Engine;
use std::io::Write;
use std::path::PathBuf;

/// How `audit` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuditFormat {
    /// `package: severity[rule]: message`, a line per finding.
    #[default]
    Text,
    /// A JSON finding object per line.
    Json,
}

/// What `squatguard audit` was asked.
#[derive(Debug, Clone, Default)]
pub struct AuditRequest {
    /// The list of names; `None` or `-`: standard input.
    pub input: Option<PathBuf>,
    /// Only these rules (empty: all of [`crate::audit::RULES`]).
    pub select: Vec<Rule>,
    pub format: AuditFormat,
    pub data: DataOptions,
}

/// Runs `squatguard audit`.
pub fn run(req: AuditRequest, io: Io) -> anyhow::Result<Status> {
    use anyhow::Context;
    let (file, text) = match req.input.as_deref() {
        Some(p) if p.as_os_str() != "-" => (
            crate::source::display_path(p),
            std::fs::read_to_string(p).with_context(|| format!("`{}`", p.display()))?,
        ),
        _ => {
            let mut s = String::new();
            io.stdin
                .read_to_string(&mut s)
                .map_err(|e| anyhow::anyhow!("reading standard input: {e}"))?;
            ("<stdin>".to_owned(), s)
        }
    };
    let data = req
        .data
        .load(io.stderr, crate::data::DEFAULT_MAX_AGE_DAYS)?;
    let mut engine = Engine::new(&data, crate::config::Config::default().popular_top_n);
    // audit's work is judging names: each is searched, none taken from precomputed verdicts
    engine.precomputed = false;
    engine.only = if req.select.is_empty() {
        crate::audit::RULES.to_vec()
    } else {
        req.select.clone()
    };
    let audited = match crate::audit::audit(&file, &text, &engine, &req.select) {
        Ok(a) => a,
        Err(crate::audit::AuditError::Store(e)) => Err(crate::check::CheckError::from(e))?,
        Err(e) => anyhow::bail!("{e}"),
    };
    let findings = &audited.findings;
    let mut out = std::io::BufWriter::new(io.stdout);
    for f in findings {
        match req.format {
            AuditFormat::Text => writeln!(
                out,
                "{}: {}[{}]: {}",
                visible(f.package.as_deref().unwrap_or_default()),
                f.severity,
                f.rule,
                visible(&f.display_message())
            )?,
            AuditFormat::Json => match audited.ages.get(&f.line) {
                None => {
                    serde_json::to_writer(&mut out, f)?;
                    writeln!(out)?;
                }
                Some(age) => {
                    // the line's age facts, after the finding's own fields (in their order)
                    let mut object = serde_json::to_string(f)?;
                    object.pop(); // the closing brace
                    let facts = [
                        ("latest_version", &age.latest_version),
                        ("latest_month", &age.latest_month),
                        ("first_upload", &age.first_seen),
                    ];
                    for (key, value) in facts {
                        if let Some(v) = value {
                            object.push_str(&format!(",\"{key}\":{}", serde_json::to_string(v)?));
                        }
                    }
                    writeln!(out, "{object}}}")?;
                }
            },
        }
    }
    out.flush()?;
    Ok(super::status_of(
        findings.iter().any(|f| f.severity == Severity::Error),
    ))
}
