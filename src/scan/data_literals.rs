//! Large data literals, read in pieces: an 8 MB list of numbers or strings is millions of
//! syntax-tree nodes (about 100 bytes of tree per byte of text), so one file could take
//! gigabytes. A bracketed span of at least [`MIN_SPAN`] bytes that holds only data (string
//! and bytes literals that are not f-strings or t-strings, numbers, `True`/`False`/`None`,
//! commas, colons, unary signs, nested such brackets, comments) and does not follow an operand
//! (a call's or subscript's brackets are code) is blanked out of the text the whole file is
//! parsed from (newlines kept, so offsets and lines do not move), and its elements are parsed
//! separately, [`CHUNK`] bytes at a time, for the literals they hold. Memory is then bounded by
//! the chunk and by the literals worth keeping, whatever the size of the literal.
//!
//! The lexer follows Python's: string prefixes, single and triple quotes, backslash escapes
//! (raw strings included: a backslash still keeps the quote after it in the string), f-strings
//! with nested expressions and quotes (PEP 701), comments ended by `\n` or `\r`. Anything it
//! does not expect (an unterminated string, a bracket that does not match, a NUL byte, nesting
//! deeper than [`MAX_NESTING`]) leaves the whole text as it is, parsed in place.

/// Spans shorter than this are parsed in place.
pub const MIN_SPAN: usize = 64 * 1024;

/// The most bytes of elements parsed at once (one element may be longer).
pub const CHUNK: usize = 64 * 1024;

/// Bracket nesting beyond this leaves the text as it is.
const MAX_NESTING: usize = 1000;

/// F-string nesting beyond this leaves the text as it is.
const MAX_FSTRING_NESTING: usize = 16;

/// A data span: its opening bracket's offset, its closing bracket's, and the offsets of the
/// commas its elements are cut at into pieces of about [`CHUNK`] bytes.
#[derive(Debug, PartialEq)]
pub struct Span {
    pub open: usize,
    pub close: usize,
    pub cuts: Vec<usize>,
}

impl Span {
    /// The pieces of the span's interior, as byte ranges, cut at [`Span::cuts`].
    pub fn pieces(&self) -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        let mut start = self.open + 1;
        for &c in &self.cuts {
            out.push(start..c);
            start = c + 1;
        }
        out.push(start..self.close);
        out
    }
}

/// `text` with its large data spans blanked out, and the spans; `None` when there is none (or
/// the lexer met something it does not expect). A `piece` (a span's elements wrapped in its
/// brackets, which open at offset 0) is never a span itself: the spans inside it are.
pub fn elide(text: &str, piece: bool) -> Option<(String, Vec<Span>)> {
    if text.len() < MIN_SPAN {
        return None;
    }
    let spans = spans(text.as_bytes(), piece)?;
    if spans.is_empty() {
        return None;
    }
    let mut bytes = text.as_bytes().to_vec();
    for s in &spans {
        for b in &mut bytes[s.open + 1..s.close] {
            if *b != b'\n' && *b != b'\r' {
                *b = b' ';
            }
        }
    }
    // whole characters were replaced by spaces: still UTF-8
    let out = String::from_utf8(bytes).ok()?;
    Some((out, spans))
}

struct Frame {
    open: usize,
    bracket: u8,
    pure: bool,
    cuts: Vec<usize>,
    last_cut: usize,
}

/// The outermost data spans of `b`, in order.
fn spans(b: &[u8], piece: bool) -> Option<Vec<Span>> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut out: Vec<Span> = Vec::new();
    // the previous significant token was an operand (a name, number, string or closing
    // bracket): a bracket after it is a call or a subscript
    let mut after_operand = false;
    let mut i = 0;
    let impure = |stack: &mut Vec<Frame>| {
        for f in stack.iter_mut().rev() {
            if !f.pure {
                break;
            }
            f.pure = false;
        }
    };
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\x0c' | b'\n' | b'\r' => i += 1,
            b'\\' => i += 1,
            b'#' => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
            }
            0 => return None,
            b'(' | b'[' | b'{' => {
                if stack.len() >= MAX_NESTING {
                    return None;
                }
                stack.push(Frame {
                    open: i,
                    bracket: c,
                    pure: !after_operand,
                    cuts: Vec::new(),
                    last_cut: i,
                });
                after_operand = false;
                i += 1;
            }
            b')' | b']' | b'}' => {
                let f = stack.pop()?;
                let want = match f.bracket {
                    b'(' => b')',
                    b'[' => b']',
                    _ => b'}',
                };
                if c != want {
                    return None;
                }
                if f.pure && i - f.open >= MIN_SPAN && !(piece && f.open == 0) {
                    // an outer span takes in the spans inside it
                    while out.last().is_some_and(|s| s.open > f.open) {
                        out.pop();
                    }
                    out.push(Span {
                        open: f.open,
                        close: i,
                        cuts: f.cuts,
                    });
                } else if !f.pure {
                    impure(&mut stack);
                }
                after_operand = true;
                i += 1;
            }
            b',' => {
                if let Some(f) = stack.last_mut() {
                    if i - f.last_cut >= CHUNK {
                        f.cuts.push(i);
                        f.last_cut = i;
                    }
                }
                after_operand = false;
                i += 1;
            }
            b':' | b'-' | b'+' | b'~' => {
                after_operand = false;
                i += 1;
            }
            b'"' | b'\'' => {
                i = skip_string(b, i)?;
                after_operand = true;
            }
            b'0'..=b'9' => {
                i = skip_number(b, i);
                after_operand = true;
            }
            b'.' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i = skip_number(b, i);
                after_operand = true;
            }
            _ if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => {
                let start = i;
                while i < b.len() && (b[i] == b'_' || b[i].is_ascii_alphanumeric() || b[i] >= 0x80)
                {
                    i += 1;
                }
                let word = &b[start..i];
                let quote = b.get(i).is_some_and(|q| *q == b'"' || *q == b'\'');
                if quote && is_prefix(word) {
                    let formatted = word
                        .iter()
                        .any(|p| matches!(p.to_ascii_lowercase(), b'f' | b't'));
                    if formatted {
                        impure(&mut stack);
                    }
                    let raw = word.iter().any(|p| p.eq_ignore_ascii_case(&b'r'));
                    i = if formatted {
                        skip_fstring(b, i, raw, 0)?
                    } else {
                        skip_string(b, i)?
                    };
                } else if !matches!(word, b"True" | b"False" | b"None") {
                    impure(&mut stack);
                }
                after_operand = true;
            }
            _ => {
                impure(&mut stack);
                after_operand = false;
                i += 1;
            }
        }
    }
    Some(out)
}

/// A string prefix: up to two of `r`, `u`, `b`, `f`, `t` in either case.
fn is_prefix(word: &[u8]) -> bool {
    !word.is_empty()
        && word.len() <= 2
        && word
            .iter()
            .all(|c| matches!(c.to_ascii_lowercase(), b'r' | b'u' | b'b' | b'f' | b't'))
}

/// The end of the number starting at `i` (digits, letters, `_`, `.`, and a signed exponent;
/// `0xE+1` read as one number is still only numbers and a sign).
fn skip_number(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        let c = b[i];
        let exponent_sign = (c == b'+' || c == b'-')
            && matches!(b[i - 1], b'e' | b'E')
            && b.get(i + 1).is_some_and(u8::is_ascii_digit);
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || exponent_sign {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// The quote at `i` and whether it is tripled.
fn quote_at(b: &[u8], i: usize) -> (u8, bool) {
    let q = b[i];
    let triple = b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q);
    (q, triple)
}

/// At `j`, a `q` inside a string literal opened by `q` (three of them when `triple`): the
/// offset after the literal when it closes there, else `None` (a lone quote in a
/// triple-quoted string).
fn closes(b: &[u8], j: usize, q: u8, triple: bool) -> Option<usize> {
    if !triple {
        return Some(j + 1);
    }
    (b.get(j + 1) == Some(&q) && b.get(j + 2) == Some(&q)).then_some(j + 3)
}

/// The offset after the string literal whose quote is at `i`.
fn skip_string(b: &[u8], i: usize) -> Option<usize> {
    let (q, triple) = quote_at(b, i);
    let mut j = if triple { i + 3 } else { i + 1 };
    loop {
        let c = *b.get(j)?;
        match c {
            // in raw strings too, a backslash keeps the next character in the string
            b'\\' => {
                j += if b.get(j + 1) == Some(&b'\r') && b.get(j + 2) == Some(&b'\n') {
                    3
                } else {
                    2
                }
            }
            b'\n' | b'\r' if !triple => return None,
            _ if c == q => match closes(b, j, q, triple) {
                Some(end) => return Some(end),
                None => j += 1,
            },
            0 => return None,
            _ => j += 1,
        }
    }
}

/// The offset after the f-string (or t-string) whose quote is at `i`: its replacement fields
/// are code, read for their own strings (PEP 701 lets them reuse the quote) and brackets.
fn skip_fstring(b: &[u8], i: usize, raw: bool, depth: usize) -> Option<usize> {
    if depth > MAX_FSTRING_NESTING {
        return None;
    }
    let (q, triple) = quote_at(b, i);
    let mut j = if triple { i + 3 } else { i + 1 };
    loop {
        let c = *b.get(j)?;
        match c {
            b'\\' if !raw => j += 2,
            b'\\' => j += 1,
            b'{' if b.get(j + 1) == Some(&b'{') => j += 2,
            b'}' if b.get(j + 1) == Some(&b'}') => j += 2,
            b'{' => j = skip_field(b, j + 1, depth)?,
            b'\n' | b'\r' if !triple => return None,
            0 => return None,
            _ if c == q => match closes(b, j, q, triple) {
                Some(end) => return Some(end),
                None => j += 1,
            },
            _ => j += 1,
        }
    }
}

/// The offset after the `}` that closes the replacement field starting at `i` (after its `{`).
fn skip_field(b: &[u8], mut i: usize, depth: usize) -> Option<usize> {
    let mut level = 0usize;
    loop {
        let c = *b.get(i)?;
        match c {
            b'{' | b'(' | b'[' => {
                level += 1;
                i += 1;
            }
            b'}' if level == 0 => return Some(i + 1),
            b'}' | b')' | b']' => {
                level = level.checked_sub(1)?;
                i += 1;
            }
            b'"' | b'\'' => i = skip_string(b, i)?,
            b'#' => return None,
            0 => return None,
            _ if c == b'_' || c.is_ascii_alphabetic() => {
                let start = i;
                while i < b.len() && (b[i] == b'_' || b[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                let word = &b[start..i];
                if b.get(i).is_some_and(|q| *q == b'"' || *q == b'\'') && is_prefix(word) {
                    let raw = word.iter().any(|p| p.eq_ignore_ascii_case(&b'r'));
                    let formatted = word
                        .iter()
                        .any(|p| matches!(p.to_ascii_lowercase(), b'f' | b't'));
                    i = if formatted {
                        skip_fstring(b, i, raw, depth + 1)?
                    } else {
                        skip_string(b, i)?
                    };
                }
            }
            _ => i += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big_list(n: usize) -> String {
        let items: Vec<String> = (0..n).map(|i| format!("\"k{i}\"")).collect();
        format!("[{}]", items.join(", "))
    }

    #[test]
    fn a_large_data_list_is_blanked_and_cut() {
        let list = big_list(20_000);
        let text = format!("import os\nX = {list}\nos.system('x')\n");
        let (out, spans) = elide(&text, false).unwrap();
        assert_eq!(out.len(), text.len());
        assert_eq!(spans.len(), 1);
        let s = &spans[0];
        assert_eq!(&text[s.open..=s.open], "[");
        assert_eq!(&text[s.close..=s.close], "]");
        assert!(!s.cuts.is_empty());
        assert!(out.contains("X = [ ") && out.ends_with("]\nos.system('x')\n"));
        for p in s.pieces() {
            assert!(p.len() < CHUNK + 100, "{}", p.len());
        }
    }

    #[test]
    fn code_inside_is_not_data() {
        let list = big_list(20_000);
        for code in ["exec('x')", "f'{x}'", "a.b", "lambda: 1", "x * 2", "-y"] {
            let text = format!("X = {}, {code}]\n", &list[..list.len() - 1]);
            assert_eq!(elide(&text, false), None, "{code}");
        }
        // a call's arguments stay, even when they are data
        let text = format!("f({})\n", &list[1..list.len() - 1]);
        assert_eq!(elide(&text, false), None);
        // a piece's own brackets are not a span, the spans inside it are
        let nested = format!("[{list}, 1]");
        assert_eq!(elide(&nested, true).unwrap().1[0].open, 1);
        assert_eq!(elide(&list, true), None);
        // the lexer's doubts leave the text alone
        let text = format!("X = {list}\ns = 'unterminated\n");
        assert_eq!(elide(&text, false), None);
    }

    #[test]
    fn strings_and_comments_as_python_lexes_them() {
        let list = big_list(20_000);
        // a bracket in a string, an escaped quote, a raw string, a comment ended by \r,
        // an f-string reusing its quote (PEP 701) outside the span
        let text = format!("s = ']' + \"\\\"[\" + r'\\'' # ]\rt = f\"{{\"[\"}}\"\nX = {list}\n");
        let (_, spans) = elide(&text, false).unwrap();
        assert_eq!(spans.len(), 1);
        assert_eq!(&text[spans[0].open..spans[0].open + 2], "[\"");
        // triple-quoted strings and f-strings: a lone quote or two inside do not end them
        let text =
            format!("d = \"\"\"a \" ] \"\" [\"\"\"\ne = f'''x ' ] {{y}} '' ['''\nX = {list}\n");
        let (_, spans) = elide(&text, false).unwrap();
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].open, text.find("X = [").unwrap() + 4);
    }
}
