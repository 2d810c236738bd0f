//! Configuration files the user trusts to weaken safe-pip's checks.
//!
//! safe-pip finds the project's configuration from the working directory, which is usually the
//! checkout whose requirements are about to be installed. A repository someone sent can carry a
//! `[tool.squatguard]` that allows its own malicious package, so a configuration that weakens
//! the checks ([`crate::config::Config::relaxations`]) counts only once the user has trusted it
//! with `squatguard trust`, and only while its content stays exactly as it was then (direnv's
//! `allow` and mise's `trust` work the same way). A configuration that only tightens the checks
//! needs no trust.
//!
//! The store is a directory of entries, one per trusted file: its canonical path on the first
//! line, then a copy of the bytes that were trusted. A copy, not a hash, so that no crafted file
//! can pass for the reviewed one.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The store's directory inside the data directory.
pub const STORE_DIR: &str = "trusted";

fn entry_name(canonical: &Path) -> String {
    // FNV-1a picks the entry's file name only; the entry itself names its path
    crate::hash::Fnv1a::new()
        .write(canonical.as_os_str().as_encoded_bytes())
        .hex()
}

fn entry_path(store: &Path, file: &Path) -> std::io::Result<(PathBuf, PathBuf)> {
    let canonical = std::fs::canonicalize(file)?;
    let entry = store.join(STORE_DIR).join(entry_name(&canonical));
    Ok((canonical, entry))
}

fn header(canonical: &Path) -> Vec<u8> {
    let mut h = canonical.as_os_str().as_encoded_bytes().to_vec();
    h.push(b'\n');
    h
}

/// Trusts `file` as it is now. Returns its canonical path.
pub fn trust(store: &Path, file: &Path) -> std::io::Result<PathBuf> {
    let (canonical, entry) = entry_path(store, file)?;
    let content = std::fs::read(&canonical)?;
    let dir = store.join(STORE_DIR);
    std::fs::create_dir_all(&dir)?;
    // written whole, then renamed: a cut write leaves the old entry or none, never half of one
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
    tmp.write_all(&header(&canonical))?;
    tmp.write_all(&content)?;
    tmp.persist(&entry).map_err(|e| e.error)?;
    Ok(canonical)
}

/// Forgets `file`. Returns whether it was trusted.
pub fn revoke(store: &Path, file: &Path) -> std::io::Result<bool> {
    let (_, entry) = entry_path(store, file)?;
    match std::fs::remove_file(entry) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// True when `file` was trusted and its content has not changed since. Anything unreadable
/// counts as not trusted, and so does a symbolic link: a repository could ship
/// `squatguard.toml` as a link to a configuration its victim trusts elsewhere, whose
/// relaxations would then apply to it.
pub fn is_trusted(store: &Path, file: &Path) -> bool {
    if std::fs::symlink_metadata(file).map_or(true, |m| m.file_type().is_symlink()) {
        return false;
    }
    let Ok((canonical, entry)) = entry_path(store, file) else {
        return false;
    };
    let (Ok(content), Ok(stored)) = (std::fs::read(&canonical), std::fs::read(entry)) else {
        return false;
    };
    stored
        .strip_prefix(header(&canonical).as_slice())
        .is_some_and(|trusted| trusted == content.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entry names are stored on disk: a changed hash would forget every trusted file.
    #[test]
    fn entry_names_are_pinned() {
        let path = Path::new("/home/user/project/pyproject.toml");
        assert_eq!(entry_name(path), "a9924bfcd1397eee");
    }

    /// A link to a trusted file is not trusted: the relaxations were vouched for where the file
    /// is, not wherever a link to it is put.
    #[cfg(unix)]
    #[test]
    fn a_link_to_a_trusted_file_is_not_trusted() {
        let store = tempfile::tempdir().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let own = dir.path().join("own.toml");
        std::fs::write(&own, "private-packages = [\"acme-*\"]\n").unwrap();
        trust(store.path(), &own).unwrap();
        assert!(is_trusted(store.path(), &own));
        let link = dir.path().join("squatguard.toml");
        std::os::unix::fs::symlink(&own, &link).unwrap();
        assert!(!is_trusted(store.path(), &link));
    }

    #[test]
    fn trusted_until_changed_or_revoked() {
        let store = tempfile::tempdir().unwrap();
        let project = tempfile::tempdir().unwrap();
        let file = project.path().join("squatguard.toml");
        std::fs::write(&file, "private-packages = [\"acme-*\"]\n").unwrap();
        assert!(!is_trusted(store.path(), &file));
        trust(store.path(), &file).unwrap();
        assert!(is_trusted(store.path(), &file));
        // the same path reached another way is the same file
        let other_way = project.path().join(".").join("squatguard.toml");
        assert!(is_trusted(store.path(), &other_way));
        // one changed byte and it must be reviewed again
        std::fs::write(&file, "private-packages = [\"acme-?\"]\n").unwrap();
        assert!(!is_trusted(store.path(), &file));
        trust(store.path(), &file).unwrap();
        assert!(is_trusted(store.path(), &file));
        assert!(revoke(store.path(), &file).unwrap());
        assert!(!is_trusted(store.path(), &file));
        assert!(!revoke(store.path(), &file).unwrap());
    }

    #[test]
    fn another_file_with_the_same_content_is_not_trusted() {
        let store = tempfile::tempdir().unwrap();
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        for d in [&a, &b] {
            std::fs::write(
                d.path().join("squatguard.toml"),
                "private-packages = [\"*\"]\n",
            )
            .unwrap();
        }
        trust(store.path(), &a.path().join("squatguard.toml")).unwrap();
        assert!(!is_trusted(store.path(), &b.path().join("squatguard.toml")));
        assert!(!is_trusted(store.path(), &b.path().join("missing.toml")));
    }
}
