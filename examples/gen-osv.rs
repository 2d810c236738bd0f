//! Builds `data/osv-malicious.sgdb`, the malicious feed's facts embedded as the offline floor of
//! `known-malicious`, from the OSV zip and `pypi-malicious.tsv` of `shared/data`.
//! Run through `scripts/gen-data`; see `data/README.md`.

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [zip, tsv, output] = args.as_slice() else {
        let _ = writeln!(std::io::stderr(), "usage: gen-osv ZIP TSV OUTPUT");
        std::process::exit(2);
    };
    let zip = std::fs::read(zip).unwrap_or_else(|e| panic!("{zip}: {e}"));
    let tsv = std::fs::read_to_string(tsv).unwrap_or_else(|e| panic!("{tsv}: {e}"));
    let bytes = squatguard::osv::build_embedded(&zip, &tsv).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(output, &bytes).unwrap_or_else(|e| panic!("{output}: {e}"));
    let store = squatguard::store::ReportStore::from_bytes(&bytes).expect("round trip");
    let _ = writeln!(
        std::io::stderr(),
        "gen-osv: {} names, {} reports, {} bytes",
        store.meta.names,
        store.meta.records,
        bytes.len()
    );
}
