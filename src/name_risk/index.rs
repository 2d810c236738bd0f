//! The typosquat index: popular names prepared so that every popular name one typo away from a
//! given name is found with a handful of hash probes, read in place from the binary (no start-up
//! cost, whatever the corpus size).
//!
//! Keys, each hashed with a tag byte so kinds never mix:
//! - `D` + a popular name without separators, and every string one deletion away from it: two
//!   names one edit apart share one of these (symmetric-delete search);
//! - `H` + its look-alike skeleton (`rn`→`m`, `1`→`l`, ...), for homoglyph squats;
//! - `W` + its words sorted, for reordered words.
//!
//! After the names, the words common in PyPI names (`test`, `client`, `sdk`: in at least
//! [`COMMON_WORD_MIN_NAMES`] names), for the guard against names that differ from a popular one
//! by a whole ordinary word (`jaraco-test` beside `jaraco-text`).
//!
//! A probe can return names that are not one typo away (hash collisions, or two deletions that
//! meet): callers verify every candidate.
//!
//! ```text
//! file     = magic header bigram filter targets buckets keys postings names words twotypos
//! magic    = "SGTX" 0x06     (0x03: common words; 0x04: the two-typo tables; 0x05: one u32
//!            per slot of an open-addressing table; 0x06: keys sorted into buckets, and a
//!            filter of 2^21 bits instead of 2^22)
//! header   = n_targets n_keys n_postings names_len words_len (u32 LE each)
//! bigram   = 38 x 38 f32 LE: log P(next | prev) over all PyPI names, `^`/`$` for the ends
//! filter   = 2^21 bits (bytes, least significant bit first): a bit per key hash (its low 21
//!            bits), checked before the buckets so that nine in ten of the probes that find
//!            nothing read one cache line of 256 KB instead of two (one of 2^20 bits, one in
//!            five, made `audit` a tenth slower; none, a third)
//! targets  = n_targets x (rank u32, name offset u32, name length u32)
//! buckets  = (2^15 + 1) x u32 LE: where each bucket's keys start in `keys` (the last: n_keys);
//!            a key's bucket is the top 15 bits of its hash
//! keys     = n_keys x u32 LE, by bucket, then fingerprint, then value: the key's fingerprint
//!            (the 16 bits of its hash below its bucket's) in the high half and its value in the
//!            low half: with the top bit set, the one target id; else where the key's posting
//!            list starts in `postings` (so at most 32,767 targets and posting words: [`build`]
//!            refuses more)
//! postings = u32s: count, then that many target ids (keys shared by several targets)
//! names    = the targets' names, concatenated
//! words    = the common words, sorted, joined by `\n`
//! twotypos = n_top n_new (u32 LE each), then that many entries of each [`TwoTyposReach`]
//!            (top, then new), each sorted by prefix, length, id:
//!            key (u32 BE: prefix (3 bytes) and length) family 0 0 0 symbols (u32 LE) id (u32 LE)
//! ```
//!
//! The two-typo tables are the targets judged for two typos, by the first
//! [`TWO_TYPOS_SHARED_PREFIX`] letters, for each reach; kept in the file because every name
//! that nothing else flags is screened against them, and sorting them at start-up cost more
//! than a `check` of a short file.

use super::edits::{skeleton, sorted_words, squash};
use std::collections::HashMap;

const MAGIC: &[u8; 5] = b"SGTX\x06";
/// A word in at least this many PyPI names is a common word.
pub const COMMON_WORD_MIN_NAMES: usize = 200;
/// Symbols of the bigram model: `^`, `$`, a-z, 0-9.
pub const SYMBOLS: usize = 38;

/// Names squatted although they are not PyPI packages, with what they are: the language, and
/// the brands that public reports name as typosquatting targets (`../shared/docs` anchors:
/// python, ethereum, opensea). Stored with rank [`BRAND_RANK`] and scored as the most popular.
pub const BRANDS: &[(&str, &str)] = &[
    ("python", "the language's name"),
    ("ethereum", "the blockchain's name"),
    ("opensea", "the NFT marketplace's name"),
];
pub const BRAND_RANK: u32 = 0;

/// Key tags.
pub const TAG_DELETE: u8 = b'D';
pub const TAG_HOMOGLYPH: u8 = b'H';
pub const TAG_WORDS: u8 = b'W';

/// The embedded index (built by `examples/gen-typo-index.rs`; `tests/data.rs` checks it is
/// up to date with `data/popular.tsv` and `data/pypi-names.sgdb`).
const EMBEDDED: &[u8] = include_bytes!("../../data/typo-index.bin");

/// The embedded index's bytes (what identifies the name engine, with its verdicts:
/// [`crate::rules::engine_id`]).
pub fn embedded_bytes() -> &'static [u8] {
    EMBEDDED
}

/// Multiplier of the polynomial key hash: odd, so it has an inverse modulo 2^64.
const POLY: u64 = 0x9e37_79b9_7f4a_7c15;
const POLY_INV: u64 = inverse(POLY);

/// The inverse of an odd number modulo 2^64 (Newton's iteration doubles the correct bits).
const fn inverse(x: u64) -> u64 {
    let mut y = x;
    let mut i = 0;
    while i < 6 {
        y = y.wrapping_mul(2u64.wrapping_sub(x.wrapping_mul(y)));
        i += 1;
    }
    y
}

/// Spreads the polynomial's bits (MurmurHash3's finaliser): buckets and fingerprints
/// each take different bits.
fn finish(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Polynomial hash of the tag and key, sum of byte x POLY^position, then finished. Being a sum,
/// the hash of the key with one character deleted follows from prefix sums in O(1)
/// ([`deletion_hashes`]), so a name's whole deletion neighbourhood costs one pass.
/// Stable across builds and platforms.
pub fn key_hash(tag: u8, key: &[u8]) -> u64 {
    let mut h = 0u64;
    let mut p = 1u64;
    for &b in std::iter::once(&tag).chain(key) {
        h = h.wrapping_add(u64::from(b).wrapping_mul(p));
        p = p.wrapping_mul(POLY);
    }
    finish(h)
}

/// Calls `f` with [`key_hash`] of `key` with each character deleted in turn (a character
/// equal to the one before it is skipped: deleting either gives the same key).
pub fn deletion_hashes(tag: u8, key: &str, mut f: impl FnMut(u64)) {
    let bytes = key.as_bytes();
    // prefix[k] = sum over the first k bytes of tag+key; powers alongside
    const MAX: usize = 128;
    if bytes.len() + 1 >= MAX {
        let mut buf = String::with_capacity(key.len());
        for (i, c) in key.char_indices() {
            buf.clear();
            buf.push_str(&key[..i]);
            buf.push_str(&key[i + c.len_utf8()..]);
            f(key_hash(tag, buf.as_bytes()));
        }
        return;
    }
    let mut prefix = [0u64; MAX + 1];
    let mut p = 1u64;
    for (k, &b) in std::iter::once(&tag).chain(bytes).enumerate() {
        prefix[k + 1] = prefix[k].wrapping_add(u64::from(b).wrapping_mul(p));
        p = p.wrapping_mul(POLY);
    }
    let full = prefix[bytes.len() + 1];
    let mut prev = None;
    for (i, c) in key.char_indices() {
        if prev == Some(c) {
            continue;
        }
        prev = Some(c);
        // bytes i..i+w of the key are bytes i+1..i+1+w of tag+key; what follows moves down w places
        let w = c.len_utf8();
        let mut tail = full.wrapping_sub(prefix[i + 1 + w]);
        for _ in 0..w {
            tail = tail.wrapping_mul(POLY_INV);
        }
        f(finish(prefix[i + 1].wrapping_add(tail)));
    }
}

/// Bits of a key's hash that choose its bucket: 2^15 buckets for about 218,000 keys, some
/// seven to a bucket, which one or two cache lines hold.
const BUCKET_BITS: u32 = 15;
const BUCKETS: usize = 1 << BUCKET_BITS;

/// A hash's bucket, and the fingerprint stored for it (in a key's high half).
fn bucket_and_fingerprint(h: u64) -> (usize, u32) {
    (
        (h >> (64 - BUCKET_BITS)) as usize,
        ((h >> (48 - BUCKET_BITS)) & 0xffff) as u32,
    )
}

/// A key value's flag for a key of one target, whose id is the rest of the value.
const DIRECT: u32 = 1 << 15;
const FILTER_BITS: usize = 1 << 21;

/// A hash's bit in the filter: bits that neither its bucket nor its fingerprint use.
fn filter_bit(h: u64) -> usize {
    (h as usize) & (FILTER_BITS - 1)
}

/// Symbol index for the bigram model.
pub fn symbol(c: u8) -> Option<usize> {
    match c {
        b'^' => Some(0),
        b'$' => Some(1),
        b'a'..=b'z' => Some(2 + (c - b'a') as usize),
        b'0'..=b'9' => Some(28 + (c - b'0') as usize),
        _ => None,
    }
}

/// How many leading letters a two-typo squat shares with its target (see [`super::TWO_TYPOS_TOP`]).
pub const TWO_TYPOS_SHARED_PREFIX: usize = 3;

/// Which popular names a name is judged against for two typos ([`TypoIndex::two_typo_targets`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TwoTyposReach {
    /// The top [`super::TWO_TYPOS_TOP`] of [`super::TWO_TYPOS_MIN_TARGET_LEN`]+ letters: any name.
    Top = 0,
    /// Every popular name of [`super::NEW_TWO_TYPOS_MIN_TARGET_LEN`]+ letters: a new name only.
    NewName = 1,
}

impl TwoTyposReach {
    /// The lowest rank and the fewest letters (without separators) of its targets.
    fn bounds(self) -> (u32, usize) {
        match self {
            TwoTyposReach::Top => (super::TWO_TYPOS_TOP, super::TWO_TYPOS_MIN_TARGET_LEN),
            TwoTyposReach::NewName => (u32::MAX, super::NEW_TWO_TYPOS_MIN_TARGET_LEN),
        }
    }
}

/// Bytes per entry of the two-typo tables.
const TWO_TYPOS_ENTRY: usize = 16;

/// A bit for each letter `s` uses, one for any digit, one for anything else: two strings
/// two edits apart differ in at most four bits (an edit changes at most two).
fn symbol_mask(s: &[u8]) -> u32 {
    s.iter().fold(0, |m, &c| {
        m | 1
            << match c {
                b'a'..=b'z' => u32::from(c - b'a'),
                b'0'..=b'9' => 26,
                _ => 27,
            }
    })
}

/// The sort key of a two-typo table entry: its first [`TWO_TYPOS_SHARED_PREFIX`] bytes, then its
/// length (capped at 255), as one big-endian number.
fn two_typos_key(sq: &[u8]) -> Option<u32> {
    let &[a, b, c, ..] = sq else { return None };
    let len = u8::try_from(sq.len()).unwrap_or(u8::MAX);
    Some(u32::from_be_bytes([a, b, c, len]))
}

/// A read-only view of an index file.
pub struct TypoIndex<'a> {
    bytes: &'a [u8],
    /// Where each [`TwoTyposReach`]'s table starts, and its entries.
    two_typos: [(usize, usize); 2],
    n_targets: usize,
    n_keys: usize,
    bigram_at: usize,
    filter_at: usize,
    targets_at: usize,
    buckets_at: usize,
    keys_at: usize,
    postings_at: usize,
    /// The names section, checked to be UTF-8 once, when the index is opened.
    names: &'a str,
    /// The common words section.
    words: &'a [u8],
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

impl<'a> TypoIndex<'a> {
    /// The index compiled into the binary.
    pub fn embedded() -> TypoIndex<'static> {
        TypoIndex::new(EMBEDDED).expect("data/typo-index.bin is valid")
    }

    /// Checks the layout and wraps the bytes.
    pub fn new(bytes: &'a [u8]) -> Result<TypoIndex<'a>, String> {
        if !bytes.starts_with(MAGIC) || bytes.len() < MAGIC.len() + 20 {
            return Err("not a squatguard typo index".into());
        }
        let h = MAGIC.len();
        let n_targets = u32_at(bytes, h) as usize;
        let n_keys = u32_at(bytes, h + 4) as usize;
        let n_postings = u32_at(bytes, h + 8) as usize;
        let names_len = u32_at(bytes, h + 12) as usize;
        let words_len = u32_at(bytes, h + 16) as usize;
        let bigram_at = h + 20;
        let filter_at = bigram_at + SYMBOLS * SYMBOLS * 4;
        let targets_at = filter_at + FILTER_BITS / 8;
        let buckets_at = targets_at + n_targets * 12;
        let keys_at = buckets_at + (BUCKETS + 1) * 4;
        let postings_at = keys_at + n_keys * 4;
        let names_at = postings_at + n_postings * 4;
        let words_at = names_at + names_len;
        let two_typos_at = words_at + words_len;
        if two_typos_at + 8 > bytes.len() {
            return Err("typo index has a bad layout".into());
        }
        let n_top = u32_at(bytes, two_typos_at) as usize;
        let n_new = u32_at(bytes, two_typos_at + 4) as usize;
        let top_at = two_typos_at + 8;
        let new_at = top_at + n_top * TWO_TYPOS_ENTRY;
        if new_at + n_new * TWO_TYPOS_ENTRY != bytes.len()
            || u32_at(bytes, keys_at - 4) as usize != n_keys
        {
            return Err("typo index has a bad layout".into());
        }
        let names = std::str::from_utf8(&bytes[names_at..words_at])
            .map_err(|_| "typo index names are not UTF-8".to_owned())?;
        Ok(TypoIndex {
            bytes,
            two_typos: [(top_at, n_top), (new_at, n_new)],
            n_targets,
            n_keys,
            bigram_at,
            filter_at,
            targets_at,
            buckets_at,
            keys_at,
            postings_at,
            names,
            words: &bytes[words_at..two_typos_at],
        })
    }

    pub fn len(&self) -> usize {
        self.n_targets
    }

    pub fn is_empty(&self) -> bool {
        self.n_targets == 0
    }

    /// Rank and name of target `id`.
    pub fn target(&self, id: u32) -> (u32, &'a str) {
        let at = self.targets_at + id as usize * 12;
        let rank = u32_at(self.bytes, at);
        let off = u32_at(self.bytes, at + 4) as usize;
        let len = u32_at(self.bytes, at + 8) as usize;
        (rank, self.names.get(off..off + len).unwrap_or(""))
    }

    /// Targets to judge `squashed` (of namespace family `family`, [`super::edits::family_id`])
    /// against for two typos: popular names of the `reach` that start with the same letters,
    /// are at most two letters longer or shorter, differ in at most four of the letters they
    /// use (`symbol_mask`), and are not of the same family (which is legitimate); in target
    /// order, so the most popular first. Every name that nothing else flags is asked
    /// ([`super::assess_aged`]), so the screen must be cheap: two binary searches in the file's
    /// table and a mask per candidate.
    pub fn two_typo_targets(&self, squashed: &[u8], family: u8, reach: TwoTyposReach) -> Vec<u32> {
        let (at, n) = self.two_typos[reach as usize];
        let Some(key) = two_typos_key(squashed) else {
            return Vec::new();
        };
        let entry =
            |i: usize| &self.bytes[at + i * TWO_TYPOS_ENTRY..at + (i + 1) * TWO_TYPOS_ENTRY];
        let key_at = |i: usize| u32::from_be_bytes(entry(i)[..4].try_into().expect("4 bytes"));
        // the first entry whose key is not below `k`
        let lower_bound = |k: u32| {
            let (mut lo, mut hi) = (0, n);
            while lo < hi {
                let mid = (lo + hi) / 2;
                if key_at(mid) < k {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            lo
        };
        // the same prefix, two letters shorter to two longer
        let len = key & 0xff;
        let from = lower_bound(key - len.min(2));
        let to = if len + 2 >= 0xff {
            (key | 0xff).checked_add(1).map_or(n, lower_bound)
        } else {
            lower_bound(key + 3)
        };
        let symbols = symbol_mask(squashed);
        let mut ids: Vec<u32> = (from..to)
            .map(entry)
            .filter(|e| {
                (u32_at(e, 8) ^ symbols).count_ones() <= 4 && (family == 0 || e[4] != family)
            })
            .map(|e| u32_at(e, 12))
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Target ids stored under a key (possibly with others that share its hash).
    pub fn probe(&self, tag: u8, key: &[u8], f: impl FnMut(u32)) {
        self.probe_hash(key_hash(tag, key), f)
    }

    /// Target ids stored under the key of hash `h` ([`key_hash`], [`deletion_hashes`]): the
    /// keys of its bucket with its fingerprint (a fingerprint can be another key's too).
    pub fn probe_hash(&self, h: u64, mut f: impl FnMut(u32)) {
        let bit = filter_bit(h);
        if self.bytes[self.filter_at + bit / 8] & (1 << (bit % 8)) == 0 {
            return;
        }
        let (bucket, fp) = bucket_and_fingerprint(h);
        let from = u32_at(self.bytes, self.buckets_at + bucket * 4) as usize;
        let to = (u32_at(self.bytes, self.buckets_at + bucket * 4 + 4) as usize).min(self.n_keys);
        for i in from..to {
            let key = u32_at(self.bytes, self.keys_at + i * 4);
            match (key >> 16).cmp(&fp) {
                std::cmp::Ordering::Less => continue,
                std::cmp::Ordering::Greater => return,
                std::cmp::Ordering::Equal => {}
            }
            let value = key & 0xffff;
            if value & DIRECT != 0 {
                f(value & !DIRECT);
            } else {
                let mut at = self.postings_at + value as usize * 4;
                let count = u32_at(self.bytes, at);
                for _ in 0..count {
                    at += 4;
                    f(u32_at(self.bytes, at));
                }
            }
        }
    }

    /// True when `word` is in at least [`COMMON_WORD_MIN_NAMES`] PyPI names (a binary search
    /// over the sorted words section, in place).
    pub fn is_common_word(&self, word: &str) -> bool {
        let (text, word) = (self.words, word.as_bytes());
        // lo is always the start of a line; the lines left to search start in lo..hi
        let (mut lo, mut hi) = (0, text.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let start = text[..mid]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let end = text[start..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(text.len(), |i| start + i);
            match text[start..end].cmp(word) {
                std::cmp::Ordering::Equal => return true,
                std::cmp::Ordering::Less => lo = end + 1,
                std::cmp::Ordering::Greater => hi = start,
            }
        }
        false
    }

    /// log P(b | a) in the bigram model over PyPI names.
    pub fn bigram(&self, a: usize, b: usize) -> f32 {
        let at = self.bigram_at + (a * SYMBOLS + b) * 4;
        f32::from_le_bytes(self.bytes[at..at + 4].try_into().expect("4 bytes"))
    }

    /// log-probability of a name (without separators) under the bigram model.
    pub fn log_prob(&self, squashed: &str) -> f32 {
        let mut prev = 0;
        let mut total = 0.0;
        for c in squashed.bytes().chain(std::iter::once(b'$')) {
            let Some(s) = symbol(c) else { continue };
            total += self.bigram(prev, s);
            prev = s;
        }
        total
    }
}

/// Builds an index file from popular names (`(rank, normalised name)`) and a stream of every
/// PyPI name for the bigram model. Refuses more targets, or more posting words, than a slot's
/// 15 bits count.
pub fn build<'n>(
    popular: &[(u32, String)],
    all_names: impl Iterator<Item = &'n str>,
) -> Result<Vec<u8>, String> {
    if popular.len() > DIRECT as usize {
        return Err(format!(
            "{} popular names: a typo index holds at most {}",
            popular.len(),
            DIRECT
        ));
    }
    // bigram model: (count + 0.5) / (count of the first symbol + 20), as the tuning used
    let mut bigrams = vec![0u64; SYMBOLS * SYMBOLS];
    let mut unigrams = vec![0u64; SYMBOLS];
    let mut word_counts: HashMap<&str, usize> = HashMap::new();
    for name in all_names {
        let mut words: Vec<&str> = name.split('-').collect();
        words.sort_unstable();
        words.dedup();
        for w in words {
            if w.len() >= 3 && w.bytes().all(|b| b.is_ascii_alphanumeric()) {
                *word_counts.entry(w).or_default() += 1;
            }
        }
        let mut prev = 0;
        for c in squash(name).bytes().chain(std::iter::once(b'$')) {
            let Some(s) = symbol(c) else { continue };
            bigrams[prev * SYMBOLS + s] += 1;
            unigrams[prev] += 1;
            prev = s;
        }
    }
    let mut keys: HashMap<u64, Vec<u32>> = HashMap::new();
    let mut add = |tag: u8, key: &str, id: u32| {
        let list = keys.entry(key_hash(tag, key.as_bytes())).or_default();
        if list.last() != Some(&id) {
            list.push(id);
        }
    };
    for (id, (_, name)) in popular.iter().enumerate() {
        let id = id as u32;
        let sq = squash(name);
        add(TAG_DELETE, &sq, id);
        for (i, c) in sq.char_indices() {
            let mut v = String::with_capacity(sq.len());
            v.push_str(&sq[..i]);
            v.push_str(&sq[i + c.len_utf8()..]);
            add(TAG_DELETE, &v, id);
        }
        add(TAG_HOMOGLYPH, &skeleton(&sq), id);
        if let Some(words) = sorted_words(name) {
            add(TAG_WORDS, &words, id);
        }
    }
    // each key as its bucket, fingerprint and value, in that order
    let mut postings: Vec<u32> = Vec::new();
    let mut entries: Vec<(u64, Vec<u32>)> = keys.into_iter().collect();
    entries.sort_unstable();
    let mut filter = vec![0u8; FILTER_BITS / 8];
    for (h, _) in &entries {
        let bit = filter_bit(*h);
        filter[bit / 8] |= 1 << (bit % 8);
    }
    let mut stored: Vec<(usize, u32)> = Vec::with_capacity(entries.len());
    for (h, ids) in entries {
        let value = if let [only] = ids.as_slice() {
            only | DIRECT
        } else {
            let at = postings.len() as u32;
            if at >= DIRECT {
                return Err(format!(
                    "more than {DIRECT} posting words: a typo index holds at most that many"
                ));
            }
            postings.push(ids.len() as u32);
            postings.extend(ids);
            at
        };
        let (bucket, fp) = bucket_and_fingerprint(h);
        stored.push((bucket, fp << 16 | value));
    }
    stored.sort_unstable();
    let mut buckets = Vec::with_capacity(BUCKETS + 1);
    let mut at = 0;
    for bucket in 0..=BUCKETS {
        while at < stored.len() && stored[at].0 < bucket {
            at += 1;
        }
        buckets.push(at as u32);
    }
    let mut names = Vec::new();
    let mut targets = Vec::with_capacity(popular.len() * 12);
    for (rank, name) in popular {
        targets.extend_from_slice(&rank.to_le_bytes());
        targets.extend_from_slice(&(names.len() as u32).to_le_bytes());
        targets.extend_from_slice(&(name.len() as u32).to_le_bytes());
        names.extend_from_slice(name.as_bytes());
    }
    let mut common: Vec<&str> = word_counts
        .into_iter()
        .filter(|&(_, n)| n >= COMMON_WORD_MIN_NAMES)
        .map(|(w, _)| w)
        .collect();
    common.sort_unstable();
    let words = common.join("\n");
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    for n in [
        popular.len(),
        stored.len(),
        postings.len(),
        names.len(),
        words.len(),
    ] {
        out.extend_from_slice(&(n as u32).to_le_bytes());
    }
    for a in 0..SYMBOLS {
        for b in 0..SYMBOLS {
            let p =
                ((bigrams[a * SYMBOLS + b] as f64 + 0.5) / (unigrams[a] as f64 + 20.0)).ln() as f32;
            out.extend_from_slice(&p.to_le_bytes());
        }
    }
    out.extend_from_slice(&filter);
    out.extend_from_slice(&targets);
    for b in &buckets {
        out.extend_from_slice(&b.to_le_bytes());
    }
    for (_, key) in &stored {
        out.extend_from_slice(&key.to_le_bytes());
    }
    for p in &postings {
        out.extend_from_slice(&p.to_le_bytes());
    }
    out.extend_from_slice(&names);
    out.extend_from_slice(words.as_bytes());
    let tables = [TwoTyposReach::Top, TwoTyposReach::NewName].map(|reach| {
        let (top, min_len) = reach.bounds();
        let mut t: Vec<(u32, u32, [u8; TWO_TYPOS_ENTRY])> = popular
            .iter()
            .enumerate()
            .filter(|(_, (rank, _))| (1..=top).contains(rank))
            .filter_map(|(id, (_, name))| {
                let sq = squash(name);
                let key = two_typos_key(sq.as_bytes()).filter(|_| sq.len() >= min_len)?;
                let mut e = [0u8; TWO_TYPOS_ENTRY];
                e[..4].copy_from_slice(&key.to_be_bytes());
                e[4] = super::edits::family_id(name);
                e[8..12].copy_from_slice(&symbol_mask(sq.as_bytes()).to_le_bytes());
                e[12..].copy_from_slice(&(id as u32).to_le_bytes());
                Some((key, id as u32, e))
            })
            .collect();
        t.sort_unstable_by_key(|&(key, id, _)| (key, id));
        t
    });
    for t in &tables {
        out.extend_from_slice(&(t.len() as u32).to_le_bytes());
    }
    for t in &tables {
        for (_, _, e) in t {
            out.extend_from_slice(e);
        }
    }
    Ok(out)
}

/// The index as built from the data files in the repository (for the generator and the
/// staleness test).
pub fn build_embedded_inputs() -> Result<Vec<u8>, String> {
    // the list's source, not the embedded list: that is read from the index this builds
    let tsv = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/popular.tsv"))
        .map_err(|e| format!("data/popular.tsv: {e}"))?;
    let mut popular: Vec<(u32, String)> = crate::popular::rows(&tsv)
        .into_iter()
        .map(|(r, n)| (r, n.to_owned()))
        .collect();
    // names everyone types but that are not packages: squatters register their typos too
    popular.extend(BRANDS.iter().map(|(b, _)| (BRAND_RANK, (*b).to_owned())));
    let names = crate::store::NameSet::embedded();
    let mut all = Vec::with_capacity(names.len());
    names.for_each(|n| all.push(n.to_owned()));
    build(&popular, all.iter().map(String::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_whose_names_are_not_utf8_is_refused() {
        let popular = vec![(1, "requests".to_owned())];
        let mut bytes = build(&popular, ["requests"].into_iter()).unwrap();
        assert!(TypoIndex::new(&bytes).is_ok());
        // a two-typo table cut short, or longer than its count
        assert!(TypoIndex::new(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(TypoIndex::new(&longer).is_err());
        let at = bytes.windows(8).rposition(|w| w == b"requests").unwrap();
        bytes[at + 7] = 0xff;
        assert!(TypoIndex::new(&bytes).is_err());
    }

    #[test]
    fn build_and_probe() {
        let popular = vec![
            (1, "requests".to_owned()),
            (2, "python-dateutil".to_owned()),
            (3, "matplotlib".to_owned()),
        ];
        let bytes = build(&popular, ["requests", "flask", "django"].into_iter()).unwrap();
        let idx = TypoIndex::new(&bytes).unwrap();
        assert_eq!(idx.len(), 3);
        assert_eq!(idx.target(1), (2, "python-dateutil"));
        let mut hits = Vec::new();
        idx.probe(TAG_DELETE, b"reqests", |id| hits.push(id));
        assert_eq!(hits, [0]);
        hits.clear();
        idx.probe(TAG_HOMOGLYPH, skeleton("rnatplot1ib").as_bytes(), |id| {
            hits.push(id)
        });
        assert_eq!(hits, [2]);
        hits.clear();
        idx.probe(
            TAG_WORDS,
            sorted_words("dateutil-python").unwrap().as_bytes(),
            |id| hits.push(id),
        );
        assert_eq!(hits, [1]);
        hits.clear();
        idx.probe(TAG_DELETE, b"nothing-here", |id| hits.push(id));
        assert!(hits.is_empty());
        assert!(idx.log_prob("requests") > idx.log_prob("rqxzests"));
        assert!(TypoIndex::new(&bytes[..bytes.len() - 1]).is_err());
    }

    /// A slot's value has 15 bits for a target id or a posting list's start: a 32,768th
    /// target, or a posting list past 32,767 words, is refused, not stored under another's.
    #[test]
    fn more_targets_or_postings_than_a_slot_counts_are_refused() {
        // twelve letters drawn at random: their deletions are hardly ever shared
        let mut x = 1u64;
        let mut letters = || {
            (0..12)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    char::from(b'a' + (x >> 59) as u8 % 26)
                })
                .collect::<String>()
        };
        let popular: Vec<(u32, String)> = (0..=DIRECT).map(|i| (i + 1, letters())).collect();
        let err = build(&popular, std::iter::empty()).unwrap_err();
        assert!(err.contains("at most 32768"), "{err}");
        assert!(build(&popular[1..], std::iter::empty()).is_ok());
        // `p0` .. `p19999`: their deletions (`0`, `p1`, ...) are shared by thousands
        let shared: Vec<(u32, String)> = (0..20_000).map(|i| (i + 1, format!("p{i}"))).collect();
        let err = build(&shared, std::iter::empty()).unwrap_err();
        assert!(err.contains("posting words"), "{err}");
    }

    #[test]
    fn common_words_are_found_in_place() {
        let popular = vec![(1, "requests".to_owned())];
        let names: Vec<String> = (0..COMMON_WORD_MIN_NAMES)
            .flat_map(|i| [format!("a{i}-client"), format!("b{i}-sdk-client")])
            .chain(["zzz-rare".to_owned()])
            .collect();
        let bytes = build(&popular, names.iter().map(String::as_str)).unwrap();
        let idx = TypoIndex::new(&bytes).unwrap();
        assert!(idx.is_common_word("client"));
        assert!(idx.is_common_word("sdk"));
        for absent in ["clien", "clients", "rare", "zzz", "a1", "", "~"] {
            assert!(!idx.is_common_word(absent), "{absent}");
        }
        let empty = build(&popular, ["requests"].into_iter()).unwrap();
        assert!(!TypoIndex::new(&empty).unwrap().is_common_word("client"));
    }

    /// Every deletion's hash, derived from prefix sums, is the hash of the shortened key
    /// itself: ASCII, repeated letters, multi-byte characters and keys past the fast path.
    #[test]
    fn deletion_hashes_match_hashing_the_shortened_key() {
        let long = "x".repeat(200) + "yz";
        for key in [
            "requests",
            "aab",
            "a",
            "",
            "ré-quests",
            "日本x",
            long.as_str(),
        ] {
            let mut expected = Vec::new();
            let mut prev = None;
            for (i, c) in key.char_indices() {
                if prev == Some(c) && key.len() + 1 < 128 {
                    continue;
                }
                prev = Some(c);
                let shortened = format!("{}{}", &key[..i], &key[i + c.len_utf8()..]);
                expected.push(key_hash(TAG_DELETE, shortened.as_bytes()));
            }
            let mut got = Vec::new();
            deletion_hashes(TAG_DELETE, key, |h| got.push(h));
            assert_eq!(got, expected, "{key}");
        }
        assert_ne!(key_hash(TAG_DELETE, b"ab"), key_hash(TAG_HOMOGLYPH, b"ab"));
        assert_eq!(POLY.wrapping_mul(POLY_INV), 1);
    }
}
