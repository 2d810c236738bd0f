//! `squatguard audit`: screen a list of package names (one per line, optionally `name==version`),
//! as a registry or mirror screens new names and a security team screens an inventory.
//!
//! Each line is a registry dependency judged by the same rules as `check` ([`Engine`]), so the
//! findings and their messages are the same; what is particular to a list of a million names is
//! only how the lookups are batched. The name set and the feed are asked about a whole chunk of
//! names at once ([`NameBatch`]), and a [`Dependency`] is built only for a name that some judged
//! rule could flag ([`Engine::may_flag`]), which is a few thousand in the whole registry.
//!
//! Input grammar: `line = ws* (name (ws* '==' ws* version)?)? ws*`, blank lines and lines whose
//! first non-blank character is `#` are skipped; a name that is not a valid project name is an
//! `invalid-requirement` error.

use crate::finding::{Finding, Rule};
use crate::finish::{finish, Policy};
use crate::manifest::Dependency;
use crate::name::normalize;
use crate::rules::Engine;
use crate::store::StoreError;
use std::sync::Arc;

/// The rules `audit` judges: those that need only a name (and a version).
pub const RULES: &[Rule] = &[
    Rule::KnownMalicious,
    Rule::Typosquat,
    Rule::NotOnPypi,
    Rule::ImportName,
    Rule::InvalidRequirement,
];

/// One input line: the name as written, where it starts, normalised, and the version if pinned.
struct Line<'a> {
    /// 1-based line number.
    number: u32,
    /// The whole line, for the finding's snippet.
    text: &'a str,
    raw: &'a str,
    /// Byte offset of `raw` in `text`.
    at: usize,
    name: crate::name::PackageName,
    version: Option<&'a str>,
}

/// Splits a line; blank lines and `#` comments are None.
fn parse_line(number: u32, text: &str) -> Option<Line<'_>> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return None;
    }
    let at = text.len() - text.trim_start().len();
    let (raw, version) = match trimmed.split_once("==") {
        Some((n, v)) => (n.trim(), Some(v.trim())),
        None => (trimmed, None),
    };
    Some(Line {
        number,
        text,
        raw,
        at,
        name: normalize(raw),
        version,
    })
}

impl Line<'_> {
    /// The line as a registry dependency of the file `file`.
    fn dependency(&self, file: &Arc<str>) -> Dependency {
        let column = self.text[..self.at].chars().count() as u32 + 1;
        Dependency {
            name: self.name.clone(),
            raw_name: self.raw.to_owned(),
            specifiers: self
                .version
                .and_then(|v| crate::manifest::parse_specifiers(&format!("=={v}")).ok())
                .flatten(),
            source: crate::manifest::DependencySource::Registry,
            section: "names".to_owned(),
            file: Arc::clone(file),
            line: self.number,
            column,
            name_span: self.at..self.at + self.raw.len(),
            snippet: self.text.to_owned(),
            snippet_skip: 0,
            private_index: false,
            locked: false,
            listed: true,
        }
    }
}

/// Audits every line of `text`, read from `file`, with the rules `engine` judges, on all cores
/// (no line index is built: a registry listing is a million lines), and finishes the
/// findings with `select` as the rule choice. Findings come in input order.
pub fn audit(
    file: &str,
    text: &str,
    engine: &Engine,
    select: &[Rule],
) -> Result<Vec<Finding>, StoreError> {
    use rayon::prelude::*;
    // chunks big enough for batched lookups, several per core so that no core idles at the end
    const CHUNK: usize = 65_536;
    let file: Arc<str> = Arc::from(file);
    let lines: Vec<(u32, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (u32::try_from(i + 1).unwrap_or(u32::MAX), l))
        .collect();
    let parts: Vec<Result<Vec<Finding>, StoreError>> = lines
        .par_chunks(CHUNK)
        .map(|part| audit_chunk(part, &file, engine))
        .collect();
    let mut all = Vec::new();
    for part in parts {
        all.extend(part?);
    }
    // a list being screened is not the user's own file: a `squatguard: ignore` in it hides
    // nothing
    let policy = Policy {
        select: select.to_vec(),
        origin: crate::config::Origin::Untrusted,
        ..Policy::default()
    };
    Ok(finish(all, &policy).findings)
}

fn audit_chunk(
    part: &[(u32, &str)],
    file: &Arc<str>,
    engine: &Engine,
) -> Result<Vec<Finding>, StoreError> {
    let lines: Vec<Line<'_>> = part.iter().filter_map(|(n, l)| parse_line(*n, l)).collect();
    let names: Vec<&str> = lines.iter().map(|l| l.name.as_str()).collect();
    let mut out = Vec::new();
    for (line, mut known) in lines.iter().zip(engine.known_all(&names)) {
        if !crate::name::is_valid(line.raw) {
            let dep = line.dependency(file);
            out.push(crate::rules::at_dependency(
                &dep,
                Rule::InvalidRequirement,
                format!("`{}` is not a valid package name", line.raw),
            ));
            continue;
        }
        if engine.may_flag(&line.name, &mut known)? {
            out.extend(engine.judge(&line.dependency(file), known)?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_their_place() {
        let l = parse_line(3, "  Reqeusts == 2.31.0 ").unwrap();
        assert_eq!((l.number, l.raw, l.at), (3, "Reqeusts", 2));
        assert_eq!((l.name.as_str(), l.version), ("reqeusts", Some("2.31.0")));
        let dep = l.dependency(&Arc::from("names.txt"));
        assert_eq!((dep.line, dep.column), (3, 3));
        assert_eq!(dep.pinned_version().unwrap().to_string(), "2.31.0");
        assert!(parse_line(1, "   ").is_none());
        assert!(parse_line(1, " # comment").is_none());
    }
}
