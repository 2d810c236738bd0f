//! The canonical set: what pip's resolution is given, built by safe-pip from what it read
//! itself. pip never reads a requirements or constraints file that came with the code.
//!
//! Grammar: the files named by `-r`/`-c` on the command line, and what they include, are read
//! by [`crate::manifest::requirements_txt::Reader`], which reads as pip's `parse_requirements` does (and is held
//! to it by `tests/pip_differential.rs`). From what it reads, the set keeps:
//!
//! ```text
//! registry requirement   a PEP 508 requirement without a URL, parsed (pep508_rs) and written
//!                        back from its parts: `name[extras]specifiers ; marker`, the name
//!                        normalised, so that pip can read it only as a registry requirement
//!                        (never as a path or an archive), with its `--hash` values
//! constraint             the same, from a file read as constraints, into a constraints file
//! --pre, --prefer-binary, --only-binary, --require-hashes, --use-feature
//!                        passed on as options
//! ```
//!
//! Everything else in a file is a finding at error level, placed on its line: a URL, path,
//! archive, VCS or `file:` requirement or constraint, an editable, `--no-binary`,
//! `--global-option` and `--config-settings`, and the index options (`--index-url`,
//! `--extra-index-url`, `--find-links`, `--no-index`, `--trusted-host`) unless the command line
//! (or the user's pip configuration) already gives the same option with the same value. A
//! requirement line safe-pip could not write so that pip reads it back unchanged (its marker
//! holds `#`, `\`, `$` or a character outside printable ASCII) is refused too.
//!
//! The command line is the user's own: its registry positionals join the set the same way;
//! its other positionals (a local wheel, a path, an archive, a URL) and `-e` values are passed
//! on as given, and those that pip would build are listed in [`CanonicalSet::needs_build`].
//! `--group` (PEP 735 dependency groups, which pip would read from `pyproject.toml`) is read by
//! [`super::groups`]; their registry requirements join the set, the rest blocks.

use super::args::{Opt, PipArgs};
use crate::finding::{Finding, Rule, Severity};
use crate::manifest::finding_at;
use crate::manifest::requirements_txt::{
    Event, GivenLines, LineOption, PipLine, PipOption, Reader, Statement,
};
use crate::manifest::ARCHIVE_SUFFIXES;
use crate::source::SourceFile;
use pep508_rs::{Requirement, VerbatimUrl, VersionOrUrl};

/// What pip's resolution is asked for.
#[derive(Debug, Clone, Default)]
pub struct CanonicalSet {
    /// Registry requirements as safe-pip writes them (with ` --hash=...` options).
    pub requirements: Vec<String>,
    /// Registry constraints as safe-pip writes them.
    pub constraints: Vec<String>,
    /// The command line's options (without `-r`, `-c`, `-e`, `--group`), then the options
    /// taken from files.
    pub options: Vec<Opt>,
    /// Command-line positionals that are not registry requirements, as given.
    pub direct: Vec<String>,
    /// Command-line `-e` values, as given.
    pub editables: Vec<String>,
    /// What of `direct` and `editables` pip would have to build, as written.
    pub needs_build: Vec<String>,
    /// What in the files safe-pip does not pass on: each blocks.
    pub findings: Vec<Finding>,
}

/// Options of the command line that name requirements: read here, never passed to pip.
const REQUIREMENT_OPTIONS: &[&str] = &["--requirement", "--constraint", "--editable", "--group"];

impl CanonicalSet {
    /// The set `a` asks for: `command_line` is the command line's statements as the lines of
    /// a requirements file (its `-r`/`-c` lines name the files to read, relative to the
    /// working directory).
    pub fn build(a: &PipArgs, command_line: &GivenLines, reader: &mut Reader<'_>) -> Self {
        let mut set = CanonicalSet {
            options: a
                .options
                .iter()
                .filter(|o| !REQUIREMENT_OPTIONS.contains(&o.long))
                .cloned()
                .collect(),
            editables: a.values("--editable").map(str::to_owned).collect(),
            ..CanonicalSet::default()
        };
        set.needs_build = set.editables.iter().map(|e| format!("-e {e}")).collect();
        for p in &a.positionals {
            match registry_requirement(p) {
                Ok(req) => set.requirements.push(req),
                Err(_) => {
                    if !is_local_wheel(p) {
                        set.needs_build.push(p.clone());
                    }
                    set.direct.push(p.clone());
                }
            }
        }
        // the command line is the first file the reader reads; its own lines were taken from
        // `a` above. Told apart by identity, not by name: a file may be named `<command line>`
        let mut first: Option<*const SourceFile> = None;
        reader.read_given(command_line, &mut |event| match event {
            Event::File { src, .. } => {
                first.get_or_insert(std::ptr::from_ref(src));
            }
            Event::Line {
                src,
                constraint,
                line,
            } if first != Some(std::ptr::from_ref(src)) => set.line(a, src, constraint, line),
            _ => {}
        });
        set
    }

    fn line(&mut self, a: &PipArgs, src: &SourceFile, constraint: bool, line: &PipLine) {
        match &line.statement {
            // pip stops on this line: the reader's own finding blocks
            None => {}
            Some(Statement::Options(opts)) => {
                for o in opts {
                    self.file_option(a, src, line, o);
                }
            }
            Some(Statement::Requirement {
                requirement,
                span,
                editable,
                options,
            }) => {
                let at = line.offset(span.start);
                // as written: a `${VAR}` value (a token, say) never reaches a message
                let shown = line.written(&src.text, span.clone(), requirement);
                let what = if constraint {
                    "constraint"
                } else {
                    "requirement"
                };
                if *editable {
                    self.refuse(
                        src,
                        Rule::DirectUrl,
                        at,
                        format!("`-e {shown}`: an editable {what} in a file that came with the code; pip would build it, which runs its code"),
                    );
                    return;
                }
                let mut text = match registry_requirement(requirement) {
                    Ok(text) => text,
                    Err(why) => {
                        self.refuse(
                            src,
                            Rule::DirectUrl,
                            at,
                            format!("`{shown}`: {why}; safe-pip passes pip only the registry {what}s it read from a file"),
                        );
                        return;
                    }
                };
                for o in options {
                    match o.option {
                        PipOption::Hash => {
                            let value = o.value.as_deref().unwrap_or("");
                            if !is_hash(value) {
                                self.refuse(
                                    src,
                                    Rule::InvalidRequirement,
                                    line.offset(o.value_span.start),
                                    format!("`--hash={}`: not `sha256:`, `sha384:` or `sha512:` and hex digits only, so not passed on", line.written(&src.text, o.value_span.clone(), value)),
                                );
                                return;
                            }
                            text.push_str(" --hash=");
                            text.push_str(value);
                        }
                        PipOption::GlobalOption | PipOption::ConfigSettings => {
                            self.refuse(
                                src,
                                Rule::InvalidRequirement,
                                line.offset(o.span.start),
                                format!("`{}`: a build option from a file that came with the code; safe-pip installs wheels only and does not pass it on", o.spelled),
                            );
                            return;
                        }
                        // options after a requirement that pip ignores: the reader refused the line
                        _ => {}
                    }
                }
                if constraint {
                    self.constraints.push(text);
                } else {
                    self.requirements.push(text);
                }
            }
        }
    }

    fn file_option(&mut self, a: &PipArgs, src: &SourceFile, line: &PipLine, o: &LineOption) {
        let at = line.offset(o.span.start);
        let value = o.value.as_deref();
        let written = value.map(|v| line.written(&src.text, o.value_span.clone(), v));
        let pass = |long: &'static str| Opt {
            long,
            value: value.map(str::to_owned),
        };
        match o.option {
            // followed by the reader
            PipOption::Requirement | PipOption::Constraint => {}
            PipOption::Pre => self.options.push(pass("--pre")),
            PipOption::PreferBinary => self.options.push(pass("--prefer-binary")),
            PipOption::RequireHashes => self.options.push(pass("--require-hashes")),
            PipOption::OnlyBinary => self.options.push(pass("--only-binary")),
            PipOption::UseFeature => self.options.push(pass("--use-feature")),
            PipOption::IndexUrl
            | PipOption::ExtraIndexUrl
            | PipOption::FindLinks
            | PipOption::TrustedHost
            | PipOption::NoIndex => {
                let long = match o.option {
                    PipOption::IndexUrl => "--index-url",
                    PipOption::ExtraIndexUrl => "--extra-index-url",
                    PipOption::FindLinks => "--find-links",
                    PipOption::TrustedHost => "--trusted-host",
                    _ => "--no-index",
                };
                let given = match value {
                    Some(v) => a.values(long).any(|x| x == v),
                    None => a.has(long),
                };
                if !given {
                    let spelled = match written {
                        Some(v) => format!("{long} {v}"),
                        None => long.to_owned(),
                    };
                    self.refuse(
                        src,
                        Rule::IndexUrl,
                        at,
                        format!("`{spelled}` in a file that came with the code: pip would take packages from where the repository says; safe-pip does not pass a file's index options to pip"),
                    );
                    if let Some(f) = self.findings.last_mut() {
                        f.help = Some(format!(
                            "if you mean it, give `{spelled}` on the command line yourself"
                        ));
                    }
                }
            }
            PipOption::NoBinary => self.refuse(
                src,
                Rule::InvalidRequirement,
                at,
                format!("`{} {}` in a file that came with the code: pip would build source distributions, which runs their code; safe-pip does not pass it on", o.spelled, written.unwrap_or("")),
            ),
            PipOption::Editable
            | PipOption::Hash
            | PipOption::GlobalOption
            | PipOption::ConfigSettings => self.refuse(
                src,
                Rule::InvalidRequirement,
                at,
                format!("`{}` here is not passed on by safe-pip", o.spelled),
            ),
        }
    }

    fn refuse(&mut self, src: &SourceFile, rule: Rule, at: usize, message: String) {
        self.findings.push(refusal(src, rule, at, message));
    }
}

/// An error-level finding at byte `at` of `src`: what safe-pip does not pass on to pip.
pub fn refusal(src: &SourceFile, rule: Rule, at: usize, message: String) -> Finding {
    let f = finding_at(src, rule, at, message).with_severity(Severity::Error);
    if rule == Rule::DirectUrl {
        f.with_help("if you have reviewed it and mean it, give it on the command line yourself (a local project or source archive is built with --allow-build, from checked build requirements)")
    } else {
        f
    }
}

/// `text` as a registry requirement written back from its parsed parts, or why it is not one.
pub fn registry_requirement(text: &str) -> Result<String, String> {
    let trimmed = text.trim();
    let lower = trimmed.to_ascii_lowercase();
    if ARCHIVE_SUFFIXES.iter().any(|s| lower.ends_with(s)) {
        return Err("pip takes it for an archive".into());
    }
    if crate::manifest::pep508_rs_would_panic(trimmed).is_some() {
        return Err("it is not a PEP 508 requirement".into());
    }
    let parsed = std::panic::catch_unwind(|| {
        Requirement::<VerbatimUrl>::parse(trimmed, std::path::Path::new("."))
    });
    let req = match parsed {
        Ok(Ok(req)) => req,
        _ => return Err("it is not a registry requirement (a path, URL or archive)".into()),
    };
    if matches!(req.version_or_url, Some(VersionOrUrl::Url(_))) {
        return Err("it names a URL or path".into());
    }
    let written = req.to_string();
    // pip takes a line for a file when what stands before its marker looks like a path or ends
    // like an archive (`parse_req_from_line`); a normalised local version can (`1.0+x-zip` is
    // written `1.0+x.zip`)
    let head = written
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if ARCHIVE_SUFFIXES.iter().any(|s| head.ends_with(s))
        || head.contains(['/', '\\'])
        || head.starts_with('.')
    {
        return Err("written as pip reads it, pip would take it for a file (it ends like an archive, or looks like a path)"
            .into());
    }
    if !writable(&written) {
        return Err("it cannot be written so that pip reads it unchanged (it holds `#`, `\\`, `$` or a character outside printable ASCII)"
            .into());
    }
    Ok(written)
}

/// `algorithm:hex` with an algorithm pip accepts, and nothing else.
fn is_hash(value: &str) -> bool {
    value.split_once(':').is_some_and(|(algorithm, hex)| {
        matches!(algorithm, "sha256" | "sha384" | "sha512")
            && !hex.is_empty()
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// Whether pip reads `s`, as a line of a requirements file, unchanged: no comment, line
/// continuation or `${VAR}` can start in it.
fn writable(s: &str) -> bool {
    s.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && !matches!(b, b'#' | b'\\' | b'$'))
}

/// A local wheel file that pip reads as one, so installs without a build: an existing file,
/// given as a plain path, whose name ends in `.whl` as pip's `Link.is_wheel` compares it
/// (case-sensitively: pip takes `x.WHL` for an archive, an sdist, and builds it). A value pip
/// could read otherwise is not one: a scheme (`:`, but for a Windows drive; `name@file:/x.zip#.whl`
/// is a URL requirement to an sdist for pip 24 on), a marker (`;`), extras, a fragment or
/// surrounding whitespace; pip would build it, so it needs `--allow-build`. (An existing
/// file pip reads as a path, `@` or not.)
fn is_local_wheel(p: &str) -> bool {
    let drive = cfg!(windows) && p.as_bytes().get(1) == Some(&b':');
    let plain = !p.contains([';', '#', '[', ']'])
        && (drive && !p[2..].contains(':') || !p.contains(':'))
        && p.trim() == p;
    plain && p.ends_with(".whl") && std::path::Path::new(p).is_file()
}

/// A requirements file of `lines`.
pub fn file_text(lines: &[String]) -> String {
    let mut out = String::new();
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_requirements_are_written_back_from_their_parts() {
        assert_eq!(
            registry_requirement("Requests[Socks] >= 2.0 ; python_version >= '3.8'").unwrap(),
            "requests[socks]>=2.0 ; python_full_version >= '3.8'"
        );
        assert_eq!(registry_requirement("foo.bar==1").unwrap(), "foo-bar==1");
        for direct in [
            "file:helperlib",
            "./helperlib",
            "helperlib @ file:helperlib",
            "x @ https://h/x.whl",
            "pkg-1.0.tbz",
            "pkg-1.0.tar.lzma",
            "git+https://h/x",
            "dist/x-1.0-py3-none-any.whl",
        ] {
            assert!(registry_requirement(direct).is_err(), "{direct}");
        }
        assert!(registry_requirement("x ; platform_release == 'a #b'").is_err());
    }

    #[test]
    fn local_wheels_need_no_build() {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, "").unwrap();
            path.to_str().unwrap().to_owned()
        };
        assert!(is_local_wheel(&at("x-1.0-py3-none-any.whl")));
        std::fs::create_dir(dir.path().join("v@2")).unwrap();
        assert!(is_local_wheel(&at("v@2/x-1.0-py3-none-any.whl")));
        // pip reads each of these as something it builds
        let upper = at("y-1.0-py3-none-any.WHL");
        let sdist = at("z.zip");
        for built in [
            upper,
            format!("z@file:{sdist}#.whl"),
            format!("z @ file://{sdist}#.whl"),
            format!("git+file:{}", at("g-1.0-py3-none-any.whl")),
            format!(" {}", at("s-1.0-py3-none-any.whl")),
            "https://h/x-1.0-py3-none-any.whl".into(),
            "./helperlib".into(),
        ] {
            assert!(!is_local_wheel(&built), "{built}");
        }
        // a directory, or nothing, is no wheel file
        let d = dir.path().join("d-1.0-py3-none-any.whl");
        std::fs::create_dir(&d).unwrap();
        assert!(!is_local_wheel(d.to_str().unwrap()));
        assert!(!is_local_wheel(
            dir.path().join("n-1.0-py3-none-any.whl").to_str().unwrap()
        ));
    }
}
