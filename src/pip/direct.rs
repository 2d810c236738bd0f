//! Requirements that pip must build before it knows their dependencies: local project
//! directories, source archives, VCS and archive URLs, and every editable. pip runs their
//! build (a `setup.py`, a build backend) during resolution, even with `--only-binary=:all:`,
//! so safe-pip asks for `--allow-build` before resolving them. Wheels (`.whl`) need no build.
//!
//! Requirements files are followed through `-r`/`--requirement` (not constraints, which
//! pip does not build from), reading each logical line's first token the way pip does.

use std::path::{Path, PathBuf};

/// How deep `-r` includes are followed.
const MAX_DEPTH: usize = 32;

/// The direct references in a command line's positionals, editables and requirements files
/// that pip would have to build, as written.
pub fn needing_build<'a>(
    positionals: impl IntoIterator<Item = &'a str>,
    editables: impl IntoIterator<Item = &'a str>,
    requirement_files: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    let mut out: Vec<String> = editables.into_iter().map(|e| format!("-e {e}")).collect();
    out.extend(
        positionals
            .into_iter()
            .filter(|p| needs_build(p))
            .map(str::to_owned),
    );
    for f in requirement_files {
        scan(Path::new(f), 0, &mut out);
    }
    out
}

/// True when a requirement is a direct reference to something that is not a wheel.
pub fn needs_build(req: &str) -> bool {
    let req = req.trim();
    let location = match req.split_once('@') {
        // `name @ url`; `git+https://host/x@rev` has `://` before the `@`
        Some((name, url)) if !name.contains("://") && !name.contains('/') => url.trim(),
        _ => req,
    };
    let looks_direct = location.contains("://")
        || location.contains('/')
        || location.contains('\\')
        || location.starts_with('.')
        || location.starts_with('~')
        || [
            ".tar.gz", ".zip", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".whl",
        ]
        .iter()
        .any(|e| strip(location).to_ascii_lowercase().ends_with(e));
    looks_direct && !strip(location).to_ascii_lowercase().ends_with(".whl")
}

/// The location without `#fragment`, `[extras]` and `; markers`.
fn strip(location: &str) -> &str {
    let end = location
        .find(['#', '[', ';', ' '])
        .unwrap_or(location.len());
    &location[..end]
}

fn scan(path: &Path, depth: usize, out: &mut Vec<String>) {
    if depth > MAX_DEPTH || path.to_str().is_some_and(|p| p.contains("://")) {
        return;
    }
    // an unreadable file is reported by the static phase; pip will fail on it too
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let base = path.parent().unwrap_or(Path::new("")).to_path_buf();
    for line in text.replace("\\\r\n", "").replace("\\\n", "").lines() {
        let line = match line.find(" #").or(line.starts_with('#').then_some(0)) {
            Some(i) => &line[..i],
            None => line,
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(v) = value_of(line, "-e", "--editable") {
            out.push(format!("-e {v}"));
        } else if let Some(v) = value_of(line, "-r", "--requirement") {
            let inc: PathBuf = base.join(v);
            scan(&inc, depth + 1, out);
        } else if !line.starts_with('-') {
            let req = line.split(" -").next().unwrap_or(line);
            if needs_build(req) {
                out.push(req.trim().to_owned());
            }
        }
    }
}

/// The value of an option spelled `-x v`, `-xv`, `--long v` or `--long=v`.
fn value_of<'a>(line: &'a str, short: &str, long: &str) -> Option<&'a str> {
    let rest = match line.strip_prefix(long) {
        Some(r) => r.strip_prefix('=').unwrap_or(r),
        None => line
            .strip_prefix(short)
            .filter(|_| !line.starts_with("--"))?,
    };
    let v = rest.trim();
    (!v.is_empty()).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_need_a_build() {
        for yes in [
            ".",
            "./proj",
            "../x[extra]",
            "pkg-1.0.tar.gz",
            "https://h/pkg-1.0.zip",
            "git+https://h/r.git@v1#egg=r",
            "name @ https://h/name-1.0.tar.gz",
            "name@file:///src/name",
        ] {
            assert!(needs_build(yes), "{yes}");
        }
        for no in [
            "requests",
            "requests>=2; python_version > '3'",
            "requests[socks]==2.0",
            "./dist/pkg-1.0-py3-none-any.whl",
            "name @ https://h/name-1.0-py3-none-any.whl#sha256=00",
        ] {
            assert!(!needs_build(no), "{no}");
        }
    }

    #[test]
    fn follows_includes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "requests\n-r b.txt  # more\n").unwrap();
        std::fs::write(
            dir.path().join("b.txt"),
            "-e ./lib\n./proj --config-settings x=y\nidna==3\n",
        )
        .unwrap();
        let a = dir.path().join("a.txt");
        let found = needing_build([], [], [a.to_str().unwrap()]);
        assert_eq!(found, ["-e ./lib", "./proj"]);
    }
}
