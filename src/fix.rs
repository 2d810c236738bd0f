//! `--fix`: rewrite typosquatted names to the package they imitate, and module names PyPI does
//! not have to the project that provides the module (`cv2` to `opencv-python`), in place,
//! keeping every other byte of the file (specifiers, extras, markers, comments, formatting);
//! and, only when asked, remove known-malicious requirements. A known-malicious name is never
//! "fixed" into another name.
//!
//! The repository being fixed chose every file name and byte: [`plan`] writes only where the
//! edit is certain (its doc lists the conditions), and says on stderr what it left and why.
//! `tests/fix.rs` holds an attack case for each condition.

use crate::finding::{Finding, Fix, Rule};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One file's planned change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub file: String,
    pub before: String,
    pub after: String,
    /// One line per edit, for the user.
    pub summary: Vec<String>,
}

/// What `--fix` will change, and the files it leaves alone with the reason (for stderr).
#[derive(Debug, Default)]
pub struct Plan {
    pub changes: Vec<FileChange>,
    pub refused: Vec<String>,
}

/// Plans the fixes the findings carry, in files inside `roots` (canonical directories: the
/// work trees, or directories, being checked). The repository chose every file name and every
/// byte, so a file is changed only when
/// - it is a regular file inside a root, reached without a symbolic link at its end and with no
///   other hard link (a link would carry the edit to a file the check did not mean);
/// - each edit's bytes still read what was judged there;
/// - a rename's new name is not one the file routes elsewhere, as its reader reads it (an index,
///   `--find-links` or `--no-index`; a dependency of that name already; outside requirements
///   files, the name written anywhere else, as a uv source keys it);
/// - a removed line is the requirement's own whole line, in a requirements file whose lines
///   break only where pip's `splitlines` and this plan agree;
/// - a TOML file still parses after its edits (a rename can make a key that is already there).
///
/// A file that changed since it was read (the text at a span is no longer the name) is left
/// alone silently, as before; the others are said in [`Plan::refused`].
pub fn plan(
    findings: &[Finding],
    remove_malicious: bool,
    roots: &[PathBuf],
) -> std::io::Result<Plan> {
    let mut by_file: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        // a rename is the fix of `typosquat` or `import-name`, which the finding may carry for
        // a rule merged into it (`cv2`: a module name, and so not on PyPI either)
        let renames = f.rule != Rule::KnownMalicious
            && std::iter::once(f.rule)
                .chain(f.also.iter().map(|a| a.rule))
                .any(|r| matches!(r, Rule::Typosquat | Rule::ImportName));
        let wanted = match (&f.fix, f.rule) {
            (Some(Fix::Replace { .. }), _) => renames,
            (Some(Fix::RemoveLine { .. }), Rule::KnownMalicious) => remove_malicious,
            _ => false,
        };
        if wanted {
            by_file.entry(f.file.as_str()).or_default().push(f);
        }
    }
    let mut out = Plan::default();
    // one file reached under two names (`sub/../requirements.txt`) is planned once, with the
    // fixes of both: two plans from one text would each overwrite the other
    let mut by_real: BTreeMap<PathBuf, (&str, &Path, Vec<&Finding>)> = BTreeMap::new();
    for (file, fixes) in by_file {
        match writable(Path::new(file), roots) {
            Ok((real, root)) => by_real
                .entry(real)
                .or_insert((file, root, Vec::new()))
                .2
                .extend(fixes),
            Err(why) => out
                .refused
                .push(format!("`{}` not fixed: {why}", shown(file))),
        }
    }
    for (file, root, fixes) in by_real.into_values() {
        let path = Path::new(file);
        let before = std::fs::read_to_string(path)?;
        // spans count from the text after a byte order mark, which the readers drop
        let bom = if before.starts_with('\u{feff}') { 3 } else { 0 };
        let at = |span: &std::ops::Range<usize>| span.start + bom..span.end + bom;
        let shown_file = shown(file);
        let routing = std::cell::OnceCell::new();
        let mut edits: Vec<(std::ops::Range<usize>, String, String)> = Vec::new();
        for f in fixes {
            match f.fix.as_ref() {
                Some(Fix::Replace {
                    span,
                    expected,
                    with,
                }) if before.get(at(span)) == Some(expected.as_str()) => {
                    // the new name must not be one the file sends elsewhere (a uv source, a
                    // Pipfile or Poetry index, `--find-links`): the rename would install that
                    let routing = routing.get_or_init(|| Routing::read(path, &before, root));
                    let why = routing.refuses(with).or_else(|| {
                        // a TOML key or table of its own for the new name (a uv source); a
                        // requirements file's reader has said all there is (not its comments)
                        (!is_requirements(path) && names_elsewhere(&before, at(span), with))
                            .then_some(
                                "the file names it elsewhere, perhaps with a source of its own",
                            )
                    });
                    match why {
                        Some(why) => out.refused.push(format!(
                            "`{shown_file}:{}` not renamed to `{with}`: {why}; rename it by hand",
                            f.line
                        )),
                        None => edits.push((
                            at(span),
                            with.clone(),
                            format!("{shown_file}:{}: `{}` -> `{with}`", f.line, shown(expected)),
                        )),
                    }
                }
                Some(Fix::RemoveLine {
                    line,
                    span,
                    expected,
                }) if before.get(at(span)) == Some(expected.as_str()) => {
                    match removable_line(path, &before, *line, &at(span)) {
                        Ok(range) => {
                            let shown = before[range.clone()]
                                .lines()
                                .next()
                                .unwrap_or("")
                                .trim()
                                .to_owned();
                            edits.push((
                                range,
                                String::new(),
                                format!(
                                    "{shown_file}:{line}: removed `{}`",
                                    crate::report::visible(&shown)
                                ),
                            ));
                        }
                        Err(why) => out.refused.push(format!(
                            "`{shown_file}:{line}` not removed: {why}; remove it by hand"
                        )),
                    }
                }
                _ => {}
            }
        }
        edits.sort_by_key(|(r, _, _)| std::cmp::Reverse(r.start));
        edits.dedup_by(|a, b| a.0 == b.0);
        let mut after = before.clone();
        let mut summary = Vec::new();
        let mut last_start = usize::MAX;
        for (range, with, line) in edits {
            if range.end > last_start {
                continue; // overlapping edits: keep the later one only
            }
            last_start = range.start;
            after.replace_range(range, &with);
            summary.push(line);
        }
        summary.reverse();
        if after == before {
            continue;
        }
        if is_toml(path) && after.parse::<toml_edit::DocumentMut>().is_err() {
            out.refused.push(format!(
                "`{shown_file}` not fixed: the renamed file would not be valid TOML (is the name it should have already there?)"
            ));
            continue;
        }
        out.changes.push(FileChange {
            file: file.to_owned(),
            before,
            after,
            summary,
        });
    }
    Ok(out)
}

/// A file name or text from the repository as it may go to stderr: control characters escaped,
/// as the report shows them, so that a name cannot forge a line of its own.
fn shown(text: &str) -> String {
    crate::report::visible(text).into_owned()
}

/// What the file's own reader says of where the file takes packages from, read once per file
/// and only when a rename is planned in it (every spelling pip accepts, `-r`/`-c` files read
/// within `root` as `check` reads them, TOML escapes, joined lines).
struct Routing {
    /// Why no rename may be written in the file, if none may.
    elsewhere: Option<&'static str>,
    /// The normalised names of its dependencies.
    names: std::collections::HashSet<String>,
}

impl Routing {
    fn read(path: &Path, text: &str, root: &Path) -> Routing {
        use crate::manifest::ManifestKind;
        let text = text.trim_start_matches('\u{feff}');
        let src = crate::source::SourceFile::new(path, text);
        let read = match ManifestKind::from_file_name(path) {
            None if is_script(path) => crate::manifest::parse(&src, ManifestKind::Script),
            Some(kind) if !is_requirements(path) => crate::manifest::parse(&src, kind),
            _ => crate::manifest::requirements_txt::parse_within(&src, root),
        };
        let elsewhere = if read
            .indexes
            .iter()
            .any(|s| !crate::index_url::is_pypi_index(&s.url))
            || read.dependencies.iter().any(|d| d.private_index)
        {
            Some("the file takes packages from elsewhere than PyPI")
        } else if read
            .findings
            .iter()
            .any(|f| matches!(f.rule, Rule::InvalidManifest | Rule::UnresolvedDependency))
        {
            // an include it could not follow may route packages: not known, so no rename
            Some("the file includes what could not be read again")
        } else if is_toml(path) && (text.contains("\\u") || text.contains("\\U")) {
            // a key spelled with escapes (`"\u0072equests"`) would escape the text match
            Some("the file spells text with escapes")
        } else {
            None
        };
        Routing {
            elsewhere,
            names: read
                .dependencies
                .iter()
                .map(|d| d.name.as_str().to_owned())
                .collect(),
        }
    }

    /// Why the file may not have a dependency renamed to `with`, if it may not.
    fn refuses(&self, with: &str) -> Option<&'static str> {
        self.elsewhere.or_else(|| {
            self.names
                .contains(crate::name::normalized(with).as_ref())
                .then_some("the file already has a dependency of that name")
        })
    }
}

/// Whether the text outside `span` names `name` (any case, `-`, `_` and `.` alike): a TOML
/// key or table of its own (`[tool.uv.sources] requests = { git = ... }`).
fn names_elsewhere(text: &str, span: std::ops::Range<usize>, name: &str) -> bool {
    let fold = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                '_' | '.' => '-',
                c => c.to_ascii_lowercase(),
            })
            .collect()
    };
    let name = fold(name);
    let word = |c: char| c.is_ascii_alphanumeric() || c == '-';
    [&text[..span.start], &text[span.end..]].iter().any(|part| {
        let part = fold(part);
        part.match_indices(&name).any(|(i, m)| {
            !part[..i].chars().next_back().is_some_and(word)
                && !part[i + m.len()..].chars().next().is_some_and(word)
        })
    })
}

/// Why `path` may not be rewritten, if it may not; else the file itself (canonical) and the
/// root it lies in.
fn writable<'r>(path: &Path, roots: &'r [PathBuf]) -> Result<(PathBuf, &'r Path), String> {
    let meta =
        std::fs::symlink_metadata(path).map_err(|e| format!("it cannot be read again ({e})"))?;
    if meta.file_type().is_symlink() {
        return Err(
            "it is a symbolic link, and the edit would land in the file it leads to".into(),
        );
    }
    if !meta.is_file() {
        return Err("it is not a regular file".into());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() > 1 {
            return Err("it has other hard links, which the edit would change too".into());
        }
    }
    let real = std::fs::canonicalize(path).map_err(|e| format!("it cannot be resolved ({e})"))?;
    match roots.iter().find(|r| real.starts_with(r)) {
        Some(root) => Ok((real, root.as_path())),
        None => Err("it lies outside the directory being checked".into()),
    }
}

/// Requirements files: by name, or of no known kind (a `-r` include can have any name) but a
/// Python script's.
fn is_requirements(path: &Path) -> bool {
    match crate::manifest::ManifestKind::from_file_name(path) {
        None => !is_script(path),
        Some(kind) => kind == crate::manifest::ManifestKind::Requirements,
    }
}

/// A Python file not named as a manifest (`setup.py` is one): its PEP 723 script block is
/// what `check` read.
fn is_script(path: &Path) -> bool {
    crate::manifest::ManifestKind::from_file_name(path).is_none()
        && crate::manifest::script::is_script_name(path)
}

/// Files whose fixes must leave them valid TOML.
fn is_toml(path: &Path) -> bool {
    matches!(
        crate::manifest::ManifestKind::from_file_name(path),
        Some(
            crate::manifest::ManifestKind::Pyproject
                | crate::manifest::ManifestKind::Pipfile
                | crate::manifest::ManifestKind::HatchToml
                | crate::manifest::ManifestKind::PixiToml
                | crate::manifest::ManifestKind::UvToml
        )
    ) || path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
}

/// The bytes to remove for the requirement on `line` whose name is at `span`: its whole
/// logical line, when that is certain.
fn removable_line(
    path: &Path,
    text: &str,
    line: u32,
    span: &std::ops::Range<usize>,
) -> Result<std::ops::Range<usize>, &'static str> {
    if !is_requirements(path) {
        return Err("only a requirements file's lines are removed");
    }
    // pip splits lines as Python's `str.splitlines` does; this plan counts `\n` (and `\r\n`)
    if python_only_line_breaks(text) {
        return Err("the file breaks lines where pip does and a plain line count does not");
    }
    let range = logical_line(text, line);
    let first_end = text[range.clone()]
        .find('\n')
        .map_or(range.end, |i| range.start + i);
    if !(range.start <= span.start && span.end <= first_end) {
        return Err("the requirement does not start on that line");
    }
    // the line before must not join this one to it (`-e \` above the name)
    let before = text[..range.start].strip_suffix('\n').unwrap_or("");
    let before = before.strip_suffix('\r').unwrap_or(before);
    if before
        .rsplit('\n')
        .next()
        .is_some_and(|l| l.ends_with('\\'))
    {
        return Err("the requirement continues a line above it");
    }
    Ok(range)
}

/// Whether `text` holds a line break of Python's `str.splitlines` other than `\n` and `\r\n`.
fn python_only_line_breaks(text: &str) -> bool {
    let b = text.as_bytes();
    b.iter().enumerate().any(|(i, &c)| match c {
        b'\r' => b.get(i + 1) != Some(&b'\n'),
        0x0b | 0x0c | 0x1c..=0x1e => true,
        _ => false,
    }) || text.contains(['\u{85}', '\u{2028}', '\u{2029}'])
}

/// Byte range of a 1-based line and the lines its trailing `\` joins to it, with line ends.
fn logical_line(text: &str, line: u32) -> std::ops::Range<usize> {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len()..text.len(),
        }
    }
    let mut end = start;
    loop {
        let next = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
        let content = text[end..next].trim_end_matches(['\n', '\r']);
        end = next;
        if !content.ends_with('\\') || end >= text.len() {
            break;
        }
    }
    start..end
}

/// A unified diff of one change, with one line of context around each changed line.
pub fn unified_diff(change: &FileChange) -> String {
    similar::TextDiff::from_lines(&change.before, &change.after)
        .unified_diff()
        .context_radius(1)
        .header(
            &header_name("a/", &change.file),
            &header_name("b/", &change.file),
        )
        .to_string()
}

/// A file name for a diff header: as git writes one, in double quotes with C escapes when it
/// holds a control character, a quote or a backslash, so that a repository's file name cannot
/// end the header and start a hunk of its own (`x\n@@ -1 +1 @@`) that `patch` would apply.
fn header_name(prefix: &str, file: &str) -> String {
    if !file
        .chars()
        .any(|c| c.is_control() || c == '"' || c == '\\')
    {
        // a space ends the name for `patch` unless a tab ends it first
        let tab = if file.contains(' ') { "\t" } else { "" };
        return format!("{prefix}{file}{tab}");
    }
    let mut out = String::from("\"");
    out.push_str(prefix);
    for c in file.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{b:03o}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_lines_follow_continuations() {
        let t = "a\nb==1 \\\n  --hash=x \\\n  --hash=y\nc\n";
        assert_eq!(
            &t[logical_line(t, 2)],
            "b==1 \\\n  --hash=x \\\n  --hash=y\n"
        );
        assert_eq!(&t[logical_line(t, 5)], "c\n");
        assert_eq!(&t[logical_line(t, 9)], "");
    }

    /// A file name cannot end a diff's header and start a hunk that `patch` would apply.
    #[test]
    fn file_names_cannot_forge_hunks() {
        let change = FileChange {
            file: "x\n@@ -1 +1 @@\n-keep\n+PWNED\nrequirements.txt".into(),
            before: "reqeusts\n".into(),
            after: "requests\n".into(),
            summary: vec![],
        };
        assert_eq!(
            unified_diff(&change),
            "--- \"a/x\\n@@ -1 +1 @@\\n-keep\\n+PWNED\\nrequirements.txt\"\n+++ \"b/x\\n@@ -1 +1 @@\\n-keep\\n+PWNED\\nrequirements.txt\"\n@@ -1 +1 @@\n-reqeusts\n+requests\n"
        );
        assert_eq!(
            header_name("a/", "r\\\"s\x1b.txt"),
            "\"a/r\\\\\\\"s\\033.txt\""
        );
        assert_eq!(header_name("a/", "plain/r.txt"), "a/plain/r.txt");
        // a space would end the name for `patch`: a tab ends it first
        assert_eq!(header_name("a/", "sub dir/r.txt"), "a/sub dir/r.txt\t");
    }

    #[test]
    fn diff_of_a_rename() {
        let change = FileChange {
            file: "r.txt".into(),
            before: "flask\nreqeusts==2.0\nclick\nsix\n".into(),
            after: "flask\nrequests==2.0\nclick\nsix\n".into(),
            summary: vec![],
        };
        assert_eq!(
            unified_diff(&change),
            "--- a/r.txt\n+++ b/r.txt\n@@ -1,3 +1,3 @@\n flask\n-reqeusts==2.0\n+requests==2.0\n click\n"
        );
        let two = FileChange {
            file: "r.txt".into(),
            before: "a\nreqeusts\nb\nc\nd\ncolourama\ne\n".into(),
            after: "a\nrequests\nb\nc\nd\ne\n".into(),
            summary: vec![],
        };
        assert_eq!(
            unified_diff(&two),
            "--- a/r.txt\n+++ b/r.txt\n@@ -1,3 +1,3 @@\n a\n-reqeusts\n+requests\n b\n@@ -5,3 +5,2 @@\n d\n-colourama\n e\n"
        );
    }
}
