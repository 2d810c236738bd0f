//! SARIF 2.1.0 for GitHub code scanning and other SARIF consumers: one `reportingDescriptor` per
//! rule (with its help text), one result per finding with a `physicalLocation` (artifact URI
//! relative to the repository root, 1-based line and column counted in Unicode code points) and
//! `partialFingerprints` that survive unrelated edits (rule, file, package, line text).

use crate::check::CheckReport;
use crate::finding::{Finding, Rule, Severity};
use serde_json::{json, Value};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The SARIF 2.1.0 schema URI, as consumers expect it in `$schema`.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// The repository root above `start` (the nearest directory holding `.git`), if any.
fn repo_root(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    start
        .ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// The artifact URI of a finding's file: relative to the repository root, `/`-separated. A
/// `\\` is a separator on Windows only; elsewhere it is part of a file name and is written
/// `%5C`, so that a file named `..\\..\\x` is not shown as `../../x`.
fn artifact_uri(file: &str, root: Option<&Path>) -> String {
    let slashes = |p: &str| {
        if cfg!(windows) {
            p.replace('\\', "/")
        } else {
            p.replace('%', "%25").replace('\\', "%5C")
        }
    };
    let rel = root.and_then(|root| {
        let abs = std::fs::canonicalize(file).ok()?;
        abs.strip_prefix(root)
            .ok()
            .map(|p| slashes(&p.to_string_lossy()))
    });
    rel.unwrap_or_else(|| slashes(file.trim_start_matches("./")))
}

/// FNV-1a ([`crate::hash`]) over the parts, each followed by a NUL byte, as 16 hex digits:
/// stable across runs and platforms.
fn fingerprint(parts: &[&str]) -> String {
    parts
        .iter()
        .fold(crate::hash::Fnv1a::new(), |h, p| {
            h.write(p.as_bytes()).write(&[0])
        })
        .hex()
}

fn result(f: &Finding, root: Option<&Path>) -> Value {
    let uri = artifact_uri(&f.file, root);
    let line_text = f.snippet.as_deref().unwrap_or("").trim();
    let mut message = f.display_message().into_owned();
    if let Some(help) = &f.help {
        message.push_str(&format!(" ({help})"));
    }
    let mut region = json!({ "startLine": f.line, "startColumn": f.column });
    if f.span_len > 1 {
        region["endColumn"] = json!(f.column + f.span_len);
    }
    let mut r = json!({
        "ruleId": f.rule.code(),
        "ruleIndex": Rule::ALL.iter().position(|r| *r == f.rule).unwrap_or(0),
        "level": level(f.severity),
        "message": { "text": message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": uri, "uriBaseId": "%SRCROOT%" },
                "region": region,
            }
        }],
        "partialFingerprints": {
            "squatguard/v1": fingerprint(&[f.rule.code(), &uri, f.package.as_deref().unwrap_or(""), line_text]),
        },
    });
    let mut props = serde_json::Map::new();
    for (k, v) in [
        ("package", f.package.as_deref()),
        ("similarTo", f.similar_to.as_deref()),
        ("advisory", f.advisory.as_deref()),
        ("source", f.source.as_deref()),
    ] {
        if let Some(v) = v {
            props.insert(k.into(), json!(v));
        }
    }
    if !props.is_empty() {
        r["properties"] = Value::Object(props);
    }
    r
}

/// The SARIF log for `report`, with URIs relative to the repository around `cwd`.
pub fn to_value(report: &CheckReport, cwd: &Path) -> Value {
    let root = repo_root(cwd);
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.code(),
                "name": r.name(),
                "shortDescription": { "text": r.name() },
                "fullDescription": { "text": r.description() },
                "help": { "text": r.description() },
                "defaultConfiguration": { "level": level(r.default_severity()) },
            })
        })
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "squatguard",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/squatguard/squatguard",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": report.findings.iter().map(|f| result(f, root.as_deref())).collect::<Vec<_>>(),
        }],
    })
}

pub fn write(report: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    serde_json::to_writer_pretty(&mut *out, &to_value(report, &cwd))?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    /// Fingerprints are how code scanning matches a result across runs: they must not change.
    #[test]
    fn fingerprints_are_pinned() {
        let parts = ["SG101", "requirements.txt", "reqeusts", "reqeusts==2.0"];
        assert_eq!(super::fingerprint(&parts), "7864aec9bc2b9f43");
        assert_eq!(super::fingerprint(&[]), "cbf29ce484222325");
    }
}
