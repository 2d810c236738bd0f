//! The most-downloaded PyPI projects, by rank: the targets typosquatters imitate.
//!
//! Embedded from `data/popular.tsv` (derived from the PyPI listing; see `data/README.md`) and
//! parsed once, on first use.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The embedded list: `rank<TAB>name` lines after a header.
pub const POPULAR_TSV: &str = include_str!("../data/popular.tsv");

/// Popular names with their download rank (1 = most downloaded).
#[derive(Debug)]
pub struct Popular {
    /// Names in rank order.
    by_rank: Vec<(u32, &'static str)>,
    rank: HashMap<&'static str, u32>,
}

impl Popular {
    /// The embedded list, parsed once per process.
    pub fn embedded() -> &'static Popular {
        static POPULAR: OnceLock<Popular> = OnceLock::new();
        POPULAR.get_or_init(|| Popular::parse(POPULAR_TSV))
    }

    fn parse(text: &'static str) -> Popular {
        let mut by_rank = Vec::new();
        for line in text.lines().skip(1) {
            let Some((rank, name)) = line.split_once('\t') else {
                continue;
            };
            let Ok(rank) = rank.parse::<u32>() else {
                continue;
            };
            by_rank.push((rank, name));
        }
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
        assert_eq!(
            p.len(),
            POPULAR_TSV.lines().count() - 1,
            "every line parses"
        );
        assert_eq!(p.rank.len(), p.len(), "names are unique");
        for (_, name) in p.top(u32::MAX) {
            assert_eq!(crate::name::normalize(name), name);
        }
        assert!(p.rank("requests").is_some());
        assert_eq!(p.top(3).count(), 3);
    }
}
