//! The embedded data files are canonical and up to date with their sources in `data/`.

use squatguard::name_risk::index::{build_embedded_inputs, TypoIndex, BRANDS};

#[test]
fn typo_index_is_up_to_date() {
    let committed =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/typo-index.bin")).unwrap();
    let fresh = build_embedded_inputs();
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
