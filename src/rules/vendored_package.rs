//! `vendored-package` (SG410): a folder named like one of the [`VENDORED_TOP`] most popular
//! PyPI packages, kept in the repository instead of installed: where the VMConnect "coding
//! test" lure hid its payload (modified `Pyperclip/` and `Pyrebase/` folders). From the facts:
//! the packages among the walked files (folders holding an `__init__.py`), whether a folder's
//! parent is an install target (which `scan` answers from the file system), and the findings
//! inside each copy; placed at the copy's `__init__.py`.
//!
//! A subpackage of another package (`django/test`) is not a copy, unless its parent is a
//! vendor folder (`_vendor`, `third_party`...); names shorter than four characters are not
//! judged. Severity: the worst warning or error found inside the copy, else a note.
//!
//! safe-pip's look inside a wheel reports here a top-level name the wheel installs that is not
//! its own ([`installed`]): an error where it replaces the standard library's module or a
//! popular package's, else a note.

use crate::finding::{Finding, Rule, Severity};
use crate::popular::Popular;
use crate::source::display_path;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Folders named like one of this many most popular packages count as vendored copies.
pub const VENDORED_TOP: u32 = 5_000;

/// Parent folders that hold vendored packages on purpose.
const VENDOR_DIRS: &[&str] = &[
    "_vendor",
    "vendor",
    "vendored",
    "_vendored",
    "third_party",
    "thirdparty",
    "extern",
    "_extern",
    "lib",
    "libs",
];

/// The vendored copies among `files` (scanned from `root`), given the `findings` in them;
/// `is_installed` tells whether a folder is an install target (site-packages).
pub fn check(
    root: &Path,
    files: &[PathBuf],
    findings: &[Finding],
    is_installed: impl Fn(&Path) -> bool,
) -> Vec<Finding> {
    let popular = Popular::embedded();
    let packages: HashSet<&Path> = files
        .iter()
        .filter(|f| f.file_name().is_some_and(|n| n == "__init__.py"))
        .filter_map(|f| f.parent())
        .collect();
    let mut out = Vec::new();
    let mut dirs: Vec<&Path> = packages.iter().copied().collect();
    dirs.sort();
    for dir in dirs {
        if dir == root || dir.as_os_str().is_empty() {
            continue;
        }
        let Some(folder) = dir.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let name = crate::name::normalize(folder);
        if name.len() < 4 {
            continue;
        }
        let Some(rank) = popular.rank(&name).filter(|r| *r <= VENDORED_TOP) else {
            continue;
        };
        let parent = dir.parent().unwrap_or(Path::new(""));
        let parent_name = parent.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if packages.contains(parent) && !VENDOR_DIRS.contains(&parent_name) {
            continue; // a subpackage (`django/test`), not a copy
        }
        if is_installed(parent) {
            continue;
        }
        let prefix = format!("{}/", display_path(dir));
        let inner: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.file.starts_with(&prefix) && f.severity > Severity::Note)
            .collect();
        let max = inner.iter().map(|f| f.severity).max();
        let (severity, tail) = match max {
            Some(s) => (
                s,
                format!(
                    "; {} finding{} inside it: compare it with the released package",
                    inner.len(),
                    if inner.len() == 1 { "" } else { "s" }
                ),
            ),
            None => (
                Severity::Note,
                "; install the package from PyPI instead, or compare the copy with its release"
                    .into(),
            ),
        };
        out.push(
            Finding::new(
                Rule::VendoredPackage,
                format!("{prefix}__init__.py"),
                1,
                1,
                format!(
                    "`{folder}/` is a copy of the popular package `{name}` (rank {rank}) kept in the repository{tail}"
                ),
            )
            .with_package(name)
            .with_severity(severity),
        );
    }
    out
}

/// How many of the most popular names a foreign top-level name may not shadow.
pub const SHADOW_TOP_N: u32 = 1000;

/// Python's standard-library module names (`sys.stdlib_module_names`, 3.13, without private
/// ones): a wheel that installs one replaces it for every program.
pub const STDLIB: &[&str] = &[
    "abc",
    "aifc",
    "argparse",
    "array",
    "ast",
    "asynchat",
    "asyncio",
    "asyncore",
    "atexit",
    "audioop",
    "base64",
    "bdb",
    "binascii",
    "bisect",
    "builtins",
    "bz2",
    "cProfile",
    "calendar",
    "cgi",
    "cgitb",
    "chunk",
    "cmath",
    "cmd",
    "code",
    "codecs",
    "codeop",
    "collections",
    "colorsys",
    "compileall",
    "concurrent",
    "configparser",
    "contextlib",
    "contextvars",
    "copy",
    "copyreg",
    "crypt",
    "csv",
    "ctypes",
    "curses",
    "dataclasses",
    "datetime",
    "dbm",
    "decimal",
    "difflib",
    "dis",
    "distutils",
    "doctest",
    "email",
    "encodings",
    "ensurepip",
    "enum",
    "errno",
    "faulthandler",
    "fcntl",
    "filecmp",
    "fileinput",
    "fnmatch",
    "fractions",
    "ftplib",
    "functools",
    "gc",
    "genericpath",
    "getopt",
    "getpass",
    "gettext",
    "glob",
    "graphlib",
    "grp",
    "gzip",
    "hashlib",
    "heapq",
    "hmac",
    "html",
    "http",
    "imaplib",
    "imghdr",
    "imp",
    "importlib",
    "inspect",
    "io",
    "ipaddress",
    "itertools",
    "json",
    "keyword",
    "lib2to3",
    "linecache",
    "locale",
    "logging",
    "lzma",
    "mailbox",
    "mailcap",
    "marshal",
    "math",
    "mimetypes",
    "mmap",
    "modulefinder",
    "msilib",
    "msvcrt",
    "multiprocessing",
    "netrc",
    "nis",
    "nntplib",
    "nt",
    "ntpath",
    "numbers",
    "opcode",
    "operator",
    "optparse",
    "os",
    "ossaudiodev",
    "pathlib",
    "pdb",
    "pickle",
    "pickletools",
    "pipes",
    "pkgutil",
    "platform",
    "plistlib",
    "poplib",
    "posix",
    "posixpath",
    "pprint",
    "profile",
    "pstats",
    "pty",
    "pwd",
    "py_compile",
    "pyclbr",
    "pydoc",
    "pydoc_data",
    "pyexpat",
    "queue",
    "quopri",
    "random",
    "re",
    "readline",
    "reprlib",
    "resource",
    "rlcompleter",
    "runpy",
    "sched",
    "secrets",
    "select",
    "selectors",
    "shelve",
    "shlex",
    "shutil",
    "signal",
    "site",
    "smtpd",
    "smtplib",
    "sndhdr",
    "socket",
    "socketserver",
    "spwd",
    "sqlite3",
    "sre_compile",
    "sre_constants",
    "sre_parse",
    "ssl",
    "stat",
    "statistics",
    "string",
    "stringprep",
    "struct",
    "subprocess",
    "sunau",
    "symtable",
    "sys",
    "sysconfig",
    "syslog",
    "tabnanny",
    "tarfile",
    "telnetlib",
    "tempfile",
    "termios",
    "textwrap",
    "threading",
    "time",
    "timeit",
    "tkinter",
    "token",
    "tokenize",
    "tomllib",
    "trace",
    "traceback",
    "tracemalloc",
    "tty",
    "turtle",
    "types",
    "typing",
    "unicodedata",
    "unittest",
    "urllib",
    "uu",
    "uuid",
    "venv",
    "warnings",
    "wave",
    "weakref",
    "webbrowser",
    "winreg",
    "winsound",
    "wsgiref",
    "xdrlib",
    "xml",
    "xmlrpc",
    "zipapp",
    "zipfile",
    "zipimport",
    "zlib",
    "zoneinfo",
];

/// A top-level name `module` that the wheel of the distribution `name` installs into
/// site-packages (`namespace`: a folder without `__init__.py`, shared by design), placed at
/// `shown` (the wheel): a name that is not the distribution's own and shadows the standard
/// library ([`STDLIB`]) or one of the [`SHADOW_TOP_N`] most popular packages is an error;
/// another foreign name is a note, unless one name contains the other. Judged for safe-pip's
/// look inside a wheel (`src/pip/inspect.rs`).
pub fn installed(name: &str, module: &str, namespace: bool, shown: &str) -> Option<Finding> {
    let own = crate::name::normalize(name);
    if is_own(module, &own) {
        return None;
    }
    let norm = crate::name::normalize(module).to_string();
    let shadows_stdlib = STDLIB.contains(&module);
    let shadows_popular = !namespace
        && !module.starts_with('_')
        && Popular::embedded()
            .rank(&norm)
            .is_some_and(|r| r <= SHADOW_TOP_N);
    let (severity, what) = if shadows_stdlib {
        (Severity::Error, format!(", which replaces the standard library's `{module}` for every program in this environment"))
    } else if shadows_popular {
        (Severity::Error, format!(", which is where the popular package `{norm}` lives: importing `{module}` would run this package's code instead"))
    } else if loosely_own(module, &own) {
        return None;
    } else {
        (Severity::Note, String::new())
    };
    Some(
        Finding::new(
            Rule::VendoredPackage,
            shown,
            1,
            1,
            format!(
                "installs the top-level name `{module}`, which is not its own (`{name}`){what}"
            ),
        )
        .with_severity(severity)
        .with_help("install it only if you know why it ships that name"),
    )
}

/// `module` and `own` lower-cased, without `-`, `_` and `.`.
fn squashed(module: &str, own: &str) -> (String, String) {
    let squash = |s: &str| s.to_ascii_lowercase().replace(['-', '_', '.'], "");
    (squash(module), squash(own))
}

/// True when `module` is the distribution `own`'s own top-level name (`my-pkg` -> `my_pkg`,
/// `python-dateutil` -> `dateutil`, `pyyaml` -> `yaml`).
fn is_own(module: &str, own: &str) -> bool {
    let (ms, os) = squashed(module, own);
    ms == os
        || ["python", "py"].iter().any(|p| {
            os.strip_prefix(p) == Some(ms.as_str()) || os.strip_suffix(p) == Some(ms.as_str())
        })
}

/// True when one name contains the other (`requests_toolbelt` of `requests-toolbelt-x`):
/// not worth a note, though still judged for shadowing.
fn loosely_own(module: &str, own: &str) -> bool {
    let (ms, os) = squashed(module, own);
    (ms.len() >= 3 && os.contains(&ms)) || (os.len() >= 3 && ms.contains(&os))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_distributions_own_top_level_names() {
        assert!(
            is_own("dateutil", "python-dateutil")
                && is_own("yaml", "pyyaml")
                && !is_own("requests", "sgx")
        );
    }
}
