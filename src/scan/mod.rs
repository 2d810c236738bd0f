//! `squatguard scan`: looks inside a repository before anyone runs it.
//!
//! Runs `check` on every manifest, then reads every Python file (`.py` and `.pyw`, among them
//! `setup.py`, `conftest.py` and `sitecustomize.py`, and `.pth`) statically, never executing
//! anything, and reports decode-then-execute chains, encoded payloads, code that runs on import
//! or install, hidden process launches, exfiltration endpoints, credential paths and
//! obfuscation. It also flags `.py` files that are binaries, compiled `.pyc` files without their source, and
//! vendored copies of popular packages, which is where the VMConnect "coding test" lure hid its
//! payload (modified `Pyperclip/` and `Pyrebase/` folders).
//!
//! Nothing passes unread: the members of `.zip`/`.egg` archives (`archive`), notebook code
//! cells (`notebook`), scripts without an extension whose shebang names Python, and files a
//! module runs as code (`exec(open('x.dat').read())`, `runpy.run_path('LICENSE.txt')`) are read
//! as Python; `.vscode/tasks.json` tasks that run on opening the folder and dev container
//! lifecycle commands are reported (`autorun`); the scripts, `Makefile` recipes and pre-commit
//! hooks the project's own instructions run are read as code that runs (`instructions`); what Python can run but cannot be read here (native modules, files over
//! [`MAX_SCAN_SIZE`], unreadable archives) is an `opaque-code` finding
//! ([`crate::rules::opaque_code`], placed with `installed`).
//!
//! Unlike `check`, the walk ignores `.gitignore`: a hostile repository writes its own ignore
//! files. For the same reason its `squatguard: ignore` comments suppress nothing unless the
//! user trusts the repository ([`crate::config::Origin`]); the CLI applies the repository's
//! configuration only then, too. Without trust only `.git` (and, in a git work tree, untracked
//! virtualenvs) is skipped; a trusted repository's tool folders (`node_modules`, `.tox`, `.nox`,
//! `site-packages`) are skipped too. What the walk skipped is counted in the report.
//!
//! Modules: [`source`] decodes a file as Python does (coding cookie, line terminators; identifiers
//! NFKC-normalised), [`python`] reads it into its facts ([`crate::code_facts`], with their [`blobs`], which decodes
//! encoded literals, and [`indicators`], which matches endpoints and credential paths);
//! [`signals`] runs the code rules of [`crate::rules`] over them.

mod archive;
mod autorun;
mod data_literals;
mod installed;
mod instructions;
mod notebook;
pub mod python;
pub mod signals;
pub mod source;

use crate::check::{self, CheckError, CheckOptions, CheckReport};
use crate::code_facts::{self as facts, Role};
#[cfg(doc)]
use crate::code_facts::{blobs, indicators};
use crate::finding::{Finding, Rule, Severity};
use crate::rules::{disguised_binary, obfuscation, opaque_code, vendored_package, Engine};
use crate::source::{display_path, SourceFile};
use rayon::prelude::*;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// What to scan and which rules to report.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// The repository (or one file); empty means the current directory.
    pub root: PathBuf,
    /// The configuration the user chose (a scanned repository's own is applied only when the
    /// user trusts it: see the CLI's `--trusted`), whose repository this is (a repository under
    /// inspection cannot suppress its findings with `squatguard: ignore` comments), and the
    /// rule choice.
    pub policy: crate::finish::Policy,
    /// The applied configuration's `exclude` (never a scanned repository's own: see `origin`).
    pub exclude: Option<crate::exclude::Exclude>,
}

/// Files larger than this are not read: generated or padded, and a way to exhaust a scanner.
pub const MAX_SCAN_SIZE: u64 = 8 * 1024 * 1024;

/// Folder names never scanned in a repository the user trusts (`--trusted`): tool and
/// environment folders of the user's own.
const TRUSTED_SKIP_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    ".tox",
    ".nox",
    "site-packages",
];

/// Folder names never scanned in a repository under inspection: only `.git`. A folder named
/// `site-packages` or `node_modules` is the repository's to name, and Python imports from one
/// added to `sys.path`; untracked virtualenvs (a `pyvenv.cfg` in a git work tree) are still
/// skipped by the walk, and every skip is counted ([`check::walk_tree`]).
const UNTRUSTED_SKIP_DIRS: &[&str] = &[".git"];

/// Runs `check` on the manifests under `opts.root` and scans its Python files.
pub fn scan(opts: &ScanOptions, engine: &Engine) -> Result<CheckReport, CheckError> {
    let root = if opts.root.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        opts.root.clone()
    };
    let check_opts = CheckOptions {
        paths: vec![root.clone()],
        policy: opts.policy.clone(),
        exclude: opts.exclude.clone(),
        force_exclude: false,
    };
    let whole_tree = std::fs::metadata(&root).is_ok_and(|m| m.is_dir());
    let mut report = if whole_tree {
        check::collect(&check_opts, engine)?
    } else {
        std::fs::metadata(&root).map_err(|e| CheckError::Read {
            path: display_path(&root),
            reason: e.into(),
        })?;
        // one file named: not the whole tree
        check::Collected {
            explicit_files: true,
            ..check::Collected::default()
        }
    };
    let skip_dirs = match opts.policy.origin {
        crate::config::Origin::Own => TRUSTED_SKIP_DIRS,
        crate::config::Origin::Untrusted => UNTRUSTED_SKIP_DIRS,
    };
    let (files, refused_links, skipped) = walk(&root, skip_dirs, opts.exclude.as_ref())?;
    // what the scan did not read (the manifest discovery's own skips do not apply to it)
    report.skipped = skipped;
    let records = installed::Records::new(matches!(opts.policy.origin, crate::config::Origin::Own));
    let backends = in_tree_backends(&root);
    // what the project's README, Makefile, pre-commit hooks and shell scripts run
    let instructed = if whole_tree {
        instructions::read(&root)
    } else {
        instructions::Instructed::default()
    };
    // a script they run that the walk did not collect is read as Python too
    let mut files = files;
    let mut unlisted: Vec<PathBuf> = instructed
        .scripts
        .iter()
        .filter(|p| !files.contains(p))
        .cloned()
        .collect();
    unlisted.sort();
    files.extend(unlisted);
    let py_paths: HashSet<&Path> = files.iter().map(PathBuf::as_path).collect();
    // which functions run matters only where signals combine where they meet: installed
    // modules, with `--trusted` ([`signals::judge`]); elsewhere a file is one place, and calls
    // into other modules are not gathered
    let trusted = matches!(opts.policy.origin, crate::config::Origin::Own);
    let installs = Installs {
        stems: files
            .iter()
            .filter(|p| trusted && p.extension().is_some_and(|e| e == "py"))
            .filter_map(|p| Some(p.file_stem()?.to_str()?.to_owned()))
            .collect(),
        ..Installs::default()
    };
    // in file order, whichever worker read the file
    let mut findings: Vec<Finding> = files
        .par_iter()
        .flat_map_iter(|path| {
            // an in-tree build backend runs on install, as setup.py does
            let role = match role(path) {
                _ if backends.contains(path) => Role::Setup,
                Role::Module if instructed.scripts.contains(path) => Role::Script,
                named => named,
            };
            scan_file(path, role, &py_paths, &records, &installs, &[])
        })
        .collect();
    // modules that code running unasked imports run unasked too: read again in that role,
    // with the functions that code calls through the import reached; what those functions call
    // in other modules is then followed in the next round, as far as MAX_REACH_ROUNDS
    let take = || std::mem::take(&mut *installs.imports.lock().unwrap_or_else(|e| e.into_inner()));
    let mut gathered: std::collections::HashMap<PathBuf, Imports> =
        take().into_iter().map(|i| (i.path.clone(), i)).collect();
    let mut judged: std::collections::HashMap<PathBuf, (Role, Vec<String>)> =
        std::collections::HashMap::new();
    for _ in 0..MAX_REACH_ROUNDS {
        let all: Vec<&Imports> = gathered.values().collect();
        let again: Vec<(PathBuf, Role, Vec<String>)> = imported_unasked(&root, &all, &py_paths)
            .into_iter()
            .filter(|(p, role, called)| judged.get(p).is_none_or(|(r, c)| r != role || c != called))
            .collect();
        if again.is_empty() {
            break;
        }
        let shown: HashSet<String> = again.iter().map(|(p, _, _)| display_path(p)).collect();
        findings.retain(|f| !shown.contains(&f.file));
        let more: Vec<Finding> = again
            .par_iter()
            .flat_map_iter(|(path, role, called)| {
                scan_file(path, *role, &py_paths, &records, &installs, called)
            })
            .collect();
        findings.extend(more);
        for (path, role, called) in again {
            judged.insert(path, (role, called));
        }
        // what the files read again import and call, with what now runs, replaces their first
        // reading's
        for i in take() {
            gathered.insert(i.path.clone(), i);
        }
    }
    // what code that runs unasked installs with pip is judged as a manifest's dependencies are
    let mut asked = installs
        .deps
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    asked.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    report.dependencies += asked.len();
    findings.extend(engine.check_all(&asked)?);
    findings.extend(vendored(&root, &files, &findings));
    findings.extend(refused_links);
    findings.extend(instructed.findings);
    report.files += files.len();
    report.findings.extend(findings);
    // one finish for the manifests' findings and the code's
    Ok(CheckReport {
        code_scanned: true,
        ..report.finish(&opts.policy)
    })
}

/// Files the walk collects: Python source and `.pth` files, and what Python runs without it
/// being source (compiled, native, archives on `sys.path`, notebooks), and files without an
/// extension, kept when they start with a Python shebang ([`has_python_shebang`]).
fn is_scanned(path: &Path) -> bool {
    if autorun::is_vscode_tasks(path) || autorun::is_devcontainer(path) {
        return true;
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) => matches!(
            ext,
            "py" | "pyw" | "pth" | "pyc" | "so" | "pyd" | "zip" | "egg" | "ipynb"
        ),
        None => true,
    }
}

/// A file whose first line is a shebang naming Python (`#!/usr/bin/env python3`): a script a
/// shell script or a user runs by name.
fn has_python_shebang(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 128];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let head = &head[..n];
    head.starts_with(b"#!")
        && head
            .split(|&b| b == b'\n' || b == b'\r')
            .next()
            .is_some_and(|line| line.windows(6).any(|w| w == b"python"))
}

/// The files to scan, sorted; `.gitignore` is not honoured (see the module doc), the applied
/// configuration's `exclude` is. A symbolic link not followed ([`check::walk_tree`]) is
/// reported, since Python would follow it.
type Walk = (Vec<PathBuf>, Vec<Finding>, Vec<check::Skipped>);

fn walk(
    root: &Path,
    skip_dirs: &'static [&'static str],
    exclude: Option<&crate::exclude::Exclude>,
) -> Result<Walk, CheckError> {
    if !std::fs::metadata(root).is_ok_and(|m| m.is_dir()) {
        return Ok((vec![crate::source::clean(root)], Vec::new(), Vec::new()));
    }
    let mut walked = check::walk_tree(root, skip_dirs, exclude, is_scanned)?;
    let skipped = std::mem::take(&mut walked.skipped);
    // `obfuscation` is a warning by default, as a refused link should be
    let (files, refused) = walked.with_refused_findings(|path, why| {
        let shown = display_path(&crate::source::clean(path));
        let message = format!("not scanned: it is {why}; Python would follow it");
        Finding::new(Rule::Obfuscation, shown, 1, 1, message)
    });
    let files = files
        .iter()
        .filter(|p| p.extension().is_some() || has_python_shebang(p))
        .map(|p| crate::source::clean(p))
        .collect();
    Ok((files, refused, skipped))
}

pub(crate) fn role(path: &Path) -> Role {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    match name {
        "__init__.py" => Role::PackageInit,
        "conftest.py" => Role::Conftest,
        "sitecustomize.py" | "usercustomize.py" => Role::Startup,
        "setup.py" => Role::Setup,
        _ if name.ends_with(".pth") => Role::Pth,
        _ => Role::Module,
    }
}

/// What the workers gather besides findings: the packages that code running unasked installs
/// with pip ([`facts::Facts::pip_installs`]), and each file's module-level imports, to find
/// the modules that code running unasked imports ([`imported_unasked`]).
#[derive(Default)]
struct Installs {
    deps: std::sync::Mutex<Vec<crate::manifest::Dependency>>,
    imports: std::sync::Mutex<Vec<Imports>>,
    /// The names of the scanned Python files without `.py`: the modules a call such as
    /// `utils.collect()` may name (empty unless calls into other modules are followed).
    stems: HashSet<String>,
}

/// A file's module-level imports, its role, and whether it acts on import (or has a coding
/// cookie the scan does not decode: its severity depends on what imports it).
struct Imports {
    path: PathBuf,
    role: Role,
    imports: Vec<facts::Import>,
    acts: bool,
    /// The calls anywhere in the file to a function of a module it imports that is named like a
    /// scanned file (`utils.collect()`, `collect()` imported from `utils`): the module's name
    /// and the function's.
    calls: Vec<(String, String)>,
}

impl Installs {
    /// Records what `facts` of `sf` install, when the file runs without being called (on
    /// install, import, start-up or test), and, for a file read for itself (not through
    /// another), what it imports.
    fn add(&self, sf: &SourceFile, facts: &facts::Facts, role: Role, own: bool, foreign: bool) {
        if own {
            let acts = role == Role::Module && (facts.acts_on_import() || foreign);
            let calls = self.module_calls(facts);
            if !facts.imports.is_empty() || acts || !calls.is_empty() {
                self.imports
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(Imports {
                        path: sf.path.clone(),
                        role,
                        imports: facts.imports.clone(),
                        acts,
                        calls,
                    });
            }
        }
        if facts.pip_installs.is_empty() || matches!(role, Role::Module) {
            return;
        }
        let deps = facts.pip_installs.iter().map(|(at, name)| {
            crate::manifest::Dependency::new(sf, name, *at, "pip install run by the code")
        });
        self.deps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(deps);
    }

    /// The calls of `facts` that run unasked to a function of a module the file imports by
    /// name and that is named like a scanned file ([`Imports::calls`]); none unless calls into
    /// other modules are followed (`stems` is empty then). Only calls that run unasked count:
    /// a module whose functions run is read again with them reached, and what they call then
    /// counts in turn.
    fn module_calls(&self, facts: &facts::Facts) -> Vec<(String, String)> {
        if self.stems.is_empty() {
            return Vec::new();
        }
        // the modules the file imports by name (`import utils`, `import helpers.net as n`,
        // `from helpers import net`, `from utils import collect`): a call through any other
        // name (`client.connect()` on a variable) is not a module's function
        let imported: HashSet<&str> = facts
            .imports
            .iter()
            .flat_map(|i| {
                let module = i.module.rsplit('.').next().filter(|m| !m.is_empty());
                let names = i.names.iter().filter_map(|n| n.rsplit('.').next());
                module.into_iter().chain(names)
            })
            .collect();
        let mut calls: Vec<(String, String)> = facts
            .calls
            .iter()
            .filter(|c| c.reached)
            .filter_map(|c| {
                let mut parts = c.target().rsplit('.');
                let function = parts.next()?;
                let module = parts.next()?;
                (imported.contains(module) && self.stems.contains(module))
                    .then(|| (module.to_owned(), function.to_owned()))
            })
            .collect();
        calls.sort_unstable();
        calls.dedup();
        calls
    }
}

/// The modules of the repository that code running unasked imports, directly or through one
/// another (Python runs a module's top level when it is first imported), with the role they
/// take: install-time when `setup.py` or a build backend imports them, import-time otherwise.
/// Only those whose findings change are returned: those that act on import (spawn, connect or
/// execute at their top level), and, where calls into other modules are gathered
/// ([`Installs::module_calls`]: with `--trusted`, where installed modules are judged where
/// signals meet), those with functions that code running unasked calls
/// through the import that finds the module (`utils.collect()` in a script the instructions run
/// after `import utils`, or `collect()` imported from `utils`), each with those functions'
/// names, which run unasked too ([`python::reach_from`]); a module read again so brings the
/// calls its reached functions make into the next round ([`MAX_REACH_ROUNDS`]). An import is
/// resolved as Python's path finder would find it in the tree: relative ones from the importing file's package, absolute ones from the
/// folder above its outermost package, its own folder (a script's `sys.path[0]`) and the
/// scanned root; a name imported from a package may be a submodule.
fn imported_unasked(
    root: &Path,
    gathered: &[&Imports],
    py_paths: &HashSet<&Path>,
) -> Vec<(PathBuf, Role, Vec<String>)> {
    use std::collections::HashMap;
    let by_path: HashMap<&Path, &Imports> =
        gathered.iter().map(|i| (i.path.as_path(), *i)).collect();
    let is_package = |dir: &Path| py_paths.contains(dir.join("__init__.py").as_path());
    let mut reached: HashMap<PathBuf, Role> = HashMap::new();
    // for each module, the functions that the files importing it call through that import
    let mut called: HashMap<PathBuf, Vec<String>> = HashMap::new();
    let mut queue: Vec<(PathBuf, Role)> = gathered
        .iter()
        .filter_map(|i| match i.role {
            Role::Setup => Some((i.path.clone(), Role::Setup)),
            Role::PackageInit | Role::Conftest | Role::Startup | Role::Script => {
                Some((i.path.clone(), Role::PackageInit))
            }
            Role::Module | Role::Pth => None,
        })
        .collect();
    while let Some((file, role)) = queue.pop() {
        let Some(node) = by_path.get(file.as_path()) else {
            continue;
        };
        let here = file.parent().unwrap_or(Path::new(""));
        for imp in &node.imports {
            let mut bases: Vec<PathBuf> = Vec::new();
            if imp.level > 0 {
                let mut b = Some(here);
                for _ in 1..imp.level {
                    b = b.and_then(Path::parent);
                }
                bases.extend(b.map(Path::to_path_buf));
            } else {
                let mut top = here;
                while is_package(top) {
                    match top.parent() {
                        Some(p) => top = p,
                        None => break,
                    }
                }
                bases.extend([top.to_path_buf(), here.to_path_buf(), root.to_path_buf()]);
            }
            let module: PathBuf = imp.module.split('.').filter(|p| !p.is_empty()).collect();
            let mut candidates = Vec::new();
            for base in &bases {
                if imp.level == 0 && imp.module.is_empty() {
                    // `import a.b`: a/b.py
                    for n in &imp.names {
                        let p: PathBuf = n.split('.').collect();
                        candidates.push(base.join(p));
                    }
                } else {
                    if !module.as_os_str().is_empty() {
                        candidates.push(base.join(&module));
                    }
                    for n in imp.names.iter().filter(|n| *n != "*") {
                        candidates.push(base.join(&module).join(n));
                    }
                }
            }
            for c in candidates {
                let mut c = c.into_os_string();
                c.push(".py");
                let c = crate::source::clean(Path::new(&c));
                if !py_paths.contains(c.as_path()) || self::role(&c) != Role::Module {
                    continue;
                }
                let stem = c.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                let mut through = node.calls.iter().filter(|(m, _)| m == stem).peekable();
                if through.peek().is_some() {
                    called
                        .entry(c.clone())
                        .or_default()
                        .extend(through.map(|(_, f)| f.clone()));
                }
                let stronger = match reached.get(&c) {
                    None => true,
                    Some(r) => *r != Role::Setup && role == Role::Setup,
                };
                if stronger {
                    reached.insert(c.clone(), role);
                    queue.push((c, role));
                }
            }
        }
    }
    let mut out: Vec<(PathBuf, Role, Vec<String>)> = reached
        .into_iter()
        .filter_map(|(p, role)| {
            let node = by_path.get(p.as_path())?;
            let mut functions = called.remove(&p).unwrap_or_default();
            functions.sort_unstable();
            functions.dedup();
            (node.acts || !functions.is_empty()).then_some((p, role, functions))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn scan_file(
    path: &Path,
    role: Role,
    py_paths: &HashSet<&Path>,
    records: &installed::Records,
    installs: &Installs,
    called: &[String],
) -> Vec<Finding> {
    let shown = display_path(path);
    let at_start = |rule: Rule, severity: Severity, msg: String| {
        vec![Finding::new(rule, shown.clone(), 1, 1, msg).with_severity(severity)]
    };
    let opaque = |what: &str| vec![opaque_code::finding(&shown, what, reach(path, records))];
    match path.extension().and_then(|e| e.to_str()) {
        Some("pyc") => {
            let has_source = |p: &Path| py_paths.contains(p) || p.exists();
            let compiled = disguised_binary::compiled(&shown, path, has_source);
            // a sourceless module outside `__pycache__` is imported by its name: where that
            // happens unasked, it is code that runs and cannot be read
            let importable = compiled
                .as_ref()
                .is_some_and(|f| f.severity == Severity::Warning);
            let mut out: Vec<Finding> = compiled.into_iter().collect();
            let reach = reach(path, records);
            if importable && reach == opaque_code::Reach::RunsUnasked {
                out.extend(opaque("a compiled module without its source (`.pyc`)"));
            }
            return out;
        }
        Some("so" | "pyd") => {
            return opaque("a native extension module (compiled code Python imports by name)")
        }
        Some("zip" | "egg") => {
            return archive::scan(path, &shown, || reach(path, records), installs)
        }
        _ => {}
    }
    let bytes = match crate::source::read_regular(path, MAX_SCAN_SIZE) {
        Ok(bytes) => bytes,
        Err(crate::source::ReadError::TooLarge(_)) => {
            return opaque(&format!(
                "a file larger than {} MiB",
                MAX_SCAN_SIZE / (1024 * 1024)
            ));
        }
        Err(why) => {
            return at_start(
                Rule::Obfuscation,
                Severity::Note,
                format!("not scanned: the file cannot be read ({why})"),
            );
        }
    };
    if autorun::is_vscode_tasks(path) {
        let sf = SourceFile::new(path, String::from_utf8_lossy(&bytes).into_owned());
        return autorun::vscode_tasks(&sf);
    }
    if autorun::is_devcontainer(path) {
        let sf = SourceFile::new(path, String::from_utf8_lossy(&bytes).into_owned());
        return autorun::devcontainer(&sf);
    }
    if path.extension().is_some_and(|e| e == "ipynb") {
        return match notebook::code(&bytes) {
            Some(text) => scan_text(path, text, Role::Module),
            None => opaque("a notebook that is not readable JSON"),
        };
    }
    if let Some(f) = disguised_binary::source(&shown, &bytes) {
        return vec![f];
    }
    // an installed distribution's module (`--trusted` only) is judged where its signals meet
    let reached = Reached {
        called,
        installed: records.lists(path),
        ..Reached::top(role)
    };
    scan_source_at(path, &bytes, reached, installs)
}

/// The modules of an in-tree build backend (PEP 517 `backend-path`, e.g. `["."]`, with
/// `build-backend = "backend"` in the root `pyproject.toml`'s `[build-system]`): pip imports
/// them to build, so they run on install. Read with `toml_edit`, as the manifest reader does;
/// a file that does not parse names no backend here (`check` reports it).
fn in_tree_backends(root: &Path) -> HashSet<PathBuf> {
    let mut out = HashSet::new();
    let Ok(bytes) = crate::source::read_regular(&root.join("pyproject.toml"), MAX_SCAN_SIZE) else {
        return out;
    };
    let Ok(doc) = String::from_utf8_lossy(&bytes).parse::<toml_edit::DocumentMut>() else {
        return out;
    };
    let Some(system) = doc.get("build-system") else {
        return out;
    };
    let Some(backend) = system.get("build-backend").and_then(|b| b.as_str()) else {
        return out;
    };
    // `pkg.backend:object` is the module `pkg.backend`; each of its packages' `__init__.py` runs
    let module = backend.split(':').next().unwrap_or("").trim();
    let parts: Vec<&str> = module.split('.').filter(|p| !p.is_empty()).collect();
    let paths = system.get("backend-path").and_then(|p| p.as_array());
    for dir in paths.into_iter().flatten().filter_map(|d| d.as_str()) {
        let base = root.join(dir);
        for n in 1..=parts.len() {
            let stem: PathBuf = parts[..n].iter().collect();
            out.insert(crate::source::clean(&base.join(&stem).join("__init__.py")));
            if n == parts.len() {
                out.insert(crate::source::clean(&base.join(stem.with_extension("py"))));
            }
        }
    }
    out
}

/// Files that are not Python source but that `module` runs as code (`exec(open('x.dat')
/// .read())`, `runpy.run_path('LICENSE.txt')`), read as Python that runs where `module` runs.
/// The path is looked up beside the module and in the folders above it (relative paths are
/// relative to wherever Python is started, most often the project's root). One not found is
/// not read: the call is reported (`opaque-code`) at the module.
fn code_files(
    module: &SourceFile,
    facts: &facts::Facts,
    reached: Reached<'_>,
    installs: &Installs,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (range, written) in &facts.code_files {
        let rel = Path::new(written);
        let found = module
            .path
            .ancestors()
            .skip(1)
            .take(4)
            .map(|dir| dir.join(rel))
            .find(|p| p.is_file() && !rel.is_absolute());
        match found.map(|p| (crate::source::read_regular(&p, MAX_SCAN_SIZE), p)) {
            Some((Ok(bytes), p)) => match disguised_binary::source(&display_path(&p), &bytes) {
                Some(f) => out.push(f),
                None => out.extend(scan_source_at(
                    &crate::source::clean(&p),
                    &bytes,
                    reached,
                    installs,
                )),
            },
            _ => {
                let (line, column) = module.line_col(range.start);
                out.push(
                    Finding::new(
                        Rule::OpaqueCode,
                        module.display_path(),
                        line,
                        column,
                        format!("runs `{written}` as Python code, and that file could not be read here; review it before running this code"),
                    )
                    .with_severity(Severity::Warning),
                );
            }
        }
    }
    out
}

/// Scans Python source `bytes` shown as `path`.
fn scan_source(path: &Path, bytes: &[u8], role: Role, installs: &Installs) -> Vec<Finding> {
    scan_source_at(path, bytes, Reached::top(role), installs)
}

/// How a Python file is reached, which decides how it is judged.
#[derive(Debug, Clone, Copy)]
struct Reached<'a> {
    /// What runs it.
    role: Role,
    /// Through how many files run as code ([`code_files`]) it was reached.
    depth: usize,
    /// Its functions that code running unasked elsewhere calls ([`imported_unasked`]).
    called: &'a [String],
    /// An installed distribution's module, judged where its signals meet ([`signals::judge`]).
    installed: bool,
}

impl Reached<'_> {
    /// A file read for itself, in `role`.
    fn top(role: Role) -> Reached<'static> {
        Reached {
            role,
            depth: 0,
            called: &[],
            installed: false,
        }
    }
}

/// How many rounds of modules read again with the functions other modules' code running unasked
/// calls ([`imported_unasked`]): a chain of calls through this many modules is followed.
const MAX_REACH_ROUNDS: usize = 4;

/// How many files run as code ([`code_files`]) are followed, one from another.
const MAX_CODE_FILE_DEPTH: usize = 3;

/// [`scan_source`] for a file reached as `reached` says.
fn scan_source_at(
    path: &Path,
    bytes: &[u8],
    reached: Reached<'_>,
    installs: &Installs,
) -> Vec<Finding> {
    let Reached {
        role,
        depth,
        called,
        installed,
    } = reached;
    let decoded = source::decode(bytes);
    let sf = SourceFile::new(path, decoded.text);
    let mut facts = python::read(&sf.text, role);
    python::reach_from(&mut facts, called);
    let mut out = signals::judge(&sf, &facts, installed);
    // a file Python decodes otherwise is judged again wherever code running unasked imports it
    let foreign = decoded.foreign_cookie.is_some();
    installs.add(&sf, &facts, role, depth == 0, foreign);
    if depth < MAX_CODE_FILE_DEPTH {
        // a file run as code is read for itself: nothing of it is called, nor installed
        let next = Reached {
            depth: depth + 1,
            ..Reached::top(role)
        };
        out.extend(code_files(&sf, &facts, next, installs));
    }
    if let Some((line, encoding)) = decoded.foreign_cookie {
        // an installed module read for itself: nothing running unasked imports it (those are
        // read again in their role)
        let unasked_only = installed && role == Role::Module && depth == 0;
        out.push(obfuscation::foreign_encoding(
            &sf,
            line,
            &encoding,
            unasked_only,
        ));
    }
    out
}

/// Scans decoded Python text shown as `path`.
fn scan_text(path: &Path, text: String, role: Role) -> Vec<Finding> {
    let sf = SourceFile::new(path, text);
    let facts = python::read(&sf.text, role);
    signals::judge(&sf, &facts, false)
}

/// How far a file at `path` that cannot be read reaches ([`opaque_code::Reach`]).
fn reach(path: &Path, records: &installed::Records) -> opaque_code::Reach {
    let dir = path.parent().unwrap_or(Path::new(""));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let in_package = dir.join("__init__.py").is_file();
    let at_install = dir.join("setup.py").is_file() || dir.join("pyproject.toml").is_file();
    if !in_package && !at_install {
        return opaque_code::Reach::Elsewhere;
    }
    if in_package && records.lists(path) {
        return opaque_code::Reach::Installed;
    }
    opaque_code::Reach::RunsUnasked
}

/// Vendored copies of popular packages among the walked `files` ([`vendored_package`]).
fn vendored(root: &Path, files: &[PathBuf], findings: &[Finding]) -> Vec<Finding> {
    vendored_package::check(&crate::source::clean(root), files, findings, is_installed)
}

/// True when `dir` is an install target (site-packages): it holds `*.dist-info` or
/// `*.egg-info` metadata beside the packages.
fn is_installed(dir: &Path) -> bool {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.ends_with(".dist-info") || n.ends_with(".egg-info")
        })
    })
}
