//! `exclude`: paths the directory walks of `check` and `scan` skip.
//!
//! Grammar: each pattern is a gitignore line (`*`, `**`, `?`, `[...]`, a leading `/` or an
//! inner `/` anchors it to the configuration file's directory, a trailing `/` matches
//! directories only, a leading `!` re-includes), read with the `ignore` crate that already walks
//! the tree, so patterns mean what they mean in `.gitignore`.
//!
//! A walk prunes every entry it meets that a pattern matches; the walk's own root is never
//! excluded. Files named on the command line are checked unless `--force-exclude` is given
//! (pre-commit passes file names; the hooks pass `--force-exclude`), and then a file is
//! excluded when it or any directory above it matches, as ruff does.

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::path::{Path, PathBuf};

/// Checks one pattern, for the configuration's error message.
pub fn validate(pattern: &str) -> Result<(), String> {
    let mut b = GitignoreBuilder::new("/");
    b.add_line(None, pattern)
        .map_err(|e| format!("invalid `exclude` pattern `{pattern}`: {e}"))?;
    b.build()
        .map(|_| ())
        .map_err(|e| format!("invalid `exclude` pattern `{pattern}`: {e}"))
}

/// The configured patterns, anchored at the configuration file's directory.
#[derive(Debug, Clone)]
pub struct Exclude {
    matcher: Gitignore,
    /// Canonical: paths are compared after canonicalisation.
    root: PathBuf,
    /// Paths under `.0` stand for the same paths under `.1`: a `--staged` run walks a scratch
    /// copy of the working tree.
    remap: Option<(PathBuf, PathBuf)>,
}

impl Exclude {
    /// `None` when there is nothing to exclude. `config_file` anchors the patterns.
    pub fn new(config_file: &Path, patterns: &[String]) -> Option<Exclude> {
        if patterns.is_empty() {
            return None;
        }
        let dir = config_file.parent().unwrap_or(Path::new("."));
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let root = std::fs::canonicalize(dir).ok()?;
        let mut b = GitignoreBuilder::new(&root);
        for p in patterns {
            // validated when the configuration was read
            let _ = b.add_line(None, p);
        }
        Some(Exclude {
            matcher: b.build().ok()?,
            root,
            remap: None,
        })
    }

    /// Paths under `scratch` are judged as the same paths under `real`.
    pub fn remapped(mut self, scratch: &Path, real: &Path) -> Exclude {
        if let (Ok(s), Ok(r)) = (std::fs::canonicalize(scratch), std::fs::canonicalize(real)) {
            self.remap = Some((s, r));
        }
        self
    }

    fn real(&self, canonical: &Path) -> Option<PathBuf> {
        let path = match &self.remap {
            Some((scratch, real)) => match canonical.strip_prefix(scratch) {
                Ok(rest) => real.join(rest),
                Err(_) => canonical.to_path_buf(),
            },
            None => canonical.to_path_buf(),
        };
        // patterns say nothing about paths outside their directory
        path.starts_with(&self.root).then_some(path)
    }

    /// Whether a walk skips this entry (a canonical path).
    pub fn skips(&self, canonical: &Path, is_dir: bool) -> bool {
        self.real(canonical)
            .is_some_and(|p| self.matcher.matched(&p, is_dir).is_ignore())
    }

    /// Whether a file named on the command line is excluded (`--force-exclude`): it or a
    /// directory above it matches.
    pub fn excludes_file(&self, file: &Path) -> bool {
        let Ok(canonical) = std::fs::canonicalize(file) else {
            return false;
        };
        self.real(&canonical).is_some_and(|p| {
            p != self.root
                && self
                    .matcher
                    .matched_path_or_any_parents(&p, p.is_dir())
                    .is_ignore()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for f in [
            "squatguard.toml",
            "requirements.txt",
            "tests/fixtures/requirements.txt",
            "tests/unit/requirements.txt",
            "docs/fixtures/requirements.txt",
        ] {
            let p = d.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x\n").unwrap();
        }
        d
    }

    #[test]
    fn patterns_mean_what_they_mean_in_gitignore() {
        let d = tree();
        let root = std::fs::canonicalize(d.path()).unwrap();
        let ex = Exclude::new(
            &d.path().join("squatguard.toml"),
            &["tests/fixtures/".into()],
        )
        .unwrap();
        // anchored (inner slash), directories only
        assert!(ex.skips(&root.join("tests/fixtures"), true));
        assert!(!ex.skips(&root.join("docs/fixtures"), true));
        assert!(!ex.skips(&root.join("tests/fixtures"), false));
        assert!(!ex.skips(&root.join("tests"), true));
        // not anchored: any depth; `!` re-includes
        let ex = Exclude::new(
            &d.path().join("squatguard.toml"),
            &["fixtures/".into(), "!docs/fixtures/".into()],
        )
        .unwrap();
        assert!(ex.skips(&root.join("tests/fixtures"), true));
        assert!(!ex.skips(&root.join("docs/fixtures"), true));
        assert!(Exclude::new(&d.path().join("squatguard.toml"), &[]).is_none());
    }

    #[test]
    fn named_files_are_excluded_through_their_directories() {
        let d = tree();
        let ex = Exclude::new(
            &d.path().join("squatguard.toml"),
            &["tests/fixtures/".into()],
        )
        .unwrap();
        assert!(ex.excludes_file(&d.path().join("tests/fixtures/requirements.txt")));
        assert!(!ex.excludes_file(&d.path().join("tests/unit/requirements.txt")));
        assert!(!ex.excludes_file(&d.path().join("requirements.txt")));
        // outside the configuration's directory, patterns say nothing
        let other = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(other.path().join("tests/fixtures")).unwrap();
        std::fs::write(other.path().join("tests/fixtures/requirements.txt"), "x\n").unwrap();
        assert!(!ex.excludes_file(&other.path().join("tests/fixtures/requirements.txt")));
        // a scratch copy is judged as the real tree
        let ex = ex.remapped(other.path(), d.path());
        assert!(ex.excludes_file(&other.path().join("tests/fixtures/requirements.txt")));
    }

    #[test]
    fn invalid_patterns_are_refused() {
        assert!(validate("tests/{a,b").is_err(), "an unclosed group");
        assert!(validate("tests/**/fixtures").is_ok());
    }
}
