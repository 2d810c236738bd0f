//! `squatguard db update` and `squatguard db status`: the data's refresh, with progress on
//! stderr, and its description.

use super::{DataOptions, Io, Status};
use crate::data;
use crate::db;

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// Downloads (or reads) fresh data, validates it, and replaces the cache atomically: the OSV
/// feed from `osv`, the PyPI names from `pypi_names`, both from their default URLs when neither
/// is given.
pub fn update(
    osv: Option<String>,
    pypi_names: Option<String>,
    args: &DataOptions,
    io: Io,
) -> anyhow::Result<Status> {
    let dir = data::data_dir(args.data_dir.as_deref()).ok_or(db::DbError::NoDataDir)?;
    let opts = db::UpdateOptions { osv, pypi_names };
    let stderr = io.stderr;
    let terminal = io.stderr_is_terminal;
    let mut on_event = |event: db::Event| {
        // progress is best effort: a closed stderr must not stop the update
        let _ = match event {
            db::Event::Fetching { what, source } => {
                writeln!(stderr, "squatguard: reading {what} from {source}")
            }
            db::Event::Download(p) if terminal => {
                let total = p
                    .total
                    .map(|t| format!(" / {}", mib(t)))
                    .unwrap_or_default();
                let pct = p
                    .total
                    .filter(|t| *t > 0)
                    .map(|t| format!(" ({}%)", p.done * 100 / t))
                    .unwrap_or_default();
                let end = if p.finished { "\n" } else { "" };
                write!(
                    stderr,
                    "\r\x1b[2K  downloaded {}{total}{pct}{end}",
                    mib(p.done)
                )
            }
            db::Event::Download(p) if p.finished => {
                writeln!(stderr, "  downloaded {}", mib(p.done))
            }
            db::Event::Download(_) => Ok(()),
            db::Event::Warning(w) => writeln!(stderr, "squatguard: warning: {w}"),
        };
    };
    let results = db::update(&dir, &opts, &mut on_event);
    let mut failed = false;
    for result in results {
        match result {
            Ok(db::Updated::Names(meta)) => {
                writeln!(
                    stderr,
                    "squatguard: {} PyPI project names saved to {}",
                    meta.names,
                    dir.join(data::NAMES_FILE).display()
                )?;
            }
            Ok(db::Updated::Reports { meta, import }) => {
                for e in &import.errors {
                    writeln!(stderr, "squatguard: warning: skipped {e}")?;
                }
                writeln!(
                    stderr,
                    "squatguard: {} malicious-package reports on {} names saved to {} ({} withdrawn, {} not malicious, {} not PyPI skipped; {} files unreadable)",
                    meta.records,
                    meta.names,
                    dir.join(data::REPORTS_FILE).display(),
                    import.skipped.withdrawn,
                    import.skipped.not_malicious,
                    import.skipped.not_pypi,
                    import.errors.len()
                )?;
            }
            Err(e) => {
                failed = true;
                writeln!(
                    stderr,
                    "squatguard: error: {e}; the previous data is unchanged"
                )?;
            }
        }
    }
    Ok(if failed { Status::Error } else { Status::Clean })
}

/// Says which data is in use, where it came from, how much there is and how old it is.
pub fn status(args: &DataOptions, io: Io) -> anyhow::Result<Status> {
    let dir = data::data_dir(args.data_dir.as_deref());
    let s = db::status(
        dir.as_deref(),
        args.max_data_age.unwrap_or(data::DEFAULT_MAX_AGE_DAYS),
    );
    let out = io.stdout;
    let age = |created: &str| match (data::days_from_date(created), data::today_days()) {
        (Some(c), Some(t)) => format!("{} days old", t - c),
        _ => "age unknown".into(),
    };
    match &s.dir {
        Some(d) => writeln!(out, "data directory:  {}", d.display())?,
        None => writeln!(
            out,
            "data directory:  none (no cache directory on this platform)"
        )?,
    }
    let origin = match &s.names_origin {
        data::Origin::Embedded => "embedded snapshot".to_owned(),
        data::Origin::Cache(p) => format!("cache {}", p.display()),
    };
    writeln!(
        out,
        "PyPI names:      {} names ({origin}), from {}, taken {} ({})",
        s.names.names,
        s.names.source,
        s.names.created,
        age(&s.names.created)
    )?;
    match &s.reports {
        Some((meta, path)) => writeln!(
            out,
            "malicious feed:  {} reports on {} names (cache {}), from {}, taken {} ({})",
            meta.records,
            meta.names,
            path.display(),
            meta.source,
            meta.created,
            age(&meta.created)
        )?,
        None => writeln!(
            out,
            "malicious feed:  none imported; run `squatguard db update`"
        )?,
    }
    writeln!(
        out,
        "embedded feed:   {} reports on {} names (embedded, facts only; under the imported feed), taken {} ({})",
        s.floor.records,
        s.floor.names,
        s.floor.created,
        age(&s.floor.created)
    )?;
    writeln!(
        out,
        "curated list:    {} reports (embedded, merged with the feed)",
        s.curated
    )?;
    for w in &s.warnings {
        writeln!(io.stderr, "squatguard: warning: {w}")?;
    }
    Ok(Status::Clean)
}
