//! `squatguard audit`: reads the list (a file, or standard input through [`Io`]), screens it
//! with [`crate::audit`], and prints the findings with [`crate::report::audit`].

use super::{DataOptions, Io, Status};
use crate::finding::{Rule, Severity};
pub use crate::report::audit::AuditFormat;
use crate::rules::Engine;
use std::io::Write;
use std::path::PathBuf;

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
    let mut out = std::io::BufWriter::new(io.stdout);
    crate::report::audit::write(&audited, req.format, &mut out)?;
    out.flush()?;
    Ok(super::status_of(
        audited
            .findings
            .iter()
            .any(|f| f.severity == Severity::Error),
    ))
}
