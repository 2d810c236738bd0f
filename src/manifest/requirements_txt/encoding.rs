//! How pip decodes a requirements file: `auto_decode` (`pip/_internal/utils/encoding.py`).
//!
//! Grammar, and the reader it must agree with (pip; `tests/pip_differential.rs` compares):
//! byte order marks first (UTF-8, then UTF-16 in native order, UTF-16 BE and LE, UTF-32 ...);
//! else a PEP 263 cookie by pip's own regular expression, `coding[:=]\s*([-\w.]+)` (a bytes
//! pattern: `\s` and `\w` of ASCII, so `\s` takes line breaks too) found anywhere in a line that
//! starts with `#`, on either of the first two lines split at `\n` only; else the locale's
//! encoding (UTF-8 here). The name is looked up as `bytes.decode` does,
//! [`crate::python_text::lookup_codec`], with no `get_normal_name` step as in CPython's tokenizer
//! (so `utf-8-sig` is a codec of its own). The shared part of the cookie grammar is
//! [`crate::python_text::coding_spec`]; what is pip's own stays here.

use crate::python_text::{coding_spec, lookup_codec, Codec};

/// A PEP 263 coding cookie as pip's `auto_decode` finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cookie {
    /// The encoding name as written.
    pub(crate) name: String,
    /// Byte offset of the name in the data.
    pub(crate) at: usize,
}

/// pip's cookie look-up (`auto_decode`, after the byte order marks): in each of the first two
/// lines split at `\n` only, a line starting with `#` in which `coding[:=]\s*([-\w.]+)` is
/// found anywhere (`\s` and `\w` of a bytes pattern: ASCII).
pub(crate) fn pip_coding_cookie(data: &[u8]) -> Option<Cookie> {
    let mut start = 0;
    for line in data.split(|&b| b == b'\n').take(2) {
        if line.first() == Some(&b'#') {
            let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c');
            if let Some((i, name)) = coding_spec(line, space) {
                return Some(Cookie {
                    name: String::from_utf8_lossy(name).into_owned(),
                    at: start + i,
                });
            }
        }
        start += line.len() + 1;
    }
    None
}

/// Why bytes were not decoded as pip would decode them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Undecodable {
    /// Byte offset in the data the reason is about.
    pub(crate) at: usize,
    pub(crate) reason: String,
}

/// Why squatguard does not read a file whose cookie ([`pip_coding_cookie`]) names `cookie`, whose
/// text is `ascii` or not: pip would decode it with another codec than UTF-8 or ASCII (no honest
/// manifest needs one: in UTF-7, `+AAo-` is a line break), or the cookie says ASCII and a
/// character is not. `None` when it reads the same as UTF-8.
pub(crate) fn cookie_refusal(cookie: &str, ascii: bool) -> Option<String> {
    match lookup_codec(cookie) {
        Codec::Utf8 => None,
        Codec::Ascii if ascii => None,
        Codec::Ascii => Some(format!(
            "it declares `coding: {cookie}` but holds a character that is not ASCII (pip would fail to read it)"
        )),
        Codec::Latin1 | Codec::Other => Some(format!(
            "it declares `coding: {cookie}`, which pip honours: read in that encoding its lines may differ from what they show (in UTF-7, `+AAo-` is a line break). squatguard reads only UTF-8 and ASCII"
        )),
    }
}

/// pip's `auto_decode` for a file squatguard reads: a UTF-8 byte order mark is dropped; a
/// UTF-16 or UTF-32 one, or a PEP 263 cookie ([`pip_coding_cookie`]) naming anything but
/// UTF-8 or ASCII, is refused (pip would decode with that codec, and no honest manifest needs
/// it: in UTF-7, `+AAo-` is a line break); without either, UTF-8, as pip decodes with a UTF-8
/// locale. Bytes the codec rejects are refused, as Python raises `UnicodeDecodeError`.
pub(crate) fn decode_pip(data: Vec<u8>) -> Result<String, Undecodable> {
    const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";
    // pip's order: UTF-8, then UTF-16 (native order, so `\xff\xfe` before UTF-32's
    // `\xff\xfe\0\0`), UTF-16 BE, UTF-16 LE, UTF-32 ...
    if data.starts_with(UTF8_BOM) {
        let text = utf8(data[UTF8_BOM.len()..].to_vec(), UTF8_BOM.len())?;
        return Ok(text);
    }
    for bom in [
        &b"\xff\xfe"[..],
        b"\xfe\xff",
        b"\x00\x00\xfe\xff",
        b"\xfe\xff\x00\x00",
    ] {
        if data.starts_with(bom) {
            return Err(Undecodable {
                at: 0,
                reason: "it starts with a UTF-16 or UTF-32 byte order mark; squatguard reads requirements files in UTF-8 only".into(),
            });
        }
    }
    if let Some(cookie) = pip_coding_cookie(&data) {
        let non_ascii = data.iter().position(|b| !b.is_ascii());
        if let Some(reason) = cookie_refusal(&cookie.name, non_ascii.is_none()) {
            // an ASCII cookie is refused at the first byte that is not ASCII
            let at = match lookup_codec(&cookie.name) {
                Codec::Ascii => non_ascii.unwrap_or(cookie.at),
                _ => cookie.at,
            };
            return Err(Undecodable { at, reason });
        }
    }
    utf8(data, 0)
}

fn utf8(data: Vec<u8>, base: usize) -> Result<String, Undecodable> {
    String::from_utf8(data).map_err(|e| Undecodable {
        at: base + e.utf8_error().valid_up_to(),
        reason: format!(
            "it is not valid UTF-8 (invalid byte at offset {})",
            base + e.utf8_error().valid_up_to()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_as_pip_finds_them() {
        let c = |t: &str| pip_coding_cookie(t.as_bytes()).map(|c| c.name);
        assert_eq!(c("# -*- coding: utf-7 -*-\nx"), Some("utf-7".into()));
        assert_eq!(c("x\n#vim:fileencoding=latin-1\n"), Some("latin-1".into()));
        assert_eq!(c("x\ny\n# coding: utf-7\n"), None);
        assert_eq!(c(" # coding: utf-7\n"), None);
        assert_eq!(c("#coding:\t  utf-7"), Some("utf-7".into()));
        assert_eq!(c("#coding:\x0b\x0cutf-7"), Some("utf-7".into()));
        assert_eq!(c("#coding utf-7 coding=ascii"), Some("ascii".into()));
        assert_eq!(c("#coding: \n"), None);
        // a lone \r does not end a line here
        assert_eq!(c("x\ry\n# coding: utf-7"), Some("utf-7".into()));
        // code on the first line does not stop the look-up (unlike the tokenizer's)
        assert_eq!(c("x = 1\n# coding: utf-7"), Some("utf-7".into()));
    }

    #[test]
    fn refusals() {
        assert_eq!(cookie_refusal("UTF8", false), None);
        assert_eq!(cookie_refusal("us-ascii", true), None);
        assert!(cookie_refusal("us-ascii", false).is_some());
        assert!(cookie_refusal("latin-1", true).is_some());
        assert!(cookie_refusal("utf-8-sig", true).is_some());
        assert!(cookie_refusal("utf-7", true).is_some());
    }

    #[test]
    fn decodes_or_refuses() {
        assert_eq!(decode_pip(b"\xef\xbb\xbfa\n".to_vec()).unwrap(), "a\n");
        assert!(decode_pip(b"\xff\xfea\0".to_vec()).is_err());
        let utf7 = decode_pip(b"# -*- coding: utf-7 -*-\nx".to_vec()).unwrap_err();
        assert_eq!(utf7.at, 14);
        assert!(decode_pip(b"# coding: ascii\n\xc3\xa9".to_vec()).is_err());
        assert_eq!(
            decode_pip("# coding: utf-8\né".as_bytes().to_vec()).unwrap(),
            "# coding: utf-8\né"
        );
        assert!(decode_pip(b"a\xff".to_vec()).is_err());
    }
}
