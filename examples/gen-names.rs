//! Builds `data/pypi-names.sgdb` from a list of PyPI names (one per line), or a TSV of
//! `name<TAB>latest_version<TAB>latest_release_month` rows (`shared/data/pypi-latest.tsv`), read
//! as `db update --pypi-names` reads one. Run through `scripts/gen-data`; see `data/README.md`.

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output, source, created] = args.as_slice() else {
        let _ = writeln!(
            std::io::stderr(),
            "usage: gen-names INPUT OUTPUT SOURCE CREATED"
        );
        std::process::exit(2);
    };
    let text = std::fs::read(input).unwrap_or_else(|e| panic!("{input}: {e}"));
    let rows = squatguard::db::parse_name_rows(&text).unwrap_or_else(|e| panic!("{input}: {e}"));
    let bytes = squatguard::store::NameSet::build_with_ages(rows, source, created);
    std::fs::write(output, &bytes).unwrap_or_else(|e| panic!("{output}: {e}"));
    let set = squatguard::store::NameSet::from_bytes(&bytes).expect("round trip");
    let _ = writeln!(
        std::io::stderr(),
        "gen-names: {} names, {} bytes",
        set.len(),
        bytes.len()
    );
}
