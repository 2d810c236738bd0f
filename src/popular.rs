//! The most-downloaded PyPI projects, by rank: the targets typosquatters imitate.
//!
//! `data/popular.tsv` (derived from the PyPI listing; see `data/README.md`) is the source. The
//! binary does not embed it: the typo index, which is built from it, holds every popular name
//! with its rank as its targets ([`crate::name_risk::index`]), and the list is read from there
//! once, on first use (`tests/data.rs` holds the two to the same names and ranks).

use std::collections::HashMap;
use std::sync::OnceLock;

/// Popular names with their download rank (1 = most downloaded).
#[derive(Debug)]
pub struct Popular {
    /// Names in rank order.
    by_rank: Vec<(u32, &'static str)>,
    rank: HashMap<&'static str, u32>,
}

/// The rows of a `rank<TAB>name` file after its header line (`data/popular.tsv`), by rank;
/// lines that do not read so are left out.
pub fn rows(text: &str) -> Vec<(u32, &str)> {
    let mut rows: Vec<(u32, &str)> = text
        .lines()
        .skip(1)
        .filter_map(|line| {
            let (rank, name) = line.split_once('\t')?;
            Some((rank.parse::<u32>().ok()?, name))
        })
        .collect();
    rows.sort_unstable();
    rows
}

impl Popular {
    /// The embedded list (the typo index's targets but the brands), read once per process.
    pub fn embedded() -> &'static Popular {
        static POPULAR: OnceLock<Popular> = OnceLock::new();
        POPULAR.get_or_init(|| {
            let index = crate::name_risk::index::TypoIndex::embedded();
            let targets = (0..index.len() as u32).map(|id| index.target(id));
            Popular::of(targets.filter(|&(rank, _)| rank != crate::name_risk::index::BRAND_RANK))
        })
    }

    fn of(names: impl Iterator<Item = (u32, &'static str)>) -> Popular {
        let mut by_rank: Vec<(u32, &'static str)> = names.collect();
        by_rank.sort_unstable();
        let rank = by_rank.iter().map(|&(r, n)| (n, r)).collect();
        Popular { by_rank, rank }
    }

    /// Rank of a normalised name, if it is popular.
    pub fn rank(&self, name: &str) -> Option<u32> {
        self.rank.get(name).copied()
    }

    /// Names with rank `<= top_n`, most popular first.
    pub fn top(&self, top_n: u32) -> impl Iterator<Item = (u32, &'static str)> + '_ {
        self.by_rank
            .iter()
            .copied()
            .take_while(move |&(r, _)| r <= top_n)
    }

    pub fn len(&self) -> usize {
        self.by_rank.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_rank.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_list_is_canonical() {
        let p = Popular::embedded();
        let tsv = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/popular.tsv"))
            .unwrap();
        assert_eq!(p.len(), tsv.lines().count() - 1, "every line parses");
        // the names and ranks of the list's source, read from the typo index
        let top: Vec<(u32, &str)> = p.top(u32::MAX).collect();
        assert_eq!(top, rows(&tsv));
        assert_eq!(p.rank.len(), p.len(), "names are unique");
        for (_, name) in p.top(u32::MAX) {
            assert_eq!(crate::name::normalize(name), name);
        }
        assert!(p.rank("requests").is_some());
        assert_eq!(p.top(3).count(), 3);
    }
}
