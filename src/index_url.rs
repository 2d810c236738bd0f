//! Package index URLs: their host, whether they are PyPI's (or TestPyPI's, or imitate PyPI's),
//! and whether they stay on this machine (loopback).
//!
//! URLs are parsed with the `url` crate, the WHATWG URL parser, as browsers and `uv` read
//! them: `http`/`https` hosts are IDNA-mapped and IPv4 hosts normalised (`127.1` is
//! `127.0.0.1`), so the host judged is the host connected to. Helpers that take a URL answer
//! "no host" for text the parser rejects; none of them treats that as PyPI or loopback, so a
//! URL that cannot be read never relaxes a check.
//!
//! Used by the manifest readers (which indexes send packages away from PyPI), the `index-url`
//! rule ([`crate::rules::index_url`]), safe-pip's index options and `db update`'s download
//! check ([`crate::download`]).

use std::net::IpAddr;
use url::{Host, Url};

/// PyPI's own hosts. TestPyPI is not among them: it is a separate registry where anyone can
/// publish any name.
const PYPI_HOSTS: &[&str] = &["pypi.org", "files.pythonhosted.org", "pypi.python.org"];

/// The host of a URL with an authority (`scheme://...`), lower case, without user info, port
/// or the trailing dot of a fully qualified name (`pypi.org.` is `pypi.org`); an IPv6 address
/// without its brackets; an internationalised name in Unicode (`pypі.org`, not its punycode),
/// so that a homoglyph is compared as it reads.
pub fn url_host(url: &str) -> Option<String> {
    let parsed = Url::parse(url).ok()?;
    let host = match parsed.host()? {
        Host::Domain(domain) if domain.contains("xn--") => url::quirks::domain_to_unicode(domain),
        Host::Domain(domain) => domain.to_owned(),
        Host::Ipv4(ip) => ip.to_string(),
        Host::Ipv6(ip) => ip.to_string(),
    };
    let host = host.trim_end_matches('.');
    (!host.is_empty()).then(|| host.to_lowercase())
}

/// True for `localhost` and for an IP address that is loopback (127.0.0.0/8, `::1`). A name
/// that merely starts like one (`127.attacker.example`) is not: it resolves anywhere.
pub fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// True when `url` is `http://` to a loopback host ([`is_loopback_url`]).
pub fn is_loopback_http(url: &str) -> bool {
    is_http(url) && is_loopback_url(url)
}

/// True when the host of `url`, as written, is plainly loopback (`localhost`, a dotted-decimal
/// address in 127.0.0.0/8, or `[::1]`) and the URL parser reads the same. Other spellings that
/// the parser maps to loopback (`127.1`, `0x7f.1`, `2130706433`, `0177.0.0.1`, a trailing dot,
/// percent-encoding) are not taken for it: the system resolver may send such a name to DNS,
/// whose answer whoever controls the network chooses, and no honest index is written so.
pub fn is_loopback_url(url: &str) -> bool {
    let Some(written) = written_host(url) else {
        return false;
    };
    let plain = written == "localhost"
        || written
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
        || written
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .and_then(|h| h.parse::<std::net::Ipv6Addr>().ok())
            .is_some_and(|ip| ip.is_loopback());
    plain && url_host(url).is_some_and(|h| is_loopback(&h))
}

/// The host of `scheme://authority/...` as written: lower case, without user info or port; the
/// authority ends at `/`, `?`, `#` or `\\` (which the URL parser reads as `/`).
fn written_host(url: &str) -> Option<String> {
    let rest = url.trim().split_once("://")?.1;
    let authority = rest.split(['/', '?', '#', '\\']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = if host_port.starts_with('[') {
        &host_port[..=host_port.find(']')?]
    } else {
        host_port.split(':').next()?
    };
    Some(host.to_ascii_lowercase())
}

/// True when `url` is written with the `http://` scheme (any case), which sends what it
/// fetches in the clear.
pub fn is_http(url: &str) -> bool {
    url.get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
}

/// True for TestPyPI (`test.pypi.org`): a sandbox registry whose names are not PyPI's.
pub fn is_test_pypi_index(url: &str) -> bool {
    url_host(url.trim()).is_some_and(|h| h == "test.pypi.org")
}

/// True for PyPI's own index URLs, `https://` or `http://` (plain HTTP is reported apart).
pub fn is_pypi_index(url: &str) -> bool {
    let url = url.trim();
    let https = url
        .get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
    (https || is_http(url)) && url_host(url).is_some_and(|h| PYPI_HOSTS.contains(&h.as_str()))
}

/// The PyPI host that `host` imitates (`files.pypihosted.org`, `pypi.corn`), if any.
pub fn lookalike_of_pypi(host: &str) -> Option<&'static str> {
    if PYPI_HOSTS.contains(&host) {
        return None;
    }
    let registrable = registrable_domain(host);
    let mut best: Option<(usize, &'static str)> = None;
    for &real in PYPI_HOSTS {
        let real_reg = registrable_domain(real);
        if registrable == real_reg {
            // a subdomain of a real PyPI domain
            return None;
        }
        let d = strsim::damerau_levenshtein(host, real)
            .min(strsim::damerau_levenshtein(&registrable, &real_reg));
        // `pypihosted.org`-style blends of the two PyPI domains count as distance 2
        let blend =
            registrable.contains("pypi") && host.contains("hosted") && real.contains("hosted");
        let d = if blend { d.min(2) } else { d };
        if d <= 2 && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, real));
        }
    }
    best.map(|(_, real)| real)
}

/// The last two labels of a host name (`files.pythonhosted.org` -> `pythonhosted.org`).
pub fn registrable_domain(host: &str) -> String {
    let labels: Vec<&str> = host.split('.').collect();
    labels[labels.len().saturating_sub(2)..].join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pypi_urls() {
        assert!(is_pypi_index("https://pypi.org/simple"));
        assert!(is_pypi_index(" https://PyPI.org./simple/"));
        assert!(is_pypi_index("https://user:${TOKEN}@pypi.org/simple"));
        assert!(is_pypi_index("https://files.pythonhosted.org/"));
        assert!(is_pypi_index("http://pypi.org/simple"));
        assert!(!is_pypi_index("https://pypi.org.evil.example/simple"));
        assert!(!is_pypi_index("https://test.pypi.org/simple"));
        assert!(!is_pypi_index("file://pypi.org/simple"));
        assert!(!is_pypi_index("${INDEX_URL}"));
        assert!(!is_pypi_index("https://pypi.org@evil.example/simple"));
        assert!(is_test_pypi_index("https://TEST.pypi.org/simple/"));
        // TestPyPI is a subdomain of PyPI's, not an imitation of it
        assert_eq!(lookalike_of_pypi("test.pypi.org"), None);
    }

    #[test]
    fn hosts_and_lookalikes() {
        assert_eq!(
            url_host("https://user:tok@Pypi.Org:443/simple").as_deref(),
            Some("pypi.org")
        );
        assert_eq!(
            url_host("https://pypi.org./simple").as_deref(),
            Some("pypi.org")
        );
        assert_eq!(url_host("http://[::1]:8080/x").as_deref(), Some("::1"));
        assert_eq!(
            url_host("git+https://Host.Example/x").as_deref(),
            Some("host.example")
        );
        assert_eq!(url_host("file:///x"), None);
        assert_eq!(url_host("requests"), None);
        // a homoglyph is compared as it reads, not as its punycode
        let cyrillic = "https://pyp\u{456}.org/simple";
        assert_eq!(url_host(cyrillic).as_deref(), Some("pyp\u{456}.org"));
        assert_eq!(
            lookalike_of_pypi(&url_host(cyrillic).unwrap()),
            Some("pypi.org")
        );
        assert_eq!(
            lookalike_of_pypi("files.pypihosted.org"),
            Some("files.pythonhosted.org")
        );
        assert_eq!(lookalike_of_pypi("pypi.corn"), Some("pypi.org"));
        assert_eq!(lookalike_of_pypi("pypi.org"), None);
        assert_eq!(lookalike_of_pypi("pkgs.example.com"), None);
        assert_eq!(lookalike_of_pypi("download.pytorch.org"), None);
    }

    #[test]
    fn loopback_is_localhost_or_a_loopback_address() {
        for url in [
            "http://127.0.0.1:8080/simple",
            "http://127.9.9.9/simple",
            "http://[::1]/simple",
            "http://localhost/simple",
            "http://LOCALHOST:3141/simple",
            "http://user:pw@127.0.0.1/simple",
        ] {
            assert!(is_loopback_http(url), "{url}");
        }
        // spellings the URL parser maps to loopback but the system resolver may send to DNS
        for url in [
            "http://2130706433./simple",
            "http://0x7f.1./simple",
            "http://2130706433/simple",
            "http://127.1/simple",
            "http://0177.0.0.1/simple",
            "http://127.0.0.1./simple",
            "http://localhost./simple",
            "http://%6cocalhost/simple",
            "http://evil\\@localhost/simple",
        ] {
            assert!(!is_loopback_http(url), "{url}");
        }
        for url in [
            "http://127.attacker.example/simple",
            "http://127.0.0.1.attacker.example/simple",
            "http://localhost.attacker.example/simple",
            "http://10.0.0.1/simple",
            "http://[::2]/simple",
            "https://127.0.0.1/simple",
        ] {
            assert!(!is_loopback_http(url), "{url}");
        }
        assert!(!is_loopback("127.attacker.example"));
        assert!(is_loopback("127.0.0.1"));
        assert!(is_loopback("::1"));
        assert!(is_loopback("localhost"));
    }
}
