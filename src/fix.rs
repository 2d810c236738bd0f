//! `--fix`: rewrite typosquatted names to the package they imitate, and module names PyPI does
//! not have to the project that provides the module (`cv2` to `opencv-python`), in place,
//! keeping every other byte of the file (specifiers, extras, markers, comments, formatting);
//! and, only when asked, remove known-malicious requirements. A known-malicious name is never
//! "fixed" into another name.

use crate::finding::{Finding, Fix, Rule};
use std::collections::BTreeMap;

/// One file's planned change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub file: String,
    pub before: String,
    pub after: String,
    /// One line per edit, for the user.
    pub summary: Vec<String>,
}

/// Plans the fixes the findings carry. Files that changed since they were read (the text at a
/// span is no longer the name) are left alone.
pub fn plan(findings: &[Finding], remove_malicious: bool) -> std::io::Result<Vec<FileChange>> {
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
    let mut out = Vec::new();
    for (file, fixes) in by_file {
        let before = std::fs::read_to_string(file)?;
        let mut edits: Vec<(std::ops::Range<usize>, String, String)> = Vec::new();
        for f in fixes {
            match f.fix.as_ref() {
                Some(Fix::Replace {
                    span,
                    expected,
                    with,
                }) if before.get(span.clone()) == Some(expected.as_str()) => {
                    edits.push((
                        span.clone(),
                        with.clone(),
                        format!("{file}:{}: `{expected}` -> `{with}`", f.line),
                    ));
                }
                Some(Fix::RemoveLine { line }) => {
                    let range = logical_line(&before, *line);
                    let shown = before[range.clone()]
                        .lines()
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_owned();
                    edits.push((
                        range,
                        String::new(),
                        format!("{file}:{line}: removed `{shown}`"),
                    ));
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
        if after != before {
            out.push(FileChange {
                file: file.to_owned(),
                before,
                after,
                summary,
            });
        }
    }
    Ok(out)
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
        .header(&format!("a/{}", change.file), &format!("b/{}", change.file))
        .to_string()
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
