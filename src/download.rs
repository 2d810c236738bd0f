//! HTTP(S) downloads for `squatguard db update`, and for the files safe-pip fetches into its
//! wheelhouse (those pip's resolution chose): checks never touch the network.
//!
//! HTTPS with the platform's certificate store (so a custom CA installed there, or named by
//! `SSL_CERT_FILE`/`SSL_CERT_DIR`, is trusted), proxies from `HTTPS_PROXY`/`HTTP_PROXY`/
//! `ALL_PROXY`/`NO_PROXY`. Plain `http://` is refused except to loopback addresses (local
//! mirrors and tests). A body is read whole into memory and its length checked against
//! `Content-Length`, so a cut connection is an error, never a short file.

use crate::index_url::is_loopback_http;
use std::io::Read;
use std::time::Duration;

/// Progress of one download, reported as bytes arrive.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub done: u64,
    /// From `Content-Length`, when the server sent one.
    pub total: Option<u64>,
    pub finished: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("refusing plain HTTP for `{0}`: use https:// (plain HTTP is allowed only to loopback addresses)")]
    InsecureUrl(String),
    #[error("`{url}`: {message}")]
    Http { url: String, message: String },
    #[error("`{url}`: connection closed after {got} of {expected} bytes")]
    Truncated {
        url: String,
        got: u64,
        expected: u64,
    },
    #[error("`{url}`: larger than the {limit} MiB limit")]
    TooLarge { url: String, limit: u64 },
}

/// The most a download may be (the OSV PyPI export is about 100 MiB; PyPI's index about 60 MiB).
pub const MAX_BYTES: u64 = 1024 * 1024 * 1024;

/// How long a download may take and how large it may be.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The most the body may be; a larger one is [`DownloadError::TooLarge`], read no further.
    pub max_bytes: u64,
    /// To connect.
    pub connect: Duration,
    /// For the whole request, body included (`None`: only the connect and a 600 s body limit).
    pub total: Option<Duration>,
    /// Redirects followed (each to a URL that passes the same HTTPS rule).
    pub redirects: u32,
}

/// `db update` and the wheelhouse: large files, patient.
pub const BULK: Limits = Limits {
    max_bytes: MAX_BYTES,
    connect: Duration::from_secs(30),
    total: None,
    redirects: 10,
};

/// Downloads `url` with `accept` as the Accept header, reporting progress.
pub fn fetch(
    url: &str,
    accept: &str,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<u8>, DownloadError> {
    fetch_with(url, accept, BULK, progress)
}

/// [`fetch`] within `limits`.
pub fn fetch_with(
    url: &str,
    accept: &str,
    limits: Limits,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<u8>, DownloadError> {
    let max_bytes = limits.max_bytes;
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("http://") && !is_loopback_http(url) {
        return Err(DownloadError::InsecureUrl(url.into()));
    }
    let http_err = |message: String| DownloadError::Http {
        url: url.into(),
        message,
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(limits.connect))
        .timeout_recv_body(Some(Duration::from_secs(600)))
        .timeout_global(limits.total)
        .max_redirects(limits.redirects)
        .user_agent(concat!("squatguard/", env!("CARGO_PKG_VERSION")))
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                .build(),
        )
        .build()
        .into();
    let response = agent
        .get(url)
        .header("Accept", accept)
        .call()
        .map_err(|e| http_err(e.to_string()))?;
    let total = response
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if total.is_some_and(|t| t > max_bytes) {
        return Err(DownloadError::TooLarge {
            url: url.into(),
            limit: max_bytes.div_ceil(1024 * 1024),
        });
    }
    let mut reader = response
        .into_body()
        .into_with_config()
        .limit(max_bytes)
        .reader();
    let mut body = Vec::with_capacity(total.unwrap_or(0).min(max_bytes) as usize);
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = reader.read(&mut buf).map_err(|e| {
            if let Some(expected) = total.filter(|t| (body.len() as u64) < *t) {
                DownloadError::Truncated {
                    url: url.into(),
                    got: body.len() as u64,
                    expected,
                }
            } else if body.len() as u64 >= max_bytes {
                DownloadError::TooLarge {
                    url: url.into(),
                    limit: max_bytes.div_ceil(1024 * 1024),
                }
            } else {
                http_err(format!("reading the response: {e}"))
            }
        })?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
        progress(Progress {
            done: body.len() as u64,
            total,
            finished: false,
        });
    }
    if let Some(expected) = total {
        if body.len() as u64 != expected {
            return Err(DownloadError::Truncated {
                url: url.into(),
                got: body.len() as u64,
                expected,
            });
        }
    }
    progress(Progress {
        done: body.len() as u64,
        total,
        finished: true,
    });
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        let mut p = |_| {};
        assert!(matches!(
            fetch("http://pypi.example.invalid/simple/", "*/*", &mut p),
            Err(DownloadError::InsecureUrl(_))
        ));
        assert!(is_loopback_http("http://127.0.0.1:8080/x"));
        assert!(is_loopback_http("http://localhost/x"));
        assert!(is_loopback_http("http://[::1]:9/x"));
        assert!(!is_loopback_http("http://10.0.0.1/x"));
        // a host name that starts like a loopback address resolves anywhere
        assert!(matches!(
            fetch("http://127.attacker.example/simple/", "*/*", &mut p),
            Err(DownloadError::InsecureUrl(_))
        ));
    }
}
