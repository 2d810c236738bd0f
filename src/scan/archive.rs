//! Archives Python imports from (`.zip` and `.egg` on `sys.path`, PEP 273 / `zipimport`): their
//! members are read and judged as the files they are, shown as `archive.zip/member.py`, so a
//! package hidden in an archive is read like one in a folder. `zipimport` reads stored and
//! deflated members only; this reader (the `zip` crate) reads the same. A member that cannot be
//! read (compiled, native, too large, encrypted, an unknown compression) is an `opaque-code`
//! finding, as is an archive that cannot be opened, since Python might.

use super::{role, scan_source, Installs, MAX_SCAN_SIZE};
use crate::finding::Finding;
use crate::rules::opaque_code::{self, Reach};
use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

/// Members read at most, and bytes read at most over all of them: an archive is bounded as a
/// file is.
const MAX_MEMBERS: usize = 100_000;
const MAX_TOTAL: u64 = 16 * MAX_SCAN_SIZE;

/// Judges the archive at `path` (`shown` in findings); `reach` places what cannot be read.
pub(super) fn scan(
    path: &Path,
    shown: &str,
    reach: impl Fn() -> Reach,
    installs: &Installs,
) -> Vec<Finding> {
    let opaque = |what: String| opaque_code::finding(shown, &what, reach());
    let archive = std::fs::File::open(path)
        .map_err(|e| e.to_string())
        .and_then(|f| zip::ZipArchive::new(f).map_err(|e| e.to_string()));
    let mut archive = match archive {
        Ok(a) => a,
        Err(why) => return vec![opaque(format!("an archive that cannot be opened ({why})"))],
    };
    let names: HashSet<String> = archive.file_names().map(str::to_owned).collect();
    let mut out = Vec::new();
    let mut total = 0u64;
    for i in 0..archive.len().min(MAX_MEMBERS + 1) {
        if i == MAX_MEMBERS {
            out.push(opaque(format!(
                "an archive of more than {MAX_MEMBERS} members"
            )));
            break;
        }
        let mut member = match archive.by_index(i) {
            Ok(m) => m,
            Err(why) => {
                out.push(opaque(format!(
                    "an archive member that cannot be read ({why})"
                )));
                continue;
            }
        };
        if member.is_dir() {
            continue;
        }
        let name = member.name().to_owned();
        let member_shown = format!("{shown}/{name}");
        let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        let unreadable = match ext {
            "py" | "pyw" | "pth" => None,
            "so" | "pyd" => Some("a native extension module in an archive".to_owned()),
            "pyc" => {
                let source = name.trim_end_matches('c');
                (!names.contains(source))
                    .then(|| "a compiled module without its source, in an archive".to_owned())
            }
            _ => continue,
        };
        if let Some(what) = unreadable {
            out.push(opaque_code::finding(&member_shown, &what, reach()));
            continue;
        }
        if member.size() > MAX_SCAN_SIZE || total + member.size() > MAX_TOTAL {
            out.push(opaque_code::finding(
                &member_shown,
                "an archive member too large to read",
                reach(),
            ));
            continue;
        }
        let mut bytes = Vec::new();
        if let Err(why) = (&mut member).take(MAX_SCAN_SIZE).read_to_end(&mut bytes) {
            out.push(opaque_code::finding(
                &member_shown,
                &format!("an archive member that cannot be read ({why})"),
                reach(),
            ));
            continue;
        }
        total += bytes.len() as u64;
        let member_path = Path::new(&member_shown);
        out.extend(scan_source(
            member_path,
            &bytes,
            role(member_path),
            installs,
        ));
    }
    out
}
