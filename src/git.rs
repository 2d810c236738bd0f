//! Git-aware runs: `--staged` checks the manifests as they are in the index (what will be
//! committed), `--since REV` reports only dependencies added or changed since a revision.
//!
//! The index's manifests are written to a scratch tree that mirrors the repository, so that
//! `-r` includes resolve to their staged versions too; findings are mapped back to the paths
//! the user knows. For `--since`, a finding is kept when its line (for a dependency: its name on
//! that line) does not exist in the file as it was at REV; renamed manifests are followed. Lines
//! are compared whole, by [`crate::source::line_identity`], not by the window of a long line a
//! finding shows: a change at the far end of a line (a marker, a URL) is a change. A finding
//! about a dependency, an index statement or an unnamed source compares what it says in full
//! with its line (`since_identity`): pip's `\` continues one onto the next line, where a URL
//! may change while the line of the name does not.

use crate::finding::Finding;
use crate::manifest::{self, ManifestKind};
use crate::source::SourceFile;
use git2::{DiffFindOptions, DiffOptions, Repository};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("not inside a git repository ({0})")]
    NoRepository(String),
    #[error("the repository has no working tree")]
    Bare,
    #[error("revision `{rev}` is not in this repository{hint}")]
    UnknownRevision { rev: String, hint: String },
    #[error("git: {0}")]
    Git(#[from] git2::Error),
    #[error("writing the staged tree: {0}")]
    Io(#[from] std::io::Error),
}

/// Files worth copying out of the index: manifests, anything a requirements file may include,
/// and Python files, of which [`worth_writing`] keeps those that hold a script block.
fn wanted(path: &Path) -> bool {
    ManifestKind::from_file_name(path).is_some()
        || manifest::script::is_script_name(path)
        || path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "txt" | "in"))
}

/// Whether the blob `content` of a [`wanted`] file is written to the scratch tree: a Python
/// file only when it holds a PEP 723 script block (the only part of it `check` reads).
fn worth_writing(path: &Path, content: &[u8]) -> bool {
    ManifestKind::from_file_name(path).is_some()
        || !manifest::script::is_script_name(path)
        || manifest::script::holds_block(content)
}

/// Moved below the manifest readers, which need it; kept here for existing callers.
pub use crate::source::work_tree;

/// The repository around `cwd`, its working tree and `cwd` relative to it.
pub fn open(cwd: &Path) -> Result<(Repository, PathBuf, PathBuf), GitError> {
    let repo =
        Repository::discover(cwd).map_err(|e| GitError::NoRepository(e.message().to_owned()))?;
    let workdir = repo.workdir().ok_or(GitError::Bare)?;
    let workdir = std::fs::canonicalize(workdir)?;
    let cwd = std::fs::canonicalize(cwd)?;
    let prefix = cwd
        .strip_prefix(&workdir)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    Ok((repo, workdir, prefix))
}

/// The text of `path` (relative to `cwd`, or absolute inside the work tree) as it is at
/// `rev`; `None` when the file did not exist there.
pub fn file_at(cwd: &Path, rev: &str, path: &Path) -> Result<Option<String>, GitError> {
    let (repo, workdir, prefix) = open(cwd)?;
    let object = repo
        .revparse_single(rev)
        .map_err(|_| GitError::UnknownRevision {
            rev: rev.to_owned(),
            hint: "; fetch it first (git fetch origin REV)".into(),
        })?;
    let tree = object.peel_to_tree()?;
    let rel = match std::fs::canonicalize(cwd.join(path)) {
        Ok(abs) => match abs.strip_prefix(&workdir) {
            Ok(rel) => rel.to_path_buf(),
            Err(_) => return Ok(None),
        },
        Err(_) => prefix.join(path),
    };
    let Ok(entry) = tree.get_path(&rel) else {
        return Ok(None);
    };
    let blob = repo.find_blob(entry.id())?;
    Ok(Some(String::from_utf8_lossy(blob.content()).into_owned()))
}

/// The index's manifests, written under a scratch directory that mirrors the repository.
pub struct StagedTree {
    pub dir: tempfile::TempDir,
    /// `cwd` relative to the repository root.
    pub prefix: PathBuf,
    /// Staged manifests that are symbolic links leading out of the repository, or to nothing
    /// staged (relative to the repository root): not written, to be reported. (Other linked
    /// files are not written either.)
    pub refused_links: Vec<PathBuf>,
}

impl StagedTree {
    /// The scratch tree `dir` as written, seen from `prefix` (made when nothing was written
    /// there).
    fn new(
        dir: tempfile::TempDir,
        prefix: PathBuf,
        refused_links: Vec<PathBuf>,
    ) -> Result<StagedTree, GitError> {
        std::fs::create_dir_all(dir.path().join(&prefix))?;
        Ok(StagedTree {
            dir,
            prefix,
            refused_links,
        })
    }

    /// Where a path relative to `cwd` lives in the scratch tree.
    pub fn path_of(&self, rel_to_cwd: &Path) -> PathBuf {
        self.dir.path().join(&self.prefix).join(rel_to_cwd)
    }

    /// Whether `rel_to_cwd` is a staged symbolic link that was not written (see
    /// `refused_links`).
    pub fn refuses(&self, rel_to_cwd: &Path) -> bool {
        let rel = self.prefix.join(rel_to_cwd);
        self.refused_links.contains(&rel)
    }

    /// Maps findings' files back from the scratch tree to paths relative to `cwd`.
    pub fn map_back(&self, findings: &mut [Finding]) {
        for f in findings {
            f.file = self.shown(&f.file);
        }
    }

    /// A file as a finding in the scratch tree names it, relative to `cwd` instead.
    pub fn shown(&self, file: &str) -> String {
        let base = self.dir.path().join(&self.prefix);
        let base = crate::source::display_path(&base);
        match file.strip_prefix(&base) {
            Some(rest) => rest.trim_start_matches('/').to_owned(),
            None => file.to_owned(),
        }
    }
}

/// The mode git records for a symbolic link.
const SYMLINK_MODE: u32 = 0o120000;

/// Where a link at `link` (relative to the repository root) that points to `target` leads,
/// relative to the root; `None` when it leaves the repository or is absolute.
fn link_target(link: &Path, target: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    let base = link.parent().unwrap_or(Path::new(""));
    for part in base.join(target).components() {
        match part {
            std::path::Component::Normal(p) => out.push(p),
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Writes the staged manifests of the repository around `cwd` to a scratch tree.
pub fn staged_tree(cwd: &Path) -> Result<StagedTree, GitError> {
    let (repo, _, prefix) = open(cwd)?;
    let index = repo.index()?;
    let dir = tempfile::Builder::new()
        .prefix("squatguard-staged-")
        .tempdir()?;
    let mut refused_links = Vec::new();
    for entry in index.iter() {
        let Ok(path) = std::str::from_utf8(&entry.path) else {
            continue;
        };
        let rel = Path::new(path);
        if !wanted(rel) {
            continue;
        }
        // a symbolic link is staged as its target's path: what pip reads through it is the
        // target's staged content, when the target is staged inside the repository
        let id = if entry.mode == SYMLINK_MODE {
            let target = repo.find_blob(entry.id)?;
            let Some(id) = std::str::from_utf8(target.content())
                .ok()
                .and_then(|t| link_target(rel, t))
                .and_then(|t| index.get_path(&t, 0))
                .filter(|e| e.mode != SYMLINK_MODE)
                .map(|e| e.id)
            else {
                // other `.txt` files are copied only in case something includes them; an include
                // of one that is missing is reported where it is written
                if ManifestKind::from_file_name(rel).is_some() {
                    refused_links.push(rel.to_path_buf());
                }
                continue;
            };
            id
        } else {
            entry.id
        };
        let blob = repo.find_blob(id)?;
        if worth_writing(rel, blob.content()) {
            write_under(dir.path(), rel, blob.content())?;
        }
    }
    StagedTree::new(dir, prefix, refused_links)
}

/// The manifests (and the `.txt`/`.in` files they may include) as they are at `rev`, written
/// under a scratch directory that mirrors the repository, as [`staged_tree`] writes the index:
/// `--since` reads them to learn which files `check` read at `rev`.
pub fn tree_at(cwd: &Path, rev: &str) -> Result<StagedTree, GitError> {
    let (repo, _, prefix) = open(cwd)?;
    let tree = repo
        .revparse_single(rev)
        .map_err(|_| GitError::UnknownRevision {
            rev: rev.to_owned(),
            hint: "; fetch it first (git fetch origin REV)".into(),
        })?
        .peel_to_tree()?;
    let dir = tempfile::Builder::new()
        .prefix("squatguard-since-")
        .tempdir()?;
    let mut blobs = Vec::new();
    tree.walk(git2::TreeWalkMode::PreOrder, |parent, entry| {
        if entry.kind() == Some(git2::ObjectType::Blob) {
            if let Ok(name) = entry.name() {
                let rel = Path::new(parent).join(name);
                if wanted(&rel) {
                    blobs.push((rel, entry.id(), entry.filemode() as u32));
                }
            }
        }
        git2::TreeWalkResult::Ok
    })?;
    for (rel, id, mode) in blobs {
        // a link is read as its target's content at `rev`, when that lies in the repository
        let id = if mode == SYMLINK_MODE {
            let target = repo.find_blob(id)?;
            let Some(id) = std::str::from_utf8(target.content())
                .ok()
                .and_then(|t| link_target(&rel, t))
                .and_then(|t| tree.get_path(&t).ok())
                .filter(|e| e.filemode() as u32 != SYMLINK_MODE)
                .map(|e| e.id())
            else {
                continue;
            };
            id
        } else {
            id
        };
        let Ok(blob) = repo.find_blob(id) else {
            continue;
        };
        if worth_writing(&rel, blob.content()) {
            write_under(dir.path(), &rel, blob.content())?;
        }
    }
    StagedTree::new(dir, prefix, Vec::new())
}

/// Writes `content` at `rel` under the scratch directory `dir`, making its folders.
fn write_under(dir: &Path, rel: &Path, content: &[u8]) -> std::io::Result<()> {
    let dest = dir.join(rel);
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&dest, content)
}

/// Lines and dependencies of one file as it was at a revision.
#[derive(Default)]
struct Before {
    /// [`crate::source::line_identity`] of each line, numbered as plain text and as pip does.
    lines: HashSet<u64>,
    /// Each dependency's name with the identity of its line.
    deps: HashSet<(String, u64)>,
}

/// Keeps only the findings about what is new or changed since `rev`. `staged`: compare the
/// index (rather than the working tree) for renames. `read_at_rev`: the files `check` read at
/// `rev` (relative to `cwd`): a dependency in a file that was not read then (a file a change
/// newly points to with `-r` or `file:`) is new, however old its line.
pub fn only_since(
    cwd: &Path,
    rev: &str,
    staged: bool,
    findings: Vec<Finding>,
    read_at_rev: &HashSet<String>,
) -> Result<Vec<Finding>, GitError> {
    let (repo, workdir, prefix) = open(cwd)?;
    let object = repo.revparse_single(rev).map_err(|_| {
        let shallow = repo.is_shallow();
        GitError::UnknownRevision {
            rev: rev.to_owned(),
            hint: if shallow {
                "; this is a shallow clone: fetch more history (git fetch --deepen=N, or --unshallow) or the revision itself".into()
            } else {
                "; fetch it first (git fetch origin REV)".into()
            },
        }
    })?;
    let tree = object.peel_to_tree()?;
    // new path -> old path, for manifests renamed since REV
    let mut opts = DiffOptions::new();
    opts.include_untracked(true);
    let mut diff = if staged {
        repo.diff_tree_to_index(Some(&tree), None, Some(&mut opts))?
    } else {
        repo.diff_tree_to_workdir_with_index(Some(&tree), Some(&mut opts))?
    };
    diff.find_similar(Some(
        DiffFindOptions::new().renames(true).for_untracked(true),
    ))?;
    let mut renamed: HashMap<PathBuf, PathBuf> = HashMap::new();
    for delta in diff.deltas() {
        if let (Some(new), Some(old)) = (delta.new_file().path(), delta.old_file().path()) {
            if new != old {
                renamed.insert(new.to_path_buf(), old.to_path_buf());
            }
        }
    }
    let mut cache: HashMap<String, Option<Before>> = HashMap::new();
    let mut kept = Vec::new();
    for f in findings {
        let rel_repo = prefix.join(&f.file);
        let before = cache.entry(f.file.clone()).or_insert_with(|| {
            let old = renamed
                .get(&rel_repo)
                .cloned()
                .unwrap_or_else(|| rel_repo.clone());
            let entry = tree.get_path(&old).ok()?;
            let blob = repo.find_blob(entry.id()).ok()?;
            let text = String::from_utf8_lossy(blob.content()).into_owned();
            let real = workdir.join(&old);
            let kind = ManifestKind::detect(&real, &text);
            let src = SourceFile::new(real, text);
            let parsed = manifest::parse(&src, kind);
            let shown = src.display_path();
            let pip_lines = SourceFile::with_python_lines(&src.path, src.text.as_str());
            // a reader's own findings carry their line's identity; the rules' findings about a
            // dependency, an index statement or an unnamed source carry what it says in full
            // (`since_identity`), which may go on past that line
            let said = (parsed.indexes.iter())
                .filter(|s| *s.file == *shown)
                .map(|s| s.since_identity())
                .chain(
                    (parsed.unnamed.iter())
                        .filter(|s| *s.file == *shown)
                        .map(|s| s.since_identity()),
                );
            Some(Before {
                lines: (src.line_identities())
                    .chain(pip_lines.line_identities())
                    .chain(said)
                    .collect(),
                deps: parsed
                    .dependencies
                    .into_iter()
                    .filter(|d| *d.file == *shown)
                    .flat_map(|d| {
                        let said = d.since_identity();
                        let name: String = d.name.into();
                        [(name.clone(), d.line_identity), (name, said)]
                    })
                    .collect(),
            })
        });
        let old_shown = match renamed.get(&rel_repo) {
            Some(old) => old
                .strip_prefix(&prefix)
                .map(crate::source::display_path)
                .unwrap_or_else(|_| f.file.clone()),
            None => f.file.clone(),
        };
        if !read_at_rev.contains(&old_shown) {
            kept.push(f);
            continue;
        }
        let line = f
            .line_identity
            .unwrap_or_else(|| crate::source::line_identity(f.snippet.as_deref().unwrap_or("")));
        let existed = match (before, &f.package) {
            (None, _) => false,
            (Some(b), Some(pkg)) => b.deps.contains(&(pkg.to_string(), line)),
            (Some(b), None) => b.lines.contains(&line),
        };
        if !existed {
            kept.push(f);
        }
    }
    Ok(kept)
}
