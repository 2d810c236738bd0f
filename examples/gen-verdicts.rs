//! Adds to `data/pypi-names.sgdb` the typosquat verdicts this build's name engine finds for
//! every name (`squatguard::rules::with_clear_bits`), recorded under the identity of those
//! verdicts (`squatguard::rules::engine_id`). Run through `scripts/gen-data`, after the typo
//! index is built (this example embeds it); see `data/README.md`. `tests/data.rs` fails when
//! the embedded verdicts are not what the engine finds.

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path] = args.as_slice() else {
        let _ = writeln!(std::io::stderr(), "usage: gen-verdicts NAMES_FILE");
        std::process::exit(2);
    };
    let file = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let out =
        squatguard::rules::with_clear_bits(&file, None).unwrap_or_else(|e| panic!("{path}: {e}"));
    let set = squatguard::store::NameSet::from_bytes(&out).expect("round trip");
    let tmp = format!("{path}.tmp");
    std::fs::write(&tmp, &out).unwrap_or_else(|e| panic!("{tmp}: {e}"));
    std::fs::rename(&tmp, path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let _ = writeln!(
        std::io::stderr(),
        "gen-verdicts: {} names, engine {}, {} bytes",
        set.len(),
        set.verdicts_engine().unwrap_or("-"),
        out.len()
    );
}
