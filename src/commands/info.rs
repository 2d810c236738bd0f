//! `squatguard rules` (the rule catalogue) and `squatguard config` (the effective configuration).
//! The catalogue is [`Rule::ALL`] with its codes and default severities, which must agree with
//! the README's rule table; `config` prints the configuration as `check` would apply it, from
//! the same loader ([`super::load_config`]).

use super::{load_config, Io, Status};
use crate::finding::Rule;
use std::path::Path;

/// Lists every rule with its code, default severity and description.
pub fn rules(io: Io) -> anyhow::Result<Status> {
    for rule in Rule::ALL {
        writeln!(
            io.stdout,
            "{}  {:<22} {:<8} {}",
            rule.code(),
            rule.name(),
            rule.default_severity(),
            rule.description()
        )?;
    }
    Ok(Status::Clean)
}

/// Prints the configuration found from `path` (or the file `config`), as TOML.
pub fn config(path: Option<&Path>, config: Option<&Path>, io: Io) -> anyhow::Result<Status> {
    let cfg = load_config(config, path)?;
    write!(io.stdout, "{}", cfg.to_toml())?;
    Ok(Status::Clean)
}
