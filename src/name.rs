//! Package names: [`PackageName`] holds a PEP 503 normalised name (lower case, every run of
//! `-`, `_` and `.` one `-`), and can hold nothing else, so that `Foo.Bar_baz`, `foo-bar-baz`
//! and `FOO__bar.baz` are the same package wherever names are compared. The name as written
//! stays a plain string beside it (`Dependency::raw_name`), for messages and fixes.

use std::fmt;

/// A PEP 503 normalised project name: built only by [`normalize`] (or [`PackageName::new`]),
/// read as a `&str`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
#[serde(transparent)]
pub struct PackageName(String);

impl PackageName {
    /// The normalised form of `name`.
    pub fn new(name: &str) -> PackageName {
        normalize(name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for PackageName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for PackageName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for PackageName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PackageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl PartialEq<str> for PackageName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for PackageName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl From<PackageName> for String {
    fn from(n: PackageName) -> String {
        n.0
    }
}

/// Normalises a project name as PEP 503 says. Idempotent.
pub fn normalize(name: &str) -> PackageName {
    PackageName(normalized(name).into_owned())
}

/// [`normalize`], borrowing `name` (trimmed) when it is normalised already, as a registry
/// listing's names are: `audit` reads a million of them.
pub fn normalized(name: &str) -> std::borrow::Cow<'_, str> {
    let name = name.trim();
    let b = name.as_bytes();
    // fast path: already normalised (lower-case ASCII, single `-` between parts), in one pass:
    // a `-` is taken only after a letter or digit, and the name may not end with one
    let mut after_dash = true;
    if !b.is_empty()
        && b.iter().all(|&c| {
            let dash = c == b'-';
            let taken = c.is_ascii_lowercase() || c.is_ascii_digit() || dash && !after_dash;
            after_dash = dash;
            taken
        })
        && !after_dash
    {
        return std::borrow::Cow::Borrowed(name);
    }
    std::borrow::Cow::Owned(normalize_slow(name))
}

fn normalize_slow(name: &str) -> String {
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
        assert_eq!(PackageName::new("Foo_Bar").to_string(), "foo-bar");
    }

    #[test]
    fn the_fast_path_normalises_as_the_slow_one() {
        // every string of up to five of these characters
        let alphabet = ['a', 'Z', '0', '-', '_', '.', ' ', 'é'];
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = texts
                .iter()
                .filter(|t| t.chars().count() == texts.last().unwrap().chars().count())
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(longer);
        }
        assert!(texts.len() > 30_000);
        for text in &texts {
            assert_eq!(normalized(text), normalize_slow(text), "{text:?}");
        }
    }

    #[test]
    fn validity() {
        assert!(is_valid("foo.bar-2"));
        assert!(!is_valid("-foo"));
        assert!(!is_valid("foo bar"));
        assert!(!is_valid(""));
    }
}
