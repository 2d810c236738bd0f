//! PEP 503 name normalisation: lower case, every run of `-`, `_` and `.` becomes one `-`.
//!
//! Every comparison of package names in squatguard goes through [`normalize`], so that
//! `Foo.Bar_baz`, `foo-bar-baz` and `FOO__bar.baz` are the same package.

/// Normalises a project name as PEP 503 says. Idempotent.
pub fn normalize(name: &str) -> String {
    let name = name.trim();
    let b = name.as_bytes();
    // fast path: already normalised (lower-case ASCII, single `-` between parts)
    if !b.is_empty()
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && !name.contains("--")
    {
        return name.to_owned();
    }
    let mut out = String::with_capacity(name.len());
    let mut pending_sep = false;
    for ch in name.trim().chars() {
        if matches!(ch, '-' | '_' | '.') {
            pending_sep = true;
            continue;
        }
        if pending_sep && !out.is_empty() {
            out.push('-');
        }
        pending_sep = false;
        out.extend(ch.to_lowercase());
    }
    out
}

/// True when `name` is a syntactically valid project name (PEP 508 `identifier`):
/// ASCII letters and digits, with `-`, `_`, `.` only between them.
pub fn is_valid(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_as_pep_503() {
        assert_eq!(normalize("Foo.Bar_baz"), "foo-bar-baz");
        assert_eq!(normalize("FOO__bar..baz"), "foo-bar-baz");
        assert_eq!(normalize("requests"), "requests");
        assert_eq!(normalize("Request_Plus"), "request-plus");
        assert_eq!(normalize(normalize("A._-B").as_str()), "a-b");
    }

    #[test]
    fn validity() {
        assert!(is_valid("foo.bar-2"));
        assert!(!is_valid("-foo"));
        assert!(!is_valid("foo bar"));
        assert!(!is_valid(""));
    }
}
