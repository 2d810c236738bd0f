//! Builds `data/typo-index.bin` from `data/popular.tsv` and `data/pypi-names.sgdb`.
//! Run through `scripts/gen-data`; `tests/data.rs` fails when the committed file is stale.

use std::io::Write;

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let bytes = squatguard::name_risk::index::build_embedded_inputs()
        .unwrap_or_else(|e| panic!("gen-typo-index: {e}"));
    let out = root.join("data/typo-index.bin");
    std::fs::write(&out, &bytes).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    let _ = writeln!(std::io::stderr(), "gen-typo-index: {} bytes", bytes.len());
}
