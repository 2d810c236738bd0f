//! `squatguard audit`: screen a list of package names (one per line, optionally `name==version`),
//! as a registry or mirror screens new names and a security team screens an inventory.

use crate::data::Data;
use crate::finding::{Rule, Severity};
use crate::name::normalize;
use crate::name_risk::{self, Verdict};
use crate::rules::{import_name, typosquat};
use crate::store::{NameBatch, StoreError};
use pep440_rs::Version;
use serde::Serialize;
use std::str::FromStr;

/// One flagged name.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub package: String,
    pub rule: Rule,
    pub severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similar_to: Option<String>,
    pub message: String,
}

/// Which rules an audit runs.
#[derive(Debug, Clone)]
pub struct AuditRules {
    pub typosquat: bool,
    pub known_malicious: bool,
    pub not_on_pypi: bool,
    pub import_name: bool,
}

impl AuditRules {
    pub fn from_select(select: &[Rule]) -> AuditRules {
        let on = |r| select.is_empty() || select.contains(&r);
        AuditRules {
            typosquat: on(Rule::Typosquat),
            known_malicious: on(Rule::KnownMalicious),
            not_on_pypi: on(Rule::NotOnPypi),
            import_name: on(Rule::ImportName),
        }
    }
}

/// One input line: the name as written, normalised, and the version if pinned.
struct Line<'a> {
    raw: &'a str,
    name: String,
    version: Option<&'a str>,
}

/// Splits a line; blank lines and `#` comments are None.
fn parse_line(line: &str) -> Option<Line<'_>> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let (raw, version) = match line.split_once("==") {
        Some((n, v)) => (n.trim(), Some(v.trim())),
        None => (line, None),
    };
    Some(Line {
        raw,
        name: normalize(raw),
        version,
    })
}

/// What is already known about a name, from lookups done for a whole batch.
#[derive(Clone, Copy)]
struct Known {
    on_pypi: Option<bool>,
    in_feed: Option<bool>,
}

/// Judges a parsed line.
fn judge(
    line: &Line<'_>,
    known: Known,
    data: &Data,
    rules: &AuditRules,
) -> Result<Vec<Hit>, StoreError> {
    let (raw, name) = (line.raw, &line.name);
    let version = line.version.and_then(|v| Version::from_str(v).ok());
    let mut hits = Vec::new();
    if !crate::name::is_valid(raw) {
        hits.push(Hit {
            package: name.clone(),
            rule: Rule::InvalidRequirement,
            severity: Severity::Error,
            similar_to: None,
            message: format!("`{raw}` is not a valid package name"),
        });
        return Ok(hits);
    }
    // the name set is consulted only when a rule needs it: it is the costliest lookup here
    let on_pypi = std::cell::OnceCell::new();
    let on_pypi =
        || *on_pypi.get_or_init(|| known.on_pypi.unwrap_or_else(|| data.names.contains(name)));
    let mut proven_bad = false;
    if rules.known_malicious {
        for adv in data.advisories_with(name, known.in_feed)? {
            // a project PyPI still has, reported for some releases only, is bad only at those
            let every_release =
                matches!(adv.affected, crate::advisory::Affected::All) || !on_pypi();
            let bad = every_release || version.as_ref().is_some_and(|v| adv.affected.contains(v));
            if bad {
                proven_bad = true;
                let id = adv
                    .id
                    .as_deref()
                    .map(|i| format!(" ({i})"))
                    .unwrap_or_default();
                let shown = match &version {
                    Some(v) => format!("{raw}=={v}"),
                    None => raw.to_owned(),
                };
                hits.push(Hit {
                    package: name.clone(),
                    rule: Rule::KnownMalicious,
                    severity: Severity::Error,
                    similar_to: None,
                    message: format!("`{shown}` is reported as malicious{id}: {}", adv.summary),
                });
            }
        }
    }
    if proven_bad {
        return Ok(hits);
    }
    // not-on-pypi needs the verdict only to grade a missing name
    let verdict = if rules.typosquat || (rules.not_on_pypi && !on_pypi()) {
        name_risk::assess(name)
    } else {
        Verdict::Clear
    };
    let target = match &verdict {
        Verdict::Squat(a) => Some(a.target),
        _ => None,
    };
    if let (true, Verdict::Squat(a)) = (rules.typosquat, &verdict) {
        hits.push(Hit {
            package: name.clone(),
            rule: Rule::Typosquat,
            severity: a.severity,
            similar_to: Some(a.target.to_owned()),
            message: typosquat::message(raw, a),
        });
    }
    if rules.not_on_pypi && !on_pypi() {
        hits.push(Hit {
            package: name.clone(),
            rule: Rule::NotOnPypi,
            severity: if target.is_some() {
                Severity::Error
            } else {
                Severity::Warning
            },
            similar_to: target.map(str::to_owned),
            message: format!(
                "`{raw}` is not on PyPI (name snapshot of {})",
                data.names_date()
            ),
        });
    }
    if let Some((module, provider)) = rules
        .import_name
        .then(|| import_name::lookup(name))
        .flatten()
    {
        hits.push(Hit {
            package: name.clone(),
            rule: Rule::ImportName,
            severity: Severity::Warning,
            similar_to: Some(provider.to_owned()),
            message: import_name::message(raw, module, provider, on_pypi()),
        });
    }
    Ok(hits)
}

/// Audits every line, on all cores, keeping the input order.
pub fn audit(text: &str, data: &Data, rules: &AuditRules) -> Result<Vec<Hit>, StoreError> {
    // chunks big enough for batched lookups, several per core so that no core idles at the end
    const CHUNK: usize = 65_536;
    let lines: Vec<&str> = text.lines().collect();
    let chunks: Vec<&[&str]> = lines.chunks(CHUNK).collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8)
        .min(chunks.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, Result<Vec<Hit>, StoreError>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(part) = chunks.get(i) else {
                            return done;
                        };
                        done.push((i, audit_chunk(part, data, rules)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("audit worker does not panic"))
            .collect()
    });
    results.sort_unstable_by_key(|(i, _)| *i);
    let mut all = Vec::new();
    for (_, r) in results {
        all.extend(r?);
    }
    Ok(all)
}

fn audit_chunk(part: &[&str], data: &Data, rules: &AuditRules) -> Result<Vec<Hit>, StoreError> {
    let lines: Vec<Line<'_>> = part.iter().filter_map(|l| parse_line(l)).collect();
    // not-on-pypi and known-malicious ask about every name: ask each store once for all
    let names: Vec<&str> = lines.iter().map(|l| l.name.as_str()).collect();
    let batch = NameBatch::new(&names);
    let on_pypi = rules.not_on_pypi.then(|| data.names.contains_all(&batch));
    let in_feed = rules
        .known_malicious
        .then(|| data.feed_has_all(&batch))
        .flatten();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let known = Known {
            on_pypi: on_pypi.as_ref().map(|m| m[i]),
            in_feed: in_feed.as_ref().map(|m| m[i]),
        };
        out.extend(judge(line, known, data, rules)?);
    }
    Ok(out)
}
