//! pip's command line, read the way pip's `optparse` reads it, without running pip.
//!
//! The grammar (pip 23–25; `install`, `download` and `wheel` share their options):
//!
//! ```text
//! command    = general* (subcommand rest)?
//! rest       = (general | sub-option | positional)*   ; for install, download, wheel
//!            | any*                                    ; other subcommands: not read
//! general    = see GENERAL_OPTIONS: `-h`, `-v`, `-q`, `--isolated`, `--python PY`,
//!              `--cache-dir DIR`, `--trusted-host HOST`, `--proxy URL`, ...
//! sub-option = see SUB_OPTIONS: flags (`--no-deps`, `--pre`, `-U`, `--user`, ...) and options
//!              that take a value (`-r`, `-c`, `-e`, `-i`, `-f`, `-t`, `-d`, `-w`, `-C`, ...)
//! value      = '--opt=value' | '--opt' value | '-xvalue' | '-x' value
//! short      = '-' letter+    ; flags combine (`-qU`); a letter that takes a value ends the
//!                             ; group and takes the rest (`-qrreq.txt`) or the next token
//! long       = a unique prefix of a long option is that option (`--force-r` = `--force-reinstall`)
//!              or of an alias (ALIASES: `--pypi-url` = `--index-url`, `--no-dependencies`, ...)
//! '--'       = every later token is a positional
//! ```
//!
//! The first token that is not an option (nor an option's value) is the subcommand; every
//! later one is a positional (a requirement specifier). An option pip does not have is an
//! error, since its arity, and so the meaning of the next token, is unknown. safe-pip's own
//! options (`--squatguard-allow NAME`, `--allow-build`) are taken out and never reach pip.

use std::ffi::OsString;

/// Whether an option takes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    Flag,
    Value,
}

use Arity::{Flag, Value};

/// An option table: (short, long, arity).
pub type Table = [(Option<char>, &'static str, Arity)];

/// pip's general options, valid before and after the subcommand: (short, long, arity).
pub const GENERAL_OPTIONS: &Table = &[
    (Some('h'), "--help", Flag),
    (None, "--debug", Flag),
    (None, "--isolated", Flag),
    (None, "--require-virtualenv", Flag),
    (None, "--python", Value),
    (Some('v'), "--verbose", Flag),
    (Some('V'), "--version", Flag),
    (Some('q'), "--quiet", Flag),
    (None, "--log", Value),
    (None, "--no-input", Flag),
    (None, "--keyring-provider", Value),
    (None, "--proxy", Value),
    (None, "--retries", Value),
    (None, "--resume-retries", Value),
    (None, "--timeout", Value),
    (None, "--exists-action", Value),
    (None, "--trusted-host", Value),
    (None, "--cert", Value),
    (None, "--client-cert", Value),
    (None, "--cache-dir", Value),
    (None, "--no-cache-dir", Flag),
    (None, "--disable-pip-version-check", Flag),
    (None, "--no-color", Flag),
    (None, "--no-python-version-warning", Flag),
    (None, "--use-feature", Value),
    (None, "--use-deprecated", Value),
];

/// Options of `install`, `download` and `wheel` (their union: pip rejects the ones a
/// subcommand lacks, and safe-pip lets it).
pub const SUB_OPTIONS: &Table = &[
    (Some('r'), "--requirement", Value),
    (Some('c'), "--constraint", Value),
    (Some('e'), "--editable", Value),
    (None, "--group", Value),
    (None, "--no-deps", Flag),
    (None, "--pre", Flag),
    (None, "--dry-run", Flag),
    (Some('t'), "--target", Value),
    (None, "--platform", Value),
    (None, "--python-version", Value),
    (None, "--implementation", Value),
    (None, "--abi", Value),
    (None, "--user", Flag),
    (None, "--no-user", Flag),
    (None, "--root", Value),
    (None, "--prefix", Value),
    (None, "--src", Value),
    (Some('U'), "--upgrade", Flag),
    (None, "--upgrade-strategy", Value),
    (None, "--force-reinstall", Flag),
    (Some('I'), "--ignore-installed", Flag),
    (None, "--ignore-requires-python", Flag),
    (None, "--no-build-isolation", Flag),
    (None, "--use-pep517", Flag),
    (None, "--no-use-pep517", Flag),
    (None, "--check-build-dependencies", Flag),
    (None, "--break-system-packages", Flag),
    (Some('C'), "--config-settings", Value),
    (None, "--global-option", Value),
    (None, "--build-option", Value),
    (None, "--install-option", Value),
    (None, "--compile", Flag),
    (None, "--no-compile", Flag),
    (None, "--no-warn-script-location", Flag),
    (None, "--no-warn-conflicts", Flag),
    (None, "--no-binary", Value),
    (None, "--only-binary", Value),
    (None, "--prefer-binary", Flag),
    (None, "--require-hashes", Flag),
    (None, "--progress-bar", Value),
    (None, "--root-user-action", Value),
    (None, "--report", Value),
    (None, "--no-clean", Flag),
    (Some('i'), "--index-url", Value),
    (None, "--extra-index-url", Value),
    (None, "--no-index", Flag),
    (Some('f'), "--find-links", Value),
    (Some('d'), "--dest", Value),
    (Some('w'), "--wheel-dir", Value),
    (None, "--no-verify", Flag),
];

/// Other spellings pip gives some options: (alias, option).
pub const ALIASES: &[(&str, &str)] = &[
    ("--require-venv", "--require-virtualenv"),
    ("--log-file", "--log"),
    ("--local-log", "--log"),
    ("--default-timeout", "--timeout"),
    ("--no-dependencies", "--no-deps"),
    ("--source", "--src"),
    ("--source-dir", "--src"),
    ("--source-directory", "--src"),
    ("--pypi-url", "--index-url"),
    ("--destination-dir", "--dest"),
    ("--destination-directory", "--dest"),
];

/// safe-pip's own options, removed before pip sees the arguments.
pub const ALLOW_OPTION: &str = "--squatguard-allow";
pub const ALLOW_BUILD_OPTION: &str = "--allow-build";

/// Subcommands whose requirements safe-pip checks.
pub const CHECKED: &[&str] = &["install", "download", "wheel"];

/// One option as pip will read it, whatever its spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opt {
    /// The long name (`--requirement` for `-r`, `-rfile`, `--req=file`).
    pub long: &'static str,
    pub value: Option<String>,
}

impl Opt {
    /// The option as one pip argument: `--long=value` or `--long`.
    pub fn spelled(&self) -> OsString {
        match &self.value {
            Some(v) => format!("{}={v}", self.long).into(),
            None => self.long.into(),
        }
    }
}

/// A parsed pip command line.
#[derive(Debug, Clone, Default)]
pub struct PipArgs {
    /// The arguments for pip: the user's, unchanged, minus safe-pip's own options.
    pub passthrough: Vec<OsString>,
    /// The subcommand, when there is one (`install`).
    pub subcommand: Option<String>,
    /// Where the subcommand stands in `passthrough`.
    pub subcommand_at: Option<usize>,
    /// Every option read, in order, by long name.
    pub options: Vec<Opt>,
    /// Positionals after the subcommand (requirement specifiers for `install`).
    pub positionals: Vec<String>,
    /// `--squatguard-allow NAME` values.
    pub allow: Vec<String>,
    /// `--allow-build` was given.
    pub allow_build: bool,
}

impl PipArgs {
    /// True when `long` was given.
    pub fn has(&self, long: &str) -> bool {
        self.options.iter().any(|o| o.long == long)
    }

    /// Values of `long`, in order.
    pub fn values<'a>(&'a self, long: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.options
            .iter()
            .filter(move |o| o.long == long)
            .filter_map(|o| o.value.as_deref())
    }

    /// True when safe-pip checks this command (`install`, `download`, `wheel`, not `--help`).
    pub fn is_checked(&self) -> bool {
        self.subcommand
            .as_deref()
            .is_some_and(|s| CHECKED.contains(&s))
            && !self.has("--help")
            && !self.has("--version")
    }
}

/// Why a command line could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgsError {
    #[error("unknown pip option `{0}` (pip would reject it, or it is newer than safe-pip knows)")]
    Unknown(String),
    #[error("ambiguous pip option `{0}` (it abbreviates {1})")]
    Ambiguous(String, String),
    #[error("option `{0}` needs a value")]
    MissingValue(String),
    #[error("pip option `{0}` takes no value")]
    UnexpectedValue(String),
    #[error("argument `{0}` is not valid UTF-8")]
    NotUtf8(String),
}

fn tables(after_sub: bool) -> &'static [&'static Table] {
    if after_sub {
        &[GENERAL_OPTIONS, SUB_OPTIONS]
    } else {
        &[GENERAL_OPTIONS]
    }
}

fn find_long(name: &str, after_sub: bool) -> Result<(&'static str, Arity), ArgsError> {
    // every spelling: (word, option, arity), as optparse's word map has them
    let all = || {
        let options = tables(after_sub)
            .iter()
            .flat_map(|t| t.iter().map(|(_, l, a)| (*l, *l, *a)));
        let aliases = ALIASES.iter().filter_map(move |(alias, canon)| {
            tables(after_sub)
                .iter()
                .flat_map(|t| t.iter())
                .find(|(_, l, _)| l == canon)
                .map(|(_, l, a)| (*alias, *l, *a))
        });
        options.chain(aliases)
    };
    if let Some((_, l, a)) = all().find(|(w, _, _)| *w == name) {
        return Ok((l, a));
    }
    let prefixed: Vec<_> = all().filter(|(w, _, _)| w.starts_with(name)).collect();
    match prefixed.as_slice() {
        [(_, l, a)] => Ok((*l, *a)),
        [] => Err(ArgsError::Unknown(name.to_owned())),
        many => Err(ArgsError::Ambiguous(
            name.to_owned(),
            many.iter()
                .map(|(w, _, _)| *w)
                .collect::<Vec<_>>()
                .join(", "),
        )),
    }
}

fn find_short(c: char, after_sub: bool) -> Option<(&'static str, Arity)> {
    tables(after_sub)
        .iter()
        .flat_map(|t| t.iter())
        .find(|(s, _, _)| *s == Some(c))
        .map(|(_, l, a)| (*l, *a))
}

/// Reads pip's arguments (everything after the program name).
pub fn parse(args: &[OsString]) -> Result<PipArgs, ArgsError> {
    let mut out = PipArgs::default();
    let text = |i: usize| -> Result<String, ArgsError> {
        args[i]
            .to_str()
            .map(str::to_owned)
            .ok_or_else(|| ArgsError::NotUtf8(args[i].to_string_lossy().into_owned()))
    };
    let mut i = 0;
    let mut only_positionals = false;
    while i < args.len() {
        let after_sub = out.subcommand.is_some();
        if after_sub && !out.is_checked_subcommand() {
            // another subcommand: its arguments are pip's business
            out.passthrough.extend(args[i..].iter().cloned());
            break;
        }
        let tok = text(i)?;
        i += 1;
        if !only_positionals {
            if let Some(rest) = tok.strip_prefix(ALLOW_OPTION) {
                if let Some(v) = rest.strip_prefix('=') {
                    out.allow.push(v.to_owned());
                    continue;
                } else if rest.is_empty() {
                    if i >= args.len() {
                        return Err(ArgsError::MissingValue(ALLOW_OPTION.into()));
                    }
                    out.allow.push(text(i)?);
                    i += 1;
                    continue;
                }
            }
            if tok == ALLOW_BUILD_OPTION {
                out.allow_build = true;
                continue;
            }
        }
        out.passthrough.push(args[i - 1].clone());
        if only_positionals || !tok.starts_with('-') || tok == "-" {
            if after_sub {
                out.positionals.push(tok);
            } else {
                out.subcommand = Some(tok);
                out.subcommand_at = Some(out.passthrough.len() - 1);
            }
            continue;
        }
        if tok == "--" {
            only_positionals = true;
            continue;
        }
        let mut take_next = |name: &str, out: &mut PipArgs| -> Result<String, ArgsError> {
            if i >= args.len() {
                return Err(ArgsError::MissingValue(name.to_owned()));
            }
            out.passthrough.push(args[i].clone());
            i += 1;
            text(i - 1)
        };
        if let Some(long) = tok.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (format!("--{n}"), Some(v.to_owned())),
                None => (tok.clone(), None),
            };
            let (canon, arity) = find_long(&name, after_sub)?;
            let value = match (arity, inline) {
                (Flag, Some(_)) => return Err(ArgsError::UnexpectedValue(name)),
                (Flag, None) => None,
                (Value, Some(v)) => Some(v),
                (Value, None) => Some(take_next(&name, &mut out)?),
            };
            out.options.push(Opt { long: canon, value });
            continue;
        }
        // a group of short options
        for (at, c) in tok.char_indices().skip(1) {
            let (canon, arity) =
                find_short(c, after_sub).ok_or_else(|| ArgsError::Unknown(format!("-{c}")))?;
            if arity == Flag {
                out.options.push(Opt {
                    long: canon,
                    value: None,
                });
                continue;
            }
            let rest = &tok[at + c.len_utf8()..];
            let value = if rest.is_empty() {
                take_next(&format!("-{c}"), &mut out)?
            } else {
                rest.to_owned()
            };
            out.options.push(Opt {
                long: canon,
                value: Some(value),
            });
            break;
        }
    }
    Ok(out)
}

impl PipArgs {
    fn is_checked_subcommand(&self) -> bool {
        self.subcommand
            .as_deref()
            .is_some_and(|s| CHECKED.contains(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn spellings() {
        let a = parse(&args(&[
            "-q",
            "--isolated",
            "install",
            "-rreq.txt",
            "--constraint=c.txt",
            "-e",
            "./x",
            "-qU",
            "--force-r",
            "--index-url",
            "https://i",
            "-fdir",
            "requests>=2",
            "--squatguard-allow",
            "foo",
            "--allow-build",
            "--",
            "-weird",
        ]))
        .unwrap();
        assert_eq!(a.subcommand.as_deref(), Some("install"));
        assert_eq!(a.subcommand_at, Some(2));
        assert_eq!(a.values("--requirement").collect::<Vec<_>>(), ["req.txt"]);
        assert_eq!(a.values("--constraint").collect::<Vec<_>>(), ["c.txt"]);
        assert_eq!(a.values("--editable").collect::<Vec<_>>(), ["./x"]);
        assert_eq!(a.values("--find-links").collect::<Vec<_>>(), ["dir"]);
        assert!(
            a.has("--upgrade")
                && a.has("--force-reinstall")
                && a.has("--quiet")
                && a.has("--isolated")
        );
        assert_eq!(a.positionals, ["requests>=2", "-weird"]);
        assert_eq!(a.allow, ["foo"]);
        assert!(a.allow_build);
        assert_eq!(a.passthrough.len(), 15);
        assert!(a.is_checked());
    }

    #[test]
    fn general_options_and_other_subcommands() {
        let a = parse(&args(&[
            "--cache-dir",
            "/tmp/x",
            "--python=/usr/bin/python3",
            "list",
            "--format=json",
            "--allow-build",
        ]))
        .unwrap();
        assert_eq!(a.subcommand.as_deref(), Some("list"));
        assert!(!a.is_checked());
        assert_eq!(a.passthrough.len(), 6);
        assert!(matches!(
            parse(&args(&["--bogus", "install"])),
            Err(ArgsError::Unknown(_))
        ));
        // install options are not general options
        assert!(parse(&args(&["-r", "x", "install"])).is_err());
        assert!(matches!(
            parse(&args(&["install", "--no"])),
            Err(ArgsError::Ambiguous(..))
        ));
        assert!(parse(&args(&["install", "-r"])).is_err());
        let a = parse(&args(&[
            "--default-timeout=5",
            "download",
            "--destination-directory",
            "out",
            "--no-dependencies",
            "--pypi-url=https://x",
            "pkg",
        ]))
        .unwrap();
        assert_eq!(a.values("--dest").collect::<Vec<_>>(), ["out"]);
        assert_eq!(a.values("--index-url").collect::<Vec<_>>(), ["https://x"]);
        assert!(a.has("--no-deps") && a.has("--timeout"));
        assert_eq!(a.positionals, ["pkg"]);
        // `--no-dep` abbreviates `--no-deps` and `--no-dependencies`: ambiguous, as in pip
        assert!(parse(&args(&["install", "--no-dep", "x"])).is_err());
    }
}
