//! Property tests: normalisation is idempotent; no input makes a parser, the index rule or the
//! name engine panic; the index rule spares plain HTTP only to loopback hosts.

use proptest::prelude::*;
use squatguard::manifest::{self, ManifestKind};
use squatguard::name::normalize;
use squatguard::name_risk::{assess, Verdict};
use squatguard::rules;
use squatguard::source::SourceFile;

fn all_kinds() -> [ManifestKind; 10] {
    use squatguard::manifest::lockfile::TomlLock;
    [
        ManifestKind::Requirements,
        ManifestKind::Pyproject,
        ManifestKind::SetupPy,
        ManifestKind::SetupCfg,
        ManifestKind::Pipfile,
        ManifestKind::TomlLock(TomlLock::Uv),
        ManifestKind::TomlLock(TomlLock::Poetry),
        ManifestKind::TomlLock(TomlLock::Pdm),
        ManifestKind::TomlLock(TomlLock::Pylock),
        ManifestKind::PipfileLock,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn normalisation_is_idempotent(name in "[A-Za-z0-9._-]{0,40}") {
        let once = normalize(&name);
        prop_assert_eq!(normalize(&once), once.clone());
        prop_assert!(!once.contains("--") && !once.contains('_') && !once.contains('.'));
    }

    #[test]
    fn name_engine_never_panics(name in "\\PC{0,60}") {
        let _ = assess(&normalize(&name));
    }

    #[test]
    fn a_doubled_letter_in_a_long_top_name_is_caught(i in 0usize..10_000, pos in 1usize..30) {
        let eligible: Vec<&str> = squatguard::popular::Popular::embedded()
            .top(1000)
            .map(|(_, n)| n)
            .filter(|n| n.len() >= 8 && n.chars().all(|c| c.is_ascii_lowercase()))
            .collect();
        let target = eligible[i % eligible.len()];
        let mut chars: Vec<char> = target.chars().collect();
        let p = 1 + pos % (chars.len() - 2);
        chars.insert(p, chars[p]);
        let typo: String = chars.into_iter().collect();
        match assess(&typo) {
            Verdict::Squat(a) => prop_assert!(a.severity >= squatguard::finding::Severity::Warning),
            Verdict::Popular(_) => {} // the typo is itself another popular name
            Verdict::Clear => prop_assert!(false, "{typo} (from {target}) was not flagged"),
        }
    }

    #[test]
    fn parsers_never_panic(text in "[ -~\\n\\r\\t\u{feff}é]{0,300}", kind in 0usize..10) {
        let src = SourceFile::new("prop", text);
        let _ = rules::judged(manifest::parse(&src, all_kinds()[kind]));
    }

    /// The index rule spares plain HTTP only to this machine, written plainly: `localhost` or a
    /// dotted loopback address, never a name that merely starts like one (`127.attacker.example`).
    #[test]
    fn plain_http_is_spared_only_for_loopback(
        host in "(127\\.|localhost|\\[::1\\]|0x7f\\.)?[a-z0-9.:-]{0,25}",
        option in 0usize..3,
    ) {
        let option = ["--index-url", "--extra-index-url", "--find-links"][option];
        let url = format!("http://{host}/simple");
        let src = SourceFile::new("requirements.txt", format!("{option} {url}\n"));
        let m = rules::judged(manifest::parse(&src, ManifestKind::Requirements));
        let plain = m.findings.iter().any(|f| f.message.contains("is plain HTTP"));
        let imitates_pypi = m.findings.iter().any(|f| f.message.contains("imitates"));
        // spared only when the URL parser and the host as written both say loopback: a
        // spelling the system resolver may send to DNS (`127.0`, `0x7f.1`, a trailing dot) is not
        let parsed = squatguard::index_url::url_host(&url)
            .is_some_and(|h| h == "localhost" || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()));
        let written = match host.find(']') {
            Some(end) if host.starts_with('[') => &host[..=end],
            _ => host.split(':').next().unwrap_or(""),
        };
        let plainly = written == "localhost"
            || written == "[::1]"
            || written.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback());
        let spared = parsed && plainly;
        prop_assert_eq!(plain, !spared && !imitates_pypi, "{}: {:?}", url, m.findings);
    }

    /// Lock files shaped right but holding anything: names, versions and sources of every kind.
    #[test]
    fn lock_parsers_never_panic(
        name in "[ -~é]{0,12}",
        version in "[ -~é]{0,10}",
        source_key in "(registry|git|url|path|directory|editable|virtual|index|type|[a-z]{1,6})",
        source_value in "[ -~é]{0,20}",
        kind in 5usize..10,
    ) {
        let q = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        let (name, version, value) = (q(&name), q(&version), q(&source_value));
        let text = if all_kinds()[kind] == ManifestKind::PipfileLock {
            format!("{{\"default\": {{\"{name}\": {{\"version\": \"{version}\", \"{source_key}\": \"{value}\"}}}}}}")
        } else {
            format!("[[package]]\nname = \"{name}\"\nversion = \"{version}\"\nsource = {{ {source_key} = \"{value}\" }}\n{source_key} = \"{value}\"\n\n[[packages]]\nname = \"{name}\"\nversion = \"{version}\"\n{source_key} = {{ url = \"{value}\" }}\n")
        };
        let src = SourceFile::new("prop", text);
        let _ = rules::judged(manifest::parse(&src, all_kinds()[kind]));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The scanner reads hostile files: no text, however broken, may panic it.
    #[test]
    fn python_scanner_never_panics(
        text in "(\\PC|[\\n\\t \"'()\\[\\]{}:=+^#\\\\]){0,300}",
        role in 0usize..6,
    ) {
        use squatguard::code_facts::Role;
        use squatguard::scan::{python, signals::judge};
        let roles = [Role::Module, Role::PackageInit, Role::Conftest, Role::Startup, Role::Setup, Role::Pth];
        let sf = SourceFile::new("x.py", text.clone());
        let facts = python::read(&sf.text, roles[role]);
        let _ = judge(&sf, &facts, false);
        let _ = judge(&sf, &facts, true);
    }
}
