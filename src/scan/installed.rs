//! Which files an installed distribution records: the `RECORD` file of each `*.dist-info`
//! folder in a `sys.path` directory (PEP 376, and the wheel spec's `RECORD`: CSV rows
//! `path,hash,size`, paths relative to that directory with `/`), as pip writes it on install.
//! Read once per directory, on demand, for the files `scan` cannot read
//! ([`crate::rules::opaque_code`]), and only in a tree the user trusts: a repository under
//! inspection could write a `RECORD` that lists its own native modules.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A `RECORD` larger than this is not read.
const MAX_RECORD: u64 = 16 * 1024 * 1024;

/// The recorded paths of each `sys.path` directory met so far.
#[derive(Default)]
pub struct Records {
    by_dir: Mutex<HashMap<PathBuf, Arc<HashSet<String>>>>,
    /// Whether the `RECORD` files may be believed: only in a tree the user trusts (`scan
    /// --trusted`, such as their own site-packages). A repository under inspection writes its
    /// own `RECORD` as easily as its native modules, so there nothing is believed listed.
    trusted: bool,
}

impl Records {
    /// Records read only when `trusted` (see the field).
    pub fn new(trusted: bool) -> Self {
        Records {
            by_dir: Mutex::default(),
            trusted,
        }
    }

    /// Whether `path`, inside a package, is listed in the `RECORD` of a distribution installed
    /// in a directory above it (never, unless trusted). Every directory up to the outermost
    /// package's parent and beyond is tried (namespace packages such as `zope` and vendored
    /// trees such as `debugpy/_vendored/pydevd` have folders without `__init__.py`), at most
    /// [`MAX_LEVELS`] of them.
    pub fn lists(&self, path: &Path) -> bool {
        if !self.trusted {
            return false;
        }
        path.ancestors()
            .skip(1)
            .take(MAX_LEVELS)
            .any(|top| self.listed_in(top, path))
    }

    /// Whether the `RECORD` files of `top`'s `*.dist-info` folders list `path`.
    fn listed_in(&self, top: &Path, path: &Path) -> bool {
        let Ok(rel) = path.strip_prefix(top) else {
            return false;
        };
        let rel: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let rel = rel.join("/");
        let top = if top.as_os_str().is_empty() {
            Path::new(".")
        } else {
            top
        };
        let recorded = {
            let mut by_dir = self
                .by_dir
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(
                by_dir
                    .entry(top.to_path_buf())
                    .or_insert_with(|| Arc::new(read_records(top))),
            )
        };
        recorded.contains(&rel)
    }
}

/// How many directories above a file [`Records::lists`] looks for `RECORD` files.
const MAX_LEVELS: usize = 8;

/// Every path the `RECORD` files of `dir`'s `*.dist-info` folders list.
fn read_records(dir: &Path) -> HashSet<String> {
    let mut out = HashSet::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        if !e.file_name().to_string_lossy().ends_with(".dist-info") {
            continue;
        }
        let Ok(bytes) = crate::source::read_regular(&e.path().join("RECORD"), MAX_RECORD) else {
            continue;
        };
        for line in String::from_utf8_lossy(&bytes).lines() {
            // the path is the first field; a quoted one (a comma in it) is left out
            if let Some(p) = line.split(',').next().filter(|p| !p.starts_with('"')) {
                out.insert(p.to_owned());
            }
        }
    }
    out
}
