//! `--group [path:]name`: PEP 735 dependency groups, read by safe-pip as pip (25.1 and newer)
//! reads them, so that pip is never given the `pyproject.toml` that came with the code.
//!
//! What pip does (`pip/_internal/cli/cmdoptions.py`, `req/req_dependency_group.py` and the
//! vendored `packaging.dependency_groups`, formerly `dependency_groups`), and what is done here
//! (held to pip's reader by `tests/group_differential.rs`):
//!
//! ```text
//! value        split at its last `:`: `path:name`, else `pyproject.toml` (in the working
//!              directory) and `name`; a path whose last part is not `pyproject.toml` is refused
//!              (pip 26 also reads groups from `pylock.toml` files)
//! file         read as TOML (the same reader as `squatguard check`), and refused where
//!              Python's `tomllib` (TOML 1.0) refuses what that reader takes: a byte order
//!              mark, TOML 1.1 syntax; no `[dependency-groups]` table, or one that is not a
//!              table: an error
//! group names  compared as pip compares them ([`group_name`]: runs of `-_.` are `-`, then
//!              Python's lower case; nothing trimmed); two groups with one such name: an
//!              error, as in pip
//! entries      requirement strings, and `{include-group = "<name>"}` tables, which are
//!              expanded in place, depth first; an include of a missing group, an include
//!              cycle and any other entry: errors; a requirement holding a character pip's
//!              parser (`packaging`) does not take (outside printable ASCII, `#`): an error
//! ```
//!
//! Each requirement of the requested group (and of what it includes) joins the canonical set
//! as a registry requirement, written back from its parsed parts
//! ([`super::canonical::registry_requirement`]); a URL, path, `file:` or archive requirement
//! (`helperlib @ file:./vendor/helperlib`) is an error that blocks, on its line. A group
//! included twice is expanded once (pip lists its requirements twice; the set is the same).

use super::canonical::{refusal, registry_requirement};
use super::PipError;
use crate::finding::{Finding, Rule, Severity};
use crate::manifest::pyproject::{
    group_name, include_cycle, parse_dependency_groups, DependencyGroup, GroupEntry,
};
use crate::manifest::{finding_at, Dependency};
use crate::source::{read_regular, source_from_bytes, ReadError, SourceFile, MAX_FILE_SIZE};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// What the `--group` options of a command line ask for.
#[derive(Debug, Default)]
pub struct Groups {
    /// Registry requirements as safe-pip writes them, in pip's order.
    pub requirements: Vec<String>,
    /// What blocks: entries that are not registry requirements, and errors pip would stop on.
    pub findings: Vec<Finding>,
    /// The requirements of the groups reached, as `squatguard check` reads them, for the
    /// static checks (findings name `pyproject.toml:LINE`).
    pub dependencies: Vec<Dependency>,
    /// How many files were read.
    pub files: usize,
}

/// `--group` values as pip splits them: the file and the group name.
pub fn split(value: &str) -> Result<(&str, &str), PipError> {
    match value.rsplit_once(':') {
        None => Ok(("pyproject.toml", value)),
        Some((path, name)) => {
            if Path::new(path).file_name().and_then(|n| n.to_str()) != Some("pyproject.toml") {
                return Err(PipError::Refused(format!(
                    "`--group {value}`: group paths use 'pyproject.toml' filenames (as pip says)"
                )));
            }
            Ok((path, name))
        }
    }
}

/// Reads the groups `values` (each `[path:]name`) name, relative to the working directory.
pub fn read<'v>(values: impl Iterator<Item = &'v str>) -> Result<Groups, PipError> {
    let mut out = Groups::default();
    let mut files: Vec<File> = Vec::new();
    for value in values {
        let (path, name) = split(value)?;
        let at = match files.iter().position(|f| f.path == path) {
            Some(at) => at,
            None => {
                let cannot = |e: ReadError| {
                    PipError::Refused(format!(
                        "`--group {value}`: cannot read `{path}`: {e}; pip would read the group from it"
                    ))
                };
                let bytes = read_regular(Path::new(path), MAX_FILE_SIZE).map_err(cannot)?;
                let bom = bytes.starts_with(b"\xef\xbb\xbf");
                let src = source_from_bytes(Path::new(path), bytes).map_err(cannot)?;
                let (mut manifest, mut groups) = parse_dependency_groups(&src);
                let refused = if bom {
                    Some((0, "a byte order mark"))
                } else {
                    toml_1_1_only(&src.text)
                };
                if let (Some(_), Some((at, what))) = (&groups, refused) {
                    // pip's TOML reader (Python's tomllib, tomli) reads TOML 1.0
                    groups = None;
                    manifest.findings.push(finding_at(
                        &src,
                        Rule::InvalidManifest,
                        at,
                        format!("`--group {value}`: invalid TOML for pip: {what}, which pip's TOML reader (Python's tomllib, TOML 1.0) refuses"),
                    ));
                }
                if groups.is_none() {
                    // not TOML, or no `[dependency-groups]` table: pip stops too
                    let mut why: Vec<Finding> = manifest
                        .findings
                        .drain(..)
                        .filter(|f| f.rule == Rule::InvalidManifest)
                        .collect();
                    if why.is_empty() {
                        why.push(finding_at(
                            &src,
                            Rule::InvalidManifest,
                            0,
                            format!("`--group {value}`: `{path}` has no [dependency-groups] table"),
                        ));
                    }
                    out.findings
                        .extend(why.into_iter().map(|f| f.with_severity(Severity::Error)));
                } else {
                    out.findings
                        .extend(duplicates(&src, groups.as_deref().unwrap_or(&[])));
                }
                out.files += 1;
                files.push(File {
                    path: path.to_owned(),
                    src,
                    dependencies: manifest.dependencies,
                    groups,
                    sections: HashSet::new(),
                });
                files.len() - 1
            }
        };
        let file = &mut files[at];
        let Some(groups) = &file.groups else { continue };
        for g in walk(&file.src, groups, name, value, &mut out) {
            file.sections
                .insert(format!("dependency-groups.{}", groups[g].name));
        }
    }
    for file in files {
        out.dependencies.extend(
            file.dependencies
                .into_iter()
                .filter(|d| file.sections.contains(&d.section)),
        );
    }
    Ok(out)
}

/// Why pip's requirement parser (the vendored `packaging`, whose only white space is ` ` and
/// tab) refuses `text` where safe-pip's would read it, as far as its characters tell: any
/// other character outside printable ASCII, and `#`.
fn packaging_refuses(text: &str) -> Option<String> {
    let odd = text
        .chars()
        .find(|&c| !(c == ' ' || c == '\t' || c.is_ascii_graphic()) || c == '#')?;
    Some(format!(
        "pip's requirement parser refuses it (it holds {})",
        match odd {
            '#' => "`#`".to_owned(),
            c => format!("U+{:04X}", c as u32),
        }
    ))
}

/// Where `text` (which parsed as TOML 1.1) uses what TOML 1.0 does not have, and what: a
/// `\x` or `\e` escape, a line break or a trailing comma inside an inline table, a time
/// without seconds. Python's `tomllib` (which pip reads `pyproject.toml` with) reads TOML 1.0.
fn toml_1_1_only(text: &str) -> Option<(usize, &'static str)> {
    let b = text.as_bytes();
    let mut i = 0;
    // open `[` and `{`, outside strings and comments
    let mut open: Vec<u8> = Vec::new();
    // the last byte outside strings, comments and white space
    let mut last = 0u8;
    while i < b.len() {
        let c = b[i];
        match c {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' | b'\'' => {
                let delim: &[u8] = if c == b'"' { b"\"\"\"" } else { b"'''" };
                let multi = b[i..].starts_with(delim);
                i += if multi { 3 } else { 1 };
                while i < b.len() {
                    if c == b'"' && b[i] == b'\\' {
                        match b.get(i + 1) {
                            Some(b'x') => return Some((i, "a `\\x` escape")),
                            Some(b'e') => return Some((i, "a `\\e` escape")),
                            _ => i += 2,
                        }
                    } else if multi && b[i..].starts_with(delim) {
                        i += 3;
                        // up to two more quotes belong to the string
                        for _ in 0..2 {
                            if b.get(i) == Some(&c) {
                                i += 1;
                            }
                        }
                        break;
                    } else if !multi && b[i] == c {
                        i += 1;
                        break;
                    } else {
                        i += 1;
                    }
                }
                last = c;
                continue;
            }
            b'[' | b'{' => open.push(c),
            b']' | b'}' => {
                if c == b'}' && last == b',' {
                    return Some((i, "a trailing comma in an inline table"));
                }
                open.pop();
            }
            b'\n' if open.last() == Some(&b'{') => {
                return Some((i, "a line break inside an inline table"));
            }
            // outside strings, `:` stands only in a time (`07:32:00`)
            b':' if !(i >= 3 && b[i - 3] == b':')
                && b.get(i + 1).is_some_and(u8::is_ascii_digit)
                && b.get(i + 2).is_some_and(u8::is_ascii_digit)
                && b.get(i + 3) != Some(&b':') =>
            {
                return Some((i, "a time without seconds"));
            }
            _ => {}
        }
        if !c.is_ascii_whitespace() {
            last = c;
        }
        i += 1;
    }
    None
}

/// One `pyproject.toml` the command line names, read once.
struct File {
    path: String,
    src: SourceFile,
    dependencies: Vec<Dependency>,
    groups: Option<Vec<DependencyGroup>>,
    /// The sections (`dependency-groups.<name>`) of the groups reached.
    sections: HashSet<String>,
}

/// Two groups with one normalised name: pip refuses the whole table.
fn duplicates(src: &SourceFile, groups: &[DependencyGroup]) -> Vec<Finding> {
    let mut seen: HashMap<String, &str> = HashMap::new();
    let mut out = Vec::new();
    for g in groups {
        let norm = group_name(&g.name);
        match seen.get(norm.as_str()) {
            Some(first) => out.push(
                finding_at(
                    src,
                    Rule::InvalidManifest,
                    g.offset,
                    format!(
                        "dependency group `{}` has the same normalised name as `{first}`: pip refuses the table",
                        g.name
                    ),
                )
                .with_severity(Severity::Error),
            ),
            None => {
                seen.insert(norm, &g.name);
            }
        }
    }
    out
}

/// Where a group stands in the walk.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Unvisited,
    OnPath,
    Done,
}

/// Expands group `name` of `groups` (depth first, includes in place) into `out`; returns the
/// groups reached. Iterative: a chain of includes as long as the file allows is no deeper.
fn walk(
    src: &SourceFile,
    groups: &[DependencyGroup],
    name: &str,
    value: &str,
    out: &mut Groups,
) -> Vec<usize> {
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, g) in groups.iter().enumerate() {
        index.entry(group_name(&g.name)).or_insert(i);
    }
    let error = |rule: Rule, at: usize, message: String| {
        finding_at(src, rule, at, message).with_severity(Severity::Error)
    };
    let Some(&start) = index.get(group_name(name).as_str()) else {
        let mut names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        names.truncate(20);
        out.findings.push(error(
            Rule::InvalidManifest,
            0,
            format!(
                "`--group {value}`: `{}` has no dependency group `{name}` (its groups: {})",
                src.display_path(),
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            ),
        ));
        return Vec::new();
    };
    let mut state = vec![State::Unvisited; groups.len()];
    let mut reached = vec![start];
    let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
    state[start] = State::OnPath;
    while let Some(top) = stack.last_mut() {
        let (g, i) = *top;
        let group = &groups[g];
        let Some(entries) = &group.entries else {
            out.findings.push(error(
                Rule::InvalidManifest,
                group.offset,
                format!(
                    "dependency group `{}` is not an array of requirement strings and {{include-group = \"...\"}} tables",
                    group.name
                ),
            ));
            state[g] = State::Done;
            stack.pop();
            continue;
        };
        let Some(entry) = entries.get(i) else {
            state[g] = State::Done;
            stack.pop();
            continue;
        };
        top.1 += 1;
        match entry {
            GroupEntry::Requirement { text, offset } => match packaging_refuses(text)
                .map_or_else(|| registry_requirement(text), Err)
            {
                Ok(req) => out.requirements.push(req),
                Err(why) => out.findings.push(refusal(
                    src,
                    Rule::DirectUrl,
                    *offset,
                    format!(
                        "`{}` in dependency group `{}`: {why}; safe-pip passes pip only the registry requirements it read from a file that came with the code",
                        text.trim(),
                        group.name
                    ),
                )),
            },
            GroupEntry::Include { target, offset } => {
                match index.get(group_name(target).as_str()) {
                    None => out.findings.push(error(
                        Rule::InvalidManifest,
                        *offset,
                        format!(
                            "dependency group `{}` includes `{target}`, which is not a group in [dependency-groups]",
                            group.name
                        ),
                    )),
                    Some(&next) => match state[next] {
                        State::Unvisited => {
                            state[next] = State::OnPath;
                            reached.push(next);
                            stack.push((next, 0));
                        }
                        State::OnPath => {
                            let message = include_cycle(&stack, next, |n| groups[n].name.as_str());
                            out.findings
                                .push(error(Rule::InvalidManifest, *offset, message));
                        }
                        State::Done => {}
                    },
                }
            }
            GroupEntry::Invalid { message, offset } => {
                out.findings
                    .push(error(Rule::InvalidRequirement, *offset, message.clone()));
            }
        }
    }
    reached
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walked(toml: &str, name: &str) -> Groups {
        let src = SourceFile::new("pyproject.toml", toml);
        let (_, groups) = parse_dependency_groups(&src);
        let groups = groups.expect("a [dependency-groups] table");
        let mut out = Groups::default();
        out.findings.extend(duplicates(&src, &groups));
        walk(&src, &groups, name, name, &mut out);
        out
    }

    fn messages(g: &Groups) -> Vec<String> {
        g.findings
            .iter()
            .map(|f| format!("{}:{}: {}", f.file, f.line, f.message))
            .collect()
    }

    #[test]
    fn values_split_as_pip_splits_them() {
        assert_eq!(split("dev").unwrap(), ("pyproject.toml", "dev"));
        assert_eq!(
            split("sub/pyproject.toml:dev").unwrap(),
            ("sub/pyproject.toml", "dev")
        );
        assert_eq!(split("c:/x/pyproject.toml:dev").unwrap().1, "dev");
        assert!(split("sub/other.toml:dev").is_err());
        assert!(split(":dev").is_err());
    }

    #[test]
    fn includes_expand_in_place_with_normalised_names() {
        let g = walked(
            "[dependency-groups]\nDev = ['a', {include-group = 'Lint_Tools'}, 'b']\nlint-tools = ['Ruff>=0.1']\ntest = [{include-group = 'lint.tools'}, {include-group = 'dev'}]\n",
            "TEST",
        );
        assert_eq!(messages(&g), Vec::<String>::new());
        assert_eq!(g.requirements, ["ruff>=0.1", "a", "b"]);
    }

    #[test]
    fn urls_paths_missing_groups_cycles_and_other_entries_are_errors_on_their_line() {
        let g = walked(
            "[dependency-groups]\ndev = [\n  'ok',\n  'helperlib @ file:./vendor/helperlib',\n  './local',\n  {include-group = 'nope'},\n  {include-group = 'loop'},\n  3,\n]\nloop = [{include-group = 'dev'}]\n",
            "dev",
        );
        assert_eq!(g.requirements, ["ok"]);
        let m = messages(&g);
        assert_eq!(m.len(), 5, "{m:#?}");
        assert!(
            m[0].starts_with(
                "pyproject.toml:4: `helperlib @ file:./vendor/helperlib` in dependency group `dev`"
            ),
            "{m:#?}"
        );
        assert!(m[1].starts_with("pyproject.toml:5: `./local`"), "{m:#?}");
        assert!(
            m[2].contains(":6: dependency group `dev` includes `nope`"),
            "{m:#?}"
        );
        assert!(
            m[3].contains(":10: dependency group include cycle: dev -> loop -> dev"),
            "{m:#?}"
        );
        assert!(m[4].starts_with("pyproject.toml:8:"), "{m:#?}");
        assert!(g.findings.iter().all(|f| f.severity == Severity::Error));
    }

    #[test]
    fn a_missing_group_and_duplicate_names_are_errors() {
        let g = walked("[dependency-groups]\na = ['x']\n", "b");
        assert!(messages(&g)[0].contains("has no dependency group `b` (its groups: a)"));
        let g = walked("[dependency-groups]\nA_b = ['x']\na-b = ['y']\n", "a-b");
        assert!(
            messages(&g)[0].starts_with(
                "pyproject.toml:3: dependency group `a-b` has the same normalised name as `A_b`"
            ),
            "{:?}",
            messages(&g)
        );
    }

    #[test]
    fn group_names_compare_as_pip_compares_them() {
        // nothing trimmed: ` dev` is not `dev`
        let g = walked("[dependency-groups]\n' dev' = ['x']\ndev = ['y']\n", "DEV");
        assert_eq!(messages(&g), Vec::<String>::new());
        assert_eq!(g.requirements, ["y"]);
        let g = walked("[dependency-groups]\ndev = ['y']\n", "-dev");
        assert!(messages(&g)[0].contains("has no dependency group `-dev`"));
        // Python's `str.lower()`: a final sigma is `ς`
        let g = walked("[dependency-groups]\n'ΑΣ' = ['x']\n'ας' = ['y']\n", "ας");
        assert!(
            messages(&g)[0].contains("`ας` has the same normalised name as `ΑΣ`"),
            "{:?}",
            messages(&g)
        );
    }

    #[test]
    fn what_pips_readers_refuse_is_refused() {
        let g = walked(
            "[dependency-groups]\ndev = [\"a\\u00a0==1.0\", \"b==1.0\\n\", 'c']\n",
            "dev",
        );
        assert_eq!(g.requirements, ["c"]);
        let m = messages(&g);
        assert!(m[0].contains("it holds U+00A0"), "{m:?}");
        assert!(m[1].contains("it holds U+000A"), "{m:?}");
        for toml in [
            "[dependency-groups]\ndev = ['x']\n[tool.x]\ny = \"\\x41\"\n",
            "[dependency-groups]\ndev = ['x']\n[tool.x]\ny = { a = 1, }\n",
            "[dependency-groups]\ndev = ['x']\n[tool.x]\ny = {\n a = 1 }\n",
            "[dependency-groups]\ndev = ['x']\n[tool.x]\ny = 07:32\n",
        ] {
            assert!(toml_1_1_only(toml).is_some(), "{toml}");
        }
        for toml in [
            "[dependency-groups]\ndev = ['x\\x41', \"\"\"a\\\\x\"\"\"\"]\n",
            "[tool.x]\ny = { a = [\n1,\n] }\nz = 07:32:00\nw = 1979-05-27T07:32:00Z # a, }\n",
        ] {
            assert_eq!(toml_1_1_only(toml), None, "{toml}");
        }
    }

    #[test]
    fn a_long_include_chain_is_walked_without_recursion() {
        let mut toml = String::from("[dependency-groups]\n");
        for i in 0..20_000 {
            toml.push_str(&format!("g{i} = [{{include-group = 'g{}'}}]\n", i + 1));
        }
        toml.push_str("g20000 = ['leaf']\n");
        let g = walked(&toml, "g0");
        assert_eq!(g.requirements, ["leaf"]);
        assert!(g.findings.is_empty());
    }
}
