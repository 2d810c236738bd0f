//! Byte offsets of TOML keys and values in the file they were read from, for `toml_edit`
//! documents (`pyproject.toml`, `Pipfile`, TOML lock files; usable by the configuration
//! reader): every finding points at the character where the offending name or value is
//! written.
//!
//! Two readings, each kept for the readers that use it:
//!
//! - `key_offset` / `item_offset`: the start of a key or value, moved past its opening
//!   quote when the quoted text is the value verbatim, else the quote itself (Pipfile, lock
//!   files);
//! - `locate`: a string decoded as TOML 1.0 decodes it (basic and literal strings, one-line
//!   and multi-line, every escape, line-ending backslashes), with the file offset of every
//!   decoded byte, so a position inside an escaped or multi-line string stays exact
//!   (`pyproject.toml`). It must agree with `toml_edit`'s decoding: when it does not, every
//!   byte is placed at the content's start rather than guessed.

use crate::source::SourceFile;
use std::ops::Range;
use toml_edit::{Item, Key, Value};

/// Where a key's text starts: inside its quotes when it is quoted.
pub(crate) fn key_offset(src: &SourceFile, key: &Key) -> Option<usize> {
    key.span().map(|span| inside_quotes(src, span, key.get()))
}

/// Where a value starts: a string's first character inside its quotes, else the value itself.
pub(crate) fn item_offset(src: &SourceFile, item: &Item) -> usize {
    let Some(span) = item.span() else {
        return 0;
    };
    match item.as_str() {
        Some(s) => inside_quotes(src, span, s),
        None => span.start,
    }
}

/// The start of `span`, moved past an opening quote when the quoted text is `content` verbatim.
pub(crate) fn inside_quotes(src: &SourceFile, span: Range<usize>, content: &str) -> usize {
    let written = src.text.get(span.clone()).unwrap_or("");
    let quote = ["\"\"\"", "'''", "\"", "'"]
        .into_iter()
        .find(|q| written.starts_with(q));
    match quote {
        Some(q) if written[q.len()..].starts_with(content) => span.start + q.len(),
        _ => span.start,
    }
}

/// The TOML type of `item`, with its article: "a string", "an inline table".
pub(crate) fn type_name(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Table(_) => "a table",
        Item::ArrayOfTables(_) => "an array of tables",
        Item::Value(v) => match v {
            Value::String(_) => "a string",
            Value::Integer(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Boolean(_) => "a boolean",
            Value::Datetime(_) => "a date-time",
            Value::Array(_) => "an array",
            Value::InlineTable(_) => "an inline table",
        },
    }
}

/// "a string", "an integer", "an array of tables".
pub(crate) fn with_article(type_name: &str) -> String {
    let article = if type_name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {type_name}")
}

/// A decoded TOML string or key, with the file offset each of its bytes was read from.
#[derive(Debug)]
pub(crate) struct Located {
    pub(crate) text: String,
    /// `map[i]` is the file offset of decoded byte `i`; `map[text.len()]` is the end.
    map: Vec<usize>,
}

impl Located {
    /// `text` with every byte placed at `offset` (when the file text cannot be mapped).
    pub(crate) fn at(text: &str, offset: usize) -> Self {
        Located {
            text: text.to_owned(),
            map: vec![offset; text.len() + 1],
        }
    }

    /// The file offset of decoded byte `i` (clamped to the end).
    pub(crate) fn offset(&self, i: usize) -> usize {
        self.map.get(i).or(self.map.last()).copied().unwrap_or(0)
    }

    /// True when the text is written in the file exactly as decoded, in one piece.
    pub(crate) fn is_verbatim(&self) -> bool {
        let base = self.offset(0);
        self.map.iter().enumerate().all(|(i, &o)| o == base + i)
    }

    /// The decoded bytes `range` (clamped to char boundaries), still mapped.
    pub(crate) fn slice(&self, range: Range<usize>) -> Located {
        let mut start = range.start.min(self.text.len());
        while !self.text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = range.end.clamp(start, self.text.len());
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        Located {
            text: self.text[start..end].to_owned(),
            map: self
                .map
                .get(start..=end)
                .map(<[usize]>::to_vec)
                .unwrap_or_default(),
        }
    }
}

/// Maps `decoded`, the value of the string or key written at `span` of `file`, back to `file`.
/// When the raw text does not decode to `decoded`, every byte is placed at the content start.
pub(crate) fn locate(file: &str, span: Range<usize>, decoded: &str) -> Located {
    let Some(raw) = file.get(span.clone()) else {
        return Located::at(decoded, span.start.min(file.len()));
    };
    match decode(raw, span.start) {
        Some(loc) if loc.text == decoded => loc,
        _ => {
            let quote = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
                3
            } else if raw.starts_with(['"', '\'']) {
                1
            } else {
                0
            };
            Located::at(decoded, (span.start + quote).min(file.len()))
        }
    }
}

/// Decodes a TOML string or key as written (`raw`, starting at file offset `base`), keeping
/// the file offset of every decoded byte. `None` when `raw` is not a well-formed string.
pub(crate) fn decode(raw: &str, base: usize) -> Option<Located> {
    let (quote, basic) = if raw.starts_with("\"\"\"") {
        (3, true)
    } else if raw.starts_with("'''") {
        (3, false)
    } else if raw.starts_with('"') {
        (1, true)
    } else if raw.starts_with('\'') {
        (1, false)
    } else {
        // A bare key.
        return Some(Located {
            text: raw.to_owned(),
            map: (base..=base + raw.len()).collect(),
        });
    };
    if raw.len() < 2 * quote {
        return None;
    }
    let mut start = quote;
    let end = raw.len() - quote;
    let body = raw.get(start..end)?;
    if quote == 3 {
        if body.starts_with("\r\n") {
            start += 2;
        } else if body.starts_with('\n') {
            start += 1;
        }
    }
    let content = raw.get(start..end)?;
    let cbase = base + start;
    let mut text = String::with_capacity(content.len());
    let mut map = Vec::with_capacity(content.len() + 1);
    let push = |text: &mut String, map: &mut Vec<usize>, c: char, at: usize| {
        text.push(c);
        map.extend(std::iter::repeat_n(at, c.len_utf8()));
    };
    if !basic {
        for (i, c) in content.char_indices() {
            push(&mut text, &mut map, c, cbase + i);
        }
        map.push(cbase + content.len());
        return Some(Located { text, map });
    }
    let bytes = content.as_bytes();
    let mut i = 0;
    while i < content.len() {
        let c = content[i..].chars().next()?;
        if c != '\\' {
            push(&mut text, &mut map, c, cbase + i);
            i += c.len_utf8();
            continue;
        }
        let at = cbase + i;
        let esc = *bytes.get(i + 1)?;
        let simple = match esc {
            b'b' => Some('\u{8}'),
            b't' => Some('\t'),
            b'n' => Some('\n'),
            b'f' => Some('\u{c}'),
            b'r' => Some('\r'),
            b'e' => Some('\u{1b}'),
            b'"' => Some('"'),
            b'\\' => Some('\\'),
            _ => None,
        };
        if let Some(ch) = simple {
            push(&mut text, &mut map, ch, at);
            i += 2;
            continue;
        }
        let digits = match esc {
            b'x' => 2,
            b'u' => 4,
            b'U' => 8,
            _ => 0,
        };
        if digits > 0 {
            let hex = content.get(i + 2..i + 2 + digits)?;
            let ch = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)?;
            push(&mut text, &mut map, ch, at);
            i += 2 + digits;
            continue;
        }
        // A line-ending backslash (multi-line strings only): drop whitespace and newlines up
        // to the next other character.
        if quote != 3 {
            return None;
        }
        let rest = &content[i + 1..];
        let ws = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        let after = &rest[ws..];
        if !(after.starts_with('\n') || after.starts_with("\r\n")) {
            return None;
        }
        let skip = after.len() - after.trim_start_matches([' ', '\t', '\n', '\r']).len();
        i += 1 + ws + skip;
    }
    map.push(cbase + content.len());
    Some(Located { text, map })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_maps_escapes_back() {
        let file = r#"x = "a\u0062c\\d""#;
        let start = file.find('"').unwrap();
        let loc = locate(file, start..file.len(), "abc\\d");
        assert_eq!(loc.text, "abc\\d");
        assert_eq!(loc.offset(0), start + 1);
        assert_eq!(loc.offset(1), start + 2);
        assert_eq!(loc.offset(2), start + 8);
        assert_eq!(loc.offset(3), start + 9);
        assert_eq!(loc.offset(4), start + 11);
        assert!(!loc.is_verbatim());
    }

    #[test]
    fn decode_multiline() {
        let file = "x = \"\"\"\n  a \\\n   b\"\"\"";
        let start = file.find('"').unwrap();
        let loc = locate(file, start..file.len(), "  a b");
        assert_eq!(loc.text, "  a b");
        assert_eq!(loc.offset(0), file.find("  a").unwrap());
        assert_eq!(loc.offset(4), file.find('b').unwrap());
        let lit = "x = '''\nreq'''";
        let s = lit.find('\'').unwrap();
        let loc = locate(lit, s..lit.len(), "req");
        assert!(loc.is_verbatim());
        assert_eq!(loc.offset(0), lit.find("req").unwrap());
    }
}
