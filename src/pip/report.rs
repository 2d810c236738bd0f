//! pip's installation report (`pip install --dry-run --report FILE`, format version 1):
//! `{"version": "1", "install": [{"metadata": {"name", "version", "requires_dist"},
//! "requested": bool, "is_direct": bool, "download_info": {"url", "archive_info": {"hash":
//! "sha256=HEX", "hashes": {"sha256": HEX}} | "dir_info" | "vcs_info"}}, ...]}`.
//! Only the fields safe-pip uses are read; unknown ones are ignored. Version "0" (pip 22.2 and
//! 22.3, marked experimental) has all of them: `download_info.archive_info.hash`, `is_direct`,
//! `requested`, `metadata`, `environment` (`tests/safe_pip.rs` runs pip 22.2).

use crate::name::normalize;
use serde::Deserialize;
use std::collections::{HashMap, VecDeque};

#[derive(Debug, Deserialize)]
pub struct InstallReport {
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub install: Vec<Item>,
    /// The marker environment pip resolved for (`python_version`, `sys_platform`, ...).
    #[serde(default)]
    pub environment: HashMap<String, String>,
}

#[derive(Debug, Deserialize)]
pub struct Item {
    pub metadata: Metadata,
    /// Named by the user (command line or requirements file), not pulled in.
    #[serde(default)]
    pub requested: bool,
    /// Installed from a URL or path rather than an index.
    #[serde(default)]
    pub is_direct: bool,
    #[serde(default)]
    pub download_info: Option<DownloadInfo>,
}

#[derive(Debug, Deserialize)]
pub struct Metadata {
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub requires_dist: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct DownloadInfo {
    pub url: String,
    /// Present for an archive (wheel or source archive); absent for a directory or VCS.
    #[serde(default)]
    pub archive_info: Option<ArchiveInfo>,
}

#[derive(Debug, Deserialize)]
pub struct ArchiveInfo {
    /// `sha256=HEX` (older reports, and every report for compatibility).
    #[serde(default)]
    pub hash: Option<String>,
    #[serde(default)]
    pub hashes: Option<HashMap<String, String>>,
}

impl ArchiveInfo {
    /// The archive's sha256, as the report gives it.
    pub fn sha256(&self) -> Option<&str> {
        self.hashes
            .as_ref()
            .and_then(|h| h.get("sha256"))
            .map(String::as_str)
            .or_else(|| self.hash.as_deref().and_then(|h| h.strip_prefix("sha256=")))
    }
}

impl InstallReport {
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// For a package pip pulled in, the chain of packages from a requested one down to it
    /// (`["app", "lib", "pkg"]`), following `Requires-Dist` names (markers and extras are not
    /// evaluated: the first chain found is given). `None` for requested packages.
    pub fn pulled_in_by(&self, name: &str) -> Option<Vec<String>> {
        let normalize = |n: &str| -> String { normalize(n).into() };
        let target = normalize(name);
        let by_name: HashMap<String, &Item> = self
            .install
            .iter()
            .map(|i| (normalize(&i.metadata.name), i))
            .collect();
        if by_name.get(&target).is_none_or(|i| i.requested) {
            return None;
        }
        let mut parent: HashMap<String, String> = HashMap::new();
        let mut queue: VecDeque<String> = VecDeque::new();
        for item in self.install.iter().filter(|i| i.requested) {
            let n = normalize(&item.metadata.name);
            parent.insert(n.clone(), String::new());
            queue.push_back(n);
        }
        while let Some(cur) = queue.pop_front() {
            if cur == target {
                let mut chain = vec![cur.clone()];
                let mut at = cur;
                while let Some(p) = parent.get(&at).filter(|p| !p.is_empty()) {
                    chain.push(p.clone());
                    at = p.clone();
                }
                chain.reverse();
                return Some(chain);
            }
            let Some(item) = by_name.get(&cur) else {
                continue;
            };
            for req in &item.metadata.requires_dist {
                let dep = normalize(requirement_name(req));
                if by_name.contains_key(&dep) && !parent.contains_key(&dep) {
                    parent.insert(dep.clone(), cur.clone());
                    queue.push_back(dep);
                }
            }
        }
        Some(Vec::new())
    }
}

/// The name at the start of a PEP 508 string.
fn requirement_name(req: &str) -> &str {
    let t = req.trim_start();
    let end = t
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(t.len());
    &t[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain() {
        let r = InstallReport::from_json(
            r#"{"version":"1","install":[
              {"metadata":{"name":"App","version":"1","requires_dist":["Lib>=1; python_version>'3'"]},"requested":true},
              {"metadata":{"name":"lib","version":"2","requires_dist":["pkg[x]"]},"requested":false},
              {"metadata":{"name":"pkg","version":"3"},"requested":false,"download_info":{"url":"file:///x"}}
            ]}"#,
        )
        .unwrap();
        assert_eq!(r.pulled_in_by("pkg").unwrap(), ["app", "lib", "pkg"]);
        assert_eq!(r.pulled_in_by("App"), None);
    }
}
