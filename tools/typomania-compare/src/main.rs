//! typomania's default harness (repeated characters, swapped characters, version suffix) against
//! the top-N names, over every name of a list; prints the flagged count and the wall time.
//! Usage: typomania-compare TOP_TSV NAMES_TXT [TOP_N]

use std::collections::HashMap;
use std::time::Instant;
use typomania::{AuthorSet, Corpus, Harness, Package};

struct NoAuthors;
impl AuthorSet for NoAuthors {
    fn contains(&self, _: &str) -> bool {
        false
    }
}

struct Pkg;
impl Package for Pkg {
    fn authors(&self) -> &dyn AuthorSet {
        &NoAuthors
    }
    fn description(&self) -> Option<&str> {
        None
    }
    fn shared_authors(&self, _: &dyn AuthorSet) -> bool {
        false
    }
}

struct Top(HashMap<String, Pkg>);
impl Corpus for Top {
    fn contains_name(&self, name: &str) -> typomania::Result<bool> {
        Ok(self.0.contains_key(name))
    }
    fn get(&self, name: &str) -> typomania::Result<Option<&dyn Package>> {
        Ok(self.0.get(name).map(|p| p as &dyn Package))
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let top_n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5000);
    let top_text = std::fs::read_to_string(&args[0]).expect("top list");
    let corpus: HashMap<String, Pkg> = top_text
        .lines()
        .skip(1)
        .take(top_n)
        .filter_map(|l| l.split('\t').nth(1))
        .map(|n| (n.to_owned(), Pkg))
        .collect();
    let names = std::fs::read_to_string(&args[1]).expect("names");
    let start = Instant::now();
    let harness = Harness::builder().build(Top(corpus));
    let found = harness
        .check(names.lines().map(|n| (n.to_owned(), Box::new(Pkg) as Box<dyn Package>)))
        .expect("typomania check");
    println!("{}\t{:.3}", found.len(), start.elapsed().as_secs_f64());
}
