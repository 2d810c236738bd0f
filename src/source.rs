//! A manifest's text with its path, and byte offset to line/column conversion.
//!
//! Lines and columns are 1-based; columns count Unicode code points (as SARIF's
//! `unicodeCodePoints` and most editors do). `\r\n` ends a line like `\n`.
//!
//! What a finding keeps of its line is a window of it ([`Snippet`], for display) with what is
//! decided from all of it: the line's identity ([`line_identity`], which `--since` compares) and
//! the `squatguard: ignore` its comment holds, the comment found as the file's format writes one
//! ([`SourceFile::inline_ignore`], [`crate::inline_ignore`]).
//!
//! Also [`work_tree`]: the repository a file lies in, which readers that follow a file to
//! another (`-r other.txt`) may not leave; and the path helpers that discovery and the readers
//! share: [`clean`], the folders a walk skips by name ([`SKIP_DIRS`], [`in_folder_named`]).

use crate::inline_ignore::{Comments, InlineIgnore};
use std::path::{Path, PathBuf};

/// One file's text, already decoded, with the byte offset of each line start.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user named it or discovery found it; shown in findings.
    pub path: PathBuf,
    /// The text with a leading byte order mark removed.
    pub text: String,
    line_starts: Vec<usize>,
    /// The 0-based lines holding a non-ASCII byte, in order: on the others a column is a byte
    /// count, found without walking the line (a one-line list of 40,000 names would otherwise
    /// cost a walk of the line per name).
    non_ascii_lines: Vec<u32>,
    /// On a long non-ASCII line, the last column counted (`(byte offset, 0-based column)`), so
    /// that the names of one line, read in order, are counted once in all.
    last_column: std::sync::Mutex<(usize, u32)>,
    /// Lines end as Python's `str.splitlines()` ends them, not only at `\n`.
    python_lines: bool,
    /// `path` for display, computed once: every dependency of the file carries it.
    shown: std::sync::Arc<str>,
    /// How the format writes comments: set by the reader ([`SourceFile::read_as`]), else taken
    /// from the file's name when first needed.
    comments: std::sync::OnceLock<Comments>,
    /// The lines whose comment holds a `squatguard: ignore`, in order, found on first use.
    ignores: std::sync::OnceLock<Vec<(u32, InlineIgnore)>>,
}

impl Clone for SourceFile {
    fn clone(&self) -> Self {
        SourceFile {
            path: self.path.clone(),
            text: self.text.clone(),
            line_starts: self.line_starts.clone(),
            non_ascii_lines: self.non_ascii_lines.clone(),
            last_column: std::sync::Mutex::new((0, 0)),
            python_lines: self.python_lines,
            shown: self.shown.clone(),
            comments: self.comments.clone(),
            ignores: self.ignores.clone(),
        }
    }
}

/// How much of a long line a finding keeps to show (bytes): a window around the name, so that a
/// dependency costs memory in proportion to itself, not to its line.
pub const SNIPPET_MAX: usize = 240;

/// A line, or a window of a long one, to show under a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    pub text: String,
    /// Code points of the line before the window (0: the whole line, or its start).
    pub skip: u32,
    /// [`line_identity`] of the whole line, however little of it `text` keeps.
    pub line_identity: u64,
    /// The `squatguard: ignore` in the line's comment ([`SourceFile::inline_ignore`]).
    pub inline_ignore: Option<InlineIgnore>,
}

/// What identifies a line's text, all of it (FNV-1a of the text without its leading and
/// trailing whitespace): `--since` judges a finding's line unchanged when its identity is one
/// of the revision's, which a window of a long line could not tell.
pub fn line_identity(line: &str) -> u64 {
    crate::hash::fnv1a(line.trim().as_bytes())
}

impl SourceFile {
    /// Wraps `text`; a UTF-8 byte order mark at the start is dropped.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        Self::numbered(path.into(), text.into(), false)
    }

    /// A source whose lines end at `\n` only, or where Python's `str.splitlines()` ends them.
    fn numbered(path: PathBuf, mut text: String, python_lines: bool) -> Self {
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        let line_starts = if python_lines {
            crate::python_text::line_starts(&text)
        } else {
            let after_newlines = text.bytes().enumerate().filter(|&(_, b)| b == b'\n');
            std::iter::once(0)
                .chain(after_newlines.map(|(i, _)| i + 1))
                .collect()
        };
        let non_ascii_lines = non_ascii_lines(&text, &line_starts);
        SourceFile {
            shown: display_path(&path).into(),
            path,
            text,
            line_starts,
            non_ascii_lines,
            last_column: std::sync::Mutex::new((0, 0)),
            python_lines,
            comments: std::sync::OnceLock::new(),
            ignores: std::sync::OnceLock::new(),
        }
    }

    /// Wraps `text` with lines numbered as Python's `str.splitlines()` ends them (`\r`, `\v`,
    /// `\f`, `\x1c`-`\x1e`, `\x85`, U+2028 and U+2029 too), for formats whose reader counts
    /// lines that way (pip's requirements files), whose comments are pip's. A UTF-8 byte order
    /// mark is dropped.
    pub fn with_python_lines(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        let src = Self::numbered(path.into(), text.into(), true);
        src.read_as(Comments::Pip);
        src
    }

    /// Lines made to show values given on a command line, which no file holds: numbered as
    /// [`SourceFile::with_python_lines`] numbers them, without comments (a `#` in an argument
    /// is part of it; nothing in one is a `squatguard: ignore`).
    pub fn shown_arguments(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        let src = Self::numbered(path.into(), text.into(), true);
        src.read_as(Comments::None);
        src
    }

    /// Says how the file's format writes comments, which decides the comment of a line
    /// ([`SourceFile::inline_ignore`]); the first word counts. Unsaid, the file's name decides
    /// ([`Comments::for_path`]).
    pub fn read_as(&self, comments: Comments) {
        let _ = self.comments.set(comments);
    }

    /// The `squatguard: ignore` directive of the comment of a 1-based line, as the file's
    /// format finds the comment on the whole line ([`crate::inline_ignore`]).
    pub fn inline_ignore(&self, line: u32) -> Option<InlineIgnore> {
        let all = self.ignores.get_or_init(|| {
            // most files hold no directive at all: nothing to look for in their comments
            if !self.text.contains(crate::inline_ignore::DIRECTIVE) {
                return Vec::new();
            }
            let comments = *self.comments.get_or_init(|| Comments::for_path(&self.path));
            let lines =
                (1..=self.line_count() as u32).map(|n| (self.line_start(n), self.line_text(n)));
            let spans = comments.spans(&self.text, lines);
            spans
                .into_iter()
                .filter_map(|r| {
                    let ignore = InlineIgnore::parse(&self.text[r.clone()])?;
                    Some((self.line_of(r.start) as u32 + 1, ignore))
                })
                .collect()
        });
        let at = all.binary_search_by_key(&line, |(l, _)| *l).ok()?;
        Some(all[at].1.clone())
    }

    /// Number of lines (a final line without a line ending counts).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Path for display, shared.
    pub fn shown(&self) -> std::sync::Arc<str> {
        self.shown.clone()
    }

    /// Path for display.
    pub fn display_path(&self) -> String {
        self.shown.to_string()
    }

    /// 1-based line and column of a byte offset (clamped to the text).
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.line_of(offset);
        let start = self.line_starts[line];
        let offset = floor_char_boundary(&self.text, offset);
        (line as u32 + 1, self.column0(line, start, offset) + 1)
    }

    /// The 0-based column of byte `offset` of the 0-based `line`, which starts at `start`.
    fn column0(&self, line: usize, start: usize, offset: usize) -> u32 {
        if self.non_ascii_lines.binary_search(&(line as u32)).is_err() {
            return (offset - start) as u32;
        }
        if offset - start < SNIPPET_MAX * 4 {
            return self.text[start..offset].chars().count() as u32;
        }
        // a long line with non-ASCII text: count on from the last column counted on it
        let mut last = self
            .last_column
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (from, base) = if last.0 >= start && last.0 <= offset {
            *last
        } else {
            (start, 0)
        };
        let col = base + self.text[from..offset].chars().count() as u32;
        *last = (offset, col);
        col
    }

    /// The line holding byte `offset`, or, when it is longer than [`SNIPPET_MAX`], a window of
    /// it around `offset`: what a finding there shows.
    pub fn snippet_at(&self, offset: usize) -> Snippet {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        self.snippet_in(self.line_of(offset), offset)
    }

    /// [`SourceFile::line_col`] and [`SourceFile::snippet_at`] of one offset, whose line is
    /// found once.
    pub fn place(&self, offset: usize) -> ((u32, u32), Snippet) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let line = self.line_of(offset);
        let column = self.column0(line, self.line_starts[line], offset) + 1;
        ((line as u32 + 1, column), self.snippet_in(line, offset))
    }

    /// The 0-based line of byte `offset` (at most the text's length).
    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset) - 1
    }

    /// [`SourceFile::snippet_at`] of `offset` (a character boundary) on the 0-based `line`.
    fn snippet_in(&self, line: usize, offset: usize) -> Snippet {
        let start = self.line_starts[line];
        let text = self.line_text(line as u32 + 1);
        let line_identity = line_identity(text);
        let inline_ignore = self.inline_ignore(line as u32 + 1);
        if text.len() <= SNIPPET_MAX {
            return Snippet {
                text: text.to_owned(),
                skip: 0,
                line_identity,
                inline_ignore,
            };
        }
        let end = start + text.len();
        let from = floor_char_boundary(
            &self.text,
            offset.saturating_sub(SNIPPET_MAX / 3).max(start),
        );
        let to = floor_char_boundary(&self.text, (from + SNIPPET_MAX).min(end));
        // counted back from the name's column: a walk of the window, not of the line
        let back = self.text[from..offset].chars().count() as u32;
        Snippet {
            text: self.text[from..to].to_owned(),
            skip: self.column0(line, start, offset) - back,
            line_identity,
            inline_ignore,
        }
    }

    /// [`line_identity`] of a 1-based line (of an empty line past the end).
    pub fn line_identity(&self, line: u32) -> u64 {
        line_identity(self.line_text(line))
    }

    /// [`line_identity`] of every line, in order.
    pub fn line_identities(&self) -> impl Iterator<Item = u64> + '_ {
        (1..=self.line_count() as u32).map(|n| line_identity(self.line_text(n)))
    }

    /// Text of a 1-based line, without its line ending.
    pub fn line_text(&self, line: u32) -> &str {
        let idx = (line as usize).saturating_sub(1);
        let Some(&start) = self.line_starts.get(idx) else {
            return "";
        };
        let end = self
            .line_starts
            .get(idx + 1)
            .copied()
            .unwrap_or(self.text.len());
        if self.python_lines {
            return self.text[start..end].trim_end_matches(crate::python_text::is_line_break);
        }
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// Byte offset where a 1-based line starts.
    pub fn line_start(&self, line: u32) -> usize {
        let idx = (line as usize).saturating_sub(1);
        self.line_starts
            .get(idx)
            .copied()
            .unwrap_or(self.text.len())
    }
}

/// The 0-based lines (as `line_starts` ends them) that hold a non-ASCII byte.
fn non_ascii_lines(text: &str, line_starts: &[usize]) -> Vec<u32> {
    let mut lines = Vec::new();
    for (line, &start) in line_starts.iter().enumerate() {
        let end = line_starts.get(line + 1).copied().unwrap_or(text.len());
        if !text.as_bytes()[start..end].is_ascii() {
            lines.push(line as u32);
        }
    }
    lines
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Files larger than this are refused rather than read into memory.
pub const MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// Why a file could not be read as a manifest.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file system refused: missing, unreadable, a directory. Nothing could be checked.
    #[error("{}", io_reason(.0))]
    Io(std::io::Error),
    /// The file is there but is not a text manifest: binary, not UTF-8, a device.
    #[error("{0}")]
    Content(String),
    /// The file is larger than this many bytes.
    #[error("it is larger than {} MiB", .0 / (1024 * 1024))]
    TooLarge(u64),
}

impl ReadError {
    /// Whether the file is there but cannot be checked as it is (a finding), rather than
    /// unreadable (the run cannot go on).
    pub fn is_content(&self) -> bool {
        matches!(self, ReadError::Content(_) | ReadError::TooLarge(_))
    }
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        ReadError::Io(e)
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Reads at most `max` bytes of a regular file. Devices, pipes and sockets are refused: a
/// manifest can name any path (`-r /dev/zero`, `-r /dev/stdin`), and reading one would never
/// end. The bound holds even where the size the file system reports is wrong (`/proc` files
/// say 0).
pub fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        return Err(ReadError::Content("it is a directory".into()));
    }
    if !meta.is_file() {
        return Err(ReadError::Content(
            "it is not a regular file (a device, pipe or socket)".into(),
        ));
    }
    if meta.len() > max {
        return Err(ReadError::TooLarge(max));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)?
        .take(max + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge(max));
    }
    Ok(bytes)
}

/// Reads a manifest as UTF-8 text, refusing directories, devices, binary and oversized files.
pub fn read_source(path: &Path) -> Result<SourceFile, ReadError> {
    source_from_bytes(path, read_regular(path, MAX_FILE_SIZE)?)
}

/// `bytes` (the content of `path`) as [`read_source`] takes them: refused when they hold a NUL
/// byte or are not UTF-8.
pub fn source_from_bytes(path: &Path, bytes: Vec<u8>) -> Result<SourceFile, ReadError> {
    if bytes.contains(&0) {
        return Err(ReadError::Content(
            "it is a binary file (it contains NUL bytes)".into(),
        ));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        ReadError::Content(format!(
            "it is not valid UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok(SourceFile::new(path, text))
}

/// Shows a path with `/` separators and without a leading `./`. On Windows `\\` is a separator;
/// elsewhere it is a character of a file name and stays one, or a file named `..\\..\\x` would
/// show, and be rewritten by `--fix`, as the file `../../x`.
pub fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy();
    let s = if cfg!(windows) {
        s.replace('\\', "/")
    } else {
        s.into_owned()
    };
    s.strip_prefix("./").map(str::to_owned).unwrap_or(s)
}

/// Drops a leading `./` so paths print as users wrote them.
pub fn clean(path: &Path) -> PathBuf {
    path.strip_prefix(".")
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Directory names never searched for manifests.
pub const SKIP_DIRS: &[&str] = &[
    "node_modules",
    "site-packages",
    "__pycache__",
    ".tox",
    ".nox",
    "venv",
    ".venv",
    ".git",
    ".hg",
    ".svn",
];

/// Whether a path below a walk's root passes through a folder of `names` (one the walk skips
/// by name, [`SKIP_DIRS`]).
pub fn in_folder_named(rel: &Path, names: &[&str]) -> bool {
    rel.components()
        .any(|c| c.as_os_str().to_str().is_some_and(|n| names.contains(&n)))
}

/// The directory the file `path` lies in: `.` for a bare file name.
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// The work tree of the repository `path` lies in, canonical. Manifests may point anywhere
/// (`-r ../../x`, a symbolic link); what lies outside the repository is not read, since its
/// lines would be shown in the report, which CI logs publish, and it could be a secret file.
pub fn work_tree(path: &Path) -> Option<PathBuf> {
    let dir = if path.is_dir() {
        path
    } else {
        parent_dir(path)
    };
    let repo = git2::Repository::discover(dir).ok()?;
    std::fs::canonicalize(unsteered_workdir(&repo)?).ok()
}

/// The work tree of `repo` as the repository cannot move it: `core.worktree` in its own
/// configuration (which a repository that came as an archive, `.git` and all, can set to `/`
/// or anywhere) is not followed; the folder that holds `.git` is the work tree then. `None` for
/// a bare repository, or when `core.worktree` is set in a linked worktree.
pub fn unsteered_workdir(repo: &git2::Repository) -> Option<PathBuf> {
    let steered = repo
        .config()
        .ok()
        .and_then(|c| c.get_string("core.worktree").ok())
        .is_some();
    if !steered {
        return repo.workdir().map(Path::to_path_buf);
    }
    let git_dir = repo.path();
    let git_dir = git_dir.components().as_path();
    (git_dir.file_name() == Some(std::ffi::OsStr::new(".git")))
        .then(|| git_dir.parent().map(Path::to_path_buf))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_is_line_col_and_snippet() {
        let long = format!("{}é{}\u{2028}x\n", "a".repeat(300), "b".repeat(900));
        let text = format!("\u{feff}a\r\nbé c\n{long}\x0cy\r\nlast");
        for src in [
            SourceFile::new("r.txt", text.as_str()),
            SourceFile::with_python_lines("r.txt", text.as_str()),
        ] {
            for offset in 0..=src.text.len() + 2 {
                let (place, snippet) = src.place(offset);
                assert_eq!(place, src.line_col(offset), "{offset}");
                assert_eq!(snippet, src.snippet_at(offset), "{offset}");
            }
        }
    }

    #[test]
    fn line_col_with_crlf_and_unicode() {
        let src = SourceFile::new("r.txt", "\u{feff}a\r\nbé c\nlast");
        assert_eq!(src.text, "a\r\nbé c\nlast");
        assert_eq!(src.line_col(0), (1, 1));
        assert_eq!(src.line_col(3), (2, 1));
        let c = src.text.find('c').unwrap();
        assert_eq!(src.line_col(c), (2, 4));
        assert_eq!(src.line_text(1), "a");
        assert_eq!(src.line_text(3), "last");
        assert_eq!(src.line_col(src.text.len()), (3, 5));
    }

    /// The column shortcuts (ASCII lines, the counted-on cache of long lines) agree with
    /// counting code points from the line start, whatever order positions are asked in.
    #[test]
    fn columns_agree_with_counting_in_any_order() {
        let long: String = (0..400)
            .map(|i| if i % 7 == 0 { "é\"x\", " } else { "\"ab\", " })
            .collect();
        let text = format!("short\n{long}\nascii only {}\nlast é", "y".repeat(2000));
        let src = SourceFile::new("f", text.clone());
        let naive = |offset: usize| {
            let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            text[start..offset].chars().count() as u32 + 1
        };
        let mut offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).step_by(3).collect();
        offsets.extend(offsets.clone().into_iter().rev());
        for o in offsets {
            assert_eq!(src.line_col(o).1, naive(o), "at {o}");
        }
    }

    /// A long line is kept as a window around the position, which knows how much it skipped.
    #[test]
    fn snippets_of_long_lines_are_windows() {
        let line: String = (0..2000).map(|i| format!("n{i}é,")).collect();
        let src = SourceFile::new("f", format!("a\n{line}\n"));
        assert_eq!(
            src.snippet_at(0),
            Snippet {
                text: "a".into(),
                skip: 0,
                line_identity: line_identity("a"),
                inline_ignore: None,
            }
        );
        let at = src.text.find("n1500é").unwrap();
        let snip = src.snippet_at(at);
        assert!(snip.text.len() <= SNIPPET_MAX, "{}", snip.text.len());
        assert!(snip.text.contains("n1500é"), "{}", snip.text);
        let (_, column) = src.line_col(at);
        let in_window: String = snip
            .text
            .chars()
            .take((column - 1 - snip.skip) as usize)
            .collect();
        assert!(snip.text[in_window.len()..].starts_with("n1500é"));
    }
}
