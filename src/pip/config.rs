//! pip's configuration (its files and `PIP_*` variables), read by safe-pip so that pip itself
//! never reads it: every pip safe-pip starts for a checked command runs with
//! `PIP_CONFIG_FILE` set to the null device, every other `PIP_*` variable removed, and
//! `--isolated`. What the user configured is judged here and handed to pip as explicit options.
//!
//! The reader agrees with pip's `pip/_internal/configuration.py` (pip 22–26) and the option
//! parser's `_update_defaults` (`pip/_internal/cli/parser.py`):
//!
//! ```text
//! variants, lowest priority first (a later one overrides an earlier one's key):
//!   global   = $XDG_CONFIG_DIRS (default /etc/xdg) each + /pip/pip.conf, then /etc/pip.conf
//!              (macOS: /Library/Application Support/pip/pip.conf)
//!   user     = ~/.pip/pip.conf, then $XDG_CONFIG_HOME (default ~/.config)/pip/pip.conf
//!              (macOS also ~/Library/Application Support/pip/pip.conf);
//!              skipped under --isolated and when PIP_CONFIG_FILE names an existing file
//!   site     = sys.prefix/pip.conf (the virtualenv's own)
//!   env      = the file PIP_CONFIG_FILE names; PIP_CONFIG_FILE = /dev/null: no file at all
//!   env-var  = PIP_<NAME> (NAME lowercased, `_` -> `-`); skipped under --isolated
//! file       = INI as Python's RawConfigParser reads it: `[section]`, `key = value` or
//!              `key: value`, indented lines continue a value, `#`/`;` lines are comments;
//!              keys lowercased, `_` -> `-`, a leading `--` dropped
//! sections   = [global], then [SUBCOMMAND] (install, download, wheel), then the variables:
//!              a later one overrides an earlier one for the same key
//! values     = an empty value is ignored; flags take strtobool (1/yes/true/on, 0/no/false/off);
//!              options given several times (find-links, extra-index-url, trusted-host, ...)
//!              split on whitespace; a key that is no option of the subcommand is ignored
//! ```
//!
//! A file that came with the repository is never applied: the site file or PIP_CONFIG_FILE's
//! when it lies inside the working tree (the git work tree around the current directory, else
//! the current directory), except a
//! virtualenv's own `pip.conf` that the user wrote after creating the virtualenv (not tracked
//! by git, newer than the virtualenv's `pyvenv.cfg`, and the virtualenv itself not tracked).

use super::args::{self, Arity};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The file name pip reads in each configuration directory.
const CONFIG_BASENAME: &str = "pip.conf";
/// A pip configuration file larger than this is not read (it is refused).
const MAX_CONFIG_SIZE: u64 = 1024 * 1024;

/// Options pip accepts several times; a configuration value of one of them is split on
/// whitespace, and the command line adds to it rather than replacing it.
pub const APPENDED: &[&str] = &[
    "--find-links",
    "--extra-index-url",
    "--trusted-host",
    "--constraint",
    "--requirement",
    "--editable",
    "--config-settings",
    "--global-option",
    "--build-option",
    "--install-option",
    "--use-feature",
    "--use-deprecated",
    "--no-binary",
    "--only-binary",
];

/// Settings never taken from the configuration: they are safe-pip's to choose, only change
/// what pip prints, or name requirements (which the command line gives, and safe-pip checks).
const NOT_APPLIED: &[&str] = &[
    "--requirement",
    "--constraint",
    "--editable",
    "--group",
    "--isolated",
    "--help",
    "--version",
    "--verbose",
    "--quiet",
    "--report",
    "--dry-run",
];

/// The settings that decide where packages come from, judged by the index rules.
pub const INDEX_SETTINGS: &[&str] = &[
    "--index-url",
    "--extra-index-url",
    "--find-links",
    "--trusted-host",
    "--no-index",
];

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A configuration file and its section.
    File { path: PathBuf, section: String },
    /// A `PIP_*` environment variable.
    Env(String),
}

impl Origin {
    /// How the origin is shown in findings: `/etc/pip.conf [global]`, `$PIP_INDEX_URL`.
    pub fn shown(&self) -> String {
        match self {
            Origin::File { path, section } => {
                format!("{} [{section}]", crate::source::display_path(path))
            }
            Origin::Env(var) => format!("${var}"),
        }
    }
}

/// One applied setting, as pip would apply it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The option's long name (`--index-url`).
    pub option: &'static str,
    /// The values: one for a value option, several for an appended one, none for a flag.
    pub values: Vec<String>,
    pub origin: Origin,
}

/// A configuration file that came with the repository, and why safe-pip thinks so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoFile {
    pub path: PathBuf,
    pub why: String,
}

/// The user's pip configuration for one subcommand.
#[derive(Debug, Default)]
pub struct PipConfig {
    /// What pip would apply, in pip's order (a later setting of a value option wins).
    pub settings: Vec<Setting>,
    /// Files pip would read that belong to the repository: reported, never applied.
    pub repository_files: Vec<RepoFile>,
    /// Keys set but not passed on (safe-pip's own choice, or no option of the subcommand).
    pub ignored: Vec<(String, Origin)>,
    /// Files pip would read that safe-pip could not (not a regular file, too large,
    /// unreadable): what pip would make of them is unknown, so the run cannot be checked.
    pub unreadable: Vec<(PathBuf, String)>,
}

/// What the reader needs to know about the machine.
pub struct Where<'a> {
    pub env: &'a dyn Fn(&str) -> Option<OsString>,
    /// The home directory.
    pub home: Option<PathBuf>,
    /// `sys.prefix` of the Python whose pip runs.
    pub prefix: Option<PathBuf>,
    /// The current directory.
    pub cwd: PathBuf,
    /// `--isolated` was on the user's command line.
    pub isolated: bool,
}

/// Reads the configuration pip would apply to `subcommand`.
pub fn read(subcommand: &str, at: &Where) -> PipConfig {
    let mut out = PipConfig::default();
    let env = |k: &str| (at.env)(k).filter(|v| !v.is_empty());
    let config_file = (at.env)("PIP_CONFIG_FILE");
    let devnull = config_file
        .as_ref()
        .is_some_and(|f| Path::new(f) == Path::new(null_device()));
    // merged values per (section, key), in the override order of the variants
    let mut merged: Vec<(String, String, String, Origin)> = Vec::new();
    let mut set = |section: &str, key: String, value: String, origin: Origin| {
        merged.retain(|(s, k, _, _)| !(s == section && *k == key));
        merged.push((section.to_owned(), key, value, origin));
    };
    if !devnull {
        let tree = working_tree(&at.cwd);
        // (file, whether it may have come with the repository): the global and user files
        // lie outside any checkout; the site file and PIP_CONFIG_FILE's may lie inside one
        let mut files: Vec<(PathBuf, bool)> =
            global_files(&env).into_iter().map(|f| (f, false)).collect();
        let env_file_exists = config_file.as_ref().is_some_and(|f| Path::new(f).exists());
        if !at.isolated && !env_file_exists {
            files.extend(
                user_files(&env, at.home.as_deref())
                    .into_iter()
                    .map(|f| (f, false)),
            );
        }
        if let Some(prefix) = &at.prefix {
            files.push((prefix.join(CONFIG_BASENAME), true));
        }
        if let Some(f) = &config_file {
            files.push((PathBuf::from(f), true));
        }
        for (path, may_be_repositorys) in files {
            // a regular file of bounded size only: a FIFO or `/dev/zero` in the working tree
            // would hang the run or fill memory
            let text = match crate::source::read_regular(&path, MAX_CONFIG_SIZE) {
                Ok(text) => text,
                Err(e) if path.exists() || path.is_symlink() => {
                    out.unreadable.push((path.clone(), e.to_string()));
                    continue;
                }
                Err(_) => continue,
            };
            let why = tree
                .as_deref()
                .filter(|_| may_be_repositorys)
                .and_then(|t| belongs_to_repository(&path, t, at.prefix.as_deref()));
            if let Some(why) = why {
                out.repository_files.push(RepoFile { path, why });
                continue;
            }
            for (section, key, value) in parse_ini(&String::from_utf8_lossy(&text)) {
                let origin = Origin::File {
                    path: path.clone(),
                    section: section.clone(),
                };
                set(&section, key, value, origin);
            }
        }
    }
    if !at.isolated {
        let mut vars: Vec<(String, String)> = env_vars(at.env);
        vars.sort();
        for (var, value) in vars {
            let key = normalize_key(&var["PIP_".len()..]);
            if matches!(key.as_str(), "version" | "help" | "config-file") {
                continue;
            }
            set(":env:", key, value, Origin::Env(var));
        }
    }
    for section in ["global", subcommand, ":env:"] {
        for (_, key, value, origin) in merged.iter().filter(|(s, ..)| s == section) {
            if value.trim().is_empty() {
                continue;
            }
            match setting(key, value, subcommand) {
                Some(Some((option, values))) => {
                    // a later value option replaces an earlier one; appended ones replace too,
                    // since the merged dictionary holds one value per key
                    out.settings.retain(|s| s.option != option);
                    out.settings.push(Setting {
                        option,
                        values,
                        origin: origin.clone(),
                    });
                }
                // a flag set to false: as if not set
                Some(None) => out.settings.retain(|s| s.option != canonical(key)),
                None => out.ignored.push((key.clone(), origin.clone())),
            }
        }
    }
    out
}

fn canonical(key: &str) -> &'static str {
    lookup(key, true).map_or("", |(o, _)| o)
}

/// The option a configuration key names, exactly (pip's `get_option("--" + key)`: no
/// abbreviations), with its arity.
fn lookup(key: &str, after_sub: bool) -> Option<(&'static str, Arity)> {
    let long = format!("--{key}");
    let tables: &[&args::Table] = if after_sub {
        &[args::GENERAL_OPTIONS, args::SUB_OPTIONS]
    } else {
        &[args::GENERAL_OPTIONS]
    };
    let direct = tables
        .iter()
        .flat_map(|t| t.iter())
        .find(|(_, l, _)| *l == long)
        .map(|(_, l, a)| (*l, *a));
    direct.or_else(|| {
        let (_, canon) = args::ALIASES.iter().find(|(a, _)| *a == long)?;
        tables
            .iter()
            .flat_map(|t| t.iter())
            .find(|(_, l, _)| l == canon)
            .map(|(_, l, a)| (*l, *a))
    })
}

/// A key and value as pip applies them: `None` when the key is not applied, `Some(None)` for
/// a flag set to false, else the option and its values.
#[allow(clippy::type_complexity)]
fn setting(
    key: &str,
    value: &str,
    _subcommand: &str,
) -> Option<Option<(&'static str, Vec<String>)>> {
    let (option, arity) = lookup(key, true)?;
    if NOT_APPLIED.contains(&option) {
        return None;
    }
    match arity {
        Arity::Flag => match strtobool(value) {
            Some(true) => Some(Some((option, Vec::new()))),
            Some(false) => Some(None),
            // pip stops with an error; safe-pip does not pass it on
            None => None,
        },
        Arity::Value if APPENDED.contains(&option) => Some(Some((
            option,
            value.split_whitespace().map(str::to_owned).collect(),
        ))),
        Arity::Value => Some(Some((option, vec![value.trim().to_owned()]))),
    }
}

fn strtobool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" | "t" | "true" | "on" | "1" => Some(true),
        "n" | "no" | "f" | "false" | "off" | "0" => Some(false),
        _ => None,
    }
}

fn normalize_key(k: &str) -> String {
    let k = k.to_lowercase().replace('_', "-");
    k.strip_prefix("--").map(str::to_owned).unwrap_or(k)
}

fn null_device() -> &'static str {
    if cfg!(windows) {
        "nul"
    } else {
        "/dev/null"
    }
}

/// Every `PIP_*` variable of the process environment, read through `env` (so tests can
/// replace it): the names come from the real environment.
fn env_vars(env: &dyn Fn(&str) -> Option<OsString>) -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .filter(|k| k.starts_with("PIP_"))
        .filter_map(|k| {
            let v = env(&k)?;
            Some((k, v.to_string_lossy().into_owned()))
        })
        .collect()
}

/// The names of the `PIP_*` variables of this process, which every pip safe-pip starts for a
/// checked command runs without.
pub fn pip_variables() -> Vec<OsString> {
    std::env::vars_os()
        .map(|(k, _)| k)
        .filter(|k| k.to_string_lossy().starts_with("PIP_"))
        .collect()
}

fn global_files(env: &dyn Fn(&str) -> Option<OsString>) -> Vec<PathBuf> {
    if cfg!(target_os = "macos") {
        return vec![PathBuf::from("/Library/Application Support/pip").join(CONFIG_BASENAME)];
    }
    let dirs = env("XDG_CONFIG_DIRS")
        .map(|v| v.to_string_lossy().into_owned())
        .unwrap_or_else(|| "/etc/xdg".into());
    let mut out: Vec<PathBuf> = dirs
        .split(':')
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(d).join("pip").join(CONFIG_BASENAME))
        .collect();
    out.push(PathBuf::from("/etc").join(CONFIG_BASENAME));
    out
}

fn user_files(env: &dyn Fn(&str) -> Option<OsString>, home: Option<&Path>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Some(home) = home else {
        return out;
    };
    out.push(home.join(".pip").join(CONFIG_BASENAME));
    let config_home = env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join(".config"));
    if cfg!(target_os = "macos") {
        out.push(
            home.join("Library/Application Support/pip")
                .join(CONFIG_BASENAME),
        );
    }
    out.push(config_home.join("pip").join(CONFIG_BASENAME));
    out
}

/// The git work tree around `cwd`, else `cwd` itself; canonical.
fn working_tree(cwd: &Path) -> Option<PathBuf> {
    match git2::Repository::discover(cwd) {
        Ok(repo) => crate::source::unsteered_workdir(&repo)
            .unwrap_or_else(|| cwd.to_path_buf())
            .canonicalize()
            .ok(),
        Err(_) => cwd.canonicalize().ok(),
    }
}

/// Why `path` belongs to the repository in work tree `tree`, or `None` when it is the user's.
fn belongs_to_repository(path: &Path, tree: &Path, prefix: Option<&Path>) -> Option<String> {
    let canon = path.canonicalize().ok()?;
    if !canon.starts_with(tree) {
        return None;
    }
    let shown = crate::source::display_path(path);
    let venv = prefix
        .and_then(|p| p.canonicalize().ok())
        .filter(|p| canon.parent() == Some(p.as_path()) && p.join("pyvenv.cfg").is_file());
    let Some(venv) = venv else {
        return Some(format!(
            "`{shown}` lies in the working tree `{}`",
            tree.display()
        ));
    };
    if tracked(&canon) {
        return Some(format!("`{shown}` is tracked by git"));
    }
    let cfg = venv.join("pyvenv.cfg");
    if tracked(&cfg) {
        return Some(format!(
            "the virtualenv `{}` is tracked by git",
            venv.display()
        ));
    }
    let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (mtime(&canon), mtime(&cfg)) {
        (Some(conf), Some(made)) if conf > made && conf <= std::time::SystemTime::now() => None,
        _ => Some(format!(
            "`{shown}` lies in the virtualenv `{}` inside the working tree and existed before the virtualenv was created",
            venv.display()
        )),
    }
}

/// True when the canonical `path` is in its git repository's index.
fn tracked(path: &Path) -> bool {
    let Ok(repo) = git2::Repository::discover(path.parent().unwrap_or(path)) else {
        return false;
    };
    let Some(workdir) = crate::source::unsteered_workdir(&repo).and_then(|w| w.canonicalize().ok())
    else {
        return false;
    };
    let Ok(rel) = path.strip_prefix(&workdir) else {
        return false;
    };
    repo.index()
        .is_ok_and(|index| index.get_path(rel, 0).is_some())
}

/// `(section, key, value)` as Python's RawConfigParser reads them (see the module doc).
fn parse_ini(text: &str) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    let mut section: Option<String> = None;
    let mut continuing = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continuing = false;
            continue;
        }
        if trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        if indented && continuing {
            if let Some(last) = out.last_mut() {
                if !last.2.is_empty() {
                    last.2.push('\n');
                }
                last.2.push_str(trimmed);
            }
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            section = Some(name.to_owned());
            continuing = false;
            continue;
        }
        let Some(section) = &section else {
            continue;
        };
        let at = trimmed.find(['=', ':']);
        let (key, value) = match at {
            Some(i) => (&trimmed[..i], &trimmed[i + 1..]),
            None => (trimmed, ""),
        };
        out.retain(|(s, k, _)| !(s == section && *k == normalize_key(key.trim())));
        out.push((
            section.clone(),
            normalize_key(key.trim()),
            value.trim().to_owned(),
        ));
        continuing = true;
    }
    out
}

impl PipConfig {
    /// The pip options set in the configuration that safe-pip does not pass on (requirement
    /// options, `--isolated`, verbosity, ...), as `(key, origin)`; keys pip itself ignores for
    /// this subcommand are left out.
    pub fn not_applied(&self) -> impl Iterator<Item = &(String, Origin)> {
        self.ignored
            .iter()
            .filter(|(key, _)| lookup(key, true).is_some())
    }

    /// The settings as pip arguments (`--find-links=DIR`, `--no-index`), leaving out value
    /// options the user's command line already gives (the command line wins, as in pip).
    pub fn arguments(&self, given: &args::PipArgs) -> Vec<OsString> {
        let mut out = Vec::new();
        for s in &self.settings {
            if !APPENDED.contains(&s.option) && given.has(s.option) {
                continue;
            }
            if s.values.is_empty() {
                out.push(OsString::from(s.option));
            }
            for v in &s.values {
                out.push(OsString::from(format!("{}={v}", s.option)));
            }
        }
        out
    }

    /// The index settings as requirements-file lines, one [`crate::source::SourceFile`] per
    /// origin, for the index rules.
    pub fn index_sources(&self) -> Vec<crate::source::SourceFile> {
        let mut by_origin: Vec<(String, String)> = Vec::new();
        for s in self
            .settings
            .iter()
            .filter(|s| INDEX_SETTINGS.contains(&s.option))
        {
            let shown = s.origin.shown();
            let lines: String = if s.values.is_empty() {
                format!("{}\n", s.option)
            } else {
                s.values
                    .iter()
                    .map(|v| format!("{} {v}\n", s.option))
                    .collect()
            };
            match by_origin.iter_mut().find(|(o, _)| *o == shown) {
                Some((_, text)) => text.push_str(&lines),
                None => by_origin.push((shown, lines)),
            }
        }
        by_origin
            .into_iter()
            .map(|(o, text)| crate::source::SourceFile::new(o, text))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_as_configparser_reads_it() {
        let got = parse_ini(
            "# c\n[global]\nindex_url = https://a/simple\nfind-links =\n    /x\n    /y\n; c\n[install]\n--no-index: yes\n",
        );
        assert_eq!(
            got,
            [
                (
                    "global".into(),
                    "index-url".into(),
                    "https://a/simple".into()
                ),
                ("global".into(), "find-links".into(), "/x\n/y".into()),
                ("install".into(), "no-index".into(), "yes".into()),
            ]
        );
    }

    #[test]
    fn settings_in_pips_order() {
        let dir = tempfile::tempdir().unwrap();
        let etc = dir.path().join("xdg");
        std::fs::create_dir_all(etc.join("pip")).unwrap();
        std::fs::write(
            etc.join("pip/pip.conf"),
            "[global]\nindex-url = https://global/simple\ntimeout = 5\n[install]\nfind-links = /a /b\n[list]\nformat = json\n",
        )
        .unwrap();
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join(".config/pip")).unwrap();
        std::fs::write(
            home.join(".config/pip/pip.conf"),
            "[global]\nindex-url = https://user/simple\nno-index = false\n",
        )
        .unwrap();
        let xdg = etc.clone().into_os_string();
        let env = move |k: &str| match k {
            "XDG_CONFIG_DIRS" => Some(xdg.clone()),
            _ => None,
        };
        let at = Where {
            env: &env,
            home: Some(home),
            prefix: None,
            cwd: dir.path().to_path_buf(),
            isolated: false,
        };
        let cfg = read("install", &at);
        // (the machine's own /etc/pip.conf left out)
        let ours = |cfg: &PipConfig| -> Vec<(&'static str, String)> {
            let mut v: Vec<_> = cfg
                .settings
                .iter()
                .filter(|s| {
                    matches!(&s.origin, Origin::File { path, .. } if path.starts_with(dir.path()))
                })
                .map(|s| (s.option, s.values.join(",")))
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            ours(&cfg),
            [
                ("--find-links", "/a,/b".into()),
                ("--index-url", "https://user/simple".into()),
                ("--timeout", "5".into()),
            ]
        );
        // isolated: no user file
        let cfg = read(
            "install",
            &Where {
                isolated: true,
                ..at
            },
        );
        assert!(ours(&cfg).contains(&("--index-url", "https://global/simple".into())));
    }

    #[test]
    fn null_config_file_reads_no_file() {
        let env = |k: &str| (k == "PIP_CONFIG_FILE").then(|| OsString::from("/dev/null"));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pip.conf"), "[global]\nno-index = 1\n").unwrap();
        let at = Where {
            env: &env,
            home: None,
            prefix: Some(dir.path().to_path_buf()),
            cwd: dir.path().to_path_buf(),
            isolated: false,
        };
        assert!(read("install", &at).settings.is_empty());
    }
}
