//! `squatguard trust`: records that the user reviewed a configuration file that weakens the
//! checks, so that safe-pip applies it while it stays unchanged (see [`crate::trust`]).

use super::{Io, Status};
use crate::config;
use crate::data;
use crate::db;
use std::path::{Path, PathBuf};

/// Trusts `file` (default: the configuration found from the current directory), or forgets it.
pub fn run(
    file: Option<PathBuf>,
    remove: bool,
    data_dir: Option<PathBuf>,
    io: Io,
) -> anyhow::Result<Status> {
    let file = match file {
        Some(f) => f,
        None => config::find(Path::new(".")).ok_or_else(|| {
            anyhow::anyhow!("no squatguard configuration found from the current directory")
        })?,
    };
    let shown = crate::source::display_path(&file);
    let store = data::data_dir(data_dir.as_deref()).ok_or(db::DbError::NoDataDir)?;
    if remove {
        let was =
            crate::trust::revoke(&store, &file).map_err(|e| anyhow::anyhow!("`{shown}`: {e}"))?;
        let what = if was {
            "is no longer trusted"
        } else {
            "was not trusted"
        };
        writeln!(io.stderr, "squatguard: `{shown}` {what}")?;
        return Ok(Status::Clean);
    }
    // a file that does not load would not be applied anyway: say so now, not at install time
    let cfg = config::load(&file)?;
    crate::trust::trust(&store, &file).map_err(|e| anyhow::anyhow!("`{shown}`: {e}"))?;
    let relaxed = crate::pip::relaxations(&cfg);
    let what = if relaxed.is_empty() {
        "nothing in it weakens the checks, so safe-pip applied it already".to_owned()
    } else {
        format!(
            "safe-pip now applies its {}",
            config::Relaxation::list(&relaxed)
        )
    };
    writeln!(
        io.stderr,
        "squatguard: trusted `{shown}` as it is now: {what}; trust it again after each change"
    )?;
    Ok(Status::Clean)
}
