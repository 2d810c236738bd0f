//! `import-time-code` (SG404): code that runs without being called: a call that executes code,
//! launches a process or reaches the network at module level of a file Python loads on its own
//! (a package's `__init__.py`, `conftest.py`, `sitecustomize.py`/`usercustomize.py`), and every
//! `import` line of a `.pth` file. Module level, as the scan's reader (`src/scan/python.rs`) reads it, takes in
//! default arguments, decorators, the `else` of a main guard and conditions on `__name__` other
//! than `== "__main__"`; a module-level `threading.Thread(target=f)`, `@atexit.register`, and in
//! `conftest.py` a `pytest_*` hook or an autouse fixture count as calls of the function they run. From the facts: the file's role, each call's kinds (with
//! those of the file's own functions it calls) and whether it runs at module level, and the
//! `.pth` import lines; placed over the call or the line.
//!
//! `scan` also reports here a VS Code task that runs when the folder is opened
//! ([`folder_open`]; `.vscode/tasks.json`, `"runOn": "folderOpen"`): an error, naming the
//! command, since opening the repository in the editor runs it.
//!
//! safe-pip's look inside a wheel reports here a `.pth` file the wheel installs whose lines
//! import ([`installed_pth`]) and a `sitecustomize`/`usercustomize` module
//! ([`installed_module`]): errors, placed at the wheel's entry, since they run at every
//! Python start-up once installed (a well-known `.pth`, [`KNOWN_PTH`], is a note).
//!
//! Severity: a module-level call is a warning alone (a bare capability: matplotlib's rc loader
//! can fetch a URL at import) and an error when the code that runs without being called (the
//! module level and the functions it calls: see [`crate::code_facts::Facts`]) shows a threat
//! or a local raw IP URL (an import-time post to a raw IP), or, for a call that launches or
//! executes, the temporary directory (a dropper staging its payload); a threat only in a
//! function nothing calls on import does not raise it, nor does a cache folder in the temporary
//! directory beside a network call; a `.pth` line is an error when it executes
//! code, launches a process, connects or decodes, and a warning otherwise.

use super::code::{describe, severity, via, CodeFile};
use crate::code_facts::{kind, Role};
use crate::finding::{Finding, Rule, Severity};

pub fn check(file: &CodeFile) -> Vec<Finding> {
    let facts = file.facts;
    let mut out = Vec::new();
    if matches!(
        facts.role,
        Role::PackageInit | Role::Conftest | Role::Startup | Role::Script
    ) {
        for call in facts.calls.iter().filter(|c| c.module_level) {
            let does = call.kinds | call.local_kinds;
            if does & kind::CAPABILITIES == 0 {
                continue;
            }
            // the temporary directory counts for a launch or exec, and, unless signals are
            // combined where they meet, for any call
            let temp = does & (kind::EXEC | kind::SPAWN) != 0 || !file.fine;
            let with = file.reached
                & (kind::THREATS | kind::ENDPOINT_LOCAL | if temp { kind::TEMP } else { 0 });
            out.push(file.finding(
                Rule::ImportTimeCode,
                call.start,
                call.end,
                severity(with != 0, Severity::Warning),
                format!(
                    "{} {} {}, without being called",
                    via(call),
                    describe(does),
                    when(facts.role)
                ),
            ));
        }
    }
    for line in &facts.pth_imports {
        let does = facts.kinds_in(line.clone());
        let bad = does & (kind::CAPABILITIES | kind::DECODE) != 0;
        let msg = if bad {
            format!(
                "this .pth line runs at every Python start-up and {}",
                describe(does)
            )
        } else {
            "this .pth line imports code at every Python start-up; only paths belong in .pth files, unless a tool you installed put it there".into()
        };
        out.push(file.finding(
            Rule::ImportTimeCode,
            line.start,
            line.end,
            if bad {
                Severity::Error
            } else {
                Severity::Warning
            },
            msg,
        ));
    }
    out
}

/// `.pth` files with import lines that well-known distributions ship: (distribution, file).
pub const KNOWN_PTH: &[(&str, &str)] = &[
    ("setuptools", "distutils-precedence.pth"),
    ("pywin32", "pywin32.pth"),
    ("coverage", "a1_coverage.pth"),
];

/// A `.pth` file named `file_name` that the distribution `own` (normalised) installs at the
/// top of site-packages, holding `text`, placed at `place`: its `import` lines run at every
/// Python start-up: an error, a note for the few well-known ones ([`KNOWN_PTH`]). Judged for
/// safe-pip's look inside a wheel (`src/pip/inspect.rs`), where the file is not yet installed.
pub fn installed_pth(own: &str, file_name: &str, text: &str, place: String) -> Option<Finding> {
    let known = KNOWN_PTH
        .iter()
        .any(|(d, f)| *d == own && f.eq_ignore_ascii_case(file_name));
    // `site` reads a .pth with universal newlines: `\r` ends a line too
    let code: Vec<&str> = text
        .split(['\n', '\r'])
        .filter(|l| l.starts_with("import ") || l.starts_with("import\t"))
        .collect();
    let first = code.first()?;
    Some(
        Finding::new(
            Rule::ImportTimeCode,
            place,
            1,
            1,
            format!(
                "installs `{file_name}`, whose `import` line{} run{} at every Python start-up, before any program's own code",
                if code.len() == 1 { "" } else { "s" },
                if code.len() == 1 { "s" } else { "" },
            ),
        )
        .with_severity(if known { Severity::Note } else { Severity::Error })
        .with_snippet(first.chars().take(300).collect::<String>()),
    )
}

/// A top-level module `module` (installed as the file `file_name`, placed at `place`) that a
/// wheel installs into site-packages: `sitecustomize` and `usercustomize` run at every Python
/// start-up, an error.
pub fn installed_module(module: &str, file_name: &str, place: String) -> Option<Finding> {
    matches!(module, "sitecustomize" | "usercustomize").then(|| {
        Finding::new(
            Rule::ImportTimeCode,
            place,
            1,
            1,
            format!("installs `{file_name}`, which Python imports at every start-up, before any program's own code"),
        )
        .with_severity(Severity::Error)
    })
}

/// When a file of `role` runs.
fn when(role: Role) -> &'static str {
    match role {
        Role::Module => "when the module is imported",
        Role::PackageInit => "as soon as anything in the package is imported",
        Role::Conftest => "as soon as pytest collects tests here",
        Role::Startup | Role::Pth => "at every Python start-up",
        Role::Setup => "on `pip install`",
        Role::Script => "when this script runs as the project's instructions say (README, Makefile, pre-commit hook or a shell script they run)",
    }
}

/// A VS Code task in `sf` (a `tasks.json`) that runs `command` when the folder is opened, at
/// byte `offset`.
pub fn folder_open(sf: &crate::source::SourceFile, offset: usize, command: &str) -> Finding {
    let (line, column) = sf.line_col(offset);
    Finding::new(
        Rule::ImportTimeCode,
        sf.display_path(),
        line,
        column,
        format!("VS Code runs `{command}` as soon as this folder is opened (a `folderOpen` task), without being asked"),
    )
    .with_severity(Severity::Error)
    .with_snippet(sf.line_text(line).chars().take(300).collect::<String>())
    .on_line_of(sf, line)
}

/// A command that an editor or tool configuration in `sf` runs by itself (`key`, at byte
/// `offset`), `when` it runs: a warning, as a launch at import is, and an error when the
/// command carries a threat sign (a download piped to a shell, a reverse shell, an
/// exfiltration endpoint that is not local, a credential path) or decodes what it runs
/// (`base64 -d`).
pub fn autorun(
    sf: &crate::source::SourceFile,
    offset: usize,
    command: &str,
    key: &str,
    when: &str,
) -> Finding {
    let (line, column) = sf.line_col(offset);
    let threat = command_threat(command);
    let (severity, why) = match &threat {
        Some(what) => (Severity::Error, format!(" ({what})")),
        None => (Severity::Warning, String::new()),
    };
    Finding::new(
        Rule::ImportTimeCode,
        sf.display_path(),
        line,
        column,
        format!("`{key}` runs `{command}`{why} {when}, without being asked; read it before opening this folder in a dev container"),
    )
    .with_severity(severity)
    .with_snippet(sf.line_text(line).chars().take(300).collect::<String>())
    .on_line_of(sf, line)
}

/// The threat sign a shell `command` carries, named: a download piped to a shell, a reverse
/// shell, an exfiltration endpoint that is not local, a credential path, or decoding what it
/// runs (`base64 -d`).
pub fn command_threat(command: &str) -> Option<String> {
    use crate::code_facts::indicators::{self, Indicator};
    let threat = indicators::find(command).into_iter().find_map(|i| match i {
        Indicator::Endpoint { what, strong } => strong.then_some(what),
        Indicator::Credential { what } | Indicator::Shell { what } => Some(what),
    });
    let decodes = command.contains("base64 -d")
        || command.contains("base64 --decode")
        || command.contains("b64decode");
    threat.or_else(|| decodes.then(|| "decoding what it runs".to_owned()))
}

/// A shell `command` at byte `offset` of `sf` that the project's instructions run (`how`: a
/// `Makefile` target the README names, a pre-commit hook, a shell script they run): an error
/// when it carries a threat sign ([`command_threat`]); otherwise `plain` (none: a command the
/// user runs knowingly, in the open, is not reported).
pub fn instructed(
    sf: &crate::source::SourceFile,
    offset: usize,
    command: &str,
    how: &str,
    plain: Option<Severity>,
) -> Option<Finding> {
    let threat = command_threat(command);
    let severity = if threat.is_some() {
        Severity::Error
    } else {
        plain?
    };
    let why = threat.map(|t| format!(" ({t})")).unwrap_or_default();
    let (line, column) = sf.line_col(offset);
    let shown: String = command.trim().chars().take(200).collect();
    Some(
        Finding::new(
            Rule::ImportTimeCode,
            sf.display_path(),
            line,
            column,
            format!(
                "{how} runs `{shown}`{why}; read it before you follow the project's instructions"
            ),
        )
        .with_severity(severity)
        .with_snippet(sf.line_text(line).chars().take(300).collect::<String>())
        .on_line_of(sf, line),
    )
}

/// An editor or tool configuration in `sf` that runs commands by itself (`what`) and that does
/// not read here: what it runs is unknown, so it is reported rather than passed; an error when
/// its text names one of the `keys` that make it run a command unasked (the editor's own
/// reader is more lenient than this one), a warning otherwise.
pub fn unread_autorun(sf: &crate::source::SourceFile, what: &str, keys: &[&str]) -> Finding {
    let runs = keys.iter().any(|k| sf.text.contains(k));
    Finding::new(
        Rule::OpaqueCode,
        sf.display_path(),
        1,
        1,
        format!(
            "not read: {what} that is not valid JSON with comments{}; the commands it may run on its own could not be checked",
            if runs { ", and that names a command run without being asked" } else { "" }
        ),
    )
    .with_severity(if runs { Severity::Error } else { Severity::Warning })
}
