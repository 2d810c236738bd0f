//! The wheelhouse: the exact files pip's resolution chose, fetched once into a directory of
//! safe-pip's, inspected there, and installed from there with `--no-index --no-deps
//! --require-hashes`, so that no second resolution happens and an index that changes its
//! answer between the two phases changes nothing.
//!
//! Each artifact comes from the report's `download_info` (format version 1): `url` and
//! `archive_info.hashes.sha256` (or the older `archive_info.hash` = `sha256=HEX`). A `file:`
//! URL is copied; an `http(s):` one is fetched by safe-pip's own client when the user's pip
//! settings ask for nothing it lacks (certificates, client certificates, a proxy option,
//! keyring, credentials in the URL), else by pip itself (`pip download --no-deps
//! --require-hashes`, with those settings), which checks each file against its hash. The install requirements name each artifact as
//! `name==version --hash=sha256:HEX`, found in the wheelhouse only.

use super::report::{InstallReport, Item};
use std::path::{Path, PathBuf};

/// One file to install, as the resolution chose it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub name: String,
    pub version: String,
    pub url: String,
    /// Lowercase hex.
    pub sha256: String,
    /// The file name (the URL's last segment, decoded).
    pub filename: String,
}

impl Artifact {
    pub fn is_wheel(&self) -> bool {
        self.filename.to_ascii_lowercase().ends_with(".whl")
    }
}

/// Why the report's packages cannot all go through the wheelhouse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotFetchable {
    /// A local directory or VCS checkout (only reachable with `--allow-build`): built by pip.
    Built(Vec<String>),
    /// An archive the report gives no sha256 for.
    NoHash(String),
}

/// The artifacts of every package the report installs.
pub fn artifacts(report: &InstallReport) -> Result<Vec<Artifact>, NotFetchable> {
    let built: Vec<String> = report
        .install
        .iter()
        .filter(|i| {
            i.download_info
                .as_ref()
                .is_none_or(|d| d.archive_info.is_none())
        })
        .map(|i| i.metadata.name.clone())
        .collect();
    if !built.is_empty() {
        return Err(NotFetchable::Built(built));
    }
    report.install.iter().map(artifact).collect()
}

fn artifact(item: &Item) -> Result<Artifact, NotFetchable> {
    let info = item
        .download_info
        .as_ref()
        .ok_or_else(|| NotFetchable::Built(vec![item.metadata.name.clone()]))?;
    let sha256 = info
        .archive_info
        .as_ref()
        .and_then(|a| a.sha256())
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| NotFetchable::NoHash(item.metadata.name.clone()))?
        .to_ascii_lowercase();
    let url = info.url.clone();
    let path = url.split(['#', '?']).next().unwrap_or(&url);
    let last = path.rsplit('/').next().unwrap_or(path);
    let filename = url::Url::parse(&format!("file:///{last}"))
        .ok()
        .and_then(|u| u.to_file_path().ok())
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| last.to_owned());
    if filename.is_empty() || filename.contains(['/', '\\']) || filename.starts_with('.') {
        return Err(NotFetchable::Built(vec![item.metadata.name.clone()]));
    }
    Ok(Artifact {
        name: item.metadata.name.clone(),
        version: item.metadata.version.clone(),
        url,
        sha256,
        filename,
    })
}

/// Copies the `file:` artifacts into `dir`; returns the others, for pip to fetch.
pub fn copy_local(artifacts: &[Artifact], dir: &Path) -> std::io::Result<Vec<Artifact>> {
    let mut remote = Vec::new();
    for a in artifacts {
        let local = url::Url::parse(&a.url)
            .ok()
            .filter(|u| u.scheme() == "file")
            .and_then(|u| u.to_file_path().ok());
        match local {
            Some(path) => {
                std::fs::copy(&path, dir.join(&a.filename))?;
            }
            None => remote.push(a.clone()),
        }
    }
    Ok(remote)
}

/// Fetches `remote` artifacts over HTTP(S) with safe-pip's own client ([`crate::download`]:
/// the platform's certificates, proxies from the environment, plain HTTP to loopback only),
/// which saves starting a second pip; returns those it did not fetch (credentials in the URL,
/// plain HTTP elsewhere, any error), for pip to fetch. What was fetched is held to its hash by
/// the install's `--require-hashes`.
pub fn fetch_direct(remote: Vec<Artifact>, dir: &Path) -> Vec<Artifact> {
    let mut left = Vec::new();
    for a in remote {
        let plain = url::Url::parse(&a.url).ok().filter(|u| {
            matches!(u.scheme(), "http" | "https")
                && u.username().is_empty()
                && u.password().is_none()
        });
        let fetched = plain.is_some()
            && crate::download::fetch(&a.url, "*/*", &mut |_| {})
                .ok()
                .is_some_and(|body| std::fs::write(dir.join(&a.filename), body).is_ok());
        if !fetched {
            left.push(a);
        }
    }
    left
}

/// The requirements file for `pip download` of the remote artifacts: each by its URL, with
/// its hash.
pub fn fetch_requirements(remote: &[Artifact]) -> String {
    remote
        .iter()
        .map(|a| format!("{} @ {} --hash=sha256:{}\n", a.name, a.url, a.sha256))
        .collect()
}

/// The requirements file for the install from the wheelhouse.
pub fn install_requirements(artifacts: &[Artifact]) -> String {
    artifacts
        .iter()
        .map(|a| format!("{}=={} --hash=sha256:{}\n", a.name, a.version, a.sha256))
        .collect()
}

/// Where each artifact lies in the wheelhouse; an error names one that is missing.
pub fn files(artifacts: &[Artifact], dir: &Path) -> Result<Vec<PathBuf>, String> {
    artifacts
        .iter()
        .map(|a| {
            let p = dir.join(&a.filename);
            if p.is_file() {
                Ok(p)
            } else {
                Err(format!("`{}` was not fetched", a.filename))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifacts_from_the_report() {
        let r = InstallReport::from_json(
            r#"{"version":"1","install":[
              {"metadata":{"name":"a","version":"1.0"},"download_info":{"url":"https://h/p/a-1.0-py3-none-any.whl","archive_info":{"hash":"sha256=AB01000000000000000000000000000000000000000000000000000000000000"}}},
              {"metadata":{"name":"b","version":"2"},"download_info":{"url":"file:///x/b%2B-2.tar.gz","archive_info":{"hashes":{"sha256":"cd01000000000000000000000000000000000000000000000000000000000000"}}}}
            ]}"#,
        )
        .unwrap();
        let a = artifacts(&r).unwrap();
        assert_eq!(a[0].filename, "a-1.0-py3-none-any.whl");
        assert_eq!(&a[0].sha256[..4], "ab01");
        assert!(a[0].is_wheel() && !a[1].is_wheel());
        assert_eq!(a[1].filename, "b+-2.tar.gz");
        assert_eq!(
            install_requirements(&a[..1]),
            "a==1.0 --hash=sha256:ab01000000000000000000000000000000000000000000000000000000000000\n"
        );
        let dir = r#"{"version":"1","install":[{"metadata":{"name":"c","version":"1"},"download_info":{"url":"file:///src/c","dir_info":{}}}]}"#;
        assert_eq!(
            artifacts(&InstallReport::from_json(dir).unwrap()),
            Err(NotFetchable::Built(vec!["c".into()]))
        );
        let nohash = r#"{"version":"1","install":[{"metadata":{"name":"d","version":"1"},"download_info":{"url":"https://h/d-1-py3-none-any.whl","archive_info":{}}}]}"#;
        assert_eq!(
            artifacts(&InstallReport::from_json(nohash).unwrap()),
            Err(NotFetchable::NoHash("d".into()))
        );
    }
}
