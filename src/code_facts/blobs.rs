//! Large encoded string literals: base64 and hex blobs, decoded here (never run) and classified
//! by what they hold, so a payload carried in plain sight is named for what it is.
//!
//! A blob is a literal of at least [`MIN_BLOB_LEN`] characters (line breaks ignored) drawn only
//! from the hex or base64 alphabet. What it decodes to decides how much it matters: Python
//! source or an executable header is a payload; compressed data hides one; images and other
//! data are what honest code embeds (icons, fonts, test vectors).

/// Shortest literal, in encoded characters, treated as a blob: long enough that honest
/// constants (hashes, keys, short tokens) stay below it.
pub const MIN_BLOB_LEN: usize = 256;

/// How a blob is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Base64,
    Hex,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Hex => "hex",
        }
    }
}

/// What a blob decodes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// Text that reads as Python source; holds its first line.
    Python(String),
    /// An executable or library header (PE, ELF, Mach-O) or a Python code object.
    Executable(&'static str),
    /// zlib, gzip, bzip2, lzma or zip data: something packed inside.
    Compressed(&'static str),
    /// An image or font, as honest packages embed.
    Media(&'static str),
    /// Other text.
    Text,
    /// Other bytes.
    Data,
}

impl Content {
    /// Python source, an executable or compressed data: a payload, or something packed to
    /// hide one.
    pub fn is_payload(&self) -> bool {
        matches!(
            self,
            Content::Python(_) | Content::Executable(_) | Content::Compressed(_)
        )
    }
}

/// A decoded blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    pub encoding: Encoding,
    /// Encoded characters, line breaks excluded.
    pub encoded_len: usize,
    pub content: Content,
}

/// Decodes `literal` when it is a blob.
pub fn inspect(literal: &str) -> Option<Blob> {
    if literal.len() < MIN_BLOB_LEN {
        return None;
    }
    // line continuations join a blob's lines; any other escape (`\x00`, `\u2028`) makes the
    // literal text with escapes, as pygments' Unicode tables are, not encoded data
    let joined = literal.replace("\\\r\n", "").replace("\\\n", "");
    if joined.contains('\\') {
        return None;
    }
    let compact: String = joined
        .chars()
        .filter(|c| !matches!(c, '\n' | '\r'))
        .collect();
    if compact.len() < MIN_BLOB_LEN {
        return None;
    }
    let (encoding, bytes) = if let Some(b) = decode_hex(&compact) {
        (Encoding::Hex, b)
    } else if let Some(b) = decode_base64(&compact) {
        (Encoding::Base64, b)
    } else {
        return None;
    };
    Some(Blob {
        encoding,
        encoded_len: compact.len(),
        content: classify(&bytes),
    })
}

/// Hex digits, an even number of them, at least one letter and one digit (a run of one
/// repeated digit is a separator line, not data).
pub fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let s = s.strip_prefix("0x").unwrap_or(s);
    if s.len() % 2 != 0 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    if !s.bytes().any(|b| b.is_ascii_digit()) || !s.bytes().any(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let val = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
    Some(
        s.as_bytes()
            .chunks(2)
            .map(|p| (val(p[0]) << 4) | val(p[1]))
            .collect(),
    )
}

/// Standard or URL-safe base64, padding optional. Requires both upper and lower case, as
/// encoded data has and constants, separator lines and hex do not.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let body = s.trim_end_matches('=');
    if s.len() - body.len() > 2 {
        return None;
    }
    let b = body.as_bytes();
    if !b.iter().any(u8::is_ascii_uppercase) || !b.iter().any(u8::is_ascii_lowercase) {
        return None;
    }
    let mut out = Vec::with_capacity(b.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in b {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// Names what decoded bytes are, from magic numbers and, for text, Python keywords.
pub fn classify(bytes: &[u8]) -> Content {
    const MAGIC: &[(&[u8], Content)] = &[
        (b"MZ", Content::Executable("a Windows executable (PE)")),
        (b"\x7fELF", Content::Executable("a Linux executable (ELF)")),
        (
            b"\xcf\xfa\xed\xfe",
            Content::Executable("a macOS executable (Mach-O)"),
        ),
        (
            b"\xca\xfe\xba\xbe",
            Content::Executable("a macOS executable (Mach-O)"),
        ),
        (b"\x78\x9c", Content::Compressed("zlib")),
        (b"\x78\xda", Content::Compressed("zlib")),
        (b"\x78\x01", Content::Compressed("zlib")),
        (b"\x1f\x8b", Content::Compressed("gzip")),
        (b"BZh", Content::Compressed("bzip2")),
        (b"\xfd7zXZ\x00", Content::Compressed("xz/lzma")),
        (b"PK\x03\x04", Content::Compressed("zip")),
        (b"\x89PNG", Content::Media("a PNG image")),
        (b"GIF8", Content::Media("a GIF image")),
        (b"\xff\xd8\xff", Content::Media("a JPEG image")),
        (b"wOF", Content::Media("a web font")),
        (b"\x00\x01\x00\x00", Content::Media("a font")),
        (b"OTTO", Content::Media("a font")),
        (b"RIFF", Content::Media("a RIFF image or sound")),
        (b"%PDF", Content::Media("a PDF document")),
        (b"<svg", Content::Media("an SVG image")),
    ];
    for (magic, content) in MAGIC {
        if bytes.starts_with(magic) {
            return content.clone();
        }
    }
    // marshalled code objects start with a type byte 'c' or 0xe3 (with FLAG_REF)
    if bytes.first() == Some(&0xe3) && bytes.len() > 16 && bytes[1..5].iter().all(|&b| b == 0) {
        return Content::Executable("a marshalled Python code object");
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Content::Data;
    };
    if looks_like_python(text) {
        let first = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("");
        let first: String = first.chars().take(60).collect();
        return Content::Python(first);
    }
    if text
        .chars()
        .all(|c| !c.is_control() || c.is_ascii_whitespace())
    {
        Content::Text
    } else {
        Content::Data
    }
}

/// True when text reads as Python: statements that start lines, or calls of the builtins
/// payloads use.
pub fn looks_like_python(text: &str) -> bool {
    const STARTS: &[&str] = &[
        "import ",
        "from ",
        "def ",
        "class ",
        "print(",
        "exec(",
        "eval(",
        "if ",
        "for ",
        "try:",
        "while ",
        "return ",
        "with ",
        "os.",
        "subprocess.",
        "__import__(",
    ];
    let mut hits = 0;
    for line in text.lines().take(200) {
        let line = line.trim_start();
        if STARTS.iter().any(|s| line.starts_with(s)) {
            hits += 1;
            if hits >= 2 {
                return true;
            }
        }
    }
    hits >= 1 && text.lines().count() <= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_of_python_is_named() {
        let src = "print(\"hello\")\n".repeat(30);
        let enc = encode_base64(src.as_bytes());
        let blob = inspect(&enc).unwrap();
        assert_eq!(blob.encoding, Encoding::Base64);
        assert_eq!(blob.content, Content::Python("print(\"hello\")".into()));
    }

    #[test]
    fn hex_of_python_is_named() {
        let src = "print(\"hello\")\n".repeat(12);
        let enc: String = src.bytes().map(|b| format!("{b:02x}")).collect();
        let blob = inspect(&enc).unwrap();
        assert_eq!(blob.encoding, Encoding::Hex);
        assert!(matches!(blob.content, Content::Python(_)));
    }

    #[test]
    fn prose_and_separators_are_not_blobs() {
        assert_eq!(inspect(&"-".repeat(400)), None);
        assert_eq!(inspect(&"abc ".repeat(100)), None);
        assert_eq!(inspect(&"a".repeat(400)), None);
        assert_eq!(inspect(&"0".repeat(400)), None);
    }

    #[test]
    fn escaped_text_is_not_a_blob() {
        let table = "\\x00-\\x1f\\x7f-\\x9f".repeat(30);
        assert_eq!(inspect(&table), None);
    }

    #[test]
    fn png_is_media() {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend((0..300).map(|i| (i * 7 % 251) as u8));
        let blob = inspect(&encode_base64(&png)).unwrap();
        assert_eq!(blob.content, Content::Media("a PNG image"));
    }

    fn encode_base64(bytes: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.len();
            let v = (u32::from(chunk[0]) << 16)
                | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
                | u32::from(*chunk.get(2).unwrap_or(&0));
            for i in 0..4 {
                if i <= n {
                    out.push(A[(v >> (18 - 6 * i)) as usize & 63] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}
