//! OSV import: the hand-written reports in tests/fixtures/osv, as a directory and as a zip.

mod common;

use pep440_rs::{Version, VersionSpecifiers};
use squatguard::advisory::{Advisory, Affected};
use squatguard::osv::{self, Import, OsvError, RecordError, Skipped};
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Instant;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/osv")
}

fn v(s: &str) -> Version {
    Version::from_str(s).unwrap()
}

fn specs(s: &str) -> VersionSpecifiers {
    VersionSpecifiers::from_str(s).unwrap()
}

fn one<'a>(import: &'a Import, name: &str) -> &'a Advisory {
    let list = import.db.get(name);
    assert_eq!(list.len(), 1, "{name}: {list:?}");
    &list[0]
}

/// Asserts which of `versions` are affected: `yes` ones are, `no` ones are not.
fn check(affected: &Affected, yes: &[&str], no: &[&str]) {
    for y in yes {
        assert!(
            affected.contains(&v(y)),
            "{y} should be affected: {affected:?}"
        );
    }
    for n in no {
        assert!(
            !affected.contains(&v(n)),
            "{n} should not be affected: {affected:?}"
        );
    }
}

/// The fixture files as (path relative to the fixture directory, bytes), sorted.
fn fixture_files() -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_string_lossy();
                out.push((rel.replace('\\', "/"), std::fs::read(&path).unwrap()));
            }
        }
    }
    let root = fixtures();
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out.sort();
    out
}

fn fixture_zip() -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    writer.add_directory("nested/", options).unwrap();
    for (name, bytes) in fixture_files() {
        writer.start_file(name, options).unwrap();
        writer.write_all(&bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn check_fixture_import(import: &Import) {
    assert_eq!(import.records, 10, "{:?}", import.errors);
    assert_eq!(
        import.skipped,
        Skipped {
            withdrawn: 1,
            not_malicious: 2,
            not_pypi: 1,
        }
    );
    assert_eq!(import.db.len(), 13);

    // errors: the malformed file, with serde_json's position
    assert_eq!(import.errors.len(), 1, "{:#?}", import.errors);
    let malformed = &import.errors;
    assert!(malformed[0].file.ends_with("MAL-2099-0011.json"));
    assert!(
        malformed[0].message.contains("line 6 column 3"),
        "{}",
        malformed[0]
    );
    assert!(malformed[0].to_string().contains("MAL-2099-0011.json"));
    // warnings: the bad versions of an otherwise good report
    assert_eq!(import.warnings.len(), 4, "{:#?}", import.warnings);
    let bad: Vec<&str> = import
        .warnings
        .iter()
        .filter(|e| e.file.ends_with("MAL-2099-0012.json"))
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(bad.len(), 4, "{bad:#?}");
    assert!(bad.iter().any(|m| m.contains("`not a version!!`")));
    assert!(bad.iter().any(|m| m.contains("`3.x.y`")));
    assert!(bad.iter().any(|m| m.contains("`???`")));
    assert!(bad
        .iter()
        .any(|m| m.contains("only-bad-versions") && m.contains("every release")));

    // skipped reports are not in the db
    for name in [
        "withdrawn-report",
        "vulnerable-only",
        "pysec-only",
        "npm-only",
        "wrong-case-ecosystem",
        "suffixed-ecosystem",
        "gamma-pkg",
        "never-imported",
    ] {
        assert!(import.db.get(name).is_empty(), "{name} imported");
    }

    // explicit versions; name normalised; summary from details; first REPORT/ADVISORY/WEB url
    let a = one(import, "listed-versions-pkg");
    assert_eq!(a.id.as_deref(), Some("MAL-2099-0001"));
    assert_eq!(
        a.summary,
        "The listed releases of this test package read environment variables and post them to a test server."
    );
    assert_eq!(a.source, "https://example.invalid/listed-versions");
    check(
        &a.affected,
        &["1.0.0", "1.0", "1.0.1", "2.0", "2.0.0"],
        &["0.9", "1.0.2", "1.0.1.post1", "2.0rc1", "2.1"],
    );
    assert!(a.affected.admitted_by(Some(&specs(">=1.0.1,<2"))));
    assert!(!a.affected.admitted_by(Some(&specs(">1.0.1,<2"))));
    assert!(!a.affected.admitted_by(Some(&specs("==1.5"))));

    // introduced "0", no upper bound: every release
    let a = one(import, "every-release");
    assert_eq!(a.affected, Affected::All);
    assert_eq!(
        a.summary,
        "Every release of this test package installs a backdoor."
    );
    assert_eq!(a.source, "https://example.invalid/advisory/every-release");

    // introduced 0.9, fixed 1.0: pre-releases of 1.0 are inside, 1.0 itself is not
    let a = one(import, "introduced-fixed");
    assert_eq!(
        a.summary,
        "Releases 0.9 up to 1.0 of a hijacked test project steal tokens"
    );
    assert_eq!(a.source, "https://example.invalid/report/introduced-fixed");
    check(
        &a.affected,
        &["0.9", "0.9.5", "0.9.post1", "1.0rc1", "1.0a1", "1.0.dev1"],
        &["0.8", "0.9rc1", "1.0", "1.0.post1", "1.0.1", "1!0.9.5"],
    );
    assert!(a.affected.admitted_by(Some(&specs("~=0.9"))));
    assert!(!a.affected.admitted_by(Some(&specs(">=1.0"))));
    assert!(!a.affected.admitted_by(Some(&specs("<0.9"))));

    // introduced 1.0, last_affected 1.2: the upper bound is inclusive
    let a = one(import, "last-affected");
    assert_eq!(a.summary, "Malicious code in last-affected (PyPI)");
    assert_eq!(a.source, "https://osv.dev/vulnerability/MAL-2099-0004");
    check(
        &a.affected,
        &["1.0", "1.1", "1.2", "1.2.0", "1.2rc1"],
        &["0.9", "1.0rc1", "1.2.post1", "1.2.1", "1.3"],
    );
    assert!(a.affected.admitted_by(Some(&specs("==1.2"))));
    assert!(!a.affected.admitted_by(Some(&specs(">1.2"))));

    // several ranges (one open above), a `limit` and a GIT range that are ignored
    let a = one(import, "several-ranges");
    check(
        &a.affected,
        &["1.0", "1.0.5", "2.0", "2.1", "3.0", "3.5", "99"],
        &["0.9", "1.1", "1.5", "2.1.post1", "2.2", "2.9"],
    );
    assert!(!a.affected.admitted_by(Some(&specs(">=1.1,<2"))));
    assert!(a.affected.admitted_by(Some(&specs(">=2.5"))));

    // versions and ranges together are a union
    let a = one(import, "mixed-versions-ranges");
    check(
        &a.affected,
        &["0.1", "0.2", "1.0", "1.9.9"],
        &["0.1.1", "0.3", "0.9", "2.0"],
    );

    // epochs, post, dev, pre and local versions are distinct releases
    let a = one(import, "pep440-corners");
    check(
        &a.affected,
        &["2!1.0", "1.0.post1", "1.1.dev3", "1.2rc1", "1.3+local.7"],
        &[
            "1.0",
            "2!1.0.post1",
            "1.0.post2",
            "1.1",
            "1.1.dev2",
            "1.2",
            "1.3",
        ],
    );
    // SEMVER ranges read as PEP 440 (`1.0.0-beta.1` is `1.0.0b1`)
    let a = one(import, "semver-range");
    assert_eq!(a.id.as_deref(), Some("MAL-2099-0007"));
    check(
        &a.affected,
        &["1.0.0b1", "1.0.0rc1", "1.0.0", "1.0.1"],
        &["1.0.0a9", "1.0.2", "0.9"],
    );

    // several packages in one report; the same package twice is merged
    let a = one(import, "alpha-pkg");
    assert_eq!(a.affected, Affected::All);
    assert_eq!(a.summary, "One campaign, several test packages");
    let a = one(import, "beta-pkg");
    assert_eq!(a.id.as_deref(), Some("MAL-2099-0010"));
    check(&a.affected, &["0.3", "0.4"], &["0.5", "0.3.1"]);

    // the usable versions of a report with bad ones are kept
    let a = one(import, "bad-versions");
    check(
        &a.affected,
        &["1.0", "2.0", "5.0"],
        &["3.0", "3.5", "4.0", "5.1", "0.5"],
    );
    // nothing usable: every release rather than nothing
    assert_eq!(one(import, "only-bad-versions").affected, Affected::All);

    // found in a subdirectory; an empty `ranges` is no range: every release
    assert_eq!(one(import, "nested-report").affected, Affected::All);
}

#[test]
fn imports_the_fixture_directory() {
    let import = osv::import_dir(&fixtures()).unwrap();
    check_fixture_import(&import);
    assert!(import.errors[0]
        .file
        .starts_with(&fixtures().display().to_string()));
}

#[test]
fn imports_the_fixtures_as_a_zip() {
    let bytes = fixture_zip();
    let from_zip = osv::import_zip_bytes(&bytes, "fixtures.zip").unwrap();
    check_fixture_import(&from_zip);
    let malformed = from_zip
        .errors
        .iter()
        .find(|e| e.message.contains("line 6 column 3"))
        .unwrap();
    assert_eq!(malformed.file, "MAL-2099-0011.json", "the entry name");

    // the same advisories as from the directory
    let from_dir = osv::import_dir(&fixtures()).unwrap();
    let mut names: Vec<&str> = from_dir.db.names().collect();
    names.sort_unstable();
    let mut zip_names: Vec<&str> = from_zip.db.names().collect();
    zip_names.sort_unstable();
    assert_eq!(names, zip_names);
    for name in names {
        assert_eq!(from_dir.db.get(name), from_zip.db.get(name), "{name}");
    }
    let messages = |list: &[RecordError]| -> Vec<String> {
        let mut m: Vec<String> = list.iter().map(|e| e.message.clone()).collect();
        m.sort();
        m
    };
    assert_eq!(messages(&from_dir.errors), messages(&from_zip.errors));
    assert_eq!(messages(&from_dir.warnings), messages(&from_zip.warnings));

    // and from a file
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("all.zip");
    std::fs::write(&path, &bytes).unwrap();
    let from_file = osv::import_zip_file(&path).unwrap();
    assert_eq!(from_file.records, 10);
    assert_eq!(from_file.db.len(), 13);
}

#[test]
fn corrupt_zips_are_errors() {
    let bytes = fixture_zip();
    let truncated = &bytes[..bytes.len() / 2];
    assert!(matches!(
        osv::import_zip_bytes(truncated, "half.zip"),
        Err(OsvError::Zip { .. })
    ));
    let err = osv::import_zip_bytes(truncated, "half.zip")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("half.zip: "), "{err}");

    // cut just before the end-of-central-directory record, and at every 97th byte
    for cut in (0..bytes.len()).step_by(97).chain([bytes.len() - 22]) {
        assert!(
            osv::import_zip_bytes(&bytes[..cut], "cut.zip").is_err(),
            "cut at {cut}"
        );
    }

    // random bytes (a fixed xorshift sequence)
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let random: Vec<u8> = (0..64 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    assert!(osv::import_zip_bytes(&random, "random.zip").is_err());
    assert!(osv::import_zip_bytes(&[], "empty.zip").is_err());

    // a damaged entry (bytes flipped inside the compressed data) fails the whole import
    let mut damaged = bytes.clone();
    let at = damaged
        .windows(b"MAL-2099-0005.json".len())
        .position(|w| w == b"MAL-2099-0005.json")
        .unwrap()
        + 40;
    for b in &mut damaged[at..at + 16] {
        *b ^= 0x5A;
    }
    assert!(osv::import_zip_bytes(&damaged, "damaged.zip").is_err());
}

#[test]
fn empty_and_missing_sources_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "no json here").unwrap();
    assert!(matches!(
        osv::import_dir(dir.path()),
        Err(OsvError::Empty { .. })
    ));
    assert!(matches!(
        osv::import_dir(&dir.path().join("missing")),
        Err(OsvError::Io { .. })
    ));
    assert!(matches!(
        osv::import_zip_file(&dir.path().join("missing.zip")),
        Err(OsvError::Io { .. })
    ));

    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    writer
        .start_file("README.md", zip::write::SimpleFileOptions::default())
        .unwrap();
    writer.write_all(b"no records").unwrap();
    let bytes = writer.finish().unwrap().into_inner();
    assert!(matches!(
        osv::import_zip_bytes(&bytes, "readme.zip"),
        Err(OsvError::Empty { .. })
    ));
}

#[test]
fn parse_record_on_single_documents() {
    let path = fixtures().join("MAL-2099-0010.json");
    let list = osv::parse_record(&std::fs::read(&path).unwrap(), "0010").unwrap();
    let names: Vec<&str> = list.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["alpha-pkg", "beta-pkg"]);

    for skipped in [
        "MAL-2099-0008.json",
        "GHSA-xxxx-yyyy-zzzz.json",
        "MAL-2099-0009.json",
    ] {
        let bytes = std::fs::read(fixtures().join(skipped)).unwrap();
        assert!(osv::parse_record(&bytes, skipped).unwrap().is_empty());
    }

    let bytes = std::fs::read(fixtures().join("MAL-2099-0011.json")).unwrap();
    let err = osv::parse_record(&bytes, "MAL-2099-0011.json").unwrap_err();
    assert!(
        err.to_string().starts_with("MAL-2099-0011.json: ") && err.to_string().contains("line 6"),
        "{err}"
    );
    // valid JSON, but no id
    let err = osv::parse_record(br#"{"affected": []}"#, "no-id.json").unwrap_err();
    assert!(err.to_string().contains("missing field `id`"), "{err}");
}

#[test]
fn imports_the_shared_osv_export_when_present() {
    let Some(shared) = common::shared_dir(&["data/osv-pypi-malicious.zip"]) else {
        return;
    };
    let path = shared.join("data/osv-pypi-malicious.zip");
    let start = Instant::now();
    let import = osv::import_zip_file(&path).unwrap();
    let elapsed = start.elapsed();
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "imported {} records ({} advisories) from {} in {elapsed:?}",
            import.records,
            import.db.len(),
            path.display()
        );
    }
    assert!(import.errors.is_empty(), "{:#?}", import.errors);
    assert_eq!(import.records, 9_214);
    assert_eq!(import.db.len(), 9_214);
    // one report lists a pre-PEP 440 version (`v_05`) beside a good one: kept, with a warning
    for w in &import.warnings {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("warning: {w}");
        }
        assert!(w.message.contains("skipped"), "{w}");
    }
    assert!(import.warnings.len() <= 1, "{:#?}", import.warnings);
    assert_eq!(import.skipped, Skipped::default());
    let nums = import.db.get("num2words");
    assert_eq!(nums.len(), 1);
    assert!(nums[0].affected.contains(&v("0.5.15")));
    assert!(!nums[0].affected.contains(&v("0.5.14")));
    assert!(nums[0].affected.admitted_by(Some(&specs(">=0.5.14"))));
    assert!(!nums[0].affected.admitted_by(Some(&specs("==0.5.14"))));
}
