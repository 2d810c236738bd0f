//! `squatguard db update` and `db status` end to end: a real HTTP server on 127.0.0.1 serves the
//! data, including a cut connection and a corrupt zip, and the cache must survive both.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::thread;

fn squatguard(args: &[&str], data_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_squatguard"))
        .args(args)
        .env("SQUATGUARD_DATA_DIR", data_dir)
        .env("SQUATGUARD_MAX_DATA_AGE", "100000")
        .env("NO_COLOR", "1")
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("ALL_PROXY")
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .env_remove("all_proxy")
        .output()
        .expect("run squatguard")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// How the test server answers.
#[derive(Clone)]
enum Reply {
    /// 200 with this body and a correct Content-Length.
    Body(Vec<u8>),
    /// 200 announcing the full length, then only half the body, then the connection closes.
    Cut(Vec<u8>),
    /// This status with an empty body.
    Status(u16),
}

/// Serves `reply` to every request on a loopback port until the test ends; returns the base URL.
fn serve(reply: Reply) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut buf = [0u8; 4096];
            let mut req = Vec::new();
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                }
            }
            let _ = match &reply {
                Reply::Body(body) => stream
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .and_then(|_| stream.write_all(body)),
                Reply::Cut(body) => stream
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .and_then(|_| stream.write_all(&body[..body.len() / 2])),
                Reply::Status(code) => stream.write_all(
                    format!(
                        "HTTP/1.1 {code} Nope\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                    .as_bytes(),
                ),
            };
            let _ = stream.flush();
        }
    });
    format!("http://{addr}")
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/osv")
}

/// A zip of the OSV fixtures, in the layout of the OSV export.
fn fixture_zip() -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let mut files: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for f in files {
            // the malformed fixture is left out: this zip is the good case
            let bytes = std::fs::read(&f).unwrap();
            if serde_json::from_slice::<serde_json::Value>(&bytes).is_err() {
                continue;
            }
            zip.start_file(f.file_name().unwrap().to_string_lossy(), opts)
                .unwrap();
            zip.write_all(&bytes).unwrap();
        }
        zip.finish().unwrap();
    }
    out.into_inner()
}

fn status(dir: &Path) -> String {
    text(&squatguard(&["db", "status"], dir).stdout)
}

#[test]
fn update_from_loopback_then_survive_a_cut_connection_and_a_corrupt_zip() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/all.zip", serve(Reply::Body(fixture_zip())));
    let out = squatguard(&["db", "update", "--osv", &url], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("malicious-package reports on"),
        "{}",
        text(&out.stderr)
    );
    let cached = std::fs::read(dir.path().join("osv-malicious.sgdb")).unwrap();
    let before = status(dir.path());
    assert!(before.contains(&format!("from {url}")), "{before}");

    // The imported feed is used by checks.
    let proj = tempfile::tempdir().unwrap();
    std::fs::write(proj.path().join("requirements.txt"), "every-release==1.0\n").unwrap();
    let check = Command::new(env!("CARGO_BIN_EXE_squatguard"))
        .args(["check"])
        .current_dir(proj.path())
        .env("SQUATGUARD_DATA_DIR", dir.path())
        .env("SQUATGUARD_MAX_DATA_AGE", "100000")
        .output()
        .unwrap();
    let stdout = text(&check.stdout);
    assert_eq!(check.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("error[known-malicious]") && stdout.contains("MAL-"),
        "{stdout}"
    );

    for (reply, why) in [
        (Reply::Cut(fixture_zip()), "connection closed after"),
        (
            Reply::Body(b"PK\x03\x04 this is not really a zip".to_vec()),
            "zip",
        ),
        (Reply::Body(fixture_zip()[..200].to_vec()), "zip"),
        (Reply::Status(503), "503"),
    ] {
        let url = format!("{}/all.zip", serve(reply));
        let out = squatguard(&["db", "update", "--osv", &url], dir.path());
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(why) && stderr.contains("the previous data is unchanged"),
            "{stderr}"
        );
        assert_eq!(
            std::fs::read(dir.path().join("osv-malicious.sgdb")).unwrap(),
            cached
        );
        assert_eq!(status(dir.path()), before);
    }
}

#[test]
fn pypi_names_from_a_pep_691_index_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let body = br#"{"meta": {"api-version": "1.1"}, "projects": [{"name": "Requests"}, {"name": "my_private.pkg"}]}"#;
    let url = format!("{}/simple/", serve(Reply::Body(body.to_vec())));
    let out = squatguard(&["db", "update", "--pypi-names", &url], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("2 PyPI project names saved"));
    let st = status(dir.path());
    assert!(st.contains("PyPI names:      2 names (cache"), "{st}");
    // A bad list leaves it in place.
    let url = format!(
        "{}/simple/",
        serve(Reply::Body(b"requests\nnot valid\n".to_vec()))
    );
    let out = squatguard(&["db", "update", "--pypi-names", &url], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("line 2: `not valid` is not a valid project name"));
    assert_eq!(status(dir.path()), st);
}

#[test]
fn update_from_a_directory_and_plain_http_elsewhere_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = squatguard(
        &["db", "update", "--osv", fixture_dir().to_str().unwrap()],
        dir.path(),
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: skipped"),
        "the malformed fixture is named: {stderr}"
    );
    let out = squatguard(
        &[
            "db",
            "update",
            "--osv",
            "http://osv.example.invalid/all.zip",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("refusing plain HTTP"));
}

#[test]
fn status_without_a_cache_names_the_embedded_data() {
    let dir = tempfile::tempdir().unwrap();
    let st = status(dir.path());
    assert!(st.contains("(embedded snapshot)"), "{st}");
    assert!(st.contains("malicious feed:  none imported"), "{st}");
    assert!(
        st.contains("embedded feed:   11154 reports on 11154 names (embedded, facts only"),
        "{st}"
    );
}

/// The real OpenSSF feed and report list, from `../shared` (see `common::shared_dir`).
#[test]
fn shared_feed_flags_every_all_versions_name() {
    let Some(shared) =
        common::shared_dir(&["data/osv-pypi-malicious.zip", "data/pypi-malicious.tsv"])
    else {
        return;
    };
    let zip = shared.join("data/osv-pypi-malicious.zip");
    let tsv = shared.join("data/pypi-malicious.tsv");
    let dir = tempfile::tempdir().unwrap();
    let out = squatguard(
        &["db", "update", "--osv", zip.to_str().unwrap()],
        dir.path(),
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("9214 malicious-package reports on"),
        "{stderr}"
    );

    let rows = std::fs::read_to_string(&tsv).unwrap();
    let all: Vec<&str> = rows
        .lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols.get(2) == Some(&"*")).then_some(cols[0])
        })
        .collect();
    assert!(all.len() > 6000);
    let proj = tempfile::tempdir().unwrap();
    let mut req = String::new();
    for name in &all {
        req.push_str(name);
        req.push('\n');
    }
    req.push_str("num2words==0.5.15\nnum2words==0.5.14\n");
    std::fs::write(proj.path().join("requirements.txt"), req).unwrap();
    let check = Command::new(env!("CARGO_BIN_EXE_squatguard"))
        .args(["check", "--format", "json", "--select", "known-malicious"])
        .current_dir(proj.path())
        .env("SQUATGUARD_DATA_DIR", dir.path())
        .env("SQUATGUARD_MAX_DATA_AGE", "100000")
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    let flagged: std::collections::HashSet<&str> = findings
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| f["package"].as_str().unwrap())
        .collect();
    let missed: Vec<&&str> = all.iter().filter(|n| !flagged.contains(**n)).collect();
    assert!(
        missed.is_empty(),
        "not flagged: {:?}",
        &missed[..missed.len().min(20)]
    );
    let num2words: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["package"] == "num2words")
        .collect();
    assert_eq!(num2words.len(), 1, "only the 0.5.15 pin: {num2words:?}");
    assert_eq!(num2words[0]["line"], all.len() + 1);
    assert_eq!(num2words[0]["severity"], "error");
    assert_eq!(num2words[0]["advisory"], "MAL-2025-6794");
}

/// `db update --pypi-names` reads the TSV of `shared/data/pypi-latest.tsv` with each name's
/// facts; a name an update adds without facts is dated by the update (first seen); a name the
/// data in use already knows keeps its facts; a bad row fails naming its line.
#[test]
fn name_updates_carry_ages_and_date_new_names() {
    use squatguard::store::NameSet;
    let dir = tempfile::tempdir().unwrap();
    let tsv = dir.path().join("latest.tsv");
    std::fs::write(
        &tsv,
        "name\tlatest_version\tlatest_release_month\nRequests\t2.32.3\t2025-06\nfresh-squat\t2.32.3\t2026-11\nno-facts\t\t\n",
    )
    .unwrap();
    let out = squatguard(
        &["db", "update", "--pypi-names", tsv.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let today = &squatguard::data::now_rfc3339()[..10];
    let set = NameSet::open(&dir.path().join("pypi-names.sgdb"))
        .unwrap()
        .unwrap();
    let req = set.age("requests").unwrap();
    assert_eq!(req.latest_version.as_deref(), Some("2.32.3"));
    assert_eq!(req.latest_month.as_deref(), Some("2025-06"));
    assert_eq!(
        set.age("fresh-squat").unwrap().latest_month.as_deref(),
        Some("2026-11")
    );
    assert_eq!(
        set.age("no-facts").unwrap().first_seen.as_deref(),
        Some(today)
    );
    // a plain list: known names keep the facts of the data in use, new ones are first seen now
    let list = dir.path().join("names.txt");
    std::fs::write(&list, "requests\nfresh-squat\nlater-one\n").unwrap();
    let out = squatguard(
        &["db", "update", "--pypi-names", list.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let set = NameSet::open(&dir.path().join("pypi-names.sgdb"))
        .unwrap()
        .unwrap();
    assert_eq!(set.len(), 3);
    assert_eq!(set.age("requests").unwrap(), req);
    assert_eq!(
        set.age("fresh-squat").unwrap().latest_month.as_deref(),
        Some("2026-11")
    );
    let later = set.age("later-one").unwrap();
    assert_eq!(
        (later.first_seen.as_deref(), later.latest_version),
        (Some(today), None)
    );
    // a bad row: an error naming the line, the cache unchanged
    std::fs::write(
        &tsv,
        "name\tlatest_version\tlatest_release_month\nok\t1.0\t2020-01\nbad\t1.0\tJune\n",
    )
    .unwrap();
    let out = squatguard(
        &["db", "update", "--pypi-names", tsv.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("line 3: `June` is neither a month"),
        "{}",
        text(&out.stderr)
    );
    let set = NameSet::open(&dir.path().join("pypi-names.sgdb"))
        .unwrap()
        .unwrap();
    assert!(set.contains("later-one"));
}

/// A name cache written before the name dictionary (its names an fst) is replaced by the next
/// `db update`, which says on stderr that what the old cache recorded is not carried over; the
/// update after reads the new cache and says nothing.
#[test]
fn an_old_format_name_cache_is_replaced_with_a_warning() {
    use squatguard::store::NameSet;
    let dir = tempfile::tempdir().unwrap();
    // the older container: magic, metadata, an fst of the names (name -> rank), a blob
    let meta =
        br#"{"kind":"pypi-names","source":"old","created":"2026-11-28","names":1,"ranked":true}"#;
    let mut map = fst::MapBuilder::memory();
    map.insert("zz-added-nov28", 0).unwrap();
    let fst = map.into_inner().unwrap();
    let mut old = b"SGDB\x01".to_vec();
    old.extend_from_slice(&(meta.len() as u32).to_le_bytes());
    old.extend_from_slice(meta);
    old.extend_from_slice(&(fst.len() as u64).to_le_bytes());
    old.extend_from_slice(&fst);
    let cache = dir.path().join("pypi-names.sgdb");
    std::fs::write(&cache, &old).unwrap();
    // `check` ignores it with a warning that names it
    let reqs = dir.path().join("requirements.txt");
    std::fs::write(&reqs, "requests\n").unwrap();
    let out = squatguard(&["check", reqs.to_str().unwrap()], dir.path());
    let err = text(&out.stderr);
    assert!(
        err.contains("pypi-names.sgdb")
            && err.contains("older format")
            && err.contains("db update"),
        "{err}"
    );
    let list = dir.path().join("names.txt");
    std::fs::write(&list, "requests\nzz-added-nov28\n").unwrap();
    let out = squatguard(
        &["db", "update", "--pypi-names", list.to_str().unwrap()],
        dir.path(),
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning: the cached name set")
            && err.contains("cannot be read")
            && err.contains("not carried over"),
        "{err}"
    );
    let set = NameSet::open(&cache).unwrap().unwrap();
    let today = &squatguard::data::now_rfc3339()[..10];
    assert_eq!(
        set.age("zz-added-nov28").unwrap().first_seen.as_deref(),
        Some(today)
    );
    let out = squatguard(
        &["db", "update", "--pypi-names", list.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("warning"),
        "{}",
        text(&out.stderr)
    );
}
