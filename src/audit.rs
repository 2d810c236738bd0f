//! `squatguard audit`: screen a list of package names (one per line, optionally `name==version`),
//! as a registry or mirror screens new names and a security team screens an inventory.
//!
//! Each line is a registry dependency judged by the same rules as `check` ([`Engine`]), so the
//! findings and their messages are the same; what is particular to a list of a million names is
//! only how the lookups are batched. The name set and the feed are asked about a whole chunk of
//! names at once ([`crate::store::NameBatch`]), and a [`Dependency`] is built only for a name that some judged
//! rule could flag ([`Engine::may_flag`]), which is a few thousand in the whole registry.
//!
//! Input grammar: `line = ws* (name (ws* '==' ws* version)?)? ws*`, or, for a line with a tab,
//! `line = name TAB version (TAB when)?` (a registry's new uploads with their age facts:
//! `version` as the project wrote it, may be empty; `when` the month of the latest release
//! `YYYY-MM` or the day of the first upload `YYYY-MM-DD`, RFC 3339 times cut to the day, may be
//! empty or absent; read by [`NameAge::parse`], the reader of `db update --pypi-names` TSVs; a
//! first line `name<TAB>...version...` is a header). Blank lines and lines whose first non-blank character is `#` are skipped; a name that is not a valid
//! project name is an `invalid-requirement` error; age facts that do not read are an
//! [`AuditError::Input`] naming the file and line, and nothing is screened. A TSV line's version
//! is the line's version, as `name==version` is. The facts are carried to the findings on their
//! line ([`Audited::ages`]); no rule uses them yet.

use crate::finding::{Finding, Rule};
use crate::finish::{finish, Policy};
use crate::manifest::Dependency;
use crate::name::normalized;
use crate::rules::{Engine, KnownAge};
use crate::store::{NameAge, StoreError};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Why an audit could not run.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A line whose age facts do not read.
    #[error("{file}:{line}: {message}")]
    Input {
        file: String,
        line: u32,
        message: String,
    },
}

/// An audit's findings, in input order, and the age facts given on the lines they are about.
#[derive(Debug, Default)]
pub struct Audited {
    pub findings: Vec<Finding>,
    /// By input line number: the facts of a TSV line (only lines with findings).
    pub ages: BTreeMap<u32, NameAge>,
}

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
    name: std::borrow::Cow<'a, str>,
    version: Option<&'a str>,
    /// The age facts of a TSV line.
    age: Option<NameAge>,
}

/// Splits a line; blank lines and `#` comments are None; age facts that do not read are an
/// error message.
fn parse_line(number: u32, text: &str) -> Option<Result<Line<'_>, String>> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return None;
    }
    let at = text.len() - text.trim_start().len();
    if let Some((name, rest)) = trimmed.split_once('\t') {
        let (version, when) = rest.split_once('\t').unwrap_or((rest, ""));
        if number == 1 && NameAge::is_header(name, version) {
            return None;
        }
        if when.contains('\t') {
            return Some(Err("more than three tab-separated fields".into()));
        }
        let age = match NameAge::parse(version, when) {
            Ok(age) => age,
            Err(e) => return Some(Err(e)),
        };
        let raw = name.trim();
        return Some(Ok(Line {
            number,
            text,
            raw,
            at,
            name: normalized(raw),
            version: age.latest_version.as_deref().map(|_| version.trim()),
            age: Some(age),
        }));
    }
    let (raw, version) = match trimmed.split_once("==") {
        Some((n, v)) => (n.trim(), Some(v.trim())),
        None => (trimmed, None),
    };
    Some(Ok(Line {
        number,
        text,
        raw,
        at,
        name: normalized(raw),
        version,
        age: None,
    }))
}

impl Line<'_> {
    /// The line as a registry dependency of the file `file`.
    fn dependency(&self, file: &Arc<str>) -> Dependency {
        let column = self.text[..self.at].chars().count() as u32 + 1;
        Dependency {
            name: crate::name::PackageName::new(&self.name),
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
            line_identity: crate::source::line_identity(self.text),
            inline_ignore: crate::inline_ignore::InlineIgnore::in_line(
                crate::inline_ignore::Comments::Pip,
                self.text,
            ),
            private_index: false,
            locked: false,
            listed: true,
            named_by_metadata: false,
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
) -> Result<Audited, AuditError> {
    use rayon::prelude::*;
    // chunks big enough for batched lookups, several per core so that no core idles at the end
    const CHUNK: usize = 65_536;
    let file: Arc<str> = Arc::from(file);
    let lines: Vec<(u32, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (u32::try_from(i + 1).unwrap_or(u32::MAX), l))
        .collect();
    let parts: Vec<Result<Audited, AuditError>> = lines
        .par_chunks(CHUNK)
        .map(|part| audit_chunk(part, &file, engine))
        .collect();
    let mut all = Audited::default();
    for part in parts {
        let part = part?;
        all.findings.extend(part.findings);
        all.ages.extend(part.ages);
    }
    // a list being screened is not the user's own file: a `squatguard: ignore` in it hides
    // nothing
    let policy = Policy {
        select: select.to_vec(),
        origin: crate::config::Origin::Untrusted,
        ..Policy::default()
    };
    all.findings = finish(all.findings, &policy).findings;
    let lines_found: std::collections::HashSet<u32> = all.findings.iter().map(|f| f.line).collect();
    all.ages.retain(|line, _| lines_found.contains(line));
    Ok(all)
}

fn audit_chunk(
    part: &[(u32, &str)],
    file: &Arc<str>,
    engine: &Engine,
) -> Result<Audited, AuditError> {
    let mut lines: Vec<Line<'_>> = Vec::with_capacity(part.len());
    for &(n, l) in part {
        match parse_line(n, l) {
            None => {}
            Some(Ok(line)) => lines.push(line),
            Some(Err(message)) => {
                return Err(AuditError::Input {
                    file: file.to_string(),
                    line: n,
                    message,
                })
            }
        }
    }
    let names: Vec<&str> = lines.iter().map(|l| l.name.as_ref()).collect();
    let mut out = Audited::default();
    for (line, mut known) in lines.iter().zip(engine.known_all(&names)) {
        let before = out.findings.len();
        // the line's facts where it gives a month or a day, else the name set's
        if let Some(age) = line
            .age
            .as_ref()
            .filter(|a| a.latest_month.is_some() || a.first_seen.is_some())
        {
            known.age = Some(KnownAge::Given(Box::new(age.clone())));
        }
        if !crate::name::is_valid(line.raw) {
            let dep = line.dependency(file);
            out.findings.push(crate::rules::at_dependency(
                &dep,
                Rule::InvalidRequirement,
                format!("`{}` is not a valid package name", line.raw),
            ));
        } else if engine.may_flag(&line.name, &mut known)? {
            out.findings
                .extend(engine.judge(&line.dependency(file), known)?);
        }
        if let Some(age) = line.age.as_ref().filter(|_| out.findings.len() > before) {
            out.ages.insert(line.number, age.clone());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_their_place() {
        let l = parse_line(3, "  Reqeusts == 2.31.0 ").unwrap().unwrap();
        assert_eq!((l.number, l.raw, l.at), (3, "Reqeusts", 2));
        assert_eq!((l.name.as_ref(), l.version), ("reqeusts", Some("2.31.0")));
        let dep = l.dependency(&Arc::from("names.txt"));
        assert_eq!((dep.line, dep.column), (3, 3));
        assert_eq!(dep.pinned_version().unwrap().to_string(), "2.31.0");
        assert!(parse_line(1, "   ").is_none());
        assert!(parse_line(1, " # comment").is_none());
    }

    #[test]
    fn tsv_lines_carry_age_facts() {
        let l = parse_line(2, "Reqeusts\t0.0.1\t2026-11").unwrap().unwrap();
        assert_eq!(
            (l.name.as_ref(), l.version, l.raw),
            ("reqeusts", Some("0.0.1"), "Reqeusts")
        );
        let age = l.age.unwrap();
        assert_eq!(age.latest_month.as_deref(), Some("2026-11"));
        let l = parse_line(2, "new-one\t1.0\t2026-11-30T08:00:00Z")
            .unwrap()
            .unwrap();
        assert_eq!(l.age.unwrap().first_seen.as_deref(), Some("2026-11-30"));
        // no version: the line is not pinned
        let l = parse_line(2, "no-version\t\t2026-01").unwrap().unwrap();
        assert_eq!(l.version, None);
        assert_eq!(l.age.unwrap().latest_month.as_deref(), Some("2026-01"));
        // empty facts at the end of a line are blanks, as for any line
        let l = parse_line(2, "bare\t\t").unwrap().unwrap();
        assert_eq!((l.raw, l.version, l.age), ("bare", None, None));
        let l = parse_line(2, "two-fields\t2.0").unwrap().unwrap();
        assert_eq!(l.version, Some("2.0"));
        for bad in ["x\t1.0\tJune", "x\t1 0\t2026-01", "x\t1.0\t2026-01\textra"] {
            assert!(parse_line(1, bad).unwrap().is_err(), "{bad}");
        }
    }

    /// The input's order changes nothing: the same findings, in input order, whatever order the
    /// names come in; of several bad lines, the first is named.
    #[test]
    fn any_order_gives_the_same_findings_in_input_order() {
        let data = crate::data::Data::load(None, u64::MAX);
        let engine = Engine::new(&data, 15_000);
        let mut names: Vec<String> = Vec::new();
        for (_, n) in crate::popular::Popular::embedded().top(300) {
            names.push(n.to_owned());
            names.push(format!("{n}s"));
            names.push(format!("{}{}", &n[..1], &n[2..]));
        }
        names.extend(["reqeusts==2.0", "Not A Name", "zzqq-surely-missing", ""].map(String::from));
        let run = |names: &[String]| {
            let text = names.join("\n");
            audit("names.txt", &text, &engine, &[]).unwrap().findings
        };
        let sorted: Vec<String> = {
            let mut s = names.clone();
            s.sort();
            s
        };
        let shuffled: Vec<String> = {
            // a fixed permutation: every 7th, from each start
            (0..7)
                .flat_map(|k| names.iter().skip(k).step_by(7).cloned())
                .collect()
        };
        for order in [&names, &sorted, &shuffled] {
            let found = run(order);
            assert!(found.len() > 50, "{}", found.len());
            let lines: Vec<u32> = found.iter().map(|f| f.line).collect();
            assert!(lines.windows(2).all(|w| w[0] <= w[1]), "input order");
            // the same findings as the input in its own order, line for line
            let mut by_name: Vec<(String, String)> = found
                .iter()
                .map(|f| (order[f.line as usize - 1].clone(), f.message.clone()))
                .collect();
            by_name.sort();
            let mut first: Vec<(String, String)> = run(&names)
                .iter()
                .map(|f| (names[f.line as usize - 1].clone(), f.message.clone()))
                .collect();
            first.sort();
            assert_eq!(by_name, first);
        }
        let text = "zeta\tbad version\t2020-01\nalpha\t1.0\tlast week\nbeta\n";
        match audit("names.tsv", text, &engine, &[]) {
            Err(AuditError::Input { line, .. }) => assert_eq!(line, 1),
            other => panic!("{other:?}"),
        }
    }
}
