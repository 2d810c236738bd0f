//! SG202 `index-url`: what is risky about the package indexes a manifest names.
//!
//! Judges the [`IndexStatement`]s the manifest readers record: a host that imitates PyPI's
//! (error), plain HTTP to a host that is not loopback, TLS verification turned off, TestPyPI,
//! and what each tool does with an index that is not PyPI (dependency confusion for merged
//! and fallback indexes, a note for one that replaces or precedes PyPI), a local directory
//! of archives in pip's `--find-links` (any wheel there can stand in for a package), and
//! `--no-index` (pip) or `no-index = true` (uv), which leave only the find-links locations.
//! Host and URL questions are answered by [`crate::index_url`]; [`super::judged`] puts the
//! findings where a reader meets each statement.

use crate::finding::{Finding, Rule, Severity};
use crate::index_url::{
    is_http, is_loopback_url, is_pypi_index, is_test_pypi_index, lookalike_of_pypi, url_host,
};
use crate::manifest::{IndexRole, IndexStatement, IndexUse};

/// The findings about one index statement.
pub fn check(s: &IndexStatement) -> Vec<Finding> {
    let finding = |message: String| {
        let mut f = Finding::new(Rule::IndexUrl, &*s.file, s.line, s.column, message)
            .with_snippet(s.snippet.clone());
        f.snippet_skip = s.snippet_skip;
        f.span_len = s.span_len;
        f.inline_ignore = s.inline_ignore.clone();
        f.line_identity = Some(s.since_identity());
        f
    };
    let described = &s.written;
    let url = &s.url;
    let role = match &s.usage {
        IndexUse::Url(role) => *role,
        IndexUse::TrustedHost => {
            return vec![finding(format!(
                "`{described}` turns off TLS verification for that host: anyone on the network path can swap the packages"
            ))
            .with_help("remove `--trusted-host` and give the index a valid HTTPS certificate")];
        }
        IndexUse::VerifySslOff => {
            return vec![finding(
                "`verify_ssl = false` turns off TLS verification for this source: anyone on the network path can swap the packages".to_owned(),
            )
            .with_help("remove it and give the index a valid HTTPS certificate")];
        }
        IndexUse::PipenvSource { name, verify_ssl } => {
            return pipenv_source(url, name.as_deref(), *verify_ssl)
                .map(finding)
                .into_iter()
                .collect();
        }
        IndexUse::LocalLinks => {
            return vec![finding(format!(
                "`{described}` makes pip look for packages in a local directory, where a wheel of any name, `requests` included, can stand in for the real one"
            ))
            .with_help("install from an index; if the directory holds your own builds, check what is in it")];
        }
        IndexUse::NoIndex { tool } => {
            let (no_index, find_links) = match *tool {
                "pip" => ("--no-index", "--find-links"),
                _ => ("no-index", "find-links"),
            };
            return vec![finding(format!(
                "`{described}` makes {tool} take every package from the `{find_links}` locations only, never from PyPI"
            ))
            .with_help(format!(
                "remove `{no_index}`, or make sure the find-links locations are your own"
            ))];
        }
        IndexUse::PackageFrom { package, index } => {
            if !is_test_pypi_index(url) {
                return Vec::new();
            }
            return vec![finding(format!(
                "`{package}` is installed from TestPyPI (index `{index}`), a sandbox where \
                 anyone can publish any name, including names that belong to someone \
                 else on PyPI"
            ))
            .with_help("install it from PyPI")];
        }
    };
    let host = url_host(url);
    let shown_host = host.as_deref().unwrap_or(url);
    if let Some(real) = host.as_deref().and_then(lookalike_of_pypi) {
        return vec![finding(format!(
            "`{described}`: host `{shown_host}` imitates `{real}`; packages from it are not PyPI's"
        ))
        .with_severity(Severity::Error)
        .with_help(format!(
            "use https://{real}/ or your organisation's real index"
        ))];
    }
    let mut out = Vec::new();
    let insecure = is_http(url) && !is_loopback_url(url);
    if insecure {
        out.push(
            finding(format!(
                "`{described}` is plain HTTP: anyone on the network path can swap the packages"
            ))
            .with_help("use an HTTPS index"),
        );
    }
    if is_pypi_index(url) {
        return out;
    }
    // an explicit index serves only the packages that name it, and TestPyPI is mostly named
    // as a place to publish to (`publish-url`)
    if is_test_pypi_index(url) && role != IndexRole::Explicit {
        out.push(
            finding(format!(
                "`{described}`: TestPyPI is a sandbox where anyone can publish any name, including names that belong to someone else on PyPI"
            ))
            .with_help("install from PyPI; try TestPyPI uploads only in a throwaway virtual environment"),
        );
        return out;
    }
    let judged =
        "squatguard judges the names and known-malicious releases, not what that index serves";
    let unknown = "make sure it is your organisation's index; in a repository someone sent you, an index you do not know is a reason to stop";
    match role {
        // a warning: the host is not known as a PyPI mirror, and decides what every name
        // installs (a note beside a warning already given about it)
        IndexRole::Replaces => {
            let severity = if out.is_empty() { Severity::Warning } else { Severity::Note };
            out.push(
                finding(format!(
                    "`{described}`: every package comes from `{shown_host}`, not PyPI; {judged}"
                ))
                .with_severity(severity)
                .with_help(unknown),
            )
        }
        IndexRole::First => out.push(
            finding(format!(
                "`{described}`: a package found on `{shown_host}` is taken from it, not PyPI; {judged}"
            ))
            .with_severity(Severity::Note)
            .with_help(unknown),
        ),
        IndexRole::Merged { tool } => out.push(
            finding(format!(
                "`{described}`: {tool} takes each package from whichever index has the highest version, so a public package can replace a private one (dependency confusion)"
            ))
            .with_help(if tool == "pip" {
                "use `--index-url` for a single private index that proxies PyPI, or pin hashes with `--require-hashes`"
            } else {
                "use a single private index that proxies PyPI, or make this source explicit for the packages it serves"
            }),
        ),
        IndexRole::Fallback { tool } => out.push(
            finding(format!(
                "`{described}`: {tool} looks on PyPI first and takes from this index only what PyPI lacks, so a public package of the same name can replace a private one (dependency confusion)"
            ))
            .with_help("make the source explicit and name it for the packages it serves, or use a single private index that proxies PyPI"),
        ),
        IndexRole::Explicit | IndexRole::Links => {}
    }
    out
}

/// The message for a Pipenv `[[source]]`, which Pipenv searches beside PyPI: every reason it
/// is risky in one finding, or none.
fn pipenv_source(url: &str, name: Option<&str>, verify_ssl: bool) -> Option<String> {
    let mut reasons = Vec::new();
    if url.trim_start().to_ascii_lowercase().starts_with("http://") {
        reasons.push("non-HTTPS index: downloads can be read and replaced in transit".to_owned());
    }
    if !verify_ssl {
        reasons.push("TLS verification disabled (`verify_ssl = false`): anyone on the network path can serve packages".to_owned());
    }
    if is_test_pypi_index(url) {
        reasons.push(
            "TestPyPI is a sandbox where anyone can publish any name, including names that belong to someone else on PyPI"
                .to_owned(),
        );
    } else if !is_pypi_index(url) {
        let shown = name.map(|n| format!(" `{n}`")).unwrap_or_default();
        reasons.push(format!(
            "extra index{shown}: packages may be taken from it instead of PyPI (dependency confusion)"
        ));
    }
    (!reasons.is_empty()).then(|| format!("package index `{url}`: {}", reasons.join("; ")))
}

#[cfg(test)]
mod tests {
    use crate::manifest::requirements_txt;
    use crate::rules::judged;
    use crate::source::SourceFile;

    fn findings(text: &str) -> Vec<String> {
        let m = judged(requirements_txt::parse(&SourceFile::new("r.txt", text)));
        m.findings
            .iter()
            .map(|f| format!("{}:{} {} {}", f.line, f.column, f.severity, f.message))
            .collect()
    }

    #[test]
    fn a_host_that_only_starts_like_loopback_is_plain_http() {
        let got = findings("--extra-index-url http://127.attacker.example/simple\n");
        assert!(got.iter().any(|f| f.contains("is plain HTTP")), "{got:#?}");
        for loopback in ["127.0.0.1:3141", "[::1]", "localhost"] {
            let got = findings(&format!("--extra-index-url http://{loopback}/simple\n"));
            assert!(
                !got.iter().any(|f| f.contains("is plain HTTP")),
                "{loopback}: {got:#?}"
            );
        }
    }

    #[test]
    fn index_findings_keep_their_place_among_the_readers() {
        let text = "--bogus\n--index-url http://mirror.example/simple\nx==\n--bogus\n\
                    --extra-index-url https://extra.example/simple\ny==\n";
        let got = findings(text);
        let places: Vec<&str> = got.iter().map(|f| &f[..f.find(' ').unwrap()]).collect();
        let want = ["1:1", "2:13", "2:13", "3:2", "4:1", "5:19", "6:2"];
        assert_eq!(places, want, "{got:#?}");
    }
}
