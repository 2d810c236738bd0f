//! Builds, when the user allows them, from checked inputs only.
//!
//! Only what the user typed on the command line is built: a local project directory, or a
//! local source archive (`.tar.gz`, `.tgz`, `.tar`, `.zip`). Packages from an index are never
//! built (pip resolves from wheels only, always); URLs, VCS checkouts and editables are
//! refused ([`targets`]). For each target, before any of its code runs:
//!
//! 1. its build system is read statically from `pyproject.toml` ([`build_system`]), as pip's
//!    `load_pyproject_toml` (`pip/_internal/pyproject.py`) reads it:
//!
//!    ```text
//!    no pyproject.toml, or no [build-system]   requires = ["setuptools>=40.8.0"],
//!                                              build-backend = "setuptools.build_meta:__legacy__"
//!    [build-system] without `requires`        refused (pip refuses it too)
//!    requires = [STRING, ...]                 each a registry requirement (PEP 508 without URL);
//!                                              a URL or path is refused
//!    build-backend = "module:object"          default "setuptools.build_meta:__legacy__"
//!    backend-path = [DIR, ...]                inside the project, else refused (PEP 517)
//!    ```
//!
//!    An archive is unpacked first into safe-pip's private directory (nothing runs; entries
//!    that climb out, links and devices are refused) and read there.
//! 2. the requirements are checked by the [`Engine`](crate::rules::Engine), resolved by pip
//!    from wheels only, every resolved release checked, fetched by hash into the run's
//!    wheelhouse and inspected (the caller, `super`, does this with the same code as for
//!    every other package);
//! 3. a private virtualenv without pip and without the system's packages is made, and the
//!    checked wheels, only they, are installed into it from the wheelhouse
//!    (`--no-index --no-deps --require-hashes`);
//! 4. the PEP 517 hooks are called in that environment by [`HOOKS`] (as `pyproject_hooks`
//!    calls them: project root as working directory, `backend-path` first on `sys.path`,
//!    `config_settings` `None`): first `get_requires_for_build_wheel`, whose answer must be
//!    met by what is installed ([`unmet`]); anything else stops the build (nothing is fetched
//!    for it), then `build_wheel`. The wheel then goes the way of any local wheel.

use crate::finding::{Finding, Rule, Severity};
use crate::manifest::finding_at;
use crate::name::normalize;
use crate::source::SourceFile;
use pep508_rs::{
    MarkerEnvironment, MarkerEnvironmentBuilder, Requirement, VerbatimUrl, VersionOrUrl,
};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The backend pip uses when a project names none.
pub const DEFAULT_BACKEND: &str = "setuptools.build_meta:__legacy__";
/// The build requirements pip assumes when a project has no `[build-system]`.
pub const DEFAULT_REQUIRES: &str = "setuptools>=40.8.0";
/// How much an archive may unpack to.
const UNPACK_LIMIT: u64 = 1 << 30;

/// The PEP 517 hook caller, run by the build environment's Python with `-I`:
/// `HOOK ROOT BACKEND BACKEND_PATH_JSON WHEEL_DIR RESULT_FILE`, where HOOK is `requires`
/// (`get_requires_for_build_wheel`) or `build` (`build_wheel`); the hook's answer is written
/// to RESULT_FILE as JSON.
pub const HOOKS: &str = r#"# safe-pip's PEP 517 hook caller
import importlib, json, os, sys
hook, root, backend, paths, wheel_dir, result = sys.argv[1:7]
os.chdir(root)
sys.path[:0] = [os.path.abspath(os.path.join(root, p)) for p in json.loads(paths)]
module, _, obj = backend.partition(":")
b = importlib.import_module(module.strip())
for part in filter(None, obj.strip().split(".")):
    b = getattr(b, part)
if hook == "requires":
    f = getattr(b, "get_requires_for_build_wheel", None)
    value = [str(r) for r in f(None)] if f is not None else []
else:
    value = b.build_wheel(wheel_dir, None, None)
with open(result, "w", encoding="utf-8") as out:
    json.dump(value, out)
"#;

/// What the user asked to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Dir(PathBuf),
    Archive(PathBuf),
}

/// A build target as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Given {
    pub written: String,
    pub target: Target,
}

/// Archive suffixes safe-pip unpacks.
const UNPACKED: &[&str] = &[".tar.gz", ".tgz", ".tar", ".zip"];

/// The build targets among what needs a build (`needs_build`, as the canonical set lists
/// them; editables as `-e VALUE`), or why safe-pip will not build one of them.
pub fn targets(needs_build: &[String]) -> Result<Vec<Given>, String> {
    needs_build
        .iter()
        .map(|w| {
            if let Some(e) = w.strip_prefix("-e ") {
                return Err(format!(
                    "`-e {e}`: safe-pip does not build editables; `safe-pip install --allow-build {e}` builds a wheel from its checked build requirements and installs that"
                ));
            }
            let lower = w.to_ascii_lowercase();
            if w.contains("://") || lower.starts_with("file:") || w.contains('@') {
                return Err(format!(
                    "`{w}`: safe-pip builds only a local project directory or source archive; download or clone it, read it, and give its local path"
                ));
            }
            let path = PathBuf::from(w);
            if path.is_dir() {
                if !path.join("pyproject.toml").is_file() && !path.join("setup.py").is_file() {
                    return Err(format!(
                        "`{w}` is a directory with neither pyproject.toml nor setup.py"
                    ));
                }
                return Ok(Given {
                    written: w.clone(),
                    target: Target::Dir(path),
                });
            }
            if path.is_file() && UNPACKED.iter().any(|s| lower.ends_with(s)) {
                return Ok(Given {
                    written: w.clone(),
                    target: Target::Archive(path),
                });
            }
            if path.is_file() {
                return Err(format!(
                    "`{w}`: safe-pip unpacks source archives ending in {} only",
                    UNPACKED.join(", ")
                ));
            }
            Err(format!(
                "`{w}` is neither a local project directory nor a source archive (a path with extras, `./x[dev]`, is not read either)"
            ))
        })
        .collect()
}

/// Unpacks `archive` into the empty directory `dest`; returns the project root (the single
/// top-level directory, as pip takes it, else `dest`).
pub fn unpack(archive: &Path, dest: &Path) -> Result<PathBuf, String> {
    let shown = archive.display();
    let lower = archive.to_string_lossy().to_ascii_lowercase();
    let file = std::fs::File::open(archive).map_err(|e| format!("`{shown}`: {e}"))?;
    std::fs::create_dir_all(dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    if lower.ends_with(".zip") {
        let mut zip = zip::ZipArchive::new(file).map_err(|e| format!("`{shown}`: {e}"))?;
        let mut total = 0u64;
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).map_err(|e| format!("`{shown}`: {e}"))?;
            let name = entry.name().to_owned();
            let Some(rel) = entry.enclosed_name() else {
                return Err(format!(
                    "`{shown}`: entry `{name}` lies outside the archive"
                ));
            };
            if entry.is_symlink() {
                return Err(format!("`{shown}`: entry `{name}` is a link; not unpacked"));
            }
            let to = dest.join(rel);
            if entry.is_dir() {
                std::fs::create_dir_all(&to).map_err(|e| format!("{}: {e}", to.display()))?;
                continue;
            }
            total = total.saturating_add(entry.size());
            if total > UNPACK_LIMIT {
                return Err(format!("`{shown}` unpacks to more than 1 GiB"));
            }
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("{}: {e}", parent.display()))?;
            }
            let mut out =
                std::fs::File::create(&to).map_err(|e| format!("{}: {e}", to.display()))?;
            let copied = std::io::copy(&mut (&mut entry).take(UNPACK_LIMIT), &mut out)
                .map_err(|e| format!("`{shown}`: {name}: {e}"))?;
            if copied > entry.size() {
                return Err(format!("`{shown}`: {name} is larger than it says"));
            }
        }
    } else {
        let reader: Box<dyn std::io::Read> =
            if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
                Box::new(flate2::read::GzDecoder::new(file))
            } else {
                Box::new(file)
            };
        let mut tar = tar::Archive::new(reader);
        let mut total = 0u64;
        for entry in tar.entries().map_err(|e| format!("`{shown}`: {e}"))? {
            let mut entry = entry.map_err(|e| format!("`{shown}`: {e}"))?;
            let name = entry
                .path()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            match entry.header().entry_type() {
                tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::Directory => {}
                tar::EntryType::XGlobalHeader | tar::EntryType::XHeader => continue,
                other => {
                    return Err(format!(
                        "`{shown}`: entry `{name}` is a {other:?}, not a file or directory; not unpacked"
                    ))
                }
            }
            total = total.saturating_add(entry.size());
            if total > UNPACK_LIMIT {
                return Err(format!("`{shown}` unpacks to more than 1 GiB"));
            }
            // false when the entry would land outside `dest`
            if !entry
                .unpack_in(dest)
                .map_err(|e| format!("`{shown}`: {name}: {e}"))?
            {
                return Err(format!(
                    "`{shown}`: entry `{name}` lies outside the archive"
                ));
            }
        }
    }
    let top: Vec<_> = std::fs::read_dir(dest)
        .map_err(|e| format!("{}: {e}", dest.display()))?
        .filter_map(Result::ok)
        .collect();
    Ok(match top.as_slice() {
        [one] if one.path().is_dir() => one.path(),
        _ => dest.to_path_buf(),
    })
}

/// A project's build system, as read.
#[derive(Debug, Clone)]
pub struct BuildSystem {
    /// The file the requirements were read from (`pyproject.toml`, or a note of the default).
    pub src: SourceFile,
    /// Each requirement as written, and the byte where it starts in `src`.
    pub requires: Vec<(String, usize)>,
    pub backend: String,
    pub backend_path: Vec<String>,
}

/// Reads the build system of the project at `root`; `shown` names it in findings (the
/// directory as given, or `archive/dir`). Findings are errors: what is refused.
pub fn build_system(root: &Path, shown: &str) -> (Option<BuildSystem>, Vec<Finding>) {
    let file = root.join("pyproject.toml");
    let shown_file = format!("{}/pyproject.toml", shown.trim_end_matches('/'));
    let default = |why: &str| {
        let text = format!(
            "# {why}: pip's default\n[build-system]\nrequires = [\"{DEFAULT_REQUIRES}\"]\n"
        );
        let at = text.find(DEFAULT_REQUIRES).unwrap_or(0);
        BuildSystem {
            src: SourceFile::new(format!("<build system of {shown}>"), text),
            requires: vec![(DEFAULT_REQUIRES.to_owned(), at)],
            backend: DEFAULT_BACKEND.to_owned(),
            backend_path: Vec::new(),
        }
    };
    let text = match std::fs::read(&file) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return (Some(default("no pyproject.toml")), Vec::new())
        }
        Err(e) => {
            let src = SourceFile::new(shown_file, "");
            return (None, vec![refused(&src, 0, format!("cannot read it: {e}"))]);
        }
        Ok(bytes) => bytes,
    };
    let Ok(text) = String::from_utf8(text) else {
        let src = SourceFile::new(shown_file, "");
        return (
            None,
            vec![refused(
                &src,
                0,
                "it is not UTF-8 (pip would refuse it too)".into(),
            )],
        );
    };
    let src = SourceFile::new(shown_file, text);
    let doc = match toml_edit::Document::parse(src.text.as_str()) {
        Ok(doc) => doc,
        Err(err) => {
            let at = err.span().map_or(0, |s| s.start);
            let f = refused(&src, at, format!("invalid TOML: {}", err.message().trim()));
            return (None, vec![f]);
        }
    };
    let Some(system) = doc.get("build-system") else {
        return (
            Some(default("no [build-system] in pyproject.toml")),
            Vec::new(),
        );
    };
    let table_at = system.span().map_or(0, |s| s.start);
    let Some(table) = system.as_table_like() else {
        return (
            None,
            vec![refused(
                &src,
                table_at,
                "`build-system` is not a table".into(),
            )],
        );
    };
    let mut findings = Vec::new();
    let mut requires = Vec::new();
    match table.get("requires") {
        None => findings.push(refused(
            &src,
            table_at,
            "[build-system] has no `requires` (pip refuses such a project too)".into(),
        )),
        Some(item) => match item.as_array() {
            None => findings.push(refused(
                &src,
                item.span().map_or(table_at, |s| s.start),
                "`requires` is not a list of strings".into(),
            )),
            Some(list) => {
                for v in list.iter() {
                    let at = v.span().map_or(table_at, |s| s.start);
                    match v.as_str() {
                        // the string's text starts after its opening quote
                        Some(s) => requires.push((s.to_owned(), at + 1)),
                        None => findings.push(refused(
                            &src,
                            at,
                            "`requires` holds something other than a string".into(),
                        )),
                    }
                }
            }
        },
    }
    let backend = match table.get("build-backend") {
        None => DEFAULT_BACKEND.to_owned(),
        Some(item) => match item.as_str() {
            Some(s) => s.to_owned(),
            None => {
                findings.push(refused(
                    &src,
                    item.span().map_or(table_at, |s| s.start),
                    "`build-backend` is not a string".into(),
                ));
                String::new()
            }
        },
    };
    let mut backend_path = Vec::new();
    if let Some(item) = table.get("backend-path") {
        let at = item.span().map_or(table_at, |s| s.start);
        match item.as_array() {
            Some(list) if list.iter().all(|v| v.as_str().is_some()) => {
                for p in list.iter().filter_map(|v| v.as_str()) {
                    if !inside(root, p) {
                        findings.push(refused(
                            &src,
                            at,
                            format!("`backend-path` entry `{p}` lies outside the project (PEP 517 forbids it)"),
                        ));
                    }
                    backend_path.push(p.to_owned());
                }
            }
            _ => findings.push(refused(
                &src,
                at,
                "`backend-path` is not a list of strings".into(),
            )),
        }
    }
    let system = BuildSystem {
        src,
        requires,
        backend,
        backend_path,
    };
    (findings.is_empty().then_some(system), findings)
}

/// Whether `rel` (a `backend-path` entry) lies inside the project at `root`.
fn inside(root: &Path, rel: &str) -> bool {
    let (Ok(root), Ok(p)) = (root.canonicalize(), root.join(rel).canonicalize()) else {
        return false;
    };
    p.starts_with(root)
}

fn refused(src: &SourceFile, at: usize, message: String) -> Finding {
    finding_at(
        src,
        Rule::InvalidManifest,
        at,
        format!("build system: {message}; safe-pip builds nothing it could not read"),
    )
    .with_severity(Severity::Error)
}

/// A build requirement that is not a plain registry requirement: refused.
pub fn url_requirement(src: &SourceFile, at: usize, text: &str, why: &str) -> Finding {
    finding_at(
        src,
        Rule::DirectUrl,
        at,
        format!("build requirement `{text}`: {why}; safe-pip builds only from registry requirements it checked"),
    )
    .with_severity(Severity::Error)
}

/// The marker environment pip's report gives (`environment`), if complete.
pub fn marker_environment(env: &HashMap<String, String>) -> Option<MarkerEnvironment> {
    let get = |k: &str| env.get(k).map(String::as_str);
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: get("implementation_name")?,
        implementation_version: get("implementation_version")?,
        os_name: get("os_name")?,
        platform_machine: get("platform_machine")?,
        platform_python_implementation: get("platform_python_implementation")?,
        platform_release: get("platform_release")?,
        platform_system: get("platform_system")?,
        platform_version: get("platform_version")?,
        python_full_version: get("python_full_version")?,
        python_version: get("python_version")?,
        sys_platform: get("sys_platform")?,
    })
    .ok()
}

/// What of `asked` (the backend's `get_requires_for_build_wheel`) the installed build
/// environment (`installed`: name, version) does not meet. A requirement whose marker is
/// false for `env` is met; without `env`, a marker is taken as true. A URL is never met.
pub fn unmet(
    asked: &[String],
    installed: &[(String, String)],
    env: Option<&MarkerEnvironment>,
) -> Vec<String> {
    let installed: HashMap<String, &str> = installed
        .iter()
        .map(|(n, v)| (normalize(n).to_string(), v.as_str()))
        .collect();
    asked
        .iter()
        .filter(|text| {
            let t = text.trim();
            if crate::manifest::pep508_rs_would_panic(t).is_some() {
                return true;
            }
            let parsed =
                std::panic::catch_unwind(|| Requirement::<VerbatimUrl>::parse(t, Path::new(".")));
            let Ok(Ok(req)) = parsed else {
                return true;
            };
            if let Some(env) = env {
                if !req.evaluate_markers(env, &[]) {
                    return false;
                }
            }
            let Some(have) = installed.get(&normalize(req.name.as_ref()).to_string()) else {
                return true;
            };
            match &req.version_or_url {
                None => false,
                Some(VersionOrUrl::VersionSpecifier(specs)) => {
                    match pep508_rs::pep440_rs::Version::from_str(have) {
                        Ok(v) => !specs.contains(&v),
                        Err(_) => true,
                    }
                }
                Some(VersionOrUrl::Url(_)) => true,
            }
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_system_as_pip_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let (bs, f) = build_system(dir.path(), "p");
        let bs = bs.unwrap();
        assert!(f.is_empty());
        assert_eq!(bs.requires[0].0, DEFAULT_REQUIRES);
        assert_eq!(bs.backend, DEFAULT_BACKEND);
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname = 'x'\n\n[build-system]\nrequires = [\"setuptoolz>=1\", 'wheel']\nbuild-backend = \"be:api\"\nbackend-path = [\".\"]\n",
        )
        .unwrap();
        let (bs, f) = build_system(dir.path(), "p");
        assert!(f.is_empty(), "{f:?}");
        let bs = bs.unwrap();
        assert_eq!(bs.backend, "be:api");
        assert_eq!(bs.backend_path, ["."]);
        let (text, at) = &bs.requires[0];
        assert_eq!(text, "setuptoolz>=1");
        assert_eq!(&bs.src.text[*at..at + text.len()], text);
        assert_eq!(bs.src.line_col(*at).0, 5);
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[build-system]\nbuild-backend = \"be\"\nbackend-path = [\"..\"]\n",
        )
        .unwrap();
        let (bs, f) = build_system(dir.path(), "p");
        assert!(bs.is_none());
        assert_eq!(f.len(), 2, "{f:?}");
        std::fs::write(dir.path().join("pyproject.toml"), "[build-system\n").unwrap();
        let (bs, f) = build_system(dir.path(), "p");
        assert!(bs.is_none() && f[0].message.contains("invalid TOML"));
    }

    #[test]
    fn what_the_backend_asks_for_must_be_installed() {
        let installed = [("Setuptools".to_owned(), "70.0".to_owned())];
        let asked = |a: &[&str]| {
            unmet(
                &a.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                &installed,
                None,
            )
        };
        assert!(asked(&["setuptools>=40", "setuptools"]).is_empty());
        assert_eq!(asked(&["setuptools>=71"]), ["setuptools>=71"]);
        assert_eq!(asked(&["wheel"]), ["wheel"]);
        assert_eq!(asked(&["x @ https://h/x.whl"]), ["x @ https://h/x.whl"]);
        assert_eq!(asked(&["not a requirement!"]), ["not a requirement!"]);
    }

    /// A tar archive of (raw path, entry type, data), headers written as given.
    fn tar_of(entries: &[(&str, tar::EntryType, &str)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, kind, data) in entries {
            let mut h = tar::Header::new_gnu();
            let name = &mut h.as_gnu_mut().unwrap().name;
            name[..path.len()].copy_from_slice(path.as_bytes());
            h.set_entry_type(*kind);
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            if *kind == tar::EntryType::Symlink {
                h.set_link_name("/etc/passwd").unwrap();
            }
            h.set_cksum();
            b.append(&h, data.as_bytes()).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn archives_unpack_inside_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("p-1.0.tar");
        std::fs::write(
            &archive,
            tar_of(&[
                ("p-1.0/", tar::EntryType::Directory, ""),
                (
                    "p-1.0/pyproject.toml",
                    tar::EntryType::Regular,
                    "[build-system]\nrequires = []\n",
                ),
            ]),
        )
        .unwrap();
        let root = unpack(&archive, &dir.path().join("a")).unwrap();
        assert_eq!(root, dir.path().join("a/p-1.0"));
        assert!(root.join("pyproject.toml").is_file());
        for (bad, why) in [
            (("../evil", tar::EntryType::Regular), "outside"),
            (("p-1.0/link", tar::EntryType::Symlink), "Symlink"),
        ] {
            std::fs::write(&archive, tar_of(&[(bad.0, bad.1, "x")])).unwrap();
            let dest = dir.path().join("b");
            let e = unpack(&archive, &dest).unwrap_err();
            assert!(e.contains(why), "{e}");
            assert!(!dir.path().join("evil").exists());
            let _ = std::fs::remove_dir_all(&dest);
        }
        // a zip entry that climbs out
        let zip_path = dir.path().join("z-1.0.zip");
        let mut z = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
        z.start_file("../evil", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut z, b"x").unwrap();
        z.finish().unwrap();
        let e = unpack(&zip_path, &dir.path().join("c")).unwrap_err();
        assert!(e.contains("outside"), "{e}");
        assert!(!dir.path().join("evil").exists());
    }

    #[test]
    fn targets_are_local_projects_and_archives() {
        assert!(targets(&["-e ./x".into()])
            .unwrap_err()
            .contains("editables"));
        assert!(targets(&["git+https://h/x".into()]).is_err());
        assert!(targets(&["x @ file:./x".into()]).is_err());
        assert!(targets(&["./does-not-exist".into()]).is_err());
    }
}
