//! The embedded data files are canonical and up to date with their sources in `data/`.

use squatguard::name_risk::index::{build_embedded_inputs, TypoIndex, BRANDS};

#[test]
fn typo_index_is_up_to_date() {
    let committed =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/typo-index.bin")).unwrap();
    let fresh = build_embedded_inputs().unwrap();
    assert!(
        committed == fresh,
        "data/typo-index.bin is stale: run `cargo run --release --example gen-typo-index` (scripts/gen-data)"
    );
    let idx = TypoIndex::new(&committed).unwrap();
    assert_eq!(
        idx.len(),
        squatguard::popular::Popular::embedded().len() + BRANDS.len(),
        "popular names plus the brands"
    );
}

#[test]
fn popular_names_are_in_the_name_snapshot() {
    let names = squatguard::store::NameSet::embedded();
    let popular = squatguard::popular::Popular::embedded();
    let missing: Vec<&str> = popular
        .top(u32::MAX)
        .map(|(_, n)| n)
        .filter(|n| !names.contains(n))
        .collect();
    assert!(missing.is_empty(), "{missing:?}");
}

mod common;

/// `data/osv-malicious.sgdb` is what `scripts/gen-data` (`examples/gen-osv.rs`) builds from the
/// shared OSV zip and `pypi-malicious.tsv`, and holds facts only.
#[test]
fn embedded_malicious_feed_is_what_the_script_generates() {
    let Some(shared) =
        common::shared_dir(&["data/osv-pypi-malicious.zip", "data/pypi-malicious.tsv"])
    else {
        return;
    };
    let zip = std::fs::read(shared.join("data/osv-pypi-malicious.zip")).unwrap();
    let tsv = std::fs::read_to_string(shared.join("data/pypi-malicious.tsv")).unwrap();
    let fresh = squatguard::osv::build_embedded(&zip, &tsv).unwrap();
    let committed = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/osv-malicious.sgdb"
    ))
    .unwrap();
    assert!(
        committed == fresh,
        "data/osv-malicious.sgdb is stale: run scripts/gen-data"
    );
    // every name of the TSV has reports, and no report carries text beyond its facts
    let store = squatguard::store::ReportStore::embedded();
    let rows: Vec<&str> = tsv.lines().skip(1).collect();
    assert_eq!(store.len(), 11_154);
    assert_eq!(store.len(), rows.len());
    for row in rows {
        let name = row.split('\t').next().unwrap();
        let reports = store.get(name).unwrap();
        assert!(!reports.is_empty(), "{name}");
        for r in reports {
            assert!(r.summary.is_empty(), "{name}: {}", r.summary);
            let id = r.id.as_deref().unwrap();
            assert_eq!(r.source, squatguard::store::osv_page(id));
        }
    }
}

/// The embedded feed's facts: ranges, ids and dates as the reports and the TSV give them.
#[test]
fn embedded_malicious_feed_carries_the_reports_facts() {
    use squatguard::advisory::Affected;
    let store = squatguard::store::ReportStore::embedded();
    // a full report on every release
    let equests = store.get("equests").unwrap();
    assert_eq!(equests.len(), 1);
    assert_eq!(equests[0].id.as_deref(), Some("MAL-2022-7433"));
    assert_eq!(equests[0].affected, Affected::All);
    assert_eq!(equests[0].published.as_deref(), Some("2022-05-31"));
    // a compromised popular project: its bad releases only
    let n2w = store.get("num2words").unwrap();
    assert_eq!(n2w[0].affected.describe(), "0.5.15, 0.5.16");
    // a name-only row of pypi-malicious.tsv: every release, no date
    let miners = store.get("7miners").unwrap();
    assert_eq!(miners[0].id.as_deref(), Some("MAL-2026-2670"));
    assert_eq!(miners[0].affected, Affected::All);
    assert_eq!(miners[0].published, None);
    assert!(store.get("requests").unwrap().is_empty());
}

/// The embedded name set's precomputed verdicts are what this build's name engine finds for
/// every name, and are recorded under the identity of that engine (`store::Verdicts`).
#[test]
fn embedded_verdicts_are_what_the_engine_finds() {
    let file = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/pypi-names.sgdb")).unwrap();
    let rebuilt = squatguard::rules::with_clear_bits(&file, None).unwrap();
    assert!(
        rebuilt == file,
        "data/pypi-names.sgdb's verdicts are stale: run `cargo run --release --example gen-verdicts -- data/pypi-names.sgdb` (scripts/gen-data)"
    );
    let set = squatguard::store::NameSet::from_bytes(&file).unwrap();
    let clear = (0..set.len() as u64)
        .filter(|&r| set.listed_clear(squatguard::store::ListedAge::of_rank(r)))
        .count();
    // most names are clear; the rest are near a popular name, or popular themselves
    assert!(clear > set.len() * 9 / 10 && clear < set.len(), "{clear}");
}
