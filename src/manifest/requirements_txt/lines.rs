//! pip's `preprocess` (`pip/_internal/req/req_file.py`): `str.splitlines()`, `join_lines`,
//! `ignore_comments`, `expand_env_variables`, each line keeping a map from its bytes back to
//! the file's.

use crate::python_text::{is_space, splitlines, strip};
use std::borrow::Cow;
use std::ops::Range;

/// Where the bytes of a line of text came from in the file: pieces in text order.
#[derive(Debug, Clone, Default)]
pub(super) struct SpanMap {
    /// `(start in text, start in file, length in file, literal)`: a literal piece maps byte for
    /// byte; another (a space pip inserted, a variable's value) maps wholly to its file range.
    /// Most lines are one piece, or two: held in place, not allocated line by line.
    pieces: smallvec::SmallVec<[(usize, usize, usize, bool); 2]>,
}

impl SpanMap {
    fn push(&mut self, text_start: usize, file: Range<usize>, literal: bool) {
        self.pieces
            .push((text_start, file.start, file.end - file.start, literal));
    }

    /// The map of a line that is the file's bytes from `start` on, byte for byte.
    pub(super) fn literal(start: usize, len: usize) -> SpanMap {
        let mut map = SpanMap::default();
        map.push(0, start..start + len, true);
        map
    }

    fn piece(&self, i: usize) -> Option<&(usize, usize, usize, bool)> {
        let p = self.pieces.partition_point(|&(start, ..)| start <= i);
        self.pieces.get(p.checked_sub(1)?)
    }

    /// The file offset of byte `i` of the text (`i` may be the text's length).
    pub(super) fn offset(&self, i: usize) -> usize {
        match self.piece(i) {
            Some(&(start, file, len, true)) => file + (i - start).min(len),
            Some(&(_, file, ..)) => file,
            None => 0,
        }
    }

    /// The file range that bytes `r` of the text (not empty) came from.
    pub(super) fn range(&self, r: Range<usize>) -> Range<usize> {
        let start = self.offset(r.start);
        let end = match self.piece(r.end.saturating_sub(1).max(r.start)) {
            Some(&(s, file, len, true)) => file + (r.end - s).min(len),
            Some(&(_, file, len, false)) => file + len,
            None => start,
        };
        start..end.max(start)
    }

    /// The map of text `r` of this map's text, as a text of its own.
    fn slice(&self, r: Range<usize>) -> SpanMap {
        let mut out = SpanMap::default();
        for (k, &(start, file, len, literal)) in self.pieces.iter().enumerate() {
            let end = self.pieces.get(k + 1).map_or(usize::MAX, |p| p.0);
            if end <= r.start || start >= r.end {
                continue;
            }
            let from = start.max(r.start);
            if literal {
                let skip = (from - start).min(len);
                out.pieces
                    .push((from - r.start, file + skip, len - skip, true));
            } else {
                out.pieces.push((from - r.start, file, len, false));
            }
        }
        out
    }
}

/// One line as pip's `preprocess` yields it, with its map to the file.
#[derive(Debug, Clone)]
pub(super) struct Preprocessed<'a> {
    /// pip's line number: that of the first physical line of a joined line.
    pub number: u32,
    pub text: Cow<'a, str>,
    pub map: SpanMap,
    /// Whether `${VAR}` expansion changed the line.
    pub expanded: bool,
    /// Why expansion could not be followed exactly (see [`expand`]).
    pub expansion_refused: Option<String>,
}

/// `COMMENT_RE.match(line)`: `(^|\s+)#` at the start of the line.
fn starts_comment(line: &str) -> bool {
    line.trim_start_matches(is_space).starts_with('#')
}

/// Where `COMMENT_RE.sub("", line)` cuts the line: the first `#` at its start or after a
/// whitespace character (the whitespace before it is stripped after anyway).
pub(crate) fn comment_start(line: &str) -> Option<usize> {
    let mut prev_space = true;
    for (i, c) in line.char_indices() {
        if c == '#' && prev_space {
            return Some(i);
        }
        prev_space = is_space(c);
    }
    None
}

/// A line being joined: its text and map.
struct Joined<'a> {
    number: u32,
    text: Cow<'a, str>,
    map: SpanMap,
}

impl<'a> Joined<'a> {
    fn push(&mut self, piece: &'a str, file: Range<usize>, literal: bool) {
        self.map.push(self.text.len(), file, literal);
        if self.text.is_empty() {
            self.text = Cow::Borrowed(piece);
        } else {
            self.text.to_mut().push_str(piece);
        }
    }
}

/// Runs pip's `preprocess` over `text`, handing each line to `f` (one at a time: a large
/// file's lines are never all held at once). `env` answers `os.getenv`.
pub(super) fn preprocess<'a>(
    text: &'a str,
    env: &dyn Fn(&str) -> Option<String>,
    mut f: impl FnMut(Preprocessed<'a>),
) {
    let mut pending: Option<Joined<'a>> = None;
    let mut emit = |joined: Joined<'a>| {
        if let Some(line) = ignore_comment(joined) {
            f(expand(line, env));
        }
    };
    for (number, (range, _)) in (1u32..).zip(splitlines(text)) {
        let line = &text[range.clone()];
        let comment = starts_comment(line);
        if !line.ends_with('\\') || comment {
            let mut joined = pending.take().unwrap_or(Joined {
                number,
                text: Cow::Borrowed(""),
                map: SpanMap::default(),
            });
            if comment {
                // pip: `line = " " + line`, so that the comment is matched later
                joined.push(" ", range.start..range.start, false);
            }
            joined.push(line, range, true);
            emit(joined);
        } else {
            let joined = pending.get_or_insert_with(|| Joined {
                number,
                text: Cow::Borrowed(""),
                map: SpanMap::default(),
            });
            // pip: `line.strip("\\")`, from both ends
            let inner = line.trim_matches('\\');
            let lead = line.len() - line.trim_start_matches('\\').len();
            let start = range.start + lead;
            joined.push(inner, start..start + inner.len(), true);
        }
    }
    if let Some(joined) = pending {
        emit(joined);
    }
}

/// pip's `ignore_comments`: the comment cut off, the rest stripped; `None` when nothing is left.
fn ignore_comment(joined: Joined<'_>) -> Option<Joined<'_>> {
    let cut = comment_start(&joined.text).unwrap_or(joined.text.len());
    let kept = strip(&joined.text[..cut]);
    if kept.is_empty() {
        return None;
    }
    let start = kept.as_ptr() as usize - joined.text.as_ptr() as usize;
    let r = start..start + kept.len();
    let map = joined.map.slice(r.clone());
    let text = match joined.text {
        Cow::Borrowed(t) => Cow::Borrowed(&t[r]),
        Cow::Owned(t) => Cow::Owned(t[r].to_owned()),
    };
    Some(Joined {
        number: joined.number,
        text,
        map,
    })
}

/// `ENV_VAR_RE.findall(line)`: each `${NAME}` (`NAME` of `A-Z`, `0-9`, `_`) from left to right,
/// as byte ranges.
fn env_refs(line: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while let Some(k) = line[i..].find("${").map(|k| k + i) {
        let name_len = bytes[k + 2..]
            .iter()
            .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || **b == b'_')
            .count();
        let close = k + 2 + name_len;
        if name_len > 0 && bytes.get(close) == Some(&b'}') {
            out.push(k..close + 1);
            i = close + 1;
        } else {
            i = k + 1;
        }
    }
    out
}

/// pip's `expand_env_variables`: for each `${NAME}` found in the line, in order, every
/// occurrence of it is replaced by the variable's value when that is set and not empty
/// (`line.replace`, on the line as replaced so far). squatguard replaces in one pass, keeping
/// the map to the file; where pip's sequence of replacements would give another text (a value
/// that itself holds or completes a `${NAME}`), the line is refused.
fn expand<'a>(line: Joined<'a>, env: &dyn Fn(&str) -> Option<String>) -> Preprocessed<'a> {
    let refs = env_refs(&line.text);
    let values: Vec<(Range<usize>, String)> = refs
        .into_iter()
        .filter_map(|r| {
            let value = env(&line.text[r.start + 2..r.end - 1]).filter(|v| !v.is_empty())?;
            Some((r, value))
        })
        .collect();
    if values.is_empty() {
        return Preprocessed {
            number: line.number,
            text: line.text,
            map: line.map,
            expanded: false,
            expansion_refused: None,
        };
    }
    // pip's own sequence of replacements
    let mut python = line.text.to_string();
    for (r, value) in &values {
        python = python.replace(&line.text[r.clone()], value);
    }
    let mut text = String::with_capacity(python.len());
    let mut map = SpanMap::default();
    let mut from = 0;
    for (r, value) in &values {
        if from < r.start {
            let lit = line.map.slice(from..r.start);
            for &(s, file, len, literal) in &lit.pieces {
                map.pieces.push((text.len() + s, file, len, literal));
            }
            text.push_str(&line.text[from..r.start]);
        }
        map.push(text.len(), line.map.range(r.clone()), false);
        text.push_str(value);
        from = r.end;
    }
    if from < line.text.len() {
        let lit = line.map.slice(from..line.text.len());
        for &(s, file, len, literal) in &lit.pieces {
            map.pieces.push((text.len() + s, file, len, literal));
        }
        text.push_str(&line.text[from..]);
    }
    let expansion_refused = (text != python).then(|| {
        "a `${VAR}` value here holds or completes another `${VAR}`, which pip replaces in an order squatguard does not follow".to_owned()
    });
    Preprocessed {
        number: line.number,
        text: Cow::Owned(python),
        map,
        expanded: true,
        expansion_refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Vec<(u32, String)> {
        let mut out = Vec::new();
        preprocess(text, env, |l| out.push((l.number, l.text.into_owned())));
        out
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn joins_comments_and_splits_as_pip() {
        assert_eq!(
            lines("a\\\n  b==1\nnext", &no_env),
            [(1, "a  b==1".into()), (3, "next".into())]
        );
        // a comment line ending in `\` does not continue
        assert_eq!(lines("# c \\\n./x\n", &no_env), [(2, "./x".into())]);
        // a continuation ended by a comment line: the comment is dropped
        assert_eq!(
            lines("x==1 \\\n# c\ny", &no_env),
            [(1, "x==1".into()), (3, "y".into())]
        );
        assert_eq!(
            lines("r==1  # pinned\rcolourama\u{2028}z", &no_env),
            [(1, "r==1".into()), (2, "colourama".into()), (3, "z".into())]
        );
        // backslashes stripped from both ends of a continued line
        assert_eq!(lines("\\\\a\\\nb", &no_env), [(1, "ab".into())]);
        assert_eq!(
            lines("u#egg=x\n#all\n \t", &no_env),
            [(1, "u#egg=x".into())]
        );
    }

    #[test]
    fn maps_every_byte_to_the_file() {
        for text in [
            "req\\\n  uests==1\nnext",
            "a\\\r\n\\\n\\\nb # c\n",
            "x==1 \\\n# trailing comment\ny",
            "\\\\a\\\nb\\\\\\\nc",
            " plain\r\rlines\u{2029}",
        ] {
            preprocess(text, &no_env, |l| {
                for (i, byte) in l.text.bytes().enumerate() {
                    assert_eq!(text.as_bytes()[l.map.offset(i)], byte, "{text:?} byte {i}");
                }
            });
        }
    }

    #[test]
    fn expands_as_pip() {
        let env = |n: &str| match n {
            "A" => Some("aa".to_owned()),
            "E" => Some(String::new()),
            "D" => Some("$".to_owned()),
            _ => None,
        };
        let text = "x ${A} ${A}${E}${U} ${lower}";
        let got: Vec<_> = {
            let mut v = Vec::new();
            preprocess(text, &env, |l| v.push(l));
            v
        };
        assert_eq!(got[0].text, "x aa aa${E}${U} ${lower}");
        assert!(got[0].expansion_refused.is_none());
        let at = got[0].text.find("${E}").unwrap();
        assert_eq!(&text[got[0].map.offset(at)..][..4], "${E}");
        assert_eq!(&text[got[0].map.range(2..4)], "${A}");
        // `${D}{A}` becomes `${A}` and pip then replaces it too
        let mut refused = false;
        preprocess("${D}{A} ${A}", &env, |l| {
            assert_eq!(l.text, "aa aa");
            refused = l.expansion_refused.is_some();
        });
        assert!(refused);
    }
}
