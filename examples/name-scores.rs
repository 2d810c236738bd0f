//! Prints, for each normalised name on stdin, what the name engine and the name's age say of it,
//! for `scripts/refit-model` and the curves of `scripts/eval`:
//! `name<TAB>score<TAB>edit<TAB>target<TAB>age class<TAB>severity<TAB>new-name two typos`, the best
//! near-miss the model scores at `FLOOR` or above (a line with an empty score when there is
//! none), the severity the committed model gives it with its age class (empty: none), which
//! `scripts/refit-model` compares with its own reckoning, and the target of a two-typo
//! near-miss that counts because the name is new (`name_risk::new_name_two_typos`, a warning
//! where the model flags nothing; empty: none). Ages come from the data in
//! use (`SQUATGUARD_DATA_DIR`, else the embedded snapshot), counted from the day it was made.
//!
//! Usage: `cargo run --release --example name-scores -- FLOOR < names.txt`

use squatguard::name_risk::{self, age, model, Verdict};
use std::io::{BufRead, Write};

fn main() {
    let floor: f32 = std::env::args()
        .nth(1)
        .and_then(|f| f.parse().ok())
        .unwrap_or_else(|| {
            let _ = writeln!(std::io::stderr(), "usage: name-scores FLOOR < names");
            std::process::exit(2)
        });
    let dir = squatguard::data::data_dir(None);
    let data = squatguard::data::Data::load(dir.as_deref(), u64::MAX);
    let day = squatguard::data::days_from_date(&data.names.meta.created).unwrap_or(0);
    let index = name_risk::embedded_index();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in std::io::stdin().lock().lines() {
        let name = line.expect("stdin reads");
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        let class = |target: &str| {
            let tv = || data.age(target).and_then(|t| t.latest_version);
            age::classify(data.age(name).as_ref(), day, tv)
        };
        // what `assess_aged` falls back on when the model flags nothing
        let new_name = || {
            name_risk::new_name_two_typos(index, name)
                .filter(|a| class(a.target) == age::AgeClass::New)
                .map_or("", |a| a.target)
        };
        let row = match name_risk::assess_at(index, name, floor) {
            Verdict::Squat(a) => {
                let class = class(a.target);
                let severity = model::aged_severity(a.score, class);
                format!(
                    "{name}\t{}\t{:?}\t{}\t{}\t{}\t{}",
                    a.score,
                    a.edit,
                    a.target,
                    class.as_str(),
                    severity.map_or("", |s| s.as_str()),
                    if severity.is_none() { new_name() } else { "" }
                )
            }
            Verdict::Clear => format!("{name}\t\t\t\t{}\t\t{}", class("").as_str(), new_name()),
            Verdict::Popular(_) => format!("{name}\t\t\t\t{}\t\t", class("").as_str()),
        };
        writeln!(out, "{row}").expect("stdout writes");
    }
}
